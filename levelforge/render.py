"""The one renderer of levelforge: levels as RGB images, PNG files and ANSI text.

Every image is a ``(height, width, 3) uint8`` RGB array. A level of ``(H, W)``
tile ids renders to ``(H * tile, W * tile, 3)``: each tile id has one tile
image of ``(tile, tile, 3)``, cached per game, size and style, and
:func:`render_grid` assembles a level by indexing that atlas (no Python loop
over cells).

Two styles draw the tile images:

- ``"auto"`` (the default) uses the game's hand-drawn pixel art where it has
  it, and the procedural drawing for any tile (or game) without.
- ``"shapes"`` always uses the procedural drawing.

Pixel art lives in ``assets/sprites/<game>.toml``; :mod:`levelforge.sprites`
describes the file format and how a composite stacks its parts' sprites. The
stack is composed at sprite resolution and the RGB result scaled to the tile
size by area averaging, so 16 px sprites come out as crisp blocks at 16, 32,
48 and 64 px and as 2x2 means at 8 px.

How the procedural drawing draws a tile, by the layer of each of its parts:

- ``terrain`` fills the square; solid terrain gets a bevel (lighter top/left
  edge, darker bottom/right edge), other terrain a faint darker grid line.
- ``item`` is a diamond, ``player`` a circle and ``npc`` a triangle with eyes,
  each with a dark outline, drawn over the game's ground colour.
- a composite tile draws its parts in layer order terrain -> item -> player
  -> npc; its own colour paints its top part (Sokoban's box on a goal is the
  composite's green, not the plain box's brown).

Shapes are drawn as numpy masks at 4x the tile size and averaged down, so
edges are anti-aliased at every size from 4 to 64 pixels.

:func:`ansi` prints a level as coloured text and :func:`contact_sheet` lays
out many images in one; :mod:`levelforge.png` writes images to files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from . import sprites as _sprites
from .game import LAYERS, GameSpec, Tile
from .png import check_rgb

if TYPE_CHECKING:
    from .level import Level

RGB = tuple[int, int, int]
Mask = np.ndarray  # (S, S) bool
Shape = Callable[[np.ndarray, np.ndarray], Mask]

TILE_MIN, TILE_MAX = 4, 64
STYLES = ("auto", "shapes")
SUPERSAMPLE = 4
_LAYER_RANK = {name: i for i, name in enumerate(LAYERS)}
_OUTLINE = 0.55  # outline colour = shape colour * this
_EYE: RGB = (16, 16, 20)


# -- tile images -----------------------------------------------------------
def _coords(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates ``(u, v)``, each ``(size, size)`` in [-1, 1]; v grows downwards."""
    v, u = (np.mgrid[0:size, 0:size] + 0.5) * (2.0 / size) - 1.0
    return u, v


def _circle(cu: float, cv: float, r: float) -> Shape:
    return lambda u, v: (u - cu) ** 2 + (v - cv) ** 2 <= r * r


def _diamond(u: np.ndarray, v: np.ndarray) -> Mask:
    return np.abs(u) + np.abs(v) <= 0.7


def _triangle(u: np.ndarray, v: np.ndarray) -> Mask:
    """Upward triangle: apex at v=-0.75, base of half-width 0.8 at v=0.75."""
    return (v <= 0.75) & (np.abs(u) <= 0.8 * (v + 0.75) / 1.5)


_SHAPES: dict[str, Shape] = {"item": _diamond, "player": _circle(0.0, 0.0, 0.72), "npc": _triangle}
_EYES: tuple[Shape, ...] = (_circle(-0.2, 0.3, 0.12), _circle(0.2, 0.3, 0.12))


def _erode(mask: Mask, n: int) -> Mask:
    """``mask`` shrunk by ``n`` pixels (4-neighbourhood); ``(S, S) bool``."""
    m = mask.copy()
    for _ in range(n):
        e = m.copy()
        e[1:] &= m[:-1]
        e[:-1] &= m[1:]
        e[:, 1:] &= m[:, :-1]
        e[:, :-1] &= m[:, 1:]
        e[0] = e[-1] = e[:, 0] = e[:, -1] = False
        m = e
    return m


def _shade(colour: RGB, factor: float) -> np.ndarray:
    """``colour`` scaled by ``factor`` as a float ``(3,)`` clipped to [0, 255]."""
    return np.clip(np.asarray(colour, dtype=np.float64) * factor, 0.0, 255.0)


