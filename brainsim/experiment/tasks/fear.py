"""Fear conditioning, extinction and recall (issue 22, item 3): amygdala-PFC.

Differential delay conditioning in one run (the circuit: :mod:`brainsim.model.fear`):

* **habituation** — CS+ and CS- tones alone;
* **conditioning** — the CS+ co-terminates with the US (shock), the CS- never;
* **extinction** — CS+ and CS- without US;
* a **delay** without stimuli;
* **recall** — CS+ alone, a few trials.

Within a phase CS+ and CS- come in pseudo-random order (blocks of two in random order,
drawn from the run's seed). Each trial: a pre-CS baseline, the CS, and (on paired trials)
the US in the CS's last ``us_s``; the amygdala response of a trial is the negative-valence
BLA cells' rate in the CS window before the US time minus their rate in an equal window
before the CS. Per-trial table (:meth:`FearConditioning.analyse`): phase, CS, US, the
response, the prediction error sent as dopamine, the plastic weights; metrics:
:func:`analysis.extinction.extinction_metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
import pandas as pd

from brainsim.experiment.tasks.base import Task
from brainsim.model import parameters as P
from brainsim.model.fear import FCOL, FEAR_COLUMNS, STIMULUS_BLOCKS, FearCircuit, FearValues
from brainsim.model.network import INPUT_DT, NetworkStructure
from brainsim.model.stimuli import StimulusValues

#: Phase names, in their order (the ``phase`` index of a trial).
PHASES = ("habituation", "conditioning", "extinction", "recall")
CS_NAMES = {1: "CS+", 2: "CS-"}


@dataclass(frozen=True)
class FearConditioning(Task):
    """Differential fear conditioning, extinction and recall.

    Attributes
    ----------
    habituation, conditioning, extinction : int
        Trials of each CS (CS+ and CS- each) in those phases.
    recall : int
        CS+ trials at recall.
    delay_s : float
        Time without stimuli between extinction and recall.
    trial_s : float
        Length of a trial.
    cs_onset_s, cs_s : float
        CS onset within the trial and its length.
    us_s : float
        The US's length; it co-terminates with the CS (delay conditioning).
    """

    habituation: int = 2
    conditioning: int = 8
    extinction: int = 10
    recall: int = 4
    delay_s: float = 10.0
    trial_s: float = 2.5
    cs_onset_s: float = 1.0
    cs_s: float = 1.0
    us_s: float = 0.3
    name = "fear"

    # --- schedule -------------------------------------------------------------------
    @property
    def n_trials(self) -> int:
        return 2 * (self.habituation + self.conditioning + self.extinction) + self.recall

    @property
    def window_s(self) -> float:
        """The counted CS window: CS onset to the US time."""
        return self.cs_s - self.us_s

    @property
    def duration(self) -> b2.Quantity:
        return (self.n_trials * self.trial_s + self.delay_s) * b2.second

    def n_steps(self) -> int:
        return int(round(float(self.duration / b2.second) / float(INPUT_DT)))

    def trials(self, seed: int) -> pd.DataFrame:
        """One row per trial: ``phase`` (index into :data:`PHASES`), ``cs`` (1 CS+, 2 CS-),
        ``us`` (0/1) and ``t_start_s``."""
        rng = np.random.default_rng([seed, 22, 4])
        rows = []
        for ph, n in enumerate((self.habituation, self.conditioning, self.extinction)):
            order = np.concatenate([rng.permutation([1, 2]) for _ in range(n)])
            rows += [(ph, int(c), int(ph == 1 and c == 1)) for c in order]
        rows += [(3, 1, 0)] * self.recall
        df = pd.DataFrame(rows, columns=["phase", "cs", "us"])
        df["t_start_s"] = (np.arange(len(df)) * self.trial_s
                           + np.where(df["phase"] == 3, self.delay_s, 0.0))
        return df

    def events(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The controller's and the stimuli's event tables."""
        n = self.n_steps()
        ev = np.zeros((n, len(FEAR_COLUMNS)))
        stim = np.zeros((n, len(STIMULUS_BLOCKS)))
        col = {b: k for k, b in enumerate(STIMULUS_BLOCKS)}
        for row in self.trials(seed).itertuples():
            t0 = row.t_start_s
            start, end = self.step(t0), self.step(t0 + self.trial_s)
            on = self.step(t0 + self.cs_onset_s)
            us = self.step(t0 + self.cs_onset_s + self.window_s)
            off = self.step(t0 + self.cs_onset_s + self.cs_s)
            ev[start, FCOL["trial_start"]] = 1
            ev[self.step(t0 + self.cs_onset_s - self.window_s):on, FCOL["baseline_window"]] = 1
            ev[on:us, FCOL["count_window"]] = 1
            ev[us, FCOL["outcome"]] = 1
            ev[start:end, FCOL["us_trial"]] = row.us
            ev[end - 1, FCOL["trial_end"]] = 1
            ev[start:end, FCOL["cs"]] = row.cs
            ev[start:end, FCOL["phase"]] = row.phase
            which = "plus" if row.cs == 1 else "minus"
            stim[on:off, col[f"cs_{which}_thalamus"]] = 1
            stim[on:off, col[f"cs_{which}_il"]] = 1
            if row.us:
                ev[us:off, FCOL["us"]] = 1
                stim[us:off, col["us_thalamus"]] = 1
                stim[us:off, col["us_amygdala"]] = 1
        return ev, stim

    # --- structure ------------------------------------------------------------------
    @staticmethod
    def cs_thalamus(structure: NetworkStructure) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Two subpopulations of the context relay cells (FEAR_CS_FRACTION each),
        overlapping by FEAR_CS_OVERLAP of one."""
        ctx = np.flatnonzero(structure.layouts["thalamus"].group_of("context"))
        n = max(1, int(round(P.FEAR_CS_FRACTION * len(ctx))))
        shift = n - int(round(P.FEAR_CS_OVERLAP * n))
        return tuple(map(int, ctx[:n])), tuple(map(int, ctx[shift:shift + n]))

    @staticmethod
    def cs_il(structure: NetworkStructure) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Two disjoint blocks of PFC principal cells (FEAR_IL_FRACTION each)."""
        n_exc = structure.layouts["pfc"].n_exc
        n = max(1, int(round(P.FEAR_IL_FRACTION * n_exc)))
        return tuple(range(n)), tuple(range(n, 2 * n))

    @staticmethod
    def la_cells(structure: NetworkStructure) -> tuple[int, ...]:
        layout = structure.layouts["amygdala"]
        return tuple(map(int, np.flatnonzero(layout.group_of("negative"))))

    @staticmethod
    def itc_cells(structure: NetworkStructure) -> tuple[int, ...]:
        layout = structure.layouts["amygdala"]
        return tuple(range(layout.n_exc, layout.size))

    def circuit(self, structure: NetworkStructure) -> FearCircuit:
        thal = structure.layouts["thalamus"]
        return FearCircuit(
            cs_thalamus=self.cs_thalamus(structure), cs_il=self.cs_il(structure),
            us_thalamus=tuple(map(int, np.flatnonzero(thal.group_of("threat")))),
            la_cells=self.la_cells(structure), itc_cells=self.itc_cells(structure))

    # --- values ---------------------------------------------------------------------
    def values(self, protocol, structure: NetworkStructure) -> FearValues:
        """The run's schedule, the profile's sensory scale (tone and shock rates) and the
        amygdala's NE (the LA plasticity's gate)."""
        ev, stim = self.events(protocol.seed)
        rate = float(P.CUE_RATE / b2.Hz) * protocol.profile.sensory_scale
        n_la = len(self.la_cells(structure))
        return FearValues(
            events=ev,
            stimuli=StimulusValues(events=stim, rate_hz={b: rate for b in STIMULUS_BLOCKS}),
            gate_amplitude=protocol.profile.level("amygdala", "norepinephrine") / P.LEVEL_REF,
            controller={"pe_ref": P.FEAR_PE_REF_HZ * n_la * self.window_s})

    # --- analysis -------------------------------------------------------------------
    def analyse(self, raw, structure, protocol) -> tuple[pd.DataFrame, dict]:
        rec = raw.extensions[self.name]
        tr = rec["trials"]
        df = pd.DataFrame({k: tr[k] for k in ("trial", "n_cs", "n_base", "pe")})
        df["trial"] = df["trial"].round().astype(int)
        df = df.sort_values("trial").reset_index(drop=True)
        sched = self.trials(protocol.seed)
        df = pd.concat([df, sched.iloc[df["trial"].to_numpy()].reset_index(drop=True)], axis=1)
        df["phase"] = [PHASES[k] for k in df["phase"]]
        df["cs"] = [CS_NAMES[k] for k in df["cs"]]
        n_la = len(self.la_cells(structure))
        df["response_hz"] = (df["n_cs"] - df["n_base"]) / (n_la * self.window_s)
        df["cs_hz"] = df["n_cs"] / (n_la * self.window_s)
        df["baseline_hz"] = df["n_base"] / (n_la * self.window_s)
        starts = df["t_start_s"].to_numpy()
        # evoked rates of the CS's own cells (thalamus, IL) and of the interneurons
        cs_idx = np.where(df["cs"] == "CS+", 0, 1)
        for region, pops, label in (("thalamus", self.cs_thalamus(structure), "thalamus"),
                                    ("pfc", self.cs_il(structure), "il")):
            rates = np.stack([self.evoked_rate(raw, region, np.asarray(c), starts)
                              for c in pops])
            df[f"{label}_cs_hz"] = rates[cs_idx, np.arange(len(df))]
        df["itc_cs_hz"] = self.evoked_rate(raw, "amygdala", np.asarray(self.itc_cells(structure)),
                                           starts)
        ends = starts + self.trial_s - 1e-3
        off = structure.offsets
        thal = [np.asarray(c) + off["thalamus"][0] for c in self.cs_thalamus(structure)]
        il = [np.asarray(c) + off["pfc"][0] for c in self.cs_il(structure)]
        for k, label in enumerate(("plus", "minus")):
            df[f"w_la_cs_{label}_pA"] = self.mean_weight(rec, "la", thal[k], ends)
            df[f"w_il_cs_{label}_pA"] = self.mean_weight(rec, "il", il[k], ends)
        df = df.drop(columns=["n_cs", "n_base"])
        return df, {"schedule": self.to_dict()}

    def to_dict(self) -> dict:
        return {**super().to_dict(), "n_trials": self.n_trials, "window_s": self.window_s}

    def evoked_rate(self, raw, region: str, cells: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Rate (Hz) of ``cells`` (local indices) in the CS window minus the pre-CS window."""
        i, t = raw.spikes[region]
        sel = np.isin(i, cells)
        t_s = np.asarray(t, float)[sel] / 1000.0
        out = np.zeros(len(starts))
        for n, t0 in enumerate(starts):
            on = t0 + self.cs_onset_s
            cs = np.count_nonzero((t_s >= on) & (t_s < on + self.window_s))
            pre = np.count_nonzero((t_s >= on - self.window_s) & (t_s < on))
            out[n] = (cs - pre) / (len(cells) * self.window_s)
        return out

    @staticmethod
    def mean_weight(rec: dict, which: str, pre: np.ndarray, times_s: np.ndarray) -> np.ndarray:
        """Mean weight (pA) of the ``which`` synapses from ``pre`` (global indices) at the
        last record at or before each time."""
        sel = np.isin(rec[f"{which}_i"], pre)
        w = rec[f"{which}_weights"][sel].mean(axis=0) / 1e-12
        idx = np.searchsorted(rec["weights_t"], np.asarray(times_s) + 1e-9, side="right") - 1
        return np.where(idx >= 0, w[np.clip(idx, 0, None)], np.nan)
