"""collect: stepping onto a collectible item picks it up into the inventory.

Emits the reward event ``collect`` (one per item taken). The inventory holds a
count per item kind (at most 255) and is shown to agents as one observation
plane per collectible kind (all ones while the player carries at least one).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..batch import COLLECTIBLE, EV_COLLECT, OP_COLLECT, PLAYING, SHOW_CARRYING, emit, item_at, set_item
from .base import Mechanic, mechanic


@mechanic
class Collect(Mechanic):
    use = "collect"
    op = OP_COLLECT
    keys = ("items",)
    events = ("collect",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        self.items = self.tiles_of("items", "item")

    def compile(self, tables) -> None:
        for i in self.items:
            tables.item_role(i, COLLECTIBLE)
        tables.program.append(self.op)

    def planes(self):
        return [(f"carrying_{self.rules.items[i]}", SHOW_CARRYING, i) for i in self.items]

    def key(self, state):
        return [state.inv[:, self.items]]


@njit(cache=True, inline="always")
def after_move(tab, bt, b):
    if bt.status[b] != PLAYING:
        return
    cell = bt.pos[b]
    code = item_at(bt, b, cell)
    if tab.item_flags[code] & COLLECTIBLE:
        bt.inv[b, code - 1] = min(np.int64(bt.inv[b, code - 1]) + 1, 255)
        set_item(bt, b, cell, 0)
        emit(tab, bt, b, EV_COLLECT)
