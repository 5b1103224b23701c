"""Probabilistic reversal learning (issue 22): the five profiles, one build.

Two cues (PFC cue populations) at every trial, two action populations of striatal D1 MSNs;
the one more active in the 0.3 s decision window (above its pre-cue baseline) is the
choice, executed for 0.3 s, then rewarded with probability 0.8 (correct option) or 0.2.
After 8 consecutive correct choices, or 40 trials, the contingencies reverse. 120 trials of
1.5 s. Results per profile in ``<out>/<profile>/``: ``task.parquet`` (one row per trial)
and ``meta.json``'s ``task`` (trials to criterion after reversal, perseverative errors,
win-stay / lose-shift, Rescorla-Wagner alpha and beta). Many seeds:
``neuroemo sweep protocols/sweep_reversal_learning.py``.
"""

from brian2 import ms

from brainsim import PROFILES, Protocol, run_cli
from brainsim.experiment.tasks import ProbabilisticReversal

TASK = ProbabilisticReversal(n_trials=120)

protocols = [
    Protocol(name="reversal_learning", profile=profile, duration=TASK.duration, dt=0.5 * ms,
             seed=1, task=TASK)
    for profile in PROFILES
]

if __name__ == "__main__":
    run_cli(protocols)
