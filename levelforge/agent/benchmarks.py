"""The DQN's benchmark environments: CartPole, MinAtar and Atari.

The same learner that plays the tile games plays these, so its numbers can
be compared with published DQN results:

- ``CartPole-v1``: gymnasium's classic control task (no extra install);
- ``MinAtar/<Game>-v1``: MinAtar (Young & Tian 2019; ``pip install
  "levelforge[minatar]"``), 10 x 10 binary planes, given to the network as
  ``(C, 10, 10)`` uint8;
- ``ALE/<Game>-v5``: Atari through ale-py (``pip install "levelforge[atari]"``;
  the ROMs ship in its wheel), preprocessed by gymnasium's own wrappers as in
  published DQN runs: ``AtariPreprocessing`` on a ``frameskip=1`` env (up to
  30 no-op starts, 4-frame skip with max-pooling, 84 x 84 grayscale), then
  ``FrameStackObservation(4)``. ALE v5's sticky actions (25%) stay on. Life
  loss ends the bootstrap in training only and rewards are clipped to their
  sign in training only (both in the learner: :attr:`DQNConfig.life_loss_terminal`,
  :attr:`DQNConfig.clip_rewards`); episodes and returns are the game's own.

:func:`preset` gives each family the settings its benchmarks use; Atari
has two: ``standard`` (the Nature DQN's schedule, for long runs) and
``gpu`` (minutes on one GPU with many CPU cores: see :data:`ATARI_GPU`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gymnasium as gym
import numpy as np

from ..errors import LevelforgeError
from .config import DQNConfig
from .policy import Agent


class BenchmarkEnvError(LevelforgeError):
    """A benchmark environment that cannot be made (unknown id, missing extra)."""


def family(env_id: str) -> str:
    if env_id.startswith("ALE/"):
        return "atari"
    if env_id.startswith("MinAtar/"):
        return "minatar"
    if env_id in ("CartPole-v1", "CartPole-v0"):
        return "classic"
    raise BenchmarkEnvError(f"unknown benchmark env {env_id!r}: use CartPole-v1, MinAtar/<Game>-v1 or ALE/<Game>-v5")


class _ChannelsFirst(gym.ObservationWrapper):
    """MinAtar's ``(10, 10, C)`` bool planes as ``(C, 10, 10)`` uint8."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        h, w, c = env.observation_space.shape
        self.observation_space = gym.spaces.Box(0, 1, (c, h, w), dtype=np.uint8)

    def observation(self, obs):
        return np.ascontiguousarray(np.asarray(obs, dtype=np.uint8).transpose(2, 0, 1))


def _register(fam: str) -> None:
    if fam == "atari":
        try:
            import ale_py
        except ImportError:
            raise BenchmarkEnvError('Atari needs ale-py: pip install "levelforge[atari]"') from None
        gym.register_envs(ale_py)
    elif fam == "minatar":
        if "MinAtar/Breakout-v1" in gym.registry:  # registered already (it warns when done twice)
            return
        try:
            import minatar.gym as minatar_gym
        except ImportError:
            raise BenchmarkEnvError('MinAtar needs minatar: pip install "levelforge[minatar]"') from None
        minatar_gym.register_envs()


def make_single(env_id: str, **kwargs: Any) -> gym.Env:
    """One preprocessed environment (what each vector slot runs)."""
    fam = family(env_id)
    _register(fam)
    try:
        if fam == "atari":
            env = gym.make(env_id, frameskip=1, **kwargs)
            env = gym.wrappers.AtariPreprocessing(env, noop_max=30, frame_skip=4, screen_size=84,
                                                  terminal_on_life_loss=False, grayscale_obs=True, scale_obs=False)
            return gym.wrappers.FrameStackObservation(env, 4)
        env = gym.make(env_id, **kwargs)
    except gym.error.Error as e:
        raise BenchmarkEnvError(f"cannot make {env_id!r}: {e}") from None
    return _ChannelsFirst(env) if fam == "minatar" else env


def make_vector(env_id: str, num_envs: int, asynchronous: bool = False) -> gym.vector.VectorEnv:
    """``num_envs`` copies in a gymnasium vector env (NEXT_STEP autoreset, as the learner needs)."""
    fns = [lambda: make_single(env_id) for _ in range(num_envs)]
    make_single(env_id).close()  # fail here, in this process, with a clear error
    cls = gym.vector.AsyncVectorEnv if asynchronous else gym.vector.SyncVectorEnv
    return cls(fns, autoreset_mode=gym.vector.AutoresetMode.NEXT_STEP)


