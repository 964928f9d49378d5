"""Tiled formats: ``tiled`` (TMX maps and an external TSX tileset) and ``tmj`` (JSON maps, tileset embedded).

Files
-----
``tiled``:

- ``tileset.png``: the shared atlas (:mod:`.tileset`); tile id ``t`` is
  atlas tile ``t``.
- ``tileset.tsx``: the external tileset every map points at. Its name is the
  game's; each ``<tile>`` carries the tile's name as its class (the ``type``
  attribute) and typed properties: ``name``, ``char``, ``layer``, ``parts``
  (base tiles of a composite, comma-separated, else empty) as strings,
  ``solid`` and ``object`` as bools, ``colour`` as a colour.
- ``<stem>.tmx``: one map per level, two layers:

  1. ``tiles`` (tile layer, CSV data): EVERY cell, objects included, as gid
     ``t + 1`` (``firstgid`` is 1), so a reader's gids are our grid + 1 cell
     by cell and the map looks right even where objects are ignored.
  2. ``objects`` (object group): one tile object per cell whose tile is a
     gameplay object (:func:`.tileset.is_object`: items, players, NPCs and
     composites holding one), in row-major order with ids from 1. Per Tiled's
     convention for tile objects in orthogonal maps, ``x`` is the tile's left
     edge and ``y`` its BOTTOM edge: cell ``(row, col)`` is at ``x = col *
     tile``, ``y = (row + 1) * tile``, ``width = height = tile``. Name and
     class are the tile's name; properties ``tile`` (name), ``row`` and
     ``col`` (ints). The object draws the same image as the tile under it,
     so the map renders exactly as the level's own PNG.

  Map properties: ``game``, ``level_id`` (the content hash), ``name`` and,
  when the forge scored the level, each score that is a bool, a number or a
  string, typed (``bool``, ``int``, ``float``, ``string``; ``None`` and
  non-finite numbers are left out, as is a score whose key clashes with
  the three above).

``tmj``: ``tileset.png`` and ``<stem>.tmj`` per level: the same map in
Tiled's JSON format with the tileset embedded (Phaser and some other
engines cannot follow an external tileset).

Choices
-------
- Format version ``1.10``: since Tiled 1.10 the class of a tile or object is
  saved as ``type`` again (1.9 wrote ``class``), which Tiled 1.8 and older
  readers also read, so one file serves Tiled 1.8 to 1.11 and the libraries
  that follow them. Nothing newer than Tiled 1.8's format is used.
- Every attribute strict readers look up is written, defaults included:
  ``version``, ``tiledversion``, ``orientation``, ``renderorder``,
  ``infinite``, ``nextlayerid``, ``nextobjectid``, ``tilecount``,
  ``columns``, ``spacing``, ``margin``, the image's size, every layer's
  ``id``, ``opacity`` and ``visible``, every object's ``rotation`` and
  ``visible`` (pytiled-parser's JSON reader raises on any of these missing;
  its TMX reader on a missing ``infinite``, ``nextlayerid`` or ``tiledversion``).
- Property names stay off the names pytmx reserves for an element's own
  attributes (an object's ``name``, ``type``, ``x`` ...), since pytmx
  refuses a map with such a clash: hence ``tile``/``row``/``col``.
- The JSON tile layer holds ``data`` as a plain array and no ``encoding``
  key (readers treat an ``encoding`` key as base64 data).
- Output is deterministic: no timestamps, fixed attribute and key order.
- Text (level names can hold anything) is XML-escaped, tabs and line breaks
  in attributes as character references so they survive attribute-value
  normalisation; characters XML 1.0 cannot hold at all (most control
  characters, lone surrogates) become U+FFFD, in both formats.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..png import encode_png
from .level import ExportLevel
from .tileset import ATLAS_NAME, Tileset, is_object

TSX_NAME = "tileset.tsx"
FORMAT_VERSION = "1.10"
TILED_VERSION = "1.10.2"
TILE_LAYER = "tiles"
OBJECT_LAYER = "objects"
_MAP_KEYS = ("game", "level_id", "name")

# characters XML 1.0 cannot hold (and lone surrogates, which UTF-8 cannot)
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
                 "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_ATTR_RE = re.compile("[&<>\"'\t\n\r]")


def clean(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _INVALID.sub("\ufffd", str(text))


def attr(text: Any) -> str:
    """``text`` as the inside of a double-quoted XML attribute value."""
    return _ATTR_RE.sub(lambda m: _ATTR_ESCAPES[m.group()], clean(str(text)))


# -- properties --------------------------------------------------------------
Prop = tuple[str, str, Any]  #: (name, Tiled type, value)


def _typed(value: Any) -> tuple[str, Any] | None:
    """``value`` as (Tiled type, plain value), or None where it has no Tiled property form."""
    if isinstance(value, (bool, np.bool_)):
        return "bool", bool(value)
    if isinstance(value, numbers.Integral):
        return "int", int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return ("float", v) if math.isfinite(v) else None
    if isinstance(value, str):
        return "string", value
    return None


def _tile_props(ts: Tileset, t: int) -> list[Prop]:
    p = ts.properties(t)
    return [
        ("name", "string", p["name"]),
        ("char", "string", p["char"]),
        ("layer", "string", p["layer"]),
        ("parts", "string", ",".join(p["parts"]) if len(p["parts"]) > 1 else ""),
        ("solid", "bool", bool(p["solid"])),
        ("object", "bool", bool(p["object"])),
        ("colour", "color", "#ff" + p["colour"][1:]),  # Tiled colours are #AARRGGBB
    ]


def _map_props(e: ExportLevel, ts: Tileset) -> list[Prop]:
    props: list[Prop] = [("game", "string", ts.spec.name), ("level_id", "string", e.level.id),
                         ("name", "string", e.name)]
    for key, value in (e.scores or {}).items():
        typed = _typed(value)
        if typed is not None and str(key) not in _MAP_KEYS:
            props.append((str(key), *typed))
    return props


def _xml_value(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    return attr(value)


def _xml_props(props: Sequence[Prop], indent: str) -> list[str]:
    if not props:
        return []
    lines = [f"{indent}<properties>"]
    for name, kind, value in props:
        lines.append(f'{indent} <property name="{attr(name)}" type="{kind}" value="{_xml_value(kind, value)}"/>')
    lines.append(f"{indent}</properties>")
    return lines


def _json_props(props: Sequence[Prop]) -> list[dict[str, Any]]:
    return [{"name": clean(n), "type": k, "value": clean(v) if isinstance(v, str) else v} for n, k, v in props]


# -- the map's content, shared by both formats --------------------------------
def _objects(e: ExportLevel, ts: Tileset) -> list[dict[str, Any]]:
    """The level's tile objects: id, gid, name, x, y (bottom edge), row, col; row-major."""
    spec, size = ts.spec, ts.tile
    flags = [is_object(spec, t) for t in spec.tiles]
    out = []
    for r, row in enumerate(e.level.grid.tolist()):
        for c, t in enumerate(row):
            if flags[t]:
                out.append({"id": len(out) + 1, "gid": t + 1, "name": spec.tiles[t].name,
                            "x": c * size, "y": (r + 1) * size, "row": r, "col": c})
    return out


