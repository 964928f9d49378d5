"""The reusable mechanics a game.toml can combine. Importing registers them."""

from . import attack, collect, deadly, goals, locked, move, patrol, push  # noqa: F401
from .base import REGISTRY, Mechanic

__all__ = ["REGISTRY", "Mechanic"]
