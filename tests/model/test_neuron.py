"""The Extended LIF neuron against closed forms and Brian2's own behaviour."""

from __future__ import annotations

import brian2 as b2
import numpy as np
import pytest
from brian2 import Mohm, ms, mV, pA, second

from brainsim.channels import EMOTIONS, SENSORY_CHANNELS
from brainsim.model import equations as eq
from brainsim.model.network import (
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
                  np.zeros((duration_ms, len(EMOTIONS))))


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
    group.text_column = 3  # the all-zero column: no text drive
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


#: Each modulation coefficient, the modulator it reads, the value used here and the quantity
#: it enters. The defaults (brainsim.model.parameters) use k_gain_ne (+1), k_theta_da (-5 mV
#: on D1 MSNs, +5 mV on D2 MSNs), k_gain_da (+1 on D1 MSNs, -1 on D2 MSNs) and k_theta_5ht
#: (+5 mV on negative-valence BLA cells); the others are 0 by default but remain available
#: to protocols.
COEFFICIENTS = [
    ("k_gain_5ht", 0, 0.4, "gain"),
    ("k_gain_da", 1, 1.0, "gain"),  # DA raises the gain of excitatory input (D1 MSN)
    ("k_gain_da", 1, -1.0, "gain"),  # DA lowers it (D2 MSN)
    ("k_gain_ne", 2, 1.0, "gain"),  # NE raises the gain of excitatory input
    ("k_theta_5ht", 0, 5 * mV, "threshold_shift"),  # 5-HT raises the threshold (BLA negative)
    ("k_theta_da", 1, -5 * mV, "threshold_shift"),  # DA lowers it (D1 MSN)
    ("k_theta_da", 1, 5 * mV, "threshold_shift"),  # DA raises it (D2 MSN)
    ("k_theta_ne", 2, -4 * mV, "threshold_shift"),
]
NEUTRAL = {"gain": 1.0, "threshold_shift": 0.0, "noise_scale": 1.0}


@pytest.mark.parametrize(("coefficient", "modulator", "value", "quantity"), COEFFICIENTS)
def test_each_modulator_acts_in_documented_direction(coefficient, modulator, value, quantity):
    """Levels 0.1, 0.5, 0.9 of one modulator: the quantity it enters is the documented
    closed form (``1 + k*(level - 0.5)`` or ``k*(level - 0.5)``), the other two stay neutral,
    and the spike count moves strictly monotonically in the documented direction on both
    sides of the neutral level."""
    currents = np.array([250, 300]) * pA
    counts = []
    for level in (0.1, 0.5, 0.9):
        levels = [0.5, 0.5, 0.5]
        levels[modulator] = level
        net, group, mon = textbook_group(currents, dt=0.1 * ms, duration_ms=300,
                                         levels=tuple(levels), via="sensory")
        setattr(group, coefficient, value)
        net.run(300 * ms)
        counts.append(int(np.sum(mon.count)))
        deviation = float(value) * (level - eq.LEVEL_REF)
        expected = dict(NEUTRAL, **{quantity: NEUTRAL[quantity] + deviation})
        for name, want in expected.items():
            np.testing.assert_allclose(np.asarray(getattr(group, name)), want, rtol=1e-12,
                                       atol=1e-15, err_msg=f"{coefficient}: {name}")
    # more gain or a lower threshold -> more spikes
    raises_rate = (float(value) > 0) == (quantity == "gain")
    ordered = counts if raises_rate else counts[::-1]
    assert ordered[0] < ordered[1] < ordered[2], (coefficient, counts)


