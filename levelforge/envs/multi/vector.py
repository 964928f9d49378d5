"""TeamVectorEnv: G team games of P players as G * P vector-env rows, for independent learners."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ...engine import Engine, State
from ...engine.team import Team
from ...game import GameSpec, load_game
from ..sources import LevelOrder, check_game, npc_limit, resolve_levels, source_size
from ..vector import vector_actions
from .observe import OTHERS, TeamObserver
from .team_env import check_mode


class TeamVectorEnv(VectorEnv):
    """``games`` team games of ``players`` players each, as ``games * players``
    rows of a Gymnasium vector env: row ``g * P + p`` is player ``p`` of game
    ``g``, observing as :class:`~levelforge.envs.multi.TeamEnv` does. One
    learner acting for every row is a set of independent learners sharing
    one network (each player sees the game from its own cell).

    Autoreset is ``NEXT_STEP``, per game: the step after a game ends (no
    player playing, or ``max_steps`` reached) starts a new level in all its
    rows (their actions ignored, reward 0). A player who finishes while its
    game goes on (killed by a monster) reports ``terminated`` on that step
    and on every later one until the game restarts, so a NEXT_STEP learner,
    which skips the step after an end, stores none of its idle rows.
    ``infos["won"]`` (where ``infos["_won"]``) says which ended players won.
    """

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, games: int = 32, players: int = 2, game: str | GameSpec = "dungeon", levels: Any = None,
                 mode: str | None = None, max_steps: int | None = None,
                 size: tuple[int, int] | None = None) -> None:
        if games < 1:
            raise ValueError(f"games must be at least 1, got {games}")
        self.game = load_game(game)
        mode = check_mode(self.game.name, mode)
        self.engine = Engine(self.game)
        self.team = Team(self.engine, players, shared=mode == "coop")
        self.games, self.players = int(games), self.team.players
        self.num_envs = self.games * self.players
        self.levels = resolve_levels(levels, self.engine)
        self.size = size or source_size(self.levels, self.game)
        self._order = LevelOrder(len(self.levels)) if isinstance(self.levels, list) else None
        self.max_npcs = npc_limit(self.game) or 8  # every game's rows have the same NPC slots
        self.max_steps = int(max_steps or self.game.max_steps)
        self.channels = tuple(self.engine.channels) + (OTHERS,)
        h, w = self.size
        self.single_observation_space = spaces.Box(0, 1, (len(self.channels), h, w), dtype=np.uint8)
        self.single_action_space = spaces.Discrete(self.engine.n_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.states: State | None = None
        self.obs: TeamObserver | None = None
        self._rng = np.random.default_rng()
        self._restart = np.zeros(self.games, dtype=bool)  # games that start a new level on the next step
        self._out_before = np.zeros(self.num_envs, dtype=bool)

    def _levels(self, k: int) -> list:
        if self._order is not None:
            return [self.levels[i] for i in self._order.next(self._rng, k)]
        out = [self.levels(self._rng) for _ in range(k)]
        for lv in out:
            check_game(lv, self.engine)
        return out

    def _start(self, games: np.ndarray) -> np.ndarray:
        """New levels in ``games``; returns their rows."""
        fresh = self.team.load(self._levels(len(games)), size=self.size, max_npcs=self.max_npcs)
        rows = (games[:, None] * self.players + np.arange(self.players)).ravel()
        self.states.board.terrain[games] = fresh.board.terrain
        self.states.board.cache.clear()
        self.states.set_rows(rows, fresh.replace(board=self.states.board, level=np.repeat(games, self.players)
                                                 .astype(np.int32)))
        return rows

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
            self.action_space.seed(seed)
            if self._order is not None:
                self._order.reset()
        first = self.team.load(self._levels(self.games), size=self.size, max_npcs=self.max_npcs)
        self.states = first
        self.obs = TeamObserver(self.engine, first.board, self.games, self.players)
        self._restart[:] = False
        self._out_before[:] = False
        self.obs.write(self.states)
        return self.obs.array.copy(), {}

    def step(self, actions):
        a = vector_actions(self, actions)
        s, p = self.states, self.players
        restart = np.flatnonzero(self._restart)
        reward, _ = self.team.advance(s, a)  # games that ended do not change
        fresh = np.zeros(self.num_envs, dtype=bool)
        if len(restart):
            rows = self._start(restart)
            reward[rows] = 0.0
            fresh[rows] = True
        playing = s.status == State.PLAYING
        terminated = ~playing & ~fresh
        truncated = playing & (s.t >= self.max_steps)
        first = (terminated | truncated) & ~self._out_before  # ends not reported before
        self._out_before = terminated | truncated
        infos: dict[str, Any] = {}
        if np.count_nonzero(first):
            infos = {"won": s.status == State.WON, "_won": first}
        game_t = s.t.reshape(-1, p)[:, 0]
        self._restart = ~playing.reshape(-1, p).any(axis=1) | (game_t >= self.max_steps)
        self.obs.write(s)
        return self.obs.array.copy(), reward, terminated, truncated, infos

    def grids(self) -> np.ndarray:
        """``(G, H, W) uint8`` tile ids showing every game."""
        return self.team.grid(self.states)
