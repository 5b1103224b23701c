"""Every default parameter of the model, with its unit and where its value comes from.

One file (issue 20): anatomy, connectivity, equations, network and readout import their
defaults from here, so a number is declared once. Each entry says whether it is

* **lit.** — taken from (or set to the middle of a range in) the cited paper;
* **assumed** — a round value chosen before any profile was simulated, with the reason;
* **fitted** — adjusted, with every neuromodulator at the neutral level 0.5 (no profile),
  to the baseline rates and the asynchronous-irregular regime on seeds 1-5
  (``benchmarks/mechanisms.py regime``); frozen before any profile was run
  (docs/model.md, "Freeze first, then test").

The model package imports only Brian2, numpy and :mod:`brainsim.channels`; nothing here may
name a device or a speed-up.
"""

from __future__ import annotations

import math

from brian2 import Hz, Mohm, Unit, ms, mV, pA, pcoulomb, second

from brainsim.channels import EMOTIONS
from brainsim.defaults import DEFAULT_DT_MS, INPUT_STEP_MS

# --------------------------------------------------------------------------------------
# Time steps
# --------------------------------------------------------------------------------------

#: Integration time step (forward Euler). 0.5 ms: every time constant is >= 10 steps
#: (docs/model.md, "Time step"). A protocol's ``dt`` replaces it.
DT = DEFAULT_DT_MS * ms  # the number lives in brainsim.defaults (read by --help too)
#: Time step of every input array (sensory rates, rewards, text drive) and of the
#: neuromodulation / noise updates.
INPUT_DT = INPUT_STEP_MS * ms

# --------------------------------------------------------------------------------------
# Sizes and cell types
# --------------------------------------------------------------------------------------

#: Neurons per region at ``scale = 1`` (the original project's sizes).
DEFAULT_SIZES: dict[str, int] = {
    "pfc": 512, "amygdala": 256, "hippocampus": 256, "thalamus": 256, "striatum": 1024,
}
#: Fraction of principal cells (the rest are interneurons). Cortex/hippocampus/BLA ~80 %
#: glutamatergic (Markram et al. 2004; McDonald 1992); striatum ~95 % MSNs in rodents,
#: here 85 % so that the fast-spiking interneurons are a population of useful size
#: (assumed).
EXC_FRACTION: dict[str, float] = {
    "pfc": 0.8, "amygdala": 0.8, "hippocampus": 0.8, "thalamus": 0.8, "striatum": 0.85,
}
#: Groups the principal cells of a region are split into (equal parts, interleaved):
#: BLA projection neurons coding positive and negative valence (Namburi et al. 2015,
#: Nature 520:675; Kim et al. 2016, Nat Neurosci 19:1636); D1- and D2-type MSNs in every
#: striatal channel, half each (Gerfen & Surmeier 2011, Annu Rev Neurosci 34:441).
#: The thalamus's groups are its sensory channels (``SENSORY_CHANNELS``).
PRINCIPAL_GROUPS: dict[str, tuple[str, ...]] = {
    "amygdala": ("positive", "negative"),
    "striatum": ("D1", "D2"),
}

# --------------------------------------------------------------------------------------
# Neuron parameters (Extended LIF), per region
# --------------------------------------------------------------------------------------

#: Network-wide time constants (one value for every neuron).
NETWORK_CONSTANTS = {
    "tau_ref": 2 * ms,      # absolute refractory period, lit. (typical 1-3 ms)
    "tau_e": 5 * ms,        # AMPA-like decay, lit. (Hestrin 1993: 2-6 ms)
    "tau_i": 10 * ms,       # GABA_A decay, lit. (Xiang et al. 1998: 5-15 ms)
    "tau_adapt": 200 * ms,  # slow AHP / M-current, lit. (Madison & Nicoll 1984: 100s of ms)
    "tau_th": 50 * ms,      # threshold adaptation, lit. (Fontaine et al. 2014: tens of ms)
}


