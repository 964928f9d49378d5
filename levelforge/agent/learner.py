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

On a GPU the replay buffer keeps its observations in GPU memory (see
:mod:`levelforge.agent.replay`; ``replay_device="host"`` keeps them in host
memory), losses stay on the GPU until a report needs them, and with a vector
env that steps asynchronously (``step_async``/``step_wait``, as gymnasium's
``AsyncVectorEnv``) the gradient updates run while the environments step.
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from gymnasium.vector import AutoresetMode
from torch.nn import functional as F

from .cudagraph import CapturedStep
from .policy import Agent, pick_device
from .replay import ReplayBuffer, Sample, to_device
from ..runlog import Progress, RunLog


@dataclass
class TrainResult:
    agent: Agent
    log: list[dict[str, Any]] = field(default_factory=list)
    episode_returns: list[float] = field(default_factory=list)
    interrupted: bool = False


def make_buffer(agent: Agent, num_envs: int, obs_dtype, device: torch.device | None = None) -> ReplayBuffer:
    """The replay buffer for ``agent``'s config; observations on ``device``
    when one is given (then stored as they are, not bit-packed)."""
    cfg = agent.config
    stack = agent.obs_shape[0] if cfg.network == "nature" else 1
    return ReplayBuffer(
        cfg.buffer_size, num_envs, agent.obs_shape, obs_dtype,
        n_step=cfg.n_step, gamma=cfg.gamma, stack=stack,
        pack_bits=device is None and cfg.network in ("plan", "tile", "minatar"),  # one-hot / binary planes
        prioritized=cfg.prioritized, alpha=cfg.per_alpha, eps=cfg.per_eps, seed=cfg.seed, device=device,
    )  # fmt: skip


def replay_device(cfg, device: torch.device) -> torch.device | None:
    """Where the replay buffer keeps observations: None for host memory."""
    if cfg.replay_device == "device" or (cfg.replay_device == "auto" and device.type != "cpu"):
        return device
    return None


