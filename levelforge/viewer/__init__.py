"""The pygame viewer: browse levels, play them, watch replays (``levelforge view``, ``play``, ``replay``).

- :mod:`.session`: a person's game of one level, by the engine's rules (no pygame);
- :mod:`.replay`: replays as states and pictures, the solver's path overlay, replay files (no pygame);
- :mod:`.catalog`: the levels the viewer browses, from an archive run, a run folder or level files;
- :mod:`.app`: the window and its loop; :mod:`.draw`: drawing helpers;
- screens: :mod:`.grid` (thumbnails), :mod:`.level_view` (one level and its scores),
  :mod:`.play` (a person plays), :mod:`.replay_view` (replays step by step).

Only :mod:`.app`, :mod:`.draw` and the screens import pygame.
"""

from .catalog import Catalog, Entry, from_archive, from_paths
from .replay import Replay, load_replay, replay_frames, save_replay, solver_plan
from .session import PlaySession, action_for_key, player_path

__all__ = ["Catalog", "Entry", "PlaySession", "Replay", "action_for_key", "from_archive", "from_paths", "load_replay",
           "player_path", "replay_frames", "save_replay", "solver_plan"]
