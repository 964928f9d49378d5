"""KeySet: an exact, vectorised set of fixed-width byte rows.

The solver keeps every state it has seen. A Python ``set`` costs a Python
step per key; this open-addressing hash table (linear probing) inserts a
whole batch with a few numpy operations per probing round, and compares full
keys, so it is exact: a hash collision only costs another round.
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


class KeySet:
    """A set of ``(width,) uint8`` rows (all of one width)."""

    def __init__(self, width: int, capacity: int = 1 << 12) -> None:
        self.width = int(width)
        self.words = max(1, -(-self.width // 8))
        cap = 1 << max(4, int(capacity - 1).bit_length())
        self._alloc(cap)
        self.size = 0

    def _alloc(self, cap: int) -> None:
        self.cap = cap
        self.mask = np.uint64(cap - 1)
        self.table = np.zeros((cap, self.words), dtype=np.uint64)
        self.used = np.zeros(cap, dtype=bool)
        self.claim = np.zeros(cap, dtype=np.int32)  # row index of the batch claiming a slot

    def __len__(self) -> int:
        return self.size

    def _words(self, keys: np.ndarray) -> np.ndarray:
        n = len(keys)
        if keys.shape[1] != self.width:
            raise ValueError(f"keys are {keys.shape[1]} bytes wide, this set holds {self.width}")
        if self.width % 8 == 0:
            return keys.view(np.uint64)
        buf = np.zeros((n, self.words * 8), dtype=np.uint8)
        buf[:, : self.width] = keys
        return buf.view(np.uint64)

    def _hash(self, words: np.ndarray) -> np.ndarray:
        """Slot of each key: every word mixed in with the murmur3 finaliser, so all
        key bits reach the low bits the mask keeps."""
        h = np.zeros(len(words), dtype=np.uint64)
        for j in range(self.words):
            h ^= words[:, j]
            h ^= h >> _S33
            h *= _M1
            h ^= h >> _S33
            h *= _M2
            h ^= h >> _S33
        return h & self.mask

    def add(self, keys: np.ndarray) -> np.ndarray:
        """Insert ``(n, width) uint8`` rows; return the sorted indices of the rows
        that were new (the first of several equal rows counts as the new one)."""
        if not len(keys):
            return np.zeros(0, dtype=np.int64)
        words = self._words(np.ascontiguousarray(keys))
        if (self.size + len(words)) * 4 > self.cap:  # at most a quarter full: short probe runs
            self._grow(self.size + len(words))
        return self._insert(words)

    def _grow(self, need: int) -> None:
        old = self.table[self.used]
        cap = self.cap
        while need * 4 > cap:
            cap *= 2
        self._alloc(cap)
        self.size = 0
        self._insert(old)

    def _insert(self, words: np.ndarray) -> np.ndarray:
        fresh = np.zeros(len(words), dtype=bool)
        idx = np.arange(len(words), dtype=np.int64)  # rows still looking for their slot
        slot = self._hash(words).astype(np.int64)
        big = np.iinfo(np.int32).max
        mask = int(self.mask)
        while len(idx):
            occupied = self.used[slot]
            differs = occupied.copy()
            if np.count_nonzero(occupied):
                there, mine = self.table[slot[occupied]], words[idx[occupied]]
                d = there[:, 0] != mine[:, 0]
                for j in range(1, self.words):
                    d |= there[:, j] != mine[:, j]
                differs[occupied] = d
            # free slot: claim it; the lowest row index wins, and the others look
            # again next round (rows equal to the winner then find their key)
            free = ~occupied
            cand, cs = idx[free], slot[free]
            self.claim[cs] = big
            np.minimum.at(self.claim, cs, cand.astype(np.int32))
            won = self.claim[cs] == cand
            ws, wc = cs[won], cand[won]
            self.table[ws] = words[wc]
            self.used[ws] = True
            fresh[wc] = True
            self.size += len(wc)
            # someone else's key: probe the next slot; same key: done (seen)
            lost = ~won
            idx = np.concatenate([idx[differs], cand[lost]])
            slot = np.concatenate([(slot[differs] + 1) & mask, cs[lost]])
        return np.flatnonzero(fresh)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """``(n,) bool``: which of the ``(n, width) uint8`` rows the set holds
        (nothing is inserted). A key sits on its probe run before the first
        free slot, and nothing is ever removed, so the search stops there."""
        found = np.zeros(len(keys), dtype=bool)
        if not len(keys):
            return found
        words = self._words(np.ascontiguousarray(keys))
        idx = np.arange(len(words), dtype=np.int64)
        slot = self._hash(words).astype(np.int64)
        mask = int(self.mask)
        while len(idx):
            occupied = self.used[slot]
            idx, slot = idx[occupied], slot[occupied]
            there, mine = self.table[slot], words[idx]
            differs = there[:, 0] != mine[:, 0]
            for j in range(1, self.words):
                differs |= there[:, j] != mine[:, j]
            found[idx[~differs]] = True
            idx, slot = idx[differs], (slot[differs] + 1) & mask
        return found
