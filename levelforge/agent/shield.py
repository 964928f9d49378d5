"""A shield: the rules engine vetoes the actions that lose, or that loop.

A greedy Q-network that misjudges a monster's next step walks into it; the
engine knows. Before each step, a shield of depth ``k`` tries every action
of every row (one batched engine call per level of lookahead) and vetoes:

- the actions after which every continuation loses within ``k`` steps;
- (``veto_revisits=True``) the actions that lead back to a state this episode has
  already been in. The games are deterministic and the observation is a
  function of the state, so a greedy network that comes back to a state
  goes round the same loop until the step limit; and a shortest winning
  plan never revisits a state.

The agent then takes its best action among the rest. Where a row has none
left, the revisit veto is lifted first, then the loss veto. This is
shielding in the sense of safe reinforcement learning (Alshiekh et al. 2018,
"Safe Reinforcement Learning via Shielding") with the game's own rules as
the model: it changes how an agent plays, not what it learned, and
docs/benchmarks.md reports agents with and without it.
"""

from __future__ import annotations

import numpy as np

from ..engine import Engine, State
from ..solve.keyset import KeySet


def doomed(engine: Engine, states: State, depth: int) -> np.ndarray:
    """``(B, A)`` bool: after that action, every continuation loses within ``depth`` steps."""
    return _doomed(engine, states, depth)[0]


def _doomed(engine: Engine, states: State, depth: int) -> tuple[np.ndarray, State]:
    """:func:`doomed`, and the ``B * A`` next states (row-major: state, then action)."""
    if depth < 1:
        raise ValueError("a shield looks at least 1 step ahead")
    n, a = len(states), engine.n_actions
    nxt, _, _ = engine.step(states.take(np.repeat(np.arange(n), a)), np.tile(np.arange(a), n))
    bad = nxt.status == State.LOST
    if depth > 1:
        alive = np.flatnonzero(nxt.status == State.PLAYING)
        if alive.size:
            bad[alive[doomed(engine, nxt.take(alive), depth - 1).all(axis=1)]] = True
    return bad.reshape(n, a), nxt


class Shield:
    """The shield of ``n_rows`` episodes played side by side (see the module
    docs): call :meth:`visit` with the rows' states at the start and after
    every step, and :meth:`allowed` before each step."""

    def __init__(self, engine: Engine, n_rows: int, depth: int = 1, veto_revisits: bool = True) -> None:
        if depth < 1:
            raise ValueError("a shield looks at least 1 step ahead")
        self.engine, self.depth, self.veto_revisits = engine, int(depth), bool(veto_revisits)
        self._seen: KeySet | None = None  # (row, state) keys, made at the first visit (its width comes from the board)

    def _keys(self, states: State, rows: np.ndarray) -> np.ndarray:
        """One key per (row, state): the row number's 8 bytes, then the state's key."""
        row = np.asarray(rows, dtype=np.uint64).reshape(-1, 1).view(np.uint8)
        return np.concatenate([row, self.engine.keys(states)], axis=1)

    def visit(self, states: State, rows: np.ndarray) -> None:
        """Remember that rows ``rows`` are in ``states`` (one state per row)."""
        if self.veto_revisits:
            keys = self._keys(states, rows)
            if self._seen is None:
                self._seen = KeySet(keys.shape[1], capacity=16 * len(keys))
            self._seen.add(keys)

    def allowed(self, states: State, rows: np.ndarray) -> np.ndarray:
        """``(len(rows), A)`` bool: the actions the shield lets the rows take."""
        bad, nxt = _doomed(self.engine, states, self.depth)
        ok = ~bad
        if self.veto_revisits and self._seen is not None:
            back = self._seen.contains(self._keys(nxt, np.repeat(rows, self.engine.n_actions))).reshape(bad.shape)
            fresh = ok & ~back
            ok = np.where(fresh.any(axis=1, keepdims=True), fresh, ok)
        return ok | ~ok.any(axis=1, keepdims=True)


def shielded_actions(q: np.ndarray, ok: np.ndarray, epsilon: float = 0.0,
                     rng: np.random.Generator | None = None) -> np.ndarray:
    """Epsilon-greedy actions from ``(B, A)`` Q-values among the ``ok`` ones
    (a random action is drawn among the ``ok`` ones too)."""
    act = np.where(ok, q, -np.inf).argmax(axis=1)
    if epsilon > 0.0:
        rng = rng if rng is not None else np.random.default_rng()
        explore = rng.random(len(q)) < epsilon
        if explore.any():
            pick = (rng.random(ok.shape) * ok).argmax(axis=1)  # uniform among the allowed
            act = np.where(explore, pick, act)
    return act
