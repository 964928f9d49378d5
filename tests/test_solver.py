"""The exact solver: plans replay to wins, verdicts match brute force, corpora solve."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

import levelforge as lf
from levelforge.engine import Engine, State
from levelforge.envs import TileEnv
from levelforge.game import game_levels_dir, load_game
from levelforge.importers import read_boxoban
from levelforge.solve import GAVE_UP, SOLVED, UNSOLVABLE, Solver


def replay_wins(level: lf.Level, plan: list[int]) -> bool:
    """Play ``plan`` in the Gymnasium env; True if it ends in a win exactly at its end."""
    env = TileEnv(level.spec, levels=[level])
    env.reset(seed=0)
    for i, a in enumerate(plan):
        _, _, term, trunc, info = env.step(a)
        if term or trunc:
            return info["won"] and i == len(plan) - 1
    return False


def brute_force(level: lf.Level, max_steps: int) -> int | None:
    """Plain breadth-first search, one state at a time, every action, no pruning."""
    e = Engine(level.spec)
    start = e.load([level])
    seen = {e.keys(start)[0].tobytes()}
    todo = deque([(start, 0)])
    while todo:
        s, depth = todo.popleft()
        if depth == max_steps:
            continue
        for a in range(e.n_actions):
            child, _, _ = e.step(s, np.array([a]))
            if child.status[0] == State.WON:
                return depth + 1
            if child.status[0] == State.LOST:
                continue
            k = e.keys(child)[0].tobytes()
            if k not in seen:
                seen.add(k)
                todo.append((child, depth + 1))
    return None


def random_level(game: str, rng: np.random.Generator, h: int, w: int, fill: dict[str, int]) -> lf.Level:
    spec = load_game(game)
    wall = spec.tile("wall").char
    floor = spec.tile(spec.ground).char
    g = np.full((h, w), floor)
    g[0, :] = g[-1, :] = g[:, 0] = g[:, -1] = wall
    inner = [(y, x) for y in range(1, h - 1) for x in range(1, w - 1)]
    chars = [c for c, n in fill.items() for _ in range(n)]
    for c, k in zip(chars, rng.choice(len(inner), size=len(chars), replace=False)):
        g[inner[k]] = c
    return lf.parse_level("\n".join("".join(r) for r in g) + "\n", game)


CASES = {
    "sokoban": dict(h=6, w=7, fill={"@": 1, "$": 2, ".": 2, "#": 1}),
    "dungeon": dict(h=5, w=7, fill={"A": 1, "+": 1, "g": 1, "1": 1, "2": 1, "3": 1, "w": 3}),
    "maze": dict(h=6, w=7, fill={"S": 1, "E": 1, "#": 9}),
}


@pytest.mark.parametrize("game", sorted(CASES))
def test_verdicts_equal_brute_force_on_small_random_levels(game):
    rng = np.random.default_rng(7)
    solver = Solver(game, max_steps=30)
    verdicts = set()
    for _ in range(16):
        level = random_level(game, rng, **CASES[game])
        want = brute_force(level, max_steps=30)
        got = solver.solve(level)
        verdicts.add(got.verdict)
        if want is None:
            assert got.verdict == UNSOLVABLE, level.text
        else:
            assert got.verdict == SOLVED and got.length == want, level.text
            assert replay_wins(level, got.plan)
    assert verdicts == {SOLVED, UNSOLVABLE}, "the random levels should include both kinds"


@pytest.mark.parametrize("game", ["dungeon", "sokoban", "maze"])
def test_every_shipped_level_is_solvable_and_plans_replay(game):
    d = game_levels_dir(load_game(game))
    levels = lf.read_levels(d, game) if d and any(d.glob("*.txt")) else []
    if not levels:
        pytest.skip(f"no shipped {game} levels yet")
    assert len(levels) >= 10
    solver = Solver(game)
    for level in levels:
        r = solver.solve(level)
        assert r.solved, f"{level.name}: {r.verdict} ({r.reason})"
        assert replay_wins(level, r.plan), level.name


def test_unsolvable_gave_up_and_step_limit():
    walled = lf.parse_level("#######\n#S.#.E#\n#######\n", "maze")
    r = Solver("maze").solve(walled)
    assert r.verdict == UNSOLVABLE and r.plan is None and "none wins" in r.reason
    corridor = lf.parse_level("#########\n#S.....E#\n#########\n", "maze")
    assert Solver("maze").solve(corridor).length == 6
    r = Solver("maze", max_steps=5).solve(corridor)
    assert r.verdict == UNSOLVABLE and "step limit of 5" in r.reason
    r = Solver("maze", max_nodes=3).solve(corridor)
    assert r.verdict == GAVE_UP and "node budget" in r.reason
    # a box pushed into a corner can never reach the goal: deadlock, unsolvable
    stuck = lf.parse_level("#####\n#$ .#\n# @ #\n#####\n", "sokoban")
    r = Solver("sokoban").solve(stuck)
    assert r.verdict == UNSOLVABLE and r.nodes == 1 and "never be pushed" in r.reason  # seen at the start
    # two boxes side by side against a wall: a frozen square from the start, however much room is left
    frozen = lf.parse_level("#######\n#$$  .#\n#  @ .#\n#     #\n#######\n", "sokoban")
    r = Solver("sokoban").solve(frozen)
    assert r.verdict == UNSOLVABLE and r.nodes == 1
    # the same boxes, one already on its goal and the other free to move: solvable
    fine = lf.parse_level("#######\n#*    #\n#  @$.#\n#     #\n#######\n", "sokoban")
    assert Solver("sokoban").solve(fine).solved


def test_dungeon_plan_uses_waiting_and_sword():
    # The only way past the bat in the corridor is to strike it.
    level = lf.parse_level("wwwwwww\nwA..1.w\nwwwww+w\nwwwwwgw\nwwwwwww\n", "dungeon")
    r = Solver("dungeon").solve(level)
    assert r.solved and "attack" in r.plan_names
    assert replay_wins(level, r.plan)


def test_gvgai_zelda_levels_are_solved(corpora):
    from levelforge.importers import read_gvgai

    for i in range(5):
        level = read_gvgai(corpora / "gvgai-zelda" / f"zelda_lvl{i}.txt")
        r = Solver("dungeon").solve(level)
        assert r.solved, f"zelda_lvl{i}: {r.verdict} {r.reason}"
        assert replay_wins(level, r.plan)


def test_boxoban_medium_sample_is_solved(corpora):
    levels = read_boxoban(corpora / "boxoban" / "medium-train" / "000.txt")
    rng = np.random.default_rng(0)
    solver = Solver("sokoban")
    for i in rng.choice(len(levels), size=12, replace=False):
        r = solver.solve(levels[i])
        assert r.solved, f"{levels[i].name}: {r.verdict} {r.reason}"
        assert replay_wins(levels[i], r.plan)
