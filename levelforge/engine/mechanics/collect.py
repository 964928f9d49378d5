"""collect: stepping onto a collectible item picks it up into the inventory.

Emits the reward event ``collect`` (one per item taken). The inventory holds a
count per item kind (at most 255) and is shown to agents as one observation
plane per collectible kind (all ones while the player carries at least one).
"""

from __future__ import annotations

import numpy as np

from .base import Mechanic, mechanic


@mechanic
class Collect(Mechanic):
    use = "collect"
    keys = ("items",)
    events = ("collect",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        self.passable_items = self.tiles_of("items", "item")
        self.collectible = np.zeros(len(rules.items) + 1, dtype=bool)
        self.collectible[[i + 1 for i in self.passable_items]] = True

    def after_move(self, turn) -> None:
        code = turn.item_at(turn.pos)
        got = turn.playing & self.collectible.take(code)
        if not np.count_nonzero(got):
            return
        rows = np.flatnonzero(got)
        inv = turn.own("inv")
        slot = code[rows].astype(np.int64) - 1
        inv[rows, slot] = np.minimum(inv[rows, slot].astype(np.int32) + 1, 255)
        turn.set_items(rows, turn.pos[rows], 0)
        turn.emit("collect", got.astype(np.float32))

    def channels(self) -> list[str]:
        return [f"carrying_{self.rules.items[i]}" for i in self.passable_items]

    def fill(self, state):
        return (state.inv[:, self.passable_items] > 0).view(np.uint8)

    def key(self, state):
        return [state.inv[:, self.passable_items]]
