"""Run many task protocols on one compiled build (profiles, seeds, schedules)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

from brainsim.errors import ConfigError


def run_many(protocols: Sequence, change_values: Callable | None = None,
             backend: str = "cpp_standalone") -> Iterator[tuple]:
    """Run task protocols that share one network structure on one build.

    The structure (network, task circuit, duration) must be the same for every protocol;
    profiles, seeds and the task's schedule and settings may differ: they are run-time
    values (``run_args``), so the build compiles once.

    Parameters
    ----------
    protocols : sequence of Protocol
        Each with a ``task``.
    change_values : callable, optional
        ``change_values(protocol, values)`` may edit a run's
        :class:`~brainsim.model.network.NetworkValues` before it runs (e.g. the task
        projection's plasticity in ``values.extension_values["task"]``).
    backend : str

    Yields
    ------
    (protocol, table, info, raw, seconds)
        The task's per-trial table and its schedule information (:meth:`Task.analyse`;
        metrics: :func:`analysis.tasks.task_metrics`), the raw output and the wall time of
        the run.
    """
    from brainsim.devices import get_backend
    from brainsim.experiment.runner import structure_for, values_for

    if not protocols:
        return
    structure = structure_for(protocols[0])
    key = structure.key(backend)
    build = get_backend(backend).prepare(structure, values_for(protocols[0], structure, None),
                                         report=None)
    try:
        for p in protocols:
            if p.task is None:
                raise ConfigError(f"Protocol {p.name!r} has no task.")
            s = structure_for(p)
            if s.key(backend) != key:
                raise ConfigError(f"Protocol {p.name!r} (profile {p.profile.name}, seed "
                                  f"{p.seed}) has another structure than the first one; "
                                  "run_many needs one build for all.")
            v = values_for(p, s, None)
            if change_values is not None:
                change_values(p, v)
            t0 = time.perf_counter()
            raw = build.run(v)
            df, summary = p.task.analyse(raw, s, p)
            yield p, df, summary, raw, time.perf_counter() - t0
    finally:
        build.close()
