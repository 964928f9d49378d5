"""A minimal single-environment DQN training loop, of the kind CleanRL's
``dqn.py`` is: the baseline that ``bench_atari.py`` T0 compares the
levelforge learner's throughput with.

Written here for the comparison (not copied): one environment, one forward
pass per step to act, one uniform-replay gradient update every
``train_every`` steps, hard target copies. It uses the same network, batch
size, replay ratio and optimizer settings as the learner it is compared
with, but none of its machinery (vector env, n-step, priorities, packing).
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch.nn import functional as F

from levelforge.agent.config import DQNConfig
from levelforge.agent.networks import build_network


def run(env, cfg: DQNConfig, steps: int) -> dict:
    """Train for ``steps`` env steps on the single env ``env``; return steps/s and episode returns."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    shape = env.observation_space.shape
    n_actions = int(env.action_space.n)
    net = build_network(cfg.network, shape, n_actions, hidden=cfg.hidden, dueling=cfg.dueling)
    target = copy.deepcopy(net)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr, eps=cfg.adam_eps)
    size = min(cfg.buffer_size, steps)
    obs_buf = np.zeros((size, *shape), dtype=env.observation_space.dtype)
    next_buf = np.zeros_like(obs_buf)
    act_buf = np.zeros(size, dtype=np.int64)
    rew_buf = np.zeros(size, dtype=np.float32)
    done_buf = np.zeros(size, dtype=np.float32)
    obs, _ = env.reset(seed=cfg.seed)
    ret, returns, updates, update_secs = 0.0, [], 0, 0.0
    t0 = time.perf_counter()
    for step in range(steps):
        eps = cfg.epsilon(step)
        if rng.random() < eps or step < cfg.learning_starts:
            a = int(rng.integers(n_actions))
        else:
            with torch.no_grad():
                a = int(net(torch.as_tensor(obs[None])).argmax(1).item())
        nxt, r, term, trunc, _ = env.step(a)
        i = step % size
        obs_buf[i], next_buf[i], act_buf[i], rew_buf[i], done_buf[i] = obs, nxt, a, r, float(term)
        ret += float(r)
        obs = nxt
        if term or trunc:
            returns.append(ret)
            ret = 0.0
            obs, _ = env.reset()
        if step >= cfg.learning_starts and step % int(cfg.train_every) == 0:
            u0 = time.perf_counter()
            idx = rng.integers(0, min(step + 1, size), cfg.batch_size)
            o, o2 = torch.as_tensor(obs_buf[idx]), torch.as_tensor(next_buf[idx])
            with torch.no_grad():
                y = torch.as_tensor(rew_buf[idx]) + cfg.gamma * target(o2).max(1).values * (
                    1 - torch.as_tensor(done_buf[idx]))
            q = net(o).gather(1, torch.as_tensor(act_buf[idx])[:, None]).squeeze(1)
            loss = F.huber_loss(q, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            updates += 1
            if updates % cfg.target_every == 0:
                target.load_state_dict(net.state_dict())
            update_secs += time.perf_counter() - u0
    secs = time.perf_counter() - t0
    return {"steps": steps, "seconds": secs, "steps_per_s": steps / secs, "updates": updates,
            "update_seconds": update_secs,
            "episodes": len(returns), "mean_return_last_100": float(np.mean(returns[-100:])) if returns else None}
