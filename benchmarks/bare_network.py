"""The NeuroEmoDynamics network as one bare Brian2 script (brainsim only for 4 choices).

Written by hand from brainsim/model/equations.py and brainsim/model/network.py (the Extended LIF
neuron with kick noise, one NeuronGroup for all regions, the neuromodulator table, three
Synapses objects, a SpikeMonitor and a StateMonitor), so that the benchmarks can measure
brainsim's overhead against plain Brian2. The graph and every value (synapses, delays,
weights, per-neuron parameters, initial state, input arrays) are loaded from an .npz file
that ``benchmarks/bench.py`` writes from brainsim, so both simulate the identical network.

From brainsim it takes only four choices, imported so that the two cannot drift apart: the
refractoriness rule written as a time comparison (``equations.REFRACTORY``), gcc's
overlap-check limit (``Speedups.configure_compiler``), the noise kick's
``standard_normal()`` (``gaussian``: Philox4x32-10 and Box–Muller in C++) and the program's cheap
``clock()`` (``wall_clock``: a workaround for Brian2 2.8's run loop, linked into every
brainsim build). The comparison then measures brainsim's overhead, not a different
computation.

Usage: python benchmarks/bare_network.py NETWORK.npz BUILD_DIR [--runs 2] [--strip PART ...]
Prints one JSON line: compile time, run times (wall and binary), spike counts.

``--strip`` removes parts of the model, to measure what each costs (``bench.py floor``):
``noise`` (the 1 ms kick), ``plasticity`` (the plastic set becomes static, its epoch flush
goes), ``trace`` (the neuromodulator StateMonitor), ``extensions`` (needs ``noise`` and ``plasticity``:
the neuron becomes a plain LIF neuron with its synaptic currents and 1 ms input; no
adaptation, adaptive threshold, modulators or neuromodulator table). A stripped network is
not the model: its timings say what the model's parts cost, nothing else.
"""

import argparse
import json
import resource
import time

import brian2 as b2
import numpy as np
from brian2 import Hz, ms

from brainsim.devices.speedups import Speedups, wall_clock
from brainsim.devices.speedups.gaussian import standard_normal_function
from brainsim.model.equations import REFRACTORY

EQUATIONS = """
dv/dt = (E_L - v + R*(gain*(I_e + I_input) - I_i + I_bias - I_adapt)) / tau_m : volt (unless refractory)
dI_e/dt = -I_e / tau_e : amp
dI_i/dt = -I_i / tau_i : amp
dI_adapt/dt = -I_adapt / tau_adapt : amp
dv_th/dt = (v_th0 - v_th) / tau_th : volt
I_input : amp
tau_ref : second (shared, constant)
tau_e : second (shared, constant)
tau_i : second (shared, constant)
tau_adapt : second (shared, constant)
tau_th : second (shared, constant)
E_L : volt (constant)
v_reset : volt (constant)
v_th0 : volt (constant)
tau_m : second (constant)
R : ohm (constant)
b_adapt : amp (constant)
delta_th : volt (constant)
sigma_v : volt (constant)
noise_kick : volt (constant)
I_bias : amp (constant)
q_sensory : coulomb (constant)
sensory_channel : integer (constant)
channel : integer (constant)
text_column : integer (constant)
text_current : amp (constant)
k_gain_5ht : 1 (constant)
k_gain_da : 1 (constant)
k_gain_ne : 1 (constant)
k_theta_5ht : volt (constant)
k_theta_da : volt (constant)
k_theta_ne : volt (constant)
k_noise_ne : 1 (constant)
gain : 1
threshold_shift : volt
noise_scale : 1
serotonin : 1 (linked)
dopamine : 1 (linked)
norepinephrine : 1 (linked)
da_integral_region : second (linked)
da_integral : second
da_integral_prev_region : second (linked)
da_integral_prev : second
"""

SLOW_UPDATE = """
gain = 1 + k_gain_5ht*(serotonin - 0.5) + k_gain_da*(dopamine - 0.5) + k_gain_ne*(norepinephrine - 0.5)
threshold_shift = k_theta_5ht*(serotonin - 0.5) + k_theta_da*(dopamine - 0.5) + k_theta_ne*(norepinephrine - 0.5)
noise_scale = 1 + k_noise_ne*(norepinephrine - 0.5)
I_input = q_sensory*sensory_rate(t, sensory_channel) + text_current*text_drive(t, text_column)
da_integral = da_integral_region
da_integral_prev = da_integral_prev_region
"""
# right after the slow update, as an operation of its own (as brainsim does)
NOISE_KICK = "v += int(not_refractory)*noise_scale*noise_kick*standard_normal()"

