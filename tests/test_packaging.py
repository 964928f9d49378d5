"""The wheel holds the code and the data folders games/ and assets/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = {"games": "levelforge/games", "assets": "levelforge/assets"}


def _source_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )


def test_every_code_folder_is_a_listed_package() -> None:
    """pyproject lists packages explicitly; a new sub-package must be added there."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    code = {
        ".".join(d.relative_to(REPO).parts)
        for d in [REPO / "levelforge", *(REPO / "levelforge").rglob("*")]
        if d.is_dir() and d.name != "__pycache__" and any(d.glob("*.py"))
    }
    missing = code - listed
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"
    assert {"levelforge.games", "levelforge.assets"} <= listed
    assert config["tool"]["setuptools"]["package-dir"] == {
        "levelforge.games": "games",
        "levelforge.assets": "assets",
    }
    assert (REPO / "assets" / "README.md").is_file()


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {
        n
        for n in names
        if n.startswith(".")
        or n in ("build", "dist", "__pycache__")
        or n.endswith(".egg-info")
    }


@pytest.mark.slow
def test_wheel_holds_code_and_data(tmp_path: Path) -> None:
    # Build from a copy, so the build leaves no build/ or *.egg-info in the repo.
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=_ignore)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("levelforge-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())

    assert "levelforge/games/dungeon/game.toml" in names
    assert "levelforge/assets/README.md" in names
    for f in (REPO / "games" / "sokoban" / "levels").glob("*.txt"):
        assert f"levelforge/games/sokoban/levels/{f.name}" in names
    # Every code file and every data file, recursively.
    expected = {str(p.relative_to(REPO).as_posix()) for p in _source_files(REPO / "levelforge") if p.suffix == ".py"}
    for folder, package in DATA.items():
        expected |= {f"{package}/{p.relative_to(REPO / folder).as_posix()}" for p in _source_files(REPO / folder)}
    missing = expected - names
    assert not missing, f"missing from the wheel: {sorted(missing)}"
    assert not any(n.startswith(("games/", "assets/", "tests/")) for n in names)

    # Installed, the data is found inside the installed package, not the repo.
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        timeout=120,
    )
    probe = (
        "import levelforge.paths as p\n"
        "from levelforge.game import load_game\n"
        "print(p.games_dir()); print(p.assets_dir()); print(load_game('dungeon').source)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    games, assets, dungeon = (Path(line) for line in out.stdout.split())
    assert games == site / "levelforge" / "games"
    assert assets == site / "levelforge" / "assets"
    assert dungeon == games / "dungeon" / "game.toml"
