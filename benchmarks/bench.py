"""One benchmark case per process (Brian2's device is global); prints one JSON line.

    python benchmarks/bench.py rtf --backend cpp_standalone --scale 1 --duration 1
    python benchmarks/bench.py bare --scale 1 --duration 1
    python benchmarks/bench.py sweep --points 20 --naive 2
    python benchmarks/bench.py normal
    python benchmarks/bench.py tradeoffs --duration 3 --runs 9
    python benchmarks/bench.py floor --duration 5 --runs 9
    python benchmarks/bench.py vectorisation

``benchmarks/run_all.py`` runs them all and writes the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import brian2 as b2
import numpy as np
import pandas as pd

from brainsim import Protocol, standard_phases
from brainsim.channels import EMOTIONS
from brainsim.devices import get_backend
from brainsim.experiment.runner import structure_for, summarize, values_for
from brainsim.model.network import text_column_of, text_columns

HERE = Path(__file__).resolve().parent


#: The protocol's default time step (ms): the default network's.
DEFAULT_DT_MS = float(Protocol.__dataclass_fields__["dt"].default_factory() / b2.ms)


def protocol(scale: float, duration_s: float, seed: int = 1, dt_ms: float = DEFAULT_DT_MS,
             noise: str = "kick", profile: str = "healthy") -> Protocol:
    d = duration_s * b2.second
    return Protocol(name="bench", profile=profile, duration=d, scale=scale, seed=seed,
                    phases=standard_phases(d), dt=dt_ms * b2.ms, noise=noise)


def peak_mb() -> dict:
    return {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "binary_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def n_spikes(raw) -> int:
    return int(sum(len(i) for i, _ in raw.spikes.values()))


def region_rates(structure, raw, duration_s: float) -> dict:
    """Mean firing rate per region (Hz), as ``rate_<region>`` columns."""
    return {f"rate_{name}": len(raw.spikes[name][0]) / (spec.size * duration_s)
            for name, spec in structure.anatomy.regions.items()}


def stage(message: str) -> None:
    """A timestamped progress line on stderr (shows where a timed-out case was)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def case_rtf(args) -> dict:
    """Realtime factor: wall time of a run / biological time (compile time separately)."""
    stage(f"rtf {args.backend} scale {args.scale}: drawing the network")
    p = protocol(args.scale, args.duration, seed=args.seed, dt_ms=args.dt, noise=args.noise,
                 profile=args.profile)
    t0 = time.perf_counter()
    structure = structure_for(p)
    values = values_for(p, structure, None)
    prepare_s = time.perf_counter() - t0
    out = {"backend": args.backend, "scale": args.scale, "duration_s": args.duration,
           "dt_ms": args.dt, "noise": args.noise, "profile": args.profile, "seed": args.seed,
           "n_neurons": structure.n_neurons,
           "n_synapses": int(sum(len(s.i) for s in structure.synapses)),
           "prepare_s": prepare_s}
    if args.backend.startswith("runtime"):
        target = args.backend.split("-", 1)[1]
        engine = get_backend("runtime", target=target)
        runs = []
        for _ in range(args.runs):
            raw = next(iter(engine.simulate(structure, [values], report=None)))
            runs.append(raw.timings_s["run_s"])
        out.update(first_run_s=runs[0], run_s=min(runs), compile_s=max(0.0, runs[0] - min(runs)),
                   n_spikes=n_spikes(raw))
        out.update(peak_mb())
    else:
        engine = get_backend(args.backend, build_root=Path(args.build_root),
                             threads=args.threads)
        out["threads"] = args.threads
        stage(f"{out['n_neurons']} neurons, {out['n_synapses']} synapses: generating and "
              "compiling")
        timed = timed_build(engine, structure, values, args.runs)
        raw = timed.pop("raw")
        out.update(timed, n_spikes=n_spikes(raw))
        out.update(peak_mb())  # before the short twin, which holds a second network
        if args.fixed_duration > 0:
            # the same network built for a short duration (duration is part of a standalone
            # build): its run time is the part that does not depend on the duration (start-up,
            # static arrays, Brian2 writing every array at the end, run_args)
            short = args.fixed_duration
            stage(f"short twin of {short:g} s: generating and compiling")
            p = protocol(args.scale, short, seed=args.seed, dt_ms=args.dt, noise=args.noise,
                         profile=args.profile)
            twin = structure_for(p)
            fixed = timed_build(engine, twin, values_for(p, twin, None), args.runs)
            fixed_s = fixed["run_s"]
            out.update(fixed_duration_s=short, fixed_s=fixed_s,
                       marginal_rtf=(out["run_s"] - fixed_s) / (args.duration - short),
                       marginal_rtf_median=(out["run_s_median"] - fixed["run_s_median"])
                       / (args.duration - short))
    out["rtf"] = out["run_s"] / args.duration
    if "run_s_median" in out:
        out["rtf_median"] = out["run_s_median"] / args.duration
    out.update(region_rates(structure, raw, args.duration))
    readout = summarize(raw, structure, 1000 * args.duration)["readout"]
    out["winner"] = readout["winner"]
    out.update({f"p_{e}": readout["probabilities"][e] for e in EMOTIONS})
    return out


