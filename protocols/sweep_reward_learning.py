"""Reward learning with a learned critic, five profiles x 20 seeds (issue 22), on Dask.

The task of ``protocols/reward_learning.py`` (60 trials of 2.4 s: CS+ and CS-, three omitted
rewards at the end); seeds 1001-1020 were never used while the model or the task was tuned.
One compiled build per worker, re-run through run_args for every point::

    neuroemo sweep protocols/sweep_reward_learning.py --workers 2
    neuroemo report results/sweep_reward_learning      # figure + per-profile table
"""

from brian2 import ms

from brainsim import PROFILES, Protocol
from brainsim.experiment.tasks import RewardLearning
from brainsim.sweep import Sweep

TASK = RewardLearning(n_trials=60)

base = Protocol(name="sweep_reward_learning", profile="healthy", duration=TASK.duration,
                dt=0.5 * ms, seed=1001, task=TASK)

sweep = Sweep(
    base,
    grid={"profile": list(PROFILES), "seed": list(range(1001, 1021))},
    # what `neuroemo report` of the sweep reads (summary, comparison, task tables; task.parquet
    # is always kept): ~6 MB a point instead of ~30 MB (docs/sweeps.md)
    tables=("spikes", "rates", "readout", "neurons"),
    description="Reward learning: five profiles x 20 unseen seeds.",
)