def _gid_rows(e: ExportLevel) -> list[list[int]]:
    return (e.level.grid.astype(np.int64) + 1).tolist()


# -- TMX / TSX -------------------------------------------------------------
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def _tsx(ts: Tileset) -> bytes:
    w, h = ts.size
    lines = [
        _XML_HEAD,
        (f'<tileset version="{FORMAT_VERSION}" tiledversion="{TILED_VERSION}" name="{attr(ts.spec.name)}" '
         f'tilewidth="{ts.tile}" tileheight="{ts.tile}" spacing="0" margin="0" tilecount="{ts.count}" '
         f'columns="{ts.columns}">'),
        f' <image source="{ATLAS_NAME}" width="{w}" height="{h}"/>',
    ]
    for t in range(ts.count):
        lines.append(f' <tile id="{t}" type="{attr(ts.spec.tiles[t].name)}">')
        lines += _xml_props(_tile_props(ts, t), "  ")
        lines.append(" </tile>")
    lines.append("</tileset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tmx_map(e: ExportLevel, ts: Tileset) -> bytes:
    lv, size = e.level, ts.tile
    objects = _objects(e, ts)
    lines = [
        _XML_HEAD,
        (f'<map version="{FORMAT_VERSION}" tiledversion="{TILED_VERSION}" orientation="orthogonal" '
         f'renderorder="right-down" width="{lv.width}" height="{lv.height}" tilewidth="{size}" '
         f'tileheight="{size}" infinite="0" nextlayerid="3" nextobjectid="{len(objects) + 1}">'),
    ]
    lines += _xml_props(_map_props(e, ts), " ")
    lines.append(f' <tileset firstgid="1" source="{TSX_NAME}"/>')
    lines.append(f' <layer id="1" name="{TILE_LAYER}" width="{lv.width}" height="{lv.height}" '
                 f'opacity="1" visible="1">')
    lines.append('  <data encoding="csv">')
    lines.append(",\n".join(",".join(map(str, row)) for row in _gid_rows(e)))
    lines.append("</data>")
    lines.append(" </layer>")
    lines.append(f' <objectgroup id="2" name="{OBJECT_LAYER}" opacity="1" visible="1" draworder="topdown">')
    for o in objects:
        name = attr(o["name"])
        lines.append(f'  <object id="{o["id"]}" name="{name}" type="{name}" gid="{o["gid"]}" x="{o["x"]}" '
                     f'y="{o["y"]}" width="{size}" height="{size}" rotation="0" visible="1">')
        lines += _xml_props(_object_props(o), "   ")
        lines.append("  </object>")
    lines.append(" </objectgroup>")
    lines.append("</map>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _object_props(o: dict[str, Any]) -> list[Prop]:
    return [("tile", "string", o["name"]), ("row", "int", o["row"]), ("col", "int", o["col"])]


def tmx(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    """``tileset.png``, ``tileset.tsx`` and ``<stem>.tmx`` per level."""
    files = {ATLAS_NAME: encode_png(ts.image), TSX_NAME: _tsx(ts)}
    files.update({f"{e.stem}.tmx": _tmx_map(e, ts) for e in levels})
    return files


# -- TMJ ---------------------------------------------------------------------
_DATA_MARK = "\x00data"  # stands for a layer's data while the document is dumped (clean() removes NUL)


def _json_tileset(ts: Tileset) -> dict[str, Any]:
    w, h = ts.size
    return {
        "firstgid": 1, "name": clean(ts.spec.name), "tilewidth": ts.tile, "tileheight": ts.tile,
        "tilecount": ts.count, "columns": ts.columns, "image": ATLAS_NAME, "imagewidth": w,
        "imageheight": h, "margin": 0, "spacing": 0,
        "tiles": [{"id": t, "type": clean(ts.spec.tiles[t].name), "properties": _json_props(_tile_props(ts, t))}
                  for t in range(ts.count)],
    }


def _tmj_map(e: ExportLevel, ts: Tileset, tileset: dict[str, Any]) -> bytes:
    lv, size = e.level, ts.tile
    objects = _objects(e, ts)
    doc = {
        "type": "map", "version": FORMAT_VERSION, "tiledversion": TILED_VERSION,
        "orientation": "orthogonal", "renderorder": "right-down",
        "width": lv.width, "height": lv.height, "tilewidth": size, "tileheight": size,
        "infinite": False, "compressionlevel": -1,
        "nextlayerid": 3, "nextobjectid": len(objects) + 1,
        "properties": _json_props(_map_props(e, ts)),
        "tilesets": [tileset],
        "layers": [
            {"type": "tilelayer", "id": 1, "name": TILE_LAYER, "x": 0, "y": 0, "width": lv.width,
             "height": lv.height, "opacity": 1, "visible": True, "data": _DATA_MARK},
            {"type": "objectgroup", "id": 2, "name": OBJECT_LAYER, "x": 0, "y": 0, "opacity": 1,
             "visible": True, "draworder": "topdown",
             "objects": [{"id": o["id"], "gid": o["gid"], "name": clean(o["name"]), "type": clean(o["name"]),
                          "x": o["x"], "y": o["y"], "width": size, "height": size, "rotation": 0,
                          "visible": True, "properties": _json_props(_object_props(o))} for o in objects]},
        ],
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    data = "[\n" + ",\n".join(", ".join(map(str, row)) for row in _gid_rows(e)) + "]"
    text = text.replace(json.dumps(_DATA_MARK), data, 1)
    return (text + "\n").encode("utf-8")


def tmj(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    """``tileset.png`` and ``<stem>.tmj`` per level (tileset embedded)."""
    tileset = _json_tileset(ts)
    files = {ATLAS_NAME: encode_png(ts.image)}
    files.update({f"{e.stem}.tmj": _tmj_map(e, ts, tileset) for e in levels})
    return files


__all__ = ["FORMAT_VERSION", "TILED_VERSION", "TSX_NAME", "attr", "clean", "tmj", "tmx"]
