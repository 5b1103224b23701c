"""Regions and their wiring: who is in the network and who talks to whom.

Each region is a range of the network's single ``NeuronGroup`` of the Extended LIF model
(:mod:`brainsim.model.equations`) whose first ``n_exc`` neurons are principal cells ("E":
pyramidal/relay cells, BLA projection neurons, striatal medium spiny neurons) and the rest
interneurons ("I"). Principal cells may be split into *groups*: the amygdala's positive- and
negative-valence projection neurons, the striatum's D1- and D2-type MSNs (in every emotion
channel), the thalamus's relay cells of each sensory channel. The striatum's MSNs are also
split into the six emotion channels of :data:`brainsim.channels.EMOTIONS`; their population
rates are the readout.

Every channel has the same cell types with the same receptor sensitivities; channels differ
only in their *input*, derived from each emotion's place on the affective circumplex
(:data:`brainsim.model.parameters.CIRCUMPLEX_DEG`). Receptor sensitivities are properties of
cell types (:func:`default_regions`); every number and its source is in
:mod:`brainsim.model.parameters`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace

import brian2 as b2
from brian2 import pcoulomb

from brainsim.channels import EMOTIONS, GABAERGIC_PRINCIPAL_REGIONS, REGIONS, SENSORY_CHANNELS
from brainsim.errors import ConfigError
from brainsim.model import parameters as P

logger = logging.getLogger(__name__)

DEFAULT_SIZES: dict[str, int] = dict(P.DEFAULT_SIZES)
NEURON_PARAMETER_UNITS: dict[str, b2.Unit] = dict(P.NEURON_PARAMETER_UNITS)
NETWORK_CONSTANTS: dict[str, b2.Quantity] = dict(P.NETWORK_CONSTANTS)


@dataclass(frozen=True)
class Receptors:
    """How strongly a cell type responds to each neuromodulator.

    ``gain`` multiplies the *excitatory* synaptic and afferent input by
    ``1 + k*(level - 0.5)``; ``threshold`` shifts the firing threshold by
    ``k*(level - 0.5)`` (positive = less excitable). Keys are modulator names; missing keys
    mean 0 (no effect). ``alpha1_ne`` takes ``alpha1_ne*(occ(NE) - occ(0.5))`` off the gain,
    ``occ`` the occupancy of low-affinity alpha1 adrenoceptors
    (:data:`brainsim.model.parameters.K_ALPHA1_NE`).
    """

    gain: dict[str, float] = field(default_factory=dict)
    threshold: dict[str, b2.Quantity] = field(default_factory=dict)
    alpha1_ne: float = 0.0


@dataclass(frozen=True)
class RegionSpec:
    """One brain region: size, cell types, neuron parameters and receptor sensitivities.

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
        Neuromodulator sensitivities of all principal cells and of interneurons.
    groups : tuple of str
        Groups the principal cells are split into (interleaved, equal parts); empty: one.
    receptors_group : dict
        Extra receptor sensitivities of the principal cells of a group.
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
    receptors_exc: Receptors = field(default_factory=Receptors)
    receptors_inh: Receptors = field(default_factory=Receptors)
    groups: tuple[str, ...] = ()
    receptors_group: dict[str, Receptors] = field(default_factory=dict)
    sensory_channels: tuple[str, ...] = ()
    sensory_charge: b2.Quantity = field(default_factory=lambda: 0 * pcoulomb)
    dopamine_projection: float = 0.3


