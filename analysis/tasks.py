"""Metrics of the closed-loop tasks (issue 22), on their per-trial tables (``task.parquet``).

Pure numpy / pandas / scipy: they work on a loaded run (``load_run(...).task`` or
``pd.read_parquet(folder / "task.parquet")``) as well as inside the runner.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import optimize, stats


class TaskRun(NamedTuple):
    """One task run as the task figures and tables use it.

    Attributes
    ----------
    label : str
        The run's label (folder name, or ``points/<folder>`` in a sweep).
    profile : str
    seed : int
    point : dict
        The sweep parameters of the run (``meta["point"]``; empty outside a sweep).
    table : pandas.DataFrame
        ``task.parquet``: one row per trial.
    summary : dict
        ``meta.json``'s ``task``: the schedule (``summary["schedule"]["kind"]`` is the task's
        class name) and the task's metrics.
    """

    label: str
    profile: str
    seed: int
    point: dict
    table: pd.DataFrame
    summary: dict

    @property
    def kind(self) -> str:
        return str(self.summary.get("schedule", {}).get("kind"))


def _slope(x, y) -> dict:
    """Least-squares slope of y on x with its 95 % CI (NaN with < 3 points)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return {"slope": math.nan, "ci95": [math.nan, math.nan], "p": math.nan}
    r = stats.linregress(x[ok], y[ok])
    h = stats.t.ppf(0.975, ok.sum() - 2) * r.stderr
    return {"slope": float(r.slope), "ci95": [float(r.slope - h), float(r.slope + h)],
            "p": float(r.pvalue)}


def _mean(x) -> float:
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


def learning_summary(df: pd.DataFrame, initial_weight_pA: float, n_edge: int = 5) -> dict:
    """Summary of a reward-learning run (:class:`RewardLearning`'s table).

    * ``cs_plus`` / ``cs_minus``: the joy channel's rate during the cue alone (before the
      US; evoked = minus the pre-cue rate), first and last ``n_edge`` trials of each cue,
      and its slope against the trial number (Hz per trial, 95 % CI);
    * weights: mean task weight cue -> joy MSNs at the end of the first and last trials, and
      the trial at which the CS+ -> joy weight first covers half of its final change;
    * ``critic``: the prediction error at cue onset and at the outcome, first and last
      rewarded CS+ trials (the transfer from reward to cue), and at omitted rewards (the
      dip), with the striatal dopamine measured in the same windows.
    """
    out: dict = {"n_trials": int(len(df))}
    for cue, name in ((0, "cs_plus"), (1, "cs_minus")):
        d = df[df["cue"] == cue]
        if d.empty:
            continue
        out[name] = {
            "n_trials": int(len(d)),
            "joy_hz_first": _mean(d["cs_joy_hz"].head(n_edge)),
            "joy_hz_last": _mean(d["cs_joy_hz"].tail(n_edge)),
            "joy_evoked_hz_first": _mean(d["cs_joy_evoked_hz"].head(n_edge)),
            "joy_evoked_hz_last": _mean(d["cs_joy_evoked_hz"].tail(n_edge)),
            "joy_hz_slope_per_trial": _slope(d["trial"], d["cs_joy_hz"]),
            "w_joy_pA_first": _mean(d[f"w_cue{cue}_joy_pA"].head(1)),
            "w_joy_pA_last": _mean(d[f"w_cue{cue}_joy_pA"].tail(1)),
            "w_other_pA_last": _mean(d[f"w_cue{cue}_other_pA"].tail(1)),
        }
    plus = df[df["cue"] == 0]
    if not plus.empty:
        w = plus["w_cue0_joy_pA"].to_numpy()
        change = w - initial_weight_pA
        final = change[-1] if len(change) else math.nan
        half = np.flatnonzero(np.sign(final) * change >= abs(final) / 2) if final else []
        out["initial_weight_pA"] = initial_weight_pA
        out["w_cs_plus_joy_change_pA"] = float(final)
        out["trials_to_half_weight_change"] = (int(plus["trial"].iloc[half[0]]) + 1
                                               if len(half) else None)
        rewarded = plus[plus["reward"] == 1]
        omitted = plus[(plus["reward"] == 0)]
        out["critic"] = {
            "delta_cue_first": _mean(rewarded["delta_cue"].head(3)),
            "delta_cue_last": _mean(rewarded["delta_cue"].tail(n_edge)),
            "delta_outcome_first": _mean(rewarded["delta_outcome"].head(3)),
            "delta_outcome_last": _mean(rewarded["delta_outcome"].tail(n_edge)),
            "delta_outcome_omitted": _mean(omitted["delta_outcome"]),
            "da_cue_first": _mean(rewarded["da_cue"].head(3)),
            "da_cue_last": _mean(rewarded["da_cue"].tail(n_edge)),
            "da_outcome_first": _mean(rewarded["da_outcome"].head(3)),
            "da_outcome_last": _mean(rewarded["da_outcome"].tail(n_edge)),
            "da_outcome_omitted": _mean(omitted["da_outcome"]),
            "n_omitted": int(len(omitted)),
        }
    if "cs_minus" in out and "cs_plus" in out:
        out["cs_plus_minus_joy_hz_last"] = (out["cs_plus"]["joy_hz_last"]
                                            - out["cs_minus"]["joy_hz_last"])
    return out


