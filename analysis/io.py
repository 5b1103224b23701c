"""Reading results folders into pandas.

A results folder (format_version 1, see ``docs/architecture.md``) holds one Parquet table per
kind of output and a ``meta.json``. This module turns one or many of them into objects whose
attributes are tidy :class:`pandas.DataFrame` tables, ready for ``groupby``.

Loading
-------
load_run
    One results folder -> :class:`Run`.
load_runs
    Several folders, a glob, or a folder of runs -> :class:`Runs` (tables concatenated, with
    ``run``, ``profile``, ``seed``, ``backend`` and sweep-point columns).

Containers
----------
Run
    The tables, ``meta`` and ``path`` of one run, plus a ``.plot`` accessor.
Runs
    The same tables for several runs; ``runs`` keeps the individual :class:`Run` objects.

Tables are read lazily on first access (the folder's layout and the Parquet schemas are
checked when loading), so opening a sweep of many runs to look at one table stays cheap.
"""

from __future__ import annotations

import glob as _glob
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow.parquet as pq

from brainsim.errors import ResultsError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FORMAT_VERSION", "TABLES", "Run", "Runs", "load_run", "load_runs", "is_run_dir",
           "is_sweep_dir"]

#: The results-folder format this module reads.
FORMAT_VERSION = 1

#: Each table of a results folder and the columns it must have (more columns are allowed,
#: e.g. the readout's ``<emotion>`` and ``rate_<emotion>`` columns).
TABLES: dict[str, tuple[str, ...]] = {
    "spikes": ("region", "neuron", "t_ms", "channel"),
    "rates": ("region", "channel", "t_ms", "rate_hz"),
    "modulators": ("region", "modulator", "t_ms", "level"),
    "readout": ("t_ms", "t_end_ms", "winner"),
    "inputs": ("kind", "channel", "t_ms", "value"),
    "neurons": ("region", "neuron", "kind", "channel"),
    "synapses": ("projection", "pre_region", "pre", "post_region", "post", "weight_pA",
                 "delay_ms"),
}

#: Tables only some runs have (a task protocol's ``task.parquet``: one row per trial).
OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {"task": ("trial",)}

#: Columns added by :func:`load_runs` to every table, in this order.
RUN_COLUMNS: tuple[str, ...] = ("run", "profile", "seed", "backend")


def is_run_dir(path: str | Path) -> bool:
    """Whether ``path`` looks like a results folder (a directory with a ``meta.json``)."""
    path = Path(path)
    return path.is_dir() and (path / "meta.json").is_file()


def is_sweep_dir(path: str | Path) -> bool:
    """Whether ``path`` is a sweep's output folder (``manifest.json`` and ``points/``)."""
    path = Path(path)
    return (path / "manifest.json").is_file() and (path / "points").is_dir()


