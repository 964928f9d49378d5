"""Multi-agent tile games for PettingZoo, on the engine's team step.

Each game is a module in PettingZoo's style:

    from levelforge.envs.multi import dungeon_v0
    env = dungeon_v0.parallel_env(players=2, mode="coop")   # a ParallelEnv
    aec = dungeon_v0.env(players=2, mode="race")             # the AEC form (parallel_to_aec)

- ``dungeon_v0``: 2 to 4 players; ``mode="coop"`` (one key and one goal for
  the team: when one player enters the door, all win) or ``"race"`` (the
  first through the door wins, the others lose);
- ``maze_v0``: 2 to 4 players racing to the exit.

See :class:`~levelforge.envs.multi.team_env.TeamEnv` for observations,
rewards and level sources, and :mod:`levelforge.engine.team` for the rules
of a joint step (turn order, collisions).
"""

from . import dungeon_v0, maze_v0
from .team_env import TeamEnv

__all__ = ["TeamEnv", "dungeon_v0", "maze_v0"]
