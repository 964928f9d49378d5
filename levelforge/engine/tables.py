"""TableBuilder: a game's mechanics write their flags and numbers here; the
engine freezes the result into :class:`~levelforge.engine.batch.Tables`."""

from __future__ import annotations

import numpy as np

from .batch import (
    BLOCKS,
    EVENTS,
    N_PAR,
    P_ATTACK,
    P_CHECKS,
    P_ITEMS_CHANGE,
    P_KEY,
    P_NPCS_BLOCK,
    P_PERIOD,
    P_WORLD,
    PHASE_CHECK,
    PHASE_OF,
    PHASE_WORLD,
    SOLID,
    Tables,
)
from .rules import Rules


class TableBuilder:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.terrain_flags = np.where(rules.terrain_solid, SOLID, 0).astype(np.uint8)
        # every item blocks the player until a mechanic lets it onto or into them
        self.item_flags = np.full(len(rules.items) + 1, BLOCKS, dtype=np.uint8)
        self.item_flags[0] = 0
        self.weights = np.zeros(len(EVENTS), dtype=np.float32)
        self.due = np.zeros((max(len(rules.npcs), 1), 1), dtype=np.uint8)
        self.par = np.zeros(N_PAR, dtype=np.int64)
        self.par[[P_KEY, P_ATTACK]] = -1
        self.par[P_PERIOD] = 1
        self.par[P_NPCS_BLOCK] = 1  # until `deadly` makes walking into an NPC lose
        self.program: list[int] = []

    def item_role(self, item: int, flag: int) -> None:
        """Give item ``item`` (index) a role (``batch.PUSHABLE``, ``COLLECTIBLE``):
        the player no longer bumps into it."""
        self.item_flags[item + 1] = (int(self.item_flags[item + 1]) & ~BLOCKS) | flag
        self.par[P_ITEMS_CHANGE] = 1

    def build(self) -> Tables:
        # a stable sort by phase keeps the game's order within each phase
        program = sorted(self.program, key=lambda op: PHASE_OF[op])
        phases = [PHASE_OF[op] for op in program]
        self.par[P_CHECKS] = sum(p < PHASE_CHECK for p in phases)
        self.par[P_WORLD] = sum(p < PHASE_WORLD for p in phases)
        return Tables(
            terrain_flags=self.terrain_flags,
            item_flags=self.item_flags,
            action_dir=self.rules.action_dir,
            weights=self.weights,
            due=np.ascontiguousarray(self.due),
            par=self.par,
            program=np.array(program, dtype=np.int8),
        )
