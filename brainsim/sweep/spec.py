"""A sweep: a base protocol plus a grid or a list of points, and the sweep file that defines it."""

from __future__ import annotations

import difflib
import itertools
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import brian2 as b2

from brainsim.channels import MODULATORS, NOISE_FORMULATIONS, REGIONS
from brainsim.errors import ConfigError
from brainsim.experiment.overrides import check_override, vocabulary
from brainsim.experiment.protocol import Protocol, Sentence, check_folder_name
from brainsim.model.profiles import Profile, get_profile

#: Profile fields a sweep can set directly (plain numbers).
PROFILE_NUMBERS = ("serotonin", "dopamine", "norepinephrine", "sensory_scale",
                   "reward_rate_hz", "reward_mean", "reward_std")
#: Parameters that change the compiled structure (one build per distinct value).
STRUCTURAL = ("scale", "noise")

PARAMETER_HELP = (
    "profile, " + ", ".join(PROFILE_NUMBERS) + ", seed, sentence, sentences, scale, noise, "
    "'<region>.<modulator>' (e.g. 'amygdala.serotonin') and the model parameters of "
    "brainsim.experiment.overrides ('amygdala.sigma_v', 'network.tau_e', 'plasticity.eta', "
    "'dopamine.tau_dopamine', ...); regions: " + ", ".join(REGIONS)
)


def _known_names() -> list[str]:
    names = ["profile", *PROFILE_NUMBERS, "seed", "sentence", "sentences", *STRUCTURAL]
    names += [f"{r}.{m}" for r in REGIONS for m in MODULATORS]
    return names + list(vocabulary())


def _unit_of(name: str) -> b2.Unit | None:
    """The unit a parameter's value is stored in (``meta["point"]``), None for plain values."""
    unit = vocabulary().get(name)
    return None if unit is None or b2.have_same_dimensions(unit, 1) else unit


def _display_unit(name: str) -> b2.Unit | None:
    if name.startswith("network."):
        return b2.ms
    return _unit_of(name)


def check_parameter(name: object, value: object, where: str) -> None:
    """Raise :class:`ConfigError` unless ``name`` is a sweep parameter and ``value`` fits it."""
    if not isinstance(name, str) or name not in _known_names():
        close = difflib.get_close_matches(str(name), _known_names(), n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ConfigError(f"{where}: unknown sweep parameter {name!r}.{hint} A sweep can vary "
                          f"{PARAMETER_HELP}.")
    region, _, param = name.partition(".")
    plain_number = name in PROFILE_NUMBERS or (region in REGIONS and param in MODULATORS)
    if plain_number or name == "scale":
        if isinstance(value, b2.Quantity) and not b2.have_same_dimensions(value, 1):
            raise ConfigError(f"{where}: {name} is a plain number (levels are relative, 0.5 = "
                              f"neutral), but got {value!r} with units; drop the units.")
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(float(value))):
            raise ConfigError(f"{where}: {name} must be a finite number, got {value!r}.")
    elif name == "seed":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}: seed must be a non-negative integer, got {value!r}.")
    elif name == "profile":
        if not isinstance(value, str | Profile):
            raise ConfigError(f"{where}: profile must be a profile name or a Profile, "
                              f"got {value!r}.")
        get_profile(value)
    elif name == "noise":
        if value not in NOISE_FORMULATIONS:
            raise ConfigError(f"{where}: noise must be 'kick', 'xi' or 'none', got {value!r}.")
    elif name in ("sentence", "sentences"):
        pass  # checked when the point's protocol is made
    else:  # a model parameter: brainsim.experiment.overrides checks it
        check_override(name, value, where)


def _json_value(name: str, value: object) -> object:
    """A JSON-friendly value for ``meta["point"]``: numbers in the parameter's unit."""
    unit = _display_unit(name)
    if unit is not None:
        return float(value / unit) if isinstance(value, b2.Quantity) else float(value)
    if isinstance(value, Profile):
        return value.name
    if isinstance(value, Sentence):
        return value.text
    if name == "sentence":
        if value is None:
            return ""
        return value if isinstance(value, str) else str(value[0])
    if name == "sentences":
        return " | ".join(s.text if isinstance(s, Sentence) else str(s[0]) for s in value)
    if isinstance(value, float | int | str | bool):
        return value
    return str(value)


