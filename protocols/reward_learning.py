"""Reward learning with a learned critic (issue 22): the five profiles, one build.

A neutral cue (CS+, a PFC cue population) is followed after 0.5 s by a reward (the US: the
thalamic appetitive relay cells for 0.2 s, and the critic's prediction error as phasic
dopamine); a second cue (CS-) never is. 60 trials of 2.4 s, CS+ and CS- in pseudo-random
order; the last quarter omits three CS+ rewards (the dopamine dip). Results per profile in
``<out>/<profile>/``: ``task.parquet`` (one row per trial: the joy channel's rate during the
cue alone, the weights, the prediction errors and the measured dopamine) and the summary in
``meta.json``'s ``task``. The plasticity's timing window is swept by
``benchmarks/tasks.py yagishita`` (same build). Many seeds:
``neuroemo sweep protocols/sweep_reward_learning.py``.
"""

from brian2 import ms

from brainsim import PROFILES, Protocol, run_cli
from brainsim.experiment.tasks import RewardLearning

TASK = RewardLearning(n_trials=60)

protocols = [
    Protocol(name="reward_learning", profile=profile, duration=TASK.duration, dt=0.5 * ms,
             seed=1, task=TASK)
    for profile in PROFILES
]

if __name__ == "__main__":
    run_cli(protocols)
