"""Classic procedural level generators behind one small interface.

- :class:`Generator`: ``sample(n, seed, cond)`` draws reproducible levels,
  and ``gen(rng)`` one level, so an instance is an environment level source;
- :class:`MazeGenerator`: braided recursive-backtracker mazes;
- :class:`DungeonGenerator`: random-walk dungeons, filtered by the solver;
- :func:`procedural`: the generator of a game, by name.
"""

from __future__ import annotations

from ..errors import UnknownGameError
from .base import Generator
from .dungeon import DungeonGenerator
from .maze import MazeGenerator

GENERATORS: dict[str, type[Generator]] = {"maze": MazeGenerator, "dungeon": DungeonGenerator}


def procedural(game: str) -> Generator:
    """A procedural generator (default settings) for ``game``: "maze" or "dungeon"."""
    cls = GENERATORS.get(game) if isinstance(game, str) else None
    if cls is None:
        raise UnknownGameError(f"no procedural generator for game {game!r}; known: {', '.join(sorted(GENERATORS))}")
    return cls()


__all__ = ["GENERATORS", "DungeonGenerator", "Generator", "MazeGenerator", "procedural"]
