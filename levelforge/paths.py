"""Where the shipped data lives: ``games/`` and ``assets/``.

In a source checkout they are the top-level folders of the repository; in an
installed wheel they are the packages ``levelforge.games`` and
``levelforge.assets`` (pyproject maps the same folders there).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    spec = importlib.util.find_spec(f"levelforge.{name}")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return _REPO / name


def games_dir() -> Path:
    """Folder holding one sub-folder per shipped game (``<name>/game.toml``)."""
    return _data_dir("games")


def assets_dir() -> Path:
    """Folder holding sprites and pretrained models."""
    return _data_dir("assets")