# ---------------------------------------------------------------------------------------
# Reversal learning
# ---------------------------------------------------------------------------------------

def rescorla_wagner_nll(params, choices, rewards) -> float:
    """Negative log-likelihood of two-option Rescorla-Wagner learning with a softmax.

    ``Q[c] += alpha*(r - Q[c])`` for the chosen option, ``P(1) = 1/(1 + exp(-beta*(Q1 -
    Q0)))``; Q starts at 0.5.
    """
    alpha, beta = params
    q = np.array([0.5, 0.5])
    nll = 0.0
    for c, r in zip(choices, rewards, strict=True):
        z = beta * (q[1] - q[0])
        p1 = 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
        p = p1 if c == 1 else 1.0 - p1
        nll -= math.log(max(p, 1e-12))
        q[c] += alpha * (r - q[c])
    return nll


def rescorla_wagner_fit(choices, rewards, starts=((0.1, 1.0), (0.3, 5.0), (0.7, 10.0),
                                                  (0.05, 20.0))) -> dict:
    """Maximum-likelihood ``alpha`` (0-1) and ``beta`` (0-50) of :func:`rescorla_wagner_nll`
    (L-BFGS-B from several starts); also the log-likelihood of chance and the pseudo-R²."""
    choices = np.asarray(choices, int)
    rewards = np.asarray(rewards, float)
    best = None
    for x0 in starts:
        res = optimize.minimize(rescorla_wagner_nll, x0=np.array(x0), args=(choices, rewards),
                                method="L-BFGS-B", bounds=[(1e-3, 1.0), (0.0, 50.0)])
        if best is None or res.fun < best.fun:
            best = res
    chance = len(choices) * math.log(2)
    return {"alpha": float(best.x[0]), "beta": float(best.x[1]), "nll": float(best.fun),
            "nll_chance": chance, "pseudo_r2": float(1 - best.fun / chance) if chance else 0.0}


