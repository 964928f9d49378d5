"""Level model and text format."""

from __future__ import annotations

import numpy as np
import pytest

import levelforge as lf
from levelforge.errors import LevelFormatError

MAZE = "#####\n#S.E#\n#####\n"


def test_roundtrip_and_id_is_content_hash(tmp_path):
    lv = lf.parse_level(MAZE, "maze")
    assert lv.text == MAZE
    assert (lv.height, lv.width) == (3, 5)
    again = lf.parse_level(MAZE.replace("\n", "\r\n"), "maze")
    assert again == lv and again.id == lv.id
    other = lf.parse_level("#####\n#SE.#\n#####\n", "maze")
    assert other.id != lv.id
    p = tmp_path / "a.txt"
    p.write_text(MAZE)
    assert lf.read_level(p, "maze").id == lv.id
    # the id is a fixed function of game and tiles, stable across runs
    assert lv.id == lf.parse_level(MAZE, "maze").id and len(lv.id) == 16


def test_same_grid_other_game_has_other_id():
    a = lf.parse_level("###\n#@#\n###\n", "sokoban")
    grid = a.grid.copy()
    b = lf.Level("maze", grid)
    assert a.id != b.id


def test_grid_is_read_only():
    lv = lf.parse_level(MAZE, "maze")
    with pytest.raises(ValueError):
        lv.grid[0, 0] = 1


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("#####\n#S.E\n#####\n", "row 2 has 4 tiles, expected 5"),
        ("#####\n#S?E#\n#####\n", "row 2, column 3: unknown tile '?'"),
        ("", "empty level"),
        ("\n\n", "empty level"),
        ("##\n#S\n", "at least 3 rows and 3 columns"),
        ("#####\n\n#S.E#\n", "row 2 is empty"),
    ],
)
def test_parse_errors_are_one_clear_line(text, fragment):
    with pytest.raises(LevelFormatError) as e:
        lf.parse_level(text, "maze", source="x.txt")
    msg = str(e.value)
    assert msg.startswith("LevelFormatError: x.txt")
    assert fragment in msg and "\n" not in msg


def test_non_utf8_and_wrong_size(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"#####\n#S\xffE#\n#####\n")
    with pytest.raises(LevelFormatError, match=r"bad.txt: row 2, column 3: byte 0xff is not UTF-8"):
        lf.read_level(p, "maze")
    with pytest.raises(LevelFormatError, match="expected 4 x 5"):
        lf.parse_level(MAZE, "maze", size=(4, 5))
    big = "\n".join(["#" * 70] * 3) + "\n"
    with pytest.raises(LevelFormatError, match="at most 64 x 64"):
        lf.parse_level(big, "maze")
    with pytest.raises(LevelFormatError, match="no such file"):
        lf.read_level(tmp_path / "missing.txt", "maze")
    with pytest.raises(LevelFormatError, match="is a folder"):
        lf.read_level(tmp_path, "maze")


def test_read_levels_folder(tmp_path):
    for i in range(3):
        (tmp_path / f"m{i}.txt").write_text(MAZE)
    (tmp_path / "notes.md").write_text("ignored")
    levels = lf.read_levels(tmp_path, "maze")
    assert [lv.name for lv in levels] == ["m0", "m1", "m2"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LevelFormatError, match="holds no .txt level files"):
        lf.read_levels(empty, "maze")


def test_count_includes_composites():
    lv = lf.parse_level("######\n#@$*.#\n######\n", "sokoban")
    assert lv.count("box") == 2 and lv.count("goal") == 2 and lv.count("player") == 1
    assert np.array_equal(lv.grid, lf.parse_level(lv.text, "sokoban").grid)
