"""The ``export`` command: levels into Tiled, LDtk, Godot and plain formats."""

from __future__ import annotations

import time

import click

from ..export import FORMATS
from .app import Fail, _guard, main
from .forge import DEFAULT_DB
from .sources import DB_HELP, GAME_HELP


def _formats(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        for f in (x.strip().lower() for x in v.split(",")):
            if f == "all":
                out += list(FORMATS)
            elif f in FORMATS:
                out.append(f)
            elif f:
                raise Fail(f"--format {f!r}: known formats are {', '.join(FORMATS)}, or all")
    if not out:
        raise Fail(f"say which --format: {', '.join(FORMATS)}, or all")
    return list(dict.fromkeys(out))


@main.command("export", epilog="\b\nFormats:\n" + "\n".join(f"  {f.name:<7} {f.summary}" for f in FORMATS.values()))
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--run", "run", type=int, help="Export every level of this archive run (levelforge runs lists them).")
@click.option("--format", "-f", "formats", multiple=True, metavar="FORMAT",
              help="Format(s) to write: a name below, several (comma-separated or repeated), or all.")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="The folder to write into.")
@click.option("--game", "-g", help=GAME_HELP)
@click.option("--tile-size", "tile", default=16, show_default=True, type=click.IntRange(4, 64),
              help="Tile size in pixels of the tileset image and the maps.")
@click.option("--force", is_flag=True, help="Replace files that already exist (otherwise nothing is written).")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help=DB_HELP)
@_guard
def export(paths: tuple[str, ...], run: int | None, formats: tuple[str, ...], out: str, game: str | None, tile: int,
           force: bool, db: str) -> None:
    """Write levels as files a game project loads: Tiled maps, an LDtk
    project, Godot scenes, or plain text, CSV, PNG and JSON.

    PATHS: level files, folders of them, or run folders of levelforge
    generate (their scores go along); or --run ID for an archive run; with
    neither, the newest run in the archive (--db). Every
    format that draws tiles shares one atlas, tileset.png, drawn from the
    game's sprites; index.json lists the levels and the files written. With
    several formats each goes into its own subfolder of --out. Nothing is
    written if any file exists already, unless --force.

    \b
    Examples:
      levelforge export --run 3 --format tiled --out my-game/maps
      levelforge export levelforge-runs/run-3 --format godot,ldtk --out export
      levelforge export games/dungeon/levels --game dungeon --format all --out all-formats
    """
    from ..export import export_levels
    from .sources import catalog_of

    fmts = _formats(formats)
    t0 = time.perf_counter()
    catalog = catalog_of(paths, run, game, db)
    levels = [e.level for e in catalog.entries]
    names = [e.path.stem if e.path is not None else (e.level.name or e.level.id) for e in catalog.entries]
    try:
        written = export_levels(levels, fmts, out, tile=tile, names=names,
                                scores=[e.scores for e in catalog.entries], force=force)
    finally:
        catalog.close()
    secs = time.perf_counter() - t0
    for f in fmts:
        click.echo(f"{f:<7} {len(written[f]):>4} files")
    click.echo(f"exported {len(levels)} {levels[0].game} levels to {out} in {secs:.1f} s (index: {written['index'][0]})")
