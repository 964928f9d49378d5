"""TileEnv: one level at a time as a Gymnasium environment."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ..engine import Engine, State
from ..engine.observe import Observer
from ..game import GameSpec, load_game
from .rendering import GridRendering
from .sources import LevelPool, check_game


class TileEnv(GridRendering, gym.Env):
    """A levelforge game as a single Gymnasium environment.

    Observation: ``(C, H, W) uint8`` planes of 0/1, one per base tile
    (terrain, items, the player, each NPC kind) and then the game's extra
    planes (``env.channels`` names them all), e.g. for dungeon ``carrying_key``
    (all ones while a key is carried), ``facing`` (the tile the avatar faces),
    the NPCs' headings, ``npc_moves_next`` and ``npc_ahead``. ``H, W`` is the game's default
    size, or the largest level of the source; smaller levels are padded with
    solid terrain at the bottom and right.

    Episodes end (``terminated``) when the level is won or lost, and are
    truncated after the game's ``max_steps``. ``info`` holds ``level_id``,
    ``level_name``, ``won`` and ``steps``.

    ``levels``: a level source (see :mod:`levelforge.envs.sources`).
    ``reset(options={"level": Level})`` plays that level next.
    """

    metadata = {"render_modes": ["rgb_array", "ansi", "human"], "render_fps": 8}

    def __init__(
        self,
        game: str | GameSpec = "dungeon",
        levels: Any = None,
        render_mode: str | None = None,
        max_steps: int | None = None,
        size: tuple[int, int] | None = None,
        tile_size: int = 16,
    ) -> None:
        self.spec_game = load_game(game)
        self.engine = Engine(self.spec_game)
        self.pool = LevelPool(self.engine, levels, slots=1, size=size)
        h, w = self.pool.size
        self.channels = self.engine.channels
        self.observation_space = spaces.Box(0, 1, (len(self.channels), h, w), dtype=np.uint8)
        self.action_space = spaces.Discrete(self.engine.n_actions)
        self.max_steps = int(max_steps or self.spec_game.max_steps)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.tile_size = tile_size
        self.state: State | None = None
        self.level = None
        self._slot = np.zeros(1, dtype=np.int64)
        self._obs = Observer(self.engine, self.pool.board, 1)

    @property
    def action_names(self) -> tuple[str, ...]:
        return self.spec_game.actions

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self.pool.reset_order()
        level = (options or {}).get("level")
        if level is not None:
            check_game(level, self.engine)
            self.state = self.engine.load([level], size=self.pool.size, max_npcs=self.pool.max_npcs)
            self.level = level
        else:
            self.state, (self.level,) = self.pool.draw(self.np_random, self._slot)
        if self._obs.board_shape != (self.state.board.height, self.state.board.width):
            self._obs = Observer(self.engine, self.state.board, 1)
        self._obs.write(self.state)
        if self.render_mode == "human":
            self.render()
        return self._obs.array[0].copy(), self._info()

    def step(self, action):
        if self.state is None:
            raise RuntimeError("call reset() before step()")
        a = int(action)
        if not 0 <= a < self.engine.n_actions:
            raise ValueError(f"action must be in [0, {self.engine.n_actions}), got {action!r}")
        old = self.state
        self.state, reward, terminated = self.engine.step(old, np.array([a], dtype=np.int64))
        self._obs.update(old, self.state)
        term = bool(terminated[0])
        truncated = not term and int(self.state.t[0]) >= self.max_steps
        if self.render_mode == "human":
            self.render()
        return self._obs.array[0].copy(), float(reward[0]), term, truncated, self._info()

    def _info(self) -> dict[str, Any]:
        s = self.state
        return {
            "level_id": self.level.id,
            "level_name": self.level.name,
            "won": bool(s.status[0] == State.WON),
            "steps": int(s.t[0]),
        }

    def grid(self) -> np.ndarray | None:
        """``(H, W) uint8`` tile ids showing the current state (None before the first reset)."""
        return None if self.state is None else self.engine.grid(self.state)[0]

    def close(self) -> None:
        self.close_window()
        super().close()
