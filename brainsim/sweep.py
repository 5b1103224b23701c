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

- ``profile``: a built-in profile name or a :class:`~brainsim.profiles.Profile`;
- ``serotonin``, ``dopamine``, ``norepinephrine`` and the other numbers of a profile
  (``sensory_scale``, ``reward_rate_hz``, ``reward_mean``, ``reward_std``): plain numbers,
  applied to a copy of the point's profile;
- ``<region>.<modulator>``, e.g. ``amygdala.serotonin``: a per-region level;
- ``<region>.<parameter>`` with units, e.g. ``amygdala.sigma_v``; ``network.<constant>``
  (``network.tau_e``): neuron parameters (:data:`brainsim.anatomy.NEURON_PARAMETER_UNITS`);
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
"""

from __future__ import annotations

import difflib
import itertools
import json
import logging
import math
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import brian2 as b2

from brainsim.anatomy import NETWORK_CONSTANTS, NEURON_PARAMETER_UNITS
from brainsim.channels import MODULATORS, REGIONS
from brainsim.errors import ConfigError, NeuroEmoError, ResultsError
from brainsim.profiles import Profile, get_profile
from brainsim.protocol import Protocol, Sentence, check_folder_name

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = "neuroemo-sweep"
MANIFEST_VERSION = 1

#: Profile fields a sweep can set directly (plain numbers).
PROFILE_NUMBERS = ("serotonin", "dopamine", "norepinephrine", "sensory_scale",
                   "reward_rate_hz", "reward_mean", "reward_std")
#: Parameters that change the compiled structure (one build per distinct value).
STRUCTURAL = ("scale", "noise")

PARAMETER_HELP = (
    "profile, " + ", ".join(PROFILE_NUMBERS) + ", seed, sentence, sentences, scale, noise, "
    "'<region>.<modulator>' (e.g. 'amygdala.serotonin'), '<region>.<parameter>' with units "
    "(e.g. 'amygdala.sigma_v', parameters: " + ", ".join(NEURON_PARAMETER_UNITS) + ") and "
    "'network.<constant>' (" + ", ".join(NETWORK_CONSTANTS) + "); regions: "
    + ", ".join(REGIONS)
)


def _known_names() -> list[str]:
    names = ["profile", *PROFILE_NUMBERS, "seed", "sentence", "sentences", *STRUCTURAL]
    names += [f"{r}.{m}" for r in REGIONS for m in MODULATORS]
    names += [f"{r}.{p}" for r in REGIONS for p in NEURON_PARAMETER_UNITS]
    names += [f"network.{c}" for c in NETWORK_CONSTANTS]
    return names


def _unit_of(name: str) -> b2.Unit | None:
    """The unit a parameter's value is stored in (``meta["point"]``), None for plain values."""
    region, _, param = name.partition(".")
    if region == "network" and param in NETWORK_CONSTANTS:
        return b2.get_unit(NETWORK_CONSTANTS[param].dim)
    if region in REGIONS and param in NEURON_PARAMETER_UNITS:
        return NEURON_PARAMETER_UNITS[param]
    return None


