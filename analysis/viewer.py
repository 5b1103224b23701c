"""``neuroemo view``: one self-contained interactive HTML file of a run.

write_viewer
    Write the viewer of a run to an HTML file (inline JavaScript and CSS, data embedded; it
    opens from disk with no network).
viewer_data
    The data the page embeds: sampled neurons and their positions, synapses between them,
    their spikes, rates, neuromodulator levels, readout, phases and sentences.
layout_neurons
    Positions of the sampled neurons: one disc per region, the striatum cut into one sector
    per emotion channel.

At most ``max_neurons`` neurons per region are drawn (spread evenly over the population, so
every striatal channel keeps its share), and only spikes and synapses of those neurons are
embedded. Spike times and indices travel as base64 typed arrays, so a few seconds of activity
of 5 x 200 neurons stay a few hundred kB.
"""

from __future__ import annotations

import base64
import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.colors import EMOTION_COLORS, MODULATOR_COLORS, color_of
from analysis.io import Run
from brainsim.channels import EMOTIONS, MODULATORS, REGIONS
from brainsim.errors import ResultsError

__all__ = ["write_viewer", "viewer_data", "layout_neurons", "REGION_LAYOUT"]

#: Centre of each region's disc in the page's network canvas (fractions of width, height),
#: loosely anatomical: PFC front-top, striatum deep, thalamus central, limbic below.
REGION_LAYOUT: dict[str, tuple[float, float]] = {
    "pfc": (0.17, 0.27), "striatum": (0.50, 0.25), "thalamus": (0.83, 0.30),
    "amygdala": (0.30, 0.74), "hippocampus": (0.70, 0.74),
}
_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_MAX_CHART_POINTS = 600


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"))
                            .tobytes()).decode("ascii")


def _disc(n: int, radius: float, theta0: float = 0.0,
          span: float = 2 * np.pi) -> tuple[np.ndarray, np.ndarray]:
    """``n`` evenly spread points in a disc sector (sunflower pattern)."""
    i = np.arange(n) + 0.5
    r = radius * np.sqrt(i / max(n, 1))
    theta = theta0 + span * ((i * _GOLDEN) % 1.0 if span < 2 * np.pi else i * 2 * np.pi * _GOLDEN)
    return r * np.cos(theta), r * np.sin(theta)


def layout_neurons(shown: pd.DataFrame, width: float = 900.0,
                   height: float = 520.0) -> pd.DataFrame:
    """Positions (page pixels) of the shown neurons.

    Parameters
    ----------
    shown : pandas.DataFrame
        ``region``, ``neuron``, ``kind``, ``channel`` of the sampled neurons.
    width, height : float
        Size of the network canvas.

    Returns
    -------
    pandas.DataFrame
        ``shown`` with ``x``, ``y`` columns, and the region's disc centre and radius as
        ``cx``, ``cy``, ``radius``.
    """
    out = []
    extra = [r for r in shown["region"].unique() if r not in REGION_LAYOUT]
    for region, cells in shown.groupby("region", sort=False):
        if region in REGION_LAYOUT:
            cx, cy = REGION_LAYOUT[region]
        else:
            cx, cy = (0.5 + 0.3 * np.cos(2 * np.pi * extra.index(region) / len(extra)), 0.5)
        cx, cy = cx * width, cy * height
        radius = min(width, height) * (0.07 + 0.09 * np.sqrt(len(cells) / 200.0))
        cells = cells.copy()
        x = np.zeros(len(cells))
        y = np.zeros(len(cells))
        channels = [c for c in EMOTIONS if c in set(cells["channel"])]
        if channels:
            groups = [cells["channel"].to_numpy() == c for c in channels]
            groups.append(~np.isin(cells["channel"].to_numpy(), channels))
            theta = -np.pi / 2
            for mask in groups:
                span = 2 * np.pi * mask.sum() / len(cells)
                if mask.any():
                    dx, dy = _disc(int(mask.sum()), radius, theta + 0.04, max(span - 0.08, 0.01))
                    x[mask], y[mask] = dx, dy
                theta += span
        else:
            x, y = _disc(len(cells), radius)
        cells["x"], cells["y"], cells["radius"] = cx + x, cy + y, radius
        cells["cx"], cells["cy"] = cx, cy
        out.append(cells)
    return pd.concat(out, ignore_index=True)


