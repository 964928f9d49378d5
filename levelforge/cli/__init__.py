"""The ``levelforge`` command line: a thin layer over the library.

Errors in what a user gave (a bad level file, an unknown game, a missing
folder) print one line on stderr and exit with status 2.

- :mod:`.app`: the root group, shared helpers, and the level commands;
- :mod:`.gan`: ``train gan``, ``sample``;
- :mod:`.agent`: ``train agent``, ``evaluate-agent``, ``atari train``;
- :mod:`.forge`: ``generate`` (the main job), ``runs``, ``levels``;
- :mod:`.viewer`: ``view``, ``play``, ``replay`` (the pygame viewer);
- :mod:`.export`: ``export`` (Tiled, LDtk, Godot, plain formats).
"""

from . import agent, export, forge, gan, viewer  # noqa: F401  (registers their commands)
from .app import main

__all__ = ["main"]
