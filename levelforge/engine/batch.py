"""What the compiled step sees: the rule tables, the batch of rows, and the
helpers that read and write one row.

The step (:mod:`levelforge.engine.kernel`) runs every state of a batch
through every phase, one row at a time, in machine code compiled by numba.
Mechanics contribute flags and numbers to :class:`Tables` when a game is
compiled, and the functions that apply them (``act``, ``after_move``, ...)
in their own modules; this module holds what they share.
"""

from __future__ import annotations

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
N_PAR = 4

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


class Batch(NamedTuple):
    """The rows of one step. The ``State`` arrays are the new state's, which
    start as copies of the old ones and are changed in place row by row;
    ``items`` is the old state's (read-only): a row that changes its items
    works on ``row_items`` and is copied to ``new_items`` (``changed`` set)."""

    stride: int
    terrain: np.ndarray  # (L, N) uint8
    level: np.ndarray  # (B,) int32
    actions: np.ndarray  # (B,) int64
    items: np.ndarray  # (B, N) uint8, old
    npc_kind: np.ndarray  # (B, M) int8
    pos: np.ndarray
    facing: np.ndarray
    npc_pos: np.ndarray
    npc_dir: np.ndarray
    inv: np.ndarray
    t: np.ndarray
    status: np.ndarray
    reward: np.ndarray  # (B,) float32
    new_items: np.ndarray  # (B, N) uint8, rows valid where `changed`
    changed: np.ndarray  # (B,) bool
    row_items: np.ndarray  # (N,) uint8 scratch: this row's items once written
    dirty: np.ndarray  # (1,) uint8: row_items holds this row's items
    moved: np.ndarray  # (2,) int64: the item this row pushed, (from, to); -1 none
    occupied: np.ndarray  # (N,) uint8 scratch, all zero between uses


def exact(a: np.ndarray) -> np.ndarray:
    """``a`` as kernels are compiled for: C-contiguous and writeable (a copy if not)."""
    if a.flags.c_contiguous and a.flags.writeable:
        return a
    return np.array(a, order="C")


@njit(cache=True, inline="always")
def terrain_at(bt, b, cell):
    return bt.terrain[bt.level[b], cell]


@njit(cache=True, inline="always")
def item_at(bt, b, cell):
    if bt.dirty[0]:
        return bt.row_items[cell]
    return bt.items[b, cell]


@njit(cache=True, inline="always")
def set_item(bt, b, cell, code):
    if not bt.dirty[0]:
        for c in range(bt.row_items.shape[0]):
            bt.row_items[c] = bt.items[b, c]
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
