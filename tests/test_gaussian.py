"""``standard_normal()`` (brainsim.gaussian): Brian2's randn on the runtime targets, numpy's
ziggurat in C++ standalone; either way standard normal numbers, reproducible from the seed."""

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

from brainsim.gaussian import npyrandom_dir, standard_normal_function


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


def test_numpy_ships_the_ziggurat():
    """The C++ implementation links numpy's libnpyrandom.a; without it the build would fall
    back to the slower polar method, which this catches."""
    assert npyrandom_dir() is not None


SCRIPT = """
import json, sys
import brian2 as b2
import numpy as np
from brainsim.gaussian import standard_normal_function

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
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
def test_cpp_standalone_draws_standard_normal_numbers(tmp_path):
    """200,000 numbers from a compiled build: standard normal (Kolmogorov–Smirnov, moments,
    the tail beyond the ziggurat's base strip), drawn by numpy's ziggurat, and the same
    numbers when the binary runs again with the same seed."""
    out = tmp_path / "x.npy"
    subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path / "b"),
                    str(out)], check=True, capture_output=True, timeout=600)
    code = next((tmp_path / "b" / "code_objects").glob("*run_regularly*.cpp")).read_text()
    assert "random_standard_normal(" in code
    assert "-lnpyrandom" in (tmp_path / "b" / "makefile").read_text()
    first, second = np.load(out)
    assert np.array_equal(first, second)
    assert stats.kstest(first, "norm").pvalue > 1e-3
    assert abs(first.mean()) < 0.01 and abs(first.std() - 1) < 0.01
    assert abs(stats.skew(first)) < 0.03 and abs(stats.kurtosis(first)) < 0.06
    # |x| > r = 3.6541528853610088 comes from the tail algorithm: expected 51.6 of 200,000
    tail = int(np.sum(np.abs(first) > 3.6541528853610088))
    assert 25 < tail < 85, json.dumps({"tail": tail})
