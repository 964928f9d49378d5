"""The scores that decide which generated levels are kept: one place, one definition each.

Every candidate level gets these (all in [0, 1] except ``plan_length``;
docs/forge.md explains them with examples):

- **playable** (the gate): with ``judge="solver"`` or ``"both"``, the exact
  solver found a plan within its node budget; with ``judge="agent"`` (games
  without a solver), the agent won. A level that fails the gate is never
  kept, whatever its other scores.
- **agent_success**: the share of the agent's episodes it won (greedy play:
  one episode decides). This is the agent's return turned into the
  playability/creativity reward.
- **novelty**: Hamming distance to the nearest training level, over
  ``H x W``: 0 for a copy, 0.1 for a level 10% of whose tiles differ from
  its nearest neighbour. (``novel``: at least 5 tiles differ, the metrics'
  threshold, docs/metrics.md.)
- **challenge**: how hard the level is for the agent, relative to its
  shortest solution: 1 when the agent loses a level the solver proves
  playable; otherwise ``1 - plan_length / agent_steps``, so 0 when the agent
  walks the shortest plan and near 1 when it needs many times as many steps.
  Without an agent (``judge="solver"``): the shortest plan's share of the
  game's step limit, so longer puzzles count as harder.
- **creativity**, the ranking: ``playable x sqrt(novelty' x challenge')``
  with ``novelty' = min(1, novelty / NOVELTY_SCALE)`` and ``challenge' =
  CHALLENGE_FLOOR + (1 - CHALLENGE_FLOOR) x challenge``. A geometric mean,
  so neither newness nor difficulty alone buys a place: a copy of a
  training level scores 0 however hard it is. Novelty saturates at
  ``NOVELTY_SCALE`` (a quarter of the tiles changed is as new as a level
  needs to be; past that, distance says more about noise than design), and
  a level the agent walks straight through keeps a floor of challenge, since
  easy levels are fine levels too, only ranked behind harder ones.
- **diversity** (set at selection): Hamming distance, over ``H x W``, to
  the nearest level selected before it (1 for the first one).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

#: novelty at which a level counts as fully new (a quarter of its tiles changed)
NOVELTY_SCALE = 0.25
#: the challenge' of a level the agent plays perfectly (so easy levels still rank by novelty)
CHALLENGE_FLOOR = 0.2
#: tiles that must differ from every training level for ``novel`` (as levelforge.metrics)
NOVEL_TILES = 5


@dataclass
class Scores:
    playable: bool
    verdict: str  #: the solver's: solved, unsolvable, gave_up, malformed, or "" when it did not run
    plan_length: int | None  #: the solver's shortest plan, in steps
    agent_success: float | None  #: None when no agent judged the level
    agent_return: float | None
    agent_steps: float | None
    novelty: float
    novel: bool
    challenge: float
    creativity: float
    diversity: float | None = None  #: set when the level is selected

    def to_dict(self) -> dict:
        return asdict(self)


def challenge(plan_length: int | None, agent_success: float | None, agent_steps: float | None,
              max_steps: int) -> float:
    """See the module docstring."""
    if agent_success is None:  # no agent: the shortest plan's share of the step limit
        return min(1.0, (plan_length or 0) / max(1, max_steps))
    if agent_success <= 0.0:
        return 1.0
    if not plan_length or not agent_steps:
        return 0.0
    return max(0.0, 1.0 - plan_length / agent_steps)


def creativity(playable: bool, novelty: float, challenge_: float) -> float:
    """See the module docstring."""
    if not playable:
        return 0.0
    n = min(1.0, novelty / NOVELTY_SCALE)
    c = CHALLENGE_FLOOR + (1.0 - CHALLENGE_FLOOR) * challenge_
    return math.sqrt(n * c)


def score(*, playable: bool, verdict: str, plan_length: int | None, agent_success: float | None,
          agent_return: float | None, agent_steps: float | None, nearest: int, cells: int,
          max_steps: int) -> Scores:
    """A candidate's scores from what the solver and the agent found and its
    ``nearest`` Hamming distance (in tiles) to the training levels."""
    nov = nearest / max(1, cells)
    ch = challenge(plan_length, agent_success, agent_steps, max_steps)
    return Scores(playable, verdict, plan_length, agent_success, agent_return, agent_steps, nov,
                  nearest >= NOVEL_TILES, ch, creativity(playable, nov, ch))
