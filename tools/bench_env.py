#!/usr/bin/env python
"""Throughput of the levelforge engine and environments under random play.

For each game it measures, on the game's shipped corpus (or ``--levels``):

- ``engine``: batched steps with uniformly random actions, for each batch
  size B, in place (``advance``: :meth:`Engine.advance`, as the vector env
  steps) and pure (``step``: :meth:`Engine.step`, new states each call, as
  search steps). Rows that end (won, lost, or ``t >= max_steps``) are
  replaced by fresh initial states from a bank of the levels after every
  step, so the numbers are of live play; steps/s includes that reset work,
  and ``live_fraction`` says what share of the stepped rows were live.
- ``vector``: :class:`TileVectorEnv` via ``gymnasium.make_vec`` (SAME_STEP
  autoreset, one-hot observations), with ``copy=True`` and ``copy=False``.
- ``single``: one ``gymnasium.make`` environment (with Gymnasium's default
  wrappers) and its ``.unwrapped`` raw :class:`TileEnv`.
- ``parallel`` (dungeon and maze): one PettingZoo ``ParallelEnv``
  (``levelforge.envs.multi``) of ``--players`` players (dungeon co-operative,
  maze a race), driven as a user would: a dict of actions per step, a reset
  when no agent is left. Its steps/s counts *joint* steps (one per call,
  whatever the number of players).

steps/s counts environment steps: B per batched call. Random actions are
drawn before the timed loops. Prints one JSON object on stdout; progress goes
to stderr.

    python tools/bench_env.py --seconds 0.3 --batch-sizes 1,4096
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import gymnasium  # noqa: E402
import numpy as np  # noqa: E402

from levelforge.engine import Engine, State  # noqa: E402
from levelforge.envs import LevelPool  # noqa: E402
from levelforge.errors import LevelforgeError  # noqa: E402
from levelforge.envs import GAMES as ENV_TITLES  # noqa: E402
from levelforge.game import load_game  # noqa: E402

GAMES = tuple(ENV_TITLES.values())  # dungeon, sokoban, maze
env_ids = {game: f"LevelForge/{title}-v0" for title, game in ENV_TITLES.items()}
MODES = ("engine", "vector", "single", "parallel")
PARALLEL_GAMES = {"dungeon": "coop", "maze": "race"}
TARGETS = {"engine_dungeon_4096": 1e7, "vector_dungeon_4096": 2e6, "single_dungeon": 3e4, "parallel_dungeon": 2e4}
WARMUP = 5
#: Pre-drawn random actions: at most this many array elements (rows are reused cyclically).
ACTION_ELEMENTS = 1 << 22


def _actions(rng: np.random.Generator, n_actions: int, batch: int) -> np.ndarray:
    rows = max(64, min(4096, ACTION_ELEMENTS // batch))
    return rng.integers(0, n_actions, size=(rows, batch), dtype=np.int64)


def bench_engine(
    engine: Engine, bank: State, batch: int, seconds: float, rng: np.random.Generator, inplace: bool
) -> dict:
    """Batched engine steps with resets of finished rows from a bank of initial
    states: pure :meth:`Engine.step` (new states each call), or ``inplace``
    :meth:`Engine.advance` (the states' arrays are updated, as a vector env does)."""
    n_bank = len(bank)
    max_steps = engine.spec.max_steps
    acts = _actions(rng, engine.n_actions, batch)
    n_rows = len(acts)
    states = bank.take(rng.integers(0, n_bank, batch))
    # Stagger the step counters, so that truncations (t >= max_steps) and their
    # resets are spread over the run instead of all B rows ending together.
    states = states.replace(t=rng.integers(0, max_steps, batch, dtype=np.int32))

    def run(states, calls_min: int, seconds: float):
        """Step until ``seconds`` passed (and at least ``calls_min`` calls)."""
        calls = ended = 0
        live_done = 0  # steps taken by the episodes that ended (their final t)
        i = 0
        t0 = time.perf_counter()
        while True:
            if inplace:
                _, term, _ = engine.advance(states, acts[i])
                new = states
            else:
                new, _, term = engine.step(states, acts[i])
            done = term | (new.t >= max_steps)
            if done.any():
                rows = np.flatnonzero(done)
                live_done += int(new.t[rows].sum())
                ended += len(rows)
                pick = rng.integers(0, n_bank, len(rows))
                if inplace:
                    new.set_rows(rows, bank, pick)
                else:
                    fresh = bank.take(pick)
                    # rows of arrays the step made new are replaced in place,
                    # arrays it shared with `states` are copied
                    new = new.put(rows, fresh, previous=states)
            states = new
            calls += 1
            i = i + 1 if i + 1 < n_rows else 0
            if calls >= calls_min and time.perf_counter() - t0 >= seconds:
                break
        return states, calls, ended, live_done, time.perf_counter() - t0

    states, *_ = run(states, WARMUP, 0.0)
    # Every live step adds 1 to a row's t and bank rows start at t = 0, so the
    # live steps of the timed run are: t of the rows that ended during it, plus
    # t now, minus t at the start.
    t_start = int(states.t.sum())
    states, calls, ended, live_done, secs = run(states, max_steps, seconds)
    live = live_done + int(states.t.sum()) - t_start
    total = calls * batch
    return {
        "steps_per_s": total / secs,
        "calls_per_s": calls / secs,
        "us_per_call": 1e6 * secs / calls,
        "live_fraction": live / total,
        "episodes_ended": ended,
        "calls": calls,
        "seconds": secs,
    }


def _timed_vector(env, acts: np.ndarray, seconds: float, calls_min: int) -> tuple[int, float]:
    n_rows = len(acts)
    step = env.step
    for k in range(WARMUP):
        step(acts[k % n_rows])
    calls = i = 0
    t0 = time.perf_counter()
    while True:
        step(acts[i])
        calls += 1
        i = i + 1 if i + 1 < n_rows else 0
        if calls >= calls_min and time.perf_counter() - t0 >= seconds:
            break
    return calls, time.perf_counter() - t0


def bench_vector(env_id: str, levels, batch: int, copy: bool, seconds: float, rng: np.random.Generator, seed: int,
                 max_steps: int) -> dict:
    env = gymnasium.make_vec(env_id, num_envs=batch, vectorization_mode="vector_entry_point", levels=levels, copy=copy)
    try:
        env.reset(seed=seed)
        acts = _actions(rng, int(env.single_action_space.n), batch)
        # All B environments start together, so episodes that run to the step
        # limit end together: time at least max_steps calls to include their resets.
        calls, secs = _timed_vector(env, acts, seconds, max_steps)
        return {
            "steps_per_s": batch * calls / secs,
            "calls_per_s": calls / secs,
            "us_per_call": 1e6 * secs / calls,
            "calls": calls,
            "seconds": secs,
            "autoreset_mode": str(getattr(env, "autoreset_mode", None)),
            "obs_shape": list(env.observation_space.shape),
        }
    finally:
        env.close()


def _timed(play, reset, n: int, seconds: float, seed: int) -> tuple[int, int, float]:
    """Call ``play(i)`` (one step with the ``i``-th pre-drawn action, ``i`` cycling
    through ``n``; True when the episode ended, then ``reset()``) for ``seconds``
    after a warm-up. Returns (steps, episodes ended, seconds)."""
    reset(seed=seed)
    for k in range(WARMUP):
        if play(k):
            reset()
    steps = episodes = i = 0
    t0 = time.perf_counter()
    while True:
        if play(i):
            reset()
            episodes += 1
        steps += 1
        i = i + 1 if i + 1 < n else 0
        if time.perf_counter() - t0 >= seconds:
            break
    return steps, episodes, time.perf_counter() - t0


def _timed_single(env, acts: list[int], seconds: float, seed: int) -> tuple[int, int, float]:
    step = env.step

    def play(i: int) -> bool:
        _, _, term, trunc, _ = step(acts[i])
        return term or trunc

    return _timed(play, env.reset, len(acts), seconds, seed)


def bench_single(env_id: str, levels, seconds: float, rng: np.random.Generator, seed: int) -> dict:
    env = gymnasium.make(env_id, levels=levels)
    try:
        acts = rng.integers(0, int(env.action_space.n), size=1 << 16).tolist()
        out = {}
        wrappers = []
        e = env
        while isinstance(e, gymnasium.Wrapper):
            wrappers.append(type(e).__name__)
            e = e.env
        for name, target in (("make", env), ("unwrapped", env.unwrapped)):
            steps, episodes, secs = _timed_single(target, acts, seconds, seed)
            out[name] = {
                "steps_per_s": steps / secs,
                "us_per_step": 1e6 * secs / steps,
                "episodes_ended": episodes,
                "steps": steps,
                "seconds": secs,
            }
        out["make"]["wrappers"] = wrappers
        return out
    finally:
        env.close()


def bench_parallel(game: str, levels, players: int, seconds: float, rng: np.random.Generator, seed: int) -> dict:
    """Joint steps/s of one PettingZoo ParallelEnv with random actions (a reset when every agent is done)."""
    from levelforge.envs.multi import TeamEnv

    env = TeamEnv(game, levels=levels, players=players, mode=PARALLEL_GAMES[game])
    names = env.possible_agents
    acts = [dict(zip(names, row)) for row in rng.integers(0, env.engine.n_actions, size=(1 << 14, players)).tolist()]
    step = env.step

    def play(i: int) -> bool:
        step({a: acts[i][a] for a in env.agents})
        return not env.agents

    steps, episodes, secs = _timed(play, env.reset, len(acts), seconds, seed)
    env.close()
    return {"steps_per_s": steps / secs, "us_per_step": 1e6 * secs / steps, "players": players,
            "mode": PARALLEL_GAMES[game], "episodes_ended": episodes, "steps": steps, "seconds": secs}


def best_of(repeats: int, run) -> dict:
    """Call ``run()`` (one timed window) ``repeats`` times; return the fastest
    window's result, with every window's steps/s and their median beside it.
    The fastest window is the least disturbed by other load on a shared
    machine (the convention of Python's ``timeit``); all windows are reported."""
    runs = [run() for _ in range(repeats)]

    def rate(r: dict) -> float:
        return r["steps_per_s"] if "steps_per_s" in r else r["make"]["steps_per_s"]

    best = dict(max(runs, key=rate))
    best["windows_steps_per_s"] = [rate(r) for r in runs]
    best["median_steps_per_s"] = float(np.median(best["windows_steps_per_s"]))
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Random-play throughput of the levelforge engine, vector env and single env. "
        "Prints one JSON object on stdout; progress on stderr.",
    )
    ap.add_argument("--games", type=lambda s: _bench.name_list(s, GAMES), default=list(GAMES),
                    help="comma-separated games (default: %(default)s)")
    ap.add_argument("--modes", type=lambda s: _bench.name_list(s, MODES), default=list(MODES),
                    help="comma-separated parts to run: engine, vector, single, parallel (default: all)")
    ap.add_argument("--players", type=int, default=2, help="players in the parallel envs, 2 to 4 (default: 2)")
    ap.add_argument("--batch-sizes", type=_bench.int_list, default=[1, 16, 256, 1024, 4096],
                    help="comma-separated batch sizes B for engine and vector (default: 1,16,256,1024,4096)")
    ap.add_argument("--seconds", type=float, default=1.0,
                    help="timed seconds per configuration, after warm-up (default: %(default)s)")
    ap.add_argument("--levels", type=Path, default=None,
                    help="level file or folder to use instead of each game's shipped corpus; for sokoban "
                    "also a Boxoban file or folder of Boxoban files (detected by the '; N' header). "
                    "Best with a single --games entry")
    ap.add_argument("--repeats", type=int, default=3,
                    help="timed windows per configuration; the fastest is reported, all are listed "
                    "(default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.seconds <= 0:
        ap.error("--seconds must be positive")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    if not 2 <= args.players <= 4:
        ap.error("--players must be 2, 3 or 4")
    rep = args.repeats

    results: dict[str, dict] = {}
    info: dict[str, dict] = {}
    for game in args.games:
        spec = load_game(game)
        try:
            levels, source = _bench.load_levels(game, args.levels)
        except LevelforgeError as e:
            ap.exit(2, f"{ap.prog}: error: {game}: {e}\n")
        engine = Engine(spec)
        pool = LevelPool(engine, levels, slots=1)  # the board size and NPC slots the envs use
        size, mnpc = pool.size, pool.max_npcs
        env_id = env_ids[game]
        info[game] = {
            "levels": source,
            "n_levels": len(levels),
            "board": list(size),
            "max_npcs": mnpc,
            "max_steps": spec.max_steps,
            "n_actions": engine.n_actions,
            "channels": len(engine.channels),
            "env_id": env_id,
        }
        _bench.log(f"{game}: {len(levels)} level(s) from {source}, board {size[0]}x{size[1]}")
        res: dict[str, dict] = {}
        rng = np.random.default_rng(args.seed)
        if "engine" in args.modes:
            res["engine"] = {"advance": {}, "step": {}}
            for b in args.batch_sizes:
                for key in ("advance", "step"):
                    r = best_of(rep, lambda: bench_engine(engine, pool.bank, b, args.seconds, rng,
                                                          inplace=key == "advance"))
                    res["engine"][key][str(b)] = r
                    _bench.log(f"  engine  B={b:<5} {key:<7} {r['steps_per_s']:>13,.0f} steps/s  "
                               f"(median {r['median_steps_per_s']:>13,.0f})  live {r['live_fraction']:.3f}")
        if "vector" in args.modes:
            res["vector"] = {"copy": {}, "nocopy": {}}
            for b in args.batch_sizes:
                for key, copy in (("copy", True), ("nocopy", False)):
                    r = best_of(rep, lambda: bench_vector(env_id, levels, b, copy, args.seconds, rng, args.seed,
                                                          spec.max_steps))
                    res["vector"][key][str(b)] = r
                    _bench.log(f"  vector  B={b:<5} copy={copy!s:<5} {r['steps_per_s']:>13,.0f} steps/s  "
                               f"(median {r['median_steps_per_s']:>13,.0f})")
        if "single" in args.modes:
            r = best_of(rep, lambda: bench_single(env_id, levels, args.seconds, rng, args.seed))
            res["single"] = r
            _bench.log(f"  single  make {r['make']['steps_per_s']:>10,.0f} steps/s  "
                       f"unwrapped {r['unwrapped']['steps_per_s']:>10,.0f} steps/s")
        if "parallel" in args.modes and game in PARALLEL_GAMES:
            r = best_of(rep, lambda: bench_parallel(game, levels, args.players, args.seconds, rng, args.seed))
            res["parallel"] = r
            _bench.log(f"  parallel {args.players} players {r['steps_per_s']:>10,.0f} joint steps/s  "
                       f"(median {r['median_steps_per_s']:>10,.0f})")
        results[game] = res

    d = results.get("dungeon", {})
    where = {
        "engine_dungeon_4096": d.get("engine", {}).get("advance", {}).get("4096", {}),
        "vector_dungeon_4096": d.get("vector", {}).get("copy", {}).get("4096", {}),
        "single_dungeon": d.get("single", {}),
        "parallel_dungeon": d.get("parallel", {}),
    }
    measured = {k: (r.get("make", r).get("steps_per_s") if r else None) for k, r in where.items()}
    median = {k: r.get("median_steps_per_s") for k, r in where.items()}
    _bench.emit({
        "tool": "bench_env",
        "machine": _bench.machine(),
        "settings": {
            "games": args.games,
            "modes": args.modes,
            "batch_sizes": args.batch_sizes,
            "seconds": args.seconds,
            "players": args.players,
            "seed": args.seed,
            "repeats": rep,
            "warmup_calls": WARMUP,
        },
        "notes": [
            "steps_per_s counts environment steps (B per batched call)",
            "engine: finished rows (won/lost or t >= max_steps) are replaced from a bank of initial states "
            "after every step; steps_per_s includes that reset work; the first episodes start at a random t "
            "in [0, max_steps) so that truncations do not all fall on one step",
            "engine.advance: Engine.advance, states updated in place (what the vector env uses); engine.step: "
            "the pure Engine.step, new arrays every call (what search uses); the engine target is read from "
            "engine.advance, and engine.step is reported beside it",
            "the engine steps batches of at least 2 x 1024 rows on several threads (LEVELFORGE_THREADS, "
            "default: the usable CPUs)",
            "engine and vector time at least max_steps calls per configuration (so every row's reset is "
            "included), and at least --seconds",
            "vector targets use copy=True (the default); single targets use gymnasium.make with default wrappers",
            "parallel: one PettingZoo ParallelEnv of --players players; steps_per_s counts joint steps; the "
            "parallel_dungeon target (issue 8) is for 2 players",
            "each configuration is timed in --repeats windows of --seconds; its numbers are the fastest "
            "window's (the least disturbed by other load on a shared machine, as Python's timeit advises), "
            "windows_steps_per_s lists every window and median_steps_per_s is their median; "
            "measured_median gives the targets' medians",
            "baseline: no external baseline is run; the targets are absolute throughputs",
        ],
        "levels": info,
        "results": results,
        "targets": TARGETS,
        "measured": measured,
        "measured_median": median,
        "met": _bench.check_targets(TARGETS, measured, {}),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
