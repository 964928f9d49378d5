"""Observations of team states: each player's one-player planes plus ``other_players``."""

from __future__ import annotations

import numpy as np
from numba import njit

from ...engine import Engine, State
from ...engine.observe import Observer
from ...engine.state import Board

OTHERS = "other_players"


class TeamObserver:
    """A ``(G * P, C + 1, H, W) uint8`` buffer for team states of G games of P
    players on boards of one size: row ``g * P + p`` is what player ``p`` of
    game ``g`` sees (the engine's planes of its row, written in place by an
    :class:`~levelforge.engine.observe.Observer`: its own cell is the player
    plane), then the cells of the game's other playing players."""

    def __init__(self, engine: Engine, board: Board, games: int, players: int) -> None:
        self.players = players
        n, c = games * players, len(engine.channels)
        self.channels = tuple(engine.channels) + (OTHERS,)
        self.array = np.zeros((n, c + 1, board.height, board.width), dtype=np.uint8)
        self._one = Observer(engine, board, n, array=self.array[:, :c])
        self._others = self.array[:, c].reshape(n, board.height * board.width)

    @property
    def board_shape(self) -> tuple[int, int]:
        return self._one.board_shape

    def write(self, states: State) -> None:
        """Every row's planes, in full."""
        self._one.write(states)
        _mark_others(self._others, self._one.layout.cell_index, states.pos, states.status, self.players)


@njit(cache=True, nogil=True)
def _mark_others(out, cell_index, pos, status, players):
    """``out`` ``(G * P, H * W)``: each row's other playing players of its game."""
    out[:] = 0
    for r0 in range(0, pos.shape[0], players):
        for i in range(players):
            for j in range(players):
                if i != j and status[r0 + j] == 0:  # State.PLAYING
                    out[r0 + i, cell_index[pos[r0 + j]]] = 1
