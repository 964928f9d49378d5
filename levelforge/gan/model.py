"""A trained level GAN: the networks plus what turns their tensors into levels.

:class:`LevelGAN` knows its game, the level size and canvas, the latent size,
the conditioning features with their scale, and the feature vectors of the
corpus (the *prior*: a sample that asks for no feature value takes a corpus
level's, so unconditioned samples look like the corpus). It maps latent
vectors and feature counts to levels (:meth:`LevelGAN.levels`); drawing
latents from seeds is :class:`levelforge.gan.GANGenerator`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..game import load_game
from ..level import Level
from .encoding import decode, fix_padding, level_mask
from .models import LevelCritic, LevelGenerator
from .placement import PlacementHeads, placement_groups


@dataclass
class LevelGAN:
    """Generator (and critic, for further training) of ``height x width`` levels of ``game``."""

    game: str
    height: int
    width: int
    size: int
    latent: int
    net_width: int
    cond_names: tuple[str, ...]
    cond_scale: np.ndarray  # (F,) float32: counts are divided by this before the networks see them
    cond_prior: np.ndarray  # (K, F) int64: feature counts of the corpus levels
    generator: LevelGenerator
    critic: LevelCritic | None = None
    config: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    #: the training levels' grids ``(N, height, width) uint8`` (novelty is measured against them), when kept
    corpus: np.ndarray | None = None
    #: the training levels' content hashes (kept where the grids themselves may not be shipped)
    corpus_ids: tuple[str, ...] = ()

    def training_levels(self) -> list[Level]:
        """The training levels this model file keeps (empty when it keeps only their hashes)."""
        if self.corpus is None:
            return []
        return [Level(self.game, g, f"{self.game}_train_{i}") for i, g in enumerate(self.corpus)]

    @classmethod
    def create(cls, game: str, height: int, width: int, size: int, latent: int, net_width: int,
               cond_names: tuple[str, ...], cond_scale: np.ndarray, cond_prior: np.ndarray,
               with_critic: bool = True, config: dict[str, Any] | None = None) -> "LevelGAN":
        """Fresh (untrained) networks for these settings."""
        spec = load_game(game)
        planes = len(spec.tiles) + 1
        n_cond = len(cond_names)
        prior = np.asarray(cond_prior, dtype=np.int64)
        prior = prior.reshape(len(prior) if prior.ndim == 2 else -1, n_cond)  # (N, F), also with no features
        heads = PlacementHeads(placement_groups(spec, tuple(cond_names)), size, height, width,
                               torch.as_tensor(np.asarray(cond_scale, dtype=np.float32)),
                               spec.tile(spec.ground).id, len(spec.tiles))
        return cls(
            game, height, width, size, latent, net_width, tuple(cond_names),
            np.asarray(cond_scale, dtype=np.float32), prior,
            LevelGenerator(latent, n_cond, planes - 1, size, net_width, heads=heads),
            LevelCritic(planes, n_cond, size, net_width) if with_critic else None,
            dict(config or {}),
        )  # fmt: skip

    def mask(self, device: torch.device | str = "cpu") -> torch.Tensor:
        return level_mask(self.height, self.width, self.size).to(device)

    def cond_tensor(self, counts: np.ndarray | torch.Tensor, device: torch.device | str = "cpu") -> torch.Tensor:
        """Feature counts ``(N, F)`` as the networks' scaled ``(N, F) float32`` input."""
        c = torch.as_tensor(np.asarray(counts, dtype=np.float32), device=device)
        return c / torch.as_tensor(self.cond_scale, device=device)

    def probabilities(self, z: torch.Tensor, counts: np.ndarray | torch.Tensor) -> torch.Tensor:
        """``(N, planes, S, S)`` tile probabilities (padding fixed) for latents ``z`` and feature counts."""
        logits = self.generator(z, self.cond_tensor(counts, z.device))
        tiles = torch.softmax(logits, dim=1)  # inside the level, a cell holds a tile, never padding
        return fix_padding(torch.cat([tiles, torch.zeros_like(tiles[:, :1])], dim=1), self.mask(z.device))

    @torch.no_grad()
    def levels(self, z: np.ndarray | torch.Tensor, counts: np.ndarray, names: list[str] | None = None,
               batch: int = 512) -> list[Level]:
        """The levels (arg-max tiles) for latents ``z`` ``(N, latent)`` and feature counts ``(N, F)``."""
        device = next(self.generator.parameters()).device
        z = torch.as_tensor(np.asarray(z, dtype=np.float32), device=device)
        counts = np.asarray(counts).reshape(len(z), len(self.cond_names))
        grids = [decode(self.probabilities(z[s : s + batch], counts[s : s + batch]), self.height, self.width)
                 for s in range(0, len(z), batch)]
        flat = np.concatenate(grids) if grids else np.zeros((0, self.height, self.width), dtype=np.uint8)
        return [Level(self.game, g, None if names is None else names[i]) for i, g in enumerate(flat)]
