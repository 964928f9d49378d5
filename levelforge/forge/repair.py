"""Small, recorded repairs of generated levels before they are judged.

Two repairs, each applied only where the game's ``[constraints]`` ask for
it, and each written down as one sentence in the level's record:

- **border**: every cell of the outer ring that is not a border tile
  becomes the first border tile (``wall``);
- **too many of a unique tile** (a count constraint with maximum 1, such as
  the avatar or the door): the first in reading order stays, the others
  become floor.

Nothing is invented: a level missing its avatar stays malformed and is
judged so. Repairs run before the structural check, so the check sees the
repaired level.
"""

from __future__ import annotations

import numpy as np

from ..game import GameSpec
from ..level import Level


def _floor_id(spec: GameSpec) -> int | None:
    for t in spec.tiles:
        if t.parts == ("floor",):
            return t.id
    return None


def repair(level: Level) -> tuple[Level, tuple[str, ...]]:
    """``level`` repaired, and what was done (empty: nothing; the same level is returned)."""
    spec = level.spec
    c = spec.constraints
    grid = level.grid.copy()
    done: list[str] = []
    border = c.get("border")
    if border:
        ok = [t.id for t in spec.tiles if set(t.parts) & set(border)]
        wall = spec.tile(border[0]).id
        ring = np.zeros(grid.shape, dtype=bool)
        ring[0], ring[-1], ring[:, 0], ring[:, -1] = True, True, True, True
        bad = ring & ~np.isin(grid, ok)
        if bad.any():
            grid[bad] = wall
            done.append(f"border: {int(bad.sum())} tile(s) set to {border[0]}")
    floor = _floor_id(spec)
    for name, bounds in c.get("count", {}).items():
        hi = bounds[1] if isinstance(bounds, (list, tuple)) else bounds
        if hi != 1 or floor is None:
            continue
        ids = [t.id for t in spec.tiles if name in t.parts and len(t.parts) == 1]
        cells = np.flatnonzero(np.isin(grid.ravel(), ids))
        if len(cells) > 1:
            grid.ravel()[cells[1:]] = floor
            done.append(f"{name}: {len(cells) - 1} extra tile(s) set to floor, the first kept")
    if not done:
        return level, ()
    return Level(level.game, grid, name=level.name), tuple(done)
