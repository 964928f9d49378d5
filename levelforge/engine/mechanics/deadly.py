"""deadly: an NPC on the player's tile ends the game as lost.

Checked after the player's move (walking into an NPC) and again after the
NPCs move (an NPC walking into the player). Emits ``lose`` through the engine.
"""

from __future__ import annotations

from numba import njit

from ..batch import LOST, OP_DEADLY, P_NPCS_BLOCK, end, npc_at
from .base import Mechanic, mechanic


@mechanic
class Deadly(Mechanic):
    use = "deadly"
    op = OP_DEADLY

    def compile(self, tables) -> None:
        tables.par[P_NPCS_BLOCK] = 0  # the player may walk into an NPC (and lose)
        tables.program.append(self.op)


@njit(cache=True, inline="always")
def check(tab, bt, b):
    if npc_at(bt, b, bt.pos[b]) >= 0:
        end(tab, bt, b, LOST)
