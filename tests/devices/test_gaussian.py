"""``standard_normal()`` (brainsim.devices.speedups.gaussian): Brian2's randn on the runtime targets; in C++
standalone Philox4x32-10 and Box–Muller, filled a buffer at a time. Either way standard
normal numbers, reproducible from the seed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import brian2 as b2
import numpy as np
import pytest
from scipy import stats

from brainsim.devices.speedups import gaussian
from brainsim.devices.speedups.gaussian import standard_normal_function

needs_gcc = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")


def _draw(expression: str, n: int, seed: int) -> np.ndarray:
    b2.seed(seed)
    group = b2.NeuronGroup(n, "x : 1", namespace={"standard_normal": standard_normal_function()})
    group.run_regularly(f"x = {expression}", dt=0.1 * b2.ms)
    b2.Network(group).run(0.1 * b2.ms)
    return np.asarray(group.x[:])


@pytest.mark.parametrize("target", ["numpy", pytest.param("cython", marks=pytest.mark.slow)])
def test_runtime_is_brians_randn(target):
    """On the runtime targets it is randn itself: the same stream for the same seed."""
    before = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    try:
        assert np.array_equal(_draw("standard_normal()", 1000, 7), _draw("randn()", 1000, 7))
        assert not np.array_equal(_draw("standard_normal()", 1000, 7),
                                  _draw("standard_normal()", 1000, 8))
    finally:
        b2.prefs.codegen.target = before


M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85


def philox4x32_10(counter: np.ndarray, key: tuple[int, int]) -> np.ndarray:
    """Reference Philox4x32-10 in numpy, straight from the paper's round function:
    counters of shape (n, 4), uint32; returns (n, 4) uint32."""
    c = [counter[:, w].astype(np.uint64) for w in range(4)]
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    mask = np.uint64(0xFFFFFFFF)
    for _ in range(10):
        p0, p1 = np.uint64(M0) * c[0], np.uint64(M1) * c[2]
        c = [((p1 >> np.uint64(32)) ^ c[1] ^ k0) & mask, p1 & mask,
             ((p0 >> np.uint64(32)) ^ c[3] ^ k1) & mask, p0 & mask]
        k0, k1 = (k0 + np.uint64(W0)) & mask, (k1 + np.uint64(W1)) & mask
    return np.stack(c, axis=1).astype(np.uint32)


#: Known-answer vectors published with the Random123 library (Salmon et al., SC'11):
#: counter, key, output, all as 32-bit words.
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KNOWN_ANSWERS)
def test_reference_philox_gives_the_published_answers(counter, key, expected):
    out = philox4x32_10(np.array([counter], dtype=np.uint32), key)
    assert tuple(int(x) for x in out[0]) == expected


def expected_numbers(key: tuple[int, int], refills: int) -> np.ndarray:
    """The stream the C++ code must produce for ``key``: per refill ``b``, pair ``j`` from
    the counter (j, b, 0, 0), 53-bit uniforms, Box–Muller, cosines then sines."""
    half = gaussian.BUFFER // 2
    out = []
    for b in range(refills):
        counter = np.zeros((half, 4), dtype=np.uint32)
        counter[:, 0] = np.arange(half)
        counter[:, 1] = b
        w = philox4x32_10(counter, key).astype(np.float64)
        u1 = (np.floor(w[:, 0] / 32) * 67108864.0 + np.floor(w[:, 1] / 64) + 0.5) / 2.0**53
        u2 = (np.floor(w[:, 2] / 32) * 67108864.0 + np.floor(w[:, 3] / 64)) / 2.0**53
        r = np.sqrt(-2 * np.log(u1))
        out += [r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)]
    return np.concatenate(out)


PROGRAM = """
#include <cstdint>
#include <cstdio>
#include <cmath>
namespace brian { struct _Unused { double rand() { return 0.0; } }; _Unused _random_generators[1]; }
%CODE%
int main() {
    _neuroemo_normal[0].key0 = %KEY0%u;
    _neuroemo_normal[0].key1 = %KEY1%u;
    _neuroemo_normal[0].seeded = true;
    for (int k = 0; k < %COUNT%; ++k) std::printf("%.17g\\n", _standard_normal(k));
}
"""


@needs_gcc
def test_cpp_stream_is_philox_and_box_muller(tmp_path):
    """The C++ support code, compiled with Brian2's own gcc flags, produces exactly the
    reference stream (within the vector maths' few ulp). Whether gcc calls glibc's vector
    ``log``/``sin``/``cos`` depends on the CPU: ``benchmarks/bench.py vectorisation``."""
    key, refills = (0x12345678, 0x9ABCDEF0), 3
    code = (PROGRAM.replace("%CODE%", gaussian.cpp_code(0)).replace("%KEY0%", str(key[0]))
            .replace("%KEY1%", str(key[1])).replace("%COUNT%", str(refills * gaussian.BUFFER)))
    (tmp_path / "main.cpp").write_text(code)
    flags = [f for f in b2.prefs.codegen.cpp.extra_compile_args_gcc if f != "-w"]
    subprocess.run(["g++", *flags, "main.cpp", "-o", "main", "-lm"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=300)
    printed = subprocess.run(["./main"], cwd=tmp_path, check=True, capture_output=True,
                             text=True, timeout=60).stdout.split()
    got = np.array([float(x) for x in printed])
    np.testing.assert_allclose(got, expected_numbers(key, refills), rtol=1e-12, atol=1e-13)


SCRIPT = """
import sys
import brian2 as b2
import numpy as np
from brainsim.devices.speedups.gaussian import standard_normal_function

directory, out = sys.argv[1], sys.argv[2]
b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
b2.seed(11)
group = b2.NeuronGroup(200_000, "x : 1",
                       namespace={"standard_normal": standard_normal_function()})
group.run_regularly("x = standard_normal()", dt=0.1*b2.ms)
net = b2.Network(group)
net.run(0.1*b2.ms)
b2.device.build(directory=directory, compile=True, run=True, with_output=False)
first = np.asarray(group.x[:]).copy()
b2.device.run(directory=directory, with_output=False, run_args={})
second = np.asarray(group.x[:])
np.save(out, np.stack([first, second]))
"""


@pytest.mark.slow
@needs_gcc
@pytest.mark.cpp_standalone
def test_cpp_standalone_draws_standard_normal_numbers(tmp_path):
    """200,000 numbers from a compiled build: standard normal (Kolmogorov–Smirnov, moments,
    the tail beyond 3.5 sd), uncorrelated with the next number and with the other number of
    their Box–Muller pair, and the same numbers when the binary runs again with the same
    seed."""
    out = tmp_path / "x.npy"
    subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path / "b"),
                    str(out)], check=True, capture_output=True, timeout=600)
    code = next((tmp_path / "b" / "code_objects").glob("*run_regularly*.cpp")).read_text()
    assert "_neuroemo_normal" in code and "_randn(" not in code
    first, second = np.load(out)
    assert np.array_equal(first, second)
    assert stats.kstest(first, "norm").pvalue > 1e-3
    assert abs(first.mean()) < 0.01 and abs(first.std() - 1) < 0.01
    assert abs(stats.skew(first)) < 0.03 and abs(stats.kurtosis(first)) < 0.06
    # P(|x| > 3.5) = 4.65e-4: 93 expected of 200,000 (sd 9.6)
    tail = int(np.sum(np.abs(first) > 3.5))
    assert 55 < tail < 135, json.dumps({"tail": tail})
    half = gaussian.BUFFER // 2
    blocks = first[: len(first) // gaussian.BUFFER * gaussian.BUFFER].reshape(-1, 2, half)
    pair_r = np.corrcoef(blocks[:, 0].ravel(), blocks[:, 1].ravel())[0, 1]
    next_r = np.corrcoef(first[:-1], first[1:])[0, 1]
    # 5 standard errors of a correlation over ~100,000 pairs
    assert abs(pair_r) < 0.016 and abs(next_r) < 0.012, (pair_r, next_r)
