"""Plain formats: ``vglc`` (text and a JSON legend), ``csv`` (tile ids), ``png`` (the picture), ``json``.

- ``vglc``: ``<stem>.txt``, the level as text, one character per tile (the
  Video Game Level Corpus format, and levelforge's own), and ``legend.json``:
  ``{"tiles": {char: [tags]}}`` as VGLC's legends have it (tags: the tile's
  name, its layer, ``solid`` or ``passable``, the base tiles of a composite),
  with ``"levelforge"`` holding the game and each tile's full properties.
- ``csv``: ``<stem>.csv``, one row per level row, tile ids separated by
  commas, and ``tiles.csv`` (id, name, char, layer, solid, object).
- ``png``: ``<stem>.png``, the level drawn at the tile size.
- ``json``: ``<stem>.json``, ``{"format": "levelforge-level", "version": 1,
  "game", "id", "name", "width", "height", "rows"`` (the text rows) ``,
  "grid"`` (tile ids, row by row) ``, "legend"`` (id -> properties)
  ``, "scores"`` (the forge's, or null)``}``.
"""

from __future__ import annotations

import json
from typing import Sequence

from ..png import encode_png
from ..render import render_level
from .level import ExportLevel
from .tileset import Tileset, legend, tile_properties


def _dumps(obj) -> bytes:
    return (json.dumps(obj, indent=1, sort_keys=False) + "\n").encode()


def vglc(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    spec = ts.spec
    tags = {}
    for t in spec.tiles:
        p = tile_properties(spec, t)
        tags[t.char] = [t.name, p["layer"], "solid" if p["solid"] else "passable"] + (
            list(t.parts) if t.is_composite else [])
    files = {"legend.json": _dumps({"tiles": tags, "levelforge": {"game": spec.name, "tiles": legend(spec)}})}
    files.update({f"{e.stem}.txt": e.level.text.encode() for e in levels})
    return files


def csv(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    spec = ts.spec
    rows = ["id,name,char,layer,solid,object"]
    for t in spec.tiles:
        p = tile_properties(spec, t)
        char = '"' + t.char.replace('"', '""') + '"' if t.char in ',"' or t.char.isspace() else t.char
        rows.append(f"{t.id},{t.name},{char},{p['layer']},{int(p['solid'])},{int(p['object'])}")
    files = {"tiles.csv": ("\n".join(rows) + "\n").encode()}
    for e in levels:
        files[f"{e.stem}.csv"] = "".join(",".join(map(str, r)) + "\n" for r in e.level.grid.tolist()).encode()
    return files


def png(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    return {f"{e.stem}.png": encode_png(render_level(e.level, tile=ts.tile)) for e in levels}


def level_json(levels: Sequence[ExportLevel], ts: Tileset) -> dict[str, bytes]:
    spec = ts.spec
    table = {str(t.id): tile_properties(spec, t) for t in spec.tiles}
    return {f"{e.stem}.json": _dumps({
        "format": "levelforge-level", "version": 1, "game": spec.name, "id": e.level.id, "name": e.name,
        "width": e.level.width, "height": e.level.height, "rows": e.level.text.splitlines(),
        "grid": e.level.grid.tolist(), "legend": table, "scores": e.scores,
    }) for e in levels}
