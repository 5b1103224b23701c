"""Fear conditioning and extinction (issue 22, item 3) on one C++ build, healthy profile.

Conditioning (CS+ paired with the US, CS- not) raises the amygdala's response to the CS+
over its response to the CS- and over its own pre-conditioning level, through the CS+'s
thalamus -> BLA weights; extinction (no US) lowers the CS+ response again, through the
IL -> amygdala interneuron weights the omitted US's dopamine potentiates. Small trial
counts: the protocol's schedule (44 trials of 2.5 s and a 10 s delay, 120 s; 6 conditioning
and 6 extinction trials per CS were too few for the extinction's drop to stand out of the
trial-to-trial noise: 1.42 -> 1.21 Hz, seed 1), two tuning seeds (1, 2: the seeds the
parameters were fixed on); the numbers over 20 other seeds are in docs/tasks.md.
"""

from __future__ import annotations

import pytest
from brian2 import ms

from analysis.tasks import task_metrics
from brainsim import Protocol
from brainsim.experiment.tasks import FearConditioning
from brainsim.experiment.tasks.batch import run_many

pytestmark = [pytest.mark.slow, pytest.mark.cpp_standalone]

TASK = FearConditioning()


@pytest.fixture(scope="module")
def runs():
    protocols = [Protocol(name="fear", profile="healthy", duration=TASK.duration, dt=0.5 * ms,
                          seed=s, task=TASK) for s in (1, 2)]
    return [(df, {**info, **task_metrics(df, info)}) for _, df, info, _, _ in run_many(protocols)]


def test_table_has_one_row_per_trial(runs):
    for df, summary in runs:
        assert len(df) == TASK.n_trials
        assert list(df["phase"].unique()) == ["habituation", "conditioning", "extinction",
                                              "recall"]
        assert set(df.loc[df["us"] == 1, "phase"]) == {"conditioning"}
        assert set(df.loc[df["us"] == 1, "cs"]) == {"CS+"}
        assert summary["n_trials"] == TASK.n_trials


def test_conditioning_raises_cs_plus_over_cs_minus(runs):
    for df, s in runs:
        assert s["discrimination_hz"] > 0.3
        assert s["cs_plus_conditioned_hz"] > s["habituation_cs_plus_hz"] + 0.5
        end = df[df["phase"] == "conditioning"].iloc[-1]
        # through the CS+'s own thalamus -> BLA synapses
        assert end["w_la_cs_plus_pA"] > end["w_la_cs_minus_pA"] + 5


def test_extinction_lowers_cs_plus_response(runs):
    for df, s in runs:
        assert s["cs_plus_extinction_end_hz"] < s["cs_plus_conditioned_hz"] - 0.3
        assert s["extinction_index"] > 0.2
        # the LA weights stay; the IL -> interneuron weights grow over extinction
        ext = df[df["phase"] == "extinction"]
        assert ext["w_la_cs_plus_pA"].iloc[-1] == pytest.approx(ext["w_la_cs_plus_pA"].iloc[0])
        assert ext["w_il_cs_plus_pA"].iloc[-1] > ext["w_il_cs_plus_pA"].iloc[0] + 5
