"""The grid screen: every level as a thumbnail, to browse and mark.

Thumbnails are drawn once per zoom level (lazily, only those that come into
view) and kept, so a page of a thousand-level catalog costs a few dozen
blits per frame (``tools/bench_viewer.py`` measures it).
"""

from __future__ import annotations

import pygame

from ..render import render_level
from .app import Screen
from .draw import ACCENT, DIM, MARK_COLOURS, PANEL, TEXT, badge, fmt, surface, text

ZOOMS = (3, 4, 5, 6, 8, 10, 12, 16, 20, 24)
HEADER, FOOTER, GAP, CAPTION = 40, 30, 12, 18
KEYS = "arrows move  Enter open  P play  R replay  K keep  X reject  C clear  +/- zoom  Esc quit"


class GridScreen(Screen):
    def __init__(self, viewer, index: int = 0) -> None:
        super().__init__(viewer)
        self.index = index
        self.top = 0  #: the first row shown
        self._thumbs: dict[tuple[int, int], pygame.Surface] = {}
        entries = self.catalog.entries
        self._largest = (max(e.level.height for e in entries), max(e.level.width for e in entries))  # cell size
        self.zoom = self._first_zoom(pygame.display.get_surface().get_size())

    # -- layout ----------------------------------------------------------------------------
    @property
    def tile(self) -> int:
        return ZOOMS[self.zoom]

    def _cell(self) -> tuple[int, int]:
        h, w = self._largest
        return w * self.tile + GAP, h * self.tile + GAP + CAPTION

    def _layout(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(columns, rows shown, cell width, cell height) for a window of ``size``."""
        cw, ch = self._cell()
        cols = max(1, (size[0] - GAP) // cw)
        rows = max(1, (size[1] - HEADER - FOOTER) // ch)
        return cols, rows, cw, ch

    def _first_zoom(self, size: tuple[int, int]) -> int:
        """The largest zoom (up to 16 px tiles) that shows every level on one page, else 8 px tiles."""
        best = ZOOMS.index(8)
        for z in range(best, ZOOMS.index(16) + 1):
            self.zoom = z
            cols, rows, _, _ = self._layout(size)
            if cols * rows >= len(self.catalog):
                best = z
        return best

    def _scroll_to_selection(self, cols: int, rows: int) -> None:
        row = self.index // cols
        if row < self.top:
            self.top = row
        elif row >= self.top + rows:
            self.top = row - rows + 1
        last = (len(self.catalog) - 1) // cols
        self.top = max(0, min(self.top, max(0, last - rows + 1)))

    def thumbnail(self, i: int) -> pygame.Surface:
        key = (i, self.tile)
        s = self._thumbs.get(key)
        if s is None:
            s = self._thumbs[key] = surface(render_level(self.catalog[i].level, tile=self.tile))
        return s

    # -- input -----------------------------------------------------------------------------
    def key(self, name: str, mod: int) -> None:
        cols, rows, _, _ = self._layout(pygame.display.get_surface().get_size())
        n = len(self.catalog)
        moves = {"left": -1, "a": -1, "right": 1, "d": 1, "up": -cols, "w": -cols, "down": cols, "s": cols,
                 "page up": -cols * rows, "page down": cols * rows, "home": -n, "end": n}
        if self.level_key(name, self.index):
            return
        if name in moves:
            self.index = max(0, min(n - 1, self.index + moves[name]))
        elif name in ("return", "enter", "space"):
            self.open()
        elif name in ("+", "=", "[+]"):
            self.zoom = min(len(ZOOMS) - 1, self.zoom + 1)
        elif name in ("-", "[-]"):
            self.zoom = max(0, self.zoom - 1)

    def open(self) -> None:
        from .level_view import LevelScreen

        self.viewer.push(LevelScreen(self.viewer, self.index, on_move=self._follow))

    def _follow(self, i: int) -> None:
        self.index = i

    def click(self, pos: tuple[int, int], button: int) -> None:
        cols, rows, cw, ch = self._layout(pygame.display.get_surface().get_size())
        if button in (4, 5):  # the wheel scrolls by a row
            last = (len(self.catalog) - 1) // cols
            self.top = max(0, min(max(0, last - rows + 1), self.top + (1 if button == 5 else -1)))
            return
        x, y = pos[0] - GAP, pos[1] - HEADER
        if button != 1 or x < 0 or y < 0:
            return
        c, r = x // cw, y // ch
        i = (self.top + r) * cols + c
        if c < cols and r < rows and i < len(self.catalog):
            if i == self.index:
                self.open()
            self.index = i

    # -- drawing ---------------------------------------------------------------------------
    def draw(self, surf: pygame.Surface) -> None:
        cols, rows, cw, ch = self._layout(surf.get_size())
        self._scroll_to_selection(cols, rows)
        cat = self.catalog
        marks = [e.mark for e in cat.entries]
        head = (f"{len(cat)} levels  ·  {marks.count('kept')} kept, {marks.count('rejected')} rejected  ·  "
                f"{cat.source}")
        surf.blit(text(head, 24, TEXT), (GAP, 10))
        first = self.top * cols
        for i in range(first, min(len(cat), first + cols * rows)):
            r, c = divmod(i - first, cols)
            cell = pygame.Rect(GAP + c * cw, HEADER + r * ch, cw - GAP, ch - GAP)
            thumb = self.thumbnail(i)
            if i == self.index:
                pygame.draw.rect(surf, ACCENT, cell.inflate(8, 8), 3, border_radius=4)
            elif cat[i].mark:
                pygame.draw.rect(surf, MARK_COLOURS[cat[i].mark], cell.inflate(6, 6), 2, border_radius=4)
            surf.blit(thumb, cell.topleft)
            badge(surf, cat[i].mark, pygame.Rect(cell.topleft, thumb.get_size()))
            surf.blit(self._caption(i), (cell.left, cell.top + thumb.get_height() + 2))
        total_rows = -(-len(cat) // cols)
        if total_rows > rows:  # a scroll bar
            h = surf.get_height() - HEADER - FOOTER
            bar = pygame.Rect(surf.get_width() - 6, HEADER + h * self.top // total_rows, 4, max(8, h * rows // total_rows))
            pygame.draw.rect(surf, PANEL, (surf.get_width() - 6, HEADER, 4, h))
            pygame.draw.rect(surf, DIM, bar)
        e = cat[self.index]
        sc = e.scores or {}
        summary = f"{self.index + 1}/{len(cat)}  {e.title}"
        if sc:
            summary += f"  ·  creativity {fmt(sc.get('creativity'))}  novelty {fmt(sc.get('novelty'))}"
        self.status(surf, summary, KEYS)

    def _caption(self, i: int) -> pygame.Surface:
        sc = self.catalog[i].scores
        s = f"{i + 1}" + (f"  C {sc['creativity']:.2f}" if sc and sc.get("creativity") is not None else "")
        return text(s, 18, DIM)
