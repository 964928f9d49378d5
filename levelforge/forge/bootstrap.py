"""Bootstrapping a GAN with its own best levels (the CESAGAN method, Torrado et al. 2020).

Each round:

1. the forge keeps up to ``keep`` levels from ``candidates`` raw samples,
   judged by the solver (playable, distinct, novel: a copy of a training
   level has creativity 0 and is never kept);
2. they join the training set;
3. the GAN is fine-tuned on the grown set (``minutes`` of wall time, or
   ``steps`` updates), from where it was, critic included.

Before the first round and after each, ``samples`` raw samples (no repair,
no filter) are measured: playable % (the exact solver within a node budget)
and duplicates %. That table is what bootstrapping is judged by: raw
playable % should rise while duplicates do not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Callable

from ..gan import GANConfig, GANGenerator, LevelGAN, train_gan
from ..level import Level
from ..metrics import duplicates, playability
from .pipeline import forge


@dataclass
class Round:
    round: int  #: 0: before any bootstrapping
    raw_playable: float
    raw_duplicates: float
    samples: int
    added: int  #: levels that joined the training set this round
    corpus: int  #: training levels after this round
    steps: int  #: fine-tuning updates this round
    seconds: float  #: fine-tuning wall time this round

    def to_dict(self) -> dict:
        return asdict(self)


def raw_quality(gan: LevelGAN, samples: int, seed: int, max_nodes: int) -> tuple[float, float]:
    """Playable and duplicate shares of ``samples`` raw samples."""
    levels = GANGenerator(gan).sample(samples, seed)
    verdicts = playability(levels, max_nodes=max_nodes, max_seconds=None)
    return sum(v.playable for v in verdicts) / len(levels), duplicates(levels)


def bootstrap(
    gan: LevelGAN,
    corpus: list[Level],
    rounds: int,
    *,
    samples: int = 500,
    candidates: int = 500,
    keep: int = 100,
    minutes: float = 2.0,
    steps: int = 100_000,
    seed: int = 0,
    max_nodes: int = 200_000,
    on_round: Callable[[Round], None] | None = None,
    progress: bool = False,
) -> tuple[LevelGAN, list[Round], list[Level]]:
    """The fine-tuned GAN, the per-round table and the grown training set."""
    if rounds < 1:
        raise ValueError("rounds must be >= 1")
    if gan.critic is None:
        raise ValueError("bootstrapping fine-tunes the GAN with its critic: use a model file saved with it")
    corpus = list(corpus)
    known = {lv.id for lv in corpus}
    table: list[Round] = []

    def note(r: Round) -> None:
        table.append(r)
        if on_round is not None:
            on_round(r)

    play, dup = raw_quality(gan, samples, seed + 1_000_000, max_nodes)
    note(Round(0, play, dup, samples, 0, len(corpus), 0, 0.0))
    base = GANConfig.from_dict(gan.config)
    for r in range(1, rounds + 1):
        found = forge(GANGenerator(gan), keep, corpus=corpus, judge="solver", candidates=max(keep, candidates),
                      seed=seed + r, max_nodes=max_nodes)
        new = [c.level for c in found.selected if c.level.id not in known]
        corpus += new
        known |= {lv.id for lv in new}
        cfg = replace(base, steps=steps, max_seconds=60.0 * minutes, seed=base.seed + r, device="cpu")
        gan = train_gan(corpus, cfg, resume=gan, progress=progress)
        play, dup = raw_quality(gan, samples, seed + 1_000_000, max_nodes)
        note(Round(r, play, dup, samples, len(new), len(corpus), gan.stats["steps"], gan.stats["seconds"]))
    return gan, table, corpus
