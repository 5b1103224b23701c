"""The task part of `neuroemo report`: a figure and a per-profile metric table (mean and
95 % CI over seeds) for task runs, on synthetic Rescorla-Wagner agents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import load_runs
from analysis.contrasts import difference_ci
from analysis.task_report import TASKS, contrast_table, contrast_text, metric_table, wide_text
from analysis.tasks import task_runs
from analysis.testing import add_synthetic_reversal, write_synthetic_run
from brainsim.cli import main

AGENTS = {"healthy": (0.5, 8.0), "depressed": (0.5, 2.0)}  # same alpha, lower beta
SEEDS = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def task_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("tasks") / "reversal"
    for profile, (alpha, beta) in AGENTS.items():
        for seed in SEEDS:
            folder = root / f"{profile}-{seed}"
            write_synthetic_run(folder, profile=profile, seed=seed, duration_ms=500.0)
            add_synthetic_reversal(folder, alpha=alpha, beta=beta, seed=seed)
    return root


def test_metric_table_is_mean_and_t_interval_over_seeds(task_folder):
    runs = task_runs(load_runs(task_folder))
    assert set(runs) == {"ProbabilisticReversal"}
    rs = runs["ProbabilisticReversal"]
    assert len(rs) == len(AGENTS) * len(SEEDS)
    table = metric_table(rs)
    row = table[(table.profile == "healthy") & (table.metric == "win_stay")].iloc[0]
    x = np.array([r.summary["win_stay"] for r in rs if r.profile == "healthy"])
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert row["n"] == len(SEEDS)
    assert row["mean"] == pytest.approx(x.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    # the fit separates the agents by their inverse temperature, not their learning rate
    beta = table[table.metric == "rw_beta"].set_index("profile")["mean"]
    assert beta["healthy"] > 2 * beta["depressed"]
    acc = table[table.metric == "accuracy_first_block"].set_index("profile")["mean"]
    assert acc["healthy"] > acc["depressed"]
    wide = wide_text(table)
    assert sorted(wide["profile"]) == sorted(AGENTS)
    assert {"n", "win_stay", "rw_beta"} <= set(wide.columns)


def test_contrast_table_is_welch_difference_to_healthy(task_folder):
    rs = task_runs(load_runs(task_folder))["ProbabilisticReversal"]
    table = contrast_table(rs)
    assert set(table.profile) == {"depressed"} and set(table.reference) == {"healthy"}
    row = table[table.metric == "rw_beta"].iloc[0]
    row_of = TASKS["ProbabilisticReversal"][2]
    a = [row_of(r.summary)["rw_beta"] for r in rs if r.profile == "depressed"]
    b = [row_of(r.summary)["rw_beta"] for r in rs if r.profile == "healthy"]
    expected = difference_ci(a, b)
    assert row["diff"] == pytest.approx(expected.diff)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.ci_low, expected.ci_high))
    assert row["ci_high"] < 0  # beta 2 against 8: the depressed agent is less consistent
    assert row["n"] == row["n_reference"] == len(SEEDS)
    text = contrast_text(table)
    assert list(text.columns) == ["metric", "depressed"]
    assert text.set_index("metric").loc["rw_beta", "depressed"].startswith("-")
    # no reference profile among the runs: no contrasts
    assert contrast_table([r for r in rs if r.profile == "depressed"]).empty


def test_report_draws_the_task_figure_and_table(task_folder, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", str(task_folder), "--no-run-figures", "--out", str(out)]) == 0
    assert (out / "task_ProbabilisticReversal.png").stat().st_size > 10_000
    csv = pd.read_csv(out / "task_ProbabilisticReversal.csv")
    assert set(csv.profile) == set(AGENTS) and csv.n.max() == len(SEEDS)
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for text in (md, html):
        assert "Probabilistic reversal learning" in text and "lose_shift" in text
        assert "task_ProbabilisticReversal.png" in text
        assert "difference to healthy" in text
    vs = pd.read_csv(out / "task_ProbabilisticReversal_vs_healthy.csv")
    assert set(vs.profile) == {"depressed"} and "cohen_d" in vs


def test_a_run_without_a_task_has_no_task_table(tmp_path):
    from brainsim.errors import ResultsError

    write_synthetic_run(tmp_path / "plain", profile="healthy", seed=1, duration_ms=200.0)
    run = load_runs(tmp_path / "plain")[0]
    assert not run.is_task
    with pytest.raises(ResultsError, match="not a task run"):
        _ = run.task


def test_tables_of_a_sweep_over_a_parameter_keep_it_as_a_condition(tmp_path):
    """An NE sweep (one profile, a swept parameter) used to crash the report's table."""
    root = tmp_path / "ne"
    for ne, beta in ((0.3, 2.0), (0.7, 8.0)):
        for seed in (1, 2, 3):
            for profile in ("healthy", "anxious"):
                folder = root / f"{profile}-ne{ne}-{seed}"
                write_synthetic_run(folder, profile=profile, seed=seed, duration_ms=300.0,
                                    point={"norepinephrine": ne, "seed": seed})
                add_synthetic_reversal(folder, alpha=0.5, beta=beta, seed=seed)
    for seed in (1, 2, 3):  # and a profile sweep beside it: no NE in its points
        for profile in ("healthy", "anxious"):
            folder = root / f"{profile}-{seed}"
            write_synthetic_run(folder, profile=profile, seed=seed, duration_ms=300.0,
                                point={"profile": profile, "seed": seed})
            add_synthetic_reversal(folder, alpha=0.5, beta=4.0, seed=seed)
    rs = [r for r in task_runs(load_runs(root))["ProbabilisticReversal"]
          if "norepinephrine" in r.point]
    table = metric_table(rs)
    assert {"profile", "norepinephrine"} <= set(table.columns)
    assert set(table[table.metric == "win_stay"].n) == {3}
    assert len(table.groupby(["profile", "norepinephrine"])) == 4
    beta = table[table.metric == "rw_beta"].set_index(["profile", "norepinephrine"])["mean"]
    assert beta[("healthy", 0.7)] > 2 * beta[("healthy", 0.3)]
    contrasts = contrast_table(rs)
    # anxious against healthy at the same NE level, never across levels
    assert sorted(contrasts.norepinephrine.unique()) == [0.3, 0.7]
    assert set(contrasts.profile) == {"anxious"}
    assert set(contrasts[contrasts.metric == "win_stay"].n_reference) == {3}
    both = task_runs(load_runs(root))["ProbabilisticReversal"]
    mixed = contrast_table(both)
    assert mixed.norepinephrine.isna().any()  # the profile sweep's own contrast
    assert set(mixed[mixed.metric == "win_stay"].n_reference) == {3}
    assert "anxious" in list(contrast_text(mixed).columns)
    assert "anxious, norepinephrine=0.3" in list(contrast_text(mixed).columns)
    out = tmp_path / "rep"
    assert main(["report", str(root), "--no-run-figures", "--out", str(out)]) == 0
    assert "norepinephrine" in pd.read_csv(out / "task_ProbabilisticReversal.csv")
