"""C++ standalone loops whose iterations are independent, marked so that gcc vectorises them.

gcc vectorises a loop over arrays it cannot prove disjoint only behind run-time overlap
checks (``backends.GCC_VECTORISE_FLAG`` raises their number), and it can build such checks
only for accesses at ``array[_idx]``. The neurons' 1 ms modulation update also reads the
region's neuromodulator levels through linked variables (``levels[region[_idx]]``, a
gather) and the input arrays through ``TimedArray`` look-ups at a per-neuron column: gcc
cannot bound those accesses, so it gives up and the loop runs one neuron at a time.
(Brian2 declares its local array pointers ``__restrict``, which would settle the question,
but gcc does not use ``__restrict`` on local variables for this analysis.)

Every iteration of that loop reads the neuron's own parameters and the regions' levels and
writes only the neuron's own variables at ``_idx``: no iteration touches what another
writes. :class:`IndependentLoopCodeObject` states this to the compiler with ``#pragma GCC
ivdep`` on the main loop of the code it generates. Use it (``codeobj_class=``, through
:func:`independent_loop_class`) only for operations whose statements write per-neuron
variables at ``_idx`` and never read a variable that the loop writes through an index
other than ``_idx``. The modulation update with any user expression for ``gain``,
``threshold_shift`` or ``noise_scale`` qualifies: those can only assign the neuron's own
values. ``tests/model/test_network.py`` checks that the compiled loop carries the pragma, and
``tests/devices/test_independent_loops.py`` that a marked and an unmarked build give the same
spikes and weights. Whether gcc then vectorises it depends on the CPU (with AVX-512 it does,
with AVX2 it does not): ``python benchmarks/bench.py vectorisation`` reports it, and
docs/optimisations.md what it buys.
"""

from __future__ import annotations

import re

import brian2 as b2
from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

#: The main loop of Brian2's C++ ``stateupdate`` template (used by ``run_regularly``).
MAIN_LOOP = re.compile(r"^(?P<indent>[ \t]*)for\s*\(\s*int\s+_idx\s*=\s*0\s*;", re.MULTILINE)


def mark_independent(cpp: str) -> str:
    """``cpp`` with ``#pragma GCC ivdep`` before its one ``for (int _idx = 0; ...`` loop.

    Raises
    ------
    RuntimeError
        If the code has no such loop or more than one (a Brian2 template that changed), or
        if an OpenMP pragma precedes the loop (the loop must follow it directly).
    """
    loops = list(MAIN_LOOP.finditer(cpp))
    if len(loops) != 1:
        raise RuntimeError(f"expected one main loop over _idx in the generated code, found "
                           f"{len(loops)}: Brian2's template changed; update "
                           f"brainsim/devices/speedups/independent_loops.py")
    at = loops[0].start()
    before = cpp[:at].rstrip().rsplit("\n", 1)[-1].strip()
    if before.startswith("#pragma omp"):
        raise RuntimeError("the loop is an OpenMP loop; independent_loop_class() gives no "
                           "marked code object when OpenMP threads are on")
    return f"{cpp[:at]}{loops[0]['indent']}#pragma GCC ivdep\n{cpp[at:]}"


class IndependentLoopCodeObject(CPPStandaloneCodeObject):
    """C++ standalone code object whose main loop carries ``#pragma GCC ivdep``."""

    def __init__(self, owner, code, *args, **kwargs):
        code.cpp_file = mark_independent(code.cpp_file)  # what the device writes to disk
        super().__init__(owner, code, *args, **kwargs)


def independent_loop_class() -> type | None:
    """:class:`IndependentLoopCodeObject` when the current device is plain C++ standalone on
    one thread, else None (Brian2's default code object: runtime targets, brian2cuda's
    device, and OpenMP builds, whose ``#pragma omp`` must directly precede the loop)."""
    if type(b2.get_device()) is not CPPStandaloneDevice:
        return None
    if b2.prefs.devices.cpp_standalone.openmp_threads:
        return None
    return IndependentLoopCodeObject
