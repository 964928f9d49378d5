"""Observation planes of engine states, written in full or updated in place.

Planes, in order (``Engine.channels`` names them):

1. one per terrain tile (static for a level),
2. one per item tile,
3. what ``Engine.planes`` lists: the player, one per NPC kind, then the
   mechanics' planes, each either a few *lit* cells (``facing``, NPC
   headings) or a whole plane of one value (``carrying_key``).

The dense terrain and item planes change rarely, the others in a few cells,
which is what makes in-place updates cheap: a step clears the cells the old
states lit and lights those of the new states, rewrites item planes only for
the rows whose items changed, and never touches terrain. Both passes are
compiled row loops (numba).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import njit

from .batch import (
    N_ROWS, N_TABLES, SHOW_AHEAD, SHOW_CARRYING, SHOW_DUE, SHOW_FACING, SHOW_HEADING, SHOW_NPC, SHOW_PLAYER, SOLID, Rows,
    Tables, rows_of,
)  # fmt: skip
from .mechanics.patrol import next_phase
from .state import DOWN, LEFT, RIGHT, UP, Board, State
from .threads import run_split

if TYPE_CHECKING:  # pragma: no cover
    from .core import Engine


class Layout(NamedTuple):
    """Where each plane goes, for one board size (plane numbers, -1: absent)."""

    height: int
    width: int
    n_terrain: int
    n_items: int
    inner: np.ndarray  # (H * W,) int64: padded cell of each plane cell
    cell_index: np.ndarray  # (N,) int64: plane cell of each padded cell, -1 on the padding ring
    heading_of: np.ndarray  # (2 * stride + 1,) int64: direction of an NPC step (offset + stride)
    player: int
    facing: int
    due: int
    ahead: int
    npc_planes: np.ndarray  # (K,) int64 plane of each NPC kind
    heading_planes: np.ndarray  # (4,) int64 plane of each NPC heading (UP, DOWN, LEFT, RIGHT), or all -1
    carrying: np.ndarray  # (I,) int64 plane of each carried item kind, -1 none


def _layout(engine: "Engine", board: Board) -> Layout:
    r = engine.rules
    first = len(r.terrain) + len(r.items)
    found = {SHOW_PLAYER: -1, SHOW_FACING: -1, SHOW_DUE: -1, SHOW_AHEAD: -1}
    npc_planes = np.full(max(len(r.npcs), 1), -1, dtype=np.int64)
    heading_planes = np.full(4, -1, dtype=np.int64)
    carrying = np.full(max(len(r.items), 1), -1, dtype=np.int64)
    for p, (show, arg) in enumerate(engine.planes.tolist()):
        table = {SHOW_NPC: npc_planes, SHOW_HEADING: heading_planes, SHOW_CARRYING: carrying}.get(show)
        if table is None:
            found[show] = first + p
        else:
            table[arg] = first + p
    cell_index = np.full(board.cells, -1, dtype=np.int64)
    cell_index[board.inner()] = np.arange(board.height * board.width)
    w = board.stride
    heading_of = np.zeros(2 * w + 1, dtype=np.int64)
    heading_of[[0, 2 * w, w - 1, w + 1]] = [UP, DOWN, LEFT, RIGHT]
    return Layout(
        board.height, board.width, len(r.terrain), len(r.items), board.inner(), cell_index, heading_of,
        found[SHOW_PLAYER], found[SHOW_FACING], found[SHOW_DUE], found[SHOW_AHEAD], npc_planes, heading_planes, carrying,
    )


def _refcounts(arrays: list) -> list[int]:
    """CPython's reference counts of the list's elements (as this function sees them)."""
    return [sys.getrefcount(a) for a in arrays]


# what _refcounts says of an element that only its list holds, measured on this
# interpreter rather than assumed (None where there are no reference counts)
_FREE = _refcounts([np.empty(0)])[0] if hasattr(sys, "getrefcount") else None
_SPARES = 3  # the caller's current and previous observations, and one free


class Observer:
    """A ``(B, C, H, W) uint8`` observation buffer for states on one board."""

    def __init__(self, engine: "Engine", board: Board, batch: int, array: np.ndarray | None = None) -> None:
        """``array``: a ``(batch, C, H, W) uint8`` buffer to write into (e.g. the first
        planes of a larger observation, a view), instead of one of its own."""
        self.engine = engine
        self.board_shape = (board.height, board.width)
        c = len(engine.channels)
        shape = (batch, c, board.height, board.width)
        if array is not None and (array.shape != shape or array.dtype != np.uint8):
            raise ValueError(f"Observer: the buffer must be {shape} uint8, got {array.shape} {array.dtype}")
        self.array = np.zeros(shape, dtype=np.uint8) if array is None else array
        self._planes = self.array.reshape(batch, c, board.height * board.width)
        if not np.shares_memory(self._planes, self.array):
            raise ValueError("Observer: each plane of the buffer must be contiguous")
        self.layout = _layout(engine, board)
        self._spares: list[np.ndarray] = []  # copies handed out, reused once free (see copy)
        self._all = np.arange(batch, dtype=np.int64)

    def write(self, states: State, rows: np.ndarray | None = None) -> None:
        """Write every plane of ``states`` into buffer rows ``rows`` (default: all)."""
        if rows is None:
            rows = self._all if len(states) == len(self._all) else np.arange(len(states), dtype=np.int64)
        else:
            rows = np.asarray(rows, dtype=np.int64)
        _write(states.board.terrain, rows, self._planes, *self.engine.tables, *self.layout, *rows_of(states))

    def update(self, old: State, new: State, items_changed: np.ndarray | None = None) -> None:
        """Turn the buffer, holding ``old`` (all rows), into ``new``'s planes.

        ``new`` must come from ``Engine.step(old, ...)``: same levels. After
        :meth:`Engine.advance`, ``old`` is a copy of the states before it
        (items may be the new ones) and ``items_changed`` what it returned.
        """
        if items_changed is None:
            changed, mode = _NO_ROWS, ITEMS_SAME if new.items is old.items else ITEMS_COMPARE
        else:
            changed, mode = items_changed, ITEMS_LISTED
        # rows are independent: big batches are updated on several cores
        run_split(_update, len(self.array), new.board.terrain, mode, changed, self._planes, *self.engine.tables,
                  *self.layout, *rows_of(old), *rows_of(new))

    def copy(self) -> np.ndarray:
        """A copy of the buffer that nothing here changes later.

        Fresh arrays are expensive at large batches (the system hands out
        new zeroed pages: for 4096 dungeon observations, 8 MB, that was a
        third of a vector step). So the copies handed out are remembered, and
        one that nobody else references any more (CPython's reference count
        says so; not even a view of it is alive) is written over instead.
        """
        free = [a for a, n in zip(self._spares, _refcounts(self._spares)) if n <= _FREE] if _FREE else []
        out = free[0] if free else None
        if out is None:
            out = np.empty_like(self.array)
            if len(self._spares) < _SPARES:
                self._spares.append(out)
        run_split(_copy_rows, len(out), out, self.array)
        return out


def _copy_rows(lo: int, hi: int, out: np.ndarray, src: np.ndarray) -> None:
    np.copyto(out[lo:hi], src[lo:hi])


@njit(cache=True, inline="always")
def _light(tab, lay, terrain, st, b, out, value):
    """Set (1) or clear (0) the lit cells of row ``b`` of ``st`` in ``out``
    (C, H*W); ``terrain``: the board's (L, N) terrain."""
    where = lay.cell_index
    pos = st.pos[b]
    if lay.player >= 0:
        out[lay.player, where[pos]] = value
    if lay.facing >= 0:
        i = where[pos + st.facing[b]]
        if i >= 0:
            out[lay.facing, i] = value
    m = st.npc_pos.shape[1]
    if m == 0:
        return
    phase = next_phase(tab, st.t[b])
    headings = lay.heading_planes[0] >= 0
    stride = lay.heading_of.shape[0] // 2
    for j in range(m):
        cell = st.npc_pos[b, j]
        if cell < 0:
            continue
        i = where[cell]
        kind = st.npc_kind[b, j]
        out[lay.npc_planes[kind], i] = value
        if headings:
            out[lay.heading_planes[lay.heading_of[st.npc_dir[b, j] + stride]], i] = value
        if tab.due[kind, phase]:
            if lay.due >= 0:
                out[lay.due, i] = value
            if lay.ahead >= 0:
                _ahead(tab, lay, st, b, j, terrain[st.level[b]], out, value)


