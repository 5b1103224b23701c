"""Metrics of the attention-regulation task (issue 22, item 2) on its per-trial table.

The table is :meth:`brainsim.experiment.tasks.attention.AttentionTask.analyse`'s
(``task.parquet``): per trial the distractor (``none`` / ``neutral`` / ``threat``), whether a
target came (``target``), the PFC readout cells' rate in the response window
(``readout_hz``) and in the foreperiod's windows (``fore<k>_hz``).

* :func:`auc` — area under the ROC of two samples (Mann-Whitney, ties count half);
* :func:`d_prime` — ``sqrt(2) * Phi^-1(AUC)``: the d' of two equal-variance Gaussians with
  that AUC (Green & Swets 1966), distribution-free in its estimate of the AUC;
* :func:`premature_responses` — foreperiod windows whose rate reaches the response criterion;
* :func:`attention_metrics` — the summary (d' per distractor, threat-interference index,
  premature responses, hit and false-alarm rates at the criterion);
* :func:`metric_row`, :func:`figure` — the per-profile table row and the task's figure for
  ``neuroemo report`` (d' against tonic NE; d' by distractor per profile; premature
  responses per profile).

Pure numpy / pandas (the normal quantile from the standard library): Brian2-free.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd

DISTRACTORS = ("none", "neutral", "threat")
_PHI = NormalDist()


def auc(positive, negative) -> float:
    """Area under the ROC curve: P(X > Y) + P(X = Y)/2 for X from ``positive`` and Y from
    ``negative`` (NaN when either is empty).

    >>> auc([2, 3], [0, 1])
    1.0
    >>> auc([1, 1], [1, 1])
    0.5
    """
    x = np.asarray(positive, float)
    y = np.asarray(negative, float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if not len(x) or not len(y):
        return math.nan
    ys = np.sort(y)
    below = np.searchsorted(ys, x, side="left")
    equal = np.searchsorted(ys, x, side="right") - below
    return float((below + 0.5 * equal).sum() / (len(x) * len(y)))


def d_prime_from_auc(a: float, n_pos: int, n_neg: int) -> float:
    """``sqrt(2) * Phi^-1(a)``, with ``a`` kept within half a pair of 0 and 1
    (``1/(2 n_pos n_neg)``) so that a perfect separation of finite samples gives a finite d'.
    """
    if not np.isfinite(a) or n_pos < 1 or n_neg < 1:
        return math.nan
    eps = 0.5 / (n_pos * n_neg)
    a = min(max(a, eps), 1 - eps)
    return math.sqrt(2) * _PHI.inv_cdf(a)


def d_prime(positive, negative) -> float:
    """d' of the ROC of ``positive`` (target present) against ``negative`` (absent).

    >>> round(d_prime([1, 2, 3], [1, 2, 3]), 6)
    0.0
    """
    x = np.asarray(positive, float)
    y = np.asarray(negative, float)
    n_pos, n_neg = int(np.isfinite(x).sum()), int(np.isfinite(y).sum())
    return d_prime_from_auc(auc(x, y), n_pos, n_neg)


def fore_columns(df: pd.DataFrame) -> list[str]:
    """The foreperiod window columns ``fore0_hz, fore1_hz, ...`` in order."""
    cols = [c for c in df.columns if c.startswith("fore") and c.endswith("_hz")]
    return sorted(cols, key=lambda c: int(c[4:-3]))


def premature_responses(df: pd.DataFrame, criterion_hz: float) -> np.ndarray:
    """Per trial, the number of foreperiod windows whose readout rate reaches
    ``criterion_hz`` (NaN for every trial when the criterion is not a number)."""
    cols = fore_columns(df)
    if not np.isfinite(criterion_hz):
        return np.full(len(df), np.nan)
    return (df[cols].to_numpy(float) >= criterion_hz).sum(axis=1).astype(float)


def _mean(x) -> float:
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


def attention_metrics(df: pd.DataFrame, criterion_hz: float, column: str = "readout_hz") -> dict:
    """Summary of an attention run.

    * ``d_prime``: per distractor condition, d' of ``column`` (the PFC readout rate in the
      response window) over target-present against target-absent trials, with its AUC and
      trial counts; ``d_prime_all`` pools every condition;
    * ``threat_interference``: d'(neutral) - d'(threat) (positive: the threat distractor
      costs more than the neutral one); ``distractor_cost``: d'(none) - d'(neutral);
    * ``premature``: foreperiod windows at or above the criterion, per trial (mean), the
      fraction of trials with at least one, and the fraction of windows (the false-alarm
      rate of the foreperiod);
    * ``hit_rate`` / ``false_alarm_rate`` per condition: response-window rate at or above
      the criterion on target-present / -absent trials; ``accuracy``: their balanced
      proportion correct, (hits + correct rejections) / 2, of an observer with the fixed
      criterion (unlike d', it falls when the rates drift away from the criterion);
    * mean rates per condition and target (readout, thalamic target and distractor cells,
      negative-valence BLA cells): checks that the drive reached its cells.
    """
    out: dict = {"n_trials": int(len(df)), "criterion_hz": float(criterion_hz),
                 "d_prime": {}, "auc": {}, "hit_rate": {}, "false_alarm_rate": {},
                 "readout_hz": {}}
    for cond in DISTRACTORS:
        d = df[df["distractor"] == cond]
        pos = d.loc[d["target"] == 1, column].to_numpy(float)
        neg = d.loc[d["target"] == 0, column].to_numpy(float)
        out["auc"][cond] = auc(pos, neg)
        out["d_prime"][cond] = d_prime(pos, neg)
        ok = np.isfinite(criterion_hz)
        out["hit_rate"][cond] = _mean(pos >= criterion_hz) if ok and len(pos) else math.nan
        out["false_alarm_rate"][cond] = (_mean(neg >= criterion_hz) if ok and len(neg)
                                         else math.nan)
        out["readout_hz"][cond] = {"target": _mean(pos), "no_target": _mean(neg)}
    out["accuracy"] = {c: (out["hit_rate"][c] + 1 - out["false_alarm_rate"][c]) / 2
                       for c in DISTRACTORS}
    out["d_prime_all"] = d_prime(df.loc[df["target"] == 1, column],
                                 df.loc[df["target"] == 0, column])
    dp = out["d_prime"]
    out["threat_interference"] = dp["neutral"] - dp["threat"]
    out["distractor_cost"] = dp["none"] - dp["neutral"]
    prem = premature_responses(df, criterion_hz)
    n_win = max(len(fore_columns(df)), 1)
    out["premature"] = {"per_trial": _mean(prem), "trials_with_any": _mean(prem > 0)
                        if np.isfinite(criterion_hz) else math.nan,
                        "window_rate": _mean(prem / n_win), "n_windows_per_trial": n_win}
    out["foreperiod_hz"] = _mean(df[fore_columns(df)].to_numpy(float))
    checks = {}
    for c in df.columns:
        if c.startswith("thalamus_") or c == "bla_negative_hz" or c == "pfc_all_hz":
            checks[c] = {cond: _mean(df.loc[df["distractor"] == cond, c])
                         for cond in DISTRACTORS}
    out["checks"] = checks
    if "pfc_all_hz" in df:
        out["d_prime_pfc_all"] = {
            cond: d_prime(df.loc[(df["distractor"] == cond) & (df["target"] == 1), "pfc_all_hz"],
                          df.loc[(df["distractor"] == cond) & (df["target"] == 0), "pfc_all_hz"])
            for cond in DISTRACTORS}
    return out


def task_summary(df: pd.DataFrame, info: dict) -> dict:
    """:func:`attention_metrics` with the criterion of the run's schedule (what
    :func:`analysis.tasks.task_metrics` calls)."""
    schedule = info.get("schedule", {})
    crit = schedule.get("response_criterion_hz", math.nan)
    return attention_metrics(df, math.nan if crit is None else float(crit))


# ---------------------------------------------------------------------------------------
# Report: one row per run, the figure over many runs
# ---------------------------------------------------------------------------------------

def metric_row(summary: dict) -> dict[str, float]:
    """The headline metrics of one run (``meta.json``'s ``task``), flat."""
    dp = summary.get("d_prime", {})
    prem = summary.get("premature", {})
    row = {f"d_prime_{c}": float(dp.get(c, math.nan)) for c in DISTRACTORS}
    row["d_prime_all"] = float(summary.get("d_prime_all", math.nan))
    row["threat_interference"] = float(summary.get("threat_interference", math.nan))
    row["distractor_cost"] = float(summary.get("distractor_cost", math.nan))
    row["premature_per_trial"] = float(prem.get("per_trial", math.nan))
    row["premature_trials_with_any"] = float(prem.get("trials_with_any", math.nan))
    row["foreperiod_hz"] = float(summary.get("foreperiod_hz", math.nan))
    row["accuracy_none"] = float(summary.get("accuracy", {}).get("none", math.nan))
    for c in DISTRACTORS:
        row[f"false_alarm_rate_{c}"] = float(summary.get("false_alarm_rate", {}).get(c, math.nan))
    return row


def _ci(x) -> tuple[float, float]:
    """Mean and the half-width of its 95 % CI (t distribution; NaN below 2 values)."""
    from scipy import stats

    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return (float(x.mean()) if len(x) else math.nan, math.nan)
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1)
                                  / math.sqrt(len(x)))


