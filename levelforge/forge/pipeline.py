"""The forge: from a generator's raw samples to the N levels worth keeping.

Stages, in order (each timed, each counted in :class:`ForgeResult`):

1. **draw** candidates from the generator (the GAN: one batched pass per
   round; each level keeps its seed index, latent vector and features). By
   default the first round draws ``CANDIDATES_PER_LEVEL x N``, and further
   rounds (the next indices of the same seed) follow while fewer than
   ``pool_factor x N`` candidates are playable, up to
   ``MAX_CANDIDATES_PER_LEVEL x N`` in all: a generator whose samples are
   often unplayable (a Sokoban GAN's) still fills its short list, and one
   that rarely fails pays for no more than it needs;
2. **repair** (optional) and the **structural check** of the game's
   constraints (:mod:`levelforge.forge.repair`, :mod:`levelforge.constraints`);
   exact duplicates of an earlier candidate go no further;
3. **solve**: the exact solver, within a node budget (no time budget, so the
   same command gives the same levels on any machine), on every sound
   candidate (skipped with ``judge="agent"``);
4. **judge**: the DQN agent plays every survivor at once, in one batched
   engine (:class:`levelforge.agent.Judge`; skipped with ``judge="solver"``),
   greedily, with a one-step shield by default (the engine vetoes moves that
   lose at once and revisits of states);
5. **score** (:mod:`levelforge.forge.scores`) and **select**
   (:mod:`levelforge.forge.select`).

Writing the archive and the output folder is the caller's (the CLI's) job.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..constraints import check_level
from ..game import load_game
from ..generators.base import Generator
from ..level import Level
from ..metrics import nearest
from .repair import repair as repair_level
from .scores import Scores, score
from .select import select

JUDGES = ("solver", "agent", "both")
SEARCHES = ("sample", "cma")
#: candidates drawn per level kept in the first round: the shipped dungeon GAN's samples are 96% playable,
#: so 3 x N leaves a short list of 2 x N in one round (more candidates: more solver time)
CANDIDATES_PER_LEVEL = 3
#: the most candidates drawn per level kept, in all rounds
MAX_CANDIDATES_PER_LEVEL = 20
#: a further round draws this much more than the playable rate so far says it needs
ROUND_MARGIN = 1.25


@dataclass
class Candidate:
    level: Level
    index: int  #: position in the seed's draw (with the seed and the model, it makes the level again)
    latent: np.ndarray | None = None
    cond: dict[str, int] | None = None
    repairs: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    duplicate_of: int | None = None
    verdict: str = ""  #: the solver's, or "" when it did not run
    plan: list[int] | None = None
    agent_success: float | None = None
    agent_return: float | None = None
    agent_steps: float | None = None
    agent_actions: list[int] | None = None
    agent_won: bool | None = None
    scores: Scores | None = None


@dataclass
class ForgeResult:
    selected: list[Candidate]
    candidates: list[Candidate]
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        c = self.candidates
        return {
            "candidates": len(c),
            "repaired": sum(bool(x.repairs) for x in c),
            "malformed": sum(bool(x.problems) for x in c),
            "duplicates": sum(x.duplicate_of is not None for x in c),
            "solved": sum(x.verdict == "solved" for x in c),
            "unsolvable": sum(x.verdict == "unsolvable" for x in c),
            "gave_up": sum(x.verdict == "gave_up" for x in c),
            "agent_won": sum(bool(x.agent_success) for x in c),
            "playable": sum(bool(x.scores and x.scores.playable) for x in c),
            "kept": len(self.selected),
        }


Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Evaluator:
    """Stages 2 to 5 for one batch of candidates at a time (the CMA search
    evaluates many small batches): repair and check, dedup against every
    earlier batch, solve, judge, score. Timings add up in ``seconds``."""

    game: str
    corpus: Sequence[Level]
    training_ids: frozenset[str] = frozenset()
    agent: Any = None
    judge: str = "both"
    repair: bool = True
    max_nodes: int = 200_000
    shield: int = 1
    report: Progress = field(default=lambda stage, done, of: None)
    seconds: dict[str, float] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)  #: level id -> index of its first candidate
    sound: list[Candidate] = field(default_factory=list)  #: every sound, first-seen candidate so far

    def _timed(self, stage: str, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t
        return out

    def __call__(self, batch: list[Candidate]) -> list[Candidate]:
        """The batch's sound, first-seen candidates, scored (the others get no scores)."""
        sound = self._timed("check", _check, batch, self.repair, self.judge, self.first)
        judged = sound
        if self.judge != "agent":
            judged = self._timed("solve", _solve, self.game, sound, self.max_nodes, self.report)
        if self.judge != "solver" and judged:
            self._timed("judge", _judge, self.agent, self.shield, judged, self.report)
        self._timed("score", _score, self.game, sound, self.corpus, self.training_ids, self.judge)
        self.sound += sound
        return sound


