"""Draw the pictures used by README.md and docs/ from the shipped levels and models.

    python tools/make_docs_images.py            # writes docs/images/*.png

``generate.png``: the contact sheet of ``levelforge generate --n 20 --seed 0``
with the shipped dungeon models (the run's own ``sheet.png``, 10 columns).
Deterministic: the same levels and models give the same files.

``view_grid.png``, ``view_level.png``, ``view_play.png``, ``view_replay.png``
and ``replay.gif``: the viewer, headless (``SDL_VIDEODRIVER=dummy``), driven
by key presses over the archive of ``levelforge generate --n 50 --seed 0``
(in a temporary folder): the grid with a few levels marked, one level with
its scores, a game half played by the solver's moves, and the agent's
replay with the solver's path drawn over it; the GIF is that replay.
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
    viewer_screens()
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


def viewer_screens(n: int = 50, seed: int = 0) -> None:
    """Screenshots of each view of the viewer, and the agent's replay as a GIF."""
    import os
    import tempfile

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from levelforge.cli import main as cli

    keys = {"up": "up", "down": "down", "left": "left", "right": "right", "attack": "space", "noop": "."}
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the viewer names the archive as given: "levelforge.db", not a temporary path
        try:
            _screens(n, seed, cli, keys)
        finally:
            os.chdir(here)


def _screens(n: int, seed: int, cli, keys: dict[str, str]) -> None:
    from click.testing import CliRunner

    from levelforge.archive import Archive
    from levelforge.gif import write_gif
    from levelforge.viewer import from_archive, player_path, replay_frames
    from levelforge.viewer.app import Viewer

    db = "levelforge.db"
    res = CliRunner().invoke(cli, ["generate", "--n", str(n), "--seed", str(seed), "--db", db, "--out", "run",
                                   "--quiet"])
    if res.exit_code:
        raise SystemExit(res.output)
    with Archive(db) as archive:
        cat = from_archive(archive)
        v = Viewer(cat, size=(1280, 800))
        v.post_keys("k", "right", "right", "k", "down", "x", "right", "right", "k", "left")
        v.run(3, realtime=False)
        v.message_left = 0.0  # no "marked" note over the pictures
        v.screenshot(OUT / "view_grid.png")
        # open the level the agent won by the longest detour from the solver's plan (the liveliest replay)
        won = [i for i, e in enumerate(cat.entries) if "agent" in e.replays and e.replays["agent"].won]
        pick = max(won, key=lambda i: len(cat[i].replays["agent"].actions) - len(cat[i].replays["solver"].actions))
        v.post_keys("home", *["right"] * pick, "return")
        v.run(2, realtime=False)
        v.screenshot(OUT / "view_level.png")
        entry = cat[v.screen.index]
        plan = entry.replays["solver"].actions
        names = entry.level.spec.actions
        v.post_keys("p", *[keys[names[a]] for a in plan[: len(plan) // 2]])
        v.run(2, realtime=False)
        v.screenshot(OUT / "view_play.png")
        agent = entry.replays.get("agent") or entry.replays["solver"]
        v.post_keys("escape", "r", "o")
        v.run(1, realtime=False)
        v.screen.step, v.screen.playing = len(agent.actions) * 2 // 3, False
        v.run(2, realtime=False)
        v.screenshot(OUT / "view_replay.png")
        v.close()
        frames = replay_frames(entry.level, agent, tile=16, path=player_path(entry.level, plan))
        write_gif(OUT / "replay.gif", frames, fps=6, hold_last=1.5)


if __name__ == "__main__":
    main()
