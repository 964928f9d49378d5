"""The batched rules engine: each mechanic's rules, purity, batching, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import levelforge as lf
from levelforge.engine import Engine, State
from levelforge.game import game_levels_dir, load_game

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


# -- compiled kernel: in place, threads, bad input ---------------------------------------


def _big_batch(game: str, rows: int, seed: int):
    e = Engine(game)
    levels = lf.read_levels(game_levels_dir(load_game(game)), game)
    bank = e.load(levels)
    rng = np.random.default_rng(seed)
    return e, bank.take(rng.integers(0, len(levels), rows)), rng


@pytest.mark.parametrize("game", ["dungeon", "sokoban"])
def test_advance_in_place_equals_step(game):
    e, s, rng = _big_batch(game, 300, 3)
    live = s.copy()
    ended = items_moved = 0
    for _ in range(80):
        a = rng.integers(0, e.n_actions, len(s))
        before = live.copy()
        s, r, d = e.step(s, a)
        r2, d2, changed = e.advance(live, a)
        assert np.array_equal(r, r2) and np.array_equal(d, d2)
        for k, v in s.arrays().items():
            assert np.array_equal(getattr(live, k), v), k
        assert np.array_equal(changed, (before.items != live.items).any(axis=1))
        ended += int(d.sum())
        items_moved += int(changed.sum())
    assert items_moved > 0 and (ended > 0 or game == "sokoban")  # random play rarely solves sokoban


def test_threaded_batches_equal_one_thread(monkeypatch):
    from levelforge.engine import threads

    e, s, rng = _big_batch("dungeon", 2 * threads.MIN_ROWS + 37, 4)
    acts = rng.integers(0, e.n_actions, size=(30, len(s)))
    runs = []
    for n in (1, 2, 3):
        monkeypatch.setattr(threads, "THREADS", n)
        x = s
        rewards = []
        for a in acts:
            x, r, _ = e.step(x, a)
            rewards.append(r)
        runs.append((e.keys(x), np.array(rewards)))
    for keys, rewards in runs[1:]:
        assert np.array_equal(keys, runs[0][0]) and np.array_equal(rewards, runs[0][1])


def test_callers_on_several_threads_each_get_their_own_results(monkeypatch):
    """Two threads advancing their own big batches at once (each batch split
    over the pool): every part uses its caller's scratch, so nothing mixes."""
    from concurrent.futures import ThreadPoolExecutor

    from levelforge.engine import threads

    monkeypatch.setattr(threads, "THREADS", 2)
    e, s, rng = _big_batch("dungeon", 2 * threads.MIN_ROWS + 5, 6)
    acts = rng.integers(0, e.n_actions, size=(40, len(s)))
    mine = [s.copy(), s.take(np.roll(np.arange(len(s)), 17)).copy()]

    def play(x):
        for a in acts:
            e.advance(x, a)
        return e.keys(x)

    want = [play(x.copy()) for x in mine]
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(play, mine))
    assert all(np.array_equal(g, w) for g, w in zip(got, want))
    assert not np.array_equal(want[0], want[1])


def test_bad_action_leaves_states_untouched_even_in_place(monkeypatch):
    from levelforge.engine import threads

    monkeypatch.setattr(threads, "THREADS", 2)
    e, s, rng = _big_batch("dungeon", 2 * threads.MIN_ROWS, 5)
    a = rng.integers(0, e.n_actions, len(s))
    a[-1] = e.n_actions  # one bad action, in the second thread's rows
    keep = s.copy()
    for bad in (a, np.where(np.arange(len(s)) == 7, -1, a)):
        with pytest.raises(ValueError, match="actions must be integers in"):
            e.advance(s, bad)
        for k, v in keep.arrays().items():
            assert np.array_equal(getattr(s, k), v), k
    with pytest.raises(ValueError, match="actions must be integers in"):
        e.step(s, a.astype(np.float64))


def test_strided_and_foreign_dtype_views_step_like_copies():
    e, s, rng = _big_batch("dungeon", 40, 6)
    a = rng.integers(0, e.n_actions, 20).astype(np.int32)
    view = s.take(slice(None, None, 2))  # every other row
    want, r1, _ = e.step(s.take(np.arange(0, 40, 2)), a.astype(np.int64))
    got, r2, _ = e.step(view, a)
    assert np.array_equal(e.keys(want), e.keys(got)) and np.array_equal(r1, r2)


def test_set_rows_copies_chosen_rows_of_other_states():
    e, s, rng = _big_batch("dungeon", 50, 8)
    _, bank, _ = _big_batch("dungeon", 5, 1)
    bank = bank.replace(t=np.arange(5, dtype=np.int32) + 100)  # rows that differ from s's everywhere
    x = s.copy()
    rows, pick = np.array([3, 7, 49]), np.array([4, 0, 4])
    x.set_rows(rows, bank, pick)
    others = np.setdiff1d(np.arange(len(s)), rows)
    for k, v in x.arrays().items():
        assert np.array_equal(v[rows], getattr(bank, k)[pick]), k
        assert np.array_equal(v[others], getattr(s, k)[others]), k
    mask = np.zeros(len(s), bool)
    mask[[1, 2]] = True
    x.set_rows(mask, bank.take(np.array([2, 3])))  # a mask, and all of the other's rows in order
    assert np.array_equal(x.t[[1, 2]], [102, 103])


def test_set_rows_refuses_bad_rows_and_changes_nothing():
    e, s, rng = _big_batch("dungeon", 20, 9)
    x = s.copy()
    with pytest.raises(IndexError, match="out of range"):
        x.set_rows(np.array([0, 20]), s, np.array([1, 2]))
    with pytest.raises(IndexError, match="out of range"):
        x.set_rows(np.array([0, 1]), s, np.array([1, -1]))
    with pytest.raises(ValueError, match="2 rows to replace but 1"):
        x.set_rows(np.array([0, 1]), s, np.array([1]))
    with pytest.raises(ValueError, match="other shapes"):
        x.set_rows(np.array([0]), e.load([lv("wwww\nwA.w\nwwww", "dungeon")]))  # a smaller board
    for k, v in x.arrays().items():
        assert np.array_equal(v, getattr(s, k)), k


def test_thread_scratch_lies_on_cache_lines_of_its_own():
    """Each thread writes its scratch on every row: two parts' arrays on one
    cache line made two threads slower than one (false sharing)."""
    from levelforge.engine.batch import scratch

    spans = []
    for part in range(3):
        for a in scratch(165, part).values():
            lo = a.ctypes.data
            spans.append((lo // 64, (lo + a.nbytes - 1) // 64))
    spans.sort()
    assert all(prev[1] < nxt[0] for prev, nxt in zip(spans, spans[1:]))
