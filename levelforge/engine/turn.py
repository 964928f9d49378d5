"""Turn: the working arrays of one batched step, shared by the mechanics."""

from __future__ import annotations

import numpy as np

from .state import State


class Turn:
    """One step of B states in progress.

    Fields start as the old state's arrays; a mechanic that changes one
    replaces it, or calls :meth:`own` (which copies once) to change it in
    place, so the old state is never modified.
    """

    def __init__(self, state: State, actions: np.ndarray, slots) -> None:
        """``slots``: a callable giving a state's occupied NPC slots (``Engine.npc_slots``)."""
        b = state.board
        self.state = state
        self.board = b
        self.actions = actions
        self.live = state.status == State.PLAYING
        self.base, self.cell_base = state.offsets()
        self._slots = slots
        self.delta = b.delta
        self.pos = state.pos
        self.facing = state.facing
        self.items = state.items
        self.npc_pos = state.npc_pos
        self.npc_kind = state.npc_kind
        self.npc_dir = state.npc_dir
        self.npc_map = state.npc_map
        self.inv = state.inv
        self.status = state.status
        self.playing = self.live.copy()
        self.events: dict[str, np.ndarray] = {}
        # items moved this turn, for conditions that track them: (rows, from cells, to cells)
        self.item_moves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    # -- reading ---------------------------------------------------------------
    def npc_slots(self):
        """The occupied NPC slots of the state: ``(flat slots, rows, kinds)``."""
        return self._slots(self.state)

    def mask(self, name: str, cells: np.ndarray) -> np.ndarray:
        """Board mask ``name`` at ``cells`` (one cell per state)."""
        return self.board.masks[name].take(self.cell_base + cells)

    def item_at(self, cells: np.ndarray) -> np.ndarray:
        """``(B,) uint8`` item code at ``cells``."""
        return self.items.take(self.base + cells)

    def npc_at(self, cells: np.ndarray) -> np.ndarray:
        """``(B,) uint8``: 1 + the NPC standing on each state's cell, 0 if none."""
        return self.npc_map.take(self.base + cells)

    # -- writing ---------------------------------------------------------------
    def set_items(self, rows: np.ndarray, cells: np.ndarray, codes: np.ndarray | int) -> None:
        """Set the item code at one cell of each of ``rows``."""
        flat = self.own("items").reshape(-1)
        flat[self.base[rows] + cells] = codes

    def end(self, mask: np.ndarray, outcome: int) -> None:
        """Finish the still-live states in ``mask`` as WON or LOST."""
        mask = mask & self.playing
        if np.count_nonzero(mask):
            if self.status is self.state.status:
                self.status = self.status.copy()
            self.status[mask] = outcome
            self.playing &= ~mask

    def emit(self, event: str, counts: np.ndarray) -> None:
        """Add per-state counts of a reward event."""
        prev = self.events.get(event)
        self.events[event] = counts if prev is None else prev + counts

    def own(self, name: str) -> np.ndarray:
        """Field ``name`` (e.g. ``"npc_pos"``), copied once if still shared with
        the old state, so it may be changed in place."""
        arr = getattr(self, name)
        if arr is getattr(self.state, name):
            arr = arr.copy()
            setattr(self, name, arr)
        return arr
