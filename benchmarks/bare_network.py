"""The NeuroEmoDynamics network as one bare Brian2 script.

The Brian2 objects are built here by hand (one NeuronGroup for all regions, the
neuromodulator table, the Synapses sets, a SpikeMonitor and a StateMonitor), around the
model's own equation strings from brainsim/model/equations.py, so that the benchmarks can
measure brainsim's overhead against plain Brian2 and the two cannot drift apart. The graph and every value (synapses, delays,
weights, per-neuron parameters, initial state, input arrays) are loaded from an .npz file
that ``benchmarks/bench.py`` writes from brainsim, so both simulate the identical network.

From brainsim it takes, besides the equations, four choices its standalone device makes: the
refractoriness rule written as a time comparison (``speedups.TIME_COMPARISON_REFRACTORY``), gcc's
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

from brainsim.devices.speedups import TIME_COMPARISON_REFRACTORY as REFRACTORY
from brainsim.devices.speedups import Speedups, wall_clock
from brainsim.devices.speedups.gaussian import standard_normal_function
from brainsim.model import equations as eq
from brainsim.model.parameters import DEFAULT_PLASTICITY

# The model's own equation strings (brainsim.model.equations), so the two cannot drift apart;
# the Brian2 objects around them are built here by hand.
EQUATIONS = eq.NEURON_EQUATIONS.format(noise="") + eq.NEURON_PARAMETERS
SLOW_UPDATE = eq.slow_update_code(eq.MODULATION_EXPRESSIONS)
# right after the slow update, as an operation of its own (as brainsim does), drawn as
# brainsim's standalone device draws it
NOISE_KICK = eq.NOISE_KICK.replace("randn()", "standard_normal()")
MODULATORS = eq.MODULATOR_EQUATIONS
EPOCH = eq.EPOCH_UPDATE
PLASTIC = eq.PLASTIC_SYNAPSE
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

tau_eligibility = eq.TAU_ELIGIBILITY_S * b2.second
eligibility_epoch = eq.ELIGIBILITY_EPOCH_S * b2.second
level_ref = eq.LEVEL_REF


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
        mods.run_regularly(eq.REWARD_UPDATE, dt=input_dt, when="start")
        for name in ("serotonin", "dopamine", "norepinephrine", "dopamine_tonic",
                     "dopamine_projection"):
            setattr(mods, name, d[f"mod_{name}"])
        mods.tau_dopamine = float(d["tau_dopamine"]) * b2.second
        mods.reward_sensitivity = float(d["reward_sensitivity"])
        neurons = b2.NeuronGroup(n, EQUATIONS, threshold=eq.THRESHOLD, reset=eq.RESET,
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
                              on_pre=eq.PLASTIC_ON_PRE, on_post=eq.PLASTIC_ON_POST)
            # every synapse brought up to date at the start of each epoch
            syn.run_regularly(eq.WEIGHT_FLUSH, dt=eligibility_epoch, when="start", order=1)
        else:
            syn = b2.Synapses(neurons, neurons, "w : amp (constant)",
                              on_pre=f"{target}_post += w", name=kind, dt=dt, delay=delay)
        syn.connect(i=d[f"{kind}_i"], j=d[f"{kind}_j"])
        syn.w = d[f"{kind}_w_pA"] * b2.pA
        if plastic == "1" and "plasticity" not in strip:
            for name, value in DEFAULT_PLASTICITY.items():
                setattr(syn, name, value)
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
