"""The analysis tools in tools/ (imported from the checkout)."""

from __future__ import annotations

import sys
from pathlib import Path

import levelforge as lf
from levelforge.agent import DQNConfig, tile_agent, training_env

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import agent_failures  # noqa: E402


def _lv(text: str) -> lf.Level:
    return lf.parse_level(text, "dungeon")


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


def test_reference_dqn_loop_times_its_updates():
    import _dqn_reference

    from levelforge.agent.benchmarks import make_single, preset

    cfg = preset("CartPole-v1", 600, seed=0, device="cpu", learning_starts=200, n_step=1, double=False,
                 max_grad_norm=0.0, train_every=10)
    out = _dqn_reference.run(make_single("CartPole-v1"), cfg, 600)
    assert out["steps"] == 600 and out["updates"] == 40  # steps 200, 210, ..., 590
    assert 0.0 < out["update_seconds"] < out["seconds"]


def test_build_corpus_writes_hand_made_and_generated_levels(tmp_path):
    import build_corpus

    out = tmp_path / "corpus"
    summary = build_corpus.build("maze", 5, seed=2, out=out)
    hand = len(lf.read_levels(lf.game.game_levels_dir(lf.load_game("maze")), "maze"))
    assert summary["levels"] == hand + 5 and summary["generated"] == 5
    names = sorted(p.stem for p in out.glob("*.txt"))
    assert [n for n in names if "_gen_" in n] == [f"maze_gen_2_{i}" for i in range(5)]
    with __import__("pytest").raises(lf.LevelforgeError, match="already holds level files"):
        build_corpus.build("maze", 1, seed=2, out=out)
    again = build_corpus.build("maze", 5, seed=2, out=tmp_path / "again", shipped=False)
    assert again["levels"] == 5
    assert (tmp_path / "again" / "maze_gen_2_3.txt").read_text() == (out / "maze_gen_2_3.txt").read_text()


def test_bench_gan_split_keeps_a_held_out_part():
    import bench_gan

    train, held = bench_gan.split(list(range(30)), 10, seed=0)
    assert len(train) == 20 and len(held) == 10 and sorted(train + held) == list(range(30))
    assert bench_gan.split(list(range(15)), 10, seed=0) == (list(range(15)), [])  # too small to split


def test_bench_dqn_update_times_the_learners_update_on_cpu(capsys, monkeypatch):
    import json

    import bench_dqn_update

    monkeypatch.setattr(sys, "argv", ["bench_dqn_update.py", "--network", "minatar", "--batch", "8",
                                      "--device", "cpu", "--updates", "3", "--repeats", "2"])
    bench_dqn_update.main()
    out = json.loads(capsys.readouterr().out)
    r = out["results"]
    assert set(r) == {"batch8_eager"}  # no graph without a GPU
    assert len(r["batch8_eager"]["ms_blocks"]) == 2 and r["batch8_eager"]["ms_per_update"] > 0
    assert r["batch8_eager"]["captured"] is False


def test_bench_env_counts_joint_steps_of_the_parallel_envs(capsys):
    import json

    import bench_env

    bench_env.main(["--games", "dungeon,maze", "--modes", "parallel", "--players", "3", "--seconds", "0.05",
                    "--repeats", "1"])
    out = json.loads(capsys.readouterr().out)
    for game, mode in (("dungeon", "coop"), ("maze", "race")):
        r = out["results"][game]["parallel"]
        assert r["players"] == 3 and r["mode"] == mode and r["steps"] > 0 and r["steps_per_s"] > 0
    assert out["measured"]["parallel_dungeon"] == out["results"]["dungeon"]["parallel"]["steps_per_s"]


def test_bench_team_trains_independent_agents_and_plays_them_alone_and_together(capsys, tmp_path):
    import json

    import bench_team

    bench_team.main(["--minutes", "0.03", "--steps", "2000", "--levels", "4", "--demos", "3", "--keep",
                     str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    runs = out["results"]["runs"]
    assert runs[0]["stats"]["players"] == 2 and "--seed 1" in runs[1]["command"]
    assert (tmp_path / "team-1.pt").exists() and (tmp_path / "team-0.csv").exists()
    for protocol in ("greedy", "epsilon_0.05"):
        r = out["results"][protocol]
        assert len(r["alone"]) == 2 and set(r["together"]) == {"0,1", "1,0"}
        assert all(0.0 <= v <= 1.0 for v in r["alone"] + r["self_pair"] + list(r["together"].values()))
        gap = out["measured"][f"together_minus_best_alone_{protocol}"]
        assert gap == min(r["together"].values()) - max(r["alone"])
    bench_team.main(["--reuse", "--keep", str(tmp_path), "--levels", "2"])  # plays the kept agents again
    again = json.loads(capsys.readouterr().out)
    assert again["results"]["runs"][0]["command"] == "(reused)" and again["settings"]["levels"] == 2


def test_plot_curves_draws_each_log(tmp_path):
    import plot_curves
    from levelforge.png import read_png

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("step,episodes,mean_return,success_rate\n1000,5,0.1,0.1\n2000,9,0.2,nan\n3000,12,0.3,0.6\n")
    b.write_text("step,episodes,mean_return,success_rate\n1000,5,0.1,0.0\n3000,9,0.2,0.9\n")
    assert plot_curves.read_curve(a, "success_rate") == ([1000.0, 3000.0], [0.1, 0.6])
    plot_curves.main([str(a), str(b), "--names", "one,two", "--out", str(tmp_path / "c.png")])
    img = read_png(tmp_path / "c.png")
    assert img.shape == (plot_curves.H, plot_curves.W, 3)
    for colour in plot_curves.COLOURS[:2]:  # both lines are drawn
        assert (img == colour).all(axis=2).sum() > 50