def _neuron(**overrides):
    """The Extended LIF defaults, changed by ``overrides``.

    E_L, v_th0, tau_m, R: lit. ranges for cortical pyramidal cells (McCormick et al. 1985:
    rest -65 to -75 mV, threshold ~ -50 mV, tau_m 10-30 ms, input resistance ~100 MOhm).
    ``v_th0_sd`` (heterogeneous thresholds, drawn once per network): lit. spread of
    cortical thresholds of a few mV (Azouz & Gray 2000). ``sigma_v``, ``I_bias_*``: the
    mean and fluctuation of the background (diffusion approximation of Poisson
    afferents, Brunel 2000, J Comput Neurosci 8:183): fitted.
    """
    params = {
        "E_L": -70 * mV, "v_reset": -60 * mV, "v_th0": -50 * mV, "v_th0_sd": 2 * mV,
        "tau_m": 20 * ms, "tau_m_inh": 10 * ms, "R": 100 * Mohm,
        "b_adapt": 10 * pA,   # spike-triggered adaptation, assumed (1 mV at R = 100 MOhm)
        "delta_th": 1 * mV,   # threshold jump per spike, assumed
        "sigma_v": 5 * mV,    # background fluctuation: fitted (PFC 7 mV)
        "k_noise_ne": 0.0,    # NE scaling of noise: off (no mechanism in issue 21's list)
        "I_bias_exc": 100 * pA, "I_bias_inh": 120 * pA,  # background mean: fitted
    }
    params.update(overrides)
    return params


#: Neuron parameters per region. ``I_bias_*`` and ``sigma_v`` are the mean and the
#: fluctuation of each region's background input, fitted (neutral levels, seeds 1-5,
#: ``benchmarks/mechanisms.py regime``, 2026-11-29) to: PFC pyramidal ~3 Hz, CA1 ~1 Hz, BLA
#: projection cells ~0.5 Hz, MSNs ~0.7 Hz, FSIs 10-20 Hz, PFC ISI CV >= 0.8. The
#: thalamus kept its starting values (no target; 4-5 Hz relay cells).
REGION_NEURONS = {
    "pfc": _neuron(I_bias_exc=80 * pA, I_bias_inh=140 * pA, sigma_v=7 * mV),
    "amygdala": _neuron(I_bias_exc=75 * pA, I_bias_inh=140 * pA),
    "hippocampus": _neuron(I_bias_exc=90 * pA, I_bias_inh=140 * pA),
    "thalamus": _neuron(I_bias_exc=120 * pA, I_bias_inh=140 * pA),
    # MSNs: hyperpolarised rest (~ -80 mV, Gerfen & Surmeier 2011), strong inward-rectifier
    # (shorter tau_m); FSIs fire fast (tau_m_inh 10 ms).
    "striatum": _neuron(E_L=-80 * mV, v_reset=-65 * mV, tau_m=15 * ms, b_adapt=20 * pA,
                        I_bias_exc=290 * pA, I_bias_inh=350 * pA),
}

#: Units of every per-region neuron parameter (what a protocol's ``parameters`` may set).
NEURON_PARAMETER_UNITS = {
    "E_L": mV, "v_reset": mV, "v_th0": mV, "v_th0_sd": mV, "tau_m": ms, "tau_m_inh": ms,
    "R": Mohm, "b_adapt": pA, "delta_th": mV, "sigma_v": mV, "k_noise_ne": Unit(1),
    "I_bias_exc": pA, "I_bias_inh": pA,
}

# --------------------------------------------------------------------------------------
# Neuromodulators: the receptor sensitivities of cell types (never of channels)
# --------------------------------------------------------------------------------------

#: Neutral neuromodulator level: a neuron at this level of all three is unmodulated.
LEVEL_REF = 0.5

#: NE: multiplicative gain on *excitatory* (synaptic and afferent) input only,
#: ``gain = 1 + K_GAIN_NE*(NE - 0.5)`` (Servan-Schreiber, Printz & Cohen 1990, Science
#: 249:892; Aston-Jones & Cohen 2005, Annu Rev Neurosci 28:403). Assumed: 1 per unit level
#: (gain 1.3 at NE 0.8, 0.8 at NE 0.3: the range of gain changes in Servan-Schreiber's
#: simulations). On every cell of the regions the locus coeruleus innervates densely:
#: cortex, amygdala, hippocampus, thalamus; not the striatum, whose NE innervation is
#: sparse (Aston-Jones & Cohen 2005).
K_GAIN_NE = 1.0
NE_REGIONS = ("pfc", "amygdala", "hippocampus", "thalamus")