def forge(
    generator: Generator,
    n: int,
    *,
    corpus: Sequence[Level],
    training_ids: frozenset[str] = frozenset(),
    agent=None,
    judge: str = "both",
    candidates: int | None = None,
    seed: int = 0,
    cond: dict[str, Any] | None = None,
    repair: bool = True,
    max_nodes: int = 200_000,
    shield: int = 1,
    search: str = "sample",
    pool_factor: float = 2.0,
    progress: Progress | None = None,
) -> ForgeResult:
    """Draw ``candidates`` levels, judge them, keep the best ``n``.

    ``candidates``: exactly this many (the same judging budget for any
    generator, as comparisons need); None: rounds of draws until
    ``pool_factor x n`` are playable, from ``CANDIDATES_PER_LEVEL x n`` up to
    ``MAX_CANDIDATES_PER_LEVEL x n`` (exactly this many under ``search="cma"``).

    ``corpus``: the generator's training levels (novelty is the distance to
    them); ``training_ids``: content hashes of training levels not in
    ``corpus`` (a copy of one has novelty 0); ``agent``: a tile-game
    :class:`~levelforge.agent.Agent` of the same game (needed unless
    ``judge="solver"``); ``shield``: the agent plays with the rules engine
    vetoing moves that lose within this many steps, and revisits of states
    (:mod:`levelforge.agent.shield`; 0: the network alone); ``search``:
    ``"sample"`` (independent draws) or ``"cma"`` (CMA-ES over the GAN's
    latent space, creativity as fitness, the same number of candidates:
    :mod:`levelforge.forge.search`)."""
    if judge not in JUDGES:
        raise ValueError(f"judge must be one of {', '.join(JUDGES)}, got {judge!r}")
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {', '.join(SEARCHES)}, got {search!r}")
    if n < 1:
        raise ValueError("n must be >= 1")
    if judge != "solver" and agent is None:
        raise ValueError(f"judge={judge!r} needs an agent")
    total = candidates if candidates is not None else CANDIDATES_PER_LEVEL * n
    if candidates is not None and total < n:
        raise ValueError(f"candidates ({total}) must be at least n ({n})")
    report = progress or (lambda stage, done, of: None)
    evaluate = Evaluator(generator.game, corpus, training_ids, agent, judge, repair, max_nodes, shield, report)
    if search == "cma":
        from .search import cma_search

        pool = cma_search(generator, total, seed, cond, evaluate)
    else:
        cap = total if candidates is not None else MAX_CANDIDATES_PER_LEVEL * n
        pool = _draw_rounds(generator, total, cap, max(n, math.ceil(pool_factor * n)), seed, cond, evaluate)
    t = time.perf_counter()
    sound = evaluate.sound
    chosen, diversity = select([c.level for c in sound], [c.scores.creativity for c in sound], n, pool_factor)
    for k, d in zip(chosen, diversity):
        sound[k].scores.diversity = d
    evaluate.seconds["select"] = time.perf_counter() - t
    return ForgeResult([sound[k] for k in chosen], pool, evaluate.seconds)


