"""Tests for levelforge.gif, against a small GIF decoder written here (and pygame / Pillow)."""

from __future__ import annotations

import io
import os
import stat
import struct
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from levelforge import gif as gifmod  # noqa: E402
from levelforge.gif import GIF_SIGNATURE, encode_gif, lzw_encode, quantise, write_gif  # noqa: E402


# -- a reference decoder -------------------------------------------------------
def lzw_decode(data: bytes, min_size: int) -> tuple[bytes, int]:
    """Decode GIF LZW ``data``; returns the pixel indices and how many clear codes were read."""
    clear, end = 1 << min_size, (1 << min_size) + 1
    size = min_size + 1
    table: list[bytes] = []
    prev: int | None = None
    out = bytearray()
    clears = 0
    buf = nbits = pos = 0
    while True:
        while nbits < size:
            if pos >= len(data):
                raise ValueError("LZW data ends before the end code")
            buf |= data[pos] << nbits
            pos += 1
            nbits += 8
        code = buf & ((1 << size) - 1)
        buf >>= size
        nbits -= size
        if code == clear:
            clears += 1
            table = [bytes((i,)) for i in range(clear)] + [b"", b""]
            size, prev = min_size + 1, None
            continue
        if code == end:
            break
        if not table:
            raise ValueError("LZW data does not start with a clear code")
        if prev is None:
            if code >= clear:
                raise ValueError(f"first code after a clear is {code}, not a pixel")
            entry = table[code]
        else:
            if code < len(table):
                entry = table[code]
                added = table[prev] + entry[:1]
            elif code == len(table):  # the KwKwK case
                entry = added = table[prev] + table[prev][:1]
            else:
                raise ValueError(f"LZW code {code} is past the table ({len(table)} entries)")
            if len(table) < 4096:
                table.append(added)
                if len(table) == 1 << size and size < 12:
                    size += 1
        out += entry
        prev = code
    if pos != len(data):
        raise ValueError(f"{len(data) - pos} bytes after the end code")
    return bytes(out), clears


def _sub_blocks(data: bytes, pos: int) -> tuple[bytes, int]:
    out = bytearray()
    while True:
        n = data[pos]
        pos += 1
        if n == 0:
            return bytes(out), pos
        out += data[pos : pos + n]
        assert len(data[pos : pos + n]) == n, "truncated sub-block"
        pos += n


def decode_gif(data: bytes) -> dict:
    """Parse a GIF: screen size, global palette, loop count, and each image with the
    canvas composed after it (disposal 0/1: draw over the previous canvas)."""
    assert data[:6] in (b"GIF89a", b"GIF87a")
    width, height, packed, _bg, _aspect = struct.unpack_from("<HHBBB", data, 6)
    pos = 13
    palette = None
    if packed & 0x80:
        n = 2 << (packed & 7)
        palette = np.frombuffer(data[pos : pos + 3 * n], dtype=np.uint8).reshape(n, 3)
        pos += 3 * n
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    gce: dict | None = None
    loop = None
    images = []
    while True:
        kind = data[pos]
        pos += 1
        if kind == 0x3B:
            break
        if kind == 0x21:
            label = data[pos]
            body, pos = _sub_blocks(data, pos + 1)
            if label == 0xF9:
                p, delay, tindex = struct.unpack_from("<BHB", body, 0)
                gce = {"disposal": (p >> 2) & 7, "delay": delay, "transparent": tindex if p & 1 else None}
            elif label == 0xFF and body[:11] == b"NETSCAPE2.0":
                assert body[11] == 1
                loop = struct.unpack_from("<H", body, 12)[0]
            continue
        assert kind == 0x2C, f"unexpected block 0x{kind:02x} at {pos - 1}"
        left, top, w, h, p = struct.unpack_from("<HHHHB", data, pos)
        pos += 9
        assert not p & 0x40, "interlaced images are not decoded here"
        pal = palette
        if p & 0x80:
            n = 2 << (p & 7)
            pal = np.frombuffer(data[pos : pos + 3 * n], dtype=np.uint8).reshape(n, 3)
            pos += 3 * n
        min_size = data[pos]
        lzw, pos = _sub_blocks(data, pos + 1)
        pixels, clears = lzw_decode(lzw, min_size)
        assert len(pixels) == w * h, f"image holds {len(pixels)} pixels, expected {w * h}"
        assert left + w <= width and top + h <= height
        idx = np.frombuffer(pixels, dtype=np.uint8).reshape(h, w)
        g = gce or {"disposal": 0, "delay": 0, "transparent": None}
        assert g["disposal"] in (0, 1)
        region = canvas[top : top + h, left : left + w]
        draw = np.ones((h, w), dtype=bool) if g["transparent"] is None else idx != g["transparent"]
        assert int(idx[draw].max(initial=0)) < len(pal)
        region[draw] = pal[idx[draw]]
        images.append({"rect": (left, top, w, h), "delay": g["delay"], "transparent": g["transparent"],
                       "disposal": g["disposal"], "min_size": min_size, "clears": clears,
                       "canvas": canvas.copy(), "indices": idx})
        gce = None
    assert pos == len(data), "bytes after the trailer"
    return {"width": width, "height": height, "palette": palette, "loop": loop, "images": images}


