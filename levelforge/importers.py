"""Importers for published level formats.

- ``boxoban``: DeepMind Boxoban files (many Sokoban puzzles per file). Each
  puzzle is a ``; N`` header line followed by its rows (10 rows of 10 for
  Boxoban itself), with blank lines between puzzles. They become ``sokoban``
  levels named ``<file stem>-<N>``. Puzzle numbers restart at 0 in every file,
  so ``medium-train/000.txt`` and ``unfiltered-train/000.txt`` give levels of
  the same names.
- ``gvgai``: GVGAI "zelda" level files (one level per file, ``w . A + g 1 2 3``)
  become ``dungeon`` levels named after the file; the ``dungeon`` game uses
  GVGAI's characters, so no translation is needed.

- ``vglc``: Video Game Level Corpus text files (one level per file, one
  character per tile), as ``levelforge export --format vglc`` writes them. A
  ``legend.json`` beside the files that levelforge wrote says the game and
  each character's tile, so the characters are mapped by tile name (and
  ``--game`` may be left out); without one, the characters must be the
  game's own and ``--game`` names it.

All accept LF or CRLF line ends, a UTF-8 byte order mark and a missing final
newline. Every problem is a :class:`LevelFormatError` naming the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterable

from .errors import LevelforgeError, LevelFormatError
from .game import load_game
from .level import Level, parse_level, read_file, write_levels

#: Import format -> the game its levels belong to.
KINDS: dict[str, str | None] = {"boxoban": "sokoban", "gvgai": "dungeon", "vglc": None}  # None: the legend's or --game

_HEADER = re.compile(r";\s*(\d+)\s*")
_GVGAI_LEGEND = "w wall, . floor, A avatar, + key, g goal door, 1 2 3 monsters"


class LevelImportError(LevelforgeError):
    """Levels cannot be imported: unknown format, name clash, or the target exists."""


def _read_text(path: str | Path, what: str) -> tuple[Path, str]:
    """The file's text, decoded as UTF-8 with line ends normalised to LF."""
    p = Path(path)
    data = read_file(p, what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise LevelFormatError(
            f"{p}: line {line}: byte 0x{data[e.start]:02x} is not UTF-8 text; expected a {what} file"
        ) from None
    text = text.removeprefix("\ufeff")
    return p, text.replace("\r\n", "\n").replace("\r", "\n")


def read_boxoban(path: str | Path) -> list[Level]:
    """All puzzles of a Boxoban file, as ``sokoban`` levels named ``<stem>-<N>``."""
    p, text = _read_text(path, "Boxoban")
    # [number, header line, rows]
    puzzles: list[tuple[int, int, list[str]]] = []
    first_line: dict[int, int] = {}
    rows: list[str] | None = None
    ended = False  # a blank line followed the current puzzle's rows
    for i, line in enumerate(text.split("\n"), 1):
        if line.startswith(";"):
            m = _HEADER.fullmatch(line)
            if m is None:
                raise LevelFormatError(
                    f"{p}: line {i}: a puzzle header must be '; N' with N a number, got {line!r}"
                )
            n = int(m.group(1))
            if n in first_line:
                raise LevelFormatError(
                    f"{p}: line {i}: puzzle number {n} repeats (first at line {first_line[n]})"
                )
            first_line[n] = i
            rows = []
            puzzles.append((n, i, rows))
            ended = False
        elif line.strip() == "":
            # Boxoban puzzles are walled, so a blank (or all-space) line is
            # never a row: it separates puzzles.
            ended = bool(rows)
        elif rows is None:
            raise LevelFormatError(
                f"{p}: line {i}: rows before any '; N' puzzle header; "
                "a Boxoban file is '; 0', the rows, a blank line, '; 1', ..."
            )
        elif ended:
            n = puzzles[-1][0]
            raise LevelFormatError(
                f"{p}: line {i}: rows after the blank line that ends puzzle {n}; "
                "each puzzle needs its own '; N' header"
            )
        else:
            rows.append(line)
    if not puzzles:
        raise LevelFormatError(f"{p}: no '; N' puzzle header; not a Boxoban file")
    levels: list[Level] = []
    for n, line_no, prows in puzzles:
        source = f"{p}:{line_no}: puzzle {n}"
        if not prows:
            raise LevelFormatError(f"{source} has no rows")
        levels.append(parse_level("\n".join(prows), "sokoban", source=source, name=f"{p.stem}-{n}"))
    return levels


def read_gvgai(path: str | Path) -> Level:
    """A GVGAI "zelda" level file, as a ``dungeon`` level named after the file."""
    p, text = _read_text(path, "GVGAI zelda level")
    allowed = set(load_game("dungeon").chars)
    # GVGAI zelda has no space tile, so trailing blanks are padding.
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    for r, line in enumerate(lines, 1):
        for c, ch in enumerate(line, 1):
            if ch not in allowed:
                raise LevelFormatError(
                    f"{p}: row {r}, column {c}: {ch!r} is not a GVGAI zelda tile; "
                    f"GVGAI zelda levels use {_GVGAI_LEGEND}"
                )
    return parse_level("\n".join(lines), "dungeon", source=str(p), name=p.stem)


def read_vglc(path: str | Path, game: str | None = None) -> Level:
    """A VGLC text level; with a levelforge ``legend.json`` beside it, its characters are mapped by tile name."""
    import json

    p, text = _read_text(path, "VGLC level")
    legend_file = p.parent / "legend.json"
    mapping: dict[str, str] | None = None
    if legend_file.is_file():
        try:
            doc = json.loads(legend_file.read_text())
            lf = doc.get("levelforge") if isinstance(doc, dict) else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise LevelFormatError(f"{legend_file}: not a JSON legend ({e})") from None
        if isinstance(lf, dict) and isinstance(lf.get("tiles"), dict):
            if game is not None and lf.get("game") != load_game(game).name:
                raise LevelImportError(f"{legend_file} is a legend of {lf.get('game')!r}, not of {game!r}")
            game = lf.get("game")
            spec = load_game(game)
            try:
                mapping = {ch: spec.tile(t["name"]).char for ch, t in lf["tiles"].items()}
            except (KeyError, TypeError) as e:
                raise LevelFormatError(f"{legend_file}: a tile {e} that {spec.name} does not have") from None
    if game is None:
        raise LevelImportError(f"{p}: no levelforge legend.json beside it; say the game with --game")
    if mapping is not None:
        rows = text.rstrip("\n").split("\n")
        for r, row in enumerate(rows, 1):
            bad = next((ch for ch in row if ch not in mapping), None)
            if bad is not None:
                raise LevelFormatError(f"{p}: row {r}: {bad!r} is not in {legend_file.name}")
        text = "\n".join("".join(mapping[ch] for ch in row) for row in rows)
    return parse_level(text, game, source=str(p), name=p.stem)


_READERS: dict[str, Callable[[Path, str | None], list[Level]]] = {
    "boxoban": lambda p, game: read_boxoban(p),
    "gvgai": lambda p, game: [read_gvgai(p)],
    "vglc": lambda p, game: [read_vglc(p, game)],
}


def import_levels(
    kind: str, files: Iterable[str | Path], out: str | Path, force: bool = False, game: str | None = None
) -> list[Path]:
    """Read ``files`` of format ``kind`` and write each level to ``out/<name>.txt``.

    ``game``: the game of ``vglc`` files without a levelforge legend.

    ``out`` is created if missing. Every file is read and checked before
    anything is written, so a bad file or a clash writes nothing. An existing
    level file is overwritten only when ``force``. Returns the written paths.
    """
    reader = _READERS.get(kind)
    if reader is None:
        raise LevelImportError(f"unknown import format {kind!r}; known: {', '.join(KINDS)}")
    files = [Path(f) for f in files]
    if not files:
        raise LevelImportError(f"no {kind} files given to import")
    named: dict[str, Path] = {}
    levels: list[Level] = []
    for f in files:
        for level in reader(f, game):
            if level.name in named:
                raise LevelImportError(
                    f"{named[level.name]} and {f} both give a level named {level.name!r}; "
                    "import them into different folders"
                )
            named[level.name] = f
            levels.append(level)
    return write_levels(levels, out, force=force)
