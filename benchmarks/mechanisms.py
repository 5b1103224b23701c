"""Mechanisms report (issue 21): the regime, the evoked responses, and every profile effect
with an ablation of the mechanism behind it, on seeds never used while fitting.

Run by hand (one compiled build of the default 3 s network serves every run):

    PYTHONPATH=$PWD python benchmarks/mechanisms.py regime            # seeds 1-5, neutral levels
    PYTHONPATH=$PWD python benchmarks/mechanisms.py report            # seeds 1001-1020
    PYTHONPATH=$PWD python benchmarks/mechanisms.py spectrum --profiles anxious --seeds 1001 1002
    PYTHONPATH=$PWD python benchmarks/mechanisms.py cell-types        # seeds 1001-1020

``regime`` is what the free parameters were fitted against (every modulator at 0.5, no
profile). ``report`` writes ``benchmarks/results/mechanisms.csv`` (one row per run and
population/measure) and ``benchmarks/results/mechanisms.md`` (the tables pasted into
docs/model.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from brian2 import Hz, second

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.contrasts import difference_ci, mean_ci  # noqa: E402
from analysis.regime import (  # noqa: E402
    count_correlations,
    isi_cv,
    isi_cv_pooled,
    population_spectrum,
    spectral_peak_ratio,
)
from brainsim.channels import EMOTIONS, REGIONS  # noqa: E402
from brainsim.devices import get_backend  # noqa: E402
from brainsim.experiment.protocol import Phase, Protocol, standard_phases  # noqa: E402
from brainsim.experiment.runner import structure_for, values_for  # noqa: E402
from brainsim.model import parameters as P  # noqa: E402
from brainsim.model.profiles import PROFILES, Profile  # noqa: E402

DURATION = 3 * second
DURATION_MS = 3000.0
TRANSIENT_MS = 100.0
RESULTS = ROOT / "benchmarks" / "results"
#: Seeds the free parameters were fitted on, and the unseen seeds of the report.
FIT_SEEDS = (1, 2, 3, 4, 5)
TEST_SEEDS = tuple(range(1001, 1021))
NEUTRAL = Profile("neutral", 0.5, 0.5, 0.5)

#: Literature ranges of the regime (docs/model.md).
RATE_RANGES = {
    "pfc E": (1.0, 5.0, "PFC pyramidal, awake: 1-5 Hz (e.g. Jacob et al.; Hengen et al. 2016)"),
    "hippocampus E": (0.3, 2.0, "CA1 pyramidal median ~1 Hz (Mizuseki & Buzsaki 2013)"),
    "amygdala E": (0.05, 1.0, "BLA projection cells < 1 Hz (Pare & Gaudreau 1996)"),
    "striatum MSN": (0.5, 2.0, "MSNs 0.5-2 Hz (Berke et al. 2004)"),
    "striatum FSI": (10.0, 20.0, "FSIs 10-20 Hz (Berke et al. 2004)"),
}

#: Ablations: which per-neuron receptor sensitivities are set to 0.
ABLATIONS = {
    "full": (),
    "no NE gain": ("k_gain_ne",),
    "no NE alpha1": ("k_alpha1_ne",),
    "no D1/D2": ("k_theta_da", "k_gain_da"),
    "no DA gain": ("k_gain_da",),
    "no 5-HT aversive": ("k_theta_5ht",),
    "no modulation": ("k_gain_ne", "k_alpha1_ne", "k_theta_da", "k_gain_da", "k_theta_5ht"),
}


def standard(profile, seed) -> Protocol:
    return Protocol(name="mech", profile=profile, duration=DURATION,
                    phases=standard_phases(DURATION), seed=seed)


def spontaneous(profile, seed) -> Protocol:
    """Context input only (no cues, no rewards) for 3 s: the regime is measured here."""
    return Protocol(name="spontaneous", profile=profile, duration=DURATION, seed=seed,
                    phases=[Phase("baseline", 0 * second, DURATION)])


def evoked(profile, seed) -> Protocol:
    """Baseline 0-1 s, threat cues 1-2 s, appetitive cues 2-3 s (5 Hz each): more cues per
    run than the standard schedule, same build (phases are values, not structure)."""
    return Protocol(name="evoked", profile=profile, duration=DURATION, seed=seed, phases=[
        Phase("baseline", 0 * second, 1 * second),
        Phase("threat cues", 1 * second, 2 * second, threat_cue_rate=5 * Hz),
        Phase("appetitive cues", 2 * second, 3 * second, appetitive_cue_rate=5 * Hz)])


class Lab:
    """One compiled build; runs protocols with optional ablations."""

    def __init__(self):
        base = standard(NEUTRAL, 1)
        self.structure = structure_for(base)
        t0 = time.perf_counter()
        self.build = get_backend("cpp_standalone").prepare(
            self.structure, values_for(base, self.structure, None), report=None)
        print(f"build ready in {time.perf_counter() - t0:.0f} s", flush=True)
        s = self.structure
        self.offsets = s.offsets

    def run(self, proto: Protocol, ablate=(), edit=None, text=None):
        values = values_for(proto, self.structure, text)
        for name in ablate:
            values.neuron_arrays[name] = values.neuron_arrays[name] * 0
        if edit is not None:
            edit(values)
        raw = self.build.run(values)
        return raw, values

    def close(self):
        self.build.close()


def populations(structure) -> dict[str, np.ndarray]:
    """Indices (within their region) of the populations the report measures."""
    out = {}
    for region in REGIONS:
        lay = structure.layouts[region]
        out[f"{region} E"] = lay.indices("E")
        out[f"{region} I"] = lay.indices("I")
    lay = structure.layouts["amygdala"]
    for g in ("positive", "negative"):
        out[f"amygdala {g}"] = lay.indices("E", g)
    lay = structure.layouts["striatum"]
    out["striatum MSN"] = lay.indices("E")
    out["striatum FSI"] = lay.indices("I")
    for g in ("D1", "D2"):
        out[f"striatum {g}"] = lay.indices("E", g)
    for c, e in enumerate(EMOTIONS):
        out[f"channel {e}"] = np.flatnonzero(lay.channel == c)
    return out


def rate(raw, region, cells, start_ms, end_ms) -> float:
    i, t = raw.spikes[region]
    sel = (t >= start_ms) & (t < end_ms) & np.isin(i, cells)
    return float(sel.sum() / len(cells) / ((end_ms - start_ms) / 1000))


def region_of(pop: str) -> str:
    if pop.startswith("channel"):
        return "striatum"
    return pop.split()[0]


def rates_table(raw, pops, start_ms=TRANSIENT_MS, end_ms=DURATION_MS) -> dict[str, float]:
    return {p: rate(raw, region_of(p), cells, start_ms, end_ms) for p, cells in pops.items()}


def regime_stats(raw, structure) -> dict[str, float]:
    """PFC ISI CV (median), pairwise count correlations (mean, PFC E), spectral peak ratio
    (max over regions, E cells), each after the transient."""
    out = {}
    i, t = raw.spikes["pfc"]
    exc = structure.layouts["pfc"].indices("E")
    cv = isi_cv(i, t, exc, start_ms=TRANSIENT_MS)
    out["pfc_cv_median"] = float(np.median(cv)) if len(cv) else float("nan")
    out["pfc_cv_n"] = len(cv)
    corr = count_correlations(i, t, exc, TRANSIENT_MS, DURATION_MS, bin_ms=100.0)
    out["pfc_corr_mean"] = float(np.nanmean(corr)) if len(corr) else float("nan")
    for region in REGIONS:
        i, t = raw.spikes[region]
        exc = structure.layouts[region].indices("E")
        ratio, freq = spectral_peak_ratio(t[np.isin(i, exc)], TRANSIENT_MS, DURATION_MS)
        out[f"peak_ratio {region}"] = ratio
        out[f"peak_hz {region}"] = freq
        ri, rt = i[np.isin(i, exc)], t[np.isin(i, exc)]
        c = count_correlations(ri, rt, exc, TRANSIENT_MS, DURATION_MS, bin_ms=100.0)
        out[f"corr {region}"] = float(np.nanmean(c)) if len(c) else float("nan")
    return out


def cue_onsets(values, channel: int, start_ms: float, end_ms: float) -> np.ndarray:
    """Onsets (ms) of cues on a sensory channel (rate rising above the background)."""
    r = values.drives.sensory_rate_hz[:, channel]
    on = r > 1.5 * r.min() + 1e-9
    k = np.flatnonzero(on[1:] & ~on[:-1]) + 1
    t = k.astype(float)  # 1 ms steps
    return t[(t >= start_ms) & (t < end_ms - 150)]


def evoked_response(raw, values, cells, sensory, phase) -> dict[str, float]:
    """Rate of striatal ``cells`` (a channel, or part of one) in [onset, onset + 150 ms] of
    each cue of its phase, and their baseline rate (0.1-1 s)."""
    k = {"threat": 1, "appetitive": 2}[sensory]
    onsets = cue_onsets(values, k, *phase)
    base = rate(raw, "striatum", cells, TRANSIENT_MS, 1000.0)
    if len(onsets) == 0:
        return {"baseline": base, "evoked": float("nan"), "n_cues": 0}
    ev = np.mean([rate(raw, "striatum", cells, a, a + 150.0) for a in onsets])
    return {"baseline": base, "evoked": float(ev), "n_cues": len(onsets)}


# ----------------------------------------------------------------------------------------
# regime: the fit, neutral levels, seeds 1-5
# ----------------------------------------------------------------------------------------

def regime(args):
    lab = Lab()
    pops = populations(lab.structure)
    rows = []
    pfc_runs = []
    try:
        for seed in args.seeds:
            raw, values = lab.run(spontaneous(NEUTRAL, seed))
            pfc_runs.append(raw.spikes["pfc"])
            row = {"seed": seed, **rates_table(raw, pops), **regime_stats(raw, lab.structure)}
            raw2, values2 = lab.run(evoked(NEUTRAL, seed))
            fear = evoked_response(raw2, values2, pops["channel fear"], "threat", (1000, 2000))
            joy = evoked_response(raw2, values2, pops["channel joy"], "appetitive", (2000, 3000))
            row.update({"fear_base": fear["baseline"], "fear_evoked": fear["evoked"],
                        "joy_base": joy["baseline"], "joy_evoked": joy["evoked"]})
            rows.append(row)
    finally:
        lab.close()
    df = pd.DataFrame(rows)
    cv = isi_cv_pooled(pfc_runs, lab.structure.layouts["pfc"].indices("E"),
                       start_ms=TRANSIENT_MS)
    df["pfc_cv_pooled"] = float(np.median(cv))
    pd.set_option("display.width", 200)
    print(df.mean(numeric_only=True).round(3).to_string())
    return df


# ----------------------------------------------------------------------------------------
# report: unseen seeds, five profiles, ablations
# ----------------------------------------------------------------------------------------

def collect(args) -> pd.DataFrame:
    lab = Lab()
    pops = populations(lab.structure)
    rows = []
    pfc_runs: dict[str, list] = {}
    t0 = time.perf_counter()
    try:
        for ablation, names in ABLATIONS.items():
            for profile in PROFILES:
                for seed in args.seeds:
                    raw, values = lab.run(standard(profile, seed), ablate=names)
                    row = {"ablation": ablation, "profile": profile, "seed": seed,
                           "protocol": "standard", **rates_table(raw, pops)}
                    ch = np.array([row[f"channel {e}"] for e in EMOTIONS])
                    top = np.flatnonzero(ch == ch.max())
                    row["winner"] = EMOTIONS[top[0]] if len(top) == 1 else "none"
                    if ablation == "full":
                        raw0, _ = lab.run(spontaneous(profile, seed))
                        pfc_runs.setdefault(profile, []).append(raw0.spikes["pfc"])
                        row.update({f"spont {k}": v for k, v in rates_table(raw0, pops).items()})
                        row.update(regime_stats(raw0, lab.structure))
                    raw2, values2 = lab.run(evoked(profile, seed), ablate=names)
                    fear = evoked_response(raw2, values2, pops["channel fear"], "threat", (1000, 2000))
                    joy = evoked_response(raw2, values2, pops["channel joy"], "appetitive",
                                          (2000, 3000))
                    row.update({"fear_base": fear["baseline"], "fear_evoked": fear["evoked"],
                                "joy_base": joy["baseline"], "joy_evoked": joy["evoked"],
                                "amygdala_negative_threat": rate(
                                    raw2, "amygdala", pops["amygdala negative"], 1000, 2000),
                                "amygdala_negative_base": rate(
                                    raw2, "amygdala", pops["amygdala negative"], 100, 1000)})
                    rows.append(row)
            print(f"{ablation}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    finally:
        lab.close()
    df = pd.DataFrame(rows)
    exc = lab.structure.layouts["pfc"].indices("E")
    for profile, runs in pfc_runs.items():
        cv = isi_cv_pooled(runs, exc, start_ms=TRANSIENT_MS)
        df.loc[(df.ablation == "full") & (df.profile == profile), "pfc_cv_pooled"] = \
            float(np.median(cv))
    return df


#: The profile effects the report measures: (name, profile, reference, measure,
#: mechanisms whose ablation should remove it, literature, the original claim).
EFFECTS = [
    ("depressed: sadness up", "depressed", "healthy", "channel sadness",
     ("no 5-HT aversive", "no D1/D2"),
     "low 5-HT: aversive sensitivity (Cools et al. 2008); low DA: D2 > D1 (Collins & Frank "
     "2014)"),
    ("depressed: joy down", "depressed", "healthy", "channel joy", ("no D1/D2",),
     "low DA: less D1 drive of positive-valence input (Collins & Frank 2014)"),
    ("depressed: sadness - joy", "depressed", "healthy", "sadness-joy",
     ("no 5-HT aversive", "no D1/D2"), "both of the above"),
    ("anxious: fear up", "anxious", "healthy", "channel fear", ("no NE gain", "no NE alpha1"),
     "high NE: gain on excitatory input (Aston-Jones & Cohen 2005); alpha1 in PFC (Arnsten "
     "2009)"),
    ("anxious: BLA negative up", "anxious", "healthy", "amygdala negative", ("no NE gain",),
     "high NE gain in BLA; 5-HT .6 vs .8 (Cools et al. 2008)"),
    ("anxious: PFC down", "anxious", "healthy", "pfc E", ("no NE alpha1",),
     "high NE: alpha1 suppression of PFC (Arnsten 2009); anxiety: less PFC recruitment "
     "(Bishop 2007)"),
    ("anxious: threat-evoked fear", "anxious", "healthy", "fear_response", ("no NE gain",),
     "NE gain amplifies evoked input (Servan-Schreiber et al. 1990)"),
    ("depressed: appetitive joy response", "depressed", "healthy", "joy_response",
     ("no DA gain", "no D1/D2"),
     "low DA: less D1 (more D2) gain on excitatory cue input (Surmeier et al. 2007)"),
    ("impulsive: anger up", "impulsive", "healthy", "channel anger", ("no NE gain", "no D1/D2"),
     "original claim: impulsive -> anger; NE gain on the arousal input"),
    ("resilient: joy - sadness", "resilient", "depressed", "joy-sadness",
     ("no 5-HT aversive", "no D1/D2"), "5-HT .7 vs .3, DA .5 vs .4"),
]


def measure(df: pd.DataFrame, name: str) -> pd.Series:
    if name == "sadness-joy":
        return df["channel sadness"] - df["channel joy"]
    if name == "joy-sadness":
        return df["channel joy"] - df["channel sadness"]
    if name == "fear_response":
        return df["fear_evoked"] - df["fear_base"]
    if name == "joy_response":
        return df["joy_evoked"] - df["joy_base"]
    return df[name]


def effect(df, ablation, profile, reference, name):
    a = df[(df.ablation == ablation) & (df.profile == profile)].sort_values("seed")
    b = df[(df.ablation == ablation) & (df.profile == reference)].sort_values("seed")
    xa, xb = measure(a, name).to_numpy(), measure(b, name).to_numpy()
    diff = xa - xb  # paired by seed: same inputs, initial state and noise stream
    m, lo, hi, _n = mean_ci(diff)
    return {"mean_a": float(np.nanmean(xa)), "mean_b": float(np.nanmean(xb)), "diff": m,
            "lo": lo, "hi": hi, "d": difference_ci(xa, xb).cohen_d}


def markdown(df: pd.DataFrame) -> str:
    n = df.seed.nunique()
    lines = [f"Seeds {df.seed.min()}-{df.seed.max()} ({n} per profile, never used while "
             "fitting); differences paired by seed, 95 % t intervals; d = Cohen's d.", "",
             "| effect | mechanism (literature) | profile − reference | diff [95 % CI] | d "
             "| ablated: diff [95 % CI] |", "|---|---|---|---|---|---|"]
    for name, prof, ref, meas, ablations, lit in EFFECTS:
        full = effect(df, "full", prof, ref, meas)
        abl = []
        for a in ablations + ("no modulation",):
            e = effect(df, a, prof, ref, meas)
            abl.append(f"{a}: {e['diff']:+.3f} [{e['lo']:+.3f}, {e['hi']:+.3f}]")
        lines.append(f"| {name} | {lit} | {full['mean_a']:.3f} − {full['mean_b']:.3f} | "
                     f"**{full['diff']:+.3f}** [{full['lo']:+.3f}, {full['hi']:+.3f}] | "
                     f"{full['d']:+.2f} | {'; '.join(abl)} |")
    full = df[df.ablation == "full"]
    lines += ["", "Readout per profile (full model, standard schedule; channel rates in Hz over "
              "0.1-3 s, mean over seeds; winners counted over seeds):", "",
              "| profile | 5-HT | DA | NE | PFC | amygdala | hippocampus | thalamus | striatum | "
              + " | ".join(EMOTIONS) + " | winners |",
              "|---|" + "---|" * (9 + len(EMOTIONS)) + "---|"]
    for prof in PROFILES:
        p = PROFILES[prof]
        d = full[full.profile == prof]
        rates = " | ".join(f"{d[f'{r} E'].mean():.2f}" for r in REGIONS)
        ch = " | ".join(f"{d[f'channel {e}'].mean():.3f}" for e in EMOTIONS)
        wins = d.winner.value_counts()
        w = ", ".join(f"{k} {v}" for k, v in wins.items())
        lines.append(f"| {prof} | {p.serotonin:g} | {p.dopamine:g} | {p.norepinephrine:g} | "
                     f"{rates} | {ch} | {w} |")
    lines += ["", "Evoked responses (evoked protocol: baseline 0-1 s, threat cues 1-2 s, "
              "appetitive cues 2-3 s at 5 Hz; channel rate in the 150 ms after each cue onset "
              "against the baseline; mean over seeds):", "",
              "| profile | fear baseline | fear threat-evoked | change | joy baseline | "
              "joy appetitive-evoked | change |", "|---|---|---|---|---|---|---|"]
    for prof in PROFILES:
        d = full[full.profile == prof]
        fb, fe, jb, je = (d[c].mean() for c in ("fear_base", "fear_evoked", "joy_base",
                                                "joy_evoked"))
        lines.append(f"| {prof} | {fb:.3f} | {fe:.3f} | {100 * (fe / fb - 1):+.0f} % | "
                     f"{jb:.3f} | {je:.3f} | {100 * (je / jb - 1):+.0f} % |")
    lines += ["", "Regime (full model, spontaneous protocol: context input only, 3 s; all "
              "profiles and seeds; median over runs, 5-95 % of runs in brackets):", "",
              "| measure | model | literature |", "|---|---|---|"]
    for pop, (lo, hi, ref) in RATE_RANGES.items():
        x = full[f"spont {pop}"]
        lines.append(f"| rate {pop} | {x.median():.2f} Hz "
                     f"({x.quantile(.05):.2f}-{x.quantile(.95):.2f}) | "
                     f"{lo:g}-{hi:g} Hz: {ref} |")
    for pop in ("amygdala I", "hippocampus I", "pfc I", "thalamus E", "thalamus I"):
        lines.append(f"| rate {pop} | {full[f'spont {pop}'].median():.2f} Hz | — |")
    lines.append(f"| PFC ISI CV, one 3 s run (median over cells with >= 4 spikes) | "
                 f"{full.pfc_cv_median.median():.2f} | 0.8-1.2 (Softky & Koch 1993; "
                 "Compte et al. 2003) |")
    pooled = ", ".join(f"{p} {full[full.profile == p].pfc_cv_pooled.iloc[0]:.2f}"
                       for p in PROFILES)
    lines.append(f"| PFC ISI CV, intervals pooled over the seeds (median over cells with "
                 f">= 10 intervals) | {pooled} | 0.8-1.2 |")
    corr = [f"{r} {full[f'corr {r}'].median():.3f}" for r in REGIONS]
    lines.append(f"| pairwise count correlation, 100 ms bins (mean over pairs) | "
                 f"{', '.join(corr)} | < 0.1 (Ecker et al. 2010; Renart et al. 2010) |")
    peak = [f"{r} {full[f'peak_ratio {r}'].median():.1f}" for r in REGIONS]
    lines.append(f"| population spectrum peak / median, 2-200 Hz | {', '.join(peak)} | "
                 "< 5 (no rhythm; Brunel 2000 AI state) |")
    return "\n".join(lines) + "\n"


def report(args):
    df = collect(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / "mechanisms.csv", index=False)
    text = markdown(df)
    (RESULTS / "mechanisms.md").write_text(text)
    print(text)


def spectrum(args):
    """The lowest bins of the PFC principal cells' population spectrum (spontaneous
    protocol), each over the median of the 2-200 Hz band that the regime's peak ratio uses:
    whether its maximum is a peak or the edge of a low-frequency plateau."""
    lab = Lab()
    exc = lab.structure.layouts["pfc"].indices("E")
    for name in args.profiles:
        for seed in args.seeds:
            raw, _ = lab.run(spontaneous(name, seed))
            i, t = raw.spikes["pfc"]
            f, pxx = population_spectrum(t[np.isin(i, exc)], TRANSIENT_MS, DURATION_MS)
            band = (f >= 2.0) & (f <= 200.0)
            ratio = pxx[:6] / np.median(pxx[band])
            print(f"{name} seed {seed}: " + ", ".join(
                f"{fk:.2f} Hz {rk:.1f}" for fk, rk in zip(f[:6], ratio, strict=True)), flush=True)


def cell_types(args):
    """Cue-evoked responses of the fear and joy channels split into D1 and D2 MSNs, per
    profile (evoked protocol), for each value K of dopamine's gain on the MSNs' excitatory
    input (``k_gain_da`` = +K on D1, -K on D2; the model's K is ``K_GAIN_DA``, 0 removes the
    gain and leaves the threshold shift). Default: the report's unseen seeds."""
    lab = Lab()
    pops = populations(lab.structure)
    lay = lab.structure.layouts["striatum"]
    cells = {f"{e} {g}": np.intersect1d(pops[f"channel {e}"], lay.indices("E", g))
             for e in ("fear", "joy") for g in ("D1", "D2")}
    cells.update({f"{e} all": pops[f"channel {e}"] for e in ("fear", "joy")})

    def with_da_gain(k):
        def edit(values):  # the model's own D1/D2 sensitivities, rescaled to +-k
            arrays = values.neuron_arrays
            arrays["k_gain_da"] = arrays["k_gain_da"] * (k / P.K_GAIN_DA)
        return edit

    rows = []
    try:
        for k in args.da_gain:
            for profile in args.profiles:
                for seed in args.seeds:
                    raw, values = lab.run(evoked(profile, seed), edit=with_da_gain(k))
                    row = {"da_gain": k, "profile": profile, "seed": seed}
                    for name, c in cells.items():
                        cue, phase = (("threat", (1000, 2000)) if name.startswith("fear")
                                      else ("appetitive", (2000, 3000)))
                        r = evoked_response(raw, values, c, cue, phase)
                        row[f"{name} base"], row[f"{name} evoked"] = r["baseline"], r["evoked"]
                        row[f"{name} response"] = r["evoked"] - r["baseline"]
                    rows.append(row)
            print(f"da_gain {k}: done", flush=True)
    finally:
        lab.close()
    df = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    df.to_csv(RESULTS / "mechanisms-cell-types.csv", index=False)
    lines = [f"Seeds {min(args.seeds)}-{max(args.seeds)}; cue-evoked response = rate in the "
             "150 ms after each cue onset minus the 0.1-1 s baseline (Hz), mean over seeds; "
             "profile - healthy paired by seed, 95 % t interval.", "",
             "| DA gain K | profile | population | baseline | response | profile − healthy |",
             "|---|---|---|---|---|---|"]
    for k in args.da_gain:
        dk = df[df.da_gain == k]
        ref = dk[dk.profile == "healthy"].sort_values("seed")
        for profile in args.profiles:
            d = dk[dk.profile == profile].sort_values("seed")
            for name in cells:
                diff = ""
                if profile != "healthy" and len(ref):
                    m, lo, hi, _ = mean_ci(d[f"{name} response"].to_numpy()
                                           - ref[f"{name} response"].to_numpy())
                    diff = f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                lines.append(f"| {k:g} | {profile} | {name} | {d[f'{name} base'].mean():.3f} "
                             f"| {d[f'{name} response'].mean():+.3f} | {diff} |")
    text = "\n".join(lines) + "\n"
    (RESULTS / "mechanisms-cell-types.md").write_text(text)
    print(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("regime", help="fit seeds (1-5), neutral levels")
    r.add_argument("--seeds", type=int, nargs="+", default=list(FIT_SEEDS))
    r.set_defaults(func=regime)
    p = sub.add_parser("report", help="unseen seeds, profiles x ablations")
    p.add_argument("--seeds", type=int, nargs="+", default=list(TEST_SEEDS))
    p.set_defaults(func=report)
    sp = sub.add_parser("spectrum", help="PFC spectrum's lowest bins / band median")
    sp.add_argument("--profiles", nargs="+", default=["anxious", "impulsive", "healthy"])
    sp.add_argument("--seeds", type=int, nargs="+", default=[1001, 1002, 1003])
    sp.set_defaults(func=spectrum)
    c = sub.add_parser("cell-types", help="D1/D2 split of the cue-evoked responses")
    c.add_argument("--da-gain", type=float, nargs="+", default=[0.0, P.K_GAIN_DA])
    c.add_argument("--profiles", nargs="+", default=["healthy", "depressed", "anxious"])
    c.add_argument("--seeds", type=int, nargs="+", default=list(TEST_SEEDS))
    c.set_defaults(func=cell_types)
    m = sub.add_parser("markdown", help="the tables again from mechanisms.csv")
    m.set_defaults(func=lambda a: print(markdown(pd.read_csv(RESULTS / "mechanisms.csv"))))
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
