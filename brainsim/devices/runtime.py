"""Brian2's runtime device (Cython or numpy code generation)."""

from __future__ import annotations

import time

import brian2 as b2

from brainsim.devices.base import Backend, collect
from brainsim.devices.speedups import Speedups
from brainsim.errors import ConfigError
from brainsim.model.network import BrianNetwork

__all__ = ["RuntimeBackend"]


class RuntimeBackend(Backend):
    """Brian2's runtime mode: Cython when it compiles, else numpy (``target="auto"``).

    Parameters
    ----------
    target : {"auto", "cython", "numpy"}
        Code generation target.
    speedups : Speedups, optional
        Default: :meth:`Speedups.from_environment`.
    """

    name = "runtime"

    def __init__(self, target: str = "auto", speedups: Speedups | None = None) -> None:
        if target not in ("auto", "cython", "numpy"):
            raise ConfigError(f"Unknown runtime target {target!r}: use auto, cython or numpy.")
        self.target = target
        self.speedups = speedups if speedups is not None else Speedups.from_environment()

    def simulate(self, structure, values, report="text", operations=()):
        b2.set_device("runtime")
        b2.prefs.codegen.target = self.target
        self.speedups.configure_compiler()
        for v in values:
            t0 = time.perf_counter()
            bn = BrianNetwork(structure, v)
            self.speedups.install(bn.neurons, standalone=False)
            for make_op in operations:
                bn.network.add(make_op(bn))
            b2.seed(v.seed)
            t1 = time.perf_counter()
            bn.network.run(structure.duration, report=report, report_period=1 * b2.second)
            t2 = time.perf_counter()
            out = collect(bn)
            out.timings_s = {"build_s": t1 - t0, "run_s": t2 - t1}
            yield out
