#!/usr/bin/env python
"""Train the models that ship in assets/models/ and write their model cards.

For each game, two runs of the benchmark tools, so every shipped model comes
with the measurements of the run that made it:

1. ``tools/bench_gan.py --games GAME --minutes M --save-models DIR``: the
   level GAN, trained on the game's corpus (dungeon: the hand-made levels plus
   3000 procedural ones; sokoban: Boxoban medium-train from ../shared/corpora),
   measured on 1000 raw samples (playable, duplicates, novelty, pattern KL);
2. ``tools/bench_agent.py --games GAME --minutes M ...``: the DQN agent that
   judges the GAN's levels, measured on held-out levels it never trained on.

Then the GAN is saved with its critic (which ``levelforge forge bootstrap``
fine-tunes with) as ``assets/models/<game>-gan.pt`` and the agent as
``<game>-agent.pt``, each with a card (``.md``) holding the data, settings,
steps, seed and measured metrics, and the raw JSON beside it.

    python tools/train_defaults.py --games dungeon --minutes 10

A Boxoban-trained GAN keeps only the hashes of its training levels (the data
may not be redistributed); a dungeon GAN keeps its (generated) training
levels, so ``levelforge generate`` can measure novelty against them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402  (puts the repository on sys.path when needed)

from levelforge.agent import load_agent  # noqa: E402
from levelforge.gan import load_gan, save_gan  # noqa: E402

TOOLS = Path(__file__).resolve().parent
AGENT_ARGS = {  # the settings measured best in docs/benchmarks.md (the DQN's tile-game runs)
    "dungeon": ["--demos", "2000", "--validation", "50", "--set", "pretrain_updates=5000"],
    "maze": ["--demos", "1000", "--validation", "50", "--set", "pretrain_updates=3000"],
    "sokoban": ["--demos", "1000", "--validation", "50", "--set", "pretrain_updates=3000"],
}


def run_tool(args: list[str], out_json: Path) -> dict:
    _bench.log("$ python " + " ".join(args))
    with out_json.open("w") as f:
        subprocess.run([sys.executable, *args], stdout=f, check=True)
    return json.loads(out_json.read_text())


def gan_card(game: str, res: dict, path: Path) -> str:
    r = res["results"][game]
    g, st, cfg = r["gan"], r["gan_train"], r["gan_config"]
    held = r.get("held_out", {})
    lines = [
        f"# {path.name}: the {game} level GAN",
        "",
        f"Made by `python tools/train_defaults.py --games {game}` on {res['machine']['date']} "
        f"({res['machine']['cpus_usable']} CPU cores, {res['machine']['processor']}).",
        "",
        f"- **Model**: {_kind(path)} with placement heads{_relations(cfg, st)}, WGAN-GP (docs/gan.md); "
        f"latent {cfg['latent']}, width {cfg['width']}; the critic is kept, for fine-tuning "
        "(`levelforge forge bootstrap`).",
        f"- **Data**: {_shown(r['corpus'])} levels ({r['corpus_levels']:,}): {r['train_levels']:,} trained on, "
        f"{r['held_out_levels']:,} held out (the held-out column below: their distance from the training part).",
        f"- **Training**: {st['steps']:,} generator updates in {st['seconds']:.0f} s, seed {cfg['seed']}.",
        "- **Kept for novelty**: "
        + ("the hashes of the training levels only (Boxoban may not be redistributed)." if game == "sokoban"
           else "the training levels."),
        "",
        "Measured on 1000 raw samples (no repair, no filter; `tools/bench_gan.py`, docs/metrics.md):",
        "",
        "| metric | GAN | held-out corpus |",
        "|---|---|---|",
    ]
    for key in ("playable", "duplicates", "novelty", "diversity", "pattern_kl", "median_plan"):
        a, b = g.get(key), held.get(key)
        lines.append(f"| {key} | {_fmt(a)} | {_fmt(b)} |")
    if "controllability" in g:
        lines.append(f"| controllability | {_fmt(g['controllability'])} | |")
    lines += ["", f"Sampling: {g['samples_per_s']:,.0f} levels/s on this CPU. Raw output: `{path.stem}.json`.", ""]
    return "\n".join(lines)


def _relations(cfg: dict, stats: dict) -> str:
    """How the card names the placement relations of a run (models made before them have none)."""
    if not cfg.get("relations"):
        return ""
    rounds = stats.get("calibration_rounds", 0)
    return " and placement relations" + (f" (calibrated in {rounds} rounds)" if rounds else "")


def _shown(source: str) -> str:
    """A corpus path as the repository sees it (``../shared/corpora/...``), not this machine's."""
    return source.replace(str(_bench.REPO.parent) + "/", "../")


