"""Gymnasium environments of the levelforge games.

``import levelforge`` registers, for each shipped game G in (Dungeon, Sokoban,
Maze), ``LevelForge/G-v0`` with both entry points, so

- ``gymnasium.make("LevelForge/Dungeon-v0", levels=...)`` gives a
  :class:`TileEnv`, and
- ``gymnasium.make_vec("LevelForge/Dungeon-v0", num_envs=B,
  vectorization_mode="vector_entry_point")`` a native :class:`TileVectorEnv`.
"""

from __future__ import annotations

import gymnasium as gym

from .single import TileEnv
from .sources import LevelPool
from .vector import TileVectorEnv

GAMES = {"Dungeon": "dungeon", "Sokoban": "sokoban", "Maze": "maze"}


def register_envs() -> None:
    """Register the LevelForge/*-v0 ids (idempotent)."""
    for title, game in GAMES.items():
        env_id = f"LevelForge/{title}-v0"
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point="levelforge.envs.single:TileEnv",
            vector_entry_point="levelforge.envs.vector:TileVectorEnv",
            kwargs={"game": game},
        )


__all__ = ["TileEnv", "TileVectorEnv", "LevelPool", "register_envs"]
