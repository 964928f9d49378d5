"""Drawing helpers for the viewer's screens: images, text, panels, colours.

Levels are drawn by the one renderer (:mod:`levelforge.render`) as RGB
arrays and turned into pygame surfaces here; text uses pygame's default
font, cached per size and string.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pygame

BG = (24, 24, 28)
PANEL = (36, 36, 44)
TEXT = (228, 228, 232)
DIM = (150, 150, 162)
ACCENT = (255, 214, 64)
KEPT = (88, 196, 110)
REJECTED = (226, 86, 86)
MARK_COLOURS = {"kept": KEPT, "rejected": REJECTED}


def surface(rgb: np.ndarray) -> pygame.Surface:
    """An ``(H, W, 3) uint8`` RGB image as a pygame surface (a copy)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return pygame.image.frombuffer(rgb.tobytes(), (w, h), "RGB").copy()


def pixels(surf: pygame.Surface) -> np.ndarray:
    """A surface as an ``(H, W, 3) uint8`` RGB array."""
    return np.ascontiguousarray(pygame.surfarray.array3d(surf).swapaxes(0, 1))


@lru_cache(maxsize=16)
def font(size: int) -> pygame.font.Font:
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(None, size)


@lru_cache(maxsize=4096)
def text(s: str, size: int = 22, colour: tuple[int, int, int] = TEXT) -> pygame.Surface:
    """``s`` rendered (anti-aliased, transparent background); cached."""
    return font(size).render(s, True, colour)


def lines(surf: pygame.Surface, rows: list[tuple[str, tuple[int, int, int]] | str], x: int, y: int,
          size: int = 22, gap: int = 4) -> int:
    """Draw text rows (each a string, or (string, colour)) from (x, y) down; the y below the last."""
    for row in rows:
        s, colour = (row, TEXT) if isinstance(row, str) else row
        if s:
            surf.blit(text(s, size, colour), (x, y))
        y += font(size).get_linesize() + gap
    return y


def wrap(s: str, width: int, size: int = 22) -> list[str]:
    """``s`` broken into lines of at most ``width`` pixels at font ``size`` (at word boundaries)."""
    out: list[str] = []
    line = ""
    for word in s.split():
        trial = f"{line} {word}".strip()
        if line and font(size).size(trial)[0] > width:
            out.append(line)
            line = word
        else:
            line = trial
    return out + ([line] if line else [])


def fit_tile(level_hw: tuple[int, int], area: tuple[int, int], lo: int = 4, hi: int = 64) -> int:
    """The largest tile size in ``lo..hi`` at which a level of ``level_hw`` (rows, columns) fits ``area`` (w, h)."""
    h, w = level_hw
    return int(max(lo, min(hi, area[0] // max(1, w), area[1] // max(1, h))))


def badge(surf: pygame.Surface, mark: str | None, rect: pygame.Rect) -> None:
    """A kept / rejected badge in the top-right corner of ``rect``."""
    if mark not in MARK_COLOURS:
        return
    r = max(5, min(14, min(rect.w, rect.h) // 8))
    centre = (rect.right - r - 2, rect.top + r + 2)
    pygame.draw.circle(surf, MARK_COLOURS[mark], centre, r)
    pygame.draw.circle(surf, BG, centre, r, 1)
    glyph = text("K" if mark == "kept" else "X", max(12, int(r * 1.9)), BG)
    surf.blit(glyph, glyph.get_rect(center=centre))


def fmt(v, digits: int = 2) -> str:
    """A score for display: numbers rounded, booleans as yes/no, missing as a dash."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def score_rows(scores: dict | None) -> list[tuple[str, tuple[int, int, int]] | str]:
    """The scores a person decides by, as text rows (docs/forge.md defines them)."""
    if not scores:
        return [("no scores (not from a generate run)", DIM)]
    rows: list = []
    playable = scores.get("playable")
    rows.append((f"playable      {fmt(playable)}", KEPT if playable else REJECTED))
    if scores.get("plan_length") is not None:
        rows.append(f"solver plan   {scores['plan_length']} steps")
    if scores.get("agent_success") is not None:
        won = scores["agent_success"] > 0
        steps = scores.get("agent_steps")
        rows.append((f"agent         {'won' if won else 'lost'}" + (f" in {steps:.0f}" if won and steps else ""),
                     KEPT if won else REJECTED))
    for key in ("creativity", "novelty", "challenge", "diversity"):
        if scores.get(key) is not None:
            rows.append(f"{key:<13} {fmt(scores[key])}")
    return rows
