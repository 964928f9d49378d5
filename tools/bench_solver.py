#!/usr/bin/env python
"""Solve rate and time of the levelforge solver on a level set.

By default: ``sokoban`` on a random sample of 1000 Boxoban puzzles from
``../shared/corpora/boxoban/medium-train`` (relative to the repository root;
its ``000.txt`` ... ``004.txt`` Boxoban files). Every plan found is replayed
through the engine to check that it wins (outside the timed solve).

Prints one JSON object on stdout; a progress line every 50 levels on stderr.

    python tools/bench_solver.py --sample 40
    python tools/bench_solver.py --game maze --levels my_mazes/
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import numpy as np  # noqa: E402

from levelforge.engine import Engine, State  # noqa: E402
from levelforge.errors import LevelforgeError  # noqa: E402
from levelforge.game import load_game  # noqa: E402
from levelforge.solve import GAVE_UP, SOLVED, UNSOLVABLE, Solver  # noqa: E402

DEFAULT_BOXOBAN = _bench.REPO.parent / "shared" / "corpora" / "boxoban" / "medium-train"
TARGETS = {"solve_rate": 1.0, "median_s": 0.05, "p95_s": 1.0}
HIGHER_IS_BETTER = {"solve_rate": True, "median_s": False, "p95_s": False}
PROGRESS_EVERY = 50
#: Levels listed by name in the output, per verdict, at most.
LIST_AT_MOST = 50


def replay_wins(engine: Engine, level, plan: list[int]) -> bool:
    """Does ``plan`` win ``level`` when stepped through the engine?"""
    s = engine.load([level])
    for a in plan:
        if s.status[0] != State.PLAYING:
            return False
        s, _, _ = engine.step(s, np.array([a], dtype=np.int64))
    return bool(s.status[0] == State.WON)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Solve rate and time of the levelforge solver on a level set. "
        "Prints one JSON object on stdout; progress on stderr.",
    )
    ap.add_argument("--game", default="sokoban", help="game name or game.toml path (default: %(default)s)")
    ap.add_argument("--levels", type=Path, default=None,
                    help="a folder of level files, a level file, or with --boxoban a Boxoban file or folder of "
                    f"Boxoban files (default for sokoban: {DEFAULT_BOXOBAN}; other games: their shipped corpus)")
    ap.add_argument("--boxoban", action="store_true",
                    help="read --levels as Boxoban files (sokoban); without it a file starting with a '; N' header is detected as one; implied for the default corpus")
    ap.add_argument("--sample", type=int, default=1000,
                    help="solve a random sample of this many levels, without replacement, when more exist; "
                    "0 = all (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample (default: %(default)s)")
    ap.add_argument("--max-nodes", type=int, default=2_000_000,
                    help="solver node budget per level (default: %(default)s)")
    ap.add_argument("--max-seconds", type=float, default=60.0,
                    help="solver time budget per level in seconds; 0 = none (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.sample < 0:
        ap.error("--sample must be 0 (all) or positive")
    if args.max_nodes < 1:
        ap.error("--max-nodes must be positive")
    max_seconds = args.max_seconds if args.max_seconds > 0 else None

    try:
        spec = load_game(args.game)
    except LevelforgeError as e:
        ap.exit(2, f"{ap.prog}: error: {e}\n")
    boxoban = args.boxoban
    path = args.levels
    if path is None and spec.name == "sokoban":
        path, boxoban = DEFAULT_BOXOBAN, True
        if not path.is_dir() or not any(path.glob("*.txt")):
            ap.exit(2, f"{ap.prog}: error: the default Boxoban corpus {path} is missing or holds no .txt files; "
                    "pass --levels (and --boxoban for Boxoban files)\n")
    try:
        levels, source = _bench.load_levels(spec, path, boxoban=True if boxoban else None)
    except LevelforgeError as e:
        ap.exit(2, f"{ap.prog}: error: {e}\n")
    total_levels = len(levels)
    if args.sample and total_levels > args.sample:
        rng = np.random.default_rng(args.seed)
        idx = np.sort(rng.choice(total_levels, size=args.sample, replace=False))
        levels = [levels[i] for i in idx]
    n = len(levels)
    _bench.log(f"{spec.name}: solving {n} of {total_levels} level(s) from {source} "
               f"(max_nodes={args.max_nodes}, max_seconds={max_seconds})")

    engine = Engine(spec)
    solver = Solver(engine, max_nodes=args.max_nodes, max_seconds=max_seconds)
    seconds: list[float] = []
    nodes: list[int] = []
    lengths: list[int] = []
    by_verdict: dict[str, list[str]] = {SOLVED: [], UNSOLVABLE: [], GAVE_UP: []}
    bad_plans: list[str] = []
    t_all = time.perf_counter()
    for k, level in enumerate(levels, 1):
        sol = solver.solve(level)
        name = level.name or level.id
        seconds.append(sol.seconds)
        nodes.append(sol.nodes)
        by_verdict.setdefault(sol.verdict, []).append(name)
        if sol.solved:
            lengths.append(sol.length)
            if not replay_wins(engine, level, sol.plan):
                bad_plans.append(name)
        elif sol.verdict == GAVE_UP:
            _bench.log(f"  gave up on {name}: {sol.reason}")
        if k % PROGRESS_EVERY == 0 or k == n:
            _bench.log(f"  {k}/{n}: solved {len(by_verdict[SOLVED])}, unsolvable {len(by_verdict[UNSOLVABLE])}, "
                       f"gave up {len(by_verdict[GAVE_UP])}; median {statistics.median(seconds):.4f} s, "
                       f"max {max(seconds):.3f} s, elapsed {time.perf_counter() - t_all:.1f} s")
    wall = time.perf_counter() - t_all

    solved = len(by_verdict[SOLVED])
    summary = {
        "count": n,
        "solved": solved,
        "unsolvable": len(by_verdict[UNSOLVABLE]),
        "gave_up": len(by_verdict[GAVE_UP]),
        "solve_rate": solved / n if n else None,
        "median_s": _bench.pct(seconds, 50),
        "p95_s": _bench.pct(seconds, 95),
        "max_s": max(seconds) if seconds else None,
        "mean_s": float(np.mean(seconds)) if seconds else None,
        "total_solve_s": float(sum(seconds)),
        "total_wall_s": wall,
        "median_nodes": _bench.pct(nodes, 50),
        "max_nodes": max(nodes) if nodes else None,
        "median_length": _bench.pct(lengths, 50),
        "max_length": max(lengths) if lengths else None,
        "plans_replayed": len(lengths),
        "plans_not_winning": len(bad_plans),
    }
    measured = {k: summary[k] for k in TARGETS}
    _bench.emit({
        "tool": "bench_solver",
        "machine": _bench.machine(),
        "settings": {
            "game": spec.name,
            "levels": source,
            "levels_available": total_levels,
            "sample": args.sample,
            "seed": args.seed,
            "max_nodes": args.max_nodes,
            "max_seconds": max_seconds,
        },
        "notes": [
            "seconds are the solver's own time per level (Solution.seconds); percentiles over all levels, "
            "whatever the verdict",
            "plan lengths over solved levels; every plan is replayed through the engine to check it wins",
        ],
        "results": summary,
        "levels_by_verdict": {
            v: names[:LIST_AT_MOST] for v, names in by_verdict.items() if v != SOLVED and names
        },
        "plans_not_winning": bad_plans[:LIST_AT_MOST],
        "targets": TARGETS,
        "met": _bench.check_targets(TARGETS, measured, HIGHER_IS_BETTER),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
