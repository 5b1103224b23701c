"""Scheduled Poisson stimuli: afferent blocks onto chosen cells, gated by a time table.

A task that only needs to *show* things to the network (a weak target in a thalamic
subpopulation, a distractor, a tone, a shock) adds a :class:`StimulusCircuit` to the
network's extensions (:attr:`brainsim.model.network.NetworkStructure.extensions`). Each
:class:`StimulusBlock` is a set of Poisson afferents (``n_sources`` of them, each reaching a
cell of ``cells`` with probability ``p``) whose rate follows one column of the circuit's
event table: ``rate * events(t, block)``, one row per ``INPUT_DT`` (1 ms), so a column holds
0 (off), 1 (on) or any multiple in between (a weak target at 0.3).

What a build depends on (the cells, the source counts, the connection draw) is the circuit;
what may change between runs of one build (the event table, the rate and the weight of each
block) is :class:`StimulusValues`, set through ``run_args`` in standalone mode. Nothing is
recorded here: the cells' spikes are the network's own recordings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from brainsim.errors import ConfigError
from brainsim.model import parameters as P

#: The afferent's threshold: a Poisson process of rate ``rate * events(t, block)``.
SOURCE_EQUATIONS = """
block : integer (constant)
rate : Hz (constant)
"""


@dataclass(frozen=True)
class StimulusBlock:
    """Poisson afferents onto a set of cells of one region.

    Attributes
    ----------
    name : str
        The block's name (its column in the event table is its position in the circuit).
    region : str
        Region of the target cells.
    cells : tuple of int
        Target cells, as indices local to the region (principal cells first, then
        interneurons, as in :class:`~brainsim.model.network.RegionView`).
    n_sources : int
        Number of afferents.
    p : float
        Probability that an afferent reaches a given target cell.
    inhibitory : bool
        Whether the afferents add to the targets' inhibitory current ``I_i`` (default: the
        excitatory ``I_e``, which the target's NE gain scales).
    """

    name: str
    region: str
    cells: tuple[int, ...]
    n_sources: int = P.TASK_SOURCES_PER_INPUT
    p: float = P.TASK_SOURCE_P
    inhibitory: bool = False


@dataclass(frozen=True)
class StimulusCircuit:
    """The blocks of a task's scheduled stimuli (the structure a build depends on)."""

    blocks: tuple[StimulusBlock, ...]
    seed: int = P.CONNECTIVITY_SEED
    name: str = "stimuli"

    def __post_init__(self) -> None:
        names = [b.name for b in self.blocks]
        if not names or len(set(names)) != len(names):
            raise ConfigError(f"Stimulus circuit {self.name!r} needs blocks with distinct "
                              f"names, got {names}.")

    def column(self, block: str) -> int:
        """Column of a block in the event table."""
        for k, b in enumerate(self.blocks):
            if b.name == block:
                return k
        raise ConfigError(f"Stimulus circuit {self.name!r} has no block {block!r}; it has "
                          f"{[b.name for b in self.blocks]}.")

    def key(self) -> str:
        """Hash of the circuit, with the Brian2 code it runs."""
        h = hashlib.sha256()
        h.update(json.dumps([[(b.name, b.region, b.cells, b.n_sources, b.p, b.inhibitory)
                              for b in self.blocks], self.seed, self.name,
                             SOURCE_EQUATIONS]).encode())
        return h.hexdigest()[:16]

    def draw(self, offsets: dict[str, tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Afferent -> cell synapses (source index, global target index), from ``seed``."""
        rng = np.random.default_rng([self.seed, 22, 7])
        src, tgt, start = [], [], 0
        for b in self.blocks:
            cells = np.asarray(b.cells, int) + offsets[b.region][0]
            i, j = np.nonzero(rng.random((b.n_sources, len(cells))) < b.p)
            src.append(i + start)
            tgt.append(cells[j])
            start += b.n_sources
        return np.concatenate(src), np.concatenate(tgt)

    def build(self, bn, clocks, value: StimulusValues) -> BuiltStimuli:
        """Build the circuit's Brian2 objects onto a network."""
        return BuiltStimuli(self, bn, clocks, value)


@dataclass
class StimulusValues:
    """Run-time values of a :class:`StimulusCircuit` (changed through ``run_args``).

    Attributes
    ----------
    events : ndarray (n_steps, n_blocks)
        Rate multiplier of each block, one row per ``INPUT_DT``.
    rate_hz : dict of str to float
        Rate of each block's afferents at multiplier 1 (default ``CUE_RATE``).
    weight : dict of str to Quantity
        Synaptic weight of each block (default ``TASK_SOURCE_WEIGHT``).
    """

    events: np.ndarray
    rate_hz: dict[str, float] = field(default_factory=dict)
    weight: dict[str, b2.Quantity] = field(default_factory=dict)


class BuiltStimuli:
    """The Brian2 objects of a stimulus circuit on one network."""

    def __init__(self, circuit: StimulusCircuit, bn, clocks, value: StimulusValues) -> None:
        self.circuit = circuit
        name = circuit.name
        self.n_columns = len(circuit.blocks)
        self._check(value)
        self.events = b2.TimedArray(np.asarray(value.events, float), dt=P.INPUT_DT,
                                    name=f"{name}_events")
        sizes = [b.n_sources for b in circuit.blocks]
        self.block_of_source = np.repeat(np.arange(len(sizes)), sizes)
        self.sources = b2.NeuronGroup(
            sum(sizes), SOURCE_EQUATIONS, threshold=f"rand() < rate*{name}_events(t, block)*dt",
            namespace={f"{name}_events": self.events}, clock=clocks.integration,
            name=f"{name}_sources")
        self.sources.block = self.block_of_source
        i, j = circuit.draw(bn.structure.offsets)
        self.block_of_synapse = self.block_of_source[i]
        self.synapses = []
        self.synapse_blocks = []
        for current in ("I_e", "I_i"):
            sel = np.array([circuit.blocks[k].inhibitory == (current == "I_i")
                            for k in self.block_of_synapse], bool)
            if not sel.any():
                continue
            syn = b2.Synapses(self.sources, bn.neurons, "w : amp (constant)",
                              on_pre=f"{current}_post += w", clock=clocks.integration,
                              name=f"{name}_afferents_{current}")
            syn.connect(i=i[sel], j=j[sel])
            self.synapses.append(syn)
            self.synapse_blocks.append(self.block_of_synapse[sel])
        self.brian_objects = [self.sources, *self.synapses]

    def _check(self, value: StimulusValues) -> None:
        ev = np.asarray(value.events, float)
        if ev.ndim != 2 or ev.shape[1] != self.n_columns:
            raise ConfigError(f"Stimulus circuit {self.circuit.name!r}: the event table must "
                              f"have one column per block ({self.n_columns}), got shape "
                              f"{ev.shape}.")
        if not np.all(np.isfinite(ev)) or (ev < 0).any():
            raise ConfigError(f"Stimulus circuit {self.circuit.name!r}: the event table must "
                              "hold finite rate multipliers >= 0.")
        known = {b.name for b in self.circuit.blocks}
        for what, d in (("rate_hz", value.rate_hz), ("weight", value.weight)):
            unknown = set(d) - known
            if unknown:
                raise ConfigError(f"Stimulus circuit {self.circuit.name!r}: {what} names "
                                  f"unknown blocks {sorted(unknown)}; blocks: {sorted(known)}.")

    def value_assignments(self, value: StimulusValues) -> list[tuple[object, object]]:
        self._check(value)
        blocks = self.circuit.blocks
        rate = np.array([value.rate_hz.get(b.name, float(P.CUE_RATE / b2.Hz)) for b in blocks])
        weight = np.array([float(value.weight.get(b.name, P.TASK_SOURCE_WEIGHT) / b2.amp)
                           for b in blocks])
        out: list[tuple[object, object]] = [
            (self.events, np.asarray(value.events, float)),
            (self.sources.rate, rate[self.block_of_source] * b2.Hz)]
        for syn, blk in zip(self.synapses, self.synapse_blocks, strict=True):
            out.append((syn.w, weight[blk] * b2.amp))
        return out

    def collect(self) -> dict:
        """Nothing: the targets' spikes are in the network's recordings."""
        return {}