#: NE's inverted U in the prefrontal cortex: moderate NE acts through high-affinity alpha2A
#: adrenoceptors, high NE (stress levels) engages low-affinity alpha1 receptors, which
#: suppress PFC neurons' responses and impair PFC function (Birnbaum et al. 1999, Science
#: 286:2031; Arnsten 2009, Nat Rev Neurosci 10:410). On every PFC cell the gain loses
#: ``K_ALPHA1_NE*(occ(NE) - occ(0.5))``, with alpha1 occupancy
#: ``occ(x) = x**n/(x**n + K**n)`` (K = ``ALPHA1_NE_HALF``, n = ``ALPHA1_NE_HILL``), so the
#: neutral level is unmodulated. K and n assumed (engaged above the neutral level, steeply);
#: K_ALPHA1_NE chosen so that the PFC gain falls to 0.4 at NE 0.9 (gain over NE
#: 0.1/0.3/0.5/0.7/0.9: 0.72/0.91/1.00/0.72/0.40), one value tried, on the healthy profile
#: with its NE varied (seeds 1-2), before any profile outcome was looked at.
K_ALPHA1_NE = 1.5
ALPHA1_NE_HALF = 0.75
ALPHA1_NE_HILL = 6
ALPHA1_REGIONS = ("pfc",)

#: DA through D1 / D2 receptors of MSNs: D1 activation raises MSN excitability, D2
#: activation lowers it (Gerfen & Surmeier 2011; Surmeier et al. 2007, TINS 30:228).
#: ``threshold_shift = -K_DA*(DA - 0.5)`` for D1, ``+K_DA*(DA - 0.5)`` for D2. Assumed:
#: 5 mV per unit level (rheobase shifts of tens of pA at ~100 MOhm in slice work;
#: 1.5 mV between the healthy and depressed levels).
K_THETA_DA = 5 * mV

#: DA also scales how strongly MSNs respond to glutamatergic input: D1 activation enhances
#: NMDA/L-type Ca2+ responses to cortical input, D2 activation reduces AMPA and Ca2+
#: responses (Nicola, Surmeier & Malenka 2000, Annu Rev Neurosci 23:185; Surmeier et al.
#: 2007, TINS 30:228). ``gain = 1 + K_GAIN_DA*(DA - 0.5)`` on D1 MSNs, ``1 - K_GAIN_DA*(DA -
#: 0.5)`` on D2 MSNs, on excitatory input only, as for NE. Assumed: the same 1 per unit level
#: as NE (not fitted; no other value tried). The threshold shift moves a population's
#: baseline; this term moves its response to cues (benchmarks/mechanisms.py cell-types).
K_GAIN_DA = 1.0

#: 5-HT and aversive sensitivity: lowering 5-HT enhances punishment (not reward)
#: prediction and aversive processing (Cools, Robinson & Sahakian 2008,
#: Neuropsychopharmacology 33:2291; Crockett, Clark & Robbins 2009, J Neurosci 29:11993;
#: 5-HT as the aversive opponent of DA: Daw, Kakade & Dayan 2002, Neural Netw 15:603).
#: 5-HT raises the threshold of the negative-valence BLA projection neurons only:
#: ``threshold_shift = K_5HT*(5-HT - 0.5)``. Assumed: the same 5 mV per unit as DA.
K_THETA_5HT = 5 * mV

# --------------------------------------------------------------------------------------
# Synapses, connection probabilities, delays
# --------------------------------------------------------------------------------------

#: Axonal delays: within a region, between regions (one scalar per synapse set, see
#: docs/architecture.md). Lit.: local 1-2 ms, cortico-subcortical 3-8 ms (Swadlow 2000).
DELAY_LOCAL = 1.5 * ms
DELAY_LONG = 5.5 * ms

