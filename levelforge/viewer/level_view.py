"""The level screen: one level, large, with its scores and replays."""

from __future__ import annotations

from typing import Callable

import pygame

from ..render import render_level
from .app import Screen
from .draw import DIM, MARK_COLOURS, PANEL, TEXT, badge, fit_tile, lines, score_rows, surface, text

PANEL_WIDTH = 380
KEYS = "left/right level  P play  R replay  K keep  X reject  C clear  Esc back"


class LevelScreen(Screen):
    def __init__(self, viewer, index: int, on_move: Callable[[int], None] | None = None) -> None:
        super().__init__(viewer)
        self.index = index
        self.on_move = on_move
        self._image: tuple[tuple[int, int], pygame.Surface] | None = None

    def key(self, name: str, mod: int) -> None:
        if self.level_key(name, self.index):
            return
        n = len(self.catalog)
        if name in ("left", "a", "page up", "right", "d", "page down"):
            self.index = (self.index + (-1 if name in ("left", "a", "page up") else 1)) % n
            self._image = None
            if self.on_move:
                self.on_move(self.index)

    def _level_image(self, area: tuple[int, int]) -> pygame.Surface:
        level = self.catalog[self.index].level
        tile = fit_tile((level.height, level.width), area)
        if self._image is None or self._image[0] != (self.index, tile):
            self._image = ((self.index, tile), surface(render_level(level, tile=tile)))
        return self._image[1]

    def draw(self, surf: pygame.Surface) -> None:
        w, h = surf.get_size()
        e = self.catalog[self.index]
        area = (max(64, w - PANEL_WIDTH - 40), max(64, h - 80))
        img = self._level_image(area)
        rect = img.get_rect(center=(20 + area[0] // 2, 20 + area[1] // 2))
        surf.blit(img, rect)
        if e.mark:
            pygame.draw.rect(surf, MARK_COLOURS[e.mark], rect.inflate(8, 8), 3)
            badge(surf, e.mark, rect)
        panel = pygame.Rect(w - PANEL_WIDTH - 10, 10, PANEL_WIDTH, h - 50)
        pygame.draw.rect(surf, PANEL, panel, border_radius=8)
        x, y = panel.left + 16, panel.top + 16
        surf.blit(text(e.title, 28, TEXT), (x, y))
        y += 36
        lv = e.level
        y = lines(surf, [(f"{lv.spec.title}, {lv.width} x {lv.height}", DIM), (f"id {lv.id}", DIM),
                         (f"mark: {e.mark or 'none'}", MARK_COLOURS.get(e.mark, DIM)), ""], x, y)
        y = lines(surf, score_rows(e.scores), x, y)
        if e.replays:
            y = lines(surf, ["", ("replays: " + ", ".join(sorted(e.replays)), DIM)], x, y)
        self.status(surf, f"{self.index + 1}/{len(self.catalog)}  {e.title}", KEYS)
