"""An animated-GIF (GIF89a) writer on numpy and the standard library.

:func:`write_gif` / :func:`encode_gif` turn a sequence of ``(H, W, 3) uint8``
RGB frames, all the same shape, into a looping (or not) animated GIF, such
as the replay of a tile-game episode.

- One global colour table. Frames that together hold at most 256 colours are
  stored exactly; otherwise a palette of 256 colours is built by a median cut
  over the colours weighted by how many pixels show them (over all frames),
  and each pixel becomes its nearest palette colour. The table is padded to a
  power of two (at least 2 entries).
- Each frame after the first stores only the bounding rectangle of the pixels
  that differ from the previous frame (disposal method 1, "do not dispose").
  Where the table has a spare entry it is the transparent index, used for the
  pixels inside the rectangle that keep their colour. A frame that changes
  nothing adds its delay to the previous frame's instead of being stored.
- Frame delays are ``round(100 / fps)`` centiseconds (at least 2: viewers
  slow down shorter delays); ``hold_last`` seconds are added to the last one.
- LZW codes of 3 to 12 bits, a clear code whenever the code table is full.

The output depends only on the frames and arguments (no time stamps), so the
same frames give the same bytes.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .atomic import write_atomic
from .png import check_rgb

GIF_SIGNATURE = b"GIF89a"
#: The application extension that makes viewers loop the animation forever.
NETSCAPE_LOOP = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
#: Largest delay (centiseconds) one Graphic Control Extension holds.
MAX_DELAY = 0xFFFF
#: Smallest delay (centiseconds) viewers honour; shorter ones are slowed down.
MIN_DELAY = 2
_MAX_CODES = 4096  # LZW code table size (12-bit codes)
_TRAILER = b"\x3b"


# -- LZW -------------------------------------------------------------------
def _lzw_codes(pixels: bytes, min_size: int) -> list[int]:
    """The LZW code stream of ``pixels`` (each ``< 2 ** min_size``), clear and end codes included.

    A clear code starts the stream, and follows the code at which the last
    table entry (4095) was assigned; the end code closes it.
    """
    clear = 1 << min_size
    end = clear + 1
    out: list[int] = [clear]
    if not pixels:
        out.append(end)
        return out
    table: dict[int, int] = {}  # (prefix code << 8 | pixel) -> code
    setdefault = table.setdefault
    emit = out.append
    first_free = end + 1
    next_code = first_free
    last_code = _MAX_CODES - 1
    it = iter(pixels)
    prefix = next(it)
    # The hot loop: one dict operation per pixel. setdefault finds the code of
    # prefix + pixel, or (a miss) assigns it the next free code.
    for px in it:
        code = setdefault(prefix << 8 | px, next_code)
        if code != next_code:
            prefix = code
            continue
        emit(prefix)
        prefix = px
        if next_code == last_code:  # the table is full: start over
            emit(clear)
            table.clear()
            next_code = first_free
        else:
            next_code += 1
    emit(prefix)
    emit(end)
    return out


# _BITS[k]: bits a decoder reads per code while its next free entry is k
_BITS = np.minimum(12, np.array([max(1, k.bit_length()) for k in range(_MAX_CODES + 1)], dtype=np.int64))


def _code_widths(codes: np.ndarray, min_size: int) -> np.ndarray:
    """Bit width ``(n,) int64`` of each code of an LZW stream from :func:`_lzw_codes`, as a decoder reads it.

    After a clear code the decoder reads ``min_size + 1`` bits; it adds a table
    entry for every code but the first after a clear, and widens its codes by
    one bit when its next free entry reaches ``2 ** width`` (up to 12 bits).
    So the ``m``-th code after a clear (``m = 1, 2, ...``; the next clear or the
    end code included) is ``bit_length(clear + 2 + max(0, m - 2))`` bits wide.
    The opening clear code, read at ``min_size + 1`` bits, fits the formula as
    ``m = 1``.
    """
    clear = 1 << min_size
    n = len(codes)
    idx = np.arange(n, dtype=np.int64)
    after = np.flatnonzero(codes == clear) + 1  # where each segment starts
    start = np.zeros(n, dtype=np.int64)
    after = after[after < n]
    start[after] = after
    np.maximum.accumulate(start, out=start)
    m = idx - start + 1
    return _BITS[np.minimum(clear + np.maximum(m, 2), _MAX_CODES)]


def _pack_codes(codes: list[int], min_size: int) -> bytes:
    """Pack LZW ``codes`` least-significant bit first into bytes, each at its decoder width."""
    c = np.asarray(codes, dtype=np.int64)
    widths = _code_widths(c, min_size)
    ends = np.cumsum(widths)
    start = ends - widths
    nbytes = (int(ends[-1]) + 7) >> 3
    # A code shifted to its bit offset within its first byte spans at most 3
    # bytes; codes never share bits, so summing the bytes ORs them.
    v = c << (start & 7)
    first = start >> 3
    out = np.bincount(first, weights=v & 255, minlength=nbytes + 2)
    out[1:] += np.bincount(first, weights=(v >> 8) & 255, minlength=nbytes + 1)
    out[2:] += np.bincount(first, weights=v >> 16, minlength=nbytes)
    return out[:nbytes].astype(np.uint8).tobytes()


def _sub_blocks(data: bytes) -> bytes:
    """``data`` as GIF data sub-blocks (a length byte, at most 255 bytes each) and the 0 terminator."""
    parts = []
    for i in range(0, len(data), 255):
        chunk = data[i : i + 255]
        parts.append(bytes((len(chunk),)))
        parts.append(chunk)
    parts.append(b"\x00")
    return b"".join(parts)


def lzw_encode(pixels: bytes, min_size: int) -> bytes:
    """GIF LZW image data of ``pixels`` (palette indices ``< 2 ** min_size``, ``min_size``
    2 to 8), without the code-size byte or sub-block framing."""
    if not 2 <= min_size <= 8:
        raise ValueError(f"the LZW minimum code size must be 2 to 8, got {min_size}")
    pixels = bytes(pixels)
    if pixels and int(np.frombuffer(pixels, dtype=np.uint8).max()) >> min_size:
        raise ValueError(f"pixel values must be below 2 ** {min_size}")
    return _pack_codes(_lzw_codes(pixels, min_size), min_size)


# -- palette ---------------------------------------------------------------
#: Above this many distinct colours the median cut runs on 6-bit-per-channel
#: cells of colours (at least 1024 of them then, each 4 x 4 x 4 values wide).
_CUT_CELLS_ABOVE = 1 << 16
#: Above this many distinct colours the nearest-colour search looks only at the
#: palette entries that can be nearest in each 16 x 16 x 16 cell of RGB.
_NEAREST_CELLS_ABOVE = 1 << 14


def _median_cut(colours: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """A palette of at most ``n`` colours ``(k, 3) uint8`` for distinct ``colours`` ``(m, 3)``
    with pixel counts ``weights`` ``(m,)``, by a weighted median cut.

    Boxes start as all colours; the box with the largest weighted squared error
    is split at the weighted median of its channel of largest weighted variance,
    until there are ``n`` boxes or none can be split. Each box gives its
    weighted mean colour. Over ``_CUT_CELLS_ABOVE`` colours the boxes hold
    whole cells of nearby colours (their statistics still exact).
    """
    c = colours.astype(np.float64)
    w = np.maximum(weights.astype(np.float64), 1e-9)  # a colour shown nowhere still counts a little
    cw = c * w[:, None]
    c2w = c * cw
    if len(c) > _CUT_CELLS_ABOVE:  # items: 6-bit cells, with summed statistics
        cell = (colours[:, 0].astype(np.int64) >> 2) << 12 | (colours[:, 1].astype(np.int64) >> 2) << 6 | (colours[:, 2] >> 2)
        ids, item = np.unique(cell, return_inverse=True)
        k = len(ids)
        w = np.bincount(item, weights=w, minlength=k)
        cw = np.stack([np.bincount(item, weights=cw[:, j], minlength=k) for j in range(3)], axis=1)
        c2w = np.stack([np.bincount(item, weights=c2w[:, j], minlength=k) for j in range(3)], axis=1)
    pos = cw / w[:, None]  # where each item sits (its weighted mean colour)

    def box(members: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """(score, members, weighted squared error per channel, mean colour) of a box."""
        tw = w[members].sum()
        sw = cw[members].sum(0)
        var = np.maximum(c2w[members].sum(0) - sw * sw / tw, 0.0)
        score = float(var.sum()) if len(members) > 1 else -1.0  # distinct items: > 1 splits
        return score, members, var, sw / tw

    boxes = [box(np.arange(len(w)))]
    while len(boxes) < n:
        k = max(range(len(boxes)), key=lambda i: boxes[i][0])  # the first of the largest
        score, members, var, _ = boxes[k]
        if score < 0:
            break  # every box holds one item
        pm = pos[members]
        ch = int(np.argmax(var))
        if pm[:, ch].min() == pm[:, ch].max():  # no spread there after all: take the widest channel
            ch = int(np.argmax(pm.max(0) - pm.min(0)))
        vals = pm[:, ch]
        order = np.argsort(vals, kind="stable")
        cum = np.cumsum(w[members][order])
        median = vals[order[min(len(order) - 1, int(np.searchsorted(cum, cum[-1] / 2.0)))]]
        left = vals <= median
        if left.all():  # the median is the largest value: split below it
            left = vals < median
        if not left.any():  # pragma: no cover - items at one position (cannot happen: they are distinct)
            boxes[k] = (-1.0, *boxes[k][1:])
            continue
        boxes[k] = box(members[left])
        boxes.append(box(members[~left]))
    means = np.array([b[3] for b in boxes])
    return np.clip(np.rint(means), 0, 255).astype(np.uint8)


def _nearest_brute(colours: np.ndarray, palette: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """:func:`_nearest` by comparing every colour with every palette entry."""
    # |c - p|^2 - |c|^2 = |p|^2 - 2 c.p: integers below 2^24, so exact in float32
    p = palette.astype(np.float32)
    p2 = (p * p).sum(1)
    pt2 = 2.0 * p.T
    out = np.empty(len(colours), dtype=np.uint8)
    for i in range(0, len(colours), chunk):
        d = p2 - colours[i : i + chunk].astype(np.float32) @ pt2
        out[i : i + chunk] = np.argmin(d, axis=1)
    return out


def _nearest_cells(colours: np.ndarray, palette: np.ndarray, bits: int = 4) -> np.ndarray:
    """:func:`_nearest` comparing each colour only with the palette entries that can be
    nearest to some colour of its cell (RGB cut into ``2 ** bits`` steps per channel).

    An entry is a candidate for a cell when its least squared distance to the
    cell is at most the smallest, over all entries, greatest squared distance
    to the cell; every nearest entry of every colour in the cell is one, so
    the result (ties to the lowest index) equals the full search.
    """
    shift = 8 - bits
    side = 1 << shift
    p = palette.astype(np.int32)
    g = np.arange(1 << bits, dtype=np.int32) * side
    lo = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 1, 3)  # (cells, 1, 3)
    hi = lo + (side - 1)
    dmin = (np.maximum(np.maximum(lo - p, p - hi), 0) ** 2).sum(-1)  # (cells, k)
    dmax = (np.maximum(np.abs(p - lo), np.abs(p - hi)) ** 2).sum(-1)
    mask = dmin <= dmax.min(axis=1, keepdims=True)
    counts = mask.sum(axis=1)
    table = np.argsort(~mask, axis=1, kind="stable")[:, : int(counts.max())]  # candidates first, ascending
    table = np.where(np.arange(table.shape[1]) < counts[:, None], table, table[:, :1])  # pad: repeat the first

    c = colours.astype(np.int32)
    cell = (c[:, 0] >> shift) << (2 * bits) | (c[:, 1] >> shift) << bits | (c[:, 2] >> shift)
    need = counts[cell]
    out = np.empty(len(c), dtype=np.uint8)
    done = 0
    width = 4
    while done < table.shape[1]:  # colours grouped by how many candidates their cell has
        width = min(width, table.shape[1])
        sel = np.flatnonzero((need > done) & (need <= width))
        step = max(1, (1 << 21) // width)
        for i in range(0, len(sel), step):
            s = sel[i : i + step]
            cand = table[cell[s], :width]  # (n, width)
            d = ((p[cand] - c[s, None, :]) ** 2).sum(-1)
            out[s] = cand[np.arange(len(s)), np.argmin(d, axis=1)]
        done, width = width, width * 2
    return out


def _nearest(colours: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Index ``(m,) uint8`` of the nearest ``palette`` ``(k, 3)`` colour (squared RGB distance;
    the lowest index of equals) for each of ``colours`` ``(m, 3) uint8``."""
    if len(colours) > _NEAREST_CELLS_ABOVE:
        return _nearest_cells(colours, palette)
    return _nearest_brute(colours, palette)


