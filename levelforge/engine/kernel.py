"""The compiled step: every row of a batch through every phase of the rules.

:func:`step_rows` is the only loop over states. For each row that is still
playing it runs the game's program (``Tables.program``: the mechanics' hooks,
sorted by phase, in game order within a phase):

1. act: the action (move, push, attack ...);
2. after: what the player's new tile does (pick up, win conditions);
3. check: losing conditions (an NPC on the player);
4. world: NPCs move;
5. check again.

Rows that already ended are left unchanged and get reward 0. Compiled by
numba on first use and cached on disk (``__pycache__``), so later processes
load it in a fraction of a second.
"""

from __future__ import annotations

from numba import njit

from .batch import (
    EV_STEP,
    OP_ATTACK,
    OP_COLLECT,
    OP_COVER,
    OP_DEADLY,
    OP_MOVE,
    OP_PATROL,
    OP_REACH,
    P_CHECKS,
    P_ITEMS_CHANGE,
    P_WORLD,
    PLAYING,
    emit,
    unflat,
)
from .mechanics import attack, collect, deadly, goals, move, patrol


@njit(cache=True, inline="always")
def _run(tab, bt, b, op):
    if op == OP_MOVE:
        move.act(tab, bt, b)
    elif op == OP_ATTACK:
        attack.act(tab, bt, b)
    elif op == OP_COLLECT:
        collect.after_move(tab, bt, b)
    elif op == OP_REACH:
        goals.reach(tab, bt, b)
    elif op == OP_COVER:
        goals.cover(tab, bt, b)
    elif op == OP_DEADLY:
        deadly.check(tab, bt, b)
    elif op == OP_PATROL:
        patrol.world(tab, bt, b)


@njit(cache=True, inline="always")
def _copy_row(old, bt, b):
    """Start row ``b`` of the new state as a copy of the old."""
    bt.pos[b] = old.pos[b]
    bt.facing[b] = old.facing[b]
    bt.t[b] = old.t[b]
    bt.status[b] = old.status[b]
    for j in range(old.npc_pos.shape[1]):
        bt.npc_pos[b, j] = old.npc_pos[b, j]
        bt.npc_dir[b, j] = old.npc_dir[b, j]
    for k in range(old.inv.shape[1]):
        bt.inv[b, k] = old.inv[b, k]


@njit(cache=True, nogil=True)
def step_rows(lo, hi, inplace, *arrays):
    """Step rows ``lo:hi`` of a batch in place; ``arrays``: the Tables and the
    Batch flattened (:func:`~levelforge.engine.batch.flat`: numba reads loose
    arrays much faster than tuples of them). Rows are independent, so disjoint
    ranges may run on several threads at once, each with its own scratch
    arrays. ``inplace``: the Batch's new arrays are its old ones. Returns the
    number of actions out of range (nothing is valid then)."""
    tab, bt = unflat(arrays)
    return _rows(tab, bt, lo, hi, inplace)


@njit(cache=True, nogil=True)
def bad_actions(actions, n_actions, lo, hi):
    """How many of ``actions[lo:hi]`` are not in ``[0, n_actions)``."""
    bad = 0
    for b in range(lo, hi):
        a = actions[b]
        bad += a < 0 or a >= n_actions
    return bad


@njit(cache=True, nogil=True, _nrt=False)  # no allocation inside: no reference counting
def _rows(tab, bt, lo, hi, inplace):
    bad = bad_actions(bt.actions, tab.action_dir.shape[0], lo, hi)
    if bad:  # before any row changes
        return bad
    program = tab.program
    n_ops = program.shape[0]
    checks, world = tab.par[P_CHECKS], tab.par[P_WORLD]  # where those hooks start
    keep_items = tab.par[P_ITEMS_CHANGE] != 0  # write every row's items into new_items
    n = bt.row_items.shape[0]
    old = bt.old
    for b in range(lo, hi):
        if not inplace:
            _copy_row(old, bt, b)
        bt.reward[b] = 0.0
        bt.dirty[0] = 0
        if bt.status[b] == PLAYING:
            bt.moved[0] = -1
            bt.moved[1] = -1
            emit(tab, bt, b, EV_STEP)
            for k in range(world):  # act, after, check
                _run(tab, bt, b, program[k])
            for k in range(world, n_ops):  # world
                _run(tab, bt, b, program[k])
            for k in range(checks, world):  # check again
                _run(tab, bt, b, program[k])
            bt.t[b] += 1
        dirty = bt.dirty[0] != 0
        bt.changed[b] = dirty
        if keep_items and (dirty or not inplace):
            src = bt.row_items if dirty else old.items[b]
            for c in range(n):
                bt.new_items[b, c] = src[c]
    return 0
