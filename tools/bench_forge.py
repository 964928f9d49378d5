#!/usr/bin/env python
"""The forge's targets, measured; prints one JSON object.

- ``generate``: ``levelforge generate --n N`` (the shipped models) run
  ``--repeats`` times as fresh processes (a cold start: new interpreter,
  models loaded from disk, the engine's compiled code from numba's cache),
  each timed from outside, with its own ``--json`` counts (candidates drawn,
  solved, unsolvable ...) and stage times; the kept levels are checked again here: solved
  by the solver, distinct, novel (at least 5 tiles from every training
  level). Two runs with the same seed must give byte-identical level files.
- ``search``: ``--search cma`` against plain sampling, the same number of
  candidates judged (the same solver and agent budget), over
  ``--search-seeds`` seeds: the mean creativity of the kept N.
- ``agreement``: the agent judge against the solver on ``--candidates`` raw
  GAN samples (every structurally sound one): how often "the agent wins"
  and "the solver says playable" agree, with precision and recall of the
  former for the latter; for the network alone (shield 0) and as the forge
  plays it (shield 1, ``levelforge generate --shield``).

    python tools/bench_forge.py --game dungeon
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)

import levelforge as lf  # noqa: E402
from levelforge.agent import Judge, load_agent  # noqa: E402
from levelforge.constraints import check_level  # noqa: E402
from levelforge.forge.defaults import default_agent, default_generator, novelty_reference  # noqa: E402
from levelforge.gan import GANGenerator, load_gan  # noqa: E402
from levelforge.metrics import diversity, nearest  # noqa: E402
from levelforge.solve import Solver  # noqa: E402

TARGETS = {"dungeon_generate_seconds": 10.0, "sokoban_generate_seconds": 30.0, "agreement": 0.95,
           "cma_creativity_gain": 0.0}


def run_generate(game: str, n: int, seed: int, cwd: Path, out: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_bench.REPO), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "levelforge.cli", "generate", "--game", game, "--n", str(n), "--seed", str(seed),
           "--out", str(out), "--quiet", "--json"]
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"generate failed: {p.stderr}")
    return secs, p


def check_folder(game: str, folder: Path, reference: list) -> dict:
    levels = [lf.read_level(f, game) for f in sorted(folder.glob("*.txt"))]
    solver = Solver(game, max_nodes=200_000, max_seconds=None)
    return {
        "levels": len(levels),
        "solved": sum(solver.solve(lv).solved for lv in levels),
        "distinct": len({lv.id for lv in levels}),
        "novel": int((nearest(levels, reference) >= 5).sum()) if reference else None,
    }


def agreement(game: str, candidates: int, seed: int, shields: tuple[int, ...] = (0, 1)) -> dict:
    gan = load_gan(default_generator(game))
    agent = load_agent(default_agent(game), game)
    levels = [lv for lv in GANGenerator(gan).sample(candidates, seed) if not check_level(lv)]
    solver = Solver(game, max_nodes=200_000, max_seconds=None)
    t = time.perf_counter()
    solvable = [solver.solve(lv).solved for lv in levels]
    solve_secs = time.perf_counter() - t
    out = {"levels": len(levels), "solver_playable": sum(solvable), "solve_seconds": solve_secs}
    for k in shields:  # the network alone, and with the forge's default shield
        t = time.perf_counter()
        wins = [s.success_rate > 0 for s in Judge(agent, shield=k).evaluate(levels)]
        tp = sum(w and s for w, s in zip(wins, solvable))
        fp = sum(w and not s for w, s in zip(wins, solvable))
        fn = sum(s and not w for w, s in zip(wins, solvable))
        out[f"shield_{k}"] = {
            "agent_wins": sum(wins),
            "agreement": sum(w == s for w, s in zip(wins, solvable)) / len(levels),
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "judge_seconds": time.perf_counter() - t,
        }
    return out


def search_comparison(game: str, n: int, seeds: int) -> dict:
    """Mean creativity of the kept N: plain sampling against CMA-ES, the same candidates judged, per seed."""
    from levelforge.forge import forge
    from levelforge.forge.pipeline import CANDIDATES_PER_LEVEL

    gan = load_gan(default_generator(game))
    agent = load_agent(default_agent(game), game) if default_agent(game) else None
    corpus = novelty_reference(gan)
    out: dict = {"candidates": CANDIDATES_PER_LEVEL * n, "per_seed": []}
    for seed in range(100, 100 + seeds):  # not seeds 0-4, on which the search's settings were picked
        row = {"seed": seed}
        for search in ("sample", "cma"):
            t = time.perf_counter()
            res = forge(GANGenerator(gan), n, corpus=corpus, training_ids=frozenset(gan.corpus_ids), agent=agent,
                        judge="both" if agent else "solver", seed=seed, search=search,
                        candidates=CANDIDATES_PER_LEVEL * n)  # equal budgets: no extra rounds for either
            kept = [c.scores.creativity for c in res.selected]
            row[search] = {"mean_creativity": sum(kept) / len(kept), "kept": len(kept),
                           "diversity": diversity([c.level for c in res.selected]),
                           "judged": len(res.candidates), "seconds": time.perf_counter() - t}
        _bench.log(f"seed {seed}: creativity sample {row['sample']['mean_creativity']:.3f}, "
                   f"cma {row['cma']['mean_creativity']:.3f}")
        out["per_seed"].append(row)
    wins = sum(r["cma"]["mean_creativity"] > r["sample"]["mean_creativity"] for r in out["per_seed"])
    out["cma_higher"] = f"{wins} of {seeds}"
    out["mean_sample"] = sum(r["sample"]["mean_creativity"] for r in out["per_seed"]) / seeds
    out["mean_cma"] = sum(r["cma"]["mean_creativity"] for r in out["per_seed"]) / seeds
    for search in ("sample", "cma"):
        out[f"mean_diversity_{search}"] = sum(r[search]["diversity"] for r in out["per_seed"]) / seeds
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="levelforge generate's targets: time, quality, determinism, and the "
                                 "agent judge's agreement with the solver. JSON on stdout.")
    ap.add_argument("--game", default="dungeon")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3, help="timed cold runs of generate")
    ap.add_argument("--candidates", type=int, default=1000,
                    help="raw samples for the agreement measurement (0: skip it)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--search-seeds", type=int, default=5,
                    help="seeds of the --search cma against plain sampling comparison (0: skip it)")
    args = ap.parse_args(argv)
    if default_generator(args.game) is None:
        ap.error(f"no shipped generator for {args.game}")
    reference = novelty_reference(load_gan(default_generator(args.game)))
    results: dict = {"generate": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for k in range(args.repeats):
            out = tmp / f"run{k}"
            secs, proc = run_generate(args.game, args.n, args.seed, tmp, out)
            _bench.log(f"generate --n {args.n}: {secs:.1f} s")
            inside = json.loads(proc.stdout)  # generate's own --json summary: candidates per outcome, stage times
            results["generate"].append({"seconds": secs, **check_folder(args.game, out, reference),
                                        "counts": inside["counts"], "stage_seconds": inside["stage_seconds"]})
        first, last = tmp / "run0", tmp / f"run{args.repeats - 1}"
        names = sorted(p.name for p in first.iterdir())
        same = names == sorted(p.name for p in last.iterdir()) and all(
            filecmp.cmp(first / f, last / f, shallow=False) for f in names)
        results["byte_identical"] = same
    measured = {f"{args.game}_generate_seconds": max(r["seconds"] for r in results["generate"])}
    if default_agent(args.game) is not None and args.candidates:
        _bench.log(f"agreement: {args.candidates} raw samples, solver and agent")
        results["agreement"] = agreement(args.game, args.candidates, args.seed + 1)
        key = "agreement" if args.game == "dungeon" else f"{args.game}_agreement"  # the target is dungeon's
        measured[key] = results["agreement"]["shield_1"]["agreement"]  # the forge's default judge
    if args.search_seeds:
        results["search"] = search_comparison(args.game, args.n, args.search_seeds)
        measured["cma_creativity_gain"] = results["search"]["mean_cma"] - results["search"]["mean_sample"]
    notes = ["generate seconds: wall time of a fresh `python -m levelforge.cli generate` process, from outside",
             "solved/distinct/novel: the kept levels checked again by this tool (novel: >= 5 tiles from every "
             "training level the model file keeps, and the game's shipped levels)",
             "agreement: share of sound raw samples where 'agent wins' equals 'solver finds a plan'; measured: "
             "with shield 1, as levelforge generate judges"]
    higher = {f"{args.game}_generate_seconds": False}
    _bench.report("bench_forge", vars(args), notes, results, TARGETS, measured, higher)
    return 0


if __name__ == "__main__":
    sys.exit(main())
