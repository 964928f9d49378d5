"""The interface every mechanic module implements.

A mechanic is configured by one ``[[mechanics]]`` table of a game.toml. The
engine calls its hooks at fixed points of a step (see ``Engine.step``); a hook
a mechanic does not override costs nothing. Every hook works on whole
batches: arrays with a leading axis of B states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ...errors import GameSpecError

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Lit, NpcSlots
    from ..rules import Rules
    from ..state import Board, State
    from ..turn import Turn


class Mechanic:
    """Base class. Subclasses set ``use`` and override the hooks they need.

    A mechanic that lets the player walk onto items lists their indices in
    ``passable_items`` (collect); one that decides what happens when the
    player walks into items lists them in ``handled_items`` and implements
    :meth:`enter` (push). Any other item blocks the player.
    """

    passable_items: list[int] = []
    handled_items: list[int] = []

    use: ClassVar[str] = ""
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

    # -- hooks --------------------------------------------------------------
    def prepare(self, board: "Board") -> None:
        """Add derived ``(L*N,) bool`` masks to ``board.masks``."""

    def opens(self, turn: "Turn", cells: np.ndarray) -> np.ndarray | None:
        """Mask of ``cells`` the player may enter although their terrain is solid."""
        return None

    def enter(self, turn: "Turn", target: np.ndarray, trying: np.ndarray) -> np.ndarray | None:
        """Called for players ``trying`` to enter ``target`` cells holding an item this
        mechanic handles; returns the mask of those that are blocked."""
        return None

    def after_move(self, turn: "Turn") -> None:
        """After the player moved (e.g. pick up what lies there)."""

    def act(self, turn: "Turn") -> None:
        """Non-move actions (e.g. attack)."""

    def check(self, turn: "Turn") -> None:
        """After the player's phase and again after the world's: may end the game."""

    def world(self, turn: "Turn") -> None:
        """The world moves (NPCs)."""

    # -- observation and search ---------------------------------------------
    def channels(self) -> list[str]:
        """Names of the extra observation planes this mechanic adds."""
        return []

    def lit(self, state: "State", slots: "NpcSlots") -> "list[Lit]":
        """Sparse planes: groups of ``(rows, planes, cells)`` 1-D arrays naming the
        cells set to 1 (``rows`` None: one entry per state; ``planes`` may be one
        int, numbered from 0 within this mechanic's planes; cell -1 lights
        nothing). ``slots`` are the occupied NPC slots of ``state``."""
        return []

    def fill(self, state: "State") -> np.ndarray | None:
        """Whole-plane values: ``(B, k) uint8``, plane p of row b all equal to it."""
        return None

    def key(self, state: "State") -> list[np.ndarray]:
        """Extra ``(B, k) uint8`` parts of a state's search key."""
        return []


REGISTRY: dict[str, type[Mechanic]] = {}


def mechanic(cls: type[Mechanic]) -> type[Mechanic]:
    """Class decorator: make a mechanic available to game.toml by its ``use`` name."""
    REGISTRY[cls.use] = cls
    return cls
