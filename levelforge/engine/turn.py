"""Turn: the working arrays of one batched step, shared by the mechanics."""

from __future__ import annotations

import numpy as np

from .state import Board, State


class Turn:
    """One step of B states in progress.

    Fields start as the old state's arrays; a mechanic that changes one
    replaces it (or calls :meth:`items_for_write`, which copies once), so the
    old state is never modified.
    """

    def __init__(self, state: State, actions: np.ndarray) -> None:
        b = state.board
        n = b.cells
        self.state = state
        self.board = b
        self.actions = actions
        self.live = state.status == State.PLAYING
        self.base, self.cell_base = state.offsets()
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
        # set by the move phase
        self.moving = np.zeros(len(state), dtype=bool)
        self.target = state.pos
        # items moved this turn, for conditions that track them: (rows, from cells, to cells)
        self.item_moves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    # -- reading ---------------------------------------------------------------
    def mask(self, name: str, cells: np.ndarray) -> np.ndarray:
        """Board mask ``name`` at ``cells`` (one cell per state)."""
        return np.take(self.board.masks[name], self.cell_base + cells)

    def item_at(self, cells: np.ndarray) -> np.ndarray:
        """``(B,) uint8`` item code at ``cells``."""
        return np.take(self.items, self.base + cells)

    def npc_at(self, cells: np.ndarray) -> np.ndarray:
        """``(B,) uint8``: 1 + the NPC standing on each state's cell, 0 if none."""
        return np.take(self.npc_map, self.base + cells)

    # -- writing ---------------------------------------------------------------
    def items_for_write(self) -> np.ndarray:
        if self.items is self.state.items:
            self.items = self.items.copy()
        return self.items

    def set_items(self, rows: np.ndarray, cells: np.ndarray, codes: np.ndarray | int) -> None:
        """Set the item code at one cell of each of ``rows``."""
        flat = self.items_for_write().reshape(-1)
        flat[self.base[rows] + cells] = codes

    def inv_for_write(self) -> np.ndarray:
        if self.inv is self.state.inv:
            self.inv = self.inv.copy()
        return self.inv

    def end(self, mask: np.ndarray, outcome: int) -> None:
        """Finish the still-live states in ``mask`` as WON or LOST."""
        mask = mask & self.playing
        if mask.any():
            if self.status is self.state.status:
                self.status = self.status.copy()
            self.status[mask] = outcome
            self.playing &= ~mask

    def emit(self, event: str, counts: np.ndarray) -> None:
        """Add per-state counts of a reward event."""
        prev = self.events.get(event)
        self.events[event] = counts if prev is None else prev + counts

    def npcs_for_write(self) -> None:
        """Make the NPC arrays this turn's own before changing them in place."""
        s = self.state
        if self.npc_pos is s.npc_pos:
            self.npc_pos = self.npc_pos.copy()
        if self.npc_kind is s.npc_kind:
            self.npc_kind = self.npc_kind.copy()
        if self.npc_dir is s.npc_dir:
            self.npc_dir = self.npc_dir.copy()
        if self.npc_map is s.npc_map:
            self.npc_map = self.npc_map.copy()