def _display_unit(name: str) -> b2.Unit | None:
    region, _, param = name.partition(".")
    if region == "network" and param in NETWORK_CONSTANTS:
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
        if value not in ("kick", "xi", "none"):
            raise ConfigError(f"{where}: noise must be 'kick', 'xi' or 'none', got {value!r}.")
    elif name in ("sentence", "sentences"):
        pass  # checked when the point's protocol is made
    else:  # a neuron parameter or network constant: a quantity with the right units
        unit = _unit_of(name)
        if isinstance(value, bool) or not isinstance(value, int | float | b2.Quantity):
            raise ConfigError(f"{where}: {name} must be a number with units, e.g. "
                              f"3*{unit}; got {value!r}.")
        if not b2.have_same_dimensions(value, unit):
            raise ConfigError(f"{where}: {name} = {value!r} has the wrong units; it must be in "
                              f"units of {unit} (e.g. 3*{unit}).")
        if not math.isfinite(float(value)):
            raise ConfigError(f"{where}: {name} must be finite, got {value!r}.")


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

    Raises
    ------
    ConfigError
        On an empty grid, an unknown parameter, a value of the wrong type or units, an
        invalid point protocol, or two identical points.
    """

    base: Protocol
    grid: dict[str, list] | None = None
    points: list[dict] | None = None
    name: str | None = None
    sentence_onset: b2.Quantity | None = None
    sentence_duration: b2.Quantity = field(default_factory=lambda: 500 * b2.ms)
    description: str = ""
    source: str | None = field(default=None, repr=False)
    path: Path | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.base, Protocol):
            raise ConfigError(f"Sweep base must be a brainsim.Protocol, got {self.base!r}.")
        if self.name is None:
            self.name = self.base.name
        check_folder_name(self.name, "Sweep name")
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
        params = {r: dict(v) for r, v in base.parameters.items()}
        for name, value in point.items():
            region, _, param = name.partition(".")
            if (region == "network" or region in REGIONS) and param not in MODULATORS:
                params.setdefault(region, {})[param] = value
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
    from brainsim.protocol_files import run_user_file

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
_WORKER: dict = {"slot": None, "slot_lock": None, "build": None, "build_key": None,
                 "engine": None, "builds": 0, "points": 0}


@dataclass
class PointTask:
    """Everything a worker needs to run one point (pickled to the worker)."""

    protocol: Protocol
    index: int
    folder: str
    point: dict
    point_units: dict
    sweep_name: str
    source: str | None
    out: str
    backend: str = "cpp_standalone"
    threads: int = 0
    figures: bool = False
    force: bool = False


def _slot_root(threads: int) -> Path:
    """A build folder this process owns (held for its lifetime through a lock file).

    Standalone builds of a sweep live in ``<cache>/builds/sweep-slotN/``: a process running a
    binary never shares its folder with one that regenerates code (which rewrites the static
    arrays), and later sweeps reuse the slots' compiled builds.
    """
    from filelock import FileLock, Timeout

    from brainsim.backends import cache_dir

    if _WORKER["slot"] is not None:
        return _WORKER["slot"]
    base = cache_dir() / "builds"
    base.mkdir(parents=True, exist_ok=True)
    for i in range(1024):
        root = base / f"sweep-slot{i}"
        lock = FileLock(str(root) + ".slot-lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue
        _WORKER["slot"], _WORKER["slot_lock"] = root, lock
        return root
    raise NeuroEmoError(f"No free build slot in {base} (1024 in use).")


def _seed_build_dir(target: Path) -> None:
    """Copy an already compiled build of the same structure into ``target`` (if any).

    The copy keeps file times, so ``make`` finds nothing to do; Brian2 rewrites only files
    whose content changes.
    """
    from filelock import FileLock

    from brainsim.backends import cache_dir

    if (target / "main").exists():
        return
    base = cache_dir() / "builds"
    candidates = [base / target.name] + sorted(base.glob(f"sweep-slot*/{target.name}"))
    for source in candidates:
        if source == target or not (source / "main").exists():
            continue
        with FileLock(str(source) + ".lock"):
            if not (source / "main").exists():
                continue
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, symlinks=True,
                            ignore=shutil.ignore_patterns("results*", "*.lock"))
        return


def _prepared_build(task: PointTask, structure, values):
    """The worker's build of ``structure`` (compiled or reused), and whether it is new."""
    from brainsim.backends import StandaloneBuild, get_backend

    key = (task.backend, task.threads, structure.key(task.backend))
    build = _WORKER["build"]
    if (build is not None and _WORKER["build_key"] == key
            and StandaloneBuild._active is build):
        return build, False
    if build is not None:
        build.close()
        _WORKER["build"] = None
    from filelock import FileLock

    from brainsim.backends import cache_dir

    engine = get_backend(task.backend, threads=task.threads,
                         build_root=_slot_root(task.threads))
    target = engine.build_directory(structure)
    if (target / "main").exists():  # compiled before: regenerate, make rebuilds little
        build = engine.prepare(structure, values, report=None)
    else:  # one full compilation per structure at a time: the others wait, then copy it
        with FileLock(str(cache_dir() / "builds" / f"{target.name}.compile-lock")):
            _seed_build_dir(target)
            build = engine.prepare(structure, values, report=None)
    _WORKER.update(build=build, build_key=key, engine=engine)
    _WORKER["builds"] += 1
    return build, True


