"""The Tiled exports (``tiled``: TMX + TSX, ``tmj``: JSON) as real readers see them.

pytiled-parser, pytmx and Tiled itself (``tmxrasterizer`` and ``tiled
--export-map``, Debian package ``tiled``) read what we write for a few
levels of every game; each check skips where its tool is absent.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from levelforge.export import export_levels
from levelforge.export.tileset import is_object
from levelforge.level import level_files, read_level
from levelforge.paths import games_dir
from levelforge.render import render_level

GAMES = ("dungeon", "sokoban", "maze")
PER_GAME = 3
TILE = 16
ODD_NAME = "odd <&\"'> ü 🎲 tab\there\nline\x01end"
ODD_EXPECTED = ODD_NAME.replace("\x01", "\ufffd")  # XML 1.0 cannot hold U+0001
SCORES = {"playable": True, "verdict": "solved", "plan_length": 12, "agent_success": None, "novelty": 0.31,
          "novel": True, "challenge": 0.5, "creativity": 0.625, "diversity": float("nan")}
SCORES_EXPECTED = {k: v for k, v in SCORES.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}


def _levels(game: str):
    return [read_level(p, game) for p in level_files(games_dir() / game / "levels")[:PER_GAME]]


def _export(game: str, out: Path):
    levels = _levels(game)
    names = [ODD_NAME] + [lv.name for lv in levels[1:]]
    scores = [SCORES] + [None] * (len(levels) - 1)
    written = export_levels(levels, ["tiled", "tmj"], out, tile=TILE, names=names, scores=scores)
    tmx = [p for p in written["tiled"] if p.suffix == ".tmx"]
    tmj = [p for p in written["tmj"] if p.suffix == ".tmj"]
    assert len(tmx) == len(tmj) == len(levels)
    assert [p.stem for p in tmx] == [p.stem for p in tmj]
    return levels, names, scores, tmx, tmj


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """game -> list of (level, name, scores, tmx path, tmj path)."""
    out = {}
    for game in GAMES:
        root = tmp_path_factory.mktemp(game)
        levels, names, scores, tmx, tmj = _export(game, root)
        by_stem = {p.stem: (p, q) for p, q in zip(tmx, tmj)}
        index = json.loads((root / "index.json").read_text())
        rows = []
        for lv, name, sc, entry in zip(levels, names, scores, index["levels"]):
            assert entry["id"] == lv.id
            p, q = by_stem[entry["stem"]]
            rows.append((lv, name, sc, p, q))
        out[game] = rows
    return out


def _items(exports):
    for game, rows in exports.items():
        for row in rows:
            yield (game, *row)


def _expected_objects(lv):
    """(gid, x, y bottom, name, row, col) of every object tile, row-major."""
    spec = lv.spec
    out = []
    for r, row in enumerate(lv.grid.tolist()):
        for c, t in enumerate(row):
            if is_object(spec, spec.tiles[t]):
                out.append((t + 1, c * TILE, (r + 1) * TILE, spec.tiles[t].name, r, c))
    return out


def _expected_props(lv, name, scores):
    props = {"game": lv.game, "level_id": lv.id, "name": ODD_EXPECTED if name == ODD_NAME else name}
    if scores is not None:
        props.update(SCORES_EXPECTED)
    return props


# -- pytiled-parser -------------------------------------------------------------
def test_pytiled_parser_reads_every_tmx_and_tmj(exports):
    tp = pytest.importorskip("pytiled_parser")
    from pytiled_parser.layer import ObjectLayer, TileLayer

    n_objects = 0
    for game, lv, name, scores, tmx, tmj in _items(exports):
        spec = lv.spec
        for path in (tmx, tmj):
            m = tp.parse_map(path)
            assert (m.map_size.width, m.map_size.height) == (lv.width, lv.height)
            assert (m.tile_size.width, m.tile_size.height) == (TILE, TILE)
            assert (m.version, m.tiled_version, m.infinite) == ("1.10", "1.10.2", False)
            assert m.orientation == "orthogonal" and m.render_order == "right-down"
            assert m.properties == _expected_props(lv, name, scores), path
            assert isinstance(m.properties["level_id"], str)
            if scores is not None:  # typed, not strings
                assert m.properties["playable"] is True and m.properties["plan_length"] == 12
                assert isinstance(m.properties["creativity"], float)

            ts = m.tilesets[1]
            assert (ts.name, ts.tile_count, ts.tile_width, ts.firstgid) == (spec.name, len(spec.tiles), TILE, 1)
            assert Path(ts.image).name == "tileset.png"
            assert (path.parent / Path(ts.image).name).is_file()
            for t in spec.tiles:
                tile = ts.tiles[t.id]
                assert tile.class_ == t.name
                assert tile.properties["name"] == t.name and tile.properties["char"] == t.char
                assert tile.properties["solid"] is bool(t.solid or any(spec.tile(p).solid for p in t.parts))
                assert tile.properties["object"] is is_object(spec, t)

            tiles, objects = m.layers
            assert isinstance(tiles, TileLayer) and tiles.name == "tiles" and tiles.visible
            assert np.array_equal(np.array(tiles.data), lv.grid.astype(int) + 1), path

            assert isinstance(objects, ObjectLayer) and objects.name == "objects"
            got = [(o.gid, o.coordinates.x, o.coordinates.y, o.name, o.properties["row"], o.properties["col"])
                   for o in objects.tiled_objects]
            assert got == _expected_objects(lv), path
            for o in objects.tiled_objects:
                assert o.class_ == o.name == o.properties["tile"]
                assert (o.size.width, o.size.height) == (TILE, TILE)
                assert isinstance(o.properties["row"], int)
            assert len({o.id for o in objects.tiled_objects}) == len(got)
            assert m.next_object_id == len(got) + 1 and m.next_layer_id == 3
            n_objects += len(got)
    assert n_objects > 0  # the games do have object tiles


# -- pytmx ---------------------------------------------------------------------
def test_pytmx_reads_every_tmx(exports):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pytmx = pytest.importorskip("pytmx")
    for game, lv, name, scores, tmx, tmj in _items(exports):
        m = pytmx.TiledMap(str(tmx))
        assert (m.width, m.height, m.tilewidth, m.tileheight) == (lv.width, lv.height, TILE, TILE)
        layer = m.get_layer_by_name("tiles")
        li = m.layers.index(layer)
        ids = np.array([[m.tiledgidmap[m.get_tile_gid(x, y, li)] - 1 for x in range(lv.width)]
                        for y in range(lv.height)])
        assert np.array_equal(ids, lv.grid), tmx
        props = m.get_tile_properties_by_gid(m.get_tile_gid(0, 0, li))
        assert props["name"] == lv.spec.tiles[int(lv.grid[0, 0])].name
        assert m.properties["name"] == _expected_props(lv, name, scores)["name"]
        objects = m.get_layer_by_name("objects")
        # pytmx moves a tile object's y to its top edge
        got = [(m.tiledgidmap[o.gid], o.x, o.y + o.height, o.name, o.properties["row"], o.properties["col"])
               for o in objects]
        assert got == _expected_objects(lv), tmx


# -- Tiled itself ----------------------------------------------------------------
def _tiled_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp), XDG_CONFIG_HOME=str(tmp),
               HOME=str(tmp))
    tmp.mkdir(mode=0o700, exist_ok=True)
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    r = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"


def _read_rgba(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(RGB (H, W, 3), alpha (H, W)) of a PNG in any colour type (pygame reads it; no display needed)."""
    import pygame

    surf = pygame.image.load(str(path))
    rgb = pygame.surfarray.array3d(surf).transpose(1, 0, 2)
    alpha = pygame.surfarray.array_alpha(surf).T
    return rgb, alpha


