"""The closed-loop task circuit (issue 22): cues, a learned critic, choices and outcomes,
all inside the compiled program.

A task adds to the network (as an *extension*, :attr:`NetworkStructure.extensions`):

* **cue populations** — disjoint sets of PFC principal cells (``TASK_CUE_FRACTION`` each),
  driven while their cue is on by Poisson afferents;
* the **US** — the reward's sensory representation: Poisson afferents onto the thalamic
  appetitive relay cells, on while a reward is delivered (closed loop: only when the trial
  was rewarded);
* a **corticostriatal task projection** from every cue population onto every MSN, with the
  model's dopamine-gated three-factor plasticity (:data:`brainsim.model.equations.PLASTIC_SYNAPSE`);
* two **action populations** of MSNs (which cell belongs to which is a run-time value)
  whose spikes are counted in each trial's decision window and in an equal window before
  the cue; the one with more spikes above its baseline is the choice (ties: a coin flip);
  the chosen action is then *executed*: its cells get the afferent drive of the
  ``execute`` window (an efference copy), which is what singles out its synapses for the
  outcome's dopamine;
* the **controller**, one row of Brian2 state updated every 1 ms: the critic's value per
  state ``V0``, ``V1`` and of the time before the cue ``V_iti``, the reward draw (on the
  choice or on the cue), the reversal rule, and the reward-prediction error ``delta``. At cue
  onset ``delta = V(state) - V_iti`` and ``V_iti += alpha*delta``; at the outcome
  ``delta = r - V(state)`` and ``V(state) += alpha*delta`` (TD(0) with gamma = 1 and one
  state per cue: Schultz, Dayan & Montague 1997). Each ``delta`` adds
  ``reward_sensitivity*dopamine_projection*delta_scale*delta`` to every region's dopamine
  (a dip for a negative error, never below 0) through a synapse triggered by the
  controller's ``kick`` event: the closed loop from choice to dopamine to plasticity runs
  in the compiled program, so a task build compiles once and re-runs through ``run_args``
  for other profiles, seeds and schedules.

The trial schedule (when cues are on, when the decision window closes, when the outcome's
dopamine arrives, which critic state a trial is in, the reward probability of a Pavlovian
trial) is an open-loop ``TimedArray`` of :data:`EVENT_COLUMNS` made by the task
(:mod:`brainsim.experiment.tasks`); everything that depends on the network's behaviour
(choice, reward, reversal, ``delta``, the US) is decided in the program.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from brainsim.model import equations as eq
from brainsim.model import parameters as P

#: Columns of the task's event array (one row per 1 ms).
EVENT_COLUMNS = (
    "cue0",              # 1 while cue 0 is on
    "cue1",              # 1 while cue 1 is on
    "onset",             # 1 in the first ms of a trial's cue(s): delta = V(state)
    "decide",            # 1 in the ms the decision window closes: choice and reward drawn
    "outcome",           # 1 in the ms the outcome's dopamine arrives: delta = r - V(state)
    "us",                # 1 while a reward (if the trial was rewarded) is delivered
    "trial_end",         # 1 in a trial's last ms: the trial is recorded
    "state",             # critic state of the trial (0 or 1), read at onset
    "count_window",      # 1 while action spikes are counted
    "p_reward",          # reward probability of a Pavlovian trial (choice_task = 0)
    "trial_start",       # 1 in a trial's first ms: the spike counters restart
    "baseline_window",   # 1 while action spikes are counted for the baseline
    "execute",           # 1 while the chosen action is executed (its MSNs driven)
)
COLUMN = {name: k for k, name in enumerate(EVENT_COLUMNS)}
N_CUES = 2
N_ACTIONS = 2
#: Counter rows: action 0 and 1 in the decision window, then in the baseline window.
COUNTER_ROWS = 2 * N_ACTIONS

CONTROLLER_EQUATIONS = """
V0 : 1
V1 : 1
V_iti : 1
alpha_critic : 1 (constant)
delta_scale : 1 (constant)
reward_magnitude : 1 (constant)
choice_task : 1 (constant)
criterion : 1 (constant)
max_block : 1 (constant)
p0 : 1
p1 : 1
critic_state : 1
value_before : 1
choice : 1
reward : 1
p_chosen : 1
correct : 1
reversed_after : 1
delta : 1
delta_cue : 1
delta_outcome : 1
us_on : 1
streak : 1
since_reversal : 1
reversals : 1
trial : 1
baseline_correct : 1 (constant)
n0 : 1
n1 : 1
b0 : 1
b1 : 1
count0 : 1 (linked)
count1 : 1 (linked)
count2 : 1 (linked)
count3 : 1 (linked)
"""

#: The controller's 1 ms update (Brian2 code, no branches: conditions are 0/1 factors).
CONTROLLER_UPDATE = """
onset = task_events(t, {onset})
decide = task_events(t, {decide})
outcome = task_events(t, {outcome})
trial = trial + onset
critic_state = onset*task_events(t, {state}) + (1 - onset)*critic_state
value_before = V0*(1 - critic_state) + V1*critic_state
n0 = decide*count0 + (1 - decide)*n0
n1 = decide*count1 + (1 - decide)*n1
b0 = decide*count2 + (1 - decide)*b0
b1 = decide*count3 + (1 - decide)*b1
e0 = count0 - baseline_correct*count2
e1 = count1 - baseline_correct*count3
choice = decide*(int(e1 > e0) + int(e1 == e0)*int(rand() < 0.5)) + (1 - decide)*choice
p_chosen = decide*(choice_task*(p0*(1 - choice) + p1*choice) + (1 - choice_task)*task_events(t, {p_reward})) + (1 - decide)*p_chosen
reward = decide*int(rand() < p_chosen) + (1 - decide)*reward
chose = decide*choice_task
correct = chose*int(choice == int(p1 > p0)) + (1 - chose)*correct
streak = chose*correct*(streak + 1) + (1 - chose)*streak
since_reversal = since_reversal + chose
reversed_after = chose*int(streak >= criterion or since_reversal >= max_block) + (1 - chose)*reversed_after
flip = chose*reversed_after
p_before = p0
p0 = flip*p1 + (1 - flip)*p0
p1 = flip*p_before + (1 - flip)*p1
streak = (1 - flip)*streak
since_reversal = (1 - flip)*since_reversal
reversals = reversals + flip
error_now = outcome*(reward*reward_magnitude - value_before)
error_cue = onset*(value_before - V_iti)
V_iti = V_iti + alpha_critic*error_cue
delta_cue = onset*error_cue + (1 - onset)*delta_cue
delta_outcome = outcome*error_now + (1 - outcome)*delta_outcome
delta = delta_scale*(error_cue + error_now)
V0 = V0 + alpha_critic*error_now*(1 - critic_state)
V1 = V1 + alpha_critic*error_now*critic_state
us_on = task_events(t, {us})*reward
""".format(**COLUMN)

#: Variables recorded at each trial's end (one row per trial).
TRIAL_VARIABLES = ("trial", "critic_state", "choice", "reward", "p_chosen", "correct",
                   "reversed_after", "p0", "p1", "V0", "V1", "delta_cue", "delta_outcome",
                   "n0", "n1", "b0", "b1", "streak", "reversals", "V_iti")

#: A prediction error reaches every region's dopamine like a reward of that size.
DOPAMINE_KICK = ("dopamine_post = clip(dopamine_post + reward_sensitivity_post"
                 "*dopamine_projection_post*delta_pre, 0, 10)")


class _KickOrderFilter(logging.Filter):
    """Drop Brian2's order-dependence warning for :data:`DOPAMINE_KICK` only.

    Brian2 warns about any synaptic statement that reads and writes a postsynaptic
    variable, since two synapses onto one target could then be applied in either order. The
    kick synapses come from a single controller neuron with at most one synapse onto each
    modulator row, so no target is ever repeated and the order cannot matter. Every other
    order-dependence warning still reaches the user.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "dopamine_post = clip(dopamine_post" not in record.getMessage()


