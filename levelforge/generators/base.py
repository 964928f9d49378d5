"""The Generator interface: a seeded, reproducible source of levels of one game.

The procedural generators, the tile-frequency baseline and the GAN all
implement it, so metrics and the forge treat them alike.

A generator draws one level from a ``numpy.random.Generator`` (:meth:`_one`);
:meth:`Generator.sample` draws ``n`` levels, each from its own child seed of
``numpy.random.SeedSequence(seed)``, so level ``i`` depends only on ``seed``
and ``i``. Calling an instance, ``gen(rng)``, draws one level from ``rng``:
an instance is a level source for the environments (see
:mod:`levelforge.envs.sources`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..game import load_game
from ..level import Level, max_size

#: The four moves (row, column) of a tile grid: up, down, left, right.
STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


@dataclass
class Draw:
    """What :meth:`Generator.draw` returns: the levels, and for a latent-space
    generator (the GAN) what made each one: ``latents`` ``(n, latent) float32``
    and the feature counts it was given, ``cond`` ``(n, F) int64``."""

    levels: list[Level]
    latents: np.ndarray | None = None
    cond: np.ndarray | None = None


class Generator(ABC):
    """Levels of :attr:`game`, drawn reproducibly.

    Subclasses set :attr:`game` and :attr:`cond_keys` (the keys ``cond`` may
    hold) and implement :meth:`_one`.
    """

    game: str
    cond_keys: frozenset[str] = frozenset()

    def sample(self, n: int, seed: int, cond: dict[str, Any] | None = None, start: int = 0) -> list[Level]:
        """``n`` levels named ``<game>_gen_<seed>_<i>``, ``i`` from ``start``; the same seed gives the
        same levels, and ``sample(a + b, s)`` is ``sample(a, s) + sample(b, s, start=a)``."""
        return list(self.iter_sample(n, seed, cond, start))

    def iter_sample(self, n: int, seed: int, cond: dict[str, Any] | None = None, start: int = 0) -> Iterator[Level]:
        """:meth:`sample`'s levels one at a time (for progress on long runs)."""
        opts = self.check_cond(cond)
        for i, rng in enumerate(child_rngs(n, seed, start), start):
            yield self._one(rng, name=f"{self.game}_gen_{seed}_{i}", **opts)

    def draw(self, n: int, seed: int, cond: dict[str, Any] | None = None, start: int = 0) -> Draw:
        """:meth:`sample`, with the latent vectors of generators that have them."""
        return Draw(self.sample(n, seed, cond, start))

    def __call__(self, rng: np.random.Generator) -> Level:
        """One level drawn from ``rng`` (the environments' callable level source)."""
        return self._one(rng)

    def check_cond(self, cond: dict[str, Any] | None) -> dict[str, Any]:
        """``cond`` as keyword arguments of :meth:`_one`; unknown keys raise ValueError."""
        cond = dict(cond or {})
        unknown = sorted(set(cond) - self.cond_keys)
        if unknown:
            known = ", ".join(sorted(self.cond_keys)) or "none"
            raise ValueError(f"unknown cond key {unknown[0]!r} for {type(self).__name__}; known: {known}")
        return cond

    @abstractmethod
    def _one(self, rng: np.random.Generator, name: str | None = None, **cond: Any) -> Level:
        """One level drawn from ``rng`` (``cond`` already checked by :meth:`check_cond`)."""


class SolverFiltered(Generator):
    """A generator whose candidates the exact solver may filter.

    Subclasses call :meth:`_init_filter` in ``__init__`` and :meth:`accept` on
    each candidate: with ``solvable`` it asks the solver (built on first use,
    ``max_nodes`` states at most) and counts :attr:`candidates` (levels sent to
    the solver) and :attr:`rejected` (levels it turned down)."""

    def _init_filter(self, solvable: bool, max_nodes: int) -> None:
        self.solvable = bool(solvable)
        self.max_nodes = check_size("max_nodes", max_nodes, 1, 10**9)
        self._solver = None
        self.candidates = 0
        self.rejected = 0

    @property
    def solver(self):
        """The exact solver that filters levels (built on first use)."""
        if self._solver is None:
            from ..solve import Solver

            self._solver = Solver(self.game, max_nodes=self.max_nodes)
        return self._solver

    def accept(self, level: Level) -> bool:
        """Whether ``level`` passes the filter (always, without ``solvable``)."""
        if not self.solvable:
            return True
        self.candidates += 1
        if self.solver.solve(level).solved:
            return True
        self.rejected += 1
        return False


def child_rngs(n: int, seed: int, start: int = 0) -> list[np.random.Generator]:
    """One random generator per level ``i`` in ``start .. start + n - 1``, from child ``i`` of
    ``SeedSequence(seed)`` (so level ``i`` depends only on ``seed`` and ``i``, however the draws
    are split); bad ``n``, ``seed`` or ``start``: ValueError."""
    for name, v in (("n", n), ("seed", seed), ("start", start)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {v!r}")
    # exactly the children SeedSequence(seed).spawn(start + n)[start:] would give, without the first ones
    return [np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(start) + i,)))
            for i in range(int(n))]


def bfs(passable: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    """Steps from ``start`` to every cell of the bool grid ``passable`` (-1: unreachable)."""
    dist = np.full(passable.shape, -1, dtype=np.int64)
    dist[start] = 0
    todo = deque([start])
    h, w = passable.shape
    while todo:
        r, c = todo.popleft()
        for dr, dc in STEPS:
            nr, nc = r + dr, c + dc
            if 0 <= nr < h and 0 <= nc < w and passable[nr, nc] and dist[nr, nc] < 0:
                dist[nr, nc] = dist[r, c] + 1
                todo.append((nr, nc))
    return dist


def check_size(what: str, value: Any, lo: int, hi: int, odd: bool = False) -> int:
    """``value`` checked to be an integer in ``[lo, hi]`` (and odd if asked); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{what} must be an integer in [{lo}, {hi}], got {value!r}")
    if odd and value % 2 == 0:
        raise ValueError(f"{what} must be odd (cells sit on odd rows and columns), got {value}")
    return int(value)


def check_range(what: str, value: Any, lo: int, hi: int) -> tuple[int, int]:
    """``value`` checked to be a ``(min, max)`` pair with ``lo <= min <= max <= hi``; else ValueError."""
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a (min, max) pair, got {value!r}") from None
    least = check_size(f"{what} min", a, lo, hi)
    return least, check_size(f"{what} max", b, least, hi)


def check_level_size(game: str, height: Any, width: Any, smallest: int = 5) -> tuple[int, int]:
    """``(height, width)`` checked against ``smallest`` and the game's largest level."""
    max_h, max_w = max_size(load_game(game))
    return check_size(f"{game} height", height, smallest, max_h), check_size(f"{game} width", width, smallest, max_w)
