"""Keep the best network seen during training, judged on validation levels.

A DQN's greedy policy does not improve monotonically: on the tile games two
runs with the same settings ended at 91% and 8.5% of held-out mazes, and a
run's policy can be better halfway than at its end. :class:`BestSnapshot`
plays a fixed set of validation levels (never the test levels) greedily at
each log row, keeps a copy of the weights with the highest win rate (ties:
the higher mean return), and puts them back at the end. This is model
selection on held-out data, as early stopping is.
"""

from __future__ import annotations

import copy
from typing import Any, Sequence

from ..level import Level
from .judge import Judge
from .policy import Agent


class BestSnapshot:
    """Use as ``train(..., on_log=snap)``, then ``snap.restore()``.

    ``every``: judge at every ``every``-th log row (judging costs one
    forward pass per step of the longest episode)."""

    def __init__(self, agent: Agent, levels: Sequence[Level], every: int = 1) -> None:
        if not levels:
            raise ValueError("BestSnapshot needs validation levels")
        self.agent, self.levels, self.every = agent, list(levels), max(1, int(every))
        self.best: tuple[float, float] | None = None
        self.best_step: int | None = None
        self.history: list[dict[str, Any]] = []
        self._state: dict | None = None
        self._rows = 0

    def __call__(self, row: dict[str, Any]) -> None:
        self._rows += 1
        if self._rows % self.every:
            return
        scores = Judge(self.agent).evaluate(self.levels)
        won = sum(s.success_rate for s in scores) / len(scores)
        ret = sum(s.mean_return for s in scores) / len(scores)
        self.history.append({"step": row["step"], "win_rate": won, "mean_return": ret})
        if self.best is None or (won, ret) > self.best:
            self.best, self.best_step = (won, ret), row["step"]
            self._state = copy.deepcopy(self.agent.net.state_dict())

    def restore(self) -> bool:
        """Load the best weights judged; False if nothing was judged."""
        if self._state is None:
            return False
        self.agent.net.load_state_dict(self._state)
        self.agent.stats["validation"] = {"win_rate": self.best[0], "mean_return": self.best[1],
                                          "step": self.best_step, "levels": len(self.levels)}
        return True
