"""Why is the BLA's pre-CS baseline lower at recall than at the end of extinction?

docs/tasks.md (fear extinction) finds that about half of "recall - extinction end" is a
lower pre-CS baseline at recall, and suspected the order of the trials: extinction
interleaves CS+ and CS- trials, recall has CS+ only, so a CS- trial's response might raise
the baseline of the CS+ trial after it. This reads the trial tables that
``benchmarks/tasks.py fear`` wrote (no simulation) and tests that:

* within extinction, the baseline of CS+ trials that follow a CS- trial minus that of CS+
  trials that follow a CS+ trial (paired by seed);
* the baseline's drift within extinction (least-squares slope per trial, per seed);
* recall minus extinction end (the last three CS+ trials, as :mod:`analysis.extinction`)
  for the baseline and the CS window, with the 10 s delay and without it
  (``--tag=-no-delay``, seeds 1001-1010).

    python benchmarks/fear_baselines.py

Writes ``benchmarks/results/fear-baselines.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.contrasts import mean_ci  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
#: Trials at a phase's edge, as analysis.extinction.extinction_metrics (its default).
N_EDGE = 3


def _ci(x, digits=2) -> str:
    return mean_ci(x).signed(digits)


def _trials(name: str) -> pd.DataFrame:
    df = pd.read_parquet(RESULTS / f"tasks-{name}-trials.parquet")
    df = df.sort_values(["profile", "seed", "trial"]).reset_index(drop=True)
    df["previous_cs"] = df.groupby(["profile", "seed"]).cs.shift(1)
    return df


def _recall_minus_end(g: pd.DataFrame, column: str) -> pd.Series:
    ext = g[(g.phase == "extinction") & (g.cs == "CS+")]
    end = ext.groupby("seed").tail(N_EDGE).groupby("seed")[column].mean()
    recall = g[g.phase == "recall"].groupby("seed")[column].mean()
    return recall - end


def report() -> str:
    df = _trials("fear")
    seeds = sorted(df.seed.unique())
    lines = [f"`tasks-fear-trials.parquet`, seeds {seeds[0]}-{seeds[-1]} (n = {len(seeds)}); "
             "BLA negative-valence cells' pre-CS baseline (Hz), mean [95 % CI] over seeds.",
             "", "| profile | extinction CS+: after CS- minus after CS+ | drift in extinction "
             "(Hz/trial) | recall − extinction end: baseline | CS window |",
             "|---|---|---|---|---|"]
    for profile, g in df.groupby("profile"):
        ext = g[(g.phase == "extinction") & (g.cs == "CS+")]
        after_minus = ext[ext.previous_cs == "CS-"].groupby("seed").baseline_hz.mean()
        after_plus = ext[ext.previous_cs == "CS+"].groupby("seed").baseline_hz.mean()
        both = after_minus.index.intersection(after_plus.index)
        drift = [np.polyfit(e.trial - e.trial.min(), e.baseline_hz, 1)[0]
                 for _, e in g[g.phase == "extinction"].groupby("seed")]
        lines.append(f"| {profile} | {_ci(after_minus[both] - after_plus[both])} | "
                     f"{_ci(drift, 3)} | {_ci(_recall_minus_end(g, 'baseline_hz'))} | "
                     f"{_ci(_recall_minus_end(g, 'cs_hz'))} |")
    nd = _trials("fear-no-delay")
    nd_seeds = sorted(nd.seed.unique())
    lines += ["", f"Recall straight after extinction (`tasks-fear-no-delay`, seeds "
              f"{nd_seeds[0]}-{nd_seeds[-1]}) against the 10 s delay on the same seeds: "
              "recall − extinction end of the baseline (Hz).", "",
              "| profile | no delay | 10 s delay |", "|---|---|---|"]
    same = df[df.seed.isin(nd_seeds)]
    for profile, g in nd.groupby("profile"):
        lines.append(f"| {profile} | {_ci(_recall_minus_end(g, 'baseline_hz'))} | "
                     f"{_ci(_recall_minus_end(same[same.profile == profile], 'baseline_hz'))} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    md = report()
    (RESULTS / "fear-baselines.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
