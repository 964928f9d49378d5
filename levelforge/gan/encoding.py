"""Levels as GAN tensors: one-hot tile planes on a power-of-two canvas.

A level of ``H x W`` tiles of a game with ``T`` tile ids becomes a
``(T + 1, S, S) float32`` tensor, ``S`` the smallest power of two >= max(H, W)
(as MarioGAN pads its 14 x 28 windows to 32 x 32): planes ``0..T-1`` are the
tiles' one-hot, and plane ``T`` marks *padding*, the canvas outside the level.
Padding is not the generator's to choose: :func:`fix_padding` overwrites the
region outside the level with the padding plane, on real and generated
tensors alike, so the critic never sees a difference there. Decoding takes the
arg-max tile of each cell inside the level (:func:`decode`).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..level import Level


def canvas_size(height: int, width: int) -> int:
    """The smallest power of two (at least 4) holding ``height`` and ``width``."""
    s = 4
    while s < max(height, width):
        s *= 2
    return s


def level_mask(height: int, width: int, size: int) -> torch.Tensor:
    """``(1, 1, S, S) float32``: 1 inside the level (top-left ``H x W``), 0 on padding."""
    m = torch.zeros(1, 1, size, size)
    m[..., :height, :width] = 1.0
    return m


def encode(levels: Sequence[Level], n_tiles: int, size: int) -> torch.Tensor:
    """``(N, T + 1, S, S) float32`` one-hot tensors of ``levels`` (all one size)."""
    shapes = {lv.grid.shape for lv in levels}
    if len(shapes) != 1:
        raise ValueError(f"levels of one size are needed, got {sorted(shapes)}")
    h, w = shapes.pop()
    ids = torch.full((len(levels), size, size), n_tiles, dtype=torch.int64)
    ids[:, :h, :w] = torch.from_numpy(np.stack([lv.grid for lv in levels]).astype(np.int64))
    return torch.nn.functional.one_hot(ids, n_tiles + 1).permute(0, 3, 1, 2).float().contiguous()


def fix_padding(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``x`` ``(N, T + 1, S, S)`` with every padding cell set to the padding plane's one-hot."""
    pad = torch.zeros(1, x.shape[1], 1, 1, device=x.device)
    pad[0, -1] = 1.0
    return x * mask + pad * (1.0 - mask)


def cell_argmax(x: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W) -> (N, H, W)``: each cell's largest channel (the first on ties), what
    ``x.argmax(dim=1)`` gives; on the CPU ``max`` over the channels is 10-20x faster than it."""
    return x.max(dim=1).indices


def decode(x: torch.Tensor, height: int, width: int) -> np.ndarray:
    """``(N, H, W) uint8`` tile ids: each cell's most likely tile (padding plane excluded)."""
    return cell_argmax(x[:, :-1, :height, :width]).to(torch.uint8).cpu().numpy()
