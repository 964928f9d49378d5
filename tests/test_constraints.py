"""Structural constraints from game.toml."""

from __future__ import annotations

import pytest

import levelforge as lf
from levelforge.constraints import check_level
from levelforge.game import game_levels_dir, game_names, load_game


@pytest.mark.parametrize("game", ["dungeon", "sokoban", "maze"])
def test_shipped_levels_are_sound(game):
    assert game in game_names()
    for level in lf.read_levels(game_levels_dir(load_game(game)), game):
        assert check_level(level) == [], level.name


def test_each_violation_is_reported():
    unequal = lf.parse_level("#####\n#@*.#\n#  $#\n#$  #\n#####\n", "sokoban")
    assert check_level(unequal) == ["counts differ: 3 box, 2 goal"]
    open_border = lf.parse_level("######\n#@*   \n######\n", "sokoban")
    assert check_level(open_border) == ["1 border tile(s) are not wall", "already won: every box is on a goal"]
    crowded = lf.parse_level("wwwww\nwA11w\nw11.w\nw111w\nw111w\nwwwww\n", "dungeon")
    assert check_level(crowded) == ["0 door tile(s), expected exactly 1", "0 key tile(s), expected 1 to 4", "10 NPCs, expected 0 to 8"]
    two_starts = lf.parse_level("#####\n#SSE#\n#####\n", "maze")
    assert check_level(two_starts) == ["2 start tile(s), expected exactly 1"]


def test_malformed_constraints_are_rejected(tmp_path):
    src = (lf.game.games_dir() / "maze" / "game.toml").read_text()
    for bad, msg in [
        ('count = { start = [1, 1], exit = [1, 1] }', "unknown constraint 'colour'"),
        ('count = { start = [1, 1], exit = [2, 1] }', "count.exit must be [min, max]"),
        ('count = { start = [1, 1], door = [1, 1] }', "'door' is not a base tile"),
    ]:
        text = src.replace('count = { start = [1, 1], exit = [1, 1] }', bad)
        if "colour" in msg:
            text = text.replace('border = ["wall"]', 'border = ["wall"]\ncolour = 1')
        p = tmp_path / "game.toml"
        p.write_text(text)
        with pytest.raises(lf.GameSpecError, match=msg.replace("[", r"\[").replace("]", r"\]")):
            lf.game.load_game_file(p)


def test_check_command(tmp_path):
    from click.testing import CliRunner

    from levelforge.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["check", "--game", "maze"])
    assert ok.exit_code == 0 and ok.output.count(" ok") == 13
    bad = tmp_path / "two.txt"
    bad.write_text("#####\n#SSE#\n#####\n")
    r = runner.invoke(main, ["check", str(bad), "--game", "maze", "--json"])
    assert r.exit_code == 1 and '"problems": ["2 start tile(s), expected exactly 1"]' in r.output
