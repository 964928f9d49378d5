"""A tiny 3 x 5 pixel font for labels on rendered images (no font files needed).

Digits, a few capitals, and ``. % # - : /`` and space: enough for labels
such as ``#12 C.61 N.24``. :func:`label` draws a string as an RGB image.
"""

from __future__ import annotations

import numpy as np

_ROWS = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"),
    "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"),
    "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"),
    "9": ("111", "101", "111", "001", "111"),
    "A": ("010", "101", "111", "101", "101"),
    "C": ("111", "100", "100", "100", "111"),
    "D": ("110", "101", "101", "101", "110"),
    "N": ("110", "101", "101", "101", "101"),
    "P": ("111", "101", "111", "100", "100"),
    "S": ("111", "100", "111", "001", "111"),
    "W": ("101", "101", "111", "111", "101"),
    ".": ("000", "000", "000", "000", "010"),
    "%": ("101", "001", "010", "100", "101"),
    "#": ("101", "111", "101", "111", "101"),
    "-": ("000", "000", "111", "000", "000"),
    ":": ("000", "010", "000", "010", "000"),
    "/": ("001", "001", "010", "100", "100"),
    " ": ("000", "000", "000", "000", "000"),
}
GLYPHS = {c: np.array([[ch == "1" for ch in row] for row in rows]) for c, rows in _ROWS.items()}


def label(text: str, scale: int = 2, fg=(230, 230, 230), bg=(24, 24, 28)) -> np.ndarray:
    """``text`` (upper-cased; characters without a glyph show as blanks) as an
    ``(5 * scale, 4 * scale * len(text), 3) uint8`` image."""
    text = text.upper()
    mask = np.zeros((5, 4 * max(1, len(text))), dtype=bool)
    for i, ch in enumerate(text):
        mask[:, 4 * i : 4 * i + 3] = GLYPHS.get(ch, GLYPHS[" "])
    mask = mask.repeat(scale, axis=0).repeat(scale, axis=1)
    out = np.empty((*mask.shape, 3), dtype=np.uint8)
    out[:] = bg
    out[mask] = fg
    return out
