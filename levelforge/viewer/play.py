"""The play screen: a person plays a level by the engine's rules.

Arrows or WASD move, space attacks (where the game has an attack), U undoes,
R restarts, Enter saves the moves so far as a replay (into the archive for
an archive level, else as a replay file beside the level), Esc goes back.
"""

from __future__ import annotations

import pygame

from ..render import render_grid
from .app import Screen
from .draw import ACCENT, DIM, KEPT, PANEL, REJECTED, TEXT, fit_tile, lines, surface, text, wrap
from .replay import Replay
from .session import LOST, PLAYING, WON, PlaySession, action_for_key

PANEL_WIDTH = 340
KEYS = "arrows/WASD move  space attack  U undo  R restart  Enter save replay  Esc back"


class PlayScreen(Screen):
    def __init__(self, viewer, index: int) -> None:
        super().__init__(viewer)
        self.index = index
        self.session = PlaySession(self.catalog[index].level)
        self._drawn: tuple | None = None

    def key(self, name: str, mod: int) -> None:
        s = self.session
        if name == "u":
            s.undo()
        elif name == "r":
            s.restart()
        elif name in ("return", "enter"):
            self.save()
        else:
            action = action_for_key(s.spec.actions, name)
            if action is not None and s.act(action) and s.over:
                self.viewer.say("won! Enter saves the replay" if s.status == WON else f"{s.status}: U undoes, R restarts")

    def save(self) -> None:
        s = self.session
        if not s.steps:
            self.viewer.say("nothing to save yet: play first")
            return
        ok, where = self.viewer.attempt("could not save the replay", self.catalog.add_replay, self.index,
                                        Replay("person", s.actions, s.status == WON))
        if ok:
            self.viewer.say(f"saved {s.steps} moves to {where}", 5.0)

    def draw(self, surf: pygame.Surface) -> None:
        w, h = surf.get_size()
        s = self.session
        area = (max(64, w - PANEL_WIDTH - 40), max(64, h - 80))
        tile = fit_tile((s.level.height, s.level.width), area)
        key = (tile, s.steps, id(s.state))
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, surface(render_grid(s.spec, s.grid(), tile)))
        img = self._drawn[1]
        rect = img.get_rect(center=(20 + area[0] // 2, 20 + area[1] // 2))
        surf.blit(img, rect)
        colour = {WON: KEPT, LOST: REJECTED}.get(s.status, ACCENT)
        if s.status != PLAYING:
            pygame.draw.rect(surf, colour, rect.inflate(10, 10), 4)
        panel = pygame.Rect(w - PANEL_WIDTH - 10, 10, PANEL_WIDTH, h - 50)
        pygame.draw.rect(surf, PANEL, panel, border_radius=8)
        x, y = panel.left + 16, panel.top + 16
        surf.blit(text(f"Playing: {self.catalog[self.index].title}", 26, TEXT), (x, y))
        y = lines(surf, [(row, DIM) for row in wrap(s.spec.summary, PANEL_WIDTH - 32, 20)] + [""], x, y + 34, size=20)
        lines(surf, [f"steps    {s.steps} of {s.max_steps}", f"return   {s.total_reward:+.2f}",
                     (f"status   {s.status}", colour)], x, y, size=24)
        self.status(surf, f"{s.spec.title}: {s.status}", KEYS)
