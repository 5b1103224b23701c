"""Closed-loop tasks over profiles and seeds on one compiled build per task (issue 22).

    python benchmarks/tasks.py reward   --seeds 20 [--profiles healthy depressed]
    python benchmarks/tasks.py yagishita --seeds 3
    python benchmarks/tasks.py reversal --seeds 20 [--profiles ...]
    python benchmarks/tasks.py attention --first-seed 1001 --seeds 20 --tag=-profiles [--profiles ...]
    python benchmarks/tasks.py attention --ne 0.1 0.3 0.5 0.7 0.9 --first-seed 1001 --seeds 20
    python benchmarks/tasks.py attention --ne 0.1 0.3 0.5 0.7 0.9 --first-seed 1001 --seeds 20 \
        --no-alpha1 --tag=-ne-no-alpha1       # ablation: NE gain without alpha1
    python benchmarks/tasks.py attention --first-seed 1001 --seeds 20 --no-alpha1 --tag=-profiles-no-alpha1
    python benchmarks/tasks.py fear --seeds 20 --first-seed 1001 --no-alpha1 --tag=-no-alpha1
    python benchmarks/tasks.py fear --seeds 20 --first-seed 1001 [--profiles ...]
    python benchmarks/tasks.py fear --ablation --seeds 10 --first-seed 1001
    python benchmarks/tasks.py fear --seeds 10 --first-seed 1001 --recall-delay 0 --tag=-no-delay

Every run of one task shares the network structure, so the task compiles once and every
profile / seed / delay re-runs the binary through ``run_args`` (brainsim.devices.standalone).
Writes ``benchmarks/results/tasks-<name>.csv`` (one row per run: the summary metrics) and
``...-trials.parquet`` (every trial of every run), and prints means with 95 % CIs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from brian2 import ms

from analysis.contrasts import difference_ci, mean_ci
from analysis.tasks import task_metrics
from brainsim import Protocol
from brainsim.experiment.tasks import (
    AttentionTask,
    FearConditioning,
    ProbabilisticReversal,
    RewardLearning,
    batch,
)

OUT = Path(__file__).resolve().parent / "results"


def run_many(protocols, change_values=None, backend="cpp_standalone"):
    """(protocol, table, summary, seconds) of every protocol, on one build."""
    for p, df, info, _raw, secs in batch.run_many(protocols, change_values, backend):
        yield p, df, {**info, **task_metrics(df, info)}, secs


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        elif isinstance(v, list | tuple) and len(v) == 2 and all(
                isinstance(x, float) for x in v):
            out[f"{prefix}{k}.lo"], out[f"{prefix}{k}.hi"] = v
        elif not isinstance(v, list | tuple):
            out[f"{prefix}{k}"] = v
    return out


def plasticity_change(a_minus, eta=None, unscaled=False):
    def change(p, v):
        if unscaled:
            v.extension_values["task"].source_rate_hz /= p.profile.sensory_scale
        if a_minus is not None:
            v.extension_values["task"].plasticity["A_minus"] = a_minus
        if eta is not None:
            from brian2 import pA, second
            v.extension_values["task"].plasticity["eta"] = eta * pA / second
    return change


def _fmt(m, lo, hi, n):
    return f"{m:.3g} [{lo:.3g}, {hi:.3g}]" if np.isfinite(lo) else f"{m:.3g} (n={n})"


def _table(df, metrics, by="profile", order=None):
    groups = order or list(dict.fromkeys(df[by]))
    lines = ["| metric | " + " | ".join(f"{g} (n={int((df[by] == g).sum())})" for g in groups)
             + " |", "|---" * (len(groups) + 1) + "|"]
    for m in metrics:
        if m not in df:
            continue
        cells = [_fmt(*mean_ci(df.loc[df[by] == g, m])) for g in groups]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _contrasts(df, metrics, reference="healthy"):
    if reference not in set(df["profile"]):
        reference = df["profile"].iloc[0]
    lines = ["| metric | profile | difference to " + reference + " [95 % CI] | Cohen's d | p |",
             "|---|---|---|---|---|"]
    if reference not in set(df["profile"]):
        reference = df["profile"].iloc[0]
    ref = df[df["profile"] == reference]
    for m in metrics:
        if m not in df:
            continue
        for g in dict.fromkeys(df["profile"]):
            if g == reference:
                continue
            d = difference_ci(df.loc[df["profile"] == g, m], ref[m])
            if not np.isfinite(d.diff):
                continue
            lines.append(f"| {m} | {g} | {d.diff:.3g} [{d.ci_low:.3g}, {d.ci_high:.3g}] | "
                         f"{d.cohen_d:.2f} | {d.p_welch:.2g} |")
    return "\n".join(lines)


REWARD_METRICS = [
    "cs_plus.joy_hz_first", "cs_plus.joy_hz_last", "cs_plus.joy_evoked_hz_first",
    "cs_plus.joy_evoked_hz_last", "cs_plus.joy_hz_slope_per_trial.slope",
    "cs_minus.joy_hz_last", "cs_plus_minus_joy_hz_last", "w_cs_plus_joy_change_pA",
    "cs_plus.w_other_pA_last", "cs_minus.w_joy_pA_last", "trials_to_half_weight_change",
    "critic.delta_cue_first", "critic.delta_cue_last", "critic.delta_outcome_first",
    "critic.delta_outcome_last", "critic.delta_outcome_omitted", "critic.da_cue_first",
    "critic.da_cue_last", "critic.da_outcome_first", "critic.da_outcome_last",
    "critic.da_outcome_omitted", "seconds"]
REVERSAL_METRICS = [
    "accuracy", "accuracy_first_block", "accuracy_after_first_reversal", "n_reversals",
    "trials_to_criterion_after_reversal", "perseverative_errors", "win_stay", "lose_shift",
    "rescorla_wagner.alpha", "rescorla_wagner.beta", "rescorla_wagner.pseudo_r2", "rewards",
    "seconds"]


FEAR_METRICS = [
    "habituation_cs_plus_hz", "habituation_cs_minus_hz", "cs_plus_conditioned_hz",
    "cs_minus_conditioned_hz", "discrimination_hz", "cs_plus_extinction_start_hz",
    "cs_plus_extinction_end_hz", "extinction_index", "recall_cs_plus_hz", "recall_ratio",
    "extinction_retention", "spontaneous_recovery_hz", "cs_minus_conditioning_hz",
    "cs_minus_extinction_hz", "extinction_cs_plus_hz", "extinction_both_hz",
    "w_la_cs_plus_end_pA", "w_la_cs_minus_end_pA", "w_il_cs_plus_end_pA",
    "w_il_cs_minus_end_pA", "seconds"]


def run_fear(args):
    """Fear conditioning / extinction / recall: profiles x seeds on one build; the CSV is
    rewritten after every run (a stopped batch keeps what it ran). Seeds outermost, so
    that a batch stopped early has every profile at the same seeds."""
    task = FearConditioning() if args.recall_delay is None else \
        FearConditioning(delay_s=args.recall_delay)
    profiles = args.profiles or ["healthy", "depressed", "anxious", "impulsive", "resilient"]
    change = None
    if args.ablation:  # which of a profile's numbers make the difference (docs/tasks.md)
        from dataclasses import replace as _replace

        from brainsim.model.profiles import PROFILES
        h, a = PROFILES["healthy"], PROFILES["anxious"]
        profiles = [_replace(a, name="anxious_scale1", sensory_scale=1.0),
                    _replace(a, name="anxious_ne05", norepinephrine=0.5),
                    _replace(h, name="healthy_scale12", sensory_scale=1.2),
                    _replace(h, name="healthy_5ht06", serotonin=0.6),
                    _replace(a, name="anxious_gate1")]

        def change(p, v):  # the LA gate at its neutral amplitude, NE's gain untouched
            if p.profile.name == "anxious_gate1":
                v.extension_values["fear"].gate_amplitude = 1.0
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    extra = {"modulation": {"gain": NO_ALPHA1_GAIN}} if args.no_alpha1 else {}
    protocols = [Protocol(name="fear", profile=pr, duration=task.duration, dt=0.5 * ms,
                          seed=s, task=task, **extra) for s in seeds for pr in profiles]
    OUT.mkdir(exist_ok=True)
    name = f"tasks-fear{'-ablation' if args.ablation else ''}{args.tag}"
    rows, trials, t0 = [], [], time.perf_counter()
    for p, df, summary, secs in run_many(protocols, change):
        row = {"profile": p.profile.name, "seed": p.seed, "seconds": round(secs, 2)}
        summary = dict(summary)
        summary.pop("schedule", None)
        row.update(flatten(summary))
        for w in ("la_cs_plus", "la_cs_minus", "il_cs_plus", "il_cs_minus"):
            row[f"w_{w}_end_pA"] = float(df[f"w_{w}_pA"].iloc[-1])
        rows.append(row)
        trials.append(df.assign(profile=p.profile.name, seed=p.seed))
        pd.DataFrame(rows).to_csv(OUT / f"{name}.csv", index=False)
        pd.concat(trials, ignore_index=True).to_parquet(OUT / f"{name}-trials.parquet",
                                                        index=False)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in row.items()})[:400], flush=True)
    print(f"\n{len(rows)} runs in {time.perf_counter() - t0:.0f} s -> {OUT / name}.csv")
    return pd.DataFrame(rows)


def fear_figure(tag=""):
    """``tasks-fear<tag>.png``: :func:`analysis.extinction.figure` of every run of the batch."""
    from collections import namedtuple

    from analysis.extinction import figure

    path = OUT / f"tasks-fear{tag}-trials.parquet"
    if not path.exists():
        return None
    trials = pd.read_parquet(path)
    run = namedtuple("Run", "label profile seed point table summary")
    runs = [run(f"{pr}-{s}", pr, s, {}, g, {})
            for (pr, s), g in trials.groupby(["profile", "seed"], sort=False)]
    fig = figure(runs)
    fig.savefig(OUT / f"tasks-fear{tag}.png", dpi=110)
    return OUT / f"tasks-fear{tag}.png"


def summarize(tag=""):
    out = []
    fear_figure(tag)
    for what, metrics in (("reward", REWARD_METRICS), ("reward-model-rule", REWARD_METRICS),
                          ("reversal", REVERSAL_METRICS), ("reversal-fixed", REVERSAL_METRICS),
                          ("reversal-unscaled", REVERSAL_METRICS),
                          ("reversal-dopamine", REVERSAL_METRICS), ("fear", FEAR_METRICS)):
        path = OUT / f"tasks-{what}{tag}.csv"
        if not path.exists():
            continue
        df = pd.read_csv(path)
        out.append(f"## {what} ({len(df)} runs, seeds {df.seed.min()}-{df.seed.max()})\n")
        out.append(_table(df, metrics))
        if df["profile"].nunique() > 1:
            out.append("")
            out.append(_contrasts(df, [m for m in metrics if m != "seconds"]))
        out.append("")
    path = OUT / f"tasks-attention-profiles{tag}.csv"
    if path.exists():
        df = pd.read_csv(path)
        out.append(f"## attention, profiles ({len(df)} runs, seeds {df.seed.min()}-"
                   f"{df.seed.max()})\n")
        out.append(_table(df, ATTENTION_METRICS))
        out.append("")
        out.append(_contrasts(df, [m for m in ATTENTION_METRICS if m != "seconds"]))
        out.append("")
    for what in ("ne", "ne-high"):
        path = OUT / f"tasks-attention-{what}{tag}.csv"
        if path.exists():
            df = pd.read_csv(path)
            out.append(f"## attention, tonic NE ({what}; {len(df)} runs, seeds "
                       f"{df.seed.min()}-{df.seed.max()})\n")
            out.append(_table(df, ATTENTION_METRICS, by="norepinephrine"))
            out.append("")
    path = OUT / f"tasks-yagishita{tag}.csv"
    if path.exists():
        df = pd.read_csv(path)
        df["w_change_pA"] = df["cs_plus.w_joy_pA_last"] - df["initial_weight_pA"]
        out.append(f"## yagishita ({len(df)} runs)\n")
        out.append(_table(df, ["w_change_pA", "cs_plus.w_other_pA_last"], by="dopamine_delay_s"))
        out.append("")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["reward", "yagishita", "reversal", "attention", "fear",
                                     "summarize"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--profiles", nargs="*", default=None)
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--a-minus", type=float, default=None,
                    help="A_minus of the task projection (default: the model's)")
    ap.add_argument("--delays", type=float, nargs="*", default=[0.0, 0.3, 0.6, 1.0, 2.0, 5.0])
    ap.add_argument("--criterion", type=int, default=None,
                    help="reversal criterion (default 8; a huge value: reversal every 40 trials)")
    ap.add_argument("--eta", type=float, default=None, help="eta of the task projection, pA/s")
    ap.add_argument("--unscaled-sources", action="store_true",
                    help="ablation: the task's afferents at their neutral rate, not scaled by "
                         "the profile's sensory_scale")
    ap.add_argument("--dopamine", type=float, nargs="*", default=None,
                    help="reversal only: the healthy profile with these tonic dopamine levels "
                         "(one profile per level, named da<level>)")
    ap.add_argument("--ne", type=float, nargs="*", default=None,
                    help="attention only: the healthy profile (or --base-profile) with these "
                         "tonic NE levels (one profile per level, named ne<level>)")
    ap.add_argument("--base-profile", default="healthy",
                    help="attention --ne: the profile whose NE is changed; 'neutral' = every "
                         "level 0.5 (the tuning profile)")
    ap.add_argument("--no-alpha1", action="store_true",
                    help="the alpha1 ablation, every task (the gain expression without its "
                         "alpha1 term, NO_ALPHA1_GAIN)")
    ap.add_argument("--target-strengths", type=float, nargs="*", default=None,
                    help="attention only: target strengths to try (profile-blind tuning)")
    ap.add_argument("--reanalyse", action="store_true",
                    help="attention only: recompute the metrics of tasks-attention<tag>.csv "
                         "from its trials, no simulation")
    ap.add_argument("--recall-delay", type=float, default=None,
                    help="fear: seconds without stimuli between extinction and recall "
                         "(default: the task's 10 s); 0 is the control for what recall - "
                         "extinction end measures (docs/tasks.md)")
    ap.add_argument("--ablation", action="store_true",
                    help="fear only: anxious / healthy with one number changed "
                         "(-> tasks-fear-ablation.csv)")
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    if args.what == "attention":
        return attention_reanalyse(args.tag) if args.reanalyse else attention(args)
    if args.what == "summarize":
        print(summarize(args.tag))
        return None
    if args.what == "fear":
        return run_fear(args)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    extra = {"modulation": {"gain": NO_ALPHA1_GAIN}} if args.no_alpha1 else {}
    rows, trials = [], []
    if args.what in ("reward", "yagishita"):
        if args.what == "reward":
            task = RewardLearning(n_trials=args.trials or 60)
            profiles = args.profiles or ["healthy", "depressed"]
            runs = [(pr, s, None) for pr in profiles for s in seeds]
        else:  # same duration as the reward task: 144 s = 18 trials of 8 s
            task = RewardLearning(n_trials=60)
            profiles = args.profiles or ["healthy"]
            runs = [(pr, s, d) for pr in profiles for s in seeds for d in args.delays]
        protocols = []
        for pr, s, d in runs:
            t = task if d is None else RewardLearning(
                n_trials=18, trial_s=8.0, cs_minus=False, omissions=0, critic_alpha=0.0,
                dopamine_delay_s=d)
            protocols.append(Protocol(name=f"{args.what}", profile=pr, duration=t.duration,
                                      dt=0.5 * ms, seed=s, task=t, **extra))
    else:
        task = ProbabilisticReversal(n_trials=args.trials or 120,
                                     criterion=args.criterion or 8)
        profiles = args.profiles or ["healthy", "depressed", "anxious", "impulsive", "resilient"]
        if args.dopamine:
            from dataclasses import replace as _replace

            from brainsim.model.profiles import PROFILES
            profiles = [_replace(PROFILES["healthy"], name=f"da{d:g}", dopamine=d)
                        for d in args.dopamine]
        protocols = [Protocol(name="reversal", profile=pr, duration=task.duration, dt=0.5 * ms,
                              seed=s, task=task, **extra) for pr in profiles for s in seeds]
    t0 = time.perf_counter()
    for p, df, summary, secs in run_many(protocols, plasticity_change(args.a_minus, args.eta,
                                                                args.unscaled_sources)):
        row = {"profile": p.profile.name, "seed": p.seed, "seconds": round(secs, 2),
               "dopamine_delay_s": p.task.dopamine_delay_s
               if isinstance(p.task, RewardLearning) else None}
        summary = dict(summary)
        summary.pop("schedule", None)
        summary.pop("blocks", None)
        row.update(flatten(summary))
        rows.append(row)
        df = df.assign(profile=p.profile.name, seed=p.seed, dopamine_delay_s=row["dopamine_delay_s"])
        trials.append(df)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                          for k, v in row.items()
                          if not k.startswith("rescorla_wagner.nll")})[:600], flush=True)
    total = time.perf_counter() - t0
    OUT.mkdir(exist_ok=True)
    name = f"tasks-{args.what}{args.tag}"
    res = pd.DataFrame(rows)
    res.to_csv(OUT / f"{name}.csv", index=False)
    pd.concat(trials, ignore_index=True).to_parquet(OUT / f"{name}-trials.parquet", index=False)
    print(f"\n{len(rows)} runs in {total:.0f} s -> {OUT / name}.csv")
    return res


ATTENTION_METRICS = [
    "d_prime.none", "d_prime.neutral", "d_prime.threat", "d_prime_all",
    "threat_interference", "distractor_cost", "premature.per_trial",
    "premature.trials_with_any", "foreperiod_hz", "false_alarm_rate.none",
    "hit_rate.none", "accuracy.none", "readout_hz.none.target", "readout_hz.none.no_target",
    "checks.bla_negative_hz.threat", "checks.bla_negative_hz.neutral", "seconds"]


def attention_profile(name, ne=None):
    """A built-in profile, or ``neutral`` (every level 0.5), with NE set to ``ne``."""
    from dataclasses import replace as _replace

    from brainsim.model.profiles import PROFILES, Profile
    base = Profile("neutral", 0.5, 0.5, 0.5) if name == "neutral" else PROFILES[name]
    return base if ne is None else _replace(base, name=f"{name}-ne{ne:g}", norepinephrine=ne)


def attention_reanalyse(tag):
    """Recompute ``tasks-attention<tag>.csv``'s metrics from its trials (e.g. after a new
    metric was added), keeping each run's ``seconds``."""
    from dataclasses import asdict

    name = f"tasks-attention{tag}"
    old = pd.read_csv(OUT / f"{name}.csv")
    trials = pd.read_parquet(OUT / f"{name}-trials.parquet")
    rows = []
    for (prof, seed, x), df in trials.groupby(["profile", "seed", "target_strength"],
                                               sort=False):
        task = AttentionTask(n_trials=len(df), target_strength=x)
        info = {"schedule": {"kind": "AttentionTask", **asdict(task)}}
        prev = old[(old.profile == prof) & (old.seed == seed) & (old.target_strength == x)]
        row = {"profile": prof, "seed": seed, "seconds": prev["seconds"].iloc[0],
               "norepinephrine": df["norepinephrine"].iloc[0], "target_strength": x}
        row.update(flatten(task_metrics(df.reset_index(drop=True), info)))
        rows.append(row)
    res = pd.DataFrame(rows)
    res.to_csv(OUT / f"{name}.csv", index=False)
    print(f"{len(rows)} runs re-analysed -> {OUT / name}.csv")
    return res


