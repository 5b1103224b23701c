"""The environment of a standalone program's run (brainsim.devices.standalone.program_environment):
the run's seed and glibc's huge-page tunable, and nothing left behind in ``os.environ``."""

from __future__ import annotations

import os

import numpy as np
import pytest
from brian2 import second

from brainsim import Protocol, standard_phases
from brainsim.devices import get_backend
from brainsim.devices.standalone import HUGE_PAGES_TUNABLE, program_environment
from brainsim.experiment.runner import structure_for, values_for


def test_seed_and_huge_pages(monkeypatch):
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    assert program_environment(7) == {"NEUROEMO_SEED": "7",
                                      "GLIBC_TUNABLES": HUGE_PAGES_TUNABLE}


def test_the_users_tunables_are_kept(monkeypatch):
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")
    assert program_environment(1)["GLIBC_TUNABLES"] == (
        f"glibc.malloc.arena_max=2:{HUGE_PAGES_TUNABLE}")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0")  # the user's choice wins
    assert program_environment(1)["GLIBC_TUNABLES"] == "glibc.malloc.hugetlb=0"


@pytest.mark.slow
@pytest.mark.cpp_standalone
@pytest.mark.parametrize("before", [None, "glibc.malloc.arena_max=2"])
def test_a_run_leaves_the_environment_as_it_was(monkeypatch, before):
    """Brian2 copies a run's variables into ``os.environ``; brainsim puts back what was
    there (the second run also checks that a run with a set ``GLIBC_TUNABLES`` works)."""
    if before is None:
        monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    else:
        monkeypatch.setenv("GLIBC_TUNABLES", before)
    monkeypatch.delenv("NEUROEMO_SEED", raising=False)
    p = Protocol(name="env", profile="healthy", duration=0.2 * second, scale=0.25,
                 phases=standard_phases(0.2 * second), seed=2)
    structure = structure_for(p)
    values = values_for(p, structure, None)
    build = get_backend("cpp_standalone").prepare(structure, values, report=None)
    try:
        out = build.run(values)
    finally:
        build.close()
    assert sum(len(i) for i, _ in out.spikes.values()) > 0
    assert np.isfinite(out.timings_s["run_s"])
    assert os.environ.get("GLIBC_TUNABLES") == before
    assert "NEUROEMO_SEED" not in os.environ


def test_the_cython_checks_include_folder_does_not_reach_standalone_builds():
    """Brian2's Cython availability check appends ``brian2/synapses`` to the global include
    preference on its first compile; a standalone build must not see it (its makefile would
    differ from the same build's in other processes, and sweeps would recompile)."""
    import brian2 as b2
    import brian2.synapses

    from brainsim.devices.standalone import remove_cython_check_include_dir

    stray = os.path.dirname(brian2.synapses.__file__)
    before = list(b2.prefs.codegen.cpp.include_dirs)
    try:
        b2.prefs.codegen.cpp.include_dirs = [*before, stray]
        remove_cython_check_include_dir()
        assert b2.prefs.codegen.cpp.include_dirs == before
    finally:
        b2.prefs.codegen.cpp.include_dirs = before
