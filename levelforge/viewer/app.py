"""The viewer's window and loop: a stack of screens over a catalog.

:class:`Viewer` owns the pygame window and runs the loop: each frame it
hands key and mouse events to the top :class:`Screen`, lets it advance
(replays animate), and draws it. Screens (:mod:`.grid`, :mod:`.level_view`,
:mod:`.play`, :mod:`.replay_view`) push and pop each other; Esc pops, and
popping the last one closes the window.

The window opens at a size that fits the screen (90% of the desktop at
most) and can be resized; screens lay themselves out from the window's size
on every frame. Headless (``SDL_VIDEODRIVER=dummy``), the same loop runs
without a display: tests post key events and save screenshots
(:meth:`Viewer.screenshot`), and :meth:`Viewer.run` with ``realtime=False``
advances animations by exactly one frame's time per frame.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable

import pygame

from ..errors import LevelforgeError
from ..png import write_png
from ..window import fit_screen
from .catalog import Catalog
from .draw import BG, DIM, TEXT, pixels, text

FPS = 60


class Screen:
    """One view of the window. Subclasses override what they need."""

    title = ""

    def __init__(self, viewer: "Viewer") -> None:
        self.viewer = viewer

    @property
    def catalog(self) -> Catalog:
        return self.viewer.catalog

    def key(self, name: str, mod: int) -> None:
        """A key press, by pygame's key name (``"up"``, ``"w"``, ``"page down"``, ``"escape"`` ...)."""

    def click(self, pos: tuple[int, int], button: int) -> None:
        """A mouse click in window pixels (button 1 left, 4/5 the wheel)."""

    def update(self, dt: float) -> None:
        """Advance by ``dt`` seconds."""

    def draw(self, surf: pygame.Surface) -> None:
        raise NotImplementedError

    def level_key(self, name: str, index: int) -> bool:
        """The keys of every screen that shows level ``index`` as a choice: P plays it, R replays it,
        K / X / C mark it kept, rejected, or neither. True when ``name`` was one of them."""
        if name == "p":
            from .play import PlayScreen

            self.viewer.push(PlayScreen(self.viewer, index))
        elif name == "r":
            from .replay_view import ReplayScreen

            self.viewer.push(ReplayScreen(self.viewer, index))
        elif name in ("k", "x", "c", "backspace"):
            mark = {"k": "kept", "x": "rejected"}.get(name)
            ok, _ = self.viewer.attempt("could not save the mark", self.catalog.mark, index, mark)
            if ok:
                self.viewer.say(f"{self.catalog[index].title}: {mark or 'mark cleared'}")
        else:
            return False
        return True

    def status(self, surf: pygame.Surface, left: str, right: str = "") -> None:
        """The bottom bar: ``left`` (what is shown) and ``right`` (the keys)."""
        h = 30
        bar = pygame.Rect(0, surf.get_height() - h, surf.get_width(), h)
        surf.fill((16, 16, 20), bar)
        surf.blit(text(left, 22, TEXT), (10, bar.top + 7))
        if right:
            r = text(right, 20, DIM)
            surf.blit(r, (bar.right - r.get_width() - 10, bar.top + 8))


class Viewer:
    """The window, the loop and the screen stack over ``catalog``.

    ``start``: a function making the first screen (default: the grid);
    ``size``: the window size (default: fits the screen); ``agent``: a
    callable ``level -> Replay | None`` that plays a level with the DQN
    agent on demand (None: only stored replays and the solver's plan).
    """

    def __init__(self, catalog: Catalog, start: Callable[["Viewer"], Screen] | None = None,
                 size: tuple[int, int] | None = None, agent: Callable | None = None, caption: str = "levelforge") -> None:
        if len(catalog) == 0:
            raise ValueError("the viewer needs at least one level")
        self.catalog = catalog
        self.agent = agent
        pygame.display.init()
        pygame.font.init()
        self.window = pygame.display.set_mode(size or fit_screen(), pygame.RESIZABLE)
        pygame.display.set_caption(caption)
        pygame.key.set_repeat(220, 70)
        self.clock = pygame.time.Clock()
        self.message = ""  #: a one-line note shown over the bottom bar (saved, marked ...)
        self.message_left = 0.0
        self.frames = 0
        self.running = True
        if start is None:
            from .grid import GridScreen

            start = GridScreen
        self.screens: list[Screen] = [start(self)]

    # -- the stack -----------------------------------------------------------------------
    @property
    def screen(self) -> Screen:
        return self.screens[-1]

    def push(self, screen: Screen) -> None:
        self.screens.append(screen)

    def pop(self) -> None:
        self.screens.pop()
        if not self.screens:
            self.running = False

    def say(self, message: str, seconds: float = 3.0) -> None:
        self.message, self.message_left = message, seconds

    def attempt(self, what: str, fn, *args) -> tuple[bool, object]:
        """``(True, fn(*args))``; a failure to write or load (a read-only folder, a locked archive, an
        agent of another game) is shown as ``what: why`` instead of ending the session: ``(False, None)``."""
        try:
            return True, fn(*args)
        except (OSError, sqlite3.Error, LevelforgeError) as e:
            self.say(f"{what}: {e}", 6.0)
            return False, None

    # -- the loop --------------------------------------------------------------------------
    def run(self, max_frames: int | None = None, realtime: bool = True) -> int:
        """Run until the window closes (or ``max_frames`` frames); the frames drawn."""
        start = self.frames
        while self.running and (max_frames is None or self.frames - start < max_frames):
            dt = self.clock.tick(FPS) / 1000.0 if realtime else 1.0 / FPS
            self.frame(dt)
        return self.frames - start

    def frame(self, dt: float) -> None:
        """Handle pending events, advance ``dt`` seconds, draw once."""
        for ev in pygame.event.get():
            if ev.type == pygame.QUIT:
                self.running = False
            elif ev.type == pygame.KEYDOWN:
                name = pygame.key.name(ev.key)
                if name == "escape" or (name == "q" and len(self.screens) == 1):
                    self.pop()
                else:
                    self.screen.key(name, ev.mod)
            elif ev.type == pygame.MOUSEBUTTONDOWN:
                self.screen.click(ev.pos, ev.button)
            if not self.running:
                return
        self.screen.update(dt)
        self.message_left = max(0.0, self.message_left - dt)
        self.draw()
        self.frames += 1

    def draw(self) -> None:
        surf = pygame.display.get_surface()
        surf.fill(BG)
        self.screen.draw(surf)
        if self.message_left > 0 and self.message:
            t = text(self.message, 22, (20, 20, 24))
            box = t.get_rect(midbottom=(surf.get_width() // 2, surf.get_height() - 40)).inflate(20, 10)
            pygame.draw.rect(surf, (255, 214, 64), box, border_radius=6)
            surf.blit(t, t.get_rect(center=box.center))
        pygame.display.flip()

    def post_keys(self, *names: str) -> None:
        """Queue key presses by pygame key name (for tests and scripted tours)."""
        for name in names:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.key.key_code(name), mod=0,
                                                 unicode="", scancode=0))

    def screenshot(self, path: str | Path) -> Path:
        """The window as a PNG file."""
        return write_png(path, pixels(pygame.display.get_surface()))

    def close(self) -> None:
        pygame.display.quit()
