"""PettingZoo team environments (levelforge.envs.multi): the API contract and the rules."""

import warnings

import numpy as np
import pytest

with warnings.catch_warnings():  # pettingzoo.test imports PettingZoo's own classic envs the deprecated way
    warnings.simplefilter("ignore", DeprecationWarning)
    from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test

from levelforge.envs.multi import TeamEnv, dungeon_v0, maze_v0
from levelforge.level import parse_level

NOOP, UP, DOWN, LEFT, RIGHT, ATTACK = range(6)

CORRIDOR = parse_level("wwwwwww\nwA...gw\nw+....w\nwwwwwww\n", "dungeon", name="corridor")


@pytest.mark.parametrize("make, players, mode", [
    (dungeon_v0.parallel_env, 2, "coop"),
    (dungeon_v0.parallel_env, 3, "race"),
    (maze_v0.parallel_env, 4, "race"),
])
def test_parallel_api(make, players, mode):
    parallel_api_test(make(players=players, mode=mode), num_cycles=300)


@pytest.mark.parametrize("module", [dungeon_v0, maze_v0])
def test_aec_api(module):
    api_test(module.env(players=2), num_cycles=200)


@pytest.mark.parametrize("module", [dungeon_v0, maze_v0])
def test_seeds_make_runs_repeatable(module):
    parallel_seed_test(lambda: module.parallel_env(players=2), num_cycles=300)
    seed_test(lambda: module.env(players=2), num_cycles=300)


def test_same_seed_same_levels_and_other_seed_other_levels():
    def levels(seed):
        env = dungeon_v0.parallel_env(players=2)
        env.reset(seed=seed)
        out = [env.level.id]
        for _ in range(4):
            env.reset()
            out.append(env.level.id)
        return out

    assert levels(3) == levels(3)
    assert levels(3) != levels(4)


def test_observations_show_each_player_itself_and_the_others():
    env = dungeon_v0.parallel_env(players=2, levels=[CORRIDOR])
    obs, infos = env.reset(seed=0)
    me, other = env.channels.index("avatar"), env.channels.index("other_players")
    assert obs["player_0"].shape == env.observation_space("player_0").shape == (len(env.channels), 9, 13)
    assert np.argwhere(obs["player_0"][me]).tolist() == [[1, 1]]
    assert np.argwhere(obs["player_0"][other]).tolist() == [[1, 2]]
    assert np.argwhere(obs["player_1"][me]).tolist() == [[1, 2]]
    assert np.argwhere(obs["player_1"][other]).tolist() == [[1, 1]]
    assert infos["player_0"]["level_name"] == "corridor"


def test_coop_all_win_when_one_enters():
    env = dungeon_v0.parallel_env(players=2, levels=[CORRIDOR])
    env.reset(seed=0)
    carrying = env.channels.index("carrying_key")
    obs, *_ = env.step({"player_0": DOWN, "player_1": RIGHT})
    assert obs["player_1"][carrying].all()  # player 0 took the key; the team carries it
    env.step({"player_0": NOOP, "player_1": RIGHT})
    _, rewards, terms, truncs, infos = env.step({"player_0": NOOP, "player_1": RIGHT})
    assert terms == {"player_0": True, "player_1": True} and not any(truncs.values())
    assert infos["player_0"]["won"] and infos["player_1"]["won"]
    assert env.agents == []


def test_race_the_loser_loses():
    env = dungeon_v0.parallel_env(players=2, levels=[CORRIDOR], mode="race")
    env.reset(seed=0)
    env.step({"player_0": DOWN, "player_1": NOOP})
    for a in (RIGHT, RIGHT, RIGHT, RIGHT):
        env.step({"player_0": a, "player_1": NOOP})
    _, rewards, terms, _, infos = env.step({"player_0": UP, "player_1": NOOP})
    assert infos["player_0"]["won"] and not infos["player_1"]["won"]
    assert terms == {"player_0": True, "player_1": True}
    assert rewards["player_0"] > 0 > rewards["player_1"]


def test_truncation_after_max_steps():
    env = dungeon_v0.parallel_env(players=2, levels=[CORRIDOR], max_steps=3)
    env.reset(seed=0)
    for _ in range(2):
        _, _, terms, truncs, _ = env.step({a: NOOP for a in env.agents})
        assert not any(truncs.values())
    _, _, terms, truncs, _ = env.step({a: NOOP for a in env.agents})
    assert all(truncs.values()) and not any(terms.values()) and env.agents == []
    t = int(env.state_.t[0])
    assert env.step({"player_0": RIGHT}) == ({}, {}, {}, {}, {})  # over: nothing moves until reset
    assert int(env.state_.t[0]) == t


def test_level_sources_are_those_of_the_gymnasium_envs(tmp_path):
    (tmp_path / "a.txt").write_text("wwwwwww\nwA...gw\nw+....w\nwwwwwww\n")
    env = maze_v0.parallel_env(players=2)  # the game's own levels
    env.reset(seed=1)
    assert env.level.game == "maze"
    env = dungeon_v0.parallel_env(players=2, levels=tmp_path)  # a folder
    env.reset(seed=1)
    assert env.level.name == "a"
    from levelforge.generators import procedural

    gen = procedural("dungeon")
    env = dungeon_v0.parallel_env(players=3, levels=lambda rng: gen.sample(1, int(rng.integers(1 << 30)))[0])
    obs, _ = env.reset(seed=1)
    assert len(obs) == 3


def test_each_game_has_its_own_name():
    assert dungeon_v0.parallel_env().metadata["name"] == "dungeon_v0"
    assert maze_v0.parallel_env().metadata["name"] == "maze_v0"


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="players must be 2, 3 or 4"):
        dungeon_v0.parallel_env(players=5)
    with pytest.raises(ValueError, match="mode must be one of race"):
        maze_v0.parallel_env(mode="coop")
    env = dungeon_v0.parallel_env(players=2)
    with pytest.raises(RuntimeError, match="call reset"):
        env.state()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="must be in"):
        env.step({"player_0": 7})
    with pytest.raises(KeyError, match="no agent"):
        env.step({"player_9": 0})


def test_render_modes():
    env = TeamEnv("dungeon", levels=[CORRIDOR], players=2, render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert text.splitlines()[1].startswith("wAA")
    env = TeamEnv("dungeon", levels=[CORRIDOR], players=2, render_mode="rgb_array", tile_size=8)
    env.reset(seed=0)
    assert env.render().shape == (9 * 8, 13 * 8, 3)