def time_alternately(directories: dict[str, Path], runs: int,
                     name: str = "") -> dict[str, list[float]]:
    """Run each compiled program in ``directories`` once per round, ``runs`` rounds, in the
    same minutes (this VM's speed drifts within minutes); wall seconds per label."""
    wall: dict[str, list[float]] = {label: [] for label in directories}
    for k in range(runs):
        if name:
            stage(f"{name}: timing round {k + 1} of {runs}")
        for label, directory in directories.items():
            t0 = time.perf_counter()
            subprocess.run(["./main"], cwd=directory, check=True, capture_output=True)
            wall[label].append(time.perf_counter() - t0)
    return wall


def timed_build(engine, structure, values, runs: int) -> dict:
    """Compile ``structure`` on a standalone ``engine`` and run it ``runs`` times: best run
    and binary times, compile time and the last run's output (``raw``)."""
    build = engine.prepare(structure, values, report=None)
    times, binary = [], []
    try:
        for k in range(runs):
            stage(f"compiled in {build.build_s:.0f} s; run {k + 1} of {runs}")
            raw = build.run(values)
            times.append(raw.timings_s["run_s"])
            binary.append(raw.timings_s["binary_s"])
    finally:
        build.close()
    return {"compile_s": build.build_s, "run_s": min(times), "binary_s": min(binary),
            "run_s_median": float(np.median(times)), "raw": raw}


def export_bare_network(p: Protocol, root: Path) -> tuple[object, object, Path]:
    """Write the network of ``p`` as brainsim builds it to ``root/bare_network.npz``.

    ``bare_network.py`` reads it, so that both simulate the identical graph and values.
    Returns brainsim's structure and values, and the file.
    """
    structure = structure_for(p)
    values = values_for(p, structure, None)
    arrays = {"dt": float(p.dt), "duration": float(p.duration),
              "region_index": np.concatenate([np.full(s.size, k) for k, s in
                                              enumerate(structure.anatomy.regions.values())]),
              "channel": np.concatenate([lay.channel for lay in structure.layouts.values()]),
              "sensory_channel": np.concatenate([lay.sensory_channel
                                                 for lay in structure.layouts.values()]),
              "sensory_rate_hz": values.drives.sensory_rate_hz,
              "reward": values.drives.reward,
              "text_drive": text_columns(values.drives.text_drive),
              "text_column": text_column_of(structure),
              "tau_dopamine": float(values.modulator_shared["tau_dopamine"]),
              "reward_sensitivity": float(values.modulator_shared["reward_sensitivity"])}
    for name, arr in values.neuron_arrays.items():
        arrays[f"neuron_{name}"] = np.asarray(arr, dtype=float)
    for name, q in values.network_constants.items():
        arrays[f"const_{name}"] = np.asarray(float(q))
    for name, arr in values.modulator_arrays.items():
        arrays[f"mod_{name}"] = np.asarray(arr, dtype=float)
    arrays["synapse_sets"] = np.array([f"{s.name}:{s.target_current}:{int(s.plastic)}"
                                       for s in structure.synapses])
    for s in structure.synapses:
        arrays[f"{s.name}_i"], arrays[f"{s.name}_j"] = s.i, s.j
        arrays[f"{s.name}_delay_ms"] = np.asarray(s.delay_ms)
        arrays[f"{s.name}_w_pA"] = values.weights_pA[s.name]
    root.mkdir(parents=True, exist_ok=True)
    npz = root / "bare_network.npz"
    np.savez(npz, **arrays)
    return structure, values, npz


