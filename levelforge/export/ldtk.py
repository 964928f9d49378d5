"""LDtk: one project file holding every level (``ldtk``).

Files: ``tileset.png`` (the shared atlas) and ``<game>.ldtk``, an LDtk 1.5
project (``jsonVersion`` 1.5.3, the version whose JSON schema it follows;
every key the schema requires is written). LDtk opens it as it is, and the
LDtk loaders of engines read it.

Definitions (``defs``):

- one tileset, ``Tileset``: ``relPath`` ``tileset.png`` beside the project,
  tile grid = the export's tile size; each tile's properties (name, char,
  layer, solid, object ...) as JSON in the tileset's ``customData``;
- two layers, top first (LDtk draws the first layer on top): ``Tiles``, a
  Tiles layer drawing each cell from the atlas, and ``Grid``, an IntGrid
  layer holding the level as data: value ``t + 1`` for tile id ``t`` (LDtk's
  IntGrid 0 is an empty cell), one IntGrid value per tile type, its
  identifier the tile's name, its colour the tile's colour, its icon the
  tile's atlas cell;
- level fields: ``levelforge_id`` (the level's content hash) and ``name``
  (its display name, which a level identifier cannot always hold), then one
  field per score the forge gave (``playable``, ``creativity`` ...), typed
  from the values (Bool, Int, Float, else String); a level without that
  score holds null.

Levels: in the order given, laid out on a grid of the "Free" world layout,
two tiles apart so none touch (``__neighbours`` is therefore empty). A level's
``identifier`` is its name made an LDtk identifier (letters, digits and
``_``, starting with a letter; ``Level_`` put in front when it does not) and
unique (``_2``, ``_3`` ... on a clash). Each holds two layer instances: the
Tiles one (``gridTiles``: one tile per cell, ``px`` its pixel position in the
level, ``src`` its atlas pixel position, ``t`` its atlas tile id, ``d``
``[cx + cy * width]``, no flip) and the IntGrid one (``intGridCsv``: width x
height values, row by row).

Ids: uids are small integers handed out in order (``nextUid`` is the next
free one); ``iid``s are UUID strings derived (uuid5) from the game, the
level ids and file stems, so the same export gives the same bytes every
time and distinct levels never share one.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Sequence
from typing import Any

from ..png import encode_png
from .files import distinct, stem as file_stem
from .level import ExportLevel
from .tileset import ATLAS_NAME, Tileset, tile_properties

JSON_VERSION = "1.5.3"
APP_BUILD_ID = 473703  #: LDtk 1.5.3's build id (the release date); LDtk only uses it to spot old files
GAP_TILES = 2  #: empty world space between levels, in tiles
BG_COLOR = "#40465B"  #: LDtk's default project background
LEVEL_BG_COLOR = "#696A79"  #: LDtk's default level background
TILES_LAYER = "Tiles"
GRID_LAYER = "Grid"
TILESET_ID = "Tileset"
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://levelforge.invalid/export/ldtk")
_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]+")


def project(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    """``tileset.png`` and ``<game>.ldtk`` with every level of ``levels``."""
    spec = ts.spec
    name = f"{file_stem(spec.name)}.ldtk"
    return {ATLAS_NAME: encode_png(ts.image), name: dumps(project_json(levels, ts))}


def project_json(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, Any]:
    """The LDtk project as a JSON-ready dict."""
    spec = ts.spec
    uids = _Uids()
    tileset_uid = uids.take()
    tiles_layer_uid, grid_layer_uid = uids.take(), uids.take()
    fields = _level_fields(levels)
    for f in fields:
        f["uid"] = uids.take()
    level_uids = [uids.take() for _ in levels]

    iid = _iid("project", spec.name, *(f"{e.level.id}:{e.stem}" for e in levels))
    px_w = max(e.level.width for e in levels) * ts.tile
    px_h = max(e.level.height for e in levels) * ts.tile
    columns = max(1, math.ceil(math.sqrt(len(levels))))
    step_x, step_y = px_w + GAP_TILES * ts.tile, px_h + GAP_TILES * ts.tile
    identifiers = _identifiers([e.name for e in levels], "Level_")

    out_levels = []
    for i, (e, uid, ident) in enumerate(zip(levels, level_uids, identifiers)):
        row, col = divmod(i, columns)
        out_levels.append(_level(e, ts, uid, ident, col * step_x, row * step_y, fields,
                                 tileset_uid, tiles_layer_uid, grid_layer_uid))

    defs = {
        "layers": [_tiles_layer_def(ts, tiles_layer_uid, tileset_uid),
                   _grid_layer_def(ts, grid_layer_uid, tileset_uid)],
        "entities": [],
        "tilesets": [_tileset_def(ts, tileset_uid)],
        "enums": [],
        "externalEnums": [],
        "levelFields": [_field_def(f) for f in fields],
    }
    return {
        "__header__": {
            "fileType": "LDtk Project JSON",
            "app": "levelforge",
            "doc": "https://ldtk.io/json",
            "schema": "https://ldtk.io/files/JSON_SCHEMA.json",
            "url": "https://ldtk.io",
        },
        "iid": iid,
        "jsonVersion": JSON_VERSION,
        "appBuildId": APP_BUILD_ID,
        "nextUid": uids.next,
        "identifierStyle": "Free",
        "toc": [],
        "worldLayout": "Free",
        "worldGridWidth": px_w,
        "worldGridHeight": px_h,
        "defaultLevelWidth": spec.width * ts.tile,
        "defaultLevelHeight": spec.height * ts.tile,
        "defaultPivotX": 0,
        "defaultPivotY": 0,
        "defaultGridSize": ts.tile,
        "defaultEntityWidth": ts.tile,
        "defaultEntityHeight": ts.tile,
        "bgColor": BG_COLOR,
        "defaultLevelBgColor": LEVEL_BG_COLOR,
        "minifyJson": False,
        "externalLevels": False,
        "exportTiled": False,
        "simplifiedExport": False,
        "imageExportMode": "None",
        "exportLevelBg": True,
        "pngFilePattern": None,
        "backupOnSave": False,
        "backupLimit": 10,
        "backupRelPath": None,
        "levelNamePattern": "Level_%idx",
        "tutorialDesc": None,
        "customCommands": [],
        "flags": [],
        "defs": defs,
        "levels": out_levels,
        "worlds": [],
        "dummyWorldIid": _iid("world", iid),
    }


# -- definitions ------------------------------------------------------------
def _tileset_def(ts: Tileset, uid: int) -> dict[str, Any]:
    spec = ts.spec
    w, h = ts.size
    return {
        "__cWid": ts.columns,
        "__cHei": ts.rows,
        "identifier": TILESET_ID,
        "uid": uid,
        "relPath": ATLAS_NAME,
        "embedAtlas": None,
        "pxWid": w,
        "pxHei": h,
        "tileGridSize": ts.tile,
        "spacing": 0,
        "padding": 0,
        "tags": [],
        "tagsSourceEnumUid": None,
        "enumTags": [],
        "customData": [{"tileId": t.id, "data": json.dumps(tile_properties(spec, t), sort_keys=True)}
                       for t in spec.tiles],
        "savedSelections": [],
    }


def _layer_def(ts: Tileset, uid: int, kind: str, identifier: str) -> dict[str, Any]:
    """The keys every LDtk layer definition has, at LDtk's defaults."""
    return {
        "__type": kind,
        "identifier": identifier,
        "type": kind,
        "uid": uid,
        "doc": None,
        "uiColor": None,
        "gridSize": ts.tile,
        "guideGridWid": 0,
        "guideGridHei": 0,
        "displayOpacity": 1,
        "inactiveOpacity": 1,
        "hideInList": False,
        "hideFieldsWhenInactive": False,
        "canSelectWhenInactive": True,
        "renderInWorldView": True,
        "pxOffsetX": 0,
        "pxOffsetY": 0,
        "parallaxFactorX": 0,
        "parallaxFactorY": 0,
        "parallaxScaling": True,
        "requiredTags": [],
        "excludedTags": [],
        "autoTilesKilledByOtherLayerUid": None,
        "uiFilterTags": [],
        "useAsyncRender": False,
        "intGridValues": [],
        "intGridValuesGroups": [],
        "autoRuleGroups": [],
        "autoSourceLayerDefUid": None,
        "tilesetDefUid": None,
        "tilePivotX": 0,
        "tilePivotY": 0,
        "biomeFieldUid": None,
    }