def _draw_rounds(generator: Generator, first: int, cap: int, want: int, seed: int, cond,
                 evaluate: Evaluator) -> list[Candidate]:
    """Draw and evaluate ``first`` candidates, then more rounds while fewer than ``want`` are playable
    and fewer than ``cap`` were drawn; each round sized from the playable rate so far."""
    pool: list[Candidate] = []
    size = min(first, cap)
    while size > 0:
        t = time.perf_counter()
        batch = _draw(generator, size, seed, cond, evaluate.report, start=len(pool))
        evaluate.seconds["draw"] = evaluate.seconds.get("draw", 0.0) + time.perf_counter() - t
        pool += batch
        evaluate(batch)
        playable = sum(c.scores.playable for c in evaluate.sound)
        if playable >= want:
            break
        rate = max(playable, 1) / len(pool)
        size = min(cap - len(pool), max(first, math.ceil(ROUND_MARGIN * (want - playable) / rate)))
    return pool


def _draw(generator: Generator, total: int, seed: int, cond, report: Progress, start: int = 0) -> list[Candidate]:
    """Candidates ``start .. start + total - 1`` of the seed's draw."""
    report("draw", 0, total)
    draw = generator.draw(total, seed, cond, start)
    report("draw", total, total)
    return [Candidate(lv, start + i, None if draw.latents is None else draw.latents[i],
                      None if draw.cond is None else features_of(generator, draw.cond[i]))
            for i, lv in enumerate(draw.levels)]


def _check(pool: list[Candidate], repair: bool, judge: str, first: dict[str, int]) -> list[Candidate]:
    """Repair, check, and mark exact duplicates (of any candidate in ``first``); the sound, first-seen ones."""
    for c in pool:
        if repair:
            c.level, c.repairs = repair_level(c.level)
        c.problems = tuple(check_level(c.level))
        if c.problems:
            c.verdict = "malformed" if judge != "agent" else ""
            continue
        seen = first.setdefault(c.level.id, c.index)
        c.duplicate_of = None if seen == c.index else seen
    return [c for c in pool if not c.problems and c.duplicate_of is None]


def _solve(game: str, sound: list[Candidate], max_nodes: int, report: Progress) -> list[Candidate]:
    """The solver's verdict and plan on each candidate; the solved ones."""
    from ..solve import Solver

    solver = Solver(game, max_nodes=max_nodes, max_seconds=None)  # no time budget: the same levels anywhere
    for k, c in enumerate(sound):
        sol = solver.solve(c.level)
        c.verdict, c.plan = sol.verdict, sol.plan
        report("solve", k + 1, len(sound))
    return [c for c in sound if c.verdict == "solved"]


def _judge(agent, shield: int, judged: list[Candidate], report: Progress) -> None:
    """The agent plays every candidate at once; its results and moves on each."""
    from ..agent import Judge

    report("judge", 0, len(judged))
    scores = Judge(agent, shield=shield).evaluate([c.level for c in judged], episodes=1, record=True)
    for c, s in zip(judged, scores):
        c.agent_success, c.agent_return, c.agent_steps = s.success_rate, s.mean_return, s.mean_steps
        c.agent_actions, c.agent_won = s.actions, s.won_first
    report("judge", len(judged), len(judged))


def _score(game: str, sound: list[Candidate], corpus: Sequence[Level], training_ids: frozenset[str],
           judge: str) -> None:
    max_steps = load_game(game).max_steps
    dist = nearest([c.level for c in sound], list(corpus)) if sound and corpus else None
    for k, c in enumerate(sound):
        playable = c.verdict == "solved" if judge != "agent" else bool(c.agent_success)
        near = int(dist[k]) if dist is not None and np.isfinite(dist[k]) else c.level.grid.size
        if c.level.id in training_ids:
            near = 0
        c.scores = score(playable=playable, verdict=c.verdict, plan_length=len(c.plan) if c.plan else None,
                         agent_success=c.agent_success, agent_return=c.agent_return, agent_steps=c.agent_steps,
                         nearest=near, cells=c.level.grid.size, max_steps=max_steps)


def features_of(generator: Generator, counts: np.ndarray) -> dict[str, int]:
    """A GAN draw's feature counts as ``{name: count}`` (empty for generators without features)."""
    names = getattr(getattr(generator, "gan", None), "cond_names", ())
    return {name: int(v) for name, v in zip(names, counts)}
