"""Searching the GAN's latent space for creative levels (the MarioGAN method).

``levelforge generate --search cma``: CMA-ES (Hansen's ``cma`` package;
``pip install "levelforge[search]"``) over the latent vector, with each
level's creativity (:mod:`levelforge.forge.scores`) as its fitness, under
the same budget as plain sampling: ``total`` candidates judged in all.

- The budget is spent in restarts of ``generations`` generations of
  ``popsize`` latent vectors each (the last restart takes what is left). A
  restart begins at a latent vector drawn from the prior, with step size
  ``sigma``, and keeps one feature vector (drawn from the corpus's, with the
  ``cond`` request applied) for all its levels.
- Each generation is judged as one batch (solver and agent); a level that
  is malformed, unplayable, or a copy of one found before has fitness 0, so
  the search moves on from levels it already has.
- Every level judged joins the pool that selection picks from, so the
  search can only add candidates a plain draw would not have found.

Deterministic: the restarts' seeds come from ``seed``.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from ..errors import LevelforgeError
from ..generators.base import child_rngs
from .pipeline import Candidate, features_of

# Picked on seeds 0-4 of the shipped dungeon models (tools/bench_forge.py measures on other seeds):
# one restart of 15 generations at step size 0.4 kept levels of mean creativity 0.51, against 0.43-0.45
# for restarts of 5 generations (step 0.4 or 0.7) and for step 1.0, and 0.41 for plain sampling.
POPSIZE = 10
GENERATIONS = 15
SIGMA = 0.4


class SearchUnavailable(LevelforgeError):
    """The search needs a package that is not installed."""


def cma_search(generator, total: int, seed: int, cond: dict[str, Any] | None,
               evaluate: Callable[[list[Candidate]], list[Candidate]], popsize: int = POPSIZE,
               generations: int = GENERATIONS, sigma: float = SIGMA) -> list[Candidate]:
    """Every candidate judged, in the order judged (``evaluate`` scores each batch)."""
    try:
        with warnings.catch_warnings():  # cma warns that matplotlib (for its plots) is missing
            warnings.simplefilter("ignore", UserWarning)
            import cma
    except ImportError:
        raise SearchUnavailable('--search cma needs the cma package: pip install "levelforge[search]"') from None
    gan = getattr(generator, "gan", None)
    if gan is None:
        raise SearchUnavailable("--search cma searches a GAN's latent space; this generator has none")
    request = generator.check_cond(cond)
    per_restart = popsize * generations
    restarts = max(1, total // per_restart)
    pool: list[Candidate] = []
    for r, rng in enumerate(child_rngs(restarts, seed)):
        budget = per_restart if r < restarts - 1 else total - len(pool)
        z0, counts = generator.latents([rng], request)
        es = cma.CMAEvolutionStrategy(z0[0].astype(np.float64), sigma,
                                      {"popsize": popsize, "seed": int(rng.integers(1, 2**31 - 1)), "verbose": -9})
        while budget > 0:
            asked = es.ask()[: min(popsize, budget)]
            z = np.asarray(asked, dtype=np.float32)
            levels = gan.levels(z, np.repeat(counts, len(z), axis=0))
            features = features_of(generator, counts[0])
            batch = [Candidate(lv, len(pool) + i, z[i], features) for i, lv in enumerate(levels)]
            evaluate(batch)
            pool += batch
            budget -= len(batch)
            if len(asked) == popsize:  # a full generation: the strategy learns from it
                es.tell(asked, [-(c.scores.creativity if c.scores else 0.0) for c in batch])
    return pool
