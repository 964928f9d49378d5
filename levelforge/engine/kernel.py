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
    PHASE_AFTER,
    PHASE_CHECK,
    PHASE_WORLD,
    PLAYING,
    emit,
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
def _phase(op):
    if op <= OP_ATTACK:
        return 0
    if op <= OP_COVER:
        return PHASE_AFTER
    if op == OP_DEADLY:
        return PHASE_CHECK
    return PHASE_WORLD


@njit(cache=True, nogil=True, _nrt=False)  # no allocation inside: no reference counting
def step_rows(tab, bt):
    """Step every row of ``bt`` in place (see :class:`~levelforge.engine.batch.Batch`)."""
    program = tab.program
    n_ops = program.shape[0]
    # where the check hooks start and the world hooks start, in the sorted program
    checks = n_ops
    world = n_ops
    for k in range(n_ops - 1, -1, -1):
        p = _phase(program[k])
        if p >= PHASE_WORLD:
            world = k
        if p >= PHASE_CHECK:
            checks = k
    for b in range(bt.pos.shape[0]):
        bt.reward[b] = 0.0
        bt.changed[b] = False
        if bt.status[b] != PLAYING:
            continue
        bt.dirty[0] = 0
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
        if bt.dirty[0]:
            for c in range(bt.row_items.shape[0]):
                bt.new_items[b, c] = bt.row_items[c]
            bt.changed[b] = True
