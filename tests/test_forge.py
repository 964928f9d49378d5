"""The forge: scores, selection, repairs, the archive, the run folder, the pipeline and `generate`."""

from __future__ import annotations

import json
import multiprocessing as mp
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

import levelforge as lf
from levelforge.agent import DQNConfig, tile_agent, training_env
from levelforge.cli import main
from levelforge.forge import Archive, ArchiveError, LevelRecord, forge, select, write_run
from levelforge.forge.repair import repair
from levelforge.forge.scores import CHALLENGE_FLOOR, NOVELTY_SCALE, challenge, creativity, score
from levelforge.gan import GANConfig, load_gan, save_gan, train_gan
from levelforge.generators import DungeonGenerator, Generator, procedural
from levelforge.png import read_png


def _lv(text: str, game: str = "dungeon") -> lf.Level:
    return lf.parse_level(text, game)


# -- scores -------------------------------------------------------------------------------
def test_challenge_is_relative_to_the_shortest_plan():
    assert challenge(10, 1.0, 10.0, 200) == 0.0  # the agent walked the shortest plan
    assert challenge(10, 1.0, 40.0, 200) == pytest.approx(0.75)
    assert challenge(10, 0.0, 200.0, 200) == 1.0  # lost a level the solver proves playable
    assert challenge(50, None, None, 200) == pytest.approx(0.25)  # no agent: the plan's share of the step limit


def test_creativity_needs_playability_and_novelty():
    assert creativity(False, 0.5, 1.0) == 0.0
    assert creativity(True, 0.0, 1.0) == 0.0  # a copy of a training level, however hard
    easy, hard = creativity(True, 0.1, 0.0), creativity(True, 0.1, 1.0)
    assert 0 < easy < hard  # an easy level still ranks, behind a harder one
    assert easy == pytest.approx(np.sqrt(0.1 / NOVELTY_SCALE * CHALLENGE_FLOOR))
    assert creativity(True, 0.9, 1.0) == creativity(True, NOVELTY_SCALE, 1.0) == 1.0  # novelty saturates
    s = score(playable=True, verdict="solved", plan_length=8, agent_success=1.0, agent_return=1.0, agent_steps=16.0,
              nearest=4, cells=100, max_steps=200)
    assert s.novelty == 0.04 and not s.novel and s.challenge == 0.5


# -- selection ----------------------------------------------------------------------------
def test_select_drops_duplicates_and_spreads_out():
    base = "wwwwwww\nwA....w\nw.....w\nw....gw\nwwwwwww\n"
    a = _lv(base)
    a2 = _lv(base)  # the same grid again
    near = _lv(base.replace("wA....w", "wA...ww"))
    far = _lv("wwwwwww\nwAwwwww\nw.....w\nwwwwwgw\nwwwwwww\n")
    levels = [a, a2, near, far]
    picked, diversity = select(levels, [0.9, 0.9, 0.8, 0.5], n=2, pool_factor=2.0)
    assert picked == [0, 3]  # the best, then the farthest from it (not its near twin)
    assert diversity[0] == 1.0 and diversity[1] > 0.1
    picked, _ = select(levels, [0.9, 0.9, 0.8, 0.0], n=4)
    assert sorted(picked) == [0, 2]  # the duplicate and the zero-creativity level never compete


# -- repairs ------------------------------------------------------------------------------
def test_repairs_are_small_and_recorded():
    sound = _lv("wwwww\nwA+gw\nwwwww\n")
    same, done = repair(sound)
    assert same is sound and done == ()
    broken = _lv("wwwAw\nwA+gw\nw..Aw\nwwwww\n")  # an avatar on the border, three avatars in all
    fixed, done = repair(broken)
    assert lf.constraints.check_level(fixed) == []
    assert fixed.text == "wwwww\nwA+gw\nw...w\nwwwww\n"
    assert any(d.startswith("border: 1 tile") for d in done) and any(d.startswith("avatar: 1 extra") for d in done)
    missing, _ = repair(_lv("wwwww\nw.+gw\nwwwww\n"))
    assert lf.constraints.check_level(missing)  # nothing is invented: still malformed


