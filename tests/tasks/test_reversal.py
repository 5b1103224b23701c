"""Probabilistic reversal learning (issue 22, item 3), run as a point of a sweep (how
``neuroemo sweep`` runs the 20-seed comparisons): the healthy profile learns the task and
its reversal, and the point's folder holds ``task.parquet`` and the task's metrics in
``meta.json``."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from brian2 import ms

from analysis.tasks import task_metrics
from brainsim import Protocol
from brainsim.experiment.tasks import ProbabilisticReversal
from brainsim.sweep import Sweep, run_point

pytestmark = [pytest.mark.slow, pytest.mark.cpp_standalone]

#: one reversal, after trial 40 (no criterion): accuracy after it is measured over 40 trials
TASK = ProbabilisticReversal(n_trials=80, criterion=10**6, max_block=40)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reversal")
    protocol = Protocol(name="reversal", profile="healthy", duration=TASK.duration,
                        dt=0.5 * ms, seed=1, task=TASK)
    sweep = Sweep(protocol, points=[{"profile": "healthy", "seed": 1}])
    folder = run_point(sweep, 0, out, task_metrics=task_metrics)
    return (pd.read_parquet(folder / "task.parquet"),
            json.loads((folder / "meta.json").read_text()))


def test_results_folder_holds_the_task(run):
    df, meta = run
    assert len(df) == TASK.n_trials
    assert list(df["trial"]) == list(range(TASK.n_trials))
    for column in ("choice", "reward", "correct", "block", "value", "delta_outcome",
                   "spikes_action0", "w_action0_pA", "da_outcome"):
        assert column in df
    summary = meta["task"]
    assert summary["n_reversals"] == 2  # after trials 40 and 80
    assert summary["schedule"]["kind"] == "ProbabilisticReversal"
    for key in ("win_stay", "lose_shift", "perseverative_errors", "rescorla_wagner"):
        assert key in summary
    assert meta["protocol"]["task"]["n_trials"] == TASK.n_trials
    assert meta["point"] == {"profile": "healthy", "seed": 1}


def test_healthy_learns_and_reverses(run):
    df, meta = run
    summary = meta["task"]
    assert summary["accuracy_first_block"] > 0.7
    assert summary["accuracy_after_first_reversal"] > 0.7  # measured 0.88 (seed 1)
    rw = summary["rescorla_wagner"]
    assert rw["pseudo_r2"] > 0.2 and rw["beta"] > 1.0
    # rewards came 80/20 on the choice
    rate = df.groupby("correct")["reward"].mean()
    assert rate[1] > rate[0]
