"""Importers of Boxoban and GVGAI level files."""

from __future__ import annotations

from pathlib import Path

import pytest

from levelforge.errors import LevelforgeError, LevelFormatError
from levelforge.importers import import_levels, read_boxoban, read_gvgai
from levelforge.level import read_level

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

P0 = [
    "##########",
    "##########",
    "#######  #",
    "### .# #.#",
    "#     .  #",
    "# #  $ $ #",
    "# #####  #",
    "##### $$.#",
    "### @    #",
    "##########",
]
P1 = [
    "##########",
    "# .@######",
    "#$$#######",
    "#  #######",
    "#  #######",
    "# ########",
    "#   ######",
    "#.$  .####",
    "# . $ ####",
    "##########",
]
ZELDA = [
    "wwwwwwwwwwwww",
    "wA.......w..w",
    "w..w........w",
    "w...w...w.+ww",
    "www.w2..wwwww",
    "w.......w.g.w",
    "w.2.........w",
    "w.....2.....w",
    "wwwwwwwwwwwww",
]


def boxoban_text(*puzzles: list[str], first: int = 0) -> str:
    return "".join(f"; {first + i}\n" + "\n".join(p) + "\n\n" for i, p in enumerate(puzzles))


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    p.write_bytes(text)
    return p


# -- Boxoban -----------------------------------------------------------------


def test_boxoban_two_puzzles(tmp_path: Path) -> None:
    f = write(tmp_path, "000.txt", boxoban_text(P0, P1))
    levels = read_boxoban(f)
    assert [lv.name for lv in levels] == ["000-0", "000-1"]
    assert all(lv.game == "sokoban" and (lv.height, lv.width) == (10, 10) for lv in levels)
    assert levels[0].text == "\n".join(P0) + "\n"
    assert levels[1].text == "\n".join(P1) + "\n"
    assert [lv.count("box") for lv in levels] == [4, 4]
    assert [lv.count("goal") for lv in levels] == [4, 4]


def test_boxoban_crlf_bom_no_final_newline(tmp_path: Path) -> None:
    text = "\ufeff" + boxoban_text(P0, P1).rstrip("\n").replace("\n", "\r\n")
    levels = read_boxoban(write(tmp_path, "crlf.txt", text))
    assert [lv.text for lv in levels] == ["\n".join(P0) + "\n", "\n".join(P1) + "\n"]


def test_boxoban_numbers_come_from_headers(tmp_path: Path) -> None:
    levels = read_boxoban(write(tmp_path, "x.txt", boxoban_text(P0, P1, first=7)))
    assert [lv.name for lv in levels] == ["x-7", "x-8"]


def test_boxoban_ragged_row_names_file_and_puzzle_line(tmp_path: Path) -> None:
    bad = list(P1)
    bad[4] = bad[4][:-1]
    f = write(tmp_path, "ragged.txt", boxoban_text(P0, bad))
    with pytest.raises(LevelFormatError) as e:
        read_boxoban(f)
    msg = str(e.value)
    assert f"{f}:13: puzzle 1" in msg  # puzzle 1's header is line 13
    assert "row 5 has 9 tiles" in msg
    assert "\n" not in msg


def test_boxoban_unknown_char(tmp_path: Path) -> None:
    bad = list(P0)
    bad[8] = "### @  X #"
    f = write(tmp_path, "unknown.txt", boxoban_text(bad))
    with pytest.raises(LevelFormatError, match=r"unknown\.txt:1: puzzle 0: row 9, column 8: unknown tile 'X'"):
        read_boxoban(f)


def test_boxoban_missing_header(tmp_path: Path) -> None:
    f = write(tmp_path, "nohead.txt", "\n".join(P0) + "\n")
    with pytest.raises(LevelFormatError, match=r"nohead\.txt: line 1: rows before any '; N' puzzle header"):
        read_boxoban(f)


def test_boxoban_second_puzzle_without_header(tmp_path: Path) -> None:
    text = boxoban_text(P0) + "\n".join(P1) + "\n"
    f = write(tmp_path, "nohead2.txt", text)
    with pytest.raises(LevelFormatError, match=r"line 13: rows after the blank line that ends puzzle 0"):
        read_boxoban(f)


