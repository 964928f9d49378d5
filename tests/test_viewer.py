"""The viewer: play sessions, replays, catalogs, and the pygame window driven headless by posted keys."""

from __future__ import annotations

import json
import os
import shutil

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import levelforge as lf  # noqa: E402
from levelforge.archive import Archive, LevelRecord  # noqa: E402
from levelforge.cli import main  # noqa: E402
from levelforge.game import game_levels_dir, load_game  # noqa: E402
from levelforge.png import read_png  # noqa: E402
from levelforge.viewer import PlaySession, Replay, action_for_key, from_archive, from_paths, player_path  # noqa: E402
from levelforge.viewer.replay import (  # noqa: E402
    ReplayFileError, draw_path, load_replay, replay_frames, replay_grids, save_replay, solver_plan)

pygame = pytest.importorskip("pygame")

DUNGEON = game_levels_dir(load_game("dungeon"))
KEY_OF = {"up": "up", "down": "down", "left": "left", "right": "right", "attack": "space", "noop": "."}


@pytest.fixture(scope="module")
def level():
    return lf.read_level(DUNGEON / "dungeon_01.txt", "dungeon")


@pytest.fixture(scope="module")
def plan(level):
    p = solver_plan(level)
    assert p  # the shipped level is solvable
    return p


# -- the session: a person's game by the engine's rules ---------------------------------------------
def test_a_session_wins_by_the_solvers_plan_and_undoes_exactly(level, plan):
    s = PlaySession(level)
    start = s.grid().copy()
    assert s.status == "playing" and s.steps == 0
    assert s.play(plan) == "won" and s.steps == len(plan) and s.total_reward > 0
    assert not s.act(plan[0])  # the game is over: nothing happens
    assert s.steps == len(plan)
    s.undo()
    assert s.status == "playing" and s.actions == plan[:-1]
    for _ in plan:
        s.undo()
    assert np.array_equal(s.grid(), start) and not s.undo()
    s.play(plan[:5])
    s.restart()
    assert s.steps == 0 and np.array_equal(s.grid(), start)
    with pytest.raises(ValueError, match="action"):
        s.act(99)


def test_keys_map_to_the_games_actions_by_name():
    dungeon, maze = load_game("dungeon").actions, load_game("maze").actions
    assert action_for_key(dungeon, "w") == dungeon.index("up") == action_for_key(dungeon, "up")
    assert action_for_key(dungeon, "space") == dungeon.index("attack")
    assert action_for_key(maze, "space") is None  # no attack in the maze
    assert action_for_key(maze, "d") == maze.index("right")
    assert action_for_key(maze, "f1") is None


def test_the_player_path_follows_the_plan(level, plan):
    path = player_path(level, plan)
    assert len(path) == len(plan) + 1
    assert level.grid[path[0]] == level.spec.tile("avatar").id
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) <= 1 for a, b in zip(path, path[1:]))  # one step at a time


