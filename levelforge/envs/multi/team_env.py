"""TeamEnv: a levelforge game for several players as a PettingZoo ParallelEnv."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from ...engine import Engine, State
from ...engine.team import Team
from ...game import GameSpec, load_game
from ..rendering import GridRendering
from ..sources import LevelOrder, check_game, npc_limit, resolve_levels, source_size
from .observe import OTHERS, TeamObserver

MODES = ("coop", "race")
#: the modes each game is played in (the first is its default); other games: both
GAME_MODES = {"dungeon": ("coop", "race"), "maze": ("race",)}


def game_modes(game: str) -> tuple[str, ...]:
    """The team modes of ``game`` (a game name), its default first."""
    return GAME_MODES.get(game, MODES)


def check_mode(game: str, mode: str | None) -> str:
    """``mode`` (None: the game's default) if ``game`` is played so; else ValueError."""
    modes = game_modes(game)
    if mode is None:
        return modes[0]
    if mode not in modes:
        raise ValueError(f"mode must be one of {', '.join(modes)} for {game}, got {mode!r}")
    return mode


class TeamEnv(GridRendering, ParallelEnv):
    """``players`` players (2 to 4) in one level of ``game``, stepped together
    (``mode``: see :data:`GAME_MODES`; default the game's first).

    The rules are the engine's team step (:mod:`levelforge.engine.team`):
    players act in a rotating order each step, a move into another player is
    blocked, NPCs move once per step. ``mode="coop"``: the players share the
    key and the goal (when one enters, all win); ``mode="race"``: the first
    to the goal wins and every other player loses. A player who loses on its
    own (a monster) leaves the game; the others play on.

    Agents are ``player_0`` .. ``player_{P-1}``. Each observes ``(C + 1, H,
    W) uint8`` planes: the one-player observation as its player sees it
    (its own cell is the player plane, its own facing and carried items),
    then ``other_players``, the cells of the other players still playing.
    ``env.channels`` names them. Rewards are each player's own (the game's
    rewards; in coop the win reaches everyone). Episodes are truncated after
    the game's ``max_steps`` joint steps. ``infos[agent]`` holds
    ``level_id``, ``level_name``, ``won`` and ``steps``. An agent left out
    of a step's actions takes action 0 (``noop`` in the shipped games).
    After the last agent is done, ``step`` changes nothing until ``reset``.

    In a dungeon race each player carries its own key: if the one who
    took the level's only key is killed, the key is gone with it and the
    others can only play on until the step limit.

    ``levels``: a level source, as for the Gymnasium envs (a Level, a list,
    a path, None for the game's own levels, or a callable ``f(rng) ->
    Level``). A level with fewer starts than players gets the extra ones
    placed on the free ground nearest its start (:meth:`Team.starts`).
    """

    metadata = {"name": "team_v0", "render_modes": ["rgb_array", "ansi", "human"], "render_fps": 8,
                "is_parallelizable": True}

    def __init__(
        self,
        game: str | GameSpec = "dungeon",
        levels: Any = None,
        players: int = 2,
        mode: str | None = None,
        render_mode: str | None = None,
        max_steps: int | None = None,
        size: tuple[int, int] | None = None,
        tile_size: int = 16,
    ) -> None:
        if isinstance(players, bool) or not isinstance(players, (int, np.integer)) or not 2 <= players <= 4:
            raise ValueError(f"players must be 2, 3 or 4, got {players!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.spec_game = load_game(game)
        mode = check_mode(self.spec_game.name, mode)
        self.metadata = {**self.metadata, "name": f"{self.spec_game.name}_v0"}
        self.engine = Engine(self.spec_game)
        self.team = Team(self.engine, int(players), shared=mode == "coop")
        self.mode = mode
        self.levels = resolve_levels(levels, self.engine)
        self.size = size or source_size(self.levels, self.spec_game)
        self._order = LevelOrder(len(self.levels)) if isinstance(self.levels, list) else None
        self.max_npcs = npc_limit(self.spec_game) or 8  # one NPC slot count for every level it serves
        self.max_steps = int(max_steps or self.spec_game.max_steps)
        self.render_mode = render_mode
        self.tile_size = tile_size
        self.possible_agents = [f"player_{i}" for i in range(int(players))]
        self._ids = {a: i for i, a in enumerate(self.possible_agents)}
        self._initial: dict[int, State] = {}  # finite sources: each level's initial team state, made once
        self.agents: list[str] = []
        self.channels = tuple(self.engine.channels) + (OTHERS,)
        h, w = self.size
        self._obs_space = spaces.Box(0, 1, (len(self.channels), h, w), dtype=np.uint8)
        self._act_space = spaces.Discrete(self.engine.n_actions)
        self.state_: State | None = None
        self.level = None
        self._observer: TeamObserver | None = None
        self._np_random, _ = seeding.np_random(None)

    # -- spaces -----------------------------------------------------------------------
    def observation_space(self, agent: str) -> spaces.Box:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Discrete:
        return self._act_space

    @property
    def action_names(self) -> tuple[str, ...]:
        return self.spec_game.actions

    # -- episodes ------------------------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._np_random, _ = seeding.np_random(seed)
            if self._order is not None:
                self._order.reset()
        level = (options or {}).get("level")
        if level is None and self._order is not None:
            i = int(self._order.next(self._np_random, 1)[0])
            first = self._initial.get(i)
            if first is None:
                first = self._initial[i] = self.team.load([self.levels[i]], size=self.size, max_npcs=self.max_npcs)
            self.level, self.state_ = self.levels[i], first.copy()
        else:
            if level is None:
                level = self.levels(self._np_random)
            check_game(level, self.engine)
            self.level = level
            self.state_ = self.team.load([level], size=self.size, max_npcs=self.max_npcs)
        if self._observer is None:
            self._observer = TeamObserver(self.engine, self.state_.board, 1, self.team.players)
        self.agents = list(self.possible_agents)
        self._observer.write(self.state_)
        if self.render_mode == "human":
            self.render()
        return self._obs_dict(), {a: self._info(i) for i, a in enumerate(self.possible_agents)}

    def step(self, actions: dict[str, Any]):
        if self.state_ is None:
            raise RuntimeError("call reset() before step()")
        if not self.agents:  # the episode is over: nothing moves until reset()
            return {}, {}, {}, {}, {}
        n = self.engine.n_actions
        joint = np.zeros(self.team.players, dtype=np.int64)  # a finished (or silent) player's action is ignored
        for agent, a in actions.items():
            i = self._index(agent)
            a = int(a)
            if not 0 <= a < n:
                raise ValueError(f"action of {agent} must be in [0, {n}), got {a!r}")
            joint[i] = a
        s = self.state_
        reward, done = self.team.advance(s, joint)
        self._observer.write(s)
        truncate = int(s.t[0]) >= self.max_steps
        live = self.agents
        obs = self._obs_dict()
        index = [self._ids[a] for a in live]
        rewards = {a: float(reward[i]) for a, i in zip(live, index)}
        terminations = {a: bool(done[i]) for a, i in zip(live, index)}
        truncations = {a: truncate and not terminations[a] for a in live}
        infos = {a: self._info(i) for a, i in zip(live, index)}
        self.agents = [a for a in live if not (terminations[a] or truncations[a])]
        if self.render_mode == "human":
            self.render()
        return obs, rewards, terminations, truncations, infos

    # -- views ---------------------------------------------------------------------------
    def _index(self, agent: str) -> int:
        i = self._ids.get(agent)
        if i is None:
            raise KeyError(f"no agent {agent!r}; agents: {', '.join(self.possible_agents)}")
        return i

    def _obs_dict(self) -> dict[str, np.ndarray]:
        planes, ids = self._observer.array, self._ids
        return {a: planes[ids[a]].copy() for a in self.agents}

    def _info(self, i: int) -> dict[str, Any]:
        s = self.state_
        return {"level_id": self.level.id, "level_name": self.level.name, "won": bool(s.status[i] == State.WON),
                "steps": int(s.t[i])}

    def grid(self) -> np.ndarray | None:
        """``(H, W) uint8`` tile ids showing the game, every playing player drawn (None before a reset)."""
        return None if self.state_ is None else self.team.grid(self.state_)[0]

    def state(self) -> np.ndarray:
        """The whole game as one array: the tile ids of :meth:`grid`."""
        if self.state_ is None:
            raise RuntimeError("call reset() before state()")
        return self.grid().copy()

    def close(self) -> None:
        self.close_window()
