"""Soft tile counts: the generator's expected counts, and penalties on them.

The generator outputs a probability for every tile at every cell, so the
expected number of cells holding a base tile is a differentiable sum. Two
penalties use it, both as extra generator losses beside the critic's:

- :class:`StructurePenalty`: the game's ``[constraints]`` (exactly one
  avatar, as many goals as boxes, walls all around, ...; see
  :mod:`levelforge.constraints`), as hinge losses on the expected counts:
  ``relu(lo - n) + relu(n - hi)`` per counted tile and NPC total,
  ``|n_a - n_b|`` for tiles that must be equally many, and the expected
  number of border cells that are not a border tile. A GAN learns most of a
  level's look from the critic, but "exactly one" is a count that a
  convolutional critic judges poorly; these terms ask for it directly.
- :class:`FeatureLoss`: ``|expected feature count - requested count|``,
  averaged over features: what makes "3 monsters" come out as three.
- :class:`ReachPenalty`: the expected number of objects (keys, doors, boxes,
  goals) that the player cannot walk to, by a soft flood fill: a level whose
  key lies in a walled-off pocket is unplayable however real it looks, and
  connectivity is a global property that a convolutional critic learns slowly.
- :class:`StuckPenalty` (push puzzles only): the expected number of items to
  push onto targets that start in a corner off a target, where no push can
  ever move them: the commonest reason a generated Sokoban puzzle is lost
  before its first move (about a third of the shipped Sokoban GAN's
  unsolvable samples before this term).

Expected counts are not what a level gets: a level is decoded by taking
each cell's most likely tile, and "one avatar" spread as 0.1 over ten cells
decodes to none. So both penalties also have *decisive* terms on the arg-max
counts' behalf: for a tile needed at least ``lo`` times, the ``lo`` cells
likeliest to hold it should hold it with probability >= 0.6; for one allowed
at most ``hi`` times, the next likeliest cell should hold it with <= 0.4.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ..features import feature_table
from ..game import GameSpec


def base_table(spec: GameSpec, names: list[str]) -> torch.Tensor:
    """``(len(names), T) float32``: tile id ``t`` holds base tile ``names[i]``."""
    return torch.tensor([[float(n in t.parts) for t in spec.tiles] for n in names])


SURE, UNSURE = 0.6, 0.4


def decisive(q: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """``(N,)`` margin penalty: ``q`` ``(N, cells)`` is the probability that each cell
    holds a tile wanted ``lo..hi`` times (``(N,)`` each); the ``lo`` likeliest cells
    should be >= SURE and the ``hi + 1``-th likeliest <= UNSURE."""
    cells = q.shape[1]
    k = int(min(cells, int(torch.maximum(lo, hi + 1).max())))
    if k <= 0:
        return torch.zeros(len(q), device=q.device)
    top = q.topk(k, dim=1).values  # (N, k), largest first
    rank = torch.arange(k, device=q.device)[None, :]
    need = rank < lo[:, None]
    spare = rank == hi[:, None]
    return (F.relu(SURE - top) * need).sum(dim=1) + (F.relu(top - UNSURE) * spare).sum(dim=1)


def soft_counts(p: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """``p`` ``(N, T, H, W)`` tile probabilities -> ``(N, K)`` expected cells per row of ``table`` ``(K, T)``."""
    return torch.einsum("nthw,kt->nk", p, table)


class StructurePenalty:
    """The game's structural constraints as a differentiable penalty (0 when met in expectation)."""

    def __init__(self, spec: GameSpec, height: int, width: int) -> None:
        c = spec.constraints
        self.height, self.width = height, width
        count = c.get("count", {})
        self.names = list(count)
        self.lo = torch.tensor([float(v[0]) for v in count.values()])
        self.hi = torch.tensor([float(v[1]) for v in count.values()])
        self.count_table = base_table(spec, self.names)
        npc = [t.name for t in spec.tiles if t.layer == "npc"]
        self.npc_table = base_table(spec, npc).sum(dim=0, keepdim=True) if npc and "npcs" in c else None
        self.npc_range = tuple(float(v) for v in c.get("npcs", (0, 0)))
        same = c.get("same_count", [])
        self.same_table = base_table(spec, same) if len(same) > 1 else None
        border = c.get("border", [])
        self.border_ok = base_table(spec, list(border)).amax(dim=0) if border else None
        ring = torch.zeros(height, width)
        ring[0, :] = ring[-1, :] = ring[:, 0] = ring[:, -1] = 1.0
        self.ring = ring

    def __call__(self, p: torch.Tensor, sure: float = 1.0) -> torch.Tensor:
        """``(N,)`` penalty of the tile probabilities ``p`` ``(N, T, H, W)``; ``sure``
        weighs the decisive terms."""
        loss = torch.zeros(len(p), device=p.device)
        if self.names:
            table, lo, hi = self.count_table.to(p.device), self.lo.to(p.device), self.hi.to(p.device)
            n = soft_counts(p, table)
            loss = loss + (F.relu(lo - n) + F.relu(n - hi)).sum(dim=1)
            per_cell = torch.einsum("nthw,kt->nkhw", p, table).flatten(2)  # (N, K, cells)
            for i in range(len(self.names)):
                loss = loss + sure * decisive(per_cell[:, i], lo[i].expand(len(p)), hi[i].expand(len(p)))
        if self.npc_table is not None:
            n = soft_counts(p, self.npc_table.to(p.device)).squeeze(1)
            lo, hi = self.npc_range
            loss = loss + F.relu(lo - n) + F.relu(n - hi)
        if self.same_table is not None:
            n = soft_counts(p, self.same_table.to(p.device))
            loss = loss + (n - n.mean(dim=1, keepdim=True)).abs().sum(dim=1)
        if self.border_ok is not None:
            ok = torch.einsum("nthw,t->nhw", p, self.border_ok.to(p.device))
            loss = loss + ((1.0 - ok) * self.ring.to(p.device)).sum(dim=(1, 2))
        return loss


