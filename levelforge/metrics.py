"""Level-set quality metrics: how playable, how new, how varied, how corpus-like.

Definitions (the numbers ``levelforge evaluate`` and ``tools/bench_gan.py`` print):

- **playable %**: share of levels that are structurally sound
  (:func:`levelforge.constraints.check_level`) *and* solved by the exact
  solver within its budget (``max_nodes`` states, ``max_seconds``); a level
  the solver gives up on counts as not playable, and how many it gave up on
  is reported beside (``gave_up``).
- **duplicates %**: ``1 - unique / total`` over exact grids (same size, same
  tiles).
- **novelty**: share of levels whose Hamming distance (cells that differ) to
  *every* corpus level is at least ``threshold`` (5) tiles. A corpus level
  of another size differs everywhere, so only same-size levels can make a
  level not novel.
- **diversity**: mean Hamming distance over all pairs of levels, each
  divided by the cells of the level (``H x W``); a pair of different sizes
  counts 1.
- **tile-pattern KL** (Lucas & Volz 2019): for each window size ``k`` in
  (2, 3, 4), the distributions ``P`` (levels) and ``Q`` (corpus) of all
  ``k x k`` tile patterns (every window position of every level); both are
  smoothed over the union ``U`` of patterns seen in either,
  ``P'(x) = (P(x) + eps) / (1 + eps |U|)`` with ``eps = 1e-6``, and compared
  by the symmetric ``0.5 KL(P'||Q') + 0.5 KL(Q'||P')`` (natural log). The
  metric is the mean over the three sizes. 0 means the same pattern
  statistics; compare it with the KL between two parts of the corpus.
- **controllability**: share of levels generated for a feature request
  (``monsters=3``) whose features (:mod:`levelforge.features`) equal it.

Hamming distances are computed as one matrix product of one-hot grids, so a
thousand levels against a corpus of thousands take well under a second.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .constraints import check_level
from .level import Level

NOVELTY_THRESHOLD = 5
PATTERN_SIZES = (2, 3, 4)
KL_EPS = 1e-6


# -- distances -------------------------------------------------------------------
def _by_shape(levels: Sequence[Level]) -> dict[tuple[int, int], np.ndarray]:
    """Shape -> indices of the levels of that shape."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, lv in enumerate(levels):
        groups.setdefault(lv.grid.shape, []).append(i)
    return {s: np.array(ix, dtype=np.int64) for s, ix in groups.items()}


