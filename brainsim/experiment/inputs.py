"""Synthetic sensory input and reward events, per profile, reproducible from a seed.

Sensory channels (:data:`brainsim.channels.SENSORY_CHANNELS`), as afferent rates in Hz:

* ``context`` — the ongoing sensory stream: ``CONTEXT_RATE`` times the profile's
  ``sensory_scale`` and the phase's ``context_gain``, with slow fluctuations (an
  Ornstein–Uhlenbeck process, coefficient of variation ``CONTEXT_CV``, time constant
  ``CONTEXT_TAU``).
* ``threat`` / ``appetitive`` — a low background plus brief cues (``CUE_DURATION`` at
  ``CUE_RATE``) at Poisson times with the phase's cue rates, scaled by ``sensory_scale``.

Reward events: Poisson at the profile's ``reward_rate_hz`` during reward phases, magnitudes
drawn from N(reward_mean, reward_std), plus the protocol's explicit rewards. A positive reward
is announced by an appetitive cue.

Everything comes from ``numpy.random.default_rng(seed)``: the same seed gives the same input
on every backend. :func:`inputs_frame` returns the schedule as a tidy DataFrame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from brian2 import Hz, ms

from brainsim.channels import EMOTIONS, SENSORY_CHANNELS
from brainsim.experiment.protocol import Protocol
from brainsim.model import parameters as P
from brainsim.model.network import INPUT_DT, Drives

# defaults and their sources: brainsim.model.parameters
CONTEXT_RATE = float(P.CONTEXT_RATE / Hz)
CONTEXT_CV = P.CONTEXT_CV
CONTEXT_TAU = float(P.CONTEXT_TAU / ms)
BACKGROUND_RATE = float(P.BACKGROUND_RATE / Hz)  # threat and appetitive channels between cues
CUE_RATE = float(P.CUE_RATE / Hz)  # during a cue
CUE_DURATION = float(P.CUE_DURATION / ms)


def make_drives(protocol: Protocol, seed: int | None = None,
                text: np.ndarray | None = None) -> Drives:
    """Generate the input arrays of a protocol.

    Parameters
    ----------
    protocol : Protocol
    seed : int, optional
        Defaults to ``protocol.seed``.
    text : ndarray (n_steps, 6), optional
        The text branch's drive ``g*p``; no text (zeros) when omitted.

    Returns
    -------
    Drives
    """
    seed = protocol.seed if seed is None else seed
    rng = np.random.default_rng([seed, 7])  # stream separate from the network's initial state
    profile = protocol.profile
    n = int(round(float(protocol.duration / INPUT_DT)))
    step_ms = float(INPUT_DT / ms)
    rates = np.zeros((n, len(SENSORY_CHANNELS)))
    # context: OU fluctuations around the mean
    alpha = np.exp(-step_ms / CONTEXT_TAU)
    noise = rng.standard_normal(n) * np.sqrt(1 - alpha**2)
    ou = np.empty(n)
    x = rng.standard_normal()
    for k in range(n):  # short loop (n = duration in ms)
        x = alpha * x + noise[k]
        ou[k] = x
    context_gain = np.ones(n)
    threat_rate = np.zeros(n)
    appetitive_rate = np.zeros(n)
    reward_mask = np.zeros(n, dtype=bool)
    for phase in protocol.phases:
        sl = slice(int(round(float(phase.start / ms) / step_ms)),
                   int(round(float(phase.end / ms) / step_ms)))
        context_gain[sl] = phase.context_gain
        threat_rate[sl] = float(phase.threat_cue_rate / Hz)
        appetitive_rate[sl] = float(phase.appetitive_cue_rate / Hz)
        reward_mask[sl] |= phase.rewards
    scale = profile.sensory_scale
    rates[:, 0] = np.clip(CONTEXT_RATE * scale * context_gain * (1 + CONTEXT_CV * ou), 0, None)
    cue_len = int(round(CUE_DURATION / step_ms))

    def cues(rate_per_step: np.ndarray) -> np.ndarray:
        onsets = rng.random(n) < rate_per_step * step_ms / 1000.0
        on = np.zeros(n)
        for k in np.flatnonzero(onsets):
            on[k:k + cue_len] = 1.0
        return on

    threat_on = cues(threat_rate)
    appetitive_on = cues(appetitive_rate)
    # rewards
    reward = np.zeros(n)
    events = rng.random(n) < profile.reward_rate_hz * step_ms / 1000.0 * reward_mask
    idx = np.flatnonzero(events)
    reward[idx] = rng.normal(profile.reward_mean, profile.reward_std, size=len(idx))
    for t, magnitude in protocol.rewards:
        reward[min(n - 1, int(round(float(t / ms) / step_ms)))] += magnitude
    for k in np.flatnonzero(reward > 0):  # an appetitive cue announces a positive reward
        appetitive_on[max(0, k - cue_len // 2):k + cue_len // 2] = 1.0
    rates[:, 1] = scale * (BACKGROUND_RATE + (CUE_RATE - BACKGROUND_RATE) * threat_on)
    rates[:, 2] = scale * (BACKGROUND_RATE + (CUE_RATE - BACKGROUND_RATE) * appetitive_on)
    drive = np.zeros((n, len(EMOTIONS))) if text is None else np.asarray(text, float)
    return Drives(sensory_rate_hz=rates, reward=reward, text_drive=drive)


def inputs_frame(drives: Drives) -> pd.DataFrame:
    """The input schedule as a tidy table: ``kind, channel, t_ms, value``.

    Sensory rates are given every 1 ms, rewards only at events, text drive only where
    non-zero.
    """
    step_ms = float(INPUT_DT / ms)
    n = drives.n_steps
    t_ms = np.arange(n) * step_ms
    frames = []
    for c, name in enumerate(SENSORY_CHANNELS):
        frames.append(pd.DataFrame({"kind": "sensory", "channel": name, "t_ms": t_ms,
                                    "value": drives.sensory_rate_hz[:, c]}))
    idx = np.flatnonzero(drives.reward)
    frames.append(pd.DataFrame({"kind": "reward", "channel": "reward", "t_ms": t_ms[idx],
                                "value": drives.reward[idx]}))
    for c, name in enumerate(EMOTIONS):
        idx = np.flatnonzero(drives.text_drive[:, c])
        if len(idx):
            frames.append(pd.DataFrame({"kind": "text", "channel": name, "t_ms": t_ms[idx],
                                        "value": drives.text_drive[idx, c]}))
    df = pd.concat(frames, ignore_index=True)
    df["kind"] = df["kind"].astype("category")
    df["channel"] = df["channel"].astype("category")
    return df
