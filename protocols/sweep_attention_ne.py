"""d' against tonic norepinephrine (issue 22, item 2): the inverted U of Aston-Jones & Cohen.

The healthy profile with its tonic NE set to 0.1-0.9 (0.5 = neutral: NE gain 1 on every
excitatory input of PFC, amygdala, hippocampus and thalamus, ``K_GAIN_NE``; above 0.5 NE's
alpha1 term cuts the PFC's gain, ``K_ALPHA1_NE``) x 20 seeds (1001-1020) = 100 points of one
compiled network::

    neuroemo sweep protocols/sweep_attention_ne.py --workers 2

``analysis.attention.figure`` draws d' against the points' ``norepinephrine``.
"""

from brainsim import Protocol, ms
from brainsim.experiment.tasks import AttentionTask
from brainsim.sweep import Sweep

TASK = AttentionTask(n_trials=96)

base = Protocol(name="sweep_attention_ne", profile="healthy", duration=TASK.duration,
                dt=0.5 * ms, seed=1001, task=TASK)

sweep = Sweep(
    base,
    grid={
        "norepinephrine": [0.1, 0.3, 0.5, 0.7, 0.9],  # healthy: 0.5
        "seed": list(range(1001, 1021)),
    },
    # what `neuroemo report` of the sweep reads (summary, comparison, task tables; task.parquet
    # is always kept): ~6 MB a point instead of ~30 MB (docs/sweeps.md)
    tables=("spikes", "rates", "readout", "neurons"),
    description="Attention task: d' against tonic NE (healthy otherwise), 20 seeds each.",
)
