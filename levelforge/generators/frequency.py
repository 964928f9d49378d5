"""The random baseline: every tile drawn on its own, at the corpus's tile frequencies.

:class:`TileFrequencyGenerator` learns two things from a corpus: how often
each tile id occurs over all cells, and the level sizes (a level takes the
size of a corpus level drawn at random). A sample draws every cell
independently from those frequencies. It knows nothing of structure (borders,
"exactly one avatar"), so what a learned generator scores above it is what
it learned beyond tile counts: the floor of the comparison in
``levelforge evaluate`` and ``tools/bench_gan.py``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..level import Level
from .base import Generator


class TileFrequencyGenerator(Generator):
    """Levels whose cells are drawn independently at the corpus's tile frequencies."""

    def __init__(self, corpus: Sequence[Level]) -> None:
        corpus = list(corpus)
        if not corpus:
            raise ValueError("the tile-frequency baseline needs corpus levels")
        games = {lv.game for lv in corpus}
        if len(games) > 1:
            raise ValueError(f"corpus levels of several games: {', '.join(sorted(games))}")
        self.game = corpus[0].game
        n_tiles = len(corpus[0].spec.tiles)
        counts = sum(np.bincount(lv.grid.ravel(), minlength=n_tiles) for lv in corpus)
        self.frequencies = counts / counts.sum()  # (T,) float64
        self.shapes = [lv.grid.shape for lv in corpus]

    def __repr__(self) -> str:
        return f"TileFrequencyGenerator({self.game}, {len(self.shapes)} corpus levels)"

    def _one(self, rng: np.random.Generator, name: str | None = None, **cond: Any) -> Level:
        h, w = self.shapes[rng.integers(len(self.shapes))]
        grid = rng.choice(len(self.frequencies), size=(h, w), p=self.frequencies).astype(np.uint8)
        return Level(self.game, grid, name)