#: Within each region except the striatum: (p, weight) of E->E, E->I, I->E, I->I.
#: p: lit. local connectivity ~0.1 (E) and ~0.2-0.5 (I) (Holmgren et al. 2003). Weights:
#: fitted so that inhibition dominates (Brunel 2000's asynchronous-irregular regime).
LOCAL = {
    "EE": (0.1, 20 * pA), "EI": (0.1, 30 * pA), "IE": (0.2, 60 * pA), "II": (0.2, 60 * pA),
}

#: Striatum: MSN collaterals between channels (lateral inhibition, Taverna et al. 2008,
#: J Neurosci 28:5504: p ~0.1, weak), FSI->MSN (p ~0.2-0.3 and strong, Koós & Tepper 1999,
#: Nat Neurosci 2:467; Gittis et al. 2010), FSI->FSI (gap junctions and GABA, weak).
STRIATUM_LOCAL = {
    "MSN_MSN": (0.1, 30 * pA), "FSI_MSN": (0.2, 40 * pA), "FSI_FSI": (0.2, 30 * pA),
}

#: Long-range excitatory projections (p, weight): PFC <-> amygdala / hippocampus /
#: thalamus, the limbic-thalamic triangle. Assumed: sparse (p 0.05) and weak (15 pA).
LONG_RANGE = (0.05, 15 * pA)
#: PFC onto amygdala interneurons: top-down control of the amygdala (Likhtik et al. 2005,
#: J Neurosci 25:7429). Assumed: twice the density of the other long-range projections.
PFC_TO_AMYGDALA_INH = (0.1, 25 * pA)

#: Thalamus -> BLA, "low road" (LeDoux 1996): threat relay cells onto negative-valence
#: cells, appetitive relay cells onto positive-valence cells (Namburi et al. 2015: the
#: two BLA populations are driven by aversive and appetitive cues), context cells onto
#: both. (p, weight); assumed.
THALAMUS_TO_AMYGDALA = {
    ("threat", "negative"): (0.1, 30 * pA),
    ("appetitive", "positive"): (0.1, 30 * pA),
    ("context", "positive"): (0.05, 10 * pA),
    ("context", "negative"): (0.05, 10 * pA),
}

#: Where each emotion lies on the affective circumplex, (valence, arousal) = (cos, sin) of
#: its angle (Russell 1980, J Pers Soc Psychol 39:1161; angles of the nearest adjective of
#: his scaling solution, rounded to 5 degrees: "happy" 10, "content" 325 for love,
#: "sad" 210, "angry" 100, "afraid" 115, "astonished" 70 for surprise). Lit.; the only
#: thing that tells the striatal channels apart.
CIRCUMPLEX_DEG: dict[str, float] = {
    "sadness": 210.0, "joy": 10.0, "love": 325.0, "anger": 100.0, "fear": 115.0,
    "surprise": 70.0,
}
VALENCE = {e: math.cos(math.radians(a)) for e, a in CIRCUMPLEX_DEG.items()}
AROUSAL = {e: math.sin(math.radians(a)) for e, a in CIRCUMPLEX_DEG.items()}

#: Inputs to the MSNs of every channel (p, weight at a channel factor of 1). The channel
#: factor is, for every channel alike:
#:
#: * positive-valence BLA -> D1 MSNs: max(valence, 0); negative-valence BLA -> D2 MSNs:
#:   max(-valence, 0). BLA -> ventral striatum carries valence (Namburi et al. 2015;
#:   Stuber et al. 2011). D1 for positive, D2 for negative: the opponent actor of
#:   Collins & Frank 2014 (Psychol Rev 121:337, OpAL), whose Go (D1) weights learn from
#:   positive and NoGo (D2) weights from negative outcomes, so that DA emphasises benefits
#:   and its lack emphasises costs.
#: * thalamic context relay (arousal) -> all MSNs: max(arousal, 0) (intralaminar/
#:   paraventricular thalamostriatal input, Smith et al. 2004).
#: * thalamic threat relay -> fear MSNs, appetitive relay -> joy MSNs (cue-specific
#:   thalamostriatal input): factor 1 for that channel only.
#: * PFC and hippocampus -> all MSNs equally (corticostriatal and hippocampal context,
#:   Britt et al. 2012): factor 1.
#: (p, weight): assumed density, weights fitted to the MSN rates (profile-blind).
STRIATAL_INPUTS = {
    "pfc": (0.05, 20 * pA),
    "hippocampus": (0.05, 20 * pA),
    "amygdala_valence": (0.2, 40 * pA),
    "thalamus_arousal": (0.1, 30 * pA),
    "thalamus_cue": (0.1, 40 * pA),
}
#: Feed-forward inhibition: cortex and thalamus drive the FSIs (Tepper et al. 2004).
STRIATAL_FSI_INPUTS = {"pfc": (0.1, 30 * pA), "thalamus": (0.1, 30 * pA)}

