"""The GAN's placement relations and the walking distances under them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import levelforge as lf
from levelforge.gan import GANGenerator, load_gan, save_gan
from levelforge.gan.encoding import decode, encode
from levelforge.gan.floodfill import walking_distance
from levelforge.gan.placement import PlacementHeads, placement_groups
from levelforge.gan.relations import PAIR_BINS, QUANTILES, context_bins, pair_bins
from levelforge.generators import procedural
from levelforge.generators.base import bfs

AVATAR, KEY = 4, 3  # dungeon tile ids


@pytest.fixture(scope="module")
def corpus() -> list[lf.Level]:
    return procedural("dungeon").sample(150, seed=11)


def test_walking_distance_is_breadth_first_search_from_the_nearest_source() -> None:
    rng = np.random.default_rng(0)
    passable = rng.random((6, 9, 11)) < 0.7
    sources = np.zeros_like(passable)
    sources[:, 4, 5] = True
    sources[:3, 0, 0] = True  # two sources in the first three grids
    got = walking_distance(torch.from_numpy(passable), torch.from_numpy(sources)).numpy()
    for b in range(6):
        open_b = passable[b] | sources[b]
        want = [bfs(open_b, (4, 5))] + ([bfs(open_b, (0, 0))] if b < 3 else [])
        nearest = np.where(np.stack(want) < 0, 10**6, np.stack(want)).min(axis=0)
        assert np.array_equal(got[b], np.where(nearest == 10**6, -1, nearest))
    assert (walking_distance(torch.ones(1, 3, 3, dtype=torch.bool), torch.zeros(1, 3, 3, dtype=torch.bool)) == -1).all()


def test_pair_bins_cross_the_distance_with_its_quartile_in_the_level() -> None:
    dist = torch.tensor([[[0, 1, 2, 3, 4, 5, 20, -1]]])
    eligible = torch.tensor([[[False, True, True, True, True, True, True, True]]])
    bins = pair_bins(dist, eligible)[0, 0]
    # six reached eligible cells at distances 1..5 and 20: quartiles 0, 0, 1, 2, 2, 3
    far = (1, 2, 3, 4, 5, 9)  # distance bins 1, 2, 3, 4, 5, 6-7, 8-10, 11-15, 16+: 20 is in the last
    assert bins[1:7].tolist() == [f * QUANTILES + q for f, q in zip(far, (0, 0, 1, 2, 2, 3))]
    many = torch.tensor([[[6, 7, 8, 10, 11, 15, 16]]])
    assert (pair_bins(many, torch.ones_like(many, dtype=torch.bool))[0, 0] // QUANTILES).tolist() == [6, 6, 7, 7, 8, 8, 9]
    assert bins[7] == PAIR_BINS - 1  # out of reach
    ground = torch.tensor([[[True, True], [True, False]]])  # bits: NW N NE W E SW S SE, outside is not ground
    # bit j set: the j-th neighbour (NW N NE W E SW S SE) is not ground
    assert context_bins(ground)[0].tolist() == [[0b10101111, 0b11010111], [0b11111001, 0b11110100]]


def _heads_on_terrain(levels: list[lf.Level]) -> tuple[PlacementHeads, torch.Tensor]:
    """Dungeon placement heads and logits that decode to the levels' terrain, every object flat."""
    spec = lf.load_game("dungeon")
    heads = PlacementHeads(placement_groups(spec, ("monsters", "keys")), 16, 9, 13, torch.tensor([8.0, 4.0]), 0, 8)
    x = encode(levels, len(spec.tiles), 16)
    logits = torch.zeros(len(levels), len(spec.tiles), 16, 16)
    logits[:, 1] = 20.0 * x[:, 1] - 10.0  # walls where the level has them, floor (0) elsewhere
    return heads, logits


def _draw(heads: PlacementHeads, logits: torch.Tensor, noise: torch.Tensor) -> np.ndarray:
    """The decoded 9 x 13 levels of the heads' draw (two monsters, one key each)."""
    c = torch.tensor([[2.0 / 8, 1.0 / 4]]).expand(len(logits), 2)
    out = heads(logits, noise, c)
    return decode(torch.cat([out.softmax(1), torch.zeros_like(out[:, :1])], 1), 9, 13)


