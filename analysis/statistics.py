"""Spike-train and readout statistics of runs, as tidy :class:`pandas.DataFrame` tables.

Every function takes a :class:`~analysis.io.Run` or a :class:`~analysis.io.Runs`; for several
runs the result gains the ``run``, ``profile``, ``seed``, ``backend`` (and sweep-point)
columns in front. Groups are ``(region, channel)`` where ``channel`` is ``""`` for a whole
region and an emotion for each striatal channel, matching ``rates.parquet``.

Firing rates
------------
mean_rates
    Mean firing rate per neuron, averaged per region and striatal channel.
rate_timecourse
    Population rate in time bins of any width, from the spikes.

Variability
-----------
isi_intervals
    Every inter-spike interval (one row per interval).
isi_cv
    Coefficient of variation of the ISIs per neuron (Poisson ~1, regular ~0).
fano_factor
    Fano factor of spike counts in windows, per neuron (Poisson ~1).

Synchrony and rhythms
---------------------
synchrony
    Golomb's χ population synchrony per region and Elephant's Spike-contrast.
power_spectrum
    Welch spectrum of each region's population spike count.
peak_frequency
    Frequency of the spectral peak per region, with its prominence.

Inputs
------
afferent_drive
    The mean synaptic current each projection gives a population, from the spikes and the
    synapse table (which input drives a striatal channel, and how much).

Readout and summaries
---------------------
readout_timecourse
    The striatal readout in long form: one row per window and emotion.
region_summary
    One row per region and channel: rate, median CV, mean Fano factor, χ, peak frequency.
run_summary
    One row per run: profile, seed, backend, sentences, duration, mean rate and median CV per
    region, winner.
conditions
    One row per run: what it was run under (profile, sentences, duration, sweep parameters),
    and which of these differ between the runs (what figures and reports group by).

ISIs, counts and binned trains are computed with vectorised NumPy/pandas (a ``groupby`` diff
instead of one Elephant call per train); the definitions are those of Elephant
(``elephant.statistics.cv`` is ``scipy.stats.variation``, ``fanofactor`` uses ``var/mean``
with ``ddof=0``), and the tests check the two agree. Spectra use :func:`scipy.signal.welch`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import welch

from analysis.io import RUN_COLUMNS, Run, Runs
from brainsim.channels import EMOTIONS, GABAERGIC_PRINCIPAL_REGIONS
from brainsim.errors import ConfigError

__all__ = [
    "mean_rates", "rate_timecourse", "isi_intervals", "isi_cv", "fano_factor", "synchrony",
    "power_spectrum", "peak_frequency", "afferent_drive", "readout_timecourse", "region_summary", "run_summary",
    "conditions", "sentences_text",
]

KEYS = ["region", "channel"]


def _per_run(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    """Let ``func(run, ...)`` accept :class:`Runs` too, prefixing the run columns."""

    @functools.wraps(func)
    def wrapper(run: Run | Runs, *args: Any, **kwargs: Any) -> pd.DataFrame:
        if isinstance(run, Run):
            return func(run, *args, **kwargs)
        ids = run.meta[list(RUN_COLUMNS) + run.point_columns]
        frames = []
        for i, single in enumerate(run.runs):
            frame = func(single, *args, **kwargs)
            for j, column in enumerate(ids.columns):
                if column in frame.columns:
                    frame = frame.drop(columns=column)
                frame.insert(j, column, ids.iloc[i][column])
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    return wrapper


def _kind_filter(run: Run, kind: str | None) -> pd.DataFrame:
    """Spikes (with their neuron's ``kind``), restricted to ``kind`` when given."""
    spikes = run.spikes
    if kind is None:
        return spikes
    kinds = run.neurons[["region", "neuron", "kind"]]
    merged = spikes.merge(kinds, on=["region", "neuron"], how="left")
    return merged[merged["kind"] == kind].drop(columns="kind")


def _populations(run: Run, kind: str | None) -> list[tuple[str, str, pd.DataFrame]]:
    """``(region, channel, neurons)`` for each region and each striatal emotion channel."""
    neurons = run.neurons if kind is None else run.neurons[run.neurons["kind"] == kind]
    groups = []
    for region, cells in neurons.groupby("region", sort=False):
        groups.append((str(region), "", cells))
        for emotion in EMOTIONS:
            sub = cells[cells["channel"] == emotion]
            if len(sub):
                groups.append((str(region), emotion, sub))
    return groups


def _select(spikes: pd.DataFrame, region: str, channel: str) -> pd.DataFrame:
    mask = spikes["region"] == region
    if channel:
        mask &= spikes["channel"] == channel
    return spikes[mask]


@_per_run
def mean_rates(run: Run, *, kind: str | None = None) -> pd.DataFrame:
    """Mean firing rate per region and striatal channel.

    Parameters
    ----------
    run : Run or Runs
    kind : {None, "E", "I"}
        Only excitatory or inhibitory neurons; all by default.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``n_neurons``, ``n_spikes``, ``rate_hz`` (spikes per neuron
        per second over the whole run, silent neurons included).
    """
    spikes = _kind_filter(run, kind)
    counts = spikes.groupby(KEYS, sort=False).size()
    region_counts = spikes.groupby("region", sort=False).size()
    duration_s = run.duration_ms / 1000.0
    rows = []
    for region, channel, cells in _populations(run, kind):
        n = int(region_counts.get(region, 0)) if not channel else int(
            counts.get((region, channel), 0))
        rows.append({"region": region, "channel": channel, "n_neurons": len(cells),
                     "n_spikes": n, "rate_hz": n / len(cells) / duration_s})
    return pd.DataFrame(rows, columns=["region", "channel", "n_neurons", "n_spikes", "rate_hz"])


@_per_run
def rate_timecourse(run: Run, bin_ms: float = 10.0, *, kind: str | None = "E") -> pd.DataFrame:
    """Population firing rate over time, from the spikes.

    Parameters
    ----------
    run : Run or Runs
    bin_ms : float
        Bin width (``rates.parquet`` has 10 ms bins of excitatory neurons).
    kind : {"E", "I", None}
        Neurons counted; ``None`` for all.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``t_ms`` (bin start), ``rate_hz`` (spikes per neuron per s).
    """
    spikes = _kind_filter(run, kind)
    bin_ms = _check_window(bin_ms, "bin_ms", run.duration_ms)
    edges = np.arange(0.0, run.duration_ms + bin_ms * 0.5, bin_ms)
    if edges[-1] < run.duration_ms:
        edges = np.append(edges, edges[-1] + bin_ms)
    frames = []
    for region, channel, cells in _populations(run, kind):
        counts, _ = np.histogram(_select(spikes, region, channel)["t_ms"], edges)
        frames.append(pd.DataFrame({"region": region, "channel": channel, "t_ms": edges[:-1],
                                    "rate_hz": counts / len(cells) / (bin_ms / 1000.0)}))
    return pd.concat(frames, ignore_index=True)


@_per_run
def isi_intervals(run: Run) -> pd.DataFrame:
    """Every inter-spike interval.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``neuron``, ``channel``, ``t_ms`` (time of the second spike),
        ``isi_ms``. Same values as ``elephant.statistics.isi`` on each neuron's train.
    """
    spikes = run.spikes.sort_values(["region", "neuron", "t_ms"], kind="stable")
    isi = spikes.groupby(["region", "neuron"], sort=False)["t_ms"].diff()
    out = spikes.assign(isi_ms=isi).dropna(subset=["isi_ms"])
    return out[["region", "neuron", "channel", "t_ms", "isi_ms"]].reset_index(drop=True)


@_per_run
def isi_cv(run: Run, *, min_spikes: int = 3) -> pd.DataFrame:
    """Coefficient of variation of the inter-spike intervals, per neuron.

    ``cv = std(isi) / mean(isi)`` with ``ddof=0`` (as ``elephant.statistics.cv``): about 1
    for a Poisson train, 0 for a perfectly regular one.

    Parameters
    ----------
    run : Run or Runs
    min_spikes : int
        Neurons with fewer spikes are left out (their CV is not defined or meaningless).

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``neuron``, ``n_spikes``, ``mean_isi_ms``, ``cv``.
    """
    intervals = isi_intervals(run)
    grouped = intervals.groupby(["region", "channel", "neuron"], sort=True)["isi_ms"]
    table = grouped.agg(["size", "mean"]).rename(columns={"size": "n_isi", "mean": "mean_isi_ms"})
    table["std"] = grouped.std(ddof=0)
    table = table.reset_index()
    table["n_spikes"] = table.pop("n_isi") + 1
    table["cv"] = table.pop("std") / table["mean_isi_ms"]
    table = table[table["n_spikes"] >= min_spikes]
    return table[["region", "channel", "neuron", "n_spikes", "mean_isi_ms", "cv"]].reset_index(
        drop=True)


def _count_matrix(spikes: pd.DataFrame, cells: pd.DataFrame, edges: np.ndarray) -> np.ndarray:
    """Spike counts ``[neuron, bin]`` for the neurons in ``cells`` (one row each)."""
    ids = cells["neuron"].to_numpy()
    position = pd.Series(np.arange(len(ids)), index=ids)
    sel = spikes[spikes["neuron"].isin(ids)]
    row = position.reindex(sel["neuron"].to_numpy()).to_numpy()
    col = np.searchsorted(edges, sel["t_ms"].to_numpy(), side="right") - 1
    ok = (col >= 0) & (col < len(edges) - 1)
    n_bins = len(edges) - 1
    flat = np.bincount(row[ok] * n_bins + col[ok], minlength=len(ids) * n_bins)
    return flat.reshape(len(ids), n_bins).astype(float)


def _check_window(value: float, name: str, duration_ms: float) -> float:
    """A bin or window in ms must be a finite number > 0 that fits into the run."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
            or not np.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a number of milliseconds > 0, got {value!r}.")
    if value > duration_ms:
        raise ConfigError(f"{name} = {value} ms is longer than the run ({duration_ms} ms); "
                          "choose a shorter one.")
    return float(value)


def _edges(duration_ms: float, bin_ms: float, name: str = "bin_ms") -> np.ndarray:
    """Bin edges covering whole bins only (a partial last bin would bias counts); ``name``
    is the argument the bin width came from, for the error message."""
    bin_ms = _check_window(bin_ms, name, duration_ms)
    n = int(np.floor(duration_ms / bin_ms + 1e-9))
    return np.arange(n + 1) * bin_ms


@_per_run
def fano_factor(run: Run, window_ms: float = 100.0, *, min_spikes: int = 1) -> pd.DataFrame:
    """Fano factor of each neuron's spike counts in consecutive windows.

    ``F = var(counts) / mean(counts)`` (``ddof=0``, as ``elephant.statistics.fanofactor``
    applied to the windows of one train): about 1 for Poisson, below 1 for regular firing,
    above 1 for bursty or rate-modulated firing.

    Parameters
    ----------
    run : Run or Runs
    window_ms : float
        Counting window; the run is cut into ``floor(duration / window)`` windows.
    min_spikes : int
        Neurons with fewer spikes in the counted windows are left out.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``neuron``, ``mean_count``, ``fano``.
    """
    edges = _edges(run.duration_ms, window_ms, "window_ms")
    if len(edges) < 3:
        raise ConfigError(f"window_ms={window_ms} leaves fewer than 2 windows in "
                         f"{run.duration_ms} ms; use a shorter window.")
    frames = []
    spikes = run.spikes
    for region, cells in run.neurons.groupby("region", sort=False):
        counts = _count_matrix(spikes[spikes["region"] == region], cells, edges)
        mean = counts.mean(axis=1)
        keep = counts.sum(axis=1) >= max(min_spikes, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            fano = counts.var(axis=1) / mean
        frames.append(pd.DataFrame({
            "region": str(region), "channel": cells["channel"].to_numpy()[keep],
            "neuron": cells["neuron"].to_numpy()[keep], "mean_count": mean[keep],
            "fano": fano[keep],
        }))
    return pd.concat(frames, ignore_index=True)


def _spike_contrast(spikes: pd.DataFrame, ids: np.ndarray, duration_ms: float) -> float:
    import neo
    import quantities as pq
    from elephant.spike_train_synchrony import spike_contrast

    trains = []
    for _, group in spikes[spikes["neuron"].isin(ids)].groupby("neuron"):
        times = np.sort(group["t_ms"].to_numpy())
        trains.append(neo.SpikeTrain(times * pq.ms, t_start=0 * pq.ms,
                                     t_stop=duration_ms * pq.ms))
    if len(trains) < 2:
        return float("nan")
    return float(spike_contrast(trains, t_start=0 * pq.ms, t_stop=duration_ms * pq.ms))


@_per_run
def synchrony(run: Run, bin_ms: float = 5.0, *, spike_contrast: bool = True,
              max_neurons: int = 100, seed: int = 0) -> pd.DataFrame:
    """Population synchrony per region and striatal channel.

    Parameters
    ----------
    run : Run or Runs
    bin_ms : float
        Bin of the spike counts for χ.
    spike_contrast : bool
        Also compute Elephant's Spike-contrast (Ciba et al. 2018) on up to ``max_neurons``
        randomly chosen active neurons (it is pairwise-free but slow on thousands of trains).
    max_neurons, seed : int
        Sample size and random seed for Spike-contrast.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``n_neurons``, ``chi`` and ``spike_contrast``. ``chi`` is
        Golomb's synchrony measure, ``sqrt(var_t(mean_i c_i) / mean_i var_t(c_i))`` on the
        binned counts ``c_i(t)``: about ``1/sqrt(N)`` for independent neurons, 1 when all fire
        together.
    """
    edges = _edges(run.duration_ms, bin_ms)
    rng = np.random.default_rng(seed)
    rows = []
    spikes = run.spikes
    for region, channel, cells in _populations(run, None):
        local = spikes[spikes["region"] == region]
        counts = _count_matrix(local, cells, edges)
        individual = counts.var(axis=1).mean()
        population = counts.mean(axis=0).var()
        chi = float(np.sqrt(population / individual)) if individual > 0 else float("nan")
        row = {"region": region, "channel": channel, "n_neurons": len(cells), "chi": chi}
        if spike_contrast:
            active = np.intersect1d(cells["neuron"].to_numpy(), local["neuron"].unique())
            if len(active) > max_neurons:
                active = rng.choice(active, max_neurons, replace=False)
            row["spike_contrast"] = _spike_contrast(local, active, run.duration_ms)
        rows.append(row)
    return pd.DataFrame(rows)


@_per_run
def power_spectrum(run: Run, bin_ms: float = 1.0, *, segment_ms: float = 500.0,
                   kind: str | None = "E") -> pd.DataFrame:
    """Welch power spectrum of each region's population spike count.

    Parameters
    ----------
    run : Run or Runs
    bin_ms : float
        Bin of the population count signal (1 ms: up to 500 Hz).
    segment_ms : float
        Welch segment length (frequency resolution ``1000 / segment_ms`` Hz); shortened to
        the run when the run is shorter.
    kind : {"E", "I", None}
        Neurons counted.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``frequency_hz``, ``power`` (density of the per-neuron rate
        in Hz²/Hz; the mean is removed first).
    """
    spikes = _kind_filter(run, kind)
    edges = _edges(run.duration_ms, bin_ms)
    fs = 1000.0 / bin_ms
    nperseg = max(8, min(len(edges) - 1, int(round(segment_ms / bin_ms))))
    frames = []
    for region, channel, cells in _populations(run, kind):
        counts, _ = np.histogram(_select(spikes, region, channel)["t_ms"], edges)
        rate = counts / len(cells) * fs
        freq, power = welch(rate, fs=fs, nperseg=nperseg, detrend="constant")
        frames.append(pd.DataFrame({"region": region, "channel": channel,
                                    "frequency_hz": freq, "power": power}))
    return pd.concat(frames, ignore_index=True)


@_per_run
def peak_frequency(run: Run, *, fmin_hz: float = 2.0, fmax_hz: float | None = 200.0,
                   **spectrum: Any) -> pd.DataFrame:
    """Frequency of the largest peak of each population-rate spectrum.

    Parameters
    ----------
    run : Run or Runs
    fmin_hz, fmax_hz : float
        Band searched (the lowest frequencies hold slow rate drifts).
    **spectrum
        Passed to :func:`power_spectrum`.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``peak_hz``, ``peak_power``, ``prominence`` (peak power over
        the band's median power: near 1-3 for an irregular, flat-spectrum population; large
        for a real rhythm).
    """
    spec = power_spectrum(run, **spectrum)
    band = spec["frequency_hz"] >= fmin_hz
    if fmax_hz is not None:
        band &= spec["frequency_hz"] <= fmax_hz
    rows = []
    for (region, channel), group in spec[band].groupby(KEYS, sort=False):
        if group["power"].max() <= 0:
            rows.append({"region": region, "channel": channel, "peak_hz": float("nan"),
                         "peak_power": 0.0, "prominence": float("nan")})
            continue
        best = group.loc[group["power"].idxmax()]
        rows.append({"region": region, "channel": channel, "peak_hz": float(best["frequency_hz"]),
                     "peak_power": float(best["power"]),
                     "prominence": float(best["power"] / group["power"].median())})
    return pd.DataFrame(rows, columns=["region", "channel", "peak_hz", "peak_power",
                                       "prominence"])


def _time_constant_ms(run: Run, name: str) -> float:
    """A network time constant (``tau_e``, ``tau_i``) from ``meta.json``, in ms."""
    text = run.meta.get("parameters", {}).get("network_constants", {}).get(name)
    try:
        value, unit = str(text).split()
        scale = {"ms": 1.0, "s": 1000.0, "us": 1e-3}[unit]
        return float(value) * scale
    except (ValueError, KeyError):
        raise ConfigError(f"{run.path}: meta.json has no readable network constant {name!r} "
                          f"(found {text!r}); afferent_drive needs tau_e and tau_i.") from None


@_per_run
def afferent_drive(run: Run, region: str, channel: str = "", *, kind: str = "E",
                   start_ms: float = 0.0, end_ms: float | None = None) -> pd.DataFrame:
    """The mean synaptic current each projection gives a population.

    Each presynaptic spike adds the synapse's weight to the target's excitatory or
    inhibitory current, which decays with ``tau_e`` or ``tau_i``; over a window of length
    ``T`` a projection's mean current per target cell is therefore
    ``sum(weight x presynaptic spikes in the window) x tau / (T x cells)``. Afferent
    (sensory) input and text currents are not synapses and are not included.

    Parameters
    ----------
    run : Run or Runs
    region : str
        The target region.
    channel : str
        A striatal emotion channel (``"fear"``), or ``""`` for the whole region.
    kind : {"E", "I"}
        Principal cells or interneurons of the target.
    start_ms, end_ms : float
        The window (default: the whole run); presynaptic spikes in it are counted, axonal
        delays are ignored (≤ a few ms).

    Returns
    -------
    pandas.DataFrame
        One row per projection that reaches the population: ``projection``,
        ``pre_region``, ``current`` (``"excitatory"`` or ``"inhibitory"``), ``n_synapses``
        (per target cell), ``pre_rate_hz`` (mean rate of the presynaptic cells of these
        synapses, weighted by synapse), ``mean_current_pA`` (per target cell, positive for
        both signs) and ``share`` (of the population's total excitatory or inhibitory
        current), largest first within each sign.

    Raises
    ------
    brainsim.errors.ConfigError
        On an unknown region, channel or kind, an empty window, or a run whose synapse
        table is a sample (``meta.json``'s ``network.synapses_sampled``).
    """
    if kind not in ("E", "I"):
        raise ConfigError(f"kind must be 'E' or 'I', got {kind!r}.")
    duration = run.duration_ms
    end = duration if end_ms is None else end_ms
    start = start_ms
    for name, value in (("start_ms", start), ("end_ms", end)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                or not np.isfinite(value):
            raise ConfigError(f"{name} must be a number of milliseconds, got {value!r}.")
    if not 0 <= start < end <= duration:
        raise ConfigError(f"The window {start_ms}-{end_ms} ms is empty; give start_ms < end_ms "
                          f"within the run (0-{duration:g} ms).")
    if run.meta.get("network", {}).get("synapses_sampled"):
        raise ConfigError(f"{run.path}: synapses.parquet holds a sample of the synapses "
                          "(network.synapses_sampled), so summed currents would be too small; "
                          "afferent_drive needs every synapse (runs below 10^6 synapses).")
    neurons = run.neurons
    if region not in set(neurons["region"]):
        raise ConfigError(f"Unknown region {region!r}; the run has "
                          f"{', '.join(dict.fromkeys(neurons['region']))}.")
    cells = neurons[(neurons["region"] == region) & (neurons["kind"] == kind)]
    if channel:
        if channel not in EMOTIONS:
            raise ConfigError(f"Unknown channel {channel!r}; channels are {', '.join(EMOTIONS)}.")
        cells = cells[cells["channel"] == channel]
    if cells.empty:
        raise ConfigError(f"No {kind} cells in {region}" + (f" channel {channel}" if channel
                                                            else "") + ".")
    syn = run.synapses
    syn = syn[(syn["post_region"] == region) & syn["post"].isin(cells["neuron"])]
    spikes = run.spikes
    spikes = spikes[(spikes["t_ms"] >= start) & (spikes["t_ms"] < end)]
    counts = spikes.groupby(["region", "neuron"], observed=True).size().rename("n_pre")
    syn = syn.join(counts, on=["pre_region", "pre"]).fillna({"n_pre": 0})
    kinds = neurons.set_index(["region", "neuron"])["kind"].rename("pre_kind")
    syn = syn.join(kinds, on=["pre_region", "pre"])
    excitatory = (syn["pre_kind"] == "E") & ~syn["pre_region"].isin(GABAERGIC_PRINCIPAL_REGIONS)
    syn = syn.assign(current=np.where(excitatory, "excitatory", "inhibitory"),
                     charge=syn["n_pre"] * syn["weight_pA"])
    window_s = (end - start) / 1000.0
    tau_ms = {"excitatory": _time_constant_ms(run, "tau_e"),
              "inhibitory": _time_constant_ms(run, "tau_i")}
    out = (syn.groupby(["projection", "pre_region", "current"], observed=True)
           .agg(n_synapses=("pre", "size"), n_pre=("n_pre", "sum"), charge=("charge", "sum"))
           .reset_index())
    n_cells = len(cells)
    out["n_synapses"] = out["n_synapses"] / n_cells
    out["pre_rate_hz"] = out["n_pre"] / (out["n_synapses"] * n_cells) / window_s
    out["mean_current_pA"] = (out["charge"] * out["current"].map(tau_ms) / 1000.0
                              / window_s / n_cells)
    out["share"] = out["mean_current_pA"] / out.groupby("current")["mean_current_pA"].transform(
        "sum")
    out = out.sort_values(["current", "mean_current_pA"], ascending=[True, False])
    for col in ("projection", "pre_region"):
        out[col] = out[col].astype(str)
    return out[["projection", "pre_region", "current", "n_synapses", "pre_rate_hz",
                "mean_current_pA", "share"]].reset_index(drop=True)


@_per_run
def readout_timecourse(run: Run) -> pd.DataFrame:
    """The striatal readout in long form.

    Returns
    -------
    pandas.DataFrame
        ``t_ms``, ``t_end_ms``, ``emotion``, ``probability``, ``rate_hz`` (the channel's rate
        when the readout has ``rate_<emotion>`` columns) and ``is_winner``.
    """
    readout = run.readout
    emotions = [e for e in EMOTIONS if e in readout.columns]
    long = readout.melt(id_vars=["t_ms", "t_end_ms", "winner"], value_vars=emotions,
                        var_name="emotion", value_name="probability")
    rate_cols = [f"rate_{e}" for e in emotions if f"rate_{e}" in readout.columns]
    if rate_cols:
        rates = readout.melt(id_vars=["t_ms"], value_vars=rate_cols, var_name="emotion",
                             value_name="rate_hz")
        rates["emotion"] = rates["emotion"].str.removeprefix("rate_")
        long = long.merge(rates, on=["t_ms", "emotion"], how="left")
    long["is_winner"] = long["winner"] == long["emotion"]
    return long.drop(columns="winner").sort_values(["t_ms", "emotion"], ignore_index=True)


@_per_run
def region_summary(run: Run, *, spike_contrast: bool = False) -> pd.DataFrame:
    """One row per region and striatal channel with the main statistics.

    Returns
    -------
    pandas.DataFrame
        ``region``, ``channel``, ``n_neurons``, ``rate_hz``, ``cv`` (median over neurons with
        3+ spikes), ``fano`` (mean, 100 ms windows), ``chi``, ``peak_hz``, ``prominence``.
    """
    table = mean_rates(run)[KEYS + ["n_neurons", "rate_hz"]]
    cv = isi_cv(run)
    table = table.merge(_by_channel(cv, "cv", "median"), on=KEYS, how="left")
    if run.duration_ms >= 200.0:
        table = table.merge(_by_channel(fano_factor(run), "fano", "mean"), on=KEYS, how="left")
    else:
        table["fano"] = np.nan
    sync = synchrony(run, spike_contrast=spike_contrast)
    table = table.merge(sync.drop(columns="n_neurons"), on=KEYS, how="left")
    peaks = peak_frequency(run)[KEYS + ["peak_hz", "prominence"]]
    return table.merge(peaks, on=KEYS, how="left")


def _by_channel(table: pd.DataFrame, column: str, how: str) -> pd.DataFrame:
    """Aggregate a per-neuron table per region (channel "") and per striatal channel."""
    whole = table.groupby("region", sort=False)[column].agg(how).reset_index()
    whole["channel"] = ""
    parts = table[table["channel"] != ""].groupby(KEYS, sort=False)[column].agg(how)
    return pd.concat([whole, parts.reset_index()], ignore_index=True)[KEYS + [column]]


@_per_run
def run_summary(run: Run) -> pd.DataFrame:
    """One row per run: identity, mean rate and median ISI CV per region, readout winner.

    Returns
    -------
    pandas.DataFrame
        ``profile``, ``seed``, ``backend``, ``sentences`` (see :func:`sentences_text`),
        ``duration_ms``, ``rate_<region>``,
        ``cv_<region>``, ``p_<emotion>`` (mean readout probability), ``winner`` and
        ``winner_fraction`` (share of readout windows won by the winner).
    """
    row: dict[str, Any] = {"profile": run.profile, "seed": run.meta.get("seed"),
                           "backend": run.meta.get("backend"),
                           "sentences": sentences_text(run), "duration_ms": run.duration_ms}
    rates = mean_rates(run)
    whole = rates[rates["channel"] == ""]
    cv = isi_cv(run).groupby("region")["cv"].median()
    for region, rate in zip(whole["region"], whole["rate_hz"], strict=True):
        row[f"rate_{region}"] = float(rate)
    for region in whole["region"]:
        row[f"cv_{region}"] = float(cv.get(region, np.nan))
    readout = run.readout
    emotions = [e for e in EMOTIONS if e in readout.columns]
    means = readout[emotions].mean() if len(readout) else pd.Series(dtype=float)
    for emotion in emotions:
        row[f"p_{emotion}"] = float(means.get(emotion, np.nan))
    winner = str(means.idxmax()) if len(means.dropna()) else ""
    row["winner"] = winner
    row["winner_fraction"] = float((readout["winner"] == winner).mean()) if len(readout) else 0.0
    return pd.DataFrame([{"run": run.name, **row}])


def sentences_text(run: Run) -> str:
    """The sentences a run showed, as ``"i feel strong"@1.5s`` joined by ``" | "`` ("" for a
    run without text)."""
    events = run.meta.get("sentences") or (run.meta.get("protocol") or {}).get("sentences") or []
    return " | ".join(f'"{e.get("text", "")}"@{float(e.get("onset_ms", 0.0)) / 1000:g}s'
                      for e in events)


#: What :func:`conditions` compares runs by, besides the sweep parameters.
CONDITION_COLUMNS = ("profile", "sentences", "duration_ms")


def conditions(runs: Run | Runs) -> tuple[pd.DataFrame, list[str]]:
    """What each run was run under, and what differs between the runs.

    Returns
    -------
    table : pandas.DataFrame
        One row per run: ``run``, ``seed``, ``profile``, ``sentences``, ``duration_ms`` and
        one column per sweep parameter (``meta['point']``).
    varying : list of str
        The columns of ``table`` other than ``run`` and ``seed`` whose values differ between
        runs: runs that agree on all of them are repeats (other seeds) of one condition.
    """
    items = [runs] if isinstance(runs, Run) else list(runs.runs)
    labels = [runs.name] if isinstance(runs, Run) else list(runs.labels)
    rows = []
    for label, run in zip(labels, items, strict=True):
        row = {"run": label, "seed": run.meta.get("seed"), "profile": run.profile,
               "sentences": sentences_text(run), "duration_ms": run.duration_ms}
        for key, value in (run.meta.get("point") or {}).items():
            if key not in row:
                row[str(key)] = value if isinstance(value, int | float | str | bool) or (
                    value is None) else str(value)
        rows.append(row)
    table = pd.DataFrame(rows)
    varying = [c for c in table.columns if c not in ("run", "seed")
               and table[c].astype(str).nunique(dropna=False) > 1]
    return table, varying