#: Connectivity seed (the synapses and the threshold heterogeneity are drawn from it, so
#: every backend and every run seed simulates the same network).
CONNECTIVITY_SEED = 1234

# --------------------------------------------------------------------------------------
# Dopamine dynamics and plasticity
# --------------------------------------------------------------------------------------

#: Phasic dopamine: time constant of return to tonic (lit. hundreds of ms, Schultz 1998),
#: and the jump per unit of reward (assumed).
DEFAULT_MODULATOR_SHARED = {"tau_dopamine": 200 * ms, "reward_sensitivity": 0.5}
#: Relative density of the dopaminergic projection per region (assumed: striatum densest,
#: then PFC; Björklund & Dunnett 2007).
DOPAMINE_PROJECTION = {"pfc": 0.5, "amygdala": 0.3, "hippocampus": 0.3, "thalamus": 0.1,
                       "striatum": 1.0}
#: Three-factor plasticity (Izhikevich 2007, Cereb Cortex 17:2443; shapes lit., eta assumed:
#: a reward of 1 moves a synapse with eligibility 1 by about 0.5*0.2 s*eta = 2 pA).
DEFAULT_PLASTICITY = {
    "eta": 20 * pA / second, "A_plus": 1.0, "A_minus": -1.5,
    "tau_plus": 20 * ms, "tau_minus": 20 * ms, "w_max": 120 * pA,
}
#: Eligibility trace time constant (Izhikevich 2007: ~1 s) and the epoch of the dopamine
#: integral (numerics, docs/model.md), in seconds: constants of the build.
TAU_ELIGIBILITY_S = 1.0
ELIGIBILITY_EPOCH_S = 10.0

# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------

#: Charge per afferent spike summed over a relay cell's (or PFC cell's) afferents: mean
#: current = afferent rate x charge (Campbell). Assumed.
SENSORY_CHARGE = 4 * pcoulomb
#: Sensory statistics (brainsim.experiment.inputs): context stream, cue background, cues.
CONTEXT_RATE = 10 * Hz
CONTEXT_CV = 0.2
CONTEXT_TAU = 50 * ms
BACKGROUND_RATE = 2 * Hz
CUE_RATE = 30 * Hz
CUE_DURATION = 100 * ms

#: Text: a sentence's emotion probabilities p, times the gate g, drive the network's
#: valence and arousal populations: p(joy)+p(love) -> positive-valence BLA cells,
#: p(sadness)+p(fear)+p(anger) -> negative-valence BLA cells, p(surprise) -> thalamic
#: context relay cells (arousal). Columns of the network's text array.
TEXT_COLUMNS = ("positive", "negative", "arousal")
TEXT_COLUMN_OF_EMOTION = {"sadness": "negative", "joy": "positive", "love": "positive",
                          "anger": "negative", "fear": "negative", "surprise": "arousal"}
#: Current of g*p = 1: the current a cue adds to a thalamic relay cell,
#: SENSORY_CHARGE*(CUE_RATE - BACKGROUND_RATE) (assumed: a sentence read as strongly as a
#: cue is seen).
TEXT_CURRENT = SENSORY_CHARGE * (CUE_RATE - BACKGROUND_RATE)

# --------------------------------------------------------------------------------------
# Readout
# --------------------------------------------------------------------------------------

#: Softmax temperature (Hz): a channel firing this much faster than another is e times
#: more probable. Assumed (MSN rates are ~1 Hz, so 0.5 Hz).
TEMPERATURE_HZ = 0.5
#: Initial transient excluded from the whole-run readout.
TRANSIENT_MS = 100.0

assert set(CIRCUMPLEX_DEG) == set(EMOTIONS)
assert set(TEXT_COLUMN_OF_EMOTION) == set(EMOTIONS)

