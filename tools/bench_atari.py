#!/usr/bin/env python
"""The DQN on its benchmark games, in tiers; prints one JSON object.

- ``T0`` throughput: the levelforge learner (vector env, one forward pass per
  step for all envs) against a minimal single-env DQN loop of the CleanRL
  kind (``tools/_dqn_reference.py``), same network, batch, replay ratio and
  optimizer, measured in the same run; on CartPole-v1 and, when installed,
  MinAtar Breakout. Target: ours at least 1.5x.
- ``T1`` CartPole-v1, 500k steps: mean return of the last 100 training
  episodes (target 475; CleanRL's DQN reports 488.7).
- ``T2`` MinAtar Breakout, Freeway, SpaceInvaders, 500k frames each
  (targets 7 / 40 / 20; the MinAtar paper's DQN is about 8.5 / 43 / 25).
  Tens of minutes each on a 2-core CPU: run in the background.
- ``T3`` Atari smoke: Pong and Breakout, 100k agent steps each: runs end to
  end and logs returns (no target; a real Atari run needs millions of steps).

    python tools/bench_atari.py --tiers T0,T1 > cartpole.json
    python tools/bench_atari.py --tiers T2 --steps 500000 > minatar.json &
    # or one process per game, one thread each (a batch-32 update is no faster on two):
    OMP_NUM_THREADS=1 python tools/bench_atari.py --tiers T2 --envs MinAtar/Freeway-v1 > freeway.json &
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import _dqn_reference  # noqa: E402

from levelforge.agent import DQNConfig, train  # noqa: E402
from levelforge.agent.benchmarks import (  # noqa: E402
    BenchmarkEnvError,
    benchmark_agent,
    evaluate,
    make_single,
    make_vector,
    preset,
)

TIERS = ("T0", "T1", "T2", "T3")
MINATAR = ("MinAtar/Breakout-v1", "MinAtar/Freeway-v1", "MinAtar/SpaceInvaders-v1")
TARGETS = {"T0_speedup": 1.5, "T1_CartPole-v1": 475.0, "T2_MinAtar/Breakout-v1": 7.0,
           "T2_MinAtar/Freeway-v1": 40.0, "T2_MinAtar/SpaceInvaders-v1": 20.0}
T0_TRAIN_EVERY = {"CartPole-v1": 10, "MinAtar/Breakout-v1": 4}
DEFAULT_STEPS = {"T0": 30_000, "T1": 500_000, "T2": 500_000, "T3": 100_000}


def run_learner(env_id: str, steps: int, seed: int, log_dir: Path | None, eval_episodes: int = 10, **changes) -> dict:
    cfg = preset(env_id, steps, seed=seed, device="cpu", **changes)
    env = make_vector(env_id, cfg.num_envs)
    agent = benchmark_agent(cfg, env, env_id)
    log = log_dir / f"{env_id.replace('/', '_')}_{seed}.csv" if log_dir else None
    res = train(agent, env, log_path=log, progress=False)
    env.close()
    out = {"env": env_id, "config": cfg.to_dict(), **agent.stats, "log": [dict(r) for r in res.log]}
    if eval_episodes:
        returns = evaluate(agent, env_id, eval_episodes, seed=seed + 10_000)
        out["eval_returns"] = returns
        out["eval_mean_return"] = statistics.fmean(returns)
    return out


def tier0(steps: int, seed: int) -> dict:
    out = {}
    for env_id in ("CartPole-v1", "MinAtar/Breakout-v1"):
        try:
            make_single(env_id).close()
        except BenchmarkEnvError as e:
            out[env_id] = {"skipped": str(e)}
            continue
        # the same update for both loops (what the reference does: one-step targets, max not Double,
        # no gradient clipping) at CleanRL's replay ratios (one update per 10 CartPole / 4 Atari-like steps)
        cfg = preset(env_id, steps, seed=seed, device="cpu", learning_starts=min(5_000, steps // 4), num_envs=8,
                     n_step=1, double=False, max_grad_norm=0.0, train_every=T0_TRAIN_EVERY[env_id])
        _bench.log(f"T0 {env_id}: reference loop, {steps:,} steps")
        ref = _dqn_reference.run(make_single(env_id), cfg, steps)
        _bench.log(f"T0 {env_id}: levelforge learner, {steps:,} steps, {cfg.num_envs} envs")
        env = make_vector(env_id, cfg.num_envs)
        agent = benchmark_agent(cfg, env, env_id)
        t0 = time.perf_counter()
        train(agent, env, progress=False)
        secs = time.perf_counter() - t0
        env.close()
        ours = {"steps": agent.stats["steps"], "seconds": secs, "steps_per_s": agent.stats["steps"] / secs,
                "updates": agent.stats["updates"]}
        out[env_id] = {"settings": {k: cfg.to_dict()[k] for k in ("network", "hidden", "batch_size", "train_every",
                                                                   "learning_starts", "lr", "num_envs", "n_step",
                                                                   "double", "max_grad_norm")},
                       "reference": ref, "levelforge": ours, "speedup": ours["steps_per_s"] / ref["steps_per_s"],
                       # what a loop with free acting and environments, and the reference's update, would reach
                       "ceiling_at_equal_updates": ref["seconds"] / ref["update_seconds"]}
        _bench.log(f"   reference {ref['steps_per_s']:,.0f} steps/s, levelforge {ours['steps_per_s']:,.0f} steps/s "
                   f"({out[env_id]['speedup']:.2f}x; {out[env_id]['ceiling_at_equal_updates']:.2f}x with free acting)")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="DQN benchmark tiers (T0 throughput, T1 CartPole, T2 MinAtar, "
                                 "T3 Atari smoke). Prints one JSON object on stdout; progress on stderr.")
    ap.add_argument("--tiers", type=lambda s: _bench.name_list(s, TIERS), default=["T0", "T1"],
                    help="comma-separated tiers (default: T0,T1)")
    ap.add_argument("--steps", type=int, default=None,
                    help="steps per run, overriding each tier's default (T0 30k, T1 500k, T2 500k, T3 100k)")
    ap.add_argument("--envs", default=None,
                    help="comma-separated env ids: run only these of the tiers' envs (e.g. MinAtar/Freeway-v1, "
                    "to run the T2 games as parallel processes)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="override a DQNConfig field of the T1-T3 presets, e.g. --set n_step=1 (repeatable)")
    ap.add_argument("--log-dir", type=Path, default=None, help="write each run's CSV log here")
    args = ap.parse_args(argv)
    try:
        overrides = DQNConfig.parse_overrides(args.overrides)
    except ValueError as e:
        ap.error(str(e))
    known = {"CartPole-v1", *MINATAR, "ALE/Pong-v5", "ALE/Breakout-v5"}
    wanted = set(args.envs.split(",")) if args.envs else set()
    if wanted - known:
        ap.error(f"unknown env(s) {', '.join(sorted(wanted - known))}: choose from {', '.join(sorted(known))}")
    if args.log_dir:
        args.log_dir.mkdir(parents=True, exist_ok=True)
    results, measured = {}, {}
    for tier in args.tiers:
        steps = args.steps or DEFAULT_STEPS[tier]
        if tier == "T0":
            results[tier] = tier0(steps, args.seed)
            speedups = [r["speedup"] for r in results[tier].values() if "speedup" in r]
            measured["T0_speedup"] = min(speedups) if speedups else None
            continue
        envs = {"T1": ("CartPole-v1",), "T2": MINATAR, "T3": ("ALE/Pong-v5", "ALE/Breakout-v5")}[tier]
        if wanted:
            envs = tuple(e for e in envs if e in wanted)
        results[tier] = {}
        for env_id in envs:
            _bench.log(f"{tier} {env_id}: {steps:,} steps")
            try:
                r = run_learner(env_id, steps, args.seed, args.log_dir, eval_episodes=0 if tier == "T3" else 10,
                                **overrides)
            except BenchmarkEnvError as e:
                results[tier][env_id] = {"skipped": str(e)}
                continue
            results[tier][env_id] = r
            measured[f"{tier}_{env_id}"] = r["mean_return"]
            _bench.log(f"   mean return (last 100 training episodes) {r['mean_return']:.2f} after {r['steps']:,} "
                       f"steps, {r['steps_per_s']:.0f} steps/s")
    notes = [
        "steps are agent steps summed over environments (Atari: 4 frames each; MinAtar: 1 frame each)",
        "mean_return: mean of the last 100 training episodes (epsilon-greedy, raw rewards); eval_returns: "
        "full episodes after training, epsilon 0.001",
        "T0 compares steps/s of whole training runs (acting + updates) with the same update (one-step targets, "
        "max, no clipping: what the reference loop does) and replay ratio (1 update / 10 steps CartPole, "
        "/ 4 MinAtar, as CleanRL's DQN); ceiling_at_equal_updates: the reference's run time over the time its "
        "updates took, the speed-up of a loop whose acting and environments cost nothing",
    ]
    settings = {"tiers": args.tiers, "steps": args.steps, "seed": args.seed, "overrides": overrides}
    _bench.report("bench_atari", settings, notes, results, TARGETS, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
