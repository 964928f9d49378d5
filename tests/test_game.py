"""Games as data: loading game.toml, its errors, and a game made of TOML alone."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import levelforge as lf
from levelforge.engine import Engine
from levelforge.envs import TileEnv
from levelforge.errors import GameSpecError, UnknownGameError
from levelforge.game import game_names, load_game, load_game_file
from levelforge.solve import Solver

# A new game that exists only as this TOML: crates to push out of the way, a
# key that opens the vault door, guards that patrol and kill on touch.
VAULT = textwrap.dedent(
    """
    name = "vault"
    title = "Vault"
    width = 9
    height = 7
    max_steps = 80
    ground = "floor"
    actions = ["noop", "up", "down", "left", "right"]

    [tiles.stone]
    char = "X"
    layer = "terrain"
    colour = "#444444"
    solid = true
    [tiles.floor]
    char = "_"
    layer = "terrain"
    colour = "#dddddd"
    [tiles.vault]
    char = "V"
    layer = "terrain"
    colour = "#ffd700"
    solid = true
    [tiles.crate]
    char = "c"
    layer = "item"
    colour = "#8b5a2b"
    [tiles.keycard]
    char = "k"
    layer = "item"
    colour = "#00aaff"
    [tiles.thief]
    char = "T"
    layer = "player"
    colour = "#ff0000"
    [tiles.guard]
    char = "G"
    layer = "npc"
    colour = "#00aa00"

    [[mechanics]]
    use = "move"
    [[mechanics]]
    use = "push"
    items = ["crate"]
    [[mechanics]]
    use = "collect"
    items = ["keycard"]
    [[mechanics]]
    use = "locked"
    tile = "vault"
    key = "keycard"
    [[mechanics]]
    use = "patrol"
    npcs.guard = { every = 1, heading = "down" }
    [[mechanics]]
    use = "deadly"

    [win]
    reach = ["vault"]

    [rewards]
    step = -0.05
    collect = 0.5
    win = 5.0
    lose = -5.0
    """
)

VAULT_LEVEL = textwrap.dedent(
    """\
    XXXXXXXXX
    XT_c____X
    X___XX_kX
    XG__X___X
    X___X__VX
    XXXXXXXXX
    """
)


@pytest.fixture
def vault(tmp_path):
    d = tmp_path / "vault"
    d.mkdir()
    (d / "game.toml").write_text(VAULT)
    return load_game(d)


def test_shipped_games_load():
    assert {"dungeon", "sokoban", "maze"} <= set(game_names())
    d = load_game("dungeon")
    assert (d.width, d.height) == (13, 9)
    assert d.chars == ".wg+A123"
    s = load_game("sokoban")
    assert s.tile_by_char("*").parts == ("goal", "box")
    assert (s.width, s.height) == (10, 10)


def test_toml_only_game_plays_and_solves(vault):
    level = lf.parse_level(VAULT_LEVEL, vault)
    env = TileEnv(vault, levels=[level])
    obs, info = env.reset(seed=0)
    assert obs.shape == (len(env.channels), 7, 9)  # padded to the game size, 9 x 7
    assert "carrying_keycard" in env.channels
    # Push the crate right into the corner, step down, and take the keycard.
    up, down, left, right = (vault.actions.index(a) for a in ("up", "down", "left", "right"))
    total = 0.0
    for a in [right] * 5 + [down, right]:
        obs, r, term, trunc, info = env.step(a)
        total += r
    assert not term
    ch = env.channels.index("carrying_keycard")
    assert obs[ch].all(), "the keycard was not collected"
    assert total == pytest.approx(7 * -0.05 + 0.5)
    assert env.grid()[1, 7] == vault.tile("crate").id
    # The guard walks down and back up its column; the exit needs the keycard.
    plan = Solver(vault).solve(level)
    assert plan.solved
    env.reset(options={"level": level})
    for a in plan.plan:
        obs, r, term, trunc, info = env.step(a)
    assert term and info["won"] and r == pytest.approx(-0.05 + 5.0)


def test_toml_only_game_guard_kills(vault):
    level = lf.parse_level(VAULT_LEVEL, vault)
    e = Engine(vault)
    s = e.load([level])
    down = vault.actions.index("down")
    # The thief walks down into the guard's patrol column and is caught.
    for _ in range(3):
        s, r, done = e.step(s, np.array([down]))
        if done[0]:
            break
    assert s.status[0] == s.LOST and r[0] == pytest.approx(-0.05 - 5.0)


@pytest.mark.parametrize(
    "change, message",
    [
        (("use = \"deadly\"", "use = \"explode\""), "unknown mechanic 'explode'"),
        (("lose = -5.0", "lost = -5.0"), "reward 'lost' is no event of this game"),
        (('colour = "#444444"', 'colour = "grey"'), "colour must look like '#rrggbb'"),
        (('char = "c"', 'char = "k"'), "share the char 'k'"),
        (('items = ["crate"]', 'items = ["barrel"]'), "'barrel' is not a item tile"),
        (('layer = "player"', 'layer = "npc"'), "exactly one base tile must have layer 'player'"),
        (("[win]\nreach", "[win]\nescape"), "unknown win condition 'escape'"),
        (('width = 9', 'width = 0'), "'width' must be an integer"),
        (('actions = ["noop",', 'actions = ["jump",'), "unknown action 'jump'"),
    ],
)
def test_bad_game_toml_is_one_clear_error(tmp_path, change, message):
    bad = VAULT.replace(*change)
    assert bad != VAULT
    p = tmp_path / "game.toml"
    p.write_text(bad)
    with pytest.raises(GameSpecError) as e:
        load_game_file(p)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_unknown_game_and_invalid_toml(tmp_path):
    with pytest.raises(UnknownGameError, match="no game named 'chess'"):
        load_game("chess")
    p = tmp_path / "game.toml"
    p.write_text("name = \n")
    with pytest.raises(GameSpecError, match="is not valid TOML"):
        load_game_file(p)
