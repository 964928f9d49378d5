"""The DQN agent: networks, checkpoints, the judge, learning, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

from levelforge.agent import (
    Agent,
    AgentFileError,
    DQNConfig,
    Judge,
    load_agent,
    save_agent,
    tile_agent,
    train,
    training_env,
)
from levelforge.agent.networks import TileQNet, build_network, egocentric
import levelforge as lf
from levelforge.cli import main
from levelforge.level import parse_level
from levelforge.solve import Solver

BEND = "#######\n#S..#.#\n##.##.#\n##....#\n####.E#\n#######\n"  # shortest plan: 7 steps
STRAIGHT = "#######\n#S...E#\n#######\n"  # 4 steps right


def _agent(**cfg) -> Agent:
    """A small untrained maze agent."""
    env = training_env("maze", [parse_level(BEND, "maze")], 2)
    return tile_agent(DQNConfig(**{"hidden": 32, **cfg}), env)


# -- networks ---------------------------------------------------------------------------------


def test_egocentric_window_is_centred_on_the_player():
    x = torch.zeros(2, 2, 3, 4, dtype=torch.uint8)
    x[0, 0, 1, 2] = 1  # player at (1, 2)
    x[1, 0, 0, 0] = 1  # player at (0, 0)
    x[:, 1] = torch.arange(1, 13).reshape(3, 4)
    v = egocentric(x, 0, 2)[..., 1].reshape(2, 5, 5)
    assert v[0, 2, 2] == 7 and v[1, 2, 2] == 1  # the player's own cell in the middle
    assert v[0].tolist() == [[0, 0, 0, 0, 0], [1, 2, 3, 4, 0], [5, 6, 7, 8, 0], [9, 10, 11, 12, 0], [0, 0, 0, 0, 0]]
    assert v[1, :2].sum() == 0 and v[1, :, :2].sum() == 0  # above and left of the level: outside


def test_tile_network_plays_any_level_size_and_shifted_scenes_alike():
    net = TileQNet(4, 5, player_channel=3, hidden=16, radius=6)
    small = torch.zeros(1, 4, 5, 7, dtype=torch.uint8)
    small[0, 3, 2, 3] = 1
    small[0, 0, 2, 5] = 1  # a wall two tiles to the player's right
    big = torch.zeros(1, 4, 9, 13, dtype=torch.uint8)
    big[0, 3, 6, 8] = 1
    big[0, 0, 6, 10] = 1  # the same scene elsewhere in a bigger level
    assert torch.allclose(net(small), net(big))
    other = big.clone()
    other[0, 0, 6, 10], other[0, 0, 6, 6] = 0, 1  # the wall on the left instead
    assert not torch.allclose(net(small), net(other))


@pytest.mark.parametrize("kind,shape", [("nature", (4, 84, 84)), ("minatar", (6, 10, 10)), ("mlp", (4,))])
def test_other_networks_give_one_q_per_action(kind, shape):
    net = build_network(kind, shape, 7, hidden=32)
    dtype = torch.float32 if kind == "mlp" else torch.uint8
    assert net(torch.zeros((3, *shape), dtype=dtype)).shape == (3, 7)


def test_config_checks_and_epsilon_schedule():
    cfg = DQNConfig(steps=1000, eps_start=1.0, eps_end=0.1, eps_fraction=0.5)
    assert cfg.epsilon(0) == 1.0 and cfg.epsilon(250) == pytest.approx(0.55) and cfg.epsilon(900) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="n_step"):
        DQNConfig(n_step=0)
    assert DQNConfig.from_dict({**cfg.to_dict(), "from_the_future": 1}) == cfg


# -- checkpoints --------------------------------------------------------------------------------


def test_checkpoint_round_trip_is_weights_only(tmp_path):
    agent = _agent()
    obs = training_env("maze", [parse_level(BEND, "maze")], 2).reset(seed=0)[0]
    path = save_agent(agent, tmp_path / "a.pt")
    torch.load(path, weights_only=True)  # loads without unpickling code
    back = load_agent(path, env="maze")
    assert torch.equal(back.q_values(obs), agent.q_values(obs))
    assert back.config == agent.config and back.channels == agent.channels
    assert back.wall_channels == agent.wall_channels == (agent.channels.index("wall"),)


def test_bad_checkpoints_are_one_clear_error(tmp_path):
    path = save_agent(_agent(), tmp_path / "a.pt")
    with pytest.raises(AgentFileError, match="an agent for 'maze', not 'dungeon'"):
        load_agent(path, env="dungeon")
    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[:200])
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint at all")
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    for bad in (cut, junk, other, tmp_path / "missing.pt", tmp_path):
        with pytest.raises(AgentFileError, match=str(bad.name)):
            load_agent(bad)


# -- the judge ----------------------------------------------------------------------------------


def test_judge_scores_each_level_from_one_batch(always):
    agent = _agent()
    agent.net = always(4, agent.n_actions)  # maze actions: noop up down left right
    levels = [parse_level(STRAIGHT, "maze", name="straight"), parse_level(BEND, "maze", name="bend")]
    scores = Judge(agent).evaluate(levels, episodes=3)
    assert [s.level for s in scores] == ["straight", "bend"]
    straight, bend = scores
    assert straight.success_rate == 1.0 and straight.mean_steps == 4
    assert straight.mean_return == pytest.approx(1.0 - 0.01 * 4)
    assert bend.success_rate == 0.0 and bend.mean_steps == 300  # walks into a wall until the step limit
    assert bend.mean_return == pytest.approx(-0.01 * 300)
    noisy = Judge(agent).evaluate(levels, episodes=8, epsilon=0.5, seed=1)
    assert noisy[0].mean_steps > 4  # random actions delay it


def test_judge_refuses_another_games_levels():
    agent = _agent()
    with pytest.raises(AgentFileError, match="plays 'maze', not 'sokoban'"):
        Judge(agent).evaluate([parse_level("#####\n#@$.#\n#####\n", "sokoban")])


# -- learning ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prioritized,replay", [(False, "host"), (True, "host"), (False, "device")])
def test_dqn_learns_to_solve_a_small_maze(prioritized, replay):
    level = parse_level(BEND, "maze")
    env = training_env("maze", [level], 16, max_steps=40)
    cfg = DQNConfig(steps=12_000, num_envs=16, hidden=64, lr=1e-3, batch_size=64, train_every=4,
                    learning_starts=1000, target_every=100, eps_fraction=0.4, buffer_size=10_000,
                    prioritized=prioritized, replay_device=replay, log_every=4000, seed=3)
    agent = tile_agent(cfg, env)
    before = Judge(agent, max_steps=40).evaluate([level])[0]
    result = train(agent, env, progress=False)
    after = Judge(agent, max_steps=40).evaluate([level])[0]
    shortest = Solver("maze").solve(level).length
    assert before.success_rate == 0.0 or before.mean_steps > shortest
    assert after.success_rate == 1.0 and after.mean_steps == shortest == 7, result.log
    assert [row["step"] for row in result.log][-1] >= 12_000


def test_learner_refuses_same_step_autoreset():
    from levelforge.envs import TileVectorEnv

    env = TileVectorEnv(2, "maze", [parse_level(BEND, "maze")])
    with pytest.raises(ValueError, match="NEXT_STEP"):
        train(_agent(), env, progress=False)


# -- command line ---------------------------------------------------------------------------------


def test_cli_trains_saves_and_evaluates(tmp_path):
    levels = tmp_path / "levels"
    levels.mkdir()
    (levels / "bend.txt").write_text(BEND)
    (levels / "straight.txt").write_text(STRAIGHT)
    out = tmp_path / "agent.pt"
    r = CliRunner().invoke(main, ["train", "agent", "--game", "maze", "--levels", str(levels), "--steps", "3000",
                                  "--num-envs", "8", "--pretrain", "100", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    assert out.exists() and (tmp_path / "agent.csv").read_text().startswith("step,episodes,mean_return")
    r = CliRunner().invoke(main, ["evaluate-agent", "--agent", str(out), "--levels", str(levels), "--json"])
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in r.output.strip().splitlines()]
    assert {x["level"] for x in lines[:-1]} == {"bend", "straight"}
    assert 0.0 <= lines[-1]["summary"]["success_rate"] <= 1.0


def test_cli_keeps_the_weights_that_won_validation(tmp_path):
    out = tmp_path / "agent.pt"
    r = CliRunner().invoke(main, ["train", "agent", "--game", "maze", "--steps", "2000", "--num-envs", "8",
                                  "--demos", "0", "--validate", "3", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "kept the weights of step" in r.stderr
    assert load_agent(out).stats["validation"]["levels"] == 3
    game = tmp_path / "labyrinth" / "game.toml"  # a game of its own: no procedural generator
    game.parent.mkdir()
    game.write_text((Path(lf.__file__).parent.parent / "games" / "maze" / "game.toml").read_text()
                    .replace('name = "maze"', 'name = "labyrinth"'))
    mazes = Path(lf.__file__).parent.parent / "games" / "maze" / "levels"
    r = CliRunner().invoke(main, ["train", "agent", "--game", str(game), "--levels", str(mazes), "--steps", "2000",
                                  "--validate", "3", "--out", str(tmp_path / "s.pt")])
    assert r.exit_code == 2 and "no procedural generator" in r.output and not (tmp_path / "s.pt").exists()


def test_cli_agent_errors_are_one_line(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00" * 10)
    r = CliRunner().invoke(main, ["evaluate-agent", "--agent", str(junk)])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "not a levelforge agent checkpoint" in r.output
    path = save_agent(_agent(), tmp_path / "maze.pt")
    soko = tmp_path / "soko.txt"
    soko.write_text("#####\n#@$.#\n#####\n")
    r = CliRunner().invoke(main, ["evaluate-agent", "--agent", str(path), "--levels", str(soko)])
    assert r.exit_code == 2 and "error:" in r.output


def test_training_sources_mix_corpus_and_practice_levels():
    from levelforge.agent.tiles import Blend, MixedSource, practice_levels

    corpus = [parse_level(BEND, "maze", name="bend")]
    src = MixedSource(corpus, practice_levels("maze"), corpus_share=0.25)
    rng = np.random.default_rng(0)
    got = [src(rng) for _ in range(200)]
    from_corpus = sum(lv.name == "bend" for lv in got)
    assert 25 <= from_corpus <= 75  # about a quarter
    sizes = {(lv.height, lv.width) for lv in got if lv.name != "bend"}
    assert {(5, 7), (11, 15)} <= sizes  # small practice mazes and full-size ones
    assert len(src.served) == len({lv.id for lv in got})
    env = training_env("maze", src, 4)  # smaller levels are padded into the full board
    assert env.reset(seed=0)[0].shape == (4, 4, 11, 15)
    with pytest.raises(ValueError, match="one weight per source"):
        Blend([practice_levels("maze")], [0.5, 0.5])


# -- demonstrations -------------------------------------------------------------------------------


def test_demonstrations_replay_the_solver_plans():
    from levelforge.agent.demos import demo_buffer, solver_plans

    levels = [parse_level(BEND, "maze", name="bend"), parse_level(STRAIGHT, "maze", name="straight")]
    plans = solver_plans(levels)
    assert [len(p) for _, p in plans] == [7, 4]
    buf = demo_buffer(plans, (11, 15), (4, 11, 15), n_step=3, gamma=0.5)
    s = buf.sample(256)
    planned = {a for _, p in plans for a in p}
    assert set(s.actions.tolist()) <= planned
    # the last step of each plan wins (+1, -0.01 per step) and terminates: no bootstrap after it, so
    # the targets of the last 1, 2 or 3 steps are these (n = 3, gamma = 0.5)
    ends = s.discounts == 0
    allowed = np.array([0.99, -0.01 + 0.5 * 0.99, -0.01 - 0.005 + 0.25 * 0.99])
    assert ends.any()
    assert np.abs(s.returns[ends][:, None] - allowed[None, :]).min(axis=1).max() < 1e-5


def test_learning_from_demonstrations_uses_the_margin_loss():
    from levelforge.agent.demos import demo_buffer, solver_plans

    level = parse_level(BEND, "maze")
    env = training_env("maze", [level], 8, max_steps=40)
    cfg = DQNConfig(steps=2_000, num_envs=8, hidden=64, lr=1e-3, batch_size=64, train_every=2,
                    learning_starts=200, target_every=100, eps_start=1.0, eps_end=1.0,  # it never acts greedily
                    buffer_size=4_000, demo_fraction=0.5, seed=1)
    agent = tile_agent(cfg, env)
    demos = demo_buffer(solver_plans([level]), (11, 15), agent.obs_shape, cfg.n_step, cfg.gamma)
    train(agent, env, progress=False, demos=demos)
    # its own play was random, yet greedy play now follows the demonstrated plan
    after = Judge(agent, max_steps=40).evaluate([level])[0]
    assert after.success_rate == 1.0 and after.mean_steps == 7


def test_pre_training_learns_the_demonstrations_before_any_play():
    from levelforge.agent.demos import demo_buffer, solver_plans

    level = parse_level(BEND, "maze")
    env = training_env("maze", [level], 8, max_steps=40)
    cfg = DQNConfig(steps=8, num_envs=8, hidden=64, lr=1e-3, batch_size=64, learning_starts=10**6,
                    target_every=100, demo_fraction=0.5, pretrain_updates=300, seed=1)
    agent = tile_agent(cfg, env)
    demos = demo_buffer(solver_plans([level]), (11, 15), agent.obs_shape, cfg.n_step, cfg.gamma)
    train(agent, env, progress=False, demos=demos)
    assert agent.stats["steps"] == 8 and agent.stats["updates"] == 300  # one vector step of play, no update from it
    after = Judge(agent, max_steps=40).evaluate([level])[0]
    assert after.success_rate == 1.0 and after.mean_steps == 7


# -- benchmark environments ------------------------------------------------------------------------


def test_atari_command_trains_cartpole_end_to_end(tmp_path):
    out = tmp_path / "cp.pt"
    r = CliRunner().invoke(main, ["atari", "train", "--env", "CartPole-v1", "--steps", "1500", "--out", str(out),
                                  "--eval-episodes", "2", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "evaluation: mean return" in r.output
    agent = load_agent(out, env="CartPole-v1")
    assert agent.stats["steps"] >= 1500 and len(agent.stats["eval_returns"]) == 2
    assert all(ret >= 8 for ret in agent.stats["eval_returns"])  # CartPole pays 1 per step; episodes last >= 8


def test_atari_command_overlaps_updates_with_async_envs(tmp_path):
    """--async steps the envs in subprocesses while the network trains
    (step_async / update / step_wait); --set and --json reach the run."""
    out = tmp_path / "cp.pt"
    r = CliRunner().invoke(main, [
        "atari", "train", "--env", "CartPole-v1", "--steps", "2000", "--async", "--num-envs", "2", "--out", str(out),
        "--set", "learning_starts=500", "--set", "train_every=2", "--eval-episodes", "0", "--json", "--quiet"])
    assert r.exit_code == 0, r.output + r.stderr
    res = json.loads(r.stdout)
    assert res["config"]["learning_starts"] == 500 and res["config"]["train_every"] == 2.0
    # one update per 2 env steps after 500 steps; the last vector step's updates run during the next step
    assert 745 <= res["stats"]["updates"] <= 750, res["stats"]
    assert res["log"][-1]["loss"] > 0


def test_config_overrides_are_typed_and_checked():
    assert DQNConfig.parse_overrides(["lr=1e-4", "steps=5e4", "double=false", "network=mlp"]) == {
        "lr": 1e-4, "steps": 50_000, "double": False, "network": "mlp"}
    for bad, msg in [("steps=1.5", "expected an int"), ("nope=1", "KEY=VALUE"), ("double=maybe", "true or false"),
                     ("lr", "KEY=VALUE")]:
        with pytest.raises(ValueError, match=msg):
            DQNConfig.parse_overrides([bad])


def test_gpu_preset_is_for_atari_only(tmp_path):
    r = CliRunner().invoke(main, ["atari", "train", "--env", "CartPole-v1", "--preset", "gpu", "--out",
                                  str(tmp_path / "x.pt")])
    assert r.exit_code == 2 and "gpu preset is for Atari" in r.output
    r = CliRunner().invoke(main, ["atari", "train", "--env", "CartPole-v1", "--set", "lr=fast", "--out",
                                  str(tmp_path / "x.pt")])
    assert r.exit_code == 2 and "expected a float" in r.output


def test_unknown_benchmark_env_is_one_line(tmp_path):
    r = CliRunner().invoke(main, ["atari", "train", "--env", "Pong", "--out", str(tmp_path / "x.pt")])
    assert r.exit_code == 2 and "unknown benchmark env 'Pong'" in r.output and r.output.count("\n") == 1


def test_best_snapshot_keeps_the_weights_that_won_validation():
    from levelforge.agent.snapshots import BestSnapshot

    class Prefers(nn.Module):  # Q = a learned preference per action, the same everywhere
        def __init__(self, n):
            super().__init__()
            self.pref = nn.Parameter(torch.zeros(n))

        def forward(self, obs):
            return self.pref.expand(len(obs), -1)

    agent = _agent()
    agent.net = Prefers(agent.n_actions)
    right, left = agent.n_actions - 1, agent.n_actions - 2  # maze actions: noop, up, down, left, right
    snap = BestSnapshot(agent, [parse_level(STRAIGHT, "maze")])
    with torch.no_grad():
        agent.net.pref.zero_().index_fill_(0, torch.tensor([right]), 1.0)
    snap({"step": 100})  # walks right into the exit: wins
    with torch.no_grad():
        agent.net.pref.zero_().index_fill_(0, torch.tensor([left]), 1.0)
    snap({"step": 200})  # walks into the wall: loses
    assert [h["win_rate"] for h in snap.history] == [1.0, 0.0]
    assert snap.restore() and int(agent.net.pref.argmax()) == right
    assert agent.stats["validation"]["step"] == 100 and agent.stats["validation"]["win_rate"] == 1.0
