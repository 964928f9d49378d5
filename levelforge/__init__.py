"""levelforge: procedural level generation for tile games.

Importing the package registers the Gymnasium environments
``LevelForge/Dungeon-v0``, ``LevelForge/Sokoban-v0`` and ``LevelForge/Maze-v0``.
"""

from .errors import GameSpecError, LevelforgeError, LevelFormatError, UnknownGameError
from .game import GameSpec, load_game
from .level import Level, parse_level, read_level, read_levels, write_level, write_levels

__version__ = "0.1.0"

__all__ = [
    "GameSpec",
    "GameSpecError",
    "Level",
    "LevelFormatError",
    "LevelforgeError",
    "UnknownGameError",
    "load_game",
    "parse_level",
    "read_level",
    "read_levels",
    "write_level",
    "write_levels",
]

from .envs import register_envs as _register_envs

_register_envs()