def quantise(colours: np.ndarray, weights: np.ndarray, n: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Reduce ``colours`` ``(m, 3) uint8`` with pixel counts ``weights`` ``(m,)`` to a palette.

    Returns ``(palette, index)``: ``palette`` ``(k, 3) uint8`` (``k <= n``) from a
    weighted median cut, and ``index`` ``(m,) uint8``, each colour's nearest
    palette entry. At most ``n`` colours are kept exactly.
    """
    colours = np.asarray(colours, dtype=np.uint8).reshape(-1, 3)
    if len(colours) <= n:
        return colours.copy(), np.arange(len(colours), dtype=np.uint8)
    palette = _median_cut(colours, np.asarray(weights), n)
    return palette, _nearest(colours, palette)


# -- frames ----------------------------------------------------------------
def _keys(rgb: np.ndarray) -> np.ndarray:
    """``(H, W) uint32`` colour keys ``r << 16 | g << 8 | b`` of ``rgb`` ``(H, W, 3) uint8``."""
    k = rgb[..., 0].astype(np.uint32) << 16
    k |= rgb[..., 1].astype(np.uint32) << 8
    k |= rgb[..., 2]
    return k


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(top, left, bottom, right)`` (exclusive ends) of the True pixels of ``mask`` ``(H, W)``; None if none."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _delay_cs(fps: float) -> int:
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)):
        raise TypeError(f"fps must be a number, got {fps!r}")
    if not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a finite number > 0, got {fps!r}")
    return max(MIN_DELAY, round(100.0 / float(fps)))


def _hold_cs(hold_last: float) -> int:
    if isinstance(hold_last, bool) or not isinstance(hold_last, (int, float, np.integer, np.floating)):
        raise TypeError(f"hold_last must be a number of seconds, got {hold_last!r}")
    if not math.isfinite(hold_last) or hold_last < 0:
        raise ValueError(f"hold_last must be a finite number of seconds >= 0, got {hold_last!r}")
    return round(float(hold_last) * 100.0)


def _split_delay(total: int) -> list[int]:
    """``total`` centiseconds as delays of at most :data:`MAX_DELAY` (and at least 2 when split)."""
    if total <= MAX_DELAY:
        return [total]
    n = -(-total // MAX_DELAY)
    base, extra = divmod(total, n)
    return [base + 1] * extra + [base] * (n - extra)


def _gce(delay: int, transparent: int | None) -> bytes:
    """A Graphic Control Extension: disposal 1 (do not dispose), ``delay`` centiseconds."""
    packed = (1 << 2) | (1 if transparent is not None else 0)
    return struct.pack("<BBBBHBB", 0x21, 0xF9, 4, packed, delay, 0 if transparent is None else transparent, 0)


def _image(left: int, top: int, indices: np.ndarray, min_size: int) -> bytes:
    """An Image Descriptor (no local table, not interlaced) and the LZW data of ``indices`` ``(h, w) uint8``."""
    h, w = indices.shape
    head = struct.pack("<BHHHHB", 0x2C, left, top, w, h, 0)
    data = _pack_codes(_lzw_codes(np.ascontiguousarray(indices).tobytes(), min_size), min_size)
    return head + bytes((min_size,)) + _sub_blocks(data)


def _display_counts(
    rects: list[tuple[int, int, int, int] | None],
    inverse: np.ndarray,
    n_colours: int,
    height: int,
    width: int,
) -> np.ndarray:
    """``(n_colours,) float64``: how many pixels show each colour, summed over all frames.

    ``rects``: each frame's stored rectangle ``(top, left, bottom, right)`` (None:
    unchanged); ``inverse``: the colour of each stored pixel, rectangle after
    rectangle, row by row.

    Each stored pixel counts once for every frame it stays on screen, i.e.
    until a later rectangle covers it or the animation ends.
    """
    ids = np.zeros((height, width), dtype=np.int64)
    since = np.zeros((height, width), dtype=np.int64)
    gone_ids, gone_w = [], []
    pos = 0
    for k, rect in enumerate(rects):
        if rect is None:
            continue
        t, l, b, r = rect
        n = (b - t) * (r - l)
        if k:
            gone_ids.append(ids[t:b, l:r].ravel().copy())
            gone_w.append((k - since[t:b, l:r]).ravel())
        ids[t:b, l:r] = inverse[pos : pos + n].reshape(b - t, r - l)
        since[t:b, l:r] = k
        pos += n
    gone_ids.append(ids.ravel())
    gone_w.append((len(rects) - since).ravel())
    return np.bincount(np.concatenate(gone_ids), weights=np.concatenate(gone_w), minlength=n_colours)


def encode_gif(
    frames: Sequence[np.ndarray] | Iterable[np.ndarray],
    fps: float = 8.0,
    loop: bool = True,
    hold_last: float = 0.0,
) -> bytes:
    """The bytes of an animated GIF of ``frames``, each ``(H, W, 3) uint8`` RGB, all one shape.

    ``fps``: frames per second (each frame shows ``round(100 / fps)``
    centiseconds, at least 2); ``loop``: loop forever (a NETSCAPE2.0
    extension) or play once; ``hold_last``: seconds added to the last frame.
    ValueError for no frames, a frame that is not ``(H, W, 3) uint8`` or not the
    shape of frame 0 (naming its index), a size over 65535, ``fps <= 0`` or
    ``hold_last < 0`` (or either not finite); TypeError where either is not a
    number.
    """
    delay = _delay_cs(fps)
    hold = _hold_cs(hold_last)

    # Pass 1: read the frames; keep frame 0 and, for each later frame, the
    # rectangle of pixels that differ from the frame before (None: unchanged).
    shape: tuple[int, ...] | None = None
    prev: np.ndarray | None = None
    rects: list[tuple[int, int, int, int] | None] = []
    rect_keys: list[np.ndarray] = []
    for i, frame in enumerate(frames):
        try:
            rgb = check_rgb(frame)
        except ValueError as e:
            raise ValueError(f"frame {i}: {e}") from None
        if shape is None:
            shape = rgb.shape
            if shape[0] > 0xFFFF or shape[1] > 0xFFFF:
                raise ValueError(f"frame 0: GIF images are at most 65535 x 65535 pixels, got {shape[1]} x {shape[0]}")
        elif rgb.shape != shape:
            raise ValueError(f"frame {i} has shape {rgb.shape}; frame 0 has shape {shape}")
        keys = _keys(rgb)
        if prev is None:
            rect: tuple[int, int, int, int] | None = (0, 0, shape[0], shape[1])
        else:
            rect = _bbox(keys != prev)
        if rect is not None:
            t, l, b, r = rect
            rect_keys.append(keys[t:b, l:r].ravel())
        rects.append(rect)
        prev = keys
    if shape is None:
        raise ValueError("no frames: a GIF needs at least one")
    height, width = shape[0], shape[1]

    # Palette over the pixels stored: frame 0 and the changed rectangles hold
    # every colour any frame shows.
    all_keys = np.concatenate(rect_keys)
    uniq, inverse = np.unique(all_keys, return_inverse=True)
    inverse = inverse.ravel()
    colours = np.stack(((uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255), axis=1).astype(np.uint8)
    if len(uniq) <= 256:
        palette, lut = colours, np.arange(len(uniq), dtype=np.uint8)
    else:
        weights = _display_counts(rects, inverse, len(uniq), height, width)
        palette, lut = quantise(colours, weights, 256)
    table_bits = max(1, int(len(palette) - 1).bit_length())
    table_size = 1 << table_bits
    transparent = len(palette) if len(palette) < table_size else None
    min_size = max(2, table_bits)
    table = np.zeros((table_size, 3), dtype=np.uint8)
    table[: len(palette)] = palette

    # Pass 2: palette indices per stored rectangle; shrink it to the pixels
    # whose index changes; merge the delays of frames that change nothing.
    # left, top, indices, uses transparency, canvas index at (0, 0) once drawn
    images: list[tuple[int, int, np.ndarray, bool, int]] = []
    delays: list[int] = []
    canvas = np.zeros((height, width), dtype=np.uint8)
    pos = 0
    for rect in rects:
        if rect is None:
            delays[-1] += delay
            continue
        t, l, b, r = rect
        n = (b - t) * (r - l)
        idx = lut[inverse[pos : pos + n]].reshape(b - t, r - l)
        pos += n
        if not images:
            canvas[:] = idx
            images.append((0, 0, idx, False, int(canvas[0, 0])))
            delays.append(delay)
            continue
        changed = idx != canvas[t:b, l:r]
        sub = _bbox(changed)
        if sub is None:  # e.g. two colours that quantise alike
            delays[-1] += delay
            continue
        st, sl, sb, sr = sub
        idx, changed = idx[st:sb, sl:sr], changed[st:sb, sl:sr]
        t, l, b, r = t + st, l + sl, t + sb, l + sr
        canvas[t:b, l:r] = idx
        use_t = transparent is not None and not changed.all()
        if use_t:
            idx = np.where(changed, idx, np.uint8(transparent))
        images.append((l, t, idx, use_t, int(canvas[0, 0])))
        delays.append(delay)
    delays[-1] += hold

    parts = [
        GIF_SIGNATURE,
        struct.pack("<HHBBB", width, height, 0x80 | (7 << 4) | (table_bits - 1), 0, 0),
        table.tobytes(),
    ]
    if loop:
        parts.append(NETSCAPE_LOOP)
    for (left, top, idx, use_t, corner), d in zip(images, delays):
        chunks = _split_delay(d)
        parts.append(_gce(chunks[0], transparent if use_t else None))
        parts.append(_image(left, top, idx, min_size))
        for extra in chunks[1:]:  # a delay too long for one GCE: 1x1 images that redraw pixel (0, 0)
            parts.append(_gce(extra, None))
            parts.append(_image(0, 0, np.full((1, 1), corner, dtype=np.uint8), min_size))
    parts.append(_TRAILER)
    return b"".join(parts)


def write_gif(
    path: str | Path,
    frames: Sequence[np.ndarray] | Iterable[np.ndarray],
    fps: float = 8.0,
    loop: bool = True,
    hold_last: float = 0.0,
) -> Path:
    """Write ``frames`` (each ``(H, W, 3) uint8`` RGB) as an animated GIF; returns the path.

    See :func:`encode_gif` for the arguments. The file is written atomically:
    the GIF goes to a temporary file in the same folder, which then replaces
    ``path``, so an error leaves neither a partial GIF nor a temporary file.
    """
    return write_atomic(path, encode_gif(frames, fps=fps, loop=loop, hold_last=hold_last))
