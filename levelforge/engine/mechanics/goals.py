"""Win conditions, from a game's ``[win]`` table.

- ``reach = ["exit", ...]``: won when the player stands on one of these
  terrain tiles.
- ``cover = { items = "box", terrain = "goal" }``: won when every such item
  lies on such terrain. Emits ``cover_on`` / ``cover_off`` for each item pushed
  onto / off the terrain (Sokoban's +1 / -1).

Both are checked at the end of the player's phase.
"""

from __future__ import annotations

import numpy as np

from ...errors import GameSpecError
from ..state import State
from .base import Mechanic, mechanic


@mechanic
class Reach(Mechanic):
    use = "reach"
    keys = ("tiles",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        self.tiles = self.tiles_of("tiles", "terrain")

    def prepare(self, board) -> None:
        board.masks["reach"] = np.isin(board.terrain, self.tiles).reshape(-1)

    def after_move(self, turn) -> None:
        turn.end(turn.mask("reach", turn.pos), State.WON)


@mechanic
class Cover(Mechanic):
    use = "cover"
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

    def prepare(self, board) -> None:
        board.masks["cover"] = (board.terrain == self.target).reshape(-1)

    def uncovered(self, items: np.ndarray, cell_mask: np.ndarray) -> np.ndarray:
        """``(R,) int`` items not on the target terrain; ``cell_mask`` is ``(R, N)``."""
        return ((items == self.code) & ~cell_mask).sum(axis=1)

    def after_move(self, turn) -> None:
        if not turn.item_moves:
            return
        n = turn.board.cells
        cover = turn.board.masks["cover"]
        on = np.zeros(len(turn.live), dtype=np.float32)
        off = np.zeros_like(on)
        landed = []
        for rows, src, dst in turn.item_moves:
            is_item = turn.items.reshape(-1).take(turn.base[rows] + dst) == self.code
            was = cover.take(turn.cell_base[rows] + src) & is_item
            now = cover.take(turn.cell_base[rows] + dst) & is_item
            np.add.at(on, rows, now & ~was)
            np.add.at(off, rows, was & ~now)
            landed.append(rows[now & ~was])
        turn.emit("cover_on", on)
        turn.emit("cover_off", off)
        # only a state where an item just landed on the terrain can be won now
        rows = np.unique(np.concatenate(landed))
        if not len(rows):
            return
        level_mask = cover.reshape(-1, n)[turn.state.level[rows]]
        done = np.zeros(len(turn.live), dtype=bool)
        done[rows] = self.uncovered(turn.items[rows], level_mask) == 0
        turn.end(done, State.WON)
