"""The Godot exports, read back by real clients.

Godot 4 (``godot``): every ``.tscn`` and the ``.tres`` parse with
``godot_parser`` (pip ``godot-parser``), and the TileMapLayer's
``tile_map_data``, decoded from what it parsed, is the level's grid.

Godot 3 (``godot3``): Godot 3 itself (``godot3-server``, headless) loads each
exported scene from a throwaway project (after a headless editor run,
``--editor --quit``, has imported ``tileset.png`` as opening the folder in
the editor would) and prints every cell of its TileMap
(``get_cell`` over the full width x height; a truncated ``tile_data`` loads
without complaint, so cells are compared, not the exit code), the TileSet's
tiles (name, region, collision shapes), the atlas texture's size and a pixel
of each tile (so the texture is the real atlas, not a placeholder), and the
level's metadata.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from levelforge.export import export_levels
from levelforge.export.godot import decode_tile_map_data, node_name
from levelforge.export.tileset import Tileset, tile_properties
from levelforge.level import Level, read_levels

REPO = Path(__file__).resolve().parents[1]
GAMES = ("dungeon", "sokoban", "maze")
SCORES = {"playable": True, "verdict": "solved", "plan_length": 14, "agent_success": None, "novelty": 0.31}


def _levels(game: str) -> list[Level]:
    return read_levels(REPO / "games" / game / "levels", game)


# -- Godot 4, through godot_parser -----------------------------------------------
def test_tile_map_data_layout():
    data = bytes([0, 0]) + struct.pack("<hhHHHH", -3, 7, 0, 2, 1, 0)
    assert decode_tile_map_data(data) == [(-3, 7, 0, 2, 1, 0)]
    for bad in (b"", b"\x00\x00\x01", b"\x01\x00"):
        with pytest.raises(ValueError):
            decode_tile_map_data(bad)


@pytest.mark.filterwarnings("ignore:'parseAll' argument is deprecated")  # godot_parser 0.1.7 on new pyparsing
@pytest.mark.parametrize("game", GAMES)
def test_godot4_scenes_parse_and_hold_the_grid(game, tmp_path):
    gp = pytest.importorskip("godot_parser")
    levels = _levels(game)
    scores = [SCORES] + [None] * (len(levels) - 1)
    export_levels(levels, ["godot"], tmp_path, scores=scores)
    ts = Tileset(levels[0].spec, 16)
    stems = [lv.name for lv in levels]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["tileset.png", "tileset.tres", "index.json"] + [f"{s}.tscn" for s in stems])

    # the TileSet: the atlas source over tileset.png, every tile created
    res = gp.load(str(tmp_path / "tileset.tres"))
    header = res.get_sections()[0].header
    assert (header.name, header["type"], header["format"]) == ("gd_resource", "TileSet", 3)
    (tex,) = res.get_ext_resources()
    assert (tex.header["type"], tex.header["path"]) == ("Texture2D", "tileset.png")
    (atlas,) = res.get_sub_resources()
    assert atlas.header["type"] == "TileSetAtlasSource"
    assert header["load_steps"] == 1 + len(res.get_ext_resources()) + len(res.get_sub_resources())
    assert atlas["texture"] == gp.GDObject("ExtResource", tex.header["id"])
    assert atlas["texture_region_size"] == gp.GDObject("Vector2i", 16, 16)
    main = res.get_sections()[-1]
    assert main.header.name == "resource"
    assert main["tile_size"] == gp.GDObject("Vector2i", 16, 16)
    assert main["sources/0"] == gp.GDObject("SubResource", atlas.header["id"])
    layers = [main[f"custom_data_layer_{i}/name"] for i in range(5)]
    for t in ts.spec.tiles:
        c, r = ts.coords(t.id)
        assert atlas[f"{c}:{r}/0"] == 0
        props = tile_properties(ts.spec, t)
        assert [atlas[f"{c}:{r}/0/custom_data_{i}"] for i in range(5)] == [props[k] for k in layers]
        assert (f"{c}:{r}/0/physics_layer_0/polygon_0/points" in atlas.properties) == props["solid"]

    for lv, stem, sc in zip(levels, stems, scores):
        scene = gp.load(str(tmp_path / f"{stem}.tscn"))
        header = scene.get_sections()[0].header
        assert (header.name, header["format"], header["load_steps"]) == ("gd_scene", 3, 2)
        (ext,) = scene.get_ext_resources()
        assert (ext.header["type"], ext.header["path"]) == ("TileSet", "tileset.tres")
        root, layer = scene.get_nodes()
        assert (root.header["type"], root.header["name"]) == ("Node2D", node_name(stem))
        assert root["metadata/levelforge_id"] == lv.id
        assert root.get("metadata/levelforge_scores") == sc
        assert (layer.header["type"], layer.header["parent"]) == ("TileMapLayer", ".")
        assert layer["tile_set"] == gp.GDObject("ExtResource", ext.header["id"])
        data = layer["tile_map_data"]
        assert data.name == "PackedByteArray"
        cells = decode_tile_map_data(bytes(data.args))
        h, w = lv.grid.shape
        assert len(cells) == w * h
        got = np.full((h, w), -1)
        for x, y, source, ax, ay, alt in cells:
            assert (source, alt) == (0, 0) and 0 <= x < w and 0 <= y < h and got[y, x] == -1
            got[y, x] = ax + ay * ts.columns
        assert np.array_equal(got, lv.grid)


# -- Godot 3, the engine itself -------------------------------------------------
GODOT3 = shutil.which("godot3-server")
IGNORED = re.compile(r"Invalid locale|Unsupported locale|make_dir_recursive|^\s+At: ")

SCRIPT = """extends SceneTree