def _kind(path: Path) -> str:
    names = load_gan(path).cond_names if path.is_file() else ()
    return f"DCGAN conditional on {', '.join(names)}" if names else "DCGAN (the game declares no features to ask for)"


def agent_card(game: str, res: dict, path: Path, extra: list[str]) -> str:
    r = res["results"][game]
    st, cfg = r["training"], r["config"]
    lines = [
        f"# {path.name}: the {game} DQN agent (the judge of generated levels)",
        "",
        f"Made by `python tools/train_defaults.py --games {game}` on {res['machine']['date']}: "
        f"`tools/bench_agent.py --games {game} {' '.join(extra)}`.",
        "",
        f"- **Model**: DQN with the planning network (`{cfg['network']}`, docs/agent.md), Double, dueling, "
        f"{cfg['n_step']}-step targets.",
        f"- **Data**: the game's shipped levels, practice levels and endless procedural levels "
        f"({r['training_levels']['distinct_served']:,} distinct levels served); solver demonstrations: "
        f"{(r.get('demonstrations') or {}).get('solved', 0)} levels.",
        f"- **Training**: {st['steps']:,} environment steps, {st['updates']:,} updates in {st['seconds']:.0f} s, "
        f"seed {cfg['seed']}.",
        "",
        "Measured on held-out levels (greedy play, one episode each):",
        "",
        "| held-out set | levels | won |",
        "|---|---|---|",
    ]
    for name, h in r["held_out"].items():
        if isinstance(h, dict) and "levels" in h:
            lines.append(f"| {name} | {h['levels']} | {h['success_rate']:.1%} |")
    lines += ["", f"Raw output: `{path.stem}.json`.", ""]
    return "\n".join(lines)


def _agent_args(res: dict) -> list[str]:
    """The bench_agent options a saved run used (for rewriting its card)."""
    st = res["settings"]
    out = ["--minutes", str(st["minutes"]), "--seed", str(st["seed"])]
    if st.get("demos"):
        out += ["--demos", str(st["demos"])]
    if st.get("validation"):
        out += ["--validation", str(st["validation"])]
    for o in st.get("overrides") or []:
        out += ["--set", o]
    return out


def _fmt(v) -> str:
    if v is None:
        return ""
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the shipped GAN and agent of each game; write model cards.")
    ap.add_argument("--games", type=lambda s: _bench.name_list(s, ("dungeon", "maze", "sokoban")), default=["dungeon"])
    ap.add_argument("--minutes", type=float, default=10.0, help="training budget of each model")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=_bench.REPO / "assets" / "models")
    ap.add_argument("--only", choices=["gan", "agent"], help="train one of the two models only")
    ap.add_argument("--cards", action="store_true",
                    help="rewrite the model cards from the saved JSON beside each model (no training)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.cards:
        for game in args.games:
            for kind, card in (("gan", gan_card), ("agent", None)):
                path = args.out / f"{game}-{kind}.pt"
                if path.with_suffix(".json").is_file():
                    res = json.loads(path.with_suffix(".json").read_text())
                    text = card(game, res, path) if card else agent_card(game, res, path, _agent_args(res))
                    path.with_suffix(".md").write_text(text)
        return 0
    for game in args.games:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            if args.only in (None, "gan"):
                res = run_tool([str(TOOLS / "bench_gan.py"), "--games", game, "--minutes", str(args.minutes),
                                "--seed", str(args.seed), "--save-models", str(tmp)], tmp / "gan.json")
                gan = load_gan(tmp / f"{game}-gan.pt")
                path = args.out / f"{game}-gan.pt"
                save_gan(gan, path, corpus="ids" if game == "sokoban" else "grids")
                path.with_suffix(".json").write_text(json.dumps(res, indent=1))
                path.with_suffix(".md").write_text(gan_card(game, res, path))
                _bench.log(f"wrote {path} and its card")
            if args.only in (None, "agent") and game in AGENT_ARGS:
                extra = ["--minutes", str(args.minutes), "--seed", str(args.seed), *AGENT_ARGS[game]]
                res = run_tool([str(TOOLS / "bench_agent.py"), "--games", game, "--out-dir", str(tmp), "--quiet",
                                *extra], tmp / "agent.json")
                path = args.out / f"{game}-agent.pt"
                load_agent(tmp / f"{game}.pt")  # fails loudly on a bad file before anything is replaced
                (tmp / f"{game}.pt").replace(path)
                res["results"][game].pop("log", None)
                path.with_suffix(".json").write_text(json.dumps(res, indent=1))
                path.with_suffix(".md").write_text(agent_card(game, res, path, extra))
                _bench.log(f"wrote {path} and its card")
    return 0


if __name__ == "__main__":
    sys.exit(main())