def _edge_bands(size: int, width: int) -> tuple[Mask, Mask]:
    """(top/left band, bottom/right band) of ``width`` pixels, split on the diagonals."""
    y, x = np.mgrid[0:size, 0:size]
    near = np.minimum(y, x)
    far = np.minimum(size - 1 - y, size - 1 - x)
    band = np.minimum(near, far) < width
    return band & (near < far), band & (near >= far)


def _paint_terrain(canvas: np.ndarray, colour: RGB, solid: bool, tile: int) -> None:
    """Fill ``canvas`` ``(S, S, 3) float`` with terrain: bevelled if solid, else a faint grid line."""
    size = canvas.shape[0]
    canvas[:] = colour
    if solid:
        light, dark = _edge_bands(size, max(1, round(tile / 10)) * SUPERSAMPLE)
        canvas[light] = _shade(colour, 1.25)
        canvas[dark] = _shade(colour, 0.65)
    elif tile >= 8:
        line = SUPERSAMPLE
        canvas[-line:] = canvas[:, -line:] = _shade(colour, 0.9)


def _paint_shape(canvas: np.ndarray, layer: str, colour: RGB, tile: int) -> None:
    """Draw the ``layer``'s shape in ``colour`` on ``canvas`` ``(S, S, 3) float``, outlined from 8 px up."""
    u, v = _coords(canvas.shape[0])
    mask = _SHAPES[layer](u, v)
    if tile >= 8:
        canvas[mask] = _shade(colour, _OUTLINE)
        mask = _erode(mask, max(1, tile // 12) * SUPERSAMPLE)
    canvas[mask] = colour
    if layer == "npc" and tile >= 12:
        for eye in _EYES:
            canvas[eye(u, v)] = _EYE


def _draw_tile(spec: GameSpec, t: Tile, tile: int) -> np.ndarray:
    """One tile image, ``(tile, tile, 3) uint8``, drawn at ``SUPERSAMPLE`` x and averaged down."""
    size = tile * SUPERSAMPLE
    canvas = np.empty((size, size, 3), dtype=np.float64)
    parts = sorted((spec.tile(p) for p in t.parts), key=lambda p: _LAYER_RANK[p.layer])
    if parts[0].layer != "terrain":
        ground = spec.tile(spec.ground)
        _paint_terrain(canvas, ground.colour, ground.solid, tile)
    for i, part in enumerate(parts):
        colour = t.colour if i == len(parts) - 1 else part.colour
        if part.layer == "terrain":
            _paint_terrain(canvas, colour, part.solid, tile)
        else:
            _paint_shape(canvas, part.layer, colour, tile)
    small = canvas.reshape(tile, SUPERSAMPLE, tile, SUPERSAMPLE, 3).mean(axis=(1, 3))
    return np.clip(np.rint(small), 0, 255).astype(np.uint8)


def _tile_image(spec: GameSpec, t: Tile, tile: int, sprites: _sprites.Sprites) -> np.ndarray:
    """``t``'s image, ``(tile, tile, 3) uint8``: from sprites if it has them, else drawn."""
    small = _sprites.compose(spec, t, sprites) if sprites else None
    return _draw_tile(spec, t, tile) if small is None else _sprites.resample(small, tile)


_ATLASES: dict[tuple[int, int, str], tuple[GameSpec, np.ndarray]] = {}


def tile_images(spec: GameSpec, tile: int = 16, style: str = "auto") -> np.ndarray:
    """The game's tile atlas, ``(N, tile, tile, 3) uint8``, indexed by tile id (cached, read-only).

    ``style`` is ``"auto"`` (pixel-art sprites where the game has them) or
    ``"shapes"`` (always the procedural drawing).
    """
    if not isinstance(tile, int) or not TILE_MIN <= tile <= TILE_MAX:
        raise ValueError(f"tile size must be an integer from {TILE_MIN} to {TILE_MAX}, got {tile!r}")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    key = (id(spec), tile, style)
    hit = _ATLASES.get(key)
    if hit is not None and hit[0] is spec:
        return hit[1]
    path = _sprites.sprite_file(spec) if style == "auto" else None
    sprites = _sprites.load_sprites(path, spec) if path is not None else {}
    atlas = np.stack([_tile_image(spec, t, tile, sprites) for t in spec.tiles])
    atlas.setflags(write=False)
    if len(_ATLASES) >= 256:
        _ATLASES.clear()
    _ATLASES[key] = (spec, atlas)  # holding spec keeps its id from being reused
    return atlas


def _with_sprites(atlas: np.ndarray, sprites: dict[int, np.ndarray]) -> np.ndarray:
    """A copy of ``atlas`` ``(N, t, t, 3)`` with the given tile ids' images replaced."""
    out = atlas.copy()
    for tid, img in sprites.items():
        if not 0 <= tid < len(out):
            raise ValueError(f"sprite for tile id {tid}, but the game has tile ids 0..{len(out) - 1}")
        img = np.asarray(img)
        if img.shape != out.shape[1:] or img.dtype != np.uint8:
            raise ValueError(f"sprite for tile id {tid} must be {out.shape[1:]} uint8, got {img.shape} {img.dtype}")
        out[tid] = img
    return out


def render_grid(
    spec: GameSpec,
    grid: np.ndarray,
    tile: int = 16,
    sprites: dict[int, np.ndarray] | None = None,
    style: str = "auto",
) -> np.ndarray:
    """Render ``grid`` ``(H, W)`` tile ids of ``spec`` to ``(H*tile, W*tile, 3) uint8`` RGB.

    ``sprites`` maps tile ids to ``(tile, tile, 3) uint8`` images that replace
    the atlas's ones; ``style`` picks the atlas (see :func:`tile_images`).
    """
    atlas = tile_images(spec, tile, style)
    if sprites:
        atlas = _with_sprites(atlas, sprites)
    grid = np.asarray(grid)
    if grid.ndim != 2:
        raise ValueError(f"grid must be 2-D (H, W) tile ids, got shape {grid.shape}")
    if grid.size and int(grid.max()) >= len(atlas):
        raise ValueError(f"grid holds tile id {int(grid.max())}; {spec.name} has ids 0..{len(atlas) - 1}")
    h, w = grid.shape
    # (H, W, t, t, 3) -> (H, t, W, t, 3) -> (H*t, W*t, 3)
    return atlas[grid].transpose(0, 2, 1, 3, 4).reshape(h * tile, w * tile, 3)


def render_level(
    level: Level,
    tile: int = 16,
    sprites: dict[int, np.ndarray] | None = None,
    style: str = "auto",
) -> np.ndarray:
    """Render a :class:`Level` to ``(H*tile, W*tile, 3) uint8`` RGB (arguments as :func:`render_grid`)."""
    return render_grid(level.spec, level.grid, tile, sprites, style)


# -- text ------------------------------------------------------------------
def _ansi_cell(t: Tile) -> str:
    """``t.char`` on its colour, in black or white text, whichever reads better."""
    r, g, b = t.colour
    fg = "0;0;0" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "255;255;255"
    return f"\x1b[38;2;{fg};48;2;{r};{g};{b}m{t.char}"


def ansi(spec: GameSpec, grid: np.ndarray, colour: bool = True) -> str:
    """``grid`` ``(H, W)`` as text, one char per tile, one line per row, final newline.

    With ``colour`` every tile gets its colour as a 24-bit ANSI background and
    each line ends with a reset; without, it is the level's text form.
    """
    cells = [_ansi_cell(t) if colour else t.char for t in spec.tiles]
    end = "\x1b[0m" if colour else ""
    return "".join("".join(cells[i] for i in row) + end + "\n" for row in np.asarray(grid).tolist())


# -- sheets ----------------------------------------------------------------
def contact_sheet(
    images: Sequence[np.ndarray],
    columns: int,
    pad: int = 4,
    bg: RGB = (24, 24, 28),
) -> np.ndarray:
    """Lay ``images`` (each ``(h_i, w_i, 3) uint8``) out row by row in ``columns`` columns.

    Each column is as wide as its widest image and each row as tall as its
    tallest; images are centred in their cells, with ``pad`` pixels of ``bg``
    around and between cells. Returns ``(H, W, 3) uint8``.
    """
    if not images:
        raise ValueError("contact_sheet needs at least one image")
    if columns < 1 or pad < 0:
        raise ValueError(f"columns must be >= 1 and pad >= 0, got {columns} and {pad}")
    images = [check_rgb(im) for im in images]
    columns = min(columns, len(images))
    n_rows = -(-len(images) // columns)
    heights = [max(im.shape[0] for im in images[r * columns : (r + 1) * columns]) for r in range(n_rows)]
    widths = [max(im.shape[1] for im in images[c::columns]) for c in range(columns)]
    tops = np.cumsum([pad] + [h + pad for h in heights])
    lefts = np.cumsum([pad] + [w + pad for w in widths])
    sheet = np.empty((tops[-1], lefts[-1], 3), dtype=np.uint8)
    sheet[:] = bg
    for i, im in enumerate(images):
        r, c = divmod(i, columns)
        y = tops[r] + (heights[r] - im.shape[0]) // 2
        x = lefts[c] + (widths[c] - im.shape[1]) // 2
        sheet[y : y + im.shape[0], x : x + im.shape[1]] = im
    return sheet
