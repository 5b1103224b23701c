"""Run every benchmark (by hand): ``python benchmarks/run_all.py [--quick] [--skip-cython]``.

Writes ``benchmarks/results/{rtf,overhead,sweep,tradeoffs,tradeoff_runs,floor,vectorisation,analysis}.csv``
and ``benchmarks/results/summary.md`` (hardware, versions, the tables). Each case runs in
its own process with a fresh build folder, so compile times are cold. About 23 minutes on
the 2-core Zen 3 VM without a GPU (6 of them the trade-off case, which compiles six
variants), about 8 on the Zen 5 one (docs/performance.md, "Two machines"). Each
standalone case also compiles a 0.01 s twin of its network, which splits the run time into
a fixed part (``fixed_s``) and what each further simulated second costs (``marginal_rtf``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def run_case(*args: str, build_root: Path) -> dict:
    cmd = [sys.executable, str(HERE / "bench.py"), *args, "--build-root", str(build_root)]
    print("$", " ".join(cmd[1:]), flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {time.perf_counter() - t0:.0f} s: {result}", flush=True)
    return result


#: AMD's CPU families as /proc/cpuinfo numbers them: a VM's model name is often just "AMD
#: EPYC", and the same name covered machines 2.5x apart in speed (docs/performance.md).
AMD_FAMILIES = {23: "Zen 1/2", 25: "Zen 3/4", 26: "Zen 5"}


def cpu_description() -> str:
    """The CPU's model name, family/model numbers and widest vector instructions."""
    cpu = platform.processor() or ""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in ("model name", "cpu family", "model", "vendor_id", "flags") \
                    and key not in fields:
                fields[key] = value.strip()
            if not line.strip() and fields:
                break
    except OSError:
        return cpu
    cpu = fields.get("model name", cpu)
    family = fields.get("cpu family")
    if family is not None:
        cpu += f" (family {family}, model {fields.get('model', '?')}"
        if fields.get("vendor_id") == "AuthenticAMD" and int(family) in AMD_FAMILIES:
            cpu += f", {AMD_FAMILIES[int(family)]}"
        flags = fields.get("flags", "").split()
        cpu += ", AVX-512)" if "avx512f" in flags else ", AVX2)" if "avx2" in flags else ")"
    return cpu


def hardware() -> dict:
    cpu = cpu_description()
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    from brainsim.devices.cuda import detected_gpus

    versions = {}
    for pkg in ("brian2", "brian2cuda", "numpy"):
        try:
            from importlib.metadata import version
            versions[pkg] = version(pkg)
        except Exception:  # noqa: BLE001
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb,
            "gpus": [g["name"] for g in detected_gpus()], "python": platform.python_version(),
            "compiler": _gcc(), **versions, "date": date.today().isoformat()}


