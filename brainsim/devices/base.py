"""What every backend shares: the :class:`Backend` interface and the raw output of a run."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import brian2 as b2
import numpy as np

from brainsim.model import equations as eq
from brainsim.model.network import BrianNetwork, NetworkStructure, NetworkValues

__all__ = ["Backend", "RawOutput", "collect", "final_plastic_weights"]


@dataclass
class RawOutput:
    """What one simulation produced, independent of the backend.

    Attributes
    ----------
    spikes : dict of str to (ndarray, ndarray)
        Per region: neuron indices and spike times in ms.
    modulator_t_ms : ndarray
        Sampling times of the neuromodulator traces.
    modulators : dict of str to ndarray
        Per modulator: array of shape (n_regions, n_samples).
    timings_s : dict
        Wall-clock times (build, compile, run).
    """

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    modulator_t_ms: np.ndarray
    modulators: dict[str, np.ndarray]
    timings_s: dict[str, float] = field(default_factory=dict)
    final_weights_pA: dict[str, np.ndarray] = field(default_factory=dict)
    #: What each extension of the network recorded (``collect()``), by extension name.
    extensions: dict[str, object] = field(default_factory=dict)


def collect(bn: BrianNetwork) -> RawOutput:
    """Read the monitors of a network that has run (any backend)."""
    i_all = np.asarray(bn.spike_monitor.i[:], dtype=np.int32)
    t_all = np.asarray(bn.spike_monitor.t[:] / b2.ms, dtype=np.float64)
    region_of = np.searchsorted([b for _, b in bn.structure.offsets.values()], i_all,
                                side="right")
    spikes = {}
    for k, (region, (start, _)) in enumerate(bn.structure.offsets.items()):
        sel = region_of == k
        spikes[region] = (i_all[sel] - start, t_all[sel])
    mm = bn.modulator_monitor
    mods = {m: np.asarray(getattr(mm, m)[:], dtype=np.float64) for m in
            ("serotonin", "dopamine", "norepinephrine")}
    weights = {name: final_plastic_weights(syn, bn.neurons) / 1e-12
               for name, syn in bn.synapses.items() if name == "plastic"}
    extensions = {name: ext.collect() for name, ext in getattr(bn, "extensions", {}).items()}
    return RawOutput(spikes, np.asarray(mm.t[:] / b2.ms), mods, final_weights_pA=weights,
                     extensions=extensions)


def final_plastic_weights(syn: b2.Synapses, post: b2.NeuronGroup) -> np.ndarray:
    """Weights (A) of plastic synapses onto ``post`` at the last step of the run that just
    ended, including the dopamine that came after each synapse's last spike
    (:func:`brainsim.model.equations.weights_brought_up_to_date`; the last step is where the
    synapses' clock stopped, minus one step)."""
    j = np.asarray(syn.j[:])
    return eq.weights_brought_up_to_date(
        float(syn.clock.t[:]) - float(syn.clock.dt),
        np.asarray(syn.w_[:]), np.asarray(syn.c[:]), np.asarray(syn.lastupdate_[:]),
        np.asarray(syn.da_last_[:]),
        np.asarray(post.da_integral_[:])[j], np.asarray(post.da_integral_prev_[:])[j],
        float(np.asarray(syn.eta_[:]).ravel()[0]), float(np.asarray(syn.w_max_[:]).ravel()[0]))


class Backend:
    """Common interface; subclasses set up one Brian2 device."""

    name = "backend"

    def simulate(self, structure: NetworkStructure, values: Sequence[NetworkValues],
                 report: str | None = "text",
                 operations: Sequence[Callable[[BrianNetwork], object]] = (),
                 ) -> Iterator[RawOutput]:
        """Run the network once per set of values, yielding each run's output."""
        raise NotImplementedError
