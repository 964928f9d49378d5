"""The ``levelforge`` command line's root, its shared helpers, and the level commands
(games, show, check, solve, evaluate, import).

Errors in what a user gave (a bad level file, an unknown game, a missing
folder) print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import functools
import json
import statistics
import sys
from pathlib import Path
from typing import Iterable

import click

from .. import __version__
from ..errors import LevelforgeError
from ..game import GameSpec, game_levels_dir, game_names, load_game
from ..level import Level, read_levels

ACTION_LETTERS = {"noop": ".", "up": "U", "down": "D", "left": "L", "right": "R", "attack": "A"}


class Fail(click.ClickException):
    """A user error: one line on stderr, exit status 2."""

    exit_code = 2

    def show(self, file=None) -> None:  # one line, no usage block
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def _guard(fn):
    """Turn levelforge's user errors into :class:`Fail`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LevelforgeError as e:
            raise Fail(str(e)) from None
        except (FileNotFoundError, IsADirectoryError, PermissionError) as e:
            raise Fail(f"{e.filename}: {e.strerror}" if e.filename else str(e)) from None

    return wrapper


def _finite(obj):
    """``obj`` with NaN floats (nothing measured yet) as None, for strict JSON."""
    if isinstance(obj, float) and obj != obj:
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _game(name: str) -> GameSpec:
    try:
        return load_game(name)
    except LevelforgeError as e:
        raise Fail(str(e)) from None


def _levels(paths: Iterable[str], spec: GameSpec) -> list[Level]:
    paths = list(paths)
    if not paths:
        d = game_levels_dir(spec)
        if d is None:
            raise Fail(f"game {spec.name!r} ships no levels; give level files or folders")
        paths = [str(d)]
    return read_levels(paths, spec)


def _progress(items: list, label: str):
    """A progress bar on stderr for long lists (silent for short ones or pipes)."""
    show = len(items) > 20 and sys.stderr.isatty()
    return click.progressbar(items, label=label, file=sys.stderr, show_pos=True) if show else _nullbar(items)


class _nullbar:
    def __init__(self, items):
        self.items = items

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        return False


GAME_OPTION = click.option(
    "--game", "-g", "game", required=True, metavar="GAME",
    help="Game the level files belong to: a shipped game (see `levelforge games`) or a path to a game.toml.",
)


