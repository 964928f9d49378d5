"""patrol: NPCs walk straight ahead and turn back when blocked. Deterministic.

Each NPC kind has a period ``every`` and a starting ``heading``. On step n
(1, 2, 3, ...) every living NPC whose ``n % every == 0`` tries to move one tile
in its heading; NPCs try in reading order of their starting tiles. The move
fails, and the NPC turns round instead (moving again on its next turn), when
the tile ahead

- is solid terrain (walls, and doors even when the player holds a key),
- holds an item,
- holds another NPC at the start of this step (so NPCs never swap or follow
  into a tile being vacated), or
- is also the target of an NPC earlier in reading order that can move.

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

    def due(self, t: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """``(B, M) bool``: NPCs that move on the step after ``t`` steps."""
        return self.moving[kind] & ((t[:, None] + 1) % self.every[kind] == 0)

    def world(self, turn) -> None:
        npos = turn.npc_pos
        m = npos.shape[1]
        if not m:
            return
        due = self.due(turn.state.t, turn.npc_kind) & (npos >= 0) & turn.playing[:, None]
        if not due.any():
            return
        delta = turn.delta[turn.npc_dir]
        tgt = np.where(due, npos + delta, 0)
        free = ~turn.board.masks["solid"][turn.cell_base[:, None] + tgt]
        free &= turn.items.reshape(-1)[turn.base[:, None] + tgt] == 0
        free &= ~(tgt[:, :, None] == npos[:, None, :]).any(axis=2)
        can = due & free
        if m > 1:
            earlier = np.tri(m, m, -1, dtype=bool)  # [i, j]: j before i
            clash = (tgt[:, :, None] == tgt[:, None, :]) & earlier & can[:, None, :]
            can &= ~clash.any(axis=2)
        turn.npc_pos = np.where(can, tgt, npos).astype(np.int32)
        turn.npc_dir = np.where(due & ~can, REVERSE[turn.npc_dir], turn.npc_dir).astype(np.int8)

    def start_heading(self, kind: np.ndarray) -> np.ndarray:
        return np.where(kind >= 0, self.heading[np.maximum(kind, 0)], 0).astype(np.int8)

    def channels(self) -> list[str]:
        return ["npc_heading_up", "npc_heading_down", "npc_heading_left", "npc_heading_right", "npc_moves_next"]

    def encode(self, state, planes) -> None:
        alive = state.npc_pos >= 0
        if not alive.any():
            return
        b, j = np.nonzero(alive)
        cells = state.npc_pos[b, j]
        planes[b, state.npc_dir[b, j], cells] = 1
        due = self.due(state.t, state.npc_kind)[b, j]
        planes[b[due], 4, cells[due]] = 1

    def key(self, state):
        if not state.npc_pos.shape[1]:
            return []
        phase = (state.t % self.period).astype(np.uint16)
        return [
            state.npc_pos.astype(np.int16).view(np.uint8),
            state.npc_dir.view(np.uint8),
            phase.view(np.uint8).reshape(len(state), 2),
        ]
