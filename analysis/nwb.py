"""Export a results folder to one Neurodata Without Borders (NWB) file.

export_nwb
    Write ``RUN/run.nwb`` (or another path) from a results folder or a loaded :class:`Run`.
describe_nwb
    Read an NWB file back and say in one line what it holds (used by ``neuroemo export-nwb``).

Where each table goes (all times in seconds from the start of the simulation):

================== ===============================================================
results folder     NWB file
================== ===============================================================
neurons, spikes    ``units``: one row per neuron, silent ones included, with columns
                   ``region``, ``neuron`` (index within the region), ``kind`` (E/I)
                   and ``channel`` (striatal emotion channel, ``""`` elsewhere)
rates              ``processing/rates``: one TimeSeries (Hz) per region and channel
modulators         ``processing/modulators``: one TimeSeries per region and modulator
readout            ``processing/readout``: ``probability_<emotion>``, ``rate_<emotion>``
                   TimeSeries and a ``windows`` table (start, stop, winner)
inputs             ``stimulus``: one TimeSeries per kind and channel
meta: phases       ``epochs`` with a ``phase`` column
meta: sentences    ``intervals/sentences`` (text, gate, winner, p_<emotion>)
meta.json          ``notes`` (the whole file as JSON), ``protocol`` (the resolved spec)
================== ===============================================================

The synapses table is not exported: NWB has no core type for model connectivity.
pynwb is imported only when a file is written or read.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analysis.io import Run, load_run
from brainsim.errors import ResultsError

if TYPE_CHECKING:  # pragma: no cover
    from pynwb import NWBFile

__all__ = ["DEFAULT_NAME", "describe_nwb", "export_nwb"]

#: File name of the export inside the results folder.
DEFAULT_NAME = "run.nwb"

#: Unit of the dimensionless series (neuromodulator levels, probabilities, text drive).
DIMENSIONLESS = "dimensionless"


def _pynwb() -> Any:
    try:
        import pynwb
    except ImportError as err:
        raise ResultsError(
            f"Exporting to NWB needs the pynwb package, which cannot be imported ({err}); "
            "install it with `pip install pynwb`."
        ) from err
    return pynwb


def _start_time(run: Run) -> datetime:
    """``meta['created']`` with the local time zone, else the time meta.json was written."""
    created = run.meta.get("created")
    if isinstance(created, str):
        try:
            return datetime.fromisoformat(created).astimezone()
        except ValueError:
            pass
    return datetime.fromtimestamp((run.path / "meta.json").stat().st_mtime).astimezone()


def _seconds(t_ms: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(t_ms, dtype=np.float64) / 1000.0


def _text(column: pd.Series) -> np.ndarray:
    return column.astype(str).to_numpy(dtype=object)


def _units(nwb: NWBFile, run: Run) -> None:
    from hdmf.common import ElementIdentifiers, VectorData, VectorIndex
    from pynwb.misc import Units

    neurons = run.neurons[["region", "neuron", "kind", "channel"]].reset_index(drop=True)
    key = pd.DataFrame({"region": _text(neurons["region"]),
                        "neuron": neurons["neuron"].to_numpy(np.int64),
                        "unit": np.arange(len(neurons))})
    spikes = pd.DataFrame({"region": _text(run.spikes["region"]),
                           "neuron": run.spikes["neuron"].to_numpy(np.int64),
                           "t_s": _seconds(run.spikes["t_ms"])})
    spikes = spikes.merge(key, on=["region", "neuron"], how="left")
    if spikes["unit"].isna().any():
        bad = spikes[spikes["unit"].isna()].iloc[0]
        raise ResultsError(
            f"{run.path / 'spikes.parquet'} has spikes of neuron {bad['neuron']} of region "
            f"{bad['region']!r}, which neurons.parquet does not list. The folder mixes files "
            "of different runs; run the protocol again (with --force)."
        )
    unit = spikes["unit"].to_numpy(np.int64)
    order = np.lexsort((spikes["t_s"].to_numpy(), unit))  # by neuron, then time
    times = VectorData(name="spike_times", data=spikes["t_s"].to_numpy()[order],
                       description="spike times in seconds from the start of the simulation")
    ends = np.cumsum(np.bincount(unit, minlength=len(neurons)))
    columns = [
        times, VectorIndex(name="spike_times_index", data=ends, target=times),
        VectorData(name="region", data=_text(neurons["region"]),
                   description="brain region of the model neuron"),
        VectorData(name="neuron", data=neurons["neuron"].to_numpy(np.int64),
                   description="index of the neuron within its region (as in the results)"),
        VectorData(name="kind", data=_text(neurons["kind"]),
                   description="cell type: E excitatory, I inhibitory"),
        VectorData(name="channel", data=_text(neurons["channel"]),
                   description="emotion channel of striatal projection neurons, '' elsewhere"),
    ]
    nwb.units = Units(
        name="units", columns=columns,
        id=ElementIdentifiers(name="id", data=np.arange(len(neurons))),
        description="every simulated neuron (silent ones have no spikes), in network order",
    )


def _series(name: str, times_ms: pd.Series, data: pd.Series, unit: str,
            description: str) -> Any:
    from pynwb import TimeSeries

    return TimeSeries(name=name, data=np.asarray(data, dtype=np.float64),
                      timestamps=_seconds(times_ms), unit=unit, description=description)


def _label(*parts: str) -> str:
    return "_".join(p for p in parts if p)


def _processing(nwb: NWBFile, run: Run) -> None:
    from pynwb.epoch import TimeIntervals

    if run.has_table("rates"):
        rates = nwb.create_processing_module(
            "rates", "population rates of the excitatory neurons; timestamps are bin starts")
        for (region, channel), frame in run.rates.groupby(["region", "channel"], sort=False,
                                                          observed=True):
            where = f"{region}, {channel} channel" if channel else str(region)
            rates.add(_series(_label(str(region), str(channel)), frame["t_ms"],
                              frame["rate_hz"], "Hz",
                              f"population rate of the excitatory neurons ({where})"))

    if run.has_table("modulators"):
        modulators = nwb.create_processing_module("modulators", "neuromodulator levels")
        for (region, modulator), frame in run.modulators.groupby(["region", "modulator"],
                                                                 sort=False, observed=True):
            modulators.add(_series(f"{region}_{modulator}", frame["t_ms"], frame["level"],
                                   DIMENSIONLESS, f"{modulator} level in {region}"))

    if not run.has_table("readout"):
        return
    readout = run.readout
    module = nwb.create_processing_module(
        "readout", "striatal emotion readout per window; timestamps are window starts")
    for column in readout.columns:
        if column in ("t_ms", "t_end_ms") or not pd.api.types.is_numeric_dtype(readout[column]):
            continue
        if column.startswith("rate_"):
            module.add(_series(column, readout["t_ms"], readout[column], "Hz",
                               f"mean rate of the striatal {column[5:]} channel in the window"))
        else:
            module.add(_series(f"probability_{column}", readout["t_ms"], readout[column],
                               DIMENSIONLESS, f"readout probability of {column}"))
    if len(readout):
        windows = TimeIntervals(name="windows", description="readout windows and their winner")
        windows.add_column("winner", "most probable emotion in the window")
        for start, stop, winner in zip(_seconds(readout["t_ms"]), _seconds(readout["t_end_ms"]),
                                       _text(readout["winner"]), strict=True):
            windows.add_row(start_time=start, stop_time=stop, winner=winner)
        module.add(windows)


def _inputs_and_events(nwb: NWBFile, run: Run) -> None:
    from pynwb.epoch import TimeIntervals

    units = {"sensory": ("Hz", "Poisson input rate"), "reward": (DIMENSIONLESS, "reward"),
             "text": (DIMENSIONLESS, "text drive (gate x probability)")}
    groups = run.inputs.groupby(["kind", "channel"], sort=False, observed=True) \
        if run.has_table("inputs") else ()
    for (kind, channel), frame in groups:
        unit, what = units.get(str(kind), (DIMENSIONLESS, f"{kind} input"))
        name = str(kind) if channel in ("", kind) else f"{kind}_{channel}"
        nwb.add_stimulus(_series(name, frame["t_ms"], frame["value"], unit,
                                 f"{what}, channel {channel}"))

    phases = run.meta.get("phases") or []
    if phases:
        nwb.add_epoch_column("phase", "name of the protocol phase")
        for phase in phases:
            nwb.add_epoch(start_time=phase["start_ms"] / 1000.0,
                          stop_time=phase["end_ms"] / 1000.0, phase=str(phase["name"]))

    sentences = run.meta.get("sentences") or []
    if sentences:
        emotions = list(run.meta.get("emotions") or sentences[0]["probabilities"])
        table = TimeIntervals(name="sentences", description="sentences shown to the network")
        table.add_column("text", "the sentence")
        table.add_column("gate", "text gate (how strongly the sentence drives the network)")
        table.add_column("winner", "most probable emotion of the sentence")
        for emotion in emotions:
            table.add_column(f"p_{emotion}", f"probability of {emotion} given by the text model")
        for s in sentences:
            onset = s["onset_ms"] / 1000.0
            table.add_row(start_time=onset, stop_time=onset + s["duration_ms"] / 1000.0,
                          text=str(s["text"]), gate=float(s["gate"]), winner=str(s["winner"]),
                          **{f"p_{e}": float(s["probabilities"].get(e, np.nan))
                             for e in emotions})
        nwb.add_time_intervals(table)


def _nwbfile(run: Run) -> NWBFile:
    pynwb = _pynwb()
    meta = run.meta
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:16]
    protocol = meta.get("protocol") or {}
    name = protocol.get("name", meta.get("name", run.name)) if isinstance(protocol, dict) \
        else run.name
    dropped = [t for t in ("spikes", "neurons", "rates", "modulators", "readout", "inputs")
               if not run.has_table(t)]
    nwb = pynwb.NWBFile(
        session_description=(
            f"NeuroEmoDynamics simulation: protocol {name}, profile {meta.get('profile')}, "
            f"seed {meta.get('seed')}, backend {meta.get('backend')}, "
            f"{meta.get('duration_ms')} ms"
            + (f"; a sweep point that did not keep the tables {', '.join(dropped)} "
               "(meta.json 'tables'), so their parts are absent" if dropped else "")),
        identifier=f"neuroemo-{run.name}-{digest}",
        session_start_time=_start_time(run),
        session_id=run.name,
        experiment_description="Brian2 model of emotion and cognition across five brain "
                               "regions with serotonin, dopamine and norepinephrine",
        keywords=[k for k in ("NeuroEmoDynamics", "simulation", "Brian2", meta.get("profile"))
                  if k],
        protocol=json.dumps(protocol, sort_keys=True),
        notes=json.dumps(meta, indent=1),
    )
    if run.has_table("spikes") and run.has_table("neurons"):
        _units(nwb, run)
    _processing(nwb, run)
    _inputs_and_events(nwb, run)
    return nwb


def export_nwb(run_or_path: Run | str | Path, out: str | Path | None = None, *,
               force: bool = False) -> Path:
    """Write a run to one NWB file.

    Units (spikes), rate, neuromodulator and readout series, stimulus series (inputs), the
    protocol's phases as epochs and its sentences as intervals. A sweep point that kept only
    some tables (``Sweep(tables=...)``) exports the parts its tables hold; the file's
    ``session_description`` names the tables it lacks (units need both spikes and neurons).

    Parameters
    ----------
    run_or_path : Run, str or pathlib.Path
        A loaded run, or a results folder written by ``neuroemo run``.
    out : str or pathlib.Path, optional
        The file to write; its name must end in ``.nwb``. Default ``RUN/run.nwb``.
    force : bool
        Replace ``out`` if it exists (it must then be a file ending in ``.nwb``).

    Returns
    -------
    pathlib.Path
        ``out``. The file is written under a temporary name next to it and renamed at the
        end, so a failure leaves no partial file behind.

    Raises
    ------
    brainsim.errors.ResultsError
        If the folder is not a readable results folder, ``out`` exists and ``force`` is
        false, ``out`` is a folder or does not end in ``.nwb``, or pynwb is not installed.

    Examples
    --------
    >>> path = export_nwb("results/healthy")                   # doctest: +SKIP
    >>> from pynwb import NWBHDF5IO                              # doctest: +SKIP
    >>> with NWBHDF5IO(path, "r") as io:                         # doctest: +SKIP
    ...     units = io.read().units.to_dataframe()
    """
    run = run_or_path if isinstance(run_or_path, Run) else load_run(run_or_path)
    out = Path(out).expanduser() if out is not None else run.path / DEFAULT_NAME
    if out.suffix != ".nwb":
        raise ResultsError(f"{out} does not end in .nwb; give an output file name such as "
                           f"{out.with_suffix('.nwb').name}.")
    if out.is_dir():
        raise ResultsError(f"{out} is a folder; give the NWB file to write, e.g. "
                           f"{out / DEFAULT_NAME}.")
    if out.exists() and not force:
        raise ResultsError(f"{out} already exists; pass --force (force=True) to replace it, "
                           "or choose another --out.")
    nwb = _nwbfile(run)  # also checks that pynwb is installed
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp.nwb")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _pynwb().NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwb)
        os.replace(tmp, out)
    except OSError as err:
        raise ResultsError(f"Cannot write {out} ({err}); check that its folder is writable "
                           "and the disk has room.") from err
    finally:
        tmp.unlink(missing_ok=True)
    return out


def describe_nwb(path: str | Path) -> str:
    """What an exported NWB file holds, in one line (units, spikes, series, intervals).

    Parameters
    ----------
    path : str or pathlib.Path
        An NWB file, e.g. one written by :func:`export_nwb`.

    Returns
    -------
    str
        E.g. ``"700 units (698 with spikes, 6 123 spikes); series: rates 11, ..."``.
    """
    pynwb = _pynwb()
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        ends = np.asarray(nwb.units["spike_times_index"].data[:]) if nwb.units is not None \
            else np.zeros(0, dtype=np.int64)
        counts = np.diff(ends, prepend=0)
        series = [f"{name} {len(module.data_interfaces)}"
                  for name, module in nwb.processing.items()]
        series.append(f"stimulus {len(nwb.stimulus)}")
        intervals = [f"{name} {len(table)}" for name, table in nwb.intervals.items()]
    return (f"{len(counts)} units ({int((counts > 0).sum())} with spikes, "
            f"{int(counts.sum())} spikes); processing/stimulus entries: {', '.join(series)}; "
            f"intervals: {', '.join(intervals) or 'none'}")
