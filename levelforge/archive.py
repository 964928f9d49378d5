"""The level archive: an embedded SQLite database of runs, levels and replays.

Schema (``SCHEMA``; docs/forge.md shows example queries):

- ``runs``: one row per ``generate`` (or bootstrap round): its command
  line, game, seed, the SHA-256 of the generator and agent files, settings
  (JSON), start and end times, and ``status`` (``running``, ``done``,
  ``interrupted``, ``failed``).
- ``levels``: one row per kept level per run: the level's content hash
  (``level_id``: :attr:`levelforge.level.Level.id`), game, text, name, every
  score (columns for the ones worth querying, and all of them as JSON), and
  its provenance: the generator's hash, the run's seed, the level's index
  in that seed's draw, its latent vector (JSON) and feature request, and
  the repairs made to it. Hash, seed and index make the level again.
- ``replays``: action sequences that play a level: the solver's shortest
  plan and the agent's moves, with whether they won (and a person's, saved
  from ``levelforge play``).
- ``marks``: a person's verdict on a kept level, ``kept`` or ``rejected``
  (``levelforge view``), with when it was given.

Writing is transactional: a run's row is committed when it starts, and all
of its levels and replays in one transaction when it ends, with the run's
status. A run stopped by Ctrl-C or killed mid-way leaves its ``running`` (or
``interrupted``) row and no level of it. The database runs in WAL mode with a
busy timeout, so several processes can generate into one file at once:
writers queue, none is lost.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .errors import LevelforgeError

SCHEMA_VERSION = 2  # 2 added ``marks``; a version 1 archive is upgraded on opening
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    game TEXT NOT NULL,
    seed INTEGER NOT NULL,
    generator_hash TEXT,
    agent_hash TEXT,
    settings TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    kept INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS levels (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    level_id TEXT NOT NULL,
    game TEXT NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    rank INTEGER NOT NULL,
    playable INTEGER NOT NULL,
    creativity REAL NOT NULL,
    novelty REAL NOT NULL,
    challenge REAL NOT NULL,
    diversity REAL,
    agent_success REAL,
    plan_length INTEGER,
    scores TEXT NOT NULL,
    generator_hash TEXT,
    seed INTEGER NOT NULL,
    draw_index INTEGER NOT NULL,
    latent TEXT,
    cond TEXT,
    repairs TEXT NOT NULL,
    PRIMARY KEY (run_id, level_id)
);
CREATE INDEX IF NOT EXISTS levels_by_id ON levels(level_id);
CREATE TABLE IF NOT EXISTS replays (
    run_id INTEGER NOT NULL,
    level_id TEXT NOT NULL,
    player TEXT NOT NULL,
    actions TEXT NOT NULL,
    won INTEGER NOT NULL,
    PRIMARY KEY (run_id, level_id, player),
    FOREIGN KEY (run_id, level_id) REFERENCES levels(run_id, level_id)
);
CREATE TABLE IF NOT EXISTS marks (
    run_id INTEGER NOT NULL,
    level_id TEXT NOT NULL,
    mark TEXT NOT NULL CHECK (mark IN ('kept', 'rejected')),
    marked TEXT NOT NULL,
    PRIMARY KEY (run_id, level_id),
    FOREIGN KEY (run_id, level_id) REFERENCES levels(run_id, level_id)
);
"""
MARKS = ("kept", "rejected")


class ArchiveError(LevelforgeError):
    """A file is not a levelforge archive, or one of a newer schema."""


