"""Shared helpers of the benchmark tools (``bench_env.py``, ``bench_solver.py``).

Not a public module: machine facts, JSON output, stderr logging, level
loading (level files, Boxoban files, the shipped corpora and a tiny built-in
level per game for when a corpus is empty), statistics and target checks.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parent.parent

# The tools run from a checkout (``python tools/bench_*.py``), where the
# package may not be installed: import it from the repository root.
try:  # pragma: no cover - depends on the environment
    import levelforge  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover
    sys.path.insert(0, str(REPO))
    import levelforge  # noqa: F401

import numpy as np

from levelforge.errors import LevelFormatError
from levelforge.game import GameSpec, game_levels_dir, load_game
from levelforge.importers import read_boxoban
from levelforge.level import Level, level_files, read_levels

# -- output ------------------------------------------------------------------------
def log(msg: str) -> None:
    """A progress / info line on stderr (stdout carries only the JSON result)."""
    print(msg, file=sys.stderr, flush=True)


def emit(obj: Any) -> None:
    """Print ``obj`` as one JSON object on stdout."""
    json.dump(obj, sys.stdout, indent=2, default=_json_default)
    sys.stdout.write("\n")
    sys.stdout.flush()


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def machine() -> dict[str, Any]:
    """Facts about the machine and software the numbers were measured on."""
    import gymnasium

    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        affinity = None
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "numpy": np.__version__,
        "gymnasium": gymnasium.__version__,
        "levelforge": getattr(levelforge, "__version__", None),
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or _cpu_model(),
        "thread_env": threads,
        "argv": sys.argv[1:],
    }


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return None


# -- arguments ---------------------------------------------------------------------
def int_list(text: str) -> list[int]:
    """``"1,16,256"`` -> ``[1, 16, 256]`` (an argparse type)."""
    import argparse

    try:
        out = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not out or any(v < 1 for v in out):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return out


def name_list(text: str, known: Sequence[str]) -> list[str]:
    import argparse

    out = [x.strip() for x in text.split(",") if x.strip()]
    bad = [x for x in out if x not in known]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"unknown name(s) {', '.join(bad) or text!r}; known: {', '.join(known)}")
    return out


# -- levels ------------------------------------------------------------------------
def is_boxoban_file(path: Path) -> bool:
    """Does the file start (after blank lines / a BOM) with a ``; N`` puzzle header?"""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    for line in text.splitlines():
        if line.strip():
            return line.lstrip().startswith(";")
    return False


def read_boxoban_path(path: Path) -> list[Level]:
    """Puzzles of a Boxoban file, or of every ``*.txt`` Boxoban file in a folder (sorted)."""
    files = level_files(path)
    if path.is_dir() and not files:
        raise LevelFormatError(f"{path}: folder holds no .txt Boxoban files")
    out: list[Level] = []
    for f in files:
        out.extend(read_boxoban(f))
    return out


def load_levels(
    game: str | GameSpec,
    path: str | Path | None = None,
    boxoban: bool | None = None,
) -> tuple[list[Level], str]:
    """The levels to benchmark, and a description of where they came from.

    ``path``: a level file, a folder of level files, or (sokoban) a Boxoban
    file / folder of Boxoban files. ``boxoban``: True forces the Boxoban
    reader, False the level-file reader, None detects it from the first file.
    Without ``path``: the game's shipped corpus.
    """
    spec = load_game(game)
    if path is None:
        d = game_levels_dir(spec)
        if d is not None and level_files(d):
            return _read(spec, d, boxoban), str(d)
        raise LevelFormatError(f"game {spec.name!r} ships no levels; pass --levels")
    p = Path(path)
    if not p.exists():
        raise LevelFormatError(f"{p}: no such file or folder")
    return _read(spec, p, boxoban), str(p)


def _read(spec: GameSpec, p: Path, boxoban: bool | None) -> list[Level]:
    if boxoban is None:
        files = level_files(p)
        boxoban = bool(files) and is_boxoban_file(files[0])
    if boxoban:
        if spec.name != "sokoban":
            raise LevelFormatError(f"{p}: Boxoban files hold sokoban levels, not {spec.name} levels")
        return read_boxoban_path(p)
    return read_levels(p, spec)


# -- statistics --------------------------------------------------------------------
def pct(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else None


def check_targets(targets: dict[str, float], measured: dict[str, float | None], higher_is_better: dict[str, bool]) -> dict[str, bool | None]:
    """``{name: met}`` for each target; None where nothing was measured."""
    met: dict[str, bool | None] = {}
    for k, goal in targets.items():
        v = measured.get(k)
        if v is None:
            met[k] = None
        else:
            met[k] = bool(v >= goal) if higher_is_better.get(k, True) else bool(v <= goal)
    return met


def report(tool: str, settings: dict[str, Any], notes: list[str], results: dict[str, Any],
           targets: dict[str, float], measured: dict[str, float | None],
           higher_is_better: dict[str, bool] | None = None) -> None:
    """Emit a tool's JSON result: machine, settings, notes, results, and the
    targets with what was measured and which were met (only targets measured;
    ``higher_is_better[name] = False`` for targets that are upper bounds)."""
    emit({
        "tool": tool,
        "machine": machine(),
        "settings": settings,
        "notes": notes,
        "results": results,
        "targets": targets,
        "measured": measured,
        "met": check_targets({k: v for k, v in targets.items() if k in measured}, measured, higher_is_better or {}),
    })