class FeatureLoss:
    """``(N,)`` mean absolute gap between expected and requested feature counts."""

    def __init__(self, spec: GameSpec) -> None:
        self.table = torch.from_numpy(feature_table(spec)).float()

    def __call__(self, p: torch.Tensor, wanted: torch.Tensor, sure: float = 1.0) -> torch.Tensor:
        if not len(self.table):
            return torch.zeros(len(p), device=p.device)
        table = self.table.to(p.device)
        gap = (soft_counts(p, table) - wanted).abs().mean(dim=1)
        per_cell = torch.einsum("nthw,kt->nkhw", p, table).flatten(2)
        want = wanted.round()
        for i in range(len(table)):
            gap = gap + sure * decisive(per_cell[:, i], want[:, i], want[:, i]) / len(table)
        return gap


def _neighbours_max(r: torch.Tensor) -> torch.Tensor:
    """``(N, H, W)``: the largest of each cell's four neighbours (0 beyond the edge)."""
    pad = F.pad(r, (1, 1, 1, 1))
    return torch.stack([pad[:, :-2, 1:-1], pad[:, 2:, 1:-1], pad[:, 1:-1, :-2], pad[:, 1:-1, 2:]]).amax(dim=0)


class ReachPenalty:
    """``(N,)`` expected number of objects out of the player's reach.

    Reach is a soft flood fill: ``r`` starts as the probability that the
    player stands on a cell, and ``H * W / 2`` times becomes
    ``max(r, passable * max over the four neighbours of r)``, ``passable``
    the probability that a cell holds a tile that is not solid. An object on
    a solid tile (a door) counts as reached when a neighbour is. Objects are
    the tiles of the game's counted groups other than the player and NPCs
    (which move, or can be fought)."""

    def __init__(self, spec: GameSpec, object_ids: list[int]) -> None:
        players = {t.name for t in spec.tiles if t.layer == "player"}
        self.player = [t.id for t in spec.tiles if set(t.parts) & players]
        npcs = {t.name for t in spec.tiles if t.layer == "npc"}
        self.objects = [i for i in object_ids if i not in self.player and not set(spec.tiles[i].parts) & npcs]
        self.solid = [t.id for t in spec.tiles if t.solid]
        self.passable = [t.id for t in spec.tiles if not t.solid]

    def __call__(self, p: torch.Tensor) -> torch.Tensor:
        """``p``: ``(N, T, H, W)`` tile probabilities inside the level."""
        if not self.player or not self.objects:
            return torch.zeros(len(p), device=p.device)
        passable = p[:, self.passable].sum(dim=1)
        r = p[:, self.player].sum(dim=1)
        for _ in range(p.shape[2] * p.shape[3] // 2):
            r = torch.maximum(r, passable * _neighbours_max(r))
        near = _neighbours_max(r)
        missed = torch.zeros(len(p), device=p.device)
        for i in self.objects:
            reach = near if i in self.solid else r
            missed = missed + (p[:, i] * (1.0 - reach)).sum(dim=(1, 2))
        return missed


class StuckPenalty:
    """``(N,)`` expected number of coverable items that start stuck in a corner off their target.

    For games whose ``push`` mechanic moves the items that the ``cover`` win
    condition counts (Sokoban): an item with solid cells on two
    perpendicular sides can never be pushed again (the solver's dead cells,
    :mod:`levelforge.solve.deadlock`), so unless it starts on a target the
    level is lost. Soft: per cell, P(item off target) x P(solid above or
    below) x P(solid left or right), outside the level solid. Zero for
    other games."""

    def __init__(self, spec: GameSpec) -> None:
        from ..engine import Engine

        e = Engine(spec)
        push = next((m for m in e.mechanics if m.use == "push"), None)
        cover = next((m for m in e.mechanics if m.use == "cover"), None)
        self.off: list[int] = []
        self.solid = [t.id for t in spec.tiles if any(spec.tile(x).solid for x in t.parts)]
        if push is None or cover is None or cover.code - 1 not in push.items:
            return
        item, target = e.rules.items[cover.code - 1], e.rules.terrain[cover.target]
        self.off = [t.id for t in spec.tiles if item in t.parts and target not in t.parts]

    def __call__(self, p: torch.Tensor) -> torch.Tensor:
        """``p``: ``(N, T, H, W)`` tile probabilities inside the level."""
        if not self.off:
            return torch.zeros(len(p), device=p.device)
        s = F.pad(p[:, self.solid].sum(dim=1), (1, 1, 1, 1), value=1.0)
        up, down, left, right = s[:, :-2, 1:-1], s[:, 2:, 1:-1], s[:, 1:-1, :-2], s[:, 1:-1, 2:]
        corner = (up + down - up * down) * (left + right - left * right)
        return (p[:, self.off].sum(dim=1) * corner).sum(dim=(1, 2))


def object_planes(spec: GameSpec) -> list[int]:
    """Tile ids holding a tile that the game counts (``[constraints] count`` and
    ``same_count``, NPCs, features): the objects whose placement makes a level, as opposed to terrain."""
    counted = set(spec.constraints.get("count", {})) | {n for tiles in spec.features.values() for n in tiles}
    counted |= set(spec.constraints.get("same_count", []))
    counted |= {t.name for t in spec.tiles if t.layer == "npc"}
    return [t.id for t in spec.tiles if set(t.parts) & counted]


def mode_seeking(q: torch.Tensor, z: torch.Tensor, half: int) -> torch.Tensor:
    """How far object placements move per unit of latent distance (Mao et al. 2019's
    mode-seeking ratio, on the object planes ``q`` ``(N, K, H, W)``: probability mass
    that changes cells, per plane): sample ``i`` is compared with sample ``i + half``
    (same features, other latent). To be maximised."""
    if half < 1 or not q.shape[1]:
        return torch.zeros((), device=q.device)
    moved = (q[:half] - q[half : 2 * half]).abs().sum(dim=(2, 3))  # (half, K): probability that changed cells
    dist = (z[:half] - z[half : 2 * half]).abs().mean(dim=1, keepdim=True)
    return (moved / dist + 1e-3).sqrt().mean()  # concave: a plane that never moves gains most by moving
