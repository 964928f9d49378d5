"""What the viewer browses: levels with their scores, replays and marks.

A :class:`Catalog` is a list of :class:`Entry` and the place its marks go.
It comes from one of:

- an archive run (:func:`from_archive`): scores, replays and marks from the
  SQLite archive; a mark is written to it at once;
- a run folder of ``levelforge generate`` (a folder with ``levels.jsonl``):
  its levels in rank order, with their scores and replays;
- level files, folders of them, or replay files (:func:`from_paths`).

Marks on levels that are not in an archive go to ``marks.json`` in the
level's folder (file name -> ``kept`` / ``rejected``), written atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..archive import MARKS, Archive
from ..atomic import write_atomic
from ..errors import LevelFormatError
from ..level import Level, level_files, parse_level, read_level
from .replay import Replay, load_replay, solver_plan

MARKS_FILE = "marks.json"
#: the order a level's replays are offered in: the agent's play, a person's, the solver's plan
PLAYERS = ("agent", "person", "solver")


@dataclass
class Entry:
    level: Level
    title: str  #: what the viewer calls it: a file name, or "run 3 #12"
    scores: dict[str, Any] | None = None
    replays: dict[str, Replay] = field(default_factory=dict)
    mark: str | None = None
    run_id: int | None = None
    path: Path | None = None
    _plan: list[int] | None | bool = field(default=False, repr=False, compare=False)  # False: not searched yet

    def solver_plan(self) -> list[int] | None:
        """The solver's shortest plan: the stored one, else searched for once (None: none within its budget)."""
        if self._plan is False:
            stored = self.replays.get("solver")
            self._plan = stored.actions if stored else solver_plan(self.level)
        return self._plan  # type: ignore[return-value]

    def known_plan(self) -> list[int] | None:
        """The solver's plan if it is stored or was searched for already (never searches)."""
        if self._plan is False:
            stored = self.replays.get("solver")
            return stored.actions if stored else None
        return self._plan  # type: ignore[return-value]

    def players(self) -> list[str]:
        """Who has a replay of the level, in :data:`PLAYERS` order (others after, by name)."""
        order = [p for p in PLAYERS if p in self.replays]
        return order + sorted(set(self.replays) - set(order))


@dataclass
class Catalog:
    entries: list[Entry]
    source: str
    archive: Archive | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def close(self) -> None:
        """Close the archive the catalog reads and marks (if any)."""
        if self.archive is not None:
            self.archive.close()

    def __getitem__(self, i: int) -> Entry:
        return self.entries[i]

    def mark(self, i: int, mark: str | None) -> None:
        """Set (or, with None, clear) entry ``i``'s mark and write it where its level came from."""
        if mark is not None and mark not in MARKS:
            raise ValueError(f"mark must be one of {', '.join(MARKS)} or None, got {mark!r}")
        e = self.entries[i]
        e.mark = mark
        if self.archive is not None and e.run_id is not None:
            self.archive.set_mark(e.run_id, e.level.id, mark)
        elif e.path is not None:
            _write_file_mark(e.path, mark)

    def add_replay(self, i: int, replay: Replay) -> str:
        """Keep a replay of entry ``i`` (in the archive, or as a replay file beside the level); where it went."""
        e = self.entries[i]
        e.replays[replay.player] = replay
        if self.archive is not None and e.run_id is not None:
            self.archive.add_replay(e.run_id, e.level.id, replay.player, replay.actions, bool(replay.won))
            return f"{self.archive.path} (run {e.run_id})"
        from .replay import save_replay

        folder = e.path.parent if e.path is not None else Path.cwd()
        stem = _stem(e.path) if e.path is not None else e.level.id
        return str(save_replay(folder / f"{stem}.{replay.player}.replay.json", e.level, replay))


