#!/usr/bin/env python
"""Time :func:`levelforge.gif.encode_gif` on the replay of a tile-game episode.

A level (default: the shipped ``dungeon_01``) is loaded into the engine and
played for ``--steps`` uniformly random actions (seeded; an episode that ends
restarts from the level). The initial state and every step are rendered at
``--tile`` pixels, giving ``steps + 1`` frames, which are encoded as a GIF
``--repeats`` times; the median time is reported, with the GIF's size and the
pixels encoded per second (frame pixels, every frame counted). The same
frames with an info bar under the board (a progress bar that grows every
step, as a viewer's step counter would) are timed too: every frame then
changes near the bottom edge, the hard case for the changed-rectangle frames.

Prints one JSON object on stdout; progress on stderr. Target: under 5 s for a
200-step replay.

    python tools/bench_gif.py
    python tools/bench_gif.py --level games/dungeon/levels/dungeon_05.txt --steps 500
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import numpy as np  # noqa: E402

from levelforge.engine import Engine  # noqa: E402
from levelforge.errors import LevelforgeError  # noqa: E402
from levelforge.game import load_game  # noqa: E402
from levelforge.gif import encode_gif, lzw_encode  # noqa: E402
from levelforge.level import read_level  # noqa: E402
from levelforge.render import render_grid  # noqa: E402

DEFAULT_LEVEL = _bench.REPO / "games" / "dungeon" / "levels" / "dungeon_01.txt"
TARGETS = {"encode_s": 5.0, "encode_s_info_bar": 5.0}
HIGHER_IS_BETTER = {"encode_s": False, "encode_s_info_bar": False}
BAR_FG = np.array([230, 200, 60], dtype=np.uint8)
BAR_BG = np.array([30, 30, 40], dtype=np.uint8)


def replay_frames(game: str, level_path: Path, steps: int, tile: int, seed: int) -> tuple[list[np.ndarray], int]:
    """``steps + 1`` rendered frames of random play, and how many episodes ended on the way."""
    spec = load_game(game)
    level = read_level(level_path, spec)
    engine = Engine(spec)
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, engine.n_actions, size=steps)
    s = engine.load([level])
    frames = [render_grid(spec, engine.grid(s)[0], tile=tile)]
    ended = 0
    for a in actions:
        s, _, done = engine.step(s, np.array([a], dtype=np.int64))
        frames.append(render_grid(spec, engine.grid(s)[0], tile=tile))
        if bool(done[0]):
            ended += 1
            s = engine.load([level])
    return frames, ended


def with_info_bar(frames: list[np.ndarray], height: int) -> list[np.ndarray]:
    """``frames`` with a ``height``-pixel bar below, filled in proportion to the frame's index."""
    out = []
    n = max(1, len(frames) - 1)
    for k, f in enumerate(frames):
        h, w, _ = f.shape
        g = np.empty((h + height, w, 3), dtype=np.uint8)
        g[:h] = f
        g[h:] = BAR_BG
        fill = round((w - 4) * k / n)
        g[h + 3 : h + height - 3, 2 : 2 + fill] = BAR_FG
        out.append(g)
    return out


def change_stats(frames: list[np.ndarray]) -> dict:
    """How many frames differ from the one before, and the pixels of their changed bounding rectangles."""
    areas = []
    for a, b in itertools.pairwise(frames):
        diff = (a != b).any(axis=2)
        rows, cols = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
        if rows.size:
            areas.append(int((rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1)))
    return {
        "frames_changed": len(areas),
        "changed_rect_px_mean": float(np.mean(areas)) if areas else 0.0,
        "changed_rect_px_total": int(sum(areas)),
    }


def time_lzw(pixels: bytes, min_size: int, repeats: int) -> dict:
    """Median time of :func:`lzw_encode` on ``pixels``, and its rate."""
    seconds = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = lzw_encode(pixels, min_size)
        seconds.append(time.perf_counter() - t)
    med = statistics.median(seconds)
    return {"pixels": len(pixels), "min_code_size": min_size, "seconds": med, "pixels_per_s": len(pixels) / med,
            "bytes": len(out)}


