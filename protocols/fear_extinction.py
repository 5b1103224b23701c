"""Fear conditioning, extinction and recall (issue 22, item 3): the five profiles, one build.

Differential delay conditioning: habituation (2 CS+, 2 CS- alone), conditioning (8 CS+
co-terminating with a 0.3 s US, 8 CS- unpaired), extinction (10 CS+, 10 CS-, no US), 10 s
without stimuli, recall (4 CS+). Trials of 2.5 s, CS 1 s. The tones drive two thalamic
context-relay subpopulations and two infralimbic (PFC) populations; the US drives the
thalamic threat relay and the negative-valence BLA cells. Conditioning: NE-gated Hebbian
thalamus -> BLA synapses; extinction: IL -> amygdala interneuron synapses, potentiated by
the dopamine of the omitted US (:mod:`brainsim.model.fear`). Results per profile in
``<out>/<profile>/``: ``task.parquet`` (one row per trial: phase, CS, the BLA response,
the prediction error, the weights) and ``meta.json``'s ``task`` (discrimination,
extinction index, recall: :func:`analysis.extinction.extinction_metrics`). Many seeds:
``neuroemo sweep protocols/sweep_fear_extinction.py`` or
``python benchmarks/tasks.py fear --seeds 20 --first-seed 1001``.
"""

from brian2 import ms

from brainsim import PROFILES, Protocol, run_cli
from brainsim.experiment.tasks import FearConditioning

TASK = FearConditioning()

protocols = [
    Protocol(name="fear_extinction", profile=profile, duration=TASK.duration, dt=0.5 * ms,
             seed=1, task=TASK)
    for profile in PROFILES
]

if __name__ == "__main__":
    run_cli(protocols)
