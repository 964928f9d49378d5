"""SumTree: sampling in proportion to priorities, for prioritized replay.

A complete binary tree over ``capacity`` leaves (rounded up to a power of
two) in one array: node ``i`` holds the sum of its children ``2i`` and
``2i + 1``, the root (node 1) the total. Updating k leaves and drawing k
samples are both vectorised over the k, level by level (log2(capacity)
numpy operations, not k Python loops).
"""

from __future__ import annotations

import numpy as np


class SumTree:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = int(capacity)
        self.depth = max(1, int(np.ceil(np.log2(self.capacity))))
        self.leaves = 1 << self.depth
        self.tree = np.zeros(2 * self.leaves, dtype=np.float64)

    @property
    def total(self) -> float:
        return float(self.tree[1])

    def get(self, idx: np.ndarray) -> np.ndarray:
        return self.tree[self.leaves + np.asarray(idx)]

    def set(self, idx: np.ndarray, priority: np.ndarray) -> None:
        """Set leaves ``idx`` to ``priority`` (>= 0). Later duplicates win."""
        idx = np.asarray(idx, dtype=np.int64).ravel()
        p = np.broadcast_to(np.asarray(priority, dtype=np.float64), idx.shape).ravel()
        if idx.size == 0:
            return
        if (p < 0).any() or not np.isfinite(p).all():
            raise ValueError("priorities must be finite and >= 0")
        node = self.leaves + idx
        self.tree[node] = p
        node = np.unique(node >> 1)
        while node[0] >= 1:
            self.tree[node] = self.tree[2 * node] + self.tree[2 * node + 1]
            if node[0] == 1:
                break
            node = np.unique(node >> 1)

    def find(self, mass: np.ndarray) -> np.ndarray:
        """The leaf at each cumulative ``mass`` in ``[0, total)``."""
        v = np.asarray(mass, dtype=np.float64).copy()
        node = np.ones(v.shape, dtype=np.int64)
        for _ in range(self.depth):
            left = 2 * node
            go_right = v >= self.tree[left]
            v = np.where(go_right, v - self.tree[left], v)
            node = left + go_right
        return node - self.leaves

    def sample(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """``k`` leaves drawn with probability proportional to their
        priority, stratified (one draw in each of k equal slices of the
        total mass, which lowers the variance of a batch)."""
        total = self.total
        if total <= 0:
            raise ValueError("nothing to sample: every priority is 0")
        mass = (np.arange(k) + rng.random(k)) * (total / k)
        idx = self.find(np.minimum(mass, np.nextafter(total, 0)))
        # rounding can land on an empty leaf next to a slice boundary: redraw those
        for _ in range(32):
            empty = self.tree[self.leaves + idx] <= 0
            if not empty.any():
                break
            idx[empty] = self.find(rng.random(int(empty.sum())) * total)
        return idx