def test_relations_counted_from_the_corpus_keep_the_key_away_from_the_avatar(corpus) -> None:
    heads, logits = _heads_on_terrain(corpus)
    noise = torch.randn(len(corpus), heads.noise_planes, 16, 16, generator=torch.Generator().manual_seed(0))

    def key_near_avatar() -> float:
        """Share of levels whose key is in the nearer half of the floor from the avatar (the corpus: none)."""
        grids = _draw(heads, logits, noise)
        near = 0
        for g in grids:
            (a,) = np.argwhere(g == AVATAR)
            (k,) = np.argwhere(g == KEY)
            dist = bfs(g != 1, tuple(a))
            near += dist[tuple(k)] < np.median(dist[(g != 1) & (dist > 0)])
        return near / len(grids)

    assert not heads.relations.active
    before = key_near_avatar()
    heads.fit_relations(encode(corpus, 8, 16).argmax(dim=1))
    assert heads.relations.active
    g = [grp.name for grp in heads.groups]
    avatar, keys = g.index("avatar"), g.index("keys")
    beside = heads.relations.pair[avatar, keys][1 * QUANTILES]  # 1 step away, nearest quartile
    assert beside < -3  # the corpus never has the key beside the avatar
    after = key_near_avatar()
    assert before > 0.3 and after < 0.5 * before, (before, after)


def test_a_version_2_model_file_loads_without_relations(tmp_path) -> None:
    from levelforge.gan import GANConfig, train_gan

    levels = procedural("dungeon").sample(16, seed=5)
    gan = train_gan(levels, GANConfig(steps=3, batch_size=8, width=8, log_every=5), progress=False)
    heads = gan.generator.heads
    assert heads.relations.active  # counted from the training levels by default
    path = save_gan(gan, tmp_path / "g.pt")
    back = load_gan(path)
    assert torch.equal(back.generator.heads.relations.pair, heads.relations.pair)
    blob = torch.load(path, weights_only=True)
    assert blob["version"] == 3
    blob["version"] = 2
    for k in ("heads.relations.pair", "heads.relations.context"):
        del blob["generator"][k]
    torch.save(blob, tmp_path / "old.pt")
    old = load_gan(tmp_path / "old.pt")
    assert not old.generator.heads.relations.active
    heads.relations.pair.zero_()
    heads.relations.context.zero_()  # what a version 2 file meant: the same levels as this GAN without relations
    assert [lv.id for lv in GANGenerator(old).sample(6, 2)] == [lv.id for lv in GANGenerator(gan).sample(6, 2)]
    # fine-tuning counts the tables afresh from its corpus, or leaves them empty without relations
    tuned = train_gan(levels, GANConfig(steps=2, batch_size=8, width=8, calibrate=0), progress=False, resume=old)
    assert tuned.generator.heads.relations.active
    assert not train_gan(levels, GANConfig(steps=2, batch_size=8, width=8, relations=False), progress=False,
                         resume=back).generator.heads.relations.active


def test_calibration_fits_the_tables_to_a_generator_with_its_own_preferences(corpus) -> None:
    heads, logits = _heads_on_terrain(corpus)
    g = [grp.name for grp in heads.groups]
    avatar = g.index("avatar")
    ground = logits[:, 1] < 0
    walled = (context_bins(ground) & 0b01011010).bool()  # a wall N, W, E or S: cells the generator shuns
    logits[:, 4] -= 4.0 * walled.float()  # so it puts the avatar in the open far more often than the corpus
    real = encode(corpus, 8, 16).argmax(dim=1)

    def drawn(seed: int) -> torch.Tensor:
        noise = torch.randn(len(corpus), heads.noise_planes, 16, 16, generator=torch.Generator().manual_seed(seed))
        grids = _draw(heads, logits, noise)
        return encode([lf.Level("dungeon", x) for x in grids], 8, 16).argmax(dim=1)

    def against_wall(tiles: torch.Tensor) -> float:
        """Share of the avatars in ``tiles`` with a wall beside them (N, W, E or S)."""
        hits = heads.relation_counts(tiles)[0][avatar, -1]
        beside = torch.tensor([(b & 0b01011010) != 0 for b in range(len(hits))])
        return float(hits[beside].sum() / hits.sum())

    want = against_wall(real)
    heads.fit_relations(real)
    before = against_wall(drawn(100))
    target = heads.relation_counts(real)
    for r in range(4):
        heads.calibration_round(target, drawn(r), rate=0.5)
    after = against_wall(drawn(100))
    assert abs(after - want) < 0.5 * abs(before - want), (want, before, after)
