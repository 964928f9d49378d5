#!/usr/bin/env python
"""Export speed: a 50-level run to every format at once (``levelforge export --format all``).

The levels are ``--levels`` procedural levels of ``--game`` (a generate run's
levels export the same way; the scores go along as properties), exported
with :func:`levelforge.export.export_levels` to every format in
:data:`levelforge.export.FORMATS` into a fresh temporary folder, ``--repeats``
times; the median is the measurement. Per-format times come from one more
pass, each format alone.

Prints one JSON object; target: under 10 s for 50 levels.

    python tools/bench_export.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)

from levelforge.export import FORMATS, export_levels  # noqa: E402
from levelforge.generators import procedural  # noqa: E402

TARGETS = {"seconds_all_formats_50_levels": 10.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--game", default="dungeon", choices=["dungeon", "sokoban", "maze"])
    ap.add_argument("--levels", type=int, default=50)
    ap.add_argument("--tile", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    levels = procedural(args.game).sample(args.levels, args.seed)
    scores = [{"creativity": 0.5, "novelty": 0.2, "playable": True} for _ in levels]
    times, files = [], 0
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            out = export_levels(levels, list(FORMATS), tmp, tile=args.tile, scores=scores)
            times.append(time.perf_counter() - t)
            files = sum(len(v) for v in out.values())
    per_format = {}
    for f in FORMATS:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            export_levels(levels, [f], tmp, tile=args.tile, scores=scores)
            per_format[f] = time.perf_counter() - t
    med = statistics.median(times)
    _bench.log(f"{args.levels} {args.game} levels, {len(FORMATS)} formats, {files} files: {med:.2f} s")
    results = {"levels": args.levels, "formats": list(FORMATS), "files": files, "seconds": times,
               "seconds_per_format": per_format}
    measured = {"seconds_all_formats_50_levels": med} if args.levels == 50 else {}
    _bench.report("bench_export", vars(args), ["median of --repeats runs; files include index.json"], results,
                  TARGETS, measured, {"seconds_all_formats_50_levels": False})
    return 0


if __name__ == "__main__":
    sys.exit(main())