def _one_hot(grids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``(N, H, W)`` tile ids -> ``(N, H*W*len(ids)) float32`` one-hot rows."""
    flat = grids.reshape(len(grids), -1)
    return (flat[:, :, None] == ids[None, None, :]).reshape(len(grids), -1).astype(np.float32)


def hamming(a: np.ndarray, b: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """``(N, M) int64``: cells that differ between each grid of ``a`` ``(N, H, W)``
    and each of ``b`` ``(M, H, W)`` (same H, W)."""
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(f"grids of different sizes: {a.shape[1:]} and {b.shape[1:]}")
    cells = int(np.prod(a.shape[1:]))
    ids = np.union1d(np.unique(a), np.unique(b))
    hb = _one_hot(b, ids)
    out = np.empty((len(a), len(b)), dtype=np.int64)
    for s in range(0, len(a), chunk):
        same = _one_hot(a[s : s + chunk], ids) @ hb.T  # cells that agree (exact in float32: <= 2^24)
        out[s : s + chunk] = cells - np.rint(same).astype(np.int64)
    return out


def nearest(levels: Sequence[Level], corpus: Sequence[Level]) -> np.ndarray:
    """``(N,) float64``: each level's Hamming distance to its nearest same-size
    corpus level (``inf`` when the corpus has none of its size)."""
    out = np.full(len(levels), math.inf)
    ref = _by_shape(corpus)
    for shape, ix in _by_shape(levels).items():
        if shape not in ref:
            continue
        a = np.stack([levels[i].grid for i in ix])
        b = np.stack([corpus[j].grid for j in ref[shape]])
        out[ix] = hamming(a, b).min(axis=1)
    return out


# -- the metrics -------------------------------------------------------------------
def duplicates(levels: Sequence[Level]) -> float:
    """``1 - unique / total`` over exact grids (0 for no levels)."""
    if not levels:
        return 0.0
    return 1.0 - len({lv.id for lv in levels}) / len(levels)


def novelty(levels: Sequence[Level], corpus: Sequence[Level], threshold: int = NOVELTY_THRESHOLD) -> float:
    """Share of levels at Hamming distance >= ``threshold`` from every corpus level."""
    if not levels:
        return math.nan
    return float((nearest(levels, corpus) >= threshold).mean())


def diversity(levels: Sequence[Level]) -> float:
    """Mean pairwise Hamming distance / (H x W); pairs of different sizes count 1."""
    n = len(levels)
    if n < 2:
        return math.nan
    total = 0.0
    same_pairs = 0
    for shape, ix in _by_shape(levels).items():
        g = np.stack([levels[i].grid for i in ix])
        d = hamming(g, g)
        total += float(np.triu(d, 1).sum()) / (shape[0] * shape[1])
        same_pairs += len(ix) * (len(ix) - 1) // 2
    pairs = n * (n - 1) // 2
    return (total + (pairs - same_pairs)) / pairs


def pattern_counts(levels: Iterable[Level], k: int) -> Counter:
    """How often each ``k x k`` tile pattern occurs, over every window of every level."""
    levels = list(levels)
    counts: Counter = Counter()
    for shape, ix in _by_shape(levels).items():
        if shape[0] < k or shape[1] < k:
            continue
        g = np.stack([levels[i].grid for i in ix])  # (N, H, W): all windows of a size at once
        win = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(g, (k, k), axis=(1, 2)).reshape(-1, k * k))
        rows, n = np.unique(win.view(np.dtype((np.void, k * k))).ravel(), return_counts=True)
        counts.update({r.tobytes(): int(c) for r, c in zip(rows, n)})
    return counts


def pattern_kl(p_counts: Mapping[bytes, int], q_counts: Mapping[bytes, int], eps: float = KL_EPS) -> float:
    """Symmetric smoothed KL between two pattern histograms (see the module docstring)."""
    keys = list(set(p_counts) | set(q_counts))
    if not keys:
        return math.nan
    p = np.array([p_counts.get(x, 0) for x in keys], dtype=np.float64)
    q = np.array([q_counts.get(x, 0) for x in keys], dtype=np.float64)
    if p.sum() == 0 or q.sum() == 0:
        return math.nan
    p = (p / p.sum() + eps) / (1 + eps * len(keys))
    q = (q / q.sum() + eps) / (1 + eps * len(keys))
    return float(0.5 * (p * np.log(p / q)).sum() + 0.5 * (q * np.log(q / p)).sum())


def tile_pattern_kl(levels: Sequence[Level], corpus: Sequence[Level], sizes: Sequence[int] = PATTERN_SIZES) -> float:
    """Mean over ``sizes`` of :func:`pattern_kl` between the levels' and the corpus's patterns."""
    vals = [pattern_kl(pattern_counts(levels, k), pattern_counts(corpus, k)) for k in sizes]
    vals = [v for v in vals if not math.isnan(v)]
    return float(np.mean(vals)) if vals else math.nan


@dataclass
class Playability:
    """The solver's verdict on one level: ``malformed`` (structural problems),
    ``solved``, ``unsolvable`` or ``gave_up``."""

    verdict: str
    length: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def playable(self) -> bool:
        return self.verdict == "solved"


class PlayabilityJudge:
    """Structural check, then the exact solver (one per game, built on first use) within a budget:
    the one definition of "playable" that the metrics and :class:`~levelforge.generators.PlayableOnly` share."""

    def __init__(self, max_nodes: int = 1_000_000, max_seconds: float | None = 10.0) -> None:
        self.max_nodes, self.max_seconds = int(max_nodes), max_seconds
        self._solvers: dict = {}

    def __call__(self, level: Level) -> Playability:
        problems = check_level(level)
        if problems:
            return Playability("malformed", problems=tuple(problems))
        if level.game not in self._solvers:
            from .solve import Solver  # the solver pulls in the engine; metrics without it stay light

            self._solvers[level.game] = Solver(level.game, max_nodes=self.max_nodes, max_seconds=self.max_seconds)
        sol = self._solvers[level.game].solve(level)
        return Playability(sol.verdict, sol.length)


def playability(
    levels: Sequence[Level],
    max_nodes: int = 1_000_000,
    max_seconds: float | None = 10.0,
    on_level: Callable[[int], None] | None = None,
) -> list[Playability]:
    """Each level's structural check, then the exact solver's verdict on the sound ones."""
    judge = PlayabilityJudge(max_nodes, max_seconds)
    out: list[Playability] = []
    for i, lv in enumerate(levels):
        out.append(judge(lv))
        if on_level is not None:
            on_level(i + 1)
    return out


def controllability(levels: Sequence[Level], game: str, request: Mapping[str, int]) -> float:
    """Share of ``levels`` (made for ``request``) whose features equal it."""
    from .features import matches

    if not levels:
        return math.nan
    return float(matches(levels, game, request).mean())


def evaluate(
    levels: Sequence[Level],
    corpus: Sequence[Level] | None = None,
    *,
    solve: bool = True,
    max_nodes: int = 1_000_000,
    max_seconds: float | None = 10.0,
    request: Mapping[str, int] | None = None,
    on_level: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Every metric of ``levels`` as a dict (fractions in [0, 1]; NaN where undefined).

    ``corpus``: the training levels, for novelty and tile-pattern KL (None:
    those are NaN); ``solve=False`` skips the solver; ``request``: the feature
    request the levels were made for (controllability)."""
    levels = list(levels)
    if not levels:
        raise ValueError("no levels to evaluate")
    games = {lv.game for lv in levels} | {lv.game for lv in corpus or []}
    if len(games) > 1:
        raise ValueError(f"levels of several games: {', '.join(sorted(games))}")
    t0 = time.perf_counter()
    out: dict[str, Any] = {"game": levels[0].game, "levels": len(levels)}
    if solve:
        verdicts = playability(levels, max_nodes, max_seconds, on_level)
        kinds = Counter(v.verdict for v in verdicts)
        lengths = [v.length for v in verdicts if v.length is not None]
        out.update(
            playable=kinds["solved"] / len(levels),
            malformed=kinds["malformed"] / len(levels),
            unsolvable=kinds["unsolvable"] / len(levels),
            gave_up=kinds["gave_up"] / len(levels),
            median_plan=float(np.median(lengths)) if lengths else math.nan,
        )
    out["duplicates"] = duplicates(levels)
    out["diversity"] = diversity(levels)
    if corpus:
        corpus = list(corpus)
        out["corpus_levels"] = len(corpus)
        out["novelty"] = novelty(levels, corpus)
        out["pattern_kl"] = tile_pattern_kl(levels, corpus)
    else:
        out["novelty"] = out["pattern_kl"] = math.nan
    if request:
        out["request"] = dict(request)
        out["controllability"] = controllability(levels, levels[0].game, request)
    out["seconds"] = time.perf_counter() - t0
    return out
