"""The viewer commands: ``view`` (browse and mark), ``play`` (a person plays) and ``replay``."""

from __future__ import annotations

import os

import click

from .app import Fail, _guard, main
from .forge import DEFAULT_DB
from .sources import DB_HELP, GAME_HELP, catalog_of, pick

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # before anything imports pygame

WINDOW_HELP = "Window size WxH (default: fits the screen)."


def _size(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    w, sep, h = value.lower().partition("x")
    try:
        size = (int(w), int(h))
    except ValueError:
        raise Fail(f"--size {value!r}: expected WIDTHxHEIGHT, e.g. 1280x800") from None
    if not sep or min(size) < 200:
        raise Fail(f"--size {value!r}: expected WIDTHxHEIGHT of at least 200x200")
    return size


def _agent_player(agent_path: str | None, shield: int = 1):
    """``level -> Replay | None``: the named agent's play, else the shipped agent of the level's game
    (None when that game has none). Agents load on first use (torch only then), once per game."""
    from ..agent import load_agent
    from ..forge.defaults import default_agent
    from ..viewer.replay import agent_replay

    agents: dict = {}

    def play(level):
        if level.game not in agents:
            path = agent_path or default_agent(level.game)
            agents[level.game] = load_agent(path, level.game) if path else None
        agent = agents[level.game]
        return None if agent is None else agent_replay(agent, level, shield)

    return play


def _open(catalog, start, size, agent=None, caption="levelforge"):
    """Run the viewer window until it closes."""
    import pygame

    from ..viewer.app import Viewer

    try:
        viewer = Viewer(catalog, start, size=size, agent=agent, caption=caption)
    except pygame.error as e:
        raise Fail(f"cannot open a window ({e}); on a machine without a display set SDL_VIDEODRIVER=dummy, or "
                   "use levelforge replay --gif / --png") from None
    try:
        viewer.run()
    finally:
        viewer.close()
        catalog.close()


def _paths_help(what: str) -> str:
    return (f"{what} LEVEL files, folders of them, run folders (levelforge generate --out), or replay files; "
            "with none, the newest run in the archive.")


@main.command("view")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--run", "run", type=int, help="An archive run's levels (levelforge runs lists them).")
@click.option("--game", "-g", help=GAME_HELP)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help=DB_HELP)
@click.option("--agent", "agent_path", type=click.Path(exists=True, dir_okay=False),
              help="A DQN agent that plays levels on demand in replays (A key; default: the game's shipped one).")
@click.option("--size", help=WINDOW_HELP)
@_guard
def view(paths: tuple[str, ...], run: int | None, game: str | None, db: str, agent_path: str | None,
         size: str | None) -> None:
    """Browse levels as thumbnails, open one with its scores, play it or
    watch its replays, and mark it kept (K) or rejected (X).

    Marks on archive levels go to the archive at once; marks on files go to
    marks.json in their folder. PATHS: level files, folders of them, run
    folders of levelforge generate, or replay files; with none, the newest
    run in the archive (--db).

    \b
    Keys: arrows move, Enter opens, P plays, R replays, K keep, X reject,
    C clears the mark, +/- zoom, Esc goes back (and quits from the grid).

    \b
    Examples:
      levelforge view                       # the newest run of levelforge generate
      levelforge view --run 3
      levelforge view levelforge-runs/run-3
      levelforge view games/dungeon/levels --game dungeon
    """
    catalog = catalog_of(paths, run, game, db)
    _open(catalog, None, _size(size), _agent_player(agent_path), caption=f"levelforge view: {catalog.source}")


@main.command("play")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--run", "run", type=int, help="Play a level of this archive run.")
@click.option("--index", "-i", type=int, help="Which level (1 = the first; default 1).")
@click.option("--game", "-g", help=GAME_HELP)
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help=DB_HELP)
@click.option("--size", help=WINDOW_HELP)
@_guard
def play(paths: tuple[str, ...], run: int | None, index: int | None, game: str | None, db: str,
         size: str | None) -> None:
    """Play a level with the keyboard, by exactly the rules the agent and the
    solver use.

    \b
    Keys: arrows or WASD move, space attacks (in games with an attack),
    U undoes, R restarts, Enter saves your moves as a replay (into the
    archive for a run's level, else LEVEL.person.replay.json beside the
    file), Esc quits.

    \b
    Examples:
      levelforge play games/dungeon/levels/dungeon_01.txt
      levelforge play --run 3 --index 12
    """
    from ..viewer.play import PlayScreen

    catalog = catalog_of(paths, run, game, db)
    i = pick(catalog, index)
    _open(catalog, lambda v: PlayScreen(v, i), _size(size), caption=f"levelforge play: {catalog[i].title}")


