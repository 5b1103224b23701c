"""Speed-ups of the devices, installed on a network after the model has built it.

The model (:mod:`brainsim.model`) is plain Brian2. A device applies the speed-ups chosen
by :class:`Speedups` to the network's Brian2 objects before code generation. All but one
leave every spike as it was (``tests/devices/test_speedups.py`` compares builds with and without
them); ``philox_normal`` draws the noise kick's standard normal numbers from another stream
(the same distribution: ``tests/devices/test_gaussian.py``). What each buys, where it was measured
and when it can go: docs/optimisations.md.

Turn speed-ups off for one process with ``NEUROEMO_SPEEDUPS_OFF`` (a comma-separated list of
:class:`Speedups` field names, or ``all``), or per backend with
``get_backend(..., speedups=Speedups(...))``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, fields

import brian2 as b2

from brainsim.errors import ConfigError

__all__ = ["Speedups", "TIME_COMPARISON_REFRACTORY", "GCC_VECTORISE_FLAG"]

#: Refractory while fewer than ``timestep(tau_ref)`` steps have passed since the last spike:
#: Brian2's own rule for ``refractory="tau_ref"`` (``timestep(t - lastspike, dt) <
#: timestep(tau_ref, dt)``), written as a comparison of times. Brian2's form converts
#: ``t - lastspike`` to a 64-bit integer for every neuron at every step, which AVX2 cannot do
#: in vector registers, so gcc leaves the state update unvectorised; this form compares
#: doubles. ``tests/model/test_neuron.py`` checks that both give the same spikes.
TIME_COMPARISON_REFRACTORY = "t - lastspike < (timestep(tau_ref, dt) - 0.001)*dt"

#: Added to gcc's flags for generated C++ (cpp_standalone and the runtime's Cython target).
#: gcc vectorises a loop over arrays that it cannot prove disjoint only behind run-time
#: overlap checks, and by default gives up when it would need more than 10 of them. The
#: neuron state update reads and writes 14 per-neuron arrays and needs about 100.
GCC_VECTORISE_FLAG = "--param=vect-max-version-for-alias-checks=1000"


@dataclass(frozen=True)
class Speedups:
    """Which speed-ups a device applies (all on by default; docs/optimisations.md).

    Attributes
    ----------
    named_clocks : bool
        Clocks hashed by name, so main.cpp is the same in every process (standalone).
    alias_checks : bool
        :data:`GCC_VECTORISE_FLAG` in gcc's flags (standalone and Cython).
    time_comparison_refractory : bool
        :data:`TIME_COMPARISON_REFRACTORY` instead of Brian2's integer form.
    philox_normal : bool
        The noise kick's ``randn()`` drawn by Philox4x32-10 and Box–Muller, a vectorised
        buffer at a time (C++ standalone, :mod:`.gaussian`).
    independent_loops : bool
        ``#pragma GCC ivdep`` on the 1 ms modulation update (single-threaded C++
        standalone, :mod:`.independent_loops`).
    huge_pages : bool
        glibc's transparent huge pages for the standalone program's heap.
    memory_results : bool
        The standalone program writes its results to a memory filesystem when there is
        room (:mod:`.scratch`).
    """

    named_clocks: bool = True
    alias_checks: bool = True
    time_comparison_refractory: bool = True
    philox_normal: bool = True
    independent_loops: bool = True
    huge_pages: bool = True
    memory_results: bool = True

    @classmethod
    def from_environment(cls) -> Speedups:
        """The defaults less those named in ``NEUROEMO_SPEEDUPS_OFF``."""
        off = os.environ.get("NEUROEMO_SPEEDUPS_OFF", "").strip()
        if not off:
            return cls()
        names = [f.name for f in fields(cls)]
        if off == "all":
            return cls(**dict.fromkeys(names, False))
        chosen = [n.strip() for n in off.split(",") if n.strip()]
        unknown = sorted(set(chosen) - set(names))
        if unknown:
            raise ConfigError(f"NEUROEMO_SPEEDUPS_OFF names unknown speed-ups {unknown}; "
                              f"use 'all' or some of {names}.")
        return cls(**{n: n not in chosen for n in names})

    def fingerprint(self, threads: int = 0) -> str:
        """A short hash of what these speed-ups put into a standalone build's code."""
        from brainsim.devices.speedups import gaussian

        desc = repr((sorted(asdict(self).items()), TIME_COMPARISON_REFRACTORY,
                     GCC_VECTORISE_FLAG, gaussian.cpp_code(threads) if self.philox_normal
                     else ""))
        return hashlib.sha256(desc.encode()).hexdigest()[:8]

    def clock_class(self) -> type[b2.Clock]:
        """The clock class for the model's clocks."""
        if self.named_clocks:
            from brainsim.devices.speedups.clocks import NamedClock

            return NamedClock
        return b2.Clock

    def configure_compiler(self) -> None:
        """Add (or take out) :data:`GCC_VECTORISE_FLAG` in Brian2's gcc flags."""
        args = [a for a in b2.prefs.codegen.cpp.extra_compile_args_gcc
                if a != GCC_VECTORISE_FLAG]
        if self.alias_checks:
            args.append(GCC_VECTORISE_FLAG)
        b2.prefs.codegen.cpp.extra_compile_args_gcc = args

    def install(self, neurons: b2.NeuronGroup, *, standalone: bool) -> None:
        """Apply the speed-ups to the model's neuron group before code generation.

        Parameters
        ----------
        neurons : NeuronGroup
            The network's neurons (:class:`brainsim.model.network.BrianNetwork`).
        standalone : bool
            Whether the device is plain C++ standalone (the code-object speed-ups apply
            only there).
        """
        if self.time_comparison_refractory and neurons._refractory == "tau_ref":
            neurons._refractory = TIME_COMPARISON_REFRACTORY
        if not standalone:
            return
        runners = {obj.name: obj for obj in neurons.contained_objects}
        kick = runners.get(f"{neurons.name}_noise_kick")
        if self.philox_normal and kick is not None:
            from brainsim.devices.speedups import gaussian

            gaussian.draw_randn_with_philox(kick)
        slow = runners.get(f"{neurons.name}_slow_update")
        if self.independent_loops and slow is not None:
            from brainsim.devices.speedups.independent_loops import independent_loop_class

            slow.codeobj_class = independent_loop_class()
