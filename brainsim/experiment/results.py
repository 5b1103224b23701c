"""Write a run's results folder (format in docs/results-format.md), atomically.

The folder is written to ``.<out>.tmp-<pid>`` next to its final place and renamed at the end:
a failed or interrupted run leaves nothing behind, and an existing folder is only replaced
with ``force=True`` (and only after the new one is complete).
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from brainsim.channels import EMOTIONS, MODULATORS
from brainsim.devices.base import RawOutput
from brainsim.errors import ResultsError
from brainsim.folders import staged_folder
from brainsim.model.network import NetworkStructure
from brainsim.model.readout import readout

FORMAT_VERSION = 1
RATE_BIN_MS = 10.0
#: Above this many synapses, synapses.parquet holds a uniform random sample of this size.
MAX_SYNAPSES_WRITTEN = 1_000_000


def check_output_folder(out: Path, force: bool, *, collection: bool = False) -> None:
    """Fail early (before simulating) if ``out`` exists without ``force`` or is unwritable.

    ``force`` replaces only a results folder (one holding ``meta.json``) or an empty one, never
    a folder of other files. ``collection``: ``out`` holds the runs of several protocols in
    sub-folders (each checked on its own); it is never replaced itself.
    """
    out = Path(os.path.abspath(out))
    if out.exists() and not force:
        raise ResultsError(
            f"The results folder {out} already exists; nothing was written. Choose another "
            "folder with --out, or pass --force to replace it."
        )
    if out.exists() and not out.is_dir():
        raise ResultsError(f"{out} exists and is not a folder; choose another --out.")
    if out.exists() and not collection and not (out / "meta.json").is_file():
        others = sorted(p.name for p in out.iterdir())
        if others:
            raise ResultsError(
                f"{out} is not a results folder (no meta.json) but holds "
                f"{', '.join(others[:5])}{', ...' if len(others) > 5 else ''}; --force "
                "replaces only earlier results. Choose another --out.")
    if out.exists() and not collection and (out / "meta.json").is_file():
        foreign = foreign_files(out)
        if foreign:
            raise ResultsError(
                f"{out} holds files the run did not write ({', '.join(foreign[:5])}"
                f"{', ...' if len(foreign) > 5 else ''}); --force would delete them with the "
                "old results, so nothing was run. Move them out of the folder (or choose "
                "another --out) and run again.")
    check_writable(out.parent)


def check_writable(folder: Path) -> Path:
    """Fail unless ``folder`` (or, when it does not exist yet, its closest existing parent,
    where it would be created) accepts a new file: checked by creating and deleting one, since
    permission bits say nothing about read-only file systems, ``/proc`` or root. Nothing is
    created for good. Returns the folder that was tried."""
    import tempfile

    anchor = Path(os.path.abspath(folder))
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    if not anchor.is_dir():
        raise ResultsError(f"Cannot create the folder {folder}: {anchor} is a file. Choose "
                           "another --out.")
    if not os.access(anchor, os.W_OK):
        raise ResultsError(f"The folder {anchor} is not writable; choose a writable --out.")
    try:
        fd, probe = tempfile.mkstemp(dir=anchor, prefix=".neuroemo-write-test-")
    except OSError as err:
        raise ResultsError(f"Cannot write in the folder {anchor} ({err.strerror}); choose "
                           "a writable --out.") from None
    os.close(fd)
    os.remove(probe)
    return anchor


#: What a run writes into its folder: anything else there is the user's (see
#: :func:`foreign_files`).
RUN_TABLES = ("spikes", "rates", "modulators", "readout", "inputs", "neurons", "synapses")
RUN_FIGURES = ("raster.png", "rates.png")


def foreign_files(out: Path) -> list[str]:
    """Entries of the results folder ``out`` that a run does not write (notes, ``report/``,
    ``viewer.html``, ...), relative to ``out``, sorted; ``--force`` refuses to delete them."""
    own = {"meta.json", *(f"{t}.parquet" for t in RUN_TABLES)}
    found = []
    for entry in sorted(Path(out).iterdir()):
        if entry.name == "figures" and entry.is_dir() and not entry.is_symlink():
            found += [f"figures/{f.name}" for f in sorted(entry.iterdir())
                      if f.name not in RUN_FIGURES or not f.is_file()]
        elif entry.name not in own or not entry.is_file():
            found.append(entry.name + ("/" if entry.is_dir() else ""))
    return found


def spikes_frame(raw: RawOutput, structure: NetworkStructure) -> pd.DataFrame:
    regions = list(raw.spikes)
    frames = []
    for k, (region, (i, t)) in enumerate(raw.spikes.items()):
        channel = structure.layouts[region].channel[i]  # len(EMOTIONS): outside the channels
        frames.append(pd.DataFrame({
            "region": pd.Categorical.from_codes(np.full(len(i), k), categories=regions),
            "neuron": i.astype(np.int32), "t_ms": t,
            "channel": pd.Categorical.from_codes(np.where(channel < len(EMOTIONS), channel + 1,
                                                          0), categories=["", *EMOTIONS])}))
    df = pd.concat(frames, ignore_index=True).sort_values("t_ms", kind="stable")
    return df.reset_index(drop=True)


def rates_frame(raw: RawOutput, structure: NetworkStructure, duration_ms: float) -> pd.DataFrame:
    """Population rates of the principal ("E") cells in 10 ms bins; striatum also per channel."""
    edges = np.arange(0.0, duration_ms + RATE_BIN_MS - 1e-9, RATE_BIN_MS)
    edges[-1] = duration_ms
    width_s = np.diff(edges) / 1000.0
    frames = []
    for region, (i, t) in raw.spikes.items():
        layout = structure.layouts[region]
        exc = i < layout.n_exc
        counts, _ = np.histogram(t[exc], edges)
        frames.append(pd.DataFrame({"region": region, "channel": "", "t_ms": edges[:-1],
                                    "rate_hz": counts / layout.n_exc / width_s}))
        if region == "striatum":
            for c, name in enumerate(EMOTIONS):
                members = layout.channel[:layout.n_exc] == c
                sel = layout.channel[i] == c
                counts, _ = np.histogram(t[sel], edges)
                frames.append(pd.DataFrame({"region": region, "channel": name,
                                            "t_ms": edges[:-1],
                                            "rate_hz": counts / members.sum() / width_s}))
    return pd.concat(frames, ignore_index=True)


def modulators_frame(raw: RawOutput, structure: NetworkStructure) -> pd.DataFrame:
    regions = list(structure.anatomy.regions)
    frames = []
    for m in MODULATORS:
        trace = raw.modulators[m]
        for k, region in enumerate(regions):
            frames.append(pd.DataFrame({"region": region, "modulator": m,
                                        "t_ms": raw.modulator_t_ms, "level": trace[k]}))
    return pd.concat(frames, ignore_index=True)


def neurons_frame(structure: NetworkStructure) -> pd.DataFrame:
    frames = []
    for region, layout in structure.layouts.items():
        idx = np.arange(layout.size)
        frames.append(pd.DataFrame({
            "region": region, "neuron": idx.astype(np.int32),
            "kind": np.where(idx < layout.n_exc, "E", "I"),
            "channel": np.array([*EMOTIONS, ""], dtype=object)[layout.channel],
        }))
    return pd.concat(frames, ignore_index=True)


def synapses_frame(structure: NetworkStructure, weights_pA: dict[str, np.ndarray],
                   final_weights_pA: dict[str, np.ndarray] | None = None,
                   seed: int = 0) -> tuple[pd.DataFrame, bool]:
    """All synapses (or a uniform sample of :data:`MAX_SYNAPSES_WRITTEN` of them).

    ``weight_pA`` is the weight at the end of the run (plastic synapses learn),
    ``initial_weight_pA`` the weight at its start.
    """
    final_weights_pA = final_weights_pA or {}
    offsets = structure.offsets
    starts = np.array([a for a, _ in offsets.values()])
    regions = list(offsets)
    projections = list(dict.fromkeys(n for s in structure.synapses for n in s.projection_names))
    frames = []
    total = sum(len(s.i) for s in structure.synapses)
    sampled = total > MAX_SYNAPSES_WRITTEN
    rng = np.random.default_rng(seed)
    for s in structure.synapses:
        keep = np.arange(len(s.i))
        if sampled:
            keep = np.sort(rng.choice(len(s.i), int(len(s.i) * MAX_SYNAPSES_WRITTEN / total),
                                      replace=False))
        i, j = s.i[keep], s.j[keep]
        pre_r = np.searchsorted(starts, i, side="right") - 1
        post_r = np.searchsorted(starts, j, side="right") - 1
        # categorical columns built from codes: no Python string per synapse
        projection_code = np.array([projections.index(n) for n in s.projection_names])
        frames.append(pd.DataFrame({
            "projection": pd.Categorical.from_codes(projection_code[s.projection[keep]],
                                                    categories=projections),
            "pre_region": pd.Categorical.from_codes(pre_r, categories=regions),
            "pre": (i - starts[pre_r]).astype(np.int32),
            "post_region": pd.Categorical.from_codes(post_r, categories=regions),
            "post": (j - starts[post_r]).astype(np.int32),
            "weight_pA": final_weights_pA.get(s.name, weights_pA[s.name])[keep],
            "initial_weight_pA": weights_pA[s.name][keep],
            "delay_ms": np.full(len(keep), s.delay_ms),
            "plastic": s.plastic,
        }))
    df = pd.concat(frames, ignore_index=True)
    return df, sampled


@functools.cache
def git_revision() -> str | None:
    """The project's git revision (with ``-dirty`` for uncommitted changes), if any.

    Asked once per process (a sweep worker writes many points): the code a process runs is
    the code it imported at its start.
    """
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=5).stdout
        return rev + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    import sys

    return dict(_versions("torch" in sys.modules))


@functools.cache
def _versions(with_torch: bool) -> tuple[tuple[str, str], ...]:
    from importlib import metadata

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("brian2", "brian2cuda", "numpy", "pandas", "torch", "neuroemodynamics"):
        if pkg == "torch" and not with_torch:
            continue
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return tuple(out.items())


def write_run(out: Path, *, force: bool, tables: dict[str, pd.DataFrame], meta: dict,
              figures: Callable[[Path, str], None] | None = None) -> Path:
    """Write tables, ``meta.json`` and figures into ``out`` atomically.

    Parameters
    ----------
    out : Path
        Final folder.
    force : bool
        Replace an existing folder (after the new one is complete).
    tables : dict of str to DataFrame
        Written as ``<name>.parquet``.
    meta : dict
        Written as ``meta.json``.
    figures : callable, optional
        ``figures(folder, name)``, called with the temporary folder once the tables exist
        and the name the folder will have; writes ``figures/``.
    """
    given = Path(out)
    out = Path(os.path.abspath(given))  # "." or ".." have no name to rename by
    check_output_folder(out, force)
    appeared = lambda: ResultsError(  # noqa: E731
        f"{out} appeared while the run was being written; the new results were discarded. "
        "Use --force or another --out.")
    try:
        with staged_folder(out, replace=force, exists_error=appeared) as tmp:
            for name, df in tables.items():
                df.to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=_json_default))
            if figures is not None:
                figures(tmp, out.name)
    except OSError as err:  # a full disk, a folder removed underneath: not a traceback
        raise ResultsError(
            f"Could not write the results to {out} ({err.strerror or err}); nothing was kept"
            f"{' and the earlier results are untouched' if out.exists() else ''}. Free some "
            "space or choose another --out, and run again.") from None
    return given if given.name not in ("", "..") else out


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def readout_frame(raw: RawOutput, structure: NetworkStructure, duration_ms: float,
                  window_ms: float = 100.0) -> pd.DataFrame:
    i, t = raw.spikes["striatum"]
    return readout(i, t, structure.layouts["striatum"].channel, duration_ms, window_ms)
