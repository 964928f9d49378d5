"""attack: the player strikes the tile it faces; an NPC there is slain.

Emits the reward event ``kill``. The faced tile is shown to agents as an
observation plane (``facing``), and the facing is part of the search state.
"""

from __future__ import annotations

import numpy as np

from ...errors import GameSpecError
from .base import Mechanic, mechanic


@mechanic
class Attack(Mechanic):
    use = "attack"
    keys = ("action",)
    events = ("kill",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        name = cfg.get("action", "attack")
        self.action = rules.action(name)
        if self.action is None:
            raise GameSpecError(f"mechanic 'attack': action {name!r} is not in 'actions'")

    def act(self, turn) -> None:
        hit = turn.live & (turn.actions == self.action)
        if not turn.npc_pos.shape[1] or not hit.any():
            return
        cell = turn.pos + turn.delta[turn.facing]
        kill = turn.npc_at(cell) & hit[:, None]
        if kill.any():
            turn.npc_pos = np.where(kill, -1, turn.npc_pos).astype(np.int32)
            turn.npc_kind = np.where(kill, -1, turn.npc_kind).astype(np.int8)
            turn.emit("kill", kill.sum(axis=1).astype(np.float32))

    def channels(self) -> list[str]:
        return ["facing"]

    def encode(self, state, planes) -> None:
        cell = state.pos + state.board.delta[state.facing]
        planes[np.arange(len(state)), 0, cell] = 1

    def key(self, state):
        return [state.facing.view(np.uint8)[:, None]]