def run_bare_network(npz: Path, build_dir: Path, runs: int, strip: tuple[str, ...] = ()) -> dict:
    """Compile and run ``bare_network.py`` on an exported network; its JSON result."""
    command = [sys.executable, str(HERE / "bare_network.py"), str(npz), str(build_dir),
               "--runs", str(runs)]
    if strip:
        command += ["--strip", *strip]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bare_network.py failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def case_bare(args) -> dict:
    """brainsim against a hand-written single-file Brian2 script of the same network."""
    p = protocol(args.scale, args.duration)
    root = Path(args.build_root)
    structure, values, npz = export_bare_network(p, root)
    bare = run_bare_network(npz, root / "bare-build", args.runs)
    engine = get_backend("cpp_standalone", build_root=root / "ours")
    build = engine.prepare(structure, values, report=None)
    runs, binary = [], []
    for _ in range(args.runs):
        raw = build.run(values)
        runs.append(raw.timings_s["run_s"])
        binary.append(raw.timings_s["binary_s"])
    build.close()
    # The figures above come from two processes run one after the other; this VM's speed
    # drifts by 15–30 % within minutes, so also time the two binaries alternately, the same
    # number of times, in the same minute (each run as built: the same network and values).
    alternating = time_alternately({"ours": build.directory, "bare": root / "bare-build"},
                                   args.runs)
    alt_ours, alt_bare = np.median(alternating["ours"]), np.median(alternating["bare"])
    # same graph and values, other noise draws: spike counts agree within a few percent;
    # far apart means bare_network.py no longer matches brainsim's model (update it)
    ours_n, bare_n = n_spikes(raw), bare["n_spikes"]
    same_model = abs(ours_n - bare_n) <= 0.1 * max(ours_n, bare_n)
    ours_run, bare_run = min(runs), min(r["run_s"] for r in bare["runs"])
    ours_bin, bare_bin = min(binary), min(r["binary_s"] for r in bare["runs"])
    return {"scale": args.scale, "duration_s": args.duration, "n_neurons": structure.n_neurons,
            "ours_compile_s": build.build_s, "bare_compile_s": bare["compile_s"],
            "ours_run_s": ours_run, "bare_run_s": bare_run, "run_ratio": ours_run / bare_run,
            "ours_binary_s": ours_bin, "bare_binary_s": bare_bin,
            "binary_ratio": ours_bin / bare_bin,
            "alternating_ours_s": alt_ours, "alternating_bare_s": alt_bare,
            "alternating_ratio": alt_ours / alt_bare,
            "ours_spikes": ours_n, "bare_spikes": bare_n,
            "same_model": same_model,
            "note": "" if same_model else "spike counts differ >10%: bare_network.py is "
                    "out of date with brainsim's equations; the ratio is not an overhead",
            "ours_peak_rss_mb": peak_mb()["peak_rss_mb"],
            "bare_peak_rss_mb": bare["peak_rss_mb"]}


def case_sweep(args) -> dict:
    """Points per minute: compile once (run_sweep) against a fresh build per point."""
    from brainsim.sweep import Sweep, run_sweep

    base = protocol(args.scale, args.duration)
    sweep = Sweep(base, grid={"serotonin": list(np.round(np.linspace(0.1, 0.9, args.points), 4)),
                              })
    root = Path(args.build_root)
    os.environ["NEUROEMO_CACHE"] = str(root / "sweep-cache")  # cold: includes the one compile
    t0 = time.perf_counter()
    outcome = run_sweep(sweep, root / "sweep-out", workers=args.workers, progress=False)
    once_s = time.perf_counter() - t0
    assert outcome.ok, outcome.failed
    builds = sum(w["builds"] for w in outcome.workers.values())
    # naive: what a plain Brian2 script does per point, a fresh build directory each time
    naive = []
    for k in range(args.naive):
        p = sweep.protocol_for(k)
        t1 = time.perf_counter()
        structure = structure_for(p)
        values = values_for(p, structure, None)
        engine = get_backend("cpp_standalone", build_root=Path(tempfile.mkdtemp(dir=root)))
        build = engine.prepare(structure, values, report=None)
        build.run(values)
        build.close()
        naive.append(time.perf_counter() - t1)
    once_ppm = 60 * args.points / once_s
    naive_ppm = 60 / float(np.mean(naive))
    return {"points": args.points, "workers": args.workers, "scale": args.scale,
            "duration_s": args.duration, "compile_once_s": once_s, "builds": builds,
            "compile_once_points_per_min": once_ppm, "naive_points_measured": args.naive,
            "naive_s_per_point": float(np.mean(naive)), "naive_points_per_min": naive_ppm,
            "speedup": once_ppm / naive_ppm}


