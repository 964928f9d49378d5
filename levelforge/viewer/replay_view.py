"""The replay screen: the agent's (or the solver's, or a person's) play, step by step.

Space pauses, left/right step (and pause), +/- change the speed, Home goes
back to the start, Tab switches between the level's replays, O draws the
solver's shortest path over the level, A lets the agent play the level now
(when the viewer has one), Esc goes back. Without any stored replay the
screen shows the solver's plan.
"""

from __future__ import annotations

import pygame

from ..render import render_grid
from .app import Screen
from .draw import ACCENT, DIM, KEPT, PANEL, REJECTED, TEXT, fit_tile, lines, surface, text
from .replay import Replay, draw_path, replay_grids
from .session import LOST, PLAYING, WON, player_path

PANEL_WIDTH = 340
SPEEDS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)  #: steps per second
KEYS = "space pause  left/right step  +/- speed  Tab next replay  O solver path  A agent  Esc back"


class ReplayScreen(Screen):
    def __init__(self, viewer, index: int, player: str | None = None, overlay: bool = False) -> None:
        super().__init__(viewer)
        self.index = index
        self.entry = self.catalog[index]
        self.level = self.entry.level
        if not self.entry.replays:
            self._add_solver_replay()
        self.players = self.entry.players()
        self.player = player if player in self.entry.replays else (self.players[0] if self.players else None)
        self.speed = SPEEDS.index(6)
        self.playing = True
        self.overlay = overlay
        self._path: list[tuple[int, int]] | None = None
        self._clock = 0.0
        self._drawn: tuple | None = None
        self._load()

    # -- what is played ----------------------------------------------------------------------
    def plan(self) -> list[int] | None:
        return self.entry.solver_plan()

    def _add_solver_replay(self) -> None:
        plan = self.plan()
        if plan is not None:
            self.entry.replays["solver"] = Replay("solver", plan, True)
        else:
            self.viewer.say("no replay, and the solver finds no plan for this level")

    def _load(self) -> None:
        replay = self.entry.replays.get(self.player) if self.player else None
        self.grids, self.statuses = replay_grids(self.level, replay.actions if replay else [])
        self.step = 0
        self._drawn = None

    # -- input -----------------------------------------------------------------------------------
    def key(self, name: str, mod: int) -> None:
        last = len(self.grids) - 1
        if name == "space":
            if self.step >= last:
                self.step = 0
            self.playing = not self.playing
        elif name in ("left", "right"):
            self.playing = False
            self.step = max(0, min(last, self.step + (1 if name == "right" else -1)))
        elif name == "home":
            self.step, self._clock = 0, 0.0
        elif name == "end":
            self.step = last
        elif name in ("+", "=", "[+]"):
            self.speed = min(len(SPEEDS) - 1, self.speed + 1)
        elif name in ("-", "[-]"):
            self.speed = max(0, self.speed - 1)
        elif name == "tab" and len(self.players) > 1:
            self.player = self.players[(self.players.index(self.player) + 1) % len(self.players)]
            self._load()
            self.playing = True
        elif name == "o":
            self.overlay = not self.overlay
            if self.overlay and self.path() is None:
                self.viewer.say("the solver finds no plan for this level")
                self.overlay = False
        elif name == "a":
            self.play_agent()

    def play_agent(self) -> None:
        if self.viewer.agent is None:
            self.viewer.say("no agent: start the viewer with --agent")
            return
        ok, replay = self.viewer.attempt("the agent cannot play", self.viewer.agent, self.level)
        if not ok:
            return
        if replay is None:
            self.viewer.say(f"no agent for {self.level.game}: start the viewer with --agent")
            return
        self.entry.replays["agent"] = replay
        if "agent" not in self.players:
            self.players.insert(0, "agent")
        self.player = "agent"
        self._load()
        self.playing = True
        self.viewer.say(f"the agent {'won' if replay.won else 'lost'} in {len(replay.actions)} steps")

    def path(self) -> list[tuple[int, int]] | None:
        if self._path is None and self.plan() is not None:
            self._path = player_path(self.level, self.plan())
        return self._path

    def update(self, dt: float) -> None:
        if not self.playing:
            return
        self._clock += dt
        period = 1.0 / SPEEDS[self.speed]
        while self._clock >= period:
            self._clock -= period
            if self.step < len(self.grids) - 1:
                self.step += 1
            else:
                self.playing = False
                self._clock = 0.0
                break

    # -- drawing -----------------------------------------------------------------------------------
    def frame(self, tile: int):
        """The RGB picture of the current step at ``tile`` px (with the path when asked)."""
        img = render_grid(self.level.spec, self.grids[self.step], tile)
        if self.overlay and self.path():
            img = draw_path(img, self.path(), tile)
        return img

    def draw(self, surf: pygame.Surface) -> None:
        w, h = surf.get_size()
        area = (max(64, w - PANEL_WIDTH - 40), max(64, h - 80))
        tile = fit_tile((self.level.height, self.level.width), area)
        key = (tile, self.step, self.player, self.overlay)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, surface(self.frame(tile)))
        img = self._drawn[1]
        rect = img.get_rect(center=(20 + area[0] // 2, 20 + area[1] // 2))
        surf.blit(img, rect)
        status = self.statuses[self.step]
        colour = {WON: KEPT, LOST: REJECTED}.get(status, ACCENT)
        if status != PLAYING:
            pygame.draw.rect(surf, colour, rect.inflate(10, 10), 4)
        panel = pygame.Rect(w - PANEL_WIDTH - 10, 10, PANEL_WIDTH, h - 50)
        pygame.draw.rect(surf, PANEL, panel, border_radius=8)
        x, y = panel.left + 16, panel.top + 16
        surf.blit(text(f"Replay: {self.entry.title}", 26, TEXT), (x, y))
        plan = self.entry.known_plan()
        rows = [f"player   {self.player or 'none'}", f"step     {self.step} of {len(self.grids) - 1}",
                (f"status   {status}", colour), f"speed    {SPEEDS[self.speed]} steps/s" + ("" if self.playing else
                                                                                           " (paused)"),
                (f"solver's shortest plan: {len(plan)} steps" if plan is not None else "", DIM),
                (f"replays: {', '.join(self.players)}", DIM)]
        lines(surf, rows, x, y + 40, size=24)
        self.status(surf, f"{self.entry.title}: {self.player} {self.step}/{len(self.grids) - 1}", KEYS)
