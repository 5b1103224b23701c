"""Means and differences with 95 % intervals (analysis.contrasts) against scipy's own."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analysis.contrasts import difference_ci, mean_ci


def test_mean_ci_is_the_student_t_interval_and_drops_non_finite_values():
    x = np.array([1.0, 2.5, 3.0, 4.5, np.nan, np.inf])
    m = mean_ci(x)
    finite = x[np.isfinite(x)]
    lo, hi = stats.t.interval(0.95, len(finite) - 1, loc=finite.mean(),
                              scale=stats.sem(finite))
    assert m.n == 4
    assert m.mean == pytest.approx(finite.mean())
    assert (m.ci_low, m.ci_high) == pytest.approx((lo, hi))


def test_mean_ci_of_one_or_no_value():
    assert mean_ci([2.0]).mean == 2.0 and math.isnan(mean_ci([2.0]).ci_low)
    assert mean_ci([]).n == 0 and math.isnan(mean_ci(["x"]).mean)


def test_difference_is_welch_with_cohen_d():
    rng = np.random.default_rng(3)
    a, b = rng.normal(1.0, 1.0, 20), rng.normal(0.0, 2.0, 25)
    d = difference_ci(a, b)
    welch = stats.ttest_ind(a, b, equal_var=False)
    lo, hi = welch.confidence_interval(0.95)
    assert d.diff == pytest.approx(a.mean() - b.mean())
    assert (d.ci_low, d.ci_high) == pytest.approx((lo, hi))
    assert d.p_welch == pytest.approx(welch.pvalue)
    pooled = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert d.cohen_d == pytest.approx((a.mean() - b.mean()) / pooled)
    assert (d.n_a, d.n_b) == (20, 25)


def test_difference_needs_two_values_per_group_and_handles_zero_variance():
    short = difference_ci([1.0], [1.0, 2.0])
    assert math.isnan(short.diff) and (short.n_a, short.n_b) == (1, 2)
    flat = difference_ci([2.0, 2.0, 2.0], [1.0, 1.0])
    assert (flat.diff, flat.ci_low, flat.ci_high) == (1.0, 1.0, 1.0)
    assert math.isnan(flat.cohen_d)
