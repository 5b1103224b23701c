"""Does reassuring text cut an anxious profile's fear, and what decides it (issue 21, item 5)?

``benchmarks/text_override.py`` found that "everything is fine" *raises* anxious fear by
4 % while "i feel strong" cuts it by 14 %. This script asks whether that is one sentence or
a property of the model, and which mechanism makes the difference:

* **Ten reassuring sentences** (:data:`SENTENCES`, written down before any was run; the
  first is the issue's), read by a healthy and an anxious profile, with and without the
  profile's norepinephrine gain (``k_gain_ne`` set to 0 in every neuron: the ablation of
  :mod:`benchmarks.mechanisms`). Healthy's NE is the reference level, so its ablated runs
  equal its full runs: a check on the ablation.
* **"everything is fine" split into its parts**: the text drive ``g*p`` with the negative
  emotions' share (sadness, anger, fear) set to 0, and with only that share kept.

Every run is 3 s with the sentence shown 1-2 s (as ``protocols/text_override.py``), on one
compiled build; the rates are the striatal channels' while the sentence is shown, paired by
seed with the same profile and ablation without text (a seed gives both runs the same inputs
and noise stream)::

    PYTHONPATH=$PWD python benchmarks/text_reassurance.py          # seeds 1001-1020

Writes ``benchmarks/results/text-reassurance.csv`` (one row per run) and ``.md`` (the
tables docs/textbranch.md quotes). About 3 min on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mechanisms import ABLATIONS, Lab, populations, rate  # noqa: E402
from text_override import WINDOW_MS, _ci, protocol  # noqa: E402

from brainsim.channels import EMOTIONS  # noqa: E402
from brainsim.experiment.runner import text_arrays  # noqa: E402
from brainsim.model.readout import winner  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
#: Reassuring sentences, fixed before the first run (the first is issue 21's).
SENTENCES = (
    "everything is fine",
    "everything will be okay",
    "you are safe now",
    "there is nothing to worry about",
    "i feel calm and relaxed",
    "it is all going to be alright",
    "i am safe here",
    "don't worry, everything is under control",
    "i feel at peace",
    "all is well",
)
PROFILES = ("healthy", "anxious")
CONDITIONS = {"full": (), "no NE gain": ABLATIONS["no NE gain"]}
NEGATIVE = ("sadness", "anger", "fear")
POSITIVE = ("joy", "love")
_NEG = [EMOTIONS.index(e) for e in NEGATIVE]
_NOT_NEG = [k for k in range(len(EMOTIONS)) if k not in _NEG]
#: "everything is fine" with one part of its drive removed: label -> columns set to 0.
PARTS = {"everything is fine, negative share removed": _NEG,
         "everything is fine, negative share only": _NOT_NEG}


def _row(raw, pops, **fields) -> dict:
    row = dict(fields)
    for e in EMOTIONS:
        row[e] = rate(raw, "striatum", pops[f"channel {e}"], *WINDOW_MS)
    row["winner"] = winner([row[e] for e in EMOTIONS])
    return row


def collect(seeds) -> pd.DataFrame:
    lab = Lab()
    pops = populations(lab.structure)
    rows = []
    try:
        for seed in seeds:
            t0 = time.perf_counter()
            for profile in PROFILES:
                for cond, ablate in CONDITIONS.items():
                    runs = [("none", None, None)] + [(s, s, None) for s in SENTENCES]
                    if cond == "full":
                        runs += [(label, SENTENCES[0], cols) for label, cols in PARTS.items()]
                    for label, text, zeroed in runs:
                        proto = protocol(profile, f"s{len(rows)}", text, seed)
                        arrays = text_arrays(proto)
                        fields = {"seed": seed, "profile": profile, "condition": cond,
                                  "text": label}
                        if arrays is not None:
                            event = arrays[1][0]
                            fields["gate"] = event["gate"]
                            fields.update({f"p_{e}": event["probabilities"][e]
                                           for e in EMOTIONS})
                            if zeroed is not None:
                                drive = arrays[0].copy()
                                drive[:, zeroed] = 0.0
                                arrays = (drive, arrays[1])
                        raw, _ = lab.run(proto, ablate=ablate, text=arrays)
                        rows.append(_row(raw, pops, **fields))
            print(f"seed {seed}: {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        lab.close()
    return pd.DataFrame(rows)


def changes(df: pd.DataFrame) -> pd.DataFrame:
    """Per profile, condition and sentence: the paired change of fear and joy, and the
    sentence's gate and negative / positive share (means over seeds)."""
    out = []
    for (profile, cond), g in df.groupby(["profile", "condition"], sort=False):
        base = g[g.text == "none"].set_index("seed")
        for text, h in g[g.text != "none"].groupby("text", sort=False):
            h = h.set_index("seed")
            b = base.loc[h.index]
            rel = 100 * (h.fear - b.fear) / b.fear
            p_neg = h[[f"p_{e}" for e in NEGATIVE]].sum(axis=1).mean()
            p_pos = h[[f"p_{e}" for e in POSITIVE]].sum(axis=1).mean()
            out.append({"profile": profile, "condition": cond, "text": text,
                        "gate": h.gate.mean(), "p_positive": p_pos, "p_negative": p_neg,
                        "g_p_negative": h.gate.mean() * p_neg,
                        "fear_base": b.fear.mean(), "fear_rel": _ci(rel, 0),
                        "fear_rel_mean": rel.mean(), "joy": _ci(h.joy - b.joy),
                        "fear_wins": int((h.winner == "fear").sum()), "n": len(h)})
    return pd.DataFrame(out)


