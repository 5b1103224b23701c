"""Parameter sweeps: a base protocol plus a grid or a list of points, run on Dask.

A sweep file is a short Python file in ``protocols/`` that defines ``sweep``::

    from brainsim import Protocol, mV, second, standard_phases
    from brainsim.sweep import Sweep

    base = Protocol(name="sweep_serotonin", profile="healthy", duration=1 * second,
                    phases=standard_phases(1 * second))
    sweep = Sweep(base, grid={"serotonin": [0.2, 0.5, 0.8], "seed": [1, 2]})
    # or: Sweep(base, points=[{"serotonin": 0.2}, {"amygdala.sigma_v": 4 * mV}])

``neuroemo sweep protocols/sweep_serotonin.py`` runs every point on Dask workers (see
:func:`run_sweep`); ``neuroemo run protocols/sweep_serotonin.py --point K`` runs point ``K``
alone, with the same result (see :func:`run_point`).

Sweep parameters (:data:`PARAMETER_HELP`):

- ``profile``: a built-in profile name or a :class:`~brainsim.model.profiles.Profile`;
- ``serotonin``, ``dopamine``, ``norepinephrine`` and the other numbers of a profile
  (``sensory_scale``, ``reward_rate_hz``, ``reward_mean``, ``reward_std``): plain numbers,
  applied to a copy of the point's profile;
- ``<region>.<modulator>``, e.g. ``amygdala.serotonin``: a per-region level;
- the model parameters of :mod:`brainsim.experiment.overrides`, with units: e.g.
  ``amygdala.sigma_v``, ``network.tau_e``, ``plasticity.eta``, ``dopamine.tau_dopamine``;
- ``seed``; ``sentence`` (a text shown at ``Sweep.sentence_onset``, or
  ``(text, onset[, duration])``; ``None`` for none) or ``sentences`` (a list);
- ``scale`` and ``noise`` change the network's structure: each distinct value is compiled
  once per worker.

Every other parameter only changes values that a compiled build takes through ``run_args``,
so a worker compiles once and runs every point it gets without recompiling.

Results: ``<out>/points/point-XXXX/`` is a normal results folder per point (written to a
staging folder and renamed into place, so a point folder exists iff the point finished; its
``meta.json`` has ``point`` and ``point_index``), and ``<out>/manifest.json`` describes the
sweep. ``analysis.load_runs("<out>/points")`` loads every finished point with one column per
sweep parameter. ``<out>/dataset/`` holds the same tables as one Parquet dataset per table,
partitioned by point (``dataset/rates/point=7/part-0.parquet``, hard links to the points'
files), plus ``dataset/points.parquet`` (index, status and parameter values of every
point): ``pd.read_parquet("<out>/dataset/rates")`` reads all points with a ``point`` column.
It is rebuilt from the finished points at the end of every sweep (and of ``--resume``).
``Sweep(..., tables=("spikes", "readout"))`` keeps only those tables in every point (and
``meta.json``, and a task's ``task``); the point's ``meta.json`` lists them (``tables``).
"""

from brainsim.sweep.run import SweepOutcome, run_sweep
from brainsim.sweep.spec import PARAMETER_HELP, Sweep, check_parameter, load_sweep_file
from brainsim.sweep.worker import execute_point, point_task, release_worker_build, run_point

__all__ = ["PARAMETER_HELP", "Sweep", "SweepOutcome", "check_parameter", "execute_point",
           "load_sweep_file", "point_task", "release_worker_build", "run_point", "run_sweep"]
