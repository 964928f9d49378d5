"""The planner's value relaxation on a CPU, compiled: Dijkstra instead of rounds.

:func:`levelforge.agent.planner.relax` finds the fixed point of
``v(i) = max(v0(i), max over the neighbours j of i of v(j) - c(i))`` on
grids of a few hundred cells. As rounds of whole-tensor operations that
costs six small tensor operations per round, and a trained network's maps
need as many rounds as the longest path (50-100 in a dungeon), so on a CPU
the relaxation was most of an update. Every cost is positive, so the fixed
point is a shortest-path problem (values only fall along a path) and
Dijkstra's algorithm solves it exactly, cell by cell, in one pass: the cell
with the highest value is final, and offers its value minus their costs to
its neighbours.

The values are bit for bit those of the rounds: the same subtractions
along the same paths, and max-plus needs no other arithmetic. Parents are
then chosen as the rounds' version chooses them (itself first, then the
neighbour above, below, left, right), so the gradient sums over the same
forest; :func:`forest_gradient` adds it up in one pass, children before
parents (the reverse of the order in which Dijkstra fixed the cells).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _sift_up(keys, items, k):
    while k > 0:
        up = (k - 1) >> 1
        if keys[up] >= keys[k]:
            break
        keys[up], keys[k] = keys[k], keys[up]
        items[up], items[k] = items[k], items[up]
        k = up


@njit(cache=True, inline="always")
def _sift_down(keys, items, k, size):
    while True:
        child = 2 * k + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] > keys[child]:
            child += 1
        if keys[k] >= keys[child]:
            break
        keys[child], keys[k] = keys[k], keys[child]
        items[child], items[k] = items[k], items[child]
        k = child


@njit(cache=True, nogil=True)
def fixed_point(v0, cost, h, w, v, parent, order):
    """For each map m (rows of the ``(M, h * w)`` arrays ``v0`` and
    ``cost``, float32 or float64), write the fixed point into ``v[m]``, each cell's parent into
    ``parent[m]`` (0 itself, 1-4 the neighbour above, below, left, right) and
    the cells in the order they became final (highest value first) into
    ``order[m]``."""
    m_maps, n = v0.shape
    cap = 5 * n + 1  # every cell once, plus at most one push per improvement (4 neighbours)
    keys = np.empty(cap, dtype=v0.dtype)
    items = np.empty(cap, dtype=np.int32)
    final = np.zeros(n, dtype=np.uint8)
    for m in range(m_maps):
        vm, cm = v[m], cost[m]
        size = 0
        for i in range(n):
            vm[i] = v0[m, i]
            final[i] = 0
            keys[size] = vm[i]
            items[size] = i
            size += 1
        for k in range((size >> 1) - 1, -1, -1):  # heapify
            _sift_down(keys, items, k, size)
        done = 0
        while size > 0:
            key, j = keys[0], items[0]
            size -= 1
            keys[0], items[0] = keys[size], items[size]
            _sift_down(keys, items, 0, size)
            if final[j] or key < vm[j]:
                continue  # stale entry
            final[j] = 1
            order[m, done] = j
            done += 1
            y, x = j // w, j % w
            for d in range(4):
                if d == 0:
                    if y == 0:
                        continue
                    i = j - w
                elif d == 1:
                    if y == h - 1:
                        continue
                    i = j + w
                elif d == 2:
                    if x == 0:
                        continue
                    i = j - 1
                else:
                    if x == w - 1:
                        continue
                    i = j + 1
                if final[i]:
                    continue
                cand = vm[j] - cm[i]
                if cand > vm[i]:
                    vm[i] = cand
                    keys[size] = cand
                    items[size] = i
                    size += 1
                    _sift_up(keys, items, size - 1)
        # parents, chosen as the rounds' version chooses them
        for i in range(n):
            p = 0
            if vm[i] != v0[m, i]:
                y, x = i // w, i % w
                if y > 0 and vm[i] == vm[i - w] - cm[i]:
                    p = 1
                elif y < h - 1 and vm[i] == vm[i + w] - cm[i]:
                    p = 2
                elif x > 0 and vm[i] == vm[i - 1] - cm[i]:
                    p = 3
                elif x < w - 1 and vm[i] == vm[i + 1] - cm[i]:
                    p = 4
            parent[m, i] = p


@njit(cache=True, nogil=True)
def forest_gradient(grad, parent, order, w, total):
    """``total[m, i]``: the sum of ``grad[m]`` over the cells whose path to
    their root passes through cell ``i`` (``i`` included)."""
    m_maps, n = grad.shape
    for m in range(m_maps):
        for i in range(n):
            total[m, i] = grad[m, i]
        for k in range(n - 1, -1, -1):  # lowest values first: children before their parents
            i = order[m, k]
            p = parent[m, i]
            if p == 1:
                total[m, i - w] += total[m, i]
            elif p == 2:
                total[m, i + w] += total[m, i]
            elif p == 3:
                total[m, i - 1] += total[m, i]
            elif p == 4:
                total[m, i + 1] += total[m, i]
