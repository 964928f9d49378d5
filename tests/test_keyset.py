"""KeySet: the solver's exact vectorised visited set, against a Python set."""

from __future__ import annotations

import numpy as np
import pytest

from levelforge.solve.keyset import KeySet


@pytest.mark.parametrize("width", [1, 7, 8, 9, 23])
def test_keyset_matches_python_set(width):
    rng = np.random.default_rng(width)
    ks = KeySet(width, capacity=16)  # tiny: forces many rounds of growth
    seen: set[bytes] = set()
    for _ in range(30):
        # few distinct values, so batches repeat keys within and across batches
        n = int(rng.integers(0, 400))
        keys = rng.integers(0, 3, size=(n, width), dtype=np.uint8)
        probe = rng.integers(0, 3, size=(50, width), dtype=np.uint8)
        assert ks.contains(probe).tolist() == [row.tobytes() in seen for row in probe]
        want = []
        for i, row in enumerate(keys):
            b = row.tobytes()
            if b not in seen:
                seen.add(b)
                want.append(i)
        got = ks.add(keys)
        assert got.tolist() == want
        assert ks.contains(keys).all()
        assert len(ks) == len(seen)


def test_keyset_collisions_are_exact():
    # keys differing only in the last byte of a second word
    ks = KeySet(16, capacity=16)
    keys = np.zeros((300, 16), dtype=np.uint8)
    keys[:, 15] = np.arange(300) % 256
    keys[:, 14] = np.arange(300) // 256
    assert ks.add(keys).tolist() == list(range(300))
    assert ks.add(keys[::-1]).tolist() == []
    other = keys.copy()
    other[:, 13] = 1  # same low words, a byte further up differs
    assert not ks.contains(other).any() and ks.contains(keys).all()
    with pytest.raises(ValueError, match="8 bytes wide"):
        ks.add(np.zeros((1, 8), dtype=np.uint8))
