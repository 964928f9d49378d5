"""Render modes shared by the environments that show one level: ``ansi``, ``rgb_array``, ``human``."""

from __future__ import annotations

import numpy as np


class GridRendering:
    """``render()`` and the ``human`` window for an env with ``render_mode``,
    ``spec_game``, ``tile_size``, ``metadata["render_fps"]`` and a ``grid()``
    of the current state (None before the first reset)."""

    render_mode: str | None
    _window = None  # the human render mode's window, opened on the first frame

    def grid(self) -> np.ndarray | None:  # pragma: no cover - each env has its own
        raise NotImplementedError

    def render(self):
        if self.render_mode is None:
            return None
        grid = self.grid()
        if grid is None:
            return None
        from .. import render

        if self.render_mode == "ansi":
            return render.ansi(self.spec_game, grid, colour=False)
        frame = render.render_grid(self.spec_game, grid, self.tile_size)
        if self.render_mode == "human":  # shown in a window, as Gymnasium's human mode does
            if self._window is None:
                from ..window import FrameWindow

                self._window = FrameWindow(f"levelforge: {self.spec_game.title}", self.metadata["render_fps"])
            self._window.show(frame)
            return None
        return frame

    def close_window(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None
