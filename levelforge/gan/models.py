"""The DCGAN-style generator and critic over one-hot tile planes.

Both are small convolutional nets on the ``S x S`` canvas of
:mod:`levelforge.gan.encoding` (``S`` a power of two, at least 8), conditioned
on a feature vector ``c`` (:mod:`levelforge.features`, scaled to about [0, 1]):

- :class:`LevelGenerator`: ``[z, c]`` -> a linear layer to ``4 x 4`` maps ->
  transposed convolutions that double the size up to ``S`` (each with
  GroupNorm and ReLU) -> beside them, ``spatial`` full-size planes that are a
  fixed random projection of ``z`` (cell-level randomness, so where the
  avatar or a box goes can change from latent to latent at no cost, while
  ``z`` stays the level's whole provenance) -> a 3 x 3 convolution to one
  logit per tile plane.
  Then the placement heads (:mod:`levelforge.gan.placement`) draw the
  cells of the counted objects (the avatar, "3 monsters").
  GroupNorm rather than DCGAN's BatchNorm, so that a sample depends on its
  own latent vector alone (not on the rest of the batch): the same seed gives
  the same level in any batch.
- :class:`LevelCritic`: judges ``pack`` levels at once, stacked as one input
  (PacGAN, Lin et al. 2018: two generated levels with the avatar on the same
  cell are easy to tell from two real ones, so the generator cannot settle
  every object on a favourite cell); strided convolutions halving the size
  down to ``4 x 4``
  (LeakyReLU, no normalisation, as the gradient penalty of WGAN-GP asks),
  then a minibatch-standard-deviation plane (Karras et al. 2018, against
  mode collapse), a linear score, plus the mean of per-window scores after
  the first strided convolution (a PatchGAN term, Isola et al. 2017: each
  6 x 6 window judged on its own, for the local patterns that tile-pattern
  KL measures), and a projection term
  ``<embed(c), features(x)>`` (Miyato & Koyama 2018), so the critic judges
  whether a level fits its feature vector and not only whether it looks real.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .placement import PlacementHeads


def _doublings(size: int) -> int:
    k = int(math.log2(size)) - 2
    if size < 8 or 2 ** (k + 2) != size:
        raise ValueError(f"the canvas must be a power of two >= 8, got {size}")
    return k


class LevelGenerator(nn.Module):
    """``(z (N, latent), c (N, n_cond))`` -> logits ``(N, tiles, S, S)``, one per tile id (the
    padding plane is not the generator's to choose)."""

    def __init__(self, latent: int, n_cond: int, tiles: int, size: int, width: int = 64, spatial: int = 4,
                 heads: PlacementHeads | None = None) -> None:
        super().__init__()
        self.heads = heads
        k = _doublings(size)
        self.latent, self.n_cond, self.spatial, self.size = latent, n_cond, spatial, size
        # a fixed random map of z to `spatial` full-size planes: cell-level randomness that
        # is still a function of z alone (so z stays a level's whole provenance)
        n_noise = spatial + (heads.noise_planes if heads is not None else 0)
        spread = torch.randn(latent, n_noise * size * size, generator=torch.Generator().manual_seed(0))
        self.register_buffer("spread", spread / latent**0.5)
        ch = width * 2 ** (k - 1) if k else width
        self.start_channels = ch
        self.project = nn.Sequential(nn.Linear(latent + n_cond, ch * 16), nn.ReLU())
        blocks: list[nn.Module] = []
        for _ in range(k):
            out = max(width, ch // 2)
            blocks += [nn.ConvTranspose2d(ch, out, 4, 2, 1), nn.GroupNorm(min(8, out), out), nn.ReLU()]
            ch = out
        self.up = nn.Sequential(*blocks)
        self.out = nn.Conv2d(ch + spatial, tiles, 3, padding=1)

    def forward(self, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        h = self.project(torch.cat([z, c], dim=1)).view(len(z), self.start_channels, 4, 4)
        noise = (z @ self.spread).view(len(z), -1, self.size, self.size)  # ~ N(0, 1) per cell
        logits = self.out(torch.cat([self.up(h), noise[:, : self.spatial]], dim=1))
        return logits if self.heads is None else self.heads(logits, noise[:, self.spatial :], c)


def minibatch_std(h: torch.Tensor, group: int = 4) -> torch.Tensor:
    """``h`` ``(N, C, H, W)`` plus one plane: the standard deviation of the features
    across each group of ``group`` samples, averaged (Karras et al. 2018). A batch
    of near-identical levels shows there, so the critic can punish mode collapse."""
    n = len(h)
    g = min(group, n)
    if n % g:
        g = 1
    y = h.view(g, n // g, *h.shape[1:])
    std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # (N / g,)
    return torch.cat([h, std.repeat(g)[:, None, None, None].expand(n, 1, *h.shape[2:])], dim=1)


class LevelCritic(nn.Module):
    """``(x (N, planes, S, S), c (N, n_cond))`` -> scores ``(N // pack,)`` (higher: more
    real), one per group of ``pack`` consecutive levels."""

    def __init__(self, planes: int, n_cond: int, size: int, width: int = 64, pack: int = 2) -> None:
        super().__init__()
        k = _doublings(size)
        self.pack = pack
        planes, n_cond = planes * pack, n_cond * pack
        ch = width * 2
        self.stem = nn.Sequential(nn.Conv2d(planes, width, 3, padding=1), nn.LeakyReLU(0.2),
                                  nn.Conv2d(width, ch, 4, 2, 1), nn.LeakyReLU(0.2))
        self.patch = nn.Conv2d(ch, 1, 1)  # one score per 6 x 6 window: the local look of a level
        layers: list[nn.Module] = []
        for _ in range(k - 1):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1), nn.LeakyReLU(0.2)]
            ch *= 2
        self.body = nn.Sequential(*layers)
        self.features = (ch + 1) * 16  # + the minibatch standard deviation plane
        self.score = nn.Linear(self.features, 1)
        self.embed = nn.Linear(n_cond, self.features, bias=False) if n_cond else None

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        n = len(x) // self.pack  # each score judges `pack` levels at once (PacGAN)
        x = x[: n * self.pack].reshape(n, -1, *x.shape[2:])
        c = c[: n * self.pack].reshape(n, -1)
        local = self.stem(x)
        h = minibatch_std(self.body(local)).flatten(1)
        out = self.score(h).squeeze(1) + self.patch(local).mean(dim=(1, 2, 3))
        if self.embed is not None:
            out = out + (self.embed(c) * h).sum(dim=1) / math.sqrt(self.features)
        return out
