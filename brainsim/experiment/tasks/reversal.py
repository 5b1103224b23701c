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
        Cue onset within the trial and the decision window after it, whose end is the
        choice.
    execute_s : float
        The chosen action is executed for this long after the choice (its D1 MSNs get the
        efference-copy drive, the cues stay on); the outcome's dopamine comes at its end.
    p_high, p_low : float
        Reward probabilities of the correct and the incorrect option.
    criterion : int
        Consecutive correct choices that trigger a reversal.
    max_block : int
        Trials after which the contingencies reverse anyway.
    critic_alpha : float
        The critic's learning rate.
    initial_value : float
        The critic's value before the first trial (of the trial and of the time before it):
        the mean reward probability of the two options, as the Rescorla-Wagner fit's Q0.
    """

    n_trials: int = 120
    trial_s: float = 1.5
    cue_onset_s: float = 0.3
    window_s: float = 0.3
    execute_s: float = 0.3
    p_high: float = 0.8
    p_low: float = 0.2
    criterion: int = 8
    max_block: int = 40
    critic_alpha: float = 0.2
    initial_value: float = 0.5

    def circuit(self, structure: NetworkStructure) -> TaskCircuit:
        msn = self.msns(structure)
        return TaskCircuit(cue_cells=self.cue_cells(structure), us_cells=self.us_cells(structure),
                           count_cells=tuple(map(int, self.d1(structure))),
                           striatal_targets=tuple(map(int, msn)))

    def d1(self, structure: NetworkStructure) -> np.ndarray:
        layout = structure.layouts["striatum"]
        msn = self.msns(structure)
        return msn[layout.group_of("D1")[msn]]

    def action_of_cell(self, structure: NetworkStructure, seed: int) -> np.ndarray:
        """A random half of every channel's D1 MSNs per action, drawn from the run's seed:
        each seed is another assignment (another "subject"), so that a fixed difference in
        excitability between two cell sets of the one network does not favour one option
        in every run."""
        layout = structure.layouts["striatum"]
        d1 = self.d1(structure)
        rng = np.random.default_rng([seed, 22, 2])
        action = np.zeros(len(d1), int)
        for c in np.unique(layout.channel[d1]):
            idx = np.flatnonzero(layout.channel[d1] == c)
            action[rng.permutation(idx)[: len(idx) // 2]] = 1
        return action

    def events(self, seed: int) -> np.ndarray:
        ev = self.empty_events()
        for k in range(self.n_trials):
            t0 = k * self.trial_s
            on = self.step(t0 + self.cue_onset_s)
            end = self.step(t0 + self.cue_onset_s + self.window_s)
            done = self.step(t0 + self.cue_onset_s + self.window_s + self.execute_s)
            ev[on:done, COLUMN["cue0"]] = 1
            ev[on:done, COLUMN["cue1"]] = 1
            ev[end:done, COLUMN["execute"]] = 1
            ev[on, COLUMN["onset"]] = 1
            ev[on:end, COLUMN["count_window"]] = 1
            ev[self.step(t0), COLUMN["trial_start"]] = 1
            ev[self.step(t0 + self.cue_onset_s - self.window_s):on,
               COLUMN["baseline_window"]] = 1
            ev[end, COLUMN["decide"]] = 1
            ev[done, COLUMN["outcome"]] = 1
            ev[self.step(t0 + self.trial_s) - 1, COLUMN["trial_end"]] = 1
        return ev

    def controller(self, seed: int) -> dict:
        """The initially correct option is drawn from the seed (counterbalanced)."""
        first = int(np.random.default_rng([seed, 22, 3]).integers(2))
        p = (self.p_high, self.p_low) if first == 0 else (self.p_low, self.p_high)
        return {"alpha_critic": self.critic_alpha, "choice_task": 1.0,
                "V0": self.initial_value, "V_iti": self.initial_value,
                "p0": p[0], "p1": p[1], "criterion": float(self.criterion),
                "max_block": float(self.max_block), "baseline_correct": 1.0}

    def analyse(self, raw, structure, protocol) -> tuple[pd.DataFrame, dict]:
        df = self.trial_frame(raw)
        df = df.rename(columns={"n0": "spikes_action0", "n1": "spikes_action1",
                                "b0": "baseline_action0", "b1": "baseline_action1",
                                "V0": "value"}).drop(columns=["V1", "critic_state"])
        df["best"] = np.where(df["correct"] == 1, df["choice"], 1 - df["choice"])
        df["block"] = df["reversals"] - df["reversed_after"]
        starts = df["t_start_s"].to_numpy()
        df["da_outcome"] = self.dopamine_response(
            raw, structure, starts + self.cue_onset_s + self.window_s + self.execute_s)
        offsets, n_all = structure.offsets, structure.n_neurons
        action = self.action_of_cell(structure, protocol.seed)
        cells = offsets["striatum"][0] + self.d1(structure)
        cues = np.zeros(n_all, bool)
        for c in self.cue_cells(structure):
            cues[offsets["pfc"][0] + np.asarray(c)] = True
        ends = starts + self.trial_s - 1e-3
        for k in range(2):
            post = np.zeros(n_all, bool)
            post[cells[action == k]] = True
            df[f"w_action{k}_pA"] = self.weights_at(raw, ends, cues, post)
        return df, {"schedule": self.to_dict()}
