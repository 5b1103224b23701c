"""What every task provides to the runner."""

from __future__ import annotations

from dataclasses import asdict

import brian2 as b2
import numpy as np
import pandas as pd

from brainsim.channels import EMOTIONS
from brainsim.model import parameters as P
from brainsim.model.network import INPUT_DT, NetworkStructure
from brainsim.model.tasks import COLUMN, EVENT_COLUMNS, TaskCircuit, TaskValues


class Task:
    """Base class of a closed-loop task (a frozen dataclass in subclasses).

    Subclasses define the trial schedule (:meth:`events`), the circuit's populations
    (:meth:`circuit`), the controller's settings (:meth:`controller`) and the analysis
    (:meth:`analyse`). Times are in seconds (plain floats: a task is a schedule, the
    network's units stay in Brian2).
    """

    n_trials: int
    trial_s: float
    name = "task"

    @property
    def duration(self) -> b2.Quantity:
        """Length of the run: ``n_trials * trial_s``."""
        return self.n_trials * self.trial_s * b2.second

    def to_dict(self) -> dict:
        return {"kind": type(self).__name__, **asdict(self)}

    # --- structure ------------------------------------------------------------------
    def circuit(self, structure: NetworkStructure) -> TaskCircuit | tuple:
        """The network extension(s) the task adds: one circuit, or a tuple of them (each
        with its own ``name``; :meth:`values` then returns ``{name: values}``)."""
        raise NotImplementedError

    @staticmethod
    def cue_cells(structure: NetworkStructure) -> tuple[tuple[int, ...], ...]:
        """Two disjoint blocks of PFC principal cells (``TASK_CUE_FRACTION`` each)."""
        n_exc = structure.layouts["pfc"].n_exc
        n = max(1, int(round(P.TASK_CUE_FRACTION * n_exc)))
        return tuple(tuple(range(k * n, (k + 1) * n)) for k in range(2))

    @staticmethod
    def us_cells(structure: NetworkStructure) -> tuple[int, ...]:
        layout = structure.layouts["thalamus"]
        return tuple(int(i) for i in np.flatnonzero(layout.group_of(P.TASK_US_TARGET_GROUP)))

    @staticmethod
    def msns(structure: NetworkStructure) -> np.ndarray:
        layout = structure.layouts["striatum"]
        return np.arange(layout.n_exc)

    # --- values ---------------------------------------------------------------------
    def n_steps(self) -> int:
        return int(round(self.n_trials * self.trial_s / float(INPUT_DT)))

    def empty_events(self) -> np.ndarray:
        return np.zeros((self.n_steps(), len(EVENT_COLUMNS)))

    @staticmethod
    def step(t_s: float) -> int:
        return int(round(t_s / float(INPUT_DT)))

    def events(self, seed: int) -> np.ndarray:
        raise NotImplementedError

    def controller(self, seed: int) -> dict:
        return {}

    def action_of_cell(self, structure: NetworkStructure, seed: int) -> np.ndarray:
        """Action population (0, 1, or -1 for none) of each of the circuit's count cells."""
        raise NotImplementedError

    def values(self, protocol, structure: NetworkStructure) -> TaskValues | dict:
        """The task's run-time values for a protocol (profile's sensory scale, seed): one
        values object for the circuit named :attr:`name`, or ``{extension name: values}``
        when :meth:`circuit` returns several."""
        return TaskValues(
            events=self.events(protocol.seed), controller=self.controller(protocol.seed),
            source_rate_hz=float(P.CUE_RATE / b2.Hz) * protocol.profile.sensory_scale,
            action_of_cell=self.action_of_cell(structure, protocol.seed))

    # --- analysis -------------------------------------------------------------------
    def analyse(self, raw, structure: NetworkStructure, protocol) -> tuple[pd.DataFrame, dict]:
        """The run's ``task.parquet`` (one row per trial: what the compiled controller
        recorded, with rates, dopamine and weights measured per trial) and what the task's
        metrics need besides it (``schedule``: :meth:`to_dict`; written to ``meta.json``'s
        ``task``). The metrics themselves are analysis code: :func:`analysis.tasks.task_metrics`
        (the command line passes it to the runner)."""
        raise NotImplementedError

    # helpers shared by the analyses
    def trial_frame(self, raw) -> pd.DataFrame:
        """The controller's state at each trial's end (one row per trial)."""
        rec = raw.extensions[self.name]["trials"]
        df = pd.DataFrame({k: v for k, v in rec.items() if k != "t"})
        df["trial"] = df["trial"].astype(int)
        df["t_start_s"] = df["trial"] * self.trial_s
        for col in ("critic_state", "choice", "reward", "correct", "reversed_after", "reversals",
                    "streak"):
            df[col] = df[col].round().astype(int)
        return df.sort_values("trial").reset_index(drop=True)

    @staticmethod
    def channel_counts(raw, structure: NetworkStructure, starts_s: np.ndarray,
                       a_s: float, b_s: float) -> pd.DataFrame:
        """Rate (Hz) of each emotion channel's MSNs in ``[start + a, start + b)`` per trial."""
        i, t = raw.spikes["striatum"]
        layout = structure.layouts["striatum"]
        ch = layout.channel[i]
        sizes = np.bincount(layout.channel[:layout.n_exc], minlength=len(EMOTIONS))
        t_s = t / 1000.0
        trial = np.searchsorted(starts_s, t_s, side="right") - 1
        rel = t_s - starts_s[np.clip(trial, 0, None)]
        sel = (trial >= 0) & (rel >= a_s) & (rel < b_s) & (ch < len(EMOTIONS))
        counts = np.zeros((len(starts_s), len(EMOTIONS)))
        np.add.at(counts, (trial[sel], ch[sel]), 1)
        rates = counts / sizes[None, :] / (b_s - a_s)
        return pd.DataFrame(rates, columns=[f"{e}_hz" for e in EMOTIONS])

    @staticmethod
    def dopamine_response(raw, structure: NetworkStructure, times_s: np.ndarray,
                          window_s: float = 0.25) -> np.ndarray:
        """Striatal dopamine minus its tonic level, the extreme (largest deviation) in
        ``[t, t + window)`` for each ``t`` (NaN where ``t`` is NaN)."""
        k = list(structure.anatomy.regions).index("striatum")
        trace = raw.modulators["dopamine"][k]
        t_ms = raw.modulator_t_ms
        tonic = np.median(trace)
        out = np.full(len(times_s), np.nan)
        for n, t0 in enumerate(times_s):
            if not np.isfinite(t0):
                continue
            sel = (t_ms >= 1000 * t0) & (t_ms < 1000 * (t0 + window_s))
            if sel.any():
                dev = trace[sel] - tonic
                out[n] = dev[np.argmax(np.abs(dev))]
        return out

    def weights_at(self, raw, times_s: np.ndarray, pre_mask: np.ndarray,
                   post_mask: np.ndarray) -> np.ndarray:
        """Mean recorded task weight (pA) of the synapses with the given pre/post (global
        index masks) at the last record at or before each time."""
        rec = raw.extensions[self.name]
        sel = pre_mask[rec["task_i"]] & post_mask[rec["task_j"]]
        if not sel.any():
            return np.full(len(times_s), np.nan)
        mean_w = rec["weights"][sel].mean(axis=0) / 1e-12
        idx = np.searchsorted(rec["weights_t"], np.asarray(times_s) + 1e-9, side="right") - 1
        return np.where(idx >= 0, mean_w[np.clip(idx, 0, None)], np.nan)


def onset_of(events: np.ndarray, column: str) -> np.ndarray:
    """Times (s) of the rising edges of an event column."""
    x = events[:, COLUMN[column]] > 0.5
    edges = np.flatnonzero(x & ~np.r_[False, x[:-1]])
    return edges * float(INPUT_DT)
