"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from torch import nn

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"


@pytest.fixture
def corpora() -> Path:
    """``../shared/corpora``; tests using it skip where it is absent."""
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present")
    return CORPORA


class _Always(nn.Module):
    """A stand-in Q-network that prefers one action everywhere."""

    def __init__(self, action: int, n_actions: int) -> None:
        super().__init__()
        self.action, self.n = action, n_actions
        self.dummy = nn.Parameter(torch.zeros(1))

    def forward(self, obs):
        q = torch.zeros(len(obs), self.n)
        q[:, self.action] = 1.0
        return q


@pytest.fixture
def always():
    """``always(action, n_actions)``: a Q-network that always picks ``action``."""
    return _Always