@main.command("replay")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--run", "run", type=int, help="A level of this archive run, with its stored replays.")
@click.option("--index", "-i", type=int, help="Which level (1 = the first; default 1).")
@click.option("--game", "-g", help=GAME_HELP)
@click.option("--agent", "agent_path", type=click.Path(exists=True, dir_okay=False),
              help="Let this DQN agent play the level now (default: a stored replay, else the solver's plan).")
@click.option("--player", type=click.Choice(["agent", "solver", "person"]),
              help="Which stored replay to show (default: the agent's, else a person's, else the solver's).")
@click.option("--path/--no-path", "overlay", default=False, show_default=True,
              help="Draw the solver's shortest path over the level.")
@click.option("--gif", "gif", type=click.Path(dir_okay=False), help="Write the replay as an animated GIF; no window.")
@click.option("--png", "png", type=click.Path(dir_okay=False), help="Write one step as a PNG (--step); no window.")
@click.option("--step", type=int, help="The step --png shows (default: the last).")
@click.option("--tile-size", "--tile", "tile", default=16, show_default=True, type=click.IntRange(4, 64),
              help="Tile size in pixels of --gif/--png.")
@click.option("--fps", default=8.0, show_default=True, type=click.FloatRange(0.5, 60), help="Steps per second of --gif.")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False), help=DB_HELP)
@click.option("--size", help=WINDOW_HELP)
@_guard
def replay(paths: tuple[str, ...], run: int | None, index: int | None, game: str | None, agent_path: str | None,
           player: str | None, overlay: bool, gif: str | None, png: str | None, step: int | None, tile: int,
           fps: float, db: str, size: str | None) -> None:
    """Watch a level being played: the agent's moves, a person's, or the
    solver's shortest plan, step by step.

    With --gif or --png nothing opens: the replay is written as an animation
    or a picture (a caption under the level says who plays, the step, and
    the result).

    \b
    Keys: space pauses, left/right step, +/- speed, Tab switches replays,
    O draws the solver's path, A lets the agent play, Esc quits.

    \b
    Examples:
      levelforge replay games/dungeon/levels/dungeon_01.txt --gif d1.gif --path
      levelforge replay --run 3 --index 1 --player agent
      levelforge replay games/dungeon/levels/dungeon_01.txt --agent my-agent.pt --png end.png
    """
    from ..viewer.replay import replay_frames
    from ..viewer.session import player_path

    catalog = catalog_of(paths, run, game, db)
    i = pick(catalog, index)
    entry = catalog[i]
    level = entry.level
    agent = _agent_player(agent_path)
    if agent_path is not None:
        entry.replays["agent"] = agent(level)
        player = "agent"
    chosen = _choose_replay(entry, player)
    if gif is None and png is None:
        from ..viewer.replay_view import ReplayScreen

        _open(catalog, lambda v: ReplayScreen(v, i, chosen.player, overlay), _size(size), agent=agent,
              caption=f"levelforge replay: {entry.title}")
        return
    catalog.close()
    path = None
    if overlay:
        plan = entry.solver_plan()
        if plan is None:
            raise Fail(f"{entry.title}: the solver finds no plan within its budget, so there is no path to draw")
        path = player_path(level, plan)
    frames = replay_frames(level, chosen, tile=tile, path=path)
    k = len(frames) - 1 if step is None else step
    if png and not 0 <= k < len(frames):  # checked before anything is written
        raise Fail(f"--step {step}: this replay has steps 0 to {len(frames) - 1}")
    if gif:
        from ..gif import write_gif

        write_gif(gif, frames, fps=fps, hold_last=1.0)
        click.echo(f"wrote {gif}: {chosen.player}, {len(frames) - 1} steps, {_result(chosen)}", err=True)
    if png:
        from ..png import write_png

        write_png(png, frames[k])
        click.echo(f"wrote {png}: step {k} of {len(frames) - 1}", err=True)


def _choose_replay(entry, player: str | None):
    """The replay asked for, or the best there is: the agent's, a person's, the solver's (computed if need be)."""
    from ..viewer.replay import Replay

    if player is not None and player != "solver":
        if player not in entry.replays:
            have = ", ".join(sorted(entry.replays)) or "none"
            raise Fail(f"{entry.title} has no {player} replay (stored: {have}); --agent PATH lets an agent play")
        return entry.replays[player]
    if player is None:
        best = next((p for p in entry.players() if p in ("agent", "person")), None)
        if best is not None:
            return entry.replays[best]
    plan = entry.solver_plan()
    if plan is None:
        raise Fail(f"{entry.title}: no stored replay, and the solver finds no plan for it within its budget")
    entry.replays["solver"] = Replay("solver", plan, True)
    return entry.replays["solver"]


def _result(r) -> str:
    return "won" if r.won else "lost" if r.won is not None else "result unknown"

