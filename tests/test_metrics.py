"""Level-set metrics and level features: each definition checked on levels whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

import levelforge as lf
from levelforge import metrics
from levelforge.features import FeatureError, check_request, feature_names, features, matches, parse_request
from levelforge.level import Level, parse_level

MAZE = "#####\n#S..#\n#.#.#\n#..E#\n#####\n"


def maze(text: str = MAZE, name: str | None = None) -> Level:
    return parse_level(text, "maze", name=name)


def grid_level(grid: np.ndarray, game: str = "maze") -> Level:
    return Level(game, grid.astype(np.uint8))


# -- distances ------------------------------------------------------------------------
def test_hamming_matches_a_direct_count() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, (7, 5, 6))
    b = rng.integers(0, 4, (9, 5, 6))
    d = metrics.hamming(a, b)
    want = (a[:, None] != b[None, :]).sum(axis=(2, 3))
    assert d.shape == (7, 9) and (d == want).all()
    with pytest.raises(ValueError, match="different sizes"):
        metrics.hamming(a, rng.integers(0, 4, (2, 5, 5)))


def test_nearest_is_inf_without_a_level_of_the_same_size() -> None:
    base = maze()
    g = base.grid.copy()
    g[1, 2] = g[1, 3] = lf.load_game("maze").tile("wall").id
    other = grid_level(np.zeros((6, 6)))
    d = metrics.nearest([grid_level(g), other], [base])
    assert d[0] == 2 and math.isinf(d[1])


# -- the metrics ------------------------------------------------------------------------
def test_duplicates_counts_exact_grids() -> None:
    a, b = maze(name="a"), maze(name="b")  # same grid, other name: a duplicate
    g = a.grid.copy()
    g[2, 2] = lf.load_game("maze").tile("floor").id
    c = grid_level(g)
    assert metrics.duplicates([a, b, c]) == pytest.approx(1 / 3)
    assert metrics.duplicates([a, c]) == 0.0
    assert metrics.duplicates([]) == 0.0


def test_novelty_uses_the_threshold_of_five_tiles() -> None:
    rng = np.random.default_rng(1)
    corpus = [grid_level(rng.integers(0, 2, (8, 8)))]
    levels = []
    for changed in (0, 4, 5, 9):
        g = corpus[0].grid.copy()
        cells = rng.choice(64, changed, replace=False)
        g.flat[cells] = 1 - g.flat[cells]
        levels.append(grid_level(g))
    assert metrics.novelty(levels, corpus) == 0.5  # 5 and 9 differing tiles are novel, 0 and 4 are not
    assert metrics.novelty(levels, corpus, threshold=1) == 0.75


def test_diversity_is_the_mean_normalised_pairwise_distance() -> None:
    z, o = np.zeros((4, 5)), np.ones((4, 5))
    half = np.zeros((4, 5))
    half[:2] = 1
    levels = [grid_level(z), grid_level(o), grid_level(half)]
    # pairs: z-o 20/20, z-half 10/20, o-half 10/20
    assert metrics.diversity(levels) == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert metrics.diversity(levels + [grid_level(np.zeros((3, 3)))]) == pytest.approx((2 + 3) / 6)
    assert math.isnan(metrics.diversity(levels[:1]))


def test_pattern_counts_see_every_window() -> None:
    lv = grid_level(np.arange(12).reshape(3, 4) % 2)
    counts = metrics.pattern_counts([lv], 2)
    assert sum(counts.values()) == 2 * 3
    assert metrics.pattern_counts([lv], 4) == {}  # taller than the level: no window


def test_pattern_kl_is_zero_for_the_same_statistics_and_grows_with_difference() -> None:
    rng = np.random.default_rng(2)
    a = [grid_level(rng.integers(0, 3, (8, 8))) for _ in range(20)]
    walls = [grid_level(np.where(rng.random((8, 8)) < 0.9, 0, 1)) for _ in range(20)]
    assert metrics.tile_pattern_kl(a, a) == pytest.approx(0.0, abs=1e-9)
    near = [grid_level(rng.integers(0, 3, (8, 8))) for _ in range(20)]
    assert 0 < metrics.tile_pattern_kl(near, a) < metrics.tile_pattern_kl(walls, a)
    p, q = {b"x": 3, b"y": 1}, {b"x": 1, b"y": 3}
    assert metrics.pattern_kl(p, q) == pytest.approx(metrics.pattern_kl(q, p))  # symmetric
    exact = 0.5 * (0.75 * math.log(3) + 0.25 * math.log(1 / 3)) * 2
    assert metrics.pattern_kl(p, q) == pytest.approx(exact, rel=1e-4)


def test_playability_separates_malformed_unsolvable_and_solved() -> None:
    ok = maze()
    walled = maze("#####\n#S#.#\n###.#\n#..E#\n#####\n")  # the exit is walled off
    two_starts = maze("#####\n#SS.#\n#.#.#\n#..E#\n#####\n")
    got = metrics.playability([ok, walled, two_starts])
    assert [p.verdict for p in got] == ["solved", "unsolvable", "malformed"]
    assert got[0].length == 4 and got[0].playable and not got[1].playable
    assert any("start" in s for s in got[2].problems)


def test_evaluate_reports_every_metric() -> None:
    levels = [maze(), maze(), maze("#####\n#S#.#\n###.#\n#..E#\n#####\n")]
    seen = []
    out = metrics.evaluate(levels, [maze()], on_level=seen.append)
    assert seen == [1, 2, 3]
    assert out["playable"] == pytest.approx(2 / 3) and out["unsolvable"] == pytest.approx(1 / 3)
    assert out["duplicates"] == pytest.approx(1 / 3)
    assert out["novelty"] == 0.0  # the third level differs from the corpus in 2 tiles only
    assert out["median_plan"] == 4.0
    no_corpus = metrics.evaluate(levels, solve=False)
    assert "playable" not in no_corpus and math.isnan(no_corpus["novelty"])
    with pytest.raises(ValueError, match="no levels"):
        metrics.evaluate([])
    with pytest.raises(ValueError, match="several games"):
        metrics.evaluate([maze()], [parse_level(DUNGEON, "dungeon")])


# -- features ---------------------------------------------------------------------------
DUNGEON = "wwwwwww\nwA.1.gw\nw+..2.w\nw.3...w\nwwwwwww\n"


def test_dungeon_features_count_monsters_and_keys() -> None:
    lv = parse_level(DUNGEON, "dungeon")
    assert feature_names("dungeon") == ("monsters", "keys")
    assert features([lv], "dungeon").tolist() == [[3, 1]]
    assert features(np.stack([lv.grid]), "dungeon").tolist() == [[3, 1]]
    assert matches([lv], "dungeon", {"monsters": 3}).tolist() == [True]
    assert matches([lv], "dungeon", {"monsters": 2}).tolist() == [False]
    assert metrics.controllability([lv, lv], "dungeon", {"keys": 1}) == 1.0


def test_a_box_on_a_goal_is_a_box() -> None:
    lv = parse_level("#####\n#@$.#\n# * #\n#####\n", "sokoban")
    assert features([lv], "sokoban").tolist() == [[2]]


def test_feature_requests_are_checked() -> None:
    assert parse_request(["monsters=3", "keys=1"], "dungeon") == {"monsters": 3, "keys": 1}
    for bad, msg in ((["boxes=1"], "no feature 'boxes'"), (["monsters"], "NAME=COUNT"), (["monsters=x"], "NAME=COUNT")):
        with pytest.raises(FeatureError, match=msg):
            parse_request(bad, "dungeon")
    with pytest.raises(FeatureError, match=">= 0"):
        check_request("dungeon", {"monsters": -1})
    assert feature_names("maze") == ()


def test_game_toml_features_are_validated(tmp_path) -> None:
    src = (lf.game.games_dir() / "maze" / "game.toml").read_text()
    for table, msg in (('[features]\nwalls = ["stone"]\n', "not a base tile"),
                       ('[features]\nWalls = ["wall"]\n', "lower-case identifier"),
                       ('[features]\nwalls = []\n', "one or more base tiles")):
        p = tmp_path / "game.toml"
        p.write_text(src + "\n" + table)
        with pytest.raises(lf.GameSpecError, match=msg):
            lf.load_game(p)


def test_tile_frequency_baseline_draws_at_the_corpus_frequencies() -> None:
    from levelforge.generators import TileFrequencyGenerator

    corpus = [maze(), maze("#######\n#S...E#\n#######\n")]
    gen = TileFrequencyGenerator(corpus)
    levels = gen.sample(400, seed=0)
    assert {lv.grid.shape for lv in levels} == {(5, 5), (3, 7)}
    wall = lf.load_game("maze").tile("wall").id
    share = np.mean([(lv.grid == wall).mean() for lv in levels])
    want = sum(int((lv.grid == wall).sum()) for lv in corpus) / sum(lv.grid.size for lv in corpus)
    assert abs(share - want) < 0.03
    assert [lv.id for lv in gen.sample(5, seed=1)] == [lv.id for lv in gen.sample(5, seed=1)]
    with pytest.raises(ValueError, match="needs corpus levels"):
        TileFrequencyGenerator([])


def test_games_lists_the_features() -> None:
    from click.testing import CliRunner

    from levelforge.cli import main

    r = CliRunner().invoke(main, ["games", "--json"])
    by_name = {g["name"]: g for g in __import__("json").loads(r.stdout)}
    assert by_name["dungeon"]["features"] == {"monsters": ["bat", "spider", "scorpion"], "keys": ["key"]}
    assert by_name["maze"]["features"] == {}
    r = CliRunner().invoke(main, ["games"])
    assert "features (--cond NAME=COUNT): boxes (box)" in r.stdout
