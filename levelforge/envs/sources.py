"""Level sources for the environments, and the pool that serves resets.

A *level source* is one of:

- a :class:`~levelforge.level.Level`, or a list of them;
- a path: a level file, or a folder of ``*.txt`` level files;
- ``None``: the game's own corpus (``games/<name>/levels``);
- a callable ``f(rng) -> Level`` taking a ``numpy.random.Generator``: endless
  levels (e.g. a generator model); called once per reset.

Finite sources are served in shuffled order: each pass over the levels is a
new permutation drawn from the environment's seeded generator, so the same
seed gives the same sequence of levels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..engine import Board, Engine, State
from ..errors import LevelFormatError
from ..game import game_key, game_levels_dir
from ..level import Level, max_size, read_levels

LevelFactory = Callable[[np.random.Generator], Level]


def resolve_levels(source: Any, engine: Engine) -> list[Level] | LevelFactory:
    """A finite source as a list of levels, or a callable source as is."""
    spec = engine.spec
    if source is None:
        d = game_levels_dir(spec)
        if d is None:
            raise LevelFormatError(f"game {spec.name!r} ships no levels; pass levels=...")
        source = d
    if isinstance(source, Level):
        check_game(source, engine)
        return [source]
    if isinstance(source, (str, Path)):
        return read_levels(source, spec)
    if callable(source):
        return source
    levels = list(source)
    if not levels:
        raise LevelFormatError("the level source is empty")
    for lv in levels:
        check_game(lv, engine)
    return levels


def board_size(levels: list[Level], spec) -> tuple[int, int]:
    """The board the environments put ``levels`` on: the largest level, and at
    least the game's default size (smaller levels are padded with solid
    terrain at the bottom and right). Whoever plays levels outside an env
    (the agent's judge) uses the same, so agents see levels as they trained."""
    h = max(max(lv.height for lv in levels), spec.height)
    w = max(max(lv.width for lv in levels), spec.width)
    return h, w


def source_size(levels: list[Level] | LevelFactory, spec) -> tuple[int, int]:
    """The board for a resolved level source: :func:`board_size` of a finite
    one, the game's default size for a callable (whose levels are unknown)."""
    return board_size(levels, spec) if isinstance(levels, list) else (spec.height, spec.width)


def npc_limit(spec) -> int | None:
    """The most NPCs a level of the game may hold (``[constraints] npcs``), or None."""
    lim = spec.constraints.get("npcs")
    return int(lim[1]) if isinstance(lim, list) and len(lim) == 2 else None


def check_game(lv: Any, engine: Engine) -> None:
    """Raise unless ``lv`` is a Level of the engine's game."""
    if not isinstance(lv, Level):
        raise TypeError(f"level sources hold Level objects, got {type(lv).__name__}")
    if lv.spec.name != engine.spec.name:
        raise LevelFormatError(f"level {lv.name or lv.id} is a {lv.spec.name} level, not {engine.spec.name}")


class LevelOrder:
    """Indices of a finite source of ``n`` levels, served in shuffled passes: each
    pass a new permutation from the caller's seeded generator."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.reset()

    def reset(self) -> None:
        """Forget the current pass (when the environment is re-seeded)."""
        self._order = np.arange(0)
        self._cursor = 0

    def next(self, rng: np.random.Generator, k: int) -> np.ndarray:
        """The next ``k`` indices."""
        out = np.empty(k, dtype=np.int64)
        filled = 0
        while filled < k:
            if self._cursor >= len(self._order):
                self._order = rng.permutation(self.n)
                self._cursor = 0
            take = min(k - filled, len(self._order) - self._cursor)
            out[filled : filled + take] = self._order[self._cursor : self._cursor + take]
            self._cursor += take
            filled += take
        return out


class LevelPool:
    """Initial states for environment resets, drawn reproducibly.

    All states it serves share one :class:`Board`, of ``size`` (height,
    width) and room for ``max_npcs`` NPCs, so a batch of environments can
    step together whatever levels they play. For a finite source the board
    holds every level once and a reset only copies a row of initial state;
    for a callable source the board has one row per environment slot, and a
    reset writes the new level's terrain into that slot's row.
    """

    def __init__(self, engine: Engine, source: Any, slots: int, size: tuple[int, int] | None = None) -> None:
        self.engine = engine
        spec = engine.spec
        self.levels = resolve_levels(source, engine)
        self.max_npcs = npc_limit(spec)
        self.size = size or source_size(self.levels, spec)
        if isinstance(self.levels, list):
            self.bank = engine.load(self.levels, size=self.size, max_npcs=self.max_npcs)
            self.board = self.bank.board
            self.order = LevelOrder(len(self.levels))
        else:
            if self.max_npcs is None:
                self.max_npcs = 8
            hmax, wmax = max_size(spec)
            if self.size[0] > hmax or self.size[1] > wmax:
                raise LevelFormatError(f"size {self.size} exceeds the game's maximum {hmax} x {wmax}")
            self.bank = None
            placeholder = engine.load([_placeholder(engine)], size=self.size, max_npcs=self.max_npcs)
            self.board = _slot_board(engine, placeholder, slots)

    def reset_order(self) -> None:
        """Forget the current pass (called when the environment is re-seeded)."""
        if self.bank is not None:
            self.order.reset()

    def draw(self, rng: np.random.Generator, slots: np.ndarray) -> tuple[State, list[Level]]:
        """Initial states (on :attr:`board`) for the environment ``slots``, and their levels."""
        if self.bank is not None:
            idx = self.order.next(rng, len(slots))
            return self.bank.take(idx), [self.levels[i] for i in idx]
        levels = [self.levels(rng) for _ in slots]
        for lv in levels:
            check_game(lv, self.engine)
        fresh = self.engine.load(levels, size=self.size, max_npcs=self.max_npcs)
        self.board.terrain[slots] = fresh.board.terrain
        self.board.cache.clear()
        return fresh.replace(board=self.board, level=np.asarray(slots, dtype=np.int32)), levels


def _placeholder(engine: Engine) -> Level:
    """A tiny valid level: ground with one player, to size slot boards."""
    spec = engine.spec
    grid = np.full((3, 3), spec.tile(spec.ground).id, dtype=np.uint8)
    grid[1, 1] = spec.player_tile.id
    return Level(game_key(spec), grid)


def _slot_board(engine: Engine, one: State, slots: int) -> Board:
    """A board of ``slots`` copies of ``one``'s level (rows rewritten on reset)."""
    b = one.board
    return Board(b.height, b.width, np.repeat(b.terrain, slots, axis=0))
