"""The analysis tools in tools/ (imported from the checkout)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import levelforge as lf
from levelforge.agent import DQNConfig, tile_agent, training_env
from levelforge.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import agent_failures  # noqa: E402


def _lv(text: str) -> lf.Level:
    return lf.parse_level(text, "dungeon")


def test_doomed_marks_the_actions_that_lose_within_k_steps():
    # a bat (moves every step, heading right) two tiles left of the avatar in
    # a corridor: stepping left meets it on the tile it enters; after any
    # other action it stands next to the avatar, which can still step right
    e = Engine("dungeon")
    s = e.load([_lv("wwwwwww\nw1.A+gw\nwwwwwww\n")])
    names = list(e.spec.actions)
    for depth in (1, 2):
        bad = agent_failures.doomed(e, s, depth)[0]
        assert [names[a] for a in np.flatnonzero(bad)] == ["left"]


def test_play_sorts_every_ending():
    levels = [_lv("wwwwwww\nwA.+.gw\nw.1...w\nwwwwwww\n"), _lv("wwwww\nwA+gw\nwwwww\n")]
    env = training_env("dungeon", levels, 2)
    agent = tile_agent(DQNConfig(network="plan", channels=4, hidden=8), env)
    out = agent_failures.play(agent, levels, shield=0)
    assert out["levels"] == 2
    assert abs(out["won"] + out["lost"] + out["out_of_time"] - 1.0) < 1e-9
    assert sum(out["loss_causes"].values()) == round(out["lost"] * 2)
    shielded = agent_failures.play(agent, levels, shield=1)
    assert abs(shielded["won"] + shielded["lost"] + shielded["out_of_time"] - 1.0) < 1e-9
