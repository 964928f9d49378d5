"""Agent commands: ``train agent``, ``evaluate-agent`` and ``atari train``."""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

import click
import numpy as np

from .app import GAME_OPTION, Fail, _finite, _game, _guard, _levels, main, train

@train.command("agent")
@GAME_OPTION
@click.option("--levels", "levels", multiple=True, type=click.Path(),
              help="Level files or folders to train on (repeatable; default: the game's shipped levels).")
@click.option("--steps", default=500_000, show_default=True, type=click.IntRange(1), help="Environment steps, all environments together.")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="Where to save the agent (.pt).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seeds the network, exploration and level order.")
@click.option("--device", default="auto", show_default=True, type=click.Choice(["cpu", "cuda", "auto"]))
@click.option("--num-envs", default=64, show_default=True, type=click.IntRange(1), help="Environments stepped together.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="CSV log of the run (default: OUT with .csv).")
@click.option("--procedural", is_flag=True,
              help="Also train on endless levels from the game's procedural generator (maze, dungeon, sokoban): "
              "three in four episodes get a fresh generated level (half of them smaller and easier), "
              "the rest a --levels level.")
@click.option("--generator", "generator", type=click.Path(dir_okay=False),
              help="Also train on endless levels from a GAN (`levelforge train gan`): three in four episodes get "
              "a fresh sample that the exact solver solves (unsolvable samples are redrawn), the rest a --levels level.")
@click.option("--demos", default=2000, show_default=True, type=click.IntRange(0),
              help="Learn also from the exact solver's plans on up to this many training levels (the --levels, "
              "then practice levels with --procedural); 0: from its own play alone.")
@click.option("--pretrain", default=3000, show_default=True, type=click.IntRange(0),
              help="Updates on the demonstrations alone before the agent plays (DQfD's pre-training).")
@click.option("--minutes", type=click.FloatRange(0, min_open=True),
              help="Stop after this much wall time (solving demonstrations and pre-training included).")
@click.option("--validate", default=0, show_default=True, type=click.IntRange(0),
              help="Judge the agent on this many generated validation levels (maze, dungeon, sokoban) at each log row "
              "and keep the weights that won most of them; 0: keep the last weights.")
@click.option("--prioritized", is_flag=True, help="Prioritized replay.")
@click.option("--players", default=1, show_default=True, type=click.IntRange(1, 4),
              help="Players per game: 2 to 4 trains independent learners sharing one network in the multi-agent "
              "game (levelforge.envs.multi); --num-envs counts players.")
@click.option("--mode", type=click.Choice(["coop", "race"]),
              help="With --players: co-operative (shared key and goal) or a race (default: the game's first mode; "
              "dungeon: coop, maze: race).")
@click.option("--quiet", "-q", is_flag=True, help="No progress line.")
@_guard
def train_agent(game: str, levels: tuple[str, ...], steps: int, out: str, seed: int, device: str, num_envs: int,
                log_path: str | None, procedural: bool, generator: str | None, demos: int, pretrain: int,
                minutes: float | None, validate: int, prioritized: bool, players: int, mode: str | None,
                quiet: bool) -> None:
    """Train a DQN agent to play GAME's levels.

    The agent sees each level from the player's tile (so it can play levels
    it never saw) and learns from many environments at once; the settings
    are in levelforge/agent/tiles.py (tile_preset). Progress goes to stderr,
    one CSV row per 10,000 steps to --log. Ctrl-C stops early and still
    saves what was learned. At the end the agent plays every --levels level
    once, greedily, and the win rate is printed.

    With --players N (2 to 4) it trains for the multi-agent game: N players
    per level, one network acting for each from its own cell (independent
    learners sharing their weights; docs/multi-agent.md). The solver's
    demonstrations are then solo plays (no other player in view), and at the
    end the team and a lone player are both measured on the --levels.

    Example: levelforge train agent --game maze --procedural --steps 300000 --out maze.pt
    """
    from ..agent import Judge, save_agent, tile_agent, train as run_training, training_env
    from ..agent.tiles import MixedSource, practice_levels, tile_preset

    spec = _game(game)
    lvls = _levels(levels, spec)
    if validate:  # before any training work: a game without a generator fails here
        from ..generators import procedural as procedural_generator

        validation = procedural_generator(spec.name).sample(validate, seed + 20_000)
    cfg = tile_preset(steps, num_envs=num_envs, seed=seed, device=device, prioritized=prioritized,
                      max_seconds=60 * minutes if minutes else 0.0, pretrain_updates=pretrain)
    if procedural and generator:
        raise Fail("choose one of --procedural and --generator")
    source = lvls
    if procedural:
        source = MixedSource(lvls, practice_levels(spec.name))
    if generator:
        from ..gan import GANGenerator, load_gan
        from ..generators import PlayableOnly

        playable = PlayableOnly(GANGenerator(load_gan(generator, game=spec.name)))
        playable(np.random.default_rng(seed))  # fail now, in one line, if the GAN makes nothing playable
        source = MixedSource(lvls, playable)
    if players > 1:
        from ..envs.multi.team_env import check_mode, game_modes
        from ..envs.multi.vector import TeamVectorEnv

        if validate:
            raise Fail("--validate judges one player; it cannot be used with --players")
        try:
            mode = check_mode(spec.name, mode)
        except ValueError:
            raise Fail(f"{spec.name} is played as {' or '.join(game_modes(spec.name))}, not {mode}") from None
        if num_envs % players:
            raise Fail(f"--num-envs counts players: use a multiple of {players}")
        env = TeamVectorEnv(num_envs // players, players, spec, source, mode=mode)
        size = env.size
    else:
        if mode:
            raise Fail("--mode is for team games: add --players 2 (or 3, 4)")
        env = training_env(spec, source, num_envs)
        size = env.pool.size
    demo_buf = None
    if demos:
        from ..agent.demos import demonstrations

        # demonstrations are the solver's solo plays: of levels with one start
        pool = [lv for lv in lvls if int(env.engine.tile_player[lv.grid].sum()) == 1][:demos]
        if procedural and len(pool) < demos:
            rng = np.random.default_rng(seed + 1)
            practice = practice_levels(spec.name)
            pool = pool + [practice(rng) for _ in range(demos - len(pool))]
        click.echo(f"solving {len(pool)} training levels for demonstrations", err=True)
        solving = time.perf_counter()
        demo_buf, _ = demonstrations(pool, size, env.single_observation_space.shape, cfg.n_step, cfg.gamma)
        if cfg.max_seconds:  # the solving counts against --minutes
            cfg = dataclasses.replace(cfg, max_seconds=max(1.0, cfg.max_seconds - (time.perf_counter() - solving)))
    agent = tile_agent(cfg, env)
    log_file = Path(log_path) if log_path else Path(out).with_suffix(".csv")
    what = f"{len(lvls)} levels" + (" and generated ones" if procedural or generator else "")
    who = f"{players}-player {mode} " if players > 1 else ""
    click.echo(f"training a {who}{spec.name} agent on {what} for {steps:,} steps; log: {log_file}", err=True)
    snap = None
    if validate:
        from ..agent.snapshots import BestSnapshot

        snap = BestSnapshot(agent, validation)
    result = run_training(agent, env, log_path=log_file, progress=not quiet, label=f"{spec.name}", demos=demo_buf,
                          on_log=snap)
    if snap is not None and snap.restore():
        click.echo(f"kept the weights of step {snap.best_step:,}: they won {snap.best[0]:.0%} of "
                   f"{validate} validation levels", err=True)
    agent.stats["train_levels"] = len(lvls)
    if players > 1:
        from ..agent.team_play import team_play

        agent.stats.update(players=players, mode=mode)
        agent.stats["train_levels_won"] = float(team_play(agent, lvls, players, mode, size=size).mean())
        agent.stats["train_levels_won_alone"] = float(team_play(agent, lvls, 1, size=size).mean())
    else:
        scores = Judge(agent).evaluate(lvls)
        agent.stats["train_levels_won"] = sum(s.success_rate for s in scores) / len(scores)
    save_agent(agent, out)
    st = agent.stats
    if result.interrupted:
        click.echo(f"interrupted at step {st['steps']:,}; saved what was learned", err=True)
    alone = f" ({st['train_levels_won_alone']:.0%} by one player alone)" if players > 1 else ""
    click.echo(f"saved {out}: {st['steps']:,} steps, {st['updates']:,} updates in {st['seconds']:.0f}s; "
               f"wins {st['train_levels_won']:.0%} of its {len(lvls)} training levels (greedy){alone}")
    if result.interrupted:
        sys.exit(130)


@main.command("evaluate-agent")
@click.option("--agent", "agent_path", required=True, type=click.Path(dir_okay=False), help="An agent saved by `levelforge train agent`.")
@click.option("--levels", "levels", multiple=True, type=click.Path(),
              help="Level files or folders (repeatable; default: the agent's game's shipped levels).")
@click.option("--episodes", default=1, show_default=True, type=click.IntRange(1), help="Episodes per level.")
@click.option("--epsilon", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Chance of a random action each step (0: greedy; the games are deterministic, so repeated "
              "greedy episodes are identical).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--shield", default=0, show_default=True, type=click.IntRange(0),
              help="Let the rules engine veto the actions that lose within this many steps whatever follows, "
              "and those that lead back to a state the episode has been in (0: the network alone).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per level (JSON Lines) and a summary.")
@_guard
def evaluate_agent(agent_path: str, levels: tuple[str, ...], episodes: int, epsilon: float, seed: int,
                   shield: int, as_json: bool) -> None:
    """Let an agent play levels and report, per level, its win rate, mean
    return and mean episode length. All levels are played at once.

    Example: levelforge evaluate-agent --agent dungeon.pt --levels new/ --shield 1 --json
    """
    from ..agent import Judge, load_agent

    agent = load_agent(agent_path)
    spec = _game(agent.env)
    lvls = _levels(levels, spec)
    scores = Judge(agent, shield=shield).evaluate(lvls, episodes=episodes, epsilon=epsilon, seed=seed)
    for sc in scores:
        if as_json:
            click.echo(json.dumps(sc.to_dict()))
        else:
            click.echo(f"{sc.level:<24} won {sc.success_rate:6.1%}  return {sc.mean_return:8.2f}  "
                       f"steps {sc.mean_steps:6.1f}")
    won = sum(s.success_rate for s in scores) / len(scores)
    summary = {"levels": len(scores), "episodes": episodes, "epsilon": epsilon, "shield": shield, "success_rate": won,
               "mean_return": statistics.fmean(s.mean_return for s in scores)}
    if as_json:
        click.echo(json.dumps({"summary": summary}))
    else:
        click.echo(f"{spec.name}: won {won:.1%} of {len(scores)} levels x {episodes} episodes", err=True)


@main.group()
def atari() -> None:
    """The DQN on its benchmark games: Atari (ALE/<Game>-v5, needs
    levelforge[atari]), MinAtar (MinAtar/<Game>-v1, needs levelforge[minatar])
    and CartPole-v1, to compare with published DQN results."""


@atari.command("train")
@click.option("--env", "env_id", required=True, help="ALE/Pong-v5, MinAtar/Breakout-v1, CartPole-v1, ...")
@click.option("--steps", type=click.IntRange(1), help="Environment steps (agent steps: 4 Atari frames each). "
              "Default: the preset's (Atari 10M, or 5M with --preset gpu; MinAtar and CartPole 500k).")
@click.option("--minutes", type=click.FloatRange(0, min_open=True),
              help="Stop training after this much wall time, whatever the step count.")
@click.option("--preset", "variant", default="standard", show_default=True, type=click.Choice(["standard", "gpu"]),
              help="Atari settings: standard (the Nature DQN's schedule) or gpu (minutes on one GPU, many cores: "
              "use with --async).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a DQNConfig field, e.g. --set lr=1e-4 (repeatable; fields in docs/agent.md).")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False), help="Where to save the agent (.pt).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True, type=click.Choice(["cpu", "cuda", "auto"]))
@click.option("--num-envs", type=click.IntRange(1), help="Environments stepped together (default: the preset's).")
@click.option("--async", "asynchronous", is_flag=True, help="Step environments in subprocesses (Atari on many "
              "cores); the network trains while they step.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), help="CSV log of the run (default: OUT with .csv).")
@click.option("--eval-episodes", default=10, show_default=True, type=click.IntRange(0),
              help="Full episodes played after training (epsilon 0.001, no life-loss ends, raw rewards).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's settings and results as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line.")
@_guard
def atari_train(env_id: str, steps: int | None, minutes: float | None, variant: str, overrides: tuple[str, ...],
                out: str, seed: int, device: str, num_envs: int | None, asynchronous: bool, log_path: str | None,
                eval_episodes: int, as_json: bool, quiet: bool) -> None:
    """Train the DQN on a benchmark env with the published conventions
    (see docs/agent.md), then report full evaluation episodes.

    \b
    Examples:
      levelforge atari train --env MinAtar/Breakout-v1 --steps 500000 --out breakout.pt
      levelforge atari train --env ALE/Pong-v5 --preset gpu --async --minutes 8 --out pong.pt
    """
    from ..agent import DQNConfig, save_agent, train as run_training
    from ..agent.benchmarks import benchmark_agent, evaluate, make_vector, preset
    from ..agent.policy import pick_device

    try:
        changes = DQNConfig.parse_overrides(overrides)
    except ValueError as e:
        raise Fail(str(e)) from None
    changes.update(seed=seed, device=device)
    if num_envs:
        changes["num_envs"] = num_envs
    if minutes:
        changes["max_seconds"] = 60.0 * minutes
    try:
        cfg = preset(env_id, steps, variant, **changes)
        device_name = str(pick_device(cfg.device))
    except ValueError as e:
        raise Fail(str(e)) from None
    env = make_vector(env_id, cfg.num_envs, asynchronous)
    agent = benchmark_agent(cfg, env, env_id)
    log_file = Path(log_path) if log_path else Path(out).with_suffix(".csv")
    limit = f" or {minutes:g} min" if minutes else ""
    click.echo(f"training on {env_id} ({device_name}) for {cfg.steps:,} steps{limit} with {cfg.num_envs} envs; "
               f"log: {log_file}", err=True)
    result = run_training(agent, env, log_path=log_file, progress=not quiet, label=env_id)
    env.close()
    save_agent(agent, out)  # kept, whatever happens while evaluating
    if eval_episodes:
        click.echo(f"evaluating: {eval_episodes} full episodes", err=True)
        returns = evaluate(agent, env_id, eval_episodes, seed=seed + 10_000, asynchronous=asynchronous)
        agent.stats["eval_returns"] = returns
        agent.stats["eval_mean_return"] = statistics.fmean(returns)
        save_agent(agent, out)
    st = agent.stats
    click.echo(f"saved {out}: {st['steps']:,} steps in {st['seconds']:.0f}s ({st['steps_per_s']:.0f} steps/s); "
               f"training return (last {cfg.window} episodes) {st['mean_return']:.2f}", err=as_json)
    if eval_episodes:
        click.echo(f"evaluation: mean return {st['eval_mean_return']:.2f} over {eval_episodes} episodes "
                   f"(min {min(st['eval_returns']):.1f}, max {max(st['eval_returns']):.1f})", err=as_json)
    if as_json:
        click.echo(json.dumps(_finite({"env": env_id, "device": device_name, "config": cfg.to_dict(), "stats": st,
                                       "log": result.log}), indent=2))
    if result.interrupted:
        sys.exit(130)

