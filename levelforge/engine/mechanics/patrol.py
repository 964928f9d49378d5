"""patrol: NPCs walk straight ahead and turn back when blocked. Deterministic.

Each NPC kind has a period ``every`` and a starting ``heading``. On step n
(1, 2, 3, ...) every living NPC whose ``n % every == 0`` tries to move one tile
in its heading, all at once. The move fails, and the NPC turns round instead
(moving again on its next turn), when the tile ahead, at the start of the step,

- is solid terrain (walls, and doors even when the player holds a key),
- holds an item, or
- holds another NPC (so NPCs never swap places or follow into a tile being
  vacated);

or when an NPC earlier in reading order (of the NPCs' starting tiles in the
level) moves onto the same tile.

An NPC may move onto the player (see ``deadly``).

Observation planes: one per heading (the NPCs' cells, by heading),
``npc_moves_next`` (NPCs that move on the next step) and ``npc_ahead`` (the
cells those NPCs walk into on the next step: the tile ahead unless it is
solid or another NPC stands there; items are not considered), so an agent
sees all it needs to predict them, and the most urgent part, where a monster
will be, without having to work it out. Search keys hold NPC cells, headings and ``t`` modulo
the least common multiple of the periods.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ...errors import GameSpecError
from ..batch import OP_PATROL, P_PERIOD, PLAYING, SHOW_AHEAD, SHOW_DUE, SHOW_HEADING, SOLID
from ..state import DOWN, LEFT, RIGHT, UP

HEADINGS = {"up": UP, "down": DOWN, "left": LEFT, "right": RIGHT}

from .base import Mechanic, mechanic  # noqa: E402


@mechanic
class Patrol(Mechanic):
    use = "patrol"
    op = OP_PATROL
    keys = ("npcs",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        table = cfg.get("npcs")
        if not isinstance(table, dict) or not table:
            raise GameSpecError("mechanic 'patrol': 'npcs' must map NPC tiles to {every, heading}")
        k = len(rules.npcs)
        self.every = np.ones(k, dtype=np.int64)
        self.heading = np.full(k, RIGHT, dtype=np.int8)
        self.moving = np.zeros(k, dtype=bool)
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
        self.period = math.lcm(*(int(e) for e in self.every[self.moving])) if self.moving.any() else 1
        # [kind, step % period] -> the kind moves on that step
        step = np.arange(self.period)
        self.due = (self.moving[:, None] & (step[None, :] % self.every[:, None] == 0)).astype(np.uint8)

    def compile(self, tables) -> None:
        tables.due = self.due
        tables.par[P_PERIOD] = self.period
        tables.program.append(self.op)

    def start_heading(self, kind: np.ndarray) -> np.ndarray:
        return np.where(kind >= 0, self.heading[np.maximum(kind, 0)], 0).astype(np.int8)

    def planes(self):
        names = ("npc_heading_up", "npc_heading_down", "npc_heading_left", "npc_heading_right")
        return [(n, SHOW_HEADING, d) for d, n in enumerate(names)] + [("npc_moves_next", SHOW_DUE, 0),
                                                                      ("npc_ahead", SHOW_AHEAD, 0)]

    def key(self, state):
        if not state.npc_pos.shape[1]:
            return []
        phase = (state.t % self.period).astype(np.uint16)
        return [
            state.npc_pos.astype(np.int16).view(np.uint8),
            state.npc_dir.astype(np.int8).view(np.uint8),
            phase.view(np.uint8).reshape(len(state), 2),
        ]


@njit(cache=True, inline="always")
def next_phase(tab, t):
    """The phase (in ``Tables.due``) of the step after ``t`` steps."""
    return (t + 1) % tab.par[P_PERIOD]


@njit(cache=True, inline="always")
def world(tab, bt, b):
    if bt.status[b] != PLAYING:
        return
    cells, heads, kinds = bt.npc_pos[b], bt.npc_dir[b], bt.old.npc_kind[b]
    m = cells.shape[0]
    # cells an NPC stood on at the start of the step or has moved onto since:
    # an occupancy map (zero again on return) instead of comparing every pair
    occupied = bt.occupied
    alive = 0
    for j in range(m):
        if cells[j] >= 0:
            occupied[cells[j]] = 1
            alive += 1
    if not alive:
        return
    due = tab.due
    phase = next_phase(tab, bt.t[b])
    solid = tab.terrain_flags
    terrain = bt.terrain[bt.old.level[b]]
    items = bt.row_items if bt.dirty[0] else bt.old.items[b]  # nothing below changes items
    for j in range(m):
        here = cells[j]
        if here < 0 or not due[kinds[j], phase]:
            continue
        ahead = here + heads[j]
        if solid[terrain[ahead]] & SOLID or items[ahead] or occupied[ahead]:
            heads[j] = -heads[j]
        else:
            cells[j] = ahead
            occupied[ahead] = 1
    # clear the map: every cell set above is a start cell or a current cell
    for j in range(m):
        here = cells[j]
        if here >= 0:
            occupied[here] = 0
            occupied[here - heads[j]] = 0