# Brian2 logs the warning on the logger of the module that emits it, where filters apply.
_CODEGEN_LOGGER = logging.getLogger("brian2.codegen.generators.base")
if not any(isinstance(f, _KickOrderFilter) for f in _CODEGEN_LOGGER.filters):
    _CODEGEN_LOGGER.addFilter(_KickOrderFilter())

SOURCE_EQUATIONS = """
column : integer (constant)
is_us : 1 (constant)
is_feedback : 1 (constant)
feedback_action : 1 (constant)
rate : Hz (constant)
gate : 1
us_gate : 1 (linked)
choice_now : 1 (linked)
"""
#: Cue sources follow their cue's column, US sources the controller's ``us_on``, the
#: execution feedback of action k the ``execute`` column when k was chosen.
SOURCE_GATE = ("gate = (1 - is_us - is_feedback)*task_events(t, column) + is_us*us_gate"
               " + is_feedback*task_events(t, {execute})*int(abs(choice_now - feedback_action)"
               " < 0.5)").format(**COLUMN)
#: Source blocks: cue 0, cue 1, US, execution feedback of action 0 and of action 1.
N_SOURCE_BLOCKS = N_CUES + 1 + N_ACTIONS


@dataclass(frozen=True)
class TaskCircuit:
    """The structure of a task circuit (what a compiled build depends on).

    Index tuples are local to their region (PFC for cues, thalamus for the US targets,
    striatum for actions and striatal targets).

    Attributes
    ----------
    cue_cells : tuple of tuple of int
        PFC principal cells of each cue population (:data:`N_CUES`).
    us_cells : tuple of int
        Thalamic cells the US drives.
    count_cells : tuple of int
        Striatal MSNs whose spikes may be counted; which action population each belongs to
        is a run-time value (:attr:`TaskValues.action_of_cell`).
    striatal_targets : tuple of int
        MSNs the task projection reaches.
    seed : int
        Seed of the task circuit's synapse draw.
    name : str
        Extension name (prefix of the Brian2 objects).
    """

    cue_cells: tuple[tuple[int, ...], ...]
    us_cells: tuple[int, ...]
    count_cells: tuple[int, ...]
    striatal_targets: tuple[int, ...]
    seed: int = P.CONNECTIVITY_SEED
    n_sources: int = P.TASK_SOURCES_PER_INPUT
    source_p: float = P.TASK_SOURCE_P
    striatal_p: float = P.TASK_STRIATAL_P
    weight_record_dt_s: float = float(P.TASK_WEIGHT_RECORD_DT)
    weights_recorded: int = 3000
    name: str = "task"

    def key(self) -> str:
        """Hash of the circuit, with the Brian2 code it runs."""
        h = hashlib.sha256()
        h.update(json.dumps([self.cue_cells, self.us_cells, self.count_cells,
                             self.striatal_targets, self.seed, self.n_sources, self.source_p,
                             self.striatal_p, self.weight_record_dt_s, self.weights_recorded,
                             self.name,
                             CONTROLLER_EQUATIONS, CONTROLLER_UPDATE, DOPAMINE_KICK,
                             SOURCE_EQUATIONS, SOURCE_GATE, EVENT_COLUMNS]).encode())
        return h.hexdigest()[:16]

    def draw(self, offsets: dict[str, tuple[int, int]]) -> dict[str, np.ndarray]:
        """The circuit's synapses as global neuron indices (numpy, from :attr:`seed`)."""
        rng = np.random.default_rng([self.seed, 22])
        pfc, thal, stri = (offsets[r][0] for r in ("pfc", "thalamus", "striatum"))
        n = self.n_sources
        src_i, src_j, src_cell = [], [], []
        count = np.asarray(self.count_cells)
        blocks = [(np.asarray(c) + pfc) for c in self.cue_cells]
        blocks += [np.asarray(self.us_cells) + thal] + [count + stri] * N_ACTIONS
        for k, target in enumerate(blocks):
            a, b = np.nonzero(rng.random((n, len(target))) < self.source_p)
            src_i.append(a + k * n)
            src_j.append(target[b])
            # feedback synapses: which count cell they reach (its action is a run value)
            src_cell.append(b if k > N_CUES else np.full(len(b), -1))
        cues = np.concatenate([np.asarray(c) for c in self.cue_cells]) + pfc
        targets = np.asarray(self.striatal_targets) + stri
        a, b = np.nonzero(rng.random((len(cues), len(targets))) < self.striatal_p)
        # every countable cell onto every counter row (actions 0, 1 in the window, and in
        # the baseline window); the run-time weight says which rows it counts for
        cells = np.asarray(self.count_cells) + stri
        act_i = np.repeat(cells, COUNTER_ROWS)
        act_j = np.tile(np.arange(COUNTER_ROWS), len(cells))
        return {"source_i": np.concatenate(src_i), "source_j": np.concatenate(src_j),
                "source_cell": np.concatenate(src_cell),
                "task_i": cues[a], "task_j": targets[b],
                "count_i": act_i, "count_j": act_j}

    def build(self, bn, clocks, value: TaskValues) -> BuiltTask:
        """Build the circuit's Brian2 objects onto a :class:`BrianNetwork`."""
        return BuiltTask(self, bn, clocks, value)


