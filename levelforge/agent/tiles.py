"""DQN agents for the levelforge tile games: their env and their network.

The agent's network reads the one-hot planes of the game's observation (see
:attr:`levelforge.engine.Engine.channels`) and finds the player by its plane,
so a tile agent is tied to its game's planes, not to a level size.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gymnasium.vector import AutoresetMode

from ..envs import TileVectorEnv
from ..game import GameSpec, load_game
from .config import DQNConfig
from .policy import Agent


def training_env(game: str | GameSpec, levels: Any, num_envs: int, size: tuple[int, int] | None = None,
                 max_steps: int | None = None) -> TileVectorEnv:
    """The vector env the learner plays: NEXT_STEP autoreset, fresh observation arrays."""
    return TileVectorEnv(num_envs=num_envs, game=game, levels=levels, size=size, max_steps=max_steps,
                         autoreset_mode=AutoresetMode.NEXT_STEP, copy=True)


def tile_agent(config: DQNConfig, env: TileVectorEnv) -> Agent:
    """A new agent for ``env``'s game. A config ``radius`` of 0 becomes the
    window that shows the env's whole level from any cell."""
    engine = env.engine
    channels = tuple(engine.channels)
    player = channels.index(engine.rules.player)
    shape = env.single_observation_space.shape
    if config.network == "tile" and config.radius == 0:
        config = replace(config, radius=max(shape[1], shape[2]) - 1)
    return Agent.create(config, shape, env.single_action_space.n, engine.spec.name, channels, player)


def check_agent_game(agent: Agent, game: str | GameSpec) -> None:
    """Raise unless ``agent`` plays ``game`` with the planes this game's engine shows."""
    from ..engine import Engine
    from .checkpoint import AgentFileError

    spec = load_game(game)
    if agent.env != spec.name:
        raise AgentFileError(f"the agent plays {agent.env!r}, not {spec.name!r}")
    planes = tuple(Engine(spec).channels)
    if agent.channels != planes:
        raise AgentFileError(f"the agent was trained on other observation planes of {spec.name!r} "
                             "(the game changed since); retrain it")
