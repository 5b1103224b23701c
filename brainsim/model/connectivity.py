"""Random sparse connectivity drawn with numpy, identical on every backend.

Drawing the synapses here rather than with Brian2's ``connect(p=...)`` makes the network's
structure a pure function of the anatomy and the connectivity seed: the runtime, C++ and
CUDA backends simulate exactly the same graph, and a compiled standalone build can be keyed
by it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brainsim.channels import EMOTIONS, SENSORY_CHANNELS
from brainsim.model.anatomy import Anatomy


@dataclass(frozen=True)
class PopulationLayout:
    """Index ranges and labels of one region's neurons.

    ``channel[i]`` is the emotion channel index (0–5) of a striatal principal cell and
    ``len(EMOTIONS)`` (= "no channel") elsewhere; ``sensory_channel[i]`` indexes
    :data:`brainsim.channels.SENSORY_CHANNELS` (0 where ``receives_sensory`` is False);
    ``group[i]`` indexes ``group_names`` for principal cells of a region with groups
    (amygdala: valence, striatum: D1/D2, thalamus: its sensory channels) and is
    ``len(group_names)`` elsewhere.
    """

    size: int
    n_exc: int
    channel: np.ndarray
    sensory_channel: np.ndarray
    receives_sensory: np.ndarray
    group: np.ndarray = None  # type: ignore[assignment]
    group_names: tuple[str, ...] = ()

    def indices(self, kind: str, group: str | None = None) -> np.ndarray:
        idx = np.arange(self.n_exc) if kind == "E" else np.arange(self.n_exc, self.size)
        if group is None:
            return idx
        return idx[self.group[idx] == self.group_names.index(group)]

    def group_of(self, name: str) -> np.ndarray:
        """Whether each neuron is a principal cell of group ``name``."""
        if name not in self.group_names:
            return np.zeros(self.size, dtype=bool)
        return self.group == self.group_names.index(name)


def population_layouts(anatomy: Anatomy) -> dict[str, PopulationLayout]:
    """Split every region into principal cells / interneurons, channels and sensory parts."""
    layouts = {}
    n_channels = len(EMOTIONS)
    for name, spec in anatomy.regions.items():
        n_exc = anatomy.n_exc(name)
        channel = np.full(spec.size, n_channels, dtype=np.int32)
        if name == "striatum":
            # contiguous, near-equal blocks of principal cells, one per emotion
            channel[:n_exc] = (np.arange(n_exc) * n_channels) // n_exc
        sensory = np.zeros(spec.size, dtype=np.int32)
        receives = np.zeros(spec.size, dtype=bool)
        if spec.sensory_channels:
            k = len(spec.sensory_channels)
            block = (np.arange(n_exc) * k) // n_exc
            sensory[:n_exc] = [SENSORY_CHANNELS.index(spec.sensory_channels[b]) for b in block]
            receives[:n_exc] = True
        if spec.groups:
            names = tuple(spec.groups)
            group = np.full(spec.size, len(names), dtype=np.int32)
            if name == "striatum":
                # alternate within each channel: every channel has both groups
                first = np.searchsorted(channel[:n_exc], channel[:n_exc])
                group[:n_exc] = (np.arange(n_exc) - first) % len(names)
            else:
                group[:n_exc] = np.arange(n_exc) % len(names)
        elif spec.sensory_channels:
            names = tuple(spec.sensory_channels)
            group = np.full(spec.size, len(names), dtype=np.int32)
            group[:n_exc] = [names.index(SENSORY_CHANNELS[c]) for c in sensory[:n_exc]]
        else:
            names, group = (), np.zeros(spec.size, dtype=np.int32)
        layouts[name] = PopulationLayout(spec.size, n_exc, channel, sensory, receives,
                                         group, names)
    return layouts


def region_offsets(anatomy: Anatomy) -> dict[str, tuple[int, int]]:
    """Index range ``[start, stop)`` of each region in the network's single NeuronGroup."""
    offsets, start = {}, 0
    for name, spec in anatomy.regions.items():
        offsets[name] = (start, start + spec.size)
        start += spec.size
    return offsets


@dataclass(frozen=True)
class SynapseSet:
    """A set of synapses sharing one synapse model and postsynaptic current.

    ``i`` and ``j`` index the network's single NeuronGroup; ``projection`` indexes
    ``projection_names``; ``delay_ms`` is the one delay of every synapse of the set.
    """

    name: str
    target_current: str
    plastic: bool
    i: np.ndarray
    j: np.ndarray
    weight_pA: np.ndarray
    delay_ms: float
    projection: np.ndarray
    projection_names: tuple[str, ...]
    projection_regions: tuple[tuple[str, str], ...]


