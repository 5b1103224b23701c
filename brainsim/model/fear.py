"""The fear conditioning / extinction circuit (issue 22, item 3), all inside the compiled program.

One network extension (:attr:`brainsim.model.network.NetworkStructure.extensions`) adds:

* the **stimuli** (a :class:`~brainsim.model.stimuli.StimulusCircuit`, built as part of this
  circuit): the tones CS+ and CS- onto two (overlapping) subpopulations of the thalamic
  context relay cells and onto two infralimbic (PFC) populations, and the US (shock) onto
  the thalamic threat relay cells and the negative-valence BLA principal cells;
* the **lateral amygdala's CS inputs**: plastic synapses from the CS thalamic cells onto
  the negative-valence BLA cells, with Hebbian plasticity gated by the norepinephrine the
  US releases (:data:`brainsim.model.equations.HEBBIAN_GATED_SYNAPSE`; Johansen et al.
  2014);
* **extinction**: plastic synapses from the IL CS populations onto the amygdala's
  interneurons (intercalated-cell-like inhibition of the BLA principal cells), with the
  model's dopamine-gated three-factor rule (:data:`brainsim.model.equations.PLASTIC_SYNAPSE`);
* the **controller**, one row updated every 1 ms: it counts the negative-valence BLA
  cells' spikes during the CS (before the US time) and in an equal window before the CS,
  and at the US time of a trial without a US computes the omission prediction error
  ``pe = clip((n_cs - n_base)/pe_ref, 0, 1)`` (the amygdala's own prediction, lambda = 0),
  which adds ``reward_sensitivity*dopamine_projection*delta_scale*pe`` to the amygdala's
  dopamine (Salinas-Hernandez et al. 2018: dopamine at the omitted shock drives
  extinction). The closed loop from the amygdala's response to dopamine to the IL -> ITC
  weights runs in the compiled program.

What a build depends on is :class:`FearCircuit`; the schedule, the profile's NE gate and
every weight and learning rate are :class:`FearValues`, set through ``run_args``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from brainsim.model import equations as eq
from brainsim.model import parameters as P
from brainsim.model.stimuli import StimulusBlock, StimulusCircuit, StimulusValues
from brainsim.model.tasks import DOPAMINE_KICK

#: Columns of the circuit's own event table (one row per 1 ms).
FEAR_COLUMNS = (
    "trial_start",      # 1 in a trial's first ms: the counters restart
    "count_window",     # 1 while the BLA response to the CS is counted (CS on, before the US)
    "baseline_window",  # 1 while the pre-CS baseline is counted (same length)
    "outcome",          # 1 in the ms the US comes or would come: the prediction error
    "us_trial",         # 1 through a trial with a US
    "us",               # 1 while the US is on (the LA plasticity's NE gate)
    "trial_end",        # 1 in a trial's last ms: the trial is recorded
    "cs",               # the trial's CS (0 none, 1 CS+, 2 CS-), read at the trial's end
    "phase",            # the trial's phase index, read at the trial's end
)
FCOL = {name: k for k, name in enumerate(FEAR_COLUMNS)}
#: Stimulus blocks, in this order (the columns of the stimulus event table).
STIMULUS_BLOCKS = ("cs_plus_thalamus", "cs_minus_thalamus", "cs_plus_il", "cs_minus_il",
                   "us_thalamus", "us_amygdala")

CONTROLLER_EQUATIONS = """
n_cs : 1
n_base : 1
pe : 1
delta : 1
delta_scale : 1 (constant)
pe_ref : 1 (constant)
cs : 1
phase : 1
trial : 1
count_cs : 1 (linked)
count_base : 1 (linked)
"""
#: The controller's 1 ms update (no branches: conditions are 0/1 factors).
CONTROLLER_UPDATE = """
outcome = fear_events(t, {outcome})
trial = trial + fear_events(t, {trial_start})
cs = fear_events(t, {cs})
phase = fear_events(t, {phase})
n_cs = outcome*count_cs + (1 - outcome)*n_cs
n_base = outcome*count_base + (1 - outcome)*n_base
pe = outcome*(1 - fear_events(t, {us_trial}))*clip((count_cs - count_base)/pe_ref, 0, 1) + (1 - outcome)*pe
delta = delta_scale*outcome*pe
""".format(**FCOL)
#: The LA plasticity's gate: the US's phasic NE, scaled by the amygdala's tonic NE.
LA_GATE = "gate = gate_amplitude*fear_events(t, {us})".format(**FCOL)
LA_SYNAPSE = eq.HEBBIAN_GATED_SYNAPSE + "gate_amplitude : 1 (shared, constant)\n"
TRIAL_VARIABLES = ("trial", "cs", "phase", "n_cs", "n_base", "pe")


@dataclass(frozen=True)
class FearCircuit:
    """The structure of the fear circuit (what a compiled build depends on).

    Index tuples are local to their region.

    Attributes
    ----------
    cs_thalamus : tuple of tuple of int
        Thalamic relay cells of the CS+ and of the CS-.
    cs_il : tuple of tuple of int
        PFC (infralimbic) principal cells of the CS+ and of the CS-.
    us_thalamus : tuple of int
        Thalamic threat relay cells the US drives.
    la_cells : tuple of int
        Negative-valence BLA principal cells: the US's and the plastic CS inputs' targets,
        and the cells whose response is measured.
    itc_cells : tuple of int
        Amygdala interneurons (targets of the plastic IL projection).
    """

    cs_thalamus: tuple[tuple[int, ...], tuple[int, ...]]
    cs_il: tuple[tuple[int, ...], tuple[int, ...]]
    us_thalamus: tuple[int, ...]
    la_cells: tuple[int, ...]
    itc_cells: tuple[int, ...]
    la_p: float = P.FEAR_LA_P
    il_p: float = P.FEAR_IL_P
    weight_record_dt_s: float = float(P.FEAR_WEIGHT_RECORD_DT)
    seed: int = P.CONNECTIVITY_SEED
    name: str = "fear"

    @property
    def stimuli(self) -> StimulusCircuit:
        cells = {"cs_plus_thalamus": ("thalamus", self.cs_thalamus[0]),
                 "cs_minus_thalamus": ("thalamus", self.cs_thalamus[1]),
                 "cs_plus_il": ("pfc", self.cs_il[0]), "cs_minus_il": ("pfc", self.cs_il[1]),
                 "us_thalamus": ("thalamus", self.us_thalamus),
                 "us_amygdala": ("amygdala", self.la_cells)}
        return StimulusCircuit(
            blocks=tuple(StimulusBlock(b, *cells[b]) for b in STIMULUS_BLOCKS),
            seed=self.seed, name=f"{self.name}_stimuli")

    def key(self) -> str:
        """Hash of the circuit, with the Brian2 code it runs."""
        h = hashlib.sha256()
        h.update(json.dumps([self.cs_thalamus, self.cs_il, self.us_thalamus, self.la_cells,
                             self.itc_cells, self.la_p, self.il_p, self.weight_record_dt_s,
                             self.seed, self.name, self.stimuli.key(), FEAR_COLUMNS,
                             CONTROLLER_EQUATIONS, CONTROLLER_UPDATE, LA_GATE, LA_SYNAPSE,
                             eq.HEBBIAN_GATED_ON_PRE, eq.HEBBIAN_GATED_ON_POST,
                             eq.PLASTIC_SYNAPSE, eq.PLASTIC_ON_PRE, eq.PLASTIC_ON_POST,
                             DOPAMINE_KICK]).encode())
        return h.hexdigest()[:16]

    def draw(self, offsets: dict[str, tuple[int, int]]) -> dict[str, np.ndarray]:
        """The plastic synapses as global indices (numpy, from :attr:`seed`)."""
        rng = np.random.default_rng([self.seed, 22, 3])
        thal, pfc, amy = (offsets[r][0] for r in ("thalamus", "pfc", "amygdala"))
        # the union of the CS cells, each cell once (overlapping cells have one synapse)
        thal_cells = np.unique(np.concatenate([np.asarray(c) for c in self.cs_thalamus])) + thal
        la = np.asarray(self.la_cells) + amy
        a, b = np.nonzero(rng.random((len(thal_cells), len(la))) < self.la_p)
        il_cells = np.unique(np.concatenate([np.asarray(c) for c in self.cs_il])) + pfc
        itc = np.asarray(self.itc_cells) + amy
        c, d = np.nonzero(rng.random((len(il_cells), len(itc))) < self.il_p)
        return {"la_i": thal_cells[a], "la_j": la[b], "il_i": il_cells[c], "il_j": itc[d]}

    def build(self, bn, clocks, value: FearValues) -> BuiltFear:
        """Build the circuit's Brian2 objects onto a :class:`BrianNetwork`."""
        return BuiltFear(self, bn, clocks, value)