def table(df: pd.DataFrame) -> str:
    c = changes(df)
    seeds = sorted(df.seed.unique())
    lines = [f"Seeds {seeds[0]}-{seeds[-1]} (n = {len(seeds)}); changes while the sentence "
             "is shown, paired by seed with the same profile and condition without text "
             "(mean [95 % CI]). g*p-: the gate times the negative emotions' probability.", "",
             "| sentence | gate (anxious) | p+ / p- | g*p- (anxious) | healthy fear | "
             "anxious fear | anxious fear, no NE gain | anxious joy (Hz) | "
             "anxious fear wins |", "|---|---|---|---|---|---|---|---|---|"]
    key = c.set_index(["profile", "condition", "text"])
    for text in SENTENCES + tuple(PARTS):
        a = key.loc[("anxious", "full", text)]
        h = key.loc[("healthy", "full", text)]
        abl = (f"{key.loc[('anxious', 'no NE gain', text)].fear_rel} %"
               if ("anxious", "no NE gain", text) in key.index else "—")
        lines.append(f"| {text} | {a.gate:.2f} | {a.p_positive:.2f} / {a.p_negative:.2f} | "
                     f"{a.g_p_negative:.2f} | {h.fear_rel} % | {a.fear_rel} % | {abl} | "
                     f"{a.joy} | {a.fear_wins}/{a.n} |")
    ok = c[(c.condition == "full") & c.text.isin(SENTENCES) & (c.gate > 0.5)]
    lines += ["", "Fear change against g*p- over the sentences with an open gate (g > 0.5), "
              "least-squares line (% per 0.1 of g*p-):", ""]
    for profile in PROFILES:
        s = ok[ok.profile == profile]
        slope, icpt = np.polyfit(s.g_p_negative, s.fear_rel_mean, 1)
        lines.append(f"- {profile}: {slope / 10:+.1f} % per 0.1, {icpt:+.0f} % at g*p- = 0 "
                     f"({len(s)} sentences)")
    b = df[df.text == "none"].pivot_table(index="seed", columns=["profile", "condition"],
                                          values="fear")
    lines += ["", "Fear without text (Hz): " + ", ".join(
        f"{p} {cond} {b[(p, cond)].mean():.2f}" for p, cond in b.columns) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--first-seed", type=int, default=1001)
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args(argv)
    df = collect(range(args.first_seed, args.first_seed + args.seeds))
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / "text-reassurance.csv", index=False)
    md = table(df)
    (RESULTS / "text-reassurance.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