def reversal_metrics(df: pd.DataFrame, criterion: int) -> dict:
    """Metrics of a reversal-learning table (``choice``, ``reward``, ``correct``, ``block``,
    ``reversed_after``).

    * accuracy (choices of the currently better option) overall, in the first block, after
      the first reversal (all later trials) and per block;
    * ``trials_to_criterion``: per block, the trials it took to reach ``criterion``
      consecutive correct choices (None when the block ended without it: censored at
      ``max_block`` or the end of the run); after reversals: the blocks after the first;
    * ``perseverative_errors``: per reversal, the consecutive choices of the previously
      correct option right after it;
    * win-stay (same choice after a reward) and lose-shift (other choice after no reward);
    * a Rescorla-Wagner fit of the choices (:func:`rescorla_wagner_fit`).
    """
    choice = df["choice"].to_numpy(int)
    reward = df["reward"].to_numpy(int)
    correct = df["correct"].to_numpy(int)
    block = df["block"].to_numpy(int)
    out: dict = {"n_trials": int(len(df)), "n_reversals": int(df["reversed_after"].sum()),
                 "accuracy": _mean(correct),
                 "accuracy_first_block": _mean(correct[block == 0]),
                 "accuracy_after_first_reversal": _mean(correct[block >= 1]),
                 "rewards": int(reward.sum())}
    blocks = []
    for b in np.unique(block):
        idx = np.flatnonzero(block == b)
        c = correct[idx]
        run, reached = 0, None
        for k, x in enumerate(c):
            run = run + 1 if x else 0
            if run >= criterion:
                reached = k + 1
                break
        pers = 0
        if b > 0:
            for x in c:
                if x:
                    break
                pers += 1
        blocks.append({"block": int(b), "trials": int(len(idx)), "accuracy": _mean(c),
                       "trials_to_criterion": reached,
                       "perseverative_errors": pers if b > 0 else None})
    out["blocks"] = blocks
    later = [x for x in blocks if x["block"] > 0]
    ttc = [x["trials_to_criterion"] for x in later if x["trials_to_criterion"] is not None]
    out["trials_to_criterion_after_reversal"] = _mean(ttc) if ttc else None
    out["reversal_blocks_reaching_criterion"] = f"{len(ttc)}/{len(later)}"
    out["perseverative_errors"] = _mean([x["perseverative_errors"] for x in later]) \
        if later else None
    stay = choice[1:] == choice[:-1]
    prev = reward[:-1]
    out["win_stay"] = _mean(stay[prev == 1]) if (prev == 1).any() else None
    out["lose_shift"] = _mean(~stay[prev == 0]) if (prev == 0).any() else None
    out["rescorla_wagner"] = rescorla_wagner_fit(choice, reward) if len(df) > 1 else None
    return out


# ---------------------------------------------------------------------------------------
# Dispatch: the metrics of any task table
# ---------------------------------------------------------------------------------------

def task_metrics(df: pd.DataFrame, info: dict) -> dict:
    """The summary metrics of a task's per-trial table (``task.parquet``), chosen by the
    task's kind (``info["schedule"]["kind"]``, as in ``meta.json``'s ``task``).

    ``neuroemo run`` passes this to the runner, which writes the result to ``meta.json``;
    for a results folder written without it, use :func:`folder_task_metrics`.
    """
    schedule = info.get("schedule", {})
    kind = schedule.get("kind")
    if kind == "RewardLearning":
        return learning_summary(df, initial_weight_pA=info["initial_weight_pA"])
    if kind == "ProbabilisticReversal":
        return reversal_metrics(df, criterion=int(schedule["criterion"]))
    if kind == "AttentionTask":  # analysis/attention.py
        from analysis.attention import task_summary
        return task_summary(df, info)
    if kind == "FearConditioning":
        from analysis.extinction import extinction_metrics
        return extinction_metrics(df)
    raise ValueError(f"No metrics for task kind {kind!r}.")


def task_run(label: str, run) -> TaskRun:
    """A :class:`TaskRun` of an :class:`analysis.io.Run`; its metrics are computed from its
    table when ``meta.json`` lacks them (a run written without the metrics hook)."""
    table = run.task
    summary = dict(run.meta.get("task") or {})
    if "schedule" in summary and len(summary) <= 2:  # schedule (+ initial weight) only
        summary.update(task_metrics(table, summary))
    return TaskRun(label, run.profile, int(run.meta.get("seed", -1)),
                   dict(run.meta.get("point") or {}), table, summary)


def task_runs(runs) -> dict[str, list[TaskRun]]:
    """The task runs among ``runs`` (an :class:`analysis.io.Runs`), by task kind."""
    out: dict[str, list[TaskRun]] = {}
    for label, run in runs.items():
        if run.is_task:
            tr = task_run(label, run)
            out.setdefault(tr.kind, []).append(tr)
    return out