def case_normal(args) -> dict:
    """ns per Gaussian number in C++ standalone: Brian2's ``randn()`` (polar method) against
    ``standard_normal()`` (Philox4x32-10 and Box–Muller, brainsim.devices.speedups.gaussian), and the same loop storing a
    constant, from Brian2's per-code-object profile of one build (interleaved every step)."""
    from brainsim.devices.speedups import Speedups
    from brainsim.devices.speedups.gaussian import standard_normal_function

    n, steps = 100_000, 200
    directory = Path(args.build_root) / "normal"
    b2.set_device("cpp_standalone", directory=str(directory), build_on_run=False)
    Speedups().configure_compiler()
    groups = {}
    namespace = {"standard_normal": standard_normal_function()}
    for name, expr in (("constant", "0.5"), ("randn", "randn()"),
                       ("standard_normal", "standard_normal()")):
        g = b2.NeuronGroup(n, "x : 1", name=f"g_{name}", namespace=namespace)
        g.run_regularly(f"x = {expr}", name=f"draw_{name}")
        groups[name] = g
    net = b2.Network(*groups.values())
    net.run(steps * b2.defaultclock.dt, profile=True)
    t0 = time.perf_counter()
    b2.device.build(directory=str(directory), compile=True, run=False, with_output=False)
    compile_s = time.perf_counter() - t0
    best: dict[str, float] = {}
    for _ in range(max(1, args.runs)):
        b2.device.run(directory=str(directory), with_output=False, run_args={})
        for obj, t in net.profiling_info:
            for name in groups:
                if obj.startswith(f"draw_{name}"):
                    best[name] = min(best.get(name, np.inf), float(t))
    per = {name: 1e9 * best[name] / (n * steps) for name in groups}
    x = np.asarray(groups["standard_normal"].x[:])
    return {"case": "normal", "numbers_per_run": n * steps, "runs": args.runs,
            "compile_s": compile_s,
            "ns_per_number_loop_constant": per["constant"],
            "ns_per_number_randn": per["randn"],
            "ns_per_number_standard_normal": per["standard_normal"],
            "ratio_randn_over_standard_normal": (per["randn"] - per["constant"])
            / (per["standard_normal"] - per["constant"]),
            "last_step_mean": float(x.mean()), "last_step_std": float(x.std())}


#: The cheaper configurations the trade-off case compares with the default (dt in ms, noise).
#: Rates and winners are compared with the finest time step's (the reference), times with
#: the default's.
TRADEOFF_VARIANTS = (("dt 0.1 ms", 0.1, "kick"), ("dt 0.2 ms", 0.2, "kick"),
                     ("default: dt 0.5 ms", 0.5, "kick"), ("no noise, dt 0.5 ms", 0.5, "none"),
                     ("white noise (xi), dt 0.1 ms", 0.1, "xi"))
TRADEOFF_REFERENCE, TRADEOFF_DEFAULT = "dt 0.1 ms", "default: dt 0.5 ms"


