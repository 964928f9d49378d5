"""Team games: several players in one world, stepped by the same compiled rules.

A team state of G games with P players each is a :class:`State` of G * P
rows, game g's players in rows ``g * P .. g * P + P - 1``. Each row is the
game as its player sees it, a complete one-player state: its player's
cell, facing and inventory, and the world (items, NPCs). So everything that
reads one-player states (observations, keys, pictures) reads a team row as
it is, and a player's own cell is the ``player`` plane of its row. The step
keeps the world of a game's rows equal.

One joint step of a game (:func:`team_rows`, compiled like the one-player
step and running the same mechanics' hooks):

1. *Players act one after another*, in the order ``t mod P``, ``t + 1 mod
   P``, ... (``t``: steps taken), so no player always goes first. A
   player's act, after and check hooks run on its row, in the world the
   player before it left. **Collisions**: a move, or a push, into a cell
   another playing player holds is blocked, as by a wall (the mover still
   turns to face it); so two players never share a cell, and of two
   players heading for one free cell the one acting first gets it.
2. *NPCs move once* (the world hooks, on a playing row), and every playing
   player's check hooks run again (an NPC walking into a player).
3. *The world* (items, NPCs) is copied to every row of the game; in a
   ``shared`` (co-operative) game the inventory too, so a key any player
   carries opens the door for all.
4. *Outcome*. Co-operative: when a player wins, every playing player wins.
   Race: when a player wins, every other playing player loses. A player
   who loses on its own (an NPC) is out (it neither acts nor blocks); the
   others play on. The game ends when no player is playing.

Rewards are per player: its own events, and the win or loss the outcome
gives it. The players of one game share the step count ``t``.
"""

from __future__ import annotations

import threading
from typing import NamedTuple, Sequence

import numpy as np
from numba import njit

from ..errors import LevelFormatError
from .batch import (EV_STEP, LOST, P_CHECKS, P_ITEMS_CHANGE, P_WORLD, PLAYING, WON, Batch, emit, end, flat, rows_of,
                    scratch, unflat)
from .core import Engine
from .kernel import _run
from .state import Board, State