#: The model's gain expression without NE's alpha1 term (``--no-alpha1``): the ablation of
#: the falling side of the inverted U, through a protocol's ``modulation`` override.
NO_ALPHA1_GAIN = ("1 + k_gain_5ht*(serotonin - level_ref)"
                  " + k_gain_da*(dopamine - level_ref) + k_gain_ne*(norepinephrine - level_ref)")


def attention(args):
    """The attention task over profiles (or NE levels, or target strengths) x seeds, one
    build; writes ``tasks-attention<tag>.csv`` and ``...-trials.parquet``."""
    from dataclasses import replace as _replace

    seeds = range(args.first_seed, args.first_seed + args.seeds)
    task = AttentionTask(n_trials=args.trials or 96)
    runs = []  # (profile, task, ne)
    if args.ne:
        runs = [(attention_profile(args.base_profile, ne), task, ne) for ne in args.ne]
    else:
        runs = [(attention_profile(p), task, None)
                for p in (args.profiles or ["healthy", "depressed", "anxious", "impulsive",
                                            "resilient"])]
    if args.target_strengths:
        runs = [(pr, _replace(t, target_strength=x), ne) for pr, t, ne in runs
                for x in args.target_strengths]
    extra = {"modulation": {"gain": NO_ALPHA1_GAIN}} if args.no_alpha1 else {}
    protocols = [Protocol(name="attention", profile=pr, duration=t.duration, dt=0.5 * ms,
                          seed=s, task=t, **extra) for pr, t, _ in runs for s in seeds]
    rows, trials = [], []
    t0 = time.perf_counter()
    for p, df, summary, secs in run_many(protocols):
        row = {"profile": p.profile.name, "seed": p.seed, "seconds": round(secs, 2),
               "norepinephrine": p.profile.norepinephrine,
               "target_strength": p.task.target_strength}
        summary = dict(summary)
        summary.pop("schedule", None)
        row.update(flatten(summary))
        rows.append(row)
        trials.append(df.assign(profile=p.profile.name, seed=p.seed,
                                norepinephrine=p.profile.norepinephrine,
                                target_strength=p.task.target_strength))
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v)
                          for k, v in row.items() if k in ATTENTION_METRICS or k in (
                              "profile", "seed", "target_strength")}), flush=True)
    OUT.mkdir(exist_ok=True)
    name = f"tasks-attention{args.tag}"
    res = pd.DataFrame(rows)
    res.to_csv(OUT / f"{name}.csv", index=False)
    pd.concat(trials, ignore_index=True).to_parquet(OUT / f"{name}-trials.parquet", index=False)
    print(f"\n{len(rows)} runs in {time.perf_counter() - t0:.0f} s -> {OUT / name}.csv")
    return res


if __name__ == "__main__":
    main()
