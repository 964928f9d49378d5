"""Choosing the N levels to keep: the best, with diversity in mind.

1. Only playable candidates with creativity above 0 compete, one per
   distinct grid (exact duplicates are dropped, the first drawn kept).
2. The ``pool`` best by creativity (``pool_factor x N``, at least N) form the
   short list: quality is decided here.
3. From the short list, greedy max-min selection (Gonzalez 1985, the
   farthest-point heuristic): the best level first, then again and again
   the one whose nearest already-selected level is farthest away (Hamming
   distance), ties going to the more creative. Each pick's distance is its
   ``diversity`` score.

Greedy max-min spreads the selection over the short list's range instead of
taking N variations of the single best idea. Levels of different sizes are
as far apart as can be (distance 1).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..level import Level
from ..metrics import hamming


def distance_matrix(levels: Sequence[Level]) -> np.ndarray:
    """Pairwise Hamming distance over ``H x W`` (1 between levels of different sizes)."""
    n = len(levels)
    d = np.ones((n, n))
    shapes = [lv.grid.shape for lv in levels]
    for shape in set(shapes):
        ix = np.array([i for i, s in enumerate(shapes) if s == shape])
        g = np.stack([levels[i].grid for i in ix])
        d[np.ix_(ix, ix)] = hamming(g, g) / (shape[0] * shape[1])
    np.fill_diagonal(d, 0.0)
    return d


def select(levels: Sequence[Level], creativity: Sequence[float], n: int,
           pool_factor: float = 2.0) -> tuple[list[int], list[float]]:
    """Indices of the selected levels, in the order picked, and each one's diversity."""
    if n < 1:
        raise ValueError("n must be >= 1")
    seen: set[str] = set()
    ranked = []
    for i in sorted(range(len(levels)), key=lambda i: (-creativity[i], i)):
        if creativity[i] <= 0.0 or levels[i].id in seen:
            continue
        seen.add(levels[i].id)
        ranked.append(i)
    pool = ranked[: max(n, int(round(pool_factor * n)))]
    if not pool:
        return [], []
    d = distance_matrix([levels[i] for i in pool])
    chosen = [0]
    diversity = [1.0]
    nearest = d[0].copy()
    while len(chosen) < min(n, len(pool)):
        nearest[chosen] = -1.0
        # farthest from everything chosen; among equals, the earlier (more creative) one
        k = int(np.argmax(nearest))
        chosen.append(k)
        diversity.append(float(nearest[k]))
        nearest = np.minimum(nearest, d[k])
    return [pool[k] for k in chosen], diversity
