"""The tileset every export shares: one PNG atlas of the game's tiles and the tile-id mapping.

Tile id ``t`` of the game (its index in ``game.toml``'s tiles, the number a
level's grid holds) is atlas tile ``t``: column ``t % columns``, row
``t // columns`` of ``tileset.png``. Each tile is drawn by the one renderer
(:mod:`levelforge.render`, so with the game's sprites), composites included
(Sokoban's box on a goal is its own tile). In Tiled a cell's gid is
``t + 1`` (gid 0 is an empty cell); LDtk's IntGrid value is ``t + 1`` too
(0 is empty there as well); Godot's atlas coordinates are ``(t % columns,
t // columns)``.

:func:`tile_properties` says what each tile is, for formats that carry
properties: its name, character, layer (``terrain``, ``item``, ``player``,
``npc``, or ``composite``), the base tiles it stands for, whether it is
solid, and whether it is a gameplay object (:func:`is_object`: anything on
the item, player or NPC layer, which most engines spawn as objects rather
than paint as tiles).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..game import GameSpec, Tile
from ..render import tile_images

ATLAS_NAME = "tileset.png"
MAX_COLUMNS = 8
OBJECT_LAYERS = ("item", "player", "npc")


@dataclass(frozen=True)
class Tileset:
    spec: GameSpec
    tile: int  #: tile size in pixels

    @property
    def count(self) -> int:
        return len(self.spec.tiles)

    @property
    def columns(self) -> int:
        return min(MAX_COLUMNS, self.count)

    @property
    def rows(self) -> int:
        return -(-self.count // self.columns)

    @property
    def size(self) -> tuple[int, int]:
        """The atlas image's (width, height) in pixels."""
        return self.columns * self.tile, self.rows * self.tile

    @cached_property
    def image(self) -> np.ndarray:
        """The atlas, ``(rows * tile, columns * tile, 3) uint8``; unused cells are black."""
        tiles = tile_images(self.spec, self.tile)
        out = np.zeros((self.rows * self.tile, self.columns * self.tile, 3), dtype=np.uint8)
        for t, img in enumerate(tiles):
            r, c = divmod(t, self.columns)
            out[r * self.tile : (r + 1) * self.tile, c * self.tile : (c + 1) * self.tile] = img
        return out

    def coords(self, t: int) -> tuple[int, int]:
        """Tile id ``t``'s (column, row) in the atlas."""
        r, c = divmod(int(t), self.columns)
        return c, r

    def properties(self, t: int) -> dict[str, Any]:
        return tile_properties(self.spec, self.spec.tiles[t])


def is_object(spec: GameSpec, t: Tile) -> bool:
    """Is ``t`` (or a part of it) on the item, player or NPC layer?"""
    return any(spec.tile(p).layer in OBJECT_LAYERS for p in t.parts)


def tile_properties(spec: GameSpec, t: Tile) -> dict[str, Any]:
    """What tile ``t`` is: name, char, layer, parts, solid, object, colour (``#rrggbb``)."""
    return {
        "name": t.name,
        "char": t.char,
        "layer": t.layer or "composite",
        "parts": list(t.parts),
        "solid": bool(t.solid or any(spec.tile(p).solid for p in t.parts)),
        "object": is_object(spec, t),
        "colour": "#{:02x}{:02x}{:02x}".format(*t.colour),
    }


def legend(spec: GameSpec) -> dict[str, dict[str, Any]]:
    """char -> the tile's properties, for every tile of the game (the VGLC legend's shape)."""
    return {t.char: tile_properties(spec, t) for t in spec.tiles}