def folder_task_metrics(folder) -> dict:
    """:func:`task_metrics` of a results folder (its ``task.parquet`` and ``meta.json``)."""
    trials, info = load_task(folder)
    return task_metrics(trials, info)


def load_task(folder) -> tuple[pd.DataFrame, dict]:
    """A task run's per-trial table (``task.parquet``) and ``meta.json``'s ``task``.

    >>> trials, summary = load_task("results/reversal_learning/healthy")  # doctest: +SKIP
    >>> trials.groupby("block").correct.mean()  # doctest: +SKIP
    """
    import json
    from pathlib import Path

    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text())
    return pd.read_parquet(folder / "task.parquet"), meta.get("task") or {}


# ---------------------------------------------------------------------------------------
# Figures and headline metrics of the two tasks here (analysis.task_report collects all)
# ---------------------------------------------------------------------------------------

def _by_profile(runs: Sequence[TaskRun]) -> dict[str, list[TaskRun]]:
    out: dict[str, list[TaskRun]] = {}
    for r in runs:
        out.setdefault(r.profile, []).append(r)
    return out


def _band(ax, x, rows: np.ndarray, label: str, color=None, unit: str = "runs") -> None:
    """Mean over rows (runs) with a 95 % CI band (t, over rows) where there are several."""
    mean = np.nanmean(rows, axis=0)
    line, = ax.plot(x, mean, label=f"{label} ({len(rows)} {unit})", color=color)
    if len(rows) > 1:
        n = np.sum(np.isfinite(rows), axis=0)
        se = np.nanstd(rows, axis=0, ddof=1) / np.sqrt(np.maximum(n, 1))
        h = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * se
        ax.fill_between(x, mean - h, mean + h, color=line.get_color(), alpha=0.2, lw=0)


def _per_trial(runs: Sequence[TaskRun], column: str, where=None) -> tuple[np.ndarray, np.ndarray]:
    """``column`` against the trial's rank among the selected rows, one row per run."""
    series = []
    for r in runs:
        d = r.table if where is None else r.table[where(r.table)]
        series.append(d[column].to_numpy(float))
    n = max((len(x) for x in series), default=0)
    rows = np.full((len(series), n), np.nan)
    for k, x in enumerate(series):
        rows[k, :len(x)] = x
    return np.arange(1, n + 1), rows


def reward_learning_figure(runs: Sequence[TaskRun]) -> Figure:
    """Reward learning: the joy channel's cue-evoked rate, the cue -> joy weight and the
    critic's prediction errors against trial (CS+ trials; CS- dashed), mean over seeds per
    profile with 95 % CI bands."""
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    ax = fig.subplots(1, 3)
    for k, (profile, rs) in enumerate(_by_profile(runs).items()):
        color = f"C{k}"
        plus = lambda d: d["cue"] == 0  # noqa: E731
        minus = lambda d: d["cue"] == 1  # noqa: E731
        x, y = _per_trial(rs, "cs_joy_evoked_hz", plus)
        _band(ax[0], x, y, profile, color)
        x, y = _per_trial(rs, "cs_joy_evoked_hz", minus)
        if y.size:
            ax[0].plot(x, np.nanmean(y, axis=0), ls="--", color=color, lw=0.8)
        x, y = _per_trial(rs, "w_cue0_joy_pA", plus)
        _band(ax[1], x, y, profile, color)
        x, y = _per_trial(rs, "delta_cue", lambda d: (d["cue"] == 0) & (d["reward"] == 1))
        _band(ax[2], x, y, f"{profile} cue", color)
        x, y = _per_trial(rs, "delta_outcome", lambda d: (d["cue"] == 0) & (d["reward"] == 1))
        ax[2].plot(x, np.nanmean(y, axis=0), ls=":", color=color)
    ax[0].set(xlabel="CS+ trial", ylabel="joy MSNs, cue-evoked (Hz)",
              title="Cue response (CS- dashed)")
    ax[1].set(xlabel="CS+ trial", ylabel="CS+ -> joy weight (pA)", title="Task projection")
    ax[2].set(xlabel="rewarded CS+ trial", ylabel="prediction error",
              title="Critic: at cue (solid), at reward (dotted)")
    ax[0].legend(fontsize=7)
    return fig


