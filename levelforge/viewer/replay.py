"""Replays: an action sequence on a level, as the engine's states and as pictures.

A replay is who played (``"agent"``, ``"solver"``, ``"person"``), the
actions, and whether they won. :func:`replay_grids` plays it through the
engine (:class:`~levelforge.viewer.session.PlaySession`, so by the rules
everything else uses); :func:`replay_frames` draws each step with the one
renderer (:mod:`levelforge.render`), optionally with the solver's shortest
path drawn over it (:func:`draw_path`) and a caption bar; ``levelforge
replay --gif`` writes those frames with :mod:`levelforge.gif`.

Replay files (what ``levelforge play`` saves for a level that is not in an
archive) are JSON: ``{"format": "levelforge-replay", "version": 1, "game",
"level" (its text), "level_id", "player", "actions", "action_names", "won"}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..atomic import write_atomic
from ..engine import Engine
from ..errors import LevelforgeError
from ..glyphs import label
from ..level import Level, parse_level
from ..render import render_grid
from .session import PLAYING, WON, PlaySession

FORMAT, VERSION = "levelforge-replay", 1
PATH_COLOUR = (255, 214, 64)
BAR_BG = (24, 24, 28)


@dataclass
class Replay:
    player: str
    actions: list[int]
    won: bool | None = None
    note: str = field(default="", compare=False)


class ReplayFileError(LevelforgeError, ValueError):
    """A file is not a levelforge replay file, or its actions do not fit its game."""


def replay_grids(level: Level, actions: Sequence[int], engine: Engine | None = None) -> tuple[list[np.ndarray], list[str]]:
    """The ``(H, W) uint8`` grid before any action and after each one (until the game ends),
    and the status after each (``"playing"`` for the start)."""
    session = PlaySession(level, engine)
    grids, status = [session.grid()], [PLAYING]
    for a in actions:
        if not session.act(int(a)):
            break
        grids.append(session.grid())
        status.append(session.status)
    return grids, status


def solver_plan(level: Level, max_nodes: int = 1_000_000) -> list[int] | None:
    """The solver's shortest plan for ``level`` (None when it finds none within ``max_nodes`` states)."""
    from ..solve import Solver

    sol = Solver(level.game, max_nodes=max_nodes, max_seconds=None).solve(level)
    return list(sol.plan) if sol.verdict == "solved" else None


def draw_path(image: np.ndarray, path: Sequence[tuple[int, int]], tile: int, colour=PATH_COLOUR,
              alpha: float = 0.6, top: int = 0) -> np.ndarray:
    """``image`` with ``path`` (level cells, in order) drawn over it as dots joined by bars.

    ``top``: rows of pixels above the level in ``image``. Returns a new ``(H, W, 3) uint8`` image."""
    out = image.astype(np.float32)
    mask = np.zeros(image.shape[:2], dtype=bool)
    half, dot = tile // 2, max(1, tile // 6)
    centres = [(top + y * tile + half, x * tile + half) for y, x in path]
    for cy, cx in centres:
        mask[cy - dot : cy + dot + 1, cx - dot : cx + dot + 1] = True
    bar = max(1, tile // 12)
    for (y0, x0), (y1, x1) in zip(centres, centres[1:]):
        ya, yb, xa, xb = min(y0, y1), max(y0, y1), min(x0, x1), max(x0, x1)
        mask[ya - bar : yb + bar + 1, xa - bar : xb + bar + 1] = True
    out[mask] = (1 - alpha) * out[mask] + alpha * np.asarray(colour, dtype=np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def caption_bar(text: str, width: int, height: int = 14) -> np.ndarray:
    """A ``(height, width, 3) uint8`` bar with ``text`` in the pixel font (cut to fit)."""
    bar = np.empty((height, width, 3), dtype=np.uint8)
    bar[:] = BAR_BG
    scale = 2 if height >= 12 else 1
    fits = max(1, (width - 4) // (4 * scale))
    img = label(text[:fits], scale=scale, bg=BAR_BG)
    y = (height - img.shape[0]) // 2
    bar[y : y + img.shape[0], 2 : 2 + img.shape[1]] = img[:, : width - 2]
    return bar


def replay_frames(level: Level, replay: Replay, tile: int = 16, path: Sequence[tuple[int, int]] | None = None,
                  caption: bool = True, engine: Engine | None = None) -> list[np.ndarray]:
    """One ``(H, W, 3) uint8`` picture per step of ``replay`` on ``level`` (the start included):
    the level at ``tile`` px, ``path`` drawn over it, and a caption (who, step, result) below."""
    grids, status = replay_grids(level, replay.actions, engine)
    frames = []
    for k, (g, st) in enumerate(zip(grids, status)):
        img = render_grid(level.spec, g, tile)
        if path:
            img = draw_path(img, path, tile)
        if caption:
            end = "  WON!" if st == WON else "" if st == PLAYING else f"  {st.upper()}"
            text = f"{replay.player} {k}/{len(grids) - 1}{end}"
            img = np.concatenate([img, caption_bar(text, img.shape[1])])
        frames.append(img)
    return frames


# -- replay files ----------------------------------------------------------------------------
def save_replay(path: str | Path, level: Level, replay: Replay) -> Path:
    """Write ``replay`` of ``level`` as a replay file (atomically)."""
    path = Path(path)
    doc = {"format": FORMAT, "version": VERSION, "game": level.game, "level": level.text, "level_id": level.id,
           "player": replay.player, "actions": [int(a) for a in replay.actions],
           "action_names": list(level.spec.actions), "won": replay.won}
    return write_atomic(path, (json.dumps(doc, indent=1) + "\n").encode())


def load_replay(path: str | Path) -> tuple[Level, Replay]:
    """The level and replay of a replay file; a file of another kind: :class:`ReplayFileError`."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReplayFileError(f"{path}: not a replay file ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ReplayFileError(f"{path}: not a levelforge replay file")
    if doc.get("version") != VERSION:
        raise ReplayFileError(f"{path}: replay file version {doc.get('version')}; this levelforge reads {VERSION}")
    level = parse_level(doc["level"], doc["game"], source=str(path))
    actions = doc.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, int) and 0 <= a < len(level.spec.actions)
                                                for a in actions):
        raise ReplayFileError(f"{path}: actions must be a list of {level.game} action indices")
    return level, Replay(str(doc.get("player", "person")), actions, doc.get("won"))


def agent_replay(agent, level: Level, shield: int = 1) -> Replay:
    """The DQN agent's greedy play of ``level`` (with the forge's shield, :mod:`levelforge.agent.shield`)."""
    from ..agent import Judge

    s = Judge(agent, shield=shield).evaluate([level], episodes=1, record=True)[0]
    return Replay("agent", [int(a) for a in s.actions], bool(s.won_first))