def test_tmxrasterizer_draws_each_map_as_our_png(exports, tmp_path):
    exe = shutil.which("tmxrasterizer")
    if exe is None:
        pytest.skip("tmxrasterizer (Debian package tiled) is not installed")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pytest.importorskip("pygame")
    env = _tiled_env(tmp_path / "home")
    for game, lv, name, scores, tmx, tmj in _items(exports):
        out = tmp_path / f"{game}-{tmx.stem}.png"
        _run([exe, str(tmx), str(out)], env)  # every layer visible, objects drawn over the tiles
        rgb, alpha = _read_rgba(out)
        ours = render_level(lv, tile=TILE)
        assert rgb.shape == ours.shape, tmx
        assert (alpha == 255).all(), tmx
        assert np.array_equal(rgb, ours), f"{tmx}: {int((rgb != ours).any(axis=2).sum())} pixels differ"


def test_tiled_converts_tmx_and_tmj_to_json(exports, tmp_path):
    exe = shutil.which("tiled")
    if exe is None:
        pytest.skip("tiled (Debian package tiled) is not installed")
    env = _tiled_env(tmp_path / "home")
    for game, lv, name, scores, tmx, tmj in _items(exports):
        for src in (tmx, tmj):
            out = tmp_path / f"{game}-{src.stem}{src.suffix}.json"
            _run([exe, "--export-map", "json", str(src), str(out)], env)
            doc = json.loads(out.read_text(encoding="utf-8"))
            layers = {layer["name"]: layer for layer in doc["layers"]}
            assert (doc["width"], doc["height"], doc["tilewidth"]) == (lv.width, lv.height, TILE)
            assert layers["tiles"]["data"] == (lv.grid.astype(int) + 1).ravel().tolist(), src
            objects = [(o["gid"], o["x"], o["y"], o["name"]) for o in layers["objects"]["objects"]]
            assert objects == [e[:4] for e in _expected_objects(lv)], src
            props = {p["name"]: p["value"] for p in doc.get("properties", [])}
            assert props["level_id"] == lv.id and props["name"] == _expected_props(lv, name, scores)["name"]
            if scores is not None:
                assert props["playable"] is True and props["plan_length"] == 12