def case_tradeoffs(args) -> dict:
    """What a cheaper configuration buys and what it changes, measured side by side.

    Each variant of the default network (time step, noise formulation) is compiled once and
    runs every built-in profile for seeds 1..``--seeds`` through ``run_args``: region rates
    and the winning emotion, compared with those at dt = 0.1 ms (:data:`TRADEOFF_REFERENCE`,
    the most accurate) for the same profile and seed. Then the variants' binaries run
    alternately ``--runs`` times (this VM's speed drifts within minutes, so only runs in the
    same minutes compare): wall time per simulated second, best and median, and the median
    of the per-round ratios to the default (:data:`TRADEOFF_DEFAULT`).
    """
    from brainsim.model.profiles import PROFILES

    root = Path(args.build_root)
    rows, directories = [], {}
    for label, dt_ms, noise in TRADEOFF_VARIANTS:
        stage(f"trade-offs: {label}: generating and compiling")
        structure = structure_for(protocol(args.scale, args.duration, dt_ms=dt_ms, noise=noise))
        engine = get_backend("cpp_standalone", build_root=root / label.replace(" ", "_"))
        build = None
        try:
            for profile in PROFILES:
                for seed in range(1, args.seeds + 1):
                    p = protocol(args.scale, args.duration, seed=seed, dt_ms=dt_ms, noise=noise,
                                 profile=profile)
                    values = values_for(p, structure, None)
                    if build is None:
                        build = engine.prepare(structure, values, report=None)
                    raw = build.run(values)
                    readout = summarize(raw, structure, 1000 * args.duration)["readout"]
                    rows.append({"variant": label, "dt_ms": dt_ms, "noise": noise,
                                 "profile": profile, "seed": seed,
                                 **region_rates(structure, raw, args.duration),
                                 "winner": readout["winner"],
                                 "p_winner": readout["probabilities"][readout["winner"]]})
        finally:
            if build is not None:
                build.close()
        directories[label] = (build.directory, build.build_s)
    # the binaries as built (healthy, seed 1), alternately, in the same minutes
    wall = {label: [w / args.duration for w in times] for label, times in time_alternately(
        {label: directory for label, (directory, _) in directories.items()}, args.runs,
        "trade-offs").items()}
    table = pd.DataFrame(rows)
    rate_cols = [c for c in table.columns if c.startswith("rate_")]
    reference = table[table.variant == TRADEOFF_REFERENCE].set_index(["profile", "seed"])
    default_wall = np.asarray(wall[TRADEOFF_DEFAULT])
    variants = []
    for label, dt_ms, noise in TRADEOFF_VARIANTS:
        mine = table[table.variant == label].set_index(["profile", "seed"])
        # mean rate per profile and region over the seeds, relative to the default's
        rel = (mine[rate_cols].groupby("profile").mean()
               / reference[rate_cols].groupby("profile").mean() - 1)
        same = (mine["winner"] == reference.loc[mine.index, "winner"])
        variants.append({
            "variant": label, "dt_ms": dt_ms, "noise": noise,
            "compile_s": directories[label][1],
            "s_per_sim_s_best": float(np.min(wall[label])),
            "s_per_sim_s_median": float(np.median(wall[label])),
            "ratio_to_default": float(np.median(np.asarray(wall[label]) / default_wall)),
            "max_rate_change": float(rel.abs().to_numpy().max()),
            "median_rate_change": float(np.median(rel.abs().to_numpy())),
            "same_winner": f"{int(same.sum())}/{len(same)}",
            "mean_abs_p_winner_change": float(
                (mine["p_winner"] - reference.loc[mine.index, "p_winner"]).abs().mean())})
    return {"case": "tradeoffs", "scale": args.scale, "duration_s": args.duration,
            "runs": args.runs, "seeds": args.seeds, "variants": variants,
            "runs_table": rows}


#: What the model's parts cost: the bare script of the default network with parts removed,
#: cumulatively (``bare_network.py --strip``). Label, time step (ms), parts removed.
FLOOR_VARIANTS = (
    ("the model at dt 0.1 ms (bare script)", 0.1, ()),
    ("the model at dt 0.5 ms (the default)", 0.5, ()),
    ("+ no noise", 0.5, ("noise",)),
    ("+ static synapses", 0.5, ("noise", "plasticity")),
    ("+ no modulator trace", 0.5, ("noise", "plasticity", "trace")),
    ("+ plain LIF neuron", 0.5, ("noise", "plasticity", "trace", "extensions")),
)


def case_floor(args) -> dict:
    """How fast the default network could be if parts of the model were removed.

    The bare single-file script of the default network (``bare_network.py``, the same graph
    and values as brainsim's) is compiled once per variant of :data:`FLOOR_VARIANTS`, each
    removing one more part, and the binaries run alternately ``--runs`` times (this VM's
    speed drifts within minutes). Per variant: wall seconds per simulated second (best and
    median, the program's start-up and output included), spikes per simulated second, and
    the median of the per-round ratios to the first variant. None of the stripped variants
    is the model; they bound what any implementation of it could gain on this machine.
    """
    root = Path(args.build_root)
    directories, results = {}, {}
    for label, dt_ms, strip in FLOOR_VARIANTS:
        stage(f"floor: {label}: generating and compiling")
        slug = label.replace(" ", "_").replace("+", "").replace(".", "p").strip("_")
        _, _, npz = export_bare_network(protocol(args.scale, args.duration, dt_ms=dt_ms),
                                        root / slug)
        results[label] = run_bare_network(npz, root / slug / "build", 1, strip)
        directories[label] = root / slug / "build"
    wall = {label: [w / args.duration for w in times]
            for label, times in time_alternately(directories, args.runs, "floor").items()}
    first = np.asarray(wall[FLOOR_VARIANTS[0][0]])
    variants = [{"variant": label, "dt_ms": dt_ms, "removed": " ".join(strip),
                 "compile_s": results[label]["compile_s"],
                 "s_per_sim_s_best": float(np.min(wall[label])),
                 "s_per_sim_s_median": float(np.median(wall[label])),
                 "ratio_to_model": float(np.median(np.asarray(wall[label]) / first)),
                 "spikes_per_sim_s": results[label]["n_spikes"] / args.duration}
                for label, dt_ms, strip in FLOOR_VARIANTS]
    return {"case": "floor", "scale": args.scale, "duration_s": args.duration,
            "runs": args.runs, "variants": variants}


