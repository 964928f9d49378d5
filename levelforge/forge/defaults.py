"""The shipped models: ``assets/models/<game>-gan.pt`` and ``<game>-agent.pt``.

Made by ``tools/train_defaults.py``, each with a model card (``.md``) beside
it. ``levelforge generate`` with no model options uses these, and
:data:`DEFAULT_GAME` when no game is named.
"""

from __future__ import annotations

from pathlib import Path

from ..game import game_levels_dir, load_game
from ..level import Level, read_levels
from ..paths import assets_dir

DEFAULT_GAME = "dungeon"
#: The playability gate ``generate`` uses when none is asked for, where it is not "both" (the shipped agent's
#: play scored beside the solver's verdict). The shipped Sokoban agent wins 9% of held-out procedural puzzles
#: and none of 200 Boxoban ones (assets/models/sokoban-agent.md): every level would look equally hard to it,
#: so Sokoban's challenge comes from the solver's plan length instead.
DEFAULT_JUDGE = {"sokoban": "solver"}


def models_dir() -> Path:
    return assets_dir() / "models"


def default_generator(game: str) -> Path | None:
    p = models_dir() / f"{game}-gan.pt"
    return p if p.is_file() else None


def default_agent(game: str) -> Path | None:
    p = models_dir() / f"{game}-agent.pt"
    return p if p.is_file() else None


def novelty_reference(gan) -> list[Level]:
    """What a GAN's levels are new against: the training levels its model
    file keeps, and its game's shipped levels."""
    shipped = game_levels_dir(load_game(gan.game))
    return gan.training_levels() + (read_levels(shipped, gan.game) if shipped else [])
