#!/usr/bin/env python
"""How a trained agent loses: play held-out levels greedily and sort the endings.

For each level of a held-out set (generated at ``--held-out-seed``, as
``bench_agent.py`` makes it) the agent plays one greedy episode; each ending
is counted as won, lost (killed) or out of time, and each loss by what the
agent did on its last step:

- ``into_npc``: walked onto the tile an NPC stood on;
- ``into_npc_move``: walked onto the tile an NPC entered on the same step;
- ``stood``: stayed on its tile (no move, or a blocked one) as an NPC came.

``--shield K`` (:mod:`levelforge.agent.shield`, as ``Judge(agent, shield=K)``
plays): before each step the engine vetoes the actions after which every
continuation loses within K steps and those that lead back to a state the
episode has been in (``--allow-revisits``: only the first), then the agent
picks the best remaining one.

    python tools/agent_failures.py runs/p12/dungeon.pt --game dungeon
    python tools/agent_failures.py runs/p12/dungeon.pt --game dungeon --shield 1

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import numpy as np  # noqa: E402

from levelforge.agent import AgentFileError, Judge, load_agent  # noqa: E402
from levelforge.agent.tiles import check_agent_game  # noqa: E402
from levelforge.engine import State  # noqa: E402
from levelforge.generators import procedural  # noqa: E402


def play(agent, levels, shield: int, veto_revisits: bool = True) -> dict:
    """Play ``levels`` greedily as :class:`Judge` does; count the endings and each loss's cause."""
    causes = {"into_npc": 0, "into_npc_move": 0, "stood": 0}

    def sort_losses(before: State, after: State) -> None:
        for r in np.flatnonzero((after.status == State.LOST) & (before.status == State.PLAYING)):
            if after.pos[r] == before.pos[r]:
                causes["stood"] += 1
            elif (before.npc_pos[r] == after.pos[r]).any():
                causes["into_npc"] += 1
            else:
                causes["into_npc_move"] += 1

    scores = Judge(agent, shield=shield, veto_revisits=veto_revisits).evaluate(levels, on_step=sort_losses)
    n, won, lost = len(levels), round(sum(s.success_rate for s in scores)), sum(causes.values())  # one episode each
    return {"levels": n, "won": won / n, "lost": lost / n, "out_of_time": (n - won - lost) / n, "loss_causes": causes}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Sort a trained agent's endings on held-out generated levels "
                                 "(won, lost and how, out of time). JSON on stdout.")
    ap.add_argument("agent", type=Path, help="an agent checkpoint (levelforge train agent --out)")
    ap.add_argument("--game", required=True, choices=["dungeon", "maze"])
    ap.add_argument("--held-out", type=int, default=200, help="generated held-out levels")
    ap.add_argument("--held-out-seed", type=int, default=10_000)
    ap.add_argument("--shield", type=int, default=0, metavar="K",
                    help="veto actions that lose within K steps whatever follows, and those that go back to a "
                    "state the episode has been in (0: off)")
    ap.add_argument("--allow-revisits", action="store_true", help="with --shield: veto losing actions only")
    args = ap.parse_args(argv)
    if args.shield < 0:
        ap.error("--shield must be >= 0")
    try:
        agent = load_agent(args.agent, env=args.game)
        check_agent_game(agent, args.game)
    except AgentFileError as e:
        ap.exit(2, f"{ap.prog}: error: {e}\n")
    levels = procedural(args.game).sample(args.held_out, args.held_out_seed)
    _bench.log(f"{args.game}: {len(levels)} held-out levels, shield {args.shield}")
    result = play(agent, levels, args.shield, not args.allow_revisits)
    _bench.report("agent_failures", {**vars(args), "agent": str(args.agent)},
                  ["one greedy episode per level", "loss_causes: what the agent did on the step it lost"],
                  {args.game: result}, {}, {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
