"""The forge: from a generator's raw samples to the N levels worth keeping.

Stages, in order (each timed, each counted in :class:`ForgeResult`):

1. **draw** ``candidates`` levels from the generator (the GAN: one batched
   pass; each level keeps its seed index, latent vector and features);
2. **repair** (optional) and the **structural check** of the game's
   constraints (:mod:`levelforge.forge.repair`, :mod:`levelforge.constraints`);
   exact duplicates of an earlier candidate go no further;
3. **solve**: the exact solver, within a node budget (no time budget, so the
   same command gives the same levels on any machine), on every sound
   candidate (skipped with ``judge="agent"``);
4. **judge**: the DQN agent plays every survivor at once, in one batched
   engine (:class:`levelforge.agent.Judge`; skipped with ``judge="solver"``);
5. **score** (:mod:`levelforge.forge.scores`) and **select**
   (:mod:`levelforge.forge.select`).

Writing the archive and the output folder is the caller's (the CLI's) job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..constraints import check_level
from ..generators.base import Generator
from ..level import Level
from ..metrics import nearest
from .repair import repair as repair_level
from .scores import Scores, score
from .select import select

JUDGES = ("solver", "agent", "both")


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
    pool_factor: float = 2.0,
    progress: Progress | None = None,
) -> ForgeResult:
    """Draw ``candidates`` levels (default ``4 x n``), judge them, keep the best ``n``.

    ``corpus``: the generator's training levels (novelty is the distance to
    them); ``training_ids``: content hashes of training levels not in
    ``corpus`` (a copy of one has novelty 0); ``agent``: a tile-game :class:`~levelforge.agent.Agent` of the same
    game (needed unless ``judge="solver"``)."""
    if judge not in JUDGES:
        raise ValueError(f"judge must be one of {', '.join(JUDGES)}, got {judge!r}")
    if n < 1:
        raise ValueError("n must be >= 1")
    if judge != "solver" and agent is None:
        raise ValueError(f"judge={judge!r} needs an agent")
    total = candidates if candidates is not None else 4 * n
    if total < n:
        raise ValueError(f"candidates ({total}) must be at least n ({n})")
    report = progress or (lambda stage, done, of: None)
    secs: dict[str, float] = {}

    t = time.perf_counter()
    report("draw", 0, total)
    draw = generator.draw(total, seed, cond)
    pool = [Candidate(lv, i, None if draw.latents is None else draw.latents[i],
                      None if draw.cond is None else _cond_dict(generator, draw.cond[i]))
            for i, lv in enumerate(draw.levels)]
    report("draw", total, total)
    secs["draw"] = time.perf_counter() - t

    t = time.perf_counter()
    first: dict[str, int] = {}
    for c in pool:
        if repair:
            c.level, c.repairs = repair_level(c.level)
        c.problems = tuple(check_level(c.level))
        if c.problems:
            c.verdict = "malformed" if judge != "agent" else ""
            continue
        c.duplicate_of = first.setdefault(c.level.id, c.index)
        if c.duplicate_of == c.index:
            c.duplicate_of = None
    sound = [c for c in pool if not c.problems and c.duplicate_of is None]
    secs["check"] = time.perf_counter() - t

    if judge != "agent":
        t = time.perf_counter()
        from ..solve import Solver

        solver = Solver(generator.game, max_nodes=max_nodes, max_seconds=None)
        for k, c in enumerate(sound):
            sol = solver.solve(c.level)
            c.verdict, c.plan = sol.verdict, sol.plan
            report("solve", k + 1, len(sound))
        secs["solve"] = time.perf_counter() - t
        judged = [c for c in sound if c.verdict == "solved"]
    else:
        judged = sound

    if judge != "solver" and judged:
        from ..agent import Judge

        t = time.perf_counter()
        report("judge", 0, len(judged))
        for c, s in zip(judged, Judge(agent).evaluate([c.level for c in judged], episodes=1, record=True)):
            c.agent_success, c.agent_return, c.agent_steps = s.success_rate, s.mean_return, s.mean_steps
            c.agent_actions, c.agent_won = s.actions, s.won_first
        report("judge", len(judged), len(judged))
        secs["judge"] = time.perf_counter() - t

    t = time.perf_counter()
    spec = generator_spec(generator)
    dist = nearest([c.level for c in sound], list(corpus)) if sound and corpus else None
    for k, c in enumerate(sound):
        playable = c.verdict == "solved" if judge != "agent" else bool(c.agent_success)
        near = int(dist[k]) if dist is not None and np.isfinite(dist[k]) else c.level.grid.size
        if c.level.id in training_ids:
            near = 0
        c.scores = score(playable=playable, verdict=c.verdict, plan_length=len(c.plan) if c.plan else None,
                         agent_success=c.agent_success, agent_return=c.agent_return, agent_steps=c.agent_steps,
                         nearest=near, cells=c.level.grid.size, max_steps=spec.max_steps)
    chosen, diversity = select([c.level for c in sound], [c.scores.creativity for c in sound], n, pool_factor)
    selected = []
    for k, d in zip(chosen, diversity):
        sound[k].scores.diversity = d
        selected.append(sound[k])
    secs["score"] = time.perf_counter() - t
    return ForgeResult(selected, pool, secs)


def generator_spec(generator: Generator):
    from ..game import load_game

    return load_game(generator.game)


def _cond_dict(generator: Generator, counts: np.ndarray) -> dict[str, int]:
    names = getattr(getattr(generator, "gan", None), "cond_names", ())
    return {name: int(v) for name, v in zip(names, counts)}
