"""Metrics of the attention task (analysis.attention), on made-up tables: no simulation.

d' from the ROC against the closed form for equal-variance Gaussian counts, the AUC against
counting every pair, premature responses against a hand-made foreperiod, and the summary,
row and figure on a table with a known effect."""

from __future__ import annotations

import math
from collections import namedtuple
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from analysis.attention import (
    attention_metrics,
    auc,
    d_prime,
    d_prime_from_auc,
    figure,
    metric_row,
    premature_responses,
)
from analysis.tasks import task_metrics


@pytest.mark.parametrize("true_d", [0.0, 0.5, 1.0, 2.0])
def test_d_prime_of_gaussian_counts_matches_the_closed_form(true_d):
    rng = np.random.default_rng(4)
    sigma, mu0 = 3.0, 40.0
    neg = rng.normal(mu0, sigma, 20000)
    pos = rng.normal(mu0 + true_d * sigma, sigma, 15000)
    # closed form: AUC = Phi(d / sqrt 2)
    assert auc(pos, neg) == pytest.approx(NormalDist().cdf(true_d / math.sqrt(2)), abs=0.01)
    assert d_prime(pos, neg) == pytest.approx(true_d, abs=0.05)
    # d' of the ROC does not depend on a monotone transform of the counts
    assert d_prime(np.exp(pos / 10), np.exp(neg / 10)) == pytest.approx(d_prime(pos, neg))


def test_auc_counts_every_pair_with_ties_as_half():
    rng = np.random.default_rng(1)
    pos, neg = rng.poisson(5, 37), rng.poisson(4, 23)  # integer counts: many ties
    pairs = [(1.0 if x > y else 0.5 if x == y else 0.0) for x in pos for y in neg]
    assert auc(pos, neg) == pytest.approx(np.mean(pairs))
    assert auc(neg, pos) == pytest.approx(1 - np.mean(pairs))
    assert math.isnan(auc([], neg))


def test_perfect_separation_gives_a_finite_d_prime():
    d = d_prime([10, 11, 12], [1, 2, 3])
    assert np.isfinite(d) and d > 2
    assert d == pytest.approx(math.sqrt(2) * NormalDist().inv_cdf(1 - 0.5 / 9))
    assert d_prime([1, 2, 3], [10, 11, 12]) == pytest.approx(-d)
    assert math.isnan(d_prime_from_auc(0.7, 0, 5))


def _table(rng, n_per_cell=40, d=(1.5, 1.2, 0.4), fore=((2.0, 2.0), (5.0, 2.0), (2.0, 5.0))):
    rows = []
    for k, cond in enumerate(("none", "neutral", "threat")):
        for target in (0, 1):
            for _ in range(n_per_cell):
                rows.append({"distractor": cond, "target": target,
                             "readout_hz": rng.normal(3.0 + target * d[k] * 0.4, 0.4),
                             "fore0_hz": fore[k % 3][0], "fore1_hz": fore[k % 3][1]})
    return pd.DataFrame(rows)


def test_premature_responses_count_foreperiod_windows_at_the_criterion():
    df = pd.DataFrame({"fore0_hz": [1.0, 4.0, 4.0, 3.5], "fore1_hz": [1.0, 1.0, 5.0, 3.49],
                       "fore2_hz": [9.0, 1.0, 5.0, 0.0]})
    assert list(premature_responses(df, 3.5)) == [1, 1, 3, 1]  # ">=": 3.5 counts
    assert np.isnan(premature_responses(df, math.nan)).all()


def test_summary_of_a_table_with_a_known_effect():
    df = _table(np.random.default_rng(2))
    out = attention_metrics(df, criterion_hz=4.0)
    dp = out["d_prime"]
    assert dp["none"] == pytest.approx(1.5, abs=0.5)
    assert dp["neutral"] > dp["threat"]
    assert out["threat_interference"] == pytest.approx(dp["neutral"] - dp["threat"])
    # foreperiod windows: none (2, 2) -> 0, neutral (5, 2) -> 1, threat (2, 5) -> 1 per trial
    assert out["premature"]["per_trial"] == pytest.approx(2 / 3)
    assert out["premature"]["trials_with_any"] == pytest.approx(2 / 3)
    assert out["premature"]["window_rate"] == pytest.approx(1 / 3)
    acc = out["accuracy"]["none"]
    assert acc == pytest.approx((out["hit_rate"]["none"] + 1
                                 - out["false_alarm_rate"]["none"]) / 2)
    # dispatch from analysis.tasks with the criterion of the run's schedule
    via = task_metrics(df, {"schedule": {"kind": "AttentionTask",
                                         "response_criterion_hz": 4.0}})
    assert via["d_prime"] == dp
    row = metric_row(out)
    assert row["d_prime_threat"] == dp["threat"]
    assert row["premature_per_trial"] == pytest.approx(2 / 3)
    assert all(isinstance(v, float) for v in row.values())


def test_figure_draws_ne_curve_and_profiles():
    import matplotlib

    matplotlib.use("Agg")
    TaskRun = namedtuple("TaskRun", "label profile seed point table summary")
    rng = np.random.default_rng(3)
    runs = []
    for seed in (1, 2):
        for ne in (0.1, 0.5, 0.9):
            runs.append(TaskRun(f"ne{ne}", "healthy", seed, {"norepinephrine": ne}, None,
                                attention_metrics(_table(rng, 10), 4.0)))
        for p in ("healthy", "anxious"):
            runs.append(TaskRun(p, p, seed, {}, None, attention_metrics(_table(rng, 10), 4.0)))
    fig = figure(runs)
    assert len(fig.axes) == 3
    assert fig.axes[0].get_lines()  # the NE curve was drawn


def test_figure_of_an_ne_sweep_alone_plots_the_observer_against_ne():
    """With no per-profile runs, the two profile panels show premature responses and the
    fixed-criterion accuracy against NE instead of staying empty."""
    import matplotlib

    matplotlib.use("Agg")
    TaskRun = namedtuple("TaskRun", "label profile seed point table summary")
    rng = np.random.default_rng(4)
    runs = [TaskRun(f"ne{ne}", "healthy", seed, {"norepinephrine": ne}, None,
                    attention_metrics(_table(rng, 10), 4.0))
            for seed in (1, 2) for ne in (0.1, 0.5, 0.9)]
    fig = figure(runs)
    for ax in fig.axes:
        x = ax.get_lines()[0].get_xdata()
        assert list(x) == [0.1, 0.5, 0.9]
    assert "accuracy" in fig.axes[2].get_ylabel()
