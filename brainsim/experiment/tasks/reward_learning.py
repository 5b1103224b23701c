"""Reward learning (issue 22, items 1-2): a cue paired with reward, a learned critic.

Pavlovian delay conditioning. Every trial shows one of two neutral cues (PFC cue
populations): the CS+ (cue 0) is followed by a reward, the CS- (cue 1) never. The reward is
the US — the appetitive relay cells of the thalamus driven for ``us_s`` — and the critic's
prediction error as phasic dopamine (:mod:`brainsim.model.tasks`): at cue onset
``delta = V(cue)``, at the outcome ``delta = r - V(cue)``. So the phasic response moves from
the reward to the cue over trials, and an omitted reward gives a dip (Schultz, Dayan &
Montague 1997). The cue's input to the MSNs (the task projection) learns through the
model's dopamine-gated plasticity; what is measured is how much the cue alone (before the
US) drives the joy channel, and the weights, against the trial number (the per-trial table
of :meth:`RewardLearning.analyse`; its metrics: :func:`analysis.tasks.learning_summary`).

``dopamine_delay_s`` moves the outcome's dopamine after the US onset (with ``critic_alpha =
0`` the dopamine is the reward itself): the timing window of the plasticity against
Yagishita et al. 2014 (Science 345:1616: effective 0.3-2 s after pairing, none at ~5 s).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from brainsim.channels import EMOTIONS
from brainsim.experiment.tasks.base import Task
from brainsim.model import parameters as P
from brainsim.model.network import NetworkStructure
from brainsim.model.tasks import COLUMN, TaskCircuit


@dataclass(frozen=True)
class RewardLearning(Task):
    """CS+ / CS- conditioning with a learned critic.

    Attributes
    ----------
    n_trials, trial_s : int, float
        Number and length of trials.
    cue_onset_s, cue_s : float
        Cue onset within the trial and how long it stays on.
    us_onset_s, us_s : float
        Onset of the reward (US) within the trial and its length (the cue overlaps it:
        delay conditioning).
    dopamine_delay_s : float
        The outcome's dopamine this long after the US onset.
    p_reward : float
        Reward probability of a CS+ trial (CS- trials: 0).
    cs_minus : bool
        Interleave CS- trials (pseudo-random order, half of the trials) or CS+ only.
    omissions : int
        The last ``omissions`` CS+ trials among the final quarter have their reward omitted
        (probe trials for the dip), spread over it.
    critic_alpha : float
        The critic's learning rate (0: dopamine = the reward, no prediction).
    """

    n_trials: int = 60
    trial_s: float = 2.4
    cue_onset_s: float = 0.5
    cue_s: float = 0.7
    us_onset_s: float = 1.0
    us_s: float = 0.2
    dopamine_delay_s: float = 0.0
    p_reward: float = 1.0
    cs_minus: bool = True
    omissions: int = 3
    critic_alpha: float = P.TASK_CRITIC_ALPHA

    def circuit(self, structure: NetworkStructure) -> TaskCircuit:
        """Cue populations in PFC; counted: the joy channel's MSNs against all other MSNs."""
        msn = tuple(map(int, self.msns(structure)))
        return TaskCircuit(cue_cells=self.cue_cells(structure), us_cells=self.us_cells(structure),
                           count_cells=msn, striatal_targets=msn)

    def action_of_cell(self, structure: NetworkStructure, seed: int) -> np.ndarray:
        """Counted: the joy channel's MSNs (0) against all other MSNs (1)."""
        layout = structure.layouts["striatum"]
        joy = layout.channel[self.msns(structure)] == EMOTIONS.index("joy")
        return np.where(joy, 0, 1)

    def trial_cues(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Cue (0 = CS+, 1 = CS-) and reward probability of every trial."""
        rng = np.random.default_rng([seed, 22, 1])
        if self.cs_minus:  # blocks of two in random order: never more than two alike in a row
            cues = np.concatenate([rng.permutation(2) for _ in range((self.n_trials + 1) // 2)])
            cues = cues[:self.n_trials]
        else:
            cues = np.zeros(self.n_trials, int)
        p = np.where(cues == 0, self.p_reward, 0.0)
        plus = np.flatnonzero(cues == 0)
        late = plus[plus >= self.n_trials * 3 // 4]
        if self.omissions and len(late):
            pick = late[np.linspace(0, len(late) - 1, min(self.omissions, len(late))).astype(int)]
            p[pick] = 0.0
        return cues, p

    def events(self, seed: int) -> np.ndarray:
        ev = self.empty_events()
        cues, p = self.trial_cues(seed)
        n = len(ev)
        for k in range(self.n_trials):
            t0 = k * self.trial_s
            on = self.step(t0 + self.cue_onset_s)
            ev[on:self.step(t0 + self.cue_onset_s + self.cue_s), COLUMN[f"cue{cues[k]}"]] = 1
            ev[on, COLUMN["onset"]] = 1
            ev[on:self.step(t0 + self.us_onset_s), COLUMN["count_window"]] = 1
            ev[self.step(t0), COLUMN["trial_start"]] = 1
            ev[self.step(t0):on, COLUMN["baseline_window"]] = 1
            ev[self.step(t0 + self.us_onset_s), COLUMN["decide"]] = 1
            ev[min(n - 1, self.step(t0 + self.us_onset_s + self.dopamine_delay_s)),
               COLUMN["outcome"]] = 1
            ev[self.step(t0 + self.us_onset_s):self.step(t0 + self.us_onset_s + self.us_s),
               COLUMN["us"]] = 1
            ev[self.step(t0 + self.trial_s) - 1, COLUMN["trial_end"]] = 1
            ev[self.step(t0):self.step(t0 + self.trial_s), COLUMN["state"]] = cues[k]
            ev[self.step(t0):self.step(t0 + self.trial_s), COLUMN["p_reward"]] = p[k]
        return ev

    def controller(self, seed: int) -> dict:
        return {"alpha_critic": self.critic_alpha, "choice_task": 0.0}

    def analyse(self, raw, structure, protocol) -> tuple[pd.DataFrame, dict]:
        df = self.trial_frame(raw)
        df = df.rename(columns={"critic_state": "cue", "n0": "joy_spikes_cs",
                                "n1": "other_spikes_cs", "b0": "joy_spikes_pre",
                                "b1": "other_spikes_pre"})
        df = df.drop(columns=["choice", "correct", "reversed_after", "reversals", "streak",
                              "p0", "p1"])
        cues, p = self.trial_cues(protocol.seed)
        df["p_reward"] = p[df["trial"]]
        starts = df["t_start_s"].to_numpy()
        cs = self.channel_counts(raw, structure, starts, self.cue_onset_s, self.us_onset_s)
        base = self.channel_counts(raw, structure, starts, 0.0, self.cue_onset_s)
        for e in EMOTIONS:
            df[f"cs_{e}_hz"] = cs[f"{e}_hz"].to_numpy()
            df[f"pre_{e}_hz"] = base[f"{e}_hz"].to_numpy()
        df["cs_joy_evoked_hz"] = df["cs_joy_hz"] - df["pre_joy_hz"]
        df["da_cue"] = self.dopamine_response(raw, structure, starts + self.cue_onset_s)
        df["da_outcome"] = self.dopamine_response(
            raw, structure, starts + self.us_onset_s + self.dopamine_delay_s)
        offsets = structure.offsets
        n_all = structure.n_neurons
        stri0 = offsets["striatum"][0]
        layout = structure.layouts["striatum"]
        joy_mask = np.zeros(n_all, bool)
        joy_mask[stri0 + np.flatnonzero(layout.channel[:layout.n_exc]
                                        == EMOTIONS.index("joy"))] = True
        other_mask = np.zeros(n_all, bool)
        other_mask[stri0:stri0 + layout.n_exc] = True
        other_mask &= ~joy_mask
        ends = starts + self.trial_s - 1e-3
        for k, cells in enumerate(self.cue_cells(structure)):
            pre = np.zeros(n_all, bool)
            pre[offsets["pfc"][0] + np.asarray(cells)] = True
            df[f"w_cue{k}_joy_pA"] = self.weights_at(raw, ends, pre, joy_mask)
            df[f"w_cue{k}_other_pA"] = self.weights_at(raw, ends, pre, other_mask)
        w0 = self.weights_at(raw, np.array([0.0]), np.ones(n_all, bool), np.ones(n_all, bool))
        return df, {"schedule": self.to_dict(), "initial_weight_pA": float(w0[0])}
