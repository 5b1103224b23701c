"""Serotonin sweep: how the healthy network's regions and readout follow tonic 5-HT.

Four serotonin levels x two noise seeds = 8 points of one compiled network (each worker
compiles once, then re-runs the build through run_args)::

    neuroemo sweep protocols/sweep_serotonin.py --workers 2
    neuroemo run protocols/sweep_serotonin.py --point 3      # one point alone

Load the results with ``analysis.load_runs("results/sweep_serotonin/points")``: every table
gets ``serotonin`` and ``seed`` columns.
"""

from brainsim import Protocol, ms, second, standard_phases
from brainsim.sweep import Sweep

DURATION = 1 * second

base = Protocol(
    name="sweep_serotonin",
    profile="healthy",
    duration=DURATION,
    dt=0.5 * ms,  # 0.1 * ms for spike timing finer than 0.5 ms (docs/model.md)
    seed=1,
    phases=standard_phases(DURATION),
)

sweep = Sweep(
    base,
    grid={
        "serotonin": [0.2, 0.4, 0.6, 0.8],  # 0.5 = neutral; healthy is 0.8
        "seed": [1, 2],
    },
    description="Tonic serotonin from low to healthy, two noise seeds each.",
)
