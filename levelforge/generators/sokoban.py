"""Sokoban levels (Boxoban-like): a random-walk room whose boxes are pulled off their goals by reverse play.

The method of DeepMind's Boxoban and gym-sokoban: build the solved puzzle,
then play the game backwards, so whatever state is reached can be solved by
undoing the moves.

1. *Carve.* Inside a wall border, everything starts as wall. A random walk
   starts on a random interior tile; at each step it keeps its heading, or
   with probability 0.35 picks a new random one, never stepping onto the
   border, and on every tile it reaches it stamps one of a few small
   patterns (a single tile, a row or column of three, an L, a 2 x 2 block),
   cut off at the border. It stops as soon as a target share of the
   interior is floor, drawn uniformly from 40% to 60% (rooms like
   Boxoban's). Every stamped tile touches the walk's tile or another tile of
   its stamp, and the walk never jumps, so the floor is one connected region
   by construction.
2. *Goals.* ``k`` goals (``k`` uniform in the inclusive range ``boxes``, or
   exactly ``cond["boxes"]``) go on distinct random floor tiles, each with a
   box on it: the solved puzzle.
3. *Reverse play.* A pull is the reverse of a push: the player, standing next
   to a box, steps away from it onto a free tile and drags the box one tile
   along. Only pulls change a puzzle; where the player stands within the
   free region it can walk about does not. So a state is (box tiles, the
   player's region), and a breadth-first search over pulls starts from every
   solved state at once (boxes on goals, the player in any region of the
   free floor). Breadth-first order makes a state's depth the fewest pulls
   that reach it, which is exactly the fewest pushes that solve it: the
   puzzle's push-optimal length. The search stops after ``search_nodes``
   states (or when no new state is left).
4. *Pick.* Among the states reached in which no box stands on any goal, the
   search keeps the one with the highest score, ties drawn at random:
   ``pushes * (1 + swaps)``, where ``pushes`` is the depth above and
   ``swaps`` counts, along the search path that reached the state, the pulls
   that take a different box than the pull before (the "box swaps" of
   gym-sokoban: puzzles whose boxes must be moved in turns, not one after
   another). The player goes on a random tile of the kept state's region.
   If no state has every box off the goals (a cramped room), the level is
   redrawn.
5. *Filter.* Forward play undoes the pulls, so every level is solvable by
   construction; but an environment (and the solver) only counts plans
   within the game's step limit of ``max_steps`` (200). With
   ``solvable=True`` the exact solver (:class:`levelforge.solve.Solver`) must
   find a plan within it, else the level is redrawn, up to
   :attr:`SokobanGenerator.max_tries` times, then RuntimeError. The counters
   :attr:`~SokobanGenerator.candidates` and
   :attr:`~SokobanGenerator.rejected` record how many candidates went to the
   solver and how many it turned down: none of the first 100 default
   levels. On larger rooms the solver may run out of ``max_nodes`` on a
   puzzle that is solvable all the same (3 of 8 at 16 x 16); raise
   ``max_nodes`` or pass ``solvable=False`` there.

The search runs on Python integers used as bit sets over the flattened grid
(bit ``r * width + c`` is tile ``(r, c)``): a flood fill, a shift and a mask
per step, so a level takes a few tens of milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import islice
from typing import Any

import numpy as np

from ..game import load_game
from ..level import Level, parse_level
from .base import STEPS, SolverFiltered, check_level_size, check_range, check_size

WALL, FLOOR, GOAL, BOX, PLAYER, BOX_ON_GOAL, PLAYER_ON_GOAL = "#", " ", ".", "$", "@", "*", "+"
FLOOR_SHARE = (0.40, 0.60)
TURN = 0.35
#: Stamps of the carving walk, as (row, column) offsets from the walk's tile;
#: every offset touches the walk's tile or an earlier offset of its stamp.
STAMPS = (
    ((0, 0),),
    ((0, 0), (0, -1), (0, 1)),
    ((0, 0), (-1, 0), (1, 0)),
    ((0, 0), (0, 1), (1, 0)),
    ((0, 0), (0, -1), (-1, 0)),
    ((0, 0), (0, 1), (1, 0), (1, 1)),
)


class SokobanGenerator(SolverFiltered):
    """Solvable Sokoban puzzles of ``height`` x ``width`` with ``boxes`` = (min, max) boxes.

    ``search_nodes``: how many states the reverse-play search may reach per
    candidate level (more: harder puzzles, slower generation).
    """

    game = "sokoban"
    cond_keys = frozenset({"boxes"})
    max_tries = 50

    def __init__(
        self,
        height: int = 10,
        width: int = 10,
        boxes: tuple[int, int] = (2, 4),
        solvable: bool = True,
        max_nodes: int = 200_000,
        search_nodes: int = 2_000,
    ) -> None:
        spec = load_game(self.game)
        self.height, self.width = check_level_size(self.game, height, width)
        self.max_boxes = int(spec.constraints.get("count", {}).get("box", [1, 10])[1])
        self.boxes = check_range("boxes", boxes, 1, self.max_boxes)
        self._init_filter(solvable, max_nodes)
        self.search_nodes = check_size("search_nodes", search_nodes, 1, 10**7)

    def __repr__(self) -> str:
        return (
            f"SokobanGenerator(height={self.height}, width={self.width}, boxes={self.boxes}, "
            f"solvable={self.solvable}, search_nodes={self.search_nodes})"
        )

    def check_cond(self, cond: dict[str, Any] | None) -> dict[str, Any]:
        opts = super().check_cond(cond)
        if "boxes" in opts:
            check_size("cond['boxes']", opts["boxes"], 1, self.max_boxes)
        return opts

    def _one(self, rng: np.random.Generator, name: str | None = None, boxes: int | None = None) -> Level:
        for _ in range(self.max_tries):
            k = int(rng.integers(self.boxes[0], self.boxes[1] + 1)) if boxes is None else int(boxes)
            floor = self.carve(rng)
            if floor.sum() < 2 * k + 1:  # room for k goals, k boxes off them and the player
                continue
            cells = np.argwhere(floor)
            goals = np.zeros_like(floor)
            goals[tuple(cells[rng.choice(len(cells), size=k, replace=False)].T)] = True
            found = self.reverse_play(floor, goals, rng)
            if found is None:
                continue
            text = render(floor, goals, *found[:2])
            level = parse_level(text, self.game, source=name or "<sokoban generator>", name=name)
            if self.accept(level):
                return level
        raise RuntimeError(f"no playable sokoban level in {self.max_tries} tries ({self!r})")

    def carve(self, rng: np.random.Generator) -> np.ndarray:
        """``(H, W) bool`` floor mask dug by a stamping random walk (see the module docstring)."""
        h, w = self.height, self.width
        inner = (h - 2) * (w - 2)
        need = int(rng.integers(math.ceil(FLOOR_SHARE[0] * inner), math.floor(FLOOR_SHARE[1] * inner) + 1))
        floor = np.zeros((h, w), dtype=bool)
        r, c = int(rng.integers(1, h - 1)), int(rng.integers(1, w - 1))
        dug = 0
        dr, dc = STEPS[rng.integers(4)]
        while True:
            for sr, sc in STAMPS[rng.integers(len(STAMPS))]:
                y, x = r + sr, c + sc
                if 0 < y < h - 1 and 0 < x < w - 1 and not floor[y, x]:
                    floor[y, x] = True
                    dug += 1
                    if dug == need:
                        return floor
            if rng.random() < TURN:
                dr, dc = STEPS[rng.integers(4)]
            while not (0 < r + dr < h - 1 and 0 < c + dc < w - 1):
                dr, dc = STEPS[rng.integers(4)]
            r, c = r + dr, c + dc

    def reverse_play(
        self, floor: np.ndarray, goals: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, tuple[int, int], int] | None:
        """The most scrambled state of reverse play from the solved puzzle (see the module docstring).

        ``floor`` and ``goals`` are ``(H, W) bool``. Returns the ``(H, W) bool`` box
        tiles, the player's tile and the fewest pushes that solve the puzzle; None if
        the search reached no state with every box off the goals.
        """
        goal_bits = to_bits(goals)
        states = reverse_states(to_bits(floor), goal_bits, self.width)
        best_score, best = 0, []
        for boxes, region, pushes, swaps in islice(states, self.search_nodes):
            if boxes & goal_bits:
                continue
            score = pushes * (1 + swaps)
            if score > best_score:
                best_score, best = score, []
            if score == best_score:
                best.append((boxes, region, pushes))
        if not best:
            return None
        boxes, region, pushes = best[rng.integers(len(best))]
        tiles = np.argwhere(from_bits(region, floor.shape))
        player = tuple(int(v) for v in tiles[rng.integers(len(tiles))])
        return from_bits(boxes, floor.shape), player, pushes


def reverse_states(floor: int, goals: int, w: int) -> Iterator[tuple[int, int, int, int]]:
    """Every state that pulls reach from the solved puzzle, breadth-first, each once.

    ``floor`` and ``goals`` are bit sets over a grid ``w`` wide (see :func:`to_bits`).
    Yields ``(boxes, region, pushes, swaps)``: the box tiles and the player's region
    (bit sets), the state's depth (the fewest pushes that solve it) and the box swaps
    along the path that first reached it. The solved states themselves are not yielded.
    """
    layer = []  # (boxes, region, tile of the box pulled last or -1, swaps)
    free = floor & ~goals
    while free:  # the solved states: boxes on the goals, the player in any free region
        region = flood(free & -free, free, w)
        free &= ~region
        layer.append((goals, region, -1, 0))
    seen = {(boxes, lowest(region)) for boxes, region, _, _ in layer}
    depth = 0
    while layer:
        depth += 1
        nxt = []
        for boxes, region, last, swaps in layer:
            for src, dst in pulls(boxes, region, w):
                moved = boxes ^ (1 << src) ^ (1 << dst)
                reg = flood(1 << (2 * dst - src), floor & ~moved, w)
                key = (moved, lowest(reg))
                if key in seen:
                    continue
                seen.add(key)
                sw = swaps + (last not in (-1, src))
                nxt.append((moved, reg, dst, sw))
                yield moved, reg, depth, sw
        layer = nxt


def pulls(boxes: int, region: int, w: int) -> Iterator[tuple[int, int]]:
    """``(from, to)`` tiles of every box the player can pull from ``region`` (bit sets
    over a grid ``w`` wide).

    A pull of the box on ``b`` by step ``s`` needs the player on ``b + s`` and a free
    tile ``b + 2s`` to step back onto; both then lie in the player's region.
    """
    for s in (1, -1, w, -w):
        movable = boxes & shift(region, s) & shift(region, 2 * s)
        while movable:
            low = movable & -movable
            movable ^= low
            b = low.bit_length() - 1
            yield b, b + s


def render(floor: np.ndarray, goals: np.ndarray, boxes: np.ndarray, player: tuple[int, int]) -> str:
    """The level's text from ``(H, W) bool`` floor, goal and box masks and the player's tile."""
    chars = np.where(floor, FLOOR, WALL).astype("<U1")
    chars[goals] = GOAL
    chars[boxes] = BOX
    chars[boxes & goals] = BOX_ON_GOAL
    chars[player] = PLAYER_ON_GOAL if goals[player] else PLAYER
    return "\n".join("".join(row) for row in chars) + "\n"


def to_bits(mask: np.ndarray) -> int:
    """An ``(H, W) bool`` mask as a bit set: bit ``r * W + c`` is tile ``(r, c)``."""
    return int.from_bytes(np.packbits(mask.ravel(), bitorder="little").tobytes(), "little")


def from_bits(bits: int, shape: tuple[int, int]) -> np.ndarray:
    """The ``(H, W) bool`` mask of the bit set ``bits`` (the inverse of :func:`to_bits`)."""
    n = shape[0] * shape[1]
    raw = np.frombuffer(bits.to_bytes((n + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n].reshape(shape).astype(bool)


def shift(bits: int, s: int) -> int:
    """The bit set whose bit ``i`` is bit ``i + s`` of ``bits``."""
    return bits >> s if s >= 0 else bits << -s


def lowest(bits: int) -> int:
    """The index of the lowest set bit of ``bits`` (> 0)."""
    return (bits & -bits).bit_length() - 1


def flood(seed: int, free: int, w: int) -> int:
    """The tiles of ``free`` connected to ``seed`` (bit sets over a grid ``w`` wide).

    ``free`` must hold no tile of the grid's outer ring, so shifting by one
    never wraps a row's end onto the next row's start.
    """
    region = seed & free
    while True:
        grown = (region | region << 1 | region >> 1 | region << w | region >> w) & free
        if grown == region:
            return region
        region = grown