@njit(cache=True, inline="always")
def _ahead(tab, lay, st, b, j, terrain, out, value):
    """Light (or clear) the cell NPC ``j`` of row ``b`` walks into next, if it
    is not solid and no NPC stands there (from the row's own arrays only, so
    that clearing finds what lighting set)."""
    cell = st.npc_pos[b, j] + st.npc_dir[b, j]
    if tab.terrain_flags[terrain[cell]] & SOLID:
        return
    for k in range(st.npc_pos.shape[1]):
        if st.npc_pos[b, k] == cell:
            return
    out[lay.ahead, lay.cell_index[cell]] = value


@njit(cache=True, inline="always")
def _fill(lay, st, b, out):
    for k in range(lay.carrying.shape[0]):
        plane = lay.carrying[k]
        if plane >= 0:
            value = 1 if st.inv[b, k] > 0 else 0
            for i in range(out.shape[1]):
                out[plane, i] = value


@njit(cache=True, inline="always")
def _items(lay, st, b, out):
    nt = lay.n_terrain
    for i in range(lay.inner.shape[0]):
        code = st.items[b, lay.inner[i]]
        for k in range(lay.n_items):
            out[nt + k, i] = 1 if code == k + 1 else 0


# The kernels take loose arrays (numba reads them much faster than tuples) and
# rebuild the tuples: Tables, Layout, then one or two Rows.
_LAY = N_TABLES + len(Layout._fields)
_ROWS2 = _LAY + N_ROWS
_ROWS3 = _ROWS2 + N_ROWS


