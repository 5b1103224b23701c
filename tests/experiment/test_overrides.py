"""brainsim.experiment.overrides: one dotted vocabulary for protocols, --set and sweeps."""

from __future__ import annotations

import brian2 as b2
import pytest
from brian2 import ms, mV, pA, second

from brainsim.errors import ConfigError
from brainsim.experiment.overrides import (
    check_overrides,
    parse_assignment,
    split_overrides,
    vocabulary,
)
from brainsim.experiment.protocol import Protocol, standard_phases
from brainsim.experiment.runner import structure_for, values_for
from brainsim.sweep import Sweep

D = 0.2 * second


def protocol(**parameters) -> Protocol:
    return Protocol(name="o", profile="healthy", duration=D, phases=standard_phases(D),
                    scale=0.25, parameters=parameters)


def test_vocabulary_covers_neurons_network_plasticity_and_dopamine():
    names = vocabulary()
    assert {"amygdala.sigma_v", "striatum.tau_m", "network.tau_e", "plasticity.eta",
            "dopamine.tau_dopamine", "dopamine.reward_sensitivity"} <= set(names)
    assert b2.have_same_dimensions(names["plasticity.eta"], pA / second)
    assert b2.have_same_dimensions(names["dopamine.reward_sensitivity"], 1)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"amygdala.sigma": 4 * mV}, "Did you mean 'amygdala.sigma_v'"),
    ({"amygdala.tau_e": 4 * ms}, "network-wide"),
    ({"plasticity.eta": 4 * mV}, "wrong units"),
    ({"dopamine.tau_dopamine": -1 * ms}, "must be > 0"),
    ({"dopamine.reward_sensitivity": float("inf")}, "NaN or infinite"),
    ({"amygdala": {"sigma_v": 4 * mV}}, "dotted names, e.g. {'amygdala.sigma_v'"),
    ({"pfc.sigma_v": "4mV"}, "a number with units"),
])
def test_bad_overrides_name_the_problem(overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("{", r"\{")):
        check_overrides(overrides)


def test_set_assignments_parse_units():
    assert parse_assignment("amygdala.sigma_v=4mV") == ("amygdala.sigma_v", 4 * mV)
    name, value = parse_assignment(" plasticity.eta = 30 pA/second ")
    assert name == "plasticity.eta" and value == 30 * pA / second
    assert parse_assignment("dopamine.reward_sensitivity=0.8") == (
        "dopamine.reward_sensitivity", 0.8)
    for bad, message in (("amygdala.sigma_v", "NAME=VALUE"), ("network.tau_e=fast", "not a number"),
                         ("network.tau_e=6 parsecs", "unknown unit")):
        with pytest.raises(ConfigError, match=message):
            parse_assignment(bad)


def test_every_kind_of_override_reaches_the_network_values():
    p = protocol(**{"amygdala.sigma_v": 4 * mV, "network.tau_e": 6 * ms,
                    "plasticity.eta": 30 * pA / second, "dopamine.tau_dopamine": 300 * ms})
    structure = structure_for(p)
    values = values_for(p, structure, None)
    a, b = structure.offsets["amygdala"]
    assert all(v == 4 * mV for v in values.neuron_arrays["sigma_v"][a:b])
    assert values.neuron_arrays["sigma_v"][0] != 4 * mV  # PFC keeps its own
    assert values.network_constants["tau_e"] == 6 * ms
    assert values.plasticity["eta"] == 30 * pA / second
    assert values.modulator_shared["tau_dopamine"] == 300 * ms
    neuron, plasticity, dopamine = split_overrides(p.parameters)
    assert neuron == {"amygdala": {"sigma_v": 4 * mV}, "network": {"tau_e": 6 * ms}}
    assert plasticity == {"eta": 30 * pA / second} and dopamine == {"tau_dopamine": 300 * ms}


def test_sweeps_use_the_same_names():
    s = Sweep(protocol(), grid={"plasticity.eta": [10 * pA / second, 40 * pA / second]})
    assert [s.protocol_for(k).parameters["plasticity.eta"] for k in range(2)] == [
        10 * pA / second, 40 * pA / second]
    with pytest.raises(ConfigError, match="unknown sweep parameter 'plasticity.etta'"):
        Sweep(protocol(), grid={"plasticity.etta": [1]})


def test_set_option_reaches_the_results(tmp_path):
    import json

    from brainsim.cli import main

    out = tmp_path / "run"
    code = main(["run", "protocols/emotional_response.py", "--backend", "runtime",
                 "--runtime-target", "numpy", "--duration", "0.1s", "--scale", "0.25",
                 "--set", "plasticity.eta=30pA/second", "--set", "amygdala.sigma_v=4mV",
                 "--no-figures", "--quiet", "--out", str(out)])
    assert code == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["protocol"]["parameters"] == {"plasticity.eta": "30. pA/s",
                                              "amygdala.sigma_v": "4. mV"}
    assert main(["run", "protocols/emotional_response.py", "--set", "amygdala.sigma=4mV",
                 "--out", str(tmp_path / "bad")]) == 2
    assert not (tmp_path / "bad").exists()
