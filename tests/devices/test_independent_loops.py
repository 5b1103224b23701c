"""brainsim.devices.speedups.independent_loops: the ``#pragma GCC ivdep`` marking of a generated loop."""

from __future__ import annotations

import shutil

import brian2 as b2
import numpy as np
import pytest
from brian2 import second

from brainsim.devices import get_backend
from brainsim.devices.speedups import Speedups, independent_loops
from brainsim.devices.speedups.independent_loops import (
    IndependentLoopCodeObject,
    independent_loop_class,
    mark_independent,
)
from brainsim.experiment.protocol import Protocol, standard_phases
from brainsim.experiment.runner import structure_for, values_for

CODE = """
    const int _N = N;
    for(int _idx=0; _idx<_N; _idx++)
    {
        x[_idx] = y[k[_idx]];
    }
"""


def test_the_pragma_goes_right_before_the_main_loop():
    marked = mark_independent(CODE)
    lines = marked.strip().splitlines()
    assert lines[1] == "    #pragma GCC ivdep" and lines[2].lstrip().startswith("for(int _idx=0")
    assert marked.replace("    #pragma GCC ivdep\n", "") == CODE


@pytest.mark.parametrize("code", ["x = 1;", CODE + CODE])
def test_a_changed_template_is_an_error_not_a_silent_no_op(code):
    with pytest.raises(RuntimeError, match="Brian2's template changed"):
        mark_independent(code)


def test_an_openmp_loop_is_refused():
    omp = CODE.replace("    for(", "    #pragma omp parallel for schedule(static)\n    for(")
    with pytest.raises(RuntimeError, match="OpenMP"):
        mark_independent(omp)


def test_only_plain_single_thread_cpp_standalone_gets_the_marked_code_object():
    assert independent_loop_class() is None  # runtime device
    b2.devices.reinit_devices()
    b2.set_device("cpp_standalone", build_on_run=False)
    try:
        assert independent_loop_class() is IndependentLoopCodeObject
        b2.prefs.devices.cpp_standalone.openmp_threads = 2
        assert independent_loop_class() is None
    finally:
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.devices.reinit_devices()
        b2.set_device("runtime")


def test_generated_run_regularly_code_is_marked(tmp_path):
    """Brian2's run_regularly template, through the marked code object: one pragma, right
    before the loop over the neurons (generated, not compiled)."""
    b2.devices.reinit_devices()
    b2.set_device("cpp_standalone", directory=str(tmp_path), build_on_run=False)
    try:
        group = b2.NeuronGroup(10, "x : 1\ny : 1")
        group.run_regularly("x = y + 1", codeobj_class=independent_loop_class(),
                            name="marked")
        b2.Network(group).run(0.1 * b2.ms)
        b2.device.build(directory=str(tmp_path), compile=False, run=False,
                        with_output=False)
        code = (tmp_path / "code_objects" / "marked_codeobject.cpp").read_text()
        assert code.count("#pragma GCC ivdep") == 1
        after = code.split("#pragma GCC ivdep", 1)[1].lstrip()
        assert after.startswith("for(int _idx=0")
        assert independent_loops.MAIN_LOOP.search(code)
    finally:
        b2.devices.reinit_devices()
        b2.set_device("runtime")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.cpp_standalone
def test_marked_and_unmarked_builds_give_the_same_spikes(tmp_path):
    """The marking only lets gcc vectorise: a small network (scale 0.25, 0.5 s, depressed,
    with rewards and a sentence-free schedule) compiled with and without it gives the same
    spikes, spike for spike, and the same final weights."""
    p = Protocol(name="marked", profile="depressed", duration=0.5 * second, scale=0.25,
                 phases=standard_phases(0.5 * second), seed=3)
    outputs = []
    for label, marking in (("marked", True), ("unmarked", False)):
        structure = structure_for(p)
        values = values_for(p, structure, None)
        build = get_backend("cpp_standalone", build_root=tmp_path / label,
                            speedups=Speedups(independent_loops=marking)).prepare(
            structure, values, report=None)
        try:
            code = (build.directory / "code_objects"
                    / "neurons_slow_update_codeobject.cpp").read_text()
            assert ("#pragma GCC ivdep" in code) == marking
            outputs.append(build.run(values))
        finally:
            build.close()
    marked, unmarked = outputs
    for region, (i, t) in marked.spikes.items():
        assert np.array_equal(i, unmarked.spikes[region][0]), region
        assert np.array_equal(t, unmarked.spikes[region][1]), region
    assert sum(len(i) for i, _ in marked.spikes.values()) > 100
    assert marked.final_weights_pA
    for name, w in marked.final_weights_pA.items():
        assert np.array_equal(w, unmarked.final_weights_pA[name]), name


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.cpp_standalone
def test_an_openmp_build_compiles_and_runs(tmp_path):
    """With OpenMP threads the modulation update stays Brian2's own OpenMP loop (a pragma
    between ``#pragma omp parallel for`` and its loop would not compile)."""
    p = Protocol(name="omp", profile="healthy", duration=0.2 * second, scale=0.25,
                 phases=standard_phases(0.2 * second), seed=1)
    structure = structure_for(p)
    values = values_for(p, structure, None)
    build = get_backend("cpp_standalone", threads=2, build_root=tmp_path).prepare(
        structure, values, report=None)
    try:
        code = (build.directory / "code_objects"
                / "neurons_slow_update_codeobject.cpp").read_text()
        assert "#pragma omp" in code and "#pragma GCC ivdep" not in code
        out = build.run(values)
    finally:
        build.close()
    assert sum(len(i) for i, _ in out.spikes.values()) > 0