# -- replays --------------------------------------------------------------------------------------
def test_replay_frames_show_each_step_and_the_path(level, plan):
    grids, status = replay_grids(level, plan)
    assert len(grids) == len(plan) + 1 and status[0] == "playing" and status[-1] == "won"
    frames = replay_frames(level, Replay("solver", plan, True), tile=8)
    assert len(frames) == len(grids)
    assert frames[0].shape[0] > level.height * 8 and frames[0].shape[1] == level.width * 8  # a caption bar below
    assert not np.array_equal(frames[0], frames[-1])
    plain = replay_frames(level, Replay("solver", plan, True), tile=8, caption=False)[0]
    path = player_path(level, plan)
    drawn = draw_path(plain, path, 8)
    changed = np.any(drawn != plain, axis=2)
    cells = {(y // 8, x // 8) for y, x in zip(*np.nonzero(changed))}
    assert cells and cells <= set(path)  # drawn on the path's cells only


def test_replay_files_round_trip_and_bad_ones_are_clear(level, plan, tmp_path):
    p = save_replay(tmp_path / "r.replay.json", level, Replay("person", plan, True))
    got_level, got = load_replay(p)
    assert got_level == level and got.actions == plan and got.won and got.player == "person"
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ReplayFileError, match="not a levelforge replay"):
        load_replay(tmp_path / "bad.json")
    doc = json.loads(p.read_text())
    doc["actions"] = [0, 99]
    (tmp_path / "bad2.json").write_text(json.dumps(doc))
    with pytest.raises(ReplayFileError, match="action indices"):
        load_replay(tmp_path / "bad2.json")


# -- catalogs -------------------------------------------------------------------------------------
def _archive_run(path, levels, plan_of):
    with Archive(path) as db:
        run = db.start_run("levelforge generate", "dungeon", 0, {}, "abc", None)
        recs = [LevelRecord(lv.id, "dungeon", f"{k:03d}", lv.text, k, {"playable": True, "creativity": 0.5 + k / 100,
                                                                          "novelty": 0.3, "challenge": 0.2},
                            "abc", 0, k, None, None, [], {"solver": (plan_of(lv), True)})
                for k, lv in enumerate(levels, 1)]
        db.finish_run(run, recs)
    return run


def test_archive_catalog_marks_and_replays_go_to_the_archive(level, plan, tmp_path):
    levels = [level] + lf.read_levels(sorted(DUNGEON.glob("*.txt"))[1:3], "dungeon")
    run = _archive_run(tmp_path / "a.db", levels, lambda lv: plan if lv == level else [1, 2])
    with Archive(tmp_path / "a.db") as db:
        cat = from_archive(db)  # the newest run
        assert len(cat) == 3 and cat[0].scores["creativity"] == pytest.approx(0.51)
        assert cat[0].replays["solver"].actions == plan
        cat.mark(1, "kept")
        cat.mark(2, "rejected")
        cat.mark(2, None)
        where = cat.add_replay(0, Replay("person", plan[:3], False))
        assert "run" in where
    with Archive(tmp_path / "a.db") as db:  # written at once, read back by another connection
        assert db.marks(run) == {levels[1].id: "kept"}
        assert db.replays(run, level.id)["person"] == (plan[:3], False)
        with pytest.raises(LookupError, match="run 99 has no levels"):
            from_archive(db, 99)
        with pytest.raises(ValueError, match="mark"):
            cat.mark(0, "maybe")


def test_file_catalogs_keep_marks_beside_the_levels(tmp_path):
    shutil.copytree(DUNGEON, tmp_path / "lv")
    cat = from_paths([tmp_path / "lv"], "dungeon")
    assert len(cat) == len(list(DUNGEON.glob("*.txt")))
    cat.mark(0, "rejected")
    again = from_paths([tmp_path / "lv"], "dungeon")
    assert again[0].mark == "rejected" and again[1].mark is None
    with pytest.raises(FileNotFoundError):
        from_paths([tmp_path / "nothing"], "dungeon")


# -- the window, headless ---------------------------------------------------------------------------
@pytest.fixture
def viewer_of():
    from levelforge.viewer.app import Viewer

    made = []

    def make(catalog, start=None):
        v = Viewer(catalog, start, size=(1024, 700))
        made.append(v)
        return v

    yield make
    for v in made:
        v.close()


def test_grid_view_browses_marks_and_opens_with_keys(tmp_path, viewer_of):
    from levelforge.viewer.grid import GridScreen
    from levelforge.viewer.level_view import LevelScreen

    shutil.copytree(DUNGEON, tmp_path / "lv")
    cat = from_paths([tmp_path / "lv"], "dungeon")
    v = viewer_of(cat)
    v.post_keys("right", "right", "k")
    v.run(2, realtime=False)
    grid = v.screen
    assert isinstance(grid, GridScreen) and grid.index == 2 and cat[2].mark == "kept"
    assert json.loads((tmp_path / "lv" / "marks.json").read_text()) == {cat[2].path.name: "kept"}
    shot = read_png(v.screenshot(tmp_path / "grid.png"))
    assert shot.shape == (700, 1024, 3) and len(np.unique(shot.reshape(-1, 3), axis=0)) > 20
    v.post_keys("return", "right")
    v.run(1, realtime=False)
    assert isinstance(v.screen, LevelScreen) and v.screen.index == 3
    v.post_keys("x", "escape")
    v.run(1, realtime=False)
    assert cat[3].mark == "rejected" and v.screen is grid and grid.index == 3  # the grid follows
    v.post_keys("escape")
    v.run(1, realtime=False)
    assert not v.running


def test_play_wins_a_level_by_keys_of_the_stored_solver_plan(level, plan, tmp_path, viewer_of):
    from levelforge.viewer.play import PlayScreen

    lv = tmp_path / "one.txt"
    lv.write_text(level.text)
    cat = from_paths([lv], "dungeon")
    v = viewer_of(cat, lambda vw: PlayScreen(vw, 0))
    names = level.spec.actions
    v.post_keys(*[KEY_OF[names[a]] for a in plan[:4]])
    v.run(1, realtime=False)
    s = v.screen.session
    assert s.steps == 4
    v.post_keys("u", "u")
    v.run(1, realtime=False)
    assert s.actions == plan[:2]
    v.post_keys("r", *[KEY_OF[names[a]] for a in plan])
    v.run(1, realtime=False)
    assert s.status == "won" and s.actions == plan
    v.screenshot(tmp_path / "play.png")
    v.post_keys("return")  # save the replay beside the level
    v.run(1, realtime=False)
    saved_level, saved = load_replay(tmp_path / "one.person.replay.json")
    assert saved_level == level and saved.actions == plan and saved.won


def test_replay_screen_animates_steps_and_draws_the_path(level, plan, tmp_path, viewer_of):
    from levelforge.viewer.replay_view import ReplayScreen

    lv = tmp_path / "one.txt"
    lv.write_text(level.text)
    cat = from_paths([lv], "dungeon")
    v = viewer_of(cat, lambda vw: ReplayScreen(vw, 0))
    r = v.screen
    assert r.player == "solver" and len(r.grids) == len(plan) + 1  # no stored replay: the solver's plan
    v.run(30, realtime=False)  # half a second at 6 steps/s
    assert r.step == 3
    v.post_keys("space", "right", "right")
    v.run(1, realtime=False)
    assert not r.playing and r.step == 5
    before = r.frame(16)
    v.post_keys("o")
    v.run(1, realtime=False)
    assert r.overlay and not np.array_equal(r.frame(16), before)
    v.post_keys("end")
    v.run(1, realtime=False)
    assert r.statuses[r.step] == "won"
    v.screenshot(tmp_path / "replay.png")


# -- the commands ---------------------------------------------------------------------------------
def test_replay_writes_a_gif_and_a_png_without_a_window(tmp_path):
    runner = CliRunner()
    lv = str(DUNGEON / "dungeon_01.txt")
    res = runner.invoke(main, ["replay", lv, "--gif", str(tmp_path / "r.gif"), "--path", "--tile", "8"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.gif").read_bytes()[:6] == b"GIF89a"
    res = runner.invoke(main, ["replay", lv, "--png", str(tmp_path / "r.png"), "--step", "0"])
    assert res.exit_code == 0, res.output
    img = read_png(tmp_path / "r.png")
    assert img.shape[1] == 13 * 16
    res = runner.invoke(main, ["replay", lv, "--png", str(tmp_path / "x.png"), "--step", "999"])
    assert res.exit_code == 2 and "--step 999" in res.output
    res = runner.invoke(main, ["replay", lv, "--player", "agent", "--png", str(tmp_path / "y.png")])
    assert res.exit_code == 2 and "no agent replay" in res.output


def test_view_without_levels_or_archive_says_what_to_give(tmp_path):
    res = CliRunner().invoke(main, ["view", "--db", str(tmp_path / "none.db")])
    assert res.exit_code == 2 and "no archive" in res.output
    res = CliRunner().invoke(main, ["play", str(DUNGEON / "dungeon_01.txt"), "--index", "5"])
    assert res.exit_code == 2 and "numbered 1 to 1" in res.output


def test_the_env_human_mode_shows_frames_in_a_window():
    from levelforge.envs import TileEnv

    env = TileEnv("dungeon", levels=[lf.read_level(DUNGEON / "dungeon_01.txt", "dungeon")], render_mode="human")
    env.reset(seed=0)
    env.step(0)
    assert env.render() is None
    shown = pygame.display.get_surface()
    assert shown is not None and shown.get_width() >= 13 * 16
    env.close()
    assert env._window is None


def test_a_run_folder_cannot_point_outside_itself(tmp_path, level):
    (tmp_path / "run").mkdir()
    (tmp_path / "elsewhere.txt").write_text(level.text)
    (tmp_path / "run" / "levels.jsonl").write_text(json.dumps({"file": "../elsewhere.txt", "rank": 1}) + "\n")
    with pytest.raises(lf.errors.LevelFormatError, match="not a file of this folder"):
        from_paths([tmp_path / "run"], "dungeon")
    res = CliRunner().invoke(main, ["export", str(tmp_path / "run"), "-f", "png", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "not a file of this folder" in res.output


def test_the_frame_window_follows_the_frame_size():
    from levelforge.window import FrameWindow

    w = FrameWindow(fps=1000)
    w.show(np.zeros((100, 100, 3), dtype=np.uint8))
    first = pygame.display.get_surface().get_size()
    w.show(np.zeros((30, 50, 3), dtype=np.uint8))
    second = pygame.display.get_surface().get_size()
    assert first[0] / first[1] == 1.0 and second[0] * 30 == second[1] * 50  # each frame's shape, scaled
    w.close()
