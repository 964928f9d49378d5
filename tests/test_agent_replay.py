"""The replay buffer: n-step targets, frame stacks, bit packing, priorities."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from levelforge.agent.replay import ReplayBuffer
from levelforge.agent.sumtree import SumTree


def _stream(buf: ReplayBuffer, steps: int, seed: int, p_term=0.08, p_trunc=0.05, make_obs=None):
    """Feed ``buf`` a NEXT_STEP vector-env stream; return each column's rows as
    dicts (the reference to check samples against). Observation ids are unique."""
    rng = np.random.default_rng(seed)
    E = buf.E
    rows = [[] for _ in range(E)]
    prev_done = np.zeros(E, dtype=bool)
    for t in range(steps):
        ids = t * E + np.arange(E)
        obs = make_obs(ids, t) if make_obs else ids[:, None].astype(np.int64)
        a = rng.integers(0, 4, E)
        r = rng.normal(size=E).round(2)
        term = rng.random(E) < p_term
        trunc = ~term & (rng.random(E) < p_trunc)
        valid = ~prev_done
        r, term, trunc = np.where(valid, r, 0.0), term & valid, trunc & valid
        buf.add(obs, a, r, term, trunc, valid)
        for e in range(E):
            rows[e].append(dict(id=int(ids[e]), a=int(a[e]), r=float(r[e]), term=bool(term[e]),
                                ended=bool(term[e] or trunc[e]), valid=bool(valid[e])))
        prev_done = term | trunc
    return rows


def _reference(col, i, n, gamma):
    ret, m = 0.0, 0
    while m < n:
        ret += gamma**m * col[i + m]["r"]
        m += 1
        if col[i + m - 1]["ended"]:
            break
    disc = 0.0 if col[i + m - 1]["term"] else gamma**m
    return ret, col[i + m]["id"], disc


@pytest.mark.parametrize("n_step", [1, 3, 5])
@pytest.mark.parametrize("prioritized", [False, True])
def test_n_step_targets_match_a_direct_computation(n_step, prioritized):
    E, gamma = 3, 0.9
    buf = ReplayBuffer(90, E, (1,), np.int64, n_step=n_step, gamma=gamma, prioritized=prioritized, seed=1)
    rows = _stream(buf, 200, seed=2)  # 200 rows into a ring of 30: wraps several times
    where = {row["id"]: (e, i) for e, col in enumerate(rows) for i, row in enumerate(col)}
    s = buf.sample(512)
    assert s.obs.shape == (512, 1) and s.next_obs.shape == (512, 1)
    ended = 0
    for k in range(512):
        e, i = where[int(s.obs[k, 0])]
        col = rows[e]
        assert col[i]["valid"], "a NEXT_STEP reset row was sampled"
        assert i >= 200 - buf.T and i <= 200 - 1 - n_step, "sampled a row outside the ring's sampleable window"
        ret, nxt, disc = _reference(col, i, n_step, gamma)
        assert s.actions[k] == col[i]["a"]
        assert s.returns[k] == pytest.approx(ret, abs=1e-5)
        assert int(s.next_obs[k, 0]) == nxt
        assert s.discounts[k] == pytest.approx(disc, abs=1e-6)
        ended += disc == 0.0
    assert ended > 0  # terminations were covered
    assert (s.weights > 0).all() and (s.weights <= 1).all()


def test_truncation_bootstraps_from_the_final_observation():
    buf = ReplayBuffer(40, 1, (1,), np.int64, n_step=3, gamma=0.5)
    # one env: 2 steps, truncated at the second; then a reset step; then 6 more steps
    truncs = [False, True, False, False, False, False, False, False, False]
    valid = [True, True, False, True, True, True, True, True, True]
    for t in range(9):
        buf.add(np.array([[t]]), [0], [1.0], [False], [truncs[t]], [valid[t]])
    s = buf.sample(64)
    first = s.obs[:, 0] == 0
    assert first.any()
    # from row 0: rewards of rows 0 and 1 (truncated), bootstrap from row 2 (the final observation)
    assert np.allclose(s.returns[first], 1 + 0.5) and (s.next_obs[first, 0] == 2).all()
    assert np.allclose(s.discounts[first], 0.25)
    assert not (s.obs[:, 0] == 2).any()  # the reset row is never a sample


def test_frame_stacks_are_rebuilt_as_gymnasium_pads_them():
    E, S = 2, 4

    class Stacker:  # what FrameStackObservation(4) shows: the last 4 frames, the first repeated at a start
        def __init__(self):
            self.hist = [[] for _ in range(E)]

        def __call__(self, ids, t):
            out = np.zeros((E, S, 3, 2), dtype=np.uint8)
            for e in range(E):
                if t == 0 or stream_restart[e]:
                    self.hist[e] = []
                self.hist[e].append(ids[e] % 251)
                h = self.hist[e][-S:]
                h = [h[0]] * (S - len(h)) + h
                out[e] = np.array(h, dtype=np.uint8)[:, None, None]
            return out

    # drive the stream by hand so the stacker knows where episodes restart
    rng = np.random.default_rng(0)
    buf = ReplayBuffer(400, E, (S, 3, 2), np.uint8, n_step=2, gamma=0.9, stack=S)
    stack = Stacker()
    stream_restart = np.zeros(E, dtype=bool)
    prev_done = np.zeros(E, dtype=bool)
    shown = {}
    for t in range(300):
        ids = t * E + np.arange(E)
        obs = stack(ids, t)
        term = rng.random(E) < 0.1
        valid = ~prev_done
        term &= valid
        buf.add(obs, np.zeros(E, int), np.zeros(E), term, term, valid)
        for e in range(E):
            shown[(t, e)] = obs[e].copy()
        # the step after a reset row starts a new episode
        stream_restart = ~valid
        prev_done = term
    s = buf.sample(256)
    assert s.obs.shape == (256, S, 3, 2)
    for k in range(256):
        matches = [v for v in shown.values() if np.array_equal(v, s.obs[k])]
        assert matches, "a rebuilt stack differs from every stack the env showed"


@pytest.mark.parametrize("stack,shape", [(1, (1,)), (4, (4, 3, 2))])
def test_observations_on_a_torch_device_sample_like_host_memory(stack, shape):
    """The GPU layout (observations as torch tensors, gathered where they
    live) draws the same transitions as the host layout, checked on the CPU
    device: same rows, same stacks, same targets."""
    E = 3

    def obs(ids, t):
        return np.broadcast_to((ids % 251).astype(np.uint8).reshape(E, *([1] * len(shape))), (E, *shape)).copy()

    host = ReplayBuffer(120, E, shape, np.uint8, n_step=3, gamma=0.9, stack=stack, seed=5)
    dev = ReplayBuffer(120, E, shape, np.uint8, n_step=3, gamma=0.9, stack=stack, seed=5, device="cpu")
    _stream(host, 90, seed=6, make_obs=obs)
    _stream(dev, 90, seed=6, make_obs=obs)
    a, b = host.sample(256), dev.sample(256)
    assert torch.is_tensor(b.obs) and torch.is_tensor(b.next_obs) and b.obs.dtype == torch.uint8
    assert np.array_equal(a.obs, b.obs.numpy()) and np.array_equal(a.next_obs, b.next_obs.numpy())
    for x, y in zip(a[2:], b[2:]):  # actions ... index: host arrays in both
        assert np.array_equal(np.asarray(x), np.asarray(y))
    assert dev.nbytes == host.nbytes
    with pytest.raises(ValueError, match="pack_bits"):
        ReplayBuffer(16, 1, (2,), np.uint8, pack_bits=True, device="cpu")


def test_pack_bits_round_trip_and_size():
    rng = np.random.default_rng(3)
    shape = (15, 9, 13)
    buf = ReplayBuffer(64, 2, shape, np.uint8, n_step=1, pack_bits=True)
    seen = {}
    for t in range(20):
        obs = (rng.random((2, *shape)) < 0.2).astype(np.uint8)
        obs[:, 0, 0, 1 : 1 + 5] = np.array([(t >> b) & 1 for b in range(5)], dtype=np.uint8)  # t, in bits
        for e in range(2):
            seen[(t, e)] = obs[e].copy()
        buf.add(obs, [0, 0], [0, 0], [False, False], [False, False], [True, True])
    s = buf.sample(32)
    for o in s.obs:
        t = int(sum(int(o[0, 0, 1 + b]) << b for b in range(5)))
        assert any(np.array_equal(o, seen[(t, e)]) for e in range(2))
    assert buf.frames.shape[-1] == (15 * 9 * 13 + 7) // 8


def test_a_million_atari_transitions_fit_in_8_gb():
    buf = ReplayBuffer(1_000_000, 8, (4, 84, 84), np.uint8, n_step=3, stack=4)
    assert buf.capacity >= 1_000_000
    assert buf.nbytes <= 8e9, buf.nbytes / 1e9


def test_prioritized_sampling_follows_priorities_and_skips_unready_rows():
    buf = ReplayBuffer(200, 2, (1,), np.int64, n_step=2, gamma=0.9, prioritized=True, seed=0)
    _stream(buf, 50, seed=4, p_term=0.0, p_trunc=0.0)
    s = buf.sample(64)
    buf.update_priorities(s.index, np.full(64, 1e-3))
    target = s.index[0]
    buf.update_priorities(np.array([target]), np.array([1e4]))
    again = buf.sample(200)
    assert (again.index == target).mean() > 0.5
    newest = (buf.rows - 1) % buf.T
    assert not np.isin(again.index // buf.E, [newest, (newest - 1) % buf.T]).any()


def test_sumtree_samples_in_proportion():
    t = SumTree(5)
    t.set(np.arange(5), np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
    got = np.bincount(t.sample(100_000, np.random.default_rng(0)), minlength=5) / 100_000
    assert np.allclose(got, [0, 0.1, 0.2, 0.3, 0.4], atol=0.01)
    t.set([4], [0.0])
    assert t.total == pytest.approx(6.0)
    assert 4 not in t.sample(1000, np.random.default_rng(1))