def _canonical(value: object) -> object:
    """A hashable, unit-aware form of a value, for finding duplicate points."""
    if isinstance(value, b2.Quantity):
        return ("q", float(value), repr(value.dim))
    if isinstance(value, Profile):
        return ("profile", json.dumps(value.signature(), sort_keys=True))
    if isinstance(value, Sentence):
        return ("sentence", value.text, float(value.onset), float(value.duration))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


@dataclass
class Sweep:
    """A base protocol and the points to run it at.

    Parameters
    ----------
    base : Protocol
        The protocol every point starts from.
    grid : dict of str to list, optional
        The full product of the listed values (the last parameter varies fastest).
    points : list of dict, optional
        Explicit points, each ``{parameter: value}`` (use either ``grid`` or ``points``).
    name : str, optional
        Name of the sweep (default: the base protocol's); the default output folder is
        ``results/<name>``.
    sentence_onset, sentence_duration : Quantity, optional
        When a ``sentence`` value is a plain text: shown at ``sentence_onset`` (default: half
        the run) for ``sentence_duration`` (default 500 ms).
    description : str
        What the sweep is for.
    tables : sequence of str, optional
        The run tables each point keeps (names of
        :data:`brainsim.experiment.results.RUN_TABLES`, e.g. ``("spikes", "readout")``);
        None (default) keeps all of them. ``meta.json`` is always kept, and so is a task
        protocol's ``task`` table; the point's ``meta.json`` lists the kept tables
        (``"tables"``). Stored in canonical order, ``task`` included.

    Raises
    ------
    ConfigError
        On an empty grid, an unknown parameter, a value of the wrong type or units, an
        invalid point protocol, two identical points, or an unknown table in ``tables``.
    """

    base: Protocol
    grid: dict[str, list] | None = None
    points: list[dict] | None = None
    name: str | None = None
    sentence_onset: b2.Quantity | None = None
    sentence_duration: b2.Quantity = field(default_factory=lambda: 500 * b2.ms)
    description: str = ""
    tables: tuple[str, ...] | None = None
    source: str | None = field(default=None, repr=False)
    path: Path | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.base, Protocol):
            raise ConfigError(f"Sweep base must be a brainsim.Protocol, got {self.base!r}.")
        if self.name is None:
            self.name = self.base.name
        check_folder_name(self.name, "Sweep name")
        self.tables = self._check_tables()
        self._points = self._expand()
        self._protocols = [self._make_protocol(k) for k in range(len(self._points))]
        seen: dict[object, int] = {}
        for k, p in enumerate(self._protocols):
            key = json.dumps(p.to_dict(), sort_keys=True, default=str)
            if key in seen:
                raise ConfigError(
                    f"Sweep {self.name!r}: points {seen[key]} and {k} are the same run "
                    f"({self.describe(seen[key])} and {self.describe(k)}); remove the "
                    "duplicate so that every point is run once."
                )
            seen[key] = k

    def _check_tables(self) -> tuple[str, ...] | None:
        """``tables`` in canonical order (``task`` added for a task protocol), or None."""
        if self.tables is None:
            return None
        valid = valid_tables(self.base)
        if isinstance(self.tables, str | bytes) or not hasattr(self.tables, "__iter__"):
            raise ConfigError(f"Sweep {self.name!r}: tables must be a list of table names, "
                              f"e.g. tables=['spikes', 'readout'], got {self.tables!r}; "
                              f"tables are {', '.join(valid)}.")
        names = list(self.tables)
        for name in names:
            if name not in valid:
                close = difflib.get_close_matches(str(name), valid, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                task = (" ('task' exists only for a protocol with a task)"
                        if name == "task" else "")
                raise ConfigError(f"Sweep {self.name!r}: unknown table {name!r} in tables"
                                  f"{task}.{hint} Tables are {', '.join(valid)}; meta.json is "
                                  "always kept.")
        if "task" in valid:  # a task protocol always keeps its trials (small, and the point)
            names.append("task")
        return tuple(t for t in valid if t in names)

    def _expand(self) -> list[dict]:
        if (self.grid is None) == (self.points is None):
            raise ConfigError(f"Sweep {self.name!r}: give either grid={{parameter: [values]}} "
                              "or points=[{parameter: value}, ...] (exactly one of them).")
        if self.grid is not None:
            if not isinstance(self.grid, dict):
                raise ConfigError(f"Sweep {self.name!r}: grid must be a dict of parameter -> "
                                  f"list of values, got {self.grid!r}.")
            if not self.grid:
                raise ConfigError(f"Sweep {self.name!r}: the grid is empty; give at least one "
                                  "parameter with a list of values, e.g. "
                                  "grid={'serotonin': [0.2, 0.5, 0.8]}.")
            axes = []
            for name, values in self.grid.items():
                where = f"Sweep {self.name!r}, grid"
                if name not in _known_names():
                    check_parameter(name, None, where)  # raises: unknown parameter
                if isinstance(values, str | bytes | dict) or not hasattr(values, "__iter__"):
                    raise ConfigError(f"{where}: the values of {name!r} must be a list, "
                                      f"got {values!r}.")
                values = list(values)
                if not values:
                    raise ConfigError(f"{where}: {name!r} has no values; give at least one.")
                for v in values:
                    check_parameter(name, v, where)
                axes.append([(name, v) for v in values])
            points = [dict(combo) for combo in itertools.product(*axes)]
        else:
            if isinstance(self.points, dict) or not hasattr(self.points, "__iter__"):
                raise ConfigError(f"Sweep {self.name!r}: points must be a list of dicts, got "
                                  f"{self.points!r}.")
            points = list(self.points)
            if not points:
                raise ConfigError(f"Sweep {self.name!r}: the list of points is empty; give at "
                                  "least one point, e.g. points=[{'serotonin': 0.2}].")
            for k, point in enumerate(points):
                if not isinstance(point, dict):
                    raise ConfigError(f"Sweep {self.name!r}: point {k} must be a dict of "
                                      f"parameter -> value, got {point!r}.")
                for name, v in point.items():
                    check_parameter(name, v, f"Sweep {self.name!r}, point {k}")
            points = [dict(p) for p in points]
        dup = _first_duplicate([tuple(sorted((n, _canonical(v)) for n, v in p.items()))
                                for p in points])
        if dup is not None:
            a, b = dup
            raise ConfigError(f"Sweep {self.name!r}: points {a} and {b} are identical "
                              f"({_describe(points[a])}); remove the duplicate.")
        return points

    def _make_protocol(self, k: int) -> Protocol:
        point = self._points[k]
        base = self.base
        changes: dict = {}
        profile = get_profile(point.get("profile", base.profile))
        numbers = {n: float(point[n]) for n in PROFILE_NUMBERS if n in point}
        region_levels = {}
        for name, value in point.items():
            region, _, param = name.partition(".")
            if region in REGIONS and param in MODULATORS:
                region_levels.setdefault(region, {})[param] = float(value)
        if numbers or region_levels:
            merged = {r: dict(v) for r, v in profile.region_levels.items()}
            for r, levels in region_levels.items():
                merged.setdefault(r, {}).update(levels)
            try:
                profile = replace(profile, region_levels=merged, **numbers)
            except ConfigError as err:
                raise ConfigError(f"Sweep {self.name!r}, point {k}: {err}") from None
        if profile is not base.profile:
            changes["profile"] = profile
        if "seed" in point:
            changes["seed"] = int(point["seed"])
        for name in STRUCTURAL:
            if name in point:
                changes[name] = point[name]
        model = vocabulary()
        params = dict(base.parameters)
        params.update({name: value for name, value in point.items() if name in model})
        if params != base.parameters:
            changes["parameters"] = params
        if "sentences" in point:
            changes["sentences"] = list(point["sentences"] or [])
        if "sentence" in point:
            s = point["sentence"]
            if s is None or s == "":
                changes["sentences"] = []
            elif isinstance(s, str):
                onset = (self.sentence_onset if self.sentence_onset is not None
                         else base.duration / 2)
                changes["sentences"] = [Sentence(s, onset, self.sentence_duration)]
            else:
                changes["sentences"] = [s]
        try:
            return base.with_changes(**changes) if changes else base
        except ConfigError as err:
            raise ConfigError(f"Sweep {self.name!r}, point {k} ({_describe(point)}): "
                              f"{err}") from None

    def __len__(self) -> int:
        return len(self._points)

    @property
    def point_list(self) -> list[dict]:
        """The points as given (``{parameter: value}``), in order."""
        return [dict(p) for p in self._points]

    def check_index(self, k: int) -> int:
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(self):
            raise ConfigError(f"Sweep {self.name!r} has {len(self)} points (0 to "
                              f"{len(self) - 1}); there is no point {k!r}.")
        return k

    def protocol_for(self, k: int) -> Protocol:
        """The protocol of point ``k`` (the base protocol with the point's changes)."""
        return self._protocols[self.check_index(k)]

    def point_meta(self, k: int) -> dict:
        """``{parameter: JSON value}`` of point ``k`` (quantities in their usual unit)."""
        return {n: _json_value(n, v) for n, v in self._points[self.check_index(k)].items()}

    def point_units(self) -> dict[str, str]:
        """Unit of each parameter that has one, as stored in ``meta["point"]``."""
        names = {n for p in self._points for n in p}
        return {n: str(_display_unit(n)) for n in sorted(names) if _display_unit(n) is not None}

    def describe(self, k: int) -> str:
        return _describe(self._points[k])

    def folder_name(self, k: int) -> str:
        """``point-0007``: the folder of point ``k`` under ``<out>/points/``."""
        width = max(4, len(str(len(self) - 1)))
        return f"point-{self.check_index(k):0{width}d}"

    def fingerprint(self) -> str:
        """A text that changes whenever any point's protocol changes (for ``--resume``)."""
        return json.dumps([p.to_dict() for p in self._protocols], sort_keys=True, default=str)


def valid_tables(base: Protocol) -> tuple[str, ...]:
    """The tables a point of a sweep of ``base`` can keep (``Sweep(tables=...)``): the run
    tables, and ``task`` for a task protocol."""
    from brainsim.experiment.results import RUN_TABLES

    return (*RUN_TABLES, "task") if base.task is not None else RUN_TABLES


def _first_duplicate(keys: list) -> tuple[int, int] | None:
    seen: dict = {}
    for k, key in enumerate(keys):
        if key in seen:
            return seen[key], k
        seen[key] = k
    return None


def _describe(point: dict) -> str:
    return ", ".join(f"{n}={v}" for n, v in point.items()) or "the base protocol"


def load_sweep_file(path: str | Path) -> Sweep:
    """Run a sweep file and return its ``sweep`` (with ``source`` and ``path`` set).

    Raises
    ------
    ConfigError
        If the file is missing, not Python, fails, or defines no ``sweep``.
    """
    from brainsim.experiment.protocol_files import run_user_file

    path = Path(path)
    namespace, source = run_user_file(path, "Sweep", "neuroemo_sweep")
    sweep = namespace.get("sweep")
    if not isinstance(sweep, Sweep):
        what = ("defines a protocol, not a sweep (run it with `neuroemo run`)"
                if "protocol" in namespace or "protocols" in namespace
                else "defines no `sweep`")
        raise ConfigError(f"{path} {what}; a sweep file assigns `sweep = "
                          "brainsim.sweep.Sweep(base, grid={...})`.")
    sweep.source = source
    sweep.path = path
    return sweep


# ---------------------------------------------------------------------------------------
# Running one point (in a Dask worker, or alone with `neuroemo run SWEEP --point K`)
# ---------------------------------------------------------------------------------------

#: Per-process state of a worker: its build slot and its one active standalone build.
