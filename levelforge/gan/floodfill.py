"""Walking distances over batches of grids, for the placement relations.

A compiled breadth-first search (numba) over ``(N, S, S)`` bool grids: the
placement heads (:mod:`levelforge.gan.placement`) measure how far each cell
is from an earlier group's draw on the decoded terrain, so no gradient flows
through a distance.
"""

from __future__ import annotations

import numpy as np
import torch
from numba import njit

STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def _host(x: torch.Tensor) -> np.ndarray:
    return x.detach().cpu().numpy().astype(np.bool_)


def walking_distance(passable: torch.Tensor, sources: torch.Tensor) -> torch.Tensor:
    """``(N, S, S) int64`` steps from the nearest source over ``passable`` cells (both ``(N, S, S)``
    bool; sources count as passable), -1 where no source can be reached (or there is none).
    Breadth-first search, compiled: no gradient flows through a distance."""
    return torch.from_numpy(_bfs(_host(passable), _host(sources))).to(passable.device)


@njit(cache=True, nogil=True)
def _bfs(passable: np.ndarray, sources: np.ndarray) -> np.ndarray:
    n, h, w = passable.shape
    dist = np.full((n, h, w), -1, dtype=np.int64)
    queue = np.empty(h * w, dtype=np.int64)
    for b in range(n):
        head = tail = 0
        for r in range(h):
            for c in range(w):
                if sources[b, r, c]:
                    dist[b, r, c] = 0
                    queue[tail] = r * w + c
                    tail += 1
        while head < tail:
            cell = queue[head]
            head += 1
            r, c = cell // w, cell % w
            for dr, dc in STEPS:
                nr, nc = r + dr, c + dc
                if 0 <= nr < h and 0 <= nc < w and dist[b, nr, nc] < 0 and (passable[b, nr, nc] or sources[b, nr, nc]):
                    dist[b, nr, nc] = dist[b, r, c] + 1
                    queue[tail] = nr * w + nc
                    tail += 1
    return dist
