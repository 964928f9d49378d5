"""The batched rules engine (see :mod:`levelforge.engine.core`)."""

from .core import Engine
from .state import DOWN, LEFT, RIGHT, UP, Board, State

__all__ = ["Engine", "State", "Board", "UP", "DOWN", "LEFT", "RIGHT"]
