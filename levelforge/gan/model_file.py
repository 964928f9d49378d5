"""Saving and loading level GANs.

A model file is one ``torch.save`` file of tensors and plain values (format
name and version, game, sizes, conditioning features with their scale and
prior, the training config and stats, the generator's and critic's state
dicts), loaded with ``torch.load(weights_only=True)``: a model file cannot
run code. Every way a file can be wrong is one :class:`GANFileError` line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from ..errors import LevelforgeError
from ..savefile import save_atomically
from ..game import load_game
from .model import LevelGAN

FORMAT = "levelforge-gan"
VERSION = 3  # 2: placement heads, patch critic; 3: placement relations (tables in the generator)
READS = (2, 3)  # a version 2 file loads with empty relation tables: it samples as it always did
RELATION_KEYS = ("heads.relations.pair", "heads.relations.context")


class GANFileError(LevelforgeError):
    """A GAN model file that cannot be used."""


CORPUS_KEPT = ("grids", "ids", "none")


def save_gan(gan: LevelGAN, path: str | Path, with_critic: bool = True, corpus: str = "grids") -> Path:
    """Write ``gan`` to ``path`` atomically (a crash leaves no half file);
    ``with_critic=False`` keeps only what sampling needs (half the size).
    ``corpus``: what the file keeps of the training levels, for novelty:
    their ``grids`` (and hashes), their ``ids`` alone (for data that may not
    be redistributed, such as Boxoban), or ``none``."""
    if corpus not in CORPUS_KEPT:
        raise ValueError(f"corpus must be one of {', '.join(CORPUS_KEPT)}, got {corpus!r}")
    blob = {
        "format": FORMAT,
        "version": VERSION,
        "game": gan.game,
        "height": gan.height,
        "width": gan.width,
        "size": gan.size,
        "latent": gan.latent,
        "net_width": gan.net_width,
        "cond_names": list(gan.cond_names),
        "cond_scale": torch.from_numpy(np.asarray(gan.cond_scale, dtype=np.float32)),
        "cond_prior": torch.from_numpy(np.asarray(gan.cond_prior, dtype=np.int64)),
        "config": gan.config,
        "stats": gan.stats,
        "generator": {k: v.detach().cpu() for k, v in gan.generator.state_dict().items()},
        "critic": ({k: v.detach().cpu() for k, v in gan.critic.state_dict().items()}
                   if with_critic and gan.critic is not None else None),
        "corpus": (torch.from_numpy(np.ascontiguousarray(gan.corpus, dtype=np.uint8))
                   if corpus == "grids" and gan.corpus is not None else None),
        "corpus_ids": list(gan.corpus_ids) if corpus != "none" else [],
    }
    return save_atomically(blob, path)


def model_hash(path: str | Path) -> str:
    """16 hex digits of sha256 of the model file (what provenance records)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def load_gan(path: str | Path, game: str | None = None, device: str | torch.device = "cpu") -> LevelGAN:
    """Load a model file; ``game``: fail unless it was trained for this game."""
    p = Path(path)
    if not p.is_file():
        raise GANFileError(f"{p}: no such model file" if not p.exists() else f"{p}: is not a file")
    try:
        blob = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many kinds for a bad file (struct, zip, pickle, ...)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise GANFileError(f"{p}: not a levelforge GAN model file ({first[:120]})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        what = blob.get("format") if isinstance(blob, dict) else type(blob).__name__
        raise GANFileError(f"{p}: not a levelforge GAN model file (format {what!r})")
    if blob.get("version") not in READS:
        raise GANFileError(f"{p}: GAN model version {blob.get('version')!r}; this levelforge reads versions "
                           f"{', '.join(map(str, READS))}")
    if game is not None and blob["game"] != load_game(game).name:
        raise GANFileError(f"{p}: the model generates {blob['game']} levels, not {load_game(game).name}")
    try:
        gan = LevelGAN.create(
            blob["game"], int(blob["height"]), int(blob["width"]), int(blob["size"]), int(blob["latent"]),
            int(blob["net_width"]), tuple(blob["cond_names"]), blob["cond_scale"].numpy(), blob["cond_prior"].numpy(),
            with_critic=blob.get("critic") is not None, config=blob.get("config"),
        )  # fmt: skip
        state = dict(blob["generator"])
        if blob["version"] == 2:
            own = gan.generator.state_dict()
            state.update({k: own[k] for k in RELATION_KEYS if k in own})  # zeros: no relations
        gan.generator.load_state_dict(state)
        if gan.critic is not None:
            gan.critic.load_state_dict(blob["critic"])
    except (KeyError, RuntimeError, ValueError, TypeError) as e:
        raise GANFileError(f"{p}: damaged GAN model file ({str(e).splitlines()[0][:120]})") from None
    gan.stats = dict(blob.get("stats") or {})
    if blob.get("corpus") is not None:
        grids = blob["corpus"].numpy()
        if grids.ndim != 3 or grids.shape[1:] != (gan.height, gan.width):
            raise GANFileError(f"{p}: damaged GAN model file (training levels of shape {tuple(grids.shape)})")
        gan.corpus = grids
    gan.corpus_ids = tuple(str(x) for x in blob.get("corpus_ids") or ())
    gan.generator.to(device).eval()
    if gan.critic is not None:
        gan.critic.to(device)
    return gan
