"""Structural constraints of a game's levels, from ``[constraints]`` in game.toml.

Keys (all optional):

- ``border = ["wall", ...]``: every tile on the level's outer ring holds one
  of these base tiles;
- ``count = { tile = [min, max], ... }``: how many cells hold each base tile
  (a composite tile counts for each of its parts);
- ``npcs = [min, max]``: how many NPCs in all;
- ``same_count = ["box", "goal"]``: these base tiles occur equally often;
- ``max_width``, ``max_height``: the largest level (default 64).

A level must also not be won before its first step (for ``cover`` games:
some item still needs covering). :func:`check_level` lists every violation;
an empty list means the level is structurally sound (not that it is
solvable: that is the solver's job).
"""

from __future__ import annotations

import numpy as np

from .errors import GameSpecError
from .game import GameSpec
from .level import Level

KEYS = {"border", "count", "npcs", "same_count", "max_width", "max_height"}


def _pair(value, what: str) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not 0 <= value[0] <= value[1]
    ):
        raise GameSpecError(f"constraint {what} must be [min, max] with 0 <= min <= max, got {value!r}")
    return value[0], value[1]


def validate(spec: GameSpec) -> None:
    """Raise :class:`GameSpecError` if ``spec.constraints`` is malformed."""
    c = spec.constraints
    unknown = set(c) - KEYS
    if unknown:
        raise GameSpecError(f"unknown constraint {sorted(unknown)[0]!r}; known: {', '.join(sorted(KEYS))}")
    base = {t.name for t in spec.tiles if not t.is_composite}
    for name in c.get("border", []):
        if name not in base:
            raise GameSpecError(f"constraint border: {name!r} is not a base tile")
    count = c.get("count", {})
    if not isinstance(count, dict):
        raise GameSpecError("constraint count must be a table: { tile = [min, max] }")
    for name, pair in count.items():
        if name not in base:
            raise GameSpecError(f"constraint count: {name!r} is not a base tile")
        _pair(pair, f"count.{name}")
    if "npcs" in c:
        _pair(c["npcs"], "npcs")
    for name in c.get("same_count", []):
        if name not in base:
            raise GameSpecError(f"constraint same_count: {name!r} is not a base tile")
    for key in ("max_width", "max_height"):
        if key in c and (not isinstance(c[key], int) or not 3 <= c[key] <= 255):
            raise GameSpecError(f"constraint {key} must be an integer in [3, 255]")


def _counts(spec: GameSpec, grid: np.ndarray) -> dict[str, int]:
    per_id = np.bincount(grid.ravel(), minlength=len(spec.tiles))
    out: dict[str, int] = {}
    for t in spec.tiles:
        for p in t.parts:
            out[p] = out.get(p, 0) + int(per_id[t.id])
    return out


def check_level(level: Level) -> list[str]:
    """Every structural problem of ``level``, one sentence each (empty: none)."""
    spec = level.spec
    c = spec.constraints
    grid = level.grid
    problems: list[str] = []
    border = c.get("border")
    if border:
        ok_ids = [t.id for t in spec.tiles if set(t.parts) & set(border)]
        ring = np.concatenate([grid[0], grid[-1], grid[1:-1, 0], grid[1:-1, -1]])
        bad = int((~np.isin(ring, ok_ids)).sum())
        if bad:
            problems.append(f"{bad} border tile(s) are not {' or '.join(border)}")
    counts = _counts(spec, grid)
    for name, (lo, hi) in ((n, _pair(v, n)) for n, v in c.get("count", {}).items()):
        n = counts.get(name, 0)
        if not lo <= n <= hi:
            want = f"exactly {lo}" if lo == hi else f"{lo} to {hi}"
            problems.append(f"{n} {name} tile(s), expected {want}")
    if "npcs" in c:
        lo, hi = _pair(c["npcs"], "npcs")
        n = sum(counts.get(t.name, 0) for t in spec.layer_tiles("npc"))
        if not lo <= n <= hi:
            problems.append(f"{n} NPCs, expected {lo} to {hi}")
    same = c.get("same_count", [])
    if len({counts.get(n, 0) for n in same}) > 1:
        problems.append("counts differ: " + ", ".join(f"{counts.get(n, 0)} {n}" for n in same))
    cover = spec.win.get("cover")
    if isinstance(cover, dict):
        item, target = cover.get("items"), cover.get("terrain")
        loose = sum(int((grid == t.id).sum()) for t in spec.tiles if item in t.parts and target not in t.parts)
        if counts.get(item, 0) and not loose:
            problems.append(f"already won: every {item} is on a {target}")
    return problems
