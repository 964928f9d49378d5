"""Level: an H x W grid of tile ids of one game, and its text form.

The text form is VGLC style: one character per tile, one line per row, using
the game's tile chars. A level's id is a content hash of its game and grid, so
the same level always has the same id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .errors import LevelFormatError
from .game import GameSpec, game_key, load_game

LEVEL_SUFFIX = ".txt"


@dataclass(frozen=True, eq=False)
class Level:
    """A level of ``game``. ``grid`` is ``(H, W) uint8`` tile ids (read-only)."""

    game: str
    grid: np.ndarray
    name: str | None = None

    def __post_init__(self) -> None:
        g = np.array(self.grid, dtype=np.uint8, copy=True)
        if g.ndim != 2 or g.shape[0] < 1 or g.shape[1] < 1:
            raise LevelFormatError(f"a level grid must be 2-D and non-empty, got shape {g.shape}")
        g.setflags(write=False)
        object.__setattr__(self, "grid", g)

    @property
    def spec(self) -> GameSpec:
        return load_game(self.game)

    @property
    def height(self) -> int:
        return int(self.grid.shape[0])

    @property
    def width(self) -> int:
        return int(self.grid.shape[1])

    @property
    def text(self) -> str:
        """The level in the text format, rows joined by newlines, with a final newline."""
        lut = np.array(list(self.spec.chars))
        return "\n".join("".join(row) for row in lut[self.grid]) + "\n"

    @property
    def id(self) -> str:
        """Stable content hash: 16 hex digits of sha256 over game, size and tiles."""
        got = self.__dict__.get("_id")
        if got is None:
            h = hashlib.sha256()
            h.update(f"{self.game}:{self.height}x{self.width}:".encode())
            h.update(self.grid.tobytes())
            got = h.hexdigest()[:16]
            object.__setattr__(self, "_id", got)
        return got

    def count(self, tile: str) -> int:
        """How many cells hold base tile ``tile`` (composites count for each part)."""
        spec = self.spec
        ids = [t.id for t in spec.tiles if tile in t.parts]
        return int(np.isin(self.grid, ids).sum())

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Level)
            and other.game == self.game
            and other.grid.shape == self.grid.shape
            and bool((other.grid == self.grid).all())
        )

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<Level {self.game}{label} {self.height}x{self.width} id={self.id}>"


def parse_level(
    text: str | bytes,
    game: str | GameSpec,
    source: str = "<text>",
    name: str | None = None,
    size: tuple[int, int] | None = None,
) -> Level:
    """Parse one level from its text form.

    ``size`` (height, width), when given, is required exactly; otherwise the
    level may be any size from 3 x 3 up to the game's maximum.
    Raises :class:`LevelFormatError` naming ``source``, row and column.
    """
    spec = load_game(game)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            line = text[: e.start].count(b"\n") + 1
            col = e.start - (text.rfind(b"\n", 0, e.start) + 1) + 1
            raise LevelFormatError(
                f"{source}: row {line}, column {col}: byte 0x{text[e.start]:02x} is not UTF-8 text"
            ) from None
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while rows and rows[-1] == "":
        rows.pop()
    if not rows:
        raise LevelFormatError(f"{source}: empty level; expected rows of {spec.name} tiles ({spec.chars!r})")
    width = len(rows[0])
    for r, row in enumerate(rows, 1):
        if row == "":
            raise LevelFormatError(f"{source}: row {r} is empty; a level is one block of rows")
        if len(row) != width:
            raise LevelFormatError(f"{source}: row {r} has {len(row)} tiles, expected {width} like row 1")
    h, w = len(rows), width
    if size is not None and (h, w) != tuple(size):
        raise LevelFormatError(f"{source}: level is {h} rows x {w} columns, expected {size[0]} x {size[1]}")
    if h < 3 or w < 3:
        raise LevelFormatError(f"{source}: level is {h} x {w}; a level needs at least 3 rows and 3 columns")
    max_h, max_w = max_size(spec)
    if h > max_h or w > max_w:
        raise LevelFormatError(f"{source}: level is {h} x {w}; {spec.name} levels are at most {max_h} x {max_w}")
    lut = {t.char: t.id for t in spec.tiles}
    grid = np.empty((h, w), dtype=np.uint8)
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            tid = lut.get(ch)
            if tid is None:
                raise LevelFormatError(
                    f"{source}: row {r + 1}, column {c + 1}: unknown tile {ch!r}; "
                    f"{spec.name} tiles are {_legend(spec)}"
                )
            grid[r, c] = tid
    return Level(game_key(spec), grid, name)


def max_size(spec: GameSpec) -> tuple[int, int]:
    """Largest (height, width) a level of ``spec`` may have."""
    return (int(spec.constraints.get("max_height", 64)), int(spec.constraints.get("max_width", 64)))


def _legend(spec: GameSpec) -> str:
    return ", ".join(f"{t.char!r} {t.name}" for t in spec.tiles)


def read_file(path: str | Path, what: str = "level") -> bytes:
    """A file's bytes; a missing, folder or unreadable path is a one-line LevelFormatError."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise LevelFormatError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise LevelFormatError(f"{p}: is a folder, expected a {what} file") from None
    except OSError as e:
        raise LevelFormatError(f"{p}: cannot be read ({e.strerror})") from None


def read_level(path: str | Path, game: str | GameSpec, size: tuple[int, int] | None = None) -> Level:
    """Read one level file."""
    p = Path(path)
    return parse_level(read_file(p), game, source=str(p), name=p.stem, size=size)


def level_files(path: str | Path) -> list[Path]:
    """The level files in a folder (``*.txt``, sorted), or ``[path]`` for a file."""
    p = Path(path)
    if p.is_dir():
        return sorted(q for q in p.iterdir() if q.suffix == LEVEL_SUFFIX and q.is_file())
    return [p]


def read_levels(paths: Iterable[str | Path] | str | Path, game: str | GameSpec) -> list[Level]:
    """Read level files; a folder stands for all its ``*.txt`` files."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Level] = []
    for p in paths:
        files = level_files(p)
        if Path(p).is_dir() and not files:
            raise LevelFormatError(f"{p}: folder holds no {LEVEL_SUFFIX} level files")
        out.extend(read_level(f, game) for f in files)
    return out


def write_level(level: Level, path: str | Path) -> Path:
    """Write a level in the text format; returns the path."""
    p = Path(path)
    p.write_text(level.text, encoding="utf-8")
    return p


def write_levels(levels: Iterable[Level], out: str | Path, force: bool = False) -> list[Path]:
    """Write each level to ``out/<name>.txt`` (``out`` created if missing).

    Everything is checked before anything is written: a level without a name,
    two levels of one name, or (unless ``force``) a file that exists already
    is a :class:`LevelFormatError` and writes nothing."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise LevelFormatError(f"{out} is a file; the output must be a folder")
    targets: dict[Path, Level] = {}
    for level in levels:
        if not level.name:
            raise LevelFormatError(f"{level!r} has no name to make a file name of")
        target = out / f"{level.name}{LEVEL_SUFFIX}"
        if target in targets:
            raise LevelFormatError(f"two levels are named {level.name!r}; names must differ to be file names")
        if not force and target.exists():
            raise LevelFormatError(f"{target} already exists; not overwriting it without force (--force)")
        targets[target] = level
    out.mkdir(parents=True, exist_ok=True)
    return [write_level(level, target) for target, level in targets.items()]
