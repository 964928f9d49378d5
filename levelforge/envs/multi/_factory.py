"""The PettingZoo entry points of one game: ``parallel_env``, ``env`` and ``raw_env``."""

from __future__ import annotations

from typing import Any, Callable

from pettingzoo.utils import parallel_to_aec

from .team_env import TeamEnv, game_modes


def entry_points(game: str) -> tuple[Callable, Callable, Callable]:
    """``(parallel_env, env, raw_env)`` for ``game``, in the modes :func:`game_modes` allows."""
    modes = game_modes(game)

    def parallel_env(players: int = 2, mode: str = modes[0], **kwargs: Any) -> TeamEnv:
        return TeamEnv(game, players=players, mode=mode, **kwargs)

    def raw_env(players: int = 2, mode: str = modes[0], **kwargs: Any):
        return parallel_to_aec(parallel_env(players=players, mode=mode, **kwargs))

    parallel_env.__doc__ = (f"A {game} game of 2 to 4 players as a PettingZoo ParallelEnv; mode: "
                            f"{' or '.join(modes)} (TeamEnv's keywords: levels, render_mode, max_steps, size).")
    raw_env.__doc__ = "The AEC form of :func:`parallel_env` (pettingzoo.utils.parallel_to_aec)."
    return parallel_env, raw_env, raw_env
