"""The GAN behind the :class:`~levelforge.generators.Generator` interface.

Level ``i`` of ``sample(n, seed, cond)`` comes from child ``i`` of
``SeedSequence(seed)``, exactly as for the procedural generators: that
child draws the latent vector ``z ~ N(0, I)`` and then the feature counts the
request leaves open, from a corpus level's counts (the model's prior). So a
level depends only on the model, the seed, its index and the request; its
``z`` and counts are kept (:meth:`GANGenerator.draw`), so it can be made again
from them alone (:meth:`LevelGAN.levels`).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from ..features import check_request
from ..generators.base import Draw, Generator, child_rngs
from ..level import Level
from .model import LevelGAN


class GANGenerator(Generator):
    """Levels from a trained :class:`LevelGAN`."""

    def __init__(self, gan: LevelGAN, name: str = "gan") -> None:
        self.gan = gan
        self.game = gan.game
        self.cond_keys = frozenset(gan.cond_names)
        self.label = name

    def __repr__(self) -> str:
        return f"GANGenerator({self.game}, {self.gan.height}x{self.gan.width}, latent={self.gan.latent})"

    def check_cond(self, cond: dict[str, Any] | None) -> dict[str, Any]:
        return check_request(self.game, super().check_cond(cond))

    def latents(self, rngs: list[np.random.Generator], request: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """One latent vector ``z ~ N(0, I)`` and one feature vector (a corpus level's, then ``request``
        applied) per rng: ``(len(rngs), latent) float32`` and ``(len(rngs), F) int64``."""
        gan = self.gan
        z = np.empty((len(rngs), gan.latent), dtype=np.float32)
        counts = np.empty((len(rngs), len(gan.cond_names)), dtype=np.int64)
        for i, rng in enumerate(rngs):
            z[i] = rng.standard_normal(gan.latent, dtype=np.float32)
            if len(gan.cond_names):
                counts[i] = gan.cond_prior[rng.integers(len(gan.cond_prior))]
        for name, value in request.items():
            counts[:, gan.cond_names.index(name)] = value
        return z, counts

    def draw(self, n: int, seed: int, cond: dict[str, Any] | None = None, start: int = 0) -> Draw:
        request = self.check_cond(cond)
        z, counts = self.latents(child_rngs(n, seed, start), request)
        names = [f"{self.game}_{self.label}_{seed}_{i}" for i in range(start, start + n)]
        return Draw(self.gan.levels(z, counts, names), z, counts)

    def sample(self, n: int, seed: int, cond: dict[str, Any] | None = None, start: int = 0) -> list[Level]:
        return self.draw(n, seed, cond, start).levels

    def iter_sample(self, n: int, seed: int, cond: dict[str, Any] | None = None, start: int = 0) -> Iterator[Level]:
        yield from self.sample(n, seed, cond, start)  # one batched pass: fast enough to need no progress

    def _one(self, rng: np.random.Generator, name: str | None = None, **cond: Any) -> Level:
        z, counts = self.latents([rng], cond)
        return self.gan.levels(z, counts, [name] if name else None)[0]
