"""Team agents: greedy play of P players on a set of levels, all games at once."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine import Engine, State
from ..engine.team import Team
from ..envs.multi.observe import TeamObserver
from ..envs.sources import board_size, npc_limit
from ..level import Level
from .policy import Agent


def team_play(agent: Agent | Sequence[Agent], levels: Sequence[Level], players: int, mode: str = "coop",
              max_steps: int | None = None, size: tuple[int, int] | None = None, epsilon: float = 0.0,
              seed: int = 0) -> np.ndarray:
    """``(len(levels),) bool``: whether the team won each level when
    ``players`` players play it greedily (one game per level, all stepped
    together), within ``max_steps`` joint steps (default: the game's).
    ``epsilon``: each player's action is a random one with this probability
    (DQN's evaluation protocol uses 0.05: two greedy players can block each
    other in a corridor for ever, as can one greedy player in a loop).
    ``agent``: one agent for every player, or one per player (player ``p``
    plays ``agent[p]``). A co-operative game is won when any player enters;
    a race when anyone does. ``players=1``: one player alone (no other
    player in its planes)."""
    agents = [agent] * players if isinstance(agent, Agent) or not isinstance(agent, Sequence) else list(agent)
    if len(agents) != players:
        raise ValueError(f"{len(agents)} agents for {players} players")
    if not levels:
        return np.zeros(0, dtype=bool)
    spec = levels[0].spec
    engine = Engine(spec)
    team = Team(engine, players, shared=mode == "coop")
    states = team.load(levels, size=size or board_size(list(levels), spec), max_npcs=npc_limit(spec))
    obs = TeamObserver(engine, states.board, len(levels), players)
    for a in agents:
        if obs.array.shape[1:] != tuple(a.obs_shape):
            raise ValueError(f"the agent takes observations of shape {tuple(a.obs_shape)}, a {players}-player "
                             f"{spec.name} team shows {obs.array.shape[1:]} (a team agent, trained with --players?)")
    limit = int(max_steps or spec.max_steps)
    rng = np.random.default_rng(seed)
    actions = np.zeros(len(states), dtype=np.int64)
    for _ in range(limit):
        if not np.count_nonzero(states.status == State.PLAYING):
            break
        obs.write(states)
        for p, a in enumerate(agents):
            actions[p::players] = a.act(obs.array[p::players], epsilon, rng)
        team.advance(states, actions)
    return (states.status == State.WON).reshape(-1, players).any(axis=1)