@dataclass
class FearValues:
    """Run-time values of the fear circuit (changed through ``run_args``).

    Attributes
    ----------
    events : ndarray (n_steps, len(FEAR_COLUMNS))
        The controller's schedule, one row per 1 ms.
    stimuli : StimulusValues
        The tones' and the US's schedule, rates and weights.
    gate_amplitude : float
        The LA plasticity's NE gate while the US is on (the amygdala's NE / LEVEL_REF).
    controller : dict
        ``delta_scale`` and ``pe_ref`` (spikes of the counted cells in the count window
        above baseline that make a prediction error of 1).
    la_weight, il_weight : Quantity
        Initial weights of the plastic projections.
    la_plasticity, il_plasticity : dict
        Their learning rules' parameters.
    """

    events: np.ndarray
    stimuli: StimulusValues
    gate_amplitude: float = 1.0
    controller: dict = field(default_factory=dict)
    la_weight: b2.Quantity = field(default_factory=lambda: P.FEAR_LA_W0)
    il_weight: b2.Quantity = field(default_factory=lambda: P.FEAR_IL_W0)
    la_plasticity: dict = field(default_factory=lambda: {
        "eta_hebb": P.FEAR_LA_ETA, "apre_threshold": P.FEAR_LA_APRE_THRESHOLD,
        "tau_apre": P.FEAR_LA_TAU_PRE, "w_max": P.FEAR_LA_W_MAX})
    il_plasticity: dict = field(default_factory=lambda: {
        **P.FEAR_IL_PLASTICITY, "w_max": P.FEAR_IL_W_MAX})