@dataclass
class TaskValues:
    """Run-time values of a task circuit (changed through ``run_args``).

    Attributes
    ----------
    events : ndarray (n_steps, len(EVENT_COLUMNS))
        The trial schedule, one row per 1 ms.
    controller : dict
        Initial values of controller variables (``alpha_critic``, ``p0``, ...).
    source_rate_hz : float
        Rate of a cue / US afferent while on (the profile's ``sensory_scale`` applied).
    source_weight : Quantity
    task_weight : Quantity
        Initial weight of the task projection.
    plasticity : dict
        Three-factor plasticity parameters of the task projection.
    """

    events: np.ndarray
    controller: dict = field(default_factory=dict)
    source_rate_hz: float = float(P.CUE_RATE / b2.Hz)
    source_weight: b2.Quantity = field(default_factory=lambda: P.TASK_SOURCE_WEIGHT)
    task_weight: b2.Quantity = field(default_factory=lambda: P.TASK_STRIATAL_WEIGHT)
    plasticity: dict = field(default_factory=lambda: dict(P.TASK_PLASTICITY))
    #: Action population (0 or 1; -1: none) of each of the circuit's ``count_cells``.
    action_of_cell: np.ndarray | None = None


#: Controller defaults (a Pavlovian task without reversals).
CONTROLLER_DEFAULTS = {
    "alpha_critic": P.TASK_CRITIC_ALPHA, "delta_scale": P.TASK_DELTA_SCALE,
    "reward_magnitude": 1.0, "choice_task": 0.0, "criterion": 1e9, "max_block": 1e9,
    "p0": 0.0, "p1": 0.0, "V0": 0.0, "V1": 0.0, "trial": -1.0, "choice": 0.0,
    "baseline_correct": 0.0, "V_iti": 0.0,
}