def _forget_run_arrays(build) -> None:
    """Delete the run_args arrays of the last run (only in the worker's own slot)."""
    names = list(getattr(b2.device, "run_args_arrays", []) or [])
    for name in names:
        for suffix in ("", ".lock"):
            try:
                os.remove(build.directory / "static_arrays" / f"{name}{suffix}")
            except OSError:
                pass


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute_point(task: PointTask) -> dict:
    """Run one point and write ``<out>/points/<folder>`` atomically (the Dask task).

    Returns a small dict: ``status`` (``"done"`` or ``"exists"`` when another attempt had
    already finished the point), ``worker``, ``builds`` (builds done so far by this process),
    ``new_build``, ``timings_s`` and ``path``.
    """
    from brainsim.backends import get_backend
    from brainsim.runner import _write, structure_for, text_arrays, values_for

    final = Path(task.out) / "points" / task.folder
    info = {"index": task.index, "worker": worker_id(), "path": str(final)}
    if final.exists() and not task.force:
        return {**info, "status": "exists", "builds": _WORKER["builds"], "new_build": False,
                "timings_s": {}}
    _test_crash_hook(task.index)
    t0 = time.perf_counter()
    protocol = task.protocol
    structure = structure_for(protocol)
    text = text_arrays(protocol)
    values = values_for(protocol, structure, text)
    if task.backend == "runtime":
        engine = get_backend("runtime")
        raw = next(iter(engine.simulate(structure, [values], report=None)))
        new_build = False
    else:
        build, new_build = _prepared_build(task, structure, values)
        engine = build.backend
        try:
            raw = build.run(values)
        finally:
            _forget_run_arrays(build)
        raw.timings_s["build_and_compile_s"] = build.build_s if new_build else 0.0
    raw.timings_s["prepare_s"] = time.perf_counter() - t0 - raw.timings_s.get("run_s", 0.0) \
        - raw.timings_s.get("build_and_compile_s", 0.0)
    staging_root = Path(task.out) / ".staging"
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = staging_root / f"{task.folder}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        result = _write(protocol, structure, values, raw, staging, force=False, backend=engine,
                        text_events=text[2] if text else [], source_text=task.source,
                        figures=task.figures)
        meta_path = staging / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta.update({"point": task.point, "point_index": task.index,
                     "point_units": task.point_units, "sweep": task.sweep_name,
                     "worker": info["worker"]})
        meta_path.write_text(json.dumps(meta, indent=2))
        status = "done"
        if task.force and final.exists():
            old = final.parent / f".{final.name}.old-{os.getpid()}"
            final.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            staging.rename(final)  # atomic: the point is finished iff its folder exists
        except OSError:
            if not final.exists():
                raise
            status = "exists"  # another attempt finished it first; keep that one
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _WORKER["points"] += 1
    return {**info, "status": status, "builds": _WORKER["builds"], "new_build": new_build,
            "timings_s": dict(result.timings_s), "summary": result.summary}


def _test_crash_hook(index: int) -> None:
    """Tests only: ``NEUROEMO_TEST_KILL_POINT="K:MARKER"`` makes the worker process die at
    point K (once if MARKER is a file path that does not exist yet, always if it is "always").
    """
    spec = os.environ.get("NEUROEMO_TEST_KILL_POINT")
    if not spec:
        return
    k, _, marker = spec.partition(":")
    if int(k) != index:
        return
    if marker != "always":
        if Path(marker).exists():
            return
        Path(marker).touch()
    os._exit(17)


def point_task(sweep: Sweep, k: int, out: Path, *, backend: str = "cpp_standalone",
               threads: int = 0, figures: bool = False, force: bool = False) -> PointTask:
    """The task that runs point ``k`` of ``sweep`` into ``out/points/``."""
    return PointTask(protocol=sweep.protocol_for(k), index=k, folder=sweep.folder_name(k),
                     point=sweep.point_meta(k), point_units=sweep.point_units(),
                     sweep_name=sweep.name, source=sweep.source, out=str(out),
                     backend=backend, threads=threads, figures=figures, force=force)


