"""Engine: one game's rules as a pure, batched step over arrays of states.

Everything that needs the rules (environments, solver, agent judge, viewer)
calls :meth:`Engine.step`. States are numpy arrays with a leading batch axis
(:class:`State`); the step itself is a loop over rows compiled by numba
(:mod:`levelforge.engine.kernel`). Why compiled rows and not whole-array
numpy or torch operations: numpy's per-call overhead (about a microsecond
per operation, a hundred operations per step) made one state cost about
100 us, and patrolling NPCs (a clash between two NPCs depends on which
comes first) needed many small array passes per step; a compiled row loop
costs a few microseconds per call and tens of nanoseconds per row. States
become ``torch`` tensors without a copy (``torch.from_numpy``) where a
network needs them.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import GameSpecError, LevelFormatError
from ..game import GameSpec, load_game
from .batch import EVENTS, LOCKED, P_ITEMS_CHANGE, SHOW_NPC, SHOW_PLAYER, SOLID, Batch, Rows, rows_of, scratch
from .threads import run_rows
from .mechanics import REGISTRY, Mechanic
from .observe import Observer
from .rules import Rules
from .state import Board, State
from .tables import TableBuilder

ENGINE_EVENTS = ("step", "win", "lose")


class Engine:
    """The compiled rules of one game."""

    def __init__(self, game: str | GameSpec) -> None:
        spec = load_game(game) if not isinstance(game, GameSpec) else game
        self.spec = spec
        self.rules = rules = Rules(spec)
        self.mechanics: list[Mechanic] = []
        for cfg in spec.mechanics:
            cls = REGISTRY.get(cfg["use"])
            if cls is None:
                raise GameSpecError(f"unknown mechanic {cfg['use']!r}; known: {', '.join(sorted(REGISTRY))}")
            self.mechanics.append(cls(cfg, rules))
        for cond, value in spec.win.items():
            if cond == "reach":
                cfg = {"use": "reach", "tiles": value}
            elif cond == "cover":
                if not isinstance(value, dict):
                    raise GameSpecError("win 'cover' must be a table: { items = ..., terrain = ... }")
                cfg = {"use": "cover", **value}
            else:
                raise GameSpecError(f"unknown win condition {cond!r}; known: reach, cover")
            self.mechanics.append(REGISTRY[cfg["use"]](cfg, rules))
        uses = [m.use for m in self.mechanics]
        if "move" not in uses:
            raise GameSpecError("a game needs the 'move' mechanic")
        if len(set(uses)) != len(uses):
            raise GameSpecError("a mechanic is listed twice")
        self.events = ENGINE_EVENTS + tuple(e for m in self.mechanics for e in m.events)
        for name in spec.rewards:
            if name not in self.events:
                raise GameSpecError(f"reward {name!r} is no event of this game; events: {', '.join(self.events)}")
        attack = next((m for m in self.mechanics if m.use == "attack"), None)
        if "attack" in spec.actions and attack is None:
            raise GameSpecError("action 'attack' needs the 'attack' mechanic")

        self.patrol = next((m for m in self.mechanics if m.use == "patrol"), None)
        tables = TableBuilder(self.rules)
        for m in self.mechanics:
            m.compile(tables)
        for name, weight in spec.rewards.items():
            if name in EVENTS:
                tables.weights[EVENTS.index(name)] = weight
        self.tables = tables.build()
        flags = self.tables.terrain_flags
        #: terrain tiles that nothing ever passes (solid, and no mechanic lets the player in): walls
        self.walls = tuple(name for i, name in enumerate(rules.terrain) if flags[i] & SOLID and not flags[i] & LOCKED)
        self._build_tables()

    # -- tables -------------------------------------------------------------------
    def _build_tables(self) -> None:
        spec, r = self.spec, self.rules
        n = len(spec.tiles)
        self.tile_terrain = np.full(n, r.ground, dtype=np.uint8)
        self.tile_item = np.zeros(n, dtype=np.uint8)
        self.tile_player = np.zeros(n, dtype=bool)
        self.tile_npc = np.full(n, -1, dtype=np.int8)
        for t in spec.tiles:
            for p in t.parts:
                layer = spec.tile(p).layer
                if layer == "terrain":
                    self.tile_terrain[t.id] = r.terrain.index(p)
                elif layer == "item":
                    self.tile_item[t.id] = r.items.index(p) + 1
                elif layer == "player":
                    self.tile_player[t.id] = True
                else:
                    self.tile_npc[t.id] = r.npcs.index(p)
        # (terrain, item code, top) -> tile id, top = 0 nothing, 1 player, 2 + k NPC kind k
        nt, ni, nk = len(r.terrain), len(r.items) + 1, len(r.npcs)
        lut = np.zeros((nt, ni, 2 + nk), dtype=np.uint8)
        for ti in range(nt):
            for ic in range(ni):
                for top in range(2 + nk):
                    lut[ti, ic, top] = self._tile_for(ti, ic, top)
        self.compose = lut
        # observation planes: dense terrain and items, then what `planes` shows
        names = list(r.terrain) + list(r.items)
        planes = [(r.player, SHOW_PLAYER, 0)] + [(k, SHOW_NPC, i) for i, k in enumerate(r.npcs)]
        for m in self.mechanics:
            planes += m.planes()
        self.channels = tuple(names + [name for name, _, _ in planes])
        #: ``(P, 2) int64``: what each plane after the dense ones shows (``batch.SHOW_*``, argument)
        self.planes = np.array([(show, arg) for _, show, arg in planes], dtype=np.int64).reshape(-1, 2)

    def _tile_for(self, ti: int, ic: int, top: int) -> int:
        """The tile id that best shows terrain ``ti``, item ``ic`` and ``top``."""
        r, spec = self.rules, self.spec
        want = {r.terrain[ti]}
        if ic:
            want.add(r.items[ic - 1])
        if top == 1:
            want.add(r.player)
        elif top >= 2:
            want.add(r.npcs[top - 2])
        exact = [t.id for t in spec.tiles if set(t.parts) == want]
        if exact:
            return exact[0]
        # no tile shows all of it: show the topmost thing
        name = r.npcs[top - 2] if top >= 2 else r.player if top == 1 else r.items[ic - 1] if ic else r.terrain[ti]
        return spec.tile(name).id

    # -- loading ----------------------------------------------------------------
    def load(
        self,
        levels: Sequence,
        size: tuple[int, int] | None = None,
        max_npcs: int | None = None,
    ) -> State:
        """Initial states of ``levels`` (one each), on a new :class:`Board`.

        Levels smaller than ``size`` (height, width; default: the largest
        level) are padded at the bottom and right with solid terrain.
        """
        if not len(levels):
            raise ValueError("Engine.load needs at least one level")
        grids = [np.asarray(getattr(lv, "grid", lv)) for lv in levels]
        h = max(g.shape[0] for g in grids) if size is None else size[0]
        w = max(g.shape[1] for g in grids) if size is None else size[1]
        wp, n = w + 2, (h + 2) * (w + 2)
        nl = len(grids)
        terrain = np.full((nl, h + 2, wp), self.rules.pad, dtype=np.uint8)
        items = np.zeros((nl, h + 2, wp), dtype=np.uint8)
        pos = np.zeros(nl, dtype=np.int32)
        npc_cells: list[np.ndarray] = []
        npc_kinds: list[np.ndarray] = []
        n_tiles = len(self.spec.tiles)
        for i, g in enumerate(grids):
            name = _level_name(levels[i], i)
            if g.shape[0] > h or g.shape[1] > w:
                raise LevelFormatError(f"{name}: level is {g.shape[0]} x {g.shape[1]}, larger than {h} x {w}")
            if g.size and int(g.max()) >= n_tiles:
                raise LevelFormatError(f"{name}: tile id {int(g.max())} is not a {self.spec.name} tile")
            gh, gw = g.shape
            terrain[i, 1 : gh + 1, 1 : gw + 1] = self.tile_terrain[g]
            items[i, 1 : gh + 1, 1 : gw + 1] = self.tile_item[g]
            ys, xs = np.nonzero(self.tile_player[g])
            if len(ys) != 1:
                raise LevelFormatError(
                    f"{name}: has {len(ys)} {self.rules.player!r} tiles; a playable level needs exactly one"
                )
            pos[i] = (ys[0] + 1) * wp + xs[0] + 1
            ys, xs = np.nonzero(self.tile_npc[g] >= 0)  # reading order
            npc_cells.append(((ys + 1) * wp + xs + 1).astype(np.int32))
            npc_kinds.append(self.tile_npc[g][ys, xs])
        m = max((len(c) for c in npc_cells), default=0)
        if max_npcs is not None:
            over = [i for i, c in enumerate(npc_cells) if len(c) > max_npcs]
            if over:
                name = _level_name(levels[over[0]], over[0])
                raise LevelFormatError(f"{name}: has {len(npc_cells[over[0]])} NPCs, at most {max_npcs} allowed")
            m = max_npcs
        npc_pos = np.full((nl, m), -1, dtype=np.int32)
        npc_kind = np.full((nl, m), -1, dtype=np.int8)
        for i, (c, k) in enumerate(zip(npc_cells, npc_kinds)):
            npc_pos[i, : len(c)] = c
            npc_kind[i, : len(c)] = k
        heading = self.patrol.start_heading(npc_kind) if self.patrol else np.zeros(npc_kind.shape, dtype=np.int64)
        npc_dir = np.where(npc_kind >= 0, np.array([-wp, wp, -1, 1], dtype=np.int32)[heading], 0).astype(np.int32)
        board = Board(h, w, terrain.reshape(nl, n), levels=tuple(levels))
        return State(
            board=board,
            level=np.arange(nl, dtype=np.int32),
            pos=pos,
            facing=np.full(nl, wp, dtype=np.int32),  # facing down
            items=items.reshape(nl, n),
            npc_pos=npc_pos,
            npc_kind=npc_kind,
            npc_dir=npc_dir,
            inv=np.zeros((nl, len(self.rules.items)), dtype=np.uint8),
            t=np.zeros(nl, dtype=np.int32),
            status=np.zeros(nl, dtype=np.int8),
        )

    # -- the rules ------------------------------------------------------------------
    def step(self, states: State, actions: np.ndarray) -> tuple[State, np.ndarray, np.ndarray]:
        """Advance every state by one action.

        ``actions``: ``(B,)`` ints in ``[0, n_actions)``. Returns the new states,
        ``(B,) float32`` rewards and ``(B,) bool`` terminated (won or lost).
        Pure: ``states`` is not modified (see :meth:`advance` for in place).
        """
        old = rows_of(states)
        b, n = old.pos.shape[0], states.board.cells
        changing = bool(self.tables.par[P_ITEMS_CHANGE])
        bt = self._run(
            states,
            old,
            actions,
            False,
            pos=np.empty_like(old.pos),
            facing=np.empty_like(old.facing),
            npc_pos=np.empty_like(old.npc_pos),
            npc_dir=np.empty_like(old.npc_dir),
            inv=np.empty_like(old.inv),
            t=np.empty_like(old.t),
            status=np.empty_like(old.status),
            new_items=np.empty((b if changing else 0, n), dtype=np.uint8),
        )
        new = State.of(
            states.board,
            states.level,
            bt.pos,
            bt.facing,
            bt.new_items if changing else states.items,
            bt.npc_pos,
            states.npc_kind,
            bt.npc_dir,
            bt.inv,
            bt.t,
            bt.status,
        )
        return new, bt.reward, bt.status != State.PLAYING

    def advance(self, states: State, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`step` in place: ``states``' arrays become the new states
        (and so does every State sharing them), without allocating or copying
        them. For owners that no longer need the old states (the vector env).

        Returns ``(B,) float32`` rewards, ``(B,) bool`` terminated and ``(B,)
        bool`` rows whose items changed.
        """
        changing = bool(self.tables.par[P_ITEMS_CHANGE])
        s = states
        bt = self._run(
            s, rows_of(s), actions, True, pos=s.pos, facing=s.facing, npc_pos=s.npc_pos, npc_dir=s.npc_dir, inv=s.inv,
            t=s.t, status=s.status, new_items=s.items if changing else np.empty((0, s.board.cells), dtype=np.uint8),
        )  # fmt: skip
        return bt.reward, bt.status != State.PLAYING, bt.changed

    def _run(self, states: State, old: Rows, actions: np.ndarray, inplace: bool, **new: np.ndarray) -> Batch:
        """Run the kernel on ``states`` (whose arrays are ``old``) with the new arrays ``new``."""
        a = np.asarray(actions)
        if a.shape != states.pos.shape:
            raise ValueError(f"step needs one action per state: got shape {a.shape}, expected {states.pos.shape}")
        if a.dtype.kind not in "iu":
            raise ValueError(f"actions must be integers in [0, {self.rules.n_actions}), got {a!r}")
        board = states.board
        b = old.pos.shape[0]
        bt = Batch(
            stride=board.stride,
            terrain=board.terrain,
            actions=a.astype(np.int64, copy=False),
            old=old,
            reward=np.empty(b, dtype=np.float32),
            changed=np.empty(b, dtype=np.bool_),
            **new,
            **scratch(board.cells),
        )
        if run_rows(self.tables, bt, inplace):
            raise ValueError(f"actions must be integers in [0, {self.rules.n_actions}), got {a!r}")
        return bt

    # -- views of states -------------------------------------------------------------
    @property
    def n_actions(self) -> int:
        return self.rules.n_actions

    def observe(self, states: State) -> np.ndarray:
        """``(B, C, H, W) uint8`` observation planes (see :attr:`channels`)."""
        obs = Observer(self, states.board, len(states))
        obs.write(states)
        return obs.array

    def grid(self, states: State) -> np.ndarray:
        """``(B, H, W) uint8`` tile ids showing each state (for text and pictures)."""
        b = states.board
        n = b.cells
        nb = len(states)
        top = np.zeros((nb, n), dtype=np.int64)
        rows = np.arange(nb)
        alive = states.npc_pos >= 0
        if np.count_nonzero(alive):
            bi, j = np.nonzero(alive)
            top[bi, states.npc_pos[bi, j]] = 2 + states.npc_kind[bi, j]
        top[rows, states.pos] = 1
        ids = self.compose[b.terrain[states.level], states.items, top]
        return ids.reshape(nb, b.height + 2, b.width + 2)[:, 1:-1, 1:-1]

    def keys(self, states: State) -> np.ndarray:
        """``(B, K) uint8``: equal rows <=> equal states (for search and hashing).

        Holds everything that can change: player cell, items on open cells,
        status, and what mechanics add (facing, NPCs, inventory, time phase).
        K is a multiple of 8 (zero padding), so rows can be viewed as uint64 words.
        """
        b = states.board
        open_cells = _open_cells(self, b)
        nb = len(states)
        cell = np.uint8 if b.cells <= 256 else np.uint16
        parts = [
            states.pos.astype(cell).view(np.uint8).reshape(nb, -1),
            states.status.view(np.uint8)[:, None],
        ]
        if len(self.rules.items) == 1:  # one item kind: a bit per cell is enough
            parts.append(np.packbits(states.items.take(open_cells, axis=1), axis=1))
        elif self.rules.items:
            parts.append(states.items.take(open_cells, axis=1))
        for m in self.mechanics:
            parts.extend(m.key(states))
        width = sum(p.shape[1] for p in parts)
        pad = -width % 8
        if pad:
            parts.append(np.zeros((nb, pad), dtype=np.uint8))
        return np.concatenate(parts, axis=1)


def _open_cells(engine: "Engine", board: Board) -> np.ndarray:
    """Cells not solid in every level of the board (where items can be)."""
    cached = board.cache.get("open_cells")
    if cached is None:
        solid = engine.rules.terrain_solid[board.terrain]
        cached = board.cache["open_cells"] = np.flatnonzero(~solid.all(axis=0))
    return cached



def _level_name(level, i: int) -> str:
    name = getattr(level, "name", None)
    return f"level {name!r}" if name else f"level #{i}"