MODULATORS = """
ddopamine/dt = (dopamine_tonic - dopamine) / tau_dopamine : 1
dda_integral/dt = exp(-(t - epoch*eligibility_epoch)/tau_eligibility)*(dopamine - dopamine_tonic) : second
da_integral_prev : second
epoch : 1
dopamine_tonic : 1 (constant)
serotonin : 1 (constant)
norepinephrine : 1 (constant)
dopamine_projection : 1 (constant)
tau_dopamine : second (shared, constant)
reward_sensitivity : 1 (shared, constant)
"""


PLASTIC = """
w : amp
da_last : second
dapre/dt = -apre / tau_plus : 1 (event-driven)
dapost/dt = -apost / tau_minus : 1 (event-driven)
dc/dt = -c / tau_eligibility : 1 (event-driven)
"""
# the dopamine integral restarts every 10 s (epoch), so late rewards keep their precision
EPOCH = """
epoch_now = floor(t/eligibility_epoch + 1e-9)
new_epoch = int(epoch_now > epoch)
da_integral_prev = new_epoch*da_integral + (1 - new_epoch)*da_integral_prev
da_integral = (1 - new_epoch)*da_integral
epoch = epoch_now
"""
LEARN = """
epoch_now = floor(t/eligibility_epoch + 1e-9)
epoch_last = floor(lastupdate/eligibility_epoch + 1e-9)
same_epoch = int(epoch_last == epoch_now)
last_epoch = int(epoch_last == epoch_now - 1)
growth = exp((t - epoch_now*eligibility_epoch)/tau_eligibility)
growth_last = exp((t - (epoch_now - 1)*eligibility_epoch)/tau_eligibility)
dopamine_seen = growth*(da_integral_post - same_epoch*da_last) + last_epoch*growth_last*(da_integral_prev_post - da_last)
w = clip(w + eta*c*dopamine_seen, 0*amp, w_max)
da_last = da_integral_post
"""
# the plain LIF neuron of ``--strip extensions``: leak, synaptic currents, input, refractoriness
PLAIN_EQUATIONS = """
dv/dt = (E_L - v + R*(I_e - I_i + I_input + I_bias)) / tau_m : volt (unless refractory)
dI_e/dt = -I_e / tau_e : amp
dI_i/dt = -I_i / tau_i : amp
I_input : amp
tau_ref : second (shared, constant)
tau_e : second (shared, constant)
tau_i : second (shared, constant)
E_L : volt (constant)
v_reset : volt (constant)
v_th0 : volt (constant)
tau_m : second (constant)
R : ohm (constant)
I_bias : amp (constant)
q_sensory : coulomb (constant)
sensory_channel : integer (constant)
channel : integer (constant)
text_column : integer (constant)
text_current : amp (constant)
"""
PLAIN_INPUT = ("I_input = q_sensory*sensory_rate(t, sensory_channel)"
               " + text_current*text_drive(t, text_column)")
STRIPPABLE = ("noise", "plasticity", "trace", "extensions")

