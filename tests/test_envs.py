"""Tests for levelforge.envs: TileEnv (single), TileVectorEnv (native vector) and level sources."""

from __future__ import annotations

import os

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import levelforge as lf  # noqa: E402
from levelforge.engine import Engine  # noqa: E402
from levelforge.envs import TileEnv, TileVectorEnv  # noqa: E402
from levelforge.game import game_levels_dir  # noqa: E402

ENV_IDS = {"dungeon": "LevelForge/Dungeon-v0", "sokoban": "LevelForge/Sokoban-v0", "maze": "LevelForge/Maze-v0"}

# One level per game at the game's default size (so observations and renders are unpadded).
FULL = {
    "dungeon": (
        "wwwwwwwwwwwww\n"
        "wA.+.......gw\n"
        "w...........w\n"
        "w..1........w\n"
        "w...........w\n"
        "w.....2.....w\n"
        "w...........w\n"
        "w.........3.w\n"
        "wwwwwwwwwwwww\n"
    ),
    "sokoban": (
        "##########\n"
        "#        #\n"
        "#  $  .  #\n"
        "#  @     #\n"
        "#   *    #\n"
        "#        #\n"
        "#  $ .   #\n"
        "#        #\n"
        "#        #\n"
        "##########\n"
    ),
    "maze": (
        "###############\n"
        "#S....#.......#\n"
        "#.###.#.#####.#\n"
        "#...#...#...#.#\n"
        "###.#####.#.#.#\n"
        "#...#.....#...#\n"
        "#.###.#######.#\n"
        "#.....#.....#.#\n"
        "#.#####.###.#.#\n"
        "#.......#....E#\n"
        "###############\n"
    ),
}

PLAYER_CHAR = {"dungeon": "A", "sokoban": "@", "maze": "S"}

# Small dungeon levels (padded to 9 x 13 by the environments): NPCs of every kind, keys, doors.
DUNGEONS = [
    "wwwwwww\nwA+..gw\nw.1...w\nwwwwwww\n",
    "wwwwwwwww\nw.A..+..w\nw.2...3.w\nw..1....w\nwg......w\nwwwwwwwww\n",
    "wwwwwwwwwwwww\nwA..1....+.gw\nw...........w\nw..2.....3..w\nwwwwwwwwwwwww\n",
    "wwwww\nwA+gw\nwwwww\n",
    "wwwwwwww\nw+....Aw\nw.1.1..w\nw..2..gw\nw3.....w\nwwwwwwww\n",
    "wwwwwwwwwwwww\nw1.........1w\nw.+.......+.w\nw.....A.....w\nw.2.......2.w\nw3....g....3w\nwwwwwwwwwwwww\n",
    "wwwwwww\nwA+.wgw\nw...www\nwwwwwww\n",  # no monsters, the door walled off: only truncation ends it
]


def lvl(text: str, game: str, name: str | None = None) -> lf.Level:
    return lf.parse_level(text, game, name=name)


def maze_levels(n: int = 5) -> list[lf.Level]:
    """``n`` distinct small maze levels (the start moves along a corridor)."""
    out = []
    for i in range(n):
        row = ["."] * 8
        row[i] = "S"
        text = "##########\n#" + "".join(row) + "#\n#.######E#\n##########\n"
        out.append(lvl(text, "maze", name=f"m{i}"))
    assert len({lv.id for lv in out}) == n
    return out


def player_channel(env) -> int:
    u = env.unwrapped
    spec = u.spec_game if isinstance(u, TileEnv) else u.game
    return list(u.channels).index(spec.player_tile.name)


def avatar_yx(text: str, ch: str) -> tuple[int, int]:
    rows = text.rstrip("\n").split("\n")
    hits = [(y, x) for y, r in enumerate(rows) for x, c in enumerate(r) if c == ch]
    assert len(hits) == 1
    return hits[0]


def shipped_levels(game: str) -> list[str]:
    d = game_levels_dir(lf.load_game(game))
    return sorted(p.name for p in d.glob("*.txt")) if d else []


# -- the Gymnasium API ---------------------------------------------------------------
@pytest.mark.parametrize("render_mode", [None, "rgb_array", "ansi"])
@pytest.mark.parametrize("game", sorted(FULL))
def test_check_env(game: str, render_mode: str | None) -> None:
    env = gym.make(ENV_IDS[game], levels=[lvl(FULL[game], game)], render_mode=render_mode)
    assert isinstance(env.unwrapped, TileEnv)
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