def reversal_figure(runs: Sequence[TaskRun], before: int = 10, after: int = 25) -> Figure:
    """Reversal learning: accuracy around each reversal (trial 0 = the first trial after
    it; dashed line) and win-stay / lose-shift, mean over seeds per profile (95 % CI)."""
    fig = Figure(figsize=(10, 3.4), layout="constrained")
    ax = fig.subplots(1, 2, width_ratios=[2, 1])
    lags = np.arange(-before, after)
    profiles = _by_profile(runs)
    for k, (profile, rs) in enumerate(profiles.items()):
        rows = []
        for r in rs:
            correct = r.table["correct"].to_numpy(float)
            for end in np.flatnonzero(r.table["reversed_after"].to_numpy() == 1):
                idx = end + 1 + lags
                ok = (idx >= 0) & (idx < len(correct))
                row = np.full(len(lags), np.nan)
                row[ok] = correct[idx[ok]]
                rows.append(row)
        if rows:
            _band(ax[0], lags, np.array(rows), profile, f"C{k}", unit="reversals")
        ws = [r.summary.get("win_stay") for r in rs]
        ls = [r.summary.get("lose_shift") for r in rs]
        for j, vals in enumerate((ws, ls)):
            v = np.array([x for x in vals if x is not None], float)
            if len(v):
                ax[1].bar(j * (len(profiles) + 1) + k, v.mean(), color=f"C{k}",
                          yerr=v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else None)
    ax[0].axvline(-0.5, color="k", ls="--", lw=0.8)
    ax[0].axhline(0.5, color="grey", lw=0.5)
    ax[0].set(xlabel="trial after reversal", ylabel="P(correct)", ylim=(0, 1),
              title="Accuracy around reversals (dashed: reversal)")
    ax[0].legend(fontsize=7)
    n = len(profiles)
    ax[1].set_xticks([(n - 1) / 2, n + 1 + (n - 1) / 2], ["win-stay", "lose-shift"])
    ax[1].set(ylim=(0, 1), title="Feedback (mean ± s.e.m.)")
    return fig


def reward_learning_row(summary: dict) -> dict[str, float]:
    """Headline metrics of a reward-learning run."""
    plus = summary.get("cs_plus", {})
    critic = summary.get("critic", {})
    return {"cs_plus_joy_evoked_first_hz": plus.get("joy_evoked_hz_first", math.nan),
            "cs_plus_joy_evoked_last_hz": plus.get("joy_evoked_hz_last", math.nan),
            "w_cs_plus_joy_change_pA": summary.get("w_cs_plus_joy_change_pA", math.nan),
            "delta_cue_last": critic.get("delta_cue_last", math.nan),
            "delta_outcome_last": critic.get("delta_outcome_last", math.nan),
            "delta_outcome_omitted": critic.get("delta_outcome_omitted", math.nan)}


def reversal_row(summary: dict) -> dict[str, float]:
    """Headline metrics of a reversal-learning run."""
    rw = summary.get("rescorla_wagner") or {}

    def num(x):
        return math.nan if x is None else float(x)

    return {"accuracy_first_block": num(summary.get("accuracy_first_block")),
            "accuracy_after_first_reversal": num(summary.get("accuracy_after_first_reversal")),
            "trials_to_criterion_after_reversal":
                num(summary.get("trials_to_criterion_after_reversal")),
            "perseverative_errors": num(summary.get("perseverative_errors")),
            "win_stay": num(summary.get("win_stay")),
            "lose_shift": num(summary.get("lose_shift")),
            "rw_alpha": num(rw.get("alpha")), "rw_beta": num(rw.get("beta"))}
