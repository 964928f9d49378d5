"""Observation planes of engine states, written in full or updated in place.

Planes, in order (``Engine.channels`` names them):

1. one per terrain tile (static for a level),
2. one per item tile,
3. the player, then one per NPC kind,
4. the extra planes of each mechanic, either *filled* (a whole plane of one
   value, e.g. ``carrying_key``) or *lit* (a few cells set, e.g. ``facing``).

Terrain and item planes are dense; the player, NPC and lit planes are sparse
(a few cells per state), which is what makes in-place updates cheap: a step
clears the cells the old states lit and lights those of the new states,
rewrites item planes only for the states whose items changed, and never
touches terrain. The buffer remembers which cells it lit, so clearing them
needs no recomputation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .state import Board, State

if TYPE_CHECKING:  # pragma: no cover
    from .core import Engine


class Observer:
    """A ``(B, C, H, W) uint8`` observation buffer for states on one board."""

    def __init__(self, engine: "Engine", board: Board, batch: int) -> None:
        self.engine = engine
        r = engine.rules
        self.nt, self.ni = len(r.terrain), len(r.items)
        self.c = len(engine.channels)
        self.h, self.w = board.height, board.width
        self.board_shape = (board.height, board.width)
        self.hw = self.h * self.w
        # One spare byte after the planes: writes for "no cell" (NPC slot -1, or
        # a cell on the padding ring) map far past the end and are clamped to it.
        self._flat = np.zeros(batch * self.c * self.hw + 1, dtype=np.uint8)
        self._trash = batch * self.c * self.hw
        self.array = self._flat[:-1].reshape(batch, self.c, self.h, self.w)
        inner = np.full(board.cells + 1, 1 << 40, dtype=np.int64)  # padded cell -> inner index
        inner[board.inner()] = np.arange(self.hw)
        self._inner = inner
        self._inner_cells = board.inner()
        self._row_stride = self.c * self.hw
        self._planes = self._flat[:-1].reshape(batch, self.c, self.hw)
        self._lit_now: list[np.ndarray] = []
        self._terrain_codes = np.arange(self.nt, dtype=np.uint8)[None, :, None]
        self._item_codes = np.arange(1, self.ni + 1, dtype=np.uint8)[None, :, None]
        self._fill_at = engine.fill_channels
        self._base_cache: tuple[int, np.ndarray] = (0, np.zeros(0, dtype=np.int64))

    # -- pieces ------------------------------------------------------------------
    def _terrain(self, states: State, rows: np.ndarray) -> None:
        terr = states.board.terrain[states.level][:, self._inner_cells]
        out = (terr[:, None, :] == self._terrain_codes).view(np.uint8)
        self._planes[rows, : self.nt] = out

    def _items(self, states: State, rows: np.ndarray) -> None:
        if self.ni:
            it = states.items[:, self._inner_cells]
            out = (it[:, None, :] == self._item_codes).view(np.uint8)
            self._planes[rows, self.nt : self.nt + self.ni] = out

    def _fills(self, states: State, rows: np.ndarray) -> None:
        vals = self.engine.fills(states)
        if vals is not None:
            self._planes[rows[:, None], self._fill_at[None, :]] = vals[:, :, None]

    def _lit_indices(self, states: State, rows: np.ndarray) -> np.ndarray:
        """Buffer indices of the sparse cells ``states`` light, written into ``rows``."""
        groups = self.engine.lit(states)
        every = np.arange(len(states))
        cells = np.concatenate([c for _, _, c in groups])
        lit_rows = np.concatenate([every if r is None else r for r, _, _ in groups])
        planes = np.concatenate([np.full(len(c), p) if isinstance(p, int) else p for _, p, c in groups])
        idx = self._inner.take(cells)  # padded cell -> offset in a plane (far past the end: none)
        idx += rows.take(lit_rows) * self._row_stride
        idx += planes * self.hw
        np.minimum(idx, self._trash, out=idx)
        return idx

    # -- public ------------------------------------------------------------------
    def write(self, states: State, rows: np.ndarray | None = None) -> None:
        """Write every plane of ``states`` into buffer rows ``rows`` (default: all)."""
        full = rows is None
        rows = self._all_rows(len(states)) if full else np.asarray(rows)
        self._planes[rows] = 0
        self._terrain(states, rows)
        self._items(states, rows)
        self._fills(states, rows)
        idx = self._lit_indices(states, rows)
        self._flat[idx] = 1
        # Sparse cells that may be lit now (a superset is fine: clearing a cell
        # the next state lights again costs nothing but time).
        self._lit_now = [idx] if full else self._lit_now + [idx]

    def update(self, old: State, new: State) -> None:
        """Turn the buffer, holding ``old`` (all rows), into ``new``'s planes.

        ``new`` must come from ``Engine.step(old, ...)``: same levels.
        """
        for idx in self._lit_now:
            self._flat[idx] = 0
        if new.items is not old.items:
            changed = np.flatnonzero((new.items != old.items).any(axis=1))
            if len(changed):
                self._items(new.take(changed), changed)
        if new.inv is not old.inv and self._fill_at.size:
            changed = np.flatnonzero((new.inv != old.inv).any(axis=1))
            if len(changed):
                self._fills(new.take(changed), changed)
        idx = self._lit_indices(new, self._all_rows(len(new)))
        self._flat[idx] = 1
        self._lit_now = [idx]

    def _all_rows(self, n: int) -> np.ndarray:
        if self._base_cache[0] != n:
            self._base_cache = (n, np.arange(n, dtype=np.int64))
        return self._base_cache[1]
