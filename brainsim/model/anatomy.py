"""Regions and their wiring: who is in the network and who talks to whom.

Each region is one Brian2 ``NeuronGroup`` of the Extended LIF model (:mod:`brainsim.model.equations`)
whose first ``n_exc`` neurons are principal cells ("E": pyramidal/relay cells, striatal
medium spiny neurons) and the rest interneurons ("I"). The striatum's principal cells are
split into the six emotion channels of :data:`brainsim.channels.EMOTIONS`; their population
rates are the readout.

Biological grounding (qualitative, for the signs and the routing, not fitted numbers):

* PFC exerts top-down control on amygdala through its interneurons (Likhtik et al. 2005);
  serotonin raises PFC's gain (top-down control) and the amygdala's threshold (Cools, Roberts
  & Robbins 2008); norepinephrine raises gain and excitability in amygdala and thalamus
  (Aston-Jones & Cohen 2005).
* The thalamus relays sensory input; its threat-coding part projects strongly to the
  amygdala (the "low road", LeDoux 1996).
* Striatal channel populations differ in receptor expression: D1-rich "approach" channels
  (joy, love) are excited by dopamine, D2-rich "withdrawal" channels (sadness, fear) are
  inhibited by it; serotonin damps withdrawal/aggression channels and NE excites
  threat-related channels. These *receptor sensitivities* (``STRIATAL_RECEPTORS``) are
  properties of the channels, identical for every profile: a profile acts only through its
  neuromodulator levels.
* Channels compete through MSN collaterals and fast-spiking interneurons (lateral and
  feed-forward inhibition, Tepper et al. 2004), which turns small biases into a clear winner.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace

import brian2 as b2
from brian2 import Hz, Mohm, ms, mV, nA, pA, pcoulomb  # noqa: F401

from brainsim.channels import EMOTIONS, REGIONS, SENSORY_CHANNELS
from brainsim.errors import ConfigError

logger = logging.getLogger(__name__)

#: Default number of neurons per region at ``scale = 1`` (the original project's sizes).
DEFAULT_SIZES: dict[str, int] = {
    "pfc": 512, "amygdala": 256, "hippocampus": 256, "thalamus": 256, "striatum": 1024,
}

#: Units of every per-region neuron parameter.
NEURON_PARAMETER_UNITS: dict[str, b2.Unit] = {
    "E_L": mV, "v_reset": mV, "v_th0": mV, "tau_m": ms, "R": Mohm, "b_adapt": pA,
    "delta_th": mV, "sigma_v": mV, "k_noise_ne": b2.Unit(1), "I_bias_exc": pA,
    "I_bias_inh": pA,
}

#: Network-wide time constants (one value for every neuron; override them under the key
#: ``"network"`` of a protocol's ``parameters``).
NETWORK_CONSTANTS: dict[str, b2.Quantity] = {
    "tau_ref": 2 * ms, "tau_e": 5 * ms, "tau_i": 10 * ms, "tau_adapt": 200 * ms,
    "tau_th": 50 * ms,
}


def _neuron(**overrides: b2.Quantity | float) -> dict[str, b2.Quantity | float]:
    params: dict[str, b2.Quantity | float] = {
        "E_L": -70 * mV, "v_reset": -65 * mV, "v_th0": -50 * mV, "tau_m": 20 * ms,
        "R": 100 * Mohm, "b_adapt": 10 * pA, "delta_th": 1 * mV,
        "sigma_v": 3 * mV, "k_noise_ne": 0.5, "I_bias_exc": 150 * pA, "I_bias_inh": 160 * pA,
    }
    params.update(overrides)
    return params


@dataclass(frozen=True)
class Receptors:
    """How strongly a population responds to each neuromodulator.

    ``gain`` multiplies synaptic/sensory input by ``1 + k*(level - 0.5)``; ``threshold``
    shifts the firing threshold by ``k*(level - 0.5)`` (positive = less excitable).
    Keys are modulator names; missing keys mean 0 (no effect).
    """

    gain: dict[str, float] = field(default_factory=dict)
    threshold: dict[str, b2.Quantity] = field(default_factory=dict)


@dataclass(frozen=True)
class RegionSpec:
    """One brain region: size, cell-type split, neuron parameters and receptor sensitivities.

    Attributes
    ----------
    name : str
        Region name (one of :data:`brainsim.channels.REGIONS`).
    size : int
        Number of neurons at ``scale = 1``.
    exc_fraction : float
        Fraction of principal ("E") cells; the rest are interneurons.
    neuron : dict
        Neuron parameters with units (see :data:`NEURON_PARAMETER_UNITS`).
    receptors_exc, receptors_inh : Receptors
        Neuromodulator sensitivities of principal cells and interneurons.
    sensory_channels : tuple of str
        Sensory channels whose afferents reach this region's principal cells; the principal
        cells are split into equal parts, one per channel. Empty: no sensory input.
    sensory_charge : Quantity
        Charge per afferent spike summed over a neuron's afferents (mean current =
        afferent rate x charge, Campbell's theorem).
    dopamine_projection : float
        Relative density of the dopaminergic projection (scales phasic dopamine).
    """

    name: str
    size: int
    exc_fraction: float
    neuron: dict
    receptors_exc: Receptors
    receptors_inh: Receptors = field(default_factory=Receptors)
    sensory_channels: tuple[str, ...] = ()
    sensory_charge: b2.Quantity = field(default_factory=lambda: 0 * pcoulomb)
    dopamine_projection: float = 0.3


#: Receptor sensitivities of the striatal channels: gain and threshold terms per modulator.
#: Threshold entries in mV per unit of modulator above the neutral level 0.5.
STRIATAL_RECEPTORS: dict[str, Receptors] = {
    "sadness": Receptors(threshold={"serotonin": 10 * mV, "dopamine": 7 * mV,
                                    "norepinephrine": -2 * mV}),
    "joy": Receptors(threshold={"serotonin": -4 * mV, "dopamine": -8 * mV}),
    "love": Receptors(threshold={"serotonin": -4 * mV, "dopamine": -4 * mV,
                                 "norepinephrine": 2 * mV}),
    "anger": Receptors(threshold={"serotonin": 4 * mV, "dopamine": -2 * mV,
                                  "norepinephrine": -6 * mV}),
    "fear": Receptors(threshold={"serotonin": 3 * mV, "dopamine": 2 * mV,
                                 "norepinephrine": -12 * mV}),
    "surprise": Receptors(threshold={"dopamine": -2 * mV, "norepinephrine": -1 * mV}),
}


def default_regions() -> dict[str, RegionSpec]:
    """The five regions at ``scale = 1``."""
    return {
        "pfc": RegionSpec(
            "pfc", DEFAULT_SIZES["pfc"], 0.8, _neuron(),
            receptors_exc=Receptors(gain={"serotonin": 0.4, "dopamine": 0.3,
                                          "norepinephrine": 0.3}),
            receptors_inh=Receptors(gain={"serotonin": 0.4}),
            sensory_channels=("context",), sensory_charge=8 * pcoulomb,
            dopamine_projection=0.5,
        ),
        "amygdala": RegionSpec(
            "amygdala", DEFAULT_SIZES["amygdala"], 0.8, _neuron(),
            receptors_exc=Receptors(gain={"norepinephrine": 1.0},
                                    threshold={"serotonin": 6 * mV, "norepinephrine": -4 * mV}),
            dopamine_projection=0.3,
        ),
        "hippocampus": RegionSpec(
            "hippocampus", DEFAULT_SIZES["hippocampus"], 0.8, _neuron(),
            receptors_exc=Receptors(gain={"serotonin": 0.3, "norepinephrine": 0.3},
                                    threshold={"norepinephrine": -2 * mV}),
            dopamine_projection=0.3,
        ),
        "thalamus": RegionSpec(
            "thalamus", DEFAULT_SIZES["thalamus"], 0.8, _neuron(),
            receptors_exc=Receptors(gain={"norepinephrine": 0.6},
                                    threshold={"norepinephrine": -2 * mV}),
            sensory_channels=SENSORY_CHANNELS, sensory_charge=8 * pcoulomb,
            dopamine_projection=0.1,
        ),
        "striatum": RegionSpec(
            "striatum", DEFAULT_SIZES["striatum"], 0.85,
            _neuron(tau_m=15 * ms, b_adapt=20 * pA),
            receptors_exc=Receptors(gain={"dopamine": 0.4}),
            dopamine_projection=1.0,
        ),
    }


@dataclass(frozen=True)
class Projection:
    """A population-to-population projection, realised as random sparse synapses.

    Attributes
    ----------
    pre, post : str
        Region names.
    pre_kind, post_kind : {"E", "I"}
        Which populations of the two regions are connected.
    p : float
        Connection probability.
    weight : Quantity
        Current jump per presynaptic spike (amp, positive); excitatory projections add it to
        ``I_e``, inhibitory ones to ``I_i``.
    delay : Quantity
        Axonal delay of the projection (one value: every synapse set then has a single,
        homogeneous delay, which Brian2's C++ spike queue and brian2cuda handle far faster
        than per-synapse delays; see "One delay per synapse set" in docs/architecture.md).
    channel_weights : dict, optional
        For projections into the striatum: weight multiplier per emotion channel.
    pre_sensory_weights : dict, optional
        Weight multiplier per sensory channel of the presynaptic (thalamic) neuron.
    same_channel : bool or None
        Striatal lateral inhibition: ``False`` connects only across channels.
    plastic : bool
        Dopamine-gated three-factor plasticity (see :data:`brainsim.model.equations.PLASTIC_SYNAPSE`).
    """

    pre: str
    post: str
    pre_kind: str
    post_kind: str
    p: float
    weight: b2.Quantity
    delay: b2.Quantity
    channel_weights: dict[str, float] | None = None
    pre_sensory_weights: dict[str, float] | None = None
    same_channel: bool | None = None
    plastic: bool = False

    @property
    def name(self) -> str:
        return f"{self.pre}_{self.pre_kind}_to_{self.post}_{self.post_kind}"

    @property
    def target_current(self) -> str:
        return "I_e" if self.pre_kind == "E" and self.pre != "striatum" else "I_i"


#: Channel-specific weight multipliers of the inputs to the striatum.
STRIATAL_INPUT_WEIGHTS: dict[str, dict[str, float]] = {
    "pfc": dict(zip(EMOTIONS, (0.8, 1.2, 1.0, 0.8, 0.7, 1.0), strict=True)),
    "amygdala": dict(zip(EMOTIONS, (0.8, 0.4, 0.5, 1.4, 1.6, 0.8), strict=True)),
    "hippocampus": dict(zip(EMOTIONS, (1.4, 0.8, 1.3, 0.6, 0.8, 0.8), strict=True)),
    "thalamus": dict(zip(EMOTIONS, (0.6, 1.0, 0.6, 1.0, 1.0, 1.2), strict=True)),
}

#: Axonal delays: within a region, and between regions (the middles of the 1-2 ms and 3-8 ms
#: ranges drawn per synapse before 2026-11-27).
_LOCAL = 1.5 * ms
_LONG = 5.5 * ms


def default_projections() -> list[Projection]:
    """The default wiring (connection probabilities are for ``scale = 1``)."""
    projections: list[Projection] = []
    # Within-region E/I loops keep each region's rate low (the regions share a ~19 Hz
    # population rhythm: docs/model.md, "The network's regime").
    for region in REGIONS:
        if region == "striatum":
            continue
        projections += [
            Projection(region, region, "E", "E", 0.1, 20 * pA, _LOCAL),
            Projection(region, region, "E", "I", 0.1, 30 * pA, _LOCAL),
            Projection(region, region, "I", "E", 0.2, 60 * pA, _LOCAL),
            Projection(region, region, "I", "I", 0.2, 40 * pA, _LOCAL),
        ]
    # Striatum: MSN collaterals between channels, feed-forward inhibition from FSIs.
    projections += [
        Projection("striatum", "striatum", "E", "E", 0.1, 40 * pA, _LOCAL, same_channel=False),
        Projection("striatum", "striatum", "I", "E", 0.2, 40 * pA, _LOCAL),
        Projection("striatum", "striatum", "I", "I", 0.2, 30 * pA, _LOCAL),
    ]
    # PFC top-down: onto principal cells and (more strongly) onto amygdala interneurons.
    for target in ("amygdala", "hippocampus", "thalamus"):
        projections.append(Projection("pfc", target, "E", "E", 0.05, 15 * pA, _LONG))
    projections.append(Projection("pfc", "amygdala", "E", "I", 0.1, 25 * pA, _LONG))
    # Feedback to PFC.
    for source in ("amygdala", "hippocampus", "thalamus"):
        projections.append(Projection(source, "pfc", "E", "E", 0.05, 15 * pA, _LONG))
    # Limbic/thalamic triangle; the thalamus's threat part drives the amygdala (low road).
    for pre, post in (("amygdala", "hippocampus"), ("hippocampus", "amygdala"),
                      ("hippocampus", "thalamus"), ("thalamus", "hippocampus"),
                      ("amygdala", "thalamus")):
        projections.append(Projection(pre, post, "E", "E", 0.05, 15 * pA, _LONG))
    projections.append(Projection("thalamus", "amygdala", "E", "E", 0.05, 15 * pA, _LONG,
                                  pre_sensory_weights={"context": 0.5, "threat": 2.5,
                                                       "appetitive": 0.5}))
    # Everything into the striatum's channels (and its interneurons); the inputs to the
    # channel neurons learn from reward (dopamine-gated plasticity).
    for source, weights in STRIATAL_INPUT_WEIGHTS.items():
        projections.append(Projection(source, "striatum", "E", "E", 0.05, 20 * pA, _LONG,
                                      channel_weights=weights, plastic=True))
        projections.append(Projection(source, "striatum", "E", "I", 0.05, 20 * pA, _LONG))
    return projections


@dataclass(frozen=True)
class Anatomy:
    """Regions and projections of one network, after scaling."""

    regions: dict[str, RegionSpec]
    projections: list[Projection]
    scale: float = 1.0

    def n_exc(self, region: str) -> int:
        spec = self.regions[region]
        return int(round(spec.size * spec.exc_fraction))


def build_anatomy(scale: float = 1.0, sizes: dict[str, int] | None = None,
                  regions: dict[str, RegionSpec] | None = None,
                  projections: list[Projection] | None = None) -> Anatomy:
    """Scale region sizes and connection probabilities.

    Region sizes are multiplied by ``scale``; connection probabilities are divided by it so
    that every neuron keeps the same expected number of inputs (the network's dynamics do
    not change with its size, only the sampling noise does). Below the largest base
    probability (0.2: scale < 0.2) some probabilities would exceed 1; they are capped and a
    warning says so.

    Parameters
    ----------
    scale : float
        Size factor (> 0).
    sizes : dict, optional
        Per-region sizes at ``scale = 1`` replacing the defaults.
    regions, projections : optional
        Replacements for :func:`default_regions` and :func:`default_projections`.

    Raises
    ------
    ConfigError
        For a non-positive or non-finite scale, unknown region names or invalid sizes.
    """
    if not isinstance(scale, int | float) or not math.isfinite(scale) or scale <= 0:
        raise ConfigError(
            f"scale must be a positive number (1 = default sizes), got {scale!r}. "
            "Use e.g. --scale 0.5 for half-size regions."
        )
    regions = dict(regions or default_regions())
    for name, size in (sizes or {}).items():
        if name not in regions:
            raise ConfigError(
                f"Unknown region {name!r} in sizes; known regions: {list(regions)}."
            )
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ConfigError(
                f"Size of region {name!r} must be a positive integer, got {size!r}."
            )
        regions[name] = replace(regions[name], size=size)
    scaled = {}
    for name, spec in regions.items():
        n = int(round(spec.size * scale))
        min_size = 2 * len(EMOTIONS) + 2 if name == "striatum" else 4
        if n < min_size:
            raise ConfigError(
                f"Region {name!r} would have {n} neurons at scale {scale}; at least "
                f"{min_size} are needed. Increase --scale or the region's size."
            )
        scaled[name] = replace(spec, size=n)
    projections = list(projections or default_projections())
    for proj in projections:
        for region in (proj.pre, proj.post):
            if region not in scaled:
                raise ConfigError(
                    f"Projection {proj.name} names unknown region {region!r}; "
                    f"known regions: {list(scaled)}."
                )
        for kind in (proj.pre_kind, proj.post_kind):
            if kind not in ("E", "I"):
                raise ConfigError(f"Projection {proj.name}: population must be 'E' or 'I'.")
        if proj.channel_weights:
            unknown = set(proj.channel_weights) - set(EMOTIONS)
            if unknown:
                raise ConfigError(
                    f"Projection {proj.name} names unknown channel(s) {sorted(unknown)}; "
                    f"channels are {list(EMOTIONS)}."
                )
    capped = sorted(p.name for p in projections if p.p / scale > 1.0)
    if capped:
        logger.warning("At scale %g the connection probability of %s would exceed 1 and is "
                       "capped: those neurons get fewer inputs than at scale 1, so the dynamics "
                       "change. Use scale >= %g to keep them.", scale, ", ".join(capped),
                       max(p.p for p in projections))
    scaled_projections = [replace(p, p=min(1.0, p.p / scale)) for p in projections]
    return Anatomy(scaled, scaled_projections, float(scale))
