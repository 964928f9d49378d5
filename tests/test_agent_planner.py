"""PlanQNet's planner: the relaxation finds shortest paths, its gradient is exact."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from levelforge.agent import DQNConfig, tile_agent, training_env
from levelforge.agent.planner import PlanQNet, _neighbours, _Relax, relax
from levelforge.generators import MazeGenerator
from levelforge.solve import Solver


def test_relaxation_gives_shortest_path_lengths_on_mazes():
    rng = np.random.default_rng(7)
    solver = Solver("maze")
    for _ in range(5):
        level = MazeGenerator(11, 15)(rng)
        env = training_env("maze", [level], 1)
        obs, _ = env.reset(seed=0)
        o = torch.as_tensor(obs).float()
        ch = list(env.engine.channels)
        wall, goal, start = (o[:, ch.index(n)] for n in ("wall", "exit", "start"))
        # goal cells start at 0, others far below; a step costs 1, through a wall 1000
        v = relax(((goal - 1) * 1e4)[:, None], (1 + 999 * wall)[:, None], max_iterations=11 * 15)
        assert -float((v[0, 0] * start[0]).sum()) == solver.solve(level).length


def _rounds(v, cost, n):
    """The relaxation written as plain autograd over every round."""
    for _ in range(n):
        up, down, left, right = _neighbours(v)
        v = torch.maximum(v, torch.maximum(torch.maximum(up, down), torch.maximum(left, right)) - cost)
    return v


@pytest.mark.parametrize("shape", [(3, 2, 5, 7), (2, 1, 9, 4)])
def test_relaxation_gradient_matches_autograd_through_the_rounds(shape):
    torch.manual_seed(0)
    v0 = (torch.rand(shape, dtype=torch.float64) * 20 - 20).requires_grad_()
    cost = (torch.rand(shape, dtype=torch.float64) * 3 + 0.1).requires_grad_()
    w = torch.randn(shape, dtype=torch.float64)
    fast = relax(v0, cost, 200)
    (fast * w).sum().backward()
    g_fast = v0.grad.clone(), cost.grad.clone()
    v0.grad = cost.grad = None
    slow = _rounds(v0, cost, 200)
    (slow * w).sum().backward()
    assert torch.equal(fast, slow)
    assert torch.allclose(g_fast[0], v0.grad) and torch.allclose(g_fast[1], cost.grad)
    assert (g_fast[0] != 0).any() and (g_fast[1] != 0).any()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_compiled_relaxation_equals_the_rounds_on_tensors(dtype):
    """The CPU path (Dijkstra, compiled) and the tensor rounds (the GPU path):
    the same values bit for bit, the same gradients; with plateaus of equal
    values and long winding paths (walls of cost 50 in random mazes)."""
    torch.manual_seed(1)
    shape = (40, 2, 9, 13)
    goal = (torch.rand(shape) < 0.03).to(dtype)
    v0 = ((goal - 1) * 500 + torch.randint(0, 3, shape).to(dtype) * goal).requires_grad_()
    cost = (torch.where(torch.rand(shape) < 0.35, 50.0, 0.05 + torch.rand(shape))).to(dtype).requires_grad_()
    w = torch.randn(shape, dtype=dtype)
    runs = []
    for rounds in (False, True):
        v = _Relax.apply(v0, cost, 9 * 13, 8) if rounds else relax(v0, cost, 9 * 13)
        (v * w).sum().backward()
        runs.append((v.detach(), v0.grad.clone(), cost.grad.clone()))
        v0.grad = cost.grad = None
    (v_fast, g0_fast, gc_fast), (v_slow, g0_slow, gc_slow) = runs
    assert torch.equal(v_fast, v_slow)
    tol = 1e-4 if dtype == torch.float32 else 1e-8  # the sums go in another order
    assert torch.allclose(g0_fast, g0_slow, atol=tol) and torch.allclose(gc_fast, gc_slow, atol=tol)
    assert (g0_fast != 0).any() and (gc_fast != 0).any()
    with torch.no_grad():
        assert torch.equal(relax(v0, cost, 9 * 13), v_slow)  # the no-gradient path too


def test_plan_network_plays_any_size_and_learns_from_its_maps():
    env = training_env("maze", [MazeGenerator(7, 9)(np.random.default_rng(0))], 2)
    agent = tile_agent(DQNConfig(network="plan", channels=8, hidden=16), env)
    assert isinstance(agent.net, PlanQNet)
    for h, w in [(7, 9), (11, 15), (5, 21)]:
        q = agent.net(torch.zeros(3, 4, h, w, dtype=torch.uint8).index_fill_(1, torch.tensor([1]), 1))
        assert q.shape == (3, 5) and torch.isfinite(q).all()
    obs, _ = env.reset(seed=0)
    agent.net(torch.as_tensor(obs)).sum().backward()
    assert agent.net.maps.weight.grad.abs().sum() > 0  # the goal and cost maps get gradients through the planner


def test_plan_network_refuses_a_game_whose_moves_are_in_another_order():
    from dataclasses import replace

    from levelforge.game import load_game

    spec = replace(load_game("maze"), actions=("noop", "left", "right", "up", "down"))
    env = training_env(spec, [MazeGenerator(7, 9)(np.random.default_rng(0))], 2)
    with pytest.raises(ValueError, match="actions 1-4"):
        tile_agent(DQNConfig(network="plan"), env)


def test_walls_are_never_goals_and_no_path_crosses_them():
    """The engine names the tiles nothing passes; the plan network takes
    them as given: every wall cell keeps the far value, whatever the
    (here untrained) goal and cost maps say."""
    from levelforge.engine import Engine
    from levelforge.generators import DungeonGenerator

    assert Engine("dungeon").walls == ("wall",)  # the door is solid, but opens to a key: not a wall
    levels = [DungeonGenerator(9, 13, (1, 4))(np.random.default_rng(i)) for i in range(4)]
    env = training_env("dungeon", levels, 4)
    agent = tile_agent(DQNConfig(network="plan", channels=8, hidden=16), env)
    ch = list(env.engine.channels)
    assert agent.wall_channels == (ch.index("wall"),)
    with torch.no_grad():
        agent.net.maps.bias[:2].fill_(3.0)  # every cell a likely goal, walls included
    obs = torch.as_tensor(env.reset(seed=0)[0])
    _, v = agent.net.plan(obs)
    wall = obs[:, ch.index("wall")].bool()[:, None].expand_as(v)
    far = -2.0 * 9 * 13
    assert (v[wall] == far).all()
    assert (v[~wall] > far / 2).all()  # open cells: goals of their own
    unwalled = PlanQNet(obs.shape[1], 6, ch.index("avatar"), 8, 16)
    unwalled.load_state_dict(agent.net.state_dict())
    assert (unwalled.plan(obs)[1][wall] > far / 2).all()  # without the prior, walls are goals too
    with pytest.raises(ValueError, match="wall_channels"):
        PlanQNet(4, 5, 0, wall_channels=(4,))