@pytest.mark.parametrize("text", ["", "\n\n", "\r\n"])
def test_boxoban_empty_file(tmp_path: Path, text: str) -> None:
    f = write(tmp_path, "empty.txt", text)
    with pytest.raises(LevelFormatError, match=r"no '; N' puzzle header; not a Boxoban file"):
        read_boxoban(f)


def test_boxoban_header_without_rows(tmp_path: Path) -> None:
    f = write(tmp_path, "h.txt", boxoban_text(P0) + "; 1\n\n")
    with pytest.raises(LevelFormatError, match=r"h\.txt:13: puzzle 1 has no rows"):
        read_boxoban(f)


def test_boxoban_bad_header(tmp_path: Path) -> None:
    f = write(tmp_path, "h.txt", "; first\n" + "\n".join(P0) + "\n")
    with pytest.raises(LevelFormatError, match=r"line 1: a puzzle header must be '; N'"):
        read_boxoban(f)


def test_boxoban_repeated_number(tmp_path: Path) -> None:
    f = write(tmp_path, "r.txt", boxoban_text(P0) + boxoban_text(P1))
    with pytest.raises(LevelFormatError, match=r"line 13: puzzle number 0 repeats \(first at line 1\)"):
        read_boxoban(f)


def test_boxoban_not_utf8(tmp_path: Path) -> None:
    data = boxoban_text(P0, P1).encode()
    data = data.replace(b"# .@", b"# \xff@")
    f = write(tmp_path, "bin.txt", data)
    with pytest.raises(LevelFormatError, match=r"bin\.txt: line 15: byte 0xff is not UTF-8 text"):
        read_boxoban(f)


def test_boxoban_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(LevelFormatError, match="no such file"):
        read_boxoban(tmp_path / "nope.txt")
    with pytest.raises(LevelFormatError, match="is a folder"):
        read_boxoban(tmp_path)


# -- GVGAI -------------------------------------------------------------------


def test_gvgai_level(tmp_path: Path) -> None:
    f = write(tmp_path, "zelda_lvl9.txt", "\n".join(ZELDA))  # no final newline, like GVGAI's
    lv = read_gvgai(f)
    assert lv.game == "dungeon" and lv.name == "zelda_lvl9"
    assert (lv.height, lv.width) == (9, 13)
    assert lv.text == "\n".join(ZELDA) + "\n"
    assert lv == read_level(f, "dungeon")
    assert lv.count("avatar") == 1 and lv.count("key") == 1 and lv.count("door") == 1


def test_gvgai_crlf(tmp_path: Path) -> None:
    f = write(tmp_path, "z.txt", "\r\n".join(ZELDA) + "\r\n")
    assert read_gvgai(f).text == "\n".join(ZELDA) + "\n"


def test_gvgai_unknown_char_names_gvgai(tmp_path: Path) -> None:
    bad = list(ZELDA)
    bad[2] = "w..w...x....w"
    f = write(tmp_path, "z.txt", "\n".join(bad))
    with pytest.raises(LevelFormatError) as e:
        read_gvgai(f)
    msg = str(e.value)
    assert "row 3, column 8: 'x' is not a GVGAI zelda tile" in msg
    assert "GVGAI zelda levels use" in msg and "\n" not in msg


def test_gvgai_ragged(tmp_path: Path) -> None:
    bad = list(ZELDA)
    bad[4] = bad[4] + "w"
    f = write(tmp_path, "z.txt", "\n".join(bad))
    with pytest.raises(LevelFormatError, match="row 5 has 14 tiles"):
        read_gvgai(f)


def test_gvgai_not_utf8(tmp_path: Path) -> None:
    f = write(tmp_path, "z.txt", ("\n".join(ZELDA)).encode().replace(b"A", b"\xc3"))
    with pytest.raises(LevelFormatError, match=r"line 2: byte 0xc3 is not UTF-8 text"):
        read_gvgai(f)


# -- import_levels -----------------------------------------------------------


