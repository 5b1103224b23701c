"""run_args carry only what differs from the values a standalone build was generated with."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import ms

from brainsim import Protocol, standard_phases
from brainsim.experiment.runner import structure_for, values_for
from brainsim.model.network import BrianNetwork

D = 100 * ms


@pytest.fixture(scope="module")
def network():
    base = Protocol(name="args", profile="healthy", duration=D, scale=0.25,
                    phases=standard_phases(D))
    structure = structure_for(base)
    built = values_for(base, structure, None)
    bn = BrianNetwork(structure, built)  # runtime device: nothing is generated
    return structure, built, bn


def names(args: dict) -> set[str]:
    return {getattr(var, "name", None) for var in args}


def test_same_values_pass_nothing(network):
    structure, built, bn = network
    assert len(bn.run_args(built)) == len(bn.value_assignments(built)) > 40
    same = values_for(Protocol(name="args", profile="healthy", duration=D, scale=0.25,
                               phases=standard_phases(D)), structure, None)
    assert same is not built and bn.run_args(same, built=built) == {}
    # another seed: the C++ generators get it from the environment; of the run_args only
    # the values drawn from it change (initial membrane potentials, sensory input)
    reseeded = values_for(Protocol(name="args", profile="healthy", duration=D, scale=0.25,
                                   phases=standard_phases(D), seed=7), structure, None)
    assert names(bn.run_args(reseeded, built=built)) == {"v", "sensory_rate"}


def test_changed_values_pass_exactly_those(network):
    structure, built, bn = network
    other = values_for(Protocol(name="args", profile="depressed", duration=D, scale=0.25,
                                phases=standard_phases(D)), structure, None)
    changed = bn.run_args(other, built=built)
    # a profile is levels and input statistics: the modulator table and the sensory input
    assert {"serotonin", "dopamine_tonic", "norepinephrine"} <= names(changed)
    assert "w" not in names(changed) and "tau_m" not in names(changed)
    # one parameter of one region: only that per-neuron array
    edited = values_for(Protocol(name="args", profile="healthy", duration=D, scale=0.25,
                                 phases=standard_phases(D),
                                 parameters={"amygdala.sigma_v": 4 * b2.mV}),
                        structure, None)
    assert names(bn.run_args(edited, built=built)) <= {"sigma_v", "noise_kick"}
    assert "sigma_v" in names(bn.run_args(edited, built=built))


@pytest.mark.slow
@pytest.mark.cpp_standalone
def test_network_wide_overrides_reuse_the_compiled_program(tmp_path):
    """A protocol that sets a network-wide constant runs on the build of its structure
    without recompiling anything (main.cpp is generated from the defaults,
    NetworkValues.with_default_shared), whichever protocol prepared the build, and gives the
    same spikes either way."""
    from brainsim.devices import get_backend

    def make(**kwargs) -> Protocol:
        return Protocol(name="args", profile="healthy", duration=2 * D, scale=0.25,
                        phases=standard_phases(2 * D), **kwargs)

    base, edited = make(), make(parameters={"network.tau_e": 8 * ms})
    structure = structure_for(base)
    backend = get_backend("cpp_standalone", build_root=tmp_path)
    assert backend.build_directory(structure_for(edited)) == backend.build_directory(structure)
    base_values = values_for(base, structure, None)
    edited_values = values_for(edited, structure, None)
    build = backend.prepare(structure, base_values, report=None)
    from_base = build.run(edited_values)
    unedited = build.run(base_values)
    main_o = build.directory / "main.o"
    compiled_at = main_o.stat().st_mtime_ns
    build = backend.prepare(structure, edited_values, report=None)  # regenerates the code
    try:
        from_edited = build.run(edited_values)
    finally:
        build.close()
    assert main_o.stat().st_mtime_ns == compiled_at  # make found nothing to recompile
    for region, (i, t) in from_edited.spikes.items():
        assert np.array_equal(i, from_base.spikes[region][0])
        assert np.array_equal(np.asarray(t), np.asarray(from_base.spikes[region][1]))
    assert sum(len(i) for i, _ in from_edited.spikes.values()) != sum(
        len(i) for i, _ in unedited.spikes.values())  # the override took effect
