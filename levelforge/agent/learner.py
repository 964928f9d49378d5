"""The DQN learner: plays a vector env, fills the replay buffer, trains.

One loop serves every environment: all ``num_envs`` environments act with
one forward pass and step with one vector ``step`` call (for the tile games
that is one engine call). The vector env must use gymnasium's ``NEXT_STEP``
autoreset (its default): the step after an episode ends resets it, and the
replay buffer keeps that final observation to bootstrap truncated episodes.

The update (per ``train_every`` environment steps, after ``learning_starts``):

- target ``y = R_n + gamma ** m * Q_target(s_m, argmax_a Q(s_m, a))``
  (Double DQN, van Hasselt et al. 2016; plain max with ``double=False``),
  from n-step returns ``R_n`` cut at episode ends, without bootstrap after a
  termination, with it after a truncation;
- Huber loss, weighted by importance weights under prioritized replay,
  Adam, gradients clipped by global norm;
- target network copied every ``target_every`` updates, or moved by Polyak
  averaging (``tau < 1``) after every update.
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from gymnasium.vector import AutoresetMode
from torch.nn import functional as F

from .policy import Agent, pick_device
from .replay import ReplayBuffer
from .runlog import Progress, RunLog


@dataclass
class TrainResult:
    agent: Agent
    log: list[dict[str, Any]] = field(default_factory=list)
    episode_returns: list[float] = field(default_factory=list)
    interrupted: bool = False


def make_buffer(agent: Agent, num_envs: int, obs_dtype) -> ReplayBuffer:
    cfg = agent.config
    stack = agent.obs_shape[0] if cfg.network == "nature" else 1
    return ReplayBuffer(
        cfg.buffer_size, num_envs, agent.obs_shape, obs_dtype,
        n_step=cfg.n_step, gamma=cfg.gamma, stack=stack,
        pack_bits=cfg.network in ("tile", "minatar"),  # one-hot / binary planes
        prioritized=cfg.prioritized, alpha=cfg.per_alpha, eps=cfg.per_eps, seed=cfg.seed,
    )  # fmt: skip


def train(
    agent: Agent,
    env,
    *,
    log_path=None,
    progress: bool = True,
    label: str = "train",
    on_log: Callable[[dict[str, Any]], None] | None = None,
    demos: ReplayBuffer | None = None,
) -> TrainResult:
    """Train ``agent`` (in place) on the vector env ``env`` for ``agent.config.steps``
    environment steps. Ctrl-C stops early and still returns what was learned.

    ``demos``: demonstrations (:mod:`levelforge.agent.demos`); with
    ``config.demo_fraction > 0`` that share of every batch comes from them,
    with a large-margin loss on the demonstrated actions."""
    cfg = agent.config
    mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    if AutoresetMode(mode) != AutoresetMode.NEXT_STEP:
        raise ValueError(f"the learner needs a vector env with NEXT_STEP autoreset, got {mode}")
    n_envs = env.num_envs
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    device = pick_device(cfg.device)
    agent.to(device)
    net = agent.net
    net.train()
    target = copy.deepcopy(net).eval()
    for p in target.parameters():
        p.requires_grad_(False)
    # the fused kernel does Adam's whole update in one pass (a quarter faster for small nets on CPU)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr, eps=cfg.adam_eps, fused=True)
    obs, _ = env.reset(seed=cfg.seed)
    buffer = make_buffer(agent, n_envs, obs.dtype)

    log = RunLog(log_path)
    bar = Progress(cfg.steps, label, enabled=progress)
    returns: deque[float] = deque(maxlen=cfg.window)
    successes: deque[float] = deque(maxlen=cfg.window)
    all_returns: list[float] = []
    losses: deque[float] = deque(maxlen=100)
    ep_return = np.zeros(n_envs)
    prev_done = np.zeros(n_envs, dtype=bool)
    lives = None
    step = updates = episodes = 0
    owed = 0.0
    next_log = cfg.log_every
    t0 = time.perf_counter()
    result = TrainResult(agent)

    def report() -> dict[str, Any]:
        secs = time.perf_counter() - t0
        row = {
            "step": step,
            "episodes": episodes,
            "mean_return": float(np.mean(returns)) if returns else math.nan,
            "success_rate": float(np.mean(successes)) if successes else math.nan,
            "loss": float(np.mean(losses)) if losses else math.nan,
            "epsilon": cfg.epsilon(step),
            "steps_per_s": step / secs if secs > 0 else math.nan,
            "updates": updates,
            "seconds": secs,
        }
        log.write(row)
        result.log.append(row)
        if on_log is not None:
            on_log(row)
        return row

    n_demo = int(round(cfg.batch_size * cfg.demo_fraction)) if demos is not None else 0

    def batch(beta: float):
        """A batch (the agent's rows first, then the demo rows) and the agent rows' leaf ids."""
        s = buffer.sample(cfg.batch_size - n_demo, beta)
        if not n_demo:
            return s, s.index
        d = demos.sample(n_demo)
        return type(s)(*(np.concatenate([a, b]) for a, b in zip(s, d))), s.index

    def update() -> float:
        beta = cfg.per_beta_start + (1.0 - cfg.per_beta_start) * min(1.0, step / max(1, cfg.steps))
        s, own = batch(beta)
        o = torch.as_tensor(s.obs, device=device)
        o2 = torch.as_tensor(s.next_obs, device=device)
        a = torch.as_tensor(s.actions, device=device)
        with torch.no_grad():
            if cfg.double:
                best = net(o2).argmax(dim=1, keepdim=True)
                q2 = target(o2).gather(1, best).squeeze(1)
            else:
                q2 = target(o2).max(dim=1).values
            y = torch.as_tensor(s.returns, device=device) + torch.as_tensor(s.discounts, device=device) * q2
        q_all = net(o)
        q = q_all.gather(1, a[:, None]).squeeze(1)
        td = q - y
        per = F.huber_loss(q, y, reduction="none", delta=cfg.huber_delta)
        loss = (torch.as_tensor(s.weights, device=device) * per).mean()
        if n_demo and cfg.demo_margin > 0:
            # DQfD's large margin: max_a [Q(s, a) + m * (a != a_demo)] - Q(s, a_demo) on the demo rows
            qd, ad = q_all[-n_demo:], a[-n_demo:]
            margins = torch.full_like(qd, cfg.demo_margin).scatter_(1, ad[:, None], 0.0)
            loss = loss + ((qd + margins).max(dim=1).values - q[-n_demo:]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.max_grad_norm)
        opt.step()
        buffer.update_priorities(own, td[: len(own)].detach().abs().cpu().numpy())
        return float(loss.detach())

    try:
        deadline = t0 + cfg.max_seconds if cfg.max_seconds > 0 else math.inf
        while step < cfg.steps and time.perf_counter() < deadline:
            eps = cfg.epsilon(step)
            if step < cfg.learning_starts:
                actions = rng.integers(0, agent.n_actions, n_envs)
            else:
                actions = agent.act(obs, eps, rng)
            nxt, reward, term, trunc, info = env.step(actions)
            reward = np.asarray(reward, dtype=np.float64)
            term, trunc = np.asarray(term, dtype=bool), np.asarray(trunc, dtype=bool)
            valid = ~prev_done
            life_lost = np.zeros(n_envs, dtype=bool)
            if cfg.life_loss_terminal and "lives" in info:
                now = np.asarray(info["lives"])
                if lives is not None:
                    life_lost = valid & (now < lives)
                lives = now.copy()
            learn_reward = np.sign(reward) if cfg.clip_rewards else reward
            buffer.add(obs, actions, learn_reward, term | life_lost, trunc | life_lost, valid)
            done = (term | trunc) & valid
            ep_return += np.where(valid, reward, 0.0)
            if done.any():
                won = info.get("won") if isinstance(info, dict) else None
                for i in np.flatnonzero(done):
                    returns.append(float(ep_return[i]))
                    all_returns.append(float(ep_return[i]))
                    if won is not None:
                        successes.append(float(bool(won[i])))
                    ep_return[i] = 0.0
                    episodes += 1
            prev_done = done
            obs = nxt
            step += n_envs
            if step >= cfg.learning_starts and buffer.can_sample():
                owed += n_envs / cfg.train_every
                while owed >= 1.0:
                    losses.append(update())
                    updates += 1
                    owed -= 1.0
                    if cfg.tau < 1.0:
                        with torch.no_grad():
                            for tp, p in zip(target.parameters(), net.parameters()):
                                tp.lerp_(p, cfg.tau)
                    elif updates % cfg.target_every == 0:
                        target.load_state_dict(net.state_dict())
            if step >= next_log:
                next_log += cfg.log_every
                report()
            if progress:
                note = f"ep {episodes} ret {np.mean(returns):.2f}" if returns else ""
                if successes:
                    note += f" win {np.mean(successes):.0%}"
                bar.update(step, note)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        bar.close()
    final = report() if not result.log or result.log[-1]["step"] != step else result.log[-1]
    log.close()
    net.eval()
    agent.stats = {
        "steps": step,
        "updates": updates,
        "episodes": episodes,
        "mean_return": final["mean_return"],
        "success_rate": final["success_rate"],
        "seconds": round(final["seconds"], 1),
        "steps_per_s": round(final["steps_per_s"], 1),
        "interrupted": result.interrupted,
    }
    result.episode_returns = all_returns
    return result