def shown_frames(gif: dict, delay: int) -> list[np.ndarray]:
    """The canvas at each ``delay``-centisecond tick (each image shows delay // ``delay`` ticks)."""
    out = []
    for im in gif["images"]:
        assert im["delay"] % delay == 0, (im["delay"], delay)
        out.extend([im["canvas"]] * (im["delay"] // delay))
    return out


def rng_frames(rng, n: int, h: int, w: int, colours: int = 12) -> list[np.ndarray]:
    """``n`` frames over ``colours`` colours; each changes a few 4x4 'tiles' of the last (some none)."""
    pal = rng.integers(0, 256, (colours, 3), dtype=np.uint8)
    f = pal[rng.integers(0, colours, (h, w))]
    out = [f]
    for k in range(1, n):
        f = f.copy()
        for _ in range(int(rng.integers(0, 3)) if k % 5 else 0):  # every 5th frame unchanged
            y, x = int(rng.integers(0, h - 3)), int(rng.integers(0, w - 3))
            f[y : y + 4, x : x + 4] = pal[rng.integers(0, colours, (4, 4))]
        out.append(f)
    return out


# -- round trips -----------------------------------------------------------------
def test_single_frame_roundtrip_and_header() -> None:
    rng = np.random.default_rng(1)
    rgb = rng_frames(rng, 1, 5, 7, colours=5)[0]
    data = encode_gif([rgb], fps=10)
    assert data[:6] == GIF_SIGNATURE == b"GIF89a"
    assert data[-1:] == b"\x3b"
    gif = decode_gif(data)
    assert (gif["width"], gif["height"]) == (7, 5)
    n = len(gif["palette"])
    assert n >= 2 and n & (n - 1) == 0
    assert gif["loop"] == 0
    [im] = gif["images"]
    assert im["rect"] == (0, 0, 7, 5) and im["delay"] == 10 and im["transparent"] is None
    assert np.array_equal(im["canvas"], rgb)


def test_many_frames_with_small_changes_compose_exactly() -> None:
    rng = np.random.default_rng(2)
    frames = rng_frames(rng, 60, 40, 56)
    gif = decode_gif(encode_gif(frames, fps=20))
    assert all(im["delay"] % 5 == 0 for im in gif["images"])
    shown = shown_frames(gif, 5)
    assert len(shown) == len(frames)
    for k, (a, b) in enumerate(zip(shown, frames)):
        assert np.array_equal(a, b), f"frame {k}"
    later = gif["images"][1:]
    assert later and all(im["disposal"] == 1 for im in gif["images"])
    assert all(im["rect"][2] * im["rect"][3] < 40 * 56 for im in later)  # rectangles, not whole frames
    assert any(im["transparent"] is not None for im in later)  # 12 colours: 16-entry table has a spare


def test_changed_rectangle_is_tight() -> None:
    a = np.zeros((10, 12, 3), dtype=np.uint8)
    a[0, 0] = 5  # 5 colours: an 8-entry table with spare entries
    b = a.copy()
    b[7, 3] = (255, 0, 0)
    c = b.copy()
    c[1, 2] = (0, 255, 0)
    c[8, 9] = (0, 0, 255)
    gif = decode_gif(encode_gif([a, b, c]))
    assert [im["rect"] for im in gif["images"]] == [(0, 0, 12, 10), (3, 7, 1, 1), (2, 1, 8, 8)]
    assert gif["images"][2]["transparent"] is not None  # unchanged pixels inside the rectangle
    assert np.array_equal(gif["images"][2]["canvas"], c)


def test_no_transparency_without_a_spare_palette_entry() -> None:
    rng = np.random.default_rng(3)
    pal = np.stack(np.unravel_index(np.arange(256), (8, 8, 4)), axis=1).astype(np.uint8) * 30
    f0 = pal[rng.permutation(256).reshape(16, 16)]  # exactly 256 colours
    f1 = f0.copy()
    f1[2:6, 2:6] = f0[10:14, 10:14]
    gif = decode_gif(encode_gif([f0, f1]))
    assert len(gif["palette"]) == 256
    assert all(im["transparent"] is None for im in gif["images"])
    assert np.array_equal(gif["images"][1]["canvas"], f1)


def check_nearest(frames: list[np.ndarray], gif: dict, delay: int, mean_err: float, max_err: int) -> None:
    """Each shown pixel is a nearest palette colour of the frame's pixel, within the error bounds."""
    pal = gif["palette"].astype(np.int64)
    shown = shown_frames(gif, delay)
    assert len(shown) == len(frames)
    for frame, got in zip(frames, shown):
        f = frame.reshape(-1, 3).astype(np.int64)
        d_all = ((f[:, None, :] - pal[None, :, :]) ** 2).sum(-1)
        d_got = ((f - got.reshape(-1, 3).astype(np.int64)) ** 2).sum(-1)
        assert np.array_equal(d_got, d_all.min(1))  # each pixel shows a nearest palette colour
        err = np.abs(f - got.reshape(-1, 3))
        assert err.mean() < mean_err and err.max() < max_err, (err.mean(), err.max())


def gradient_frames() -> list[np.ndarray]:
    y, x = np.mgrid[0:96, 0:96]
    grad = np.stack([x * 255 // 95, y * 255 // 95, (x + y) * 255 // 190], axis=-1).astype(np.uint8)
    later = grad.copy()
    later[10:30, 40:70] = 255 - later[10:30, 40:70]  # a second frame changing part of it
    nudged = later.copy()
    nudged[50:60, 50:60] ^= 1  # a change the palette may not see: the frame may merge
    return [grad, later, nudged]


@pytest.mark.parametrize("cells", [False, True])
def test_more_than_256_colours_are_quantised_to_the_nearest_palette_colour(cells, monkeypatch) -> None:
    if cells:  # the paths for many colours: median cut over cells, nearest search per cell
        monkeypatch.setattr(gifmod, "_CUT_CELLS_ABOVE", 256)
        monkeypatch.setattr(gifmod, "_NEAREST_CELLS_ABOVE", 0)
    frames = gradient_frames()
    assert len(np.unique(np.concatenate(frames).reshape(-1, 3), axis=0)) > 256
    data = encode_gif(frames, fps=4)
    assert encode_gif(frames, fps=4) == data  # deterministic
    gif = decode_gif(data)
    assert len(gif["palette"]) == 256
    assert sum(im["delay"] for im in gif["images"]) == 75
    check_nearest(frames, gif, 25, mean_err=5, max_err=24)


def test_many_colour_cells_search_equals_the_full_search() -> None:
    rng = np.random.default_rng(13)
    for trial in range(12):
        k = int(rng.integers(1, 257))
        pal = rng.integers(0, 256, (k, 3), dtype=np.uint8)
        if trial % 3 == 0:
            pal[k // 2 :] = pal[: k - k // 2]  # repeated entries: ties go to the lowest index
        if trial % 4 == 1:
            pal = pal // 16 * 16  # entries on cell corners
        cols = rng.integers(0, 256, (20000, 3), dtype=np.uint8)
        if trial % 2:
            cols = cols // 8 * 8 + rng.integers(0, 2, (20000, 3), dtype=np.uint8) * 7  # on cell edges
        assert np.array_equal(gifmod._nearest_cells(cols, pal), gifmod._nearest_brute(cols, pal)), trial


def test_random_true_colour_frames() -> None:
    rng = np.random.default_rng(14)
    frames = [rng.integers(0, 256, (40, 50, 3), dtype=np.uint8) for _ in range(3)]
    gif = decode_gif(encode_gif(frames, fps=10))
    check_nearest(frames, gif, 10, mean_err=15, max_err=64)


def test_the_palette_weights_colours_by_pixels_shown_over_all_frames(monkeypatch) -> None:
    seen = {}

    def spy(colours, weights, n=256):
        seen["colours"], seen["weights"] = colours.copy(), np.asarray(weights).copy()
        return quantise(colours, weights, n)

    monkeypatch.setattr(gifmod, "quantise", spy)
    rng = np.random.default_rng(15)
    frames = gradient_frames()
    frames += [frames[-1]] * 3  # unchanged frames count too
    f = frames[-1].copy()
    f[0:5, 0:90] = rng.integers(0, 256, (5, 90, 3), dtype=np.uint8)
    frames.append(f)
    encode_gif(frames)
    expected: dict[tuple, int] = {}
    for frame in frames:
        cols, counts = np.unique(frame.reshape(-1, 3), axis=0, return_counts=True)
        for c, k in zip(map(tuple, cols.tolist()), counts.tolist()):
            expected[c] = expected.get(c, 0) + k
    got = {tuple(c): w for c, w in zip(seen["colours"].tolist(), seen["weights"].tolist())}
    assert got == expected


def test_quantise_keeps_few_colours_and_weights_the_palette() -> None:
    few = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.uint8)
    pal, idx = quantise(few, np.array([1, 1]), 256)
    assert np.array_equal(pal, few) and list(idx) == [0, 1]
    rng = np.random.default_rng(4)
    colours = rng.integers(0, 256, (2000, 3), dtype=np.uint8)
    colours = np.unique(colours, axis=0)
    weights = np.ones(len(colours))
    weights[0] = 1e6  # one colour shown by most pixels must be kept exactly
    pal, idx = quantise(colours, weights, 16)
    assert len(pal) == 16 and idx.shape == (len(colours),)
    assert np.array_equal(pal[idx[0]], colours[0])


def test_unchanged_frames_merge_their_delays() -> None:
    a = np.zeros((4, 6, 3), dtype=np.uint8)
    b = a.copy()
    b[1, 1] = 200
    frames = [a, a, b, b, b]
    gif = decode_gif(encode_gif(frames, fps=10))
    assert [im["delay"] for im in gif["images"]] == [20, 30]
    assert sum(im["delay"] for im in gif["images"]) == 10 * len(frames)
    assert all(np.array_equal(s, f) for s, f in zip(shown_frames(gif, 10), frames))
    # all frames the same: one image holding the whole duration
    gif = decode_gif(encode_gif([a] * 7, fps=10, hold_last=0.5))
    assert [im["delay"] for im in gif["images"]] == [120]


def test_delays_hold_last_and_fps() -> None:
    rng = np.random.default_rng(5)
    frames = [rng.integers(0, 2, (3, 3, 3), dtype=np.uint8) * 255 for _ in range(4)]
    frames = [f for i, f in enumerate(frames) if i == 0 or not np.array_equal(f, frames[i - 1])]
    n = len(frames)
    for fps, cs in ((8.0, round(100 / 8)), (1, 100), (30, 3), (100, 2), (1000, 2)):
        gif = decode_gif(encode_gif(frames, fps=fps))
        assert [im["delay"] for im in gif["images"]] == [cs] * n
    gif = decode_gif(encode_gif(frames, fps=10, hold_last=1.5))
    assert [im["delay"] for im in gif["images"]] == [10] * (n - 1) + [160]


def test_a_delay_too_long_for_one_frame_is_split() -> None:
    a = np.full((2, 3, 3), 9, dtype=np.uint8)
    b = a.copy()
    b[1, 2] = 70
    gif = decode_gif(encode_gif([a, b], fps=0.01))  # 10000 cs each
    assert [im["delay"] for im in gif["images"]] == [10000, 10000]
    gif = decode_gif(encode_gif([a, b], fps=0.01, hold_last=1000))  # last: 110000 cs
    delays = [im["delay"] for im in gif["images"]]
    assert delays[0] == 10000 and sum(delays[1:]) == 110000 and max(delays) <= 0xFFFF and min(delays) >= 2
    assert all(np.array_equal(im["canvas"], b) for im in gif["images"][1:])


def test_loop_extension_present_or_absent() -> None:
    f = np.zeros((2, 2, 3), dtype=np.uint8)
    assert b"NETSCAPE2.0" in encode_gif([f], loop=True)
    assert decode_gif(encode_gif([f], loop=True))["loop"] == 0
    assert b"NETSCAPE2.0" not in encode_gif([f], loop=False)
    assert decode_gif(encode_gif([f], loop=False))["loop"] is None


def test_large_frame_forces_code_table_resets() -> None:
    rng = np.random.default_rng(6)
    pal = rng.integers(0, 256, (256, 3), dtype=np.uint8)
    pal[:, 0] = np.arange(256)  # 256 distinct colours
    f = pal[rng.integers(0, 256, (300, 300))]
    g = f.copy()
    g[50:250, 20:280] = pal[rng.integers(0, 256, (200, 260))]
    gif = decode_gif(encode_gif([f, g]))
    assert len(gif["palette"]) == 256
    assert gif["images"][0]["min_size"] == 8
    assert gif["images"][0]["clears"] > 10
    assert np.array_equal(gif["images"][0]["canvas"], f)
    assert np.array_equal(gif["images"][1]["canvas"], g)


@pytest.mark.parametrize("shape", [(1, 1), (1, 500), (500, 1), (3, 2), (17, 31)])
def test_odd_sizes(shape) -> None:
    rng = np.random.default_rng(7)
    h, w = shape
    pal = rng.integers(0, 256, (40, 3), dtype=np.uint8)
    frames = [pal[rng.integers(0, 40, (h, w))] for _ in range(3)]
    frames.append(frames[-1].copy())
    frames[-1][h // 2, w // 2] ^= 1
    gif = decode_gif(encode_gif(frames, fps=50))
    shown = shown_frames(gif, 2)
    assert len(shown) == len(frames)
    assert all(np.array_equal(s, f) for s, f in zip(shown, frames))


@pytest.mark.parametrize("colours", [1, 2, 3, 4, 5, 16, 17, 255])
def test_palette_sizes(colours) -> None:
    rng = np.random.default_rng(colours)
    pal = np.stack([np.arange(colours), np.arange(colours)[::-1], np.full(colours, 7)], axis=1).astype(np.uint8)
    frames = [pal[rng.integers(0, colours, (16, 16))] for _ in range(2)]
    frames[0].reshape(-1, 3)[:colours] = pal  # every colour shows
    gif = decode_gif(encode_gif(frames))
    n = len(gif["palette"])
    assert n >= 2 and n & (n - 1) == 0 and n // 2 < max(2, colours) <= n
    assert gif["images"][0]["min_size"] == max(2, (n - 1).bit_length())
    assert all(np.array_equal(im["canvas"], f) for im, f in zip(gif["images"], frames))


@pytest.mark.parametrize("min_size", [2, 3, 4, 8])
def test_lzw_round_trips(min_size) -> None:
    rng = np.random.default_rng(min_size)
    top = 1 << min_size
    cases = [b"", bytes(1), bytes(5000),  # a run: the KwKwK case throughout
             bytes(rng.integers(0, top, 20000, dtype=np.uint8)),
             bytes(np.repeat(rng.integers(0, top, 3000, dtype=np.uint8), rng.integers(1, 9, 3000)))]
    cases += [bytes(rng.integers(0, min(top, 3), n, dtype=np.uint8)) for n in (2, 3, 7, 8, 9, 63, 64, 65, 255, 256)]
    for pixels in cases:
        out, clears = lzw_decode(lzw_encode(pixels, min_size), min_size)
        assert out == pixels
        assert clears >= 1


def test_lzw_encode_checks_its_input() -> None:
    with pytest.raises(ValueError, match="code size"):
        lzw_encode(b"\x00", 9)
    with pytest.raises(ValueError, match="code size"):
        lzw_encode(b"\x00", 1)
    with pytest.raises(ValueError, match="below"):
        lzw_encode(bytes([0, 4]), 2)


# -- input checks ----------------------------------------------------------------
def test_iterators_and_4d_arrays_are_accepted(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    frames = rng_frames(rng, 6, 8, 8)
    stack = np.stack(frames)
    data = encode_gif(frames)
    assert encode_gif(iter(frames)) == data
    assert encode_gif(f for f in frames) == data
    assert encode_gif(stack) == data
    p = write_gif(tmp_path / "a.gif", (f for f in frames))
    assert p == tmp_path / "a.gif" and p.read_bytes() == data


def test_a_reused_frame_buffer_is_read_at_each_step() -> None:
    def frames():
        buf = np.zeros((4, 4, 3), dtype=np.uint8)
        for k in range(3):
            buf[k, k] = 100 + k
            yield buf

    gif = decode_gif(encode_gif(frames(), fps=10))
    assert len(gif["images"]) == 3
    assert gif["images"][0]["canvas"][1, 1].tolist() == [0, 0, 0]
    assert gif["images"][2]["canvas"][2, 2].tolist() == [102, 102, 102]


def test_bad_input_is_rejected() -> None:
    f = np.zeros((4, 5, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="frame 2"):
        encode_gif([f, f, np.zeros((4, 6, 3), dtype=np.uint8)])
    with pytest.raises(ValueError, match="no frames"):
        encode_gif([])
    with pytest.raises(ValueError, match="no frames"):
        encode_gif(iter(()))
    with pytest.raises(ValueError, match="frame 1.*uint8"):
        encode_gif([f, f.astype(np.float32)])
    with pytest.raises(ValueError, match="frame 0"):
        encode_gif([np.zeros((4, 5), dtype=np.uint8)])
    with pytest.raises(ValueError, match="frame 0"):
        encode_gif([np.zeros((4, 5, 4), dtype=np.uint8)])
    with pytest.raises(ValueError, match="frame 0"):
        encode_gif([np.zeros((0, 5, 3), dtype=np.uint8)])
    for fps in (0, -1, -0.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="fps"):
            encode_gif([f], fps=fps)
    for fps in ("8", None, True):
        with pytest.raises(TypeError, match="fps"):
            encode_gif([f], fps=fps)
    for hold in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="hold_last"):
            encode_gif([f], hold_last=hold)
    with pytest.raises(TypeError, match="hold_last"):
        encode_gif([f], hold_last="1")


def test_write_is_atomic(tmp_path: Path) -> None:
    f = np.zeros((4, 5, 3), dtype=np.uint8)

    def frames_then_bad():
        yield f
        yield f + 1
        yield np.zeros((4, 6, 3), dtype=np.uint8)

    target = tmp_path / "replay.gif"
    with pytest.raises(ValueError, match="frame 2"):
        write_gif(target, frames_then_bad())
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []

    good = write_gif(target, [f]).read_bytes()
    with pytest.raises(ValueError):
        write_gif(target, frames_then_bad())
    assert target.read_bytes() == good  # the old GIF survives a failed write
    assert [p.name for p in tmp_path.iterdir()] == ["replay.gif"]

    write_gif(target, [f + 3, f])
    assert target.read_bytes() == encode_gif([f + 3, f])
    assert [p.name for p in tmp_path.iterdir()] == ["replay.gif"]
    plain = tmp_path / "plain.bin"
    plain.write_bytes(b"x")  # the permissions an ordinary new file gets (umask applied)
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_a_failed_replace_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "taken.gif").mkdir()  # a folder where the GIF should go
    with pytest.raises(OSError):
        write_gif(tmp_path / "taken.gif", [np.zeros((2, 2, 3), dtype=np.uint8)])
    assert [p.name for p in tmp_path.iterdir()] == ["taken.gif"]
    assert list((tmp_path / "taken.gif").iterdir()) == []


def test_write_into_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_gif(tmp_path / "nope" / "a.gif", [np.zeros((2, 2, 3), dtype=np.uint8)])
    assert list(tmp_path.iterdir()) == []


# -- other decoders ----------------------------------------------------------------
def test_pygame_reads_the_first_frame(tmp_path: Path) -> None:
    pygame = pytest.importorskip("pygame")
    rng = np.random.default_rng(9)
    frames = rng_frames(rng, 5, 20, 33)
    big = np.random.default_rng(10).integers(0, 256, (120, 130, 3), dtype=np.uint8)
    for name, frame0, rest in (("tiles.gif", frames[0], frames[1:]), ("big.gif", big, [])):
        p = write_gif(tmp_path / name, [frame0, *rest])
        surf = pygame.image.load(str(p))
        assert np.array_equal(pygame.surfarray.array3d(surf).transpose(1, 0, 2), decode_gif(p.read_bytes())["images"][0]["canvas"])
    assert np.array_equal(pygame.surfarray.array3d(pygame.image.load(str(tmp_path / "tiles.gif"))).transpose(1, 0, 2), frames[0])


def test_pillow_reads_every_frame(tmp_path: Path) -> None:
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(11)
    cases = {
        "tiles": rng_frames(rng, 30, 24, 40),
        "resets": [np.random.default_rng(12).integers(0, 256, (200, 210, 3), dtype=np.uint8)],
        "odd": [np.full((1, 500, 3), 3, dtype=np.uint8), np.full((1, 500, 3), 250, dtype=np.uint8)],
    }
    for name, frames in cases.items():
        data = encode_gif(frames, fps=10)
        gif = decode_gif(data)
        with Image.open(io.BytesIO(data)) as im:
            assert im.n_frames == len(gif["images"])
            for k, ours in enumerate(gif["images"]):
                im.seek(k)
                assert np.array_equal(np.asarray(im.convert("RGB")), ours["canvas"]), (name, k)
                assert im.info["duration"] == ours["delay"] * 10
            assert im.info.get("loop") == 0
        if name != "resets":  # the random frame is quantised
            assert all(np.array_equal(s, f) for s, f in zip(shown_frames(gif, 10), frames))
