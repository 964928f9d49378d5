"""Q-networks: one per kind of observation, all ending in the same head.

(The planning network for tile games, :class:`~levelforge.agent.planner.PlanQNet`,
has its own module.)

- :class:`TileQNet`: one-hot tile grids ``(C, H, W)`` of any size. A stack of
  3x3 convolutions (dilated, so that a few layers see the whole level) makes a
  feature map; the head reads the features at the player's cell (the engine's
  player plane marks it) and the map's global maximum. Nothing depends on H
  or W, so one network plays every level size a game allows, and what it
  learns is tied to the player's surroundings, not to absolute positions:
  that is what carries over to levels it never saw.
- :class:`NatureQNet`: the Nature DQN network (Mnih et al. 2015) on
  ``4 x 84 x 84`` Atari frames.
- :class:`MinAtarQNet`: the MinAtar paper's network (Young & Tian 2019): one
  3x3 convolution with 16 filters and a 128-unit layer.
- :class:`MLPQNet`: vectors (CartPole).

Every network takes observations as stored (uint8 grids and frames, float
vectors) and converts them itself.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class QHead(nn.Module):
    """Features -> Q-values: one hidden layer, then dueling streams
    (``Q = V + A - mean(A)``, Wang et al. 2016) or a plain linear layer."""

    def __init__(self, features: int, hidden: int, n_actions: int, dueling: bool) -> None:
        super().__init__()
        self.dueling = dueling
        self.hidden = nn.Sequential(nn.Linear(features, hidden), nn.ReLU())
        self.advantage = nn.Linear(hidden, n_actions)
        self.value = nn.Linear(hidden, 1) if dueling else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.hidden(x)
        a = self.advantage(h)
        if self.value is None:
            return a
        return self.value(h) + a - a.mean(dim=1, keepdim=True)


def conv_stack(in_channels: int, channels: int, depth: int) -> nn.Sequential:
    """``depth`` 3x3 convolutions of ``channels`` filters (same size out), each with a ReLU."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Conv2d(in_channels if i == 0 else channels, channels, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers)


def player_cells(obs: torch.Tensor, player_channel: int) -> torch.Tensor:
    """``(n,)`` flat index (``y * W + x``) of the player's cell in each
    sample; the top-left cell for a sample with no player."""
    n, _, h, w = obs.shape
    return obs[:, player_channel].reshape(n, h * w).argmax(dim=1)


def window(grid: torch.Tensor, where: torch.Tensor, radius: int) -> torch.Tensor:
    """The ``(2r+1) x (2r+1)`` window of every plane of ``grid`` centred on
    cell ``where`` (flat indices, as :func:`player_cells`), zeros outside the
    grid, as ``(n, k * k, c)`` (cells of the window in reading order, planes
    last). Gathers only the window's cells (no copy of the grid). Works on
    any dtype; cheapest on the uint8 planes as stored."""
    n, c, h, w = grid.shape
    k = 2 * radius + 1
    y, x = where // w, where % w
    d = torch.arange(-radius, radius + 1, device=grid.device)
    ys = y[:, None, None] + d[None, :, None]  # (n, k, 1)
    xs = x[:, None, None] + d[None, None, :]  # (n, 1, k)
    inside = ((ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)).reshape(n, 1, k * k)
    at = (ys.clamp(0, h - 1) * w + xs.clamp(0, w - 1)).reshape(n, 1, k * k)
    got = grid.reshape(n, c, h * w).gather(2, at.expand(n, c, k * k))
    return (got * inside).transpose(1, 2)


def egocentric(obs: torch.Tensor, player_channel: int, radius: int) -> torch.Tensor:
    """:func:`window` of every plane centred on the player's cell (the
    ``player_channel`` plane marks it)."""
    return window(obs, player_cells(obs, player_channel), radius)