class BuiltTask:
    """The Brian2 objects of a task circuit on one network, and how to read them."""

    def __init__(self, circuit: TaskCircuit, bn, clocks, value: TaskValues) -> None:
        self.circuit = circuit
        name = circuit.name
        syn = circuit.draw(bn.structure.offsets)
        self.n_task_synapses = len(syn["task_i"])
        self.task_j = syn["task_j"]
        self.task_i = syn["task_i"]
        ms1 = clocks(P.INPUT_DT)
        self.events = b2.TimedArray(np.asarray(value.events, float), dt=P.INPUT_DT,
                                    name=f"{name}_events")
        ns = {"task_events": self.events}
        # counter of the action populations' spikes in the decision window
        self.counter = b2.NeuronGroup(COUNTER_ROWS, "count : 1\ncolumn : integer (constant)",
                                      name=f"{name}_counter", namespace=ns, clock=ms1)
        self.counter.column = np.repeat([COLUMN["count_window"], COLUMN["baseline_window"]],
                                        N_ACTIONS)
        self.counter.run_regularly(
            f"count = count*(1 - task_events(t, {COLUMN['trial_start']}))",
            clock=ms1, when="start", order=1, name=f"{name}_counter_reset")
        self.count_synapses = b2.Synapses(
            bn.neurons, self.counter, "member : 1 (constant)",
            on_pre="count_post += member*task_events(t, column_post)",
            namespace=ns, clock=clocks.integration, name=f"{name}_count")
        self.count_synapses.connect(i=syn["count_i"], j=syn["count_j"])
        self.count_rows = syn["count_j"]
        # the controller: trial logic, critic, reward draw, reversal, delta
        self.controller = b2.NeuronGroup(
            1, CONTROLLER_EQUATIONS, name=f"{name}_controller", namespace=ns, clock=ms1,
            events={"kick": "delta != 0",
                    "trial_end": f"task_events(t, {COLUMN['trial_end']}) > 0.5"})
        self.controller.count0 = b2.linked_var(self.counter, "count", index=np.array([0]))
        self.controller.count1 = b2.linked_var(self.counter, "count", index=np.array([1]))
        self.controller.count2 = b2.linked_var(self.counter, "count", index=np.array([2]))
        self.controller.count3 = b2.linked_var(self.counter, "count", index=np.array([3]))
        self.controller.run_regularly(CONTROLLER_UPDATE, clock=ms1, when="start", order=2,
                                      name=f"{name}_controller_update")
        self.kick = b2.Synapses(self.controller, bn.modulators, on_pre=DOPAMINE_KICK,
                                on_event="kick", clock=ms1, name=f"{name}_dopamine")
        self.kick.connect(i=0, j=np.arange(len(bn.modulators)))
        # cue and US afferents
        n = circuit.n_sources
        n_src = N_SOURCE_BLOCKS * n
        self.sources = b2.NeuronGroup(
            n_src, SOURCE_EQUATIONS, threshold="rand() < rate*gate*dt",
            name=f"{name}_sources", namespace=ns, clock=clocks.integration)
        self.sources.column = np.repeat([COLUMN["cue0"], COLUMN["cue1"], 0, 0, 0], n)
        self.sources.is_us = np.repeat([0.0, 0.0, 1.0, 0.0, 0.0], n)
        self.sources.is_feedback = np.repeat([0.0, 0.0, 0.0, 1.0, 1.0], n)
        self.sources.feedback_action = np.repeat([0.0, 0.0, 0.0, 0.0, 1.0], n)
        self.sources.us_gate = b2.linked_var(self.controller, "us_on",
                                             index=np.zeros(n_src, np.int64))
        self.sources.choice_now = b2.linked_var(self.controller, "choice",
                                                index=np.zeros(n_src, np.int64))
        self.source_block = syn["source_i"] // n
        self.source_cell = syn["source_cell"]
        self.sources.run_regularly(SOURCE_GATE, clock=ms1, when="start", order=3,
                                   name=f"{name}_sources_gate")
        self.source_synapses = b2.Synapses(self.sources, bn.neurons, "w : amp (constant)",
                                           on_pre="I_e_post += w", clock=clocks.integration,
                                           name=f"{name}_afferents")
        self.source_synapses.connect(i=syn["source_i"], j=syn["source_j"])
        # the corticostriatal task projection, dopamine-gated like the model's
        from brainsim.model.network import add_epoch_flush, eligibility_namespace

        self.plastic = b2.Synapses(bn.neurons, bn.neurons, eq.PLASTIC_SYNAPSE,
                                   on_pre=eq.PLASTIC_ON_PRE, on_post=eq.PLASTIC_ON_POST,
                                   name=f"{name}_plastic", clock=clocks.integration,
                                   delay=P.DELAY_LONG, namespace=eligibility_namespace())
        self.plastic.connect(i=syn["task_i"], j=syn["task_j"])
        add_epoch_flush(self.plastic, clocks)
        record_clock = clocks(circuit.weight_record_dt_s * b2.second)
        self.plastic.run_regularly(eq.WEIGHT_FLUSH, clock=record_clock, when="start", order=2,
                                   name=f"{name}_plastic_record_flush")
        step = max(1, -(-self.n_task_synapses // circuit.weights_recorded))
        self.recorded = np.arange(0, self.n_task_synapses, step)
        self.weight_monitor = b2.StateMonitor(self.plastic, "w", record=self.recorded,
                                              clock=record_clock, when="start", order=3,
                                              name=f"{name}_weights")
        self.trial_monitor = b2.EventMonitor(self.controller, "trial_end",
                                             variables=list(TRIAL_VARIABLES),
                                             name=f"{name}_trials")
        self.kick_monitor = b2.EventMonitor(self.controller, "kick",
                                            variables=["delta", "critic_state", "trial", "reward"],
                                            name=f"{name}_kicks")
        self.brian_objects = [self.counter, self.count_synapses, self.controller, self.kick,
                              self.sources, self.source_synapses, self.plastic,
                              self.weight_monitor, self.trial_monitor, self.kick_monitor]

    def value_assignments(self, value: TaskValues) -> list[tuple[object, object]]:
        out: list[tuple[object, object]] = [(self.events, np.asarray(value.events, float))]
        controller = dict(CONTROLLER_DEFAULTS)
        controller.update(value.controller)
        for key, v in controller.items():
            out.append((getattr(self.controller, key), v))
        action = np.asarray(value.action_of_cell)
        out.append((self.count_synapses.member,
                    (np.repeat(action, COUNTER_ROWS) == self.count_rows % N_ACTIONS)
                    .astype(float)))
        out.append((self.sources.rate, value.source_rate_hz * b2.Hz))
        # execution feedback of action k reaches only the cells of action k
        feedback = self.source_block > N_CUES
        reach = np.ones(len(self.source_block))
        reach[feedback] = (action[self.source_cell[feedback]]
                           == self.source_block[feedback] - N_CUES - 1)
        out.append((self.source_synapses.w, value.source_weight * reach))
        out.append((self.plastic.w, value.task_weight))
        for key, v in value.plasticity.items():
            out.append((getattr(self.plastic, key), v))
        return out

    def collect(self) -> dict:
        """Trials, dopamine kicks and weights as numpy arrays (SI units: s, A)."""
        trials = {v: np.asarray(getattr(self.trial_monitor, v)[:], float)
                  for v in TRIAL_VARIABLES}
        trials["t"] = np.asarray(self.trial_monitor.t[:], float)
        kicks = {v: np.asarray(getattr(self.kick_monitor, v)[:], float)
                 for v in ("delta", "critic_state", "trial", "reward")}
        kicks["t"] = np.asarray(self.kick_monitor.t[:], float)
        return {"trials": trials, "kicks": kicks,
                "weights_t": np.asarray(self.weight_monitor.t[:], float),
                "weights": np.asarray(self.weight_monitor.w[:], float),
                "task_i": self.task_i[self.recorded], "task_j": self.task_j[self.recorded]}
