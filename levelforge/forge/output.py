"""The run folder: the kept levels as files a person (or a game) can use.

- ``NNN_<level id>.txt``: one text file per level, ``NNN`` its rank (001 is
  the first picked);
- ``levels.jsonl``: one JSON object per level, in rank order: file, level
  id, every score, the repairs made, its provenance (generator hash, seed,
  index in the seed's draw, latent vector, features asked for) and its
  replays (the solver's plan and the agent's moves, as action indices, with
  whether they won);
- ``sheet.png``: every level drawn with the game's tiles, labelled with its
  rank, creativity (C) and novelty (N) in hundredths and, when an agent
  judged it, whether the agent won (W) or lost (-).

The folder is written beside its final place and moved there in one
rename, so a run that dies leaves no half folder. Nothing in it depends on
the time or the machine: the same command and seed give the same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..glyphs import label
from ..png import write_png
from ..render import contact_sheet, render_level
from .pipeline import Candidate


def level_file(rank: int, c: Candidate) -> str:
    return f"{rank:03d}_{c.level.id}.txt"


def replays_of(c: Candidate) -> dict[str, tuple[list[int], bool]]:
    """player ("solver", "agent") -> (actions, won) for what played ``c``."""
    out: dict[str, tuple[list[int], bool]] = {}
    if c.plan is not None:
        out["solver"] = ([int(a) for a in c.plan], True)
    if c.agent_actions is not None:
        out["agent"] = ([int(a) for a in c.agent_actions], bool(c.agent_won))
    return out


def level_record(rank: int, c: Candidate, generator_hash: str | None, seed: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "file": level_file(rank, c),
        "level_id": c.level.id,
        "game": c.level.game,
        "scores": c.scores.to_dict() if c.scores else None,
        "repairs": list(c.repairs),
        "provenance": {
            "generator": generator_hash,
            "seed": seed,
            "index": c.index,
            "latent": None if c.latent is None else [float(x) for x in np.asarray(c.latent, dtype=np.float32)],
            "cond": c.cond,
        },
        "replays": {p: {"actions": a, "won": w} for p, (a, w) in replays_of(c).items()},
    }


def sheet(selected: Sequence[Candidate], columns: int = 10, tile: int = 12) -> np.ndarray:
    """The contact sheet of ``selected`` (in rank order) with a label under each level."""
    cells = []
    for rank, c in enumerate(selected, 1):
        img = render_level(c.level, tile=tile)
        s = c.scores
        text = f"#{rank}"
        if s is not None:
            text += f" C{round(100 * s.creativity)} N{round(100 * s.novelty)}"
            if s.agent_success is not None:
                text += " W" if s.agent_success > 0 else " -"
        lab = label(text, scale=2)
        if lab.shape[1] > img.shape[1]:
            lab = label(text, scale=1)
        width = max(img.shape[1], lab.shape[1])
        cell = np.empty((img.shape[0] + lab.shape[0] + 3, width, 3), dtype=np.uint8)
        cell[:] = (24, 24, 28)
        cell[: img.shape[0], : img.shape[1]] = img
        cell[img.shape[0] + 3 :, : lab.shape[1]] = lab
        cells.append(cell)
    return contact_sheet(cells, columns=min(columns, len(cells)))


def write_run(out: str | Path, selected: Sequence[Candidate], generator_hash: str | None, seed: int,
              force: bool = False) -> Path:
    """Write the run folder ``out`` (which must not hold files unless ``force``)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} already holds files (choose another --out, or --force to replace them)")
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        lines = []
        for rank, c in enumerate(selected, 1):
            (tmp / level_file(rank, c)).write_text(c.level.text)
            lines.append(json.dumps(level_record(rank, c, generator_hash, seed), sort_keys=True))
        (tmp / "levels.jsonl").write_text("".join(line + "\n" for line in lines))
        if selected:
            write_png(tmp / "sheet.png", sheet(selected))
        if out.exists():
            shutil.rmtree(out)
        tmp.replace(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
