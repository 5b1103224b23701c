"""Text against the profile over many seeds (issue 21, item 5).

``protocols/text_override.py`` shows each sentence once, on seed 1. This script makes the
same six runs (depressed and anxious; no text, an emotional sentence, a neutral one; 3 s,
the sentence shown 1-2 s), and healthy with and without "i feel strong", on every seed of a
list, on one compiled build, and reports the changes paired by seed (a seed gives both runs
of a profile the same inputs and noise stream):

    PYTHONPATH=$PWD python benchmarks/text_override.py            # seeds 1001-1020
    PYTHONPATH=$PWD python benchmarks/text_override.py --contract circumplex

``--contract circumplex`` replaces the model's text contract (p(joy)+p(love) -> positive-
valence BLA cells, p(sadness)+p(fear)+p(anger) -> negative-valence cells, p(surprise) ->
thalamic arousal relay; brainsim.model.network.text_columns) by the sentence's position on
the circumplex: valence v = sum of p times each emotion's valence, arousal a likewise
(parameters.VALENCE / AROUSAL, the positions that tell the striatal channels apart);
max(v, 0) drives the positive cells, max(-v, 0) the negative cells, max(a, 0) the relay.
It reads the classifier's probabilities as uncertainty about one affective position rather
than as a mixture of emotions. Tried against the fear increase of "everything is fine"
(docs/textbranch.md) and not adopted.

Writes ``benchmarks/results/text-override[-circumplex].csv`` (one row per run: each striatal channel's
rate while the sentence is shown, the gate, the winner) and
``...md`` (the table docs/textbranch.md quotes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from brian2 import second

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mechanisms import Lab, populations, rate  # noqa: E402

from analysis.contrasts import mean_ci  # noqa: E402
from brainsim.channels import EMOTIONS  # noqa: E402
from brainsim.experiment.protocol import Protocol, Sentence, standard_phases  # noqa: E402
from brainsim.experiment.runner import text_arrays  # noqa: E402
from brainsim.model import network  # noqa: E402
from brainsim.model import parameters as P  # noqa: E402
from brainsim.model.readout import winner  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
DURATION = 3 * second
ONSET, SHOWN = 1.0 * second, 1.0 * second
WINDOW_MS = (1000.0, 2000.0)
#: (profile, label, sentence): the runs of protocols/text_override.py, and healthy reading
#: "i feel strong" for mood congruence (Joormann & Gotlib 2007: positive material moves a
#: depressed reader less than a healthy one).
VARIANTS = (
    ("healthy", "no-text", None),
    ("healthy", "i-feel-strong", "i feel strong"),
    ("healthy", "everything-is-fine", "everything is fine"),
    ("depressed", "no-text", None),
    ("depressed", "i-feel-strong", "i feel strong"),
    ("depressed", "neutral", "i went to the shop"),
    ("anxious", "no-text", None),
    ("anxious", "everything-is-fine", "everything is fine"),
    ("anxious", "neutral", "i went to the shop"),
    ("anxious", "i-feel-strong", "i feel strong"),
)


def protocol(profile: str, label: str, text: str | None, seed: int) -> Protocol:
    return Protocol(name=f"{profile}-{label}", profile=profile, duration=DURATION, seed=seed,
                    phases=standard_phases(DURATION),
                    sentences=[Sentence(text, ONSET, SHOWN)] if text else [])


def circumplex_columns(drive: np.ndarray) -> np.ndarray:
    """The ``--contract circumplex`` text columns (n_steps, 4) of a ``g*p`` drive."""
    d = np.asarray(drive, float)
    v = d @ np.array([P.VALENCE[e] for e in EMOTIONS])
    a = d @ np.array([P.AROUSAL[e] for e in EMOTIONS])
    return np.column_stack([np.maximum(v, 0), np.maximum(-v, 0), np.maximum(a, 0),
                            np.zeros_like(v)])


def collect(seeds) -> pd.DataFrame:
    lab = Lab()
    pops = populations(lab.structure)
    rows = []
    try:
        for seed in seeds:
            t0 = time.perf_counter()
            for profile, label, text in VARIANTS:
                proto = protocol(profile, label, text, seed)
                arrays = text_arrays(proto)
                raw, _ = lab.run(proto, text=arrays)
                row = {"profile": profile, "run": label, "seed": seed,
                       "gate": arrays[1][0]["gate"] if arrays else float("nan")}
                for e in EMOTIONS:
                    row[e] = rate(raw, "striatum", pops[f"channel {e}"], *WINDOW_MS)
                row["winner"] = winner([row[e] for e in EMOTIONS])
                rows.append(row)
            print(f"seed {seed}: {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        lab.close()
    return pd.DataFrame(rows)


def _ci(x, digits=2) -> str:
    return mean_ci(x).signed(digits)


def table(df: pd.DataFrame) -> str:
    """Markdown: per run, mean channel rates and winners; per sentence, the paired change."""
    seeds = sorted(df.seed.unique())
    lines = [f"Seeds {seeds[0]}-{seeds[-1]} (n = {len(seeds)}), striatal channel rates "
             "(Hz) while the sentence is shown (1-2 s), mean over seeds:", "",
             "| run | gate g | sadness | joy | fear | anger | winners |",
             "|---|---|---|---|---|---|---|"]
    for (profile, label), g in df.groupby(["profile", "run"], sort=False):
        counts = g.winner.value_counts()
        winners = ", ".join(f"{w} {n}" for w, n in counts.items())
        gate = "—" if g.gate.isna().all() else f"{g.gate.mean():.2f}"
        lines.append(f"| {profile} {label} | {gate} | {g.sadness.mean():.2f} | "
                     f"{g.joy.mean():.2f} | {g.fear.mean():.2f} | {g.anger.mean():.2f} | "
                     f"{winners} |")
    lines += ["", "Paired by seed, sentence minus no text (Hz; mean [95 % CI]):", "",
              "| profile, sentence | joy | sadness | fear | joy − sadness | fear, relative |",
              "|---|---|---|---|---|---|"]
    base = {p: df[(df.profile == p) & (df.run == "no-text")].set_index("seed")
            for p in df.profile.unique()}
    for (profile, label), g in df[df.run != "no-text"].groupby(["profile", "run"], sort=False):
        g = g.set_index("seed")
        b = base[profile].loc[g.index]
        d = g[list(EMOTIONS)] - b[list(EMOTIONS)]
        rel = (g.fear - b.fear) / b.fear
        lines.append(f"| {profile}, {label} | {_ci(d.joy)} | {_ci(d.sadness)} | "
                     f"{_ci(d.fear)} | {_ci(d.joy - d.sadness)} | {_ci(100 * rel, 0)} % |")
    h = df[df.profile == "healthy"].pivot(index="seed", columns="run", values="joy")
    d = df[df.profile == "depressed"].pivot(index="seed", columns="run", values="joy")
    gain_h = h["i-feel-strong"] - h["no-text"]
    gain_d = d["i-feel-strong"] - d["no-text"]
    lines += ["", "Mood congruence, \"i feel strong\": joy gain of depressed minus healthy "
              f"(paired by seed): {_ci(gain_d - gain_h)} Hz (healthy {_ci(gain_h)}, "
              f"depressed {_ci(gain_d)})."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--first-seed", type=int, default=1001)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--contract", choices=("model", "circumplex"), default="model",
                    help="text -> network contract (module docstring)")
    args = ap.parse_args(argv)
    tag = ""
    if args.contract == "circumplex":
        network.text_columns = circumplex_columns  # make_drives looks it up at run time
        tag = "-circumplex"
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    df = collect(seeds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / f"text-override{tag}.csv", index=False)
    md = table(df)
    (RESULTS / f"text-override{tag}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
