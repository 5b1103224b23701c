"""``standard_normal()``: the Gaussian numbers of the noise kick, as a Brian2 ``Function``.

It is Brian2's ``randn()`` on every target except C++ standalone. There Brian2 draws one
number at a time with Marsaglia's polar method (two Mersenne-twister numbers, a rejection
loop, a ``log`` and a ``sqrt`` per pair), which no
compiler can vectorise. brainsim's C++ implementation instead fills a buffer of 1024 numbers
at a time with two loops that gcc vectorises:

1. **Philox4x32-10** (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
   1, 2, 3", SC'11; the generator behind cuRAND's and JAX's default streams): a counter-based
   generator, ten rounds of two 32×32→64-bit multiplications, written here from the paper's
   description and checked against its published known-answer vectors
   (``tests/devices/test_gaussian.py``). Pair ``j`` of refill ``b`` is the output for the counter
   ``(j, b mod 2**32, b div 2**32, 0)`` under a 64-bit key drawn on first use from Brian2's
   generator of the same thread, so that the run's seed fixes the stream. Each output gives
   two uniform numbers of 53 bits, the first in (0, 1), the second in [0, 1).
2. **Box–Muller**: ``r = sqrt(-2 log u1)``, numbers ``r cos(2π u2)`` and ``r sin(2π u2)``,
   an exact transform to two independent standard normal numbers (no rejection, so no
   branch). gcc vectorises ``log``, ``sin`` and ``cos`` through glibc's vector math library
   (libmvec, ≤ 4 ulp) where it exists (Linux, x86-64); elsewhere the loop calls the scalar
   functions (same numbers within rounding, slower). With 53-bit ``u1`` the largest number is
   8.57, the tail exact up to there.

``python benchmarks/bench.py normal`` measures the cost per number against Brian2's
``randn()``; what it bought: docs/optimisations.md. The numbers are exact standard normal
either way, only the stream differs.

Targets: numpy and Cython use Brian2's ``randn`` implementations unchanged (the same
buffers, so the same stream as ``randn()``); ``cuda_standalone`` uses brian2cuda's (cuRAND),
added when brian2cuda has been imported.
"""

from __future__ import annotations

import ctypes.util
import functools
import platform
import sys

import brian2 as b2
import numpy as np
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

#: Name of the function in the equations.
NAME = "standard_normal"

#: Numbers per refill of a thread's buffer (even: Box–Muller gives them in pairs).
BUFFER = 1024

#: glibc's vector variants of ``log``, ``sin`` and ``cos`` (libmvec): declared under names
#: of our own bound to the C library's symbols, so that gcc vectorises the calls. glibc's
#: <math.h> declares them itself only under ``-ffinite-math-only``, which Brian2's flags
#: turn off (``-fno-finite-math-only``); Box–Muller's arguments are finite by construction.
VECTOR_MATH = """
extern "C" {
__attribute__((simd("notinbranch"), const, nothrow)) double _neuroemo_log(double) __asm__("log");
__attribute__((simd("notinbranch"), const, nothrow)) double _neuroemo_sin(double) __asm__("sin");
__attribute__((simd("notinbranch"), const, nothrow)) double _neuroemo_cos(double) __asm__("cos");
}
"""
SCALAR_MATH = """
static inline double _neuroemo_log(double x) { return std::log(x); }
static inline double _neuroemo_sin(double x) { return std::sin(x); }
static inline double _neuroemo_cos(double x) { return std::cos(x); }
"""

