"""Where the viewer and export commands get their levels: files and folders, or an archive run."""

from __future__ import annotations

from pathlib import Path

from .app import Fail

GAME_HELP = "The game of the level files (default: what a run folder records, else dungeon)."
DB_HELP = "The level archive (SQLite) that --run reads, and that marks and saved replays of its levels go to."


def catalog_of(paths: tuple[str, ...], run: int | None, game: str | None, db: str):
    """The levels named: files/folders, an archive run, or (neither) the archive's newest run."""
    from ..archive import Archive
    from ..viewer import from_archive, from_paths

    if paths and run is not None:
        raise Fail("give level files/folders or --run, not both")
    if paths:
        return from_paths(paths, game)
    if not Path(db).is_file():
        raise Fail(f"no archive at {db}: give level files or folders (or --db), or make levels with "
                   "levelforge generate")
    archive = Archive(db)
    try:
        return from_archive(archive, run)  # the catalog keeps the archive open for marks: Catalog.close()
    except LookupError as e:
        archive.close()
        raise Fail(str(e)) from None


def pick(catalog, index: int | None) -> int:
    """``--index`` (1-based, default 1) as a 0-based index into ``catalog``."""
    if index is None:
        return 0
    if not 1 <= index <= len(catalog):
        raise Fail(f"--index {index}: the levels are numbered 1 to {len(catalog)}")
    return index - 1
