"""The level GAN: encoding, networks, structure terms, training, model files, sampling, CLI."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import levelforge as lf
from levelforge.cli import main
from levelforge.features import features
from levelforge.gan import GANConfig, GANFileError, GANGenerator, GANTrainingError, load_gan, save_gan, train_gan
from levelforge.gan.encoding import canvas_size, decode, encode, fix_padding, level_mask
from levelforge.gan.models import LevelCritic, LevelGenerator
from levelforge.gan.placement import PlacementHeads, placement_groups
from levelforge.gan.structure import FeatureLoss, ReachPenalty, StructurePenalty, StuckPenalty, object_planes
from levelforge.gan.train import LOG_FIELDS
from levelforge.generators import PlayableOnly, procedural
from levelforge.level import parse_level

TINY = dict(batch_size=8, width=8, n_critic=2, log_every=5)


@pytest.fixture(scope="module")
def dungeons() -> list[lf.Level]:
    return procedural("dungeon").sample(24, seed=3)


@pytest.fixture(scope="module")
def tiny_gan(dungeons):
    return train_gan(dungeons, GANConfig(steps=10, **TINY), progress=False)


# -- encoding -----------------------------------------------------------------------------
def test_canvas_is_the_next_power_of_two() -> None:
    assert [canvas_size(h, w) for h, w in ((3, 3), (9, 13), (10, 10), (16, 16), (17, 5))] == [4, 16, 16, 16, 32]


def test_encode_decode_round_trip(dungeons) -> None:
    n_tiles = len(lf.load_game("dungeon").tiles)
    x = encode(dungeons, n_tiles, 16)
    assert x.shape == (24, n_tiles + 1, 16, 16)
    assert torch.equal(x.sum(dim=1), torch.ones(24, 16, 16))  # one-hot everywhere
    assert x[:, -1, 9:, :].eq(1).all() and x[:, -1, :9, :13].eq(0).all()  # padding plane outside only
    assert np.array_equal(decode(x, 9, 13), np.stack([lv.grid for lv in dungeons]))
    with pytest.raises(ValueError, match="one size"):
        encode([dungeons[0], parse_level("wwwww\nwA.gw\nw+..w\nwwwww\n", "dungeon")], n_tiles, 16)


def test_fix_padding_overwrites_only_the_outside() -> None:
    x = torch.rand(2, 5, 8, 8)
    y = fix_padding(x, level_mask(3, 6, 8))
    assert torch.equal(y[:, :, :3, :6], x[:, :, :3, :6])
    assert y[:, -1, 3:, :].eq(1).all() and y[:, :-1, :, 6:].eq(0).all()


# -- networks ------------------------------------------------------------------------------
def test_networks_shapes_and_a_sample_depends_on_its_own_latent_only() -> None:
    torch.manual_seed(0)
    g, d = LevelGenerator(16, 2, 9, 16, width=8), LevelCritic(9, 2, 16, width=8)
    z, c = torch.randn(6, 16), torch.rand(6, 2)
    out = g(z, c)
    assert out.shape == (6, 9, 16, 16) and d(torch.softmax(out, 1), c).shape == (3,)  # one score per pair
    assert torch.allclose(g(z[2:3], c[2:3]), out[2:3], atol=1e-5)  # no batch statistics
    with pytest.raises(ValueError, match="power of two"):
        LevelGenerator(16, 0, 9, 12)


def test_placement_groups_follow_the_features_and_the_exactly_once_tiles() -> None:
    dungeon = placement_groups(lf.load_game("dungeon"), ("monsters", "keys"))
    assert [(g.name, g.ids, g.feature, g.count) for g in dungeon] == [
        ("monsters", (5, 6, 7), 0, 0), ("keys", (3,), 1, 0), ("avatar", (4,), None, 1), ("door", (2,), None, 1)]
    sokoban = placement_groups(lf.load_game("sokoban"), ("boxes",))  # a tile id joins one group only
    assert [(g.name, g.ids, g.match, g.placed) for g in sokoban] == [
        ("boxes", (3, 5), None, ()), ("player", (4, 6), None, ()), ("goal", (2,), 0, (5, 6))]


def test_placement_heads_draw_exactly_the_requested_cells_from_the_latent() -> None:
    spec = lf.load_game("dungeon")
    heads = PlacementHeads(placement_groups(spec, ("monsters", "keys")), 16, 9, 13, torch.tensor([8.0, 4.0]), 0, 8)
    torch.manual_seed(0)
    n = 40
    logits = torch.zeros(n, len(spec.tiles) + 1, 16, 16)
    logits[:, 1] = -20.0  # other tiles' logits: well below any drawn cell, well above the rest
    counts = torch.stack([torch.arange(n) % 9, 1 + torch.arange(n) % 4], dim=1).float()
    noise = torch.randn(n, heads.noise_planes, 16, 16)
    out = heads(logits, noise, counts / torch.tensor([8.0, 4.0]))
    assert torch.equal(out, heads(logits, noise, counts / torch.tensor([8.0, 4.0])))  # a function of the noise
    grids = decode(torch.cat([out[:, :-1].softmax(1), out[:, -1:]], 1), 9, 13)
    got = features(grids, "dungeon")
    assert (got == counts.numpy()).all()  # exactly the requested monsters and keys
    assert ((grids == 4).sum(axis=(1, 2)) == 1).all() and ((grids == 2).sum(axis=(1, 2)) == 1).all()
    assert len({tuple(np.argwhere(g == 4)[0]) for g in grids}) > 20  # the avatar's cell moves with the noise
    assert not np.isin(np.concatenate([grids[:, 0], grids[:, -1], grids[:, :, 0], grids[:, :, -1]], axis=1),
                       range(2, 8)).any()  # nor on the border, which must be walls
    drawn = out[:, 2:8]  # the groups' planes: nothing is drawn on padding
    assert drawn[:, :, 9:, :].abs().sum() == 0 and drawn[:, :, :, 13:].abs().sum() == 0
    logits[:, 1, :, :7] = 5.0  # the left part is wall: objects stand on the floor, so all go right
    out = heads(logits, noise, counts / torch.tensor([8.0, 4.0]))
    grids = decode(torch.cat([out[:, :-1].softmax(1), out[:, -1:]], 1), 9, 13)
    assert (features(grids, "dungeon") == counts.numpy()).all() and not np.isin(grids[:, :, :7], range(2, 8)).any()


def test_placement_heads_tie_goals_to_boxes() -> None:
    spec = lf.load_game("sokoban")
    heads = PlacementHeads(placement_groups(spec, ("boxes",)), 16, 10, 10, torch.tensor([4.0]), 1, 7)
    torch.manual_seed(1)
    n = 30
    logits = torch.randn(n, len(spec.tiles) + 1, 16, 16)
    logits[:, 0] -= 20.0  # walls: never
    logits[:, 1] = 0.0  # floor: below any drawn cell, above the rest
    out = heads(logits, torch.randn(n, heads.noise_planes, 16, 16), torch.ones(n, 1))
    grids = decode(torch.cat([out[:, :-1].softmax(1), out[:, -1:]], 1), 10, 10)
    count = lambda ids: np.isin(grids, ids).sum(axis=(1, 2))  # noqa: E731
    assert (count((4, 6)) == 1).all() and (count((3, 5)) == 4).all() and (count((2, 5, 6)) == 4).all()
    assert (count((5, 6)) > 0).any()  # boxes and the player land on goals too, and the goal count allows for it


# -- structure and feature terms -----------------------------------------------------------
def one_hot(level: lf.Level) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.from_numpy(level.grid.astype(np.int64)),
                                       len(level.spec.tiles)).permute(2, 0, 1)[None].float()


def test_structure_penalty_is_zero_on_sound_levels_and_counts_what_is_wrong() -> None:
    spec = lf.load_game("dungeon")
    ok = parse_level("wwwwwww\nwA.1.gw\nw+....w\nwwwwwww\n", "dungeon")
    two_avatars = parse_level("wwwwwww\nwA.A.gw\nw+....w\nwwwwwww\n", "dungeon")
    open_border = parse_level("wwwwwww\nwA.1.g.\nw+....w\nwwwwwww\n", "dungeon")
    pen = StructurePenalty(spec, 4, 7)
    assert pen(one_hot(ok)).item() == 0.0
    # one avatar too many (1), and the second likeliest avatar cell is sure (1.0 > 0.4 by 0.6)
    assert pen(one_hot(two_avatars)).item() == pytest.approx(1.6)
    assert pen(one_hot(open_border)).item() == pytest.approx(1.0)  # one border cell not a wall
    sok = lf.load_game("sokoban")
    unequal = parse_level("#####\n#@$.#\n#$  #\n#####\n", "sokoban")
    assert StructurePenalty(sok, 4, 5)(one_hot(unequal)).item() == pytest.approx(1.0)  # 2 boxes, 1 goal


def test_reach_penalty_counts_the_objects_the_player_cannot_walk_to() -> None:
    spec = lf.load_game("dungeon")
    reach = ReachPenalty(spec, object_planes(spec))
    open_level = parse_level("wwwwwww\nwA.1.+w\nw....gw\nwwwwwww", "dungeon")
    walled = parse_level("wwwwwww\nwA.wwww\nw..w+.w\nw..wgww\nwwwwwww", "dungeon")  # key and door walled off
    door_only = parse_level("wwwwwww\nwA.+.ww\nw....gw\nwwwwwww", "dungeon")  # a door is reached from beside it
    got = [float(reach(one_hot(lv))[0]) for lv in (open_level, walled, door_only)]
    assert got == pytest.approx([0.0, 2.0, 0.0])
    sokoban = lf.load_game("sokoban")
    boxed = parse_level("######\n#@#$.#\n######", "sokoban")
    assert float(ReachPenalty(sokoban, object_planes(sokoban))(one_hot(boxed))[0]) == pytest.approx(2.0)


def test_feature_loss_is_the_gap_to_the_request() -> None:
    lv = parse_level("wwwwwww\nwA.1.gw\nw+.2..w\nwwwwwww\n", "dungeon")
    loss = FeatureLoss(lv.spec)
    assert loss(one_hot(lv), torch.tensor([[2.0, 1.0]])).item() == 0.0
    # gap: mean of |2-5| and 0 = 1.5; decisive: 3 of the 5 likeliest monster cells are not >= 0.6 (3 x 0.6),
    # averaged over the 2 features: 0.9
    assert loss(one_hot(lv), torch.tensor([[5.0, 1.0]])).item() == pytest.approx(2.4)


# -- training -------------------------------------------------------------------------------
def test_training_logs_and_learns_structure(dungeons, tmp_path) -> None:
    log = tmp_path / "gan.csv"
    gan = train_gan(dungeons, GANConfig(steps=40, **TINY, seed=1, lr=2e-3), log_path=log, progress=False)
    rows = list(csv.DictReader(log.open()))
    assert list(rows[0]) == list(LOG_FIELDS) and [int(r["step"]) for r in rows] == list(range(5, 41, 5))
    assert float(rows[-1]["structure"]) < 0.5 * float(rows[0]["structure"])
    assert gan.stats["steps"] == 40 and gan.stats["corpus_levels"] == 24
    assert (gan.height, gan.width, gan.size) == (9, 13, 16) and gan.cond_names == ("monsters", "keys")
    assert gan.cond_prior.tolist() == features(dungeons, "dungeon").tolist()


def test_training_uses_the_most_common_size_and_checks_its_input(dungeons) -> None:
    small = parse_level("wwwwwww\nwA.1.gw\nw+....w\nwwwwwww\n", "dungeon")
    gan = train_gan(dungeons[:6] + [small], GANConfig(steps=1, **TINY), progress=False)
    assert gan.stats["left_out_other_sizes"] == 1 and gan.height == 9
    with pytest.raises(GANTrainingError, match="no training levels"):
        train_gan([], GANConfig(steps=1), progress=False)
    with pytest.raises(GANTrainingError, match="several games"):
        train_gan([small, parse_level("#####\n#S.E#\n#####\n", "maze")], GANConfig(steps=1), progress=False)
    with pytest.raises(ValueError, match="n_critic"):
        GANConfig(n_critic=0)


# -- sampling and model files ------------------------------------------------------------------
def test_sampling_is_reproducible_and_keeps_latents(tiny_gan) -> None:
    gen = GANGenerator(tiny_gan)
    a, b = gen.draw(6, seed=5), gen.draw(6, seed=5)
    assert [lv.id for lv in a.levels] == [lv.id for lv in b.levels] and np.array_equal(a.latents, b.latents)
    assert [lv.id for lv in gen.sample(3, seed=5)] == [lv.id for lv in a.levels[:3]]  # level i ignores n
    assert not np.array_equal(gen.draw(6, seed=6).latents, a.latents)
    again = tiny_gan.levels(a.latents[4:5], a.cond[4:5])[0]
    assert again == a.levels[4]  # latent + features make the level again
    assert a.latents.shape == (6, 32) and a.levels[0].name == "dungeon_gan_5_0"


def test_a_request_fixes_the_features_given_and_draws_the_rest(tiny_gan) -> None:
    d = GANGenerator(tiny_gan).draw(20, seed=0, cond={"monsters": 3})
    assert (d.cond[:, 0] == 3).all()
    assert set(d.cond[:, 1].tolist()) <= set(tiny_gan.cond_prior[:, 1].tolist())
    with pytest.raises(ValueError, match="unknown cond key 'boxes'"):
        GANGenerator(tiny_gan).draw(2, seed=0, cond={"boxes": 2})


def test_model_file_round_trip_and_errors(tiny_gan, tmp_path) -> None:
    p = save_gan(tiny_gan, tmp_path / "g.pt")
    blob = torch.load(p, weights_only=True)  # plain tensors and values only
    assert blob["format"] == "levelforge-gan" and blob["critic"] is not None
    back = load_gan(p, game="dungeon")
    assert [lv.id for lv in GANGenerator(back).sample(5, 1)] == [lv.id for lv in GANGenerator(tiny_gan).sample(5, 1)]
    small = save_gan(tiny_gan, tmp_path / "s.pt", with_critic=False)
    assert load_gan(small).critic is None and small.stat().st_size < p.stat().st_size
    with pytest.raises(GANFileError, match="not sokoban"):
        load_gan(p, game="sokoban")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00" * 32)
    with pytest.raises(GANFileError, match="not a levelforge GAN model file"):
        load_gan(junk)
    with pytest.raises(GANFileError, match="no such model file"):
        load_gan(tmp_path / "missing.pt")


# -- the command line ---------------------------------------------------------------------------
def test_cli_train_sample_and_evaluate(dungeons, tmp_path) -> None:
    corpus = tmp_path / "corpus"
    lf.write_levels(dungeons, corpus)
    model = tmp_path / "gan.pt"
    r = CliRunner().invoke(main, ["train", "gan", "--game", "dungeon", "--corpus", str(corpus), "--steps", "6",
                                  "--set", "batch_size=8", "--set", "width=8", "--set", "n_critic=1",
                                  "--out", str(model), "--quiet"])
    assert r.exit_code == 0, r.output
    assert model.exists() and model.with_suffix(".csv").exists() and "trained on 24 9x13 levels" in r.stderr
    out = tmp_path / "levels"
    r = CliRunner().invoke(main, ["sample", "--model", str(model), "--n", "7", "--cond", "monsters=2",
                                  "--out", str(out), "--seed", "4"])
    assert r.exit_code == 0, r.output
    records = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 7 and all(rec["cond"]["monsters"] == 2 for rec in records)
    gan = load_gan(model)
    rec = records[3]
    made = gan.levels(np.array([rec["latent"]]), np.array([[rec["cond"][k] for k in gan.cond_names]]))[0]
    assert made == lf.read_level(out / rec["file"], "dungeon")  # the record makes the level again
    r = CliRunner().invoke(main, ["sample", "--model", str(model), "--n", "7", "--out", str(out), "--seed", "4"])
    assert r.exit_code == 2 and "already exists" in r.output  # nothing overwritten without --force
    r = CliRunner().invoke(main, ["evaluate", str(out), "--game", "dungeon", "--corpus", str(corpus),
                                  "--cond", "monsters=2", "--json", "--max-seconds", "1"])
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout.splitlines()[0])
    assert row["levels"] == 7 and 0 <= row["playable"] <= 1 and 0 <= row["controllability"] <= 1


def test_cli_gan_errors_are_one_line(tmp_path) -> None:
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"junk")
    r = CliRunner().invoke(main, ["sample", "--model", str(junk), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "not a levelforge GAN model file" in r.output
    r = CliRunner().invoke(main, ["train", "gan", "--game", "dungeon", "--corpus", str(tmp_path), "--out",
                                  str(tmp_path / "g.pt"), "--set", "n_critic=0"])
    assert r.exit_code == 2 and "n_critic" in r.output


def test_playable_only_filters_a_raw_gan(tiny_gan) -> None:
    src = PlayableOnly(GANGenerator(tiny_gan), max_tries=3)
    with pytest.raises(lf.LevelforgeError, match="no playable level in 3 draws"):
        src(np.random.default_rng(0))  # an untrained GAN's levels are not playable
    assert src.drawn == 3 and src.rejected == 3
    good = PlayableOnly(procedural("maze"))
    lv = good(np.random.default_rng(0))
    assert lv.game == "maze" and good.rejected == 0


def test_cli_agent_on_a_gan_that_makes_no_playable_level_fails_in_one_line(tiny_gan, tmp_path) -> None:
    model = save_gan(tiny_gan, tmp_path / "g.pt")
    r = CliRunner().invoke(main, ["train", "agent", "--game", "dungeon", "--generator", str(model), "--steps", "300",
                                  "--num-envs", "4", "--demos", "0", "--out", str(tmp_path / "a.pt"), "--quiet"])
    assert r.exit_code == 2 and "no playable level in 100 draws" in r.output and r.output.count("\n") == 1
    assert not (tmp_path / "a.pt").exists()
    r = CliRunner().invoke(main, ["train", "agent", "--game", "maze", "--generator", str(model), "--out",
                                  str(tmp_path / "a.pt")])
    assert r.exit_code == 2 and "not maze" in r.output


def test_a_time_limit_ends_training_before_it(dungeons) -> None:
    gan = train_gan(dungeons, GANConfig(steps=1_000_000, max_seconds=1.5, **TINY), progress=False)
    assert 0 < gan.stats["steps"] < 1_000_000 and gan.stats["seconds"] <= 1.5
    gan = train_gan(dungeons, GANConfig(steps=1_000_000, max_seconds=6.0, calibrate=50, **TINY), progress=False)
    assert 0 < gan.stats["calibration_rounds"] < 50 and gan.stats["seconds"] <= 6.0  # rounds stop at the limit


def test_stuck_penalty_counts_boxes_in_corners_off_their_goals():
    spec = lf.load_game("sokoban")
    stuck = StuckPenalty(spec)
    texts = [
        "#####\n#$ .#\n# @ #\n#####\n",  # a box in a corner, off the goal: lost
        "#####\n#*  #\n# @ #\n#####\n",  # a box in a corner on its goal: fine
        "######\n#    #\n# $@.#\n#    #\n######\n",  # a box in the open: fine
    ]
    levels = [parse_level(t, "sokoban") for t in texts]
    got = []
    for lv in levels:
        p = encode([lv], len(spec.tiles), 8)[:, :-1, : lv.height, : lv.width]
        got.append(float(stuck(p)[0]))
    assert got == [1.0, 0.0, 0.0]
    dungeon = lf.load_game("dungeon")
    lv = procedural("dungeon").sample(1, seed=0)[0]
    assert float(StuckPenalty(dungeon)(encode([lv], len(dungeon.tiles), 16)[:, :-1, :9, :13])[0]) == 0.0
