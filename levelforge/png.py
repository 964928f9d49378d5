"""A small PNG codec on the standard library (``zlib``, ``struct``).

:func:`write_png` writes 8-bit RGB images (``(H, W, 3) uint8``);
:func:`read_png` reads non-interlaced 8-bit RGB PNGs with any of the five row
filters, which covers what this module and common tools write.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_rgb(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` as an array, if it is a non-empty ``(H, W, 3) uint8`` image; else ValueError."""
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or 0 in rgb.shape:
        raise ValueError(f"expected a non-empty (H, W, 3) uint8 RGB image, got {rgb.shape} {rgb.dtype}")
    return rgb


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rgb: np.ndarray, level: int = 6) -> bytes:
    """``rgb`` ``(H, W, 3) uint8`` as the bytes of an 8-bit RGB PNG (filter 0 on every row)."""
    rgb = check_rgb(rgb)
    h, w, _ = rgb.shape
    raw = np.zeros((h, 1 + w * 3), dtype=np.uint8)  # column 0: filter type 0 (None)
    raw[:, 1:] = rgb.reshape(h, w * 3)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)),
            _chunk(b"IDAT", zlib.compress(raw.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )


def write_png(path: str | Path, rgb: np.ndarray, level: int = 6) -> Path:
    """Write ``rgb`` ``(H, W, 3) uint8`` as a PNG file (:func:`encode_png`), atomically; returns the path."""
    from .atomic import write_atomic

    return write_atomic(path, encode_png(rgb, level))


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """``(type, data)`` of every chunk after the signature, CRCs checked."""
    out, pos = [], len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (n,) = struct.unpack_from(">I", data, pos)
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack_from(">I", data, pos + 8 + n)
        if len(body) != n or zlib.crc32(kind + body) != crc:
            raise ValueError(f"PNG chunk {kind!r} is truncated or fails its CRC")
        out.append((kind, body))
        pos += 12 + n
        if kind == b"IEND":
            break
    return out


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _unfilter_row(kind: int, row: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    """Undo PNG filter ``kind`` (0-4) on ``row`` ``(stride,) uint8`` given the decoded ``prev`` row."""
    if kind == 0:
        return row
    if kind == 1:  # Sub: running sum per channel
        return (np.cumsum(row.reshape(-1, bpp).astype(np.int64), axis=0) % 256).astype(np.uint8).ravel()
    if kind == 2:  # Up
        return row + prev
    if kind not in (3, 4):
        raise ValueError(f"unknown PNG filter type {kind}")
    out = bytearray(row.tobytes())
    up = prev.tobytes()
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        c = up[i - bpp] if i >= bpp else 0
        pred = (a + up[i]) // 2 if kind == 3 else _paeth(a, up[i], c)
        out[i] = (out[i] + pred) & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)


def read_png(path: str | Path) -> np.ndarray:
    """Read a non-interlaced 8-bit RGB PNG (any filter types) as ``(H, W, 3) uint8``."""
    data = Path(path).read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    chunks = _chunks(data)
    if not chunks or chunks[0][0] != b"IHDR":
        raise ValueError(f"{path}: PNG has no IHDR chunk first")
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if (depth, ctype, interlace) != (8, 2, 0):
        raise ValueError(
            f"{path}: only non-interlaced 8-bit RGB PNGs are read, got depth {depth}, "
            f"colour type {ctype}, interlace {interlace}"
        )
    raw = np.frombuffer(zlib.decompress(b"".join(d for k, d in chunks if k == b"IDAT")), dtype=np.uint8)
    stride, bpp = w * 3, 3
    if raw.size != h * (stride + 1):
        raise ValueError(f"{path}: image data holds {raw.size} bytes, expected {h * (stride + 1)}")
    rows = raw.reshape(h, stride + 1)
    out = np.empty((h, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.uint8)
    for y in range(h):
        prev = out[y] = _unfilter_row(int(rows[y, 0]), rows[y, 1:], prev, bpp)
    return out.reshape(h, w, 3)
