"""Regime statistics on plain spike arrays: irregularity, correlations, population spectrum.

Used by the regime tests and ``benchmarks/mechanisms.py`` on a compiled build's raw output
(neuron index and spike time arrays), without a results folder. numpy and scipy only.

* :func:`isi_cv` — coefficient of variation of the interspike intervals per neuron (1 for a
  Poisson process; Softky & Koch 1993).
* :func:`count_correlations` — Pearson correlations of spike counts between pairs of
  neurons (asynchronous cortex: ~0.0-0.1, Ecker et al. 2010; Renart et al. 2010).
* :func:`spectral_peak_ratio` — the highest value of the population count's power spectrum
  (Welch) over its median: a population rhythm shows as a peak many times the median, an
  asynchronous population has a flat spectrum (Brunel 2000).
"""

from __future__ import annotations

import numpy as np
from scipy import signal


def isi_cv(neuron: np.ndarray, t_ms: np.ndarray, cells: np.ndarray, *,
           min_spikes: int = 4, start_ms: float = 0.0) -> np.ndarray:
    """ISI CV of every neuron of ``cells`` with at least ``min_spikes`` spikes after
    ``start_ms`` (one value per such neuron)."""
    sel = (t_ms >= start_ms) & np.isin(neuron, cells)
    n, t = neuron[sel], t_ms[sel]
    order = np.lexsort((t, n))
    n, t = n[order], t[order]
    out = []
    bounds = np.flatnonzero(np.diff(n)) + 1
    for part in np.split(np.arange(len(n)), bounds):
        if len(part) >= min_spikes:
            isi = np.diff(t[part])
            if isi.mean() > 0:
                out.append(isi.std() / isi.mean())
    return np.asarray(out)


def isi_cv_pooled(runs, cells: np.ndarray, *, min_intervals: int = 10,
                  start_ms: float = 0.0) -> np.ndarray:
    """ISI CV per neuron over several runs of the same network (other seeds: other noise
    and input), its intervals pooled: one 3 s run holds too few intervals per neuron at
    1-5 Hz for an unbiased CV (the sample CV of 10 Poisson intervals averages ~0.9).

    ``runs`` is a sequence of (neuron, t_ms) arrays; neurons with fewer than
    ``min_intervals`` intervals in all runs together are left out.
    """
    pooled: dict[int, list[np.ndarray]] = {}
    for neuron, t_ms in runs:
        sel = (t_ms >= start_ms) & np.isin(neuron, cells)
        n, t = neuron[sel], t_ms[sel]
        order = np.lexsort((t, n))
        n, t = n[order], t[order]
        bounds = np.flatnonzero(np.diff(n)) + 1
        for part in np.split(np.arange(len(n)), bounds):
            if len(part) >= 2:
                pooled.setdefault(int(n[part[0]]), []).append(np.diff(t[part]))
    out = []
    for parts in pooled.values():
        isi = np.concatenate(parts)
        if len(isi) >= min_intervals and isi.mean() > 0:
            out.append(isi.std() / isi.mean())
    return np.asarray(out)


def count_matrix(neuron: np.ndarray, t_ms: np.ndarray, cells: np.ndarray, start_ms: float,
                 end_ms: float, bin_ms: float) -> np.ndarray:
    """Spike counts, shape (len(cells), n_bins)."""
    edges = np.arange(start_ms, end_ms + 1e-9, bin_ms)
    index = {int(c): k for k, c in enumerate(cells)}
    sel = np.isin(neuron, cells) & (t_ms >= start_ms) & (t_ms < edges[-1])
    rows = np.array([index[int(c)] for c in neuron[sel]], dtype=int)
    cols = np.minimum(((t_ms[sel] - start_ms) // bin_ms).astype(int), len(edges) - 2)
    counts = np.zeros((len(cells), len(edges) - 1))
    np.add.at(counts, (rows, cols), 1)
    return counts


def count_correlations(neuron: np.ndarray, t_ms: np.ndarray, cells: np.ndarray,
                       start_ms: float, end_ms: float, *, bin_ms: float = 100.0,
                       max_cells: int = 200, seed: int = 0) -> np.ndarray:
    """Pairwise Pearson correlations of spike counts in ``bin_ms`` bins between neurons of
    ``cells`` that fired (at most ``max_cells`` of them, a random sample): the upper
    triangle of the correlation matrix."""
    counts = count_matrix(neuron, t_ms, cells, start_ms, end_ms, bin_ms)
    active = counts.std(axis=1) > 0
    counts = counts[active]
    if len(counts) > max_cells:
        keep = np.random.default_rng(seed).choice(len(counts), max_cells, replace=False)
        counts = counts[keep]
    if len(counts) < 2:
        return np.empty(0)
    c = np.corrcoef(counts)
    return c[np.triu_indices(len(c), 1)]


def population_spectrum(t_ms: np.ndarray, start_ms: float, end_ms: float, *,
                        bin_ms: float = 1.0, segment_ms: float = 512.0
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectrum of the population spike count in ``bin_ms`` bins."""
    edges = np.arange(start_ms, end_ms + 1e-9, bin_ms)
    counts, _ = np.histogram(t_ms, bins=edges)
    fs = 1000.0 / bin_ms
    nper = int(min(len(counts), segment_ms / bin_ms))
    return signal.welch(counts - counts.mean(), fs=fs, nperseg=nper)


def spectral_peak_ratio(t_ms: np.ndarray, start_ms: float, end_ms: float, *,
                        fmin_hz: float = 2.0, fmax_hz: float = 200.0, **kwargs
                        ) -> tuple[float, float]:
    """(peak power / median power, peak frequency) of the population spectrum between
    ``fmin_hz`` and ``fmax_hz``."""
    f, pxx = population_spectrum(t_ms, start_ms, end_ms, **kwargs)
    band = (f >= fmin_hz) & (f <= fmax_hz)
    f, pxx = f[band], pxx[band]
    med = np.median(pxx)
    if med <= 0:
        return float("inf"), float("nan")
    k = int(np.argmax(pxx))
    return float(pxx[k] / med), float(f[k])