class BuiltFear:
    """The Brian2 objects of the fear circuit on one network, and how to read them."""

    def __init__(self, circuit: FearCircuit, bn, clocks, value: FearValues) -> None:
        from brainsim.model.network import add_epoch_flush, eligibility_namespace

        self.circuit = circuit
        name = circuit.name
        self.stimuli = circuit.stimuli.build(bn, clocks, value.stimuli)
        syn = circuit.draw(bn.structure.offsets)
        self.syn = syn
        ms1 = clocks(P.INPUT_DT)
        self.events = b2.TimedArray(np.asarray(value.events, float), dt=P.INPUT_DT,
                                    name=f"{name}_events")
        ns = {"fear_events": self.events}
        # spike counters of the negative-valence BLA cells: CS window, baseline window
        self.counter = b2.NeuronGroup(2, "count : 1\ncolumn : integer (constant)",
                                      name=f"{name}_counter", namespace=ns, clock=ms1)
        self.counter.column = [FCOL["count_window"], FCOL["baseline_window"]]
        self.counter.run_regularly(f"count = count*(1 - fear_events(t, {FCOL['trial_start']}))",
                                   clock=ms1, when="start", order=1,
                                   name=f"{name}_counter_reset")
        amy = bn.structure.offsets["amygdala"][0]
        la = np.asarray(circuit.la_cells) + amy
        self.count_synapses = b2.Synapses(bn.neurons, self.counter,
                                          on_pre="count_post += fear_events(t, column_post)",
                                          namespace=ns, clock=clocks.integration,
                                          name=f"{name}_count")
        self.count_synapses.connect(i=np.repeat(la, 2), j=np.tile([0, 1], len(la)))
        # the controller: omission prediction error -> amygdala dopamine
        self.controller = b2.NeuronGroup(
            1, CONTROLLER_EQUATIONS, name=f"{name}_controller", namespace=ns, clock=ms1,
            events={"kick": "delta > 0",
                    "trial_end": f"fear_events(t, {FCOL['trial_end']}) > 0.5"})
        self.controller.count_cs = b2.linked_var(self.counter, "count", index=np.array([0]))
        self.controller.count_base = b2.linked_var(self.counter, "count", index=np.array([1]))
        self.controller.run_regularly(CONTROLLER_UPDATE, clock=ms1, when="start", order=2,
                                      name=f"{name}_controller_update")
        region = list(bn.structure.anatomy.regions).index("amygdala")
        self.kick = b2.Synapses(self.controller, bn.modulators, on_pre=DOPAMINE_KICK,
                                on_event="kick", clock=ms1, name=f"{name}_dopamine")
        self.kick.connect(i=0, j=region)
        # lateral amygdala: CS thalamic cells -> negative-valence BLA cells, NE-gated Hebbian
        self.la = b2.Synapses(bn.neurons, bn.neurons, LA_SYNAPSE,
                              on_pre=eq.HEBBIAN_GATED_ON_PRE, on_post=eq.HEBBIAN_GATED_ON_POST,
                              namespace=ns, clock=clocks.integration, delay=P.DELAY_LONG,
                              name=f"{name}_la")
        self.la.connect(i=syn["la_i"], j=syn["la_j"])
        self.la.run_regularly(LA_GATE, clock=ms1, when="start", order=3,
                              name=f"{name}_la_gate")
        # extinction: IL CS cells -> amygdala interneurons, dopamine-gated three-factor rule
        self.il = b2.Synapses(bn.neurons, bn.neurons, eq.PLASTIC_SYNAPSE,
                              on_pre=eq.PLASTIC_ON_PRE, on_post=eq.PLASTIC_ON_POST,
                              name=f"{name}_il", clock=clocks.integration,
                              delay=P.DELAY_LONG, namespace=eligibility_namespace())
        self.il.connect(i=syn["il_i"], j=syn["il_j"])
        add_epoch_flush(self.il, clocks)
        record_clock = clocks(circuit.weight_record_dt_s * b2.second)
        self.il.run_regularly(eq.WEIGHT_FLUSH, clock=record_clock, when="start", order=2,
                              name=f"{name}_il_record_flush")
        self.la_monitor = b2.StateMonitor(self.la, "w", record=True, clock=record_clock,
                                          when="start", order=3, name=f"{name}_la_weights")
        self.il_monitor = b2.StateMonitor(self.il, "w", record=True, clock=record_clock,
                                          when="start", order=3, name=f"{name}_il_weights")
        self.trial_monitor = b2.EventMonitor(self.controller, "trial_end",
                                             variables=list(TRIAL_VARIABLES),
                                             name=f"{name}_trials")
        self.brian_objects = [*self.stimuli.brian_objects, self.counter, self.count_synapses,
                              self.controller, self.kick, self.la, self.il, self.la_monitor,
                              self.il_monitor, self.trial_monitor]

    def value_assignments(self, value: FearValues) -> list[tuple[object, object]]:
        out = list(self.stimuli.value_assignments(value.stimuli))
        out.append((self.events, np.asarray(value.events, float)))
        controller = {"delta_scale": P.TASK_DELTA_SCALE, "pe_ref": 1.0, "trial": -1.0,
                      **value.controller}
        for key, v in controller.items():
            out.append((getattr(self.controller, key), v))
        out.append((self.la.w, value.la_weight))
        out.append((self.la.gate_amplitude, value.gate_amplitude))
        for key, v in value.la_plasticity.items():
            out.append((getattr(self.la, key), v))
        out.append((self.il.w, value.il_weight))
        for key, v in value.il_plasticity.items():
            out.append((getattr(self.il, key), v))
        return out

    def collect(self) -> dict:
        """Trials and weights as numpy arrays (SI units: s, A)."""
        trials = {v: np.asarray(getattr(self.trial_monitor, v)[:], float)
                  for v in TRIAL_VARIABLES}
        trials["t"] = np.asarray(self.trial_monitor.t[:], float)
        return {"trials": trials,
                "weights_t": np.asarray(self.la_monitor.t[:], float),
                "la_weights": np.asarray(self.la_monitor.w[:], float),
                "il_weights": np.asarray(self.il_monitor.w[:], float),
                **{k: np.asarray(v) for k, v in self.syn.items()}}
