"""Team games in the batched engine: several players in one world (levelforge.engine.team)."""

import numpy as np
import pytest

from levelforge.engine import Engine, State
from levelforge.engine.team import Team
from levelforge.errors import LevelFormatError
from levelforge.level import parse_level

NOOP, UP, DOWN, LEFT, RIGHT, ATTACK = range(6)

CORRIDOR = """\
wwwwwww
wA...gw
w+....w
wwwwwww
"""


def dungeon(text: str, name: str = "t"):
    return parse_level(text, "dungeon", name=name)


def team(players=2, shared=True, game="dungeon"):
    return Team(Engine(game), players, shared)


def test_extra_starts_are_the_nearest_free_ground_cells():
    t = team(3)
    # the avatar at (1, 1); nearest free floor by walking: (1, 2) at 1 step, then (1, 3) and
    # (2, 2) at 2 steps (reading order: (1, 3) first); the key cell (2, 1) is not free ground
    assert t.starts(dungeon(CORRIDOR)) == [(1, 1), (1, 2), (1, 3)]
    assert t.starts(dungeon(CORRIDOR)) == t.starts(dungeon(CORRIDOR))  # reproducible


def test_a_level_with_several_starts_uses_its_own():
    lv = dungeon("wwwwww\nwA..Aw\nw+..gw\nwwwwww\n")
    assert team(2).starts(lv) == [(1, 1), (1, 4)]
    assert team(3).starts(lv)[:2] == [(1, 1), (1, 4)]


def test_no_room_is_a_clear_error():
    lv = dungeon("wwwww\nwA+gw\nwwwww\n")
    with pytest.raises(LevelFormatError, match="room for 1 players, not 2"):
        team(2).starts(lv)


def test_load_gives_one_row_per_player_on_one_board_row_per_game():
    t = team(2)
    s = t.load([dungeon(CORRIDOR), dungeon(CORRIDOR, "u")])
    assert len(s) == 4 and s.board.terrain.shape[0] == 2
    assert s.level.tolist() == [0, 0, 1, 1]
    b = s.board
    assert s.pos.tolist() == [b.cell(1, 1), b.cell(1, 2)] * 2
    grid = t.grid(s)
    assert grid.shape == (2, 4, 7)
    avatar = Engine("dungeon").spec.tile("avatar").id
    assert sorted(map(tuple, np.argwhere(grid[0] == avatar))) == [(1, 1), (1, 2)]


def test_players_block_each_other_and_order_rotates():
    t = team(2)
    s = t.load([dungeon(CORRIDOR)])
    b = s.board
    # step 0: player 0 acts first; it tries to walk right into player 1: blocked (but turns)
    t.advance(s, np.array([[RIGHT, NOOP]]))
    assert s.pos.tolist() == [b.cell(1, 1), b.cell(1, 2)]
    assert s.facing[0] == 1
    # player 1 moves away first, then player 0 may follow into the freed cell, in the same step?
    # step 1: order is player 1 then player 0: player 1 leaves (1, 2), player 0 takes it
    t.advance(s, np.array([[RIGHT, RIGHT]]))
    assert s.pos.tolist() == [b.cell(1, 2), b.cell(1, 3)]
    # step 2: order player 0 then 1: player 0 bumps into player 1 before it leaves
    t.advance(s, np.array([[RIGHT, RIGHT]]))
    assert s.pos.tolist() == [b.cell(1, 2), b.cell(1, 4)]
    assert s.t.tolist() == [3, 3]


def test_coop_shares_the_key_and_the_win():
    t = team(2, shared=True)
    s = t.load([dungeon(CORRIDOR)])
    # player 0 takes the key below it; player 1 (never touching the key) walks through the door
    t.advance(s, np.array([[DOWN, RIGHT]]))
    assert s.inv[:, 0].tolist() == [1, 1]  # one inventory
    t.advance(s, np.array([[NOOP, RIGHT]]))
    assert (s.status == State.PLAYING).all()
    reward, done = t.advance(s, np.array([[NOOP, RIGHT]]))  # onto the door: all win
    assert done.tolist() == [True, True]
    assert s.status.tolist() == [State.WON, State.WON]
    w = Engine("dungeon").spec.rewards["win"]
    assert reward[0] == pytest.approx(reward[1]) and reward[0] > w / 2
    # every row shows the same world: the key is gone from both
    assert (s.items[0] == s.items[1]).all() and not s.items[0].any()


