"""Matplotlib figures of a run; each function returns a :class:`matplotlib.figure.Figure`.

The figures are built with the object-oriented API (no ``pyplot`` state, Agg canvas), so they
can be made from any thread or a headless machine and saved with ``fig.savefig(path)``.

Activity
--------
plot_raster
    Spike raster, one panel per region; striatal neurons coloured by emotion channel.
plot_rates
    Population rate per region (striatum per channel) with the protocol's phases shaded and
    sentence onsets marked.

Neuromodulation and readout
---------------------------
plot_modulators
    Serotonin, dopamine and norepinephrine per region over time, reward events marked.
plot_readout
    Striatal readout probabilities over time, stacked.

Several runs
------------
plot_profile_comparison
    One row per profile (per condition: runs differing only in seed are averaged):
    population rates per region and the readout.
plot_against
    Mean rates and readout of several runs against one parameter, e.g. a sweep's.
save_figure
    Save a figure (creating folders) and release its memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from analysis.colors import EMOTION_COLORS, MODULATOR_COLORS, REGION_COLORS, color_of
from analysis.io import Run, Runs
from brainsim.channels import EMOTIONS, MODULATORS, NO_WINNER, REGIONS
from brainsim.errors import ConfigError, ResultsError

__all__ = [
    "plot_raster", "plot_rates", "plot_modulators", "plot_readout",
    "plot_profile_comparison", "plot_against", "save_figure",
]

_PHASE_SHADES = ("#f2f2f2", "#e0e0e0")


def _region_order(names: Sequence[str]) -> list[str]:
    known = [r for r in REGIONS if r in names]
    return known + sorted(n for n in names if n not in REGIONS)


def _regions_of(run: Run) -> list[str]:
    names = set(run.regions) or set(run.neurons["region"].unique())
    return _region_order(list(names))


def _seconds_axis(ax: Axes, duration_ms: float) -> None:
    ax.set_xlim(0.0, duration_ms / 1000.0)


def _mark_protocol(ax: Axes, run: Run, *, labels: bool) -> None:
    """Shade phases and draw sentence onsets (times in s) on ``ax``."""
    for k, phase in enumerate(run.meta.get("phases") or []):
        start, end = float(phase["start_ms"]) / 1000.0, float(phase["end_ms"]) / 1000.0
        ax.axvspan(start, end, color=_PHASE_SHADES[k % 2], zorder=0, lw=0)
        if labels:
            ax.text((start + end) / 2, 0.02, str(phase.get("name", "")),
                    transform=ax.get_xaxis_transform(), ha="center", va="bottom", fontsize=7,
                    color="#555555", clip_on=True)
    for sentence in run.meta.get("sentences") or []:
        onset = float(sentence.get("onset_ms", 0.0)) / 1000.0
        color = EMOTION_COLORS.get(str(sentence.get("winner", "")), "#000000")
        ax.axvline(onset, color=color, ls="--", lw=0.9, zorder=1)
        if labels:
            text = str(sentence.get("text", ""))
            text = text if len(text) <= 28 else text[:27] + "…"
            ax.text(onset, 0.97, f" “{text}”", transform=ax.get_xaxis_transform(), rotation=0,
                    ha="left", va="top", fontsize=6, color=color, clip_on=True)


def _sample_neurons(neurons: pd.DataFrame, max_neurons: int | None) -> np.ndarray:
    """Neuron indices to show, evenly spread over the population (channel-grouped order)."""
    if max_neurons is not None and (isinstance(max_neurons, bool)
                                    or not isinstance(max_neurons, int | np.integer)
                                    or max_neurons < 1):
        raise ConfigError(f"max_neurons must be a positive integer or None (all), got "
                          f"{max_neurons!r}.")
    ids = neurons["neuron"].to_numpy()
    if max_neurons is not None and len(ids) > max_neurons:
        ids = ids[np.linspace(0, len(ids) - 1, max_neurons).round().astype(int)]
    return ids


def plot_raster(
    run: Run,
    region: str | Sequence[str] | None = None,
    *,
    max_neurons: int | None = 200,
    t_range_ms: tuple[float, float] | None = None,
    markersize: float = 1.5,
) -> Figure:
    """Spike raster, one panel per region.

    Parameters
    ----------
    run : Run
        A loaded run.
    region : str or sequence of str, optional
        Region(s) to show; all regions by default.
    max_neurons : int or None
        Neurons shown per region (spread evenly over the population); ``None`` shows all.
    t_range_ms : (float, float), optional
        Time window to show; the whole run by default.
    markersize : float
        Dot size.

    Returns
    -------
    matplotlib.figure.Figure
        Striatal excitatory neurons are grouped and coloured by emotion channel (legend),
        inhibitory neurons drawn in grey at the top of each panel.
    """
    regions = _regions_of(run) if region is None else (
        [region] if isinstance(region, str) else list(region))
    unknown = [r for r in regions if r not in set(run.neurons["region"])]
    if unknown:
        raise ResultsError(
            f"Region(s) {', '.join(unknown)} not in this run; it has "
            f"{', '.join(_regions_of(run))}."
        )
    spikes = run.spikes
    if t_range_ms is not None:
        spikes = spikes[(spikes["t_ms"] >= t_range_ms[0]) & (spikes["t_ms"] < t_range_ms[1])]
    neurons = run.neurons
    heights = []
    layouts = []
    for name in regions:
        cells = neurons[neurons["region"] == name].copy()
        # excitatory neurons first, grouped by channel in EMOTIONS order, inhibitory on top
        rank = {e: k for k, e in enumerate(EMOTIONS)}
        cells["_inh"] = cells["kind"] != "E"
        cells["_rank"] = cells["channel"].map(rank).fillna(-1)
        cells = cells.sort_values(["_inh", "_rank", "neuron"])
        shown = _sample_neurons(cells, max_neurons)
        cells = cells.set_index("neuron").loc[shown]
        layouts.append(cells)
        heights.append(max(len(cells), 1))

    fig = Figure(figsize=(10, 1.2 + 0.9 * len(regions) + 0.004 * sum(heights)),
                 layout="constrained")
    axes = fig.subplots(len(regions), 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [h ** 0.5 for h in heights]})[:, 0]
    duration = run.duration_ms if t_range_ms is None else t_range_ms[1]
    used_channels: list[str] = []
    for ax, name, cells in zip(axes, regions, layouts, strict=True):
        y_of = pd.Series(np.arange(len(cells)), index=cells.index)
        sel = spikes[(spikes["region"] == name) & spikes["neuron"].isin(cells.index)]
        y = y_of.reindex(sel["neuron"].to_numpy()).to_numpy()
        t = sel["t_ms"].to_numpy() / 1000.0
        channel_of = cells["channel"].reindex(sel["neuron"].to_numpy()).to_numpy()
        kind_of = cells["kind"].reindex(sel["neuron"].to_numpy()).to_numpy()
        if name == "striatum" or (cells["channel"] != "").any():
            for emotion in EMOTIONS:
                mask = (channel_of == emotion) & (kind_of == "E")
                if mask.any() or (cells["channel"] == emotion).any():
                    ax.plot(t[mask], y[mask], ls="none", marker=".", ms=markersize,
                            color=EMOTION_COLORS[emotion], rasterized=True)
                    if emotion not in used_channels:
                        used_channels.append(emotion)
            rest = ~np.isin(channel_of, list(EMOTIONS)) | (kind_of != "E")
            ax.plot(t[rest], y[rest], ls="none", marker=".", ms=markersize, color="#555555",
                    rasterized=True)
        else:
            exc = kind_of == "E"
            ax.plot(t[exc], y[exc], ls="none", marker=".", ms=markersize,
                    color=REGION_COLORS.get(name, "#333333"), rasterized=True)
            ax.plot(t[~exc], y[~exc], ls="none", marker=".", ms=markersize, color="#555555",
                    rasterized=True)
        n_total = int((neurons["region"] == name).sum())
        ax.set_ylim(-0.5, max(len(cells), 1) - 0.5)
        ax.set_ylabel(f"{name}\n({len(cells)}/{n_total})", fontsize=8)
        ax.set_yticks([])
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[0].set_xlim((t_range_ms[0] / 1000.0) if t_range_ms else 0.0, duration / 1000.0)
    axes[-1].set_xlabel("time (s)")
    if used_channels:
        handles = [Patch(color=EMOTION_COLORS[e], label=e) for e in used_channels]
        handles.append(Patch(color="#555555", label="inhibitory"))
        axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                       fontsize=7, frameon=False, title="striatum", title_fontsize=7)
    fig.suptitle(_title(run, "spike raster"), fontsize=10)
    return fig


def _title(run: Run, what: str) -> str:
    bits = [what, run.name]
    if run.profile:
        bits.append(f"profile {run.profile}")
    if run.meta.get("seed") is not None:
        bits.append(f"seed {run.meta['seed']}")
    return " — ".join(bits[:1]) + ": " + ", ".join(bits[1:])


def plot_rates(run: Run, *, smooth_ms: float = 0.0) -> Figure:
    """Population firing rate per region over time.

    Parameters
    ----------
    run : Run
        A loaded run.
    smooth_ms : float
        Width of a centred moving average over the 10 ms bins (0: none).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per region (the striatum shows each emotion channel), the protocol's phases
        shaded and named, sentence onsets as dashed lines coloured by the sentence's winner.
    """
    _check_smooth(smooth_ms)
    rates = run.rates
    regions = _region_order(list(rates["region"].unique())) or _regions_of(run)
    fig = Figure(figsize=(10, 1.0 + 1.3 * len(regions)), layout="constrained")
    axes = fig.subplots(len(regions), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, regions, strict=True):
        _mark_protocol(ax, run, labels=ax is axes[0])
        sub = rates[rates["region"] == name]
        whole = sub[sub["channel"] == ""].sort_values("t_ms")
        channels = [e for e in EMOTIONS if e in set(sub["channel"])]
        if channels:
            for emotion in channels:
                line = sub[sub["channel"] == emotion].sort_values("t_ms")
                ax.plot(line["t_ms"] / 1000.0, _smooth(line["rate_hz"], smooth_ms), lw=0.9,
                        color=EMOTION_COLORS[emotion], label=emotion)
            if len(whole):
                ax.plot(whole["t_ms"] / 1000.0, _smooth(whole["rate_hz"], smooth_ms), lw=1.2,
                        color="black", label="all")
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        else:
            ax.plot(whole["t_ms"] / 1000.0, _smooth(whole["rate_hz"], smooth_ms), lw=1.0,
                    color=REGION_COLORS.get(name, "#333333"))
        ax.set_ylabel(f"{name}\n(Hz)", fontsize=8)
        ax.set_ylim(bottom=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    _seconds_axis(axes[0], run.duration_ms)
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(_title(run, "population rates"), fontsize=10)
    return fig


def _check_smooth(width_ms: object) -> float:
    """``smooth_ms`` as a float; a :class:`ConfigError` unless it is a number >= 0."""
    if (isinstance(width_ms, bool) or not isinstance(width_ms, int | float | np.number)
            or not np.isfinite(width_ms) or width_ms < 0):
        raise ConfigError(f"smooth_ms must be a width in ms >= 0 (0: no smoothing), got "
                          f"{width_ms!r}.")
    return float(width_ms)


def _smooth(values: pd.Series, width_ms: float, bin_ms: float = 10.0) -> np.ndarray:
    n = int(round(_check_smooth(width_ms) / bin_ms))
    if n <= 1:
        return values.to_numpy()
    return values.rolling(n, center=True, min_periods=1).mean().to_numpy()


def plot_modulators(run: Run) -> Figure:
    """Neuromodulator levels per region over time.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per modulator (serotonin, dopamine, norepinephrine), one line per region;
        reward events from ``inputs`` drawn as ticks (up for positive, down for negative).
    """
    mods = run.modulators
    names = [m for m in MODULATORS if m in set(mods["modulator"])] + sorted(
        set(mods["modulator"]) - set(MODULATORS))
    fig = Figure(figsize=(10, 1.0 + 1.6 * max(len(names), 1)), layout="constrained")
    axes = fig.subplots(max(len(names), 1), 1, sharex=True, squeeze=False)[:, 0]
    rewards = run.inputs[run.inputs["kind"] == "reward"]
    for ax, modulator in zip(axes, names, strict=False):
        _mark_protocol(ax, run, labels=ax is axes[0])
        sub = mods[mods["modulator"] == modulator]
        for region in _region_order(list(sub["region"].unique())):
            line = sub[sub["region"] == region].sort_values("t_ms")
            ax.plot(line["t_ms"] / 1000.0, line["level"], lw=1.0, color=color_of(region),
                    label=region)
        if modulator == "dopamine" and len(rewards):
            for t, value in zip(rewards["t_ms"] / 1000.0, rewards["value"], strict=True):
                ax.annotate("", xy=(t, 0.0), xytext=(t, -0.12 if value >= 0 else 0.12),
                            xycoords=("data", "axes fraction"),
                            arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 0.8})
        ax.set_ylabel(modulator, fontsize=8, color=MODULATOR_COLORS.get(modulator, "black"))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    if names:
        axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    _seconds_axis(axes[0], run.duration_ms)
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(_title(run, "neuromodulators"), fontsize=10)
    return fig


def _emotions_in(readout: pd.DataFrame) -> list[str]:
    return [e for e in EMOTIONS if e in readout.columns]


def _stack_readout(ax: Axes, readout: pd.DataFrame) -> None:
    emotions = _emotions_in(readout)
    readout = readout.sort_values("t_ms")
    # each window drawn as a step over [t_ms, t_end_ms)
    t = np.concatenate([readout["t_ms"].to_numpy(), readout["t_end_ms"].to_numpy()[-1:]])
    values = [np.append(readout[e].to_numpy(), readout[e].to_numpy()[-1:]) for e in emotions]
    ax.stackplot(t / 1000.0, values, labels=emotions, step="post",
                 colors=[EMOTION_COLORS[e] for e in emotions], lw=0)
    ax.set_ylim(0, 1)


def plot_readout(run: Run) -> Figure:
    """Striatal readout over time as stacked probabilities.

    Returns
    -------
    matplotlib.figure.Figure
        Top: probability per emotion in each readout window, stacked to 1, sentence onsets
        marked. Bottom: the winner of each window.
    """
    readout = run.readout
    if readout.empty:
        raise ResultsError(f"{run.path} has an empty readout table; nothing to plot.")
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax, strip = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [5, 1]})
    _stack_readout(ax, readout)
    _mark_protocol(ax, run, labels=True)
    ax.set_ylabel("probability")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    for start, end, winner in readout[["t_ms", "t_end_ms", "winner"]].itertuples(index=False):
        strip.axvspan(start / 1000.0, end / 1000.0, color=EMOTION_COLORS.get(winner, "#999999"),
                      lw=0)
    strip.set_yticks([])
    strip.set_ylabel("winner", fontsize=8)
    _seconds_axis(ax, run.duration_ms)
    strip.set_xlabel("time (s)")
    fig.suptitle(_title(run, "striatal readout"), fontsize=10)
    return fig


def _as_runs(runs: Runs | Sequence[Run] | Run) -> list[tuple[str, list[Run]]]:
    """Group runs by condition (in first-seen order): ``[(label, [runs])]``.

    Runs are averaged together only when they differ in nothing but the seed: a different
    profile, sentences, duration or sweep parameter (:func:`analysis.statistics.conditions`)
    makes another group, labelled by the profile and what else differs.
    """
    from analysis.statistics import conditions

    if isinstance(runs, Run):
        items = [runs]
    elif isinstance(runs, Runs):
        items = list(runs.runs)
    elif hasattr(runs, "spikes"):  # one Run
        items = [runs]
    else:
        items = list(runs)
    if not items:
        raise ResultsError("No runs to compare; pass load_runs('results/comparison').")
    table, varying = conditions(Runs(items))
    others = [c for c in varying if c != "profile"]
    groups: dict[tuple, list[Run]] = {}
    labels: dict[tuple, str] = {}
    for run, (_, row) in zip(items, table.iterrows(), strict=True):
        key = tuple(str(row[c]) for c in varying)
        groups.setdefault(key, []).append(run)
        bits = [run.profile or run.name] + [_condition_text(c, row[c]) for c in others]
        labels.setdefault(key, ", ".join(bits))
    return [(labels[key], members) for key, members in groups.items()]


def _condition_text(column: str, value: object) -> str:
    if column == "sentences":
        return f"text {value}" if value else "no text"
    if column == "duration_ms":
        return f"{float(value) / 1000:g} s"
    return f"{column}={value}"


def _readout_title(members: Sequence[Run], windows: pd.DataFrame) -> str:
    """'joy 0.31': one run's winner and probability as its summary gives them (whole run after
    the transient; 'none (tie)' when two channels share the highest rate), or, for several
    seeds, the emotion with the highest mean window probability."""
    if len(members) == 1:
        readout = members[0].meta.get("summary", {}).get("readout", {})
        winner = readout.get("winner")
        if winner == NO_WINNER:
            return f"{NO_WINNER} (tie)"
        if winner in readout.get("probabilities", {}):
            return f"{winner} {readout['probabilities'][winner]:.2f}"
    means = windows.mean()
    if not len(means):
        return "?"
    seeds = "" if len(members) == 1 else f" (mean of {len(members)} seeds)"
    return f"{means.idxmax()} {means.max():.2f}{seeds}"


def plot_profile_comparison(runs: Runs | Sequence[Run], *, smooth_ms: float = 50.0) -> Figure:
    """One row per profile: population rates per region and the striatal readout.

    Parameters
    ----------
    runs : Runs or sequence of Run
        e.g. ``load_runs("results/profile_comparison")``. One row per condition: runs that
        differ only in their seed are averaged; runs of another profile, other sentences,
        another duration or another sweep point get a row of their own, labelled with what
        differs (for a sweep, :func:`plot_against` shows the trend in one figure).
    smooth_ms : float
        Moving-average width applied to the 10 ms rates.

    Returns
    -------
    matplotlib.figure.Figure
        Left column: rate per region (shared y scale); right column: stacked readout
        probabilities, with the mean winner written in the title of each row.
    """
    _check_smooth(smooth_ms)
    groups = _as_runs(runs)
    fig = Figure(figsize=(11, 0.8 + 1.8 * len(groups)), layout="constrained")
    axes = fig.subplots(len(groups), 2, sharex=True, squeeze=False,
                        gridspec_kw={"width_ratios": [3, 2]})
    top = 0.0
    for row, (profile, members) in enumerate(groups):
        ax_rate, ax_read = axes[row]
        rates = pd.concat([m.rates[m.rates["channel"] == ""] for m in members])
        mean = rates.groupby(["region", "t_ms"], sort=True)["rate_hz"].mean().reset_index()
        for region in _region_order(list(mean["region"].unique())):
            line = mean[mean["region"] == region]
            y = _smooth(line["rate_hz"], smooth_ms)
            top = max(top, float(np.nanmax(y)) if len(y) else 0.0)
            ax_rate.plot(line["t_ms"] / 1000.0, y, lw=1.0, color=color_of(region), label=region)
        _mark_protocol(ax_rate, members[0], labels=False)
        ax_rate.set_ylabel(f"{profile}\nrate (Hz)".replace(", ", "\n"), fontsize=8)
        readout = pd.concat([m.readout for m in members])
        emotions = _emotions_in(readout)
        readout = readout.groupby(["t_ms", "t_end_ms"], sort=True)[emotions].mean().reset_index()
        _stack_readout(ax_read, readout)
        title = _readout_title(members, readout[emotions])
        ax_read.set_title(f"{profile}: {title}", fontsize=8,
                          color=EMOTION_COLORS.get(title.split()[0], "black"))
        for ax in (ax_rate, ax_read):
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylim(0, top * 1.05 if top > 0 else 1.0)
    axes[0, 0].legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=5, fontsize=7,
                      frameon=False)
    axes[0, 1].legend(*axes[0, 1].get_legend_handles_labels(), loc="lower left",
                      bbox_to_anchor=(0.0, 1.12), ncols=3, fontsize=7, frameon=False)
    duration = max(m.duration_ms for _, ms in groups for m in ms)
    axes[0, 0].set_xlim(0, duration / 1000.0)
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 1].set_xlabel("time (s)")
    fig.suptitle("profile comparison: population rates and striatal readout", fontsize=10)
    return fig


def plot_against(runs: Runs | Sequence[Run], parameter: str) -> Figure:
    """How the runs' mean rates and readout follow one parameter (e.g. a sweep's).

    Parameters
    ----------
    runs : Runs or sequence of Run
        e.g. ``load_runs("results/sweep_serotonin")``.
    parameter : str
        A sweep parameter (a column of ``runs.point_columns``, e.g. ``"serotonin"``), or
        ``"seed"`` or ``"duration_ms"``.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean rate per region (all neurons) against the parameter; right: mean readout
        probability per emotion. Runs that share a value (e.g. several seeds) give the mean,
        with their range as a band; the title says over what the values were averaged.
    """
    from analysis.statistics import conditions, run_summary

    if not isinstance(runs, Runs):
        runs = Runs(list(runs))
    if len(runs) == 0:
        raise ResultsError("No runs to plot; pass load_runs('results/<sweep>').")
    table, varying = conditions(runs)
    if parameter not in table.columns or parameter in ("run", "profile", "sentences"):
        choices = [c for c in table.columns if c not in ("run", "profile", "sentences")]
        raise ConfigError(f"{parameter!r} is not a parameter of these runs; plot against one "
                          f"of {', '.join(choices)}.")
    values = pd.to_numeric(table[parameter], errors="coerce")
    if values.isna().any():
        raise ConfigError(f"{parameter!r} is not a number in every run; plot_against needs "
                          "numeric values.")
    summary = run_summary(runs)
    summary["_x"] = values.to_numpy()
    rate_cols = [f"rate_{r}" for r in _region_order(
        [c.removeprefix("rate_") for c in summary.columns if c.startswith("rate_")])]
    prob_cols = [f"p_{e}" for e in EMOTIONS if f"p_{e}" in summary.columns]
    grouped = summary.groupby("_x", sort=True)
    mean, low, high = grouped.mean(numeric_only=True), grouped.min(numeric_only=True), \
        grouped.max(numeric_only=True)
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    ax_rate, ax_prob = fig.subplots(1, 2)
    x = mean.index.to_numpy(dtype=float)
    for column in rate_cols:
        region = column.removeprefix("rate_")
        ax_rate.plot(x, mean[column], marker="o", ms=3, lw=1.2, color=color_of(region),
                     label=region)
        ax_rate.fill_between(x, low[column], high[column], color=color_of(region), alpha=0.15,
                             lw=0)
    for column in prob_cols:
        emotion = column.removeprefix("p_")
        ax_prob.plot(x, mean[column], marker="o", ms=3, lw=1.2, color=EMOTION_COLORS[emotion],
                     label=emotion)
        ax_prob.fill_between(x, low[column], high[column], color=EMOTION_COLORS[emotion],
                             alpha=0.15, lw=0)
    ax_rate.set_ylabel("mean rate, all neurons (Hz)")
    ax_rate.set_ylim(bottom=0)
    ax_prob.set_ylabel("mean readout probability")
    ax_prob.set_ylim(0, 1)
    for ax in (ax_rate, ax_prob):
        ax.set_xlabel(parameter)
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    per_value = grouped.size()
    others = [c for c in [*varying, "seed"] if c != parameter
              and table[c].astype(str).nunique() > 1]
    n_min, n_max = int(per_value.min()), int(per_value.max())
    count = f"{n_min}" if n_min == n_max else f"{n_min}-{n_max}"
    note = (f"mean (band: range) of {count} runs per value"
            + (f", over {', '.join(others)}" if others else "")) if n_max > 1 else \
        "one run per value"
    fig.suptitle(f"against {parameter}: {note}", fontsize=10)
    return fig


def save_figure(fig: Figure, path: str | Path, **kwargs: Any) -> Path:
    """Save ``fig`` to ``path`` (folders created, 120 dpi by default) and free it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("dpi", 120)
    fig.savefig(path, **kwargs)
    fig.clear()
    return path