def _tiles_layer_def(ts: Tileset, uid: int, tileset_uid: int) -> dict[str, Any]:
    d = _layer_def(ts, uid, "Tiles", TILES_LAYER)
    d["tilesetDefUid"] = tileset_uid
    return d


def _grid_layer_def(ts: Tileset, uid: int, tileset_uid: int) -> dict[str, Any]:
    d = _layer_def(ts, uid, "IntGrid", GRID_LAYER)
    names = _identifiers([t.name for t in ts.spec.tiles], "Tile_")
    values = []
    for t, ident in zip(ts.spec.tiles, names):
        col, row = ts.coords(t.id)
        values.append({
            "value": t.id + 1,
            "identifier": ident,
            "color": "#{:02X}{:02X}{:02X}".format(*t.colour),
            "tile": {"tilesetUid": tileset_uid, "x": col * ts.tile, "y": row * ts.tile, "w": ts.tile,
                     "h": ts.tile},
            "groupUid": 0,
        })
    d["intGridValues"] = values
    return d


# -- level fields (the level's id, name and scores) --------------------------
_TYPES = {"Int": "F_Int", "Float": "F_Float", "Bool": "F_Bool", "String": "F_String"}


def _level_fields(levels: Sequence[ExportLevel]) -> list[dict[str, Any]]:
    """``[{"identifier", "type", "key"}]``: the fields every level gets (``uid`` is added by the caller)."""
    keys: dict[str, None] = {}
    for e in levels:
        keys.update(dict.fromkeys(e.scores or {}))
    fields = [{"identifier": "levelforge_id", "type": "String", "key": None},
              {"identifier": "name", "type": "String", "key": None}]
    idents = _identifiers(["levelforge_id", "name", *keys], "Score_")[2:]
    for key, ident in zip(keys, idents):
        values = [(e.scores or {}).get(key) for e in levels]
        fields.append({"identifier": ident, "type": _field_type(values), "key": key})
    return fields


