"""Profile priors: each profile's neuromodulator levels and its emotion distribution without text.

The table lives in ``textbranch/profile_priors.json``::

    {"profiles": {name: {"levels": {"serotonin": s, "dopamine": d, "norepinephrine": n},
                         "prior": {emotion: p, ...}}},
     "source": "where the priors come from"}

The priors are the ``prior(profile)`` term of the gate's training objective
``g * p_text + (1 - g) * prior(profile)``. The shipped table is the simulator's measured
striatal readout without text (see its ``"source"``). Values rounded to a few decimals may
sum to 1 only within 1e-3; they are renormalised on loading.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainsim.channels import EMOTIONS, MODULATORS
from brainsim.errors import ConfigError

PRIORS_PATH = Path(__file__).with_name("profile_priors.json")


@dataclass(frozen=True)
class ProfilePrior:
    """One profile: its name, levels ``float64[3]`` (5-HT, DA, NE) and prior ``float64[6]``."""

    name: str
    levels: np.ndarray
    prior: np.ndarray


def check_levels(levels: dict[str, float]) -> np.ndarray:
    """Validate a ``{modulator: level}`` dict and return ``float64[3]`` in MODULATORS order.

    Raises
    ------
    ConfigError
        If a modulator is missing or unknown, or a level is not a finite number in [0, 1].
    """
    if not isinstance(levels, dict):
        raise ConfigError(f"levels must be a dict {{modulator: level}}, got {type(levels).__name__}")
    missing = [m for m in MODULATORS if m not in levels]
    extra = [k for k in levels if k not in MODULATORS]
    if missing or extra:
        raise ConfigError(
            f"levels must give exactly {list(MODULATORS)}; missing {missing}, unknown {extra}"
        )
    out = np.empty(len(MODULATORS))
    for i, m in enumerate(MODULATORS):
        v = levels[m]
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not 0 <= v <= 1:
            raise ConfigError(f"level of {m} must be a number in [0, 1], got {v!r}")
        out[i] = float(v)
    return out


def load_priors(path: str | Path | None = None) -> dict[str, ProfilePrior]:
    """Read and validate the profile prior table.

    Parameters
    ----------
    path : str or Path, optional
        JSON file; default :data:`PRIORS_PATH`.

    Returns
    -------
    dict
        ``{profile name: ProfilePrior}`` in file order.

    Raises
    ------
    ConfigError
        If the file is missing, not JSON, or a profile lacks levels or a valid distribution.
    """
    path = Path(path) if path is not None else PRIORS_PATH
    try:
        raw = json.loads(path.read_text())
        profiles = raw["profiles"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"cannot read the profile prior table {path}: {err}") from err
    out: dict[str, ProfilePrior] = {}
    for name, spec in profiles.items():
        try:
            levels = check_levels(spec["levels"])
            prior_map = spec["prior"]
            prior = np.array([float(prior_map[e]) for e in EMOTIONS])
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(f"profile {name!r} in {path} is malformed: {err}") from err
        if set(prior_map) != set(EMOTIONS) or (prior < 0).any() or abs(prior.sum() - 1) > 1e-3:
            raise ConfigError(
                f"prior of profile {name!r} in {path} must give a probability for each of "
                f"{list(EMOTIONS)} summing to 1 (within 1e-3: rounded values)"
            )
        prior = prior / prior.sum()
        out[name] = ProfilePrior(name=name, levels=levels, prior=prior)
    if not out:
        raise ConfigError(f"the profile prior table {path} lists no profiles")
    return out


def get_profile(name: str, path: str | Path | None = None) -> ProfilePrior:
    """The :class:`ProfilePrior` called ``name``; a :class:`ConfigError` lists the known ones."""
    table = load_priors(path)
    if name not in table:
        raise ConfigError(f"unknown profile {name!r}; choose from {sorted(table)}")
    return table[name]


#: Seeds the shipped priors average over: one seed's readout varies by up to 0.04 (sd of
#: impulsive's joy over seeds 1-8), the mean of eight by about a third of that.
PRIOR_SEEDS = tuple(range(1, 9))
#: Length of the run each prior is measured on (the standard schedule of phases).
PRIOR_DURATION_S = 3.0


def prior_protocol(profile: str, seed: int):
    """The protocol a prior is measured on: ``profile`` without text, standard 3 s schedule."""
    from brian2 import second

    from brainsim.protocol import Protocol, standard_phases

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
        ``summarize_run(protocol) -> summary`` (:func:`brainsim.runner.summarize`'s dict) for
        a compiled build the caller already holds; default: compile (or reuse from the cache)
        the default network on ``cpp_standalone`` and run it.

    Returns
    -------
    dict
        ``{profile: float64[6]}`` mean readout probabilities in EMOTIONS order.
    """
    from brainsim.profiles import PROFILES

    seeds = list(seeds)
    if not seeds:
        raise ConfigError("measure_priors needs at least one seed")
    close = None
    if summarize_run is None:
        from brainsim.backends import get_backend
        from brainsim.runner import structure_for, summarize, values_for

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
    """Write a prior table (levels from :data:`brainsim.profiles.PROFILES`) as JSON.

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
    from brainsim.profiles import PROFILES

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