@njit(cache=True, nogil=True)
def _write(terrain, rows, planes, *arrays):
    _write_rows(Tables(*arrays[:N_TABLES]), Layout(*arrays[N_TABLES:_LAY]), terrain, Rows(*arrays[_LAY:_ROWS2]), rows, planes)


# how `_update` finds the rows whose item planes to rewrite
ITEMS_SAME, ITEMS_COMPARE, ITEMS_LISTED = 0, 1, 2
_NO_ROWS = np.zeros(0, dtype=np.bool_)


@njit(cache=True, nogil=True)
def _update(lo, hi, terrain, items_mode, items_changed, planes, *arrays):
    tab, lay = Tables(*arrays[:N_TABLES]), Layout(*arrays[N_TABLES:_LAY])
    old, new = Rows(*arrays[_LAY:_ROWS2]), Rows(*arrays[_ROWS2:_ROWS3])
    _update_rows(tab, lay, terrain, old, new, items_mode, items_changed, planes, lo, hi)


@njit(cache=True, nogil=True, _nrt=False)
def _write_rows(tab, lay, terrain, st, rows, planes):
    for b in range(rows.shape[0]):
        out = planes[rows[b]]
        for ch in range(out.shape[0]):
            for i in range(out.shape[1]):
                out[ch, i] = 0
        ter = terrain[st.level[b]]
        for i in range(lay.inner.shape[0]):
            out[ter[lay.inner[i]], i] = 1
        _items(lay, st, b, out)
        _fill(lay, st, b, out)
        _light(tab, lay, terrain, st, b, out, 1)


@njit(cache=True, nogil=True, _nrt=False)
def _update_rows(tab, lay, terrain, old, new, items_mode, items_changed, planes, lo, hi):
    inv_planes = False
    for k in range(lay.carrying.shape[0]):
        inv_planes |= lay.carrying[k] >= 0
    for b in range(lo, hi):
        out = planes[b]
        _light(tab, lay, terrain, old, b, out, 0)
        if items_mode == ITEMS_LISTED:
            if items_changed[b]:
                _items(lay, new, b, out)
        elif items_mode == ITEMS_COMPARE:
            for cell in range(old.items.shape[1]):
                if old.items[b, cell] != new.items[b, cell]:
                    _items(lay, new, b, out)
                    break
        if inv_planes:
            for k in range(old.inv.shape[1]):
                if old.inv[b, k] != new.inv[b, k]:
                    _fill(lay, new, b, out)
                    break
        _light(tab, lay, terrain, new, b, out, 1)
