"""Exports: the shared tileset, safe file names, all-or-nothing writes, the plain formats, the command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import levelforge as lf
from levelforge.cli import main
from levelforge.export import FORMATS, ExportError, Tileset, export_levels
from levelforge.export.files import stem, stems, write_files
from levelforge.game import game_levels_dir, load_game
from levelforge.png import read_png
from levelforge.render import render_level, tile_images

GAMES = ("dungeon", "sokoban", "maze")


def _levels(game: str, n: int = 3) -> list[lf.Level]:
    spec = load_game(game)
    return lf.read_levels(game_levels_dir(spec), spec)[:n]


def test_the_atlas_holds_every_tile_at_its_id():
    for game in GAMES:
        spec = load_game(game)
        ts = Tileset(spec, 12)
        assert ts.image.shape == (ts.rows * 12, ts.columns * 12, 3) and ts.count == len(spec.tiles)
        tiles = tile_images(spec, 12)
        for t in range(ts.count):
            c, r = ts.coords(t)
            assert np.array_equal(ts.image[r * 12 : (r + 1) * 12, c * 12 : (c + 1) * 12], tiles[t])
    sok = load_game("sokoban")
    props = Tileset(sok, 16).properties(sok.tile("box_on_goal").id)
    assert props["layer"] == "composite" and props["parts"] == ["goal", "box"] and props["object"]
    assert Tileset(sok, 16).properties(sok.tile("wall").id)["solid"]


def test_file_stems_are_safe_and_distinct():
    assert stem("../../etc/passwd") == "etc_passwd"
    assert stem("...") == "level" and stem("a b/c\\d") == "a_b_c_d"
    assert len(stem("x" * 500)) <= 80
    assert stems(["Lvl", "lvl", "lvl", "a/b"]) == ["Lvl", "lvl-2", "lvl-3", "a_b"]


def test_writes_are_checked_first_and_all_or_nothing(tmp_path):
    (tmp_path / "b.txt").write_text("old")
    with pytest.raises(ExportError, match="b.txt already exists; nothing written"):
        write_files(tmp_path, {"a.txt": b"new", "b.txt": b"new"})
    assert not (tmp_path / "a.txt").exists() and (tmp_path / "b.txt").read_text() == "old"
    for bad in ("../x", "/abs", "a/../../x", "", "a\\b"):
        with pytest.raises(ExportError, match="unsafe"):
            write_files(tmp_path, {bad: b""})
    write_files(tmp_path, {"a.txt": b"new", "b.txt": b"new", "sub/c.txt": b"c"}, force=True)
    assert (tmp_path / "b.txt").read_text() == "new" and (tmp_path / "sub" / "c.txt").read_text() == "c"
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.parametrize("game", GAMES)
def test_plain_formats_hold_the_level(game, tmp_path):
    levels = _levels(game)
    scores = [{"creativity": 0.5, "playable": True}] + [None] * (len(levels) - 1)
    out = export_levels(levels, ["vglc", "csv", "png", "json"], tmp_path, tile=8, scores=scores)
    spec = load_game(game)
    for lv in levels:
        s = lv.name
        assert (tmp_path / "vglc" / f"{s}.txt").read_text() == lv.text
        grid = np.loadtxt(tmp_path / "csv" / f"{s}.csv", delimiter=",", dtype=np.int64, ndmin=2)
        assert np.array_equal(grid, lv.grid)
        assert np.array_equal(read_png(tmp_path / "png" / f"{s}.png"), render_level(lv, tile=8))
        doc = json.loads((tmp_path / "json" / f"{s}.json").read_text())
        assert doc["grid"] == lv.grid.tolist() and doc["id"] == lv.id and doc["game"] == game
        assert "\n".join(doc["rows"]) + "\n" == lv.text
    assert json.loads((tmp_path / "json" / f"{levels[0].name}.json").read_text())["scores"]["creativity"] == 0.5
    legend = json.loads((tmp_path / "vglc" / "legend.json").read_text())
    assert set(legend["tiles"]) == set(spec.chars) and legend["levelforge"]["game"] == game
    tiles = (tmp_path / "csv" / "tiles.csv").read_text().splitlines()
    assert len(tiles) == len(spec.tiles) + 1
    index = json.loads((tmp_path / "index.json").read_text())
    assert [e["id"] for e in index["levels"]] == [lv.id for lv in levels]
    assert sorted(index["files"]) == ["csv", "json", "png", "vglc"]
    assert all(p.is_file() for paths in out.values() for p in paths)


def test_vglc_round_trips_through_import(tmp_path):
    levels = _levels("dungeon", 4)
    export_levels(levels, ["vglc"], tmp_path / "ex")
    files = sorted(str(p) for p in (tmp_path / "ex").glob("*.txt"))
    res = CliRunner().invoke(main, ["import", "vglc", *files, "--out", str(tmp_path / "back")])
    assert res.exit_code == 0, res.output
    back = lf.read_levels(tmp_path / "back", "dungeon")
    assert sorted(lv.id for lv in back) == sorted(lv.id for lv in levels)
    # a legend that maps other characters to the same tiles: the import maps them back by name
    legend = json.loads((tmp_path / "ex" / "legend.json").read_text())
    swap = {"w": "W", ".": "_"}
    legend["levelforge"]["tiles"] = {swap.get(c, c): t for c, t in legend["levelforge"]["tiles"].items()}
    (tmp_path / "vg").mkdir()
    (tmp_path / "vg" / "legend.json").write_text(json.dumps(legend))
    (tmp_path / "vg" / "one.txt").write_text("".join(swap.get(c, c) for c in levels[0].text))
    res = CliRunner().invoke(main, ["import", "vglc", str(tmp_path / "vg" / "one.txt"), "--out", str(tmp_path / "b2")])
    assert res.exit_code == 0, res.output
    assert lf.read_level(tmp_path / "b2" / "one.txt", "dungeon") == levels[0]
    res = CliRunner().invoke(main, ["import", "vglc", str(tmp_path / "back" / f"{levels[0].name}.txt"), "--out",
                                    str(tmp_path / "b3")])
    assert res.exit_code == 2 and "--game" in res.output  # no legend beside it: the game must be said


def test_export_command_checks_its_input(tmp_path):
    runner = CliRunner()
    lv = str(game_levels_dir(load_game("maze")) / "maze_01.txt")
    res = runner.invoke(main, ["export", lv, "--game", "maze", "--format", "nope", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "known formats" in res.output
    res = runner.invoke(main, ["export", lv, "--game", "maze", "--format", "png,json", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / "png" / "maze_01.png").is_file() and (tmp_path / "o" / "index.json").is_file()
    res = runner.invoke(main, ["export", lv, "--game", "maze", "--format", "png,json", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--force" in res.output
    res = runner.invoke(main, ["export", lv, "--game", "maze", "-f", "png", "-f", "json", "--out", str(tmp_path / "o"),
                               "--force"])
    assert res.exit_code == 0, res.output
    with pytest.raises(ExportError, match="one game"):
        export_levels(_levels("maze", 1) + _levels("dungeon", 1), ["png"], tmp_path / "mixed")
    assert set(FORMATS) == {"tiled", "tmj", "ldtk", "godot", "godot3", "vglc", "csv", "png", "json"}


def test_a_run_exports_with_its_scores(tmp_path):
    from levelforge.archive import Archive, LevelRecord

    levels = _levels("dungeon", 3)
    with Archive(tmp_path / "a.db") as db:
        run = db.start_run("levelforge generate", "dungeon", 0, {}, None, None)
        db.finish_run(run, [LevelRecord(lv.id, "dungeon", f"{k:03d}_{lv.id}", lv.text, k,
                                        {"playable": True, "creativity": k / 10, "novelty": 0.3, "challenge": 0.1},
                                        None, 0, k, None, None, [], {}) for k, lv in enumerate(levels, 1)])
    res = CliRunner().invoke(main, ["export", "--run", str(run), "--db", str(tmp_path / "a.db"), "--format", "json",
                                    "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    index = json.loads((tmp_path / "o" / "index.json").read_text())
    assert [e["scores"]["creativity"] for e in index["levels"]] == [0.1, 0.2, 0.3]
    assert [e["stem"] for e in index["levels"]] == [f"{k:03d}_{lv.id}" for k, lv in enumerate(levels, 1)]


def test_level_names_never_take_the_exports_own_file_names(tmp_path):
    lv = _levels("maze", 2)
    out = export_levels(lv, ["json", "csv"], tmp_path, names=["index", "tiles"])
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["format"] == "levelforge-export"  # the export's index, not a level
    assert [e["stem"] for e in index["levels"]] == ["index-2", "tiles-2"]
    assert (tmp_path / "csv" / "tiles.csv").read_text().startswith("id,name")  # the id table survives
    assert json.loads((tmp_path / "json" / "index-2.json").read_text())["id"] == lv[0].id
    assert len(out["json"]) == 2 and len(out["csv"]) == 3
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "maze_01.png").mkdir()  # a folder where a file would go: nothing is written
    with pytest.raises(ExportError, match="is a folder"):
        export_levels(lv, ["png"], tmp_path / "f", force=True)
    assert not (tmp_path / "f" / "index.json").exists()
