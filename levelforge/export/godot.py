"""Godot: a scene per level and one TileSet resource, for Godot 4.3+ (``godot``) and Godot 3 (``godot3``).

Both write ``tileset.png`` (the shared atlas), ``tileset.tres`` (a TileSet
using it) and ``<stem>.tscn`` per level: a ``Node2D`` named after the level
holding the tile map, with the level's id, name and scores as metadata
(``levelforge_id``, ``levelforge_name``, ``levelforge_scores``; Godot 3
keeps metadata in ``__meta__``).

**Resource paths are relative** (``path="tileset.tres"`` in a scene,
``path="tileset.png"`` in the TileSet): Godot's text resource loader, in 3.x
and 4.x alike, resolves an ``ext_resource`` path that has no ``://`` against
the folder of the file being loaded (``localize_path(base_dir/path)``). So the
export folder can be copied anywhere inside a Godot project
(``res://levels/``, ``res://maps/dungeon/`` ...) and its scenes find their
tileset there; no ``res://`` location is baked in. When Godot's editor saves a
scene again it rewrites the paths as ``res://...`` (and, in Godot 4, adds
``uid``\\s); that is expected. The PNG is imported by the editor the first time
it sees the folder, as any texture is.

Godot 4 (``godot``, format=3 files):

- ``tileset.tres``: a ``TileSet`` (``tile_size`` = the export's tile size)
  with one ``TileSetAtlasSource`` (source id 0) over ``tileset.png``,
  ``texture_region_size`` = the tile size, and every tile of the game
  created (``c:r/0 = 0`` for atlas coordinates ``(c, r)`` = ``(t % columns,
  t // columns)``). Custom data layers carry what each tile is: ``name``,
  ``char``, ``layer`` (strings), ``solid``, ``object`` (bools); physics layer
  0 gives solid tiles a full-cell collision polygon.
- ``<stem>.tscn``: ``Node2D`` root, child ``TileMapLayer`` ``Tiles``
  (``tile_set = ExtResource("1_tileset")``, nearest-neighbour texture filter)
  whose ``tile_map_data`` holds every cell. That ``PackedByteArray`` is
  format 0 of TileMapLayer's serialisation (``TileMapLayer::
  set_tile_map_data_from_array``): a uint16 format version (0), then 12 bytes
  per cell, all little-endian: int16 x, int16 y, uint16 source id, uint16
  atlas x, uint16 atlas y, uint16 alternative tile. It is written as a plain
  list of byte values, which Godot 4's text parser reads (the editor may write
  it back in its own form). TileMapLayer (and so these scenes) needs Godot 4.3
  or later.

Godot 3 (``godot3``, format=2 files):

- ``tileset.tres``: a ``TileSet`` with one single tile (``tile_mode`` 0) per
  tile id ``t``, named after the tile, its ``region`` the tile's cell of
  ``tileset.png``; solid tiles get a full-cell ``ConvexPolygonShape2D``.
- ``<stem>.tscn``: ``Node2D`` root, child ``TileMap`` ``Tiles`` with
  ``cell_size``, ``tile_set = ExtResource( 1 )``, ``format = 1`` (set before
  the data: it says three ints per cell) and ``tile_data = PoolIntArray(
  ... )``, three ints per cell: the cell key ``(y << 16) | (x & 0xffff)``
  (as a signed int32), the tile id (flip and transpose bits 29-31 clear) and
  the autotile coordinate (0: single tiles have none).
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Sequence
from typing import Any

from ..png import encode_png
from .level import ExportLevel
from .tileset import ATLAS_NAME, Tileset, tile_properties

TILESET_NAME = "tileset.tres"
LAYER_NODE = "Tiles"  #: the TileMapLayer / TileMap node under each scene's root
SOURCE_ID = 0  #: the atlas source's id in the Godot 4 TileSet
TILE_MAP_DATA_FORMAT = 0  #: TileMapLayer's TILE_MAP_LAYER_DATA_FORMAT_0
#: Godot 4 custom data layers: (name, Variant type: 1 bool, 4 String)
CUSTOM_DATA = (("name", 4), ("char", 4), ("layer", 4), ("solid", 1), ("object", 1))
_NODE_UNSAFE = re.compile(r'[.:@/"%]')


# -- Godot 4 ------------------------------------------------------------------
def godot4(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    return _project(levels, ts, tileset4, scene4)


def _project(levels: Sequence[ExportLevel], ts: Tileset, tileset, scene) -> dict[str, bytes]:
    """The atlas, the TileSet resource ``tileset(ts)`` and one scene ``scene(level, ts)`` per level."""
    files = {ATLAS_NAME: encode_png(ts.image), TILESET_NAME: tileset(ts).encode()}
    files.update({f"{e.stem}.tscn": scene(e, ts).encode() for e in levels})
    return files


def tileset4(ts: Tileset) -> str:
    spec, k = ts.spec, ts.tile
    half = k / 2
    box = _num_list([-half, -half, half, -half, half, half, -half, half])
    lines = [
        '[gd_resource type="TileSet" load_steps=3 format=3]',
        "",
        f'[ext_resource type="Texture2D" path="{ATLAS_NAME}" id="1_atlas"]',
        "",
        '[sub_resource type="TileSetAtlasSource" id="TileSetAtlasSource_0"]',
        f"resource_name = {_str(spec.name)}",
        'texture = ExtResource("1_atlas")',
        f"texture_region_size = Vector2i({k}, {k})",
    ]
    for t in spec.tiles:
        c, r = ts.coords(t.id)
        key = f"{c}:{r}/0"
        props = tile_properties(spec, t)
        lines.append(f"{key} = 0")
        for i, (name, _) in enumerate(CUSTOM_DATA):
            lines.append(f"{key}/custom_data_{i} = {_value(props[name])}")
        if props["solid"]:
            lines.append(f"{key}/physics_layer_0/polygon_0/points = PackedVector2Array({box})")
    lines += ["", "[resource]", f"tile_size = Vector2i({k}, {k})", "physics_layer_0/collision_layer = 1"]
    for i, (name, vtype) in enumerate(CUSTOM_DATA):
        lines += [f"custom_data_layer_{i}/name = {_str(name)}", f"custom_data_layer_{i}/type = {vtype}"]
    lines.append(f'sources/{SOURCE_ID} = SubResource("TileSetAtlasSource_0")')
    return "\n".join(lines) + "\n"


def tile_map_data(e: ExportLevel, ts: Tileset) -> bytes:
    """The level as TileMapLayer's ``tile_map_data`` (format 0), cells row by row."""
    out = bytearray(struct.pack("<H", TILE_MAP_DATA_FORMAT))
    for y, row in enumerate(e.level.grid.tolist()):
        for x, t in enumerate(row):
            c, r = ts.coords(t)
            out += struct.pack("<hhHHHH", x, y, SOURCE_ID, c, r, 0)
    return bytes(out)


