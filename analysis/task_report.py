"""The task part of ``neuroemo report``: one figure per task and a metric table per profile.

Every task has a figure function and a headline-metric function in its analysis module
(``figure(runs) -> Figure``, ``row(summary) -> dict``), registered here by the task's kind
(its class name, ``meta["task"]["schedule"]["kind"]``). :func:`metric_table` summarises the
headline metrics over seeds: mean and 95 % CI (t over runs) per condition, where a condition
is the profile and any swept parameter except the seed; :func:`contrast_table` gives each
profile's difference to a reference profile (healthy) with Welch's 95 % CI and Cohen's d.
The statistics are :mod:`analysis.contrasts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import attention, extinction
from analysis import tasks as t
from analysis.contrasts import difference_ci, mean_ci
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
    long, keys = _long_values(runs)
    out = []
    for group, g in long.groupby([*keys, "metric"], sort=False, dropna=False):
        *cond, metric = group
        m = mean_ci(g["value"])
        out.append({**dict(zip(keys, cond, strict=True)),
                    "metric": metric, "mean": m.mean, "ci_low": m.ci_low,
                    "ci_high": m.ci_high, "n": m.n})
    return pd.DataFrame(out)


def _long_values(runs: Sequence[TaskRun]) -> tuple[pd.DataFrame, list[str]]:
    keys = _conditions(runs)
    row_of = TASKS[runs[0].kind][2]
    rows = []
    for r in runs:
        cond = {"profile": r.profile, **{k: r.point.get(k) for k in keys[1:]}}
        for metric, value in row_of(r.summary).items():
            rows.append({**cond, "metric": metric, "value": value})
    return pd.DataFrame(rows), keys


def contrast_table(runs: Sequence[TaskRun], reference: str = "healthy") -> pd.DataFrame:
    """Each profile's headline metrics against the ``reference`` profile's (long format).

    Runs are compared within the same values of any other swept parameter. Differences are
    of means over runs (independent seeds, not paired), with Welch's 95 % CI, Cohen's d and
    Welch's p (:func:`analysis.contrasts.difference_ci`).

    Returns
    -------
    pandas.DataFrame
        The condition columns, ``reference``, ``metric``, ``diff``, ``ci_low``, ``ci_high``,
        ``cohen_d``, ``p_welch``, ``n``, ``n_reference``; empty when the reference profile or
        any other profile is missing.
    """
    if not runs or len({r.kind for r in runs}) != 1:
        return pd.DataFrame()
    long, keys = _long_values(runs)
    if reference not in set(long["profile"]) or long["profile"].nunique() < 2:
        return pd.DataFrame()
    others = keys[1:]
    out = []
    for cond, g in long.groupby(keys, sort=False, dropna=False):
        cond = cond if isinstance(cond, tuple) else (cond,)
        if cond[0] == reference:
            continue
        ref = long[long["profile"] == reference]
        for k, v in zip(others, cond[1:], strict=True):
            ref = ref[ref[k].isna()] if pd.isna(v) else ref[ref[k] == v]
        for metric, gm in g.groupby("metric", sort=False):
            d = difference_ci(gm["value"], ref.loc[ref["metric"] == metric, "value"])
            out.append({**dict(zip(keys, cond, strict=True)), "reference": reference,
                        "metric": metric, "diff": d.diff, "ci_low": d.ci_low,
                        "ci_high": d.ci_high, "cohen_d": d.cohen_d, "p_welch": d.p_welch,
                        "n": d.n_a, "n_reference": d.n_b})
    return pd.DataFrame(out)


def contrast_text(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`contrast_table` as text: one row per metric, one column per compared
    condition, cells ``diff [low, high] (d …)``."""
    if table.empty:
        return table
    keys = [c for c in table.columns if c not in (
        "reference", "metric", "diff", "ci_low", "ci_high", "cohen_d", "p_welch", "n",
        "n_reference")]

    def cell(r) -> str:
        if not np.isfinite(r["diff"]):
            return "–"
        d = f" (d {r['cohen_d']:.2f})" if np.isfinite(r["cohen_d"]) else ""
        return f"{r['diff']:+.3g} [{r['ci_low']:+.3g}, {r['ci_high']:+.3g}]{d}"

    def name(r) -> str:
        parts = [str(r[keys[0]])]
        parts += [f"{k}={r[k]:g}" if isinstance(r[k], float) else f"{k}={r[k]}"
                  for k in keys[1:] if not pd.isna(r[k])]
        return ", ".join(parts)

    label = table.apply(name, axis=1)
    text = table.assign(condition=label, cell=table.apply(cell, axis=1))
    wide = text.pivot_table(index="metric", columns="condition", values="cell",
                            aggfunc="first", sort=False)
    order = list(dict.fromkeys(table["metric"]))
    return wide.loc[order, list(dict.fromkeys(label))].reset_index()


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


class TaskSection(NamedTuple):
    """One section of the report: a caption, its figure (or none), the text table shown and
    the CSV file holding the numbers."""

    caption: str
    figure: str | None
    table: pd.DataFrame
    csv: str


def write_task_figures(runs, out: Path, reference: str = "healthy") -> list[TaskSection]:
    """Each task's figure (``task_<kind>.png``), metric table (``task_<kind>.csv``) and, when
    the runs hold the ``reference`` profile and others, the contrasts against it
    (``task_<kind>_vs_<reference>.csv``), for the task runs among ``runs`` (an
    :class:`analysis.io.Runs`).

    Returns
    -------
    list of TaskSection
        Per task kind found, its metric section and, if any, its contrast section; kinds
        without a registered figure are skipped.
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
        fig.tight_layout()  # again, now that the title takes room above the panels
        save_figure(fig, out / f"{name}.png")
        table = metric_table(rs)
        table.to_csv(out / f"{name}.csv", index=False)
        written.append(TaskSection(
            f"{title}: metrics per condition, mean [95 % CI] over seeds", f"{name}.png",
            wide_text(table), f"{name}.csv"))
        contrasts = contrast_table(rs, reference)
        if not contrasts.empty:
            csv = f"{name}_vs_{reference}.csv"
            contrasts.to_csv(out / csv, index=False)
            written.append(TaskSection(
                f"{title}: difference to {reference}, Welch 95 % CI (Cohen's d)", None,
                contrast_text(contrasts), csv))
    return written
