#!/usr/bin/env python
"""What the placement relations do to a dungeon GAN's samples: off, fitted, calibrated.

Takes a dungeon GAN model file (one trained without relations shows the
whole effect: a version 2 file, such as the one shipped before them, ``git
show 608a78d:assets/models/dungeon-gan.pt > old-gan.pt``), the benchmark's
corpus split (``tools/bench_gan.py``: 13 hand-made + ``--corpus-size``
procedural levels, seed 0, 1000 held out) and measures ``--samples`` samples
(seed 1) three ways: with the model's tables cleared, with the tables counted
from the training part, and after 4 rounds of calibration. For each: the
tile-pattern KL to the training part, how often the key is right beside the
avatar, the door's count of wall neighbours (0-4), and the playable share of
the first ``--checked`` samples. Prints one JSON object.

    python tools/gan_relations.py --model old-gan.pt
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)
import bench_gan  # noqa: E402
import numpy as np  # noqa: E402

from levelforge import metrics  # noqa: E402
from levelforge.game import load_game  # noqa: E402
from levelforge.gan import GANGenerator, load_gan  # noqa: E402
from levelforge.gan.encoding import cell_argmax, encode  # noqa: E402
from levelforge.gan.train import calibrate_relations  # noqa: E402

STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def placement_stats(levels: list, spec) -> dict:
    """How often the key is beside the avatar; the shares of doors with 0-4 walls beside them
    (over the levels with one avatar and one door)."""
    avatar, key, door, wall = (spec.tile(n).id for n in ("avatar", "key", "door", "wall"))
    levels = [lv for lv in levels if (lv.grid == avatar).sum() == 1 and (lv.grid == door).sum() == 1]
    beside, walls = 0, np.zeros(5)
    for lv in levels:
        g = lv.grid
        a = np.argwhere(g == avatar)[0]
        beside += any(np.abs(k - a).sum() == 1 for k in np.argwhere(g == key))
        r, c = np.argwhere(g == door)[0]
        walls[sum(g[r + dr, c + dc] == wall for dr, dc in STEPS)] += 1
    return {"levels": len(levels), "key_beside_avatar": beside / len(levels),
            "door_walls_0_to_4": (walls / len(levels)).tolist()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True, help="a dungeon GAN model file")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--checked", type=int, default=300, help="samples given to the solver (default 300)")
    ap.add_argument("--corpus-size", type=int, default=3000)
    args = ap.parse_args(argv)
    spec = load_game("dungeon")
    gan = load_gan(args.model, game="dungeon")
    _, levels, _ = bench_gan.corpus("dungeon", args.corpus_size, 0)
    train, held = bench_gan.split(levels, 1000, 0)
    real = cell_argmax(encode(train, len(spec.tiles), gan.size))
    heads = gan.generator.heads
    results: dict = {"held_out": {"pattern_kl": metrics.tile_pattern_kl(held, train)},
                     "corpus": placement_stats(train, spec)}
    for stage in ("off", "fitted", "calibrated"):
        if stage == "off":
            heads.relations.clear()
        elif stage == "fitted":
            heads.fit_relations(real)
        else:
            calibrate_relations(gan, real, 4, 0)
        samples = GANGenerator(gan).sample(args.samples, 1)
        _bench.log(f"{stage}: measuring {len(samples)} samples")
        checked = metrics.playability(samples[: args.checked], max_nodes=1_000_000, max_seconds=5.0)
        results[stage] = {"pattern_kl": metrics.tile_pattern_kl(samples, train), **placement_stats(samples, spec),
                          "playable_of_checked": float(np.mean([c.playable for c in checked]))}
    _bench.report("gan_relations", {k: str(v) for k, v in vars(args).items()},
                  ["pattern_kl against the training part of the benchmark's split; held_out: its held-out part"],
                  results, {}, {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
