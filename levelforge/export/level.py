"""One level as an export sees it: the level, its file stem, its name and its scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..level import Level


@dataclass(frozen=True)
class ExportLevel:
    level: Level
    stem: str  #: the safe file stem its files are named by
    name: str  #: what the level is called inside the files (map name, LDtk identifier source)
    scores: dict[str, Any] | None = None
