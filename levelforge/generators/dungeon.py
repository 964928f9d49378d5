"""Dungeon levels (GVGAI-Zelda-like): a random-walk cave with an avatar, a key, a door and monsters.

1. *Carve.* Inside a wall border, everything starts as wall. A "drunkard's
   walk" starts on a random interior tile and carves every tile it steps on;
   at each step it keeps its heading, or with probability ``turn`` picks a
   new random one (a low ``turn`` digs long corridors, like the hand-made
   levels; a high one, open caves), and it never steps onto the border. It
   stops once a target share of the interior is floor, drawn uniformly from
   45% to 65%. A walk never jumps, so the floor is one connected region by
   construction (the tests check it by breadth-first search).
2. *Place.* The avatar ``A`` goes on a random floor tile; the key ``+`` on
   a random tile among the farther half of the floor from the avatar (by
   breadth-first walking distance); the door ``g`` on a floor tile next to a
   wall, among the farther half of such tiles from the key, and never on a
   tile whose removal would cut the floor in two (the door is solid until
   opened, so a door in a corridor could wall off the key). So the way
   avatar -> key -> door tends to be long. Then ``k`` monsters (``k``
   uniform in the inclusive range ``monsters``, or exactly
   ``cond["monsters"]``), each a bat ``1``, spider ``2`` or scorpion ``3``
   uniformly, go on distinct free floor tiles at Manhattan distance >= 3
   from the avatar.
3. *Filter.* With ``solvable=True`` the exact solver
   (:class:`levelforge.solve.Solver`) must find a plan; otherwise (or when
   step 2 finds no room for everything) the level is redrawn, up to
   :attr:`DungeonGenerator.max_tries` times, then RuntimeError. The counters
   :attr:`~DungeonGenerator.candidates` and :attr:`~DungeonGenerator.rejected`
   record how many candidates went to the solver and how many it turned down.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..game import load_game
from ..level import Level, parse_level
from .base import STEPS, SolverFiltered, bfs, check_level_size, check_range, check_size

WALL, FLOOR, AVATAR, KEY, DOOR = "w", ".", "A", "+", "g"
MONSTERS = ("1", "2", "3")
FLOOR_SHARE = (0.45, 0.65)


class DungeonGenerator(SolverFiltered):
    """Solvable dungeon levels of ``height`` x ``width`` with ``monsters`` = (min, max) monsters."""

    game = "dungeon"
    cond_keys = frozenset({"monsters"})
    max_tries = 50

    def __init__(
        self,
        height: int = 9,
        width: int = 13,
        monsters: tuple[int, int] = (1, 4),
        solvable: bool = True,
        turn: float = 0.1,
        max_nodes: int = 200_000,
    ) -> None:
        spec = load_game(self.game)
        self.height, self.width = check_level_size(self.game, height, width)
        self.max_monsters = int(spec.constraints.get("npcs", [0, 8])[1])
        self.monsters = check_range("monsters", monsters, 0, self.max_monsters)
        if isinstance(turn, bool) or not isinstance(turn, (int, float)) or not 0.0 <= turn <= 1.0:
            raise ValueError(f"turn must be a probability in [0, 1], got {turn!r}")
        self.turn = float(turn)
        self._init_filter(solvable, max_nodes)

    def __repr__(self) -> str:
        return (
            f"DungeonGenerator(height={self.height}, width={self.width}, monsters={self.monsters}, "
            f"solvable={self.solvable})"
        )

    def check_cond(self, cond: dict[str, Any] | None) -> dict[str, Any]:
        opts = super().check_cond(cond)
        if "monsters" in opts:
            check_size("cond['monsters']", opts["monsters"], 0, self.max_monsters)
        return opts

    def _one(self, rng: np.random.Generator, name: str | None = None, monsters: int | None = None) -> Level:
        for _ in range(self.max_tries):
            k = int(rng.integers(self.monsters[0], self.monsters[1] + 1)) if monsters is None else int(monsters)
            chars = self.place(self.carve(rng), k, rng)
            if chars is None:
                continue
            text = "\n".join("".join(row) for row in chars) + "\n"
            level = parse_level(text, self.game, source=name or "<dungeon generator>", name=name)
            if self.accept(level):
                return level
        raise RuntimeError(f"no playable dungeon level in {self.max_tries} tries ({self!r})")

    def carve(self, rng: np.random.Generator) -> np.ndarray:
        """``(H, W) bool`` floor mask dug by a random walk (see the module docstring)."""
        h, w = self.height, self.width
        inner = (h - 2) * (w - 2)
        need = int(rng.integers(math.ceil(FLOOR_SHARE[0] * inner), math.floor(FLOOR_SHARE[1] * inner) + 1))
        floor = np.zeros((h, w), dtype=bool)
        r, c = int(rng.integers(1, h - 1)), int(rng.integers(1, w - 1))
        floor[r, c] = True
        dug = 1
        dr, dc = STEPS[rng.integers(4)]
        while dug < need:
            if rng.random() < self.turn:
                dr, dc = STEPS[rng.integers(4)]
            if not (0 < r + dr < h - 1 and 0 < c + dc < w - 1):
                dr, dc = STEPS[rng.integers(4)]
                continue
            r, c = r + dr, c + dc
            if not floor[r, c]:
                floor[r, c] = True
                dug += 1
        return floor

    def place(self, floor: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray | None:
        """The level's chars with avatar, door, key and ``k`` monsters, or None if they do not fit."""
        cells = [tuple(int(v) for v in rc) for rc in np.argwhere(floor)]
        avatar = cells[rng.integers(len(cells))]
        key = _far_half([p for p in cells if p != avatar], floor, avatar, rng)
        if key is None:
            return None
        by_wall = [p for p in cells if p not in (avatar, key) and _walls_beside(floor, p)]
        door = _far_half(by_wall, floor, key, rng, ok=lambda p: not _cuts(floor, p))
        if door is None:
            return None
        rest = [p for p in cells if p not in (avatar, key, door)]
        room = [p for p in rest if abs(p[0] - avatar[0]) + abs(p[1] - avatar[1]) >= 3]
        if len(room) < k:
            return None
        chars = np.where(floor, FLOOR, WALL)
        chars[avatar], chars[door], chars[key] = AVATAR, DOOR, KEY
        for i in rng.choice(len(room), size=k, replace=False):
            chars[room[i]] = MONSTERS[rng.integers(len(MONSTERS))]
        return chars


def _far_half(cells, floor, origin, rng, ok=lambda p: True):
    """A random cell among the farther half of ``cells`` from ``origin`` (by walking
    distance) that satisfies ``ok``; None if there is none."""
    dist = bfs(floor, origin)
    cells = sorted(cells, key=lambda p: dist[p])
    far = cells[len(cells) // 2 :]
    return next((far[i] for i in rng.permutation(len(far)) if ok(far[i])), None)


def _walls_beside(floor: np.ndarray, p: tuple[int, int]) -> bool:
    return any(not floor[p[0] + dr, p[1] + dc] for dr, dc in STEPS)


def _cuts(floor: np.ndarray, p: tuple[int, int]) -> bool:
    """Whether walling up ``p`` splits the rest of the floor into two or more regions."""
    rest = floor.copy()
    rest[p] = False
    cells = np.argwhere(rest)
    if not len(cells):
        return False
    return bool((bfs(rest, tuple(cells[0]))[rest] < 0).any())
