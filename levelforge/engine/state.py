"""Engine states: B game states stored as arrays with a leading batch axis.

Cells are flat indices into a level padded with one ring of solid terrain:
a level of H x W tiles is stored as (H + 2) x (W + 2) cells, so a move from
any playable cell stays inside the array. ``Board`` holds what never changes
during an episode (terrain, per level); ``State`` holds what does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from .rowcopy import as_index, copy_rows

# Directions, in the order of the move actions: up, down, left, right.
UP, DOWN, LEFT, RIGHT = 0, 1, 2, 3
_DELTAS: dict[int, np.ndarray] = {}


@dataclass(frozen=True, eq=False)
class Board:
    """Static part of L levels of one size.

    ``terrain`` is ``(L, N) uint8`` terrain-tile indices over the padded cells.
    ``levels`` are the Level objects, when known. ``cache`` holds what users
    derive from ``terrain`` (whoever rewrites terrain rows clears it).
    """

    height: int
    width: int
    terrain: np.ndarray
    levels: tuple[Any, ...] = ()
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def stride(self) -> int:
        """Cells per padded row (W + 2)."""
        return self.width + 2

    @property
    def cells(self) -> int:
        """Cells per padded level, N = (H + 2) * (W + 2)."""
        return (self.height + 2) * (self.width + 2)

    @property
    def delta(self) -> np.ndarray:
        """``(4,) int32`` cell offset of one step up, down, left, right (read-only)."""
        w = self.stride
        got = _DELTAS.get(w)
        if got is None:
            got = _DELTAS[w] = np.array([-w, w, -1, 1], dtype=np.int32)
            got.setflags(write=False)
        return got

    def inner(self) -> np.ndarray:
        """``(H * W,) int64`` padded cell index of each level tile in row-major order."""
        w = self.stride
        ys, xs = np.mgrid[1 : self.height + 1, 1 : self.width + 1]
        return (ys * w + xs).ravel()

    def cell(self, y: int, x: int) -> int:
        """Padded flat cell of level tile (y, x)."""
        return (y + 1) * self.stride + (x + 1)


@dataclass(frozen=True, eq=False)
class State:
    """B states on one :class:`Board`. Arrays are never changed in place.

    - ``level``: ``(B,) int32`` row of the board this state plays
    - ``pos``: ``(B,) int32`` player cell
    - ``facing``: ``(B,) int32`` cell offset towards the tile the player faces
      (one of ``board.delta``: the way it last moved or tried to)
    - ``items``: ``(B, N) uint8`` item on each cell (0 none, k = item tile k-1)
    - ``npc_pos``: ``(B, M) int32`` NPC cells (-1: no NPC in the slot, or dead)
    - ``npc_kind``: ``(B, M) int8`` NPC tile index (-1: no NPC in the slot)
    - ``npc_dir``: ``(B, M) int32`` cell offset of one step of each NPC's heading
    - ``inv``: ``(B, I) uint8`` carried count of each item tile
    - ``t``: ``(B,) int32`` steps taken
    - ``status``: ``(B,) int8`` 0 playing, 1 won, 2 lost
    """

    board: Board
    level: np.ndarray
    pos: np.ndarray
    facing: np.ndarray
    items: np.ndarray
    npc_pos: np.ndarray
    npc_kind: np.ndarray
    npc_dir: np.ndarray
    inv: np.ndarray
    t: np.ndarray
    status: np.ndarray

    PLAYING, WON, LOST = 0, 1, 2

    @staticmethod
    def of(board, level, pos, facing, items, npc_pos, npc_kind, npc_dir, inv, t, status) -> "State":
        """A State of these arrays, made without the dataclass ``__init__``
        (which costs microseconds for a frozen class: the step makes one per call)."""
        s = object.__new__(State)
        s.__dict__.update(
            board=board, level=level, pos=pos, facing=facing, items=items, npc_pos=npc_pos,
            npc_kind=npc_kind, npc_dir=npc_dir, inv=inv, t=t, status=status,
        )  # fmt: skip
        return s

    def __len__(self) -> int:
        return int(self.pos.shape[0])

    def arrays(self) -> dict[str, np.ndarray]:
        """The batched arrays by field name (everything but the board)."""
        return {name: getattr(self, name) for name in _ARRAYS}

    def take(self, idx: Any) -> "State":
        """The states at ``idx`` (an index array, a mask or a slice)."""
        if isinstance(idx, np.ndarray) and idx.dtype.kind in "iu":  # ndarray.take is about 2x faster
            return State.of(self.board, *(getattr(self, k).take(idx, axis=0) for k in _ARRAYS))
        if isinstance(idx, (list, tuple)):
            return self.take(np.asarray(idx, dtype=np.intp))
        # (a slice with a step would give strided views; the kernels want C order)
        return State(self.board, **{k: np.ascontiguousarray(v[idx]) for k, v in self.arrays().items()})

    def replace(self, **changes: np.ndarray) -> "State":
        return replace(self, **changes)

    def put(self, idx: np.ndarray, other: "State", previous: "State | None" = None) -> "State":
        """These states with rows ``idx`` replaced by ``other``'s rows.

        Without ``previous`` every array is copied. With ``previous`` (the
        states these were stepped from), arrays the step made new are updated
        in place and only those it shared with ``previous`` are copied: cheaper,
        for an owner of new states from a pure step that drops the old ones
        (owners of the arrays themselves use :meth:`set_rows`).
        """
        shared = {id(v) for v in previous.arrays().values()} if previous is not None else None
        out = {}
        for k, v in self.arrays().items():
            if shared is None or id(v) in shared or not v.flags.writeable or not v.flags.owndata:
                v = v.copy()
            v[idx] = getattr(other, k)
            out[k] = v
        return State(self.board, **out)

    def copy(self) -> "State":
        """A copy with arrays of its own (the board is shared)."""
        return State.of(self.board, *(v.copy() for v in self.arrays().values()))

    def lit_copy(self) -> "State":
        """A copy of these states that stays as it is when they are advanced in
        place, for an observation update: the small arrays are copied, the
        items shared (``Observer.update`` is told which rows changed them)."""
        return State.of(
            self.board, self.level, self.pos.copy(), self.facing.copy(), self.items, self.npc_pos.copy(),
            self.npc_kind, self.npc_dir.copy(), self.inv.copy(), self.t.copy(), self.status.copy(),
        )  # fmt: skip

    def set_rows(self, idx: np.ndarray, other: "State", src: np.ndarray | None = None) -> None:
        """Replace rows ``idx`` of these states' arrays by ``other``'s rows
        ``src`` (default: all of them, in order), in place (for an owner of the
        arrays, like :meth:`Engine.advance`), in one compiled call. ``other``
        must have rows of the same shapes (same board size and NPC slots)."""
        dst = as_index(idx, len(self))
        src = np.arange(len(other)) if src is None else as_index(src, len(other))
        if dst.shape != src.shape:
            raise ValueError(f"set_rows: {len(dst)} rows to replace but {len(src)} rows given")
        mine, theirs = self.arrays(), other.arrays()
        if [(v.dtype, v.shape[1:]) for v in mine.values()] != [(v.dtype, v.shape[1:]) for v in theirs.values()]:
            raise ValueError("set_rows: the other states' rows have other shapes or types (another board or NPC count)")
        if not copy_rows(dst, src, *mine.values(), *theirs.values()):
            raise IndexError(f"set_rows: a row index is out of range ({len(self)} rows here, {len(other)} there)")

    @property
    def won(self) -> np.ndarray:
        return self.status == State.WON

    @property
    def lost(self) -> np.ndarray:
        return self.status == State.LOST


_ARRAYS = tuple(f.name for f in fields(State) if f.name != "board")
