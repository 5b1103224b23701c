"""Attention regulation (issue 22, item 2): the five profiles, one build.

96 trials of 1 s: a 0.6 s foreperiod, then for 0.2 s a weak target (on a random half of the
trials: afferent drive onto 34 thalamic context relay cells) and a distractor drawn from
{none, neutral (34 other context relay cells), threat (34 threat relay cells)}, each of the
six combinations 16 times. Results per profile in ``<out>/<profile>/``: ``task.parquet``
(one row per trial: the PFC readout cells' rate in the response window and in the
foreperiod's windows) and ``meta.json``'s ``task`` (d' per distractor from the ROC of the
PFC evoked counts, the threat-interference index d'(neutral) - d'(threat), premature
responses). Many seeds: ``neuroemo sweep protocols/sweep_attention.py`` or
``python benchmarks/tasks.py attention --first-seed 1001 --seeds 20``; d' against tonic NE:
``protocols/sweep_attention_ne.py``.
"""

from brian2 import ms

from brainsim import PROFILES, Protocol, run_cli
from brainsim.experiment.tasks import AttentionTask

TASK = AttentionTask(n_trials=96)

protocols = [
    Protocol(name="attention", profile=profile, duration=TASK.duration, dt=0.5 * ms, seed=1,
             task=TASK)
    for profile in PROFILES
]

if __name__ == "__main__":
    run_cli(protocols)
