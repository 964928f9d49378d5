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
        self.period = math.lcm(*(int(e) for e in self.every[:-1][self.moving[:-1]])) if np.count_nonzero(self.moving) else 1
        # [kind, (t + 1) % period] -> moves on that step; kind -1 (dead) is the last row
        step = np.arange(self.period)
        self._due = self.moving[:, None] & (step[None, :] % self.every[:, None] == 0)
        # the same, flat, with "no NPC" first: index (kind + 1) * period + phase
        self._due_flat = np.concatenate([self._due[-1:], self._due[:-1]]).reshape(-1)
        self._table_cache: tuple[np.ndarray | None, np.ndarray] = (None, np.zeros(0, dtype=np.intp))

    def due(self, t: np.ndarray, slots) -> np.ndarray:
        """Which occupied NPC ``slots`` (see ``Engine.npc_slots``) move on the step
        after ``t`` steps (dead NPCs included: their cell is -1)."""
        _, rows, kinds = slots
        src, table_rows = self._table_cache  # offsets of the kinds' rows in the table
        if src is not kinds:
            table_rows = (kinds + 1) * self.period  # row 0 is "no NPC"
            self._table_cache = (kinds, table_rows)
        return self._due_flat.take(table_rows + ((t + 1) % self.period).take(rows))

    def world(self, turn) -> None:
        m = turn.npc_pos.shape[1]
        if not m:
            return
        occupied = turn.npc_slots()
        slots, slot_rows, _ = occupied
        if not len(slots):
            return
        due = self.due(turn.state.t, occupied)
        due &= turn.playing.take(slot_rows)
        # From here on: only the NPCs that move this step, as flat indices into (B * M).
        todo = slots[due]
        pos = turn.npc_pos.reshape(-1).take(todo)
        alive = pos >= 0
        if not alive.all():
            todo, pos = todo[alive], pos[alive]
        if not len(todo):
            return
        rows = todo // m
        step = turn.npc_dir.reshape(-1).take(todo)
        tgt = pos + step
        dest = turn.base.take(rows) + tgt  # target in the flat (B * N) state grids
        free = turn.board.masks["open"].take(turn.cell_base.take(rows) + tgt)
        free &= turn.items.reshape(-1).take(dest) == 0
        free &= turn.npc_map.reshape(-1).take(dest) == 0
        movers = np.flatnonzero(free)  # positions in `todo`
        if len(movers):
            go, go_dest = todo.take(movers), dest.take(movers)
            label = go % m + 1
            cells = turn.own("npc_map").reshape(-1)
            cells[go_dest - step.take(movers)] = 0
            cells[go_dest] = label
            lost = cells.take(go_dest) != label  # another NPC claimed the same tile
            if np.count_nonzero(lost):
                keep = self._settle(go, go_dest, step.take(movers), lost, cells, m, len(turn.live))
                movers, go = movers[keep], go[keep]
            turn.own("npc_pos").reshape(-1)[go] = tgt.take(movers)
        if len(movers) < len(todo):
            stays = np.ones(len(todo), dtype=bool)
            stays[movers] = False
            back = todo[stays]
            turn.own("npc_dir").reshape(-1)[back] = -step[stays]

    @staticmethod
    def _settle(go, dest, step, lost, cells, m, batch) -> np.ndarray:
        """Several NPCs of a state claimed one tile: the first in reading order
        takes it, the others stay. Fixes ``cells``; returns which of ``go`` move."""
        rows = go // m
        contested = np.zeros(batch, dtype=bool)
        contested[rows[lost]] = True
        keep = np.ones(len(go), dtype=bool)
        idx = np.flatnonzero(contested.take(rows))  # movers of the states with a clash
        order = idx[np.lexsort((go[idx], dest[idx]))]  # by tile, then reading order
        first = np.ones(len(order), dtype=bool)
        first[1:] = dest[order[1:]] != dest[order[:-1]]
        losers = order[~first]
        keep[losers] = False
        cells[dest[losers] - step[losers]] = go[losers] % m + 1
        winners = order[first]
        cells[dest[winners]] = go[winners] % m + 1
        return keep

    def start_heading(self, kind: np.ndarray) -> np.ndarray:
        return np.where(kind >= 0, self.heading[np.maximum(kind, 0)], 0).astype(np.int8)

    def channels(self) -> list[str]:
        return ["npc_heading_up", "npc_heading_down", "npc_heading_left", "npc_heading_right", "npc_moves_next"]

    def prepare(self, board) -> None:
        board.masks["open"] = ~board.masks["solid"]

    def lit(self, state, slots):
        flat, rows, _ = slots
        cells = state.npc_pos.reshape(-1).take(flat)
        heading = state.board.direction(state.npc_dir.reshape(-1).take(flat))
        due = self.due(state.t, slots)
        return [(rows, heading, cells), (rows[due], 4, cells[due])]

    def key(self, state):
        if not state.npc_pos.shape[1]:
            return []
        phase = (state.t % self.period).astype(np.uint16)
        return [
            state.npc_pos.astype(np.int16).view(np.uint8),
            state.npc_dir.astype(np.int8).view(np.uint8),
            phase.view(np.uint8).reshape(len(state), 2),
        ]
