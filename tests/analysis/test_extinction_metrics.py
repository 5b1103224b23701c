"""The fear task's metrics (analysis.extinction) on hand-made per-trial tables: no simulation."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis.extinction import METRICS, curves, extinction_metrics, figure, metric_row
from analysis.tasks import task_metrics

matplotlib.use("Agg")


def table(hab=(0.1, 0.1), cond_plus=(0.5, 1.0, 2.0, 2.0, 2.0), cond_minus=(0.5, 0.5, 0.5),
          ext_plus=(2.0, 1.5, 1.0, 0.5, 0.5, 0.5), ext_minus=(0.4, 0.3, 0.2),
          recall=(1.0, 1.0)) -> pd.DataFrame:
    rows = []
    for phase, cs, values in (("habituation", "CS+", hab), ("habituation", "CS-", hab),
                              ("conditioning", "CS+", cond_plus),
                              ("conditioning", "CS-", cond_minus),
                              ("extinction", "CS+", ext_plus), ("extinction", "CS-", ext_minus),
                              ("recall", "CS+", recall)):
        rows += [{"phase": phase, "cs": cs, "response_hz": v} for v in values]
    df = pd.DataFrame(rows)
    df["trial"] = np.arange(len(df))
    return df


def test_metrics_of_a_known_table():
    m = extinction_metrics(table(), n_edge=3)
    assert m["cs_plus_conditioned_hz"] == pytest.approx(2.0)
    assert m["cs_minus_conditioned_hz"] == pytest.approx(0.5)
    assert m["discrimination_hz"] == pytest.approx(1.5)
    assert m["cs_plus_extinction_start_hz"] == pytest.approx(1.5)
    assert m["cs_plus_extinction_end_hz"] == pytest.approx(0.5)
    assert m["extinction_index"] == pytest.approx(0.75)  # (2 - 0.5) / 2
    assert m["recall_cs_plus_hz"] == pytest.approx(1.0)
    assert m["recall_ratio"] == pytest.approx(0.5)
    assert m["extinction_retention"] == pytest.approx(0.5)
    assert m["spontaneous_recovery_hz"] == pytest.approx(0.5)
    assert m["cs_minus_conditioning_hz"] == pytest.approx(0.5)
    assert m["cs_minus_extinction_hz"] == pytest.approx(0.3)
    assert m["extinction_cs_plus_hz"] == pytest.approx(1.0)
    assert m["extinction_both_hz"] == pytest.approx((6.0 + 0.9) / 9.0)


def test_order_follows_the_trial_column():
    df = table().sample(frac=1.0, random_state=3)  # rows shuffled, trial numbers kept
    assert extinction_metrics(df)["cs_plus_extinction_end_hz"] == pytest.approx(0.5)


def test_no_extinction_and_no_conditioning():
    flat = extinction_metrics(table(ext_plus=(2.0, 2.0, 2.0), recall=(2.0,)))
    assert flat["extinction_index"] == pytest.approx(0.0)
    assert flat["recall_ratio"] == pytest.approx(1.0)
    # conditioning raised nothing: relative measures are undefined, not infinite
    none = extinction_metrics(table(cond_plus=(0.0, 0.0, -0.1)))
    assert math.isnan(none["extinction_index"]) and math.isnan(none["recall_ratio"])
    assert math.isfinite(none["discrimination_hz"])


def test_missing_phase_gives_nan():
    df = table()
    m = extinction_metrics(df[df["phase"] != "recall"])
    assert math.isnan(m["recall_cs_plus_hz"]) and math.isnan(m["recall_ratio"])


def test_dispatch_and_metric_row():
    m = task_metrics(table(), {"schedule": {"kind": "FearConditioning"}})
    row = metric_row(m)
    assert set(row) == set(METRICS)
    assert row["extinction_index"] == pytest.approx(0.75)
    assert math.isnan(metric_row({})["discrimination_hz"])


def test_curves_and_figure():
    c = curves(table())
    # phases one after the other: conditioning starts after the 2 habituation trials
    assert c.loc[c["phase"] == "conditioning", "x"].min() == 2
    assert c.loc[c["phase"] == "recall", "x"].min() == 2 + 5 + 6

    class Run:
        def __init__(self, profile, seed):
            self.profile, self.seed, self.table = profile, seed, table()

    fig = figure([Run("healthy", 1), Run("healthy", 2), Run("anxious", 1)])
    assert len(fig.axes) == 2
    assert len(fig.axes[0].get_lines()) >= 2
