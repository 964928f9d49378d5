"""The LDtk export: a project LDtk's own JSON schema accepts, holding every level exactly.

The schema is LDtk 1.5.3's ``JSON_SCHEMA.json`` in ``../shared/schemas``
(skipped where absent), checked with jsonschema's Draft 7 validator, as the
schema declares."""

from __future__ import annotations

import json
import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from levelforge.export import export_levels
from levelforge.export.ldtk import identifier
from levelforge.export.tileset import Tileset
from levelforge.level import Level, read_levels

REPO = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "ldtk-JSON_SCHEMA.json"
GAMES = ("dungeon", "sokoban", "maze")
IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SCORES = {"playable": True, "verdict": "solved", "plan_length": 14, "agent_success": None, "agent_steps": 20.0,
          "novelty": 0.31, "novel": True, "challenge": 0.3, "creativity": 0.57, "diversity": None}


def _levels(game: str) -> list[Level]:
    return read_levels(REPO / "games" / game / "levels", game)


def _export(levels, out: Path, **kw) -> dict:
    export_levels(levels, ["ldtk"], out, **kw)
    files = sorted(p.name for p in out.iterdir())
    game = levels[0].game
    assert files == sorted([f"{game}.ldtk", "tileset.png", "index.json"])
    return json.loads((out / f"{game}.ldtk").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is not present")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["version"] == "1.5.3"
    return jsonschema.Draft7Validator(schema)


def _errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("game", GAMES)
def test_project_validates_and_holds_every_level(game, tmp_path, validator):
    levels = _levels(game)
    doc = _export(levels, tmp_path)
    assert _errors(validator, doc) == []
    assert doc["jsonVersion"] == "1.5.3"
    ts = Tileset(levels[0].spec, 16)

    (tileset,) = doc["defs"]["tilesets"]
    png = (tmp_path / "tileset.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (tileset["pxWid"], tileset["pxHei"]) == ts.size
    assert (tileset["relPath"], tileset["tileGridSize"]) == ("tileset.png", 16)
    assert (tileset["__cWid"], tileset["__cHei"]) == (ts.columns, ts.rows)

    tiles_def, grid_def = doc["defs"]["layers"]
    assert (tiles_def["type"], tiles_def["tilesetDefUid"]) == ("Tiles", tileset["uid"])
    assert grid_def["type"] == "IntGrid"
    spec = levels[0].spec
    assert [(v["value"], v["identifier"]) for v in grid_def["intGridValues"]] == [(t.id + 1, t.name)
                                                                                  for t in spec.tiles]
    assert [v["color"].lower() for v in grid_def["intGridValues"]] == [
        "#{:02x}{:02x}{:02x}".format(*t.colour) for t in spec.tiles]

    assert [lv["identifier"] for lv in doc["levels"]] == [lv.name for lv in levels]  # already valid names
    for lv, out in zip(levels, doc["levels"]):
        h, w = lv.grid.shape
        assert (out["pxWid"], out["pxHei"]) == (w * 16, h * 16)
        tiles, grid = out["layerInstances"]
        assert (tiles["layerDefUid"], grid["layerDefUid"]) == (tiles_def["uid"], grid_def["uid"])
        assert tiles["levelId"] == grid["levelId"] == out["uid"]
        for inst in (tiles, grid):
            assert (inst["__cWid"], inst["__cHei"], inst["__gridSize"]) == (w, h, 16)

        # IntGrid: exactly W x H values, row by row, tile id + 1
        assert len(grid["intGridCsv"]) == w * h
        assert np.array_equal(np.array(grid["intGridCsv"]).reshape(h, w), lv.grid.astype(int) + 1)

        # Tiles: one tile per cell, drawn from the tile's atlas cell
        assert len(tiles["gridTiles"]) == w * h
        seen = set()
        for g in tiles["gridTiles"]:
            x, y = g["px"][0] // 16, g["px"][1] // 16
            assert g["px"] == [x * 16, y * 16] and g["d"] == [x + y * w]
            t = int(lv.grid[y, x])
            col, row = ts.coords(t)
            assert g["src"] == [col * 16, row * 16]
            assert g["t"] == col + row * tileset["__cWid"] == t
            assert (g["f"], g["a"]) == (0, 1)
            seen.add((x, y))
        assert seen == {(x, y) for y in range(h) for x in range(w)}

        fields = {f["__identifier"]: f["__value"] for f in out["fieldInstances"]}
        assert fields == {"levelforge_id": lv.id, "name": lv.name}


def _walk(v, key=None):
    """Every (key, value) pair in a JSON document."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield k, x
            yield from _walk(x, k)
    elif isinstance(v, list):
        for x in v:
            yield from _walk(x, key)


@pytest.mark.parametrize("game", GAMES)
def test_ids_unique_and_output_byte_identical(game, tmp_path):
    levels = _levels(game)
    doc = _export(levels, tmp_path / "a")
    export_levels(levels, ["ldtk"], tmp_path / "b")
    for name in (f"{game}.ldtk", "tileset.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()

    iids = [v for k, v in _walk(doc) if k in ("iid", "dummyWorldIid")]
    assert len(iids) == 1 + 1 + 3 * len(levels)  # project, world, each level and its two layers
    assert len(set(iids)) == len(iids)
    uuid_re = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    assert all(uuid_re.match(i) for i in iids)

    defined = ([t["uid"] for t in doc["defs"]["tilesets"]] + [d["uid"] for d in doc["defs"]["layers"]]
               + [f["uid"] for f in doc["defs"]["levelFields"]] + [lv["uid"] for lv in doc["levels"]])
    assert len(set(defined)) == len(defined)
    referenced = [v for k, v in _walk(doc) if (k == "uid" or k.endswith("Uid") or k == "levelId")
                  and k != "nextUid" and isinstance(v, int) and v]
    assert set(referenced) <= set(defined)
    assert doc["nextUid"] > max(defined)

    # levels never overlap (nor touch) in the world
    rects = [(lv["worldX"], lv["worldY"], lv["worldX"] + lv["pxWid"], lv["worldY"] + lv["pxHei"])
             for lv in doc["levels"]]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (a, b)


def test_identifiers_scores_and_odd_names(tmp_path, validator):
    levels = _levels("sokoban")[:6]
    names = ["3rd level", "Héllo wörld!", "3rd-level", "", "a" * 90, "__"]
    scores = [SCORES, None, {**SCORES, "playable": False, "plan_length": None, "extra": [1, 2]},
              {"creativity": float("nan")}, SCORES, None]
    doc = _export(levels, tmp_path, names=names, scores=scores)
    assert _errors(validator, doc) == []

    idents = [lv["identifier"] for lv in doc["levels"]]
    assert all(IDENT.match(i) for i in idents), idents
    assert len({i.lower() for i in idents}) == len(idents)
    assert idents[0] == "Level_3rd_level" and idents[2] == "Level_3rd_level_2"
    assert identifier("wall", "Tile_") == "wall" and identifier("9", "T_") == "T_9" and identifier("", "T_") == "T"

    defs = doc["defs"]["levelFields"]
    types = {f["identifier"]: f["__type"] for f in defs}
    assert types == {"levelforge_id": "String", "name": "String", "playable": "Bool", "verdict": "String",
                     "plan_length": "Int", "agent_success": "Float", "agent_steps": "Float", "novelty": "Float",
                     "novel": "Bool", "challenge": "Float", "creativity": "Float", "diversity": "Float",
                     "extra": "String"}
    for lv, e_name, sc in zip(doc["levels"], names, scores):
        inst = lv["fieldInstances"]
        assert [(f["defUid"], f["__identifier"], f["__type"]) for f in inst] == [
            (d["uid"], d["identifier"], d["__type"]) for d in defs]
        values = {f["__identifier"]: f["__value"] for f in inst}
        assert values["name"] == e_name
        for key in types:
            if key in ("levelforge_id", "name"):
                continue
            want = (sc or {}).get(key)
            if key == "extra" and want is not None:
                want = json.dumps(want)
            if isinstance(want, float) and math.isnan(want):  # NaN has no JSON form: null
                want = None
            assert values[key] == want, (key, values[key], want)
        for f in inst:
            assert f["realEditorValues"] == ([] if f["__value"] is None else
                                             [{"id": f"V_{f['__type']}", "params": [f["__value"]]}])