def _gcc() -> str:
    try:
        return subprocess.run(["g++", "--version"], capture_output=True,
                              text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="scale 1 only, 5 sweep points (a smoke test of the harness)")
    parser.add_argument("--skip-cython", action="store_true",
                        help="no runtime/cython case (its cold compile takes ~3 min)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="neuroemo-bench-"))
    notes = []
    try:
        from brainsim.devices.cuda import detected_gpus

        gpu = bool(detected_gpus())
        # (backend, scale, biological seconds, runs)
        cases = [("cpp_standalone", 1, 1.0, 3 if args.quick else 11),
                 ("runtime-numpy", 1, 1.0, 1)]
        if not args.skip_cython:
            cases.append(("runtime-cython", 1, 0.2, 2))
        if not args.quick:
            cases += [("cpp_standalone", 10, 0.5, 2), ("runtime-numpy", 10, 0.1, 1),
                      ("cpp_standalone", 100, 0.2, 1)]
            if gpu:
                cases += [("cuda_standalone", 1, 1.0, 2), ("cuda_standalone", 10, 1.0, 2),
                          ("cuda_standalone", 100, 0.2, 1), ("cuda_standalone", 1000, 0.1, 1)]
            else:
                notes.append("No GPU on this machine: cuda_standalone and scale 1000 skipped.")
        rtf = []
        for k, (backend, scale, duration, runs) in enumerate(cases):
            # standalone: a 0.01 s twin splits the run into fixed and per-second cost
            twin = ["--fixed-duration", "0.01"] if backend.endswith("standalone") else []
            r = run_case("rtf", "--backend", backend, "--scale", str(scale), "--duration",
                         str(duration), "--runs", str(runs), *twin, build_root=work / f"rtf{k}")
            rtf.append({"backend": backend, "scale": scale, "duration_s": duration, **r})
            shutil.rmtree(work / f"rtf{k}", ignore_errors=True)
        overhead = [run_case("bare", "--scale", "1", "--duration", "1", "--runs", "7",
                             build_root=work / "bare")]
        points = 5 if args.quick else 20
        sweep = [run_case("sweep", "--points", str(points), "--naive", "2", "--workers", "1",
                          "--scale", "1", "--duration", "1", build_root=work / "sweep")]
        # cheaper configurations (time step, noise) against the default, side by side
        quick = ["--duration", "1", "--runs", "3", "--seeds", "1"] if args.quick else \
            ["--duration", "3", "--runs", "9", "--seeds", "3"]
        tradeoffs = run_case("tradeoffs", *quick, build_root=work / "tradeoffs")
        # what the model's parts cost: the bare script with parts removed, cumulatively
        floor = run_case("floor", *(["--duration", "1", "--runs", "3"] if args.quick else
                                    ["--duration", "5", "--runs", "9"]),
                         build_root=work / "floor")
        # which hot loops gcc vectorises on this CPU (a property of the machine, not a test)
        vectorisation = [run_case("vectorisation", build_root=work / "vectorisation")]
        # the analysis side (loading, live publishing, viewer frames) writes analysis.csv
        analysis = subprocess.run([sys.executable, str(HERE / "analysis_bench.py")],
                                  capture_output=True, text=True)
        if analysis.returncode != 0:
            notes.append(f"analysis_bench.py failed: {analysis.stderr.strip()[-500:]}")
        elif "no Chromium" in analysis.stdout:
            notes.append("No Chromium on this machine: analysis_bench.py skipped the viewer "
                         "frames.")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    hw = hardware()
    tables = {"rtf": pd.DataFrame(rtf), "overhead": pd.DataFrame(overhead),
              "sweep": pd.DataFrame(sweep),
              "tradeoffs": pd.DataFrame(tradeoffs.get("variants", [tradeoffs])),
              "tradeoff_runs": pd.DataFrame(tradeoffs.get("runs_table", [])),
              "floor": pd.DataFrame(floor.get("variants", [floor])),
              "vectorisation": pd.DataFrame(vectorisation)}
    for name, df in tables.items():
        df.to_csv(RESULTS / f"{name}.csv", index=False)
    (RESULTS / "summary.md").write_text(summary_markdown(hw, tables, notes))
    print((RESULTS / "summary.md").read_text())
    return 0


def _fmt(df: pd.DataFrame, columns: list[str]) -> str:
    cols = [c for c in columns if c in df.columns]
    df = df[cols].copy()
    for c in cols:
        if pd.api.types.is_float_dtype(df[c]):
            df[c] = df[c].map(lambda v: "" if pd.isna(v) else f"{v:.3g}")
    header = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    return header + "".join("| " + " | ".join(str(v) for v in row) + " |\n"
                            for row in df.itertuples(index=False))


def summary_markdown(hw: dict, tables: dict, notes: list[str]) -> str:
    lines = ["# Benchmark results", "",
             "Hardware: " + ", ".join(f"{k} {v}" for k, v in hw.items()), ""]
    lines += ["## Realtime factor (wall / biological time; compile separately)", "",
              _fmt(tables["rtf"], ["backend", "scale", "n_neurons", "n_synapses", "duration_s",
                                   "run_s", "binary_s", "rtf", "rtf_median", "fixed_s",
                                   "marginal_rtf", "marginal_rtf_median",
                                   "compile_s", "n_spikes", "peak_rss_mb",
                                   "binary_peak_rss_mb", "error"])]
    lines += ["## Overhead against a bare Brian2 script of the same network", "",
              _fmt(tables["overhead"], ["scale", "n_neurons", "ours_run_s", "bare_run_s",
                                        "run_ratio", "ours_binary_s", "bare_binary_s",
                                        "binary_ratio", "alternating_ours_s",
                                        "alternating_bare_s", "alternating_ratio",
                                        "ours_compile_s", "bare_compile_s",
                                        "ours_spikes", "bare_spikes", "same_model",
                                        "note", "error"])]
    lines += ["## Sweep throughput (compile once vs a fresh build per point)", "",
              _fmt(tables["sweep"], ["points", "workers", "compile_once_s", "builds",
                                     "compile_once_points_per_min", "naive_points_measured",
                                     "naive_s_per_point", "naive_points_per_min", "speedup",
                                     "error"])]
    lines += ["## Trade-offs: cheaper time step or noise against the default "
              "(`bench.py tradeoffs`)", "",
              _fmt(tables["tradeoffs"], ["variant", "dt_ms", "noise", "s_per_sim_s_best",
                                         "s_per_sim_s_median", "ratio_to_default",
                                         "max_rate_change", "median_rate_change",
                                         "same_winner", "mean_abs_p_winner_change",
                                         "error"])]
    lines += ["## What the model's parts cost: the bare script with parts removed, "
              "cumulatively (`bench.py floor`; none of these is the model)", "",
              _fmt(tables["floor"], ["variant", "dt_ms", "removed", "s_per_sim_s_best",
                                     "s_per_sim_s_median", "ratio_to_model",
                                     "spikes_per_sim_s", "error"])]
    lines += ["## Loops gcc vectorises on this CPU (`bench.py vectorisation`)", "",
              _fmt(tables["vectorisation"], ["cpu_flags", "neurons_stateupdater_vectorised",
                                             "neurons_slow_update_vectorised",
                                             "neurons_noise_kick_vectorised",
                                             "libmvec_available", "box_muller_uses_libmvec",
                                             "error"])]
    analysis = RESULTS / "analysis.csv"
    if analysis.is_file():
        lines += ["## Analysis side (`analysis_bench.py`)", "",
                  _fmt(pd.read_csv(analysis), ["measure", "unit", "best", "median", "runs"])]
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