func _init():
\tvar scenes = %s
\tfor s in scenes:
\t\tvar packed = load(s[0])
\t\tif packed == null:
\t\t\tprint("NOSCENE ", s[0])
\t\t\tcontinue
\t\tvar root = packed.instance()
\t\tvar tm = root.get_node("Tiles")
\t\tprint("SCENE ", s[0], " ", root.name, " ", tm.get_class(), " ", tm.cell_size, " ", root.get_meta("levelforge_id"))
\t\tif root.has_meta("levelforge_scores"):
\t\t\tprint("SCORES ", to_json(root.get_meta("levelforge_scores")))
\t\tvar ts = tm.tile_set
\t\tfor id in ts.get_tiles_ids():
\t\t\tvar tex = ts.tile_get_texture(id)
\t\t\tvar region = ts.tile_get_region(id)
\t\t\tvar img = tex.get_data()
\t\t\timg.lock()
\t\t\tvar c = img.get_pixel(int(region.position.x + region.size.x / 2), int(region.position.y + region.size.y / 2))
\t\t\timg.unlock()
\t\t\tprint("TILE ", id, " ", ts.tile_get_name(id), " ", tex.get_class(), " ", ts.tile_get_tile_mode(id), " ", region.position.x, " ",
\t\t\t\tregion.position.y, " ", region.size.x, " ", tex.get_width(), " ", tex.get_height(), " ",
\t\t\t\tts.tile_get_shape_count(id), " ", c.r8, " ", c.g8, " ", c.b8)
\t\tfor y in range(s[2]):
\t\t\tvar row = []
\t\t\tfor x in range(s[1]):
\t\t\t\trow.append(str(tm.get_cell(x, y)))
\t\t\tprint("ROW ", y, " ", PoolStringArray(row).join(","))
\t\tprint("END")
\t\troot.free()
\tquit()
"""


def _godot3(project: Path, *args: str, env: dict[str, str]) -> str:
    run = subprocess.run([GODOT3, "--no-window", "--path", str(project), *args], check=False, env=env,
                         capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    errors = [ln for ln in out.splitlines()
              if ("ERROR" in ln or "Failed" in ln or "WARNING" in ln) and not IGNORED.search(ln)]
    assert errors == [], out
    return out


@pytest.mark.skipif(GODOT3 is None, reason="godot3-server is not installed")
def test_godot3_engine_loads_every_cell(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "project.godot").write_text('config_version=4\n\n[application]\n\nconfig/name="levelforge-check"\n')
    names = ["first.level", 'odd "name" é', "3rd"]
    stems = ["first.level", "odd_name", "3rd"]
    scores = [SCORES, None, None]
    expected = []  # (res:// path, root node name, level, scores, the grid Godot should hold)
    for game in GAMES:
        levels = _levels(game)[:3]
        export_levels(levels, ["godot3"], project / game, names=names, scores=scores)
        expected += [(f"res://{game}/{s}.tscn", node_name(s), lv, sc, lv.grid.astype(int))
                     for lv, s, sc in zip(levels, stems, scores)]
    # A copy missing its last cell: Godot loads it without a word, so only comparing cells catches it.
    path, root, lv, sc, grid = expected[0]
    text = (project / "dungeon" / "first.level.tscn").read_text(encoding="utf-8")
    cut = re.sub(r", -?\d+, -?\d+, -?\d+ \)\n$", " )\n", text)
    assert cut != text
    (project / "dungeon" / "truncated.tscn").write_text(cut, encoding="utf-8")
    short = grid.copy()
    short[-1, -1] = -1
    expected.append(("res://dungeon/truncated.tscn", root, lv, sc, short))
    scenes = [[p, lv.width, lv.height] for p, _, lv, _, _ in expected]
    (project / "check.gd").write_text(SCRIPT % json.dumps(scenes))

    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache")}
    t0 = time.perf_counter()
    # First the editor's import, headless, as opening the folder in Godot does: tileset.png becomes a
    # StreamTexture. (Loaded without it, this build hands back an 8 x 8 placeholder texture.)
    _godot3(project, "--editor", "--quit", env=env)
    assert all((project / game / "tileset.png.import").is_file() for game in GAMES)
    t1 = time.perf_counter()
    out = _godot3(project, "-s", "check.gd", env=env)
    t2 = time.perf_counter()
    print(f"godot3-server: import {t1 - t0:.2f} s, {len(scenes)} scenes checked in {t2 - t1:.2f} s")

    blocks = out.split("SCENE ")[1:]
    assert len(blocks) == len(expected), out
    for block, (path, root, lv, sc, grid) in zip(blocks, expected):
        lines = block.splitlines()
        assert lines[0].split(" ") == [path, root, "TileMap", "(16,", "16)", lv.id]  # cell_size, metadata
        assert [json.loads(ln[len("SCORES "):]) for ln in lines if ln.startswith("SCORES ")] == ([sc] if sc else [])

        ts = Tileset(lv.spec, 16)
        w, h = ts.size
        tiles = [ln.split(" ")[1:] for ln in lines if ln.startswith("TILE ")]
        assert len(tiles) == ts.count
        for t, got in zip(ts.spec.tiles, tiles):
            c, r = ts.coords(t.id)
            solid = tile_properties(ts.spec, t)["solid"]
            pixel = ts.image[r * 16 + 8, c * 16 + 8].tolist()  # the tile's middle pixel
            assert got == [str(t.id), t.name, "StreamTexture", "0", str(c * 16), str(r * 16), "16", str(w), str(h),
                           "1" if solid else "0", *map(str, pixel)]

        rows = [ln.split(" ") for ln in lines if ln.startswith("ROW ")]
        assert [int(r[1]) for r in rows] == list(range(lv.height)) and "END" in lines
        cells = np.array([[int(v) for v in r[2].split(",")] for r in rows])
        assert np.array_equal(cells, grid), f"{path}\n{cells}\n{grid}"
