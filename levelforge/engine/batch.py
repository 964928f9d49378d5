"""What the compiled step sees: the rule tables, the batch of rows, and the
helpers that read and write one row.

The step (:mod:`levelforge.engine.kernel`) runs every state of a batch
through every phase, one row at a time, in machine code compiled by numba.
Mechanics contribute flags and numbers to :class:`Tables` when a game is
compiled, and the functions that apply them (``act``, ``after_move``, ...)
in their own modules; this module holds what they share.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import numpy as np
from numba import njit

# -- terrain flags (Tables.terrain_flags) -------------------------------------
SOLID = 1  # blocks the player, NPCs and pushed items
REACH = 2  # standing here wins (win.reach)
COVER = 4  # the terrain that items must cover (win.cover)
LOCKED = 8  # the player may enter while carrying the key (mechanic locked)

# -- item flags (Tables.item_flags, by item code: 0 = no item) ------------------
BLOCKS = 1  # the player may not walk onto it
PUSHABLE = 2  # walking into it pushes it (mechanic push)
COLLECTIBLE = 4  # walking onto it picks it up (mechanic collect)
COVERING = 8  # the item of win.cover

# -- reward events (Tables.weights) -------------------------------------------
EVENTS = ("step", "win", "lose", "collect", "kill", "cover_on", "cover_off")
EV_STEP, EV_WIN, EV_LOSE, EV_COLLECT, EV_KILL, EV_COVER_ON, EV_COVER_OFF = range(len(EVENTS))

# -- numbers (Tables.par) -----------------------------------------------------------
P_KEY = 0  # item index that opens LOCKED terrain (-1: none)
P_ATTACK = 1  # the attack action (-1: none)
P_NPCS_BLOCK = 2  # 1: the player may not walk into NPCs (no `deadly`)
P_PERIOD = 3  # NPC patrol period (least common multiple of `every`)
P_ITEMS_CHANGE = 4  # 1: a mechanic moves or removes items (push, collect)
P_CHECKS = 5  # where the check hooks start in Tables.program
P_WORLD = 6  # where the world hooks start (the program's end when none)
N_PAR = 7

# -- status (as State) ------------------------------------------------------------
PLAYING, WON, LOST = 0, 1, 2


class Tables(NamedTuple):
    """One game's compiled rules.

    - ``terrain_flags``: ``(T,) uint8`` flags per terrain tile
    - ``item_flags``: ``(I + 1,) uint8`` flags per item code
    - ``action_dir``: ``(A,) int8`` direction of each action (-1: not a move)
    - ``weights``: ``(len(EVENTS),) float32`` reward per event
    - ``due``: ``(K, period) uint8``: NPC kind k moves on step n when ``due[k, n % period]``
    - ``par``: ``(N_PAR,) int64`` numbers (``P_*``)
    - ``program``: ``(S,) int8`` the mechanics' hooks in game order (``OP_*`` of the kernel)
    """

    terrain_flags: np.ndarray
    item_flags: np.ndarray
    action_dir: np.ndarray
    weights: np.ndarray
    due: np.ndarray
    par: np.ndarray
    program: np.ndarray


class Rows(NamedTuple):
    """A State's arrays (without its board), as kernels read them."""

    level: np.ndarray  # (B,) int32
    pos: np.ndarray  # (B,) int32
    facing: np.ndarray  # (B,) int32
    items: np.ndarray  # (B, N) uint8
    npc_pos: np.ndarray  # (B, M) int32
    npc_kind: np.ndarray  # (B, M) int8
    npc_dir: np.ndarray  # (B, M) int32
    inv: np.ndarray  # (B, I) uint8
    t: np.ndarray  # (B,) int32
    status: np.ndarray  # (B,) int8


def rows_of(s) -> Rows:
    """The arrays of State ``s``. (States hold C-contiguous arrays of fixed
    dtypes; other layouts would work too, after compiling another variant.)"""
    return Rows(s.level, s.pos, s.facing, s.items, s.npc_pos, s.npc_kind, s.npc_dir, s.inv, s.t, s.status)


class Batch(NamedTuple):
    """The rows of one step: the ``old`` states (read only) and the new
    state's arrays, which the kernel fills row by row (``level`` and
    ``npc_kind`` never change and are shared). A row that changes its items
    works on ``row_items``; in games whose items can change, every row's
    final items go to ``new_items``, in others items are shared. Stepping in
    place, the new arrays are the old ones."""

    stride: int
    terrain: np.ndarray  # (L, N) uint8
    actions: np.ndarray  # (B,) int64
    old: Rows
    pos: np.ndarray
    facing: np.ndarray
    npc_pos: np.ndarray
    npc_dir: np.ndarray
    inv: np.ndarray
    t: np.ndarray
    status: np.ndarray
    reward: np.ndarray  # (B,) float32
    new_items: np.ndarray  # (B, N) uint8 (or (0, N) when items never change)
    changed: np.ndarray  # (B,) bool: the row's items changed
    row_items: np.ndarray  # (N,) uint8 scratch: this row's items once written
    dirty: np.ndarray  # (1,) uint8: row_items holds this row's items
    moved: np.ndarray  # (2,) int64: the item this row pushed, (from, to); -1 none
    # (N,) uint8 scratch, all zero between rows: cells NPCs hold or held this world phase; in a team
    # step's player phase (levelforge.engine.team), the cells the other players hold
    occupied: np.ndarray


