"""Training a level GAN: WGAN-GP with structure, feature and reach terms.

The objective is WGAN-GP (Gulrajani et al. 2017): the critic maximises
``D(real) - D(fake)`` under a gradient penalty ``gp_weight * (|grad D| - 1)^2``
on points between real and generated levels (on every ``gp_every``-th critic
step, weighted that many times: StyleGAN2's lazy regularisation),
``n_critic`` critic steps per generator step, the critic learning at
``critic_lr`` and the generator at ``lr`` (the two time-scale rule, Heusel et
al. 2017), Adam with ``betas = (0, 0.9)``. Why WGAN-GP and not the hinge
loss: real levels are exact one-hot tensors while the generator's are soft
probabilities, so a critic can always tell them apart; the Wasserstein
critic's gradients stay informative even then (a saturating or hinge critic
that separates the two perfectly gives the generator little to follow), and
the critic's estimate ``D(real) - D(fake)`` is a loss curve that goes down as
samples improve, which is what the CSV log shows. MarioGAN and CESAGAN train
WGANs on tile levels for the same reason. With ``hard`` the critic sees the
decoded one-hot level itself, gradients passing straight through to the
probabilities (Bengio et al. 2013's straight-through estimator).

The generator also pays, per sample, ``structure_weight`` times the game's
structural penalty, ``feature_weight`` times the feature gap and
``reach_weight`` times the expected number of objects out of the player's
reach, ``stuck_weight`` times the expected number of items to push that
start stuck in a corner (push puzzles only), and gains ``seeking_weight`` times the mode-seeking ratio of its
object planes (:mod:`levelforge.gan.structure`). Real levels are flipped
left-right and up-down at random (``augment``), which keeps every structural
property of these games. Each batch's feature vectors come from real levels,
so the generator learns the corpus's joint distribution of features.

The placement relations (:mod:`levelforge.gan.relations`) are counted from
the training levels before the first step (``relations``) and, after the
last, fitted to the trained generator's own draws in ``calibrate`` rounds of
iterative scaling (:func:`calibrate_relations`), inside the time limit.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch

from ..errors import LevelforgeError
from ..features import feature_names, features
from ..game import load_game
from ..level import Level
from ..runlog import Progress, RunLog
from ..settings import Settings
from .encoding import canvas_size, cell_argmax, encode
from .model import LevelGAN
from .structure import FeatureLoss, ReachPenalty, StructurePenalty, StuckPenalty, mode_seeking, object_planes

LOG_FIELDS = ("step", "critic_loss", "wasserstein", "gradient_penalty", "generator_loss", "structure", "feature",
              "seeking", "unreached", "stuck", "seconds")


class GANTrainingError(LevelforgeError):
    """A GAN cannot be trained on what was given (no levels, one game expected, ...)."""


@dataclass
class GANConfig(Settings):
    """Every setting of a GAN training run."""

    steps: int = 3000  # generator updates
    batch_size: int = 32
    latent: int = 32
    width: int = 16  # channels of the networks' widest layer at full size
    n_critic: int = 2
    lr: float = 1e-4
    beta1: float = 0.0
    beta2: float = 0.9
    gp_weight: float = 10.0
    gp_every: int = 4  # lazy penalty: on every k-th critic step only, weighted k times (StyleGAN2's trick)
    structure_weight: float = 1.0
    feature_weight: float = 1.0
    seeking_weight: float = 1.0  # mode seeking: object placements must move with the latent vector
    reach_weight: float = 1.0  # objects the player cannot walk to (soft flood fill)
    stuck_weight: float = 1.0  # push puzzles: items to cover that start stuck in a corner
    relations: bool = True  # placement relations counted from the corpus (levelforge.gan.relations)
    calibrate: int = 4  # then rounds of fitting them to the trained generator's own draws (0: none)
    hard: bool = True  # the critic sees decoded (one-hot) levels; gradients pass straight through
    critic_lr: float = 3e-4  # the critic learns faster than the generator (TTUR, Heusel et al. 2017); 0: lr
    augment: bool = True
    seed: int = 0
    log_every: int = 100
    max_seconds: float = 0.0  # 0: no limit
    device: str = "cpu"

    def __post_init__(self) -> None:
        checks = [
            (self.steps >= 1, "steps must be >= 1"),
            (self.batch_size >= 2, "batch_size must be >= 2"),
            (self.latent >= 1, "latent must be >= 1"),
            (self.width >= 8, "width must be >= 8"),
            (self.n_critic >= 1, "n_critic must be >= 1"),
            (self.gp_every >= 1, "gp_every must be >= 1"),
            (self.lr > 0 and self.critic_lr >= 0, "lr must be > 0 and critic_lr >= 0"),
            (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1, "beta1 and beta2 must be in [0, 1)"),
            (min(self.gp_weight, self.structure_weight, self.feature_weight, self.seeking_weight,
                 self.reach_weight, self.stuck_weight) >= 0,
             "weights must be >= 0"),
            (self.calibrate >= 0, "calibrate must be >= 0"),
            (self.log_every >= 1, "log_every must be >= 1"),
            (self.max_seconds >= 0, "max_seconds must be >= 0"),
            (self.device in ("cpu", "cuda", "auto"), "device must be cpu, cuda or auto"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ValueError(f"GANConfig: {msg}")


def training_levels(corpus: Sequence[Level]) -> tuple[list[Level], int]:
    """The corpus levels of its most common size (a GAN makes one size) and how many others were left out."""
    corpus = list(corpus)
    if not corpus:
        raise GANTrainingError("no training levels")
    games = {lv.game for lv in corpus}
    if len(games) > 1:
        raise GANTrainingError(f"training levels of several games: {', '.join(sorted(games))}")
    shape, _ = Counter(lv.grid.shape for lv in corpus).most_common(1)[0]
    kept = [lv for lv in corpus if lv.grid.shape == shape]
    return kept, len(corpus) - len(kept)


def _flips(x: torch.Tensor, height: int, width: int, gen: torch.Generator) -> torch.Tensor:
    """Each level (top-left ``height x width`` of the canvas) flipped left-right and/or up-down at random."""
    out = x.clone()
    lr = torch.rand(len(x), generator=gen) < 0.5
    ud = torch.rand(len(x), generator=gen) < 0.5
    core = out[:, :, :height, :width]
    core[lr] = core[lr].flip(3)
    core[ud] = core[ud].flip(2)
    return out


def _gradient_penalty(critic, real: torch.Tensor, fake: torch.Tensor, c: torch.Tensor,
                      gen: torch.Generator) -> torch.Tensor:
    eps = torch.rand(len(real), 1, 1, 1, generator=gen).to(real.device)
    mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mix, c).sum(), mix, create_graph=True)
    per_input = grad.reshape(len(grad) // critic.pack, -1)  # the critic's inputs are packs of levels
    return ((per_input.norm(dim=1) - 1.0) ** 2).mean()


CALIBRATION_SAMPLES = (500, 4000)  # fresh samples per round of calibration: twice the corpus, within these
CALIBRATION_RATE = 0.5  # each round moves the tables half way (a full step overshoots)
CALIBRATION_SECONDS = 2.5  # what a time limit keeps for each round (about 1.3 s on a 2-core CPU)


def calibrate_relations(gan: LevelGAN, real: torch.Tensor, rounds: int, seed: int,
                        deadline: float = math.inf) -> int:
    """Fit the placement relations to the generator's own draws: up to ``rounds`` rounds of
    :meth:`~levelforge.gan.placement.PlacementHeads.calibration_round` on fresh samples
    (``real``: the training levels' tile ids), each started only when it should end before
    ``deadline`` (``time.perf_counter()``; a round is expected to take as long as the last one,
    or :data:`CALIBRATION_SECONDS` before the first). Returns the rounds done."""
    from .sampler import GANGenerator  # the sampler builds on the model, as training does

    heads, tiles = gan.generator.heads, len(load_game(gan.game).tiles)
    n = int(np.clip(2 * len(real), *CALIBRATION_SAMPLES))
    target = heads.relation_counts(real)
    expected = CALIBRATION_SECONDS
    for r in range(rounds):
        start = time.perf_counter()
        if start + expected > deadline:
            return r
        drawn = GANGenerator(gan).sample(n, seed=1_000_003 * (seed + 1) + r)
        heads.calibration_round(target, cell_argmax(encode(drawn, tiles, gan.size)).to(real.device), CALIBRATION_RATE)
        expected = time.perf_counter() - start
    return rounds


def train_gan(
    corpus: Sequence[Level],
    cfg: GANConfig | None = None,
    *,
    log_path=None,
    progress: bool = True,
    on_log: Callable[[dict[str, Any]], None] | None = None,
    resume: LevelGAN | None = None,
) -> LevelGAN:
    """Train a GAN on ``corpus`` (levels of one game; its most common size is
    used). Ctrl-C stops early and still returns what was learned
    (``stats["interrupted"]``). ``resume``: fine-tune this GAN (with its
    critic; the same game and level size) instead of starting afresh, as the
    bootstrapping loop does; the structure terms then apply in full from the
    first step."""
    cfg = cfg or GANConfig()
    levels, dropped = training_levels(corpus)
    game = load_game(levels[0].game).name
    spec = load_game(game)
    h, w = levels[0].grid.shape
    size = max(canvas_size(h, w), 8)  # the networks need at least 8 x 8
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    device = torch.device("cuda" if cfg.device in ("cuda", "auto") and torch.cuda.is_available() else "cpu")

    counts = features(levels, game)  # (N, F)
    scale = np.maximum(1, counts.max(axis=0)).astype(np.float32) if counts.size else np.zeros(0, np.float32)
    if resume is None:
        gan = LevelGAN.create(game, h, w, size, cfg.latent, cfg.width, feature_names(game), scale, counts,
                              config=cfg.to_dict())
    else:
        if resume.critic is None:
            raise GANTrainingError("fine-tuning needs the model's critic (a model file saved with it)")
        if (resume.game, resume.height, resume.width) != (game, h, w) or resume.latent != cfg.latent:
            raise GANTrainingError(f"cannot fine-tune a {resume.game} {resume.height}x{resume.width} GAN on "
                                   f"{game} {h}x{w} levels (or with another latent size)")
        # the networks learned the resumed model's feature scale: keep it
        gan = LevelGAN.create(game, h, w, resume.size, resume.latent, resume.net_width, resume.cond_names,
                              resume.cond_scale, counts, config=cfg.to_dict())
        gan.generator.load_state_dict(resume.generator.state_dict())
        gan.critic.load_state_dict(resume.critic.state_dict())
    gan.corpus = np.stack([lv.grid for lv in levels]).astype(np.uint8)  # what novelty is measured against
    gan.corpus_ids = tuple(lv.id for lv in levels)
    gan.generator.to(device).train()
    critic = gan.critic.to(device).train()
    real_all = encode(levels, len(spec.tiles), size).to(device)
    real_tiles = cell_argmax(real_all)  # each real cell's tile id, what the relations are counted from
    if gan.generator.heads is not None:  # the relations are counted afresh from this corpus (or left empty)
        gan.generator.heads.relations.clear()
        if cfg.relations:
            gan.generator.heads.fit_relations(real_tiles)
    real_counts = torch.as_tensor(counts, dtype=torch.float32, device=device)
    structure, feature_gap = StructurePenalty(spec, h, w), FeatureLoss(spec)
    objects = object_planes(spec)
    reach = ReachPenalty(spec, objects)
    stuck = StuckPenalty(spec)
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=cfg.lr, betas=(cfg.beta1, cfg.beta2))
    opt_d = torch.optim.Adam(critic.parameters(), lr=cfg.critic_lr or cfg.lr, betas=(cfg.beta1, cfg.beta2))

    def shown(p: torch.Tensor) -> torch.Tensor:
        """What the critic sees of tile probabilities ``p``: themselves, or (``hard``) the
        decoded one-hot level, with gradients passed straight through to ``p``."""
        if not cfg.hard:
            return p
        one_hot = torch.nn.functional.one_hot(cell_argmax(p), p.shape[1]).permute(0, 3, 1, 2).to(p.dtype)
        return p + (one_hot - p).detach()

    def batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(levels), (cfg.batch_size,), generator=gen).to(device)
        real = real_all[idx]
        if cfg.augment:
            real = _flips(real.cpu(), h, w, gen).to(device)
        c = real_counts[idx]
        return real, c, gan.cond_tensor(c, device)

    def noise() -> torch.Tensor:
        return torch.randn(cfg.batch_size, cfg.latent, generator=gen).to(device)

    log = RunLog(log_path, LOG_FIELDS)
    calibrating = gan.generator.heads is not None and cfg.relations and cfg.calibrate > 0
    reserve = min(CALIBRATION_SECONDS * cfg.calibrate, 0.5 * cfg.max_seconds) if calibrating else 0.0
    budget = cfg.max_seconds - reserve  # the updates'; what is left is the calibration's
    bar = Progress(cfg.steps, f"training {game} GAN", enabled=progress, seconds=budget)
    t0 = time.perf_counter()
    end = t0 + cfg.max_seconds if cfg.max_seconds > 0 else math.inf
    deadline = t0 + budget if cfg.max_seconds > 0 else math.inf
    sums: dict[str, float] = {}
    n_sums = 0
    step = critic_steps = 0
    gp = torch.zeros(())
    interrupted = False
    try:
        per_step = 0.0  # mean seconds per update so far
        # go on only while two mean updates still fit: the last one must end before the deadline
        while step < cfg.steps and time.perf_counter() + 2 * per_step < deadline:
            for _ in range(cfg.n_critic):
                real, c, cs = batch()
                with torch.no_grad():
                    fake = shown(gan.probabilities(noise(), c))
                d_real, d_fake = critic(real, cs).mean(), critic(fake, cs).mean()
                loss_d = d_fake - d_real
                if critic_steps % cfg.gp_every == 0:
                    gp = _gradient_penalty(critic, real, fake, cs, gen)
                    loss_d = loss_d + cfg.gp_weight * cfg.gp_every * gp
                critic_steps += 1
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                opt_d.step()
            _, c, cs = batch()
            half = cfg.batch_size // 2  # sample i and i + half share their features (for mode seeking)
            c, cs = torch.cat([c[:half], c[:half], c[2 * half:]]), torch.cat([cs[:half], cs[:half], cs[2 * half:]])
            z = noise()
            p = gan.probabilities(z, c)
            inside = p[:, :-1, :h, :w]
            # the decisive terms grow from 0 over the first half of the run: applied from the start,
            # they fix each object to whichever cell an untrained generator happens to favour
            done = max(step / cfg.steps, (time.perf_counter() - t0) / budget if cfg.max_seconds else 0.0)
            sure = 1.0 if resume is not None else min(1.0, 2.0 * done)
            s_pen, f_gap = structure(inside, sure).mean(), feature_gap(inside, c, sure).mean()
            seek = mode_seeking(inside[:, objects], z, half)
            unreached = reach(inside).mean() if cfg.reach_weight else torch.zeros(())
            stuck_items = stuck(inside).mean() if cfg.stuck_weight else torch.zeros(())
            loss_g = (-critic(shown(p), cs).mean() + cfg.structure_weight * s_pen + cfg.feature_weight * f_gap
                      - cfg.seeking_weight * seek + cfg.reach_weight * unreached + cfg.stuck_weight * stuck_items)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            step += 1
            per_step = (time.perf_counter() - t0) / step
            for k, v in (("critic_loss", loss_d), ("wasserstein", d_real - d_fake), ("gradient_penalty", gp),
                         ("generator_loss", loss_g), ("structure", s_pen), ("feature", f_gap), ("seeking", seek),
                         ("unreached", unreached), ("stuck", stuck_items)):
                sums[k] = sums.get(k, 0.0) + float(v.detach())
            n_sums += 1
            if step % cfg.log_every == 0 or step == cfg.steps:
                row = {"step": step, **{k: v / n_sums for k, v in sums.items()}, "seconds": time.perf_counter() - t0}
                sums, n_sums = {}, 0
                log.write(row)
                if on_log is not None:
                    on_log(row)
            # with a time limit, the bar follows whichever budget runs out first
            bar.update(int(min(1.0, max(done, step / cfg.steps)) * cfg.steps),
                       f"step {step:,} W {float((d_real - d_fake).detach()):.3f} structure {float(s_pen.detach()):.2f}")
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        log.close()
    gan.generator.eval()
    rounds = 0
    if calibrating and not interrupted:
        try:
            rounds = calibrate_relations(gan, real_tiles, cfg.calibrate, cfg.seed, end)
        except KeyboardInterrupt:  # the tables of the rounds done stay
            interrupted = True
    gan.stats = {"steps": step, "seconds": round(time.perf_counter() - t0, 1), "corpus_levels": len(levels),
                 "left_out_other_sizes": dropped, "interrupted": interrupted, "calibration_rounds": rounds}
    return gan
