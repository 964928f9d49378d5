"""What a training run reports while it runs: CSV rows and a progress line.

:class:`RunLog` appends one CSV row per report (flushed at once, so a run
that dies keeps its log). :class:`Progress` redraws one line on stderr when
it is a terminal, and prints a line at every tenth of the run otherwise (CI
logs, pipes), so long runs never look hung.
"""

from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path
from typing import Any, TextIO

FIELDS = ("step", "episodes", "mean_return", "success_rate", "loss", "epsilon", "steps_per_s", "updates", "seconds")


class RunLog:
    def __init__(self, path: str | Path | None, fields: tuple[str, ...] = FIELDS) -> None:
        self.fields = fields
        self.rows: list[dict[str, Any]] = []
        self._file: TextIO | None = None
        if path is not None:
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True)
            self._file = p.open("w", newline="")
            self._writer = csv.DictWriter(self._file, fieldnames=fields)
            self._writer.writeheader()
            self._file.flush()

    def write(self, row: dict[str, Any]) -> None:
        row = {k: _fmt(row.get(k)) for k in self.fields}
        self.rows.append(row)
        if self._file is not None:
            self._writer.writerow(row)
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    return "" if v is None else v


class Progress:
    """A one-line progress bar on stderr (a line per tenth when stderr is not a
    terminal). ``seconds``: the run also stops after this much wall time, so
    the bar shows whichever of steps and time is further along."""

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None, enabled: bool = True,
                 seconds: float = 0.0) -> None:
        self.total = max(1, int(total))
        self.seconds = float(seconds)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and getattr(self.stream, "isatty", lambda: False)()
        self.t0 = time.perf_counter()
        self._last_draw = 0.0
        self._next_tenth = 1

    def update(self, done: int, note: str = "") -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        frac = min(1.0, done / self.total)
        if self.seconds > 0:
            frac = max(frac, min(1.0, (now - self.t0) / self.seconds))
        if self.tty:
            if now - self._last_draw < 0.25 and frac < 1.0:
                return
            self._last_draw = now
            bar = "#" * int(frac * 24)
            self.stream.write(f"\r{self.label} [{bar:<24}] {frac:6.1%} {self._eta(frac, now)} {note}\033[K")
            self.stream.flush()
        elif frac * 10 >= self._next_tenth:
            self._next_tenth = int(frac * 10) + 1
            self.stream.write(f"{self.label} {frac:6.1%} {self._eta(frac, now)} {note}\n")
            self.stream.flush()

    def _eta(self, frac: float, now: float) -> str:
        spent = now - self.t0
        if frac <= 0:
            return f"{spent:5.0f}s"
        return f"{spent:5.0f}s, ~{spent * (1 - frac) / frac:4.0f}s left"

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