#: Atari in minutes on one GPU: 16 environments stepping in subprocesses while
#: the GPU trains (two updates of 256 per vector step, each replayed as a CUDA
#: graph: 32 samples per agent step, four times Nature's replay ratio), a
#: fresher buffer, epsilon down to 0.01 within the first 250k steps. With
#: ``max_seconds`` the step count is a horizon for the epsilon schedule rather
#: than a goal. Pong: +14.1 after 7.2 minutes on an H200 (docs/benchmarks.md).
ATARI_GPU = dict(steps=5_000_000, num_envs=16, batch_size=256, train_every=8, lr=2e-4, buffer_size=500_000,
                 learning_starts=20_000, target_every=1_000, eps_fraction=0.05, log_every=100_000)
PRESETS = ("standard", "gpu")


def preset(env_id: str, steps: int | None = None, variant: str = "standard", **changes: Any) -> DQNConfig:
    """The settings the benchmarks use for ``env_id``'s family (overridable);
    ``variant="gpu"``: :data:`ATARI_GPU` (Atari only)."""
    fam = family(env_id)
    if variant not in PRESETS:
        raise BenchmarkEnvError(f"unknown preset {variant!r}: use one of {', '.join(PRESETS)}")
    if variant == "gpu" and fam != "atari":
        raise BenchmarkEnvError(f"the gpu preset is for Atari (ALE/...), not {env_id}")
    if fam == "classic":  # CleanRL's CartPole DQN, but a 50k buffer and Polyak targets (steadier: docs/benchmarks.md)
        cfg = DQNConfig(steps=500_000, num_envs=4, network="mlp", hidden=128, lr=2.5e-4, batch_size=128,
                        buffer_size=50_000, train_every=10, learning_starts=10_000, tau=0.005,
                        eps_start=1.0, eps_end=0.05, eps_fraction=0.5, gamma=0.99, n_step=3, log_every=10_000)
    elif fam == "minatar":  # the MinAtar paper's DQN (one-step targets), with Adam, Double DQN and dueling;
        # epsilon to 0.01 over the first 10%: 3-step targets and epsilon 0.1 left Freeway at 6.5 (docs/benchmarks.md)
        cfg = DQNConfig(steps=500_000, num_envs=4, network="minatar", hidden=128, lr=2.5e-4, adam_eps=3.125e-4,
                        batch_size=32, buffer_size=100_000, train_every=1, learning_starts=5_000, target_every=1_000,
                        eps_start=1.0, eps_end=0.01, eps_fraction=0.1, gamma=0.99, n_step=1, log_every=10_000)
    else:  # Nature DQN conventions; n-step, Double and dueling on
        cfg = DQNConfig(steps=10_000_000, num_envs=8, network="nature", hidden=512, lr=1e-4, adam_eps=1.5e-4,
                        batch_size=32, buffer_size=1_000_000, train_every=4, learning_starts=80_000,
                        target_every=2_000, eps_start=1.0, eps_end=0.01, eps_fraction=0.1, gamma=0.99, n_step=3,
                        clip_rewards=True, life_loss_terminal=True, log_every=50_000)
        if variant == "gpu":
            cfg = replace(cfg, **ATARI_GPU)
    if steps is not None:
        changes["steps"] = steps
    return replace(cfg, **changes)


def benchmark_agent(config: DQNConfig, env: gym.vector.VectorEnv, env_id: str) -> Agent:
    """A new agent for a benchmark vector env."""
    return Agent.create(config, env.single_observation_space.shape, int(env.single_action_space.n), env_id)


def evaluate(agent: Agent, env_id: str, episodes: int = 10, epsilon: float = 0.001, seed: int = 10_000,
             max_steps: int = 108_000, asynchronous: bool = False) -> list[float]:
    """Returns of ``episodes`` full evaluation episodes (the game's own ends
    and rewards), played in parallel, epsilon-greedy (``asynchronous``: each
    in a subprocess)."""
    env = make_vector(env_id, episodes, asynchronous)
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    total = np.zeros(episodes)
    finished = np.zeros(episodes, dtype=bool)
    for _ in range(max_steps):
        obs, r, term, trunc, _ = env.step(agent.act(obs, epsilon, rng))
        total += np.where(finished, 0.0, r)
        finished |= np.asarray(term) | np.asarray(trunc)
        if finished.all():
            break
    env.close()
    return total.tolist()