# --------------------------------------------------------------------------------------
# Closed-loop tasks (issue 22): the task circuit of brainsim.model.tasks
# --------------------------------------------------------------------------------------

#: Cue populations: each cue is represented by this fraction of PFC principal cells
#: (disjoint sets). Assumed: stimulus-selective PFC cells are a minority of a few to tens
#: of per cent (Rigotti et al. 2013, Nature 497:585, report mixed selectivity in most cells;
#: 10 % keeps the populations disjoint for up to eight cues).
TASK_CUE_FRACTION = 0.1
#: Afferents of the cue populations and of the reward's sensory representation (the US):
#: Poisson sources firing at CUE_RATE while on, each target cell receiving from a fraction
#: ``p`` of the sources with weight ``w`` (onto I_e). Assumed so that the mean current,
#: 100 sources x p 0.2 x 30 Hz x 35 pA x tau_e 5 ms = 105 pA, matches the current a cue adds
#: to a thalamic relay cell (SENSORY_CHARGE x (CUE_RATE - BACKGROUND_RATE) = 112 pA).
TASK_SOURCES_PER_INPUT = 100
TASK_SOURCE_P = 0.2
TASK_SOURCE_WEIGHT = 35 * pA
#: The reward's sensory representation (US) drives the thalamic appetitive relay cells, the
#: model's appetitive channel (-> positive-valence BLA -> D1 MSNs; -> joy MSNs).
TASK_US_TARGET_GROUP = "appetitive"
#: Corticostriatal task projection: every cue population -> every striatal MSN (D1 and D2,
#: all channels), dopamine-gated like the model's other inputs to the MSNs
#: (DEFAULT_PLASTICITY). p assumed (denser than the background PFC -> MSN input, 0.05, so
#: that a cue reaches each MSN through ~10 synapses); initial weight = the PFC -> MSN weight
#: of STRIATAL_INPUTS.
TASK_STRIATAL_P = 0.25
TASK_STRIATAL_WEIGHT = 20 * pA
#: Learning rate of the critic, V(cue) += alpha*(r - V(cue)) once per trial (TD(0) with one
#: state per cue and gamma = 1, Schultz, Dayan & Montague 1997, Science 275:1593). Assumed:
#: 0.2, so that the phasic response moves from reward to cue within ~10-20 trials (Schultz
#: et al. 1993 and Pan et al. 2005, J Neurosci 25:6235, report tens of trials).
TASK_CRITIC_ALPHA = 0.2
#: Phasic dopamine per unit of prediction error: the jump of a reward of 1 in the open-loop
#: model (reward_sensitivity, DEFAULT_MODULATOR_SHARED), times each region's
#: dopamine_projection.
TASK_DELTA_SCALE = 1.0
#: Plasticity of the task projection: the model's rule (DEFAULT_PLASTICITY) with
#: ``A_minus = 0``: its eligibility counts pre-before-post pairings only, the pairing of
#: Yagishita et al. 2014 (Science 345:1616: glutamate uncaging followed by postsynaptic
#: spikes, then dopamine 0.3-2 s later, enlarged D1-MSN spines). Why not the default
#: A_minus = -1.5: cue and MSN spikes in these tasks coincide by rate, not by causation, and
#: with A_minus = -1.5 chance coincidences give a net negative eligibility, so a reward
#: *weakened* the rewarded cue's input (healthy, seed 1, 30 CS+ trials: -2.8 pA against
#: +0.3 pA at A_minus = -1 and +10.9 pA at 0; docs/tasks.md). Chosen before any profile was
#: compared, the same for every profile; ``benchmarks/tasks.py --a-minus -1.5`` runs the
#: tasks with the default. ``eta`` = 80 pA/s (the default's 20 x 4): at 20 pA/s a trial
#: moved a weight by ~0.6 pA and the healthy network did not learn the first reversal of
#: the probabilistic reversal task (accuracy 0.60-0.75 after it, Rescorla-Wagner fit of its
#: choices alpha ~0.1); of 20, 40 and 80 pA/s only 80 learned it in each of seeds 1-3
#: (0.78-0.88; alpha 0.12-0.28, the range of human fits). Chosen on the healthy profile
#: alone, before any other profile was run (docs/tasks.md).
TASK_PLASTICITY = {**DEFAULT_PLASTICITY, "A_minus": 0.0, "eta": 80 * pA / second}
#: Record the task projection's weights every this often (after bringing them up to date).
TASK_WEIGHT_RECORD_DT = 0.5 * second

