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
from levelforge import render, sprites  # noqa: E402
from levelforge.game import GameSpec, game_names  # noqa: E402
from levelforge.paths import assets_dir  # noqa: E402
from levelforge.png import PNG_SIGNATURE, read_png, write_png  # noqa: E402
from levelforge.render import (  # noqa: E402
    ansi,
    contact_sheet,
    render_grid,
    render_level,
    tile_images,
)
from levelforge.sprites import SpriteError, compose, load_sprites, resample, sprite_file  # noqa: E402

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
@pytest.mark.parametrize("tile", [4, 8, 16])
@pytest.mark.parametrize("style", render.STYLES)
def test_distinct_tiles_distinct_images(game: str, tile: int, style: str) -> None:
    atlas = tile_images(lf.load_game(game), tile, style)
    flat = atlas.reshape(len(atlas), -1)
    assert len(np.unique(flat, axis=0)) == len(atlas)


@pytest.mark.parametrize("game", sorted(LEVELS))
def test_wall_centre_is_wall_colour(game: str) -> None:
    lv, t = level(game), 16
    wall = lv.spec.tile("wall")  # every shipped game has one
    img = render_level(lv, t, style="shapes")
    r, c = np.argwhere(lv.grid == wall.id)[0]
    assert tuple(img[r * t + t // 2, c * t + t // 2]) == wall.colour


def test_shapes_drawn_over_ground() -> None:
    spec, t = lf.load_game("dungeon"), 16
    atlas = tile_images(spec, t, "shapes")
    ground = spec.tile(spec.ground).colour
    for name in ("key", "avatar", "bat"):
        tile = spec.tile(name)
        img = atlas[tile.id]
        assert tuple(img[1, 1]) == ground, name  # corner: ground shows
        assert (img == tile.colour).all(axis=2).any(), name  # body: its colour


def test_composite_draws_terrain_under_parts() -> None:
    spec, t = lf.load_game("sokoban"), 16
    atlas = tile_images(spec, t, "shapes")
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
    with pytest.raises(ValueError, match="style"):
        render_grid(lv.spec, lv.grid, 16, style="pixels")


# -- sprites ---------------------------------------------------------------
def sheet_of(game: str) -> tuple[GameSpec, dict[str, np.ndarray]]:
    spec = lf.load_game(game)
    path = sprite_file(spec)
    assert path is not None and path == assets_dir() / "sprites" / f"{game}.toml"
    return spec, load_sprites(path, spec)


def block_mean(img: np.ndarray, k: int) -> np.ndarray:
    """``img`` ``(S, S, C)`` shrunk by ``k``: each pixel the rounded mean of a ``k x k`` block."""
    s, c = img.shape[0], img.shape[2]
    return np.rint(img.astype(np.float64).reshape(s // k, k, s // k, k, c).mean(axis=(1, 3))).astype(np.uint8)


@pytest.mark.parametrize("game", sorted(LEVELS))
def test_every_base_tile_has_a_sprite(game: str) -> None:
    spec, sheet = sheet_of(game)
    base = {t.name for t in spec.tiles if not t.is_composite}
    assert base <= set(sheet), f"{game}: no sprite for {sorted(base - set(sheet))}"
    assert set(sheet) <= {t.name for t in spec.tiles}
    for name, img in sheet.items():
        assert img.shape == (16, 16, 4) and img.dtype == np.uint8, name
        assert set(np.unique(img[..., 3])) <= {0, 255}, name
        layer = spec.tile(name).layer or spec.tile(spec.tile(name).parts[-1]).layer
        if layer == "terrain":
            assert (img[..., 3] == 255).all(), f"{name} is terrain: it must be opaque"
        else:
            assert (img[..., 3] == 0).any() and (img[..., 3] == 255).any(), name


@pytest.mark.parametrize("game", sorted(LEVELS))
def test_sprites_are_the_auto_style(game: str) -> None:
    spec, sheet = sheet_of(game)
    auto, shapes = tile_images(spec, 16), tile_images(spec, 16, "shapes")
    assert auto is tile_images(spec, 16, "auto")  # cached per style
    for t in spec.tiles:
        assert np.array_equal(auto[t.id], compose(spec, t, sheet)), t.name
        assert not np.array_equal(auto[t.id], shapes[t.id]), t.name


def test_shapes_style_is_the_procedural_drawing() -> None:
    for game in sorted(LEVELS):
        spec = lf.load_game(game)
        for tile in (8, 16):
            shapes = tile_images(spec, tile, "shapes")
            for t in spec.tiles:
                assert np.array_equal(shapes[t.id], render._draw_tile(spec, t, tile)), (game, tile, t.name)
    lv = level("sokoban")
    img = render_level(lv, 16, style="shapes")
    assert np.array_equal(img, render_grid(lv.spec, lv.grid, 16, style="shapes"))
    assert not np.array_equal(img, render_level(lv, 16))


@pytest.mark.parametrize("game", sorted(LEVELS))
def test_sprite_scaling_is_exact(game: str) -> None:
    spec = lf.load_game(game)
    at16 = tile_images(spec, 16)
    for k in (2, 3, 4):  # integer multiples: crisp nearest-neighbour blocks
        assert np.array_equal(tile_images(spec, 16 * k), at16.repeat(k, 1).repeat(k, 2))
    at8, at4 = tile_images(spec, 8), tile_images(spec, 4)
    for t in spec.tiles:
        assert np.array_equal(at8[t.id], block_mean(at16[t.id], 2)), t.name
        assert np.array_equal(at4[t.id], block_mean(at16[t.id], 4)), t.name


def test_resample_is_an_area_mean() -> None:
    img = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    assert np.array_equal(resample(img, 16), img)
    assert np.array_equal(resample(img, 32), img.repeat(2, 0).repeat(2, 1))
    assert np.array_equal(resample(img, 8), block_mean(img, 2))
    # 12 px: each output pixel covers 4/3 source pixels, weighted by the area covered
    out = resample(img, 12)
    w = np.array([1.0, 1 / 3])
    corner = np.einsum("i,j,ijc->c", w, w, img[:2, :2].astype(np.float64)) / (4 / 3) ** 2
    assert out.shape == (12, 12, 3) and np.array_equal(out[0, 0], np.rint(corner).astype(np.uint8))


def test_composite_is_its_parts_stacked() -> None:
    spec, sheet = sheet_of("sokoban")
    atlas = tile_images(spec, 16)
    goal = sheet["goal"][..., :3]
    for name, top in (("player_on_goal", "player"), ("box_on_goal", "box_on_goal")):
        sprite = sheet[top]
        shown = sprite[..., 3] > 0
        img = atlas[spec.tile(name).id]
        assert np.array_equal(img[~shown], goal[~shown]), name  # the goal where the top sprite is clear
        assert np.array_equal(img[shown], sprite[..., :3][shown]), name
    # box_on_goal's own sprite wins over the plain box
    assert "box_on_goal" in sheet
    assert not np.array_equal(atlas[spec.tile("box_on_goal").id], compose(spec, spec.tile("box"), sheet))
    box = sheet["box"][..., 3] > 0
    assert not np.array_equal(atlas[spec.tile("box_on_goal").id][box], sheet["box"][..., :3][box])


def test_things_are_drawn_over_the_ground_sprite() -> None:
    spec, sheet = sheet_of("dungeon")
    atlas = tile_images(spec, 16)
    ground = sheet[spec.ground][..., :3]
    for t in spec.tiles:
        if t.layer == "terrain":
            continue
        clear = sheet[t.name][..., 3] == 0
        assert clear.any() and np.array_equal(atlas[t.id][clear], ground[clear]), t.name


SPRITE_GAME = '''size = 4
[palette]
a = "#102030"
b = "#ffffff"
[sprites]
wall = """
aaaa
abba
abba
aaaa
"""
floor = """
bbbb
bbbb
bbbb
bbbb
"""
start = """
....
.aa.
.aa.
....
"""
'''


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "maze.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_load_sprites_small_file(tmp_path: Path) -> None:
    spec = lf.load_game("maze")
    sheet = load_sprites(write(tmp_path, SPRITE_GAME), spec)
    assert set(sheet) == {"wall", "floor", "start"}
    assert tuple(sheet["wall"][0, 0]) == (0x10, 0x20, 0x30, 255)
    assert tuple(sheet["wall"][1, 1]) == (255, 255, 255, 255)
    assert sheet["start"][0, 0, 3] == 0 and sheet["start"][1, 1, 3] == 255
    start = compose(spec, spec.tile("start"), sheet)  # over the floor
    assert start.shape == (4, 4, 3) and tuple(start[0, 0]) == (255, 255, 255) and tuple(start[1, 1]) == (16, 32, 48)
    assert compose(spec, spec.tile("exit"), sheet) is None  # no sprite: the renderer draws it


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("abba\nabba\naaaa\n", "abba\naaaa\n", r"sprite 'wall' has 3 lines, expected 4"),
        ("abba\nabba\naaaa\n", "abba\nabbaa\naaaa\n", r"sprite 'wall': line 3 is 5 characters wide, expected 4"),
        ("abba\nabba\naaaa\n", "abba\nabca\naaaa\n", r"sprite 'wall': line 3 uses 'c', which is not in \[palette\]"),
        ('b = "#ffffff"', 'b = "#fffff"', r"\[palette\] b = '#fffff' is not a colour"),
        ('b = "#ffffff"', 'b = "white"', r"is not a colour"),
        ('b = "#ffffff"', 'b = "#ffffff"\n"." = "#000000"', r"\[palette\] key '\.'"),
        ('b = "#ffffff"', 'b = "#ffffff"\nbb = "#000000"', r"\[palette\] key 'bb'"),
        ("start = ", "goal = ", r"sprite 'goal' is not a tile of maze"),
        ("bbbb\nbbbb\nbbbb\nbbbb\n", "bbbb\nbb.b\nbbbb\nbbbb\n", r"sprite 'floor' is terrain and must be opaque"),
        ("size = 4", "size = 0", r"size must be an integer"),
        ("size = 4", 'size = "4"', r"size must be an integer"),
        ("size = 4", "size = 4\nscale = 2", r"unknown keys \['scale'\]"),
        ("[sprites]", "[sprites", r"is not valid TOML"),
    ],
)
def test_bad_sprite_files_are_clear_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SPRITE_GAME
    p = write(tmp_path, SPRITE_GAME.replace(old, new, 1))
    with pytest.raises(SpriteError, match=message) as e:
        load_sprites(p, lf.load_game("maze"))
    assert str(p) in str(e.value)
    assert isinstance(e.value, ValueError) and str(e.value).startswith("SpriteError: ")


def custom_maze(tmp_path: Path, name: str) -> GameSpec:
    """A copy of the maze game, named ``name``, loaded from a folder of its own."""
    src = (lf.game.games_dir() / "maze" / "game.toml").read_text(encoding="utf-8")
    d = tmp_path / name
    d.mkdir()
    (d / "game.toml").write_text(src.replace('name = "maze"', f'name = "{name}"'), encoding="utf-8")
    return lf.load_game(d / "game.toml")


@pytest.mark.parametrize("name", ["labyrinth", "maze"])
def test_game_without_sprites_is_drawn(tmp_path: Path, name: str) -> None:
    # "labyrinth" has no sprite file; a "maze" from elsewhere is not the shipped maze.
    spec = custom_maze(tmp_path, name)
    assert sprite_file(spec) is None
    assert np.array_equal(tile_images(spec, 16), tile_images(spec, 16, "shapes"))
    grid = np.resize(np.arange(len(spec.tiles), dtype=np.uint8), (2, 2))
    assert np.array_equal(render_grid(spec, grid, 8), render_grid(spec, grid, 8, style="shapes"))


def test_tiles_without_sprites_are_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = custom_maze(tmp_path, "labyrinth")
    sheet = write(tmp_path, SPRITE_GAME.split("floor = ")[0])  # the wall only
    monkeypatch.setattr(sprites, "sprite_file", lambda s: sheet if s is spec else None)
    auto, shapes = tile_images(spec, 8), tile_images(spec, 8, "shapes")
    wall = spec.tile("wall").id
    assert np.array_equal(auto[wall], resample(load_sprites(sheet, spec)["wall"][..., :3], 8))
    for t in spec.tiles:
        if t.id != wall:
            assert np.array_equal(auto[t.id], shapes[t.id]), t.name  # "start" needs the floor: drawn too


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