def decode_tile_map_data(data: bytes) -> list[tuple[int, int, int, int, int, int]]:
    """``tile_map_data`` (format 0) back into ``(x, y, source, atlas_x, atlas_y, alternative)`` cells."""
    if len(data) < 2 or (len(data) - 2) % 12:
        raise ValueError(f"tile_map_data of {len(data)} bytes is not 2 + 12 x cells")
    (fmt,) = struct.unpack_from("<H", data)
    if fmt != TILE_MAP_DATA_FORMAT:
        raise ValueError(f"tile_map_data format {fmt}, expected {TILE_MAP_DATA_FORMAT}")
    return [struct.unpack_from("<hhHHHH", data, 2 + 12 * i) for i in range((len(data) - 2) // 12)]


def scene4(e: ExportLevel, ts: Tileset) -> str:
    data = ", ".join(map(str, tile_map_data(e, ts)))
    lines = [
        "[gd_scene load_steps=2 format=3]",
        "",
        f'[ext_resource type="TileSet" path="{TILESET_NAME}" id="1_tileset"]',
        "",
        f'[node name="{node_name(e.stem)}" type="Node2D"]',
    ]
    lines += [f"metadata/{k} = {_value(v)}" for k, v in _metadata(e).items()]
    lines += [
        "",
        f'[node name="{LAYER_NODE}" type="TileMapLayer" parent="."]',
        "texture_filter = 1",
        'tile_set = ExtResource("1_tileset")',
        f"tile_map_data = PackedByteArray({data})",
    ]
    return "\n".join(lines) + "\n"


# -- Godot 3 ------------------------------------------------------------------
def godot3(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    return _project(levels, ts, tileset3, scene3)


def tileset3(ts: Tileset) -> str:
    spec, k = ts.spec, ts.tile
    solid = {t.id for t in spec.tiles if tile_properties(spec, t)["solid"]}
    lines = [
        f'[gd_resource type="TileSet" load_steps={3 if solid else 2} format=2]',
        "",
        f'[ext_resource path="{ATLAS_NAME}" type="Texture" id=1]',
        "",
    ]
    if solid:  # Godot 3 tile shapes are in the tile's pixels, from its top-left corner
        lines += ['[sub_resource type="ConvexPolygonShape2D" id=1]',
                  f"points = PoolVector2Array( 0, 0, {k}, 0, {k}, {k}, 0, {k} )", ""]
    lines.append("[resource]")
    identity = "Transform2D( 1, 0, 0, 1, 0, 0 )"
    for t in spec.tiles:
        c, r = ts.coords(t.id)
        p = f"{t.id}/"
        shapes = "[  ]"
        if t.id in solid:
            shapes = ('[ { "autotile_coord": Vector2( 0, 0 ), "one_way": false, "one_way_margin": 1.0, '
                      f'"shape": SubResource( 1 ), "shape_transform": {identity} }} ]')
        lines += [
            f"{p}name = {_str(t.name)}",
            f"{p}texture = ExtResource( 1 )",
            f"{p}tex_offset = Vector2( 0, 0 )",
            f"{p}modulate = Color( 1, 1, 1, 1 )",
            f"{p}region = Rect2( {c * k}, {r * k}, {k}, {k} )",
            f"{p}tile_mode = 0",
            f"{p}occluder_offset = Vector2( 0, 0 )",
            f"{p}navigation_offset = Vector2( 0, 0 )",
            f"{p}shape_offset = Vector2( 0, 0 )",
            f"{p}shape_transform = {identity}",
            f"{p}shape_one_way = false",
            f"{p}shape_one_way_margin = 0.0",
            f"{p}shapes = {shapes}",
            f"{p}z_index = 0",
        ]
    return "\n".join(lines) + "\n"


def tile_data(e: ExportLevel) -> list[int]:
    """The level as Godot 3 TileMap ``tile_data`` (format 1): key, tile id, autotile coordinate per cell."""
    out: list[int] = []
    for y, row in enumerate(e.level.grid.tolist()):
        for x, t in enumerate(row):
            key = ((y & 0xFFFF) << 16) | (x & 0xFFFF)
            out += [key - (1 << 32) if key >= 1 << 31 else key, int(t), 0]
    return out


def scene3(e: ExportLevel, ts: Tileset) -> str:
    meta = ", ".join(f"{_str(k)}: {_value(v)}" for k, v in _metadata(e).items())
    return "\n".join([
        "[gd_scene load_steps=2 format=2]",
        "",
        f'[ext_resource path="{TILESET_NAME}" type="TileSet" id=1]',
        "",
        f'[node name="{node_name(e.stem)}" type="Node2D"]',
        f"__meta__ = {{ {meta} }}",
        "",
        f'[node name="{LAYER_NODE}" type="TileMap" parent="."]',
        "tile_set = ExtResource( 1 )",
        f"cell_size = Vector2( {ts.tile}, {ts.tile} )",
        "format = 1",
        f"tile_data = PoolIntArray( {', '.join(map(str, tile_data(e)))} )",
    ]) + "\n"


# -- values -------------------------------------------------------------------
def node_name(stem: str) -> str:
    """A Godot node name for a level (no ``. : @ / \" %``)."""
    return _NODE_UNSAFE.sub("_", stem) or "Level"


def _metadata(e: ExportLevel) -> dict[str, Any]:
    meta: dict[str, Any] = {"levelforge_id": e.level.id, "levelforge_name": e.name}
    if e.scores is not None:
        meta["levelforge_scores"] = e.scores
    return meta


def _str(s: str) -> str:
    """A Godot string literal (``\\`` and ``\"`` escaped, control characters as escapes)."""
    return json.dumps(str(s), ensure_ascii=False)


def _num(v: float) -> str:
    if isinstance(v, int) or float(v).is_integer():
        return str(int(v))
    return repr(float(v))


def _num_list(vs: Sequence[float]) -> str:
    return ", ".join(_num(v) for v in vs)


def _value(v: Any) -> str:
    """A Godot text-format literal for a JSON-like value (Godot 3 and 4 share these)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "null"
    if isinstance(v, str):
        return _str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_str(str(k))}: {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[ " + ", ".join(_value(x) for x in v) + " ]"
    return _str(str(v))
