"""Large batches are stepped on several CPU cores.

Rows of a batch are independent, and the compiled step releases the GIL, so
a batch of B rows is cut into up to ``LEVELFORGE_THREADS`` ranges (default:
the CPUs this process may use) of at least ``MIN_ROWS`` rows each, run at
once on a small pool of threads. Small batches (the single environment, the
solver's small frontiers) run on the calling thread alone.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from .batch import Batch, Tables, flat, scratch
from .kernel import bad_actions, step_rows

#: fewer rows per thread than this are not worth a thread hand-off (~10 us)
MIN_ROWS = 1024


def _cpus() -> int:
    env = os.environ.get("LEVELFORGE_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise ValueError(f"LEVELFORGE_THREADS must be a positive integer, got {env!r}") from None
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


THREADS = _cpus()
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _workers() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=THREADS - 1, thread_name_prefix="levelforge-step")
        return _pool


def run_rows(tab: Tables, bt: Batch, inplace: bool) -> int:
    """Step every row of ``bt`` (see :func:`~levelforge.engine.kernel.step_rows`);
    returns the number of actions out of range."""
    b = bt.pos.shape[0]
    parts = min(THREADS, b // MIN_ROWS)
    if parts <= 1:
        return step_rows(0, b, inplace, *flat(tab, bt))
    bad = bad_actions(bt.actions, tab.action_dir.shape[0], 0, b)
    if bad:  # before any thread changes a row
        return bad
    cuts = [b * k // parts for k in range(parts + 1)]
    pool = _workers()
    n = bt.row_items.shape[0]
    # each part has its own scratch arrays (the caller's part k); arguments are
    # flattened here, so a worker goes straight into the compiled code, which
    # releases the GIL
    pending = [
        pool.submit(step_rows, cuts[k], cuts[k + 1], inplace, *flat(tab, bt._replace(**scratch(n, k))))
        for k in range(1, parts)
    ]
    bad = step_rows(cuts[0], cuts[1], inplace, *flat(tab, bt))
    return bad + sum(f.result() for f in pending)


def run_split(fn, n: int, *args, min_rows: int = MIN_ROWS) -> None:
    """Call ``fn(lo, hi, *args)`` on disjoint ranges covering ``range(n)``,
    on up to ``THREADS`` threads at once when each range gets at least
    ``min_rows`` rows (``fn`` must release the GIL to gain: compiled
    ``nogil`` code, numpy copies), else once on the calling thread."""
    parts = min(THREADS, n // max(1, min_rows))
    if parts <= 1:
        fn(0, n, *args)
        return
    cuts = [n * k // parts for k in range(parts + 1)]
    pending = [_workers().submit(fn, cuts[k], cuts[k + 1], *args) for k in range(1, parts)]
    fn(cuts[0], cuts[1], *args)
    for f in pending:
        f.result()
