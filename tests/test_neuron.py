"""The Extended LIF neuron against closed forms and Brian2's own behaviour."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import Mohm, ms, mV, pA, second

from brainsim import equations as eq
from brainsim.channels import EMOTIONS, SENSORY_CHANNELS
from brainsim.network import (
    Drives,
    NetworkOptions,
    make_modulator_group,
    make_neuron_group,
    make_timed_arrays,
)

TAU_M = 20 * ms
T_REF = 2 * ms
R = 100 * Mohm
V_TH = 20 * mV  # relative to rest (rest = reset = 0)


SENSORY_HZ = 10.0


def constant_drives(duration_ms: int) -> Drives:
    """No reward or text; a constant 10 Hz on the first sensory channel."""
    sensory = np.zeros((duration_ms, len(SENSORY_CHANNELS)))
    sensory[:, 0] = SENSORY_HZ
    return Drives(sensory, np.zeros(duration_ms),
                  np.zeros((duration_ms, len(EMOTIONS))), np.ones(duration_ms))


def textbook_group(currents, dt=0.05 * ms, duration_ms=1000, levels=(0.5, 0.5, 0.5),
                   via="bias"):
    """Extended LIF group with every extension off, one neuron per current.

    ``via="bias"`` injects the current as the bias current, ``via="sensory"`` as sensory
    afferent input (the pathway the modulatory gain acts on).
    """
    b2.set_device("runtime")
    b2.prefs.codegen.target = "numpy"
    ta = make_timed_arrays(constant_drives(duration_ms))
    mods = make_modulator_group(1, ta)
    mods.serotonin, mods.dopamine_tonic, mods.norepinephrine = levels
    mods.dopamine = levels[1]
    mods.tau_dopamine = 200 * ms
    n = len(currents)
    group = make_neuron_group(n, NetworkOptions(dt=dt, noise="none"), ta, mods, np.zeros(n))
    group.E_L = 0 * mV
    group.v_reset = 0 * mV
    group.v_th0 = V_TH
    group.v_th = V_TH
    group.v = 0 * mV
    group.tau_m = TAU_M
    group.R = R
    group.tau_ref = T_REF
    group.tau_e, group.tau_i, group.tau_adapt, group.tau_th = 5 * ms, 10 * ms, 100 * ms, 50 * ms
    if via == "bias":
        group.I_bias = currents
    else:
        group.I_bias = 0 * pA
        group.q_sensory = currents / (SENSORY_HZ * b2.Hz)
        group.sensory_channel = 0
    group.channel = len(EMOTIONS)  # no text drive
    mon = b2.SpikeMonitor(group)
    net = b2.Network(mods, group, mon)
    return net, group, mon


def closed_form_rate(current):
    """r = 1 / (t_ref + tau_m ln(RI / (RI - (v_th - v_reset)))) with rest = reset = 0."""
    ri = float(R * current)
    vth = float(V_TH)
    if ri <= vth:
        return 0.0
    return 1.0 / (float(T_REF) + float(TAU_M) * np.log(ri / (ri - vth)))


def measured_rates(mon, n):
    trains = mon.spike_trains()
    rates = []
    for k in range(n):
        t = np.asarray(trains[k] / second)
        rates.append(0.0 if len(t) < 3 else 1.0 / np.mean(np.diff(t)))
    return np.array(rates)


def test_fi_curve_matches_closed_form():
    rheobase = V_TH / R  # 200 pA
    above = np.array([210, 250, 300, 400, 600, 1000]) * pA
    below = np.array([50, 150, 199]) * pA
    currents = np.array([210, 250, 300, 400, 600, 1000, 50, 150, 199]) * pA
    assert np.all(above > rheobase) and np.all(below < rheobase)
    net, _, mon = textbook_group(currents)
    net.run(1 * second)
    rates = measured_rates(mon, len(currents))
    expected = np.array([closed_form_rate(c) for c in currents])
    assert np.all(expected[: len(above)] > 0)
    np.testing.assert_allclose(rates[: len(above)], expected[: len(above)], rtol=0.01)
    assert np.all(mon.count[len(above):] == 0), "no spike below rheobase"


def test_modulators_do_nothing_with_zero_coefficients():
    currents = np.array([300, 400]) * pA
    counts = []
    for levels in [(0.5, 0.5, 0.5), (0.9, 0.1, 0.95)]:
        net, group, mon = textbook_group(currents, dt=0.1 * ms, duration_ms=300, levels=levels,
                                         via="sensory")
        net.run(300 * ms)
        counts.append(np.array(mon.count))
        assert np.all(group.gain == 1) and np.all(group.threshold_shift == 0)
    np.testing.assert_array_equal(counts[0], counts[1])


@pytest.mark.parametrize(
    ("coefficient", "value", "levels", "direction"),
    [
        ("k_gain_ne", 1.0, (0.5, 0.5, 0.9), +1),  # NE raises gain -> more spikes
        ("k_theta_ne", -4 * mV, (0.5, 0.5, 0.9), +1),  # NE lowers the threshold
        ("k_theta_5ht", 6 * mV, (0.9, 0.5, 0.5), -1),  # 5-HT raises the threshold
        ("k_gain_da", 0.5, (0.5, 0.9, 0.5), +1),  # DA raises gain
        ("k_gain_5ht", 0.4, (0.1, 0.5, 0.5), -1),  # low 5-HT lowers PFC-like gain
    ],
)
def test_each_modulator_acts_in_documented_direction(coefficient, value, levels, direction):
    currents = np.array([250, 300]) * pA
    net0, g0, mon0 = textbook_group(currents, dt=0.1 * ms, duration_ms=300, via="sensory")
    setattr(g0, coefficient, value)
    net0.run(300 * ms)
    net1, g1, mon1 = textbook_group(currents, dt=0.1 * ms, duration_ms=300, levels=levels,
                                    via="sensory")
    setattr(g1, coefficient, value)
    net1.run(300 * ms)
    diff = np.sum(mon1.count) - np.sum(mon0.count)
    assert np.sign(diff) == direction, (coefficient, mon0.count[:], mon1.count[:])


def test_refractory_rule_is_brians_own():
    """eq.REFRACTORY (a comparison of times, so that the state update vectorises) gives the
    same spikes as Brian2's ``refractory="tau_ref"``, also for periods that are not a
    multiple of dt (Brian2 rounds them down to whole steps)."""
    b2.set_device("runtime")
    b2.prefs.codegen.target = "numpy"
    model = """
    dv/dt = (u - v)/(10*ms) + 3*mV*sqrt(2/(10*ms))*xi : volt (unless refractory)
    u : volt (constant)
    tau_ref : second (constant)
    """
    spikes = {}
    for label, refractory in (("brian2", "tau_ref"), ("ours", eq.REFRACTORY)):
        b2.seed(7)
        group = b2.NeuronGroup(48, model, threshold="v > 10*mV", reset="v = 0*mV",
                               refractory=refractory, method="euler", dt=0.1 * ms)
        group.u = np.linspace(8, 60, 48) * mV
        group.tau_ref = np.tile([0.1, 1.0, 2.0, 2.05, 2.07, 2.099, 3.33, 5.0], 6) * ms
        monitor = b2.SpikeMonitor(group)
        b2.Network(group, monitor).run(400 * ms)
        spikes[label] = (np.asarray(monitor.i), np.asarray(monitor.t / ms))
    assert len(spikes["brian2"][0]) > 1000
    np.testing.assert_array_equal(spikes["ours"][0], spikes["brian2"][0])
    np.testing.assert_allclose(spikes["ours"][1], spikes["brian2"][1], atol=1e-9)
