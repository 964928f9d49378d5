"""Exact solver over engine states (see :mod:`levelforge.solve.search`)."""

from .search import GAVE_UP, SOLVED, UNSOLVABLE, Solution, Solver, solve

__all__ = ["Solver", "Solution", "solve", "SOLVED", "UNSOLVABLE", "GAVE_UP"]
