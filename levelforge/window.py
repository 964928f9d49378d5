"""A pygame window that shows RGB frames: the environments' ``human`` render mode.

:class:`FrameWindow` opens on the first frame, sized to the frame times the
largest whole factor that fits the screen (pixel art stays crisp), and
shows each frame at most ``fps`` times a second. Closing the window stops
showing frames without stopping the program.
"""

from __future__ import annotations

import os

import numpy as np

DEFAULT_SIZE = (1280, 800)


def fit_screen(default: tuple[int, int] = DEFAULT_SIZE) -> tuple[int, int]:
    """``default``, shrunk to 90% of the desktop when that is smaller (``default`` when headless)."""
    import pygame

    try:
        desk = pygame.display.get_desktop_sizes()[0]
    except (pygame.error, IndexError):
        desk = (0, 0)
    if not desk[0] or not desk[1] or os.environ.get("SDL_VIDEODRIVER") == "dummy":
        return default
    return min(default[0], int(desk[0] * 0.9)), min(default[1], int(desk[1] * 0.9))


class FrameWindow:
    def __init__(self, caption: str = "levelforge", fps: float = 8.0) -> None:
        self.caption, self.fps = caption, fps
        self.scale = 1
        self.closed = False
        self._screen = None
        self._clock = None
        self._frame = (0, 0)

    def show(self, rgb: np.ndarray) -> None:
        """Show ``rgb`` ``(H, W, 3) uint8`` (opening the window on the first call)."""
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame

        if self.closed:
            return
        h, w = rgb.shape[:2]
        if self._screen is not None and self._frame != (h, w):  # a level of another size: size the window anew
            self._screen = None
        if self._screen is None:
            self._frame = (h, w)
            pygame.display.init()
            room = fit_screen((max(w, 1600), max(h, 1000)))
            self.scale = max(1, min(room[0] // w, room[1] // h))
            self._screen = pygame.display.set_mode((w * self.scale, h * self.scale))
            pygame.display.set_caption(self.caption)
            self._clock = pygame.time.Clock()
        for ev in pygame.event.get():
            if ev.type == pygame.QUIT:
                self.close()
                return
        frame = pygame.image.frombuffer(np.ascontiguousarray(rgb).tobytes(), (w, h), "RGB")
        if self.scale > 1:
            frame = pygame.transform.scale(frame, (w * self.scale, h * self.scale))
        self._screen.blit(frame, (0, 0))
        pygame.display.flip()
        self._clock.tick(self.fps)

    def close(self) -> None:
        if self._screen is not None and not self.closed:
            import pygame

            pygame.display.quit()
        self.closed = True
        self._screen = None