#: The generated loops whose vectorisation the speed-ups rely on (docs/performance.md).
VECTORISED_CODE_OBJECTS = ("neurons_stateupdater", "neurons_slow_update", "neurons_noise_kick")


def case_vectorisation(args) -> dict:
    """Which hot loops gcc vectorises on *this* CPU (``-march=native``), from its own report.

    A performance property of one compiler on one CPU, never a test: on AVX-512 gcc 12
    vectorises the 1 ms modulation update, on AVX2 it does not (gathers). Compiles the
    default network's code objects with the build's own flags and ``-fopt-info-vec-optimized``,
    and looks for glibc's vector maths (``_ZGV...``) in the Box–Muller refill.
    """
    import re

    import brainsim.devices.speedups.gaussian as gaussian

    p = protocol(args.scale, 0.01)
    structure = structure_for(p)
    values = values_for(p, structure, None)
    engine = get_backend("cpp_standalone", build_root=Path(args.build_root))
    build = engine.prepare(structure, values, report=None)
    out: dict = {"case": "vectorisation", "cpu_flags": " ".join(
        f for f in ("avx2", "avx512f") if f in Path("/proc/cpuinfo").read_text().split())}
    try:
        makefile = (build.directory / "makefile").read_text()
        flags = re.search(r"^OPTIMISATIONS = (.*)$", makefile, re.M).group(1)
        for name in VECTORISED_CODE_OBJECTS:
            source = build.directory / "code_objects" / f"{name}_codeobject.cpp"
            result = subprocess.run(
                f"g++ -c {flags} -I. {source} -o /dev/null -fopt-info-vec-optimized",
                shell=True, cwd=build.directory, capture_output=True, text=True)
            out[f"{name}_vectorised"] = "loop vectorized" in result.stderr
        symbols = subprocess.run(["nm", "-C", str(build.directory / "main")],
                                 capture_output=True, text=True).stdout
        out["libmvec_available"] = bool(gaussian.vector_math())
        out["box_muller_uses_libmvec"] = "_ZGV" in symbols
    finally:
        build.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=("rtf", "bare", "sweep", "normal", "tradeoffs", "floor",
                                           "vectorisation"))
    parser.add_argument("--backend", default="cpp_standalone")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--dt", type=float, default=DEFAULT_DT_MS,
                        help="time step in ms (rtf case; default: the protocol's)")
    parser.add_argument("--noise", default="kick", choices=("kick", "xi", "none"),
                        help="noise formulation (rtf case)")
    parser.add_argument("--profile", default="healthy", help="profile (rtf case)")
    parser.add_argument("--seed", type=int, default=1, help="seed (rtf case)")
    parser.add_argument("--fixed-duration", type=float, default=0.0, metavar="S",
                        help="rtf case, standalone: also build the network for S seconds to "
                             "split the run time into a fixed part and a per-second part")
    parser.add_argument("--seeds", type=int, default=3,
                        help="tradeoffs case: seeds per profile and variant")
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--naive", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP threads of cpp_standalone (0: single-threaded)")
    parser.add_argument("--build-root", default=tempfile.mkdtemp(prefix="neuroemo-bench-"))
    args = parser.parse_args()
    result = {"rtf": case_rtf, "bare": case_bare, "sweep": case_sweep,
              "normal": case_normal, "tradeoffs": case_tradeoffs,
              "floor": case_floor, "vectorisation": case_vectorisation}[args.case](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
