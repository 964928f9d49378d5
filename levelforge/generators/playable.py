"""A level source that passes on only playable levels.

:class:`PlayableOnly` wraps any level source (a callable ``rng -> Level``,
such as a generator instance) and redraws until a level is structurally
sound (:func:`levelforge.constraints.check_level`) and solved by the exact
solver, so an agent trained on a raw GAN's output never practises on a
level nobody can win. It counts what it turned down.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import LevelforgeError
from ..level import Level


class NoPlayableLevel(LevelforgeError):
    """A source gave no playable level in its allowed number of draws."""


class PlayableOnly:
    """Levels of ``source`` that the solver solves (``max_tries`` draws each, then :class:`NoPlayableLevel`)."""

    def __init__(self, source: Callable[[np.random.Generator], Level], max_tries: int = 100,
                 max_nodes: int = 200_000) -> None:
        from ..metrics import PlayabilityJudge

        self.source = source
        self.max_tries = int(max_tries)
        self.judge = PlayabilityJudge(max_nodes, max_seconds=None)
        self.drawn = 0
        self.rejected = 0

    def __call__(self, rng: np.random.Generator) -> Level:
        for _ in range(self.max_tries):
            level = self.source(rng)
            self.drawn += 1
            if self.judge(level).playable:
                return level
            self.rejected += 1
        raise NoPlayableLevel(f"{self.source!r} gave no playable level in {self.max_tries} draws; "
                              "a GAN may need more training (levelforge evaluate shows its playable %)")
