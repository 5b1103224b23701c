"""Metrics and figure of the fear conditioning / extinction task (issue 22, item 3).

Pure numpy / pandas / matplotlib on the task's per-trial table (``task.parquet`` of a
:class:`brainsim.experiment.tasks.FearConditioning` run): one row per trial with ``phase``
(habituation, conditioning, extinction, recall), ``cs`` ("CS+" / "CS-"), ``us`` and
``response_hz``, the negative-valence BLA cells' rate during the CS (before the US time)
minus their pre-CS rate.

Metrics (:func:`extinction_metrics`), each over the last / first ``n_edge`` trials of a CS
in a phase:

* ``discrimination_hz`` — CS+ minus CS- response at the end of conditioning;
* ``extinction_index`` — the drop of the CS+ response over extinction relative to its
  conditioned level, ``(cs_plus_conditioned - cs_plus_extinction_end) / cs_plus_conditioned``
  (1: fully extinguished, 0: no drop; NaN if conditioning raised nothing);
* ``recall_ratio`` — CS+ response at recall relative to the end of conditioning (Milad et
  al. 2007's extinction-retention index is ``1 - recall_ratio``: ``extinction_retention``),
  and ``spontaneous_recovery_hz`` — recall minus the end of extinction;
* CS- responding (``cs_minus_conditioning_hz``, ``cs_minus_extinction_hz``: means over the
  phase) and responding during extinction (``extinction_cs_plus_hz``: mean CS+ response
  over the phase, ``extinction_both_hz``: over CS+ and CS-).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Phases in their order.
PHASES = ("habituation", "conditioning", "extinction", "recall")
#: Colours of the built-in profiles (others: grey).
PROFILE_COLORS = {"healthy": "#2ca02c", "depressed": "#1f77b4", "anxious": "#d62728",
                  "impulsive": "#ff7f0e", "resilient": "#9467bd"}
#: Headline metrics (flat names) of :func:`metric_row`.
METRICS = ("discrimination_hz", "extinction_index", "recall_ratio", "extinction_retention",
           "spontaneous_recovery_hz", "cs_plus_conditioned_hz", "cs_minus_conditioned_hz",
           "cs_minus_conditioning_hz", "cs_minus_extinction_hz", "extinction_cs_plus_hz",
           "extinction_both_hz", "recall_cs_plus_hz")


def _mean(x) -> float:
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


def _responses(df: pd.DataFrame, phase: str, cs: str) -> np.ndarray:
    d = df[(df["phase"] == phase) & (df["cs"] == cs)]
    if "trial" in d:
        d = d.sort_values("trial")
    return d["response_hz"].to_numpy(float)


def extinction_metrics(df: pd.DataFrame, n_edge: int = 3) -> dict:
    """Summary metrics of one run's per-trial table (see the module's docstring).

    Parameters
    ----------
    df : DataFrame
        Columns ``phase``, ``cs``, ``response_hz`` (and ``trial`` for the order).
    n_edge : int
        Trials at the end (or start) of a phase that define its end (or start) level.

    Returns
    -------
    dict
        Flat ``{metric: float}`` (NaN where a phase or CS is missing), plus ``n_trials``
        and ``n_edge``.
    """
    r = {(ph, cs): _responses(df, ph, cs) for ph in PHASES for cs in ("CS+", "CS-")}
    out: dict = {"n_trials": int(len(df)), "n_edge": int(n_edge)}
    plus_cond = _mean(r["conditioning", "CS+"][-n_edge:])
    minus_cond = _mean(r["conditioning", "CS-"][-n_edge:])
    plus_ext_start = _mean(r["extinction", "CS+"][:n_edge])
    plus_ext_end = _mean(r["extinction", "CS+"][-n_edge:])
    recall = _mean(r["recall", "CS+"])
    conditioned = math.isfinite(plus_cond) and plus_cond > 0
    out.update({
        "habituation_cs_plus_hz": _mean(r["habituation", "CS+"]),
        "habituation_cs_minus_hz": _mean(r["habituation", "CS-"]),
        "cs_plus_conditioned_hz": plus_cond,
        "cs_minus_conditioned_hz": minus_cond,
        "discrimination_hz": plus_cond - minus_cond,
        "cs_plus_extinction_start_hz": plus_ext_start,
        "cs_plus_extinction_end_hz": plus_ext_end,
        "extinction_index": ((plus_cond - plus_ext_end) / plus_cond if conditioned
                             else math.nan),
        "recall_cs_plus_hz": recall,
        "recall_ratio": recall / plus_cond if conditioned else math.nan,
        "spontaneous_recovery_hz": recall - plus_ext_end,
        "cs_minus_conditioning_hz": _mean(r["conditioning", "CS-"]),
        "cs_minus_extinction_hz": _mean(r["extinction", "CS-"]),
        "extinction_cs_plus_hz": _mean(r["extinction", "CS+"]),
        "extinction_both_hz": _mean(np.concatenate([r["extinction", "CS+"],
                                                    r["extinction", "CS-"]])),
    })
    out["extinction_retention"] = (1.0 - out["recall_ratio"]
                                   if math.isfinite(out["recall_ratio"]) else math.nan)
    return out


def metric_row(summary: dict) -> dict[str, float]:
    """The headline metrics of one run's summary (``meta.json``'s ``task``), flat."""
    return {m: float(summary.get(m, math.nan)) for m in METRICS}


def curves(table: pd.DataFrame) -> pd.DataFrame:
    """The response per presentation: ``phase``, ``cs``, ``k`` (presentation of that CS in
    the phase, from 0), ``x`` (position on a common axis: phases one after the other, each
    as long as its longest CS) and ``response_hz``."""
    df = table.copy()
    if "trial" in df:
        df = df.sort_values("trial")
    df["k"] = df.groupby(["phase", "cs"]).cumcount()
    start, x0 = {}, 0
    for ph in PHASES:
        n = df.loc[df["phase"] == ph, "k"].max()
        start[ph] = x0
        x0 += 0 if pd.isna(n) else int(n) + 1
    df["x"] = df["phase"].map(start) + df["k"]
    return df[["phase", "cs", "k", "x", "response_hz"]]


def figure(runs: Sequence):
    """Conditioning, extinction and recall curves: the amygdala response to CS+ (left) and
    CS- (right) against presentation, mean over seeds per profile, phases marked.

    Parameters
    ----------
    runs : sequence of analysis.tasks.TaskRun
        Fields used: ``profile`` and ``table``.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    frames = []
    for run in runs:
        c = curves(run.table)
        c["profile"] = run.profile
        frames.append(c)
    if not frames:
        return fig
    all_c = pd.concat(frames, ignore_index=True)
    bounds = all_c.groupby("phase")["x"].agg(["min", "max"])
    for ax, cs in zip(axes, ("CS+", "CS-"), strict=True):
        d = all_c[all_c["cs"] == cs]
        for profile, g in d.groupby("profile", sort=False):
            m = g.groupby("x")["response_hz"].agg(["mean", "sem"])
            color = PROFILE_COLORS.get(profile, "0.5")
            ax.plot(m.index, m["mean"], "-o", ms=3, color=color, label=profile)
            ax.fill_between(m.index, m["mean"] - m["sem"], m["mean"] + m["sem"], color=color,
                            alpha=0.15, lw=0)
        for k, ph in enumerate(p for p in PHASES if p in bounds.index):
            lo, hi = bounds.loc[ph, "min"] - 0.5, bounds.loc[ph, "max"] + 0.5
            if k % 2:
                ax.axvspan(lo, hi, color="0.92", zorder=0)
            ax.text((lo + hi) / 2, 1.0, ph, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=8)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_xlabel(f"{cs} presentation (phases in order)")
        ax.set_title(cs, pad=14)
    axes[0].set_ylabel("BLA response (Hz, CS minus pre-CS)")
    axes[0].legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
