"""A training step captured once as a CUDA graph, then replayed.

On a GPU, a DQN update of the Nature network is bound by the launch
overhead of eager PyTorch, not by arithmetic: about a hundred small kernels
(three forward passes, a backward pass, gradient clipping, Adam), each
launched from Python. Measured on an H200 with 16 CPU cores, one update of
256 took 4.6 ms, the GPU doing well under a tenth of that. A CUDA graph
records the kernels of one step once and replays them with a single launch.

:class:`CapturedStep` wraps a step function ``fn(*inputs) -> tensor`` whose
inputs are tensors of fixed shape and dtype (the batch) and whose output is
a tensor or a tuple of tensors:

- the first ``warmup`` calls run ``fn`` eagerly on a side stream (this
  allocates the optimiser's state and lets cuDNN pick its algorithms, which
  capture cannot do);
- the next call records ``fn`` into a graph, then replays it;
- every later call copies its inputs into the graph's static input tensors
  and replays it.

Every call is exactly one real step on its own inputs. What ``fn`` reads
besides its inputs (parameters, optimiser state) must be updated in place
between calls, never replaced: copying a target network with
``load_state_dict`` is in place, assigning a new tensor to a parameter is
not. What a replay returns is the graph's own output, overwritten by the next
replay: clone it to keep it. Optimisers must be made with
``capturable=True``.
"""

from __future__ import annotations

from typing import Any, Callable

import torch


class CapturedStep:
    def __init__(self, fn: Callable[..., Any], warmup: int = 2) -> None:
        self.fn = fn
        self.warmup = warmup
        self.calls = 0
        self.graph: torch.cuda.CUDAGraph | None = None
        self.static: list[torch.Tensor] = []
        self.out: Any = None
        self._side: torch.cuda.Stream | None = None

    @property
    def captured(self) -> bool:
        return self.graph is not None

    def __call__(self, *inputs: torch.Tensor) -> Any:
        if not self.static:
            self.static = [torch.empty_like(x) for x in inputs]
        for s, x in zip(self.static, inputs, strict=True):
            if x.shape != s.shape or x.dtype != s.dtype:
                raise ValueError(f"a captured step takes inputs of fixed shape: got {tuple(x.shape)} {x.dtype}, "
                                 f"captured with {tuple(s.shape)} {s.dtype}")
            s.copy_(x, non_blocking=True)
        self.calls += 1
        if self.calls <= self.warmup:
            return self._eager_on_side_stream()
        if self.graph is None:
            self._capture()
        self.graph.replay()
        return self.out

    def _eager_on_side_stream(self) -> Any:
        if self._side is None:
            self._side = torch.cuda.Stream()
        main = torch.cuda.current_stream()
        self._side.wait_stream(main)
        with torch.cuda.stream(self._side):
            out = self.fn(*self.static)
        main.wait_stream(self._side)
        return out

    def _capture(self) -> None:
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            self.out = self.fn(*self.static)
        self.graph = graph

