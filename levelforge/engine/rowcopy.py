"""Copying whole state rows between batches, compiled.

Starting new episodes in some rows of a large batch (the vector env's
autoreset, benchmarks) copies a few rows of each of a State's ten arrays.
Done with numpy that is twenty small operations (about 90 us for a batch of
4096 dungeon states with 44 resets, a sixth of a step); compiled it is one
call that touches only the rows it copies.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def _row(dst, src, d, s):
    for k in range(dst.shape[1]):
        dst[d, k] = src[s, k]


@njit(cache=True, nogil=True)
def copy_rows(dst_idx, src_idx, level, pos, facing, items, npc_pos, npc_kind, npc_dir, inv, t, status,
              s_level, s_pos, s_facing, s_items, s_npc_pos, s_npc_kind, s_npc_dir, s_inv, s_t, s_status):  # fmt: skip
    """Row ``dst_idx[i]`` of the first ten arrays becomes row ``src_idx[i]``
    of the last ten, for every i. Returns False, changing nothing, when an
    index is out of range."""
    nd, ns = pos.shape[0], s_pos.shape[0]
    for i in range(dst_idx.shape[0]):
        if not (0 <= dst_idx[i] < nd and 0 <= src_idx[i] < ns):
            return False
    for i in range(dst_idx.shape[0]):
        d, s = dst_idx[i], src_idx[i]
        level[d] = s_level[s]
        pos[d] = s_pos[s]
        facing[d] = s_facing[s]
        t[d] = s_t[s]
        status[d] = s_status[s]
        _row(items, s_items, d, s)
        _row(npc_pos, s_npc_pos, d, s)
        _row(npc_kind, s_npc_kind, d, s)
        _row(npc_dir, s_npc_dir, d, s)
        _row(inv, s_inv, d, s)
    return True


def as_index(idx, n: int) -> np.ndarray:
    """``idx`` (indices, or a mask over ``n`` rows) as a 1-d int64 array."""
    a = np.asarray(idx)
    if a.dtype == np.bool_:
        if a.shape != (n,):
            raise IndexError(f"a row mask must have shape ({n},), got {a.shape}")
        return np.flatnonzero(a)
    if a.dtype.kind not in "iu":
        raise IndexError(f"rows must be integer indices or a mask, got {a.dtype}")
    return a.astype(np.int64, copy=False).reshape(-1)
