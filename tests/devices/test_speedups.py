"""brainsim.devices.speedups: chosen per backend or by environment, applied by the device
after the model has built the network, and (all but the Philox stream) spike for spike
the same as plain Brian2."""

from __future__ import annotations

import shutil
from dataclasses import fields

import brian2 as b2
import numpy as np
import pytest
from brian2 import second

from brainsim.devices import get_backend
from brainsim.devices.speedups import GCC_VECTORISE_FLAG, TIME_COMPARISON_REFRACTORY, Speedups
from brainsim.errors import ConfigError
from brainsim.experiment.protocol import Protocol, standard_phases
from brainsim.experiment.runner import structure_for, values_for
from brainsim.model.network import BrianNetwork

NAMES = [f.name for f in fields(Speedups)]


def test_environment_turns_speedups_off(monkeypatch):
    monkeypatch.delenv("NEUROEMO_SPEEDUPS_OFF", raising=False)
    assert Speedups.from_environment() == Speedups()
    monkeypatch.setenv("NEUROEMO_SPEEDUPS_OFF", "philox_normal, huge_pages")
    chosen = Speedups.from_environment()
    assert not chosen.philox_normal and not chosen.huge_pages and chosen.named_clocks
    monkeypatch.setenv("NEUROEMO_SPEEDUPS_OFF", "all")
    assert not any(getattr(Speedups.from_environment(), n) for n in NAMES)
    monkeypatch.setenv("NEUROEMO_SPEEDUPS_OFF", "warp_drive")
    with pytest.raises(ConfigError, match="unknown speed-ups \\['warp_drive'\\]"):
        Speedups.from_environment()


def test_fingerprint_names_the_build():
    prints = {Speedups(**{n: n != off for n in NAMES}).fingerprint() for off in NAMES}
    assert len(prints) == len(NAMES) and Speedups().fingerprint() not in prints


def test_compiler_flag_follows_the_choice():
    before = list(b2.prefs.codegen.cpp.extra_compile_args_gcc)
    try:
        Speedups().configure_compiler()
        Speedups().configure_compiler()
        assert b2.prefs.codegen.cpp.extra_compile_args_gcc.count(GCC_VECTORISE_FLAG) == 1
        Speedups(alias_checks=False).configure_compiler()
        assert GCC_VECTORISE_FLAG not in b2.prefs.codegen.cpp.extra_compile_args_gcc
    finally:
        b2.prefs.codegen.cpp.extra_compile_args_gcc = before


def _protocol(duration=0.3 * second) -> Protocol:
    return Protocol(name="speedups", profile="anxious", duration=duration, scale=0.25,
                    phases=standard_phases(duration), seed=5)


def test_install_changes_only_the_device_side_of_the_network():
    """On the runtime device only the refractoriness rule is swapped; the model built plain
    Brian2 (randn, refractory="tau_ref", brian2.Clock)."""
    p = _protocol()
    structure = structure_for(p)
    bn = BrianNetwork(structure, values_for(p, structure, None))
    assert bn.neurons._refractory == "tau_ref"
    assert type(bn.neurons.clock) is b2.Clock
    kick = next(o for o in bn.neurons.contained_objects if o.name.endswith("_noise_kick"))
    assert "randn()" in kick.abstract_code
    Speedups().install(bn.neurons, standalone=False)
    assert bn.neurons._refractory == TIME_COMPARISON_REFRACTORY
    assert "randn()" in kick.abstract_code  # Philox is for C++ standalone only
    Speedups().install(bn.neurons, standalone=True)
    assert "standard_normal()" in kick.abstract_code


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.cpp_standalone
def test_speedups_leave_every_spike_as_it_was(tmp_path):
    """cpp_standalone with every speed-up against none but the Philox stream (which draws
    other numbers): the same spikes and final weights, bit for bit."""
    p = _protocol()
    structure = structure_for(p)
    values = values_for(p, structure, None)
    plain = Speedups(**{n: n == "philox_normal" for n in NAMES})
    outputs = []
    for label, chosen in (("all", Speedups()), ("plain", plain)):
        build = get_backend("cpp_standalone", build_root=tmp_path / label,
                            speedups=chosen).prepare(structure, values, report=None)
        try:
            outputs.append(build.run(values))
        finally:
            build.close()
    fast, slow = outputs
    assert sum(len(i) for i, _ in fast.spikes.values()) > 100
    for region, (i, t) in fast.spikes.items():
        assert np.array_equal(i, slow.spikes[region][0]), region
        assert np.array_equal(t, slow.spikes[region][1]), region
    for name, w in fast.final_weights_pA.items():
        assert np.array_equal(w, slow.final_weights_pA[name]), name
