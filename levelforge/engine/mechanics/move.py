"""move: the player walks one tile up, down, left or right.

Moving also turns the player to face that way, even when the way is blocked.
A move is blocked by solid terrain (unless a mechanic such as ``locked`` opens
it), by an item that no mechanic lets the player take or push, and by an NPC
unless NPCs are ``deadly`` (then the player walks into it and loses).
"""

from __future__ import annotations

import numpy as np

from .base import Mechanic, mechanic


@mechanic
class Move(Mechanic):
    use = "move"

    def bind(self, mechanics: list[Mechanic]) -> None:
        """Collect the other mechanics that decide what the player may enter."""
        self.openers = [m for m in mechanics if type(m).opens is not Mechanic.opens]
        n_codes = len(self.rules.items) + 1
        self.blocking = np.ones(n_codes, dtype=bool)  # item code -> blocks the player
        self.blocking[0] = False
        self.enterers: list[tuple[Mechanic, np.ndarray]] = []
        for m in mechanics:
            codes = np.zeros(n_codes, dtype=bool)
            for i in m.passable_items:
                self.blocking[i + 1] = False
            for i in m.handled_items:
                codes[i + 1] = True
                self.blocking[i + 1] = False
            if np.count_nonzero(codes):
                self.enterers.append((m, codes))
        self.npcs_block = not any(m.use == "deadly" for m in mechanics)

    def _steps(self, board) -> np.ndarray:
        """``(n_actions,) int32`` cell offset of each action on ``board`` (0: not a move)."""
        cached = getattr(self, "_cache", None)
        if cached is None or cached[0] != board.stride:
            d = self.rules.action_dir
            steps = np.where(d >= 0, board.delta[np.maximum(d, 0)], 0).astype(np.int32)
            self._cache = cached = (board.stride, steps)
        return cached[1]

    def act(self, turn) -> None:
        step = self._steps(turn.board).take(turn.actions)  # cell offset, 0 for non-moves
        moving = turn.live & (step != 0)
        if not np.count_nonzero(moving):
            return
        turn.facing = np.where(moving, step, turn.facing)
        target = turn.pos + step * moving
        blocked = turn.mask("solid", target)
        for m in self.openers:
            opened = m.opens(turn, target)
            if opened is not None:
                blocked &= ~opened
        if self.npcs_block and turn.npc_pos.shape[1]:
            blocked |= turn.npc_at(target) != 0
        code = turn.item_at(target)
        holding = moving & (code > 0) & ~blocked
        if np.count_nonzero(holding):
            blocked |= holding & self.blocking.take(code)
            for m, codes in self.enterers:
                trying = holding & codes.take(code) & ~blocked
                if np.count_nonzero(trying):
                    refused = m.enter(turn, target, trying)
                    if refused is not None:
                        blocked |= refused
        go = moving & ~blocked
        turn.pos = np.where(go, target, turn.pos)
