"""Tests for the ``levelforge`` command line (levelforge.cli)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import levelforge as lf  # noqa: E402
from levelforge.cli import main  # noqa: E402
from levelforge.game import game_levels_dir  # noqa: E402
from levelforge.png import PNG_SIGNATURE, read_png  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

MAZE = "#######\n#S...E#\n#.###.#\n#######\n"  # solved in 4 steps
MAZE_LONG = (  # shortest plan: 12 steps
    "###########\n"
    "#S........#\n"
    "#.#######.#\n"
    "#.#.....#.#\n"
    "#.#.#.#.#.#\n"
    "#...#E#...#\n"
    "###########\n"
)
MAZE_WALLED = "#######\n#S..#E#\n#...###\n#######\n"  # the exit is walled off
SOKO = "#######\n#@$.  #\n#  $.##\n#######\n"

BOXOBAN = """; 0
##########
##########
####   ###
#### $ ###
####  .###
####@  ###
##########
##########
##########
##########

; 1
##########
#@       #
# $      #
#  .     #
#        #
#        #
#        #
#        #
#        #
##########
"""


@pytest.fixture
def runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        return CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 always keeps them apart
        return CliRunner()


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def shipped(game: str) -> list[Path]:
    d = game_levels_dir(lf.load_game(game))
    return sorted(d.glob("*.txt")) if d else []


# -- help -------------------------------------------------------------------------
def test_main_help(runner: CliRunner) -> None:
    for flag in ("--help", "-h"):
        r = runner.invoke(main, [flag])
        assert r.exit_code == 0, r.output
        for word in ("games", "show", "solve", "import", "--version"):
            assert word in r.stdout


def test_version(runner: CliRunner) -> None:
    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0
    assert lf.__version__ in r.stdout


@pytest.mark.parametrize(
    "command, options",
    [
        ("games", ["--json"]),
        ("show", ["--game", "--png", "--tile-size", "--colour", "--no-colour", "LEVEL"]),
        ("solve", ["--game", "--json", "--max-nodes", "--max-seconds", "LEVELS"]),
        ("import", ["--out", "--force", "boxoban", "gvgai", "FILES"]),
    ],
)
def test_command_help(runner: CliRunner, command: str, options: list[str]) -> None:
    r = runner.invoke(main, [command, "--help"])
    assert r.exit_code == 0, r.output
    for opt in options:
        assert opt in r.stdout, f"{command} --help does not mention {opt}"


def test_no_command_shows_usage(runner: CliRunner) -> None:
    r = runner.invoke(main, [])
    assert "Usage" in r.output
    assert r.exit_code in (0, 2)


# -- games ------------------------------------------------------------------------
def test_games_text(runner: CliRunner) -> None:
    r = runner.invoke(main, ["games"])
    assert r.exit_code == 0, r.output
    for name in ("dungeon", "sokoban", "maze"):
        assert name in r.stdout
    assert "13 x 9" in r.stdout  # dungeon: width x height
    assert "actions: noop, up, down, left, right, attack" in r.stdout


def test_games_json(runner: CliRunner) -> None:
    r = runner.invoke(main, ["games", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert isinstance(data, list)
    by_name = {g["name"]: g for g in data}
    assert {"dungeon", "sokoban", "maze"} <= set(by_name)
    assert (by_name["dungeon"]["width"], by_name["dungeon"]["height"]) == (13, 9)
    assert (by_name["sokoban"]["width"], by_name["sokoban"]["height"]) == (10, 10)
    assert (by_name["maze"]["width"], by_name["maze"]["height"]) == (15, 11)
    for g in data:
        assert isinstance(g["width"], int) and isinstance(g["height"], int)
        assert g["max_steps"] > 0 and g["actions"][0] == "noop"
        assert g["levels"] == len(shipped(g["name"]))
    assert by_name["dungeon"]["actions"] == ["noop", "up", "down", "left", "right", "attack"]
    chars = {t["char"] for t in by_name["maze"]["tiles"]}
    assert chars == set("#.SE")


# -- show -------------------------------------------------------------------------
def test_show_prints_level_text(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    r = runner.invoke(main, ["show", str(f), "--game", "maze", "--no-colour"])
    assert r.exit_code == 0, r.output
    assert r.stdout == MAZE
    assert "\x1b[" not in r.stdout
    assert "small" in r.stderr and "4 x 7" in r.stderr


def test_show_colour_on_terminal(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    r = runner.invoke(main, ["show", str(f), "-g", "maze", "--colour"], color=True)
    assert r.exit_code == 0, r.output
    assert "\x1b[" in r.stdout
    assert len(r.stdout.splitlines()) == 4


def test_show_colour_forced_in_pipe(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    r = runner.invoke(main, ["show", str(f), "-g", "maze", "--colour"])  # CliRunner: not a terminal
    assert r.exit_code == 0, r.output
    assert "\x1b[" in r.stdout


def test_show_png(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    out = tmp_path / "out.png"
    r = runner.invoke(main, ["show", str(f), "--game", "maze", "--png", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == PNG_SIGNATURE == b"\x89PNG\r\n\x1a\n"
    assert read_png(out).shape == (4 * 16, 7 * 16, 3)
    assert "112 x 64" in r.stdout
    out8 = tmp_path / "out8.png"
    r = runner.invoke(main, ["show", str(f), "--game", "maze", "--png", str(out8), "--tile-size", "8"])
    assert r.exit_code == 0, r.output
    assert read_png(out8).shape == (32, 56, 3)


def test_show_bad_tile_size(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    r = runner.invoke(main, ["show", str(f), "--game", "maze", "--png", str(tmp_path / "x.png"), "--tile-size", "2"])
    assert r.exit_code == 2
    assert not (tmp_path / "x.png").exists()


# -- solve ------------------------------------------------------------------------
def solve_one(runner: CliRunner, level: Path) -> dict:
    """``solve LEVEL --json`` for one maze level: its single JSON record."""
    r = runner.invoke(main, ["solve", str(level), "--game", "maze", "--json"])
    assert r.exit_code == 0, r.output
    (rec,) = json_lines(r.stdout)
    return rec


def test_solve_json(runner: CliRunner, tmp_path: Path) -> None:
    rec = solve_one(runner, write(tmp_path / "small.txt", MAZE))
    assert rec["verdict"] == "solved"
    assert rec["level"] == "small"
    assert rec["id"] == lf.parse_level(MAZE, "maze").id
    assert rec["length"] == len(rec["plan"]) == len(rec["plan_names"]) == 4
    assert rec["plan_names"] == ["right"] * 4


def test_solve_plan_replays_in_env(runner: CliRunner, tmp_path: Path) -> None:
    from levelforge.envs import TileEnv

    f = write(tmp_path / "long.txt", MAZE_LONG)
    r = runner.invoke(main, ["solve", str(f), "--game", "maze", "--json"])
    assert r.exit_code == 0, r.output
    (rec,) = json_lines(r.stdout)
    assert rec["verdict"] == "solved" and rec["length"] == len(rec["plan"]) == 12
    env = TileEnv("maze", levels=[lf.parse_level(MAZE_LONG, "maze")])
    env.reset(seed=0)
    for k, a in enumerate(rec["plan"]):
        _, _, term, trunc, info = env.step(a)
        assert term == (k == len(rec["plan"]) - 1)
    assert info["won"]


def test_solve_text(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    r = runner.invoke(main, ["solve", str(f), "--game", "maze"])
    assert r.exit_code == 0, r.output
    line = r.stdout.splitlines()[0]
    assert line.startswith("small") and "solved" in line and "RRRR" in line and "4 steps" in line


def test_solve_folder(runner: CliRunner, tmp_path: Path) -> None:
    d = tmp_path / "lv"
    write(d / "a.txt", MAZE)
    write(d / "b.txt", MAZE_LONG)
    write(d / "c.txt", MAZE_WALLED)
    write(d / "readme.md", "not a level")
    r = runner.invoke(main, ["solve", str(d), "--game", "maze", "--json"])
    assert r.exit_code == 0, r.output
    recs = json_lines(r.stdout)
    assert [x["level"] for x in recs] == ["a", "b", "c"]
    assert [x["verdict"] for x in recs] == ["solved", "solved", "unsolvable"]
    for x in recs[:2]:
        assert x["length"] == len(x["plan"])
    assert recs[2]["plan"] is None and recs[2]["length"] is None
    # text output: a summary line on stderr
    r = runner.invoke(main, ["solve", str(d), "--game", "maze"])
    assert r.exit_code == 0, r.output
    assert len(r.stdout.splitlines()) >= 3
    assert "2/3 solved" in r.stderr


def test_solve_several_paths_and_sokoban(runner: CliRunner, tmp_path: Path) -> None:
    a = write(tmp_path / "s1.txt", SOKO)
    b = write(tmp_path / "s2.txt", "#######\n#@*  .#\n#######\n")
    r = runner.invoke(main, ["solve", str(a), str(b), "--game", "sokoban", "--json"])
    assert r.exit_code == 0, r.output
    recs = json_lines(r.stdout)
    assert [x["verdict"] for x in recs] == ["solved", "solved"]
    assert recs[0]["length"] == 3 and recs[1]["length"] == 3


def test_solve_max_nodes_gives_up(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "long.txt", MAZE_LONG)
    r = runner.invoke(main, ["solve", str(f), "--game", "maze", "--json", "--max-nodes", "1"])
    assert r.exit_code == 0, r.output
    (rec,) = json_lines(r.stdout)
    assert rec["verdict"] == "gave_up"
    assert rec["plan"] is None
    assert rec["reason"]


def test_solve_max_nodes_must_be_positive(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "long.txt", MAZE_LONG)
    r = runner.invoke(main, ["solve", str(f), "--game", "maze", "--max-nodes", "0"])
    assert r.exit_code == 2


def test_solve_unsolvable(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "walled.txt", MAZE_WALLED)
    rec = solve_one(runner, f)
    assert rec["verdict"] == "unsolvable"
    assert rec["plan"] is None
    r = runner.invoke(main, ["solve", str(f), "--game", "maze"])
    assert "unsolvable" in r.stdout


# -- import -----------------------------------------------------------------------
def test_import_boxoban(runner: CliRunner, tmp_path: Path) -> None:
    src = write(tmp_path / "000.txt", BOXOBAN)
    out = tmp_path / "out"
    r = runner.invoke(main, ["import", "boxoban", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in out.iterdir())
    assert files == ["000-0.txt", "000-1.txt"]
    assert "wrote 2" in r.stdout
    lv = lf.read_level(out / "000-0.txt", "sokoban")
    assert lv.height == lv.width == 10
    # the imported levels are playable and solvable
    r = runner.invoke(main, ["solve", str(out), "--game", "sokoban", "--json"])
    assert r.exit_code == 0, r.output
    assert [x["verdict"] for x in json_lines(r.stdout)] == ["solved", "solved"]

    before = (out / "000-0.txt").read_bytes()
    r = runner.invoke(main, ["import", "boxoban", str(src), "--out", str(out)])
    assert r.exit_code == 2
    assert r.stderr.startswith("error:") and len(r.stderr.splitlines()) == 1
    assert "--force" in r.stderr
    assert (out / "000-0.txt").read_bytes() == before

    r = runner.invoke(main, ["import", "boxoban", str(src), "--out", str(out), "--force"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["000-0.txt", "000-1.txt"]


def test_import_gvgai(runner: CliRunner, tmp_path: Path) -> None:
    src = write(tmp_path / "zelda_lvl0.txt", "wwwwwww\nwA+..gw\nw.1...w\nwwwwwww\n")
    out = tmp_path / "out"
    r = runner.invoke(main, ["import", "gvgai", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert (out / "zelda_lvl0.txt").read_text() == "wwwwwww\nwA+..gw\nw.1...w\nwwwwwww\n"


def test_import_bad_kind(runner: CliRunner, tmp_path: Path) -> None:
    src = write(tmp_path / "000.txt", BOXOBAN)
    r = runner.invoke(main, ["import", "nethack", str(src), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2


# -- user errors: exit 2, one line on stderr ----------------------------------------
def _one_error_line(r) -> str:
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:"), r.stderr
    assert "Traceback" not in r.output
    return lines[0]


BAD_FILES = {
    "ragged": ("#######\n#S..E#\n#######\n", "row 2"),
    "unknown_char": ("#######\n#S.x.E#\n#######\n", "'x'"),
    "non_utf8": (b"#######\n#S.\xff.E#\n#######\n", "UTF-8"),
    "empty": ("", "empty"),
    "too_small": ("#S\n#E\n", "3"),
}


@pytest.mark.parametrize("command", ["show", "solve"])
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_level_file(runner: CliRunner, tmp_path: Path, command: str, case: str) -> None:
    text, hint = BAD_FILES[case]
    f = write(tmp_path / f"{case}.txt", text)
    r = runner.invoke(main, [command, str(f), "--game", "maze"])
    line = _one_error_line(r)
    assert hint in line
    assert f.name in line


def test_bad_level_in_folder(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "a.txt", MAZE)
    write(tmp_path / "b.txt", "#######\n#S..E#\n#######\n")
    r = runner.invoke(main, ["solve", str(tmp_path), "--game", "maze"])
    assert "b.txt" in _one_error_line(r)


@pytest.mark.parametrize("command", ["show", "solve"])
def test_unknown_game(runner: CliRunner, tmp_path: Path, command: str) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    line = _one_error_line(runner.invoke(main, [command, str(f), "--game", "chess"]))
    assert "chess" in line


@pytest.mark.parametrize("command", ["show", "solve"])
def test_missing_file(runner: CliRunner, tmp_path: Path, command: str) -> None:
    line = _one_error_line(runner.invoke(main, [command, str(tmp_path / "nope.txt"), "--game", "maze"]))
    assert "nope.txt" in line


def test_missing_game_option(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    r = runner.invoke(main, ["solve", str(f)])
    assert r.exit_code == 2
    assert "--game" in r.stderr


def test_empty_folder(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    _one_error_line(runner.invoke(main, ["solve", str(tmp_path / "empty"), "--game", "maze"]))


@pytest.mark.parametrize("text, hint", [("#####\n#..E#\n#####\n", "0 'start'"), ("#####\n#SSE#\n#####\n", "2 'start'")])
def test_solve_level_without_one_player(runner: CliRunner, tmp_path: Path, text: str, hint: str) -> None:
    f = write(tmp_path / "bad.txt", text)
    assert hint in _one_error_line(runner.invoke(main, ["solve", str(f), "--game", "maze"]))


def test_png_into_missing_folder(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    out = tmp_path / "no" / "such" / "x.png"
    assert "x.png" in _one_error_line(runner.invoke(main, ["show", str(f), "--game", "maze", "--png", str(out)]))


def test_game_toml_missing(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    _one_error_line(runner.invoke(main, ["solve", str(f), "--game", str(tmp_path / "nope.toml")]))


def test_level_of_wrong_game(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "soko.txt", SOKO)  # '@' and '$' are no maze tiles
    _one_error_line(runner.invoke(main, ["show", str(f), "--game", "maze"]))


@pytest.mark.parametrize(
    "case, text",
    [("missing", None), ("non_utf8", b"; 0\n#\xff#\n"), ("no_header", "#####\n#@$.#\n#####\n"), ("empty", "")],
)
def test_import_bad_input(runner: CliRunner, tmp_path: Path, case: str, text) -> None:
    src = tmp_path / f"{case}.txt"
    if text is not None:
        write(src, text)
    out = tmp_path / "out"
    _one_error_line(runner.invoke(main, ["import", "boxoban", str(src), "--out", str(out)]))
    assert not out.exists() or not any(out.iterdir())


def test_game_by_path(runner: CliRunner, tmp_path: Path) -> None:
    f = write(tmp_path / "small.txt", MAZE)
    toml = REPO / "games" / "maze" / "game.toml"
    r = runner.invoke(main, ["solve", str(f), "--game", str(toml), "--json"])
    assert r.exit_code == 0, r.output
    assert json_lines(r.stdout)[0]["verdict"] == "solved"


# -- shipped corpora ------------------------------------------------------------------
@pytest.mark.parametrize("game", ["dungeon", "sokoban", "maze"])
def test_show_shipped_level(runner: CliRunner, game: str) -> None:
    files = shipped(game)
    if not files:
        pytest.skip(f"games/{game}/levels holds no levels yet")
    r = runner.invoke(main, ["show", str(files[0]), "--game", game, "--no-colour"])
    assert r.exit_code == 0, r.output
    assert r.stdout == lf.read_level(files[0], game).text


def _cli() -> list[str]:
    exe = shutil.which("levelforge")
    return [exe] if exe else [sys.executable, "-m", "levelforge.cli"]


def test_readme_solve_dungeon_corpus() -> None:
    """The README's main job: ``levelforge solve --game dungeon`` solves every shipped level."""
    files = shipped("dungeon")
    if not files:
        pytest.skip("games/dungeon/levels holds no levels yet")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    p = subprocess.run(
        [*_cli(), "solve", "--game", "dungeon", "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    recs = json_lines(p.stdout)
    assert sorted(x["level"] for x in recs) == sorted(f.stem for f in files)
    unsolved = [(x["level"], x["verdict"], x["reason"]) for x in recs if x["verdict"] != "solved"]
    assert not unsolved
    for x in recs:
        assert x["length"] == len(x["plan"]) > 0
    # and the plain text form exits 0 too, with the summary on stderr
    p = subprocess.run(
        [*_cli(), "solve", "--game", "dungeon"], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )
    assert p.returncode == 0, p.stderr
    assert f"{len(files)}/{len(files)} solved" in p.stderr
