"""locked: a solid terrain tile that the player may enter while carrying a key.

``tile`` names the terrain (e.g. a door), ``key`` the item that opens it. The
key is not used up. NPCs and pushed items are still blocked by the tile.
"""

from __future__ import annotations

from ..batch import LOCKED, P_KEY
from .base import Mechanic, mechanic


@mechanic
class Locked(Mechanic):
    use = "locked"
    keys = ("tile", "key")

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        (self.tile,) = self.tiles_of("tile", "terrain")[:1]
        (self.key_item,) = self.tiles_of("key", "item")[:1]

    def compile(self, tables) -> None:
        tables.terrain_flags[self.tile] |= LOCKED  # `move` lets a player with the key in
        tables.par[P_KEY] = self.key_item