def _read_meta(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ResultsError(
            f"{path} does not exist. Give the folder a run was written to, e.g. "
            "`neuroemo run protocols/emotional_response.py --out results/healthy` then "
            "`load_run('results/healthy')`."
        )
    if not path.is_dir():
        raise ResultsError(
            f"{path} is a file, not a results folder. Give the folder that contains meta.json "
            "and the .parquet tables."
        )
    meta_file = path / "meta.json"
    if not meta_file.is_file():
        if is_sweep_dir(path):
            points = sorted(p.parent for p in (path / "points").glob("*/meta.json"))
            one = points[0] if points else path / "points" / "point-0000"
            raise ResultsError(
                f"{path} is a sweep folder, not one run: load every finished point with "
                f"load_runs('{path}'), or one point with load_run('{one}')."
            )
        inner = sorted(p.parent.name for p in path.glob("*/meta.json"))
        hint = (
            f" It contains runs ({', '.join(inner[:5])}{', ...' if len(inner) > 5 else ''}): "
            "load one of them, or all with load_runs()."
            if inner
            else " Point at a folder written by `neuroemo run`."
        )
        raise ResultsError(f"{path} is not a results folder: it has no meta.json.{hint}")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ResultsError(
            f"{meta_file} cannot be read as JSON ({err}). The run was probably interrupted or "
            "the file edited by hand; run the protocol again to rewrite the folder."
        ) from err
    if not isinstance(meta, dict):
        raise ResultsError(f"{meta_file} must hold a JSON object, found {type(meta).__name__}.")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise ResultsError(
            f"{path} has results format_version {version!r}, but this version of analysis reads "
            f"format_version {FORMAT_VERSION}. Re-run the protocol with this version of "
            "NeuroEmoDynamics, or open the run with the version that wrote it "
            f"(meta.json versions: {meta.get('versions', 'unknown')})."
        )
    return meta


def _kept_tables(path: Path, meta: dict[str, Any]) -> tuple[str, ...] | None:
    """``meta["tables"]``: the tables a sweep point kept (``Sweep(tables=...)``), or None
    when the folder holds every table (no such key: every folder but a reduced sweep's)."""
    kept = meta.get("tables")
    if kept is None:
        return None
    known = [*TABLES, *OPTIONAL_TABLES]
    if not isinstance(kept, list) or not all(isinstance(t, str) and t in known for t in kept):
        raise ResultsError(
            f"{path / 'meta.json'} has tables={kept!r}, which is not a list of table names "
            f"({', '.join(known)}). The file was edited by hand or written by another "
            "program; run the sweep again.")
    return tuple(kept)


def _check_tables(path: Path, meta: dict[str, Any] | None = None) -> None:
    """Raise unless ``path`` holds every table it should (all of :data:`TABLES`, or those
    its ``meta.json`` lists under ``tables``) with the required columns."""
    kept = _kept_tables(path, meta or {})
    expected = [name for name in (*TABLES, *OPTIONAL_TABLES)
                if (name in TABLES and kept is None) or (kept is not None and name in kept)]
    missing = [f"{name}.parquet" for name in expected
               if not (path / f"{name}.parquet").is_file()]
    if missing:
        listed = "" if kept is None else f" (its meta.json lists tables={list(kept)!r})"
        raise ResultsError(
            f"{path} is an incomplete results folder: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing{listed}. The run was probably "
            "interrupted or files were deleted; run the protocol again (with --force to "
            "replace the folder)."
        )
    for name, required in TABLES.items():
        if name not in expected:
            continue
        file = path / f"{name}.parquet"
        try:
            columns = set(pq.read_schema(file).names)
        except Exception as err:  # pyarrow raises several types for corrupt files
            raise ResultsError(
                f"{file} is not a readable Parquet file ({err}). Run the protocol again "
                "(with --force) to rewrite the folder."
            ) from err
        absent = [c for c in required if c not in columns]
        if absent:
            raise ResultsError(
                f"{file} lacks the column(s) {', '.join(absent)} required by results format "
                f"{FORMAT_VERSION} (it has {', '.join(sorted(columns))}). The folder was written "
                "by another program or version; run the protocol again."
            )


def _read_table(path: Path, name: str) -> pd.DataFrame:
    file = path / f"{name}.parquet"
    try:
        frame = pq.read_table(file).to_pandas()
    except FileNotFoundError as err:
        raise ResultsError(
            f"{file} disappeared after the run was opened; load the run again."
        ) from err
    # "" means "no channel" (whole region); accept writers that stored nulls instead
    if "channel" in frame.columns and frame["channel"].isna().any():
        frame["channel"] = frame["channel"].astype(object).where(frame["channel"].notna(), "")
    return frame


class PlotAccessor:
    """``run.plot.raster()`` and friends: the :mod:`analysis.figures` functions bound to a run.

    Each method returns a :class:`matplotlib.figure.Figure`; keyword arguments are passed on.
    """

    def __init__(self, run: Run | Runs) -> None:
        self._run = run

    def raster(self, **kwargs: Any) -> Figure:
        """:func:`analysis.figures.plot_raster` of this run."""
        from analysis.figures import plot_raster

        return plot_raster(self._single(), **kwargs)

    def rates(self, **kwargs: Any) -> Figure:
        """:func:`analysis.figures.plot_rates` of this run."""
        from analysis.figures import plot_rates

        return plot_rates(self._single(), **kwargs)

    def modulators(self, **kwargs: Any) -> Figure:
        """:func:`analysis.figures.plot_modulators` of this run."""
        from analysis.figures import plot_modulators

        return plot_modulators(self._single(), **kwargs)

    def readout(self, **kwargs: Any) -> Figure:
        """:func:`analysis.figures.plot_readout` of this run."""
        from analysis.figures import plot_readout

        return plot_readout(self._single(), **kwargs)

    def profile_comparison(self, **kwargs: Any) -> Figure:
        """:func:`analysis.figures.plot_profile_comparison` of these runs."""
        from analysis.figures import plot_profile_comparison

        return plot_profile_comparison(self._run, **kwargs)

    def against(self, parameter: str, **kwargs: Any) -> Figure:
        """:func:`analysis.figures.plot_against`: mean rates and readout of these runs
        against ``parameter`` (e.g. ``runs.plot.against("serotonin")`` on a sweep)."""
        from analysis.figures import plot_against

        return plot_against(self._run if isinstance(self._run, Runs) else [self._run],
                            parameter, **kwargs)

    def _single(self) -> Run:
        if isinstance(self._run, Run):
            return self._run
        if len(self._run.runs) == 1:
            return self._run.runs[0]
        raise ResultsError(
            f"This figure shows one run, and these are {len(self._run.runs)} runs. Pick one "
            "(runs.runs[i].plot...) or use runs.plot.profile_comparison()."
        )


@dataclass(eq=False)
class Run:
    """One results folder as pandas tables.

    Attributes
    ----------
    path : pathlib.Path
        The results folder.
    meta : dict
        The parsed ``meta.json`` (protocol, profile, seed, phases, sentences, summary, ...).
    spikes, rates, modulators, readout, inputs, neurons, synapses : pandas.DataFrame
        The tables of the folder, read on first access and then kept.
    plot : PlotAccessor
        Figure shortcuts: ``run.plot.raster()``, ``.rates()``, ``.modulators()``, ``.readout()``.
    """

    path: Path
    meta: dict[str, Any]
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    #: Shown instead of the folder's name (``neuroemo run`` draws its figures in a staging
    #: folder, ``.<name>.tmp-<pid>``, before renaming it to its final name).
    display_name: str | None = field(default=None, repr=False)

    # -- tables -------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (one of :data:`TABLES`), read on first use."""
        if name not in TABLES and name not in OPTIONAL_TABLES:
            raise KeyError(f"unknown table {name!r}; tables are "
                           f"{', '.join([*TABLES, *OPTIONAL_TABLES])}")
        if name in OPTIONAL_TABLES and not (self.path / f"{name}.parquet").is_file():
            raise ResultsError(f"{self.path} has no {name}.parquet: it is not a task run. Task "
                               "tables come from protocols with a task (e.g. "
                               "protocols/reversal_learning.py).")
        if not self.has_table(name):
            kept = list(_kept_tables(self.path, self.meta) or ())
            sweep = self.meta.get("sweep")
            raise ResultsError(
                f"{self.path} has no {name}.parquet: the sweep"
                f"{f' {sweep!r}' if sweep else ''} was run with tables={kept!r}, which "
                f"drops {name}. To keep it, add {name!r} to the Sweep's tables in the sweep "
                "file (or remove tables= to keep every table) and run the sweep again "
                "(--force, or another --out).")
        if name not in self._tables:
            self._tables[name] = _read_table(self.path, name)
        return self._tables[name]

    def has_table(self, name: str) -> bool:
        """Whether the folder holds the table ``name``: every one of :data:`TABLES` (and
        ``task`` for a task run), or only those a reduced sweep kept (``meta["tables"]``)."""
        kept = _kept_tables(self.path, self.meta)
        if name in OPTIONAL_TABLES:
            return (self.path / f"{name}.parquet").is_file()
        return name in TABLES and (kept is None or name in kept)

    @property
    def spikes(self) -> pd.DataFrame:
        """``region``, ``neuron``, ``t_ms``, ``channel``: one row per spike."""
        return self.table("spikes")

    @property
    def task(self) -> pd.DataFrame:
        """A task protocol's trials (``task.parquet``, one row per trial; its summary
        metrics are ``meta["task"]``). :class:`~brainsim.errors.ResultsError` for a run
        without a task."""
        return self.table("task")

    @property
    def is_task(self) -> bool:
        """Whether the run is a task protocol's (it has ``task.parquet``)."""
        return (self.path / "task.parquet").is_file()

    @property
    def rates(self) -> pd.DataFrame:
        """``region``, ``channel``, ``t_ms``, ``rate_hz``: 10 ms population rates."""
        return self.table("rates")

    @property
    def modulators(self) -> pd.DataFrame:
        """``region``, ``modulator``, ``t_ms``, ``level``."""
        return self.table("modulators")

    @property
    def readout(self) -> pd.DataFrame:
        """``t_ms``, ``t_end_ms``, one probability column per emotion, ``winner``, ``rate_*``."""
        return self.table("readout")

    @property
    def inputs(self) -> pd.DataFrame:
        """``kind``, ``channel``, ``t_ms``, ``value``: sensory, reward and text inputs."""
        return self.table("inputs")

    @property
    def neurons(self) -> pd.DataFrame:
        """``region``, ``neuron``, ``kind``, ``channel``: one row per neuron."""
        return self.table("neurons")

    @property
    def synapses(self) -> pd.DataFrame:
        """``projection``, ``pre_region``, ``pre``, ``post_region``, ``post``, ..."""
        return self.table("synapses")

    # -- convenience ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The folder's name (or ``display_name`` when set)."""
        return self.display_name or self.path.name

    @property
    def profile(self) -> str:
        """The profile the run used (``meta['profile']``)."""
        return str(self.meta.get("profile", ""))

    @property
    def duration_ms(self) -> float:
        """Simulated duration in ms (``meta['duration_ms']``, else the last spike or bin)."""
        if "duration_ms" in self.meta:
            return float(self.meta["duration_ms"])
        ends = [self.rates["t_ms"].max() + 10.0 if len(self.rates) else 0.0]
        if len(self.spikes):
            ends.append(float(self.spikes["t_ms"].max()))
        return float(max(ends))

    @property
    def regions(self) -> dict[str, dict[str, int]]:
        """``{region: {size, n_exc, n_inh}}`` from the meta data (or the neurons table)."""
        regions = self.meta.get("regions")
        if regions:
            return {str(k): dict(v) for k, v in regions.items()}
        counts = self.neurons.groupby(["region", "kind"]).size().unstack(fill_value=0)
        return {
            str(r): {"size": int(row.sum()), "n_exc": int(row.get("E", 0)),
                     "n_inh": int(row.get("I", 0))}
            for r, row in counts.iterrows()
        }

    @property
    def plot(self) -> PlotAccessor:
        """Figure shortcuts (see :class:`PlotAccessor`)."""
        return PlotAccessor(self)

    def load(self) -> Run:
        """Read every table the folder holds now (they are otherwise read on first access);
        returns ``self``."""
        for name in TABLES:
            if self.has_table(name):
                self.table(name)
        return self

    def __repr__(self) -> str:
        return (f"Run({str(self.path)!r}, profile={self.profile!r}, seed={self.meta.get('seed')!r},"
                f" backend={self.meta.get('backend')!r}, duration_ms={self.meta.get('duration_ms')})")


def _check_path_type(path: object, where: str) -> None:
    import os

    if not isinstance(path, str | os.PathLike):
        raise ResultsError(
            f"{where} needs the path of a results folder (a str or pathlib.Path), got "
            f"{type(path).__name__} {path!r}; e.g. {where}('results/healthy').")


def load_run(path: str | Path) -> Run:
    """Open one results folder.

    Parameters
    ----------
    path : str or pathlib.Path
        A folder written by ``neuroemo run`` (contains ``meta.json`` and the Parquet tables).

    Returns
    -------
    Run
        Tables as attributes (``run.spikes``, ``run.rates``, ...), ``run.meta`` as a dict.

    Raises
    ------
    brainsim.errors.ResultsError
        If the folder does not exist, is not a run, has another ``format_version``, or misses
        a table or one of its columns. A sweep point written with ``Sweep(tables=...)``
        needs only the tables its ``meta.json`` lists (``"tables"``); asking for another one
        (``run.modulators``) raises a :class:`~brainsim.errors.ResultsError` that says so.

    Examples
    --------
    >>> run = load_run("results/healthy")                      # doctest: +SKIP
    >>> run.spikes.groupby("region").size()                    # doctest: +SKIP
    """
    _check_path_type(path, "load_run")
    path = Path(path).expanduser()
    meta = _read_meta(path)
    _check_tables(path, meta)
    return Run(path=path, meta=meta)


def _expand(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(paths, (str, Path)):
        items: list[str | Path] = [paths]
    else:
        if not isinstance(paths, Iterable):
            _check_path_type(paths, "load_runs")
        items = list(paths)
    if not items:
        raise ResultsError("No results folders given; pass folders, or a glob such as "
                           "'results/sweep/*'.")
    found: list[Path] = []
    for item in items:
        _check_path_type(item, "load_runs")
        text = str(Path(item).expanduser()) if isinstance(item, Path) else str(item)
        if _glob.has_magic(text):
            matches = sorted(Path(p) for p in _glob.glob(text))
            dirs = [p for p in matches if is_run_dir(p)]
            if not dirs:
                raise ResultsError(
                    f"The pattern {text!r} matches no results folder"
                    f"{' (it matches only files or non-run folders)' if matches else ''}. "
                    "Check the pattern, e.g. 'results/sweep/*', and that the runs finished."
                )
            found.extend(dirs)
            continue
        path = Path(text).expanduser()
        if path.is_dir() and not (path / "meta.json").exists():
            if (path / "manifest.json").is_file() and not (path / "points").is_dir():
                raise ResultsError(f"The sweep folder {path} has no finished point yet (see "
                                   f"{path / 'manifest.json'}); run or resume the sweep "
                                   "(`neuroemo sweep ... --resume`).")
            if is_sweep_dir(path):  # a sweep folder: its runs are in points/
                path = path / "points"
            inner = sorted(p.parent for p in path.glob("*/meta.json"))
            if inner:  # a folder of runs, e.g. written by protocols/profile_comparison.py
                found.extend(inner)
                continue
            if is_sweep_dir(path.parent):
                raise ResultsError(f"The sweep folder {path.parent} has no finished point yet; "
                                   "run or resume the sweep (`neuroemo sweep ... --resume`).")
        found.append(path)
    # keep order, drop duplicates
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p.resolve(), None)
    return list(unique)


def _labels(paths: Sequence[Path]) -> list[str]:
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    labels = [f"{p.parent.name}/{p.name}" for p in paths]
    if len(set(labels)) == len(labels):
        return labels
    return [str(p) for p in paths]


class Runs:
    """Several runs with their tables concatenated.

    Every table carries the columns ``run`` (folder label), ``profile``, ``seed``,
    ``backend`` first, and one column per sweep parameter when ``meta`` has a ``point``.

    Attributes
    ----------
    runs : list of Run
        The individual runs, in the order given.
    labels : list of str
        The ``run`` column value of each run (folder names, made unique).
    meta : pandas.DataFrame
        One row per run: ``run``, ``profile``, ``seed``, ``backend``, point parameters,
        ``duration_ms`` and ``path``.
    """

    def __init__(self, runs: Sequence[Run], labels: Sequence[str] | None = None) -> None:
        self.runs = list(runs)
        self.labels = list(labels) if labels is not None else _labels([r.path for r in runs])
        self._tables: dict[str, pd.DataFrame] = {}
        points = [r.meta.get("point") or {} for r in self.runs]
        self.point_columns: list[str] = []
        for point in points:
            for key in point:
                if key not in self.point_columns and key not in RUN_COLUMNS:
                    self.point_columns.append(str(key))
        rows = []
        for label, run, point in zip(self.labels, self.runs, points, strict=True):
            row = {"run": label, "profile": run.profile, "seed": run.meta.get("seed"),
                   "backend": run.meta.get("backend")}
            row.update({k: point.get(k) for k in self.point_columns})
            row["duration_ms"] = run.meta.get("duration_ms")
            row["path"] = str(run.path)
            rows.append(row)
        self.meta = pd.DataFrame(rows)

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def __getitem__(self, key: int | str) -> Run:
        if isinstance(key, str):
            return self.runs[self.labels.index(key)]
        return self.runs[key]

    def items(self) -> Iterator[tuple[str, Run]]:
        """``(label, run)`` pairs."""
        return zip(self.labels, self.runs, strict=True)

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` of every run, concatenated, with the run columns in front."""
        if name not in self._tables:
            ids = self.meta[list(RUN_COLUMNS) + self.point_columns]
            frames = []
            for i, run in enumerate(self.runs):
                frame = run.table(name).copy(deep=False)
                for j, column in enumerate(ids.columns):
                    frame.insert(j, column, ids.iloc[i][column])
                frames.append(frame)
            self._tables[name] = pd.concat(frames, ignore_index=True)
        return self._tables[name]

    spikes = property(lambda self: self.table("spikes"), doc="Concatenated spikes.")
    rates = property(lambda self: self.table("rates"), doc="Concatenated rates.")
    modulators = property(lambda self: self.table("modulators"), doc="Concatenated modulators.")
    readout = property(lambda self: self.table("readout"), doc="Concatenated readouts.")
    inputs = property(lambda self: self.table("inputs"), doc="Concatenated inputs.")
    neurons = property(lambda self: self.table("neurons"), doc="Concatenated neurons.")
    synapses = property(lambda self: self.table("synapses"), doc="Concatenated synapses.")
    task = property(lambda self: self.table("task"), doc="Concatenated task trials.")

    @property
    def plot(self) -> PlotAccessor:
        """Figure shortcuts; ``runs.plot.profile_comparison()`` shows all runs."""
        return PlotAccessor(self)

    def __repr__(self) -> str:
        return f"Runs({len(self.runs)} runs: {', '.join(self.labels[:6])}" + (
            ", ...)" if len(self.runs) > 6 else ")")


def load_runs(paths: str | Path | Iterable[str | Path]) -> Runs:
    """Open several results folders as one set of concatenated tables.

    Parameters
    ----------
    paths : str, pathlib.Path or iterable of them
        Results folders, glob patterns (``"results/sweep/*"``), folders whose
        sub-folders are runs (as written by ``protocols/profile_comparison.py``), or a
        sweep's folder (``neuroemo sweep``: its finished points).

    Returns
    -------
    Runs
        ``runs.spikes``, ``runs.rates``, ... with ``run``, ``profile``, ``seed``, ``backend``
        (and sweep-point) columns; ``runs.runs`` holds the individual :class:`Run` objects.

    Raises
    ------
    brainsim.errors.ResultsError
        If nothing matches, or any folder is not a readable run.

    Examples
    --------
    >>> runs = load_runs("results/comparison/*")                     # doctest: +SKIP
    >>> runs.rates.groupby(["profile", "region"]).rate_hz.mean()     # doctest: +SKIP
    """
    folders = _expand(paths)
    runs = [load_run(p) for p in folders]
    return Runs(runs, _labels(folders))
