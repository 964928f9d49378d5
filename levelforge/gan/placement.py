"""Placement heads: the generator's way of putting exactly ``k`` of an object in a level.

A level is decoded by each cell's most likely tile, cell by cell, and no
convolution sees that a second avatar was placed at the other end of the
level; so "exactly one avatar" and "3 monsters" are what plain tile GANs get
wrong most, and *where* is where they collapse (every avatar on one favourite
cell). A placement head turns the generator's logits ``l`` for a group of
tile ids (one counted object: the avatar; the monsters, i.e. bat, spider and
scorpion; the player and the player on a goal) into a Gumbel-top-k draw
(Gumbel 1954; Kool et al. 2019) of ``k`` cells. A cell's score is
``x = logsumexp_i l_i + g``, ``g`` Gumbel noise that is itself a fixed
function of the latent vector (so ``z`` stays a level's whole provenance),
and the group's logits become

    l'_i = L + b + s * clip((x - t_k) / d_k, -3, 3) + log_softmax_i(l)

with ``L`` the logsumexp of the terrain tiles' logits on the cell (what an
object must outbid there), ``t_k`` the midpoint between the ``k``-th and
``(k + 1)``-th largest score and ``d_k`` half their gap (so a drawn cell's
object outbids the terrain by ``b + s`` or more, less at most ``log`` of
the group's size, and an undrawn one falls ``s - b`` or more below it;
gradients flow as if ``d_k`` were at least 1/4), a learned offset ``b`` and
sharpness ``s`` per group (from 1 and 4), and the last term choosing which
of the group's tiles a drawn cell holds.

Which cells may be drawn: objects stand on the ground, so only cells whose
terrain (the arg-max among the tiles no group places) is the game's
``ground`` tile; never the outer ring where the game's border must be walls;
and not a cell an earlier group drew (groups draw in turn: a key is not
drawn under a monster). ``k`` is fixed for a tile the game's
``[constraints]`` want exactly once, the requested count for a conditioning
feature (``--cond monsters=3``), and for a tile that ``same_count`` ties to
another (goals to boxes), the other's count less the cells already holding
it (a box on a goal). So the network learns *where* an object may go and the
latent vector picks the cells. A cell's score also gets the bias of the
placement relations (:mod:`levelforge.gan.relations`): tables, counted from
the corpus, of where a group's objects stand relative to the groups drawn
before it and to the walls around them. It is still a per-cell arg-max over
all tiles that decodes the level, and the networks are trained by the
critic; nothing places or repairs a tile after the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ..game import GameSpec
from .encoding import cell_argmax
from .floodfill import walking_distance
from .relations import CONTEXT_BINS, PAIR_BINS, RelationTables, context_bins, log_ratio, pair_bins


@dataclass(frozen=True)
class PlacementGroup:
    """Tile ids placed together: ``count`` times, as feature ``feature`` asks, or (``match``)
    as many as group ``match`` minus the cells earlier groups drew with a tile in ``placed``."""

    name: str
    ids: tuple[int, ...]
    parts: frozenset[str]
    feature: int | None = None
    count: int = 1
    match: int | None = None
    placed: tuple[int, ...] = ()
    on_border: bool = True  # False: the game's border must be other tiles, so never draw the outer ring


def placement_groups(spec: GameSpec, cond_names: tuple[str, ...]) -> list[PlacementGroup]:
    """The game's counted objects: each conditioning feature, then each tile wanted
    exactly once, then each tile that ``same_count`` ties to one of those (goals as many
    as boxes); a tile id belongs to one group at most (the first that names it)."""
    taken: set[int] = set()
    groups: list[PlacementGroup] = []
    border = set(spec.constraints.get("border", []))

    def add(name: str, parts: set[str], **how) -> None:
        ids = tuple(t.id for t in spec.tiles if set(t.parts) & parts and t.id not in taken)
        if ids:
            placed = tuple(sorted(t.id for t in spec.tiles if set(t.parts) & parts and t.id in taken))
            taken.update(ids)
            on_border = not border or bool(parts & border)
            groups.append(PlacementGroup(name, ids, frozenset(parts), placed=placed, on_border=on_border, **how))

    for f, name in enumerate(cond_names):
        add(name, set(spec.features[name]), feature=f, count=0)
    for name, (lo, hi) in spec.constraints.get("count", {}).items():
        if lo == hi:
            add(name, {name}, count=lo)
    tied = spec.constraints.get("same_count", [])
    leader = next((i for i, g in enumerate(groups) if g.parts & set(tied)), None)
    if leader is not None:
        for name in tied:
            if name not in groups[leader].parts:
                add(name, {name}, match=leader)
    return groups


class PlacementHeads(nn.Module):
    """Applies the placement groups to logits ``(N, planes, S, S)`` of ``height x width`` levels."""

    def __init__(self, groups: list[PlacementGroup], size: int, height: int, width: int,
                 cond_scale: torch.Tensor, ground: int, n_tiles: int) -> None:
        super().__init__()
        self.groups = list(groups)
        self.ground = ground
        grouped = {i for g in self.groups for i in g.ids}
        self.terrain = [t for t in range(n_tiles) if t not in grouped]
        # index tensors, made once (not saved: they follow from the groups)
        self.register_buffer("terrain_ids", torch.tensor(self.terrain), persistent=False)
        for i, g in enumerate(self.groups):
            self.register_buffer(f"ids_{i}", torch.tensor(g.ids), persistent=False)
            self.register_buffer(f"placed_{i}", torch.tensor(g.placed, dtype=torch.int64), persistent=False)
        self.noise_planes = len(self.groups)
        inside = torch.zeros(size, size, dtype=torch.bool)
        inside[:height, :width] = True
        ring = inside.clone()
        ring[1 : height - 1, 1 : width - 1] = False
        self.register_buffer("inside", inside)
        self.register_buffer("ring", ring)
        self.register_buffer("cond_scale", torch.as_tensor(cond_scale, dtype=torch.float32).reshape(-1))
        self.offset = nn.Parameter(torch.ones(len(self.groups)))
        self.log_sharpness = nn.Parameter(torch.full((len(self.groups),), math.log(4.0)))
        self.relations = RelationTables(len(self.groups))

    def _barred(self, i: int, taken: torch.Tensor) -> torch.Tensor:
        return taken if self.groups[i].on_border else taken | self.ring

    @torch.no_grad()
    def relation_counts(self, tiles: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Replay the heads' draw order on decoded levels ``tiles`` ``(N, S, S) int64`` (each cell's
        tile id; padding: any id). Per group ``i`` and earlier group ``e`` (``e = groups``: the
        context bins): ``hits[i, e]``, how many of the group's cells fall in each relation bin;
        ``avail[i, e]``, the cells it could have taken there (each level weighing one); and
        ``objects[i]``, the group's cells."""
        grouped = torch.tensor([t for g in self.groups for t in g.ids], dtype=torch.int64, device=tiles.device)
        ground = self.inside & ((tiles == self.ground) | torch.isin(tiles, grouped))
        taken = ~ground
        g = len(self.groups)
        bins_max = max(PAIR_BINS, CONTEXT_BINS)
        hits, avail = torch.zeros(g, g + 1, bins_max), torch.zeros(g, g + 1, bins_max)
        objects = torch.zeros(g)
        context = context_bins(ground)
        dists: list[torch.Tensor] = []
        for i in range(g):
            eligible = ~self._barred(i, taken)
            cells = self.inside & torch.isin(tiles, getattr(self, f"ids_{i}"))
            share = eligible / eligible.flatten(1).sum(dim=1).clamp(min=1)[:, None, None]  # each level counts once
            objects[i] = cells.sum().cpu()
            bins = [pair_bins(d, eligible) for d in dists] + [context]
            for e, b in zip([*range(len(dists)), g], bins):
                hits[i, e] += torch.bincount(b[cells], minlength=bins_max).float().cpu()
                avail[i, e] += torch.zeros(bins_max, device=b.device).index_add_(
                    0, b[eligible], share[eligible].float()).cpu()
            taken = taken | cells
            dists.append(walking_distance(ground, cells))
        return hits, avail, objects

    def _tables(self) -> list[tuple[int, int, torch.Tensor]]:
        """``(i, e, table)`` for every relation table (``e = groups``: group ``i``'s context bins)."""
        g = len(self.groups)
        return [(i, e, self.relations.pair[i, e]) for i in range(g) for e in range(i)] + \
               [(i, g, self.relations.context[i]) for i in range(g)]

    @torch.no_grad()
    def fit_relations(self, tiles: torch.Tensor) -> None:
        """Count the relation tables (:mod:`levelforge.gan.relations`) from real levels ``tiles``
        (as :meth:`relation_counts` takes them); a group the levels never hold gets no bias."""
        hits, avail, objects = self.relation_counts(tiles)
        self.relations.clear()
        for i, e, table in self._tables():
            if objects[i] > 0:
                table.copy_(log_ratio(hits[i, e, : len(table)], avail[i, e, : len(table)], float(objects[i])))

    @torch.no_grad()
    def calibration_round(self, target: tuple[torch.Tensor, ...], drawn: torch.Tensor, rate: float) -> float:
        """One round of iterative scaling: each table moves by ``rate x (log P(bin | real objects) -
        log P(bin | drawn objects))`` (both smoothed as :func:`~levelforge.gan.relations.log_ratio`
        does, each step within +-2), so that the generator's own draws (``drawn``: its decoded
        samples) fall in each bin about as often as the real levels' objects do, whatever the
        generator's scores prefer. ``target``: :meth:`relation_counts` of the real levels.
        Returns the largest move."""
        hits, avail, objects = target
        got, _, drawn_objects = self.relation_counts(drawn)
        moved = 0.0
        for i, e, table in self._tables():
            if objects[i] == 0 or drawn_objects[i] == 0:
                continue
            n = len(table)
            want = log_ratio(hits[i, e, :n], avail[i, e, :n], float(objects[i]))
            have = log_ratio(got[i, e, :n], avail[i, e, :n], float(drawn_objects[i]))
            step = rate * (want - have).clamp(-2.0, 2.0)
            table += step.to(table.device)
            moved = max(moved, float(step.abs().max()))
        return moved

    def counts(self, c: torch.Tensor, i: int, earlier: list[torch.Tensor], chosen: torch.Tensor) -> torch.Tensor:
        """``(N,) int64``: how many of group ``i`` each sample gets (``c``: the scaled feature vector;
        ``earlier``: the earlier groups' counts; ``chosen``: the tile id drawn on each cell, or -1)."""
        group = self.groups[i]
        if group.match is not None:
            done = torch.isin(chosen, getattr(self, f"placed_{i}")).flatten(1).sum(dim=1)
            return (earlier[group.match] - done).clamp(min=0)
        if group.feature is None:
            return torch.full((len(c),), group.count, dtype=torch.int64, device=c.device)
        return (c[:, group.feature] * self.cond_scale[group.feature]).round().long().clamp(min=0)

    def forward(self, logits: torch.Tensor, noise: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """``logits`` with each group's planes replaced by its draw; ``noise`` ``(N, groups, S, S)``
        standard normal (from the latent vector)."""
        if not self.groups:
            return logits
        u = torch.special.ndtr(noise).clamp(1e-6, 1 - 1e-6)
        gumbel = -torch.log(-torch.log(u))
        out = logits.clone()
        # cells no group may draw: padding, terrain other than the ground (objects stand on the floor), drawn ones
        terrain_logits = logits[:, self.terrain]
        terrain = self.terrain_ids[cell_argmax(terrain_logits)]
        level = terrain_logits.logsumexp(dim=1)  # (N, S, S): what an object must outbid on its cell
        ground = self.inside & (terrain == self.ground)
        taken = ~ground
        related = self.relations.active
        context = context_bins(ground) if related else None
        dists: list[torch.Tensor] = []  # walking distance from each group's draw (with relations)
        chosen = torch.full(taken.shape, -1, dtype=torch.int64, device=logits.device)
        ks: list[torch.Tensor] = []
        for i, group in enumerate(self.groups):
            ids = list(group.ids)
            mine = logits[:, ids]  # (N, |ids|, S, S)
            either = mine.logsumexp(dim=1)  # (N, S, S)
            barred = self._barred(i, taken)
            score = either + gumbel[:, i]  # (N, S, S): a cell's draw, whichever id it holds
            if related:
                score = score + self.relations.bias(i, context, ~barred, dists)
            flat = score.masked_fill(barred, -math.inf).flatten(1)
            k = torch.minimum(self.counts(c, i, ks, chosen), (~barred).flatten(1).sum(dim=1) - 1).clamp(min=0)
            ks.append(k)
            top = flat.topk(int(k.max()) + 1, dim=1).values.clamp(min=-1e4)  # (N, kmax + 1), largest first
            above = top.gather(1, (k - 1).clamp(min=0)[:, None]).squeeze(1)
            below = top.gather(1, k[:, None]).squeeze(1)
            above = torch.where(k > 0, above, below + 2.0)  # k = 0: a threshold above every cell
            threshold = ((above + below) / 2)[:, None, None]
            half_gap = ((above - below) / 2).detach()[:, None, None]
            # the threshold's distance in half gaps: exactly (so drawn cells are >= 1, the others <= -1,
            # kept within +-3), while gradients are those of a gap of at least 1/4 (a tiny gap is no
            # reason for huge steps)
            exact = ((score - threshold) / half_gap.clamp(min=1e-6)).clamp(-3.0, 3.0)
            soft = (score - threshold) / half_gap.clamp(min=0.25)
            sharp = self.log_sharpness[i].exp()
            margin = torch.where(barred, -sharp, sharp * (soft + (exact - soft).detach()))  # (N, S, S)
            # a drawn cell holds the group's likeliest id there: the ids' log-softmax, at most log |ids| below
            drawn = level[:, None] + self.offset[i] + margin[:, None] + (mine - either[:, None])
            out[:, ids] = drawn.masked_fill(~self.inside, 0.0)
            new = margin > 0
            ids_t = getattr(self, f"ids_{i}")
            chosen = torch.where(new, ids_t[cell_argmax(mine)], chosen)
            taken = taken | new
            if related and i + 1 < len(self.groups):
                dists.append(walking_distance(ground, new))
        return out
