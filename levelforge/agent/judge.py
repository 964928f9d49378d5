"""Judge: an agent plays many levels at once and reports how it did on each.

All ``len(levels) x episodes`` games run as rows of one engine batch: each
step is one forward pass over the rows still playing and one engine call,
so judging 500 levels costs about as many forward passes as the longest
game has steps. Greedy play (``epsilon=0``) on a deterministic game gives
the same episode every time; ``epsilon > 0`` makes repeated episodes differ
(reproducibly, from ``seed``). ``shield=k`` lets the rules engine veto the
actions that lose within ``k`` steps whatever follows and (unless
``veto_revisits=False``) those that lead back to a state the episode has been in
(:mod:`levelforge.agent.shield`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from ..engine import Engine, State
from ..engine.observe import Observer
from ..envs.sources import board_size
from ..level import Level
from .policy import Agent
from .shield import Shield, shielded_actions
from .tiles import check_agent_game

#: rows per engine batch (bigger sets are judged in chunks of whole levels)
CHUNK_ROWS = 8192


@dataclass
class LevelScore:
    level: str  #: the level's name, or its id
    episodes: int
    success_rate: float  #: share of episodes won
    mean_return: float
    mean_steps: float
    actions: list[int] | None = None  #: with ``record``: the first episode's moves
    won_first: bool | None = None  #: with ``record``: whether that episode was won

    def to_dict(self) -> dict:
        return asdict(self)


class Judge:
    def __init__(self, agent: Agent, max_steps: int | None = None, shield: int = 0,
                 veto_revisits: bool = True) -> None:
        if shield < 0:
            raise ValueError("shield must be >= 0 (0: off, k: veto actions that lose within k steps)")
        self.agent = agent
        self.max_steps = max_steps
        self.shield = int(shield)
        self.veto_revisits = veto_revisits  #: with a shield: no going back to a state the episode has been in

    def evaluate(self, levels: Sequence[Level], episodes: int = 1, epsilon: float = 0.0, seed: int = 0,
                 on_step: Callable[[State, State], None] | None = None, record: bool = False) -> list[LevelScore]:
        """One :class:`LevelScore` per level, in order. ``on_step(before,
        after)``, for analysis: called after every step with the states of
        the batch (one chunk of levels) before and after it. ``record``: keep
        each level's first episode's moves (a replay)."""
        if episodes < 1:
            raise ValueError("episodes must be >= 1")
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError("epsilon must be in [0, 1]")
        levels = list(levels)
        if not levels:
            return []
        spec = levels[0].spec
        check_agent_game(self.agent, spec)
        engine = Engine(spec)
        rng = np.random.default_rng(seed)
        per_chunk = max(1, CHUNK_ROWS // episodes)
        out: list[LevelScore] = []
        for i in range(0, len(levels), per_chunk):
            out += self._chunk(engine, levels[i : i + per_chunk], episodes, epsilon, rng, on_step, record)
        return out

    def _chunk(self, engine: Engine, levels: list[Level], episodes: int, epsilon: float,
               rng: np.random.Generator, on_step: Callable[[State, State], None] | None,
               record: bool = False) -> list[LevelScore]:
        rows = [lv for lv in levels for _ in range(episodes)]
        states = engine.load(rows, size=board_size(levels, engine.spec))
        n = len(states)
        obs = Observer(engine, states.board, n)
        obs.write(states)
        limit = self.max_steps or engine.spec.max_steps
        returns = np.zeros(n)
        steps = np.zeros(n, dtype=np.int64)
        actions = np.zeros(n, dtype=np.int64)
        shield = Shield(engine, n, self.shield, self.veto_revisits) if self.shield else None
        moves: list[np.ndarray] = []  # with record: each step's action of every level's first episode
        if shield is not None:
            shield.visit(states, np.arange(n))
        for _ in range(limit):
            playing = states.status == State.PLAYING
            live = np.flatnonzero(playing)
            if live.size == 0:
                break
            actions[:] = 0
            if shield is not None:
                q = self.agent.q_values(obs.array[live]).float().cpu().numpy()
                actions[live] = shielded_actions(q, shield.allowed(states.take(live), live), epsilon, rng)
            else:
                actions[live] = self.agent.act(obs.array[live], epsilon, rng)
            before = states.lit_copy()
            reward, _, changed = engine.advance(states, actions)
            obs.update(before, states, changed)
            if shield is not None:
                shield.visit(states.take(live), live)
            if on_step is not None:
                on_step(before, states)
            returns[live] += reward[live]
            steps[live] += 1
            if record:
                moves.append(actions[:: episodes].astype(np.int16))
        won = (states.status == State.WON).reshape(len(levels), episodes)
        ret = returns.reshape(len(levels), episodes)
        st = steps.reshape(len(levels), episodes)
        played = np.stack(moves, axis=1) if moves else np.zeros((len(levels), 0), dtype=np.int16)
        return [
            LevelScore(lv.name or lv.id, episodes, float(won[k].mean()), float(ret[k].mean()), float(st[k].mean()),
                       played[k, : st[k, 0]].tolist() if record else None, bool(won[k, 0]) if record else None)
            for k, lv in enumerate(levels)
        ]
