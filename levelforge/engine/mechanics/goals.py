"""Win conditions, from a game's ``[win]`` table.

- ``reach = ["exit", ...]``: won when the player stands on one of these
  terrain tiles.
- ``cover = { items = "box", terrain = "goal" }``: won when every such item
  lies on such terrain. Emits ``cover_on`` / ``cover_off`` for each item pushed
  onto / off the terrain (Sokoban's +1 / -1).

Both are checked at the end of the player's phase.
"""

from __future__ import annotations

from numba import njit

from ...errors import GameSpecError
from ..batch import (
    COVER,
    COVERING,
    EV_COVER_OFF,
    EV_COVER_ON,
    OP_COVER,
    OP_REACH,
    REACH,
    WON,
    emit,
    end,
    item_at,
    terrain_at,
)
from .base import Mechanic, mechanic


@mechanic
class Reach(Mechanic):
    use = "reach"
    op = OP_REACH
    keys = ("tiles",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        self.tiles = self.tiles_of("tiles", "terrain")

    def compile(self, tables) -> None:
        for t in self.tiles:
            tables.terrain_flags[t] |= REACH
        tables.program.append(self.op)


@mechanic
class Cover(Mechanic):
    use = "cover"
    op = OP_COVER
    keys = ("items", "terrain")
    events = ("cover_on", "cover_off")

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        for k in ("items", "terrain"):
            if not isinstance(cfg.get(k), str):
                raise GameSpecError(f"win 'cover' needs {k} = \"<tile name>\"")
        (self.item,) = self.tiles_of("items", "item")
        (self.target,) = self.tiles_of("terrain", "terrain")
        self.code = self.item + 1

    def compile(self, tables) -> None:
        tables.item_flags[self.code] |= COVERING
        tables.terrain_flags[self.target] |= COVER
        tables.program.append(self.op)


@njit(cache=True, inline="always")
def reach(tab, bt, b):
    if tab.terrain_flags[terrain_at(bt, b, bt.pos[b])] & REACH:
        end(tab, bt, b, WON)


@njit(cache=True, inline="always")
def cover(tab, bt, b):
    src, dst = bt.moved[0], bt.moved[1]
    if src < 0 or not tab.item_flags[item_at(bt, b, dst)] & COVERING:
        return
    was = tab.terrain_flags[terrain_at(bt, b, src)] & COVER
    now = tab.terrain_flags[terrain_at(bt, b, dst)] & COVER
    if was and not now:
        emit(tab, bt, b, EV_COVER_OFF)
    elif now and not was:
        emit(tab, bt, b, EV_COVER_ON)
        # only a state where an item just landed on the terrain can be won now
        terrain = bt.terrain[bt.old.level[b]]
        for cell in range(terrain.shape[0]):
            if tab.item_flags[item_at(bt, b, cell)] & COVERING and not tab.terrain_flags[terrain[cell]] & COVER:
                return
        end(tab, bt, b, WON)
