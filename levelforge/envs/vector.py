"""TileVectorEnv: B environments stepped by one engine call (a native VectorEnv)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..engine import Engine, State
from ..game import GameSpec, load_game
from ..engine.observe import Observer
from .sources import LevelPool


def vector_actions(env, actions) -> np.ndarray:
    """``actions`` as an array of one per environment of the vector env ``env`` (which must be reset)."""
    if env.states is None:
        raise RuntimeError("call reset() before step()")
    a = np.asarray(actions)
    if a.shape != (env.num_envs,):
        raise ValueError(f"step needs {env.num_envs} actions, got shape {a.shape}")
    return a


class TileVectorEnv(VectorEnv):
    """``num_envs`` copies of a levelforge game, stepped together.

    One :meth:`Engine.step` call advances all environments, and observations
    are kept in one ``(B, C, H, W) uint8`` buffer updated in place (see
    :class:`~levelforge.engine.observe.Observer`), so the cost per
    environment is a few array operations, not a Python call.

    Autoreset (``autoreset_mode``):

    - ``SAME_STEP`` (default): an environment that ends is reset within the
      same ``step``; the returned observation is the first of the new episode,
      and ``infos["final_obs"]`` (object array, set where ``infos["_final_obs"]``)
      holds the last observation of the ended one, ``infos["final_info"]`` its
      ``won`` and ``steps``. Nothing is lost, and no step is wasted.
    - ``NEXT_STEP``: gymnasium's default; the step after an episode ends
      resets that environment and ignores its action (reward 0).

    ``copy=False`` returns the internal observation buffer itself (it changes
    on the next step): faster, for callers that copy anyway (a replay buffer).

    Each environment draws its levels from ``levels`` (see
    :mod:`levelforge.envs.sources`), reproducibly from the seed.
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "autoreset_mode": AutoresetMode.SAME_STEP}

    def __init__(
        self,
        num_envs: int = 8,
        game: str | GameSpec = "dungeon",
        levels: Any = None,
        max_steps: int | None = None,
        size: tuple[int, int] | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.SAME_STEP,
        copy: bool = True,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        self.num_envs = int(num_envs)
        self.game = load_game(game)
        self.engine = Engine(self.game)
        self.pool = LevelPool(self.engine, levels, slots=self.num_envs, size=size)
        self.max_steps = int(max_steps or max_episode_steps or self.game.max_steps)
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        if self.autoreset_mode == AutoresetMode.DISABLED:
            raise ValueError("autoreset_mode DISABLED is not supported; use SAME_STEP or NEXT_STEP")
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self.copy = copy
        self.render_mode = render_mode
        h, w = self.pool.size
        self.channels = self.engine.channels
        self.single_observation_space = spaces.Box(0, 1, (len(self.channels), h, w), dtype=np.uint8)
        self.single_action_space = spaces.Discrete(self.engine.n_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.obs = Observer(self.engine, self.pool.board, self.num_envs)
        self.states: State | None = None
        self._needs_reset = np.zeros(self.num_envs, dtype=bool)
        self._all = np.arange(self.num_envs)
        self._rng = np.random.default_rng()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
            self.action_space.seed(seed)
            self.observation_space.seed(seed)
            self.pool.reset_order()
        self.states, _ = self.pool.draw(self._rng, self._all)
        self._needs_reset[:] = False
        self.obs.write(self.states)
        return self._out(), {}

    def _out(self) -> np.ndarray:
        return self.obs.copy() if self.copy else self.obs.array

    def _reset_rows(self, rows: np.ndarray) -> None:
        """Start new episodes in ``rows``."""
        fresh, _ = self.pool.draw(self._rng, rows)
        self.states.set_rows(rows, fresh)
        self.obs.write(fresh, rows)

    def step(self, actions):
        a = vector_actions(self, actions)
        pending = None
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and np.count_nonzero(self._needs_reset):
            pending = np.flatnonzero(self._needs_reset)
            a = a.copy()
            a[pending] = 0
        # The env owns its states' arrays, so it advances them in place; the
        # observer gets a copy of what it needs of the old states.
        before = self.states.lit_copy()
        reward, terminated, items_changed = self.engine.advance(self.states, a)
        self.obs.update(before, self.states, items_changed)
        truncated = (self.states.t >= self.max_steps) & ~terminated
        if pending is not None:
            self._reset_rows(pending)
            reward[pending] = 0
            terminated[pending] = False
            truncated[pending] = False
            self._needs_reset[pending] = False
        done = terminated | truncated
        infos: dict[str, Any] = {}
        if np.count_nonzero(done):
            rows = np.flatnonzero(done)
            won = self.states.status == State.WON
            final_info = {"won": won, "_won": done, "steps": self.states.t.copy(), "_steps": done}
            if self.autoreset_mode == AutoresetMode.SAME_STEP:
                final_obs = np.full(self.num_envs, None, dtype=object)
                snapshot = self.obs.array[rows].copy()
                for k, r in enumerate(rows):
                    final_obs[r] = snapshot[k]
                infos = {"final_obs": final_obs, "_final_obs": done, "final_info": final_info, "_final_info": done}
                self._reset_rows(rows)
            else:
                infos = {"won": won, "_won": done, "steps": final_info["steps"], "_steps": done}
                self._needs_reset |= done
        return self._out(), reward, terminated, truncated, infos

    def grids(self) -> np.ndarray:
        """``(B, H, W) uint8`` tile ids showing every environment."""
        return self.engine.grid(self.states)

    def render(self):
        if self.render_mode is None or self.states is None:
            return None
        from .. import render

        grids = self.grids()
        if self.render_mode == "ansi":
            return "\n".join(render.ansi(self.game, g, colour=False) for g in grids)
        return tuple(render.render_grid(self.game, g) for g in grids)