# -- the archive --------------------------------------------------------------------------
def _record(level: lf.Level, rank: int) -> LevelRecord:
    scores = {"playable": True, "creativity": 0.5, "novelty": 0.2, "challenge": 0.1, "diversity": 0.3,
              "agent_success": 1.0, "plan_length": 7}
    return LevelRecord(level.id, level.game, f"l{rank}", level.text, rank, scores, "abc", 3, rank, [0.5, -1.0],
                       {"monsters": 1}, [], {"solver": ([1, 2, 3], True)})


def test_archive_keeps_runs_levels_and_replays(tmp_path):
    levels = procedural("dungeon").sample(3, seed=1)
    with Archive(tmp_path / "a.db") as db:
        run = db.start_run("levelforge generate", "dungeon", 3, {"n": 3}, "abc", None)
        assert db.runs()[0]["status"] == "running"
        db.finish_run(run, [_record(lv, i) for i, lv in enumerate(levels, 1)])
        got = db.levels(run)
        assert [r["level_id"] for r in got] == [lv.id for lv in levels]
        assert db.runs()[0]["status"] == "done" and db.runs()[0]["kept"] == 3
        assert db.replays(run, levels[0].id) == {"solver": ([1, 2, 3], True)}
        assert lf.parse_level(got[1]["text"], "dungeon") == levels[1]


def test_a_failed_run_leaves_no_half_written_levels(tmp_path):
    levels = procedural("dungeon").sample(3, seed=1)
    with Archive(tmp_path / "a.db") as db:
        run = db.start_run("x", "dungeon", 0, {}, None, None)
        bad = _record(levels[2], 3)
        bad.scores = {**bad.scores, "creativity": None}  # NOT NULL: the third insert fails
        with pytest.raises(sqlite3.IntegrityError):
            db.finish_run(run, [_record(levels[0], 1), _record(levels[1], 2), bad])
        assert db.levels() == []  # the first two were rolled back with it
        db.end_run(run, "failed")
        assert db.runs()[0]["status"] == "failed"


