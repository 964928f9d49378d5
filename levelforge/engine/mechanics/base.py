"""The interface every mechanic module implements.

A mechanic is configured by one ``[[mechanics]]`` table of a game.toml. It
compiles its settings into the rule tables of the step (:meth:`compile`),
names the hook it runs in a step (``op``, one of ``batch.OP_*``; its code is
the module's numba function of that name, dispatched by the kernel), and
declares its observation planes and the parts it adds to search keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ...errors import GameSpecError

if TYPE_CHECKING:  # pragma: no cover
    from ..rules import Rules
    from ..state import State
    from ..tables import TableBuilder


class Mechanic:
    """Base class. Subclasses set ``use`` and override what they need."""

    use: ClassVar[str] = ""
    #: the kernel hook this mechanic runs in a step (batch.OP_*), 0 for none
    op: ClassVar[int] = 0
    #: reward events this mechanic can emit (names usable in [rewards])
    events: ClassVar[tuple[str, ...]] = ()
    #: config keys this mechanic accepts besides ``use``
    keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, cfg: dict[str, Any], rules: "Rules") -> None:
        extra = set(cfg) - {"use"} - set(self.keys)
        if extra:
            raise GameSpecError(f"mechanic {self.use!r} has no setting {sorted(extra)[0]!r}")
        self.cfg = cfg
        self.rules = rules

    # -- helpers for configuration ----------------------------------------
    def tiles_of(self, key: str, layer: str, required: bool = True) -> list[int]:
        """Indices (within ``layer``) of the tiles named by config ``key``."""
        names = self.cfg.get(key)
        if names is None and not required:
            return []
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not names:
            raise GameSpecError(f"mechanic {self.use!r}: {key!r} must name one or more {layer} tiles")
        return [self.rules.index(layer, n, f"mechanic {self.use!r}") for n in names]

    # -- compiling -----------------------------------------------------------
    def compile(self, tables: "TableBuilder") -> None:
        """Write this mechanic's flags and numbers into the game's tables."""

    # -- observation and search ---------------------------------------------
    def planes(self) -> list[tuple[str, int, int]]:
        """Extra observation planes: ``(name, batch.SHOW_*, argument)`` each."""
        return []

    def key(self, state: "State") -> list[np.ndarray]:
        """Extra ``(B, k) uint8`` parts of a state's search key."""
        return []


REGISTRY: dict[str, type[Mechanic]] = {}


def mechanic(cls: type[Mechanic]) -> type[Mechanic]:
    """Class decorator: make a mechanic available to game.toml by its ``use`` name."""
    REGISTRY[cls.use] = cls
    return cls