#: C++ support code; ``%MATH%``, ``%BUFFER%``, ``%THREADS%`` and ``%THREAD%`` are filled in
#: per build (vector maths where libmvec exists, OpenMP threads).
CPP_CODE = """
%MATH%
namespace {
// Philox4x32-10 (Salmon et al., SC'11) and Box-Muller; see brainsim/devices/speedups/gaussian.py
struct _NeuroemoNormal {
    static const int SIZE = %BUFFER%;
    double numbers[SIZE];
    double u1[SIZE / 2], u2[SIZE / 2];
    int next = SIZE;
    uint32_t key0 = 0, key1 = 0;
    uint64_t refills = 0;
    bool seeded = false;
    void refill() {
        const uint32_t b0 = (uint32_t)refills, b1 = (uint32_t)(refills >> 32);
        const uint32_t k0 = key0, k1 = key1;
        for (int j = 0; j < SIZE / 2; ++j) {
            uint32_t c0 = (uint32_t)j, c1 = b0, c2 = b1, c3 = 0, a0 = k0, a1 = k1;
            #pragma GCC unroll 10
            for (int round = 0; round < 10; ++round) {
                const uint64_t p0 = (uint64_t)0xD2511F53u * c0;
                const uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
                const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ a0;
                const uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ a1;
                c0 = n0; c1 = (uint32_t)p1; c2 = n2; c3 = (uint32_t)p0;
                a0 += 0x9E3779B9u; a1 += 0xBB67AE85u;
            }
            // 53 bits each: 27 from the first word, 26 from the second
            u1[j] = ((double)(int32_t)(c0 >> 5) * 67108864.0 + (double)(int32_t)(c1 >> 6) + 0.5)
                    * (1.0 / 9007199254740992.0);
            u2[j] = ((double)(int32_t)(c2 >> 5) * 67108864.0 + (double)(int32_t)(c3 >> 6))
                    * (1.0 / 9007199254740992.0);
        }
        for (int j = 0; j < SIZE / 2; ++j) {
            const double r = std::sqrt(-2.0 * _neuroemo_log(u1[j]));
            const double angle = 6.283185307179586 * u2[j];
            numbers[j] = r * _neuroemo_cos(angle);
            numbers[SIZE / 2 + j] = r * _neuroemo_sin(angle);
        }
        ++refills;
        next = 0;
    }
};
_NeuroemoNormal _neuroemo_normal[%THREADS%];
}
inline double _standard_normal(const int _vectorisation_idx) {
    _NeuroemoNormal &g = _neuroemo_normal[%THREAD%];
    if (g.next == _NeuroemoNormal::SIZE) {
        if (!g.seeded) {
            // the key comes from Brian2's generator of this thread: the run's seed fixes it
            g.key0 = (uint32_t)(brian::_random_generators[%THREAD%].rand() * 4294967296.0);
            g.key1 = (uint32_t)(brian::_random_generators[%THREAD%].rand() * 4294967296.0);
            g.seeded = true;
        }
        g.refill();
    }
    return g.numbers[g.next++];
}
"""


@functools.cache
def vector_math() -> bool:
    """True where gcc can call glibc's vector ``log``/``sin``/``cos`` (Linux x86-64 with
    libmvec)."""
    return (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")
            and ctypes.util.find_library("mvec") is not None)


def cpp_code(threads: int = 0) -> str:
    """The C++ support code for ``threads`` OpenMP threads (0: no OpenMP)."""
    code = CPP_CODE.replace("%MATH%", VECTOR_MATH if vector_math() else SCALAR_MATH)
    code = code.replace("%BUFFER%", str(BUFFER))
    code = code.replace("%THREADS%", str(max(1, threads)))
    return code.replace("%THREAD%", "omp_get_thread_num()" if threads else "0")


def _cpp_code(owner) -> dict[str, str]:
    return {"support_code": cpp_code(b2.prefs.devices.cpp_standalone.openmp_threads)}


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
        Stateful, auto-vectorised like ``randn``; C++ standalone uses Philox4x32-10 and
        Box–Muller.
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
    function.implementations.add_dynamic_implementation(
        CPPStandaloneCodeObject, code=_cpp_code, namespace=lambda owner: {},
        name="_standard_normal",
        compiler_kwds={"headers": ["<cmath>", "<cstdint>"], "libraries": ["m"]})
    return function


def draw_randn_with_philox(runner) -> None:
    """Make the ``run_regularly`` operation ``runner`` draw its ``randn()`` numbers with
    :func:`standard_normal_function` (before the network runs: the code is generated then).

    On the runtime targets the numbers are the same as ``randn()``'s; in C++ standalone the
    same distribution from the Philox stream.
    """
    if "randn()" not in runner.abstract_code:
        raise RuntimeError(f"{runner.name} draws no randn(): nothing to replace")
    runner.abstract_code = runner.abstract_code.replace("randn()", f"{NAME}()")
    runner.group.namespace[NAME] = standard_normal_function()