def run_point(sweep: Sweep, k: int, out: Path | None = None, *, backend: str = "cpp_standalone",
              threads: int = 0, figures: bool = True, force: bool = False) -> Path:
    """Run point ``k`` alone, exactly as a sweep would; return its results folder.

    ``out`` is the sweep's output folder (default ``results/<sweep name>``): the point lands
    in ``out/points/point-XXXX`` like in a sweep, so SLURM arrays and ``neuroemo sweep``
    can fill the same folder.
    """
    out = Path(out) if out is not None else Path("results") / sweep.name
    _check_not_a_run(out)
    if backend == "cuda_standalone":
        from brainsim.cuda import check_gpu_before_build

        check_gpu_before_build()
    task = point_task(sweep, k, out, backend=backend, threads=threads, figures=figures,
                      force=force)
    final = out / "points" / task.folder
    if final.exists() and not force:
        raise ResultsError(f"Point {k} of {sweep.name!r} is already in {final}; nothing was "
                           "run. Pass --force to run it again.")
    try:
        result = execute_point(task)
    finally:
        release_worker_build()
    return Path(result["path"])


def release_worker_build() -> None:
    """Close this process's build and free its slot."""
    if _WORKER["build"] is not None:
        _WORKER["build"].close()
    if _WORKER["slot_lock"] is not None:
        _WORKER["slot_lock"].release()
    _WORKER.update(build=None, build_key=None, engine=None, slot=None, slot_lock=None)


def run_point_command(args) -> int:
    """``neuroemo run SWEEP.py --point K``."""
    overrides = [opt for opt, value in (("--profile", args.profile), ("--seed", args.seed),
                                        ("--duration", args.duration), ("--scale", args.scale),
                                        ("--noise", args.noise), ("--dt", args.dt),
                                        ("--text", args.text),
                                        ("--live", args.live)) if value]
    if overrides:
        raise ConfigError(f"--point runs the point exactly as the sweep would, so it cannot be "
                          f"combined with {', '.join(overrides)}; change the sweep file "
                          "instead.")
    sweep = load_sweep_file(args.protocol)
    path = run_point(sweep, args.point, args.out, backend=args.backend, threads=args.threads,
                     figures=not args.no_figures, force=args.force)
    if not args.quiet:
        meta = json.loads((path / "meta.json").read_text())
        rates = "  ".join(f"{r} {v:.2f}" for r, v in meta["summary"]["mean_rate_hz"].items())
        print(f"{sweep.name} point {args.point} ({sweep.describe(args.point)})")
        print(f"  mean rate, all neurons (Hz): {rates}")
        print(f"  results: {path}")
    return 0


# ---------------------------------------------------------------------------------------
# The whole sweep on Dask
# ---------------------------------------------------------------------------------------

def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, path)


def _manifest(sweep: Sweep, out: Path, backend: str, statuses: dict[int, dict],
              workers: dict, started: str) -> dict:
    counts = {"done": 0, "failed": 0, "pending": 0}
    points = []
    for k in range(len(sweep)):
        st = statuses.get(k, {"status": "pending"})
        counts[st["status"]] = counts.get(st["status"], 0) + 1
        points.append({"index": k, "folder": f"points/{sweep.folder_name(k)}",
                       "values": sweep.point_meta(k), **st})
    return {
        "format": MANIFEST_FORMAT, "format_version": MANIFEST_VERSION,
        "name": sweep.name, "description": sweep.description,
        "sweep_file": str(sweep.path) if sweep.path else None,
        "sweep_source": sweep.source, "fingerprint": sweep.fingerprint(),
        "backend": backend, "started": started,
        "updated": datetime.now().isoformat(timespec="seconds"),
        "n_points": len(sweep), "counts": counts, "point_units": sweep.point_units(),
        "parameters": sorted({n for p in sweep.point_list for n in p}),
        "base_protocol": sweep.base.to_dict(), "workers": workers, "points": points,
    }


#: Folder of the partitioned Parquet dataset inside a sweep folder.
DATASET = "dataset"


