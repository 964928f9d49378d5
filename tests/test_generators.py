"""Procedural generators: reproducible, structurally valid, playable levels."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import levelforge  # noqa: F401  (registers the environments)
from levelforge.constraints import check_level
from levelforge.errors import LevelforgeError, UnknownGameError
from levelforge.generators import DungeonGenerator, Generator, MazeGenerator, SokobanGenerator, procedural
from levelforge.generators.base import bfs
from levelforge.level import Level
from levelforge.solve import Solver


def chars(level: Level) -> np.ndarray:
    return np.array([list(row) for row in level.text.splitlines()])


def cell(level: Level, ch: str) -> tuple[int, int]:
    (where,) = np.argwhere(chars(level) == ch)
    return tuple(int(v) for v in where)


def floor_and_pairs(open_: np.ndarray) -> tuple[int, int]:
    """Open tiles, and pairs of side-by-side open tiles."""
    pairs = int((open_[1:] & open_[:-1]).sum() + (open_[:, 1:] & open_[:, :-1]).sum())
    return int(open_.sum()), pairs


@pytest.fixture(scope="module")
def mazes() -> list[Level]:
    return MazeGenerator().sample(50, 0)


@pytest.fixture(scope="module")
def dungeons() -> list[Level]:
    return DungeonGenerator().sample(20, 0)


def test_procedural_by_name():
    assert isinstance(procedural("maze"), MazeGenerator)
    assert isinstance(procedural("dungeon"), DungeonGenerator)
    assert isinstance(procedural("maze"), Generator)
    with pytest.raises(UnknownGameError, match="no procedural generator for game 'tetris'") as e:
        procedural("tetris")
    assert isinstance(e.value, LevelforgeError)


@pytest.mark.parametrize("make", [MazeGenerator, DungeonGenerator])
def test_same_seed_same_levels(make):
    gen = make()
    a, b, c = gen.sample(4, 7), gen.sample(4, 7), gen.sample(4, 8)
    assert [lv.text for lv in a] == [lv.text for lv in b]
    assert [lv.name for lv in a] == [f"{gen.game}_gen_7_{i}" for i in range(4)]
    assert [lv.text for lv in a] != [lv.text for lv in c]
    assert len({lv.id for lv in a + c}) == 8
    assert gen(np.random.default_rng(1)) == gen(np.random.default_rng(1))
    assert gen.sample(0, 7) == []


def test_mazes_are_valid_and_solvable(mazes):
    solver = Solver("maze")
    for lv in mazes:
        assert isinstance(lv, Level) and lv.game == "maze" and lv.grid.shape == (11, 15)
        assert check_level(lv) == [], lv.name
        assert solver.solve(lv).solved, lv.name


def test_maze_exit_is_farthest_from_start(mazes):
    for lv in mazes:
        dist = bfs(chars(lv) != "#", cell(lv, "S"))
        assert dist[cell(lv, "E")] == dist.max() > 0


def test_maze_braid_zero_is_perfect_and_braid_gives_loops():
    for lv in MazeGenerator(braid=0).sample(20, 1):
        n, pairs = floor_and_pairs(chars(lv) != "#")  # S and E count as floor
        assert pairs == n - 1, lv.text  # connected, so a tree
    for lv in MazeGenerator(braid=0.3).sample(20, 1):
        n, pairs = floor_and_pairs(chars(lv) != "#")
        assert pairs > n - 1, lv.text
    for lv in MazeGenerator(braid=1).sample(10, 1):  # every dead end opened
        open_ = np.pad(chars(lv) != "#", 1)
        sides = open_[:-2, 1:-1].astype(int) + open_[2:, 1:-1] + open_[1:-1, :-2] + open_[1:-1, 2:]
        assert (sides[open_[1:-1, 1:-1]] >= 2).all(), lv.text


def test_maze_sizes():
    (lv,) = MazeGenerator(7, 21).sample(1, 0)
    assert lv.grid.shape == (7, 21) and check_level(lv) == []
    assert Solver("maze").solve(lv).solved


def test_dungeons_are_valid_and_solvable(dungeons):
    solver = Solver("dungeon", max_nodes=200_000)
    for lv in dungeons:
        assert lv.game == "dungeon" and lv.grid.shape == (9, 13)
        assert check_level(lv) == [], lv.name
        assert solver.solve(lv).solved, lv.name


def test_dungeon_layout(dungeons):
    for lv in dungeons:
        c = chars(lv)
        assert [int((c == ch).sum()) for ch in "A+g"] == [1, 1, 1], lv.text
        monsters = np.argwhere(np.isin(c, list("123")))
        assert 1 <= len(monsters) <= 4, lv.text
        ay, ax = cell(lv, "A")
        assert all(abs(y - ay) + abs(x - ax) >= 3 for y, x in monsters), lv.text
        open_ = c != "w"
        share = open_[1:-1, 1:-1].mean()
        assert 0.45 <= share <= 0.65, lv.text
        assert (bfs(open_, (ay, ax))[open_] >= 0).all(), lv.text  # one connected region
        gy, gx = cell(lv, "g")
        assert "w" in (c[gy - 1, gx], c[gy + 1, gx], c[gy, gx - 1], c[gy, gx + 1]), lv.text


def test_dungeon_monster_count():
    for lv in DungeonGenerator().sample(5, 3, cond={"monsters": 2}):
        assert int(np.isin(chars(lv), list("123")).sum()) == 2, lv.text
    for lv in DungeonGenerator(monsters=(0, 0), solvable=False).sample(5, 3):
        assert not np.isin(chars(lv), list("123")).any()
    counts = {int(np.isin(chars(lv), list("123")).sum()) for lv in DungeonGenerator(solvable=False).sample(40, 0)}
    assert counts == {1, 2, 3, 4}


def test_dungeon_filter_is_optional():
    gen = DungeonGenerator(solvable=False)
    levels = gen.sample(5, 0)
    assert gen.candidates == 0 and gen._solver is None
    assert all(check_level(lv) == [] for lv in levels)
    solving = DungeonGenerator()
    solving.sample(3, 0)
    assert solving.candidates == 3 + solving.rejected


@pytest.mark.parametrize("title, make", [("Maze", MazeGenerator), ("Dungeon", DungeonGenerator),
                                         ("Sokoban", lambda: SokobanGenerator(solvable=False))])
def test_generator_is_an_env_level_source(title, make):
    env = gym.make(f"LevelForge/{title}-v0", levels=make())
    a, info_a = env.reset(seed=5)
    b, info_b = env.reset(seed=5)
    assert np.array_equal(a, b) and info_a["level_id"] == info_b["level_id"]
    _, info_c = env.reset(seed=6)
    assert info_c["level_id"] != info_a["level_id"]
    env.step(1)
    env.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda: MazeGenerator(10, 15),
        lambda: MazeGenerator(11, 14),
        lambda: MazeGenerator(3, 15),
        lambda: MazeGenerator(braid=1.5),
        lambda: DungeonGenerator(4, 13),
        lambda: DungeonGenerator(monsters=(3, 1)),
        lambda: DungeonGenerator(monsters=(0, 9)),
        lambda: MazeGenerator().sample(2, 0, cond={"monsters": 1}),
        lambda: DungeonGenerator().sample(2, 0, cond={"size": 3}),
        lambda: DungeonGenerator().sample(2, 0, cond={"monsters": -1}),
        lambda: DungeonGenerator().sample(-1, 0),
        lambda: MazeGenerator().sample(1, -3),
    ],
)
def test_bad_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_even_size_message():
    with pytest.raises(ValueError, match="odd"):
        MazeGenerator(10, 15)


def test_impossible_dungeon_gives_up():
    with pytest.raises(RuntimeError, match="tries"):
        DungeonGenerator(5, 5, monsters=(8, 8), solvable=False).sample(1, 0)
