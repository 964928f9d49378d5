"""A person's game of one level: the engine's rules, one action at a time.

:class:`PlaySession` is the loop a player drives (the window's play screen
turns keys into :meth:`PlaySession.act`): it steps the same
:class:`~levelforge.engine.Engine` that the environments, the solver and the
agent judge step, so a person plays by exactly their rules. Every state is
kept, so undo is exact (monsters walk back too) and restart is free; the
actions taken so far are the person's replay.

:func:`action_for_key` maps key names (``"up"``, ``"w"``, ``"space"`` ...)
to the game's actions by their names in ``game.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Engine, State
from ..level import Level

#: key name -> the name of the action it asks for (a game without that action ignores the key)
KEY_ACTIONS = {
    "up": "up", "w": "up", "down": "down", "s": "down", "left": "left", "a": "left", "right": "right", "d": "right",
    "space": "attack", ".": "noop",
}  # fmt: skip

PLAYING, WON, LOST, OUT_OF_TIME = "playing", "won", "lost", "out of time"


def action_for_key(actions: tuple[str, ...] | list[str], key: str) -> int | None:
    """The index of the action ``key`` asks for in ``actions`` (a game's action names), or None."""
    name = KEY_ACTIONS.get(key.lower())
    if name is None:
        return None
    if name == "attack" and "attack" not in actions:  # space is the game's one non-move action, if it has one
        extra = [a for a in actions if a not in ("noop", "up", "down", "left", "right")]
        name = extra[0] if len(extra) == 1 else name
    return list(actions).index(name) if name in actions else None


@dataclass
class Step:
    action: int
    reward: float


class PlaySession:
    """One level played step by step, with undo and restart.

    ``status`` is ``"playing"``, ``"won"``, ``"lost"`` or ``"out of time"``
    (the game's ``max_steps`` reached); actions after the end are ignored.
    """

    def __init__(self, level: Level, engine: Engine | None = None) -> None:
        self.level = level
        self.engine = engine if engine is not None else Engine(level.game)
        if self.engine.spec.name != level.spec.name:
            raise ValueError(f"a {level.spec.name} level needs a {level.spec.name} engine, not {self.engine.spec.name}")
        self.spec = self.engine.spec
        self.max_steps = self.spec.max_steps
        self._start = self.engine.load([level])
        self._states: list[State] = [self._start]
        self._steps: list[Step] = []

    # -- what the player sees ------------------------------------------------------------
    @property
    def state(self) -> State:
        return self._states[-1]

    @property
    def actions(self) -> list[int]:
        """The actions taken so far (the person's replay)."""
        return [s.action for s in self._steps]

    @property
    def steps(self) -> int:
        return len(self._steps)

    @property
    def total_reward(self) -> float:
        return float(sum(s.reward for s in self._steps))

    @property
    def status(self) -> str:
        code = int(self.state.status[0])
        if code == State.WON:
            return WON
        if code == State.LOST:
            return LOST
        return OUT_OF_TIME if self.steps >= self.max_steps else PLAYING

    @property
    def over(self) -> bool:
        return self.status != PLAYING

    def grid(self) -> np.ndarray:
        """``(H, W) uint8`` tile ids of the current state."""
        return self.engine.grid(self.state)[0]

    def player_cell(self) -> tuple[int, int]:
        """(row, column) of the player in the level."""
        return board_cell(self.state, int(self.state.pos[0]))

    # -- what the player does -------------------------------------------------------------
    def act(self, action: int) -> bool:
        """Take ``action``; False (and nothing happens) once the game is over."""
        if not 0 <= int(action) < self.engine.n_actions:
            raise ValueError(f"action must be in [0, {self.engine.n_actions}), got {action!r}")
        if self.over:
            return False
        new, reward, _ = self.engine.step(self.state, np.array([int(action)], dtype=np.int64))
        self._states.append(new)
        self._steps.append(Step(int(action), float(reward[0])))
        return True

    def play(self, actions) -> str:
        """Take each of ``actions`` in turn (stopping at the end of the game); the status."""
        for a in actions:
            if not self.act(int(a)):
                break
        return self.status

    def undo(self) -> bool:
        """Take back the last action; False when there is none."""
        if not self._steps:
            return False
        self._states.pop()
        self._steps.pop()
        return True

    def restart(self) -> None:
        self._states = [self._start]
        self._steps = []


def board_cell(state: State, flat: int) -> tuple[int, int]:
    """The level's (row, column) of a flat cell index of ``state``'s padded board."""
    y, x = divmod(flat, state.board.stride)
    return y - 1, x - 1


def player_path(level: Level, actions, engine: Engine | None = None) -> list[tuple[int, int]]:
    """The cells the player stands on while ``actions`` are played on ``level``, the start included."""
    session = PlaySession(level, engine)
    path = [session.player_cell()]
    for a in actions:
        if not session.act(int(a)):
            break
        path.append(session.player_cell())
    return path
