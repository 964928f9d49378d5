"""push: walking into a pushable item shoves it one tile further.

The push succeeds when the tile beyond is not solid and holds no item and no
NPC; otherwise the player does not move. Items are never pulled.
"""

from __future__ import annotations

import numpy as np

from .base import Mechanic, mechanic


@mechanic
class Push(Mechanic):
    use = "push"
    keys = ("items",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        self.handled_items = self.tiles_of("items", "item")

    def enter(self, turn, target, trying):
        rows = np.flatnonzero(trying)
        tgt = target[rows]
        beyond = tgt + turn.facing[rows]
        ok = ~turn.board.masks["solid"].take(turn.cell_base[rows] + beyond)
        ok &= turn.items.take(turn.base[rows] + beyond) == 0
        if turn.npc_pos.shape[1]:
            ok &= turn.npc_map.take(turn.base[rows] + beyond) == 0
        refused = np.zeros_like(trying)
        refused[rows[~ok]] = True
        if np.count_nonzero(ok):
            r, src, dst = rows[ok], tgt[ok], beyond[ok]
            codes = turn.items.reshape(-1)[turn.base[r] + src]
            turn.set_items(r, dst, codes)
            turn.set_items(r, src, 0)
            turn.item_moves.append((r, src, dst))
        return refused
