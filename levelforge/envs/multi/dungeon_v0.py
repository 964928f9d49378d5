"""Dungeon for 2 to 4 players: ``mode="coop"`` (the default) or ``"race"``."""

from ._factory import entry_points

parallel_env, env, raw_env = entry_points("dungeon")
