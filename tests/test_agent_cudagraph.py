"""The DQN update captured as a CUDA graph does what the eager update does.

These tests need a CUDA GPU and skip without one (CI has none; they ran on
the device machine: docs/benchmarks.md, "Pong on one GPU")."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from levelforge.agent import DQNConfig
from levelforge.agent.learner import QUpdate, make_buffer
from levelforge.agent.policy import Agent

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _filled_buffer(agent: Agent, device: torch.device, seed: int):
    E = 4
    buf = make_buffer(agent, E, np.uint8, device)
    rng = np.random.default_rng(seed)
    prev = np.zeros(E, dtype=bool)
    for _ in range(300):
        obs = rng.integers(0, 256, (E, *agent.obs_shape), dtype=np.uint8)
        term = rng.random(E) < 0.02
        buf.add(obs, rng.integers(0, agent.n_actions, E), rng.choice([-1.0, 0.0, 1.0], E), term, term, ~prev)
        prev = term
    return buf


@pytest.fixture(autouse=True)
def full_float32():
    """Both paths in full float32 with deterministic cuDNN algorithms."""
    flags = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.backends.cudnn.deterministic)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.deterministic = True
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.backends.cudnn.deterministic = flags


def _flat(module: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def _run(graph: bool, updates: int, seed: int = 0):
    cfg = DQNConfig(network="nature", batch_size=32, buffer_size=1200, n_step=3, target_every=4, lr=1e-3,
                    seed=seed, cuda_graph=graph)
    torch.manual_seed(seed)
    device = torch.device("cuda")
    agent = Agent.create(cfg, (4, 84, 84), 6, "ALE/Pong-v5").to(device)
    learner = QUpdate(agent, _filled_buffer(agent, device, seed), None, device)
    start = _flat(learner.net)
    losses = [float(learner.update(1000)) for _ in range(updates)]
    return learner, losses, start


def test_captured_update_matches_the_eager_update():
    eager, eager_losses, start = _run(graph=False, updates=7)
    graphed, graph_losses, start_g = _run(graph=True, updates=7)
    assert torch.equal(start, start_g)
    assert eager.captured is None and graphed.captured is not None and graphed.captured.captured
    assert graphed.updates == eager.updates == 7
    # each call was one real step on its own batch: the losses follow the same path
    np.testing.assert_allclose(graph_losses, eager_losses, rtol=1e-3, atol=1e-6)
    # the same parameters, up to rounding: far closer to each other than to where they started
    moved = (_flat(eager.net) - start).norm()
    assert moved > 0
    assert (_flat(graphed.net) - _flat(eager.net)).norm() < 1e-2 * moved
    # the target copy (after update 4) reached the graph's parameters in place
    assert (_flat(graphed.target) - _flat(eager.target)).norm() < 1e-2 * (_flat(eager.target) - start).norm()
    assert not torch.equal(_flat(graphed.target), _flat(graphed.net))  # updates 5 to 7 came after it


def test_replays_keep_learning_and_losses_are_not_aliased():
    learner, losses, start = _run(graph=True, updates=12)
    assert learner.captured.captured and learner.captured.calls == 12
    assert len(set(losses)) == len(losses)  # a kept loss is a copy, not the graph's reused output
    assert all(np.isfinite(losses))
    assert not torch.equal(_flat(learner.net), start)
