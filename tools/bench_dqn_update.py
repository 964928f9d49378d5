#!/usr/bin/env python
"""What one DQN gradient update costs, eager against a CUDA graph; prints JSON.

The update of the learner (``levelforge.agent.learner.QUpdate``) on a
replay buffer of random observations: sampling, n-step targets, three
forward passes (Double DQN), backward pass, clipping, Adam. Each setting is
timed in the same run: ``eager`` (``cuda_graph=False``) and, on a GPU,
``graph`` (the step replayed as a CUDA graph), median of ``--repeats``
blocks of ``--updates`` updates after a warm-up, the device synchronised
around each block.

    python tools/bench_dqn_update.py --network nature --batch 32,256 --device cuda
    python tools/bench_dqn_update.py --network minatar --batch 32 --device cpu
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from levelforge.agent import DQNConfig  # noqa: E402
from levelforge.agent.learner import QUpdate, _use_fast_math, make_buffer, replay_device  # noqa: E402
from levelforge.agent.policy import Agent, pick_device  # noqa: E402

SHAPES = {"nature": ((4, 84, 84), 6), "minatar": ((4, 10, 10), 6)}


def filled_learner(network: str, batch: int, graph: bool, device: torch.device, envs: int = 16,
                   rows: int = 400) -> QUpdate:
    shape, n_actions = SHAPES[network]
    cfg = DQNConfig(network=network, hidden=512 if network == "nature" else 128, batch_size=batch,
                    buffer_size=envs * rows, n_step=3, cuda_graph=graph, device=device.type)
    agent = Agent.create(cfg, shape, n_actions, network).to(device)
    buf = make_buffer(agent, envs, np.uint8, replay_device(cfg, device))
    rng = np.random.default_rng(0)
    high = 256 if network == "nature" else 2
    prev = np.zeros(envs, dtype=bool)
    for _ in range(rows):
        term = rng.random(envs) < 0.01
        buf.add(rng.integers(0, high, (envs, *shape), dtype=np.uint8), rng.integers(0, n_actions, envs),
                rng.choice([-1.0, 0.0, 1.0], envs), term, term, ~prev)
        prev = term
    return QUpdate(agent, buf, None, device)


def time_updates(learner: QUpdate, device: torch.device, updates: int, repeats: int) -> list[float]:
    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(5):  # warm-up: optimiser state, cuDNN's choices, the graph's capture
        learner.update(10_000)
    blocks = []
    for _ in range(repeats):
        sync()
        t = time.perf_counter()
        for _ in range(updates):
            learner.update(10_000)
        sync()
        blocks.append((time.perf_counter() - t) / updates * 1e3)
    return blocks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--network", default="nature", choices=sorted(SHAPES))
    ap.add_argument("--batch", type=_bench.int_list, default=[32, 256], help="batch sizes, comma-separated")
    ap.add_argument("--device", default="auto", choices=["cpu", "cuda", "auto"])
    ap.add_argument("--updates", type=int, default=100, help="updates per timed block")
    ap.add_argument("--repeats", type=int, default=5, help="timed blocks (the median is reported)")
    args = ap.parse_args()
    device = pick_device(args.device)
    _use_fast_math(device)
    modes = ["eager", "graph"] if device.type == "cuda" else ["eager"]
    results: dict[str, dict[str, float | bool]] = {}
    for batch in args.batch:
        for mode in modes:
            learner = filled_learner(args.network, batch, mode == "graph", device)
            blocks = time_updates(learner, device, args.updates, args.repeats)
            key = f"batch{batch}_{mode}"
            results[key] = {"ms_per_update": statistics.median(blocks), "ms_blocks": blocks,
                            "captured": bool(learner.captured is not None and learner.captured.captured)}
            _bench.log(f"{key}: {results[key]['ms_per_update']:.3f} ms per update")
        if "graph" in modes:
            e, g = results[f"batch{batch}_eager"], results[f"batch{batch}_graph"]
            results[f"batch{batch}_speedup"] = {"graph_over_eager": e["ms_per_update"] / g["ms_per_update"]}
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    _bench.report("bench_dqn_update", {**vars(args), "device": str(device), "gpu": gpu, "torch": torch.__version__},
                  [], results, {}, {})


if __name__ == "__main__":
    main()
