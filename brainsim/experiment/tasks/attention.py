"""Attention regulation (issue 22, item 2): a weak thalamic target among distractors.

Every trial is a foreperiod, then a stimulus epoch. On a random half of the trials the
stimulus epoch holds a **weak target**: an increment of afferent drive onto a set of
thalamic context relay cells (the target cells). On every trial a **distractor** is drawn
from {none, neutral, threat}: a neutral distractor drives another set of context relay cells
(of the same size; never the target cells), a threat distractor the same number of threat
relay cells (``structure.layouts["thalamus"].group_of("threat")``), whose "low road" reaches
the negative-valence BLA cells (``THALAMUS_TO_AMYGDALA``). Neutral and threat distractors
thus differ only in which relay cells they drive. Each of the six (distractor, target)
combinations is equally frequent; the order is shuffled from the run's seed.

What is measured is the **PFC's evoked count**: the spikes of the PFC principal cells the
target cells reach (at least one thalamus -> PFC synapse from a target cell) in a window of
the stimulus epoch's length, a little after its onset (the thalamocortical delay). Its ROC
over target-present against target-absent trials gives d' per distractor condition; the
foreperiod's counts in windows of the same length give premature responses (counts above a
fixed criterion before the target could have come). Metrics:
:func:`analysis.attention.attention_metrics`.

Every drive goes through the model's own input path: the afferents add to ``I_e``, which the
target cell's NE gain scales (``K_GAIN_NE``; in the PFC also NE's alpha1 term,
``K_ALPHA1_NE``), so tonic NE acts on the target, the distractors and the thalamocortical and
cortical recurrent input alike. Nothing here is
specific to a profile: the profile's ``sensory_scale`` scales every block's rate (as it
scales every sensory input of the model), and the target strength and criterion were fixed
on the neutral profile (all levels 0.5) on tuning seeds (``brainsim/model/parameters.py``,
``ATTENTION_*``).
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
import pandas as pd

from brainsim.experiment.tasks.base import Task
from brainsim.model import parameters as P
from brainsim.model.network import NetworkStructure
from brainsim.model.stimuli import StimulusBlock, StimulusCircuit, StimulusValues

#: Distractor conditions, in the order of their codes in the trial table.
DISTRACTORS = ("none", "neutral", "threat")
#: The stimulus circuit's blocks (columns of its event table).
BLOCKS = ("target", "neutral", "threat")


@dataclass(frozen=True)
class AttentionTask(Task):
    """Weak-target detection with neutral and threat distractors.

    Attributes
    ----------
    n_trials, trial_s : int, float
        Number and length of trials. ``n_trials`` must be a multiple of 6 (the six
        distractor x target combinations, equally often).
    foreperiod_s : float
        Stimulus onset within the trial: the foreperiod. A fixed foreperiod, as the
        inter-trial interval of the five-choice serial reaction time task (Dalley et al.
        2007), in which premature responses are those made before the stimulus.
    stimulus_s : float
        How long the target increment and the distractor last (together, from onset).
    latency_s : float
        The response window starts this long after onset: the thalamus -> PFC delay
        (``DELAY_LONG``, 5.5 ms) plus a few ms of integration.
    premature_from_s : float
        Foreperiod windows (of ``stimulus_s`` each) are counted from here to the onset;
        the time before lets the previous trial's stimulus (ended ``trial_s - foreperiod_s
        - stimulus_s`` before the trial) fade.
    target_strength : float
        The target's afferent rate as a fraction of ``CUE_RATE`` (the weak increment).
    distractor_strength : float
        The distractors' afferent rate as a fraction of ``CUE_RATE``.
    response_criterion_hz : float
        A response: the readout cells' mean rate in a window at or above this (frozen,
        profile-blind; ``ATTENTION_RESPONSE_CRITERION_HZ``).
    """

    n_trials: int = 96
    trial_s: float = 1.0
    foreperiod_s: float = 0.6
    stimulus_s: float = 0.2
    latency_s: float = 0.01
    premature_from_s: float = 0.2
    target_strength: float = P.ATTENTION_TARGET_STRENGTH
    distractor_strength: float = P.ATTENTION_DISTRACTOR_STRENGTH
    response_criterion_hz: float = P.ATTENTION_RESPONSE_CRITERION_HZ
    name = "attention"

    def __post_init__(self) -> None:
        from brainsim.errors import ConfigError

        if self.n_trials <= 0 or self.n_trials % 6:
            raise ConfigError(f"AttentionTask: n_trials must be a positive multiple of 6 (the "
                              f"six distractor x target combinations), got {self.n_trials}.")
        end = self.foreperiod_s + self.latency_s + self.stimulus_s
        if end > self.trial_s + 1e-12:
            raise ConfigError(f"AttentionTask: the response window ends at {end} s, after the "
                              f"trial ({self.trial_s} s).")
        if not 0 <= self.premature_from_s <= self.foreperiod_s - self.stimulus_s:
            raise ConfigError("AttentionTask: premature_from_s must leave at least one "
                              "window of stimulus_s before the onset.")

    # --- cells ------------------------------------------------------------------------
    @staticmethod
    def relay_cells(structure: NetworkStructure) -> dict[str, tuple[int, ...]]:
        """Thalamic cells of each block: the target and the neutral distractor are the even
        and odd context relay cells; the threat distractor as many threat relay cells
        (every other one)."""
        layout = structure.layouts["thalamus"]
        context = np.flatnonzero(layout.group_of("context"))
        threat = np.flatnonzero(layout.group_of("threat"))
        target, neutral = context[0::2], context[1::2]
        n = min(len(target), len(neutral))
        return {"target": tuple(map(int, target[:n])), "neutral": tuple(map(int, neutral[:n])),
                "threat": tuple(map(int, threat[0::2][:n]))}

    @classmethod
    def readout_cells(cls, structure: NetworkStructure) -> np.ndarray:
        """PFC principal cells (local indices) with at least one thalamus -> PFC synapse from
        a target cell: the cells the target can reach at all."""
        off_t, off_p = structure.offsets["thalamus"][0], structure.offsets["pfc"][0]
        n_exc = structure.layouts["pfc"].n_exc
        pre = np.zeros(structure.n_neurons, bool)
        pre[off_t + np.asarray(cls.relay_cells(structure)["target"])] = True
        post = np.zeros(n_exc, bool)
        for s in structure.synapses:
            if "thalamus_E_to_pfc_E" not in s.projection_names:
                continue
            k = s.projection_names.index("thalamus_E_to_pfc_E")
            sel = (s.projection == k) & pre[s.i]
            post[s.j[sel] - off_p] = True
        return np.flatnonzero(post)

    def circuit(self, structure: NetworkStructure) -> StimulusCircuit:
        cells = self.relay_cells(structure)
        return StimulusCircuit(
            blocks=tuple(StimulusBlock(b, "thalamus", cells[b]) for b in BLOCKS),
            name=self.name)

    # --- schedule ---------------------------------------------------------------------
    def schedule(self, seed: int) -> pd.DataFrame:
        """The trials' distractor (code into :data:`DISTRACTORS`) and target (0/1): each
        combination ``n_trials / 6`` times, shuffled from the seed."""
        rng = np.random.default_rng([seed, 22, 20])
        combos = np.array([(d, t) for d in range(len(DISTRACTORS)) for t in (0, 1)])
        rows = np.repeat(combos, self.n_trials // 6, axis=0)[rng.permutation(self.n_trials)]
        return pd.DataFrame({"trial": np.arange(self.n_trials), "distractor_code": rows[:, 0],
                             "target": rows[:, 1]})

    def events(self, seed: int) -> np.ndarray:
        """Rate multipliers (n_steps, 3) of the target, neutral and threat blocks."""
        ev = np.zeros((self.n_steps(), len(BLOCKS)))
        for tr in self.schedule(seed).itertuples():
            t0 = tr.trial * self.trial_s + self.foreperiod_s
            on, off = self.step(t0), self.step(t0 + self.stimulus_s)
            if tr.target:
                ev[on:off, 0] = self.target_strength
            if tr.distractor_code:
                ev[on:off, tr.distractor_code] = self.distractor_strength
        return ev

    def values(self, protocol, structure: NetworkStructure) -> StimulusValues:
        """The schedule of the protocol's seed; every block's afferents at ``CUE_RATE`` times
        the profile's ``sensory_scale`` (its multiplier in the event table)."""
        rate = float(P.CUE_RATE / b2.Hz) * protocol.profile.sensory_scale
        return StimulusValues(events=self.events(protocol.seed),
                              rate_hz={b: rate for b in BLOCKS})

    # --- analysis ---------------------------------------------------------------------
    def premature_windows(self) -> np.ndarray:
        """Starts (s, within the trial) of the foreperiod windows."""
        n = int(round((self.foreperiod_s - self.premature_from_s) / self.stimulus_s + 1e-9))
        return self.premature_from_s + self.stimulus_s * np.arange(n)

    def analyse(self, raw, structure: NetworkStructure, protocol) -> tuple[pd.DataFrame, dict]:
        """One row per trial: the schedule, the readout cells' rate (Hz per cell) in the
        response window (``readout_hz``), in the window before onset (``baseline_hz``) and in
        each foreperiod window (``fore<k>_hz``); all PFC principal cells' rate in the
        response window (``pfc_all_hz``); the rates of the thalamic target, neutral and threat
        cells and of the negative-valence BLA cells in the stimulus epoch (checks of the
        drive)."""
        df = self.schedule(protocol.seed)
        df["distractor"] = np.array(DISTRACTORS)[df["distractor_code"]]
        starts = df["trial"].to_numpy() * self.trial_s
        df["t_start_s"] = starts
        onset = self.foreperiod_s
        readout = self.readout_cells(structure)
        n_pfc = structure.layouts["pfc"].n_exc
        win = self.stimulus_s

        def rate(region, cells, a_s):
            return _window_rate(raw.spikes[region], cells, starts + a_s, win)

        df["readout_hz"] = rate("pfc", readout, onset + self.latency_s)
        df["baseline_hz"] = rate("pfc", readout, onset - win)
        for k, a in enumerate(self.premature_windows()):
            df[f"fore{k}_hz"] = rate("pfc", readout, a)
        df["pfc_all_hz"] = rate("pfc", np.arange(n_pfc), onset + self.latency_s)
        for b, cells in self.relay_cells(structure).items():
            df[f"thalamus_{b}_hz"] = rate("thalamus", np.asarray(cells), onset)
        bla = np.flatnonzero(structure.layouts["amygdala"].group_of("negative"))
        df["bla_negative_hz"] = rate("amygdala", bla, onset)
        info = {"schedule": self.to_dict(), "n_readout_cells": int(len(readout)),
                "n_pfc_principal": int(n_pfc),
                "norepinephrine": protocol.profile.level("pfc", "norepinephrine")}
        return df, info


def _window_rate(spikes: tuple[np.ndarray, np.ndarray], cells: np.ndarray,
                 starts_s: np.ndarray, width_s: float) -> np.ndarray:
    """Mean rate (Hz per cell) of ``cells`` in ``[start, start + width)`` for each start
    (windows must not overlap and must be in increasing order)."""
    i, t_ms = spikes
    sel = np.isin(i, cells)
    t = np.sort(t_ms[sel] / 1000.0)
    lo = np.searchsorted(t, starts_s - 1e-9, side="left")
    hi = np.searchsorted(t, starts_s + width_s - 1e-9, side="left")
    return (hi - lo) / max(len(cells), 1) / width_s
