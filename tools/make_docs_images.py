"""Draw the pictures used by README.md and docs/ from the shipped levels and models.

    python tools/make_docs_images.py            # writes docs/images/*.png

``generate.png``: the contact sheet of ``levelforge generate --n 20 --seed 0``
with the shipped dungeon models (the run's own ``sheet.png``, 10 columns).
Deterministic: the same levels and models give the same files.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from levelforge import read_levels  # noqa: E402
from levelforge.game import game_levels_dir, load_game  # noqa: E402
from levelforge.png import write_png  # noqa: E402
from levelforge.render import contact_sheet, render_level  # noqa: E402

OUT = REPO / "docs" / "images"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for game, picks in (("dungeon", 4), ("sokoban", 4), ("maze", 3)):
        spec = load_game(game)
        levels = read_levels(game_levels_dir(spec), spec)
        step = max(1, len(levels) // picks)
        chosen = levels[::step][:picks]
        images = [render_level(lv, tile=16) for lv in chosen]
        sheet = contact_sheet(images, columns=len(images), pad=6)
        write_png(OUT / f"{game}.png", sheet)
        rows.append(sheet)
        print(f"{game}: {', '.join(lv.name for lv in chosen)}", file=sys.stderr)
    write_png(OUT / "games.png", contact_sheet(rows, columns=1, pad=6))
    generated()
    print(f"wrote {OUT}", file=sys.stderr)


def generated(n: int = 20, seed: int = 0) -> None:
    """The forge's sheet of ``n`` levels from the shipped dungeon models."""
    from levelforge.agent import load_agent
    from levelforge.forge import forge
    from levelforge.forge.defaults import default_agent, default_generator, novelty_reference
    from levelforge.forge.output import sheet
    from levelforge.gan import GANGenerator, load_gan

    gan = load_gan(default_generator("dungeon"))
    result = forge(GANGenerator(gan), n, corpus=novelty_reference(gan), agent=load_agent(default_agent("dungeon"), "dungeon"),
                   seed=seed)
    write_png(OUT / "generate.png", sheet(result.selected))


if __name__ == "__main__":
    main()