tau_eligibility = 1 * b2.second
eligibility_epoch = 10 * b2.second
# Izhikevich (2007)-style three-factor rule, the values brainsim uses by default
eta, A_plus, A_minus = 20 * b2.pA / b2.second, 1.0, -1.5
tau_plus = tau_minus = 20 * ms
w_max = 120 * b2.pA


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("network")
    parser.add_argument("build_dir")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--strip", nargs="*", default=[], choices=STRIPPABLE)
    args = parser.parse_args()
    strip = set(args.strip)
    if "extensions" in strip and not {"plasticity", "noise"} <= strip:
        parser.error("--strip extensions needs --strip plasticity noise (the rule reads the "
                     "neuromodulator table; the plain neuron has no noise)")
    d = np.load(args.network)
    t0 = time.perf_counter()
    b2.set_device("cpp_standalone", directory=args.build_dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    standard_normal = standard_normal_function()  # noqa: F841 (found by name)
    Speedups().configure_compiler()  # brainsim's four choices: see the module docstring
    dt = float(d["dt"]) * b2.second
    input_dt = 1 * ms
    sensory_rate = b2.TimedArray(d["sensory_rate_hz"] * Hz, dt=input_dt)  # noqa: F841 (found by name)
    reward_signal = b2.TimedArray(d["reward"], dt=input_dt)  # noqa: F841
    text_drive = b2.TimedArray(d["text_drive"], dt=input_dt)  # noqa: F841

    n = len(d["region_index"])
    if "extensions" in strip:
        mods = None
        neurons = b2.NeuronGroup(n, PLAIN_EQUATIONS, threshold="v > v_th0",
                                 reset="v = v_reset", refractory=REFRACTORY,
                                 method="euler", name="neurons", dt=dt)
        neurons.run_regularly(PLAIN_INPUT, dt=1 * ms, when="start")
    else:
        mods = b2.NeuronGroup(len(d["mod_serotonin"]), MODULATORS, method="euler",
                              name="modulators")
        mods.run_regularly(EPOCH, dt=input_dt, when="start", order=-1)
        mods.run_regularly("dopamine = clip(dopamine + reward_sensitivity*dopamine_projection"
                           "*reward_signal(t), 0, 10)", dt=input_dt, when="start")
        for name in ("serotonin", "dopamine", "norepinephrine", "dopamine_tonic",
                     "dopamine_projection"):
            setattr(mods, name, d[f"mod_{name}"])
        mods.tau_dopamine = float(d["tau_dopamine"]) * b2.second
        mods.reward_sensitivity = float(d["reward_sensitivity"])
        neurons = b2.NeuronGroup(n, EQUATIONS, threshold="v > v_th + threshold_shift",
                                 reset="v = v_reset\nv_th += delta_th\nI_adapt += b_adapt",
                                 refractory=REFRACTORY,
                                 method="euler", name="neurons", dt=dt)
        for m in ("serotonin", "dopamine", "norepinephrine"):
            setattr(neurons, m, b2.linked_var(mods, m,
                                              index=d["region_index"].astype(np.int64)))
        neurons.da_integral_region = b2.linked_var(mods, "da_integral",
                                                   index=d["region_index"].astype(np.int64))
        neurons.da_integral_prev_region = b2.linked_var(
            mods, "da_integral_prev", index=d["region_index"].astype(np.int64))
        neurons.run_regularly(SLOW_UPDATE, dt=1 * ms, when="start")
        if "noise" not in strip:
            neurons.run_regularly(NOISE_KICK, dt=1 * ms, when="start", order=1)
    neurons.channel = d["channel"]
    neurons.sensory_channel = d["sensory_channel"]
    neurons.text_column = d["text_column"]
    for key in d.files:  # per-neuron values and network constants, in SI units
        if key.startswith("neuron_") or key.startswith("const_"):
            name = key.split("_", 1)[1]
            if name not in neurons.variables and "extensions" in strip:
                continue  # a parameter of the extensions the plain neuron does not have
            setattr(neurons, name, b2.Quantity(d[key], dim=neurons.variables[name].dim))
    synapses = []
    for entry in d["synapse_sets"]:  # "name:target:plastic", one homogeneous delay each
        kind, target, plastic = str(entry).split(":")
        delay = float(d[f"{kind}_delay_ms"]) * ms
        if plastic == "1" and "plasticity" not in strip:
            syn = b2.Synapses(neurons, neurons, PLASTIC, name=kind, dt=dt, delay=delay,
                              on_pre="I_e_post += w\n" + LEARN + "apre += A_plus\nc += apost",
                              on_post=LEARN + "apost += A_minus\nc += apre")
            # every synapse brought up to date at the start of each epoch
            syn.run_regularly("apre = apre*exp(-(t - lastupdate)/tau_plus)\n"
                              "apost = apost*exp(-(t - lastupdate)/tau_minus)\n"
                              "c = c*exp(-(t - lastupdate)/tau_eligibility)\n" + LEARN
                              + "lastupdate = t", dt=eligibility_epoch, when="start", order=1)
        else:
            syn = b2.Synapses(neurons, neurons, "w : amp (constant)",
                              on_pre=f"{target}_post += w", name=kind, dt=dt, delay=delay)
        syn.connect(i=d[f"{kind}_i"], j=d[f"{kind}_j"])
        syn.w = d[f"{kind}_w_pA"] * b2.pA
        synapses.append(syn)
    spikes = b2.SpikeMonitor(neurons)
    monitors = [spikes]
    if "trace" not in strip and mods is not None:
        trace = b2.StateMonitor(mods, ["serotonin", "dopamine", "norepinephrine"],
                                record=True, dt=1 * ms)
        monitors.append(trace)
    # an explicit Network: the magic network would not see the Synapses kept in a list
    net = b2.Network(*[g for g in (mods, neurons) if g is not None], *synapses, *monitors)
    net.run(float(d["duration"]) * b2.second)
    b2.device.build(directory=args.build_dir, compile=True, run=False, with_output=False,
                    additional_source_files=[wall_clock.add_to_project(args.build_dir)])
    compile_s = time.perf_counter() - t0
    runs = []
    for k in range(args.runs):
        t1 = time.perf_counter()
        b2.device.run(directory=args.build_dir, results_directory=f"results_{k}",
                      with_output=False)
        n_spikes = len(spikes.i[:])
        for monitor in monitors[1:]:
            _ = monitor.dopamine[:]
        runs.append({"run_s": time.perf_counter() - t1,
                     "binary_s": float(b2.device.timers.get("run_binary", 0.0))})
    print(json.dumps({"compile_s": compile_s, "runs": runs, "n_spikes": int(n_spikes),
                      "strip": sorted(strip),
                      "n_neurons": n, "peak_rss_mb": resource.getrusage(
                          resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "binary_peak_rss_mb": resource.getrusage(
                          resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
