"""Placement relations: where a counted object stands relative to those drawn before it.

The placement heads (:mod:`levelforge.gan.placement`) draw the groups of
counted objects in turn (monsters, keys, the avatar, the door). The
generator scores every cell for every group at once, before any draw, so by
itself it cannot put the key *far from wherever the avatar was drawn*, and
the critic's gradient through a confident draw is too small to teach it.
Yet such relations are much of what makes a level look like its corpus: in
the dungeon corpus the key is never beside the avatar, monsters start
away from it, the door stands against a wall.

So each group's scores get a bias, a sum of small tables indexed by each
cell's *relation bins*:

- for every earlier group ``e``: the walking distance (4-neighbour steps over
  the ground) from the nearest cell ``e`` drew, in :data:`DISTANCE_EDGES`
  bins, crossed with the distance's quartile among the cells this group may
  draw (near / far *for this level*), plus one bin for unreachable cells;
- which of the cell's eight neighbours are not ground (its local context:
  a door stands against a wall, in a corner or a corridor's side).

The tables are not hand-written rules and not trained by the critic. They
are counted from the training corpus
(:meth:`~levelforge.gan.placement.PlacementHeads.fit_relations`), replaying
the heads' draw order on the real levels, as :func:`log_ratio`: ``log P(bin |
the group's cells) - log P(bin | the cells it could have taken)``, shrunk
towards 0 where the corpus says little. With the generator's own scores
flat, a draw then falls in each bin about as often as the corpus's objects
do (about: the tables add up as if independent, and a draw of ``k`` cells is
not ``k`` independent draws).
They are not flat, so after training a few rounds of iterative scaling
(:meth:`~levelforge.gan.placement.PlacementHeads.calibration_round`) fit
the tables to the trained generator's own draws. The generator's scores
still pick the cell. A table of zeros changes nothing (how GAN files made
before relations load).
"""

from __future__ import annotations

import torch


#: where the walking-distance bins start: 1, 2, 3, 4, 5, 6-7, 8-10, 11-15, 16+ steps (bin 0: the cell itself)
DISTANCE_EDGES = (1, 2, 3, 4, 5, 6, 8, 11, 16)
QUANTILES = 4  # near ... far among the cells a group may draw, per level
PAIR_BINS = (len(DISTANCE_EDGES) + 1) * QUANTILES + 1  # the last: out of reach
CONTEXT_BINS = 256  # which of the eight neighbours are not ground
SHRINK = 5.0  # pseudo-objects spread as the available cells are (shrinks thin bins towards no bias)


#: the eight neighbours, in the order of the context code's bits
AROUND = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def pair_bins(dist: torch.Tensor, eligible: torch.Tensor) -> torch.Tensor:
    """``(N, S, S) int64`` pair bin of each cell: distance bin x quartile of the distance among the
    ``eligible`` cells of its level, or the last bin when out of reach."""
    n, h, w = dist.shape
    edges = torch.tensor(DISTANCE_EDGES, device=dist.device)
    far = torch.bucketize(dist.clamp(min=0), edges, right=True)
    # the quartile: the share of eligible reached cells strictly nearer than this one
    top = h * w + 1
    d = dist.clamp(min=0, max=top - 1).flatten(1)
    counted = (eligible & (dist >= 0)).flatten(1)
    hist = torch.zeros(n, top, device=dist.device).scatter_add_(1, d, counted.to(torch.float32))
    nearer = torch.cumsum(hist, dim=1) - hist  # cells at a smaller distance
    share = nearer.gather(1, d) / counted.sum(dim=1, keepdim=True).clamp(min=1)
    quart = (share * QUANTILES).long().clamp(max=QUANTILES - 1).view(n, h, w)
    return torch.where(dist < 0, PAIR_BINS - 1, far * QUANTILES + quart)


def context_bins(ground: torch.Tensor) -> torch.Tensor:
    """``(N, S, S) int64``: which of each cell's eight neighbours (:data:`AROUND`, bit ``j`` for
    the ``j``-th) are not ground; outside the grid counts as not ground."""
    h, w = ground.shape[1:]
    pad = torch.nn.functional.pad(ground[:, None].to(torch.uint8), (1, 1, 1, 1))[:, 0].bool()
    out = torch.zeros(ground.shape, dtype=torch.int64, device=ground.device)
    for j, (dr, dc) in enumerate(AROUND):
        out |= (~pad[:, 1 + dr : 1 + dr + h, 1 + dc : 1 + dc + w]).long() << j
    return out


class RelationTables(torch.nn.Module):
    """The bias tables of ``groups`` placement groups: ``pair[i, e]`` (group ``i`` relative to the
    earlier group ``e``) and ``context[i]``, buffers saved with the generator (zeros: no bias)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.register_buffer("pair", torch.zeros(groups, groups, PAIR_BINS))
        self.register_buffer("context", torch.zeros(groups, CONTEXT_BINS))

    def clear(self) -> None:
        self.pair.zero_()
        self.context.zero_()

    @property
    def active(self) -> bool:
        return bool(self.pair.any() or self.context.any())

    def bias(self, i: int, context: torch.Tensor, eligible: torch.Tensor, dists: list[torch.Tensor]) -> torch.Tensor:
        """``(N, S, S)`` bias for group ``i``'s scores: ``context`` the cells' :func:`context_bins`,
        ``eligible`` the cells it may draw, ``dists[e]`` the walking distance from group ``e``'s draw."""
        out = self.context[i][context]
        for e, dist in enumerate(dists[:i]):
            out = out + self.pair[i, e][pair_bins(dist, eligible)]
        return out


def log_ratio(hits: torch.Tensor, avail: torch.Tensor, objects: float) -> torch.Tensor:
    """``log P(bin | objects) - log P(bin | available)`` from per-bin counts (``avail`` already a
    per-level share summed over levels), shrunk by :data:`SHRINK` pseudo-objects; 0 for never-available bins."""
    p_avail = avail / avail.sum().clamp(min=1e-12)
    p_hits = (hits + SHRINK * p_avail) / (objects + SHRINK)
    return torch.where(p_avail > 0, torch.log(p_hits.clamp(min=1e-12)) - torch.log(p_avail.clamp(min=1e-12)),
                       torch.zeros_like(p_avail))
