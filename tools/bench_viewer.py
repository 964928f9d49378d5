#!/usr/bin/env python
"""The viewer's speed, headless: browsing 1000 levels, and writing a replay GIF.

1. **Grid view**: a catalog of ``--levels`` procedural dungeon levels in a
   1280 x 800 window (``SDL_VIDEODRIVER=dummy``: everything is drawn, to a
   surface nobody sees). Three timed runs of ``--frames`` frames each:
   ``moving`` (an arrow key every frame: the selection walks through the
   catalog), ``paging`` (page down every 5th frame, so new thumbnails are
   drawn all the time), and ``zoomed`` (the largest thumbnails, moving). The
   frame rate counts everything a frame does: events, layout, thumbnails,
   text, the flip. The first frame (cold caches) is reported apart.
2. **GIF**: a 200-step replay (random moves on a shipped dungeon level,
   restarting when an episode ends) turned into frames and written with
   ``levelforge.gif`` at 16 px tiles, as ``levelforge replay --gif`` does;
   the median of 3.

Prints one JSON object; targets: grid view >= 30 frames/s, GIF < 5 s.

    python tools/bench_viewer.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import numpy as np  # noqa: E402

from levelforge.game import game_levels_dir, load_game  # noqa: E402
from levelforge.generators import procedural  # noqa: E402
from levelforge.level import read_level  # noqa: E402
from levelforge.viewer import Catalog, Entry, Replay, replay_frames  # noqa: E402

TARGETS = {"grid_fps": 30.0, "gif_200_steps_seconds": 5.0}
HIGHER_IS_BETTER = {"gif_200_steps_seconds": False}


def grid_fps(levels: int, frames: int, seed: int) -> dict:
    from levelforge.viewer.app import Viewer
    from levelforge.viewer.grid import ZOOMS

    cat = Catalog([Entry(lv, lv.name or f"level {i}", {"creativity": 0.5, "novelty": 0.2, "playable": True})
                   for i, lv in enumerate(procedural("dungeon").sample(levels, seed))], f"{levels} procedural levels")
    v = Viewer(cat, size=(1280, 800))
    t = time.perf_counter()
    v.run(1, realtime=False)
    out: dict = {"levels": levels, "window": [1280, 800], "first_frame_ms": 1000 * (time.perf_counter() - t)}
    grid = v.screen
    for name, key, every, zoom in (("moving", "right", 1, None), ("paging", "page down", 5, None),
                                   ("zoomed", "right", 1, len(ZOOMS) - 1)):
        grid.index, grid.top = 0, 0
        if zoom is not None:
            grid.zoom = zoom
        t = time.perf_counter()
        for k in range(frames):
            if k % every == 0:
                v.post_keys(key)
            v.run(1, realtime=False)
        secs = time.perf_counter() - t
        out[name] = {"frames": frames, "fps": frames / secs, "reached_level": grid.index + 1,
                     "thumbnail_tile_px": grid.tile}
        _bench.log(f"grid {name}: {frames / secs:.0f} frames/s (reached level {grid.index + 1})")
    v.close()
    return out


def gif_time(steps: int, repeats: int, seed: int) -> dict:
    from levelforge.gif import write_gif

    spec = load_game("dungeon")
    level = read_level(game_levels_dir(spec) / "dungeon_01.txt", spec)
    rng = np.random.default_rng(seed)
    actions = rng.integers(1, len(spec.actions), size=steps * 4).tolist()
    # random moves end episodes early (a monster): chain replays of the same level until 200 steps are drawn
    frames: list = []
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            t = time.perf_counter()
            frames, k = [], 0
            while len(frames) < steps + 1:
                part = replay_frames(level, Replay("random", actions[k : k + steps]), tile=16)
                k += max(1, len(part) - 1)
                frames += part[: steps + 1 - len(frames)]
            path = write_gif(Path(tmp) / "r.gif", frames, fps=8, hold_last=1.0)
            times.append(time.perf_counter() - t)
            size = path.stat().st_size
    out = {"steps": steps, "frame_px": list(frames[0].shape[:2]), "seconds_median": statistics.median(times),
           "seconds_all": times, "bytes": size}
    _bench.log(f"gif: {steps} steps in {out['seconds_median']:.2f} s, {size:,} bytes")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--levels", type=int, default=1000)
    ap.add_argument("--frames", type=int, default=300, help="frames per timed grid run")
    ap.add_argument("--gif-steps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    grid = grid_fps(args.levels, args.frames, args.seed)
    gif = gif_time(args.gif_steps, 3, args.seed)
    measured = {"grid_fps": min(grid[k]["fps"] for k in ("moving", "paging", "zoomed")),
                "gif_200_steps_seconds": gif["seconds_median"] if args.gif_steps == 200 else None}
    notes = ["grid_fps: the slowest of the three grid runs (moving, paging, zoomed)",
             "headless (SDL dummy video driver): drawing is the same, the display is not",
             "gif: frames drawn by the one renderer plus the GIF written, as levelforge replay --gif does"]
    _bench.report("bench_viewer", vars(args), notes, {"grid": grid, "gif": gif}, TARGETS,
                  {k: v for k, v in measured.items() if v is not None}, HIGHER_IS_BETTER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
