"""Engine: one game's rules as a pure, batched step over arrays of states.

Everything that needs the rules (environments, solver, agent judge, viewer)
calls :meth:`Engine.step`. It is written in numpy: on a CPU, numpy's per-call
overhead is a few microseconds against torch's ten or more, which matters for
the single environment (B = 1) and the solver's small frontiers, and states
become ``torch`` tensors without a copy (``torch.from_numpy``) where a network
needs them.

A step runs these phases, each over all B states at once:

1. ``act``: the action (move, push, attack ...).
2. ``after_move``: what the player's new tile does (pick up, win conditions).
3. ``check``: losing conditions (an NPC on the player).
4. ``world``: NPCs move.
5. ``check`` again.

States that already ended are left unchanged and get reward 0.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import GameSpecError, LevelFormatError
from ..game import GameSpec, load_game
from .mechanics import REGISTRY, Mechanic
from .observe import Observer
from .rules import Rules
from .state import Board, State
from .turn import Turn

ENGINE_EVENTS = ("step", "win", "lose")

#: occupied NPC slots of a batch: flat indices into (B * M), their rows, their kinds
NpcSlots = tuple[np.ndarray, np.ndarray, np.ndarray]
#: a group of lit cells: rows (None: one per state), planes (array or int), cells
Lit = tuple["np.ndarray | None", "np.ndarray | int", np.ndarray]
_NO_SLOTS: NpcSlots = (np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, np.intp))


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
        for m in self.mechanics:
            if hasattr(m, "bind"):
                m.bind(self.mechanics)
        self.events = ENGINE_EVENTS + tuple(e for m in self.mechanics for e in m.events)
        for name in spec.rewards:
            if name not in self.events:
                raise GameSpecError(f"reward {name!r} is no event of this game; events: {', '.join(self.events)}")
        attack = next((m for m in self.mechanics if m.use == "attack"), None)
        if "attack" in spec.actions and attack is None:
            raise GameSpecError("action 'attack' needs the 'attack' mechanic")

        def hooks(name: str) -> list:
            return [getattr(m, name) for m in self.mechanics if getattr(type(m), name) is not getattr(Mechanic, name)]

        self._act, self._after, self._check, self._world = (hooks(h) for h in ("act", "after_move", "check", "world"))
        self._weights = {k: np.float32(v) for k, v in spec.rewards.items() if v != 0}
        self.patrol = next((m for m in self.mechanics if m.use == "patrol"), None)
        self._slot_cache: tuple[np.ndarray | None, NpcSlots] = (None, _NO_SLOTS)
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
        # observation channels
        names = list(r.terrain) + list(r.items) + [r.player] + list(r.npcs)
        self._player_channel = len(r.terrain) + len(r.items)
        self._lit_planes: list[tuple[Mechanic, int]] = []
        self._fill_planes: list[Mechanic] = []
        fill_channels: list[int] = []
        for m in self.mechanics:
            ch = m.channels()
            if not ch:
                continue
            if type(m).fill is not Mechanic.fill:
                self._fill_planes.append(m)
                fill_channels.extend(range(len(names), len(names) + len(ch)))
            else:
                self._lit_planes.append((m, len(names)))
            names += ch
        self.channels = tuple(names)
        self.fill_channels = np.array(fill_channels, dtype=np.int64)

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
        if m > 254:
            raise LevelFormatError(f"a level may hold at most 254 NPCs, got {m}")
        npc_map = np.zeros((nl, n if m else 0), dtype=np.uint8)
        rows, slots = np.nonzero(npc_pos >= 0)
        npc_map[rows, npc_pos[rows, slots]] = slots + 1
        terrain = terrain.reshape(nl, n)
        board = Board(h, w, terrain, {"solid": self.rules.terrain_solid[terrain].reshape(-1)}, tuple(levels))
        for mech in self.mechanics:
            mech.prepare(board)
        return State(
            board=board,
            level=np.arange(nl, dtype=np.int32),
            pos=pos,
            facing=np.full(nl, wp, dtype=np.int32),  # facing down
            items=items.reshape(nl, n),
            npc_pos=npc_pos,
            npc_kind=npc_kind,
            npc_dir=npc_dir,
            npc_map=npc_map,
            inv=np.zeros((nl, len(self.rules.items)), dtype=np.uint8),
            t=np.zeros(nl, dtype=np.int32),
            status=np.zeros(nl, dtype=np.int8),
        )

    # -- the rules ------------------------------------------------------------------
    def step(self, states: State, actions: np.ndarray) -> tuple[State, np.ndarray, np.ndarray]:
        """Advance every state by one action.

        ``actions``: ``(B,)`` ints in ``[0, n_actions)``. Returns the new states,
        ``(B,) float32`` rewards and ``(B,) bool`` terminated (won or lost).
        Pure: ``states`` is not modified.
        """
        a = np.asarray(actions)
        if a.shape != states.pos.shape:
            raise ValueError(f"step needs one action per state: got shape {a.shape}, expected {states.pos.shape}")
        # negative ints viewed as unsigned are huge, so one comparison checks both ends
        if a.dtype.kind not in "iu" or np.count_nonzero(a.view(a.dtype.str.replace("i", "u")) >= self.rules.n_actions):
            raise ValueError(f"actions must be integers in [0, {self.rules.n_actions}), got {a!r}")
        turn = Turn(states, a, self.npc_slots)
        for hook in self._act:
            hook(turn)
        for hook in self._after:
            hook(turn)
        for hook in self._check:
            hook(turn)
        for hook in self._world:
            hook(turn)
        for hook in self._check:
            hook(turn)
        live = turn.live
        status = turn.status
        new = State(
            board=states.board,
            level=states.level,
            pos=turn.pos,
            facing=turn.facing,
            items=turn.items,
            npc_pos=turn.npc_pos,
            npc_kind=turn.npc_kind,
            npc_dir=turn.npc_dir,
            npc_map=turn.npc_map,
            inv=turn.inv,
            t=states.t + live,
            status=status,
        )
        return new, self._reward(turn), status != State.PLAYING

    def _reward(self, turn: Turn) -> np.ndarray:
        """``(B,) float32``: the weighted sum of this turn's events."""
        live, status = turn.live, turn.status
        r = np.zeros(live.shape, dtype=np.float32)
        w = self._weights
        if "step" in w:
            r += w["step"] * live
        if status is not turn.state.status:
            if "win" in w:
                r += w["win"] * (live & (status == State.WON))
            if "lose" in w:
                r += w["lose"] * (live & (status == State.LOST))
        for name, counts in turn.events.items():
            if name in w:
                r += w[name] * counts
        return r

    # -- views of states -------------------------------------------------------------
    @property
    def n_actions(self) -> int:
        return self.rules.n_actions

    def observe(self, states: State) -> np.ndarray:
        """``(B, C, H, W) uint8`` observation planes (see :attr:`channels`)."""
        obs = Observer(self, states.board, len(states))
        obs.write(states)
        return obs.array

    def npc_slots(self, states: State) -> NpcSlots:
        """The occupied NPC slots: ``(flat indices into (B * M), their rows, their
        kinds)``, 1-D. Cached for the last ``npc_kind`` array seen: it is shared
        from step to step (dead NPCs keep their kind) until levels change."""
        kind = states.npc_kind
        src, got = self._slot_cache
        if src is not kind:
            flat = kind.reshape(-1)
            slots = np.flatnonzero(flat >= 0)
            m = max(kind.shape[1], 1)
            got = (slots, slots // m, flat.take(slots).astype(np.intp))
            self._slot_cache = (kind, got)
        return got

    def lit(self, states: State) -> list[Lit]:
        """Sparse planes as groups of 1-D ``(rows, planes, cells)`` set to 1 (rows
        None: one per state; planes may be one int; cell -1: none): the player,
        the NPCs, and the mechanics' lit planes."""
        player = self._player_channel
        groups: list[Lit] = [(None, player, states.pos)]
        if states.npc_pos.shape[1]:
            slots = self.npc_slots(states)
            flat, rows, kinds = slots
            groups.append((rows, kinds + (player + 1), states.npc_pos.reshape(-1).take(flat)))
        else:
            slots = _NO_SLOTS
        for m, first in self._lit_planes:
            for rows, planes, cells in m.lit(states, slots):
                groups.append((rows, planes + first, cells))
        return groups

    def fills(self, states: State) -> np.ndarray | None:
        """``(B, len(fill_channels)) uint8`` values of the whole-plane channels."""
        parts = [m.fill(states) for m in self._fill_planes]
        return np.concatenate(parts, axis=1) if parts else None

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
        open_cells = _open_cells(b)
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


def _open_cells(board: Board) -> np.ndarray:
    """Cells not solid in every level of the board (where items can be)."""
    cached = board.masks.get("_open_cells")
    if cached is None:
        solid = board.masks["solid"].reshape(-1, board.cells)
        cached = np.flatnonzero(~solid.all(axis=0))
        board.masks["_open_cells"] = cached
    return cached


def _level_name(level, i: int) -> str:
    name = getattr(level, "name", None)
    return f"level {name!r}" if name else f"level #{i}"