def test_import_boxoban(tmp_path: Path) -> None:
    src = write(tmp_path, "000.txt", boxoban_text(P0, P1))
    out = tmp_path / "out" / "sokoban"
    paths = import_levels("boxoban", [src], out)
    assert paths == [out / "000-0.txt", out / "000-1.txt"]
    assert [read_level(p, "sokoban") for p in paths] == read_boxoban(src)


def test_import_gvgai(tmp_path: Path) -> None:
    a = write(tmp_path, "zelda_lvl0.txt", "\n".join(ZELDA))
    b = write(tmp_path, "zelda_lvl1.txt", "\n".join(ZELDA[::-1]))
    paths = import_levels("gvgai", [a, b], tmp_path / "out")
    assert [p.name for p in paths] == ["zelda_lvl0.txt", "zelda_lvl1.txt"]
    assert read_level(paths[0], "dungeon") == read_gvgai(a)


def test_import_refuses_to_overwrite(tmp_path: Path) -> None:
    src = write(tmp_path, "000.txt", boxoban_text(P0, P1))
    out = tmp_path / "out"
    import_levels("boxoban", [src], out)
    (out / "000-0.txt").unlink()
    (out / "000-1.txt").write_text("old\n")
    with pytest.raises(LevelforgeError, match=r"000-1\.txt already exists") as e:
        import_levels("boxoban", [src], out)
    assert "\n" not in str(e.value)
    assert (out / "000-1.txt").read_text() == "old\n"
    assert not (out / "000-0.txt").exists()  # nothing written
    paths = import_levels("boxoban", [src], out, force=True)
    assert read_level(paths[1], "sokoban").text == "\n".join(P1) + "\n"


def test_import_bad_file_writes_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "a.txt", boxoban_text(P0))
    bad = write(tmp_path, "b.txt", "\n".join(P0))
    out = tmp_path / "out"
    with pytest.raises(LevelFormatError):
        import_levels("boxoban", [good, bad], out)
    assert not out.exists()


def test_import_name_clash(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a = write(tmp_path / "x", "000.txt", boxoban_text(P0))
    b = write(tmp_path / "y", "000.txt", boxoban_text(P1))
    with pytest.raises(LevelforgeError, match="both give a level named '000-0'"):
        import_levels("boxoban", [a, b], tmp_path / "out")


def test_import_unknown_kind_and_no_files(tmp_path: Path) -> None:
    with pytest.raises(LevelforgeError, match="unknown import format 'vgdl'; known: boxoban, gvgai, vglc"):
        import_levels("vgdl", [], tmp_path)
    with pytest.raises(LevelforgeError, match="no boxoban files"):
        import_levels("boxoban", [], tmp_path)


# -- the real corpora (skipped where ../shared/corpora is absent) -------------


def corpus(rel: str) -> Path:
    p = CORPORA / rel
    if not p.exists():
        pytest.skip(f"level corpus {p} is not here")
    return p


def test_real_boxoban_medium_train() -> None:
    levels = read_boxoban(corpus("boxoban/medium-train/000.txt"))
    assert len(levels) == 1000
    assert levels[0].name == "000-0" and levels[-1].name == "000-999"
    for lv in levels:
        assert (lv.height, lv.width) == (10, 10), lv.name
        assert lv.count("box") == 4 and lv.count("goal") == 4 and lv.count("player") == 1, lv.name
    assert len({lv.id for lv in levels}) == 1000


@pytest.mark.parametrize("n", range(5))
def test_real_gvgai_zelda(n: int) -> None:
    lv = read_gvgai(corpus(f"gvgai-zelda/zelda_lvl{n}.txt"))
    assert lv.game == "dungeon" and lv.name == f"zelda_lvl{n}"
    assert (lv.height, lv.width) == (9, 13)
    assert lv.count("avatar") == 1 and lv.count("door") == 1 and lv.count("key") >= 1


def test_real_import_round_trip(tmp_path: Path) -> None:
    src = corpus("gvgai-zelda")
    files = sorted(src.glob("zelda_lvl*.txt"))
    paths = import_levels("gvgai", files, tmp_path)
    assert len(paths) == 5
    for f, p in zip(files, paths):
        assert read_level(p, "dungeon") == read_gvgai(f)
