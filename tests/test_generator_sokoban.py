"""The Sokoban generator: reverse-play puzzles that are valid, solvable and not trivial."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

import levelforge  # noqa: F401  (registers the environments)
from levelforge.constraints import check_level
from levelforge.generators import GENERATORS, SokobanGenerator, procedural
from levelforge.generators.base import bfs
from levelforge.level import Level
from levelforge.solve import Solver


def chars(level: Level) -> np.ndarray:
    return np.array([list(row) for row in level.text.splitlines()])


@pytest.fixture(scope="module")
def generator() -> SokobanGenerator:
    """The default generator, after sampling ``levels`` (its counters tell)."""
    return SokobanGenerator()


@pytest.fixture(scope="module")
def levels(generator) -> list[Level]:
    return generator.sample(30, 0)


@pytest.fixture(scope="module")
def solutions(levels):
    solver = Solver("sokoban", max_nodes=200_000)
    return [solver.solve(lv) for lv in levels]


def test_procedural_sokoban():
    gen = procedural("sokoban")
    assert isinstance(gen, SokobanGenerator) and GENERATORS["sokoban"] is SokobanGenerator
    assert (gen.height, gen.width, gen.boxes, gen.solvable) == (10, 10, (2, 4), True)
    assert repr(gen).startswith("SokobanGenerator(height=10, width=10, boxes=(2, 4)")


def test_same_seed_same_levels():
    gen = SokobanGenerator(solvable=False)
    a, b, c = gen.sample(4, 7), gen.sample(4, 7), gen.sample(4, 8)
    assert [lv.text for lv in a] == [lv.text for lv in b]
    assert [lv.name for lv in a] == [f"sokoban_gen_7_{i}" for i in range(4)]
    assert [lv.text for lv in a] != [lv.text for lv in c]
    assert len({lv.id for lv in a + c}) == 8
    assert gen(np.random.default_rng(1)) == gen(np.random.default_rng(1))


def test_levels_are_valid(levels):
    for lv in levels:
        assert isinstance(lv, Level) and lv.game == "sokoban" and lv.grid.shape == (10, 10)
        assert check_level(lv) == [], lv.text
        c = chars(lv)
        assert int(np.isin(c, list("@+")).sum()) == 1, lv.text
        assert 2 <= lv.count("box") <= 4 and lv.count("box") == lv.count("goal"), lv.text
        open_ = c != "#"
        assert 0.40 <= open_[1:-1, 1:-1].mean() <= 0.60, lv.text
        (player,) = np.argwhere(np.isin(c, list("@+")))
        assert (bfs(open_, tuple(player))[open_] >= 0).all(), lv.text  # one connected room
    counts = {lv.count("box") for lv in SokobanGenerator(solvable=False).sample(30, 1)}
    assert counts == {2, 3, 4}


def test_no_box_starts_on_a_goal(levels):
    for lv in levels:
        assert "*" not in lv.text and lv.count("box_on_goal") == 0, lv.text


def test_levels_are_solved_and_none_rejected(generator, levels, solutions):
    assert [s.verdict for s in solutions] == ["solved"] * len(solutions)
    assert generator.candidates == 30 and generator.rejected == 0


def test_puzzles_are_not_trivial(solutions):
    lengths = [s.length for s in solutions]
    assert min(lengths) >= 10, lengths
    assert statistics.median(lengths) > 20, lengths


def test_box_count_condition():
    levels = SokobanGenerator().sample(5, 3, cond={"boxes": 3})
    assert [(lv.count("box"), lv.count("goal")) for lv in levels] == [(3, 3)] * 5
    (one,) = SokobanGenerator(boxes=(1, 1)).sample(1, 0)
    assert one.count("box") == 1 and check_level(one) == []


def test_solvable_by_construction_without_the_filter():
    gen = SokobanGenerator(solvable=False)
    levels = gen.sample(10, 5)
    assert gen.candidates == 0 and gen._solver is None
    solver = Solver("sokoban", max_nodes=200_000)
    assert all(solver.solve(lv).solved for lv in levels)


@pytest.mark.parametrize(
    "length, goal, want",
    [
        (5, 1, [((2, 4), (2, 5), 3)]),  # pulled east as far as the player can step back
        (5, 2, [((2, 4), (2, 5), 2)]),  # west of the goal there is no room to step back
        (5, 3, [((2, 2), (2, 1), 1), ((2, 4), (2, 5), 1)]),  # one pull either way
        (2, 1, [None]),  # two tiles: the box can never leave its goal
    ],
)
def test_reverse_play_in_a_corridor(length, goal, want):
    gen = SokobanGenerator(5, 7, boxes=(1, 1))
    floor = np.zeros((5, 7), dtype=bool)
    floor[2, 1 : 1 + length] = True
    goals = np.zeros_like(floor)
    goals[2, goal] = True
    got = set()
    for seed in range(8):
        found = gen.reverse_play(floor, goals, np.random.default_rng(seed))
        if found is None:
            got.add(None)
        else:
            boxes, player, pushes = found
            (box,) = np.argwhere(boxes)
            got.add((tuple(int(v) for v in box), player, pushes))
    assert got == set(want)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SokobanGenerator(boxes=(0, 99)),
        lambda: SokobanGenerator(boxes=(0, 3)),
        lambda: SokobanGenerator(boxes=(3, 2)),
        lambda: SokobanGenerator(boxes=4),
        lambda: SokobanGenerator(height=2),
        lambda: SokobanGenerator(width=4),
        lambda: SokobanGenerator(height=10.0),
        lambda: SokobanGenerator(search_nodes=0),
        lambda: SokobanGenerator().sample(2, 0, cond={"monsters": 1}),
        lambda: SokobanGenerator().sample(2, 0, cond={"boxes": 0}),
        lambda: SokobanGenerator().sample(2, 0, cond={"boxes": 11}),
    ],
)
def test_bad_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_impossible_room_gives_up():
    with pytest.raises(RuntimeError, match="tries"):
        SokobanGenerator(5, 5, boxes=(10, 10), solvable=False).sample(1, 0)
