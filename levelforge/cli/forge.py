"""The forge commands: ``generate`` (the main job), ``runs`` and ``levels``."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

import click

from .app import Fail, _finite, _game, _guard, main

DEFAULT_DB = "levelforge.db"
STAGE_NAMES = {"draw": "drawing", "solve": "solving", "judge": "agent playing"}


def _parse_cond(items: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key] = int(value)
        except ValueError:
            raise Fail(f"--cond {item!r}: expected NAME=COUNT, e.g. monsters=3") from None
        if not sep or not key:
            raise Fail(f"--cond {item!r}: expected NAME=COUNT, e.g. monsters=3")
    return out


def _stage_reporter(quiet: bool):
    """Progress on stderr: one line per stage, redrawn in place on a terminal."""
    tty = sys.stderr.isatty() and not quiet
    last = {"t": 0.0}

    def report(stage: str, done: int, total: int) -> None:
        if quiet:
            return
        now = time.perf_counter()
        name = STAGE_NAMES.get(stage, stage)
        if tty:
            if done < total and now - last["t"] < 0.2:
                return
            last["t"] = now
            click.echo(f"\r{name}: {done}/{total}\033[K", err=True, nl=done >= total)
        elif done >= total:
            click.echo(f"{name}: {total} done", err=True)

    return report


@main.command("generate")
@click.option("--game", "-g", "game", default=None, metavar="GAME",
              help="The game to make levels for (default: dungeon, or the generator's game).")
@click.option("--n", "n", default=50, show_default=True, type=click.IntRange(1), help="Levels to keep.")
@click.option("--candidates", "-k", type=click.IntRange(1),
              help="Levels to draw from the generator and judge, exactly (default: 3 x N, then more rounds while "
              "fewer than 2 x N are playable, up to 20 x N; with --search cma, 3 x N).")
@click.option("--seed", default=0, show_default=True, type=int, help="The same seed gives the same levels.")
@click.option("--generator", "generator_path", type=click.Path(dir_okay=False),
              help="A GAN model file (levelforge train gan). Default: the game's shipped model (assets/models).")
@click.option("--agent", "agent_path", type=click.Path(dir_okay=False),
              help="A DQN agent file (levelforge train agent). Default: the game's shipped agent.")
@click.option("--judge", default=None, type=click.Choice(["solver", "agent", "both"]),
              help="The playability gate: the exact solver, the agent (for games without a solver), or the "
              "solver's gate with the agent's play scored too.  [default: both; solver when there is no agent, "
              "and for sokoban, whose shipped agent is too weak to judge]")
@click.option("--corpus", multiple=True, type=click.Path(exists=True),
              help="Training levels to measure novelty against (default: those the model file keeps, plus the "
              "game's shipped levels).")
@click.option("--cond", multiple=True, metavar="NAME=COUNT", help="Ask for feature counts, e.g. --cond monsters=3.")
@click.option("--no-repair", is_flag=True, help="Judge the raw samples: no border or duplicate-tile repairs.")
@click.option("--max-nodes", default=200_000, show_default=True, type=click.IntRange(1),
              help="The solver's budget per level (states); a level over it counts as not playable.")
@click.option("--search", default="sample", show_default=True, type=click.Choice(["sample", "cma"]),
              help="How candidates are found: independent draws, or CMA-ES over the GAN's latent space with "
              "creativity as fitness, for the same number of candidates (needs levelforge[search]).")
@click.option("--shield", default=1, show_default=True, type=click.IntRange(0),
              help="The agent plays with the rules engine vetoing moves that lose within K steps and revisits of "
              "states (0: the network alone).")
@click.option("--out", "-o", type=click.Path(file_okay=False),
              help="The run folder (default: levelforge-runs/run-<id>, <id> the archive's run number).")
@click.option("--force", is_flag=True, help="Replace the files of an existing --out folder.")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
              help="The level archive (SQLite), created when missing.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary and levels as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@_guard
def generate(game: str | None, n: int, candidates: int | None, seed: int, generator_path: str | None,
             agent_path: str | None, judge: str | None, corpus: tuple[str, ...], cond: tuple[str, ...],
             no_repair: bool, max_nodes: int, search: str, shield: int, out: str | None, force: bool, db: str,
             as_json: bool, quiet: bool) -> None:
    """Make N playable, novel, varied levels: the GAN draws candidates, the
    solver and the agent play them, the best are kept (docs/forge.md).

    Each kept level is a text file in the run folder, with levels.jsonl
    (every score and the level's provenance) and sheet.png (all of them at a
    glance); the archive (--db) keeps runs, levels and replays.

    \b
    Examples:
      levelforge generate --n 50
      levelforge generate --game dungeon --n 20 --cond monsters=3 --seed 7 --out my-levels
      levelforge generate --generator my-gan.pt --judge solver --n 10
      levelforge generate --n 50 --search cma
    """
    from ..forge import Archive, LevelRecord, forge, write_run
    from ..forge.output import replays_of
    from ..forge.defaults import novelty_reference
    from ..gan import GANGenerator, model_hash
    from ..level import read_levels

    t0 = time.perf_counter()
    request = _parse_cond(cond)
    if out and Path(out).exists() and any(Path(out).iterdir()) and not force:
        raise Fail(f"{out} already holds files (choose another --out, or --force to replace them)")
    gan, generator_path, agent, agent_path, judge = _models(game, generator_path, agent_path, judge)
    spec = _game(gan.game)
    generator = GANGenerator(gan)
    try:
        generator.check_cond(request)
    except ValueError as e:
        raise Fail(str(e)) from None
    reference = read_levels(list(corpus), spec) if corpus else novelty_reference(gan)
    gen_hash = model_hash(generator_path)
    agent_hash = model_hash(agent_path) if agent_path else None
    settings = {"n": n, "candidates": candidates or "auto", "judge": judge, "cond": request,
                "repair": not no_repair, "max_nodes": max_nodes, "search": search, "shield": shield,
                "generator": generator_path,
                "agent": agent_path}
    command = "levelforge " + " ".join(shlex.quote(a) for a in sys.argv[1:])

    with Archive(db) as archive:
        run_id = archive.start_run(command, spec.name, seed, settings, gen_hash, agent_hash)
        try:
            result = forge(generator, n, corpus=reference, training_ids=frozenset(gan.corpus_ids), agent=agent,
                           judge=judge, candidates=candidates, seed=seed, cond=request, repair=not no_repair,
                           max_nodes=max_nodes, shield=shield, search=search, progress=_stage_reporter(quiet))
            folder = Path(out) if out else Path("levelforge-runs") / f"run-{run_id}"
            try:
                write_run(folder, result.selected, gen_hash, seed, force=force)
            except FileExistsError as e:
                raise Fail(str(e)) from None
            records = [
                LevelRecord(c.level.id, spec.name, f"{rank:03d}_{c.level.id}", c.level.text, rank, c.scores.to_dict(),
                            gen_hash, seed, c.index, None if c.latent is None else [float(x) for x in c.latent],
                            c.cond, list(c.repairs), replays_of(c))
                for rank, c in enumerate(result.selected, 1)
            ]
            archive.finish_run(run_id, records)
        except KeyboardInterrupt:
            archive.end_run(run_id, "interrupted")
            raise
        except BaseException:
            archive.end_run(run_id, "failed")
            raise

    counts = result.counts()
    secs = time.perf_counter() - t0
    sel = [c.scores for c in result.selected]
    summary = {
        "run": run_id, "game": spec.name, "seed": seed, "out": str(folder), "db": db, "seconds": round(secs, 2),
        "stage_seconds": {k: round(v, 3) for k, v in result.seconds.items()}, "counts": counts,
        "kept_playable": sum(s.playable for s in sel), "kept_novel": sum(s.novel for s in sel),
        "kept_agent_won": sum(bool(s.agent_success) for s in sel if s.agent_success is not None),
        "mean_creativity": sum(s.creativity for s in sel) / len(sel) if sel else None,
    }
    if as_json:
        levels = [{"rank": r, "level_id": c.level.id, "scores": c.scores.to_dict()}
                  for r, c in enumerate(result.selected, 1)]
        click.echo(json.dumps(_finite({**summary, "levels": levels}), indent=2))
    msg = (f"kept {len(sel)} of {counts['candidates']} candidates ({counts['malformed']} malformed, "
           f"{counts['duplicates']} duplicates, {counts['unsolvable'] + counts['gave_up']} not solved"
           f"{', ' + str(counts['repaired']) + ' repaired' if counts['repaired'] else ''}): "
           f"{summary['kept_playable']} playable, {summary['kept_novel']} novel")
    if agent is not None:
        msg += f", the agent won {summary['kept_agent_won']}"
    click.echo(msg, err=True)
    click.echo(f"wrote {folder}/ (level files, levels.jsonl, sheet.png); run {run_id} in {db}; {secs:.1f} s",
               err=True)
    if len(sel) < n:
        click.echo(f"warning: only {len(sel)} of the {n} levels asked for passed; draw more with --candidates",
                   err=True)


def _models(game: str | None, generator_path: str | None, agent_path: str | None, judge: str | None):
    """The GAN, the agent and the judge a run uses: the ones named, else the
    game's shipped ones; ``judge`` None: the game's default (``DEFAULT_JUDGE``)
    unless an agent is named, else both when there is an agent, else the
    solver alone. Returns (gan, generator path, agent, agent path, judge)."""
    from ..agent import load_agent
    from ..forge.defaults import DEFAULT_GAME, DEFAULT_JUDGE, default_agent, default_generator
    from ..gan import load_gan

    if generator_path is None:
        name = _game(game or DEFAULT_GAME).name
        found = default_generator(name)
        if found is None:
            raise Fail(f"no shipped generator for {name}; give one with --generator (levelforge train gan)")
        generator_path = str(found)
    gan = load_gan(generator_path, game)
    if judge is None and agent_path is None:
        judge = DEFAULT_JUDGE.get(gan.game)
    if agent_path is None and judge != "solver":
        found = default_agent(gan.game)
        if found is not None:
            agent_path = str(found)
        elif judge is not None:
            raise Fail(f"no shipped agent for {gan.game}; give one with --agent, or use --judge solver")
    judge = judge or ("both" if agent_path else "solver")
    if judge == "solver":
        return gan, generator_path, None, None, judge  # an agent named is not used, nor recorded
    return gan, generator_path, load_agent(agent_path, gan.game), agent_path, judge


@main.command("runs")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True)
@_guard
def runs_cmd(db: str, as_json: bool) -> None:
    """List the runs the level archive holds."""
    from ..forge import Archive

    with Archive(db) as archive:
        rows = archive.runs()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"{db} holds no runs yet (levelforge generate)")
        return
    click.echo(f"{'run':>4}  {'status':<11} {'game':<8} {'seed':>5} {'kept':>5}  started                    command")
    for r in rows:
        click.echo(f"{r['run_id']:>4}  {r['status']:<11} {r['game']:<8} {r['seed']:>5} {r['kept']:>5}  "
                   f"{r['started']:<26} {r['command']}")


@main.command("levels")
@click.option("--run", "run_id", type=int, help="Only this run's levels (see levelforge runs).")
@click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--show", is_flag=True, help="Print each level too.")
@click.option("--json", "as_json", is_flag=True)
@_guard
def levels_cmd(run_id: int | None, db: str, show: bool, as_json: bool) -> None:
    """List the levels the archive holds, best first within each run."""
    from ..forge import Archive

    with Archive(db) as archive:
        rows = archive.levels(run_id)
    if as_json:
        click.echo(json.dumps([{**r, "scores": json.loads(r["scores"])} for r in rows], indent=2))
        return
    if not rows:
        click.echo("no levels" + (f" in run {run_id}" if run_id is not None else ""))
        return
    click.echo(f"{'run':>4} {'rank':>4}  {'level':<16}  creativity  novelty  challenge  plan  agent")
    for r in rows:
        agent = "" if r["agent_success"] is None else ("won" if r["agent_success"] > 0 else "lost")
        plan = "" if r["plan_length"] is None else str(r["plan_length"])
        click.echo(f"{r['run_id']:>4} {r['rank']:>4}  {r['level_id']:<16}  {r['creativity']:>10.2f}  "
                   f"{r['novelty']:>7.2f}  {r['challenge']:>9.2f}  {plan:>4}  {agent}")
        if show:
            click.echo(r["text"])


@main.group("forge")
def forge_group() -> None:
    """Loops that improve a generator with the forge's judgement."""


