"""Maze for 2 to 4 players, racing to the exit."""

from ._factory import entry_points

parallel_env, env, raw_env = entry_points("maze")
