"""Level generators behind one small interface: the classic procedural ones and a random baseline.

- :class:`Generator`: ``sample(n, seed, cond)`` draws reproducible levels,
  and ``gen(rng)`` one level, so an instance is an environment level source;
- :class:`MazeGenerator`: braided recursive-backtracker mazes;
- :class:`DungeonGenerator`: random-walk dungeons, filtered by the solver;
- :class:`SokobanGenerator`: Boxoban-style rooms whose boxes are pulled off
  their goals by reverse play (solvable by construction, checked by the solver);
- :class:`TileFrequencyGenerator`: the random baseline, every cell drawn at
  a corpus's tile frequencies;
- :class:`PlayableOnly`: any level source, filtered by the exact solver;
- :func:`procedural`: the generator of a game, by name.

The GAN (:class:`levelforge.gan.GANGenerator`) implements the same interface.
"""

from __future__ import annotations

from ..errors import UnknownGameError
from .base import Draw, Generator
from .dungeon import DungeonGenerator
from .maze import MazeGenerator
from .playable import PlayableOnly
from .frequency import TileFrequencyGenerator
from .sokoban import SokobanGenerator

GENERATORS: dict[str, type[Generator]] = {
    "maze": MazeGenerator,
    "dungeon": DungeonGenerator,
    "sokoban": SokobanGenerator,
}


def procedural(game: str) -> Generator:
    """A procedural generator (default settings) for ``game``: "maze", "dungeon" or "sokoban"."""
    cls = GENERATORS.get(game) if isinstance(game, str) else None
    if cls is None:
        raise UnknownGameError(f"no procedural generator for game {game!r}; known: {', '.join(sorted(GENERATORS))}")
    return cls()


__all__ = ["GENERATORS", "Draw", "DungeonGenerator", "Generator", "MazeGenerator", "PlayableOnly", "SokobanGenerator",
           "TileFrequencyGenerator", "procedural"]