def test_race_keeps_inventories_apart_and_the_first_in_wins():
    t = team(2, shared=False)
    s = t.load([dungeon(CORRIDOR)])
    t.advance(s, np.array([[DOWN, RIGHT]]))
    assert s.inv[:, 0].tolist() == [1, 0]
    for _ in range(3):  # player 1 reaches the door cell's neighbour but, keyless, cannot enter
        t.advance(s, np.array([[NOOP, RIGHT]]))
    assert s.pos[1] == s.board.cell(1, 4) and (s.status == State.PLAYING).all()
    # player 0 walks the lower row to below the door, then up into it
    for a in (RIGHT, RIGHT, RIGHT, RIGHT):
        t.advance(s, np.array([[a, NOOP]]))
    reward, done = t.advance(s, np.array([[UP, NOOP]]))
    assert s.status.tolist() == [State.WON, State.LOST]
    assert reward[0] > 0 > reward[1]


def test_a_player_killed_is_out_and_the_other_plays_on():
    lv = dungeon("wwwwwwww\nwA1...Aw\nw+....gw\nwwwwwwww\n")
    t = team(2, shared=True)
    assert t.starts(lv) == [(1, 1), (1, 6)]
    assert team(3).starts(lv)[2] == (1, 3)  # nearest free ground (2 steps, as (2, 2); reading order first)
    s = t.load([lv])
    # player 0 walks into the bat (monsters are deadly); player 1 still plays
    _, done = t.advance(s, np.array([[RIGHT, NOOP]]))
    assert done.tolist() == [True, False]
    assert s.status.tolist() == [State.LOST, State.PLAYING]
    # a player that is out is no longer drawn
    grid = t.grid(s)
    avatar = Engine("dungeon").spec.tile("avatar").id
    assert (grid[0] == avatar).sum() == 1


def test_one_player_team_matches_the_engine():
    e = Engine("dungeon")
    t = Team(e, 1)
    lv = dungeon("wwwwwwww\nwA..1..w\nw+w...gw\nw......w\nwwwwwwww\n")
    rng = np.random.default_rng(0)
    a = e.load([lv])
    s = t.load([lv])
    for _ in range(40):
        act = rng.integers(0, e.n_actions, 1)
        a, r1, d1 = e.step(a, act)
        r2, d2 = t.advance(s, act)
        assert (e.keys(a) == e.keys(s)).all()
        assert r1.tolist() == r2.tolist() and d1.tolist() == d2.tolist()


def test_bad_actions_change_nothing():
    t = team(2)
    s = t.load([dungeon(CORRIDOR)])
    before = s.copy()
    with pytest.raises(ValueError, match="integers in"):
        t.advance(s, np.array([[RIGHT, 9]]))
    with pytest.raises(ValueError, match="one action per player"):
        t.advance(s, np.array([RIGHT]))
    assert (s.pos == before.pos).all()


def test_a_push_into_a_player_is_blocked():
    lv = parse_level("#######\n#@$ . #\n#######\n", "sokoban", name="s")
    t = Team(Engine("sokoban"), 2)
    assert t.starts(lv) == [(1, 1), (1, 3)]  # the box's cell is not free ground
    s = t.load([lv])
    b = s.board
    before = s.items.copy()
    t.advance(s, np.array([[RIGHT, NOOP]]))  # player 0 pushes the box towards player 1: blocked
    assert s.pos[0] == b.cell(1, 1) and (s.items == before).all()
    t.advance(s, np.array([[NOOP, RIGHT]]))  # player 1 steps aside (onto the goal)
    t.advance(s, np.array([[RIGHT, NOOP]]))  # now the push goes
    assert s.pos[0] == b.cell(1, 2)
    assert s.items[0, b.cell(1, 3)] and (s.items[0] == s.items[1]).all()


def test_a_finished_players_action_is_not_checked():
    t = team(2)
    s = t.load([dungeon("wwwwwwww\nwA1...Aw\nw+....gw\nwwwwwwww\n")])
    t.advance(s, np.array([[RIGHT, NOOP]]))  # player 0 walks into the bat: out
    assert s.status[0] == State.LOST
    t.advance(s, np.array([[99, NOOP]]))  # ignored, whatever it is
    with pytest.raises(ValueError, match="integers in"):
        t.advance(s, np.array([[NOOP, 99]]))


def test_load_errors_name_the_level():
    big = dungeon("w" * 20 + "\nwA" + "." * 16 + "gw\nw+" + "." * 17 + "w\n" + "w" * 20 + "\n", name="big")
    with pytest.raises(LevelFormatError, match="level 'big'"):
        team(2).load([big], size=(9, 13))