def _bernoulli_pairs(rng: np.random.Generator, n_pre: int, n_post: int,
                     p: float) -> tuple[np.ndarray, np.ndarray]:
    """Each (pre, post) pair independently with probability p, by geometric skipping."""
    total = n_pre * n_post
    if p <= 0 or total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if p >= 1:
        flat = np.arange(total)
    else:
        expected = total * p
        draws = int(expected + 6 * np.sqrt(expected) + 16)
        gaps = rng.geometric(p, size=draws)
        flat = np.cumsum(gaps) - 1
        while flat[-1] < total:  # rare: extend until past the end
            more = np.cumsum(rng.geometric(p, size=draws)) + flat[-1]
            flat = np.concatenate([flat, more])
        flat = flat[flat < total]
    return flat // n_post, flat % n_post


def draw_synapses(anatomy: Anatomy, seed: int) -> list[SynapseSet]:
    """Draw every projection's synapses, grouped into sets by kind (static excitatory,
    inhibitory, plastic: dopamine-gated, excitatory onto striatal channel neurons) and
    delay, so that each set has one homogeneous delay. A kind with one delay keeps its name
    (``"inhibitory"``, ``"plastic"``); one with several gets the delay appended
    (``"excitatory_1p5ms"``, ``"excitatory_5p5ms"``).

    Parameters
    ----------
    anatomy : Anatomy
        Scaled regions and projections.
    seed : int
        Connectivity seed (part of the network's structure, see docs/architecture.md).
    """
    layouts = population_layouts(anatomy)
    offsets = region_offsets(anatomy)
    rng = np.random.default_rng(seed)
    grouped: dict[tuple[str, float], list] = {}
    for proj in anatomy.projections:
        pre_layout, post_layout = layouts[proj.pre], layouts[proj.post]
        pre_idx = pre_layout.indices(proj.pre_kind, proj.pre_group)
        post_idx = post_layout.indices(proj.post_kind, proj.post_group)
        a, b = _bernoulli_pairs(rng, len(pre_idx), len(post_idx), proj.p)
        i, j = pre_idx[a], post_idx[b]
        if proj.pre == proj.post:
            keep = i != j  # no autapses
            i, j = i[keep], j[keep]
        if proj.same_channel is False:
            keep = pre_layout.channel[i] != post_layout.channel[j]
            i, j = i[keep], j[keep]
        weight = np.full(len(i), float(proj.weight / 1e-12))
        if proj.channel_weights is not None:
            table = np.zeros(len(EMOTIONS) + 1)
            for name, factor in proj.channel_weights.items():
                table[EMOTIONS.index(name)] = factor
            weight *= table[post_layout.channel[j]]
            keep = weight > 0  # a channel with factor 0 gets no synapse
            i, j, weight = i[keep], j[keep], weight[keep]
        delay_ms = round(float(proj.delay / 1e-3), 6)
        kind = ("plastic" if proj.plastic else
                "excitatory" if proj.target_current == "I_e" else "inhibitory")
        grouped.setdefault((kind, delay_ms), []).append(
            (proj, i + offsets[proj.pre][0], j + offsets[proj.post][0], weight))
    sets = []
    order = ("excitatory", "inhibitory", "plastic")
    for (kind, delay_ms), parts in sorted(grouped.items(),
                                          key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        n_delays = sum(1 for k, _ in grouped if k == kind)
        name = kind if n_delays == 1 else f"{kind}_{delay_ms:g}ms".replace(".", "p")
        i = np.concatenate([x[1] for x in parts]).astype(np.int32)
        sets.append(SynapseSet(
            name=name,
            target_current="I_i" if kind == "inhibitory" else "I_e",
            plastic=kind == "plastic",
            i=i,
            j=np.concatenate([x[2] for x in parts]).astype(np.int32),
            weight_pA=np.concatenate([x[3] for x in parts]),
            delay_ms=delay_ms,
            projection=np.concatenate([np.full(len(x[1]), k, np.int16)
                                       for k, x in enumerate(parts)]),
            projection_names=tuple(p.name for p, *_ in parts),
            projection_regions=tuple((p.pre, p.post) for p, *_ in parts),
        ))
    return sets
