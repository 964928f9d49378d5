"""levelforge.agent: the DQN that plays (and judges) levels.

- :class:`DQNConfig`: every hyper-parameter of a run;
- :class:`Agent`: a Q-network and what it plays; :func:`save_agent`,
  :func:`load_agent` (``weights_only`` checkpoints);
- :func:`train`: the learner over a vector env (NEXT_STEP autoreset);
- :class:`ReplayBuffer`: n-step, frame-deduplicated, bit-packed, prioritized;
- :class:`Judge`: many levels played at once, a score per level;
- :func:`training_env`, :func:`tile_agent`: the tile games' env and agent.
"""

from .checkpoint import AgentFileError, load_agent, save_agent
from .config import DQNConfig
from .judge import Judge, LevelScore
from .learner import TrainResult, train
from .policy import Agent
from .replay import ReplayBuffer
from .tiles import tile_agent, training_env

__all__ = [
    "Agent",
    "AgentFileError",
    "DQNConfig",
    "Judge",
    "LevelScore",
    "ReplayBuffer",
    "TrainResult",
    "load_agent",
    "save_agent",
    "tile_agent",
    "train",
    "training_env",
]
