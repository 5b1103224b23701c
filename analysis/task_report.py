"""The task part of ``neuroemo report``: one figure per task and a metric table per profile.

Every task has a figure function and a headline-metric function in its analysis module
(``figure(runs) -> Figure``, ``row(summary) -> dict``), registered here by the task's kind
(its class name, ``meta["task"]["schedule"]["kind"]``). :func:`metric_table` summarises the
headline metrics over seeds: mean and 95 % CI (t over runs) per condition, where a condition
is the profile and any swept parameter except the seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from analysis import attention, extinction
from analysis import tasks as t
from analysis.tasks import TaskRun, task_runs

#: ``kind -> (title, figure function, headline-metric function)``.
TASKS: dict[str, tuple[str, Callable[[Sequence[TaskRun]], Figure],
                       Callable[[dict], dict[str, float]]]] = {
    "RewardLearning": ("Reward learning", t.reward_learning_figure, t.reward_learning_row),
    "ProbabilisticReversal": ("Probabilistic reversal learning", t.reversal_figure,
                              t.reversal_row),
    "AttentionTask": ("Attention regulation", attention.figure, attention.metric_row),
    "FearConditioning": ("Fear conditioning and extinction", extinction.figure,
                         extinction.metric_row),
}

#: Columns that identify a run rather than a condition.
_NOT_CONDITIONS = ("seed",)


def _conditions(runs: Sequence[TaskRun]) -> list[str]:
    keys: list[str] = ["profile"]
    for r in runs:
        for k in r.point:
            if k not in keys and k not in _NOT_CONDITIONS:
                keys.append(k)
    return keys


def metric_table(runs: Sequence[TaskRun]) -> pd.DataFrame:
    """Headline metrics of one task's runs over seeds, per condition (long format).

    Returns
    -------
    pandas.DataFrame
        One row per condition and metric: the condition columns (``profile`` and swept
        parameters other than the seed), ``metric``, ``mean``, ``ci_low``, ``ci_high`` (95 %,
        t over runs; NaN with one run) and ``n`` (runs with a finite value).
    """
    if not runs:
        return pd.DataFrame()
    kinds = {r.kind for r in runs}
    if len(kinds) != 1:
        raise ValueError(f"metric_table takes the runs of one task, got {sorted(kinds)}.")
    row_of = TASKS[kinds.pop()][2]
    keys = _conditions(runs)
    rows = []
    for r in runs:
        cond = {"profile": r.profile, **{k: r.point.get(k) for k in keys[1:]}}
        for metric, value in row_of(r.summary).items():
            rows.append({**cond, "metric": metric, "value": value})
    long = pd.DataFrame(rows)
    out = []
    for (cond, metric), g in long.groupby([*keys, "metric"], sort=False, dropna=False):
        x = pd.to_numeric(g["value"], errors="coerce").to_numpy(float)
        x = x[np.isfinite(x)]
        mean = float(x.mean()) if len(x) else math.nan
        h = (float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
             if len(x) > 1 else math.nan)
        out.append({**dict(zip(keys, cond if isinstance(cond, tuple) else (cond,),
                               strict=True)),
                    "metric": metric, "mean": mean, "ci_low": mean - h, "ci_high": mean + h,
                    "n": len(x)})
    return pd.DataFrame(out)


def wide_text(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`metric_table` as text, one row per condition: ``mean [low, high]`` per metric."""
    if table.empty:
        return table
    keys = [c for c in table.columns if c not in ("metric", "mean", "ci_low", "ci_high", "n")]

    def cell(r) -> str:
        if not np.isfinite(r["mean"]):
            return "–"
        if not np.isfinite(r["ci_low"]):
            return f"{r['mean']:.3g}"
        return f"{r['mean']:.3g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]"

    text = table.assign(cell=table.apply(cell, axis=1))
    wide = text.pivot_table(index=keys, columns="metric", values="cell", aggfunc="first",
                            sort=False)
    n = table.groupby(keys, sort=False)["n"].max().rename("n")
    wide = wide.join(n)
    order = list(dict.fromkeys(table["metric"]))
    return wide[["n", *order]].reset_index()


def write_task_figures(runs, out: Path) -> list[tuple[str, str, pd.DataFrame]]:
    """Each task's figure (``task_<kind>.png``) and metric table (``task_<kind>.csv``) for
    the task runs among ``runs`` (an :class:`analysis.io.Runs`).

    Returns
    -------
    list of (caption, figure file name, text table)
        One entry per task kind found; kinds without a registered figure are skipped.
    """
    from analysis.figures import save_figure

    written = []
    for kind, rs in task_runs(runs).items():
        if kind not in TASKS:
            continue
        title, figure, _row = TASKS[kind]
        name = f"task_{kind}"
        fig = figure(rs)
        fig.suptitle(f"{title} ({len(rs)} run{'s' if len(rs) > 1 else ''})")
        save_figure(fig, out / f"{name}.png")
        table = metric_table(rs)
        table.to_csv(out / f"{name}.csv", index=False)
        written.append((f"{title}: metrics per condition, mean [95 % CI] over seeds",
                        f"{name}.png", wide_text(table)))
    return written