class _Main(click.Group):
    """The root command: every usage error is one line on stderr, exit status 2."""

    def main(self, *args, **kwargs):
        kwargs.pop("standalone_mode", None)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.ClickException as e:
            click.echo(f"error: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="levelforge")
def main() -> None:
    """levelforge: procedural level generation for tile games.

    Levels are plain text files, one character per tile (VGLC style); a text
    file alone does not say its game, so commands that read levels take
    --game. Start with `levelforge games`, then `levelforge show` a level and
    `levelforge solve` it.
    """


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def games(as_json: bool) -> None:
    """List the shipped games: size, step limit, actions, tile legend and the
    features a generator can be asked for."""
    specs = [load_game(n) for n in game_names()]
    if as_json:
        out = []
        for s in specs:
            d = game_levels_dir(s)
            out.append({
                "name": s.name, "title": s.title, "summary": s.summary,
                "width": s.width, "height": s.height, "max_steps": s.max_steps,
                "actions": list(s.actions),
                "tiles": [{"char": t.char, "name": t.name, "layer": t.layer, "parts": list(t.parts)} for t in s.tiles],
                "features": {k: list(v) for k, v in s.features.items()},
                "levels": len(list(d.glob("*.txt"))) if d else 0,
            })
        click.echo(json.dumps(out, indent=2))
        return
    for s in specs:
        d = game_levels_dir(s)
        n = len(list(d.glob("*.txt"))) if d else 0
        click.echo(f"{s.name}  ({s.title}) {s.width} x {s.height}, step limit {s.max_steps}, {n} shipped levels")
        click.echo(f"  {s.summary}")
        click.echo(f"  actions: {', '.join(s.actions)}")
        legend = ", ".join(f"{t.char!r} {t.name}" for t in s.tiles)
        click.echo(f"  tiles:   {legend}")
        if s.features:
            feats = ", ".join(f"{k} ({' + '.join(v)})" for k, v in s.features.items())
            click.echo(f"  features (--cond NAME=COUNT): {feats}")


@main.command()
@click.argument("level", type=click.Path(dir_okay=False))
@GAME_OPTION
@click.option("--png", "png", type=click.Path(dir_okay=False), help="Write a picture of the level here.")
@click.option("--tile-size", default=16, show_default=True, type=click.IntRange(4, 64), help="Pixels per tile for --png.")
@click.option("--colour/--no-colour", default=None, help="ANSI colours (default: when writing to a terminal).")
@_guard
def show(level: str, game: str, png: str | None, tile_size: int, colour: bool | None) -> None:
    """Print LEVEL as text (in colour on a terminal), or draw it with --png OUT."""
    from .. import render
    from ..png import write_png

    spec = _game(game)
    (lv,) = read_levels([level], spec)
    if png:
        path = write_png(png, render.render_level(lv, tile_size))
        click.echo(f"wrote {path} ({lv.width * tile_size} x {lv.height * tile_size} px)")
        return
    use_colour = sys.stdout.isatty() if colour is None else colour
    click.echo(render.ansi(spec, lv.grid, colour=use_colour), nl=False, color=use_colour)
    click.echo(f"{lv.name}: {spec.name} level {lv.height} x {lv.width}, id {lv.id}", err=True)


@main.command()
@click.argument("levels", nargs=-1, type=click.Path())
@GAME_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per level (JSON Lines).")
@_guard
def check(levels: tuple[str, ...], game: str, as_json: bool) -> None:
    """Check levels against the game's structural constraints (border, tile
    counts, NPCs, ...; see the game's [constraints]). Exit status 1 if any
    level breaks one. LEVELS are files or folders; none: the shipped levels.
    Solvability is `levelforge solve`'s job.
    """
    from ..constraints import check_level

    spec = _game(game)
    bad = 0
    for lv in _levels(levels, spec):
        problems = check_level(lv)
        bad += bool(problems)
        if as_json:
            click.echo(json.dumps({"level": lv.name, "id": lv.id, "ok": not problems, "problems": problems}))
        else:
            click.echo(f"{lv.name:<24} {'ok' if not problems else '; '.join(problems)}")
    if bad:
        sys.exit(1)


@main.command()
@click.argument("levels", nargs=-1, type=click.Path())
@GAME_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per level (JSON Lines).")
@click.option("--max-nodes", default=2_000_000, show_default=True, type=click.IntRange(1), help="Give up on a level after this many distinct states.")
@click.option("--max-seconds", type=click.FloatRange(0, min_open=True), help="Give up on a level after this long.")
@_guard
def solve(levels: tuple[str, ...], game: str, as_json: bool, max_nodes: int, max_seconds: float | None) -> None:
    """Find a shortest plan for each level, or prove there is none.

    LEVELS are level files or folders of them; with none, the game's own
    shipped levels are solved. For each level: the verdict (solved,
    unsolvable within the step limit, or gave_up at the budget), the plan
    length, the plan (U D L R = moves, A = attack, . = wait) and the time.
    """
    from ..solve import Solver

    spec = _game(game)
    lvls = _levels(levels, spec)
    solver = Solver(spec, max_nodes=max_nodes, max_seconds=max_seconds)
    results = []
    with _progress(lvls, "solving") as bar:
        for lv in bar:
            r = solver.solve(lv)
            results.append(r)
            if as_json:
                click.echo(json.dumps({"level": lv.name, "id": lv.id, **r.to_dict()}))
            else:
                plan = "".join(ACTION_LETTERS.get(a, "?") for a in r.plan_names) if r.plan else "-"
                length = f"{r.length:4d} steps" if r.solved else "         -"
                click.echo(f"{lv.name:<24} {r.verdict:<10} {length}  {r.seconds:8.3f}s  {r.nodes:>9} states  {plan}")
                if r.reason:
                    click.echo(f"{'':<24} ({r.reason})")
    if not as_json and len(results) > 1:
        solved = sum(r.solved for r in results)
        times = [r.seconds for r in results]
        click.echo(
            f"{solved}/{len(results)} solved; time per level median {statistics.median(times):.3f}s, max {max(times):.3f}s",
            err=True,
        )


METRIC_COLUMNS = (("playable", "playable"), ("duplicates", "dupl."), ("novelty", "novelty"),
                  ("diversity", "divers."), ("pattern_kl", "KL"), ("controllability", "control"))


@main.command()
@click.argument("sets", nargs=-1, required=True, type=click.Path(exists=True))
@GAME_OPTION
@click.option("--corpus", "corpus_paths", multiple=True, type=click.Path(exists=True),
              help="Training levels (files or folders, repeatable) for novelty and tile-pattern KL.")
@click.option("--cond", "cond", multiple=True, metavar="NAME=COUNT",
              help="The feature request the levels were made for (e.g. monsters=3): adds controllability.")
@click.option("--no-solve", is_flag=True, help="Skip the solver (no playable %: much faster).")
@click.option("--max-nodes", default=1_000_000, show_default=True, type=click.IntRange(1),
              help="Solver budget per level: distinct states.")
@click.option("--max-seconds", default=10.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Solver budget per level: seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per set (JSON Lines).")
@_guard
def evaluate(sets: tuple[str, ...], game: str, corpus_paths: tuple[str, ...], cond: tuple[str, ...], no_solve: bool,
             max_nodes: int, max_seconds: float, as_json: bool) -> None:
    """Measure sets of levels: playable %, duplicates %, novelty, diversity,
    tile-pattern KL and controllability (definitions: docs/metrics.md).

    Each of SETS is a folder (or file) of levels; several sets are measured
    the same way and printed side by side, e.g. a GAN's samples beside a
    procedural generator's:

        levelforge evaluate gan/ procedural/ --game dungeon --corpus games/dungeon/levels
    """
    from ..features import FeatureError, parse_request
    from ..metrics import evaluate as measure

    spec = _game(game)
    try:
        request = parse_request(cond, spec)
    except FeatureError as e:
        raise Fail(str(e)) from None
    corpus = read_levels(corpus_paths, spec) if corpus_paths else None
    rows = []
    for path in sets:
        lvls = read_levels([path], spec)
        show = not as_json and not no_solve and len(lvls) > 20 and sys.stderr.isatty()
        with click.progressbar(length=len(lvls), label=f"solving {path}", file=sys.stderr, show_pos=True) if show \
                else _nullbar(None) as bar:
            step = (lambda i: bar.update(1)) if show else None
            row = {"set": path, **measure(lvls, corpus, solve=not no_solve, max_nodes=max_nodes,
                                          max_seconds=max_seconds, request=request or None, on_level=step)}
        rows.append(row)
        if as_json:
            click.echo(json.dumps(_finite(row)))
    if as_json:
        return
    cols = [(k, h) for k, h in METRIC_COLUMNS if any(k in r for r in rows)]
    width = max(8, *(len(r["set"]) for r in rows))
    click.echo(f"{'set':<{width}} {'levels':>7} " + " ".join(f"{h:>8}" for _, h in cols))
    for r in rows:
        cells = []
        for k, _ in cols:
            v = r.get(k)
            pct = k in ("playable", "duplicates", "novelty", "controllability")
            cells.append("-" if v is None or v != v else f"{v:8.1%}" if pct else f"{v:8.3f}")
        click.echo(f"{r['set']:<{width}} {r['levels']:>7} " + " ".join(f"{c:>8}" for c in cells))


@main.command(name="import")
@click.argument("kind", type=click.Choice(["boxoban", "gvgai", "vglc"]))
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="Folder to write the level files into.")
@click.option("--game", "-g", help="vglc only: the game of files without a levelforge legend.json beside them.")
@click.option("--force", is_flag=True, help="Overwrite level files that already exist.")
@_guard
def import_(kind: str, files: tuple[str, ...], out: str, game: str | None, force: bool) -> None:
    """Convert published level files into levelforge levels, one file per level.

    boxoban: DeepMind Boxoban files (`; N` headers, many puzzles per file) to
    sokoban levels. gvgai: GVGAI zelda level files to dungeon levels. vglc:
    Video Game Level Corpus text files, e.g. from levelforge export --format
    vglc (its legend.json maps the characters; otherwise give --game).
    """
    from ..importers import import_levels

    written = import_levels(kind, [Path(f) for f in files], Path(out), force=force, game=game)
    click.echo(f"wrote {len(written)} levels to {out}")


@main.group()
def train() -> None:
    """Train models: `levelforge train gan` (the level generator) and
    `levelforge train agent` (the DQN player and judge)."""
