"""PlanQNet: a Q-network that plans, for levels it has never seen.

A reactive network that sees the player's surroundings cannot find the exit
of a maze it never saw: the way out depends on cells far away. PlanQNet adds
a value-propagation module in the manner of MVProp (Nardelli et al. 2019,
"Value Propagation Networks"), in the max-plus form of a shortest-path
computation:

1. Convolutions read the one-hot tile planes into cell features, and a
   global max-pool of them is added back to every cell (so that state such
   as "carrying the key" reaches every cell).
2. Per cell and per plan ``p``, two learned maps: how much the cell is a
   goal, ``g`` in (0, 1), and what stepping off it costs, ``c > 0``.
3. Values start at ``v = -B (1 - g)`` (0 on a goal, ``-B`` far from any) and
   are relaxed, Bellman-Ford style, until nothing changes:
   ``v(i) <- max(v(i), max_{j next to i} v(j) - c(i))``. At the fixed point
   ``-v(i)`` is the cheapest way from ``i`` to a goal under the learned costs.
   Every operation is differentiable (almost everywhere), so the goal and
   cost maps are learned from the DQN loss alone.
4. The head reads, around the player's cell, the values relative to the
   player's own (which neighbour leads to the goal) and the cell features
   (monsters, keys, the facing), and gives a Q-value per action; to each
   move's Q-value it adds, with a learned weight per plan, the value of the
   cell the move leads to (as MVProp's policy reads the neighbours' values),
   which is what gives the goal and cost maps a direct learning signal.

The moves are the tile games' convention: actions 1 to 4 are up, down, left
and right (:data:`MOVES`).

Nothing depends on the level's size, the iterations adapt to the longest
path in the batch, and the network learns which tiles are goals and which
block the way, not a particular level: that is what carries over.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from . import maxplus
from .networks import QHead, conv_stack, player_cells, window


_FAR = -1e9  # outside the grid: no way through
#: action index -> (dy, dx) of the cell it moves to: the tile games' order
#: ``noop, up, down, left, right, ...`` (``tile_agent`` checks a game's actions against it)
MOVES = {1: (-1, 0), 2: (1, 0), 3: (0, -1), 4: (0, 1)}
MOVE_NAMES = ("up", "down", "left", "right")  #: the names of actions 1 to 4


def _neighbours(v: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The values of each cell's neighbour above, below, left and right (``_FAR`` off the grid)."""
    p = F.pad(v, (1, 1, 1, 1), value=_FAR)  # shifted slices: ten times faster than max-pooling on a CPU
    return p[..., :-2, 1:-1], p[..., 2:, 1:-1], p[..., 1:-1, :-2], p[..., 1:-1, 2:]


def _fixed_point(v: torch.Tensor, cost: torch.Tensor, max_iterations: int, check_every: int) -> torch.Tensor:
    for i in range(max_iterations):
        up, down, left, right = _neighbours(v)
        new = torch.maximum(v, torch.maximum(torch.maximum(up, down), torch.maximum(left, right)) - cost)
        if (i + 1) % check_every == 0 and torch.equal(new, v):
            return new
        v = new
    return v


class _Relax(torch.autograd.Function):
    """The fixed point, and its exact gradient without recording the iterations.

    At the fixed point each cell's value comes from one place: its own start
    value (a root) or a neighbour's value minus the cell's cost (its parent).
    These choices form a forest; a cell's value is its root's start value
    minus the costs along its path. So the gradient of the loss with respect
    to a root's start value, or to a cell's cost (negated), is the sum of the
    incoming gradients over the cells whose paths go through it: summed up
    the forest, leaves to roots, with the same shifts as the forward pass.
    """

    @staticmethod
    def forward(ctx, v0, cost, max_iterations: int, check_every: int):
        v = _fixed_point(v0, cost, max_iterations, check_every)
        # each cell's parent: 0 itself (a root), 1..4 the neighbour above, below, left, right
        parent = torch.zeros(v.shape, dtype=torch.int8, device=v.device)
        found = v == v0
        for d, nb in enumerate(_neighbours(v), start=1):
            hit = ~found & (v == nb - cost)
            parent[hit] = d
            found |= hit
        ctx.save_for_backward(parent)
        ctx.settings = (max_iterations, check_every)
        return v

    @staticmethod
    def backward(ctx, grad):
        (parent,) = ctx.saved_tensors
        max_iterations, check_every = ctx.settings
        sends = [parent == d for d in range(1, 5)]
        total = grad
        for i in range(max_iterations):
            new = grad.clone()
            up, down, left, right = (total * m for m in sends)
            new[..., :-1, :] += up[..., 1:, :]  # a cell whose parent is above gives to the row above
            new[..., 1:, :] += down[..., :-1, :]
            new[..., :, :-1] += left[..., :, 1:]
            new[..., :, 1:] += right[..., :, :-1]
            done = (i + 1) % check_every == 0 and torch.equal(new, total)
            total = new
            if done:
                break
        root = parent == 0
        return total * root, -(total * ~root), None, None


class _RelaxCompiled(torch.autograd.Function):
    """:class:`_Relax` on a CPU: the fixed point by Dijkstra's algorithm and the
    forest's sum in one pass, compiled (:mod:`levelforge.agent.maxplus`)."""

    @staticmethod
    def forward(ctx, v0, cost):
        v, parent, order = _solve_compiled(v0, cost)
        ctx.save_for_backward(parent, order)
        return v

    @staticmethod
    def backward(ctx, grad):
        parent, order = ctx.saved_tensors
        n, p, h, w = grad.shape
        g = grad.detach().contiguous()
        total = torch.empty_like(g)
        g_, p_, o_, t_ = (x.view(n * p, h * w).numpy() for x in (g, parent, order, total))
        maxplus.forest_gradient(g_, p_, o_, w, t_)
        root = parent == 0
        return total * root, -(total * ~root)


