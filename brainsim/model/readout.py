"""Striatal readout: channel population rates → emotion probabilities and the winner.

The readout works on spike times and neuron indices, so it serves the monitors of every
backend (and results loaded back from disk).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from brainsim.channels import EMOTIONS, NO_WINNER
from brainsim.model import parameters as P

#: Softmax temperature (Hz): a channel firing this much faster than another is e times more
#: probable (parameters.TEMPERATURE_HZ).
TEMPERATURE_HZ = P.TEMPERATURE_HZ
#: Initial transient excluded from the whole-run readout.
TRANSIENT_MS = P.TRANSIENT_MS


def winner(rates_hz) -> str:
    """The channel with the highest rate, or :data:`NO_WINNER` when it is tied."""
    rates = np.asarray(rates_hz, float)
    top = np.flatnonzero(rates == rates.max())
    return EMOTIONS[int(top[0])] if len(top) == 1 else NO_WINNER


def softmax(rates_hz: np.ndarray, temperature_hz: float = TEMPERATURE_HZ) -> np.ndarray:
    """Softmax of channel rates along the last axis."""
    z = np.asarray(rates_hz, float) / temperature_hz
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def channel_rates(neuron: np.ndarray, t_ms: np.ndarray, channel_of_neuron: np.ndarray,
                  t_start_ms: float, t_end_ms: float) -> np.ndarray:
    """Mean rate (Hz) of each emotion channel's neurons between two times.

    Parameters
    ----------
    neuron, t_ms : ndarray
        Striatal spikes (indices within the striatum, times in ms).
    channel_of_neuron : ndarray
        Channel index (0–5) per striatal neuron; other values mark non-channel neurons.
    t_start_ms, t_end_ms : float
        Window.
    """
    n_ch = len(EMOTIONS)
    sizes = np.bincount(channel_of_neuron[channel_of_neuron < n_ch], minlength=n_ch)
    sel = (t_ms >= t_start_ms) & (t_ms < t_end_ms)
    ch = channel_of_neuron[neuron[sel]]
    counts = np.bincount(ch[ch < n_ch], minlength=n_ch)
    width_s = (t_end_ms - t_start_ms) / 1000.0
    return counts / np.maximum(sizes, 1) / width_s


def readout(neuron: np.ndarray, t_ms: np.ndarray, channel_of_neuron: np.ndarray,
            duration_ms: float, window_ms: float = 100.0,
            temperature_hz: float = TEMPERATURE_HZ) -> pd.DataFrame:
    """Readout over consecutive windows.

    Returns
    -------
    DataFrame
        ``t_ms``, ``t_end_ms``, one probability column per emotion, ``winner`` and one
        ``rate_<emotion>`` column per channel (Hz).
    """
    starts = np.arange(0.0, duration_ms - 1e-9, window_ms)
    rows = np.array([channel_rates(neuron, t_ms, channel_of_neuron, a, min(a + window_ms,
                                                                            duration_ms))
                     for a in starts]).reshape(len(starts), len(EMOTIONS))
    probs = softmax(rows, temperature_hz)
    df = pd.DataFrame(probs, columns=list(EMOTIONS))
    df.insert(0, "t_end_ms", np.minimum(starts + window_ms, duration_ms))
    df.insert(0, "t_ms", starts)
    df["winner"] = [winner(r) for r in rows]
    for k, name in enumerate(EMOTIONS):
        df[f"rate_{name}"] = rows[:, k]
    return df


def summary_readout(neuron: np.ndarray, t_ms: np.ndarray, channel_of_neuron: np.ndarray,
                    duration_ms: float, start_ms: float | None = None,
                    temperature_hz: float = TEMPERATURE_HZ) -> dict:
    """Readout over the whole run (after the initial transient) or from ``start_ms``.

    Returns
    -------
    dict
        ``rates_hz`` and ``probabilities`` per emotion, and the ``winner``.
    """
    start = min(TRANSIENT_MS, duration_ms / 2) if start_ms is None else start_ms
    rates = channel_rates(neuron, t_ms, channel_of_neuron, start, duration_ms)
    probs = softmax(rates, temperature_hz)
    return {
        "window_ms": [float(start), float(duration_ms)],
        "rates_hz": {e: float(r) for e, r in zip(EMOTIONS, rates, strict=True)},
        "probabilities": {e: float(p) for e, p in zip(EMOTIONS, probs, strict=True)},
        "winner": winner(rates),
    }
