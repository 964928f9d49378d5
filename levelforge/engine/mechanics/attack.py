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
        if not turn.npc_pos.shape[1] or not np.count_nonzero(hit):
            return
        cell = turn.pos + turn.facing
        victim = turn.npc_at(cell) * hit
        if np.count_nonzero(victim):
            rows = np.flatnonzero(victim)
            slot = victim[rows].astype(np.int64) - 1
            turn.own("npc_pos")[rows, slot] = -1  # the kind stays: a dead NPC is one with cell -1
            turn.own("npc_map").reshape(-1)[turn.base[rows] + cell[rows]] = 0
            turn.emit("kill", (victim != 0).astype(np.float32))

    def channels(self) -> list[str]:
        return ["facing"]

    def lit(self, state, slots):
        return [(None, 0, state.pos + state.facing)]

    def key(self, state):
        return [state.facing.astype(np.int8).view(np.uint8)[:, None]]