def figure(runs: Sequence):
    """The task's figure over many runs (``analysis.tasks.TaskRun``: ``label, profile, seed,
    point, table, summary``): (a) d' against tonic NE for the runs whose sweep point sets
    ``norepinephrine`` (mean and 95 % CI over seeds, per distractor); (b) d' by distractor
    per profile (the other runs); (c) premature responses per trial per profile."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = []
    for r in runs:
        point = dict(getattr(r, "point", None) or {})
        rows.append({"profile": r.profile, "seed": r.seed,
                     "ne": point.get("norepinephrine", math.nan), **metric_row(r.summary)})
    df = pd.DataFrame(rows)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    colors = {"none": "0.3", "neutral": "tab:blue", "threat": "tab:red"}
    ne = df[np.isfinite(df["ne"])] if len(df) else df
    ax = axes[0]
    if len(ne):
        for c in DISTRACTORS:
            g = ne.groupby("ne")[f"d_prime_{c}"].apply(list)
            m = [_ci(v) for v in g]
            ax.errorbar(g.index, [a for a, _ in m], yerr=[h for _, h in m], marker="o",
                        capsize=3, color=colors[c], label=c)
        ax.legend(title="distractor", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no NE sweep runs", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("tonic norepinephrine (0.5 neutral)")
    ax.set_ylabel("d′ (PFC evoked counts)")
    ax.set_title("d′ against tonic NE")
    prof = df[~np.isfinite(df["ne"])] if len(df) else df
    profiles = list(dict.fromkeys(prof["profile"])) if len(prof) else []
    if len(ne) and not profiles:  # an NE sweep alone: what a fixed observer makes of it
        for ax, column, label in (
                (axes[1], "premature_per_trial", "premature responses per trial"),
                (axes[2], "accuracy_none", "balanced accuracy, fixed criterion")):
            g = ne.groupby("ne")[column].apply(list)
            m = [_ci(v) for v in g]
            ax.errorbar(g.index, [a for a, _ in m], yerr=[h for _, h in m], marker="o",
                        capsize=3, color="0.3")
            ax.set_xlabel("tonic norepinephrine (0.5 neutral)")
            ax.set_ylabel(label)
            ax.set_title(label[0].upper() + label[1:])
        fig.tight_layout()
        return fig
    x = np.arange(len(profiles))
    ax = axes[1]
    for k, c in enumerate(DISTRACTORS):
        m = [_ci(prof.loc[prof["profile"] == p, f"d_prime_{c}"]) for p in profiles]
        ax.bar(x + (k - 1) * 0.27, [a for a, _ in m], 0.27, yerr=[h for _, h in m],
               color=colors[c], label=c, capsize=2)
    ax.set_xticks(x, profiles, rotation=30)
    ax.set_ylabel("d′")
    ax.set_title("d′ by distractor")
    if profiles:
        ax.legend(fontsize=8)
    ax = axes[2]
    m = [_ci(prof.loc[prof["profile"] == p, "premature_per_trial"]) for p in profiles]
    ax.bar(x, [a for a, _ in m], yerr=[h for _, h in m], color="0.5", capsize=3)
    ax.set_xticks(x, profiles, rotation=30)
    ax.set_ylabel("premature responses per trial")
    ax.set_title("premature responses")
    fig.tight_layout()
    return fig