class TileQNet(nn.Module):
    """Q-network over one-hot tile planes, for any grid size.

    ``depth`` 3x3 convolutions of ``channels`` filters run over the level's
    grid (none: the planes as they are), then the result is cut to a window
    centred on the player (``radius`` tiles each way; a radius of at least
    the level's larger side shows all of it from anywhere) and goes through
    a hidden layer and the head. Convolving the grid before cutting costs
    H x W cells, not the window's (2r+1)^2. Seen from the player, a situation looks the same wherever it
    happens in a level, which is what lets an agent play levels it never
    trained on.
    """

    def __init__(self, in_channels: int, n_actions: int, player_channel: int, channels: int = 32, depth: int = 0,
                 hidden: int = 256, dueling: bool = True, radius: int = 12) -> None:
        super().__init__()
        if not 0 <= player_channel < in_channels:
            raise ValueError(f"player_channel {player_channel} is not one of the {in_channels} input planes")
        if radius < 1:
            raise ValueError("radius must be >= 1")
        self.player_channel = player_channel
        self.radius = radius
        self.k = 2 * radius + 1
        self.convs = conv_stack(in_channels, channels, depth)
        width = channels if depth else in_channels
        self.dense = nn.Sequential(nn.Linear(width * self.k * self.k, hidden), nn.ReLU())
        self.head = QHead(hidden, hidden, n_actions, dueling)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        n = len(obs)
        if len(self.convs):
            view = window(self.convs(obs.float()), player_cells(obs, self.player_channel), self.radius)
        else:
            view = egocentric(obs, self.player_channel, self.radius).float()  # crop the uint8 planes: cheaper
        return self.head(self.dense(view.reshape(n, -1)))


class NatureQNet(nn.Module):
    """The Nature DQN convolutional network on stacked 84 x 84 frames (uint8)."""

    def __init__(self, in_channels: int, n_actions: int, hidden: int = 512, dueling: bool = True) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(in_channels, 32, 8, stride=4), nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1), nn.ReLU(),
            nn.Flatten(),
        )  # fmt: skip
        self.head = QHead(64 * 7 * 7, hidden, n_actions, dueling)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(obs.float() / 255.0))


class MinAtarQNet(nn.Module):
    """MinAtar's DQN network on ``(C, 10, 10)`` binary planes."""

    def __init__(self, in_channels: int, n_actions: int, size: tuple[int, int] = (10, 10), channels: int = 16,
                 hidden: int = 128, dueling: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, 3)
        self.head = QHead(channels * (size[0] - 2) * (size[1] - 2), hidden, n_actions, dueling)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.head(F.relu(self.conv(obs.float())).flatten(1))


class MLPQNet(nn.Module):
    """Two hidden layers over a flat observation vector."""

    def __init__(self, in_features: int, n_actions: int, hidden: int = 128, dueling: bool = True) -> None:
        super().__init__()
        self.trunk = nn.Sequential(nn.Flatten(), nn.Linear(in_features, hidden), nn.ReLU())
        self.head = QHead(hidden, hidden, n_actions, dueling)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(obs.float()))


def build_network(kind: str, obs_shape: tuple[int, ...], n_actions: int, *, channels: int = 32, depth: int = 0,
                  hidden: int = 256, dueling: bool = True, player_channel: int = 0, radius: int = 12,
                  plans: int = 2, wall_channels: tuple[int, ...] = ()) -> nn.Module:
    """The Q-network ``kind`` for observations of ``obs_shape`` (without the batch);
    ``wall_channels``: the planes of tiles nothing passes (the plan network's prior)."""
    if kind == "plan":
        from .planner import PlanQNet

        return PlanQNet(obs_shape[0], n_actions, player_channel, channels, hidden, dueling, radius or 1, plans,
                        depth or 2, wall_channels)
    if kind == "tile":
        return TileQNet(obs_shape[0], n_actions, player_channel, channels, depth, hidden, dueling, radius)
    if kind == "nature":
        if tuple(obs_shape[1:]) != (84, 84):
            raise ValueError(f"the nature network takes (k, 84, 84) frames, got {tuple(obs_shape)}")
        return NatureQNet(obs_shape[0], n_actions, hidden, dueling)
    if kind == "minatar":
        return MinAtarQNet(obs_shape[0], n_actions, tuple(obs_shape[1:]), hidden=hidden, dueling=dueling)
    if kind == "mlp":
        n = 1
        for d in obs_shape:
            n *= int(d)
        return MLPQNet(n, n_actions, hidden, dueling)
    raise ValueError(f"unknown network {kind!r}: plan, tile, nature, minatar or mlp")