def time_encode(frames: list[np.ndarray], fps: float, repeats: int) -> dict:
    seconds, data = [], b""
    for _ in range(repeats):
        t = time.perf_counter()
        data = encode_gif(frames, fps=fps)
        seconds.append(time.perf_counter() - t)
    med = statistics.median(seconds)
    h, w, _ = frames[0].shape
    pixels = len(frames) * h * w
    return {
        "frames": len(frames),
        "frame_size": [w, h],
        "encode_s": med,
        "encode_s_all": seconds,
        "bytes": len(data),
        "pixels": pixels,
        "pixels_per_s": pixels / med if med > 0 else None,
        "raw_rgb_bytes": pixels * 3,
        **change_stats(frames),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Time levelforge.gif.encode_gif on a random-play replay. Prints one JSON object on stdout.",
    )
    ap.add_argument("--game", default="dungeon", help="game name or game.toml path (default: %(default)s)")
    ap.add_argument("--level", type=Path, default=DEFAULT_LEVEL, help="level file (default: %(default)s)")
    ap.add_argument("--steps", type=int, default=200, help="random actions played (default: %(default)s)")
    ap.add_argument("--tile", type=int, default=16, help="tile size in pixels (default: %(default)s)")
    ap.add_argument("--fps", type=float, default=8.0, help="GIF frame rate (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random actions (default: %(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="encodes timed; the median is reported (default: %(default)s)")
    ap.add_argument("--bar", type=int, default=16,
                    help="height of the info bar of the second case; 0 skips that case (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.steps < 1 or args.tile < 1 or args.repeats < 1 or args.bar < 0:
        ap.error("--steps, --tile and --repeats must be positive, --bar >= 0")
    if args.bar and args.bar < 8:
        ap.error("--bar must be 0 or at least 8 pixels")

    try:
        t = time.perf_counter()
        frames, ended = replay_frames(args.game, args.level, args.steps, args.tile, args.seed)
        render_s = time.perf_counter() - t
    except (LevelforgeError, OSError) as e:
        ap.exit(2, f"{ap.prog}: error: {e}\n")
    _bench.log(f"rendered {len(frames)} frames of {frames[0].shape[1]}x{frames[0].shape[0]} px "
               f"in {render_s:.2f} s ({ended} episode(s) ended)")

    results = {"replay": time_encode(frames, args.fps, args.repeats)}
    results["replay"]["episodes_ended"] = ended
    results["replay"]["render_s"] = render_s
    _bench.log(f"replay: {results['replay']['encode_s']:.3f} s, {results['replay']['bytes']} bytes")
    if args.bar:
        results["replay_info_bar"] = time_encode(with_info_bar(frames, args.bar), args.fps, args.repeats)
        _bench.log(f"replay + info bar: {results['replay_info_bar']['encode_s']:.3f} s, "
                   f"{results['replay_info_bar']['bytes']} bytes")

    # The LZW coder alone (the pure-Python loop): frame 0's tile-art pixels as
    # palette indices, and uniformly random 4-bit pixels (little to compress).
    first = frames[0].reshape(-1, 3)
    _, first_idx = np.unique(first, axis=0, return_inverse=True)
    bits = max(2, int(first_idx.max()).bit_length())
    rng = np.random.default_rng(args.seed)
    results["lzw"] = {
        "frame0": time_lzw(first_idx.astype(np.uint8).tobytes(), bits, args.repeats),
        "random_4bit_512x512": time_lzw(rng.integers(0, 16, 512 * 512, dtype=np.uint8).tobytes(), 4, args.repeats),
    }
    _bench.log(f"lzw: frame 0 {results['lzw']['frame0']['pixels_per_s'] / 1e6:.2f} Mpx/s, random 4-bit "
               f"{results['lzw']['random_4bit_512x512']['pixels_per_s'] / 1e6:.2f} Mpx/s")

    notes = [
        (f"target: encode_gif under {TARGETS['encode_s']} s for a {args.steps}-step replay "
         f"({args.steps + 1} frames at {args.tile} px tiles), median of {args.repeats}"),
        ("pixels_per_s counts every frame's pixels; unchanged pixels are not LZW-coded, so it is "
         "not the LZW rate"),
        "rendering (render_s) is not included in encode_s",
        "lzw: the LZW coder alone (lzw_encode), pixels of palette indices per second",
    ]
    settings = {**vars(args), "level": str(args.level)}
    measured = {"encode_s": results["replay"]["encode_s"]}
    if args.bar:
        measured["encode_s_info_bar"] = results["replay_info_bar"]["encode_s"]
    _bench.report("bench_gif", settings, notes, results, TARGETS, measured, HIGHER_IS_BETTER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
