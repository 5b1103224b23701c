"""Probabilistic reversal learning (issue 22, item 3): cognitive flexibility.

Both cues (two PFC cue populations, the two stimuli) are shown at every trial; two action
populations of striatal D1 MSNs (alternate D1 cells of every channel: the same input
statistics) compete. The one with more spikes in the decision window is the choice
(decided in the compiled program, :mod:`brainsim.model.tasks`); the choice is rewarded with
probability ``p_high`` (the currently correct option) or ``p_low``. After ``criterion``
consecutive correct choices, or ``max_block`` trials, the contingencies reverse. The
outcome is the critic's prediction error as phasic dopamine (one critic state: the trial),
which teaches the cue -> MSN projection through the model's three-factor plasticity.

Metrics (:func:`analysis.tasks.reversal_metrics`): accuracy per block, trials to criterion
after a reversal, perseverative errors, win-stay / lose-shift, and a Rescorla-Wagner fit
(learning rate, inverse temperature) of the model's choices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.tasks import reversal_metrics
from brainsim.experiment.tasks.base import Task
from brainsim.model.network import NetworkStructure
from brainsim.model.tasks import COLUMN, TaskCircuit


@dataclass(frozen=True)
class ProbabilisticReversal(Task):
    """Two-choice probabilistic reversal learning.

    Attributes
    ----------
    n_trials, trial_s : int, float
    cue_onset_s, window_s : float
        Cue onset within the trial; the cues stay on for the decision window, whose end is
        the choice and the outcome.
    p_high, p_low : float
        Reward probabilities of the correct and the incorrect option.
    criterion : int
        Consecutive correct choices that trigger a reversal.
    max_block : int
        Trials after which the contingencies reverse anyway.
    critic_alpha : float
        The critic's learning rate.
    """

    n_trials: int = 120
    trial_s: float = 1.5
    cue_onset_s: float = 0.3
    window_s: float = 0.3
    p_high: float = 0.8
    p_low: float = 0.2
    criterion: int = 8
    max_block: int = 40
    critic_alpha: float = 0.2

    def circuit(self, structure: NetworkStructure) -> TaskCircuit:
        layout = structure.layouts["striatum"]
        msn = self.msns(structure)
        d1 = msn[layout.group_of("D1")[msn]]
        # alternate D1 cells within each channel: both actions span every channel alike
        rank = np.zeros(len(d1), int)
        for c in np.unique(layout.channel[d1]):
            sel = layout.channel[d1] == c
            rank[sel] = np.arange(sel.sum())
        actions = (tuple(map(int, d1[rank % 2 == 0])), tuple(map(int, d1[rank % 2 == 1])))
        return TaskCircuit(cue_cells=self.cue_cells(structure), us_cells=self.us_cells(structure),
                           action_cells=actions, striatal_targets=tuple(map(int, msn)))

    def events(self, seed: int) -> np.ndarray:
        ev = self.empty_events()
        for k in range(self.n_trials):
            t0 = k * self.trial_s
            on = self.step(t0 + self.cue_onset_s)
            end = self.step(t0 + self.cue_onset_s + self.window_s)
            ev[on:end, COLUMN["cue0"]] = 1
            ev[on:end, COLUMN["cue1"]] = 1
            ev[on, COLUMN["onset"]] = 1
            ev[on:end, COLUMN["count_window"]] = 1
            ev[end, COLUMN["decide"]] = 1
            ev[end, COLUMN["outcome"]] = 1
            ev[self.step(t0 + self.trial_s) - 1, COLUMN["trial_end"]] = 1
        return ev

    def controller(self) -> dict:
        return {"alpha_critic": self.critic_alpha, "choice_task": 1.0,
                "p0": self.p_high, "p1": self.p_low, "criterion": float(self.criterion),
                "max_block": float(self.max_block)}

    def analyse(self, raw, structure, protocol) -> tuple[pd.DataFrame, dict]:
        df = self.trial_frame(raw)
        df = df.rename(columns={"n0": "spikes_action0", "n1": "spikes_action1",
                                "V0": "value"}).drop(columns=["V1", "critic_state"])
        df["best"] = np.where(df["correct"] == 1, df["choice"], 1 - df["choice"])
        df["block"] = df["reversals"] - df["reversed_after"]
        starts = df["t_start_s"].to_numpy()
        df["da_outcome"] = self.dopamine_response(
            raw, structure, starts + self.cue_onset_s + self.window_s)
        summary = reversal_metrics(df, criterion=self.criterion)
        summary["schedule"] = self.to_dict()
        return df, summary
