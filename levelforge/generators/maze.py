"""Maze levels: a recursive-backtracker maze, braided, with a far-apart start and exit.

1. *Carve.* On an H x W grid of walls (H, W odd), the cells are the odd
   (row, column) positions; walls sit between them and all around. A
   randomized depth-first search (the recursive backtracker, run with an
   explicit stack) starts at a random cell, steps to a random unvisited
   neighbour two tiles away knocking out the wall in between, and backs up
   when the current cell has none. This gives a *perfect* maze: its floor is
   a spanning tree of the cells, so every cell is reachable by exactly one
   path.
2. *Braid.* A dead end is a cell with one open side. A fraction ``braid`` of
   them (in random order, skipping any already opened by an earlier knock)
   get one more wall knocked out, towards a random neighbouring cell. Each
   knock joins two tree branches, so the maze gets loops, as in the
   hand-made levels (``braid=0`` keeps it perfect).
3. *Start and exit.* The start ``S`` goes on a random floor tile; the exit
   ``E`` on a random one among the floor tiles farthest from it by
   breadth-first search. The floor is connected, so the exit is reachable.
"""

from __future__ import annotations

import numpy as np

from ..game import load_game
from ..level import Level, max_size, parse_level
from .base import STEPS, Generator, bfs, check_size

WALL, FLOOR, START, EXIT = "#", ".", "S", "E"


class MazeGenerator(Generator):
    """Braided recursive-backtracker mazes of ``height`` x ``width`` (both odd, >= 5)."""

    game = "maze"

    def __init__(self, height: int = 11, width: int = 15, braid: float = 0.3) -> None:
        max_h, max_w = max_size(load_game(self.game))
        self.height = check_size("maze height", height, 5, max_h, odd=True)
        self.width = check_size("maze width", width, 5, max_w, odd=True)
        if isinstance(braid, bool) or not isinstance(braid, (int, float)) or not 0.0 <= braid <= 1.0:
            raise ValueError(f"braid must be a fraction in [0, 1], got {braid!r}")
        self.braid = float(braid)

    def __repr__(self) -> str:
        return f"MazeGenerator(height={self.height}, width={self.width}, braid={self.braid})"

    def _one(self, rng: np.random.Generator, name: str | None = None) -> Level:
        floor = self.carve(rng)
        self.braid_dead_ends(floor, rng)
        cells = np.argwhere(floor)
        start = tuple(cells[rng.integers(len(cells))])
        dist = bfs(floor, start)
        far = np.argwhere(dist == dist.max())
        end = tuple(far[rng.integers(len(far))])
        chars = np.where(floor, FLOOR, WALL)
        chars[start], chars[end] = START, EXIT
        text = "\n".join("".join(row) for row in chars) + "\n"
        return parse_level(text, self.game, source=name or "<maze generator>", name=name)

    def carve(self, rng: np.random.Generator) -> np.ndarray:
        """A perfect maze: ``(H, W) bool`` floor mask, by randomized depth-first search."""
        h, w = self.height, self.width
        floor = np.zeros((h, w), dtype=bool)
        r0 = 1 + 2 * int(rng.integers((h - 1) // 2))
        c0 = 1 + 2 * int(rng.integers((w - 1) // 2))
        floor[r0, c0] = True
        stack = [(r0, c0)]
        while stack:
            r, c = stack[-1]
            fresh = [
                (r + 2 * dr, c + 2 * dc)
                for dr, dc in STEPS
                if 0 < r + 2 * dr < h - 1 and 0 < c + 2 * dc < w - 1 and not floor[r + 2 * dr, c + 2 * dc]
            ]
            if not fresh:
                stack.pop()
                continue
            nr, nc = fresh[rng.integers(len(fresh))]
            floor[(r + nr) // 2, (c + nc) // 2] = floor[nr, nc] = True
            stack.append((nr, nc))
        return floor

    def braid_dead_ends(self, floor: np.ndarray, rng: np.random.Generator) -> None:
        """Knock one more wall out of a fraction :attr:`braid` of the dead ends (in place)."""
        h, w = floor.shape
        dead = [(r, c) for r in range(1, h - 1, 2) for c in range(1, w - 1, 2) if _open_sides(floor, r, c) == 1]
        k = round(self.braid * len(dead))
        for i in rng.permutation(len(dead))[:k]:
            r, c = dead[i]
            if _open_sides(floor, r, c) != 1:  # an earlier knock opened it already
                continue
            walls = [
                (r + dr, c + dc)
                for dr, dc in STEPS
                if 0 < r + 2 * dr < h - 1 and 0 < c + 2 * dc < w - 1 and not floor[r + dr, c + dc]
            ]
            floor[walls[rng.integers(len(walls))]] = True


def _open_sides(floor: np.ndarray, r: int, c: int) -> int:
    return sum(bool(floor[r + dr, c + dc]) for dr, dc in STEPS)
