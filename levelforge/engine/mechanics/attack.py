"""attack: the player strikes the tile it faces; an NPC there is slain.

Emits the reward event ``kill``. The faced tile is shown to agents as an
observation plane (``facing``), and the facing is part of the search state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ...errors import GameSpecError
from ..batch import EV_KILL, OP_ATTACK, P_ATTACK, SHOW_FACING, emit, npc_at
from .base import Mechanic, mechanic


@mechanic
class Attack(Mechanic):
    use = "attack"
    op = OP_ATTACK
    keys = ("action",)
    events = ("kill",)

    def __init__(self, cfg, rules) -> None:
        super().__init__(cfg, rules)
        name = cfg.get("action", "attack")
        self.action = rules.action(name)
        if self.action is None:
            raise GameSpecError(f"mechanic 'attack': action {name!r} is not in 'actions'")

    def compile(self, tables) -> None:
        tables.par[P_ATTACK] = self.action
        tables.program.append(self.op)

    def planes(self):
        return [("facing", SHOW_FACING, 0)]

    def key(self, state):
        return [state.facing.astype(np.int8).view(np.uint8)[:, None]]


@njit(cache=True, inline="always")
def act(tab, bt, b):
    if bt.actions[b] != tab.par[P_ATTACK]:
        return
    victim = npc_at(bt, b, bt.pos[b] + bt.facing[b])
    if victim >= 0:
        bt.npc_pos[b, victim] = -1  # the kind stays: a dead NPC is one with cell -1
        emit(tab, bt, b, EV_KILL)
