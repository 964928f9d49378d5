#!/usr/bin/env python
"""Learning curves as a PNG: one line per training log (the learner's CSV), drawn with pygame.

    python tools/plot_curves.py team-0.csv team-1.csv --y success_rate --out docs/images/team_curve.png

Each CSV is a ``levelforge train agent`` log (``--log``, or OUT with .csv);
``--y`` picks the column (``success_rate``, ``mean_return``, ...) against
``step``. Rows where it is empty or nan are skipped.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import numpy as np  # noqa: E402

from levelforge.png import write_png  # noqa: E402

COLOURS = [(77, 163, 255), (242, 193, 46), (224, 80, 80), (46, 158, 87)]
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 360, 64, 16, 36, 44


def read_curve(path: Path, y: str) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    with path.open() as f:
        for row in csv.DictReader(f):
            try:
                v = float(row[y])
            except (KeyError, ValueError):
                continue
            if not math.isnan(v):
                xs.append(float(row["step"]))
                ys.append(v)
    return xs, ys


def plot(curves: list[tuple[str, list[float], list[float]]], y: str, title: str) -> np.ndarray:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    pygame.font.init()
    font = pygame.font.Font(None, 18)
    surf = pygame.Surface((W, H))
    surf.fill((24, 24, 30))
    xmax = max((max(xs) for _, xs, _ in curves if xs), default=1.0) or 1.0
    ys_all = [v for _, _, ys in curves for v in ys] or [0.0, 1.0]
    ylo, yhi = min(0.0, min(ys_all)), max(1.0 if y == "success_rate" else max(ys_all), 1e-9)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def at(x: float, v: float) -> tuple[int, int]:
        return LEFT + int(pw * x / xmax), TOP + ph - int(ph * (v - ylo) / (yhi - ylo))

    axis = (150, 150, 160)
    for k in range(5):  # grid and labels
        v = ylo + (yhi - ylo) * k / 4
        _, py = at(0, v)
        pygame.draw.line(surf, (50, 50, 58), (LEFT, py), (W - RIGHT, py))
        label = f"{v:.0%}" if y == "success_rate" else f"{v:.2f}"
        surf.blit(font.render(label, True, axis), (8, py - 6))
        x = xmax * k / 4
        px, _ = at(x, ylo)
        surf.blit(font.render(f"{x / 1000:,.0f}k", True, axis), (px - 10, H - BOTTOM + 8))
    pygame.draw.rect(surf, axis, (LEFT, TOP, pw, ph), 1)
    surf.blit(font.render(title, True, (230, 230, 235)), (LEFT, 10))
    surf.blit(font.render("environment steps", True, axis), (W // 2 - 50, H - 18))
    for i, (name, xs, ys) in enumerate(curves):
        colour = COLOURS[i % len(COLOURS)]
        if len(xs) > 1:
            pygame.draw.lines(surf, colour, False, [at(x, v) for x, v in zip(xs, ys)], 2)
        # the legend sits in the lower right corner, where learning curves seldom are
        surf.blit(font.render(name, True, colour), (W - RIGHT - 170, TOP + ph - 8 - 16 * (len(curves) - i)))
    return pygame.surfarray.array3d(surf).transpose(1, 0, 2).copy()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logs", nargs="+", type=Path, help="training CSV logs")
    ap.add_argument("--y", default="success_rate", help="column to plot against step (default: success_rate)")
    ap.add_argument("--names", help="comma-separated legend names (default: the file names)")
    ap.add_argument("--title", default="", help="title above the plot")
    ap.add_argument("--out", type=Path, required=True, help="PNG to write")
    args = ap.parse_args(argv)
    names = args.names.split(",") if args.names else [p.stem for p in args.logs]
    if len(names) != len(args.logs):
        ap.error("--names needs one name per log")
    curves = [(n, *read_curve(p, args.y)) for n, p in zip(names, args.logs)]
    write_png(args.out, plot(curves, args.y, args.title or f"{args.y} by step"))
    _bench.log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
