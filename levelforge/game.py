"""GameSpec: a game described as data, loaded from ``games/<name>/game.toml``.

A game declares *base tiles* on four layers and *composite tiles* made of
several base tiles (Sokoban's ``*`` is a goal with a box on it):

- ``terrain``: static ground (walls, floor, goals, doors). Never changes.
- ``item``: things lying on the terrain that can vanish or move (keys, boxes).
- ``player``: the avatar (exactly one base tile on this layer).
- ``npc``: non-player characters (monsters).

Every tile with a ``char`` is a *tile id* of the level text format; ids are
numbered in the order the tiles appear in the TOML. The rules come from the
``[[mechanics]]`` list (see :mod:`levelforge.engine.mechanics`), the win
condition from ``[win]`` and the reward weights from ``[rewards]``.
``[features]`` names counts of tiles that generators can be asked for
(``monsters = ["bat", "spider", "scorpion"]``: see :mod:`levelforge.features`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GameSpecError, UnknownGameError
from .paths import games_dir

LAYERS = ("terrain", "item", "player", "npc")
ACTION_NAMES = ("noop", "up", "down", "left", "right", "attack")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Tile:
    """One character of the level format.

    ``parts`` are the base tiles it stands for: itself for a base tile, or the
    listed ones for a composite (e.g. ``("goal", "box")``).
    """

    id: int
    name: str
    char: str
    colour: tuple[int, int, int]
    layer: str | None  # None for a composite
    parts: tuple[str, ...]
    solid: bool = False

    @property
    def is_composite(self) -> bool:
        return self.layer is None


@dataclass(frozen=True)
class GameSpec:
    """Everything a game declares. Built by :func:`load_game`; immutable."""

    name: str
    title: str
    summary: str
    width: int
    height: int
    max_steps: int
    ground: str
    actions: tuple[str, ...]
    tiles: tuple[Tile, ...]
    mechanics: tuple[dict[str, Any], ...]
    win: dict[str, Any]
    rewards: dict[str, float]
    constraints: dict[str, Any]
    features: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: Path | None = None
    _by_char: dict[str, Tile] = field(default_factory=dict, repr=False, compare=False)
    _by_name: dict[str, Tile] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_char.update({t.char: t for t in self.tiles})
        self._by_name.update({t.name: t for t in self.tiles})

    # -- look-ups ---------------------------------------------------------
    def tile(self, name: str) -> Tile:
        try:
            return self._by_name[name]
        except KeyError:
            raise GameSpecError(f"game {self.name!r} has no tile {name!r}") from None

    def tile_by_char(self, char: str) -> Tile | None:
        return self._by_char.get(char)

    def layer_tiles(self, layer: str) -> tuple[Tile, ...]:
        """Base tiles on ``layer``, in declaration order."""
        return tuple(t for t in self.tiles if t.layer == layer)

    @property
    def chars(self) -> str:
        return "".join(t.char for t in self.tiles)

    @property
    def player_tile(self) -> Tile:
        return self.layer_tiles("player")[0]

    def mechanic(self, use: str) -> dict[str, Any] | None:
        for m in self.mechanics:
            if m["use"] == use:
                return m
        return None


def _fail(src: str, msg: str) -> GameSpecError:
    return GameSpecError(f"{msg} (in {src})")


def _colour(src: str, name: str, value: Any) -> tuple[int, int, int]:
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise _fail(src, f"tile {name!r}: colour must look like '#rrggbb', got {value!r}")
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def _int(src: str, data: dict, key: str, lo: int, hi: int) -> int:
    v = data.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise _fail(src, f"{key!r} must be an integer in [{lo}, {hi}], got {v!r}")
    return v


def parse_game(data: dict[str, Any], src: str = "<game>", path: Path | None = None) -> GameSpec:
    """Validate a parsed game.toml and build its :class:`GameSpec`."""
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        raise _fail(src, f"'name' must be a lower-case identifier, got {name!r}")
    width = _int(src, data, "width", 2, 255)
    height = _int(src, data, "height", 2, 255)
    max_steps = _int(src, data, "max_steps", 1, 1_000_000)
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions or len(set(actions)) != len(actions):
        raise _fail(src, "'actions' must be a non-empty list of distinct action names")
    for a in actions:
        if a not in ACTION_NAMES:
            raise _fail(src, f"unknown action {a!r}; known: {', '.join(ACTION_NAMES)}")

    raw_tiles = data.get("tiles")
    if not isinstance(raw_tiles, dict) or not raw_tiles:
        raise _fail(src, "'[tiles.<name>]' tables are missing")
    base: dict[str, dict] = {}
    tiles: list[Tile] = []
    seen_chars: dict[str, str] = {}
    for tname, t in raw_tiles.items():
        if not isinstance(t, dict):
            raise _fail(src, f"tile {tname!r} must be a table")
        char = t.get("char")
        if not isinstance(char, str) or len(char) != 1 or char in "\n\r\t":
            raise _fail(src, f"tile {tname!r}: 'char' must be one printable character, got {char!r}")
        if char in seen_chars:
            raise _fail(src, f"tiles {seen_chars[char]!r} and {tname!r} share the char {char!r}")
        seen_chars[char] = tname
        layer = t.get("layer")
        parts = t.get("parts")
        if (layer is None) == (parts is None):
            raise _fail(src, f"tile {tname!r} needs exactly one of 'layer' (a base tile) or 'parts' (a composite)")
        if layer is not None:
            if layer not in LAYERS:
                raise _fail(src, f"tile {tname!r}: layer must be one of {', '.join(LAYERS)}, got {layer!r}")
            base[tname] = t
            parts_t: tuple[str, ...] = (tname,)
        else:
            if not isinstance(parts, list) or len(parts) < 2:
                raise _fail(src, f"composite tile {tname!r}: 'parts' must list two or more base tiles")
            parts_t = tuple(parts)
        colour = _colour(src, tname, t.get("colour", "#ff00ff"))
        tiles.append(Tile(len(tiles), tname, char, colour, layer, parts_t, bool(t.get("solid", False))))

    for t in tiles:
        if t.is_composite:
            layers = []
            for p in t.parts:
                if p not in base:
                    raise _fail(src, f"composite tile {t.name!r}: {p!r} is not a base tile")
                layers.append(base[p]["layer"])
            if len(set(layers)) != len(layers):
                raise _fail(src, f"composite tile {t.name!r}: its parts must lie on different layers")
    players = [n for n, t in base.items() if t["layer"] == "player"]
    if len(players) != 1:
        raise _fail(src, f"exactly one base tile must have layer 'player', found {len(players)}")
    ground = data.get("ground")
    if ground not in base or base[ground]["layer"] != "terrain":
        raise _fail(src, f"'ground' must name a terrain tile, got {ground!r}")
    if base[ground].get("solid"):
        raise _fail(src, f"'ground' tile {ground!r} must not be solid")

    mechanics = data.get("mechanics", [])
    if not isinstance(mechanics, list) or not all(isinstance(m, dict) and "use" in m for m in mechanics):
        raise _fail(src, "'[[mechanics]]' entries must each have a 'use' key")
    win = data.get("win")
    if not isinstance(win, dict) or not win:
        raise _fail(src, "'[win]' is missing: say how a level is won (reach = [...] or cover = {...})")
    rewards = data.get("rewards", {})
    if not isinstance(rewards, dict) or not all(isinstance(v, (int, float)) for v in rewards.values()):
        raise _fail(src, "'[rewards]' must map event names to numbers")
    constraints = data.get("constraints", {})
    features = _features(src, data.get("features", {}), base)
    spec = GameSpec(
        name=name,
        title=str(data.get("title", name.title())),
        summary=str(data.get("summary", "")),
        width=width,
        height=height,
        max_steps=max_steps,
        ground=ground,
        actions=tuple(actions),
        tiles=tuple(tiles),
        mechanics=tuple(dict(m) for m in mechanics),
        win=dict(win),
        rewards={k: float(v) for k, v in rewards.items()},
        constraints=dict(constraints),
        features=features,
        source=path,
    )
    # Compiling the rules checks every mechanic, condition and reward name.
    from . import constraints
    from .engine import Engine

    try:
        constraints.validate(spec)
        Engine(spec)
    except GameSpecError as e:
        raise GameSpecError(f"{str(e).split(': ', 1)[1]} (in {src})") from None
    return spec


def _features(src: str, raw: Any, base: dict[str, dict]) -> dict[str, tuple[str, ...]]:
    """``[features]``: name -> the base tiles whose cells it counts (``monsters = ["bat", "spider"]``)."""
    if not isinstance(raw, dict):
        raise _fail(src, "'[features]' must map feature names to lists of base tiles")
    out: dict[str, tuple[str, ...]] = {}
    for fname, tiles in raw.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", fname):
            raise _fail(src, f"feature name {fname!r} must be a lower-case identifier")
        if not isinstance(tiles, list) or not tiles or not all(isinstance(t, str) for t in tiles):
            raise _fail(src, f"feature {fname!r} must list one or more base tiles")
        for t in tiles:
            if t not in base:
                raise _fail(src, f"feature {fname!r}: {t!r} is not a base tile")
        out[fname] = tuple(tiles)
    return out


def load_game_file(path: str | Path) -> GameSpec:
    """Load a game from a ``game.toml`` file (or a folder holding one)."""
    p = Path(path)
    if p.is_dir():
        p = p / "game.toml"
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnknownGameError(f"no game file at {p}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise GameSpecError(f"{p} is not valid TOML: {e}") from None
    return parse_game(data, str(p), p)


def game_names() -> list[str]:
    """Names of the shipped games."""
    root = games_dir()
    return sorted(d.name for d in root.iterdir() if (d / "game.toml").is_file())


_LOADED: dict[str, GameSpec] = {}


def game_key(spec: GameSpec) -> str:
    """The string that names ``spec`` for :func:`load_game` (stored in Level.game).

    A shipped game is named by its name, a game loaded from a file by that
    file's path, and a spec built in memory by its name once registered.
    """
    if spec.source is not None and spec.source.parent.parent.resolve() != games_dir().resolve():
        key = str(spec.source.resolve())
    else:
        key = spec.name
    _LOADED.setdefault(key, spec)
    return key


def load_game(game: str | Path | GameSpec) -> GameSpec:
    """A shipped game by name, a game.toml path (or its folder), or a GameSpec."""
    if isinstance(game, GameSpec):
        game_key(game)
        return game
    key = str(game)
    spec = _LOADED.get(key)
    if spec is not None:
        return spec
    root = games_dir()
    if re.fullmatch(r"[a-z][a-z0-9_-]*", key) and (root / key / "game.toml").is_file():
        spec = load_game_file(root / key)
    else:
        p = Path(key)
        if not (p.suffix == ".toml" or (p / "game.toml").is_file()):
            raise UnknownGameError(
                f"no game named {key!r}; shipped games: {', '.join(game_names())} "
                "(or give the path of a game.toml)"
            )
        spec = load_game_file(p)
        _LOADED[str(spec.source.resolve())] = spec
    _LOADED[key] = spec
    return spec


def game_levels_dir(spec: GameSpec) -> Path | None:
    """The game's own corpus folder (``levels/`` beside its game.toml), if any."""
    if spec.source is None:
        return None
    d = spec.source.parent / "levels"
    return d if d.is_dir() else None