def _writer(path: str, tag: int) -> None:
    levels = procedural("dungeon").sample(4, seed=100 + tag)
    with Archive(path) as db:
        for k in range(3):
            run = db.start_run(f"writer {tag}", "dungeon", k, {}, None, None)
            db.finish_run(run, [_record(lv, i) for i, lv in enumerate(levels, 1)])


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "shared.db")
    Archive(path).close()
    procs = [mp.get_context("spawn").Process(target=_writer, args=(path, t)) for t in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Archive(path) as db:
        assert len(db.runs()) == 6 and all(r["status"] == "done" for r in db.runs())
        assert len(db.levels()) == 24


def test_a_file_that_is_not_an_archive_is_one_clear_error(tmp_path):
    p = tmp_path / "x.db"
    p.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(ArchiveError, match="not a levelforge archive"):
        Archive(p)


# -- the pipeline and the run folder ---------------------------------------------------------
@pytest.fixture(scope="module")
def dungeon_agent():
    env = training_env("dungeon", procedural("dungeon").sample(4, seed=5), 2)
    return tile_agent(DQNConfig(network="plan", channels=4, hidden=8), env)


def test_forge_keeps_distinct_solver_verified_levels(dungeon_agent):
    gen = procedural("dungeon")
    corpus = gen.sample(20, seed=9)
    result = forge(gen, 5, corpus=corpus, agent=dungeon_agent, judge="both", candidates=12, seed=4)
    kept = result.selected
    assert len(kept) == 5
    assert len({c.level.id for c in kept}) == 5
    assert all(c.verdict == "solved" and c.scores.playable for c in kept)
    assert all(c.agent_success is not None and c.agent_actions is not None for c in kept)
    creativity_order = [c.scores.creativity for c in kept]
    assert all(c.scores.diversity is not None for c in kept)
    counts = result.counts()
    assert counts["candidates"] == 12 and counts["kept"] == 5 and counts["solved"] >= 5
    assert max(creativity_order) == kept[0].scores.creativity  # the best is picked first
    # an agent's replay is its moves: as many as the steps it took
    assert all(len(c.agent_actions) == int(c.agent_steps) for c in kept)


def test_forge_is_reproducible_and_its_folder_byte_identical(tmp_path, dungeon_agent):
    gen = procedural("dungeon")
    corpus = gen.sample(10, seed=9)
    runs = [forge(gen, 4, corpus=corpus, agent=dungeon_agent, candidates=8, seed=2) for _ in range(2)]
    a = write_run(tmp_path / "a", runs[0].selected, "hash", 2)
    b = write_run(tmp_path / "b", runs[1].selected, "hash", 2)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    assert "levels.jsonl" in files and "sheet.png" in files and sum(f.endswith(".txt") for f in files) == 4
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    rows = [json.loads(line) for line in (a / "levels.jsonl").read_text().splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert lf.read_level(a / rows[0]["file"], "dungeon").id == rows[0]["level_id"]
    assert read_png(a / "sheet.png").shape[2] == 3
    with pytest.raises(FileExistsError):
        write_run(a, runs[0].selected, "hash", 2)


class _Flaky(Generator):
    """Dungeon levels of which about two in three lose their avatar (malformed: never playable)."""

    game = "dungeon"

    def _one(self, rng, name=None, **cond):
        lv = DungeonGenerator()._one(rng, name)
        return lv if rng.random() < 0.35 else lf.parse_level(lv.text.replace("A", "."), "dungeon")


def test_forge_draws_more_rounds_until_the_short_list_is_full():
    gen = _Flaky()
    res = forge(gen, 3, corpus=[], judge="solver", seed=1, repair=False)
    c = res.counts()
    assert c["candidates"] > 9  # more than the first round of 3 x N
    assert c["playable"] >= 6 or c["candidates"] == 60  # a full short list (2 x N), or the cap (20 x N)
    assert c["playable"] >= 6
    # rounds draw the next indices of the same seed: the candidates are the seed's draw, in order
    assert [x.level.text for x in res.candidates] == [lv.text for lv in gen.sample(c["candidates"], 1)]
    assert [x.index for x in res.candidates] == list(range(c["candidates"]))
    fixed = forge(gen, 3, corpus=[], judge="solver", seed=1, repair=False, candidates=9)
    assert fixed.counts()["candidates"] == 9  # an explicit budget is exact
    sure = forge(procedural("dungeon"), 3, corpus=[], judge="solver", seed=1)
    assert sure.counts()["candidates"] == 9  # a generator that rarely fails needs one round


def test_draws_split_at_any_point_give_the_same_levels():
    gen = procedural("maze")
    whole = gen.sample(7, seed=5)
    parts = gen.sample(3, seed=5) + gen.sample(4, seed=5, start=3)
    assert [lv.text for lv in whole] == [lv.text for lv in parts]
    assert [lv.id for lv in whole] == [lv.id for lv in parts]
    with pytest.raises(ValueError, match="start"):
        gen.sample(2, seed=5, start=-1)


def test_forge_rejects_bad_requests(dungeon_agent):
    gen = procedural("dungeon")
    with pytest.raises(ValueError, match="judge"):
        forge(gen, 2, corpus=[], judge="oracle")
    with pytest.raises(ValueError, match="needs an agent"):
        forge(gen, 2, corpus=[], judge="agent")
    with pytest.raises(ValueError, match="at least n"):
        forge(gen, 5, corpus=[], judge="solver", candidates=3)


# -- generate, runs, levels -------------------------------------------------------------------
@pytest.fixture(scope="module")
def gan_file(tmp_path_factory):
    levels = procedural("dungeon").sample(24, seed=3)
    gan = train_gan(levels, GANConfig(steps=5, batch_size=8, width=8, log_every=5), progress=False)
    path = tmp_path_factory.mktemp("gan") / "g.pt"
    save_gan(gan, path, with_critic=False)
    return path, levels


def test_gan_files_keep_their_training_levels_or_only_their_hashes(gan_file, tmp_path):
    path, levels = gan_file
    gan = load_gan(path)
    assert [lv.id for lv in gan.training_levels()] == [lv.id for lv in levels]
    assert gan.corpus_ids == tuple(lv.id for lv in levels)
    save_gan(gan, tmp_path / "ids.pt", corpus="ids")
    only_ids = load_gan(tmp_path / "ids.pt")
    assert only_ids.training_levels() == [] and only_ids.corpus_ids == gan.corpus_ids


def test_generate_writes_levels_archive_and_is_reproducible(gan_file, tmp_path):
    path, _ = gan_file
    db = tmp_path / "a.db"
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        r = CliRunner().invoke(main, ["generate", "--generator", str(path), "--judge", "solver", "--n", "3",
                                      "--candidates", "40", "--seed", "5", "--out", str(out), "--db", str(db),
                                      "--json", "--quiet"])
        assert r.exit_code == 0, r.output
        outs.append(out)
    summary = json.loads(r.stdout)
    kept = summary["counts"]["kept"]
    assert summary["kept_playable"] == kept and kept >= 1  # only solver-verified levels are kept
    for f in sorted(p.name for p in outs[0].iterdir()):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    r = CliRunner().invoke(main, ["runs", "--db", str(db)])
    assert r.exit_code == 0 and r.output.count(" done ") == 2
    r = CliRunner().invoke(main, ["levels", "--db", str(db), "--run", "1", "--json"])
    rows = json.loads(r.output)
    assert len(rows) == kept and rows[0]["scores"]["playable"] is True
    r = CliRunner().invoke(main, ["generate", "--generator", str(path), "--judge", "solver", "--n", "3",
                                  "--out", str(outs[0]), "--db", str(db), "--quiet"])
    assert r.exit_code != 0 and "already holds files" in r.output
    r = CliRunner().invoke(main, ["generate", "--generator", str(path), "--cond", "dragons=2", "--judge", "solver",
                                  "--db", str(db)])
    assert r.exit_code == 2 and "dragons" in r.output


# -- bootstrapping --------------------------------------------------------------------------
def test_bootstrap_grows_the_training_set_and_fine_tunes(tmp_path):
    import torch

    from levelforge.forge.bootstrap import bootstrap

    levels = procedural("dungeon").sample(16, seed=3)
    gan = train_gan(levels, GANConfig(steps=3, batch_size=8, width=8), progress=False)
    before = [p.detach().clone() for p in gan.generator.parameters()]
    tuned, table, grown = bootstrap(gan, levels, 1, samples=10, candidates=12, keep=4, minutes=0.01, steps=2)
    assert [r.round for r in table] == [0, 1]
    assert table[1].added == len(grown) - len(levels) and table[1].corpus == len(grown)
    assert len({lv.id for lv in grown}) == len(grown)  # nothing joins twice
    assert 0 < table[1].steps <= 2
    assert any(not torch.equal(a, b) for a, b in zip(before, tuned.generator.parameters()))
    assert all(0.0 <= r.raw_playable <= 1.0 and 0.0 <= r.raw_duplicates <= 1.0 for r in table)
    no_critic = tmp_path / "g.pt"
    save_gan(gan, no_critic, with_critic=False)
    r = CliRunner().invoke(main, ["forge", "bootstrap", "--generator", str(no_critic), "--out", str(tmp_path / "o.pt")])
    assert r.exit_code == 2 and "without its critic" in r.output


# -- CMA-ES search --------------------------------------------------------------------------
def test_cma_search_spends_the_same_budget_and_is_reproducible(gan_file):
    from levelforge.forge.search import SearchUnavailable
    from levelforge.gan import GANGenerator

    path, levels = gan_file
    gen = GANGenerator(load_gan(path))
    runs = [forge(gen, 3, corpus=levels, judge="solver", candidates=25, seed=3, search="cma") for _ in range(2)]
    assert len(runs[0].candidates) == 25  # one restart: generations of 10, 10, then 5 (the budget's rest)
    assert [c.level.id for c in runs[0].selected] == [c.level.id for c in runs[1].selected]
    assert all(c.scores.playable for c in runs[0].selected)
    # each candidate keeps the latent vector that made it
    c = runs[0].candidates[7]
    again = gen.gan.levels(c.latent[None], np.array([[c.cond[k] for k in gen.gan.cond_names]]))[0]
    assert again.id == c.level.id or c.repairs
    with pytest.raises(SearchUnavailable, match="latent space"):
        forge(procedural("dungeon"), 2, corpus=[], judge="solver", candidates=4, search="cma")
    with pytest.raises(ValueError, match="search"):
        forge(gen, 2, corpus=[], judge="solver", search="annealing")
