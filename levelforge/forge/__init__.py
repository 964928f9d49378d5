"""levelforge.forge: from a generator's raw samples to the levels worth keeping.

- :func:`forge`: draw, repair and check, solve, judge, score, select
  (:mod:`.pipeline`);
- :mod:`.scores`: playability, novelty, challenge, creativity, diversity:
  the one place they are defined;
- :func:`select`: the best N, no duplicates, spread out (greedy max-min);
- :class:`Archive`: the SQLite database of runs, levels and replays;
- :func:`write_run`: the run folder (level files, levels.jsonl, sheet.png);
- :mod:`.defaults`: the shipped models each game generates with.
"""

from ..archive import Archive, ArchiveError, LevelRecord
from .output import write_run
from .pipeline import JUDGES, Candidate, ForgeResult, forge
from .scores import Scores
from .select import select

__all__ = ["JUDGES", "Archive", "ArchiveError", "Candidate", "ForgeResult", "LevelRecord", "Scores", "forge",
           "select", "write_run"]
