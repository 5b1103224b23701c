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