def _sample(neurons: pd.DataFrame, max_neurons: int) -> pd.DataFrame:
    parts = []
    rank = {e: k for k, e in enumerate(EMOTIONS)}
    for _, cells in neurons.groupby("region", sort=False):
        cells = cells.assign(_r=cells["channel"].map(rank).fillna(len(EMOTIONS)))
        cells = cells.sort_values(["_r", "neuron"]).drop(columns="_r")
        if len(cells) > max_neurons:
            cells = cells.iloc[np.linspace(0, len(cells) - 1, max_neurons).round().astype(int)]
        parts.append(cells)
    return pd.concat(parts, ignore_index=True)


def _thin(frame: pd.DataFrame, n: int = _MAX_CHART_POINTS) -> pd.DataFrame:
    step = max(1, int(np.ceil(len(frame) / n)))
    return frame.iloc[::step]


def viewer_data(run: Run, *, max_neurons: int = 200, max_synapses: int = 4000) -> dict[str, Any]:
    """Everything the viewer page embeds, as a JSON-ready dict.

    Parameters
    ----------
    run : Run
    max_neurons : int
        Neurons shown per region.
    max_synapses : int
        Synapses between shown neurons kept (a random subset when there are more).

    Returns
    -------
    dict
        Run identity, ``regions`` (name, size, shown, colour, disc centre and radius),
        ``neurons`` (region, channel, inhibitory, x, y of each shown neuron), spikes and
        synapses as base64 little-endian typed arrays (``spike_t``: float32 ms sorted,
        ``spike_i``: uint16 index into ``neurons``; ``synapse_pre``/``synapse_post``), and
        ``rates``, ``modulators``, ``readout`` (thinned to at most 600 points), ``phases``,
        ``sentences``.
    """
    if max_neurons < 1:
        raise ResultsError(f"max_neurons must be at least 1, got {max_neurons}.")
    regions = [r for r in REGIONS if r in set(run.neurons["region"])] + sorted(
        set(run.neurons["region"]) - set(REGIONS))
    neurons = run.neurons[run.neurons["region"].isin(regions)]
    shown = layout_neurons(_sample(neurons, max_neurons))
    shown["index"] = np.arange(len(shown), dtype=np.int64)

    spikes = run.spikes.merge(shown[["region", "neuron", "index"]], on=["region", "neuron"],
                              how="inner").sort_values("t_ms", kind="stable")

    syn = run.synapses
    syn = syn.merge(shown[["region", "neuron", "index"]].rename(
        columns={"region": "pre_region", "neuron": "pre", "index": "pre_index"}),
        on=["pre_region", "pre"], how="inner")
    syn = syn.merge(shown[["region", "neuron", "index"]].rename(
        columns={"region": "post_region", "neuron": "post", "index": "post_index"}),
        on=["post_region", "post"], how="inner")
    n_synapses_shown_total = len(syn)
    if len(syn) > max_synapses:
        syn = syn.sample(max_synapses, random_state=0)
    projections = sorted(syn["projection"].unique()) if len(syn) else []

    region_index = {r: k for k, r in enumerate(regions)}
    channel_index = {e: k for k, e in enumerate(EMOTIONS)}

    rates = run.rates[run.rates["channel"] == ""]
    rate_t = np.sort(rates["t_ms"].unique())
    rate_table = rates.pivot_table(index="t_ms", columns="region", values="rate_hz",
                                   aggfunc="mean").reindex(rate_t)
    rate_table = _thin(rate_table)

    mods = run.modulators
    mod_table = mods.pivot_table(index="t_ms", columns=["modulator", "region"], values="level",
                                 aggfunc="mean").sort_index()
    mod_table = _thin(mod_table)
    modulators = {}
    for modulator in [m for m in MODULATORS if m in set(mods["modulator"])]:
        modulators[modulator] = {
            region: mod_table[(modulator, region)].round(5).tolist()
            for region in regions if (modulator, region) in mod_table.columns
        }

    readout = run.readout.sort_values("t_ms")
    emotions = [e for e in EMOTIONS if e in readout.columns]

    info = []
    for name in regions:
        cells = shown[shown["region"] == name]
        size = run.regions.get(name, {}).get("size", int((neurons["region"] == name).sum()))
        first = cells.iloc[0]
        info.append({"name": name, "size": int(size), "shown": len(cells),
                     "color": color_of(name), "cx": float(first["cx"]), "cy": float(first["cy"]),
                     "radius": float(first["radius"])})

    return {
        "name": run.name, "profile": run.profile, "seed": run.meta.get("seed"),
        "backend": run.meta.get("backend"), "duration_ms": float(run.duration_ms),
        "regions": info, "emotions": emotions,
        "emotion_colors": {e: EMOTION_COLORS[e] for e in EMOTIONS},
        "modulator_colors": dict(MODULATOR_COLORS),
        "neurons": {
            "n": len(shown),
            "region": shown["region"].map(region_index).astype(int).tolist(),
            "channel": shown["channel"].map(channel_index).fillna(-1).astype(int).tolist(),
            "inhibitory": (shown["kind"] != "E").astype(int).tolist(),
            "x": shown["x"].round(1).tolist(), "y": shown["y"].round(1).tolist(),
            "neuron": shown["neuron"].astype(int).tolist(),
        },
        "spike_t": _b64(spikes["t_ms"].to_numpy(np.float32)),
        "spike_i": _b64(spikes["index"].to_numpy(np.uint16)),
        "n_spikes": len(spikes),
        "n_spikes_total": len(run.spikes),
        "synapse_pre": _b64(syn["pre_index"].to_numpy(np.uint16)),
        "synapse_post": _b64(syn["post_index"].to_numpy(np.uint16)),
        "synapse_projection": [projections.index(p) for p in syn["projection"]],
        "projections": projections,
        "n_synapses": len(syn), "n_synapses_between_shown": n_synapses_shown_total,
        "n_synapses_total": len(run.synapses),
        "rates": {"t_ms": rate_table.index.to_numpy(float).round(3).tolist(),
                  "by_region": {r: rate_table[r].fillna(0).round(3).tolist()
                                for r in regions if r in rate_table.columns}},
        "modulators": {"t_ms": mod_table.index.to_numpy(float).round(3).tolist(),
                       "levels": modulators},
        "readout": {"t_ms": readout["t_ms"].round(3).tolist(),
                    "t_end_ms": readout["t_end_ms"].round(3).tolist(),
                    "p": {e: readout[e].round(5).tolist() for e in emotions},
                    "winner": readout["winner"].astype(str).tolist()},
        "phases": run.meta.get("phases") or [],
        "sentences": [{"text": s.get("text", ""), "onset_ms": s.get("onset_ms"),
                       "duration_ms": s.get("duration_ms"), "winner": s.get("winner")}
                      for s in run.meta.get("sentences") or []],
    }


