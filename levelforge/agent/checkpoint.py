"""Saving and loading agents.

A checkpoint is one ``torch.save`` file holding only tensors and plain
Python values (format name and version, the env, the config as a dict, the
observation shape and planes, training stats, the network's state dict),
so it loads with ``torch.load(weights_only=True)``: a checkpoint cannot run
code. Every way a file can be wrong (missing, not a checkpoint, truncated,
another format, another game) is one :class:`AgentFileError` line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..errors import LevelforgeError
from ..savefile import save_atomically
from .config import DQNConfig
from .policy import Agent

FORMAT = "levelforge-dqn"
VERSION = 1


class AgentFileError(LevelforgeError):
    """An agent checkpoint that cannot be used."""


def save_agent(agent: Agent, path: str | Path) -> Path:
    """Write ``agent`` to ``path`` atomically (a crash leaves no half file)."""
    blob = {
        "format": FORMAT,
        "version": VERSION,
        "env": agent.env,
        "config": agent.config.to_dict(),
        "obs_shape": list(agent.obs_shape),
        "n_actions": agent.n_actions,
        "channels": list(agent.channels),
        "player_channel": agent.player_channel,
        "wall_channels": list(agent.wall_channels),
        "stats": agent.stats,
        "state_dict": {k: v.detach().cpu() for k, v in agent.net.state_dict().items()},
    }
    return save_atomically(blob, path)


def load_agent(path: str | Path, env: str | None = None, device: str | torch.device = "cpu") -> Agent:
    """The agent saved at ``path``; with ``env``, it must have been trained for it."""
    path = Path(path)
    if not path.exists():
        raise AgentFileError(f"{path}: no such agent file")
    if path.is_dir():
        raise AgentFileError(f"{path}: is a folder, not an agent file")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many kinds for a bad file
        raise AgentFileError(f"{path}: not a levelforge agent checkpoint ({type(e).__name__})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise AgentFileError(f"{path}: not a levelforge agent checkpoint")
    if blob.get("version") != VERSION:
        raise AgentFileError(f"{path}: agent format version {blob.get('version')}, this levelforge reads {VERSION}")
    if env is not None and blob["env"] != env:
        raise AgentFileError(f"{path}: an agent for {blob['env']!r}, not {env!r}")
    try:
        config = DQNConfig.from_dict(blob["config"])
        agent = Agent.create(config, tuple(blob["obs_shape"]), int(blob["n_actions"]), blob["env"],
                             tuple(blob.get("channels", ())), int(blob.get("player_channel", 0)),
                             tuple(blob.get("wall_channels", ())))
        agent.net.load_state_dict(blob["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise AgentFileError(f"{path}: damaged agent checkpoint ({type(e).__name__}: {str(e).splitlines()[0]})") from None
    agent.stats = dict(blob.get("stats", {}))
    agent.net.eval()
    return agent.to(device)


def describe(agent: Agent) -> dict[str, Any]:
    """A short JSON-able summary (for CLIs and model cards)."""
    return {
        "env": agent.env,
        "obs_shape": list(agent.obs_shape),
        "n_actions": agent.n_actions,
        "network": agent.config.network,
        "parameters": sum(p.numel() for p in agent.net.parameters()),
        "stats": agent.stats,
    }