@forge_group.command("bootstrap")
@click.option("--game", "-g", "game", default=None, metavar="GAME",
              help="The game (default: dungeon, or the generator's game).")
@click.option("--generator", "generator_path", type=click.Path(dir_okay=False),
              help="A GAN model file saved with its critic (default: the game's shipped model).")
@click.option("--corpus", multiple=True, type=click.Path(exists=True),
              help="The training levels to grow (default: those the model file keeps).")
@click.option("--rounds", default=3, show_default=True, type=click.IntRange(1))
@click.option("--minutes", default=2.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Fine-tuning wall time per round.")
@click.option("--candidates", default=500, show_default=True, type=click.IntRange(1),
              help="Raw samples the forge judges per round.")
@click.option("--keep", default=100, show_default=True, type=click.IntRange(1),
              help="Levels the forge keeps per round (they join the training set).")
@click.option("--samples", default=500, show_default=True, type=click.IntRange(2),
              help="Raw samples measured before and after each round.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--max-nodes", default=200_000, show_default=True, type=click.IntRange(1))
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="The fine-tuned model (.pt).")
@click.option("--json", "as_json", is_flag=True, help="Print the per-round table as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True)
@_guard
def bootstrap_cmd(game: str | None, generator_path: str | None, corpus: tuple[str, ...], rounds: int, minutes: float,
                  candidates: int, keep: int, samples: int, seed: int, max_nodes: int, out: str, as_json: bool,
                  quiet: bool) -> None:
    """Bootstrap a GAN with its own best levels (CESAGAN): each round the
    forge keeps the best playable, novel levels of its raw samples, they join
    the training set, and the GAN is fine-tuned; raw playable % and
    duplicates % are measured before and after every round.

    \b
    Example:
      levelforge forge bootstrap --game dungeon --rounds 3 --out dungeon-boot.pt
    """
    from ..forge.bootstrap import bootstrap
    from ..forge.defaults import DEFAULT_GAME, default_generator
    from ..gan import load_gan, save_gan
    from ..level import read_levels

    if generator_path is None:
        spec = _game(game or DEFAULT_GAME)
        found = default_generator(spec.name)
        if found is None:
            raise Fail(f"no shipped generator for {spec.name}; give one with --generator")
        generator_path = str(found)
    gan = load_gan(generator_path, game)
    if gan.critic is None:
        raise Fail(f"{generator_path} was saved without its critic; bootstrapping fine-tunes with it "
                   "(levelforge train gan keeps it)")
    spec = _game(gan.game)
    levels = read_levels(list(corpus), spec) if corpus else gan.training_levels()
    if not levels:
        raise Fail(f"{generator_path} keeps no training levels; give them with --corpus")
    kept_grids = gan.corpus is not None

    def show(r) -> None:
        if not quiet:
            click.echo(f"round {r.round}: raw playable {r.raw_playable:.1%}, duplicates {r.raw_duplicates:.1%} "
                       f"({r.samples} samples); +{r.added} levels, {r.corpus} in training", err=True)

    gan, table, grown = bootstrap(gan, levels, rounds, samples=samples, candidates=candidates, keep=keep,
                                  minutes=minutes, seed=seed, max_nodes=max_nodes, on_round=show,
                                  progress=not quiet)
    save_gan(gan, out, corpus="grids" if kept_grids else "ids")
    click.echo(f"saved {out}", err=True)
    if as_json:
        click.echo(json.dumps({"generator": generator_path, "out": out, "rounds": [r.to_dict() for r in table]},
                              indent=2))
