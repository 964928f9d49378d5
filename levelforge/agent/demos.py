"""Demonstrations: the exact solver's shortest plans, as replay for the DQN.

Random play almost never wins a full-size dungeon or maze, so a DQN left to
epsilon-greedy exploration sees too few wins to learn from in minutes. The
solver knows a shortest winning plan for every solvable level; replaying
those plans through the engine gives transitions (observations, actions,
the game's own rewards) that the learner mixes into every batch, with a
large-margin loss that pulls the demonstrated action's value above the
others (Deep Q-learning from Demonstrations, Hester et al. 2018). The agent
still learns its values by TD from its own play and from the demos; the
demonstrations come from training levels only, never from the levels it is
tested on.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine import Engine, State
from ..engine.observe import Observer
from ..level import Level
from .replay import ReplayBuffer


def solver_plans(levels: Sequence[Level], max_nodes: int = 200_000) -> list[tuple[Level, list[int]]]:
    """(level, shortest plan) for each level the solver solves within ``max_nodes``."""
    from ..solve import Solver

    if not levels:
        return []
    solver = Solver(levels[0].spec, max_nodes=max_nodes)
    out = []
    for lv in levels:
        sol = solver.solve(lv)
        if sol.solved and sol.plan:
            out.append((lv, list(sol.plan)))
    return out


def demo_buffer(plans: list[tuple[Level, list[int]]], size: tuple[int, int], obs_shape: tuple[int, ...],
                n_step: int, gamma: float, seed: int = 0) -> ReplayBuffer:
    """A replay buffer holding every plan as an episode, played through the
    engine on a board of ``size`` (as the training env pads levels)."""
    if not plans:
        raise ValueError("no demonstrations: the solver solved none of the levels")
    spec = plans[0][0].spec
    engine = Engine(spec)
    states = engine.load([lv for lv, _ in plans], size=size)
    n = len(plans)
    longest = max(len(p) for _, p in plans)
    obs = Observer(engine, states.board, n)
    obs.write(states)
    rows = sum(len(p) + 1 for _, p in plans)
    buf = ReplayBuffer(rows + n_step + 2, 1, obs_shape, np.uint8, n_step=n_step, gamma=gamma, pack_bits=True,
                       seed=seed)
    # play all plans at once, recording each row's steps; then write episodes one after another
    frames = np.zeros((longest + 1, n, *obs_shape), dtype=np.uint8)
    rewards = np.zeros((longest, n), dtype=np.float32)
    terms = np.zeros((longest, n), dtype=bool)
    actions = np.zeros((longest, n), dtype=np.int64)
    for k, (_, p) in enumerate(plans):
        actions[: len(p), k] = p
    # a team agent's extra planes (other_players, after the engine's) stay empty: the solver plays alone
    c = obs.array.shape[1]
    if obs.array.shape[2:] != tuple(obs_shape[1:]) or c > obs_shape[0]:
        raise ValueError(f"demonstrations observe {obs.array.shape[1:]}, the agent takes {tuple(obs_shape)}")
    frames[0, :, :c] = obs.array
    for t in range(longest):
        before = states.lit_copy()
        r, term, changed = engine.advance(states, actions[t])
        obs.update(before, states, changed)
        rewards[t], terms[t] = r, term
        frames[t + 1, :, :c] = obs.array
    for k, (_, p) in enumerate(plans):
        if states.status[k] != State.WON:
            raise RuntimeError(f"a solver plan did not win its level (level {plans[k][0].name or plans[k][0].id})")
        for t in range(len(p)):
            buf.add(frames[t, k : k + 1], [p[t]], [rewards[t, k]], [terms[t, k]], [terms[t, k]], [True])
        buf.add(frames[len(p), k : k + 1], [0], [0.0], [False], [False], [False])  # final observation row
    buf.add(frames[0, :1], [0], [0.0], [False], [False], [False])  # pad: the last rows are never sampled
    for _ in range(n_step):
        buf.add(frames[0, :1], [0], [0.0], [False], [False], [False])
    return buf


def demonstrations(levels: Sequence[Level], size: tuple[int, int], obs_shape: tuple[int, ...], n_step: int,
                   gamma: float) -> tuple[ReplayBuffer | None, list[Level]]:
    """The solver's plans on ``levels`` as a replay buffer (None when it
    solves none of them), and the levels it solved (the ones the buffer holds)."""
    plans = solver_plans(levels)
    if not plans:
        return None, []
    return demo_buffer(plans, size, obs_shape, n_step, gamma), [lv for lv, _ in plans]