def _field_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "Bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "Int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "Float"  # also when every level lacks this score
    return "String"


def _field_value(kind: str, v: Any) -> Any:
    if v is None:
        return None
    if kind == "Bool":
        return bool(v)
    if kind == "Int":
        return int(v)
    if kind == "Float":
        v = float(v)
        return v if math.isfinite(v) else None
    return v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)


def _field_def(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "identifier": f["identifier"],
        "doc": None,
        "__type": f["type"],
        "uid": f["uid"],
        "type": _TYPES[f["type"]],
        "isArray": False,
        "canBeNull": True,
        "arrayMinLength": None,
        "arrayMaxLength": None,
        "editorDisplayMode": "NameAndValue",
        "editorDisplayScale": 1,
        "editorDisplayPos": "Beneath",
        "editorLinkStyle": "StraightArrow",
        "editorDisplayColor": None,
        "editorAlwaysShow": False,
        "editorShowInWorld": False,
        "editorCutLongValues": True,
        "editorTextSuffix": None,
        "editorTextPrefix": None,
        "useForSmartColor": False,
        "exportToToc": False,
        "searchable": False,
        "min": None,
        "max": None,
        "regex": None,
        "acceptFileTypes": None,
        "defaultOverride": None,
        "textLanguageMode": None,
        "symmetricalRef": False,
        "autoChainRef": True,
        "allowOutOfLevelRef": True,
        "allowedRefs": "Any",
        "allowedRefsEntityUid": None,
        "allowedRefTags": [],
        "tilesetUid": None,
    }


def _field_instance(f: dict[str, Any], e: ExportLevel) -> dict[str, Any]:
    if f["key"] is None:
        value = e.level.id if f["identifier"] == "levelforge_id" else e.name
    else:
        value = _field_value(f["type"], (e.scores or {}).get(f["key"]))
    return {
        "__identifier": f["identifier"],
        "__type": f["type"],
        "__value": value,
        "__tile": None,
        "defUid": f["uid"],
        "realEditorValues": [] if value is None else [{"id": f"V_{f['type']}", "params": [value]}],
    }


# -- levels -----------------------------------------------------------------
def _level(e: ExportLevel, ts: Tileset, uid: int, identifier: str, x: int, y: int,
           fields: list[dict[str, Any]], tileset_uid: int, tiles_uid: int, grid_uid: int) -> dict[str, Any]:
    lv = e.level
    iid = _iid("level", lv.game, lv.id, e.stem)
    return {
        "identifier": identifier,
        "iid": iid,
        "uid": uid,
        "worldX": x,
        "worldY": y,
        "worldDepth": 0,
        "pxWid": lv.width * ts.tile,
        "pxHei": lv.height * ts.tile,
        "__bgColor": LEVEL_BG_COLOR,
        "bgColor": None,
        "useAutoIdentifier": False,
        "bgRelPath": None,
        "bgPos": None,
        "bgPivotX": 0.5,
        "bgPivotY": 0.5,
        "__smartColor": LEVEL_BG_COLOR,
        "__bgPos": None,
        "externalRelPath": None,
        "fieldInstances": [_field_instance(f, e) for f in fields],
        "layerInstances": [_tiles_instance(e, ts, iid, uid, tileset_uid, tiles_uid),
                           _grid_instance(e, ts, iid, uid, grid_uid)],
        "__neighbours": [],
    }


