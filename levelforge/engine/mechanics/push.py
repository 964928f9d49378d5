"""push: walking into a pushable item shoves it one tile further.

The push succeeds when the tile beyond is not solid and holds no item, no
NPC and (in a team game) no other player; otherwise the player does not move. Items are never pulled.
"""

from __future__ import annotations

from numba import njit

from ..batch import PUSHABLE, SOLID, item_at, npc_at, set_item, terrain_at
from .base import Mechanic, mechanic


@mechanic
class Push(Mechanic):
    use = "push"
    keys = ("items",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        self.items = self.tiles_of("items", "item")

    def compile(self, tables) -> None:
        for i in self.items:
            tables.item_role(i, PUSHABLE)


@njit(cache=True, inline="always")
def push(tab, bt, b, cell, step):
    """Push the item on ``cell`` one ``step`` on, if it can go; True if it went.
    The move is remembered in ``bt.moved`` (from, to) for ``cover``."""
    beyond = cell + step
    if tab.terrain_flags[terrain_at(bt, b, beyond)] & SOLID:
        return False
    if item_at(bt, b, beyond) or npc_at(bt, b, beyond) >= 0 or bt.occupied[beyond]:
        return False
    set_item(bt, b, beyond, item_at(bt, b, cell))
    set_item(bt, b, cell, 0)
    bt.moved[0] = cell
    bt.moved[1] = beyond
    return True
