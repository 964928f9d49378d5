"""GAN commands: ``train gan`` and ``sample``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .app import GAME_OPTION, Fail, _game, _guard, main, train


@train.command("gan")
@GAME_OPTION
@click.option("--corpus", "corpus", multiple=True, required=True, type=click.Path(exists=True),
              help="Training levels: files or folders (repeatable). Build a large one with tools/build_corpus.py.")
@click.option("--steps", default=3000, show_default=True, type=click.IntRange(1), help="Generator updates.")
@click.option("--minutes", type=click.FloatRange(0, min_open=True), help="Stop after this much wall time.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seeds the networks and the batches.")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="Where to save the model (.pt).")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="CSV log of the run (default: OUT with .csv).")
@click.option("--device", default="cpu", show_default=True, type=click.Choice(["cpu", "cuda", "auto"]))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Any other training setting (GANConfig), e.g. --set latent=64 --set n_critic=3 (repeatable).")
@click.option("--keep-corpus", default="grids", show_default=True, type=click.Choice(["grids", "ids", "none"]),
              help="What the model file keeps of the training levels, for novelty (levelforge generate): the "
              "grids, only their hashes (for data that may not be redistributed), or nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line.")
@_guard
def train_gan_cmd(game: str, corpus: tuple[str, ...], steps: int, minutes: float | None, seed: int, out: str,
                  log_path: str | None, device: str, overrides: tuple[str, ...], keep_corpus: str, quiet: bool) -> None:
    """Train a level GAN on a corpus of GAME levels.

    A conditional DCGAN trained with WGAN-GP (docs/gan.md): it learns to make
    levels like the corpus's (of its most common size), and can be asked
    for feature counts (`levelforge sample --cond monsters=3`). Progress
    goes to stderr, a CSV row every 100 updates to --log, and the model is
    saved even when Ctrl-C stops the run early.

        levelforge train gan --game dungeon --corpus corpus/ --out dungeon-gan.pt
    """
    from ..gan import GANConfig, save_gan, train_gan
    from ..level import read_levels

    spec = _game(game)
    try:
        changes = GANConfig.parse_overrides(overrides)
        cfg = GANConfig(**{**changes, "steps": steps, "seed": seed, "device": device,
                           "max_seconds": 60.0 * minutes if minutes else 0.0})
    except ValueError as e:
        raise Fail(str(e)) from None
    levels = read_levels(corpus, spec)
    out_path = Path(out)
    log = Path(log_path) if log_path else out_path.with_suffix(".csv")
    gan = train_gan(levels, cfg, log_path=log, progress=not quiet)
    save_gan(gan, out_path, corpus=keep_corpus)
    st = gan.stats
    note = " (stopped early)" if st["interrupted"] else ""
    left = f"; left out {st['left_out_other_sizes']} levels of other sizes" if st["left_out_other_sizes"] else ""
    click.echo(f"trained on {st['corpus_levels']} {gan.height}x{gan.width} levels for {st['steps']} updates "
               f"in {st['seconds']:.0f}s{note}{left}; saved {out_path} (log: {log})", err=True)


@main.command()
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False),
              help="A GAN saved by `levelforge train gan`.")
@click.option("--n", "n", default=10, show_default=True, type=click.IntRange(1), help="Levels to make.")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False), help="Folder to write the levels into.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0),
              help="The same model, seed and request always give the same levels.")
@click.option("--cond", "cond", multiple=True, metavar="NAME=COUNT",
              help="Ask for a feature count, e.g. --cond monsters=3 (repeatable; see `levelforge games`).")
@click.option("--force", is_flag=True, help="Overwrite level files that already exist.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per level (JSON Lines).")
@_guard
def sample(model_path: str, n: int, out: str, seed: int, cond: tuple[str, ...], force: bool, as_json: bool) -> None:
    """Make N levels with a trained GAN.

    Writes one text file per level into OUT, and appends to OUT/samples.jsonl, for each
    level its file, id, seed, index, the model's hash, its latent vector and
    feature counts, so any level can be made again. Raw samples are not
    checked or repaired: `levelforge evaluate OUT --game G` says how many are
    playable.

        levelforge sample --model dungeon-gan.pt --n 50 --cond monsters=3 --out levels/
    """
    from ..features import FeatureError, parse_request
    from ..gan import GANGenerator, load_gan, model_hash
    from ..level import write_levels

    gan = load_gan(model_path)
    try:
        request = parse_request(cond, gan.game)
    except FeatureError as e:
        raise Fail(str(e)) from None
    drawn = GANGenerator(gan).draw(n, seed, request)
    paths = write_levels(drawn.levels, out, force=force)
    digest = model_hash(model_path)
    records = []
    for i, (lv, path) in enumerate(zip(drawn.levels, paths)):
        records.append({"file": path.name, "id": lv.id, "game": gan.game, "model": digest, "seed": seed, "index": i,
                        "cond": dict(zip(gan.cond_names, drawn.cond[i].tolist())),
                        "latent": [float(v) for v in drawn.latents[i]]})  # exact: float32 -> double -> JSON
    lines = [json.dumps(r) for r in records]
    with (Path(out) / "samples.jsonl").open("a") as f:  # appended: earlier samples' records stay
        f.writelines(line + "\n" for line in lines)
    if as_json:
        for line in lines:
            click.echo(line)
    click.echo(f"wrote {len(paths)} {gan.game} levels to {out} (their latents: {out}/samples.jsonl)", err=True)
