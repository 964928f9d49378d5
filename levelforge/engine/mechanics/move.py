"""move: the player walks one tile up, down, left or right.

Moving also turns the player to face that way, even when the way is blocked.
A move is blocked by solid terrain (unless ``locked`` opens it to a player
with the key), by an item that no mechanic lets the player take or push
(``push`` decides for pushable items), by an NPC unless NPCs are
``deadly`` (then the player walks into it and loses), and in a team game
by another player (:mod:`levelforge.engine.team`: ``bt.occupied`` holds the
other players' cells during the player phase).
"""

from __future__ import annotations

from numba import njit

from ..batch import BLOCKS, LOCKED, OP_MOVE, P_KEY, P_NPCS_BLOCK, PUSHABLE, SOLID, item_at, npc_at, terrain_at
from .base import Mechanic, mechanic
from .push import push


@mechanic
class Move(Mechanic):
    use = "move"
    op = OP_MOVE

    def compile(self, tables) -> None:
        tables.program.append(self.op)


@njit(cache=True, inline="always")
def act(tab, bt, b):
    d = tab.action_dir[bt.actions[b]]
    if d < 0:
        return
    # UP, DOWN, LEFT, RIGHT = 0, 1, 2, 3: one row or one cell, back or forth
    step = (2 * (d & 1) - 1) * (bt.stride if d < 2 else 1)
    bt.facing[b] = step
    target = bt.pos[b] + step
    flags = tab.terrain_flags[terrain_at(bt, b, target)]
    if flags & SOLID:
        key = tab.par[P_KEY]
        if not (flags & LOCKED and key >= 0 and bt.inv[b, key] > 0):
            return
    if tab.par[P_NPCS_BLOCK] and npc_at(bt, b, target) >= 0:
        return
    if bt.occupied[target]:  # another player stands there (team games; never set in one-player games)
        return
    code = item_at(bt, b, target)
    if code:
        item = tab.item_flags[code]
        if item & BLOCKS:
            return
        if item & PUSHABLE and not push(tab, bt, b, target, step):
            return
    bt.pos[b] = target
