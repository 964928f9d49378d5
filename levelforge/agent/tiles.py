"""DQN agents for the levelforge tile games: their env and their network.

The agent's network reads the one-hot planes of the game's observation (see
:attr:`levelforge.engine.Engine.channels`) and finds the player by its plane,
so a tile agent is tied to its game's planes, not to a level size.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np

from gymnasium.vector import AutoresetMode

from ..envs import TileVectorEnv
from ..game import GameSpec, load_game
from ..level import Level
from .config import DQNConfig
from .policy import Agent


def tile_preset(steps: int, **changes: Any) -> DQNConfig:
    """The settings tile-game agents train with (``levelforge train agent``,
    ``tools/bench_agent.py``): 64 environments, one update of 128 samples per
    8 environment steps, 5-step Double DQN targets, the planning network
    (:mod:`levelforge.agent.planner`) with a dueling head; given
    demonstrations, 3,000 updates on them alone first (DQfD's pre-training),
    then half of each batch comes from them (measured in docs/benchmarks.md)."""
    cfg = DQNConfig(
        steps=steps, num_envs=64, network="plan", channels=16, hidden=128, lr=5e-4, batch_size=128, train_every=8,
        n_step=5, learning_starts=min(10_000, steps // 10), target_every=500, eps_fraction=0.3, eps_end=0.02,
        buffer_size=200_000, demo_fraction=0.5, pretrain_updates=3_000,
    )  # fmt: skip
    return replace(cfg, **changes)


class MixedSource:
    """An endless level source: a corpus level with probability
    ``corpus_share``, otherwise a fresh one from ``generator``. Remembers the
    ids of every level it served (:attr:`served`), so held-out sets can be
    checked against what training saw."""

    def __init__(self, levels: list[Level], generator: Callable[[np.random.Generator], Level],
                 corpus_share: float = 0.25) -> None:
        self.levels = list(levels)
        self.generator = generator
        self.corpus_share = corpus_share if self.levels else 0.0
        self.served: set[str] = set()

    def __call__(self, rng: np.random.Generator) -> Level:
        if rng.random() < self.corpus_share:
            lv = self.levels[int(rng.integers(len(self.levels)))]
        else:
            lv = self.generator(rng)
        self.served.add(lv.id)
        return lv


class Blend:
    """An endless level source drawing from several sources with fixed weights."""

    def __init__(self, sources: list[Callable[[np.random.Generator], Level]], weights: list[float]) -> None:
        if len(sources) != len(weights) or not sources:
            raise ValueError("Blend needs one weight per source")
        w = np.asarray(weights, dtype=float)
        self.sources, self.p = list(sources), w / w.sum()

    def __call__(self, rng: np.random.Generator) -> Level:
        return self.sources[int(rng.choice(len(self.sources), p=self.p))](rng)


def practice_levels(game: str) -> Blend:
    """The procedural levels tile agents train on: half of full size, half
    smaller and easier (the key and door nearer, fewer monsters), padded
    into the full board. Random play almost never wins a full-size dungeon
    (about 1 episode in 1,000) or maze, so without the easy half a DQN sees
    too few wins to learn from; what it learns on them (walk to the key,
    then to the door; follow corridors to the exit) carries over, since the
    agent sees levels from the player's tile."""
    from ..generators import DungeonGenerator, MazeGenerator, SokobanGenerator

    if game == "maze":
        sizes = [(5, 7), (7, 9), (9, 11), (11, 15)]
        return Blend([MazeGenerator(h, w) for h, w in sizes], [0.15, 0.15, 0.2, 0.5])
    if game == "dungeon":
        kinds = [(5, 7, (0, 1)), (7, 9, (0, 2)), (9, 13, (0, 3)), (9, 13, (1, 4))]
        return Blend([DungeonGenerator(h, w, m) for h, w, m in kinds], [0.15, 0.15, 0.2, 0.5])
    if game == "sokoban":
        kinds = [(6, 6, (1, 1)), (8, 8, (1, 2)), (10, 10, (2, 3)), (10, 10, (2, 4))]
        return Blend([SokobanGenerator(h, w, b) for h, w, b in kinds], [0.15, 0.15, 0.2, 0.5])
    raise ValueError(f"no practice levels for {game!r}: maze, dungeon or sokoban")


def training_env(game: str | GameSpec, levels: Any, num_envs: int, size: tuple[int, int] | None = None,
                 max_steps: int | None = None) -> TileVectorEnv:
    """The vector env the learner plays: NEXT_STEP autoreset, fresh observation arrays."""
    return TileVectorEnv(num_envs=num_envs, game=game, levels=levels, size=size, max_steps=max_steps,
                         autoreset_mode=AutoresetMode.NEXT_STEP, copy=True)


def tile_agent(config: DQNConfig, env: TileVectorEnv) -> Agent:
    """A new agent for ``env``'s game. A config ``radius`` of 0 becomes the
    window that shows the env's whole level from any cell."""
    engine = env.engine
    channels = tuple(env.channels)  # a team env adds other_players to the engine's planes
    player = channels.index(engine.rules.player)
    walls = tuple(channels.index(name) for name in engine.walls)
    shape = env.single_observation_space.shape
    if config.network == "plan":
        from .planner import MOVE_NAMES

        if tuple(engine.spec.actions[1:5]) != MOVE_NAMES:
            raise ValueError(f"the plan network needs actions 1-4 to be {', '.join(MOVE_NAMES)}; "
                             f"{engine.spec.name!r} has {', '.join(engine.spec.actions)}")
    if config.network == "tile" and config.radius == 0:
        config = replace(config, radius=max(shape[1], shape[2]) - 1)
    return Agent.create(config, shape, env.single_action_space.n, engine.spec.name, channels, player, walls)


def check_agent_game(agent: Agent, game: str | GameSpec) -> None:
    """Raise unless ``agent`` plays ``game`` with the planes this game's engine shows."""
    from ..engine import Engine
    from .checkpoint import AgentFileError

    spec = load_game(game)
    if agent.env != spec.name:
        raise AgentFileError(f"the agent plays {agent.env!r}, not {spec.name!r}")
    planes = tuple(Engine(spec).channels)
    if agent.channels[: len(planes)] == planes and len(agent.channels) > len(planes):
        raise AgentFileError(f"the agent is a team agent (trained with --players; planes "
                             f"{', '.join(agent.channels[len(planes):])}); it plays levelforge.envs.multi games")
    if agent.channels != planes:
        raise AgentFileError(f"the agent was trained on other observation planes of {spec.name!r} "
                             "(the game changed since); retrain it")
