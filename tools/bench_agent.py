#!/usr/bin/env python
"""Train tile-game DQN agents under a time budget and test them on held-out levels.

For each game: an agent trains (``tile_preset`` settings, the same as
``levelforge train agent --procedural``) on the game's shipped corpus plus
endless levels from its procedural generator, for at most ``--minutes`` of
wall time on this machine. Then it plays, greedily, levels it never trained
on:

- ``generated``: ``--held-out`` levels from the procedural generator at seed
  ``--held-out-seed`` (the training levels come from the env's own seeded
  stream); any of them that training happened to serve is dropped and counted;
- ``gvgai`` (dungeon only): the 5 GVGAI Zelda levels in ../shared/corpora,
  when present;
- ``boxoban`` (sokoban only): ``--held-out`` puzzles drawn from Boxoban
  medium-train in ../shared/corpora, when present (the agent trains on
  procedural puzzles only).

Prints one JSON object: training stats, the win rate on each held-out set,
and the targets (dungeon 90%, maze 98%).

    python tools/bench_agent.py --games dungeon,maze --minutes 10
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import numpy as np  # noqa: E402

from levelforge.agent import DQNConfig, Judge, tile_agent, train, training_env  # noqa: E402
from levelforge.agent.demos import demonstrations  # noqa: E402
from levelforge.agent.snapshots import BestSnapshot  # noqa: E402
from levelforge.agent.tiles import MixedSource, practice_levels, tile_preset  # noqa: E402
from levelforge.game import game_levels_dir, load_game  # noqa: E402
from levelforge.generators import procedural  # noqa: E402
from levelforge.importers import import_levels  # noqa: E402
from levelforge.level import read_levels  # noqa: E402

GAMES = ("dungeon", "maze", "sokoban")
TARGETS = {"dungeon_held_out": 0.90, "maze_held_out": 0.98}
GVGAI = _bench.REPO.parent / "shared" / "corpora" / "gvgai-zelda"
BOXOBAN = _bench.REPO.parent / "shared" / "corpora" / "boxoban" / "medium-train"


def gvgai_levels(tmp: Path):
    files = sorted(GVGAI.glob("zelda_lvl*.txt")) if GVGAI.is_dir() else []
    if not files:
        return []
    written = import_levels("gvgai", files, tmp, force=True)
    return read_levels(written, "dungeon")


def boxoban_levels(n: int, seed: int) -> list:
    """``n`` puzzles drawn at random from Boxoban medium-train (the agent trains on procedural levels only)."""
    if not BOXOBAN.is_dir():
        return []
    levels = _bench.read_boxoban_path(BOXOBAN)
    pick = np.random.default_rng(seed).choice(len(levels), size=min(n, len(levels)), replace=False)
    return [levels[i] for i in sorted(pick)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Time-boxed DQN training on tile games, tested on held-out levels. "
                                 "Prints one JSON object on stdout; progress on stderr.")
    ap.add_argument("--games", type=lambda s: _bench.name_list(s, GAMES), default=list(GAMES))
    ap.add_argument("--minutes", type=float, default=10.0, help="wall-time budget of each training run")
    ap.add_argument("--steps", type=int, default=400_000,
                    help="planned environment steps (sets the exploration schedule; the time budget may cut it)")
    ap.add_argument("--held-out", type=int, default=200, help="generated held-out levels per game")
    ap.add_argument("--held-out-seed", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-dir", type=Path, default=None, help="save each agent and its CSV log here")
    ap.add_argument("--demos", type=int, default=0,
                    help="solve this many practice levels and learn from the solver's plans too (DQfD; 0: none)")
    ap.add_argument("--validation", type=int, default=0,
                    help="generated validation levels (seed --held-out-seed + 1): judge the agent on them at each "
                    "log row and keep the best weights (0: keep the last)")
    ap.add_argument("--shield", type=int, default=0, metavar="K",
                    help="also play the held-out sets with a shield of depth K (the engine vetoes actions that "
                    "lose within K steps, and those that go back to a state the episode has been in; "
                    "levelforge.agent.shield) and report both (0: network alone only)")
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a DQNConfig field of the preset, e.g. --set batch_size=64 (repeatable)")
    ap.add_argument("--quiet", action="store_true", help="no progress line")
    args = ap.parse_args(argv)
    if args.shield < 0:
        ap.error("--shield must be >= 0")
    try:
        overrides = DQNConfig.parse_overrides(args.overrides)
    except ValueError as e:
        ap.error(str(e))

    results, measured = {}, {}
    for game in args.games:
        spec = load_game(game)
        corpus = read_levels(game_levels_dir(spec), spec)
        gen = procedural(game)
        source = MixedSource(corpus, practice_levels(game))
        cfg = tile_preset(args.steps, seed=args.seed, device="cpu", max_seconds=60 * args.minutes, **overrides)
        t0 = time.perf_counter()
        env = training_env(spec, source, cfg.num_envs)
        demos, demo_info = None, {}
        if args.demos:
            _bench.log(f"{game}: solving {args.demos} practice levels for demonstrations")
            practice, rng = practice_levels(game), np.random.default_rng(args.seed + 1)
            demos, demo_levels = demonstrations([practice(rng) for _ in range(args.demos)], env.pool.size,
                                                env.single_observation_space.shape, cfg.n_step, cfg.gamma)
            source.served.update(lv.id for lv in demo_levels)  # seen in training: not held out
            demo_info = {"levels": args.demos, "solved": len(demo_levels), "seconds": time.perf_counter() - t0}
            # the solving counts against the time budget
            cfg = replace(cfg, max_seconds=max(1.0, cfg.max_seconds - (time.perf_counter() - t0)))
        agent = tile_agent(cfg, env)
        log = args.out_dir / f"{game}.csv" if args.out_dir else None
        _bench.log(f"{game}: training for at most {args.minutes:g} min in all ({args.steps:,} planned steps)")
        snap = None
        if args.validation:
            test_ids = {lv.id for lv in gen.sample(args.held_out, args.held_out_seed)}
            val = [lv for lv in gen.sample(args.validation, args.held_out_seed + 1) if lv.id not in test_ids]
            snap = BestSnapshot(agent, val)
        res = train(agent, env, log_path=log, progress=not args.quiet, label=game, demos=demos, on_log=snap)
        if snap is not None:
            snap.restore()
            _bench.log(f"   kept the weights of step {snap.best_step:,}: validation win rate {snap.best[0]:.1%}")
        if args.out_dir:
            from levelforge.agent import save_agent

            save_agent(agent, args.out_dir / f"{game}.pt")
        held = {}
        generated = gen.sample(args.held_out, args.held_out_seed)
        fresh = [lv for lv in generated if lv.id not in source.served]
        sets = {"generated": fresh}
        with tempfile.TemporaryDirectory() as tmp:
            if game == "dungeon":
                sets["gvgai"] = gvgai_levels(Path(tmp))
            if game == "sokoban":
                sets["boxoban"] = boxoban_levels(args.held_out, args.held_out_seed)
            for name, lvls in sets.items():
                if not lvls:
                    held[name] = {"skipped": "not available"}
                    continue
                scores = Judge(agent).evaluate(lvls)
                won = sum(s.success_rate for s in scores) / len(scores)
                held[name] = {"levels": len(lvls), "success_rate": won,
                              "mean_steps": sum(s.mean_steps for s in scores) / len(scores),
                              "lost_levels": [s.level for s in scores if s.success_rate < 1][:20]}
                _bench.log(f"   held-out {name}: won {won:.1%} of {len(lvls)}")
                if args.shield:
                    shielded = Judge(agent, shield=args.shield).evaluate(lvls)
                    held[name]["success_rate_shielded"] = sum(s.success_rate for s in shielded) / len(shielded)
                    _bench.log(f"   held-out {name}, shield {args.shield}: won "
                               f"{held[name]['success_rate_shielded']:.1%} of {len(lvls)}")
        all_scores = [(h["success_rate"], h["levels"]) for h in held.values() if "levels" in h]
        total = sum(n for _, n in all_scores)
        measured[f"{game}_held_out"] = sum(r * n for r, n in all_scores) / total if total else None
        if args.shield:
            measured[f"{game}_held_out_shield{args.shield}"] = sum(
                h["success_rate_shielded"] * h["levels"] for h in held.values() if "levels" in h) / total if total else None
        results[game] = {
            "config": cfg.to_dict(),
            "training": agent.stats,
            "training_levels": {"corpus": len(corpus), "distinct_served": len(source.served)},
            "demonstrations": demo_info,
            "validation": {"levels": len(snap.levels), "best_step": snap.best_step, "history": snap.history}
            if snap else None,
            "held_out": {**held, "generated_dropped_as_seen": len(generated) - len(fresh)},
            "log": res.log,
        }
    notes = [
        "held_out success_rate: share of held-out levels won by greedy play (one episode each; the games are "
        "deterministic)",
        "measured: over all held-out sets of the game together; *_shieldK: played with a shield of depth K "
        "(the rules engine vetoes actions that lose within K steps, and revisits of states)",
        "training success_rate (last 100 episodes) includes the easier practice levels",
    ]
    _bench.report("bench_agent", vars(args), notes, results, TARGETS, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
