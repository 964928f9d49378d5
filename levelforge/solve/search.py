"""Exact solver: breadth-first search over engine states, a whole layer per engine call.

Each layer of the search (all states at depth d) is expanded by one
:meth:`Engine.step` over (states x actions); children are deduplicated by
their :meth:`Engine.keys` rows in a :class:`KeySet` of every state seen. Breadth-first order makes the first plan
found a shortest one (fewest steps). Plans longer than the game's step limit
do not count, since an environment would truncate them first.

Verdicts: ``solved`` (with a shortest plan), ``unsolvable`` (every state
reachable within the step limit was seen, none wins), ``gave_up`` (the node
or time budget ran out first; nothing is known).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..engine import Engine, State
from ..game import GameSpec
from ..level import Level
from .deadlock import PushDeadlocks
from .keyset import KeySet

SOLVED, UNSOLVABLE, GAVE_UP = "solved", "unsolvable", "gave_up"


@dataclass
class Solution:
    """What the solver found for one level."""

    verdict: str
    plan: list[int] | None = None
    nodes: int = 0
    seconds: float = 0.0
    reason: str = ""
    action_names: tuple[str, ...] = field(default=(), repr=False)

    @property
    def solved(self) -> bool:
        return self.verdict == SOLVED

    @property
    def length(self) -> int | None:
        """Steps in the shortest plan (None unless solved)."""
        return len(self.plan) if self.plan is not None else None

    @property
    def plan_names(self) -> list[str] | None:
        return None if self.plan is None else [self.action_names[a] for a in self.plan]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("action_names")
        d["length"] = self.length
        d["plan_names"] = self.plan_names
        return d


class Solver:
    """Shortest plans for levels of one game.

    ``max_nodes``: give up after this many distinct states; ``max_seconds``:
    give up after this long (None: no limit); ``max_steps``: plan length
    limit (default: the game's step limit).
    """

    def __init__(
        self,
        game: str | GameSpec | Engine,
        max_nodes: int = 2_000_000,
        max_seconds: float | None = None,
        max_steps: int | None = None,
    ) -> None:
        self.engine = game if isinstance(game, Engine) else Engine(game)
        self.max_nodes = int(max_nodes)
        self.max_seconds = max_seconds
        self.max_steps = int(max_steps or self.engine.spec.max_steps)
        uses = {m.use for m in self.engine.mechanics}
        self._push_puzzle = {"push", "cover"} <= uses

    def useful_actions(self, state: State) -> np.ndarray:
        """Actions worth trying: all but those that can never change a state of this level.

        ``noop`` only matters when something moves by itself (patrolling NPCs);
        ``attack`` only when there are NPCs.
        """
        spec, e = self.engine.spec, self.engine
        has_npcs = bool((state.npc_pos >= 0).any())
        moving_npcs = has_npcs and e.patrol is not None and bool(e.patrol.moving[state.npc_kind[state.npc_pos >= 0]].any())
        keep = []
        for i, name in enumerate(spec.actions):
            if name == "noop" and not moving_npcs:
                continue
            if name == "attack" and not has_npcs:
                continue
            keep.append(i)
        return np.array(keep, dtype=np.int64)

    def solve(self, level: Level | State) -> Solution:
        """Search ``level`` (a Level, or a one-row State to start from)."""
        t0 = time.perf_counter()
        e = self.engine
        root = level if isinstance(level, State) else e.load([level])
        names = e.spec.actions
        actions = self.useful_actions(root)
        na = len(actions)
        prune = PushDeadlocks(e, root) if self._push_puzzle else None
        frontier_keys = e.keys(root)
        visited = KeySet(frontier_keys.shape[1], capacity=min(4 * self.max_nodes, 1 << 18))
        visited.add(frontier_keys)
        parent = np.full(1024, -1, dtype=np.int64)
        via = np.full(1024, -1, dtype=np.int64)
        nodes = 1
        frontier, ids = root, np.zeros(1, dtype=np.int64)

        def done(verdict: str, plan: list[int] | None = None, reason: str = "") -> Solution:
            return Solution(verdict, plan, nodes, time.perf_counter() - t0, reason, names)

        if root.status[0] != State.PLAYING:
            return done(UNSOLVABLE, reason="the level starts finished")
        if prune is not None and prune.dead_state(root):
            return done(UNSOLVABLE, reason="an item starts where it can never be pushed onto a target")
        for depth in range(1, self.max_steps + 1):
            f = len(frontier)
            src = np.repeat(np.arange(f), na)
            act = np.tile(actions, f)
            parents = frontier.take(src)
            children, _, _ = e.step(parents, act)
            won = np.flatnonzero(children.status == State.WON)
            if len(won):
                i = won[0]
                return done(SOLVED, self._plan(parent, via, int(ids[src[i]])) + [int(act[i])])
            keep = children.status == State.PLAYING
            if prune is not None:
                keep &= ~prune.dead_children(parents, children)
            cand = np.flatnonzero(keep)
            keys = e.keys(children)[cand]  # cheaper than taking the children first
            # a child equal to its parent (a move into a wall) is never new
            moved = _differ(keys, frontier_keys[src[cand]])
            cand, keys = cand[moved], keys[moved]
            fresh = visited.add(keys)
            if not len(fresh):
                return done(UNSOLVABLE, reason=f"all {nodes} reachable states seen, none wins")
            new = cand[fresh]
            frontier_keys = keys[fresh]
            k = len(new)
            if nodes + k > len(parent):
                grow = max(len(parent) * 2, nodes + k)
                parent = np.resize(parent, grow)
                via = np.resize(via, grow)
            parent[nodes : nodes + k] = ids[src[new]]
            via[nodes : nodes + k] = act[new]
            ids = np.arange(nodes, nodes + k, dtype=np.int64)
            nodes += k
            frontier = children.take(new)
            if nodes >= self.max_nodes:
                return done(GAVE_UP, reason=f"node budget of {self.max_nodes} reached at depth {depth}")
            if self.max_seconds is not None and time.perf_counter() - t0 > self.max_seconds:
                return done(GAVE_UP, reason=f"time budget of {self.max_seconds:g} s reached at depth {depth}")
        return done(UNSOLVABLE, reason=f"no win within the step limit of {self.max_steps}")

    @staticmethod
    def _plan(parent: np.ndarray, via: np.ndarray, node: int) -> list[int]:
        plan = []
        while node > 0:
            plan.append(int(via[node]))
            node = int(parent[node])
        return plan[::-1]


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(n,) bool``: rows of two ``(n, 8k) uint8`` key arrays differ (compared as words)."""
    wa, wb = a.view(np.uint64), b.view(np.uint64)
    out = wa[:, 0] != wb[:, 0]
    for j in range(1, wa.shape[1]):
        out |= wa[:, j] != wb[:, j]
    return out


def solve(level: Level, **kwargs: Any) -> Solution:
    """Solve one level with a fresh :class:`Solver` (see its arguments)."""
    return Solver(level.spec, **kwargs).solve(level)
