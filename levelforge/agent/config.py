"""DQNConfig: every hyper-parameter of a DQN run, in one place.

Saved inside checkpoints (as a plain dict) and printed at the start of each
run, so any result can be traced to the settings that made it. Step counts
are environment steps summed over all environments of the vector env.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..settings import Settings


@dataclass
class DQNConfig(Settings):
    # -- the run --------------------------------------------------------------------
    steps: int = 200_000  #: environment steps to train for (all envs together)
    num_envs: int = 64  #: environments stepped together by the vector env
    seed: int = 0
    device: str = "auto"  #: "cpu", "cuda" or "auto" (cuda when available)
    max_seconds: float = 0.0  #: stop after this much wall time, whatever the step count (0: no limit)

    # -- the learner ----------------------------------------------------------------
    gamma: float = 0.99
    n_step: int = 3  #: n-step returns (1: plain one-step targets)
    double: bool = True  #: Double DQN targets (the online net picks, the target net rates)
    dueling: bool = True  #: dueling head (value + advantage streams)
    lr: float = 2.5e-4  #: Adam learning rate
    adam_eps: float = 1.5e-4
    max_grad_norm: float = 10.0  #: gradient clipping (global norm); 0: off
    huber_delta: float = 1.0
    batch_size: int = 128
    train_every: float = 4.0  #: environment steps per gradient update (the inverse replay ratio)
    learning_starts: int = 10_000  #: environment steps of random play before the first update
    target_every: int = 1_000  #: gradient updates between hard target copies (when tau == 1)
    tau: float = 1.0  #: Polyak factor per update (< 1: soft updates every update instead of hard copies)

    # -- exploration ----------------------------------------------------------------
    eps_start: float = 1.0
    eps_end: float = 0.05
    eps_fraction: float = 0.25  #: part of ``steps`` over which epsilon falls linearly

    # -- replay ---------------------------------------------------------------------
    buffer_size: int = 200_000  #: transitions kept (all envs together)
    prioritized: bool = False  #: prioritized replay (proportional, Schaul et al. 2016)
    per_alpha: float = 0.6
    per_beta_start: float = 0.4  #: importance-weight exponent, annealed linearly to 1 over the run
    per_eps: float = 1e-6
    #: where stored observations live: "host" (numpy, host memory), "device" (torch tensors on the
    #: training device), "auto" (the GPU's memory when training on one, else host)
    replay_device: str = "auto"
    #: on a GPU, capture the gradient step as a CUDA graph and replay it (cudagraph.py): several times
    #: faster for small networks; not with prioritized replay or demonstrations
    cuda_graph: bool = True

    # -- demonstrations (see demos.py) ---------------------------------------------------
    demo_fraction: float = 0.0  #: share of each batch drawn from demonstrations (when the learner is given some)
    demo_margin: float = 0.8  #: large-margin loss on demonstrated actions (0: off)
    pretrain_updates: int = 0  #: updates on demonstrations alone before the first step (DQfD's pre-training)

    # -- the network ----------------------------------------------------------------
    #: "plan" (one-hot grids, with a planner: planner.py), "tile" (one-hot grids, a window around the
    #: player), "nature" (Atari 4x84x84), "minatar", "mlp" (vectors)
    network: str = "tile"
    channels: int = 32  #: conv width (plan, tile)
    depth: int = 0  #: 3x3 conv layers (tile: before the head, 0 = none; plan: cell features, 0 = 2)
    #: the window around the player, in tiles each way (tile: 0 = the whole training level from anywhere;
    #: plan: 0 = 1, the player's neighbours)
    radius: int = 0
    plans: int = 2  #: plan: value maps propagated side by side (goals of different kinds, such as key and door)
    hidden: int = 256  #: width of the head's hidden layer

    # -- conventions of published Atari runs ------------------------------------------
    clip_rewards: bool = False  #: learn from sign(reward); returns are logged unclipped
    life_loss_terminal: bool = False  #: a lost life ends the bootstrap (training only)

    # -- logging --------------------------------------------------------------------
    log_every: int = 10_000  #: environment steps between CSV rows
    window: int = 100  #: episodes in the running mean return and success rate

    extra: dict[str, Any] = field(default_factory=dict)  #: free-form notes kept with the run

    def __post_init__(self) -> None:
        checks = [
            (self.steps >= 0, "steps must be >= 0"),
            (self.num_envs >= 1, "num_envs must be >= 1"),
            (0.0 <= self.gamma <= 1.0, "gamma must be in [0, 1]"),
            (self.n_step >= 1, "n_step must be >= 1"),
            (self.lr > 0, "lr must be > 0"),
            (self.batch_size >= 1, "batch_size must be >= 1"),
            (self.train_every > 0, "train_every must be > 0"),
            (self.target_every >= 1, "target_every must be >= 1"),
            (0.0 < self.tau <= 1.0, "tau must be in (0, 1]"),
            (0.0 <= self.eps_end <= self.eps_start <= 1.0, "need 0 <= eps_end <= eps_start <= 1"),
            (0.0 < self.eps_fraction <= 1.0, "eps_fraction must be in (0, 1]"),
            (self.buffer_size >= self.batch_size, "buffer_size must be >= batch_size"),
            (self.radius >= 0, "radius must be >= 0"),
            (0.0 <= self.demo_fraction < 1.0, "demo_fraction must be in [0, 1)"),
            (self.network in ("plan", "tile", "nature", "minatar", "mlp"), "network must be plan, tile, nature, minatar or mlp"),
            (self.plans >= 1, "plans must be >= 1"),
            (self.pretrain_updates >= 0, "pretrain_updates must be >= 0"),
            (self.device in ("cpu", "cuda", "auto"), "device must be cpu, cuda or auto"),
            (self.replay_device in ("host", "device", "auto"), "replay_device must be host, device or auto"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(f"DQNConfig: {msg}")

    def epsilon(self, step: int) -> float:
        """The exploration rate after ``step`` environment steps (linear, then flat)."""
        span = max(1.0, self.eps_fraction * self.steps)
        frac = min(1.0, step / span)
        return self.eps_start + frac * (self.eps_end - self.eps_start)
