"""The shield: the rules engine vetoes actions that lose; the judge plays with it."""

from __future__ import annotations

import numpy as np
import pytest

import levelforge as lf
from levelforge.agent import DQNConfig, Judge, tile_agent, training_env
from levelforge.agent.shield import Shield, doomed, shielded_actions
from levelforge.engine import Engine

# a bat (moves every step, heading right) two tiles left of the avatar in a corridor
CORRIDOR = "wwwwwww\nw1.A+gw\nwwwwwww\n"
STRAIGHT = "#######\n#S...E#\n#######\n"  # a maze corridor: 4 steps right to the exit


def _lv(text: str) -> lf.Level:
    return lf.parse_level(text, "dungeon")


def test_doomed_marks_the_actions_that_lose_within_k_steps():
    # stepping left meets the bat on the tile it enters; after any other
    # action it stands next to the avatar, which can still step right
    e = Engine("dungeon")
    s = e.load([_lv(CORRIDOR)])
    names = list(e.spec.actions)
    for depth in (1, 2):
        bad = doomed(e, s, depth)[0]
        assert [names[a] for a in np.flatnonzero(bad)] == ["left"]
    with pytest.raises(ValueError, match="at least 1 step"):
        doomed(e, s, 0)


def test_shield_lets_everything_through_when_all_is_lost():
    e = Engine("dungeon")
    s = e.load([_lv(CORRIDOR)])
    s2, _, _ = e.step(s, np.array([0]))  # wait: the bat is now next to the avatar
    names = list(e.spec.actions)
    ok = Shield(e, 1, veto_revisits=False).allowed(s2, np.array([0]))[0]
    assert [names[a] for a in np.flatnonzero(ok)] == ["right"]  # only stepping away (it faces down: no strike)
    # a row where every action loses: the shield vetoes none of them
    cornered = e.load([_lv("wwwww\nw1.Aw\nwwwww\n")])
    cornered, _, _ = e.step(cornered, np.array([0]))
    assert doomed(e, cornered, 1)[0].all()
    assert Shield(e, 1).allowed(cornered, np.array([0]))[0].all()
    with pytest.raises(ValueError, match="at least 1 step"):
        Shield(e, 1, depth=0)


def test_shield_vetoes_going_back_to_a_state_unless_nothing_else_is_left():
    e = Engine("maze")
    s = e.load([lf.parse_level(STRAIGHT, "maze")])
    names = list(e.spec.actions)
    shield = Shield(e, 1)
    shield.visit(s, np.array([0]))
    ok = shield.allowed(s, np.array([0]))[0]
    assert [names[a] for a in np.flatnonzero(ok)] == ["right"]  # noop and bumps stay where it has been
    assert Shield(e, 1, veto_revisits=False).allowed(s, np.array([0]))[0].all()
    boxed = e.load([lf.parse_level("###\n#S#\n#E#\n###\n", "maze")])
    shield = Shield(e, 1)
    shield.visit(boxed, np.array([0]))
    moved, _, _ = e.step(boxed, np.array([2]))
    assert moved.status[0] == 1  # (down wins at once: no revisit there)
    assert shield.allowed(boxed, np.array([0]))[0].tolist() == [False, False, True, False, False]


def test_shielded_actions_pick_the_best_allowed_and_explore_only_allowed():
    q = np.array([[5.0, 1.0, 2.0], [0.0, 3.0, 1.0]])
    ok = np.array([[False, True, True], [True, True, True]])
    assert shielded_actions(q, ok).tolist() == [2, 1]
    rng = np.random.default_rng(0)
    many = np.repeat(ok[:1], 2000, axis=0)
    picks = shielded_actions(np.repeat(q[:1], 2000, axis=0), many, epsilon=1.0, rng=rng)
    assert set(picks.tolist()) == {1, 2}  # uniform among the allowed, never the vetoed
    assert abs(np.mean(picks == 1) - 0.5) < 0.05


def test_judge_with_a_shield_survives_what_the_network_walks_into(always):
    level = _lv(CORRIDOR)
    agent = tile_agent(DQNConfig(network="plan", channels=4, hidden=8), training_env("dungeon", [level], 1))
    agent.net = always(3, agent.n_actions)  # always "left": into the bat
    (plain,) = Judge(agent).evaluate([level])
    assert plain.success_rate == 0.0 and plain.mean_steps == 1
    (safe,) = Judge(agent, shield=1).evaluate([level])
    assert safe.success_rate == 1.0  # wait, then right onto the key, right into the door
    with pytest.raises(ValueError, match="shield"):
        Judge(agent, shield=-1)


def test_judge_with_a_shield_leaves_a_loop(always):
    level = lf.parse_level(STRAIGHT, "maze")
    agent = tile_agent(DQNConfig(network="plan", channels=4, hidden=8), training_env("maze", [level], 1))
    agent.net = always(1, agent.n_actions)  # always "up": into the wall, for ever
    assert Judge(agent).evaluate([level])[0].success_rate == 0.0
    assert Judge(agent, shield=1, veto_revisits=False).evaluate([level])[0].success_rate == 0.0
    (safe,) = Judge(agent, shield=1).evaluate([level])
    assert safe.success_rate == 1.0 and safe.mean_steps == 4


def test_cli_evaluate_agent_with_a_shield(tmp_path):
    import json

    from click.testing import CliRunner

    from levelforge.agent import save_agent
    from levelforge.cli import main

    level = lf.parse_level(STRAIGHT, "maze")
    agent = tile_agent(DQNConfig(network="plan", channels=4, hidden=8), training_env("maze", [level], 1))
    path = save_agent(agent, tmp_path / "maze.pt")
    (tmp_path / "straight.txt").write_text(STRAIGHT)
    r = CliRunner().invoke(main, ["evaluate-agent", "--agent", str(path), "--levels", str(tmp_path / "straight.txt"),
                                  "--shield", "1", "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output.strip().splitlines()[-1])["summary"]
    # in a corridor with no going back, even an untrained agent reaches the exit
    assert summary["shield"] == 1 and summary["success_rate"] == 1.0
    r = CliRunner().invoke(main, ["evaluate-agent", "--agent", str(path), "--shield", "-1"])
    assert r.exit_code == 2
