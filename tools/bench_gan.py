#!/usr/bin/env python
"""GAN vs procedural baseline vs random-by-tile-frequency, per game.

For each game: a corpus is split into a training part and a held-out part
of ``--samples`` levels; a GAN trains on the training part (timed, at most
``--minutes``); then ``--samples`` levels from each method are measured with
:mod:`levelforge.metrics` (novelty and tile-pattern KL against the training
part; the held-out part measured the same way is the KL yardstick), with
train time and samples/s. GAN controllability is measured on extra samples
asked for each value of the game's first feature.

Corpora:
- ``dungeon``: the 13 hand-made levels plus ``--corpus-size`` levels of the
  procedural generator (seed 0), 9 x 13;
- ``maze``: the hand-made mazes plus ``--corpus-size`` procedural ones, 11 x 15;
- ``sokoban``: Boxoban medium-train from ``../shared/corpora`` (skipped when
  absent);
- ``cesagan``: the 5 GVGAI Zelda levels (``../shared/corpora/gvgai-zelda``,
  skipped when absent) as dungeon levels, the CESAGAN setting: playable and
  duplicates % of the raw samples (nothing trained on them is saved unless
  ``--save-models`` says so, and that folder is for local use only).

Prints one JSON object on stdout; progress on stderr.

    python tools/bench_gan.py --games dungeon --minutes 10
    python tools/bench_gan.py --games dungeon,sokoban,cesagan --minutes 10 > gan.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import numpy as np  # noqa: E402
import torch  # noqa: E402

from levelforge import metrics  # noqa: E402
from levelforge.features import features  # noqa: E402
from levelforge.game import game_levels_dir, load_game  # noqa: E402
from levelforge.gan import GANConfig, GANGenerator, save_gan, train_gan  # noqa: E402
from levelforge.generators import TileFrequencyGenerator, procedural  # noqa: E402
from levelforge.importers import read_gvgai  # noqa: E402
from levelforge.level import read_levels  # noqa: E402

GAMES = ("dungeon", "maze", "sokoban", "cesagan")
CORPORA = _bench.REPO.parent / "shared" / "corpora"
TARGETS = {
    "dungeon_playable": 0.60, "dungeon_duplicates": 0.01, "dungeon_novelty": 0.90, "dungeon_kl_ratio": 1.5,
    "sokoban_playable": 0.20, "sokoban_duplicates": 0.01, "train_minutes": 10.0,
}
HIGHER_IS_BETTER = {"dungeon_duplicates": False, "dungeon_kl_ratio": False, "sokoban_duplicates": False,
                    "train_minutes": False}


def corpus(game: str, size: int, seed: int) -> tuple[str, list, str] | None:
    """(the game the levels belong to, the levels, where they came from), or None when absent."""
    if game in ("dungeon", "maze"):
        spec = load_game(game)
        hand = read_levels(game_levels_dir(spec), spec)
        _bench.log(f"{game}: generating a corpus of {size:,} procedural levels")
        return game, hand + procedural(game).sample(size, seed), f"{len(hand)} hand-made + {size} procedural"
    if game == "sokoban":
        path = CORPORA / "boxoban" / "medium-train"
        return ("sokoban", _bench.read_boxoban_path(path), str(path)) if path.is_dir() else None
    path = CORPORA / "gvgai-zelda"
    files = sorted(path.glob("zelda_lvl*.txt")) if path.is_dir() else []
    return ("dungeon", [read_gvgai(f) for f in files], str(path)) if files else None


def split(levels: list, held_out: int, seed: int) -> tuple[list, list]:
    """A random training part and a held-out part of ``held_out`` levels (none for tiny corpora)."""
    if len(levels) < 2 * held_out:
        return levels, []
    order = np.random.default_rng(seed).permutation(len(levels))
    return [levels[i] for i in order[held_out:]], [levels[i] for i in order[:held_out]]


def measure(name: str, levels: list, train_part: list, max_seconds: float) -> dict:
    _bench.log(f"   measuring {name}: {len(levels)} levels")
    return metrics.evaluate(levels, train_part, max_nodes=1_000_000, max_seconds=max_seconds)


def timed_sample(gen, n: int, seed: int) -> tuple[list, float]:
    t0 = time.perf_counter()
    levels = gen.sample(n, seed)
    return levels, n / (time.perf_counter() - t0)


def bench_game(key: str, n: int, minutes: float, steps: int, corpus_size: int, seed: int, max_seconds: float,
               save_dir: Path | None, overrides: dict) -> dict:
    got = corpus(key, corpus_size, seed)
    if got is None:
        return {"skipped": f"corpus for {key} not found under {CORPORA}"}
    game, levels, source = got
    train_part, held = split(levels, n, seed)
    cfg = GANConfig(**{**overrides, "steps": steps, "seed": seed, "max_seconds": 60 * minutes})
    _bench.log(f"{key}: training a GAN on {len(train_part):,} levels ({minutes:g} min at most)")
    gan = train_gan(train_part, cfg, progress=True)
    if save_dir is not None:
        # Boxoban and GVGAI levels may not be redistributed: their models keep only the levels' hashes
        save_gan(gan, save_dir / f"{key}-gan.pt", corpus="grids" if key in ("dungeon", "maze") else "ids")
    gen = GANGenerator(gan)
    out: dict = {"game": game, "corpus": source, "corpus_levels": len(levels), "train_levels": len(train_part),
                 "held_out_levels": len(held), "gan_config": cfg.to_dict(), "gan_train": gan.stats}
    samples, rate = timed_sample(gen, n, seed + 1)
    out["gan"] = {**measure("GAN", samples, train_part, max_seconds), "samples_per_s": rate}
    if held:
        out["held_out"] = measure("held-out corpus", held, train_part, max_seconds)
        out["kl_ratio"] = out["gan"]["pattern_kl"] / out["held_out"]["pattern_kl"]
    if key != "cesagan":
        base, rate = timed_sample(procedural(game), n, seed + 2)
        out["procedural"] = {**measure("procedural", base, train_part, max_seconds), "samples_per_s": rate}
    rand, rate = timed_sample(TileFrequencyGenerator(train_part), n, seed + 3)
    out["tile_frequency"] = {**measure("tile frequency", rand, train_part, max_seconds), "samples_per_s": rate}
    if gan.cond_names:
        name = gan.cond_names[0]
        values = sorted(set(gan.cond_prior[:, 0].tolist()))
        per = max(1, n // (4 * len(values)))
        asked = [lv for v in values for lv in gen.sample(per, seed + 4, {name: v})]
        want = np.repeat(values, per)
        got_counts = features(asked, game)[:, 0]
        out["gan"]["controllability"] = float((got_counts == want).mean())
        out["gan"]["controllability_request"] = {"feature": name, "values": values, "per_value": per}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=lambda s: _bench.name_list(s, GAMES), default=["dungeon", "sokoban"],
                    help=f"comma-separated, of {', '.join(GAMES)} (default: dungeon,sokoban)")
    ap.add_argument("--samples", type=int, default=1000, help="levels per method (default 1000)")
    ap.add_argument("--minutes", type=float, default=10.0, help="GAN training time per game, at most (default 10)")
    ap.add_argument("--steps", type=int, default=100_000, help="GAN updates, at most (default: --minutes decides)")
    ap.add_argument("--corpus-size", type=int, default=3000, help="procedural dungeon levels in its corpus")
    ap.add_argument("--max-seconds", type=float, default=5.0, help="solver budget per level (default 5 s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's choice)")
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                    help="a GANConfig setting, e.g. --set n_critic=3 (repeatable)")
    ap.add_argument("--save-models", type=Path, help="save each trained GAN here (<game>-gan.pt)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        overrides = GANConfig.parse_overrides(args.overrides)
    except ValueError as e:
        ap.error(str(e))
    if args.save_models is not None:
        args.save_models.mkdir(parents=True, exist_ok=True)
    results = {g: bench_game(g, args.samples, args.minutes, args.steps, args.corpus_size, args.seed,
                             args.max_seconds, args.save_models, overrides) for g in args.games}
    measured: dict = {}
    if "gan" in results.get("dungeon", {}):
        d = results["dungeon"]
        measured.update(dungeon_playable=d["gan"]["playable"], dungeon_duplicates=d["gan"]["duplicates"],
                        dungeon_novelty=d["gan"]["novelty"], dungeon_kl_ratio=d.get("kl_ratio"))
    if "gan" in results.get("sokoban", {}):
        s = results["sokoban"]
        measured.update(sokoban_playable=s["gan"]["playable"], sokoban_duplicates=s["gan"]["duplicates"])
    minutes = [r["gan_train"]["seconds"] / 60 for r in results.values() if "gan_train" in r]
    if minutes:
        measured["train_minutes"] = max(minutes)
    notes = [
        "playable: structurally sound and solved by the exact solver within the budget (1M states, --max-seconds)",
        "novelty and pattern_kl against the GAN's training part; held_out: a part of the corpus the GAN never saw",
        "kl_ratio: the GAN samples' tile-pattern KL over the held-out part's (both against the training part)",
    ]
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    measured = {k: v for k, v in measured.items() if v is not None}
    _bench.report("bench_gan", settings, notes, results, TARGETS, measured, HIGHER_IS_BETTER)
    met = _bench.check_targets({k: v for k, v in TARGETS.items() if k in measured}, measured, HIGHER_IS_BETTER)
    _bench.log("targets: " + ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in met.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
