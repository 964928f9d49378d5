"""deadly: an NPC on the player's tile ends the game as lost.

Checked after the player's move (walking into an NPC) and again after the
NPCs move (an NPC walking into the player). Emits ``lose`` through the engine.
"""

from __future__ import annotations

from ..state import State
from .base import Mechanic, mechanic


@mechanic
class Deadly(Mechanic):
    use = "deadly"

    def check(self, turn) -> None:
        if turn.npc_pos.shape[1]:
            turn.end(turn.npc_at(turn.pos) != 0, State.LOST)
