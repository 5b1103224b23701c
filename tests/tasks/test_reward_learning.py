"""Reward learning with the learned critic (issue 22, items 1-2), on one C++ build.

The critic's dopamine moves from the reward to the cue over trials and dips at an omitted
reward; the cue's input to the joy channel grows with the rewards; the plasticity's timing
window: dopamine 0.6 s after the pairing changes the weights much more than 5 s after it.
(Yagishita et al. 2014 found no effect at ~5 s; the model keeps ~1/3 of it there, from the
eligibility that chance coincidences build outside the pairing: docs/tasks.md. The test
holds the model to what it does, the docs report the disagreement.)
"""

from __future__ import annotations

import pytest
from brian2 import ms

from analysis.tasks import task_metrics
from brainsim import Protocol
from brainsim.experiment.tasks import RewardLearning
from brainsim.experiment.tasks.batch import run_many

pytestmark = [pytest.mark.slow, pytest.mark.cpp_standalone]

#: 20 trials of 2.4 s = 48 s = 6 trials of 8 s: one build for both schedules
CRITIC = RewardLearning(n_trials=20)


def window(delay_s):
    return RewardLearning(n_trials=6, trial_s=8.0, cs_minus=False, omissions=0,
                          critic_alpha=0.0, dopamine_delay_s=delay_s)


@pytest.fixture(scope="module")
def runs():
    protocols = [Protocol(name="critic", profile="healthy", duration=CRITIC.duration,
                          dt=0.5 * ms, seed=1, task=CRITIC)]
    protocols += [Protocol(name=f"window{d}", profile="healthy", duration=window(d).duration,
                           dt=0.5 * ms, seed=1, task=window(d)) for d in (0.6, 5.0)]
    return {p.name: (df, {**info, **task_metrics(df, info)})
            for p, df, info, _, _ in run_many(protocols)}


def test_critic_dopamine_moves_from_reward_to_cue(runs):
    df, summary = runs["critic"]
    plus = df[(df["cue"] == 0) & (df["reward"] == 1)]
    first, last = plus.head(2), plus.tail(2)
    # the prediction error of the compiled critic ...
    assert first["delta_outcome"].mean() > 0.7
    assert last["delta_outcome"].mean() < first["delta_outcome"].mean() - 0.3
    assert last["delta_cue"].mean() > first["delta_cue"].mean() + 0.2
    # ... is the striatum's phasic dopamine
    assert last["da_cue"].mean() > first["da_cue"].mean() + 0.1
    assert last["da_outcome"].mean() < first["da_outcome"].mean() - 0.15
    # an omitted reward: a dip below the tonic level
    omitted = df[(df["cue"] == 0) & (df["reward"] == 0)]
    assert len(omitted) >= 1
    assert (omitted["delta_outcome"] < -0.4).all()
    assert (omitted["da_outcome"] < -0.15).all()
    # the CS- never predicts a reward: no burst at it late in training
    minus = df[df["cue"] == 1]
    assert minus["delta_cue"].tail(3).mean() < 0.05


def test_rewarded_cue_drives_joy_more(runs):
    df, summary = runs["critic"]
    w0 = summary["initial_weight_pA"]
    last = df.iloc[-1]
    assert last["w_cue0_joy_pA"] > w0 + 2.0  # the CS+ -> joy input grew
    assert last["w_cue0_joy_pA"] > last["w_cue0_other_pA"]  # more onto joy than elsewhere
    assert last["w_cue0_joy_pA"] > last["w_cue1_joy_pA"]  # and more than the CS-'s


def test_plasticity_timing_window(runs):
    def change(name):
        df, summary = runs[name]
        return df["w_cue0_joy_pA"].iloc[-1] - summary["initial_weight_pA"]
    early, late = change("window0.6"), change("window5.0")
    assert early > 1.0
    assert abs(late) < 0.5 * early  # measured: 11.2 and 3.7 pA (seed 1)


def test_reward_learning_figure_and_headline_metrics(runs):
    from analysis.task_report import TASKS, metric_table
    from analysis.tasks import TaskRun

    df, summary = runs["critic"]
    run = TaskRun("critic", "healthy", 1, {}, df, summary)
    title, figure, row = TASKS["RewardLearning"]
    fig = figure([run])
    assert len(fig.axes) == 3 and all(ax.lines for ax in fig.axes)
    table = metric_table([run]).set_index("metric")
    assert table.loc["delta_outcome_omitted", "mean"] == pytest.approx(
        summary["critic"]["delta_outcome_omitted"])
    assert table.loc["w_cs_plus_joy_change_pA", "n"] == 1