#: Marks a file as written by :func:`write_viewer` (so that it may be replaced).
VIEWER_MARK = b'<meta name="generator" content="neuroemo-viewer">'


def _is_viewer_file(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return path.is_file() and VIEWER_MARK in f.read(2048)
    except OSError:
        return False


def write_viewer(run: Run, out: str | Path, *, max_neurons: int = 200,
                 max_synapses: int = 4000) -> Path:
    """Write the interactive viewer of ``run`` as one self-contained HTML file.

    Parameters
    ----------
    run : Run
    out : str or pathlib.Path
        The HTML file to write (parent folders are created).
    max_neurons, max_synapses : int
        See :func:`viewer_data`.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    ResultsError
        If ``out`` exists and is not an earlier viewer file (results are never overwritten).
    """
    out = Path(out)
    if out.exists() and not _is_viewer_file(out):
        raise ResultsError(f"{out} exists and is not a viewer written by neuroemo view; "
                           "nothing was written. Choose another file with --out "
                           "(e.g. viewer.html).")
    data = viewer_data(run, max_neurons=max_neurons, max_synapses=max_synapses)
    template = resources.files("analysis").joinpath("templates/viewer.html").read_text("utf-8")
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    title = f"NeuroEmoDynamics viewer: {run.name}"
    page = template.replace("__TITLE__", html.escape(title)).replace("__DATA__", payload)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as err:
        raise ResultsError(f"Cannot write the viewer to {out} ({err.strerror}); "
                           "choose another file with --out.") from err
    return out
