"""Exact pruning for push puzzles: states from which a win is impossible.

Used by the solver when a game wins by ``cover`` with items that the ``push``
mechanic moves (Sokoban). Both tests only discard states that can never be
won, so the search stays exact:

- *dead cells*: a cell from which a pushed item can never reach a target
  cell even if nothing else were in the way (computed once per level by
  walking pushes backwards from the targets). An item to cover standing on
  one can never be covered.
- *frozen squares*: a 2 x 2 square whose four cells are each solid or hold a
  pushable item can never change (no item in it can be pushed along either
  axis); if one of its items still needs covering, the level is lost.

Both are checked where an item was just pushed (:meth:`PushDeadlocks.dead_children`),
and once on the start state (:meth:`PushDeadlocks.dead_state`): a level that
starts with a box in a corner is lost before the first move, and the search
need not walk every state of the rest of it to find out.
"""

from __future__ import annotations

import numpy as np

from ..engine import Engine, State


class PushDeadlocks:
    """Finds children that pushed a coverable item into a deadlock."""

    def __init__(self, engine: Engine, state: State) -> None:
        push = next(m for m in engine.mechanics if m.use == "push")
        cover = next(m for m in engine.mechanics if m.use == "cover")
        self.code = cover.code
        board = state.board
        w = board.stride
        self.w = w
        self.pushable = np.zeros(len(engine.rules.items) + 1, dtype=bool)
        self.pushable[[i + 1 for i in push.items]] = True
        terrain = board.terrain[int(state.level[0])]
        self.solid = engine.rules.terrain_solid[terrain]
        self.target = terrain == cover.target
        self.dead = ~self._live_cells(board.delta)
        # the four 2x2 squares holding a cell, as offsets of their four cells
        corners = np.array([0, -1, -w, -w - 1])
        self.squares = corners[:, None] + np.array([0, 1, w, w + 1])[None, :]

    def _live_cells(self, delta: np.ndarray) -> np.ndarray:
        """Cells from which an item can be pushed to a target (ignoring other items)."""
        n = len(self.solid)
        live = self.target & ~self.solid
        todo = list(np.flatnonzero(live))
        while todo:
            y = todo.pop()
            for d in delta:
                x = y - d  # an item at x pushed by a player at x - d lands on y
                if 0 <= x - d < n and not live[x] and not self.solid[x] and not self.solid[x - d]:
                    live[x] = True
                    todo.append(x)
        return live

    def dead_state(self, state: State) -> bool:
        """Is the one-row ``state`` certainly lost: an item to cover on a dead cell, or in a frozen square
        while it (or another item of the square) still needs covering?"""
        items = state.items[0]
        cells = np.flatnonzero(items == self.code)
        if not len(cells):
            return False
        if self.dead[cells].any():
            return True
        square = cells[:, None, None] + self.squares[None, :, :]  # (I, 4 squares, 4 cells)
        it = items[square]
        blocked = self.solid[square] | self.pushable[it]
        needs = (it == self.code) & ~self.target[square]
        return bool((blocked.all(axis=2) & needs.any(axis=2)).any())

    def dead_children(self, parents: State, children: State) -> np.ndarray:
        """``(B,) bool``: children that are certainly lost. ``children[i]`` came from ``parents[i]``."""
        n = parents.board.cells
        base = np.arange(len(children), dtype=np.int64) * n
        moved_into = np.take(parents.items, base + children.pos)
        pushed = (children.pos != parents.pos) & np.take(self.pushable, moved_into)
        out = np.zeros(len(children), dtype=bool)
        if not np.count_nonzero(pushed):
            return out
        rows = np.flatnonzero(pushed)
        cell = children.pos[rows] + children.facing[rows]
        items = children.items[rows]
        is_code = items[np.arange(len(rows)), cell] == self.code
        lost = is_code & self.dead[cell]
        # frozen squares around the pushed item
        cells = cell[:, None, None] + self.squares[None, :, :]  # (R, 4 squares, 4 cells)
        r3 = np.arange(len(rows))[:, None, None]
        it = items[r3, cells]
        blocked = self.solid[cells] | self.pushable[it]
        needs = (it == self.code) & ~self.target[cells]
        lost |= (blocked.all(axis=2) & needs.any(axis=2)).any(axis=1)
        out[rows] = lost
        return out
