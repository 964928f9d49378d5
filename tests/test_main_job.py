"""The README's main job: `levelforge generate --n 50` with the shipped models, checked from the outside."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

import levelforge as lf
from conftest import REPO
from levelforge.forge.defaults import default_agent, default_generator
from levelforge.gan import load_gan
from levelforge.metrics import nearest
from levelforge.solve import Solver


def _readme_main_command() -> str:
    text = (REPO / "README.md").read_text()
    block = text[text.index("```bash") : text.index("```", text.index("```bash") + 3)]
    line = next(ln for ln in block.splitlines() if ln.startswith("python3 -m venv") and "pytest" not in ln)
    return line.split("&&")[-1].strip()


def test_readme_names_generate_as_the_main_job():
    assert re.fullmatch(r"\.venv/bin/levelforge generate --n 50", _readme_main_command())


@pytest.mark.slow
def test_generate_n50_keeps_50_playable_novel_distinct_levels(tmp_path):
    if default_generator("dungeon") is None or default_agent("dungeon") is None:
        pytest.fail("assets/models must hold the dungeon GAN and agent (tools/train_defaults.py)")
    exe = shutil.which("levelforge")
    cli = [exe] if exe else [sys.executable, "-m", "levelforge.cli"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    p = subprocess.run([*cli, "generate", "--n", "50"], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr
    (folder,) = (tmp_path / "levelforge-runs").iterdir()
    files = sorted(folder.glob("*.txt"))
    levels = [lf.read_level(f, "dungeon") for f in files]
    assert len(levels) == 50
    assert len({lv.id for lv in levels}) == 50  # no duplicates
    solver = Solver("dungeon", max_nodes=200_000, max_seconds=None)
    assert all(solver.solve(lv).solved for lv in levels)  # every one solver-verified, checked again here
    gan = load_gan(default_generator("dungeon"))
    reference = gan.training_levels() + lf.read_levels(lf.game.game_levels_dir(lf.load_game("dungeon")), "dungeon")
    assert (nearest(levels, reference) >= 5).sum() >= 45  # novel: at least 5 tiles from every training level
    rows = [json.loads(line) for line in (folder / "levels.jsonl").read_text().splitlines()]
    assert [r["file"] for r in rows] == [f.name for f in files]
    assert (folder / "sheet.png").stat().st_size > 0
    with sqlite3.connect(tmp_path / "levelforge.db") as db:
        assert db.execute("SELECT status, kept FROM runs").fetchall() == [("done", 50)]
        assert db.execute("SELECT COUNT(*) FROM replays WHERE player = 'solver'").fetchone() == (50,)
