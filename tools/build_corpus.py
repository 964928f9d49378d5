#!/usr/bin/env python
"""Build a GAN training corpus: a game's hand-made levels plus N procedural ones.

Writes one text file per level into OUT (the hand-made levels under their
own names, the generated ones as ``<game>_gen_<seed>_<i>.txt``) and prints a
JSON summary on stdout (levels written, the generator's solver rejections,
seconds); progress on stderr. The same --seed writes the same files.

    python tools/build_corpus.py --game dungeon --n 2000 --out corpora/dungeon
    python tools/build_corpus.py --game sokoban --n 5000 --no-shipped --out corpora/sokoban
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)

from levelforge.errors import LevelforgeError  # noqa: E402
from levelforge.game import game_levels_dir, load_game  # noqa: E402
from levelforge.generators import procedural  # noqa: E402
from levelforge.level import read_levels, write_level  # noqa: E402

CHUNK = 100


def build(game: str, n: int, seed: int, out: Path, shipped: bool = True, force: bool = False) -> dict:
    spec = load_game(game)
    gen = procedural(spec.name)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.glob("*.txt")) and not force:
        raise LevelforgeError(f"{out} already holds level files; use --force to add to them")
    t0 = time.perf_counter()
    written = 0
    if shipped and game_levels_dir(spec) is not None:
        for lv in read_levels(game_levels_dir(spec), spec):
            write_level(lv, out / f"{lv.name}.txt")
            written += 1
    hand = written
    for i, lv in enumerate(gen.iter_sample(n, seed)):
        write_level(lv, out / f"{lv.name}.txt")
        written += 1
        if (i + 1) % CHUNK == 0:
            _bench.log(f"{game}: {i + 1:,} of {n:,} generated")
    return {"game": spec.name, "out": str(out), "hand_made": hand, "generated": n, "levels": written,
            "seed": seed, "generator": repr(gen), "solver_rejected": getattr(gen, "rejected", None),
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--game", required=True, help="maze, dungeon or sokoban")
    ap.add_argument("--n", type=int, default=2000, help="procedural levels to generate (default 2000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, type=Path, help="folder to write the level files into")
    ap.add_argument("--no-shipped", action="store_true", help="leave out the game's hand-made levels")
    ap.add_argument("--force", action="store_true", help="write into a folder that already holds levels")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("--n must be >= 0")
    try:
        summary = build(args.game, args.n, args.seed, args.out, not args.no_shipped, args.force)
    except LevelforgeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