# -- the files themselves -------------------------------------------------------
MAP_ATTRS = {"version", "tiledversion", "orientation", "renderorder", "width", "height", "tilewidth",
             "tileheight", "infinite", "nextlayerid", "nextobjectid"}


def test_tmx_and_tsx_carry_every_required_attribute(exports):
    for game, lv, name, scores, tmx, tmj in _items(exports):
        root = ET.parse(tmx).getroot()
        assert root.tag == "map" and MAP_ATTRS <= set(root.attrib)
        assert (root.get("infinite"), root.get("orientation"), root.get("renderorder")) == (
            "0", "orthogonal", "right-down")
        (ref,) = root.findall("tileset")
        assert ref.attrib == {"firstgid": "1", "source": "tileset.tsx"}
        (layer,) = root.findall("layer")
        assert {"id", "name", "width", "height", "opacity", "visible"} <= set(layer.attrib)
        data = layer.find("data")
        assert data.get("encoding") == "csv"
        assert [int(v) for v in data.text.split(",")] == (lv.grid.astype(int) + 1).ravel().tolist()
        (group,) = root.findall("objectgroup")
        assert {"id", "name", "opacity", "visible"} <= set(group.attrib)
        ids = [int(el.get("id")) for el in root.iter() if el.tag in ("layer", "objectgroup")]
        assert int(root.get("nextlayerid")) > max(ids)
        objs = group.findall("object")
        for o in objs:
            assert {"id", "gid", "x", "y", "width", "height", "name", "type"} <= set(o.attrib)
        assert int(root.get("nextobjectid")) == len(objs) + 1
        for p in root.iter("property"):
            assert p.get("type") in ("string", "int", "float", "bool", "color") and "value" in p.attrib

        tsx = ET.parse(tmx.parent / "tileset.tsx").getroot()
        assert tsx.tag == "tileset"
        assert {"version", "tiledversion", "name", "tilewidth", "tileheight", "tilecount", "columns"} <= set(
            tsx.attrib)
        assert tsx.get("name") == game and int(tsx.get("tilecount")) == len(lv.spec.tiles)
        image = tsx.find("image")
        assert image.get("source") == "tileset.png"
        png = (tmx.parent / "tileset.png").read_bytes()
        w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert (int(image.get("width")), int(image.get("height"))) == (w, h)
        assert int(tsx.get("columns")) * TILE == w
        tiles = tsx.findall("tile")
        assert [int(t.get("id")) for t in tiles] == list(range(len(lv.spec.tiles)))
        for t, spec_tile in zip(tiles, lv.spec.tiles):
            assert t.get("type") == spec_tile.name
            types = {p.get("name"): p.get("type") for p in t.iter("property")}
            assert types["solid"] == types["object"] == "bool" and types["name"] == "string"


def test_tmj_structure(exports):
    for game, lv, name, scores, tmx, tmj in _items(exports):
        doc = json.loads(tmj.read_text(encoding="utf-8"))
        assert doc["type"] == "map" and doc["infinite"] is False
        assert {"version", "tiledversion", "orientation", "renderorder", "nextlayerid", "nextobjectid"} <= set(doc)
        (ts,) = doc["tilesets"]
        assert "source" not in ts  # embedded
        assert ts["image"] == "tileset.png" and (tmj.parent / "tileset.png").is_file()
        assert {"firstgid", "name", "tilewidth", "tileheight", "tilecount", "columns", "imagewidth", "imageheight",
                "margin", "spacing", "tiles"} <= set(ts)
        tiles, objects = doc["layers"]
        assert tiles["type"] == "tilelayer" and "encoding" not in tiles
        assert tiles["data"] == (lv.grid.astype(int) + 1).ravel().tolist()
        assert objects["type"] == "objectgroup" and objects["draworder"] == "topdown"
        for layer in doc["layers"]:
            assert {"id", "name", "opacity", "visible", "x", "y"} <= set(layer)


def test_odd_names_are_escaped(exports):
    *_, tmx, tmj = next(i for i in _items(exports) if i[2] == ODD_NAME)
    raw = tmx.read_bytes()
    assert b"<&" not in raw and b"\x01" not in raw
    assert ODD_EXPECTED.encode("utf-8") not in raw  # its < & " ' tab and newline are escaped
    props = {p.get("name"): p.get("value") for p in ET.parse(tmx).getroot().find("properties")}
    assert props["name"] == ODD_EXPECTED  # tab and newline survive attribute normalisation
    doc = json.loads(tmj.read_text(encoding="utf-8"))
    assert {p["name"]: p["value"] for p in doc["properties"]}["name"] == ODD_EXPECTED


def test_exports_are_deterministic(tmp_path):
    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    _export("sokoban", tmp_path / "a")
    _export("sokoban", tmp_path / "b")
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert a == b and any(k.endswith(".tmx") for k in a) and any(k.endswith(".tmj") for k in a)
