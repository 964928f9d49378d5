"""Rules: a GameSpec compiled to the index tables the batched engine uses."""

from __future__ import annotations

import numpy as np

from ..errors import GameSpecError
from ..game import GameSpec
from .state import DOWN, LEFT, RIGHT, UP

MOVES = {"up": UP, "down": DOWN, "left": LEFT, "right": RIGHT}


class Rules:
    """Per-layer tile tables of one game.

    ``terrain``, ``items`` and ``npcs`` list base-tile names per layer; the
    engine stores terrain as indices into ``terrain``, items as 1 + index into
    ``items`` (0 = no item) and NPC kinds as indices into ``npcs``.
    """

    def __init__(self, spec: GameSpec) -> None:
        self.spec = spec
        self.terrain = [t.name for t in spec.layer_tiles("terrain")]
        self.items = [t.name for t in spec.layer_tiles("item")]
        self.npcs = [t.name for t in spec.layer_tiles("npc")]
        self.player = spec.player_tile.name
        self.ground = self.terrain.index(spec.ground)
        solid = [spec.tile(n).solid for n in self.terrain]
        if not any(solid):
            raise GameSpecError("no terrain tile is solid: mark one with 'solid = true' (it pads levels)")
        self.pad = solid.index(True)
        self.terrain_solid = np.array(solid, dtype=bool)
        a = spec.actions
        self.n_actions = len(a)
        self.action_dir = np.array([MOVES.get(n, -1) for n in a], dtype=np.int8)

    def index(self, layer: str, name: str, where: str) -> int:
        table = {"terrain": self.terrain, "item": self.items, "npc": self.npcs}[layer]
        if name not in table:
            known = ", ".join(table) or "none"
            raise GameSpecError(f"{where}: {name!r} is not a {layer} tile (known: {known})")
        return table.index(name)

    def action(self, name: str) -> int | None:
        return self.spec.actions.index(name) if name in self.spec.actions else None