def from_archive(archive: Archive, run_id: int | None = None) -> Catalog:
    """The levels of run ``run_id`` (default: the newest run that kept levels)."""
    if run_id is None:
        run_id = archive.latest_run()
        if run_id is None:
            raise LookupError(f"{archive.path} holds no run with levels yet (make one with levelforge generate)")
    rows = archive.levels(run_id)
    if not rows:
        known = [r["run_id"] for r in archive.runs() if r["kept"]]
        raise LookupError(f"{archive.path}: run {run_id} has no levels (runs with levels: "
                          f"{', '.join(map(str, known)) or 'none'})")
    marks = archive.marks(run_id)
    entries = []
    for r in rows:
        level = parse_level(r["text"], r["game"], source=f"run {run_id}", name=r["name"])
        replays = {p: Replay(p, actions, won) for p, (actions, won) in archive.replays(run_id, r["level_id"]).items()}
        entries.append(Entry(level, f"run {run_id} #{r['rank']}", json.loads(r["scores"]), replays,
                             marks.get(r["level_id"]), run_id))
    return Catalog(entries, f"run {run_id} of {archive.path}", archive)


def from_paths(paths: Sequence[str | Path], game: str | None) -> Catalog:
    """Levels from files and folders (run folders with their scores); ``game`` for plain level files
    (default: a run folder's game, else dungeon)."""
    entries: list[Entry] = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
        if p.is_dir() and (p / "levels.jsonl").is_file():
            entries += _run_folder(p, game)
        elif p.is_dir():
            files = level_files(p)
            if not files:
                raise LevelFormatError(f"{p}: no level files (*.txt) in this folder")
            entries += [_level_entry(f, game) for f in files]
        elif p.name.endswith(".replay.json"):
            level, replay = load_replay(p)
            entries.append(Entry(level, p.name, None, {replay.player: replay}, path=p))
        else:
            entries.append(_level_entry(p, game))
    if not entries:
        raise LevelFormatError(f"no levels in {', '.join(map(str, paths)) or 'nothing'}")
    return Catalog(entries, ", ".join(map(str, paths)))


def _level_entry(path: Path, game: str | None) -> Entry:
    try:
        level = read_level(path, game or _default_game())
    except LevelFormatError as e:
        if game is not None:
            raise
        raise LevelFormatError(f"{e} (read as a {_default_game()} level; say the game with --game)") from None
    return Entry(level, path.name, None, {}, _read_file_marks(path.parent).get(path.name), path=path)


def _run_folder(folder: Path, game: str | None) -> list[Entry]:
    marks = _read_file_marks(folder)
    out = []
    for n, line in enumerate((folder / "levels.jsonl").read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            path = folder / rec["file"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise LevelFormatError(f"{folder / 'levels.jsonl'}, line {n}: not a levels.jsonl record ({e})") from None
        if path.parent.resolve() != folder.resolve():
            raise LevelFormatError(f"{folder / 'levels.jsonl'}, line {n}: {rec['file']!r} is not a file of this folder")
        level = read_level(path, game or rec.get("game") or _default_game())
        replays = {p: Replay(p, list(r["actions"]), r.get("won")) for p, r in (rec.get("replays") or {}).items()}
        out.append(Entry(level, f"#{rec.get('rank', n)} {path.name}", rec.get("scores"), replays,
                         marks.get(path.name), path=path))
    return out


def _stem(path: Path) -> str:
    """A level file's stem; for a replay file ``x.<player>.replay.json``, ``x``."""
    name = path.name
    if name.endswith(".replay.json"):
        return name[: -len(".replay.json")].rsplit(".", 1)[0]
    return path.stem


def _default_game() -> str:
    from ..forge.defaults import DEFAULT_GAME

    return DEFAULT_GAME


def _read_file_marks(folder: Path) -> dict[str, str]:
    f = folder / MARKS_FILE
    if not f.is_file():
        return {}
    try:
        data = json.loads(f.read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return {k: v for k, v in data.items() if v in MARKS} if isinstance(data, dict) else {}


def _write_file_mark(path: Path, mark: str | None) -> None:
    marks = _read_file_marks(path.parent)
    if mark is None:
        marks.pop(path.name, None)
    else:
        marks[path.name] = mark
    write_atomic(path.parent / MARKS_FILE, (json.dumps(marks, indent=1, sort_keys=True) + "\n").encode())