def default_regions() -> dict[str, RegionSpec]:
    """The five regions at ``scale = 1`` (values: :mod:`brainsim.model.parameters`)."""
    regions = {}
    for name in REGIONS:
        kwargs = {}
        if name in P.NE_REGIONS:
            ne = Receptors(gain={"norepinephrine": P.K_GAIN_NE},
                           alpha1_ne=P.K_ALPHA1_NE if name in P.ALPHA1_REGIONS else 0.0)
            kwargs.update(receptors_exc=ne, receptors_inh=ne)
        if name == "amygdala":
            kwargs.update(groups=P.PRINCIPAL_GROUPS["amygdala"], receptors_group={
                "negative": Receptors(threshold={"serotonin": P.K_THETA_5HT})})
        if name == "striatum":
            kwargs.update(groups=P.PRINCIPAL_GROUPS["striatum"], receptors_group={
                "D1": Receptors(gain={"dopamine": P.K_GAIN_DA},
                                threshold={"dopamine": -P.K_THETA_DA}),
                "D2": Receptors(gain={"dopamine": -P.K_GAIN_DA},
                                threshold={"dopamine": P.K_THETA_DA})})
        if name == "pfc":
            kwargs.update(sensory_channels=("context",), sensory_charge=P.SENSORY_CHARGE)
        if name == "thalamus":
            kwargs.update(sensory_channels=SENSORY_CHANNELS, sensory_charge=P.SENSORY_CHARGE)
        regions[name] = RegionSpec(name, P.DEFAULT_SIZES[name], P.EXC_FRACTION[name],
                                   dict(P.REGION_NEURONS[name]),
                                   dopamine_projection=P.DOPAMINE_PROJECTION[name], **kwargs)
    return regions


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
        Axonal delay of the projection (one value per synapse set, see docs/architecture.md).
    channel_weights : dict, optional
        For projections into the striatum: weight multiplier per emotion channel (a channel
        with factor 0, or missing when the dict is given, gets no synapse).
    pre_group, post_group : str, optional
        Only the principal cells of that group (a region's ``groups``; for a region with
        sensory channels, a sensory channel name).
    same_channel : bool or None
        Striatal lateral inhibition: ``False`` connects only across channels.
    plastic : bool
        Dopamine-gated three-factor plasticity (see :data:`brainsim.model.equations.PLASTIC_SYNAPSE`).
    label : str
        Added to the name to tell apart projections between the same populations.
    """

    pre: str
    post: str
    pre_kind: str
    post_kind: str
    p: float
    weight: b2.Quantity
    delay: b2.Quantity
    channel_weights: dict[str, float] | None = None
    pre_group: str | None = None
    post_group: str | None = None
    same_channel: bool | None = None
    plastic: bool = False
    label: str = ""

    @property
    def name(self) -> str:
        pre = self.pre_kind + (f"-{self.pre_group}" if self.pre_group else "")
        post = self.post_kind + (f"-{self.post_group}" if self.post_group else "")
        return f"{self.pre}_{pre}_to_{self.post}_{post}" + (f"_{self.label}" if self.label
                                                             else "")

    @property
    def target_current(self) -> str:
        return ("I_e" if self.pre_kind == "E" and self.pre not in GABAERGIC_PRINCIPAL_REGIONS
                else "I_i")


def striatal_channel_factors() -> dict[str, dict[str, float]]:
    """The channel factor of each input pathway into the MSNs (parameters.STRIATAL_INPUTS).

    Every channel gets the same rule; only its circumplex position differs.
    """
    return {
        "positive": {e: max(P.VALENCE[e], 0.0) for e in EMOTIONS},
        "negative": {e: max(-P.VALENCE[e], 0.0) for e in EMOTIONS},
        "arousal": {e: max(P.AROUSAL[e], 0.0) for e in EMOTIONS},
        "threat": {"fear": 1.0},
        "appetitive": {"joy": 1.0},
    }


def default_projections() -> list[Projection]:
    """The default wiring (connection probabilities are for ``scale = 1``)."""
    local, long_ = P.DELAY_LOCAL, P.DELAY_LONG
    projections: list[Projection] = []
    for region in REGIONS:
        if region == "striatum":
            continue
        for key, (p, w) in P.LOCAL.items():
            pre_kind, post_kind = key
            projections.append(Projection(region, region, pre_kind, post_kind, p, w, local))
    s = P.STRIATUM_LOCAL
    projections += [
        Projection("striatum", "striatum", "E", "E", *s["MSN_MSN"], local, same_channel=False),
        Projection("striatum", "striatum", "I", "E", *s["FSI_MSN"], local),
        Projection("striatum", "striatum", "I", "I", *s["FSI_FSI"], local),
    ]
    p, w = P.LONG_RANGE
    for target in ("amygdala", "hippocampus", "thalamus"):
        projections.append(Projection("pfc", target, "E", "E", p, w, long_))
    projections.append(Projection("pfc", "amygdala", "E", "I", *P.PFC_TO_AMYGDALA_INH, long_))
    for source in ("amygdala", "hippocampus", "thalamus"):
        projections.append(Projection(source, "pfc", "E", "E", p, w, long_))
    for pre, post in (("amygdala", "hippocampus"), ("hippocampus", "amygdala"),
                      ("hippocampus", "thalamus"), ("thalamus", "hippocampus"),
                      ("amygdala", "thalamus")):
        projections.append(Projection(pre, post, "E", "E", p, w, long_))
    for (relay, valence), (pt, wt) in P.THALAMUS_TO_AMYGDALA.items():
        projections.append(Projection("thalamus", "amygdala", "E", "E", pt, wt, long_,
                                      pre_group=relay, post_group=valence))
    # the striatal channels: the same rule for every channel (striatal_channel_factors)
    f = striatal_channel_factors()
    inp = P.STRIATAL_INPUTS
    for source in ("pfc", "hippocampus"):
        projections.append(Projection(source, "striatum", "E", "E", *inp[source], long_,
                                      plastic=True))
    projections += [
        Projection("amygdala", "striatum", "E", "E", *inp["amygdala_valence"], long_,
                   channel_weights=f["positive"], pre_group="positive", post_group="D1",
                   plastic=True),
        Projection("amygdala", "striatum", "E", "E", *inp["amygdala_valence"], long_,
                   channel_weights=f["negative"], pre_group="negative", post_group="D2",
                   plastic=True),
        Projection("thalamus", "striatum", "E", "E", *inp["thalamus_arousal"], long_,
                   channel_weights=f["arousal"], pre_group="context", plastic=True),
        Projection("thalamus", "striatum", "E", "E", *inp["thalamus_cue"], long_,
                   channel_weights=f["threat"], pre_group="threat", plastic=True),
        Projection("thalamus", "striatum", "E", "E", *inp["thalamus_cue"], long_,
                   channel_weights=f["appetitive"], pre_group="appetitive", plastic=True),
    ]
    for source, (pf, wf) in P.STRIATAL_FSI_INPUTS.items():
        projections.append(Projection(source, "striatum", "E", "I", pf, wf, long_))
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
        for region, group in ((proj.pre, proj.pre_group), (proj.post, proj.post_group)):
            known = scaled[region].groups + scaled[region].sensory_channels
            if group is not None and group not in known:
                raise ConfigError(
                    f"Projection {proj.name} names group {group!r} of {region!r}, which has "
                    f"the groups {list(known)}."
                )
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