@pytest.mark.parametrize("game", sorted(FULL))
def test_render_outputs(game: str) -> None:
    lv = lvl(FULL[game], game)
    env = gym.make(ENV_IDS[game], levels=[lv], render_mode="rgb_array")
    env.reset(seed=0)
    img = env.render()
    assert isinstance(img, np.ndarray)
    assert img.dtype == np.uint8
    assert img.shape == (lv.height * 16, lv.width * 16, 3)

    env = gym.make(ENV_IDS[game], levels=[lv], render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert isinstance(text, str)
    assert text == lv.text == FULL[game]


def test_ansi_render_of_smaller_level_is_padded_with_solid_terrain() -> None:
    lv = lvl("#####\n#S.E#\n#####\n", "maze")
    env = gym.make("LevelForge/Maze-v0", levels=[lv], render_mode="ansi")
    env.reset(seed=0)
    rows = env.render().rstrip("\n").split("\n")
    assert len(rows) == 11 and all(len(r) == 15 for r in rows)
    assert rows[1].startswith("#S.E#") and set(rows[1][5:]) == {"#"}
    # size= makes the board exactly the level's size
    env = gym.make("LevelForge/Maze-v0", levels=[lv], render_mode="ansi", size=(3, 5))
    env.reset(seed=0)
    assert env.render() == lv.text


def test_render_none_without_render_mode() -> None:
    env = gym.make("LevelForge/Maze-v0", levels=[lvl(FULL["maze"], "maze")])
    env.reset(seed=0)
    assert env.unwrapped.render() is None


def test_bad_render_mode_and_action() -> None:
    lv = lvl(FULL["maze"], "maze")
    with pytest.raises(ValueError):
        TileEnv("maze", levels=[lv], render_mode="pixels")
    env = TileEnv("maze", levels=[lv])
    with pytest.raises(RuntimeError):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(5)
    with pytest.raises(ValueError):
        env.step(-1)


# -- observations --------------------------------------------------------------------
@pytest.mark.parametrize("game", sorted(FULL))
def test_observation_planes(game: str) -> None:
    lv = lvl(FULL[game], game)
    env = gym.make(ENV_IDS[game], levels=[lv])
    obs, info = env.reset(seed=3)
    u = env.unwrapped
    c, h, w = obs.shape
    assert obs.dtype == np.uint8
    assert (h, w) == (lv.height, lv.width)
    assert len(u.channels) == c
    assert env.observation_space.shape == obs.shape
    assert set(np.unique(obs)) <= {0, 1}
    assert obs in env.observation_space
    assert info["level_id"] == lv.id and info["steps"] == 0 and info["won"] is False

    pc = player_channel(env)
    assert obs[pc].sum() == 1
    assert tuple(np.argwhere(obs[pc])[0]) == avatar_yx(FULL[game], PLAYER_CHAR[game])

    # terrain planes: every cell has exactly one terrain
    nt = len(u.engine.rules.terrain)
    assert (obs[:nt].sum(axis=0) == 1).all()

    # after random steps the player plane still marks the avatar shown by grid()
    rng = np.random.default_rng(0)
    player_ids = [t.id for t in lf.load_game(game).tiles if lf.load_game(game).player_tile.name in t.parts]
    for _ in range(40):
        obs, _, term, trunc, info = env.step(int(rng.integers(env.action_space.n)))
        assert obs.shape == (c, h, w) and obs.dtype == np.uint8
        assert set(np.unique(obs)) <= {0, 1}
        if term or trunc:
            break
        assert obs[pc].sum() == 1
        grid = u.grid()
        ys, xs = np.nonzero(np.isin(grid, player_ids))
        assert (ys[0], xs[0]) == tuple(np.argwhere(obs[pc])[0])
        np.testing.assert_array_equal(obs, u.engine.observe(u.state)[0])


def test_observation_padded_levels_have_solid_border() -> None:
    lv = lvl("#####\n#S.E#\n#####\n", "maze")
    env = TileEnv("maze", levels=[lv])
    obs, _ = env.reset(seed=0)
    assert obs.shape == (len(env.channels), 11, 15)
    wall = list(env.channels).index("wall")
    assert obs[wall, 3:, :].all() and obs[wall, :, 5:].all()


def test_dungeon_extra_planes() -> None:
    env = TileEnv("dungeon", levels=[lvl("wwwwww\nwA+.gw\nwwwwww\n", "dungeon")])
    obs, _ = env.reset(seed=0)
    ch = list(env.channels)
    assert "carrying_key" in ch and "facing" in ch
    assert obs[ch.index("carrying_key")].sum() == 0
    obs, r, term, trunc, info = env.step(env.action_names.index("right"))
    assert obs[ch.index("carrying_key")].all()  # a whole plane of ones while a key is carried
    assert r == pytest.approx(-0.01 + 1.0)
    assert obs[ch.index("facing")].sum() == 1
    assert obs[ch.index("facing")][1, 3] == 1  # faces right, from (1, 2)


def test_dungeon_npc_ahead_plane_shows_where_monsters_walk_next() -> None:
    # a bat (every step, heading right) with a free tile ahead; a spider
    # (every 2nd step, heading down) facing a wall below it
    env = TileEnv("dungeon", levels=[lvl("wwwwwww\nwA.1..w\nw2....w\nwwwwwww\n", "dungeon")])
    obs, _ = env.reset(seed=0)
    ahead = list(env.channels).index("npc_ahead")
    assert np.argwhere(obs[ahead]).tolist() == [[1, 4]]  # the bat's next tile; the spider faces a wall
    lit = []
    for _ in range(4):
        obs, *_ = env.step(0)
        assert np.array_equal(obs, env.engine.observe(env.state)[0])  # the in-place update equals a full write
        lit.append([c for c in np.argwhere(obs[ahead]).tolist() if c[1] > 1])  # the bat's, not the spider's
    # the bat walks to (1, 4) and (1, 5), faces the wall (nothing lit), turns and heads back left
    assert lit[:3] == [[[1, 5]], [], [[1, 4]]]


# -- level sources ---------------------------------------------------------------------
def _ids(env, seed: int, n: int = 10) -> list[str]:
    out = [env.reset(seed=seed)[1]["level_id"]]
    out += [env.reset()[1]["level_id"] for _ in range(n - 1)]
    return out


def test_source_single_level() -> None:
    lv = maze_levels(1)[0]
    env = gym.make("LevelForge/Maze-v0", levels=lv)
    assert _ids(env, 0, 3) == [lv.id] * 3
    assert env.unwrapped.level == lv


def test_source_list_and_folder(tmp_path) -> None:
    levels = maze_levels(5)
    for lv in levels:
        lf.level.write_level(lv, tmp_path / f"{lv.name}.txt")
    (tmp_path / "notes.md").write_text("not a level\n")
    want = {lv.id for lv in levels}
    for source in (levels, tmp_path, str(tmp_path)):
        env = gym.make("LevelForge/Maze-v0", levels=source)
        ids = _ids(env, 7, 5)
        assert set(ids) == want
    env = gym.make("LevelForge/Maze-v0", levels=str(tmp_path / "m2.txt"))
    assert set(_ids(env, 0, 3)) == {levels[2].id}
    names = {env.reset()[1]["level_name"] for _ in range(3)}
    assert names == {"m2"}


def test_source_errors(tmp_path) -> None:
    with pytest.raises(lf.LevelFormatError):
        TileEnv("maze", levels=[])
    with pytest.raises(TypeError):
        TileEnv("maze", levels=["#####\n#S.E#\n#####\n"])
    with pytest.raises(lf.LevelFormatError):
        TileEnv("maze", levels=tmp_path)  # empty folder


def test_source_callable() -> None:
    pool = maze_levels(5)
    calls = []

    def make(rng: np.random.Generator) -> lf.Level:
        assert isinstance(rng, np.random.Generator)
        calls.append(1)
        return pool[int(rng.integers(len(pool)))]

    env = gym.make("LevelForge/Maze-v0", levels=make)
    a = _ids(env, 11)
    assert len(calls) == 10
    assert set(a) <= {lv.id for lv in pool}
    assert _ids(env, 11) == a
    env2 = gym.make("LevelForge/Maze-v0", levels=make)
    assert _ids(env2, 11) == a
    obs, _ = env2.reset(seed=11)
    assert obs.shape == env2.observation_space.shape == (4, 11, 15)
    # the level it draws is the one played
    lv = env2.unwrapped.level
    np.testing.assert_array_equal(obs, TileEnv("maze", levels=[lv]).reset(options={"level": lv})[0])


def test_callable_source_must_return_levels() -> None:
    env = TileEnv("maze", levels=lambda rng: "not a level")
    with pytest.raises(TypeError):
        env.reset(seed=0)


def test_same_seed_same_level_sequence() -> None:
    levels = maze_levels(5)
    env = gym.make("LevelForge/Maze-v0", levels=levels)
    a = _ids(env, 123)
    b = _ids(env, 123)  # re-seeding the same env restarts the sequence
    c = _ids(gym.make("LevelForge/Maze-v0", levels=levels), 123)
    assert a == b == c
    seqs = {tuple(_ids(env, s)) for s in range(8)}
    assert len(seqs) > 1, "different seeds should (generally) give different level orders"


def test_finite_source_cycles_through_every_level() -> None:
    levels = maze_levels(5)
    want = sorted(lv.id for lv in levels)
    env = gym.make("LevelForge/Maze-v0", levels=levels)
    for seed in range(4):
        ids = _ids(env, seed, 15)
        for k in range(3):
            assert sorted(ids[5 * k : 5 * k + 5]) == want, f"pass {k} of seed {seed}: {ids}"


def test_vector_source_cycles_and_is_seeded() -> None:
    levels = maze_levels(5)
    want = sorted(lv.id for lv in levels)
    v = TileVectorEnv(num_envs=5, game="maze", levels=levels)
    v.reset(seed=4)
    got = sorted(levels[i].id for i in v.states.level)
    assert got == want
    first = v.states.level.copy()
    v.reset(seed=4)
    np.testing.assert_array_equal(v.states.level, first)


def test_reset_options_level() -> None:
    levels = maze_levels(5)
    other = lvl("########\n#E....S#\n########\n", "maze", name="other")
    env = gym.make("LevelForge/Maze-v0", levels=levels)
    obs, info = env.reset(seed=0, options={"level": other})
    assert info["level_id"] == other.id and info["level_name"] == "other"
    pc = player_channel(env)
    assert tuple(np.argwhere(obs[pc])[0]) == (1, 6)
    obs, r, term, trunc, info = env.step(4)  # right: a wall
    assert tuple(np.argwhere(obs[pc])[0]) == (1, 6)
    for _ in range(5):
        obs, r, term, trunc, info = env.step(3)  # left, to the exit
    assert term and info["won"] and not trunc
    # options without a level: back to the source
    _, info = env.reset()
    assert info["level_id"] in {lv.id for lv in levels}


def test_shipped_corpus_is_default_source() -> None:
    for game in FULL:
        if not shipped_levels(game):
            continue
        env = gym.make(ENV_IDS[game])
        _, info = env.reset(seed=0)
        assert isinstance(info["level_id"], str)


@pytest.mark.parametrize("game", sorted(FULL))
def test_shipped_corpus(game: str) -> None:
    files = shipped_levels(game)
    if not files:
        pytest.skip(f"games/{game}/levels holds no levels yet")
    env = gym.make(ENV_IDS[game], render_mode="ansi")
    check_env(env.unwrapped)
    n = len(files)
    ids = [env.reset(seed=1)[1]["level_id"]] + [env.reset()[1]["level_id"] for _ in range(n - 1)]
    assert len(set(ids)) == len(set(lv.id for lv in lf.read_levels(game_levels_dir(lf.load_game(game)), game)))
    v = gym.make_vec(ENV_IDS[game], num_envs=4, vectorization_mode="vector_entry_point")
    obs, _ = v.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(50):
        obs, *_ = v.step(rng.integers(v.single_action_space.n, size=4))
        np.testing.assert_array_equal(obs, v.engine.observe(v.states))


# -- episode ends and rewards -----------------------------------------------------------
def test_truncation_at_max_steps() -> None:
    lv = lvl(FULL["maze"], "maze")  # the exit is far more than 5 steps away
    env = gym.make("LevelForge/Maze-v0", levels=[lv], max_steps=5)
    env.reset(seed=0)
    for t in range(1, 6):
        obs, r, term, trunc, info = env.step(t % 5)
        assert term is False
        assert trunc is (t == 5)
        assert info["steps"] == t
    assert info["won"] is False


def test_default_max_steps_from_game() -> None:
    assert TileEnv("maze", levels=maze_levels(1)).max_steps == lf.load_game("maze").max_steps == 300
    assert TileEnv("sokoban", levels=[lvl(FULL["sokoban"], "sokoban")]).max_steps == 200


SOKO = "#######\n#@$.  #\n#  $.##\n#######\n"


def test_sokoban_rewards() -> None:
    r = lf.load_game("sokoban").rewards
    env = gym.make("LevelForge/Sokoban-v0", levels=[lvl(SOKO, "sokoban")])
    env.reset(seed=0)
    obs, rew, term, trunc, info = env.step(4)  # right: pushes a box onto a goal
    assert rew == pytest.approx(-0.1 + 1.0) == pytest.approx(r["step"] + r["cover_on"])
    assert not term
    obs, rew, term, trunc, info = env.step(0)  # noop
    assert rew == pytest.approx(-0.1)
    obs, rew, term, trunc, info = env.step(2)  # down
    assert rew == pytest.approx(-0.1) and not term
    obs, rew, term, trunc, info = env.step(4)  # right: the last box onto its goal, solved
    assert rew == pytest.approx(-0.1 + 1.0 + 10.0) == pytest.approx(r["step"] + r["cover_on"] + r["win"])
    assert term and not trunc and info["won"]


def test_sokoban_push_off_goal_and_blocked_push() -> None:
    env = TileEnv("sokoban", levels=[lvl("#######\n#@*  .#\n#######\n", "sokoban")])
    env.reset(seed=0)
    _, rew, term, _, _ = env.step(4)  # box leaves its goal
    assert rew == pytest.approx(-0.1 - 1.0) and not term
    _, rew, _, _, _ = env.step(4)
    assert rew == pytest.approx(-0.1)
    _, rew, term, _, info = env.step(4)  # box onto the other goal: solved
    assert rew == pytest.approx(-0.1 + 1.0 + 10.0) and term and info["won"]
    env = TileEnv("sokoban", levels=[lvl("######\n#@$$.#\n######\n", "sokoban")])
    obs0, _ = env.reset(seed=0)
    obs, rew, term, _, _ = env.step(4)  # two boxes in a row cannot be pushed
    assert rew == pytest.approx(-0.1) and not term
    np.testing.assert_array_equal(obs, obs0)


def test_maze_win_reward_from_game_toml() -> None:
    r = lf.load_game("maze").rewards
    env = gym.make("LevelForge/Maze-v0", levels=[lvl("#####\n#S.E#\n#####\n", "maze")])
    env.reset(seed=0)
    _, rew, term, _, _ = env.step(4)
    assert rew == pytest.approx(r["step"]) and not term
    _, rew, term, trunc, info = env.step(4)
    assert rew == pytest.approx(r["step"] + r["win"]) == pytest.approx(0.99)
    assert term and not trunc and info["won"]
    # a finished episode stays finished: further steps give 0 and change nothing
    _, rew, term, _, info = env.step(3)
    assert rew == 0.0 and term and info["steps"] == 2


def test_dungeon_door_needs_key_and_monsters_kill() -> None:
    env = TileEnv("dungeon", levels=[lvl("wwwwww\nwAg+.w\nwwwwww\n", "dungeon")])
    obs0, _ = env.reset(seed=0)
    _, rew, term, _, info = env.step(4)  # the door is locked
    assert not term and info["steps"] == 1
    assert env.engine.observe(env.state)[0][player_channel(env)][1, 1] == 1
    env = TileEnv("dungeon", levels=[lvl("wwwwww\nw1A..w\nwwwwww\n", "dungeon")])
    env.reset(seed=0)
    _, rew, term, _, info = env.step(0)
    assert term and not info["won"]
    assert rew == pytest.approx(-0.01 - 5.0)


# -- the native vector environment --------------------------------------------------------
def dungeon_levels() -> list[lf.Level]:
    return [lvl(t, "dungeon", name=f"d{i}") for i, t in enumerate(DUNGEONS)]


def test_make_vec_gives_native_vector_env() -> None:
    v = gym.make_vec("LevelForge/Dungeon-v0", num_envs=4, vectorization_mode="vector_entry_point", levels=dungeon_levels())
    assert isinstance(v, TileVectorEnv)
    assert not isinstance(v, (gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv))
    c = len(v.channels)
    obs, infos = v.reset(seed=0)
    assert obs.shape == (4, c, 9, 13) and obs.dtype == np.uint8
    assert v.observation_space.shape == (4, c, 9, 13)
    assert v.single_observation_space.shape == (c, 9, 13)
    assert v.action_space.shape == (4,)
    assert v.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    obs, rew, term, trunc, infos = v.step(np.zeros(4, dtype=np.int64))
    assert obs.shape == (4, c, 9, 13)
    assert rew.shape == term.shape == trunc.shape == (4,)
    assert term.dtype == bool and trunc.dtype == bool
    with pytest.raises(ValueError):
        v.step(np.zeros(3, dtype=np.int64))
    v.close()


def test_vector_env_errors() -> None:
    with pytest.raises(ValueError):
        TileVectorEnv(num_envs=0, game="maze", levels=maze_levels(1))
    with pytest.raises(ValueError):
        TileVectorEnv(num_envs=2, game="maze", levels=maze_levels(1), autoreset_mode="Disabled")
    v = TileVectorEnv(num_envs=2, game="maze", levels=maze_levels(1))
    with pytest.raises(RuntimeError):
        v.step(np.zeros(2, dtype=np.int64))


def _random_run(v: TileVectorEnv, steps: int, seed: int):
    rng = np.random.default_rng(seed)
    obs, _ = v.reset(seed=seed)
    np.testing.assert_array_equal(obs, v.engine.observe(v.states))
    ends = truncs = 0
    for _ in range(steps):
        a = rng.integers(v.single_action_space.n, size=v.num_envs)
        obs, rew, term, trunc, infos = v.step(a)
        assert obs.shape == v.observation_space.shape and obs.dtype == np.uint8
        np.testing.assert_array_equal(obs, v.engine.observe(v.states))
        ends += int((term | trunc).sum())
        truncs += int(trunc.sum())
    return ends, truncs


@pytest.mark.parametrize("copy", [True, False])
@pytest.mark.parametrize("source", ["list", "callable"])
def test_vector_obs_always_equals_engine_observe(copy: bool, source: str) -> None:
    levels = dungeon_levels()
    src = levels if source == "list" else (lambda rng: levels[int(rng.integers(len(levels)))])
    v = gym.make_vec(
        "LevelForge/Dungeon-v0", num_envs=16, vectorization_mode="vector_entry_point", levels=src, copy=copy
    )
    assert v.copy is copy
    ends, truncs = _random_run(v, 300, seed=5)
    assert ends > 16 and truncs > 0  # deaths, wins and truncations (200 steps) all went through autoreset


@pytest.mark.parametrize("mode", ["SameStep", "NextStep"])
@pytest.mark.parametrize("game", ["sokoban", "maze"])
def test_vector_obs_equals_engine_observe_other_games(game: str, mode: str) -> None:
    levels = {
        "sokoban": [lvl(SOKO, "sokoban"), lvl(FULL["sokoban"], "sokoban"), lvl("#######\n#@*  .#\n#######\n", "sokoban")],
        "maze": maze_levels(5) + [lvl(FULL["maze"], "maze")],
    }[game]
    v = TileVectorEnv(num_envs=8, game=game, levels=levels, autoreset_mode=mode, max_steps=40)
    ends, truncs = _random_run(v, 120, seed=2)
    assert ends > 0 and truncs > 0


def test_copy_false_returns_internal_buffer() -> None:
    v = TileVectorEnv(num_envs=3, game="maze", levels=maze_levels(3), copy=False)
    a, _ = v.reset(seed=0)
    b, *_ = v.step(np.array([4, 4, 4]))
    assert a is b or np.shares_memory(a, b)
    v = TileVectorEnv(num_envs=3, game="maze", levels=maze_levels(3), copy=True)
    a, _ = v.reset(seed=0)
    keep = a.copy()
    b, *_ = v.step(np.array([4, 4, 4]))
    assert not np.shares_memory(a, b)
    np.testing.assert_array_equal(a, keep)


def test_vector_matches_single_envs_in_lockstep() -> None:
    levels = dungeon_levels()
    b = 16
    v = TileVectorEnv(num_envs=b, game="dungeon", levels=levels)
    obs, _ = v.reset(seed=9)
    singles = []
    for i in range(b):
        e = TileEnv("dungeon", levels=levels)
        o, info = e.reset(seed=i, options={"level": levels[int(v.states.level[i])]})
        np.testing.assert_array_equal(o, obs[i])
        singles.append(e)
    rng = np.random.default_rng(1)
    live = np.ones(b, dtype=bool)
    compared = 0
    for _ in range(60):
        a = rng.integers(6, size=b)
        obs, rew, term, trunc, infos = v.step(a)
        for i in np.flatnonzero(live):
            o, r, te, tr, info = singles[i].step(int(a[i]))
            assert r == pytest.approx(float(rew[i]))
            assert te == bool(term[i]) and tr == bool(trunc[i])
            if te or tr:
                assert infos["_final_obs"][i]
                np.testing.assert_array_equal(infos["final_obs"][i], o)
                assert bool(infos["final_info"]["won"][i]) == info["won"]
                live[i] = False
            else:
                np.testing.assert_array_equal(obs[i], o)
            compared += 1
    assert compared > 150


def test_vector_step_matches_engine_step() -> None:
    levels = dungeon_levels()
    v = TileVectorEnv(num_envs=16, game="dungeon", levels=levels, autoreset_mode="NextStep")
    v.reset(seed=3)
    eng = Engine("dungeon")
    rng = np.random.default_rng(3)
    for _ in range(100):
        a = rng.integers(6, size=16)
        before = v.states
        pending = v._needs_reset.copy()
        want_states, want_r, want_t = eng.step(before, a)
        _, rew, term, trunc, _ = v.step(a)
        ok = ~pending
        np.testing.assert_allclose(rew[ok], want_r[ok])
        np.testing.assert_array_equal(term[ok], want_t[ok])
        np.testing.assert_array_equal(v.states.pos[ok], want_states.pos[ok])
        np.testing.assert_array_equal(v.states.t[ok], want_states.t[ok])
        assert (rew[pending] == 0).all() and not term[pending].any()


def test_vector_render() -> None:
    lv = lvl(FULL["maze"], "maze")
    v = TileVectorEnv(num_envs=2, game="maze", levels=[lv], render_mode="ansi")
    v.reset(seed=0)
    assert v.render() == lv.text + "\n" + lv.text  # one block per env, a blank line between
    v = TileVectorEnv(num_envs=2, game="maze", levels=[lv], render_mode="rgb_array")
    v.reset(seed=0)
    imgs = v.render()
    assert len(imgs) == 2 and all(im.shape == (11 * 16, 15 * 16, 3) and im.dtype == np.uint8 for im in imgs)
    assert v.grids().shape == (2, 11, 15)


# -- autoreset ---------------------------------------------------------------------------
NEAR = "#####\n#SE##\n#####\n"  # one step right wins


def test_autoreset_same_step() -> None:
    lv = lvl(NEAR, "maze")
    v = gym.make_vec("LevelForge/Maze-v0", num_envs=3, vectorization_mode="vector_entry_point", levels=[lv])
    first, _ = v.reset(seed=0)
    pc = list(v.channels).index("start")
    obs, rew, term, trunc, infos = v.step(np.array([4, 0, 4]))
    np.testing.assert_array_equal(term, [True, False, True])
    assert not trunc.any()
    assert rew[0] == pytest.approx(0.99) and rew[1] == pytest.approx(-0.01)
    np.testing.assert_array_equal(infos["_final_obs"], [True, False, True])
    assert infos["final_obs"][1] is None
    for i in (0, 2):
        fo = infos["final_obs"][i]
        assert fo.shape == v.single_observation_space.shape and fo.dtype == np.uint8
        assert tuple(np.argwhere(fo[pc])[0]) == (1, 2)  # on the exit
        np.testing.assert_array_equal(obs[i], first[i])  # a fresh episode's first observation
        assert int(v.states.t[i]) == 0
    assert bool(infos["final_info"]["won"][0]) and int(infos["final_info"]["steps"][0]) == 1
    np.testing.assert_array_equal(infos["final_info"]["_won"], [True, False, True])
    assert int(v.states.t[1]) == 1
    # the fresh episode plays on
    obs, rew, term, trunc, infos = v.step(np.array([4, 4, 0]))
    np.testing.assert_array_equal(term, [True, True, False])
    assert rew[0] == pytest.approx(0.99)


def test_autoreset_same_step_truncation() -> None:
    lv = lvl(NEAR, "maze")
    v = TileVectorEnv(num_envs=2, game="maze", levels=[lv], max_steps=3)
    first, _ = v.reset(seed=0)
    for t in range(1, 4):
        obs, rew, term, trunc, infos = v.step(np.array([0, 0]))
        assert not term.any()
        assert trunc.all() == (t == 3)
    assert infos["_final_obs"].all()
    assert not infos["final_info"]["won"].any()
    np.testing.assert_array_equal(v.states.t, [0, 0])
    np.testing.assert_array_equal(obs, first)


def test_autoreset_next_step() -> None:
    lv = lvl("######\n#.SE##\n######\n", "maze")
    v = gym.make_vec(
        "LevelForge/Maze-v0", num_envs=2, vectorization_mode="vector_entry_point", levels=[lv], autoreset_mode="NextStep"
    )
    assert v.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    first, _ = v.reset(seed=0)
    pc = list(v.channels).index("start")
    obs, rew, term, trunc, infos = v.step(np.array([4, 0]))
    np.testing.assert_array_equal(term, [True, False])
    assert "final_obs" not in infos
    assert tuple(np.argwhere(obs[0, pc])[0]) == (1, 3)  # the last observation, on the exit
    assert rew[0] == pytest.approx(0.99)
    # the next step resets env 0, ignores its action and gives reward 0
    obs, rew, term, trunc, infos = v.step(np.array([3, 3]))
    assert rew[0] == 0.0 and not term[0] and not trunc[0]
    np.testing.assert_array_equal(obs[0], first[0])
    assert tuple(np.argwhere(obs[0, pc])[0]) == (1, 2)  # not moved left
    assert int(v.states.t[0]) == 0
    assert tuple(np.argwhere(obs[1, pc])[0]) == (1, 1)  # env 1 did move left
    assert rew[1] == pytest.approx(-0.01)
    # and then it plays normally
    obs, rew, term, trunc, infos = v.step(np.array([4, 0]))
    assert term[0] and rew[0] == pytest.approx(0.99)


# -- determinism -------------------------------------------------------------------------
def test_engine_determinism_single() -> None:
    levels = dungeon_levels()
    rng = np.random.default_rng(0)
    actions = rng.integers(6, size=150)

    def run():
        env = gym.make("LevelForge/Dungeon-v0", levels=levels)
        out = [env.reset(seed=42)[0]]
        for a in actions:
            o, r, te, tr, info = env.step(int(a))
            out.append(o)
            out.append(np.array([r, te, tr]))
            if te or tr:
                out.append(env.reset()[0])
        return out

    a, b = run(), run()
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_engine_determinism_vector() -> None:
    levels = dungeon_levels()
    actions = np.random.default_rng(1).integers(6, size=(120, 8))

    def run():
        v = TileVectorEnv(num_envs=8, game="dungeon", levels=levels)
        out = [v.reset(seed=7)[0]]
        for a in actions:
            o, r, te, tr, _ = v.step(a)
            out += [o, r, te, tr]
        return out

    for x, y in zip(run(), run()):
        np.testing.assert_array_equal(x, y)


def test_engine_step_is_pure() -> None:
    eng = Engine("dungeon")
    s = eng.load(dungeon_levels(), size=(9, 13), max_npcs=8)
    keep = {k: v.copy() for k, v in s.arrays().items()}
    a = np.full(len(s), 4)
    s1, r1, t1 = eng.step(s, a)
    s2, r2, t2 = eng.step(s, a)
    for k, v in s.arrays().items():
        np.testing.assert_array_equal(v, keep[k])
    np.testing.assert_array_equal(eng.observe(s1), eng.observe(s2))
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(t1, t2)


def test_vector_states_advance_in_place_and_copies_stay() -> None:
    a = lvl("#####\n#SE##\n#####\n", "maze")
    b = lvl("#####\n#ES.#\n#####\n", "maze")
    v = TileVectorEnv(num_envs=4, game="maze", levels=[a, b])
    v.reset(seed=0)
    live = v.states
    before = v.states.copy()
    keep = {k: x.copy() for k, x in before.arrays().items()}
    _, _, term, _, _ = v.step(np.where(v.states.level == 0, 4, 3))  # every env wins and is reset
    assert term.all()
    assert live is v.states  # the env's states are its own, advanced in place ...
    assert (v.states.t == 0).all()  # ... and reset
    for k, x in before.arrays().items():  # a copy taken before is untouched
        np.testing.assert_array_equal(x, keep[k], err_msg=f"State.{k} of a copied state changed")


def test_levels_of_another_game_are_refused() -> None:
    import levelforge as _lf
    from levelforge.envs import TileEnv as _TileEnv

    maze = _lf.parse_level("#####\n#S.E#\n#####\n", "maze")
    with pytest.raises(_lf.LevelFormatError, match="is a maze level, not sokoban"):
        _TileEnv("sokoban", levels=[maze])


def test_vector_copies_are_never_changed_while_referenced() -> None:
    """copy=True reuses the memory of observations nobody holds any more (fresh
    pages are slow); one still held, or viewed, is never written over."""
    v = gym.make_vec("LevelForge/Dungeon-v0", num_envs=8, vectorization_mode="vector_entry_point",
                     levels=dungeon_levels(), copy=True)
    first, _ = v.reset(seed=0)
    kept, kept_values = first, first.copy()
    view = v.step(np.zeros(8, dtype=np.int64))[0][2:]  # only a view of this one survives
    view_values = view.copy()
    seen, rng = set(), np.random.default_rng(0)
    for _ in range(30):
        obs = v.step(rng.integers(0, 6, 8))[0]
        seen.add(obs.__array_interface__["data"][0])
        assert np.array_equal(obs, v.unwrapped.obs.array) and obs is not v.unwrapped.obs.array
        del obs
    assert np.array_equal(kept, kept_values) and np.array_equal(view, view_values)
    assert len(seen) <= 3  # dropped observations' memory was reused
