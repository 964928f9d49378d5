"""Tests for levelforge.render (tile images, ANSI text, contact sheets) and levelforge.png."""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import levelforge as lf  # noqa: E402
from levelforge.game import game_names  # noqa: E402
from levelforge.png import PNG_SIGNATURE, read_png, write_png  # noqa: E402
from levelforge.render import (  # noqa: E402
    ansi,
    contact_sheet,
    render_grid,
    render_level,
    tile_images,
)

# One small level per shipped game, using every tile of that game.
LEVELS = {
    "dungeon": "wwwwwww\nwA+.1gw\nw.2.3.w\nwwwwwww\n",
    "sokoban": "#######\n# @ .$#\n# $*+.#\n#######\n",
    "maze": "#######\n#S...E#\n#.###.#\n#######\n",
}


def level(game: str) -> lf.Level:
    return lf.parse_level(LEVELS[game], game)


@pytest.mark.parametrize("game", sorted(LEVELS))
def test_test_levels_use_every_tile(game: str) -> None:
    assert set(lf.load_game(game).chars) <= set(LEVELS[game])


@pytest.mark.parametrize("game", game_names())
@pytest.mark.parametrize("tile", [4, 7, 16, 64])
def test_render_shape_and_dtype_every_game(game: str, tile: int) -> None:
    spec = lf.load_game(game)
    grid = np.resize(np.arange(len(spec.tiles), dtype=np.uint8), (3, 5))  # every tile id
    img = render_grid(spec, grid, tile)
    assert img.shape == (3 * tile, 5 * tile, 3)
    assert img.dtype == np.uint8


@pytest.mark.parametrize("game", sorted(LEVELS))
@pytest.mark.parametrize("tile", [4, 16])
def test_render_level_shape(game: str, tile: int) -> None:
    lv = level(game)
    img = render_level(lv, tile)
    assert img.shape == (lv.height * tile, lv.width * tile, 3) and img.dtype == np.uint8
    assert np.array_equal(img, render_grid(lv.spec, lv.grid, tile))


@pytest.mark.parametrize("game", sorted(LEVELS))
def test_render_places_tile_images(game: str) -> None:
    lv, t = level(game), 16
    img, atlas = render_level(lv, t), tile_images(lv.spec, t)
    for (r, c), tid in np.ndenumerate(lv.grid):
        assert np.array_equal(img[r * t : (r + 1) * t, c * t : (c + 1) * t], atlas[tid])


@pytest.mark.parametrize("game", sorted(LEVELS))
@pytest.mark.parametrize("tile", [4, 16])
def test_distinct_tiles_distinct_images(game: str, tile: int) -> None:
    atlas = tile_images(lf.load_game(game), tile)
    flat = atlas.reshape(len(atlas), -1)
    assert len(np.unique(flat, axis=0)) == len(atlas)


