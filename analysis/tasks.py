"""Metrics of the closed-loop tasks (issue 22), on their per-trial tables (``task.parquet``).

Pure numpy / pandas / scipy: they work on a loaded run (``load_run(...).task`` or
``pd.read_parquet(folder / "task.parquet")``) as well as inside the runner.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats


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
    if kind == "FearConditioning":
        from analysis.extinction import extinction_metrics
        return extinction_metrics(df)
    raise ValueError(f"No metrics for task kind {kind!r}.")


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
