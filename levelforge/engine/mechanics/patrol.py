"""patrol: NPCs walk straight ahead and turn back when blocked. Deterministic.

Each NPC kind has a period ``every`` and a starting ``heading``. On step n
(1, 2, 3, ...) every living NPC whose ``n % every == 0`` tries to move one tile
in its heading. NPCs move one at a time, in reading order of their starting
tiles, each seeing where the earlier ones went. The move fails, and the NPC
turns round instead (moving again on its next turn), when the tile ahead

- is solid terrain (walls, and doors even when the player holds a key),
- holds an item, or
- holds another NPC at that moment.

An NPC may move onto the player (see ``deadly``).

Observation planes: one per heading (the NPCs' cells, by heading) and
``npc_moves_next`` (NPCs that move on the next step), so an agent sees all it
needs to predict them. Search keys hold NPC cells, headings and ``t`` modulo
the least common multiple of the periods.
"""

from __future__ import annotations

import math

import numpy as np

from ...errors import GameSpecError
from ..state import REVERSE
from .base import Mechanic, mechanic

HEADINGS = {"up": 0, "down": 1, "left": 2, "right": 3}


@mechanic
class Patrol(Mechanic):
    use = "patrol"
    keys = ("npcs",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        table = cfg.get("npcs")
        if not isinstance(table, dict) or not table:
            raise GameSpecError("mechanic 'patrol': 'npcs' must map NPC tiles to {every, heading}")
        k = len(rules.npcs)
        self.every = np.ones(k + 1, dtype=np.int32)  # index -1 (dead) maps to the extra slot
        self.heading = np.full(k, HEADINGS["right"], dtype=np.int8)
        self.moving = np.zeros(k + 1, dtype=bool)
        for name, p in table.items():
            i = rules.index("npc", name, "mechanic 'patrol'")
            if not isinstance(p, dict):
                raise GameSpecError(f"mechanic 'patrol': npcs.{name} must be a table")
            every = p.get("every", 1)
            if not isinstance(every, int) or not 1 <= every <= 64:
                raise GameSpecError(f"mechanic 'patrol': npcs.{name}.every must be an integer 1..64")
            heading = p.get("heading", "right")
            if heading not in HEADINGS:
                raise GameSpecError(f"mechanic 'patrol': npcs.{name}.heading must be one of {', '.join(HEADINGS)}")
            self.every[i] = every
            self.heading[i] = HEADINGS[heading]
            self.moving[i] = True
        self.period = math.lcm(*(int(e) for e in self.every[:-1][self.moving[:-1]])) if self.moving.any() else 1
        # [kind, (t + 1) % period] -> moves on that step; kind -1 (dead) is the last row
        step = np.arange(self.period)
        self._due = self.moving[:, None] & (step[None, :] % self.every[:, None] == 0)
        # the same, flat, with "no NPC" first: index (kind + 1) * period + phase
        self._due_flat = np.concatenate([self._due[-1:], self._due[:-1]]).reshape(-1)

    def due(self, t: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """``(B, M) bool``: NPCs that move on the step after ``t`` steps."""
        return self._due[kind, ((t + 1) % self.period)[:, None]]

    def world(self, turn) -> None:
        m = turn.npc_pos.shape[1]
        if not m:
            return
        phase = (turn.state.t + 1) % self.period
        playing = turn.playing
        solid = turn.board.masks["solid"]
        owned = False
        for j in range(m):
            # _due_flat row 0 is "no NPC" (kind -1), so index (kind + 1)
            due = np.take(self._due_flat, (turn.npc_kind[:, j] + 1) * self.period + phase)
            due &= playing
            if not due.any():
                continue
            if not owned:
                turn.npcs_for_write()
                owned = True
            pos = turn.npc_pos[:, j]
            heading = turn.npc_dir[:, j]
            tgt = pos + np.take(turn.delta, heading)
            free = ~np.take(solid, turn.cell_base + tgt)
            free &= np.take(turn.items, turn.base + tgt) == 0
            free &= np.take(turn.npc_map, turn.base + tgt) == 0
            go = due & free
            if go.any():
                rows = np.flatnonzero(go)
                flat = turn.npc_map.reshape(-1)
                flat[turn.base[rows] + pos[rows]] = 0
                flat[turn.base[rows] + tgt[rows]] = j + 1
                turn.npc_pos[rows, j] = tgt[rows]
            back = due & ~free
            if back.any():
                turn.npc_dir[back, j] = REVERSE[heading[back]]

    def start_heading(self, kind: np.ndarray) -> np.ndarray:
        return np.where(kind >= 0, self.heading[np.maximum(kind, 0)], 0).astype(np.int8)

    def channels(self) -> list[str]:
        return ["npc_heading_up", "npc_heading_down", "npc_heading_left", "npc_heading_right", "npc_moves_next"]

    def lit(self, state):
        cells = state.npc_pos
        due = self.due(state.t, state.npc_kind)
        planes = np.concatenate([state.npc_dir, np.full_like(state.npc_dir, 4)], axis=1)
        return planes, np.concatenate([cells, np.where(due, cells, -1)], axis=1)

    def key(self, state):
        if not state.npc_pos.shape[1]:
            return []
        phase = (state.t % self.period).astype(np.uint16)
        return [
            state.npc_pos.astype(np.int16).view(np.uint8),
            state.npc_dir.view(np.uint8),
            phase.view(np.uint8).reshape(len(state), 2),
        ]
