"""Means and differences of means over independent runs, with 95 % confidence intervals.

The statistics every task table and profile contrast in the project uses (``neuroemo
report``, ``benchmarks/``), kept in one place so that docs quoting either agree:

* :func:`mean_ci`: mean and Student-t 95 % interval over runs;
* :func:`difference_ci`: difference of two means with Welch's 95 % interval (unequal
  variances, Welch-Satterthwaite degrees of freedom), Cohen's d (pooled SD of the two
  groups) and Welch's two-sided p.

Non-finite values (a metric undefined for a run, e.g. trials to criterion when no block
reached it) are left out and the counts say how many remained.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["MeanCI", "Difference", "mean_ci", "difference_ci"]


class MeanCI(NamedTuple):
    """Mean over runs with its 95 % t interval (NaN bounds with fewer than 2 values)."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    def signed(self, digits: int = 2) -> str:
        """``"+m [+lo, +hi]"``, the form the docs quote changes in."""
        return f"{self.mean:+.{digits}f} [{self.ci_low:+.{digits}f}, {self.ci_high:+.{digits}f}]"


class Difference(NamedTuple):
    """``a - b`` with Welch's 95 % interval, Cohen's d and Welch's p."""

    diff: float
    ci_low: float
    ci_high: float
    cohen_d: float
    p_welch: float
    n_a: int
    n_b: int


def _finite(x) -> np.ndarray:
    values = pd.to_numeric(pd.Series(np.asarray(x, dtype=object).ravel()), errors="coerce")
    arr = values.to_numpy(float)
    return arr[np.isfinite(arr)]


def mean_ci(x) -> MeanCI:
    """Mean of ``x`` and its 95 % Student-t confidence interval.

    Parameters
    ----------
    x : array_like
        One value per run; non-numeric and non-finite values are dropped.

    Returns
    -------
    MeanCI
    """
    x = _finite(x)
    if len(x) == 0:
        return MeanCI(math.nan, math.nan, math.nan, 0)
    m = float(x.mean())
    if len(x) < 2:
        return MeanCI(m, math.nan, math.nan, 1)
    h = float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return MeanCI(m, m - h, m + h, len(x))


def difference_ci(a, b) -> Difference:
    """Difference of means ``a - b`` with Welch's 95 % CI, Cohen's d and Welch's p.

    Parameters
    ----------
    a, b : array_like
        One value per run of each group (independent runs; not paired).

    Returns
    -------
    Difference
        All NaN but the counts when a group has fewer than two finite values. With zero
        variance in both groups the interval collapses to the difference and d, p are NaN.
    """
    a, b = _finite(a), _finite(b)
    if len(a) < 2 or len(b) < 2:
        return Difference(math.nan, math.nan, math.nan, math.nan, math.nan, len(a), len(b))
    d = float(a.mean() - b.mean())
    if a.var() == 0 and b.var() == 0:
        return Difference(d, d, d, math.nan, math.nan, len(a), len(b))
    welch = stats.ttest_ind(a, b, equal_var=False)
    low, high = welch.confidence_interval(0.95)
    pooled = math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    return Difference(d, float(low), float(high), d / pooled, float(welch.pvalue),
                      len(a), len(b))
