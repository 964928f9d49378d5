"""Level features: counts of chosen tiles, declared by each game's ``[features]`` table.

A feature is a name and a list of base tiles; its value for a level is how
many cells hold one of them (a composite tile counts for its parts, so a
Sokoban box on a goal is a box). The dungeon declares ``monsters`` (bats,
spiders and scorpions) and ``keys``; Sokoban declares ``boxes``. Generators
can be asked for feature values (``cond={"monsters": 3}``) and the metrics
check that they delivered (controllability).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from .game import GameSpec, load_game
from .level import Level


class FeatureError(ValueError):
    """A request names a feature the game does not have, or a bad value."""


def feature_names(game: str | GameSpec) -> tuple[str, ...]:
    """The game's feature names, in declaration order."""
    return tuple(load_game(game).features)


def feature_table(game: str | GameSpec) -> np.ndarray:
    """``(F, T) int64``: cells of tile id ``t`` add ``table[f, t]`` to feature ``f``."""
    spec = load_game(game)
    table = np.zeros((len(spec.features), len(spec.tiles)), dtype=np.int64)
    for f, tiles in enumerate(spec.features.values()):
        for t in spec.tiles:
            table[f, t.id] = int(bool(set(t.parts) & set(tiles)))
    return table


def features(levels: Iterable[Level] | np.ndarray, game: str | GameSpec) -> np.ndarray:
    """``(N, F) int64`` feature values of ``levels`` (Levels, or ``(N, H, W)`` tile-id grids)."""
    table = feature_table(game)
    if isinstance(levels, np.ndarray):
        grids = [levels[i] for i in range(len(levels))]
    else:
        grids = [lv.grid for lv in levels]
    out = np.zeros((len(grids), table.shape[0]), dtype=np.int64)
    for i, g in enumerate(grids):
        out[i] = np.bincount(g.ravel(), minlength=table.shape[1])[: table.shape[1]] @ table.T
    return out


def check_request(game: str | GameSpec, request: Mapping[str, Any] | None) -> dict[str, int]:
    """``request`` (feature -> wanted count) checked against the game's features."""
    spec = load_game(game)
    out: dict[str, int] = {}
    for name, value in (request or {}).items():
        if name not in spec.features:
            known = ", ".join(spec.features) or "none"
            raise FeatureError(f"{spec.name} has no feature {name!r}; its features: {known}")
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise FeatureError(f"feature {name!r} must be a count >= 0, got {value!r}")
        out[name] = int(value)
    return out


def parse_request(items: Iterable[str], game: str | GameSpec) -> dict[str, int]:
    """``["monsters=3", "keys=1"]`` (what ``--cond`` options give) as a checked request."""
    raw: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            raw[name.strip()] = int(value)
        except ValueError:
            raise FeatureError(f"--cond {item!r}: expected NAME=COUNT, e.g. monsters=3") from None
        if not sep:
            raise FeatureError(f"--cond {item!r}: expected NAME=COUNT, e.g. monsters=3")
    return check_request(game, raw)


def matches(levels: Iterable[Level], game: str | GameSpec, request: Mapping[str, int]) -> np.ndarray:
    """``(N,) bool``: which levels have exactly the requested feature values."""
    request = check_request(game, request)
    names = feature_names(game)
    levels = list(levels)
    if not request:
        return np.ones(len(levels), dtype=bool)
    got = features(levels, game)
    cols = [names.index(k) for k in request]
    want = np.array(list(request.values()), dtype=np.int64)
    return (got[:, cols] == want).all(axis=1)
