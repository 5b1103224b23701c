"""Probabilistic reversal learning, five profiles x 20 seeds (issue 22), on Dask.

The task of ``protocols/reversal_learning.py`` (120 trials of 1.5 s); seeds 1001-1020 were
never used while the model or the task was tuned. One compiled build per worker, re-run
through run_args for every point::

    neuroemo sweep protocols/sweep_reversal_learning.py --workers 2
    neuroemo report results/sweep_reversal_learning     # figure + per-profile table

Each point's folder holds ``task.parquet`` and the task's metrics in ``meta.json``.
"""

from brian2 import ms

from brainsim import PROFILES, Protocol
from brainsim.experiment.tasks import ProbabilisticReversal
from brainsim.sweep import Sweep

TASK = ProbabilisticReversal(n_trials=120)

base = Protocol(name="sweep_reversal_learning", profile="healthy", duration=TASK.duration,
                dt=0.5 * ms, seed=1001, task=TASK)

sweep = Sweep(
    base,
    grid={"profile": list(PROFILES), "seed": list(range(1001, 1021))},
    # what `neuroemo report` of the sweep reads (summary, comparison, task tables; task.parquet
    # is always kept): ~6 MB a point instead of ~30 MB (docs/sweeps.md)
    tables=("spikes", "rates", "readout", "neurons"),
    description="Reversal learning: five profiles x 20 unseen seeds.",
)