class Team:
    """``players`` players per game of ``engine``'s rules; ``shared``: co-operative
    (one inventory, one outcome) rather than a race."""

    def __init__(self, engine: Engine, players: int, shared: bool = True) -> None:
        if isinstance(players, bool) or not isinstance(players, (int, np.integer)) or not 1 <= players <= 8:
            raise ValueError(f"players must be an integer from 1 to 8, got {players!r}")
        self.engine = engine
        self.players = int(players)
        self.shared = bool(shared)
        self._ready: tuple | None = None  # see _prepare

    # -- loading ------------------------------------------------------------------
    def starts(self, level) -> list[tuple[int, int]]:
        """The players' start cells (y, x) on ``level``: its own starts in reading
        order, then, if it has fewer than :attr:`players`, the free ground cells
        nearest the first start (by walking distance, then reading order): the
        same cells every time. LevelFormatError if there is no room."""
        e = self.engine
        g = np.asarray(getattr(level, "grid", level))
        own = [tuple(int(v) for v in c) for c in np.argwhere(e.tile_player[g])]
        if not own:
            raise LevelFormatError(f"{_name(level)}: has no {e.rules.player!r} tile to start from")
        if len(own) >= self.players:
            return own[: self.players]
        ground = e.spec.tile(e.spec.ground).id
        walk = ~e.rules.terrain_solid[e.tile_terrain[g]]
        dist = _walk_distance(walk, own[0])
        free = (g == ground) & (dist >= 0)
        ys, xs = np.nonzero(free)
        order = np.lexsort((xs, ys, dist[ys, xs]))
        need = self.players - len(own)
        if len(order) < need:
            raise LevelFormatError(f"{_name(level)}: room for {len(own) + len(order)} players, not {self.players}")
        return own + [(int(ys[i]), int(xs[i])) for i in order[:need]]

    def load(self, levels: Sequence, size: tuple[int, int] | None = None, max_npcs: int | None = None) -> State:
        """Initial team states of ``levels``: one game each, ``players`` rows per game."""
        e = self.engine
        grids = []
        for lv in levels:
            g = np.asarray(getattr(lv, "grid", lv))
            starts = self.starts(lv)
            npc = e.tile_npc[g]
            bare = e.compose[e.tile_terrain[g], e.tile_item[g], np.where(npc >= 0, 2 + npc, 0)]  # no player
            for y, x in starts:
                one = bare.copy()
                one[y, x] = e.compose[e.tile_terrain[g[y, x]], e.tile_item[g[y, x]], 1]
                grids.append(_Start(one, getattr(lv, "name", None)))  # named, for the engine's errors
        if not grids:
            raise ValueError("Team.load needs at least one level")
        s = e.load(grids, size=size, max_npcs=max_npcs)
        # one board row per game (its players' rows have the same terrain)
        board = Board(s.board.height, s.board.width, s.board.terrain[:: self.players].copy(), levels=tuple(levels))
        level = np.repeat(np.arange(len(levels), dtype=np.int32), self.players)
        return State.of(board, level, s.pos, s.facing, s.items, s.npc_pos, s.npc_kind, s.npc_dir, s.inv, s.t,
                        s.status)

    # -- the rules ------------------------------------------------------------------
    def advance(self, states: State, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One joint step of every game, in place. ``actions``: ``(G, P)`` or
        ``(G * P,)`` ints (a finished player's action is ignored). Returns
        ``(G * P,) float32`` rewards and ``(G * P,) bool`` finished players
        (won or lost). What the compiled call needs is kept between calls on
        the same ``states`` from the same thread (a single env steps one
        State for a whole episode)."""
        a = np.asarray(actions)
        if a.size != len(states) or a.ndim not in (1, 2) or (a.ndim == 2 and a.shape[1] != self.players):
            raise ValueError(f"a team step needs one action per player: got {np.shape(actions)}, "
                             f"expected ({len(states) // self.players}, {self.players})")
        if a.dtype.kind not in "iu":
            raise ValueError(f"actions must be integers in [0, {self.engine.n_actions}), got {actions!r}")
        ready = self._ready
        if ready is None or ready[0] is not states or ready[1] != threading.get_ident():
            ready = self._ready = self._prepare(states)
        _, _, arrays, act, reward = ready
        act[:] = a.reshape(-1)
        if team_rows(self.players, self.shared, 0, len(states) // self.players, *arrays):
            raise ValueError(f"actions must be integers in [0, {self.engine.n_actions}), got {actions!r}")
        return reward.copy(), states.status != PLAYING

    def _prepare(self, states: State) -> tuple:
        """``(states, thread, flat arrays, actions, reward)``: the compiled call's
        arguments for stepping ``states`` in place on this thread (its scratch
        arrays are the thread's own), with buffers of its own. (The kernel also
        marks the rows whose items changed, in ``changed``; team observations
        are written in full, so nothing reads it.)"""
        if len(states) % self.players:
            raise ValueError(f"{len(states)} rows are not games of {self.players} players")
        e, s, b = self.engine, states, len(states)
        changing = bool(e.tables.par[P_ITEMS_CHANGE])
        act, reward, changed = np.zeros(b, dtype=np.int64), np.zeros(b, dtype=np.float32), np.zeros(b, dtype=np.bool_)
        bt = Batch(
            stride=s.board.stride, terrain=s.board.terrain, actions=act, old=rows_of(s), pos=s.pos, facing=s.facing,
            npc_pos=s.npc_pos, npc_dir=s.npc_dir, inv=s.inv, t=s.t, status=s.status, reward=reward, changed=changed,
            new_items=s.items if changing else np.empty((0, s.board.cells), dtype=np.uint8),
            **scratch(s.board.cells),
        )  # fmt: skip
        return states, threading.get_ident(), flat(e.tables, bt), act, reward

    def step(self, states: State, actions: np.ndarray) -> tuple[State, np.ndarray, np.ndarray]:
        """:meth:`advance` on a copy: ``states`` stays as it is."""
        new = states.copy()
        reward, done = self.advance(new, actions)
        return new, reward, done

    # -- views ---------------------------------------------------------------------------
    def grid(self, states: State) -> np.ndarray:
        """``(G, H, W) uint8`` tile ids showing each game, every playing player drawn."""
        e, p = self.engine, self.players
        first = states.take(np.arange(0, len(states), p))
        b = states.board
        n = b.cells
        top = np.zeros((len(first), n), dtype=np.int64)
        alive = first.npc_pos >= 0
        if np.count_nonzero(alive):
            gi, j = np.nonzero(alive)
            top[gi, first.npc_pos[gi, j]] = 2 + first.npc_kind[gi, j]
        playing = (states.status == PLAYING).reshape(-1, p)
        gi, pi = np.nonzero(playing)
        top[gi, states.pos.reshape(-1, p)[gi, pi]] = 1
        ids = e.compose[b.terrain[first.level], first.items, top]
        return ids.reshape(len(first), b.height + 2, b.width + 2)[:, 1:-1, 1:-1]


class _Start(NamedTuple):
    """One player's start grid of a level, with the level's name."""

    grid: np.ndarray
    name: str | None


def _name(level) -> str:
    name = getattr(level, "name", None)
    return f"level {name!r}" if name else "level"


def _walk_distance(walk: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    """``(H, W) int64`` steps from ``start`` over ``walk`` cells (-1: not reached)."""
    h, w = walk.shape
    dist = np.full((h, w), -1, dtype=np.int64)
    dist[start] = 0
    frontier = [start]
    d = 0
    while frontier:
        d += 1
        nxt = []
        for y, x in frontier:
            for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                yy, xx = y + dy, x + dx
                if 0 <= yy < h and 0 <= xx < w and walk[yy, xx] and dist[yy, xx] < 0:
                    dist[yy, xx] = d
                    nxt.append((yy, xx))
        frontier = nxt
    return dist


# -- the compiled joint step ---------------------------------------------------------------


@njit(cache=True, inline="always")
def _flush(bt, r):
    """Write the items row ``r`` changed (``row_items``) into its row."""
    if bt.dirty[0]:
        for c in range(bt.row_items.shape[0]):
            bt.new_items[r, c] = bt.row_items[c]
        bt.changed[r] = True
        bt.dirty[0] = 0


@njit(cache=True, inline="always")
def _sync(bt, src, dst, shared):
    """Row ``dst`` gets row ``src``'s world (and, ``shared``, its inventory)."""
    if src == dst:
        return
    if bt.new_items.shape[0]:
        for c in range(bt.new_items.shape[1]):
            v = bt.new_items[src, c]
            if bt.new_items[dst, c] != v:
                bt.new_items[dst, c] = v
                bt.changed[dst] = True
    for j in range(bt.npc_pos.shape[1]):
        bt.npc_pos[dst, j] = bt.npc_pos[src, j]
        bt.npc_dir[dst, j] = bt.npc_dir[src, j]
    if shared:
        for k in range(bt.inv.shape[1]):
            bt.inv[dst, k] = bt.inv[src, k]


@njit(cache=True, inline="always")
def _outcome(tab, bt, r0, players, shared):
    """A won game: every playing player wins (``shared``) or loses (a race)."""
    won = False
    for q in range(players):
        won |= bt.status[r0 + q] == WON
    if won:
        for q in range(players):
            end(tab, bt, r0 + q, WON if shared else LOST)


@njit(cache=True, inline="always")
def _mark(bt, r0, players, me, value):
    """Set (1) or clear (0) the cells of the playing players of the game other than row ``me``."""
    for q in range(players):
        o = r0 + q
        if o != me and bt.status[o] == PLAYING:
            bt.occupied[bt.pos[o]] = value


@njit(cache=True, nogil=True)
def team_rows(players, shared, lo, hi, *arrays):
    """One joint step of games ``lo:hi`` (rows ``lo * players`` on), in place;
    ``arrays``: the Tables and the Batch flattened. Returns the number of
    actions out of range (nothing changed then)."""
    tab, bt = unflat(arrays)
    return _games(tab, bt, players, shared, lo, hi)


@njit(cache=True, nogil=True, _nrt=False)
def _games(tab, bt, players, shared, lo, hi):
    n_actions = tab.action_dir.shape[0]
    bad = 0
    for r in range(lo * players, hi * players):  # a finished player's action is ignored, whatever it is
        if bt.status[r] == PLAYING:
            bad += bt.actions[r] < 0 or bt.actions[r] >= n_actions
    if bad:
        return bad
    program = tab.program
    n_ops = program.shape[0]
    checks, world = tab.par[P_CHECKS], tab.par[P_WORLD]
    for g in range(lo, hi):
        r0 = g * players
        live = 0
        for q in range(players):
            bt.reward[r0 + q] = 0.0
            live += bt.status[r0 + q] == PLAYING
        if live == 0:
            continue
        t = bt.t[r0]
        last = -1  # the row holding the newest world
        # 1. players act in turn
        for k in range(players):
            r = r0 + (t + k) % players
            if bt.status[r] != PLAYING:
                continue
            if last >= 0:
                _sync(bt, last, r, shared)
            _mark(bt, r0, players, r, 1)
            bt.dirty[0] = 0
            bt.moved[0] = -1
            bt.moved[1] = -1
            emit(tab, bt, r, EV_STEP)
            for op in range(world):  # act, after, check
                _run(tab, bt, r, program[op])
            _flush(bt, r)
            _mark(bt, r0, players, r, 0)
            last = r
            if bt.status[r] == WON:
                break
        _outcome(tab, bt, r0, players, shared)
        # 2. NPCs move once, on a playing row
        w = -1
        for q in range(players):
            if w < 0 and bt.status[r0 + q] == PLAYING:
                w = r0 + q
        if w >= 0 and world < n_ops:
            if last >= 0:
                _sync(bt, last, w, shared)
            bt.dirty[0] = 0
            for op in range(world, n_ops):
                _run(tab, bt, w, program[op])
            _flush(bt, w)
            last = w
        # 3. one world for all, then the checks again
        if last >= 0:
            for q in range(players):
                _sync(bt, last, r0 + q, shared)
        for q in range(players):
            o = r0 + q
            if bt.status[o] == PLAYING:
                bt.dirty[0] = 0
                for op in range(checks, world):
                    _run(tab, bt, o, program[op])
        _outcome(tab, bt, r0, players, shared)
        for q in range(players):
            bt.t[r0 + q] += 1
    return 0