def _instance(e: ExportLevel, ts: Tileset, kind: str, identifier: str, iid: str, level_uid: int,
              layer_uid: int) -> dict[str, Any]:
    lv = e.level
    return {
        "__identifier": identifier,
        "__type": kind,
        "__cWid": lv.width,
        "__cHei": lv.height,
        "__gridSize": ts.tile,
        "__opacity": 1,
        "__pxTotalOffsetX": 0,
        "__pxTotalOffsetY": 0,
        "__tilesetDefUid": None,
        "__tilesetRelPath": None,
        "iid": iid,
        "levelId": level_uid,
        "layerDefUid": layer_uid,
        "pxOffsetX": 0,
        "pxOffsetY": 0,
        "visible": True,
        "optionalRules": [],
        "intGridCsv": [],
        "autoLayerTiles": [],
        "seed": 0,
        "overrideTilesetUid": None,
        "gridTiles": [],
        "entityInstances": [],
    }


def _tiles_instance(e: ExportLevel, ts: Tileset, level_iid: str, level_uid: int, tileset_uid: int,
                    layer_uid: int) -> dict[str, Any]:
    d = _instance(e, ts, "Tiles", TILES_LAYER, _iid("layer", level_iid, TILES_LAYER), level_uid, layer_uid)
    d["__tilesetDefUid"] = tileset_uid
    d["__tilesetRelPath"] = ATLAS_NAME
    width, k = e.level.width, ts.tile
    tiles = []
    for cy, row in enumerate(e.level.grid.tolist()):
        for cx, t in enumerate(row):
            col, r = ts.coords(t)
            tiles.append({"px": [cx * k, cy * k], "src": [col * k, r * k], "f": 0, "t": col + r * ts.columns,
                          "d": [cx + cy * width], "a": 1})
    d["gridTiles"] = tiles
    return d


def _grid_instance(e: ExportLevel, ts: Tileset, level_iid: str, level_uid: int, layer_uid: int) -> dict[str, Any]:
    d = _instance(e, ts, "IntGrid", GRID_LAYER, _iid("layer", level_iid, GRID_LAYER), level_uid, layer_uid)
    d["intGridCsv"] = [int(t) + 1 for t in e.level.grid.ravel().tolist()]
    return d


# -- helpers ------------------------------------------------------------------
class _Uids:
    def __init__(self) -> None:
        self.next = 1

    def take(self) -> int:
        self.next += 1
        return self.next - 1


def _iid(*parts: str) -> str:
    """A UUID string fixed by ``parts``: the same export always gets the same iids."""
    return str(uuid.uuid5(_NS, "\x1f".join(parts)))


def identifier(name: str, prefix: str) -> str:
    """``name`` as an LDtk identifier: letters, digits and ``_``, starting with a letter."""
    s = _NOT_IDENT.sub("_", name).strip("_")
    if not s or not s[0].isascii() or not s[0].isalpha():
        s = prefix + s if s else prefix.rstrip("_")
    return s


def _identifiers(names: Sequence[str], prefix: str) -> list[str]:
    """Valid, distinct (case-insensitively) identifiers for ``names``, in order."""
    return distinct((identifier(name, prefix) for name in names), sep="_")


def dumps(doc: Any) -> bytes:
    """JSON as LDtk users read it: nested objects indented, lists of numbers and small objects on one line."""
    return (_dump(doc, "") + "\n").encode()


def _scalars(v: Any) -> bool:
    return not isinstance(v, (dict, list)) or (isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v))


def _dump(v: Any, indent: str) -> str:
    flat = json.dumps(v, ensure_ascii=False)
    if not isinstance(v, (dict, list)) or not v:
        return flat
    if isinstance(v, list) and _scalars(v):
        return flat  # intGridCsv, px, src ...: one line
    if isinstance(v, dict) and len(flat) <= 120 and all(_scalars(x) for x in v.values()):
        return flat  # a small object of scalars and lists of them (a grid tile)
    inner = indent + "\t"
    if isinstance(v, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(x, inner)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    return "[\n" + ",\n".join(inner + _dump(x, inner) for x in v) + "\n" + indent + "]"
