"""Independent learners in team games: the training vector env, team play and `train agent --players`."""

import numpy as np
import pytest
from click.testing import CliRunner

from levelforge.agent import load_agent
from levelforge.agent.checkpoint import AgentFileError
from levelforge.agent.team_play import team_play
from levelforge.agent.tiles import check_agent_game
from levelforge.cli import main
from levelforge.engine import Engine, State
from levelforge.envs.multi.vector import TeamVectorEnv
from levelforge.level import parse_level

NOOP, UP, DOWN, LEFT, RIGHT = range(5)
CORRIDOR = parse_level("wwwwwww\nwA...gw\nw+....w\nwwwwwww\n", "dungeon", name="corridor")
BAT = parse_level("wwwwwwww\nwA1...Aw\nw+....gw\nwwwwwwww\n", "dungeon", name="bat")


def test_vector_rows_are_players_and_games_restart_on_the_next_step():
    env = TeamVectorEnv(games=2, players=2, game="dungeon", levels=[CORRIDOR])
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4, len(env.channels), 9, 13) and env.num_envs == 4
    # game 0: player 1 walks to the door while player 0 takes the key; game 1 waits
    for a0, a1 in ((DOWN, RIGHT), (NOOP, RIGHT)):
        obs, r, term, trunc, info = env.step(np.array([a0, a1, NOOP, NOOP]))
        assert not term.any()
    obs, r, term, trunc, info = env.step(np.array([NOOP, RIGHT, NOOP, NOOP]))
    assert term.tolist() == [True, True, False, False]
    assert info["_won"].tolist() == [True, True, False, False] and info["won"][:2].all()
    # the next step starts a new level in game 0 (actions ignored, reward 0)
    obs, r, term, trunc, info = env.step(np.array([RIGHT, RIGHT, NOOP, NOOP]))
    assert not term.any() and r[:2].tolist() == [0.0, 0.0]
    assert (env.states.t[:2] == 0).all() and (env.states.t[2:] == 4).all()


def test_a_player_out_early_reports_the_end_once_and_stays_terminated():
    env = TeamVectorEnv(games=1, players=2, game="dungeon", levels=[BAT])
    env.reset(seed=0)
    _, _, term, _, info = env.step(np.array([RIGHT, NOOP]))  # player 0 walks into the bat
    assert term.tolist() == [True, False] and info["_won"].tolist() == [True, False] and not info["won"][0]
    _, r, term, _, info = env.step(np.array([NOOP, NOOP]))
    assert term.tolist() == [True, False] and "_won" not in info and r[0] == 0.0
    assert env.states.status[1] == State.PLAYING


def test_truncation_ends_the_game_for_everyone():
    env = TeamVectorEnv(games=1, players=3, game="dungeon", levels=[CORRIDOR], max_steps=2)
    env.reset(seed=0)
    env.step(np.zeros(3, dtype=np.int64))
    _, _, term, trunc, info = env.step(np.zeros(3, dtype=np.int64))
    assert trunc.all() and not term.any() and info["_won"].all()


def test_cli_trains_a_team_agent_and_measures_it_together_and_alone(tmp_path):
    out = tmp_path / "team.pt"
    levels = tmp_path / "levels"
    levels.mkdir()
    (levels / "corridor.txt").write_text("wwwwwww\nwA...gw\nw+....w\nwwwwwww\n")
    r = CliRunner().invoke(main, ["train", "agent", "--game", "dungeon", "--levels", str(levels), "--players", "2",
                                  "--steps", "2000", "--num-envs", "8", "--demos", "1", "--pretrain", "50",
                                  "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "by one player alone" in r.output
    agent = load_agent(out)
    assert agent.channels[-1] == "other_players" and agent.stats["players"] == 2
    with pytest.raises(AgentFileError, match="team agent"):
        check_agent_game(agent, "dungeon")
    both, alone = team_play(agent, [CORRIDOR, BAT], 2), team_play(agent, [CORRIDOR, BAT], 1)
    assert both.shape == alone.shape == (2,) and both.dtype == bool
    r = CliRunner().invoke(main, ["train", "agent", "--game", "dungeon", "--players", "2", "--validate", "2",
                                  "--out", str(tmp_path / "x.pt")])
    assert r.exit_code != 0 and "--validate" in r.output


def test_team_play_wins_with_a_scripted_team():
    """team_play counts a co-operative level won when one player gets through; one agent per player."""
    shape = (len(Engine("dungeon").channels) + 1, 4, 7)

    class Script:
        obs_shape = shape

        def __init__(self, plan):
            self.plan, self.t = plan, 0

        def act(self, obs, epsilon=0.0, rng=None):
            a = self.plan[self.t] if self.t < len(self.plan) else NOOP
            self.t += 1
            return np.full(len(obs), a)

    short = parse_level("wwwwwww\nwA...gw\nw+....w\nwwwwwww\n", "dungeon")
    team = [Script([DOWN]), Script([RIGHT, RIGHT, RIGHT])]  # one takes the key, the other walks in
    assert team_play(team, [short], 2, size=(4, 7)).tolist() == [True]
    alone = Script([RIGHT] * 6)  # no key: the door stays shut
    assert team_play([alone], [short], 1, size=(4, 7), max_steps=6).tolist() == [False]
    with pytest.raises(ValueError, match="1 agents for 2 players"):
        team_play([alone], [short], 2)


def test_the_learner_counts_and_stores_nothing_of_a_player_that_is_out():
    """A player killed while its teammate plays on keeps reporting its end; the learner must neither
    count those idle steps as episodes (a real dungeon episode never returns exactly 0: each step
    costs 0.01) nor store them."""
    from levelforge.agent import tile_agent, train
    from levelforge.agent.tiles import tile_preset

    env = TeamVectorEnv(games=4, players=2, game="dungeon", levels=[BAT, CORRIDOR])
    cfg = tile_preset(3000, num_envs=8, learning_starts=10**9, seed=0, device="cpu")
    agent = tile_agent(cfg, env)
    result = train(agent, env, progress=False)
    returns = result.episode_returns
    assert len(returns) > 20 and all(r != 0.0 for r in returns)


def test_cli_team_options_are_checked_and_levels_may_have_several_starts(tmp_path):
    levels = tmp_path / "levels"
    levels.mkdir()
    (levels / "two.txt").write_text("wwwwwwww\nwA....Aw\nw+....gw\nwwwwwwww\n")  # two starts: no solo demo
    (levels / "one.txt").write_text("wwwwwww\nwA...gw\nw+....w\nwwwwwww\n")
    out = tmp_path / "t.pt"
    r = CliRunner().invoke(main, ["train", "agent", "--game", "dungeon", "--levels", str(levels), "--players", "2",
                                  "--steps", "600", "--num-envs", "4", "--demos", "5", "--pretrain", "5",
                                  "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "solving 1 training levels" in r.stderr
    for args, message in ((["--mode", "race"], "--mode is for team games"),
                          (["--players", "2", "--game", "maze", "--mode", "coop"], "maze is played as race"),
                          (["--players", "3", "--num-envs", "8"], "use a multiple of 3")):
        r = CliRunner().invoke(main, ["train", "agent", "--game", "dungeon", *args, "--out", str(tmp_path / "x.pt")])
        assert r.exit_code != 0 and message in r.output, r.output
