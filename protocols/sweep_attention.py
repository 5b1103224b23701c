"""Attention regulation over profiles x seeds (issue 22, item 2): the per-profile table.

Five profiles x 20 seeds (1001-1020, never used to fix the task's parameters) = 100 points
of one compiled network::

    neuroemo sweep protocols/sweep_attention.py --workers 2

Every point's folder holds ``task.parquet``; the metrics: ``analysis.tasks.folder_task_metrics``
(or ``analysis.attention.metric_row`` of ``meta.json``'s ``task``).
"""

from brainsim import Protocol, ms
from brainsim.experiment.tasks import AttentionTask
from brainsim.sweep import Sweep

TASK = AttentionTask(n_trials=96)

base = Protocol(name="sweep_attention", profile="healthy", duration=TASK.duration,
                dt=0.5 * ms, seed=1001, task=TASK)

sweep = Sweep(
    base,
    grid={
        "profile": ["healthy", "depressed", "anxious", "impulsive", "resilient"],
        "seed": list(range(1001, 1021)),
    },
    # what `neuroemo report` of the sweep reads (summary, comparison, task tables; task.parquet
    # is always kept): ~6 MB a point instead of ~30 MB (docs/sweeps.md)
    tables=("spikes", "rates", "readout", "neurons"),
    description="Attention task (d' by distractor, premature responses), five profiles, "
                "20 seeds each.",
)
