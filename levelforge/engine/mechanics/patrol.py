"""patrol: NPCs walk straight ahead and turn back when blocked. Deterministic.

Each NPC kind has a period ``every`` and a starting ``heading``. On step n
(1, 2, 3, ...) every living NPC whose ``n % every == 0`` tries to move one tile
in its heading, all at once. The move fails, and the NPC turns round instead
(moving again on its next turn), when the tile ahead, at the start of the step,

- is solid terrain (walls, and doors even when the player holds a key),
- holds an item, or
- holds another NPC (so NPCs never swap places or follow into a tile being
  vacated);

or when an NPC earlier in reading order (of the NPCs' starting tiles) moves
onto the same tile.

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
        idx = kind.astype(np.intp)
        idx += 1  # row 0 of the table is "no NPC" (kind -1)
        idx *= self.period
        idx += ((t + 1) % self.period)[:, None]
        return self._due_flat.take(idx)

    def world(self, turn) -> None:
        npos = turn.npc_pos
        m = npos.shape[1]
        if not m:
            return
        due = self.due(turn.state.t, turn.npc_kind)
        due &= turn.playing[:, None]
        if not due.any():
            return
        # Dead NPCs (cell -1) read arbitrary cells below; `due` masks them out.
        tgt = npos + turn.npc_dir
        flat = tgt + turn.base[:, None]
        old_map = turn.npc_map
        can = ~turn.board.masks["solid"].take(tgt + turn.cell_base[:, None])
        can &= turn.items.take(flat) == 0
        can &= old_map.take(flat) == 0
        can &= due
        if can.any():
            rows, slots = np.nonzero(can)
            new_map = old_map.copy()
            cells = new_map.reshape(-1)
            cells[turn.base[rows] + npos[rows, slots]] = 0
            dest = flat[rows, slots]
            cells[dest] = slots + 1
            lost = cells[dest] != slots + 1  # another NPC claimed the same tile
            if lost.any():
                can = self._settle(can, flat, rows[lost], cells, turn.base, npos)
            turn.npc_map = new_map
            turn.npc_pos = np.where(can, tgt, npos)
        turn.npc_dir = np.where(due & ~can, -turn.npc_dir, turn.npc_dir)

    @staticmethod
    def _settle(can, flat, rows, cells, base, npos) -> np.ndarray:
        """Where NPCs of a state claimed one tile, the first in reading order takes
        it; the others stay (and turn round). Fixes ``cells`` to match."""
        can = can.copy()
        for r in np.unique(rows):
            movers = np.flatnonzero(can[r])
            seen: dict[int, int] = {}
            for j in movers:  # reading order
                cell = int(flat[r, j])
                if cell in seen:
                    can[r, j] = False
                    cells[base[r] + npos[r, j]] = j + 1
                else:
                    seen[cell] = j
            for cell, j in seen.items():
                cells[cell] = j + 1
        return can

    def start_heading(self, kind: np.ndarray) -> np.ndarray:
        return np.where(kind >= 0, self.heading[np.maximum(kind, 0)], 0).astype(np.int8)

    def channels(self) -> list[str]:
        return ["npc_heading_up", "npc_heading_down", "npc_heading_left", "npc_heading_right", "npc_moves_next"]

    def lit(self, state):
        cells = state.npc_pos
        due = self.due(state.t, state.npc_kind)
        heading = state.board.direction(state.npc_dir)
        planes = np.concatenate([heading, np.full_like(heading, 4)], axis=1)
        return planes, np.concatenate([cells, np.where(due, cells, -1)], axis=1)

    def key(self, state):
        if not state.npc_pos.shape[1]:
            return []
        phase = (state.t % self.period).astype(np.uint16)
        return [
            state.npc_pos.astype(np.int16).view(np.uint8),
            state.npc_dir.astype(np.int8).view(np.uint8),
            phase.view(np.uint8).reshape(len(state), 2),
        ]
