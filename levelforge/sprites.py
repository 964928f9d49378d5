"""Hand-drawn pixel-art tiles, read from ``assets/sprites/<game>.toml``.

A sprite file gives one square sprite per base tile of a game, as text::

    size = 16                 # every sprite is size x size pixels
    [palette]                 # one character -> "#rrggbb"
    k = "#14121c"             # "." is always transparent and cannot be redefined
    [sprites]
    wall = \"\"\"
    16 lines of 16 palette characters
    \"\"\"

Terrain sprites must be opaque; item, player and npc sprites use ``"."``
where the tile below shows through. A composite tile (Sokoban's
``box_on_goal``) needs no sprite: :func:`compose` stacks its parts' sprites.
If it has one, that sprite stands in for its top part (a green box over the
goal sprite), just as the composite's colour paints its top part in the
procedural drawing.

Only shipped games get sprites (a game.toml loaded from elsewhere keeps the
procedural look even if it reuses a shipped game's name). :func:`resample`
scales a composed sprite to any tile size by area averaging, so multiples of
the sprite size come out as crisp blocks.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np

from .errors import LevelforgeError
from .game import LAYERS, GameSpec, Tile
from .paths import assets_dir, games_dir

TRANSPARENT = "."
MAX_SIZE = 64
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LAYER_RANK = {name: i for i, name in enumerate(LAYERS)}

Sprites = dict[str, np.ndarray]  # tile name -> (S, S, 4) uint8 RGBA, alpha 0 or 255


class SpriteError(LevelforgeError, ValueError):
    """A sprite file is malformed or does not fit its game."""


def sprite_file(spec: GameSpec) -> Path | None:
    """``assets/sprites/<name>.toml`` if ``spec`` is a shipped game that has one, else None."""
    if spec.source is not None and spec.source.resolve().parent.parent != games_dir().resolve():
        return None
    path = assets_dir() / "sprites" / f"{spec.name}.toml"
    return path if path.is_file() else None


def _parts(spec: GameSpec, t: Tile) -> list[Tile]:
    """``t``'s base tiles in drawing order terrain -> item -> player -> npc."""
    return sorted((spec.tile(p) for p in t.parts), key=lambda p: _LAYER_RANK[p.layer])


def _colour(path: Path, char: object, value: object) -> tuple[int, int, int]:
    if not isinstance(char, str) or len(char) != 1 or char.isspace() or char == TRANSPARENT:
        raise SpriteError(f"{path}: [palette] key {char!r} must be one visible character other than {TRANSPARENT!r}")
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise SpriteError(f"{path}: [palette] {char} = {value!r} is not a colour like \"#rrggbb\"")
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def _sprite(path: Path, name: str, text: object, size: int, palette: dict, opaque: bool) -> np.ndarray:
    """One sprite's text as ``(size, size, 4) uint8`` RGBA."""
    where = f"{path}: sprite {name!r}"
    if not isinstance(text, str):
        raise SpriteError(f"{where} must be a string of {size} lines")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) != size:
        raise SpriteError(f"{where} has {len(lines)} lines, expected {size}")
    img = np.zeros((size, size, 4), dtype=np.uint8)
    for y, line in enumerate(lines):
        if len(line) != size:
            raise SpriteError(f"{where}: line {y + 1} is {len(line)} characters wide, expected {size}: {line!r}")
        for x, ch in enumerate(line):
            if ch == TRANSPARENT:
                if opaque:
                    raise SpriteError(f"{where} is terrain and must be opaque, but line {y + 1} has {TRANSPARENT!r}")
            elif ch in palette:
                img[y, x] = (*palette[ch], 255)
            else:
                raise SpriteError(f"{where}: line {y + 1} uses {ch!r}, which is not in [palette]")
    return img


def load_sprites(path: str | Path, spec: GameSpec) -> Sprites:
    """Read and check the sprite file ``path`` of ``spec``: tile name -> ``(S, S, 4) uint8`` RGBA.

    Raises :class:`SpriteError`, naming the file and the sprite, for anything
    malformed: bad TOML, a bad size or colour, a line of the wrong width, a
    wrong number of lines, a character missing from the palette, a sprite for
    a tile the game lacks, or a terrain sprite with transparent pixels.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SpriteError(f"{path} is not valid TOML: {e}") from None
    extra = set(data) - {"size", "palette", "sprites"}
    if extra:
        raise SpriteError(f"{path}: unknown keys {sorted(extra)}; expected size, [palette] and [sprites]")
    size = data.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SIZE:
        raise SpriteError(f"{path}: size must be an integer from 1 to {MAX_SIZE}, got {size!r}")
    raw_palette, raw_sprites = data.get("palette", {}), data.get("sprites", {})
    if not isinstance(raw_palette, dict) or not isinstance(raw_sprites, dict):
        raise SpriteError(f"{path}: [palette] and [sprites] must be tables")
    palette = {ch: _colour(path, ch, v) for ch, v in raw_palette.items()}
    names = {t.name: t for t in spec.tiles}
    sprites: Sprites = {}
    for name, text in raw_sprites.items():
        if name not in names:
            raise SpriteError(f"{path}: sprite {name!r} is not a tile of {spec.name}; its tiles: {', '.join(names)}")
        opaque = _parts(spec, names[name])[-1].layer == "terrain"
        img = _sprite(path, name, text, size, palette, opaque)
        img.setflags(write=False)
        sprites[name] = img
    return sprites


def compose(spec: GameSpec, t: Tile, sprites: Sprites) -> np.ndarray | None:
    """``t`` at sprite resolution, ``(S, S, 3) uint8``, or None if a sprite it needs is missing.

    Its parts are stacked in layer order, over the game's ground if none is
    terrain; ``t``'s own sprite, if any, replaces the top part's.
    """
    parts = _parts(spec, t)
    stack = [sprites.get(p.name) for p in parts]
    if t.name in sprites:
        stack[-1] = sprites[t.name]
    if parts[0].layer != "terrain":
        stack.insert(0, sprites.get(spec.ground))
    if any(s is None for s in stack):
        return None
    out = stack[0][..., :3].copy()
    for layer in stack[1:]:
        shown = layer[..., 3] > 0
        out[shown] = layer[..., :3][shown]
    return out


def resample(img: np.ndarray, tile: int) -> np.ndarray:
    """``img`` ``(S, S, C)`` scaled to ``(tile, tile, C) uint8`` by exact area (box-filter) averaging.

    Each output pixel is the mean of the source area it covers: a multiple of
    ``S`` repeats pixels in crisp blocks, ``S / 2`` averages 2x2 blocks.
    """
    s, c = img.shape[0], img.shape[2]
    big = img.astype(np.float64).repeat(tile, 0).repeat(tile, 1)
    small = big.reshape(tile, s, tile, s, c).mean(axis=(1, 3))
    return np.clip(np.rint(small), 0, 255).astype(np.uint8)
