"""The batched rules engine: each mechanic's rules, purity, batching, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import levelforge as lf
from levelforge.engine import Engine, State

NOOP, UP, DOWN, LEFT, RIGHT, ATTACK = range(6)


def lv(text: str, game: str) -> lf.Level:
    return lf.parse_level("\n".join(text.strip("\n").splitlines()) + "\n", game)


def play(game: str, text: str, actions: list[int]):
    """Step one level through ``actions``; returns the list of (state, reward, done)."""
    e = Engine(game)
    s = e.load([lv(text, game)])
    out = []
    for a in actions:
        s, r, d = e.step(s, np.array([a]))
        out.append((s, float(r[0]), bool(d[0])))
    return e, out


def where(e: Engine, s: State) -> tuple[int, int]:
    w = s.board.stride
    p = int(s.pos[0])
    return p // w - 1, p % w - 1


# -- dungeon ---------------------------------------------------------------------------


def test_dungeon_key_opens_door_and_wins():
    e, out = play("dungeon", "wwwww\nwA+gw\nwwwww", [RIGHT, RIGHT])
    (s1, r1, d1), (s2, r2, d2) = out
    assert s1.inv[0, 0] == 1 and r1 == pytest.approx(-0.01 + 1.0, abs=1e-6) and not d1
    assert d2 and s2.status[0] == State.WON and r2 == pytest.approx(-0.01 + 10.0, abs=1e-5)


def test_dungeon_door_is_solid_without_key():
    e, out = play("dungeon", "wwwww\nwAg+w\nwwwww", [RIGHT, RIGHT])
    s, r, d = out[-1]
    assert where(e, s) == (1, 1) and not d and s.facing[0] == 1  # facing right: one cell to the right


def test_dungeon_attack_kills_faced_monster():
    # The bat heads right, bumps the wall, turns, and walks into the sword.
    e, out = play("dungeon", "wwwwwww\nw.A..1w\nwwwwwww", [RIGHT, ATTACK, ATTACK])
    s, r, d = out[-1]
    assert (s.npc_pos[0] == -1).all() and not d
    assert r == pytest.approx(-0.01 + 2.0, abs=1e-6)
    assert out[1][0].npc_pos[0, 0] == s.board.cell(1, 4), "the bat should have stepped next to the avatar"


def test_dungeon_walking_into_monster_loses():
    e, out = play("dungeon", "wwwwww\nwA2..w\nwwwwww", [RIGHT])
    s, r, d = out[0]
    assert d and s.status[0] == State.LOST and r == pytest.approx(-0.01 - 5.0, abs=1e-6)


def test_dungeon_monster_walking_into_player_loses():
    # The scorpion (every 4th step, heading left) reaches the waiting avatar.
    e, out = play("dungeon", "wwwwww\nwA.3.w\nwwwwww", [NOOP] * 8)
    lost_at = next(i for i, (s, r, d) in enumerate(out) if d)
    assert lost_at == 7 and out[lost_at][0].status[0] == State.LOST  # moves on steps 4 and 8


def test_patrol_turns_back_and_respects_periods():
    # spider: every 2nd step, heading down; the wall below turns it round.
    e, out = play("dungeon", "wwwww\nwA..w\nw.2.w\nw...w\nwwwww", [NOOP] * 8)
    ys = [where(e, s.replace(pos=s.npc_pos[:, 0])) [0] for s, _, _ in out]
    assert ys == [2, 3, 3, 3, 3, 2, 2, 1]  # moves on steps 2, 4 (turns), 6, 8


def test_npcs_move_one_at_a_time_in_reading_order():
    # Two bats heading right: the first is blocked by the second (which has
    # not moved yet) and turns; the second moves.
    e, out = play("dungeon", "wwwwwww\nw11..Aw\nwwwwwww", [NOOP])
    s = out[0][0]
    assert list(s.npc_pos[0]) == [s.board.cell(1, 1), s.board.cell(1, 3)]
    assert list(s.npc_dir[0]) == [-1, 1]  # cell offsets: the first turned round (now heading left)


# -- sokoban ---------------------------------------------------------------------------


def test_sokoban_push_onto_goal_and_win_rewards():
    e, out = play("sokoban", "######\n#@$ .#\n######", [RIGHT, RIGHT])
    (s1, r1, d1), (s2, r2, d2) = out
    assert r1 == pytest.approx(-0.1) and not d1
    assert d2 and s2.won[0] and r2 == pytest.approx(-0.1 + 1.0 + 10.0, abs=1e-5)


def test_sokoban_box_off_goal_and_blocked_pushes():
    e, out = play("sokoban", "#######\n#@* .$#\n#  $  #\n#######", [RIGHT])
    s, r, d = out[0]
    assert r == pytest.approx(-0.1 - 1.0, abs=1e-6) and where(e, s) == (1, 2)
    # two boxes in a row cannot be pushed; a box cannot go into a wall
    e, out = play("sokoban", "#######\n#@$$ .#\n#   ..#\n#######", [RIGHT])
    assert where(e, out[0][0]) == (1, 1)
    e, out = play("sokoban", "#####\n#.@$#\n#####", [RIGHT])
    assert where(e, out[0][0]) == (1, 2) and out[0][1] == pytest.approx(-0.1)


# -- maze and general properties --------------------------------------------------------


def test_maze_reaching_exit_wins():
    e, out = play("maze", "#####\n#S.E#\n#####", [RIGHT, RIGHT])
    assert out[-1][2] and out[-1][0].won[0] and out[-1][1] == pytest.approx(-0.01 + 1.0, abs=1e-6)


def _random_levels():
    rng = np.random.default_rng(0)
    levels = []
    for _ in range(6):
        g = np.full((7, 9), ".")
        g[0, :] = g[-1, :] = g[:, 0] = g[:, -1] = "w"
        cells = [(y, x) for y in range(1, 6) for x in range(1, 8)]
        picks = rng.choice(len(cells), size=10, replace=False)
        chars = ["A", "+", "g", "1", "2", "3", "w", "w", "+", "1"]
        for c, k in zip(chars, picks):
            g[cells[k]] = c
        levels.append(lf.parse_level("\n".join("".join(r) for r in g) + "\n", "dungeon"))
    return levels


def test_batch_equals_each_alone_and_is_pure():
    e = Engine("dungeon")
    levels = _random_levels()
    rng = np.random.default_rng(1)
    acts = rng.integers(0, 6, size=(60, len(levels)))
    batch = e.load(levels)
    singles = [e.load([l]) for l in levels]
    for t in range(60):
        before = {k: v.copy() for k, v in batch.arrays().items()}
        nxt, r, d = e.step(batch, acts[t])
        for k, v in batch.arrays().items():
            assert np.array_equal(v, before[k]), f"step changed its input ({k})"
        for i in range(len(levels)):
            singles[i], ri, di = e.step(singles[i], acts[t, i : i + 1])
            assert r[i] == ri[0] and d[i] == di[0]
            mine = nxt.take([i]).arrays()
            for k, v in singles[i].arrays().items():
                if k != "level":
                    assert np.array_equal(mine[k], v), k
        batch = nxt
    assert (batch.status != 0).any()


def test_finished_states_stay_put_with_zero_reward():
    e, out = play("maze", "#####\n#S.E#\n#####", [RIGHT, RIGHT, LEFT, LEFT])
    assert out[1][0].won[0]
    for s, r, d in out[2:]:
        assert s.won[0] and d and r == 0.0 and int(s.t[0]) == 2


def test_deterministic_and_keys_identify_states():
    e = Engine("dungeon")
    levels = _random_levels()
    acts = np.random.default_rng(2).integers(0, 6, size=(40, len(levels)))
    runs = []
    for _ in range(2):
        s = e.load(levels)
        for a in acts:
            s, _, _ = e.step(s, a)
        runs.append(e.keys(s))
    assert np.array_equal(runs[0], runs[1])
    # a move and its reverse give back an equal key in sokoban (no time in the state)
    es = Engine("sokoban")
    s0 = es.load([lv("######\n#@ $.#\n######", "sokoban")])
    s1, _, _ = es.step(s0, np.array([RIGHT]))
    s2, _, _ = es.step(s1, np.array([LEFT]))
    k0, k1, k2 = es.keys(s0), es.keys(s1), es.keys(s2)
    assert np.array_equal(k0, k2) and not np.array_equal(k0, k1)


def test_bad_actions_are_rejected():
    e = Engine("maze")
    s = e.load([lv("#####\n#S.E#\n#####", "maze")])
    with pytest.raises(ValueError, match="actions must be integers in"):
        e.step(s, np.array([9]))
    with pytest.raises(ValueError, match="one action per state"):
        e.step(s, np.array([1, 2]))


def test_load_requires_one_player_and_pads_small_levels():
    e = Engine("maze")
    with pytest.raises(lf.LevelFormatError, match="has 0 'start' tiles"):
        e.load([lv("#####\n#..E#\n#####", "maze")])
    small = lv("#####\n#S.E#\n#####", "maze")
    s = e.load([small], size=(5, 7))
    grid = e.grid(s)[0]
    assert grid.shape == (5, 7)
    assert np.array_equal(grid[:3, :5], small.grid)
    assert (grid[3:, :] == e.spec.tile("wall").id).all() and (grid[:, 5:] == e.spec.tile("wall").id).all()


def test_observation_planes():
    e = Engine("sokoban")
    level = lv("######\n#@* .#\n######", "sokoban")
    obs = e.observe(e.load([level]))[0]
    ch = {n: i for i, n in enumerate(e.channels)}
    assert obs.shape == (len(e.channels), 3, 6)
    assert obs[ch["player"], 1, 1] == 1 and obs[ch["player"]].sum() == 1
    assert obs[ch["box"], 1, 2] == 1 and obs[ch["goal"], 1, 2] == 1  # '*' lights both
    assert obs[ch["goal"]].sum() == 2
    # every cell has exactly one terrain plane set
    terrain = [ch[n] for n in ("wall", "floor", "goal")]
    assert (obs[terrain].sum(axis=0) == 1).all()


def test_two_npcs_claiming_one_tile_first_in_reading_order_wins():
    # Step 1: the bat bumps the wall and turns left; the spider waits (every 2).
    # Step 2: both want the tile (2, 2); the spider comes first in reading order.
    e, out = play("dungeon", "wwwww\nw.2.w\nw..1w\nwA..w\nwwwww", [NOOP, NOOP])
    s = out[1][0]
    assert list(s.npc_pos[0]) == [s.board.cell(2, 2), s.board.cell(2, 3)]
    assert list(s.npc_dir[0]) == [s.board.stride, 1]  # spider still heading down, bat turned back right