# --------------------------------------------------------------------------------------
# Attention regulation task (issue 22, item 2): brainsim.experiment.tasks.attention
# --------------------------------------------------------------------------------------

#: The weak target: its afferents' rate as a fraction of CUE_RATE (same afferents as every
#: task stimulus: TASK_SOURCES_PER_INPUT, TASK_SOURCE_P, TASK_SOURCE_WEIGHT onto I_e of the
#: target relay cells). Fitted profile-blind: on the neutral profile (every level 0.5,
#: sensory_scale 1), tuning seeds 1-5, no distractor, the value of those tried whose PFC d'
#: lies in 1-1.5 (a detection task near threshold, neither at floor nor at ceiling); frozen
#: before any profile or NE level was run (docs/tasks.md, "Attention regulation"). Measured
#: (96 trials, 16 per cell; ``benchmarks/results/tasks-attention-tuning.csv``), d' without /
#: with a neutral distractor, mean of seeds 1-5: 2.0: 0.94 / 0.96; 2.5: 1.00 / 1.35; 3.0:
#: 1.61 / 1.59. "Weak" for the PFC, not for the thalamus: the thalamus -> PFC projection
#: (LONG_RANGE, p 0.05, 15 pA) is weak, so at 2.5 the 34 target relay cells fire ~59 Hz
#: (from ~7 Hz) while the PFC readout rises by ~0.5 Hz (3.2 -> 3.7 Hz); at 1.0 (a cue's
#: rate; relay cells ~27 Hz) d' was ~0 (seed 1).
ATTENTION_TARGET_STRENGTH = 2.5
#: The distractors' rate as a fraction of CUE_RATE. Assumed: 1, a distractor as salient as
#: one of the model's cues (CUE_RATE), several times the target (distractors in attention
#: tasks are salient, the target is near threshold).
ATTENTION_DISTRACTOR_STRENGTH = 1.0
#: A "response": the mean rate (Hz per cell) of the PFC readout cells in a window of the
#: stimulus epoch's length at or above this criterion. Derived profile-blind: the midpoint of
#: the mean readout rate of target-present and target-absent trials without a distractor on
#: the neutral profile, tuning seeds 1-5, at ATTENTION_TARGET_STRENGTH (an unbiased observer
#: of the neutral network); frozen before any profile or NE level was run. Measured: 3.218 Hz
#: (absent) and 3.716 Hz (present), 80 + 80 trials -> 3.47 Hz; foreperiod windows of the same
#: runs reach it in ~20 % of cases (mean 3.11 Hz, SD 0.45 Hz).
ATTENTION_RESPONSE_CRITERION_HZ = 3.47

# Fear conditioning and extinction (issue 22, item 3): brainsim.model.fear
# --------------------------------------------------------------------------------------
# Every FEAR_* value below was fixed before any profile other than healthy was run, on the
# healthy profile and the tuning seeds 1-2 only (docs/tasks.md, "Fear conditioning and
# extinction"); the same for every profile.