@pytest.mark.parametrize("game", sorted(LEVELS))
def test_wall_centre_is_wall_colour(game: str) -> None:
    lv, t = level(game), 16
    wall = lv.spec.tile("wall")  # every shipped game has one
    img = render_level(lv, t)
    r, c = np.argwhere(lv.grid == wall.id)[0]
    assert tuple(img[r * t + t // 2, c * t + t // 2]) == wall.colour


def test_shapes_drawn_over_ground() -> None:
    spec, t = lf.load_game("dungeon"), 16
    atlas = tile_images(spec, t)
    ground = spec.tile(spec.ground).colour
    for name in ("key", "avatar", "bat"):
        tile = spec.tile(name)
        img = atlas[tile.id]
        assert tuple(img[1, 1]) == ground, name  # corner: ground shows
        assert (img == tile.colour).all(axis=2).any(), name  # body: its colour


def test_composite_draws_terrain_under_parts() -> None:
    spec, t = lf.load_game("sokoban"), 16
    atlas = tile_images(spec, t)
    goal = spec.tile("goal").colour
    for name in ("box_on_goal", "player_on_goal"):
        img = atlas[spec.tile(name).id]
        assert tuple(img[1, 1]) == goal
        assert (img == spec.tile(name).colour).all(axis=2).any()


def test_sprites_override() -> None:
    lv, t = level("maze"), 8
    wall = lv.spec.tile("wall").id
    sprite = np.full((t, t, 3), 7, dtype=np.uint8)
    img = render_level(lv, t, sprites={wall: sprite})
    assert (img[:t, :t] == 7).all()
    assert not (render_level(lv, t)[:t, :t] == 7).all()  # cache untouched
    with pytest.raises(ValueError):
        render_level(lv, t, sprites={wall: sprite[:4]})


def test_bad_arguments() -> None:
    lv = level("maze")
    for tile in (3, 65):
        with pytest.raises(ValueError):
            render_grid(lv.spec, lv.grid, tile)
    with pytest.raises(ValueError):
        render_grid(lv.spec, np.full((3, 3), 200, dtype=np.uint8))


# -- PNG -------------------------------------------------------------------
def random_rgb(h: int = 13, w: int = 11, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_png_roundtrip(tmp_path: Path) -> None:
    for i, rgb in enumerate([random_rgb(), render_level(level("dungeon"), 16), random_rgb(1, 1)]):
        p = write_png(tmp_path / f"{i}.png", rgb)
        assert p.read_bytes().startswith(PNG_SIGNATURE)
        back = read_png(p)
        assert back.dtype == np.uint8 and np.array_equal(back, rgb)


def _filter_row(kind: int, row: bytes, prev: bytes, bpp: int = 3) -> bytes:
    """Reference PNG filter (encoder side), byte by byte."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        p = a + b - c
        paeth = min((abs(p - a), 0, a), (abs(p - b), 1, b), (abs(p - c), 2, c))[2]
        pred = (0, a, b, (a + b) // 2, paeth)[kind]
        out.append((x - pred) & 0xFF)
    return bytes(out)


def test_read_png_all_filter_types(tmp_path: Path) -> None:
    rgb = random_rgb(10, 9, seed=1)
    h, w, _ = rgb.shape
    raw, prev = bytearray(), bytes(w * 3)
    for y in range(h):
        row = rgb[y].tobytes()
        kind = y % 5
        raw += bytes([kind]) + _filter_row(kind, row, prev)
        prev = row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    data = b"".join(
        (
            PNG_SIGNATURE,
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)),
            chunk(b"IDAT", zlib.compress(bytes(raw))[:7]),  # image data split over two IDATs
            chunk(b"IDAT", zlib.compress(bytes(raw))[7:]),
            chunk(b"IEND", b""),
        )
    )
    p = tmp_path / "filtered.png"
    p.write_bytes(data)
    assert np.array_equal(read_png(p), rgb)


def test_read_png_rejects_bad_crc(tmp_path: Path) -> None:
    p = write_png(tmp_path / "a.png", random_rgb())
    data = bytearray(p.read_bytes())
    data[20] ^= 0xFF  # inside IHDR
    p.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="CRC"):
        read_png(p)


def test_write_png_rejects_non_rgb(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_png(tmp_path / "a.png", np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(ValueError):
        write_png(tmp_path / "a.png", np.zeros((4, 4, 3), dtype=np.float32))


def test_pygame_reads_our_png(tmp_path: Path) -> None:
    pygame = pytest.importorskip("pygame")
    rgb = render_level(level("sokoban"), 16)
    p = write_png(tmp_path / "level.png", rgb)
    surf = pygame.image.load(str(p))
    assert surf.get_size() == (rgb.shape[1], rgb.shape[0])
    assert np.array_equal(pygame.surfarray.array3d(surf).transpose(1, 0, 2), rgb)


def test_we_read_pygames_png(tmp_path: Path) -> None:
    pygame = pytest.importorskip("pygame")
    rgb = render_level(level("dungeon"), 8)
    surf = pygame.surfarray.make_surface(rgb.transpose(1, 0, 2).copy())
    p = tmp_path / "pg.png"
    pygame.image.save(surf, str(p))
    try:
        back = read_png(p)
    except ValueError as e:  # e.g. a build that writes RGBA
        pytest.skip(f"pygame wrote a PNG flavour read_png does not read: {e}")
    assert np.array_equal(back, rgb)


# -- text ------------------------------------------------------------------
@pytest.mark.parametrize("game", sorted(LEVELS))
def test_ansi_plain_is_level_text(game: str) -> None:
    lv = level(game)
    assert ansi(lv.spec, lv.grid, colour=False) == lv.text == LEVELS[game]


def test_ansi_colour() -> None:
    lv = level("dungeon")
    out = ansi(lv.spec, lv.grid)
    lines = out.split("\n")
    assert lines[-1] == "" and len(lines) == lv.height + 1
    r, g, b = lv.spec.tile("wall").colour
    assert lines[0].startswith("\x1b[") and f"48;2;{r};{g};{b}m" in lines[0]
    assert all(line.endswith("\x1b[0m") for line in lines[:-1])
    assert _strip_ansi(out) == lv.text


def _strip_ansi(s: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", s)


# -- contact sheet ---------------------------------------------------------
def test_contact_sheet_equal_sizes() -> None:
    imgs = [np.full((10, 20, 3), i, dtype=np.uint8) for i in range(1, 6)]
    sheet = contact_sheet(imgs, columns=2, pad=3, bg=(200, 0, 0))
    assert sheet.shape == (3 * 10 + 4 * 3, 2 * 20 + 3 * 3, 3) and sheet.dtype == np.uint8
    assert tuple(sheet[0, 0]) == (200, 0, 0)
    for i in range(5):
        r, c = divmod(i, 2)
        y, x = 3 + r * 13, 3 + c * 23
        assert (sheet[y : y + 10, x : x + 20] == i + 1).all()
    assert tuple(sheet[-5, -5]) == (200, 0, 0)  # empty last cell


def test_contact_sheet_mixed_sizes() -> None:
    imgs = [np.full((h, w, 3), 255, dtype=np.uint8) for h, w in [(4, 4), (8, 2), (2, 10)]]
    sheet = contact_sheet(imgs, columns=2, pad=1, bg=(0, 0, 0))
    # column 0 holds images 0 and 2 (10 wide), column 1 image 1 (2 wide); rows 8 and 2 tall
    assert sheet.shape == (1 + 8 + 1 + 2 + 1, 1 + 10 + 1 + 2 + 1, 3)
    assert int((sheet == 255).all(axis=2).sum()) == 16 + 16 + 20
    with pytest.raises(ValueError):
        contact_sheet([], 2)


def test_contact_sheet_of_levels() -> None:
    imgs = [render_level(level(g), 8) for g in sorted(LEVELS)]
    sheet = contact_sheet(imgs, columns=3)
    assert sheet.ndim == 3 and sheet.shape[2] == 3 and sheet.dtype == np.uint8