@njit(cache=True, inline="always")
def terrain_at(bt, b, cell):
    return bt.terrain[bt.old.level[b], cell]


@njit(cache=True, inline="always")
def item_at(bt, b, cell):
    if bt.dirty[0]:
        return bt.row_items[cell]
    return bt.old.items[b, cell]


@njit(cache=True, inline="always")
def set_item(bt, b, cell, code):
    if not bt.dirty[0]:
        for c in range(bt.row_items.shape[0]):
            bt.row_items[c] = bt.old.items[b, c]
        bt.dirty[0] = 1
    bt.row_items[cell] = code


@njit(cache=True, inline="always")
def npc_at(bt, b, cell):
    """The slot of the living NPC on ``cell`` in row ``b``, or -1."""
    row = bt.npc_pos[b]
    for j in range(row.shape[0]):
        if row[j] == cell:
            return j
    return -1


@njit(cache=True, inline="always")
def emit(tab, bt, b, event, count=1.0):
    """Add ``count`` times the reward of ``event`` to row ``b``."""
    bt.reward[b] += tab.weights[event] * count


@njit(cache=True, inline="always")
def end(tab, bt, b, outcome):
    """Finish row ``b`` as WON or LOST, if it is still playing."""
    if bt.status[b] == PLAYING:
        bt.status[b] = outcome
        emit(tab, bt, b, EV_WIN if outcome == WON else EV_LOSE)


# -- the hooks a mechanic can run in a step (Tables.program), in phase order ----------
# act: the action; after: what the player's new tile does; check: losing
# conditions (run after the player's phase and again after the world's);
# world: NPCs move.
OP_MOVE, OP_ATTACK, OP_COLLECT, OP_REACH, OP_COVER, OP_DEADLY, OP_PATROL = range(1, 8)
PHASE_ACT, PHASE_AFTER, PHASE_CHECK, PHASE_WORLD = range(4)
PHASE_OF = {OP_MOVE: PHASE_ACT, OP_ATTACK: PHASE_ACT, OP_COLLECT: PHASE_AFTER, OP_REACH: PHASE_AFTER,
            OP_COVER: PHASE_AFTER, OP_DEADLY: PHASE_CHECK, OP_PATROL: PHASE_WORLD}

# -- what an observation plane shows (Engine.planes) ------------------------------
# (after the dense terrain and item planes)
SHOW_PLAYER = 0  # the player's cell
SHOW_NPC = 1  # cells of living NPCs of kind `arg`
SHOW_FACING = 2  # the cell the player faces
SHOW_HEADING = 3  # cells of living NPCs heading `arg` (UP, DOWN, LEFT, RIGHT)
SHOW_DUE = 4  # cells of living NPCs that move on the next step
SHOW_CARRYING = 5  # the whole plane, while the player carries item `arg`
SHOW_AHEAD = 6  # the cells NPCs moving on the next step walk into (unless another NPC stands there)


N_TABLES = len(Tables._fields)
N_ROWS = len(Rows._fields)
_OLD = Batch._fields.index("old")
_OLD_END = _OLD + N_ROWS


def flat(tab: Tables, bt: Batch) -> tuple:
    """``tab`` and ``bt`` as one flat tuple of arrays and ints (see :func:`unflat`)."""
    return (*tab, *bt[:_OLD], *bt.old, *bt[_OLD + 1 :])


@njit(cache=True)
def unflat(arrays):
    """Inside a kernel: the Tables and Batch from :func:`flat`'s tuple."""
    tab = Tables(*arrays[:N_TABLES])
    rest = arrays[N_TABLES:]
    old = Rows(*rest[_OLD:_OLD_END])
    return tab, Batch(*rest[:_OLD], old, *rest[_OLD_END:])


_SCRATCH = threading.local()
_LINE = 64  # bytes in a cache line


def _own_lines(n: int, dtype) -> np.ndarray:
    """``n`` zeros of ``dtype`` on cache lines of their own. Threads write
    their scratch on every row; two tiny arrays from one allocator often share
    a cache line, and then the threads' writes fight over it (false sharing:
    two threads were slower than one)."""
    nbytes = n * np.dtype(dtype).itemsize
    raw = np.zeros(nbytes + 3 * _LINE, dtype=np.uint8)
    start = -raw.ctypes.data % _LINE + _LINE  # aligned, a whole line after the block's start
    return raw[start : start + nbytes].view(dtype)


def scratch(n: int, part: int = 0) -> dict[str, np.ndarray]:
    """Scratch arrays for the calling thread to step a batch of ``n``-cell
    levels, for part ``part`` of a batch split over threads (kept per calling
    thread, size and part: a kernel leaves them reusable)."""
    mine = getattr(_SCRATCH, "by_size", None)
    if mine is None:
        mine = _SCRATCH.by_size = {}
    got = mine.get((n, part))
    if got is None:
        got = mine[n, part] = {
            "row_items": _own_lines(n, np.uint8),
            "dirty": _own_lines(1, np.uint8),
            "moved": _own_lines(2, np.int64),
            "occupied": _own_lines(n, np.uint8),
        }
    return got
