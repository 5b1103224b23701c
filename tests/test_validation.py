"""Bad input gets a clear error before any Brian2 object is built."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from brian2 import Hz, ms, mV, pA, second

from brainsim.cli import main
from brainsim.devices import get_backend
from brainsim.errors import ConfigError
from brainsim.experiment.protocol import Phase, Protocol, standard_phases
from brainsim.experiment.protocol_files import (
    apply_overrides,
    load_protocol_file,
    parse_sentence,
    parse_time,
)
from brainsim.model.anatomy import build_anatomy
from brainsim.model.equations import check_modulation_expressions
from brainsim.model.profiles import Profile, get_profile


def make(**changes) -> Protocol:
    args = {"name": "t", "profile": "healthy", "duration": 1 * second}
    args.update(changes)
    return Protocol(**args)


@pytest.mark.parametrize("scale", [0, -1, float("nan"), float("inf")])
def test_bad_scale(scale):
    with pytest.raises(ConfigError, match="scale"):
        build_anatomy(scale)


def test_unknown_region_and_negative_sizes():
    with pytest.raises(ConfigError, match="Unknown region 'cortex'"):
        build_anatomy(1.0, sizes={"cortex": 10})
    with pytest.raises(ConfigError, match="positive integer"):
        build_anatomy(1.0, sizes={"pfc": -5})


def test_unknown_profile_lists_known_ones():
    with pytest.raises(ConfigError, match="healthy, depressed"):
        get_profile("melancholic")


@pytest.mark.parametrize("value", [float("nan"), -0.1, math.inf, "high"])
def test_bad_levels(value):
    with pytest.raises(ConfigError, match="serotonin"):
        Profile("p", value, 0.5, 0.5)


def test_region_level_overrides_are_checked():
    with pytest.raises(ConfigError, match="unknown region"):
        Profile("p", 0.5, 0.5, 0.5, region_levels={"cerebellum": {"dopamine": 0.2}})
    with pytest.raises(ConfigError, match="unknown neuromodulator"):
        Profile("p", 0.5, 0.5, 0.5, region_levels={"pfc": {"oxytocin": 0.2}})


def test_modulation_overrides():
    merged = check_modulation_expressions({"gain": "1 + 2*k_gain_ne*(norepinephrine - level_ref)"})
    assert merged["gain"].startswith("1 + 2*")
    with pytest.raises(ConfigError, match="Unknown modulation expression 'excitability'"):
        check_modulation_expressions({"excitability": "1"})
    with pytest.raises(ConfigError, match="unknown name"):
        check_modulation_expressions({"gain": "1 + k_gain_ne*(oxytocin - level_ref)"})
    with pytest.raises(ConfigError, match="units"):
        check_modulation_expressions({"threshold_shift": "k_gain_5ht*serotonin"})
    with pytest.raises(ConfigError, match="units"):
        check_modulation_expressions({"gain": "1 + k_theta_ne*norepinephrine"})


def test_unknown_backend():
    with pytest.raises(ConfigError, match="Unknown backend 'gpu'"):
        get_backend("gpu")


def test_protocol_times_and_units():
    with pytest.raises(ConfigError, match="must be a time with units"):
        make(duration=3)
    with pytest.raises(ConfigError, match="> 0"):
        make(duration=-1 * second)
    with pytest.raises(ConfigError, match="outside the run"):
        make(rewards=[(2 * second, 1.0)])
    with pytest.raises(ConfigError, match="after the end of the run"):
        make(phases=[Phase("late", 0.5 * second, 2 * second)])
    with pytest.raises(ConfigError, match="rate with units"):
        make(phases=[Phase("cues", 0 * second, 1 * second, threat_cue_rate=3)])
    with pytest.raises(ConfigError, match="ends"):
        make(phases=[Phase("backwards", 0.5 * second, 0.2 * second)])
    with pytest.raises(ConfigError, match="too coarse"):
        make(dt=2 * ms)


def test_parameter_overrides():
    assert make(parameters={"amygdala": {"sigma_v": 4 * mV}}).parameters
    with pytest.raises(ConfigError, match="wrong units"):
        make(parameters={"amygdala": {"sigma_v": 4 * pA}})
    with pytest.raises(ConfigError, match="Unknown parameter"):
        make(parameters={"amygdala": {"sigma": 4 * mV}})
    with pytest.raises(ConfigError, match="network-wide"):
        make(parameters={"amygdala": {"tau_e": 4 * ms}})
    with pytest.raises(ConfigError, match="NaN"):
        make(parameters={"pfc": {"sigma_v": float("nan") * mV}})
    assert make(parameters={"network": {"tau_e": 4 * ms}})


def test_sentences():
    with pytest.raises(ConfigError, match="after the run ends"):
        make(sentences=[("i feel strong", 2 * second)])
    with pytest.raises(ConfigError, match="empty"):
        make(sentences=[("  ", 0.2 * second)])
    s = parse_sentence("I feel strong@1.5s")
    assert s.text == "I feel strong" and float(s.onset) == 1.5
    with pytest.raises(ConfigError, match="SENTENCE@ONSET"):
        parse_sentence("no onset")


def test_parse_time():
    assert float(parse_time("500ms")) == pytest.approx(0.5)
    assert float(parse_time("2 s")) == 2.0
    assert float(parse_time("2*second")) == 2.0
    with pytest.raises(ConfigError, match="number with a unit"):
        parse_time("2 parsecs")


def test_duration_override_stretches_the_schedule():
    p = make(duration=4 * second, phases=standard_phases(4 * second),
             rewards=[(3 * second, 1.0)], sentences=[("i feel strong", 2 * second)])
    q = apply_overrides(p, duration=1 * second)
    assert float(q.phases[-1].end) == pytest.approx(1.0)
    assert float(q.rewards[0][0]) == pytest.approx(0.75)
    assert float(q.sentences[0].onset) == pytest.approx(0.5)
    assert float(q.phases[1].threat_cue_rate / Hz) == 3


def test_protocol_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_protocol_file(tmp_path / "missing.py")
    bad = tmp_path / "bad.py"
    bad.write_text("protocol = Protocol(\n")
    with pytest.raises(ConfigError, match="syntax error on line"):
        load_protocol_file(bad)
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(ConfigError, match="defines neither"):
        load_protocol_file(empty)
    no_duration = tmp_path / "no_duration.py"
    no_duration.write_text("from brainsim import Protocol\n"
                           "protocol = Protocol(name='x', profile='healthy')\n")
    with pytest.raises(ConfigError, match="duration"):
        load_protocol_file(no_duration)
    bad_profile = tmp_path / "bad_profile.py"
    bad_profile.write_text("from brian2 import second\nfrom brainsim import Protocol\n"
                           "protocol = Protocol(name='x', profile='sad', duration=1*second)\n")
    with pytest.raises(ConfigError, match="Unknown profile 'sad'"):
        load_protocol_file(bad_profile)


def run_cli(args, capsys):
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("args,message", [
    (["protocols/healthy.py", "--profile", "melancholic"], "Unknown profile"),
    (["protocols/missing.py"], "does not exist"),
    (["protocols/healthy.py", "--scale", "0"], "scale"),
    (["protocols/healthy.py", "--duration=-1s"], "positive"),
    (["protocols/healthy.py", "--duration", "soon"], "number with a unit"),
    (["protocols/healthy.py", "--dt", "0.3ms"], "does not divide the 1 ms step"),
    (["protocols/healthy.py", "--dt", "2ms"], "too coarse"),
    (["protocols/healthy.py", "--dt", "0.5"], "number with a unit"),
])
def test_cli_errors_write_nothing(args, message, capsys, tmp_path):
    out = tmp_path / "out"
    code, err = run_cli(["run", *args, "--out", str(out)], capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_existing_folder_before_simulating(capsys, tmp_path):
    out = tmp_path / "existing"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    code, err = run_cli(["run", "protocols/healthy.py", "--out", str(out)], capsys)
    assert code == 2 and "already exists" in err and "--force" in err
    assert (out / "keep.txt").read_text() == "earlier results"


def test_cli_unwritable_output(capsys, tmp_path, monkeypatch):
    """A folder the user cannot write to is refused before anything is built. CI runs as
    root, for whom chmod does not take write access away, so the check is made to see the
    folder as read-only through ``os.access``."""
    import os

    from brainsim.experiment import results

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(results.os, "access", lambda path, mode, **kw: (
        False if mode == os.W_OK and Path(path) == locked else real_access(path, mode, **kw)))
    code, err = run_cli(["run", "protocols/healthy.py", "--out", str(locked / "x")], capsys)
    assert code == 2 and "not writable" in err and str(locked) in err
    assert list(locked.iterdir()) == []


def test_cli_profiles_lists_signatures(capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for name in ("healthy", "depressed", "anxious", "impulsive", "resilient"):
        assert name in out
    assert "0.30" in out  # depressed serotonin


def test_live_needs_runtime(capsys, tmp_path):
    code, err = run_cli(["run", "protocols/healthy.py", "--live", "--out",
                         str(tmp_path / "x")], capsys)
    assert code == 2 and "runtime" in err


def test_failed_standalone_build_leaves_brian2_on_the_runtime_device(monkeypatch, tmp_path):
    """A build that fails (here: before make) raises its error and puts Brian2 back on the
    runtime device, so that later runtime simulations in the process still work (a failed
    CUDA compile once broke every later test in its process)."""
    import brian2 as b2

    from brainsim.devices.speedups import wall_clock
    from brainsim.experiment.runner import structure_for, values_for

    def broken(directory):
        raise RuntimeError("make failed")

    monkeypatch.setattr(wall_clock, "add_to_project", broken)
    proto = make(duration=50 * ms, scale=0.25, phases=standard_phases(50 * ms))
    structure = structure_for(proto)
    with pytest.raises(RuntimeError, match="make failed"):
        get_backend("cpp_standalone", build_root=tmp_path).prepare(
            structure, values_for(proto, structure, None), report=None)
    assert b2.get_device().__class__.__name__ == "RuntimeDevice"
    group = b2.NeuronGroup(1, "dv/dt = -v/(10*ms) : 1", method="exact",
                           codeobj_class=b2.NumpyCodeObject)
    group.v = 1
    b2.Network(group).run(1 * ms)
    assert 0 < float(group.v[0]) < 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"duration": 0.5 * ms}, "shorter than the 1 ms step"),
    ({"dt": 0.3 * ms}, "does not divide the 1 ms step"),
    ({"dt": 0.07 * ms}, "does not divide the 1 ms step"),
    ({"seed": 2**40}, "2\\*\\*32 - 1"),
    ({"name": "../elsewhere"}, "folder name"),
    ({"name": ".hidden"}, "folder name"),
    ({"parameters": {"amygdala": {"tau_m": -10 * ms}}}, "must be > 0"),
    ({"parameters": {"network": {"tau_e": 0 * ms}}}, "must be > 0"),
    ({"parameters": {"amygdala": {"sigma_v": [1, 2] * mV}}}, "one value"),
    ({"modulation": "gain"}, "modulation must be a dict"),
    ({"sentences": None}, "sentences must be a list"),
    ({"modulation": {"gain": "log(serotonin - 10)"}}, "not a finite number"),
])
def test_bad_protocols_fail_before_any_build(changes, message):
    with pytest.raises(ConfigError, match=message):
        make(**changes)


def test_modulation_messages_name_the_real_problem():
    # a number with an exponent is not an unknown name; a missing unit is "dimensionless"
    assert check_modulation_expressions({"threshold_shift": "1e-3*mV + 0*mV*serotonin"})
    with pytest.raises(ConfigError, match="dimensionless"):
        check_modulation_expressions({"threshold_shift": "(serotonin - level_ref)"})


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((50.0, 0.5, 0.5), {}, "serotonin = 50.0 is above 10"),
    ((0.5, 0.5, 0.5), {"sensory_scale": 1e9}, "sensory_scale"),
    ((0.5, 0.5, 0.5), {"reward_rate_hz": 1e6}, "reward_rate_hz"),
    ((0.5, 0.5, 0.5), {"region_levels": {"pfc": {"dopamine": 11.0}}}, "pfc.dopamine"),
])
def test_profile_values_far_out_of_range(args, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Profile("p", *args, **kwargs)


def test_force_never_replaces_a_folder_of_other_files(capsys, tmp_path):
    other = tmp_path / "thesis"
    other.mkdir()
    (other / "chapter1.tex").write_text("months of work")
    code, err = run_cli(["run", "protocols/healthy.py", "--out", str(other), "--force"], capsys)
    assert code == 2 and "not a results folder" in err and "chapter1.tex" in err
    assert (other / "chapter1.tex").read_text() == "months of work"


def test_unreadable_protocol_files(tmp_path):
    latin1 = tmp_path / "latin1.py"
    latin1.write_bytes("# caf\xe9\nprotocol = None\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_protocol_file(latin1)
    folder = tmp_path / "folder.py"
    folder.mkdir()
    with pytest.raises(ConfigError, match="must be a Python file"):
        load_protocol_file(folder)


def test_build_cache_that_is_a_file(tmp_path, monkeypatch):
    from brainsim.devices.cache import cache_dir

    (tmp_path / "cache").write_text("")
    monkeypatch.setenv("NEUROEMO_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ConfigError, match="NEUROEMO_CACHE"):
        cache_dir()


def test_run_folders_are_never_named_after_unsafe_profile_names():
    import dataclasses

    from brainsim.experiment.runner import _label
    from brainsim.model.profiles import PROFILES

    def protocols(*names):
        return [make(name="x", profile=dataclasses.replace(PROFILES["healthy"], name=n))
                for n in names]

    assert [_label(protocols("a", "b"), k) for k in range(2)] == ["a", "b"]
    assert [_label(protocols("../a", "b"), k) for k in range(2)] == ["x-0", "x-1"]
