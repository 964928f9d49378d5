"""Export levels into game projects: Tiled, LDtk, Godot, and plain formats (``levelforge export``).

Every format is a function ``build(levels, tileset) -> {file name: bytes}``
in its own module; :data:`FORMATS` names them. :func:`export` builds the
files of each format asked for and writes them all at once
(:mod:`.files`: checked first, written atomically, never over an existing
file without ``force``). All formats that draw tiles share one atlas,
``tileset.png`` (:mod:`.tileset`), made by the one renderer from the
game's sprites.

One format goes straight into the output folder; several go into one
subfolder each (``DIR/tiled/``, ``DIR/ldtk/`` ...). ``index.json`` in the
output folder lists the levels (id, name, file stem, scores) and the files
of each format.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..level import Level
from .files import ExportError, stems, write_files
from .level import ExportLevel
from .tileset import ATLAS_NAME, Tileset

Build = Callable[[Sequence[ExportLevel], Tileset], dict[str, bytes]]


@dataclass(frozen=True)
class Format:
    name: str
    summary: str
    target: str  #: "module:function" under levelforge.export

    def build(self) -> Build:
        module, _, fn = self.target.partition(":")
        return getattr(importlib.import_module(f".{module}", __name__), fn)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("tiled", "Tiled TMX map per level, an external TSX tileset and the atlas PNG", "tiled:tmx"),
    Format("tmj", "Tiled JSON map per level, tileset embedded (Phaser reads it)", "tiled:tmj"),
    Format("ldtk", "one LDtk 1.5 project: every level, an IntGrid layer and a Tiles layer", "ldtk:project"),
    Format("godot", "Godot 4.3+ scene per level: a TileMapLayer and a TileSet resource", "godot:godot4"),
    Format("godot3", "Godot 3 scene per level: a TileMap node and a TileSet resource", "godot:godot3"),
    Format("vglc", "the level as text (VGLC) and a JSON legend", "plain:vglc"),
    Format("csv", "tile ids, one row per level row, and tiles.csv", "plain:csv"),
    Format("png", "the level drawn with the game's tiles", "plain:png"),
    Format("json", "grid, text rows, legend and scores", "plain:level_json"),
)}  # fmt: skip
INDEX_NAME = "index.json"


def export_levels(levels: Sequence[Level], formats: Sequence[str], out: str | Path, tile: int = 16,
                  names: Sequence[str] | None = None, scores: Sequence[dict[str, Any] | None] | None = None,
                  force: bool = False) -> dict[str, list[Path]]:
    """Export ``levels`` (all of one game) in each of ``formats`` under ``out``; format -> paths written.

    ``names``: what to call each level (default: its name, else its id);
    ``scores``: the forge's scores per level, kept by the formats that carry
    properties."""
    if not levels:
        raise ExportError("nothing to export: no levels")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ExportError(f"unknown format {unknown[0] if unknown else ''!r}; known: {', '.join(FORMATS)}")
    games = sorted({lv.game for lv in levels})
    if len(games) > 1:
        raise ExportError(f"one export holds levels of one game; got {', '.join(games)}")
    names = list(names) if names is not None else [lv.name or lv.id for lv in levels]
    scores = list(scores) if scores is not None else [None] * len(levels)
    taken = {"index", "tileset", "tiles", "legend", levels[0].game}  # stems of the formats' own files
    items = [ExportLevel(lv, s, n, sc) for lv, s, n, sc in zip(levels, stems(names, taken), names, scores)]
    ts = Tileset(levels[0].spec, tile)
    files: dict[str, bytes] = {}
    by_format: dict[str, list[str]] = {}
    for f in dict.fromkeys(formats):  # in order, once each
        built = FORMATS[f].build()(items, ts)
        prefix = f"{f}/" if len(set(formats)) > 1 else ""
        by_format[f] = sorted(prefix + name for name in built)
        for name, data in built.items():
            if prefix + name in files and files[prefix + name] != data:
                raise ExportError(f"two files of the export are both named {prefix + name}")  # never silently lost
            files[prefix + name] = data
    files[INDEX_NAME] = _index(items, ts, by_format)
    write_files(out, files, force)
    root = Path(out)
    result = {f: [root / n for n in written] for f, written in by_format.items()}
    result["index"] = [root / INDEX_NAME]
    return result


def _index(items: Sequence[ExportLevel], ts: Tileset, by_format: dict[str, list[str]]) -> bytes:
    doc = {
        "format": "levelforge-export", "version": 1, "game": ts.spec.name, "tile_size": ts.tile,
        "levels": [{"id": e.level.id, "name": e.name, "stem": e.stem, "width": e.level.width,
                    "height": e.level.height, "scores": e.scores} for e in items],
        "files": by_format,
    }
    return (json.dumps(doc, indent=1) + "\n").encode()


__all__ = ["ATLAS_NAME", "FORMATS", "ExportError", "ExportLevel", "Format", "Tileset", "export_levels"]