def write_dataset(sweep: Sweep, out: Path, statuses: dict[int, dict]) -> Path:
    """(Re)build ``<out>/dataset`` from the finished points and return its path.

    One Parquet dataset per table (``spikes``, ``rates``, ...), partitioned by point in the
    Hive layout ``<table>/point=K/part-0.parquet``; the files are hard links to the points'
    own files (copies where the file system has no hard links), so nothing is stored twice.
    ``points.parquet`` has one row per point: ``point``, ``status`` and the parameter values.
    The new dataset is built beside the old one and swapped in, so readers never see half.
    """
    import pandas as pd

    final = out / DATASET
    tmp = out / f".{DATASET}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    rows = []
    for k in range(len(sweep)):
        status = statuses.get(k, {"status": "pending"})["status"]
        values = {n: v if isinstance(v, int | float | str | bool | None) else json.dumps(v)
                  for n, v in sweep.point_meta(k).items()}  # e.g. a list of sentences
        rows.append({"point": k, "status": status, **values})
        folder = out / "points" / sweep.folder_name(k)
        if status != "done" or not folder.is_dir():
            continue
        for table in sorted(folder.glob("*.parquet")):
            target = tmp / table.stem / f"point={k}" / "part-0.parquet"
            target.parent.mkdir(parents=True)
            try:
                os.link(table, target)
            except OSError:
                shutil.copy2(table, target)
    pd.DataFrame(rows).to_parquet(tmp / "points.parquet", index=False)
    old = out / f".{DATASET}.old-{os.getpid()}"
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def _check_not_a_run(out: Path) -> None:
    if (out / "meta.json").is_file():
        raise ResultsError(f"{out} is the results folder of a single run (it has meta.json), "
                           "not a sweep folder; nothing was run. Choose another --out.")


def _clear(out: Path) -> None:
    """Delete a sweep folder's previous results (``--force``, once the sweep can start)."""
    for name in ("points", ".staging", DATASET, "manifest.json"):
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _prepare_out(sweep: Sweep, out: Path, *, resume: bool, force: bool) -> dict:
    """Check ``out`` (nothing is deleted here); return the previous manifest (resume) or {}."""
    manifest_path = out / "manifest.json"
    if out.exists() and not out.is_dir():
        raise ResultsError(f"{out} exists and is not a folder; choose another --out.")
    if out.exists() and any(out.iterdir()):
        if not manifest_path.exists() and not (out / "points").exists():
            raise ResultsError(f"{out} exists and is not a sweep folder (no manifest.json); "
                               "nothing was run. Choose another --out.")
        if force:
            return {}
        if not resume:
            raise ResultsError(f"The sweep folder {out} already exists. Pass --resume to run "
                               "its unfinished points, --force to start over, or choose "
                               "another --out.")
        try:
            old = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            logger.warning("Cannot read %s (%s): checking every finished point against the "
                           "sweep file instead; the manifest is rewritten.", manifest_path, err)
            old = None
        if not isinstance(old, dict):
            # no manifest to compare fingerprints with: each finished point's own record says
            # which protocol it ran, so --resume still never mixes two sweeps
            _check_finished_points(sweep, out)
            return {}
        if old.get("fingerprint") != sweep.fingerprint():
            raise ResultsError(f"The sweep in {out} was started from a different sweep file "
                               "(its points differ); --resume would mix two sweeps. Use "
                               "another --out, or --force to start over.")
        return old
    return {}