class QUpdate:
    """The gradient step: online and target networks, optimiser, replay
    (and demonstrations). ``update(step)`` does one step and returns its loss
    as a tensor on the device (reading it would wait for the GPU).

    On a GPU (``config.cuda_graph``, without prioritized replay or
    demonstrations) the step after sampling is captured as a CUDA graph and
    replayed (:mod:`levelforge.agent.cudagraph`); where capture fails, it
    warns and goes on eagerly."""

    def __init__(self, agent: Agent, buffer: ReplayBuffer, demos: ReplayBuffer | None, device: torch.device) -> None:
        cfg = self.cfg = agent.config
        self.net, self.buffer, self.demos, self.device = agent.net, buffer, demos, device
        self.target = copy.deepcopy(self.net).eval()
        for p in self.target.parameters():
            p.requires_grad_(False)
        self._params, self._target_params = list(self.net.parameters()), list(self.target.parameters())
        self.n_demo = int(round(cfg.batch_size * cfg.demo_fraction)) if demos is not None else 0
        graphed = cfg.cuda_graph and device.type == "cuda" and not buffer.prioritized and demos is None
        # the fused kernel does Adam's whole update in one pass (a quarter faster for small nets on CPU);
        # capturable: its step counts live on the GPU, so a CUDA graph can replay it
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg.lr, eps=cfg.adam_eps, fused=True,
                                    capturable=graphed)
        self.captured = CapturedStep(self._step) if graphed else None
        self.updates = 0

    def _tensor(self, x) -> torch.Tensor:
        return to_device(x, self.device)

    def batch(self, beta: float, demos_only: bool = False) -> tuple[Sample, np.ndarray]:
        """A batch (the agent's rows first, then the demo rows) and the agent rows' leaf ids."""
        if demos_only:
            return self.demos.sample(self.cfg.batch_size), np.zeros(0, dtype=np.int64)
        s = self.buffer.sample(self.cfg.batch_size - self.n_demo, beta)
        if not self.n_demo:
            return s, s.index
        d = self.demos.sample(self.n_demo)
        joined = (torch.cat([self._tensor(a), self._tensor(b)]) if torch.is_tensor(a) or torch.is_tensor(b)
                  else np.concatenate([a, b]) for a, b in zip(s, d))
        return Sample(*joined), s.index

    def update(self, step: int, demos_only: bool = False) -> torch.Tensor:
        """One gradient step; ``demos_only``: on demonstrations alone (DQfD's pre-training)."""
        cfg = self.cfg
        beta = cfg.per_beta_start + (1.0 - cfg.per_beta_start) * min(1.0, step / max(1, cfg.steps))
        s, own = self.batch(beta, demos_only)
        inputs = [self._tensor(x) for x in (s.obs, s.next_obs, s.actions, s.returns, s.discounts, s.weights)]
        n_demo = cfg.batch_size if demos_only else self.n_demo
        if self.captured is not None:
            loss, td = self._replay(inputs)
        else:
            loss, td = self._step(*inputs, n_demo=n_demo)
        if self.buffer.prioritized and len(own):
            self.buffer.update_priorities(own, td[: len(own)].abs().cpu().numpy())
        self.updates += 1
        self._move_target()
        return loss

    def _replay(self, inputs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        try:
            loss, td = self.captured(*inputs)
        except RuntimeError as e:
            if self.captured.captured:
                raise
            warnings.warn(f"capturing the DQN update as a CUDA graph failed; training on without it: {e}",
                          stacklevel=3)
            self.captured = None
            return self._step(*inputs)
        return loss.clone(), td

    def _step(self, o: torch.Tensor, o2: torch.Tensor, a: torch.Tensor, returns: torch.Tensor,
              discounts: torch.Tensor, weights: torch.Tensor, n_demo: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Loss, backward pass, clipping and Adam on one batch; the loss and
        TD errors, detached. The last ``n_demo`` rows are demonstrations."""
        cfg, net = self.cfg, self.net
        with torch.no_grad():
            if cfg.double:
                best = net(o2).argmax(dim=1, keepdim=True)
                q2 = self.target(o2).gather(1, best).squeeze(1)
            else:
                q2 = self.target(o2).max(dim=1).values
            y = returns + discounts * q2
        q_all = net(o)
        q = q_all.gather(1, a[:, None]).squeeze(1)
        per = F.huber_loss(q, y, reduction="none", delta=cfg.huber_delta)
        loss = (weights * per).mean()
        if n_demo and cfg.demo_margin > 0:
            # DQfD's large margin: max_a [Q(s, a) + m * (a != a_demo)] - Q(s, a_demo) on the demo rows
            qd, ad = q_all[-n_demo:], a[-n_demo:]
            margins = torch.full_like(qd, cfg.demo_margin).scatter_(1, ad[:, None], 0.0)
            loss = loss + ((qd + margins).max(dim=1).values - q[-n_demo:]).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self._params, cfg.max_grad_norm, foreach=True)
        self.opt.step()
        return loss.detach(), (q - y).detach()

    def _move_target(self) -> None:
        cfg = self.cfg
        if cfg.tau < 1.0:
            with torch.no_grad():
                torch._foreach_lerp_(self._target_params, self._params, cfg.tau)  # one call for all tensors
        elif self.updates % cfg.target_every == 0:
            self.target.load_state_dict(self.net.state_dict())


class Episodes:
    """Episode bookkeeping over the vector env: running returns and wins."""

    def __init__(self, n_envs: int, window: int) -> None:
        self.returns: deque[float] = deque(maxlen=window)
        self.successes: deque[float] = deque(maxlen=window)
        self.all_returns: list[float] = []
        self.count = 0
        self._ret = np.zeros(n_envs)

    def record(self, reward: np.ndarray, done: np.ndarray, valid: np.ndarray, info) -> None:
        self._ret += np.where(valid, reward, 0.0)
        if not done.any():
            return
        won = info.get("won") if isinstance(info, dict) else None
        for i in np.flatnonzero(done):
            self.returns.append(float(self._ret[i]))
            self.all_returns.append(float(self._ret[i]))
            if won is not None:
                self.successes.append(float(bool(won[i])))
            self._ret[i] = 0.0
            self.count += 1

    def note(self) -> str:
        out = f"ep {self.count} ret {np.mean(self.returns):.2f}" if self.returns else ""
        return out + (f" win {np.mean(self.successes):.0%}" if self.successes else "")


def _use_fast_math(device: torch.device) -> None:
    if device.type == "cuda":  # TF32 matrix products and tuned convolutions: DQN needs no more precision
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True


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
    environment steps (or ``max_seconds``). Ctrl-C stops early and still
    returns what was learned.

    ``demos``: demonstrations (:mod:`levelforge.agent.demos`); with
    ``config.demo_fraction > 0`` that share of every batch comes from them,
    with a large-margin loss on the demonstrated actions, after
    ``config.pretrain_updates`` updates on them alone (DQfD's pre-training)."""
    cfg = agent.config
    mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    if AutoresetMode(mode) != AutoresetMode.NEXT_STEP:
        raise ValueError(f"the learner needs a vector env with NEXT_STEP autoreset, got {mode}")
    n_envs = env.num_envs
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    device = pick_device(cfg.device)
    _use_fast_math(device)
    agent.to(device)
    agent.net.train()
    obs, _ = env.reset(seed=cfg.seed)
    buffer = make_buffer(agent, n_envs, obs.dtype, replay_device(cfg, device))
    learner = QUpdate(agent, buffer, demos, device)
    overlap = hasattr(env, "step_async") and hasattr(env, "step_wait")

    log = RunLog(log_path)
    bar = Progress(cfg.steps, label, enabled=progress, seconds=cfg.max_seconds)
    episodes = Episodes(n_envs, cfg.window)
    losses: deque[torch.Tensor] = deque(maxlen=100)
    prev_done = np.zeros(n_envs, dtype=bool)
    lives = None
    step = 0
    owed = 0.0
    next_log = cfg.log_every
    t0 = time.perf_counter()
    result = TrainResult(agent)

    def report() -> dict[str, Any]:
        secs = time.perf_counter() - t0
        row = {
            "step": step,
            "episodes": episodes.count,
            "mean_return": float(np.mean(episodes.returns)) if episodes.returns else math.nan,
            "success_rate": float(np.mean(episodes.successes)) if episodes.successes else math.nan,
            "loss": float(torch.stack(list(losses)).mean()) if losses else math.nan,
            "epsilon": cfg.epsilon(step),
            "steps_per_s": step / secs if secs > 0 else math.nan,
            "updates": learner.updates,
            "seconds": secs,
        }
        log.write(row)
        result.log.append(row)
        if on_log is not None:
            on_log(row)
        return row

    def train_owed() -> None:
        nonlocal owed
        while owed >= 1.0:
            losses.append(learner.update(step))
            owed -= 1.0

    try:
        deadline = t0 + cfg.max_seconds if cfg.max_seconds > 0 else math.inf
        pretrain = cfg.pretrain_updates if demos is not None else 0
        for i in range(pretrain):  # DQfD: learn the demonstrations before playing
            if time.perf_counter() >= deadline:
                break
            losses.append(learner.update(0, demos_only=True))
            if progress and i % 100 == 0:
                bar.update(0, f"pre-training on demonstrations: {i:,} of {pretrain:,} updates")
        while step < cfg.steps and time.perf_counter() < deadline:
            if step < cfg.learning_starts:
                actions = rng.integers(0, agent.n_actions, n_envs)
            else:
                actions = agent.act(obs, cfg.epsilon(step), rng)
            if overlap:  # learn from what is stored while the environments step
                env.step_async(actions)
                train_owed()
                nxt, reward, term, trunc, info = env.step_wait()
            else:
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
            episodes.record(reward, done, valid, info)
            # the step after any reported end is a reset (NEXT_STEP) or, in a team env, an idle row of a
            # player that is out: never stored, whether or not the end itself was (an idle row keeps
            # reporting its end, and the masked `done` would let every second such step through)
            prev_done = term | trunc
            obs = nxt
            step += n_envs
            if step >= cfg.learning_starts and buffer.can_sample():
                owed += n_envs / cfg.train_every
                if not overlap:
                    train_owed()
            if step >= next_log:
                next_log += cfg.log_every
                report()
            if progress:
                bar.update(step, episodes.note())
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        bar.close()
    final = report() if not result.log or result.log[-1]["step"] != step else result.log[-1]
    log.close()
    agent.net.eval()
    agent.stats = {
        "steps": step,
        "updates": learner.updates,
        "episodes": episodes.count,
        "mean_return": final["mean_return"],
        "success_rate": final["success_rate"],
        "seconds": round(final["seconds"], 1),
        "steps_per_s": round(final["steps_per_s"], 1),
        "interrupted": result.interrupted,
    }
    result.episode_returns = episodes.all_returns
    return result
