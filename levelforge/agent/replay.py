"""Replay buffer for a vector env: E columns of a ring of T rows.

Row ``r`` of column ``e`` holds what environment ``e`` saw at its r-th
vector step: the observation, the action taken from it, the reward, whether
the step terminated (or, in training conventions such as Atari's, lost a
life), whether it ended the episode (terminated or truncated), and whether
the row is a transition at all. Under gymnasium's ``NEXT_STEP`` autoreset the
step after an episode ends only resets the environment; that row holds the
episode's final observation (needed to bootstrap a truncated episode) and is
never sampled itself.

Targets are n-step returns, computed when sampling from the stored rows:
rewards of up to ``n`` steps, cut where the episode ended, then the
observation after the last step, discounted by ``gamma ** m``, or nothing
when that last step terminated. Truncation (a time limit) is not
termination: its final observation is bootstrapped from.

Storage is compact:

- observations are kept in their own dtype (uint8 for grids and frames);
- ``stack > 1`` (frame-stacked observations, Atari's 4 x 84 x 84): only each
  observation's newest frame is stored, and stacks are rebuilt when sampling
  from the frames before it in the same episode (the first frame repeated
  before an episode's start, as gymnasium's ``FrameStackObservation`` pads).
  A million Atari transitions take 7.1 GB instead of 28 GB;
- ``pack_bits``: binary observations (one-hot tile planes) are stored at one
  bit per value, 8 times smaller;
- ``device``: the observations live in that torch device's memory (a GPU's),
  and sampling gathers them there and returns tensors on it. The batch never
  crosses the bus, which is what keeps a GPU learner fed (an Atari batch of
  512 is 29 MB of frames). The small per-step columns stay in host memory.

With ``prioritized``, rows are drawn in proportion to priority ** alpha
(Schaul et al. 2016), new rows at the highest priority so far, and sampling
returns importance weights.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from .sumtree import SumTree

Obs = np.ndarray | torch.Tensor


def to_device(x: Obs, device: torch.device) -> torch.Tensor:
    """``x`` as a tensor on ``device``. Host arrays bound for a GPU are staged
    in pinned memory and copied without blocking: the host goes on (sampling
    the next batch, say) while the GPU works through what it was given."""
    if torch.is_tensor(x):
        return x.to(device, non_blocking=True)
    if device.type == "cuda":
        return torch.from_numpy(np.ascontiguousarray(x)).pin_memory().to(device, non_blocking=True)
    return torch.as_tensor(x, device=device)


class Sample(NamedTuple):
    obs: Obs  # (B, *obs_shape); a tensor on the buffer's device when it has one
    actions: np.ndarray  # (B,) int64
    returns: np.ndarray  # (B,) float32: discounted n-step reward sum
    next_obs: Obs  # (B, *obs_shape): the observation to bootstrap from
    discounts: np.ndarray  # (B,) float32: gamma ** m, or 0 when the m-th step terminated
    weights: np.ndarray  # (B,) float32: importance weights (ones without prioritized replay)
    index: np.ndarray  # (B,) int64: leaf ids, for update_priorities


class ReplayBuffer:
    def __init__(
        self,
        capacity: int,
        num_envs: int,
        obs_shape: tuple[int, ...],
        obs_dtype=np.uint8,
        *,
        n_step: int = 3,
        gamma: float = 0.99,
        stack: int = 1,
        pack_bits: bool = False,
        prioritized: bool = False,
        alpha: float = 0.6,
        eps: float = 1e-6,
        seed: int = 0,
        device: torch.device | str | None = None,
    ) -> None:
        if stack > 1 and (len(obs_shape) < 2 or obs_shape[0] != stack):
            raise ValueError(f"stack={stack} needs observations of shape ({stack}, ...), got {obs_shape}")
        if pack_bits and np.dtype(obs_dtype) not in (np.uint8, np.bool_):
            raise ValueError("pack_bits stores 0/1 observations (uint8 or bool)")
        if pack_bits and device is not None:
            raise ValueError("pack_bits is for host memory; observations on a device are stored as they are")
        self.E = int(num_envs)
        self.n = int(n_step)
        self.gamma = float(gamma)
        self.stack = int(stack)
        self.obs_shape = tuple(int(d) for d in obs_shape)
        self.obs_dtype = np.dtype(obs_dtype)
        self.frame_shape = self.obs_shape[1:] if self.stack > 1 else self.obs_shape
        self.frame_size = math.prod(self.frame_shape)
        self.pack_bits = pack_bits
        # rows needed besides the sampled one: n after it, stack - 1 before it
        self.T = max(-(-int(capacity) // self.E), self.n + self.stack + 1)
        stored = ((self.frame_size + 7) // 8,) if pack_bits else self.frame_shape
        self.device = torch.device(device) if device is not None else None
        self.frames: Obs
        if self.device is not None:
            dtype = torch.from_numpy(np.zeros(0, self.obs_dtype)).dtype
            self.frames = torch.zeros((self.T, self.E, *stored), dtype=dtype, device=self.device)
        else:
            self.frames = np.zeros((self.T, self.E, *stored), dtype=np.uint8 if pack_bits else self.obs_dtype)
        self.actions = np.zeros((self.T, self.E), dtype=np.int16)
        self.rewards = np.zeros((self.T, self.E), dtype=np.float32)
        self.term = np.zeros((self.T, self.E), dtype=bool)  # the step terminated (no bootstrap)
        self.ended = np.zeros((self.T, self.E), dtype=bool)  # the step ended the episode (or a life)
        self.valid = np.zeros((self.T, self.E), dtype=bool)  # the row is a transition
        self.age = np.zeros((self.T, self.E), dtype=np.int32)  # steps since the episode began
        self._next_age = np.zeros(self.E, dtype=np.int32)
        self.rows = 0  # rows written so far
        self._sampleable = False
        self.rng = np.random.default_rng(seed)
        self.prioritized = prioritized
        self.alpha, self.eps = float(alpha), float(eps)
        self.tree = SumTree(self.T * self.E) if prioritized else None
        self.max_priority = 1.0

    # -- size ---------------------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return self.T * self.E

    def __len__(self) -> int:
        """Transitions stored (including rows not yet sampleable)."""
        return min(self.rows, self.T) * self.E

    @property
    def nbytes(self) -> int:
        frames = self.frames.nbytes if isinstance(self.frames, np.ndarray) else self.frames.numel() * self.frames.element_size()
        return frames + sum(a.nbytes for a in (self.actions, self.rewards, self.term, self.ended, self.valid, self.age))

    def _bounds(self) -> tuple[int, int]:
        """Absolute rows that may be sampled: ``lo <= r <= hi``."""
        lo = max(0, self.rows - self.T) + self.stack - 1
        return lo, self.rows - 1 - self.n

    # -- writing ------------------------------------------------------------------------
    def add(self, obs: np.ndarray, actions: np.ndarray, rewards: np.ndarray, terminated: np.ndarray,
            ended: np.ndarray, valid: np.ndarray) -> None:
        """One vector step of all E environments: ``obs`` is what each acted
        on; ``terminated`` (no bootstrap) and ``ended`` (episode, or life, over:
        the n-step return stops) describe the step; ``valid`` is False for a
        NEXT_STEP reset step (``obs`` then is the previous episode's final
        observation)."""
        r = self.rows % self.T
        obs = np.asarray(obs)
        frame = obs[:, -1] if self.stack > 1 else obs
        if self.pack_bits:
            self.frames[r] = np.packbits(frame.reshape(self.E, -1).astype(np.uint8, copy=False), axis=1)
        elif self.device is not None:
            self.frames[r].copy_(torch.from_numpy(np.ascontiguousarray(frame, dtype=self.obs_dtype)))
        else:
            self.frames[r] = frame
        self.actions[r] = actions
        self.rewards[r] = rewards
        self.term[r] = terminated
        self.ended[r] = np.asarray(ended) | np.asarray(terminated)
        self.valid[r] = valid
        self.age[r] = self._next_age
        self._next_age = np.where(self.valid[r], self._next_age + 1, 0).astype(np.int32)
        self.rows += 1
        if self.tree is not None:
            self._refresh_priorities()

    def _refresh_priorities(self) -> None:
        """Keep priority 0 on rows that may not be sampled: the newest n (their
        n-step targets are not written yet) and the oldest stack - 1 (their
        frame history is overwritten); rows that become sampleable get the
        highest priority so far."""
        cols = np.arange(self.E)
        newest = (self.rows - 1) % self.T
        self.tree.set(newest * self.E + cols, 0.0)
        gone = (self.rows - 1 + self.stack - 1) % self.T
        if self.rows > self.T - self.stack + 1:
            self.tree.set(gone * self.E + cols, 0.0)
        ready = self.rows - 1 - self.n
        lo, _ = self._bounds()
        if ready >= lo:
            rr = ready % self.T
            self.tree.set(rr * self.E + cols, np.where(self.valid[rr], self.max_priority, 0.0))

    # -- reading ------------------------------------------------------------------------
    def can_sample(self) -> bool:
        if self._sampleable:  # a transition once sampleable keeps the buffer sampleable (rows only arrive)
            return True
        lo, hi = self._bounds()
        self._sampleable = hi >= lo and bool(self.valid[np.arange(lo, hi + 1) % self.T].any())
        return self._sampleable

    def sample(self, batch: int, beta: float = 0.4) -> Sample:
        lo, hi = self._bounds()
        if hi < lo:
            raise ValueError(f"the buffer holds {self.rows} rows; sampling needs more than {self.n + self.stack - 1}")
        if self.tree is not None:
            leaf = self.tree.sample(batch, self.rng)
            rows, cols = leaf // self.E, leaf % self.E
            p = self.tree.get(leaf) / self.tree.total
            n_live = (hi - lo + 1) * self.E
            w = (n_live * p) ** -beta
            weights = (w / w.max()).astype(np.float32)
        else:
            rows = np.empty(batch, dtype=np.int64)
            cols = np.empty(batch, dtype=np.int64)
            need = np.arange(batch)
            for _ in range(1000):  # redraw the rows that are not transitions (rare)
                rows[need] = self.rng.integers(lo, hi + 1, need.size) % self.T
                cols[need] = self.rng.integers(0, self.E, need.size)
                need = need[~self.valid[rows[need], cols[need]]]
                if need.size == 0:
                    break
            else:
                raise ValueError("the buffer holds no transitions to sample")
            weights = np.ones(batch, dtype=np.float32)
        returns, discounts, m = self._n_step(rows, cols)
        # one gather for both ends of the transitions
        both = self._obs(np.concatenate([rows, (rows + m) % self.T]), np.concatenate([cols, cols]))
        return Sample(
            obs=both[:batch],
            actions=self.actions[rows, cols].astype(np.int64),
            returns=returns,
            next_obs=both[batch:],
            discounts=discounts,
            weights=weights,
            index=rows * self.E + cols,
        )

    def _n_step(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        k = np.arange(self.n)
        rr = (rows[:, None] + k[None, :]) % self.T
        cc = cols[:, None]
        ended = self.ended[rr, cc]
        # step k counts while no earlier step ended the episode
        alive = np.ones_like(ended)
        alive[:, 1:] = np.cumsum(ended[:, :-1], axis=1) == 0
        powers = self.gamma ** k.astype(np.float64)
        returns = (self.rewards[rr, cc] * alive * powers).sum(axis=1)
        m = alive.sum(axis=1)
        last_term = self.term[(rows + m - 1) % self.T, cols]
        discounts = np.where(last_term, 0.0, self.gamma ** m.astype(np.float64))
        return returns.astype(np.float32), discounts.astype(np.float32), m

    def _obs(self, rows: np.ndarray, cols: np.ndarray) -> Obs:
        if self.stack == 1:
            return self._unpack(self._gather(rows, cols))
        age = self.age[rows, cols]
        back = np.minimum(np.arange(self.stack - 1, -1, -1)[None, :], age[:, None])  # (B, S): oldest first
        fr = self._gather((rows[:, None] - back) % self.T, np.broadcast_to(cols[:, None], back.shape))
        return self._unpack(fr.reshape(len(rows) * self.stack, *fr.shape[2:])).reshape(len(rows), *self.obs_shape)

    def _gather(self, rows: np.ndarray, cols: np.ndarray) -> Obs:
        """Stored frames at ``(rows, cols)`` (same shapes), gathered where they live."""
        if self.device is None:
            return self.frames[rows, cols]
        flat = to_device(rows * self.E + cols, self.device)
        return self.frames.view(self.T * self.E, *self.frames.shape[2:])[flat]

    def _unpack(self, stored: Obs) -> Obs:
        if not self.pack_bits:
            return stored
        flat = np.unpackbits(stored, axis=-1, count=self.frame_size)
        return flat.reshape(len(stored), *self.frame_shape).astype(self.obs_dtype, copy=False)

    def update_priorities(self, index: np.ndarray, td_error: np.ndarray) -> None:
        """New priorities ``(|td| + eps) ** alpha`` for sampled leaves ``index``."""
        if self.tree is None:
            return
        p = (np.abs(np.asarray(td_error, dtype=np.float64)) + self.eps) ** self.alpha
        # a leaf may have become unsampleable since it was drawn: keep those at 0
        p = np.where(self.tree.get(index) > 0, p, 0.0)
        self.tree.set(index, p)
        self.max_priority = max(self.max_priority, float(p.max(initial=0.0)))