def _check_finished_points(sweep: Sweep, out: Path) -> None:
    """Raise unless every finished point folder under ``out`` ran this sweep's point."""
    from brainsim.results import _json_default

    for k in range(len(sweep)):
        folder = out / "points" / sweep.folder_name(k)
        if not folder.exists():
            continue
        try:
            stored = json.loads((folder / "meta.json").read_text())["protocol"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
            raise ResultsError(
                f"{folder} has no readable meta.json ({type(err).__name__}: {err}), and "
                f"without a readable {out / 'manifest.json'} it cannot be checked against "
                "this sweep file. Move that folder away (--resume then runs the point again), "
                "or use --force to start over.") from None
        expected = json.loads(json.dumps(sweep.protocol_for(k).to_dict(),
                                         default=_json_default))
        if stored != expected:
            raise ResultsError(
                f"{folder} ran another protocol than point {k} of this sweep "
                f"({sweep.describe(k)}): the folder {out} was started from a different sweep "
                "file, and --resume would mix two sweeps. Use another --out, or --force to "
                "start over.")


def _connect(scheduler: str | None, workers: int, timeout_s: float):
    """A Dask client: on a fresh LocalCluster, or connected to ``scheduler``."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=f"{timeout_s}s"), None
        except (OSError, TimeoutError, ValueError) as err:
            raise NeuroEmoError(
                f"Cannot reach the Dask scheduler at {scheduler!r} within {timeout_s:g} s "
                f"({type(err).__name__}: {err}). Check the address (e.g. tcp://host:8786) and "
                "that the scheduler runs; without --scheduler a local cluster is started."
            ) from None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers must be a positive integer, got {workers!r}.")
    # The worker processes start with Ctrl-C ignored (they inherit it): a Ctrl-C in the
    # terminal reaches the whole process group, and each worker printed a screen of Dask
    # tracebacks. This process stops them when it is interrupted (run_sweep).
    import signal
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return Client(cluster), cluster


@dataclass
class SweepOutcome:
    """What :func:`run_sweep` did."""

    out: Path
    manifest: dict
    ran: list[int]
    skipped: list[int]
    failed: dict[int, str]
    workers: dict

    @property
    def ok(self) -> bool:
        return not self.failed


def run_sweep(sweep: Sweep, out: Path | None = None, *, scheduler: str | None = None,
              workers: int = 2, backend: str = "cpp_standalone", threads: int = 0,
              resume: bool = False, force: bool = False, figures: bool = False,
              progress: bool = True, timeout_s: float = 10.0) -> SweepOutcome:
    """Run every unfinished point of ``sweep`` on Dask and write ``out``.

    Parameters
    ----------
    sweep : Sweep
    out : Path, optional
        Sweep folder (default ``results/<sweep name>``).
    scheduler : str, optional
        Address of a running Dask scheduler; default: a ``LocalCluster`` of ``workers``
        single-threaded worker processes.
    backend : str
        ``cpp_standalone`` (default), ``cuda_standalone`` or ``runtime``.
    resume : bool
        Run only the points whose folder is missing.
    force : bool
        Delete the previous results of the sweep folder first.
    figures : bool
        Write each point's raster and rate figures.
    timeout_s : float
        How long to try to reach ``scheduler``.

    Each worker compiles once per distinct structure and re-runs the build through
    ``run_args``. A point whose worker dies is re-run by Dask (up to its allowed failures),
    then marked failed in the manifest; finished points are never touched.
    """
    from brainsim.backends import BACKENDS

    if backend not in BACKENDS:
        raise ConfigError(f"Unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}.")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise ConfigError(f"--threads must be an integer >= 0 (0: no OpenMP), got {threads!r}.")
    if not isinstance(timeout_s, int | float) or not timeout_s > 0:
        raise ConfigError(f"--timeout must be a number of seconds > 0, got {timeout_s!r}.")
    if resume and force:
        raise ConfigError("--resume and --force contradict each other; choose one.")
    if backend == "cuda_standalone" and scheduler is None:  # local workers: need a GPU here
        from brainsim.cuda import check_gpu_before_build

        check_gpu_before_build()
    out = Path(out) if out is not None else Path("results") / sweep.name
    _check_not_a_run(out)
    previous = _prepare_out(sweep, out, resume=resume, force=force)
    started = previous.get("started") or datetime.now().isoformat(timespec="seconds")
    statuses: dict[int, dict] = {}
    for k in range(len(sweep)):
        if not force and (out / "points" / sweep.folder_name(k)).exists():
            statuses[k] = {"status": "done"}
    skipped = sorted(statuses)
    pending = [k for k in range(len(sweep)) if k not in statuses]
    worker_info: dict = dict(previous.get("workers", {}))
    manifest_path = out / "manifest.json"
    failed: dict[int, str] = {}
    ran: list[int] = []
    # connect before anything is written or deleted: a sweep that cannot start (scheduler
    # unreachable, bad --workers) leaves the folder as it was
    client, cluster = _connect(scheduler, workers, timeout_s) if pending else (None, None)
    try:
        if force:
            _clear(out)
        out.mkdir(parents=True, exist_ok=True)
        _write_json_atomic(manifest_path, _manifest(sweep, out, backend, statuses,
                                                    worker_info, started))
    except BaseException:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        raise
    if not pending:
        write_dataset(sweep, out, statuses)
        return SweepOutcome(out, _manifest(sweep, out, backend, statuses, worker_info, started),
                            ran, skipped, failed, worker_info)

    # group the points by structure so that workers switch builds as rarely as possible
    order = sorted(pending, key=lambda k: (_structure_signature(sweep.protocol_for(k)), k))
    try:
        return _run_pending(sweep, out, order, statuses, skipped, failed, ran, worker_info,
                            manifest_path, client, cluster, backend=backend, threads=threads,
                            figures=figures, progress=progress, started=started)
    except KeyboardInterrupt:
        kept = [k for k in range(len(sweep)) if (out / "points" / sweep.folder_name(k)).is_dir()]
        if any(statuses.get(k, {}).get("status") != "done" for k in kept):
            # points whose workers finished them while the sweep was being stopped
            for k in kept:
                statuses.setdefault(k, {"status": "done"})
            try:
                _write_json_atomic(manifest_path, _manifest(sweep, out, backend, statuses,
                                                            worker_info, started))
                write_dataset(sweep, out, statuses)
            except OSError:
                pass
        where = sweep.path if sweep.path else "SWEEP_FILE"
        raise KeyboardInterrupt(
            f"interrupted; {len(kept)} of {len(sweep)} points are finished and kept in "
            f"{out / 'points'}. `neuroemo sweep {where} --out {out} --resume` runs the other "
            f"{len(sweep) - len(kept)}.") from None


def _run_pending(sweep: Sweep, out: Path, order: list[int], statuses: dict[int, dict],
                 skipped: list[int], failed: dict[int, str], ran: list[int],
                 worker_info: dict, manifest_path: Path, client, cluster, *, backend: str,
                 threads: int, figures: bool, progress: bool, started: str) -> SweepOutcome:
    """The Dask part of :func:`run_sweep`: submit ``order``, collect, write the manifest."""
    bar = None
    try:
        from distributed import as_completed

        tasks = {k: point_task(sweep, k, out, backend=backend, threads=threads,
                               figures=figures) for k in order}
        token = uuid.uuid4().hex[:8]
        queue = list(order)
        futures: dict = {}
        in_flight = as_completed()

        def submit_next() -> None:
            k = queue.pop(0)
            future = client.submit(execute_point, tasks[k], key=f"neuroemo-point-{k}-{token}",
                                   pure=False)
            futures[future] = k
            in_flight.add(future)

        def fill() -> None:
            # On our own LocalCluster, one point per worker thread at a time, so that a worker
            # dying takes only its own point with it; a remote scheduler (possibly adaptive)
            # gets every point at once and schedules them itself.
            limit = (max(1, sum(client.nthreads().values())) if cluster is not None
                     else len(queue) + len(futures))
            while queue and sum(not f.done() for f in futures) < limit:
                submit_next()

        fill()
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(sweep), initial=len(skipped), unit="point",
                       desc=f"sweep {sweep.name}")
        last_write = time.monotonic()
        for future in in_flight:
            k = futures[future]
            try:
                result = future.result()
            except Exception as err:  # a failed point; the others go on
                msg = _failure_message(err)
                failed[k] = msg
                statuses[k] = {"status": "failed", "error": msg}
                if bar is not None:
                    bar.write(f"point {k} ({sweep.describe(k)}) failed: {msg}")
            else:
                ran.append(k)
                statuses[k] = {"status": "done", "worker": result["worker"],
                               "timings_s": result["timings_s"]}
                w = worker_info.setdefault(result["worker"], {"builds": 0, "points": 0})
                w["builds"] = max(w["builds"], result["builds"])
                w["points"] += 1
            if bar is not None:
                bar.update(1)
            fill()
            if time.monotonic() - last_write > 2.0:
                _write_json_atomic(manifest_path, _manifest(sweep, out, backend, statuses,
                                                            worker_info, started))
                last_write = time.monotonic()
    finally:
        if bar is not None:
            bar.close()
        for k in range(len(sweep)):  # finished while the last results were on their way
            if k not in statuses and (out / "points" / sweep.folder_name(k)).is_dir():
                statuses[k] = {"status": "done"}
        manifest = _manifest(sweep, out, backend, statuses, worker_info, started)
        _write_json_atomic(manifest_path, manifest)
        write_dataset(sweep, out, statuses)
        client.close()
        if cluster is not None:
            cluster.close()
        shutil.rmtree(out / ".staging", ignore_errors=True)
    return SweepOutcome(out, manifest, ran, skipped, failed, worker_info)


def _structure_signature(p: Protocol) -> str:
    return json.dumps([p.scale, p.noise, float(p.duration), float(p.dt), p.modulation],
                      sort_keys=True)


def _failure_message(err: BaseException) -> str:
    name = type(err).__name__
    if name == "KilledWorker":
        return ("the worker process died while running this point (repeatedly; e.g. out of "
                "memory or killed); finished points are unaffected. Run again with --resume.")
    return f"{name}: {err}"