def _solve_compiled(v0: torch.Tensor, cost: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    n, p, h, w = v0.shape
    a = v0.detach().contiguous()
    c = cost.detach().to(a.dtype).contiguous()
    v = torch.empty_like(a)
    parent = torch.empty(a.shape, dtype=torch.int8)
    order = torch.empty(a.shape, dtype=torch.int32)
    flat = (n * p, h * w)
    maxplus.fixed_point(*(t.view(flat).numpy() for t in (a, c)), h, w,
                        *(t.view(flat).numpy() for t in (v, parent, order)))
    return v, parent, order


def relax(v: torch.Tensor, cost: torch.Tensor, max_iterations: int, check_every: int = 8) -> torch.Tensor:
    """Bellman-Ford in max-plus form on ``(n, p, h, w)`` maps: repeat
    ``v = max(v, max over the 4 neighbours of v - cost)`` until ``v`` stops
    changing (checked every ``check_every`` rounds) or ``max_iterations``.
    Differentiable in ``v`` (the start values) and ``cost``. Costs must be
    positive. On a CPU, when ``max_iterations`` allows a full relaxation
    (``h * w``), the compiled Dijkstra gives the same values: 5x faster on
    maze-like maps, about as fast where every path is short."""
    n, p, h, w = v.shape
    if v.device.type == "cpu" and max_iterations >= h * w and v.numel():
        if torch.is_grad_enabled() and (v.requires_grad or cost.requires_grad):
            return _RelaxCompiled.apply(v, cost)
        return _solve_compiled(v, cost)[0]
    if torch.is_grad_enabled() and (v.requires_grad or cost.requires_grad):
        return _Relax.apply(v, cost, max_iterations, check_every)
    return _fixed_point(v, cost, max_iterations, check_every)  # acting, targets: no forest to keep


class PlanQNet(nn.Module):
    """Q-network with a learned shortest-path planner (see the module docs)."""

    def __init__(self, in_channels: int, n_actions: int, player_channel: int, channels: int = 32,
                 hidden: int = 128, dueling: bool = True, radius: int = 1, plans: int = 2, depth: int = 2,
                 wall_channels: tuple[int, ...] = ()) -> None:
        super().__init__()
        if not 0 <= player_channel < in_channels:
            raise ValueError(f"player_channel {player_channel} is not one of the {in_channels} input planes")
        if any(not 0 <= c < in_channels for c in wall_channels):
            raise ValueError(f"wall_channels {tuple(wall_channels)} are not all among the {in_channels} input planes")
        self.wall_channels = [int(c) for c in wall_channels]
        if radius < 1 or plans < 1 or depth < 1:
            raise ValueError("PlanQNet needs radius >= 1, plans >= 1 and depth >= 1")
        self.player_channel, self.radius, self.plans = player_channel, radius, plans
        self.cells = conv_stack(in_channels, channels, depth)
        self.shared = nn.Linear(channels, channels)  # the global max-pool, added back to every cell
        self.maps = nn.Conv2d(channels, 2 * plans, 1)  # goal logits, cost pre-activations
        with torch.no_grad():  # start with no goals and a cost of about 1 per step everywhere
            self.maps.bias[:plans].fill_(-2.0)
            self.maps.bias[plans:].fill_(0.55)
        k = 2 * radius + 1
        self.dense = nn.Sequential(nn.Linear((plans + channels) * k * k + plans, hidden), nn.ReLU())
        self.head = QHead(hidden, hidden, n_actions, dueling)
        # the window cell each move leads to, and the weight of each plan's value there
        self.moves = [(a, (dy + radius) * k + (dx + radius)) for a, (dy, dx) in MOVES.items() if a < n_actions]
        self.lead = nn.Parameter(torch.full((plans,), 0.5))

    def plan(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Cell features ``(n, channels, h, w)`` and relaxed values ``(n, plans, h, w)``."""
        n, _, h, w = obs.shape
        feat = self.cells(obs.float())
        feat = F.relu(feat + self.shared(feat.amax(dim=(2, 3)))[:, :, None, None])
        g_logit, c_pre = self.maps(feat).split(self.plans, dim=1)
        goal, cost = torch.sigmoid(g_logit), F.softplus(c_pre) + 0.05
        big = 2.0 * h * w  # beyond any path's cost at about 1 per step
        if self.wall_channels:  # the rules say no path crosses a wall and no wall is a goal: not left to learn
            wall = obs[:, self.wall_channels].amax(dim=1, keepdim=True).float()
            goal, cost = goal * (1.0 - wall), cost + big * wall
        v0 = (goal - 1.0) * big
        return feat, relax(v0, cost, max_iterations=h * w)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        n, _, h, w = obs.shape
        feat, v = self.plan(obs)
        where = player_cells(obs, self.player_channel)
        values = window(v, where, self.radius)  # (n, k*k, plans)
        k2 = values.shape[1]
        here = values[:, k2 // 2]  # the player's own values
        rel = (values - here[:, None, :]).clamp(-8.0, 8.0)  # which way is nearer a goal
        scale = float(h + w)
        x = torch.cat([rel.reshape(n, -1), window(feat, where, self.radius).reshape(n, -1),
                       (here / scale).clamp(-4.0, 0.0)], dim=1)
        q = self.head(self.dense(x))
        acts = [a for a, _ in self.moves]
        ahead = rel[:, [cell for _, cell in self.moves], :]  # (n, moves, plans): the values the moves lead to
        return q.index_add(1, torch.tensor(acts, device=q.device), ahead @ self.lead)