@dataclass
class LevelRecord:
    """What the archive keeps of one kept level."""

    level_id: str
    game: str
    name: str
    text: str
    rank: int
    scores: dict[str, Any]
    generator_hash: str | None
    seed: int
    draw_index: int
    latent: list[float] | None
    cond: dict[str, int] | None
    repairs: list[str]
    replays: dict[str, tuple[list[int], bool]]  #: player ("solver", "agent") -> (actions, won)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class Archive:
    def __init__(self, path: str | Path, timeout: float = 60.0) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version not in range(SCHEMA_VERSION + 1):
                raise ArchiveError(f"{self.path}: archive schema version {version}; this levelforge writes "
                                   f"version {SCHEMA_VERSION}")
            with self._transaction():
                for stmt in SCHEMA.split(";"):
                    if stmt.strip():
                        self.db.execute(stmt)
                self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            self.db.close()
            raise ArchiveError(f"{self.path}: not a levelforge archive ({e})") from None
        except ArchiveError:
            self.db.close()
            raise
        self.db.row_factory = sqlite3.Row

    def _transaction(self):
        return _Transaction(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------
    def start_run(self, command: str, game: str, seed: int, settings: dict[str, Any],
                  generator_hash: str | None, agent_hash: str | None) -> int:
        with self._transaction():
            cur = self.db.execute(
                "INSERT INTO runs (command, game, seed, generator_hash, agent_hash, settings, started, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'running')",
                (command, game, seed, generator_hash, agent_hash, json.dumps(settings, sort_keys=True), _now()))
            return int(cur.lastrowid)

    def finish_run(self, run_id: int, levels: Sequence[LevelRecord]) -> None:
        """All of a run's levels and replays, and its status ``done``, in one transaction."""
        with self._transaction():
            for r in levels:
                s = r.scores
                self.db.execute(
                    "INSERT INTO levels (run_id, level_id, game, name, text, rank, playable, creativity, novelty, "
                    "challenge, diversity, agent_success, plan_length, scores, generator_hash, seed, draw_index, "
                    "latent, cond, repairs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run_id, r.level_id, r.game, r.name, r.text, r.rank, int(bool(s["playable"])), s["creativity"],
                     s["novelty"], s["challenge"], s.get("diversity"), s.get("agent_success"), s.get("plan_length"),
                     json.dumps(s, sort_keys=True), r.generator_hash, r.seed, r.draw_index,
                     json.dumps(r.latent) if r.latent is not None else None,
                     json.dumps(r.cond, sort_keys=True) if r.cond is not None else None, json.dumps(r.repairs)))
                for player, (actions, won) in r.replays.items():
                    self.db.execute(
                        "INSERT INTO replays (run_id, level_id, player, actions, won) VALUES (?, ?, ?, ?, ?)",
                        (run_id, r.level_id, player, json.dumps([int(a) for a in actions]), int(won)))
            self.db.execute("UPDATE runs SET status='done', finished=?, kept=? WHERE run_id=?",
                            (_now(), len(levels), run_id))

    def end_run(self, run_id: int, status: str) -> None:
        """Mark a run that stopped without its levels (``interrupted`` or ``failed``)."""
        with self._transaction():
            self.db.execute("UPDATE runs SET status=?, finished=? WHERE run_id=? AND status='running'",
                            (status, _now(), run_id))

    def set_mark(self, run_id: int, level_id: str, mark: str | None) -> None:
        """A person's verdict on a level of a run: ``"kept"``, ``"rejected"``, or None to clear it."""
        if mark is not None and mark not in MARKS:
            raise ValueError(f"mark must be one of {', '.join(MARKS)} or None, got {mark!r}")
        with self._transaction():
            if mark is None:
                self.db.execute("DELETE FROM marks WHERE run_id=? AND level_id=?", (run_id, level_id))
            else:
                self.db.execute("INSERT OR REPLACE INTO marks (run_id, level_id, mark, marked) VALUES (?, ?, ?, ?)",
                                (run_id, level_id, mark, _now()))

    def add_replay(self, run_id: int, level_id: str, player: str, actions: Sequence[int], won: bool) -> None:
        """Keep (or replace) ``player``'s replay of a level of a run."""
        with self._transaction():
            self.db.execute("INSERT OR REPLACE INTO replays (run_id, level_id, player, actions, won) "
                            "VALUES (?, ?, ?, ?, ?)", (run_id, level_id, player, json.dumps([int(a) for a in actions]),
                                                       int(bool(won))))

    # -- reading --------------------------------------------------------------------------
    def marks(self, run_id: int) -> dict[str, str]:
        """level id -> mark, for the marked levels of a run."""
        rows = self.db.execute("SELECT level_id, mark FROM marks WHERE run_id=?", (run_id,))
        return {r["level_id"]: r["mark"] for r in rows}

    def latest_run(self) -> int | None:
        """The newest run that kept levels, or None."""
        row = self.db.execute("SELECT MAX(run_id) FROM runs WHERE status='done' AND kept > 0").fetchone()
        return row[0] if row and row[0] is not None else None

    def runs(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY run_id")]

    def levels(self, run_id: int | None = None) -> list[dict[str, Any]]:
        if run_id is None:
            rows = self.db.execute("SELECT * FROM levels ORDER BY run_id, rank")
        else:
            rows = self.db.execute("SELECT * FROM levels WHERE run_id=? ORDER BY rank", (run_id,))
        return [dict(r) for r in rows]

    def replays(self, run_id: int, level_id: str) -> dict[str, tuple[list[int], bool]]:
        rows = self.db.execute("SELECT player, actions, won FROM replays WHERE run_id=? AND level_id=?",
                               (run_id, level_id))
        return {r["player"]: (json.loads(r["actions"]), bool(r["won"])) for r in rows}


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any exception (Ctrl-C included)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")

