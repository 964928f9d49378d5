"""Agent: a trained Q-network and what it was trained for.

An agent knows its network, the observations it takes (shape, and for tile
games the game and its plane names), its number of actions and the config
that trained it. It acts epsilon-greedily on a batch of observations with
one forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .config import DQNConfig
from .networks import build_network


def pick_device(name: str = "auto") -> torch.device:
    """``"auto"``: cuda when available, else cpu."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but torch sees no CUDA GPU (use --device cpu or auto)")
    return torch.device(name)


@dataclass
class Agent:
    net: nn.Module
    config: DQNConfig
    obs_shape: tuple[int, ...]
    n_actions: int
    env: str  #: a levelforge game name, or a gymnasium env id (Atari, MinAtar, CartPole)
    channels: tuple[str, ...] = ()  #: tile games: the observation planes, in order
    player_channel: int = 0
    wall_channels: tuple[int, ...] = ()  #: tile games: the planes of tiles nothing passes (walls)
    stats: dict[str, Any] = field(default_factory=dict)  #: what training measured (steps, returns, ...)

    @classmethod
    def create(cls, config: DQNConfig, obs_shape: tuple[int, ...], n_actions: int, env: str,
               channels: tuple[str, ...] = (), player_channel: int = 0,
               wall_channels: tuple[int, ...] = ()) -> "Agent":
        walls = tuple(int(c) for c in wall_channels)
        net = build_network(config.network, tuple(obs_shape), n_actions, channels=config.channels,
                            depth=config.depth, hidden=config.hidden, dueling=config.dueling,
                            player_channel=player_channel, radius=config.radius, plans=config.plans,
                            wall_channels=walls)
        return cls(net, config, tuple(int(d) for d in obs_shape), int(n_actions), env, tuple(channels), player_channel,
                   walls)

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def to(self, device: torch.device | str) -> "Agent":
        self.net.to(device)
        return self

    @torch.no_grad()
    def q_values(self, obs: np.ndarray) -> torch.Tensor:
        return self.net(torch.as_tensor(np.asarray(obs), device=self.device))

    def act(self, obs: np.ndarray, epsilon: float = 0.0, rng: np.random.Generator | None = None) -> np.ndarray:
        """Epsilon-greedy actions for a batch of observations: one forward
        pass (skipped when epsilon is 1)."""
        b = len(obs)
        rng = rng if rng is not None else np.random.default_rng()
        if epsilon >= 1.0:
            return rng.integers(0, self.n_actions, b)
        greedy = self.q_values(obs).argmax(dim=1).cpu().numpy()
        if epsilon <= 0.0:
            return greedy
        explore = rng.random(b) < epsilon
        return np.where(explore, rng.integers(0, self.n_actions, b), greedy)