def test_norepinephrine_scales_the_membrane_noise():
    """``noise_scale = 1 + k_noise_ne*(NE - 0.5)`` multiplies the kick noise: with no input
    and no spikes the membrane is an Ornstein-Uhlenbeck process whose standard deviation is
    ``sigma_v*noise_scale`` right after each kick and relaxes by exp(-1 ms/tau_m) until the
    next, so its time average is ``sigma_v*noise_scale`` times a factor of 0.95-1."""
    n, sigma_v, k_noise = 200, 3 * mV, 0.5
    stds = {}
    for level in (0.1, 0.9):
        b2.set_device("runtime")
        b2.prefs.codegen.target = "numpy"
        b2.seed(11)
        ta = make_timed_arrays(constant_drives(2000))
        mods = make_modulator_group(1, ta)
        mods.serotonin, mods.dopamine_tonic, mods.dopamine = 0.5, 0.5, 0.5
        mods.norepinephrine = level
        mods.tau_dopamine = 200 * ms
        group = make_neuron_group(n, NetworkOptions(dt=0.1 * ms, noise="kick"), ta, mods,
                                  np.zeros(n))
        group.E_L = group.v_reset = group.v = 0 * mV
        group.v_th0 = group.v_th = 1 * b2.volt  # never reached
        group.tau_m, group.R, group.tau_ref = TAU_M, R, T_REF
        group.tau_e, group.tau_i, group.tau_adapt, group.tau_th = 5 * ms, 10 * ms, 100 * ms, 50 * ms
        group.I_bias = 0 * pA
        group.q_sensory = 0 * b2.coulomb
        group.channel = len(EMOTIONS)
        group.sigma_v = sigma_v
        group.noise_kick = eq.noise_kick_size(sigma_v, TAU_M, 1 * ms)
        group.k_noise_ne = k_noise
        mon = b2.StateMonitor(group, "v", record=True, dt=1 * ms)
        b2.Network(mods, group, mon).run(2 * second)
        np.testing.assert_allclose(np.asarray(group.noise_scale), 1 + k_noise * (level - 0.5))
        stds[level] = float(np.std(np.asarray(mon.v)[:, 200:]))  # after 10 tau_m
    for level, std in stds.items():
        expected = float(sigma_v) * (1 + k_noise * (level - 0.5))
        assert 0.93 * expected < std < 1.03 * expected, (level, std, expected)
    assert stds[0.9] / stds[0.1] == pytest.approx(1.2 / 0.8, rel=0.04)


def test_refractory_rule_is_brians_own():
    """The devices' time-comparison refractoriness (speedups.TIME_COMPARISON_REFRACTORY,
    so that the state update vectorises) gives the same spikes as Brian2's ``refractory="tau_ref"``, also for periods that are not a
    multiple of dt (Brian2 rounds them down to whole steps)."""
    b2.set_device("runtime")
    b2.prefs.codegen.target = "numpy"
    model = """
    dv/dt = (u - v)/(10*ms) + 3*mV*sqrt(2/(10*ms))*xi : volt (unless refractory)
    u : volt (constant)
    tau_ref : second (constant)
    """
    spikes = {}
    from brainsim.devices.speedups import TIME_COMPARISON_REFRACTORY

    assert eq.REFRACTORY == "tau_ref"  # the model uses Brian2's own rule
    for label, refractory in (("brian2", "tau_ref"), ("ours", TIME_COMPARISON_REFRACTORY)):
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


def test_constant_modulation_expression_runs_on_numpy():
    """A modulation switched off by a constant expression ("1.5", "0*mV") is set once at
    build time; Brian2's numpy target cannot run a constant assignment in the 1 ms update."""
    b2.set_device("runtime")
    b2.prefs.codegen.target = "numpy"
    ta = make_timed_arrays(constant_drives(20))
    mods = make_modulator_group(1, ta)
    modulation = dict(eq.MODULATION_EXPRESSIONS, noise_scale="1.5", threshold_shift="2*mV")
    group = make_neuron_group(4, NetworkOptions(noise="kick", modulation=modulation), ta, mods,
                              np.zeros(4))
    group.k_gain_ne = 1.0
    mods.norepinephrine = 0.9
    mods.tau_dopamine = 200 * ms
    b2.Network(mods, group).run(20 * ms)
    np.testing.assert_allclose(np.asarray(group.noise_scale), 1.5)
    np.testing.assert_allclose(np.asarray(group.threshold_shift), 0.002)
    np.testing.assert_allclose(np.asarray(group.gain), 1.4)  # still the default expression


def test_gain_does_not_scale_inhibition():
    """NE's gain multiplies excitatory synaptic and afferent input only (issue 21): with an
    inhibitory current alone the membrane follows the same path at every NE level, and with
    an excitatory current alone it is scaled by the gain."""
    traces = {}
    for current in ("I_i", "I_e"):
        for level in (0.5, 0.9):
            net, group, _ = textbook_group(np.array([0.0]) * pA, dt=0.1 * ms, duration_ms=30,
                                           levels=(0.5, 0.5, level))
            group.q_sensory = 0 * b2.coulomb
            group.k_gain_ne = 1.0
            group.v_th0 = group.v_th = 1 * b2.volt  # no spike
            setattr(group, current, 100 * pA)
            mon = b2.StateMonitor(group, "v", record=True)
            net.add(mon)
            net.run(30 * ms)
            traces[current, level] = np.asarray(mon.v[0])
    np.testing.assert_array_equal(traces["I_i", 0.5], traces["I_i", 0.9])
    assert traces["I_i", 0.5].min() < -1e-3  # the inhibition did act
    peak = {level: traces["I_e", level].max() for level in (0.5, 0.9)}
    # the excitatory current is first updated with gain 1 (the 1 ms modulation update
    # runs at t = 0 before the first step), then with 1.4
    assert 1.3 < peak[0.9] / peak[0.5] < 1.41, peak
