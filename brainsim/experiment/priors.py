"""Measure the profile priors the text branch's gate is trained against.

A prior is a profile's striatal readout without text, averaged over seeds, measured by
running the simulator; :mod:`textbranch.priors` reads the table this writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from brainsim.channels import EMOTIONS, MODULATORS
from brainsim.errors import ConfigError
from textbranch.priors import PRIORS_PATH, load_priors

#: Seeds the shipped priors average over: one seed's readout varies by up to 0.04 (sd of
#: impulsive's joy over seeds 1-8), the mean of eight by about a third of that.
PRIOR_SEEDS = tuple(range(1, 9))
#: Length of the run each prior is measured on (the standard schedule of phases).
PRIOR_DURATION_S = 3.0


def prior_protocol(profile: str, seed: int):
    """The protocol a prior is measured on: ``profile`` without text, standard 3 s schedule."""
    from brian2 import second

    from brainsim.experiment.protocol import Protocol, standard_phases

    duration = PRIOR_DURATION_S * second
    return Protocol(name="prior", profile=profile, duration=duration,
                    phases=standard_phases(duration), seed=seed)


def measure_priors(seeds=PRIOR_SEEDS, summarize_run=None) -> dict[str, np.ndarray]:
    """Each profile's striatal readout without text, averaged over ``seeds``.

    Parameters
    ----------
    seeds : sequence of int
        Seeds of the runs (inputs, initial state and noise).
    summarize_run : callable, optional
        ``summarize_run(protocol) -> summary`` (:func:`brainsim.experiment.runner.summarize`'s dict) for
        a compiled build the caller already holds; default: compile (or reuse from the cache)
        the default network on ``cpp_standalone`` and run it.

    Returns
    -------
    dict
        ``{profile: float64[6]}`` mean readout probabilities in EMOTIONS order.
    """
    from brainsim.model.profiles import PROFILES

    seeds = list(seeds)
    if not seeds:
        raise ConfigError("measure_priors needs at least one seed")
    close = None
    if summarize_run is None:
        from brainsim.devices import get_backend
        from brainsim.experiment.runner import structure_for, summarize, values_for

        first = prior_protocol(next(iter(PROFILES)), seeds[0])
        structure = structure_for(first)
        compiled = get_backend("cpp_standalone").prepare(
            structure, values_for(first, structure, None), report=None)
        close = compiled.close

        def summarize_run(protocol):
            raw = compiled.run(values_for(protocol, structure, None))
            return summarize(raw, structure, 1000 * PRIOR_DURATION_S)

    try:
        out = {}
        for name in PROFILES:
            rows = []
            for s in seeds:
                probabilities = summarize_run(prior_protocol(name, s))["readout"]["probabilities"]
                rows.append([probabilities[e] for e in EMOTIONS])
            out[name] = np.mean(rows, axis=0)
        return out
    finally:
        if close is not None:
            close()


def write_priors(priors: dict[str, np.ndarray], source: str,
                 path: str | Path | None = None, decimals: int = 4) -> Path:
    """Write a prior table (levels from :data:`brainsim.model.profiles.PROFILES`) as JSON.

    Parameters
    ----------
    priors : dict
        ``{profile: float64[6]}``, e.g. from :func:`measure_priors`.
    source : str
        How the values were obtained (kept in the file).
    path : str or Path, optional
        Default :data:`PRIORS_PATH`.
    decimals : int
        Rounding of the probabilities.
    """
    from brainsim.model.profiles import PROFILES

    path = Path(path) if path is not None else PRIORS_PATH
    table = {"source": source, "profiles": {}}
    for name, prior in priors.items():
        profile = PROFILES[name]
        table["profiles"][name] = {
            "levels": {m: float(getattr(profile, m)) for m in MODULATORS},
            "prior": {e: round(float(p), decimals) for e, p in zip(EMOTIONS, prior, strict=True)},
        }
    # checked before it replaces the table: a bad table never overwrites a good one
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(table, indent=2) + "\n")
    try:
        load_priors(tmp)
    except ConfigError:
        tmp.unlink()
        raise
    tmp.replace(path)
    return path
