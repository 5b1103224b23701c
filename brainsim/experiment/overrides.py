"""One vocabulary for changing a model parameter: dotted names, values with units.

The same names serve a protocol's ``parameters``, ``neuroemo run --set NAME=VALUE`` and a
sweep's grid, and are checked here, once:

- ``<region>.<neuron parameter>``, e.g. ``amygdala.sigma_v`` (volt), ``pfc.tau_m``;
- ``network.<constant>``, e.g. ``network.tau_e``: network-wide time constants;
- ``plasticity.<constant>``, e.g. ``plasticity.eta``: the three-factor plasticity rule;
- ``dopamine.<constant>``, e.g. ``dopamine.tau_dopamine``: phasic dopamine.

>>> from brian2 import mV
>>> check_overrides({"amygdala.sigma_v": 4 * mV})
{'amygdala.sigma_v': 4. * mvolt}
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping

import brian2 as b2
import numpy as np

from brainsim.channels import REGIONS
from brainsim.errors import ConfigError
from brainsim.model.parameters import (
    DEFAULT_MODULATOR_SHARED,
    DEFAULT_PLASTICITY,
    NETWORK_CONSTANTS,
    NEURON_PARAMETER_UNITS,
)

__all__ = ["vocabulary", "check_override", "check_overrides", "parse_assignment",
           "split_overrides"]

#: Groups of constants other than the regions' neuron parameters, with their defaults.
_GROUPS: dict[str, Mapping[str, b2.Quantity | float]] = {
    "network": NETWORK_CONSTANTS,
    "plasticity": DEFAULT_PLASTICITY,
    "dopamine": DEFAULT_MODULATOR_SHARED,
}


def _unit_of(value: b2.Quantity | float) -> b2.Unit:
    return b2.get_unit(value.dim) if isinstance(value, b2.Quantity) else b2.Unit(1)


def vocabulary() -> dict[str, b2.Unit]:
    """Every name a parameter override may use, with the unit of its value."""
    names = {f"{r}.{p}": unit for r in REGIONS for p, unit in NEURON_PARAMETER_UNITS.items()}
    for group, defaults in _GROUPS.items():
        names.update({f"{group}.{k}": _unit_of(v) for k, v in defaults.items()})
    return names


def check_override(name: object, value: object, where: str = "parameters"
                   ) -> b2.Quantity | float:
    """Check one override; return its value (a Quantity, or a float when dimensionless).

    Raises
    ------
    ConfigError
        For an unknown name (with the closest known ones), wrong units, a value that is not
        one finite number, or a time constant or resistance that is not positive.
    """
    known = vocabulary()
    if not isinstance(name, str) or name not in known:
        leaf = str(name).rpartition(".")[2]
        close = ([f"network.{leaf}"] if leaf in NETWORK_CONSTANTS
                 else difflib.get_close_matches(str(name), list(known), n=3))
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        if leaf in NETWORK_CONSTANTS:
            hint += " (it is network-wide)"
        groups = ", ".join(f"'{g}.<name>'" for g in _GROUPS)
        raise ConfigError(f"{where}: Unknown parameter {name!r}.{hint} Parameters are "
                          f"'<region>.<neuron parameter>' (regions {', '.join(REGIONS)}; "
                          f"parameters {', '.join(NEURON_PARAMETER_UNITS)}) or {groups}.")
    unit = known[name]
    dimensionless = b2.have_same_dimensions(unit, 1)
    if isinstance(value, bool) or not isinstance(value, int | float | b2.Quantity):
        example = "a number" if dimensionless else f"a number with units, e.g. 3*{unit!r}"
        raise ConfigError(f"{where}: {name} must be {example}; got {value!r}.")
    if not b2.have_same_dimensions(value, unit):
        raise ConfigError(f"{where}: {name} = {value!r} has the wrong units; it must be in "
                          f"units of {unit!r} (e.g. {name}=3*{unit!r}).")
    if np.ndim(value) != 0:
        raise ConfigError(f"{where}: {name} must be one value, got {value!r}.")
    if not math.isfinite(float(value)):
        raise ConfigError(f"{where}: {name} is NaN or infinite; give a finite value.")
    leaf = name.split(".", 1)[1]
    if (leaf == "R" or (leaf.startswith("tau_") and leaf != "tau_ref")) and float(value) <= 0:
        raise ConfigError(f"{where}: {name} = {value!r} must be > 0 (a time constant or "
                          "resistance); give a positive value.")
    if leaf in ("tau_ref", "sigma_v") and float(value) < 0:
        raise ConfigError(f"{where}: {name} = {value!r} must be >= 0.")
    return float(value) if dimensionless else value


def check_overrides(overrides: object, where: str = "parameters"
                    ) -> dict[str, b2.Quantity | float]:
    """Check a ``{name: value}`` dict of overrides (see :func:`check_override`)."""
    if not isinstance(overrides, Mapping):
        raise ConfigError(f"{where} must be a dict of 'name': value, got {overrides!r}.")
    for name, value in overrides.items():
        if isinstance(value, Mapping):
            example = next(iter(value), "sigma_v")
            raise ConfigError(f"{where}: give dotted names, e.g. {{'{name}.{example}': ...}} "
                              f"instead of {{'{name}': {{'{example}': ...}}}}.")
    return {name: check_override(name, value, where) for name, value in overrides.items()}


_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=\s*(.+?)\s*$")
_NUMBER_WITH_UNIT = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*(.*)$")


def parse_assignment(text: str) -> tuple[str, b2.Quantity | float]:
    """Parse ``--set NAME=VALUE``, e.g. ``"amygdala.sigma_v=4mV"`` or ``"plasticity.eta=30
    pA/second"``, into a checked ``(name, value)``.

    >>> parse_assignment("network.tau_e=6ms")
    ('network.tau_e', 6. * msecond)
    """
    m = _ASSIGNMENT.match(str(text))
    if not m:
        raise ConfigError(f"--set {text!r}: write NAME=VALUE, e.g. amygdala.sigma_v=4mV.")
    name, raw = m.groups()
    number = _NUMBER_WITH_UNIT.match(raw)
    if not number:
        raise ConfigError(f"--set {text!r}: {raw!r} is not a number with a unit "
                          "(e.g. 4mV, 6 ms, 30 pA/second, 0.5).")
    value, unit_text = number.groups()
    unit: b2.Quantity | float = 1.0
    if unit_text:
        try:
            unit = b2.Quantity(eval(unit_text, {"__builtins__": {}}, vars(b2.units)))  # noqa: S307
        except Exception:
            raise ConfigError(f"--set {text!r}: unknown unit {unit_text!r} (Brian2 units such "
                              "as mV, ms, pA, nS, pA/second).") from None
    return name, check_override(name, float(value) * unit, "--set")


def split_overrides(overrides: Mapping[str, b2.Quantity | float]
                    ) -> tuple[dict[str, dict[str, b2.Quantity]], dict[str, object],
                               dict[str, object]]:
    """Checked overrides as the model takes them: ``({region or "network": {name: value}},
    plasticity, dopamine)``."""
    neuron: dict[str, dict[str, b2.Quantity]] = {}
    plasticity: dict[str, object] = {}
    dopamine: dict[str, object] = {}
    for name, value in overrides.items():
        group, leaf = name.split(".", 1)
        if group == "plasticity":
            plasticity[leaf] = value
        elif group == "dopamine":
            dopamine[leaf] = value
        else:
            neuron.setdefault(group, {})[leaf] = value
    return neuron, plasticity, dopamine