#: The tones (CS+ and CS-): two subpopulations of the thalamic context relay cells (the
#: model's neutral, non-valenced channel; auditory thalamus MGm/PIN, LeDoux 2000, Annu Rev
#: Neurosci 23:155), each ``FEAR_CS_FRACTION`` of them, overlapping by ``FEAR_CS_OVERLAP`` of
#: a population (tones of neighbouring frequencies excite overlapping tuning curves; the
#: overlap is the model's only route to generalisation from CS+ to CS-). Assumed.
FEAR_CS_FRACTION = 0.5
FEAR_CS_OVERLAP = 0.2
#: The tone's cortical representation in infralimbic PFC (IL neurons fire to the tone,
#: most after extinction: Milad & Quirk 2002, Nature 420:70): PFC principal cells per CS,
#: as the task cue populations (TASK_CUE_FRACTION). The tones reach them through
#: afferent blocks like the thalamic ones.
FEAR_IL_FRACTION = 0.1
#: Plastic thalamus -> lateral amygdala synapses: every CS cell -> every negative-valence
#: BLA principal cell with probability p, initial weight w0 (a neutral tone: as the
#: model's context -> BLA input, THALAMUS_TO_AMYGDALA, 10 pA), bounded by w_max. Assumed.
FEAR_LA_P = 0.3
FEAR_LA_W0 = 10 * pA
FEAR_LA_W_MAX = 60 * pA
#: LA plasticity (Hebbian, gated by norepinephrine): a postsynaptic spike potentiates each
#: input by ``eta*gate*(apre - threshold)`` (``apre``: presynaptic trace, +1 per spike, decay tau_pre; the
#: potentiation window of STDP, Bi & Poo 1998, J Neurosci 18:10464: ~20 ms). The gate is
#: on only while the US is on (phasic NE released by the shock: Galvez et al. 1996,
#: Neurobiol Learn Mem 66:253), with amplitude ``NE_amygdala/LEVEL_REF`` (beta-adrenergic
#: gating of Hebbian LA plasticity: Hebbian pairing alone does not condition, pairing with
#: beta-adrenergic activation does, Johansen et al. 2014, PNAS 111:E5584; Blair et al.
#: 2001, Learn Mem 8:229). eta assumed so that the CS+ response saturates within the
#: first 4-6 pairings (rodent auditory fear conditioning asymptotes within a few
#: pairings).
FEAR_LA_TAU_PRE = 20 * ms
#: The covariance rule's threshold: the presynaptic trace at the thalamic relay cells'
#: spontaneous rate (~5 Hz x 20 ms; the thalamus's 4-5 Hz, REGION_NEURONS), so that
#: inputs at their spontaneous rate gain nothing on average during the US (without it the
#: non-CS inputs gained half as much as the CS+'s: healthy, seed 1).
FEAR_LA_APRE_THRESHOLD = 0.1
FEAR_LA_ETA = 3.0 * pA
#: Plastic IL -> amygdala interneuron synapses (the infralimbic drive of intercalated /
#: inhibitory amygdala cells that holds extinction: Quirk & Mueller 2008,
#: Neuropsychopharmacology 33:56; Likhtik et al. 2008, Nature 454:642): every IL CS cell ->
#: every amygdala interneuron with probability p, initial weight as the model's PFC ->
#: amygdala interneuron projection (PFC_TO_AMYGDALA_INH: 25 pA) scaled down to a neutral
#: tone's 10 pA, bounded by w_max. Assumed.
FEAR_IL_P = 0.3
FEAR_IL_W0 = 10 * pA
FEAR_IL_W_MAX = 100 * pA
#: Extinction learning: the model's dopamine-gated three-factor rule (DEFAULT_PLASTICITY,
#: A_minus = 0 as TASK_PLASTICITY), gated by amygdala dopamine released at the omission of
#: an expected US (Salinas-Hernandez et al. 2018, eLife 7:e38818: VTA dopamine at the time of
#: the omitted shock is needed for extinction). eta: calibrated (healthy, seeds 1-2).
FEAR_IL_PLASTICITY = {**DEFAULT_PLASTICITY, "A_minus": 0.0, "eta": 400 * pA / second}
#: The omission prediction error, computed in the compiled program at the time the US would
#: come: ``pe = clip(r_CS/FEAR_PE_REF_HZ, 0, 1)`` when no US comes (0 when it does), with
#: ``r_CS`` the negative-valence BLA cells' rate during the CS above their pre-CS rate (the
#: amygdala's own prediction of the US, in the spirit of the Rescorla-Wagner error
#: lambda - V with lambda = 0 at omission). It adds ``reward_sensitivity*dopamine_projection*pe``
#: to the amygdala's dopamine, as the tasks' critic (TASK_DELTA_SCALE). FEAR_PE_REF_HZ
#: assumed: of the order of the conditioned response.
FEAR_PE_REF_HZ = 5.0
#: Record the plastic weights every this often.
FEAR_WEIGHT_RECORD_DT = 0.5 * second
