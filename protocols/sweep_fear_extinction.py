"""Fear conditioning / extinction / recall over profiles x seeds (issue 22, item 3).

Five profiles x the 20 evaluation seeds 1001-1020 (never used to fix a parameter; the
parameters were fixed on the healthy profile, seeds 1-2) = 100 points of one compiled
network::

    neuroemo sweep protocols/sweep_fear_extinction.py --workers 2
    neuroemo run protocols/sweep_fear_extinction.py --point 0     # one point alone

Each point writes ``task.parquet`` (one row per trial); the metrics:
:func:`analysis.extinction.extinction_metrics` (``analysis.tasks.task_metrics``).
"""

from brian2 import ms

from brainsim import PROFILES, Protocol
from brainsim.experiment.tasks import FearConditioning
from brainsim.sweep import Sweep

TASK = FearConditioning()

base = Protocol(name="sweep_fear_extinction", profile="healthy", duration=TASK.duration,
                dt=0.5 * ms, seed=1001, task=TASK)

sweep = Sweep(
    base,
    grid={"profile": list(PROFILES), "seed": list(range(1001, 1021))},
    # what `neuroemo report` of the sweep reads (summary, comparison, task tables; task.parquet
    # is always kept): ~6 MB a point instead of ~30 MB (docs/sweeps.md)
    tables=("spikes", "rates", "readout", "neurons"),
    description="Fear conditioning, extinction and recall: five profiles x 20 seeds.",
)
