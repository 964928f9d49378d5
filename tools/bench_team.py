#!/usr/bin/env python
"""Co-operative dungeon: do two independently trained agents win more together than alone?

Trains ``--agents`` team agents (default 2), each by the product's own
command with its own seed::

    levelforge train agent --game dungeon --players 2 --mode coop --procedural --minutes M --steps N --seed S --demos D

(independent learners: one network per run, shared by that run's players),
then plays held-out generated dungeons greedily with
:func:`levelforge.agent.team_play.team_play`, all under the game's step
limit:

- ``alone``: each agent as the only player;
- ``together``: agent A and agent B as the two players of a co-operative
  game (and B, A: the turn order rotates, but the start cells differ);
- ``self_pair``: two copies of one agent.

The held-out levels are the procedural generator's (seed ``--seed + 50,000``
and up, full size); the training levels came from the env's own random
stream. Learning curves are the runs' CSV logs (success rate of the
training episodes by step). Prints one JSON object; progress on stderr.

    python tools/bench_team.py --minutes 10 --levels 200 > team.json
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)

from levelforge.agent import load_agent  # noqa: E402
from levelforge.agent.team_play import team_play  # noqa: E402
from levelforge.generators import procedural  # noqa: E402


def train(out: Path, seed: int, minutes: float, steps: int, players: int, demos: int) -> dict:
    cmd = [sys.executable, "-m", "levelforge.cli", "train", "agent", "--game", "dungeon", "--players", str(players),
           "--mode", "coop", "--procedural", "--minutes", str(minutes), "--steps", str(steps), "--seed", str(seed),
           "--demos", str(demos), "--out", str(out), "--quiet"]
    _bench.log(" ".join(cmd[2:]))
    done = subprocess.run(cmd, cwd=_bench.REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"training failed:\n{done.stderr[-2000:]}")
    _bench.log(done.stdout.strip())
    return {"command": " ".join(["levelforge"] + cmd[3:]), "curve": read_curve(out.with_suffix(".csv"))}


def read_curve(path: Path) -> list[dict]:
    with path.open() as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", "nan")} for row in csv.DictReader(f)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="training minutes per agent (default: 10)")
    ap.add_argument("--steps", type=int, default=300_000,
                    help="planned environment steps per agent: they set the exploration schedule, the minutes may "
                    "cut them (default: 300,000)")
    ap.add_argument("--agents", type=int, default=2, help="independently trained agents (default: 2)")
    ap.add_argument("--levels", type=int, default=200, help="held-out levels (default: 200)")
    ap.add_argument("--demos", type=int, default=2000, help="solver demonstrations per run (default: 2000)")
    ap.add_argument("--seed", type=int, default=0, help="first training seed (default: 0)")
    ap.add_argument("--keep", type=Path, help="keep the agents and their logs in this folder")
    ap.add_argument("--reuse", action="store_true", help="play the agents already in --keep instead of training")
    ap.add_argument("--epsilon", type=float, default=0.05,
                    help="random-action rate of the second protocol (the first is greedy; default: 0.05)")
    args = ap.parse_args(argv)
    if args.agents < 2:
        ap.error("--agents must be at least 2")
    if args.reuse and not args.keep:
        ap.error("--reuse needs --keep")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_team_"))
    folder.mkdir(parents=True, exist_ok=True)
    runs, agents = [], []
    for k in range(args.agents):
        path = folder / f"team-{k}.pt"
        if args.reuse:
            runs.append({"command": "(reused)", "curve": read_curve(path.with_suffix(".csv"))})
        else:
            runs.append(train(path, args.seed + k, args.minutes, args.steps, 2, args.demos))
        agents.append(load_agent(path))
        runs[-1]["stats"] = agents[-1].stats
    held = procedural("dungeon").sample(args.levels, args.seed + 50_000)
    _bench.log(f"playing {len(held)} held-out levels")
    results: dict = {}
    for name, eps in (("greedy", 0.0), (f"epsilon_{args.epsilon:g}", args.epsilon)):
        def won(team, players):
            return float(team_play(team, held, players, epsilon=eps, seed=args.seed).mean())

        results[name] = {
            "alone": [won(a, 1) for a in agents],
            "self_pair": [won(a, 2) for a in agents],
            "together": {f"{i},{j}": won([agents[i], agents[j]], 2)
                         for i in range(len(agents)) for j in range(len(agents)) if i != j},
        }
        _bench.log(f"{name}: {results[name]}")
    measured = {f"together_minus_best_alone_{name}": min(r["together"].values()) - max(r["alone"])
                for name, r in results.items()}
    _bench.report(
        "bench_team",
        {"minutes": args.minutes, "steps": args.steps, "agents": args.agents, "levels": args.levels,
         "seed": args.seed, "demos": args.demos, "epsilon": args.epsilon,
         "held_out": f"procedural dungeon, seed {args.seed + 50_000}, 9 x 13"},
        ["won: share of held-out levels won within the game's step limit (200 joint steps); 'greedy': every "
         "player takes its best action; 'epsilon_E': a random action with probability E (DQN's evaluation "
         "protocol), seeded",
         "together 'i,j': agent i is player 0, agent j player 1 (start cells: the level's own, then the nearest "
         "free floor); a co-operative level is won when either enters the door",
         "each agent is one `levelforge train agent --players 2` run: its two players share that run's network",
         "curve: the training log, success_rate over the last episodes at each logged step"],
        {**results, "runs": runs},
        {k: 0.0 for k in measured}, measured,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
