"""Build the Brian2 network: one NeuronGroup per region, Synapses, neuromodulators, monitors.

The network is split into *structure* (:class:`NetworkStructure`: sizes, synapses, equations,
durations — what a compiled standalone build depends on) and *values*
(:class:`NetworkValues`: neuromodulator levels, neuron parameters, weights, input arrays, the
seed — what ``run_args`` can change without recompiling). The same code builds the network
on every backend.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

import brian2 as b2
import numpy as np

from brainsim.channels import EMOTIONS, MODULATORS, REGIONS, SENSORY_CHANNELS
from brainsim.errors import ConfigError
from brainsim.model import equations as eq
from brainsim.model import parameters as P
from brainsim.model.anatomy import NETWORK_CONSTANTS, Anatomy
from brainsim.model.connectivity import (
    PopulationLayout,
    SynapseSet,
    draw_synapses,
    population_layouts,
    region_offsets,
)
from brainsim.model.profiles import Profile

#: Time step of every input array (sensory rates, rewards, text drive).
INPUT_DT = P.INPUT_DT


class Clocks:
    """One clock per distinct time step, shared by every object that uses it.

    Brian2 gives each object created with its own ``dt`` a clock of its own, and its run loop
    looks at every clock at every step; the network needs only two (the integration step and
    the 1 ms updates). Calling the instance with a ``dt`` returns that step's clock, named
    ``<prefix>_clock_<dt in ns>ns`` (Brian2 names a clock's C++ arrays after it, so the
    prefix keeps two sets of clocks apart), except the clock of ``integration_dt``, which is
    named ``defaultclock``: brian2cuda 1.0a7's synapse code reads ``defaultclock.timestep``
    as the current step of every synapse set (``templates/synapses.cu``), so the clock that
    drives the synapses must carry that name. (Brian2's own ``defaultclock`` then sits unused;
    its C++ arrays keep their names and ours get a ``_1``, the same in every process.)

    Parameters
    ----------
    prefix : str
        Start of the clocks' names.
    integration_dt : Quantity, optional
        The integration step (default: Brian2's ``defaultclock.dt``).
    clock_class : type, optional
        The class of the clocks (a device may give a subclass of ``brian2.Clock``).
    """

    def __init__(self, prefix: str, integration_dt: b2.Quantity | None = None,
                 clock_class: type[b2.Clock] = b2.Clock) -> None:
        self.prefix = prefix
        self.integration_dt = integration_dt
        self.clock_class = clock_class
        self._by_step: dict[int, b2.Clock] = {}

    def __call__(self, dt: b2.Quantity) -> b2.Clock:
        ns = _nanoseconds(dt)
        if ns not in self._by_step:
            integration = (self.integration_dt is not None
                           and ns == _nanoseconds(self.integration_dt))
            name = "defaultclock" if integration else f"{self.prefix}_clock_{ns}ns"
            self._by_step[ns] = self.clock_class(dt=dt, name=name)
        return self._by_step[ns]

    @property
    def integration(self) -> b2.Clock:
        """The integration step's clock (Brian2's ``defaultclock.dt`` if none was given)."""
        return self(self.integration_dt if self.integration_dt is not None
                    else b2.defaultclock.dt)


def _nanoseconds(dt: b2.Quantity) -> int:
    return int(round(float(dt) * 1e9))


@dataclass(frozen=True)
class Drives:
    """Time courses injected through TimedArrays, sampled every :data:`INPUT_DT`.

    Attributes
    ----------
    sensory_rate_hz : ndarray, shape (n_steps, len(SENSORY_CHANNELS))
        Afferent rate per sensory channel.
    reward : ndarray, shape (n_steps,)
        Reward magnitude in the bin of each reward event, 0 elsewhere.
    text_drive : ndarray, shape (n_steps, 6)
        ``g * p`` of the sentence shown at that time (0 when none), in EMOTIONS order. The
        network sums it into valence / arousal columns (:func:`text_columns`).
    """

    sensory_rate_hz: np.ndarray
    reward: np.ndarray
    text_drive: np.ndarray

    @property
    def n_steps(self) -> int:
        return int(self.reward.shape[0])

    def check(self, n_steps: int) -> None:
        shapes = {
            "sensory_rate_hz": (self.sensory_rate_hz.shape, (n_steps, len(SENSORY_CHANNELS))),
            "reward": (self.reward.shape, (n_steps,)),
            "text_drive": (self.text_drive.shape, (n_steps, len(EMOTIONS))),
        }
        for name, (got, want) in shapes.items():
            if tuple(got) != want:
                raise ConfigError(f"Input array {name} has shape {got}, expected {want}.")
            if not np.all(np.isfinite(getattr(self, name))):
                raise ConfigError(f"Input array {name} contains NaN or infinite values.")
        if np.any(self.sensory_rate_hz < 0):
            raise ConfigError("Sensory rates must be >= 0 Hz.")


@dataclass(frozen=True)
class NetworkOptions:
    """Numerical and recording options (all part of the structure).

    Attributes
    ----------
    dt : Quantity
        Integration time step.
    noise : {"kick", "xi", "none"}
        Membrane noise formulation (see :mod:`brainsim.model.equations`). ``"kick"`` has
        ``"xi"``'s voltage variance just after each kick (95 % of it on average) at a
        tenth of the random numbers.
    noise_dt : Quantity
        Interval of the noise kicks.
    modulation_dt : Quantity
        Interval at which gain, threshold shift and noise scale are re-evaluated.
    modulator_record_dt : Quantity
        Sampling interval of the neuromodulator traces.
    connectivity_seed : int
        Seed of the synapse draw.
    modulation : dict
        The three modulation expressions (defaults from :mod:`brainsim.model.equations`).
    """

    dt: b2.Quantity = field(default_factory=lambda: P.DT)
    noise: str = "kick"
    noise_dt: b2.Quantity = field(default_factory=lambda: P.INPUT_DT)
    modulation_dt: b2.Quantity = field(default_factory=lambda: P.INPUT_DT)
    modulator_record_dt: b2.Quantity = field(default_factory=lambda: P.INPUT_DT)
    connectivity_seed: int = P.CONNECTIVITY_SEED
    modulation: dict[str, str] = field(default_factory=lambda: dict(eq.MODULATION_EXPRESSIONS))


@dataclass
class NetworkStructure:
    """Everything a compiled build depends on."""

    anatomy: Anatomy
    options: NetworkOptions
    duration: b2.Quantity
    layouts: dict[str, PopulationLayout]
    synapses: list[SynapseSet]
    #: Extra Brian2 circuits built onto the network (e.g. a closed-loop task,
    #: :mod:`brainsim.model.tasks`): objects with ``name``, ``key()`` (their part of the
    #: structure hash) and ``build(network, clocks, value)`` returning an object with
    #: ``brian_objects``, ``value_assignments(value)`` and ``collect()``. Empty by default.
    extensions: tuple = ()
    _keys: dict[str, str] = field(default_factory=dict, init=False, repr=False,
                                  compare=False)

    @property
    def offsets(self) -> dict[str, tuple[int, int]]:
        """Index range of each region in the single NeuronGroup."""
        return region_offsets(self.anatomy)

    @property
    def n_neurons(self) -> int:
        return sum(spec.size for spec in self.anatomy.regions.values())

    @property
    def n_input_steps(self) -> int:
        return int(round(float(self.duration / INPUT_DT)))

    def key(self, backend: str) -> str:
        """Hash of the structure: equal keys mean a compiled build can be reused (computed
        once per backend; a structure is not changed after :func:`make_structure`)."""
        if backend not in self._keys:
            self._keys[backend] = self._hash(backend)
        return self._keys[backend]

    def _hash(self, backend: str) -> str:
        h = hashlib.sha256()
        desc = {
            "backend": backend, "brian2": b2.__version__,
            "duration": float(self.duration), "dt": float(self.options.dt),
            "noise": self.options.noise, "noise_dt": float(self.options.noise_dt),
            "modulation_dt": float(self.options.modulation_dt),
            "record_dt": float(self.options.modulator_record_dt),
            "modulation": self.options.modulation,
            "slow_update": eq.slow_update_code(self.options.modulation),
            "sizes": {r: (s.size, self.layouts[r].n_exc)
                      for r, s in self.anatomy.regions.items()},
            "equations": [eq.NEURON_EQUATIONS, eq.MODULATOR_EQUATIONS, eq.REWARD_UPDATE,
                          eq.EPOCH_UPDATE, eq.ELIGIBILITY_EPOCH_S, eq.WEIGHT_FLUSH,
                          eq.PLASTIC_SYNAPSE, eq.PLASTIC_ON_PRE, eq.PLASTIC_ON_POST,
                          eq.NOISE_KICK, eq.NOISE_XI, eq.THRESHOLD, eq.RESET,
                          eq.REFRACTORY],
        }
        if self.extensions:  # only then, so that the key of the plain network is unchanged
            desc["extensions"] = [e.key() for e in self.extensions]
        h.update(json.dumps(desc, sort_keys=True, default=str).encode())
        for s in self.synapses:
            h.update(s.name.encode())
            h.update(repr(s.delay_ms).encode())
            for arr in (s.i, s.j):
                h.update(np.ascontiguousarray(arr).tobytes())
        for r in REGIONS:
            if r in self.layouts:
                h.update(self.layouts[r].channel.tobytes())
                h.update(self.layouts[r].sensory_channel.tobytes())
                h.update(self.layouts[r].group.tobytes())
        # which text column each neuron reads is a constant of the compiled program (set
        # when the network is built, not a run_arg): builds that differ in it must not share
        # a directory (it changed with the TRN route, parameters.TEXT_TRN_COLUMN)
        h.update(text_column_of(self).tobytes())
        return h.hexdigest()[:16]


def make_structure(anatomy: Anatomy, options: NetworkOptions,
                   duration: b2.Quantity) -> NetworkStructure:
    """Draw the synapses and lay out the populations."""
    if not isinstance(duration, b2.Quantity) or not b2.have_same_dimensions(duration, b2.second):
        raise ConfigError(f"duration must be a time with units (e.g. 2*second), got {duration!r}.")
    if not float(duration) > 0:
        raise ConfigError(f"duration must be positive, got {duration}.")
    return NetworkStructure(anatomy, options, duration, population_layouts(anatomy),
                            draw_synapses(anatomy, options.connectivity_seed))


@dataclass
class NetworkValues:
    """Values ``run_args`` can change: levels, parameters, weights, inputs and the seed.

    ``neuron_arrays`` holds one array per neuron parameter over the whole NeuronGroup
    (regions concatenated in :data:`brainsim.channels.REGIONS` order).
    """

    neuron_arrays: dict[str, b2.Quantity | np.ndarray]
    network_constants: dict[str, b2.Quantity]
    modulator_arrays: dict[str, np.ndarray]
    modulator_shared: dict[str, b2.Quantity | float]
    weights_pA: dict[str, np.ndarray]
    drives: Drives
    seed: int
    plasticity: dict[str, b2.Quantity | float] = field(
        default_factory=lambda: dict(DEFAULT_PLASTICITY))
    #: Run-time values of the structure's extensions, by extension name.
    extension_values: dict = field(default_factory=dict)

    def with_default_shared(self) -> NetworkValues:
        """These values with every network-wide (``shared``) one at its default.

        Brian2 writes shared values into a standalone build's main.cpp, and everything
        else into data files. A build generated from these is therefore the same code
        whatever a protocol sets network-wide (``parameters={"network": ...}``), so it is
        never recompiled for that; ``run_args`` carry the protocol's own values.
        """
        return replace(self, network_constants=dict(NETWORK_CONSTANTS),
                       modulator_shared=dict(DEFAULT_MODULATOR_SHARED),
                       plasticity=dict(DEFAULT_PLASTICITY))


#: Three-factor plasticity parameters (:data:`brainsim.model.parameters.DEFAULT_PLASTICITY`).
DEFAULT_PLASTICITY: dict[str, b2.Quantity | float] = dict(P.DEFAULT_PLASTICITY)

#: Time constant of phasic dopamine and the dopamine a reward of 1 adds (per projection).
DEFAULT_MODULATOR_SHARED: dict[str, b2.Quantity | float] = dict(P.DEFAULT_MODULATOR_SHARED)

_SHORT = {"serotonin": "5ht", "dopamine": "da", "norepinephrine": "ne"}


def _receptor_arrays(spec, layout: PopulationLayout, region: str) -> dict[str, np.ndarray]:
    """Per-neuron receptor sensitivities from the cell types (never from a channel)."""
    n = layout.size
    out = {f"k_{kind}_{m}": np.zeros(n) for kind in ("gain", "theta")
           for m in ("5ht", "da", "ne")}
    out["k_alpha1_ne"] = np.zeros(n)

    def apply(receptors, idx):
        out["k_alpha1_ne"][idx] += receptors.alpha1_ne
        for mod, k in receptors.gain.items():
            out[f"k_gain_{_SHORT[mod]}"][idx] += k
        for mod, k in receptors.threshold.items():
            out[f"k_theta_{_SHORT[mod]}"][idx] += float(k / b2.mV)

    exc = np.arange(layout.n_exc)
    apply(spec.receptors_exc, exc)
    apply(spec.receptors_inh, np.arange(layout.n_exc, n))
    for group, receptors in spec.receptors_group.items():
        apply(receptors, np.flatnonzero(layout.group_of(group)))
    return out


def text_column_of(structure: NetworkStructure) -> np.ndarray:
    """Which column of the network's text array (:func:`text_columns`) each neuron reads:
    positive-valence BLA cells the positive, negative-valence BLA cells the negative,
    thalamic context relay cells the arousal column; every other neuron the last (zero)
    column."""
    cols = []
    for region in structure.anatomy.regions:
        layout = structure.layouts[region]
        col = np.full(layout.size, len(P.TEXT_COLUMNS), dtype=np.int32)
        if region == "amygdala":
            col[layout.group_of("positive")] = P.TEXT_COLUMNS.index("positive")
            col[layout.group_of("negative")] = P.TEXT_COLUMNS.index("negative")
        if region == "thalamus":
            col[layout.group_of("context")] = P.TEXT_COLUMNS.index("arousal")
        cols.append(col)
    return np.concatenate(cols)


#: (6, 4) matrix: emotion probabilities -> text columns (positive, negative, arousal, none).
_TEXT_MATRIX = np.zeros((len(EMOTIONS), len(P.TEXT_COLUMNS) + 1))
for _k, _e in enumerate(EMOTIONS):
    _TEXT_MATRIX[_k, P.TEXT_COLUMNS.index(P.TEXT_COLUMN_OF_EMOTION[_e])] = 1.0


def text_columns(drive: np.ndarray) -> np.ndarray:
    """The text branch's ``g*p`` (n_steps, 6) summed into the network's columns
    (n_steps, 4): p(joy)+p(love), p(sadness)+p(fear)+p(anger), p(surprise), and an all-zero
    column for the neurons no sentence reaches (parameters.TEXT_COLUMN_OF_EMOTION)."""
    return np.asarray(drive, float) @ _TEXT_MATRIX


#: Units of the per-neuron arrays built from the region parameters.
_PARAMETER_NAMES = ("E_L", "v_reset", "R", "b_adapt", "delta_th", "sigma_v", "k_noise_ne")


def make_values(structure: NetworkStructure, profile: Profile, drives: Drives, seed: int,
                parameter_overrides: dict[str, dict[str, b2.Quantity]] | None = None,
                text_current: b2.Quantity = P.TEXT_CURRENT,
                weight_scale: float = 1.0) -> NetworkValues:
    """Compute every run-time value from the profile, the input drives and the seed.

    Parameters
    ----------
    structure : NetworkStructure
    profile : Profile
        Neuromodulator levels and input statistics.
    drives : Drives
        Input arrays (see :mod:`brainsim.experiment.inputs`).
    seed : int
        Seed of the initial state and the noise.
    parameter_overrides : dict, optional
        ``{region or "network": {parameter: value}}`` replacing neuron parameters or
        network-wide constants; checked by :mod:`brainsim.experiment.overrides` (names,
        units, ranges) before they get here.
    text_current : Quantity
        Current injected into a valence / arousal cell by one unit of text drive.
    weight_scale : float
        Multiplies every synaptic weight.
    """
    drives.check(structure.n_input_steps)
    rng = np.random.default_rng(seed)
    # the network's own heterogeneity (thresholds) comes from the connectivity seed: every
    # run seed simulates the same neurons
    rng_net = np.random.default_rng([structure.options.connectivity_seed, 11])
    text_column = text_column_of(structure)
    start = 0
    per_region: dict[str, list] = {}
    overrides = parameter_overrides or {}
    for region, spec in structure.anatomy.regions.items():
        params = dict(spec.neuron)
        params.update(overrides.get(region, {}))
        layout = structure.layouts[region]
        n = layout.size
        arrays: dict[str, np.ndarray] = {k: np.full(n, float(params[k])) for k in _PARAMETER_NAMES}
        is_exc = np.arange(n) < layout.n_exc
        arrays["tau_m"] = np.where(is_exc, float(params["tau_m"]), float(params["tau_m_inh"]))
        arrays["v_th0"] = float(params["v_th0"]) + float(params["v_th0_sd"]) * \
            rng_net.normal(size=n)
        arrays["I_bias"] = np.where(is_exc, float(params["I_bias_exc"]),
                                    float(params["I_bias_inh"]))
        arrays["q_sensory"] = np.where(layout.receives_sensory, float(spec.sensory_charge), 0.0)
        reached = text_column[start:start + n] < len(P.TEXT_COLUMNS)
        arrays["text_current"] = np.where(reached, float(text_current), 0.0)
        start += n
        receptors = _receptor_arrays(spec, layout, region)
        for k, v in receptors.items():
            arrays[k] = v * 1e-3 if k.startswith("k_theta") else v  # mV -> V
        arrays["noise_kick"] = eq.noise_kick_size(arrays["sigma_v"], arrays["tau_m"],
                                                  float(structure.options.noise_dt))
        e_l = float(params["E_L"])
        arrays["v"] = rng.uniform(e_l, arrays["v_th0"])
        arrays["v_th"] = arrays["v_th0"].copy()
        per_region[region] = arrays
    units = {"E_L": b2.volt, "v_reset": b2.volt, "v_th0": b2.volt, "tau_m": b2.second,
             "R": b2.ohm, "b_adapt": b2.amp, "delta_th": b2.volt, "sigma_v": b2.volt,
             "noise_kick": b2.volt, "I_bias": b2.amp,
             "q_sensory": b2.coulomb, "text_current": b2.amp, "k_theta_5ht": b2.volt,
             "k_theta_da": b2.volt, "k_theta_ne": b2.volt, "v": b2.volt, "v_th": b2.volt}
    regions = list(structure.anatomy.regions)
    neuron_arrays = {}
    for name in per_region[regions[0]]:
        flat = np.concatenate([per_region[r][name] for r in regions])
        neuron_arrays[name] = flat * units[name] if name in units else flat
    modulator_arrays = {
        m: np.array([profile.level(r, m) for r in regions]) for m in MODULATORS
    }
    modulator_arrays["dopamine_tonic"] = modulator_arrays["dopamine"].copy()
    modulator_arrays["dopamine_projection"] = np.array(
        [structure.anatomy.regions[r].dopamine_projection for r in regions])
    weights = {s.name: s.weight_pA * weight_scale for s in structure.synapses}
    constants = dict(NETWORK_CONSTANTS)
    constants.update(overrides.get("network", {}))
    return NetworkValues(
        neuron_arrays=neuron_arrays,
        network_constants=constants,
        modulator_arrays=modulator_arrays,
        modulator_shared=dict(DEFAULT_MODULATOR_SHARED),
        weights_pA=weights,
        drives=drives,
        seed=int(seed),
    )


@dataclass(frozen=True)
class RegionView:
    """One region's neurons by name, as indices into the network's single NeuronGroup.

    ``net.striatum.channels["fear"]``, ``net.amygdala.populations["negative"]``,
    ``net.pfc.exc`` index ``net.neurons`` (e.g. ``net.neurons.v[net.pfc.exc]``).

    Attributes
    ----------
    name : str
    indices : slice
        Every neuron of the region.
    exc, inh : ndarray of int
        Principal cells and interneurons.
    populations : dict of str to ndarray of int
        Principal cells by population (amygdala: ``positive``/``negative`` valence;
        striatum: ``D1``/``D2``); empty for regions without populations.
    channels : dict of str to ndarray of int
        Striatum only: the principal cells of each emotion channel.
    """

    name: str
    indices: slice
    exc: np.ndarray
    inh: np.ndarray
    populations: dict[str, np.ndarray]
    channels: dict[str, np.ndarray]

    @classmethod
    def of(cls, name: str, layout: PopulationLayout, start: int) -> RegionView:
        exc = start + np.arange(layout.n_exc)
        inh = start + np.arange(layout.n_exc, layout.size)
        populations = {g: start + layout.indices("E", g) for g in layout.group_names}
        channels = {e: start + np.flatnonzero(layout.channel == c)
                    for c, e in enumerate(EMOTIONS) if np.any(layout.channel == c)}
        return cls(name, slice(start, start + layout.size), exc, inh, populations, channels)


class BrianNetwork:
    """The Brian2 objects of one network and how to set their values.

    All regions live in one ``NeuronGroup`` (``neurons``); each region is a contiguous
    index range of it (``neurons.v[regions["amygdala"]]``; Brian2 subgroups cannot carry
    the indexed links to the neuromodulator table). One group and four ``Synapses`` objects
    (one per kind and delay: excitatory onto ``I_e``, inhibitory onto ``I_i``, plastic)
    instead of five groups and 25 projections cut the C++ build from ~5 min to well under a
    minute and the per-step overhead by a factor of ~10 (docs/architecture.md, "One NeuronGroup").

    Attributes
    ----------
    network : brian2.Network
    neurons : NeuronGroup
        Every neuron of every region.
    regions : dict of str to slice
        Each region's neurons (principal cells first, interneurons last).
    views : dict of str to RegionView
        Each region's neurons by name; also attributes: ``net.striatum.channels["fear"]``.
    modulators : NeuronGroup
        One row per region: serotonin, dopamine, norepinephrine.
    synapses : dict of str to Synapses
        One per synapse set of the structure (``"excitatory_1p5ms"``,
        ``"excitatory_5p5ms"``, ``"inhibitory"``, ``"plastic"`` by default), each with one
        homogeneous delay.
    spike_monitor : SpikeMonitor
    modulator_monitor : StateMonitor
    timed_arrays : dict of str to TimedArray
    """

    def __init__(self, structure: NetworkStructure, values: NetworkValues,
                 clock_class: type[b2.Clock] = b2.Clock) -> None:
        self.structure = structure
        opts = structure.options
        drives = values.drives
        self.timed_arrays = make_timed_arrays(drives)
        region_names = list(structure.anatomy.regions)
        clocks = Clocks("neuroemo", integration_dt=opts.dt, clock_class=clock_class)
        self.modulators = make_modulator_group(len(region_names), self.timed_arrays,
                                               clocks=clocks)
        region_index = np.concatenate([np.full(structure.anatomy.regions[r].size, k)
                                       for k, r in enumerate(region_names)])
        self.neurons = make_neuron_group(structure.n_neurons, opts, self.timed_arrays,
                                         self.modulators, region_index, clocks=clocks)
        self.neurons.channel = np.concatenate([structure.layouts[r].channel
                                               for r in region_names])
        self.neurons.sensory_channel = np.concatenate([structure.layouts[r].sensory_channel
                                                       for r in region_names])
        self.neurons.text_column = text_column_of(structure)
        self.regions = {r: slice(a, b) for r, (a, b) in structure.offsets.items()}
        self.views = {r: RegionView.of(r, structure.layouts[r], a)
                      for r, (a, _) in structure.offsets.items()}
        self.synapses: dict[str, b2.Synapses] = {}
        for s in structure.synapses:
            if s.plastic:
                syn = b2.Synapses(self.neurons, self.neurons, eq.PLASTIC_SYNAPSE,
                                  on_pre=eq.PLASTIC_ON_PRE, on_post=eq.PLASTIC_ON_POST,
                                  name=s.name, clock=clocks(opts.dt),
                                  delay=s.delay_ms * b2.ms, namespace=eligibility_namespace())
                add_epoch_flush(syn, clocks)
            else:
                # a scalar delay: Brian2's (and brian2cuda's) homogeneous-delay spike queue
                syn = b2.Synapses(self.neurons, self.neurons, "w : amp (constant)",
                                  on_pre=f"{s.target_current}_post += w", name=s.name,
                                  clock=clocks(opts.dt), delay=s.delay_ms * b2.ms)
            syn.connect(i=s.i, j=s.j)
            self.synapses[s.name] = syn
        self.spike_monitor = b2.SpikeMonitor(self.neurons, record=True, name="spikes")
        self.modulator_monitor = b2.StateMonitor(
            self.modulators, list(MODULATORS), record=True,
            clock=clocks(opts.modulator_record_dt), name="modulator_trace",
        )
        # extensions (closed-loop tasks, brainsim.model.tasks): built onto the network
        self.extensions = {e.name: e.build(self, clocks, values.extension_values[e.name])
                           for e in structure.extensions}
        self.network = b2.Network(self.modulators, self.neurons, *self.synapses.values(),
                                  self.spike_monitor, self.modulator_monitor,
                                  *[o for x in self.extensions.values()
                                    for o in x.brian_objects],
                                  name="neuroemo_network")
        self.apply_values(values)

    def __getattr__(self, name: str) -> RegionView:
        views = self.__dict__.get("views", {})
        if name in views:
            return views[name]
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    def value_assignments(self, values: NetworkValues) -> list[tuple[object, object]]:
        """Every changeable Brian2 variable / TimedArray with its value (for run_args)."""
        out: list[tuple[object, object]] = []
        for name, value in values.neuron_arrays.items():
            out.append((getattr(self.neurons, name), value))
        for name, value in values.network_constants.items():
            out.append((getattr(self.neurons, name), value))
        for name, value in values.modulator_arrays.items():
            out.append((getattr(self.modulators, name), value))
        for name, value in values.modulator_shared.items():
            out.append((getattr(self.modulators, name), value))
        for name, w in values.weights_pA.items():
            out.append((self.synapses[name].w, w * b2.pA))
        if "plastic" in self.synapses:
            for name, value in values.plasticity.items():
                out.append((getattr(self.synapses["plastic"], name), value))
        d = values.drives
        out.append((self.timed_arrays["sensory_rate"], d.sensory_rate_hz * b2.Hz))
        out.append((self.timed_arrays["reward_signal"], d.reward))
        out.append((self.timed_arrays["text_drive"], text_columns(d.text_drive)))
        for name, ext in self.extensions.items():
            out += ext.value_assignments(values.extension_values[name])
        return out

    def apply_values(self, values: NetworkValues) -> None:
        """Set every value directly (initial values; TimedArrays were built with them)."""
        for var, value in self.value_assignments(values):
            if not isinstance(var, b2.TimedArray):
                var[:] = value

    def run_args(self, values: NetworkValues, built: NetworkValues | None = None) -> dict:
        """``run_args`` for a standalone re-run with other values (no recompilation).

        Parameters
        ----------
        values : NetworkValues
            The values of this run.
        built : NetworkValues, optional
            The values the build was generated with. Every run of a standalone program
            starts from those (its static arrays and main.cpp hold them), so only the
            entries that differ need passing: Brian2 hashes, writes and logs every
            ``run_args`` entry, and the program reads it back (docs/optimisations.md).

        Returns
        -------
        dict
            Brian2 variable or TimedArray to value.
        """
        new = self.value_assignments(values)
        if built is None:
            return dict(new)
        old = {_assignment_key(var): value for var, value in self.value_assignments(built)}
        return {var: value for var, value in new
                if not _same_value(value, old.get(_assignment_key(var)))}


def _assignment_key(var) -> object:
    """The same key for every view of one Brian2 variable (views are new objects each time)."""
    return getattr(var, "variable", var)


def _same_value(a, b) -> bool:
    return (b is not None and np.shape(a) == np.shape(b)
            and bool(np.array_equal(np.asarray(a), np.asarray(b))))


def make_timed_arrays(drives: Drives) -> dict[str, b2.TimedArray]:
    """The three input TimedArrays (sensory rates, rewards, text drive by column)."""
    return {
        "sensory_rate": b2.TimedArray(drives.sensory_rate_hz * b2.Hz, dt=INPUT_DT,
                                      name="sensory_rate"),
        "reward_signal": b2.TimedArray(drives.reward, dt=INPUT_DT, name="reward_signal"),
        # positive, negative, arousal and an all-zero column for the neurons no text reaches
        "text_drive": b2.TimedArray(text_columns(drives.text_drive), dt=INPUT_DT,
                                    name="text_drive"),
    }


def make_modulator_group(n_regions: int, timed_arrays: dict[str, b2.TimedArray],
                         clocks: Clocks | None = None) -> b2.NeuronGroup:
    """The neuromodulator table: one row per region, phasic dopamine driven by rewards.

    Integrated on the integration clock of ``clocks`` (shared with the rest of the network;
    default: clocks of its own at Brian2's ``defaultclock.dt``), rewards every
    :data:`INPUT_DT`.
    """
    clocks = clocks if clocks is not None else Clocks("modulators")
    modulators = b2.NeuronGroup(
        n_regions, eq.MODULATOR_EQUATIONS, method="euler", name="modulators",
        namespace={"reward_signal": timed_arrays["reward_signal"], **eligibility_namespace()},
        clock=clocks.integration,
    )
    # a new epoch of the dopamine integral starts before the neurons copy it in their slow
    # update (order -1 against 0)
    modulators.run_regularly(eq.EPOCH_UPDATE, clock=clocks(INPUT_DT), when="start", order=-1,
                             name="modulators_epoch")
    modulators.run_regularly(eq.REWARD_UPDATE, clock=clocks(INPUT_DT), when="start",
                             name="modulators_reward")
    return modulators


def eligibility_namespace() -> dict[str, b2.Quantity]:
    """The build constants of the eligibility trace, for the modulators and the synapses."""
    return {"tau_eligibility": eq.TAU_ELIGIBILITY_S * b2.second,
            "eligibility_epoch": eq.ELIGIBILITY_EPOCH_S * b2.second}


def add_epoch_flush(synapses: b2.Synapses, clocks: Clocks | None = None) -> None:
    """Bring every plastic synapse up to date at the start of each eligibility epoch
    (:data:`brainsim.model.equations.WEIGHT_FLUSH`), after the modulators restart the dopamine
    integral (order -1) and the neurons copy it (order 0)."""
    epoch = eq.ELIGIBILITY_EPOCH_S * b2.second
    clock = clocks(epoch) if clocks is not None else b2.Clock(dt=epoch)
    synapses.run_regularly(eq.WEIGHT_FLUSH, clock=clock, when="start", order=1,
                           name=f"{synapses.name}_epoch_flush")


def make_neuron_group(n: int, options: NetworkOptions, timed_arrays: dict[str, b2.TimedArray],
                      modulators: b2.NeuronGroup, region_index: np.ndarray,
                      name: str = "neurons", clocks: Clocks | None = None) -> b2.NeuronGroup:
    """A NeuronGroup of the Extended LIF model linked to the neuromodulator table.

    Parameters
    ----------
    n : int
        Number of neurons.
    options : NetworkOptions
        dt, noise formulation and modulation expressions.
    timed_arrays : dict
        From :func:`make_timed_arrays`.
    modulators : NeuronGroup
        From :func:`make_modulator_group`.
    region_index : ndarray of int
        Row of the modulator table each neuron reads.
    name : str
        Brian2 name of the group.
    clocks : Clocks, optional
        Shares the clocks with the rest of the network (default: clocks of its own).
    """
    clocks = clocks if clocks is not None else Clocks(name)
    namespace = {
        "sensory_rate": timed_arrays["sensory_rate"],
        "text_drive": timed_arrays["text_drive"],
        "level_ref": eq.LEVEL_REF,
        "alpha1_half": eq.ALPHA1_NE_HALF,
        "alpha1_hill": eq.ALPHA1_NE_HILL,
        "noise_dt": options.noise_dt,
    }
    group = b2.NeuronGroup(
        n, eq.neuron_equations(noise=options.noise),
        threshold=eq.THRESHOLD, reset=eq.RESET, refractory=eq.REFRACTORY,
        method="euler", name=name, namespace=namespace, clock=clocks(options.dt),
    )
    index = np.asarray(region_index, dtype=np.int64)
    for m in MODULATORS:
        setattr(group, m, b2.linked_var(modulators, m, index=index))
    group.da_integral_region = b2.linked_var(modulators, "da_integral", index=index)
    group.da_integral_prev_region = b2.linked_var(modulators, "da_integral_prev", index=index)
    if options.noise == "kick" and options.noise_dt != options.modulation_dt:
        raise ConfigError("noise_dt must equal modulation_dt (the kick reads the noise_scale "
                          "that each modulation update has just computed).")
    for quantity, expr in options.modulation.items():
        if eq.is_constant(expr):  # the same for every neuron at every time: set once
            setattr(group, quantity, eq.constant_value(expr))
    group.run_regularly(eq.slow_update_code(options.modulation),
                        clock=clocks(options.modulation_dt), when="start",
                        name=f"{name}_slow_update")
    if options.noise == "kick":  # right after the modulation (it reads noise_scale)
        group.run_regularly(eq.NOISE_KICK, clock=clocks(options.noise_dt), when="start",
                            order=1, name=f"{name}_noise_kick")
    return group

