"""``standard_normal()``: the Gaussian numbers of the noise kick, as a Brian2 ``Function``.

It is Brian2's ``randn()`` on every target except C++ standalone, where Brian2 draws with
Marsaglia's polar method (two Mersenne-twister numbers, a rejection loop, a ``log`` and a
``sqrt`` per pair: ≈ 21 ns per number here, about a sixth of the default network's run
time). There it calls numpy's ziggurat (≈ 15 ns), ``random_standard_normal`` from
``libnpyrandom.a`` (the C library behind ``numpy.random.Generator.standard_normal``, shipped
with numpy for use from C), fed by a ``std::mt19937_64`` that is seeded from Brian2's own
generator of the same thread on first use, so that a run's seed fixes it. Both methods are
exact: the numbers have the same distribution, only the stream differs. Measured in
docs/performance.md.

Targets: numpy and Cython use Brian2's ``randn`` implementations unchanged (the same
buffers, so the same stream as ``randn()``); ``cuda_standalone`` uses brian2cuda's (cuRAND),
added when brian2cuda has been imported. Without ``libnpyrandom.a`` (a numpy built without
it) C++ standalone falls back to Brian2's ``randn`` with a warning.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import brian2 as b2
import numpy as np
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

#: Name of the function in the equations.
NAME = "standard_normal"

logger = logging.getLogger(__name__)

#: C++ support code; ``%THREADS%`` and ``%THREAD%`` are filled in per build (OpenMP).
CPP_CODE = """
extern "C" double random_standard_normal(bitgen_t *bitgen_state);
namespace {
struct _NeuroemoNormal {
    std::mt19937_64 engine;
    bitgen_t bitgen;
    bool seeded = false;
    static uint64_t next_uint64(void *st) { return (*static_cast<std::mt19937_64*>(st))(); }
    static uint32_t next_uint32(void *st) { return (uint32_t)(next_uint64(st) >> 32); }
    static double next_double(void *st) { return (next_uint64(st) >> 11) * (1.0/9007199254740992.0); }
};
_NeuroemoNormal _neuroemo_normal[%THREADS%];
}
inline double _standard_normal(const int _vectorisation_idx) {
    _NeuroemoNormal &g = _neuroemo_normal[%THREAD%];
    if (!g.seeded) {
        // seeded from Brian2's generator of this thread, so the run's seed fixes the stream
        std::seed_seq seq{(uint32_t)(brian::_random_generators[%THREAD%].rand()*4294967296.0),
                          (uint32_t)(brian::_random_generators[%THREAD%].rand()*4294967296.0),
                          (uint32_t)(brian::_random_generators[%THREAD%].rand()*4294967296.0),
                          (uint32_t)(brian::_random_generators[%THREAD%].rand()*4294967296.0)};
        g.engine.seed(seq);
        g.bitgen.state = &g.engine;
        g.bitgen.next_uint64 = _NeuroemoNormal::next_uint64;
        g.bitgen.next_uint32 = _NeuroemoNormal::next_uint32;
        g.bitgen.next_double = _NeuroemoNormal::next_double;
        g.bitgen.next_raw = _NeuroemoNormal::next_uint64;
        g.seeded = true;
    }
    return random_standard_normal(&g.bitgen);
}
"""


def npyrandom_dir() -> Path | None:
    """Folder holding numpy's ``libnpyrandom.a``, or None if this numpy has none."""
    folder = Path(np.__file__).parent / "random" / "lib"
    return folder if (folder / "libnpyrandom.a").is_file() else None


def _cpp_code(owner) -> dict[str, str]:
    threads = b2.prefs.devices.cpp_standalone.openmp_threads
    code = CPP_CODE.replace("%THREADS%", str(max(1, threads)))
    code = code.replace("%THREAD%", "omp_get_thread_num()" if threads else "0")
    return {"support_code": code}


def _copy_implementation(function: b2.Function, source: b2.Function, target) -> None:
    impl = source.implementations[target]
    function.implementations.add_implementation(
        target, code=impl.get_code(None), namespace=impl.get_namespace(None),
        name=impl.name, dependencies=impl.dependencies, compiler_kwds=impl.compiler_kwds)


def standard_normal_function() -> b2.Function:
    """The ``standard_normal()`` Function for a network's namespace (see module docstring).

    Returns
    -------
    brian2.Function
        Stateful, auto-vectorised like ``randn``; C++ standalone uses numpy's ziggurat.
    """
    randn = DEFAULT_FUNCTIONS["randn"]
    function = b2.Function(pyfunc=np.random.randn, arg_units=[], return_unit=1,
                           stateless=False, auto_vectorise=True)
    from brian2.codegen.generators.cython_generator import CythonCodeGenerator
    from brian2.codegen.generators.numpy_generator import NumpyCodeGenerator

    for target in (NumpyCodeGenerator, CythonCodeGenerator):
        _copy_implementation(function, randn, target)
    if "brian2cuda" in sys.modules:  # cuda_standalone: brian2cuda's cuRAND randn
        from brian2cuda.codeobject import CUDAStandaloneCodeObject
        from brian2cuda.cuda_generator import CUDACodeGenerator

        for target in (CUDAStandaloneCodeObject, CUDACodeGenerator):
            _copy_implementation(function, randn, target)
    folder = npyrandom_dir()
    if folder is None:
        logger.warning("numpy's libnpyrandom.a was not found: C++ standalone draws the noise "
                       "with Brian2's randn (same distribution, slower).")
        function.implementations.add_dynamic_implementation(
            CPPStandaloneCodeObject,
            code=lambda owner: randn.implementations[CPPStandaloneCodeObject].get_code(owner),
            namespace=lambda owner: {}, name="_randn")
        return function
    function.implementations.add_dynamic_implementation(
        CPPStandaloneCodeObject, code=_cpp_code, namespace=lambda owner: {},
        name="_standard_normal",
        compiler_kwds={"headers": ["<random>", "<numpy/random/bitgen.h>"],
                       "include_dirs": [np.get_include()],
                       "library_dirs": [str(folder)], "libraries": ["npyrandom"]})
    return function
