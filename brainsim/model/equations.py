"""The Extended LIF neuron and the neuromodulator dynamics, as Brian2 equation strings.

Everything a reader needs to understand what one neuron does is in this file:

* :data:`NEURON_EQUATIONS` — membrane, synaptic currents, adaptation current, adaptive
  threshold. Every region uses the same equations with its own parameter values.
* :data:`MODULATION_EXPRESSIONS` — how serotonin (5-HT), dopamine (DA) and norepinephrine (NE)
  act on a neuron: the ``gain`` of its excitatory input, ``threshold_shift`` and
  ``noise_scale``. These three named
  expressions are the only place where the neuromodulators touch a neuron; a protocol may
  replace any of them (Brian2 checks the units when the network is built, and
  :func:`check_modulation_expressions` checks them before that).
* :data:`MODULATOR_EQUATIONS` — one row per region holding the tonic levels and the phasic
  dopamine driven by reward events.

Notation: ``v`` membrane potential, ``E_L`` rest, ``v_th`` the adaptive threshold relaxing to
``v_th0``, ``I_e``/``I_i`` excitatory/inhibitory synaptic currents (exponential, time
constants ``tau_e``/``tau_i``), ``I_adapt`` a spike-triggered adaptation current, ``R`` the
membrane resistance. ``gain`` multiplies the excitatory synaptic and the afferent input only,
never the inhibitory current (NE as gain on excitatory input: Servan-Schreiber et al. 1990;
Aston-Jones & Cohen 2005). Default values and their sources:
:mod:`brainsim.model.parameters`. With ``sigma_v = 0``, ``b_adapt = 0``, ``delta_th = 0`` and every
modulation coefficient at 0 the model is the textbook LIF neuron.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import brian2 as b2
import numpy as np

from brainsim.errors import ConfigError
from brainsim.model import parameters as P

#: Membrane and currents. ``{noise}`` is replaced by the white-noise term when the network
#: uses ``noise="xi"`` and by nothing when it uses ``noise="kick"`` (see :data:`NOISE_KICK`).
NEURON_EQUATIONS = """
dv/dt = (E_L - v + R*(gain*(I_e + I_input) - I_i + I_bias - I_adapt)) / tau_m {noise} : volt (unless refractory)
dI_e/dt = -I_e / tau_e : amp
dI_i/dt = -I_i / tau_i : amp
dI_adapt/dt = -I_adapt / tau_adapt : amp
dv_th/dt = (v_th0 - v_th) / tau_th : volt
I_input : amp  # sensory + text drive, updated every input step (see INPUT_UPDATE)
"""

#: External input, re-evaluated every 1 ms (the resolution of the input arrays, so this is
#: exact): sensory afferents (mean current = afferent rate x charge per afferent spike) and
#: the text branch's drive into the valence / arousal populations (``text_column`` picks the
#: column of the network's text array: positive, negative, arousal or none;
#: ``text_current`` is 0 outside those populations).
INPUT_UPDATE = (
    "I_input = q_sensory*sensory_rate(t, sensory_channel)"
    " + text_current*text_drive(t, text_column)"
)

#: The white-noise term of the membrane equation (Brian2 scales ``xi`` by 1/sqrt(dt)).
NOISE_XI = "+ sigma_v*noise_scale*sqrt(2/tau_m)*xi"

#: The cheap noise formulation: every ``noise_dt`` the membrane gets a Gaussian kick of size
#: ``noise_kick`` (see :func:`noise_kick_size`) that gives the white-noise term's voltage
#: variance (``sigma_v**2``) just after each kick, and 95 % of it averaged over the interval
#: between kicks (tau_m = 20 ms, noise_dt = 1 ms). Ten times fewer random numbers at
#: dt = 0.1 ms. Every neuron draws its number every kick, refractory or not: Brian2 turns a
#: ``randn()`` inside a product with a boolean into a branch that skips the draw, and then
#: which neurons are refractory would decide which number every later neuron gets (one change
#: anywhere would re-draw the noise of the whole network, and runs paired by seed would share
#: only their inputs).
NOISE_KICK = "kick_draw = randn()\nv += int(not_refractory)*noise_scale*noise_kick*kick_draw"


def noise_kick_size(sigma_v, tau_m, noise_dt):
    """Kick size that matches the white-noise term's variance just after each kick.

    Kicks of size ``k`` every ``noise_dt`` decay with ``tau_m`` in between, so just after a
    kick their sum has variance ``k**2 / (1 - exp(-2*noise_dt/tau_m))``; setting it to
    ``sigma_v**2`` gives ``k = sigma_v*sqrt(1 - exp(-2*noise_dt/tau_m))``. Between kicks the
    variance decays, and its average over the interval is
    ``sigma_v**2 * tau_m*(1 - exp(-2*noise_dt/tau_m))/(2*noise_dt)``: 0.952 sigma_v**2 at
    tau_m = 20 ms, 0.936 at 15 ms (``k = sigma_v*sqrt(2*noise_dt/tau_m)`` would match the
    average instead; docs/model.md). Computed once per run (not per step) and passed as the
    per-neuron parameter ``noise_kick``.
    """

    return sigma_v * np.sqrt(1 - np.exp(-2 * np.asarray(noise_dt / tau_m, dtype=float)))

#: Parameters. The five time constants marked ``shared`` are network-wide (one value for all
#: neurons: the compiler can then hoist the divisions out of the update loop, which made the
#: state update ~2x faster); the others are per neuron, so regions differ in their values
#: (see :mod:`brainsim.model.anatomy`). run_args can change any of them without recompiling.
NEURON_PARAMETERS = """
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
noise_kick : volt (constant)  # derived from sigma_v, tau_m (noise_kick_size)
I_bias : amp (constant)
q_sensory : coulomb (constant)
sensory_channel : integer (constant)
channel : integer (constant)
text_column : integer (constant)
text_current : amp (constant)
k_gain_5ht : 1 (constant)
k_gain_da : 1 (constant)
k_gain_ne : 1 (constant)
k_alpha1_ne : 1 (constant)
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
da_integral : second  # copy of the region's da_integral for synapses (DOPAMINE_COPY)
da_integral_prev_region : second (linked)
da_integral_prev : second  # copy of the region's da_integral_prev, likewise
"""

THRESHOLD = "v > v_th + threshold_shift"
RESET = """
v = v_reset
v_th += delta_th
I_adapt += b_adapt
"""
#: Refractory period: Brian2's own rule, refractory while fewer than ``timestep(tau_ref, dt)``
#: steps have passed since the last spike.
REFRACTORY = "tau_ref"

#: Neutral neuromodulator level: a neuron at this level of all three is unmodulated.
LEVEL_REF = P.LEVEL_REF
#: Half-occupancy level and Hill coefficient of the PFC's low-affinity alpha1 adrenoceptors.
ALPHA1_NE_HALF = P.ALPHA1_NE_HALF
ALPHA1_NE_HILL = P.ALPHA1_NE_HILL

#: How the neuromodulators act on a neuron (deviations from the neutral level 0.5, times the
#: neuron's receptor sensitivities, which are properties of its cell type:
#: :func:`brainsim.model.anatomy.default_regions`). By default only five sensitivities are
#: non-zero: ``k_gain_ne`` (NE gain on excitatory input, cortex, amygdala, hippocampus,
#: thalamus), ``k_alpha1_ne`` (NE's alpha1 suppression of the PFC's gain at high levels, the
#: falling side of NE's inverted U), ``k_theta_da`` (-5 mV per unit on D1 MSNs, +5 mV on
#: D2 MSNs), ``k_gain_da`` (+1 per unit on D1 MSNs, -1 on D2 MSNs: DA's gain on their
#: excitatory input) and ``k_theta_5ht`` (+5 mV per unit on negative-valence BLA cells);
#: sources in :mod:`brainsim.model.parameters`. Evaluated every ``modulation_dt`` (neuromodulator
#: levels change on time scales of tens of ms or slower).
MODULATION_EXPRESSIONS: dict[str, str] = {
    "gain": (
        "1 + k_gain_5ht*(serotonin - level_ref)"
        " + k_gain_da*(dopamine - level_ref) + k_gain_ne*(norepinephrine - level_ref)"
        " - k_alpha1_ne*("
        "norepinephrine**alpha1_hill/(norepinephrine**alpha1_hill + alpha1_half**alpha1_hill)"
        " - level_ref**alpha1_hill/(level_ref**alpha1_hill + alpha1_half**alpha1_hill))"
    ),
    "threshold_shift": (
        "k_theta_5ht*(serotonin - level_ref)"
        " + k_theta_da*(dopamine - level_ref) + k_theta_ne*(norepinephrine - level_ref)"
    ),
    "noise_scale": "1 + k_noise_ne*(norepinephrine - level_ref)",
}

#: Units each modulation expression must have.
MODULATION_UNITS: dict[str, b2.Unit] = {
    "gain": b2.Unit(1),
    "threshold_shift": b2.volt,
    "noise_scale": b2.Unit(1),
}

#: One row per region: tonic levels from the profile and phasic dopamine from rewards.
#: ``da_integral`` accumulates the phasic dopamine weighted by exp(-(t - T)/tau_eligibility)
#: since the start ``T = epoch*ELIGIBILITY_EPOCH`` of the current epoch, which lets every
#: plastic synapse integrate eligibility x dopamine exactly at its own events (see
#: :data:`PLASTIC_SYNAPSE`). The integral restarts every epoch (:data:`EPOCH_UPDATE`; the
#: last epoch's final value is kept in ``da_integral_prev``): a single integral from t = 0
#: would add terms ~exp(-t/tau_eligibility) to a sum of order 1 and lose every reward after
#: ~30 s to float64 rounding.
#: ``reward_signal(t)`` holds each reward's magnitude in the time bin of the event (0 else);
#: a reward adds ``reward_sensitivity*dopamine_projection*magnitude`` to dopamine (a dip for a
#: negative reward, never below 0), which then relaxes to its tonic level with
#: ``tau_dopamine``.
MODULATOR_EQUATIONS = """
ddopamine/dt = (dopamine_tonic - dopamine) / tau_dopamine : 1
dda_integral/dt = exp(-(t - epoch*eligibility_epoch)/tau_eligibility)*(dopamine - dopamine_tonic) : second
da_integral_prev : second  # da_integral at the end of the previous epoch
epoch : 1  # index of the current epoch, floor(t/eligibility_epoch)
dopamine_tonic : 1 (constant)
serotonin : 1 (constant)
norepinephrine : 1 (constant)
dopamine_projection : 1 (constant)
tau_dopamine : second (shared, constant)
reward_sensitivity : 1 (shared, constant)
"""
REWARD_UPDATE = (
    "dopamine = clip(dopamine + reward_sensitivity*dopamine_projection*reward_signal(t),"
    " 0, 10)"
)

#: The epoch that ``t`` falls in (the small offset makes t = k*epoch exactly, as computed
#: in floating point from the time step, fall in epoch k). Scalar: Brian2 computes it once
#: per time step.
EPOCH_NOW = "epoch_now = floor(t/eligibility_epoch + 1e-9)"

#: Run every 1 ms, before the neurons copy the integral: at the start of a new epoch the
#: integral moves to ``da_integral_prev`` and starts again from 0.
EPOCH_UPDATE = EPOCH_NOW + """
new_epoch = int(epoch_now > epoch)
da_integral_prev = new_epoch*da_integral + (1 - new_epoch)*da_integral_prev
da_integral = (1 - new_epoch)*da_integral
epoch = epoch_now
"""

#: Every 1 ms (in the slow update) the neurons copy their region's dopamine integrals:
#: Brian2 synapses read the postsynaptic neuron's own variables, not its linked ones.
#: (Only the striatum's are read; Brian2 cannot make a subgroup of a group with indexed
#: links, so every neuron copies; the second copy measured ≈ 4 % of the run time.)
DOPAMINE_COPY = """
da_integral = da_integral_region
da_integral_prev = da_integral_prev_region
"""

#: Time constant of the synaptic eligibility trace (Izhikevich 2007: ~1 s), and the length
#: of an epoch of the dopamine integral (``exp`` of at most 2 epochs / tau_eligibility
#: enters the weight update, far from overflow; increments within an epoch are no smaller
#: than exp(-10) of the integral, far from float64 rounding). Constants of the build.
TAU_ELIGIBILITY_S = P.TAU_ELIGIBILITY_S
ELIGIBILITY_EPOCH_S = P.ELIGIBILITY_EPOCH_S

#: Dopamine-gated three-factor plasticity on the inputs to the striatal channel neurons
#: (Izhikevich 2007; the semantics of NEST's ``stdp_dopamine_synapse``): pre/post pairings
#: build an eligibility trace ``c`` by STDP (``apre``, ``apost``), ``c`` decays with
#: ``tau_eligibility``, and the weight follows ``dw/dt = eta*c*(dopamine - dopamine_tonic)``
#: (phasic dopamine of the striatum), clipped to [0, w_max]. The weight is brought up to date
#: at every pre- or postsynaptic spike, exactly: between events
#: ``c(s) = c(t0)*exp(-(s - t0)/tau_eligibility)``, so within one epoch starting at ``T``
#: ``w(t1) - w(t0) = eta*c(t1)*exp((t1 - T)/tau_eligibility)*(G(t1) - G(t0))`` with
#: ``G = da_integral`` of the modulator table (read through the postsynaptic neuron's copy,
#: refreshed every 1 ms: Brian2 synapses cannot read indexed links). The epoch of the
#: synapse's last update is that of ``lastupdate`` (Brian2's time of its last event, when the
#: weight was last brought up to date). If that was the previous epoch, the rest of that
#: epoch is added from ``da_integral_prev``. :data:`WEIGHT_FLUSH` updates every synapse at
#: the start of each epoch, so a last update is never older than that. At the end of a run
#: :func:`weights_brought_up_to_date` gives the final weights, which include the dopamine
#: that came after a synapse's last spike.
PLASTIC_SYNAPSE = """
w : amp
da_last : second
dapre/dt = -apre / tau_plus : 1 (event-driven)
dapost/dt = -apost / tau_minus : 1 (event-driven)
dc/dt = -c / tau_eligibility : 1 (event-driven)
eta : amp/second (shared, constant)
A_plus : 1 (shared, constant)
A_minus : 1 (shared, constant)
tau_plus : second (shared, constant)
tau_minus : second (shared, constant)
w_max : amp (shared, constant)
"""
#: The weight brought up to date at a spike (Brian2 has already decayed ``c`` to ``t``).
WEIGHT_UPDATE = EPOCH_NOW + """
epoch_last = floor(lastupdate/eligibility_epoch + 1e-9)
same_epoch = int(epoch_last == epoch_now)
last_epoch = int(epoch_last == epoch_now - 1)
growth = exp((t - epoch_now*eligibility_epoch)/tau_eligibility)
growth_last = exp((t - (epoch_now - 1)*eligibility_epoch)/tau_eligibility)
dopamine_seen = growth*(da_integral_post - same_epoch*da_last) + last_epoch*growth_last*(da_integral_prev_post - da_last)
w = clip(w + eta*c*dopamine_seen, 0*amp, w_max)
da_last = da_integral_post
"""

#: Every plastic synapse brought up to date at the start of each epoch (after the integral's
#: restart and the neurons' copy of it): the traces decayed to ``t`` as Brian2 does at an
#: event, the weight updated, ``lastupdate`` set. So no synapse's last update is ever more
#: than one epoch old, which :data:`WEIGHT_UPDATE` needs to be exact.
WEIGHT_FLUSH = """
apre = apre*exp(-(t - lastupdate)/tau_plus)
apost = apost*exp(-(t - lastupdate)/tau_minus)
c = c*exp(-(t - lastupdate)/tau_eligibility)
""" + WEIGHT_UPDATE + "lastupdate = t\n"


PLASTIC_ON_PRE = "I_e_post += w\n" + WEIGHT_UPDATE + "apre += A_plus\nc += apost\n"
PLASTIC_ON_POST = WEIGHT_UPDATE + "apost += A_minus\nc += apre\n"


#: Hebbian plasticity gated by a neuromodulator (the lateral amygdala's CS inputs in fear
#: conditioning, :mod:`brainsim.model.fear`; Johansen et al. 2014, PNAS 111:E5584: pairing
#: a CS input with postsynaptic firing conditions only with beta-adrenergic activation).
#: ``apre`` is the presynaptic trace (+1 per spike, decay ``tau_apre``); a postsynaptic spike
#: adds ``eta_hebb*gate*(apre - apre_threshold)`` to the weight, clipped to [0, w_max]: a
#: covariance rule (Sejnowski 1977, J Math Biol 4:303), so that an input firing at its
#: spontaneous rate (trace ``apre_threshold`` on average) gains nothing on average and only
#: inputs driven above it (the CS) are potentiated. ``gate`` (>= 0) is the
#: modulator's level, set every 1 ms by the circuit that owns the synapses (0: no learning).
#: No depression: extinction is new learning elsewhere, the CS-US association stays
#: (Quirk & Mueller 2008, Neuropsychopharmacology 33:56).
HEBBIAN_GATED_SYNAPSE = """
w : amp
dapre/dt = -apre / tau_apre : 1 (event-driven)
gate : 1 (shared)
eta_hebb : amp (shared, constant)
apre_threshold : 1 (shared, constant)
tau_apre : second (shared, constant)
w_max : amp (shared, constant)
"""
HEBBIAN_GATED_ON_PRE = "I_e_post += w\napre += 1\n"
HEBBIAN_GATED_ON_POST = "w = clip(w + eta_hebb*gate*(apre - apre_threshold), 0*amp, w_max)\n"


def weights_brought_up_to_date(t, w, c, lastupdate, da_last, da_integral_post,
                               da_integral_prev_post, eta, w_max):
    """:data:`WEIGHT_UPDATE` for every synapse at time ``t``, in numpy (plain SI floats).

    A plastic weight is only updated at its synapse's spikes; at the end of a run this
    applies the dopamine that came after each synapse's last spike (``c`` is then decayed
    from its last update to ``t``), so that the reported final weights are those of the
    rule at ``t``. It evaluates the same formula as :data:`WEIGHT_UPDATE` (the Brian2 string
    that runs during the simulation); ``tests/model/test_plasticity.py`` checks it against an
    Euler integration of the rule.
    """
    tau, epoch_length = TAU_ELIGIBILITY_S, ELIGIBILITY_EPOCH_S
    epoch_now = np.floor(t / epoch_length + 1e-9)
    epoch_last = np.floor(lastupdate / epoch_length + 1e-9)
    same_epoch = (epoch_last == epoch_now).astype(float)
    last_epoch = (epoch_last == epoch_now - 1).astype(float)
    c_now = c * np.exp(-(t - lastupdate) / tau)
    growth = np.exp((t - epoch_now * epoch_length) / tau)
    growth_last = np.exp((t - (epoch_now - 1) * epoch_length) / tau)
    seen = (growth * (da_integral_post - same_epoch * da_last)
            + last_epoch * growth_last * (da_integral_prev_post - da_last))
    return np.clip(w + eta * c_now * seen, 0.0, w_max)

#: Names the modulation expressions may use besides Brian2 functions and constants.
MODULATION_NAMESPACE_NAMES = {
    "serotonin", "dopamine", "norepinephrine", "level_ref", "alpha1_half", "alpha1_hill",
    "k_gain_5ht", "k_gain_da", "k_gain_ne", "k_alpha1_ne", "k_theta_5ht", "k_theta_da", "k_theta_ne",
    "k_noise_ne", "mV", "volt", "t",
}


def neuron_equations(*, noise: str) -> b2.Equations:
    """Assemble the Extended LIF equations.

    Parameters
    ----------
    noise : {"xi", "kick", "none"}
        Noise formulation: Brian2 white noise in the membrane equation, periodic Gaussian
        kicks (see :data:`NOISE_KICK`), or none.

    Returns
    -------
    brian2.Equations
    """
    if noise not in ("xi", "kick", "none"):
        raise ConfigError(f"Unknown noise formulation {noise!r}: use 'xi', 'kick' or 'none'.")
    eqs = NEURON_EQUATIONS.format(noise=NOISE_XI if noise == "xi" else "")
    return b2.Equations(eqs + NEURON_PARAMETERS)


def slow_update_code(expressions: Mapping[str, str]) -> str:
    """Brian2 code run every 1 ms: modulation (gain, threshold_shift, noise_scale) and the
    external input current. (The noise kick, :data:`NOISE_KICK`, runs right after it as an
    operation of its own: without the random-number call in it this loop is cheaper.)
    """
    lines = [f"{name} = {expressions[name]}"
             for name in ("gain", "threshold_shift", "noise_scale")
             if not is_constant(expressions[name])]
    lines.append(INPUT_UPDATE)
    lines.append(DOPAMINE_COPY.strip())
    return "\n".join(lines)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Number literals (so that the exponent of 1e6 is not read as a name).
_NUMBER = re.compile(r"\b\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
#: Names in a modulation expression that change from neuron to neuron or over time.
_VARYING_NAMES = MODULATION_NAMESPACE_NAMES - {"level_ref", "alpha1_half", "alpha1_hill",
                                               "mV", "volt"}


def _identifiers(expr: str) -> list[str]:
    """The names an expression uses (number literals such as ``1e6`` left out)."""
    return _IDENTIFIER.findall(_NUMBER.sub(" ", expr))


def is_constant(expr: str) -> bool:
    """Whether a modulation expression is the same for every neuron at every time (e.g.
    ``"1"``: that modulation switched off). Such an expression is set once when the network
    is built instead of in the 1 ms update: Brian2's numpy target turns the assignment of a
    constant into a scalar and then fails to index it in the next line."""
    return not set(_identifiers(expr)) & _VARYING_NAMES


#: Ordinary values of every name a modulation expression may use, and the functions it may
#: call: :func:`check_modulation_expressions` evaluates an expression here to check its
#: units, and a constant one (:func:`is_constant`) evaluates to its value.
_TEST_NAMESPACE = {
    "serotonin": 0.6, "dopamine": 0.6, "norepinephrine": 0.6, "level_ref": LEVEL_REF,
    "alpha1_half": ALPHA1_NE_HALF, "alpha1_hill": ALPHA1_NE_HILL,
    "k_gain_5ht": 0.1, "k_gain_da": 0.1, "k_gain_ne": 0.1, "k_alpha1_ne": 0.1,
    "k_theta_5ht": 1 * b2.mV, "k_theta_da": 1 * b2.mV, "k_theta_ne": 1 * b2.mV,
    "k_noise_ne": 0.1, "mV": b2.mV, "volt": b2.volt, "t": 0.1 * b2.second,
    "ms": b2.ms, "second": b2.second,
    "exp": b2.exp, "log": b2.log, "sqrt": b2.sqrt, "abs": abs, "clip": b2.clip,
    "tanh": b2.tanh, "sin": b2.sin, "cos": b2.cos, "int": int, "minimum": min, "maximum": max,
    "pi": np.pi, "e": np.e,
}


def _evaluate(expr: str) -> b2.Quantity | float:
    return eval(b2.Expression(expr).code, {"__builtins__": {}}, dict(_TEST_NAMESPACE))  # noqa: S307


def constant_value(expr: str) -> b2.Quantity | float:
    """The value of a constant modulation expression (see :func:`is_constant`)."""
    return _evaluate(expr)


def check_modulation_expressions(overrides: Mapping[str, str]) -> dict[str, str]:
    """Validate a protocol's replacement modulation expressions and merge them with defaults.

    Checks, before any Brian2 object exists, that each overridden name is one of
    ``gain``, ``threshold_shift``, ``noise_scale``, that it only uses known names, and that
    its units are right (evaluated with every modulator and coefficient at a test value).

    Parameters
    ----------
    overrides : mapping of str to str
        Expression name to Brian2 expression string.

    Returns
    -------
    dict
        The complete set of expressions (defaults with the overrides applied).

    Raises
    ------
    ConfigError
        For an unknown expression name, an unknown variable or wrong units.
    """
    merged = dict(MODULATION_EXPRESSIONS)
    known_functions = {"exp", "log", "sqrt", "clip", "abs", "tanh", "sin", "cos", "int",
                       "minimum", "maximum", "ms", "second", "pi", "e"}
    for name, expr in overrides.items():
        if name not in MODULATION_EXPRESSIONS:
            raise ConfigError(
                f"Unknown modulation expression {name!r}. A protocol can override "
                f"{sorted(MODULATION_EXPRESSIONS)}; rename the key in the protocol's "
                "'modulation' overrides."
            )
        if not isinstance(expr, str) or not expr.strip():
            raise ConfigError(
                f"Modulation expression {name!r} must be a non-empty Brian2 expression string, "
                f"got {expr!r}."
            )
        unknown = sorted(set(_identifiers(expr)) - MODULATION_NAMESPACE_NAMES
                         - known_functions)
        if unknown:
            raise ConfigError(
                f"Modulation expression {name!r} = {expr!r} uses unknown name(s) {unknown}. "
                f"Available: {sorted(MODULATION_NAMESPACE_NAMES - {'mV', 'volt', 't'})} "
                "(and mV, ms for units)."
            )
        try:
            result = _evaluate(expr)
        except Exception as err:  # Brian2 or Python parse/unit errors
            raise ConfigError(
                f"Modulation expression {name!r} = {expr!r} cannot be evaluated: {err}. "
                "Write it as a Brian2 expression of the available names."
            ) from err
        expected = MODULATION_UNITS[name]
        if not b2.have_same_dimensions(result, expected):
            dims = b2.get_dimensions(result)
            got = "no units (dimensionless)" if dims.is_dimensionless else \
                f"units of {b2.get_unit(dims)!r}"
            raise ConfigError(
                f"Modulation expression {name!r} = {expr!r} has {got} but must be "
                f"{'dimensionless' if expected == b2.Unit(1) else f'in {expected!r}'}; "
                "multiply or divide by a unit (e.g. *mV)."
            )
        if not np.all(np.isfinite(np.asarray(result, dtype=float))):
            raise ConfigError(
                f"Modulation expression {name!r} = {expr!r} is not a finite number at "
                f"ordinary levels (0.6 of each modulator, coefficients 0.1 or 1 mV): "
                f"{result!r}. Check the formula (a log or sqrt of a negative number?)."
            )
        if name == "noise_scale" and not (set(_identifiers(expr)) - known_functions
                                          - {"mV", "volt"}):
            value = float(np.asarray(result, dtype=float).min())
            if value < 0:
                raise ConfigError(
                    f"Modulation expression 'noise_scale' = {expr!r} is a negative constant "
                    f"({value:g}); it multiplies the membrane noise's standard deviation, so "
                    "it must be >= 0 (1: unchanged; for no noise use noise='none')."
                )
        merged[name] = expr
    return merged
