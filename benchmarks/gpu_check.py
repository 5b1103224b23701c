"""The GPU check of issue 6, one prepared script for a machine with an NVIDIA GPU.

    python benchmarks/gpu_check.py --out DIR [--budget-s 540]

Runs the default network (scale 1) and a >= 10^6-neuron network (scale 435: 1,002,240
neurons) on ``cuda_standalone`` and ``cpp_standalone`` (OpenMP on every core for the large
one), each case in its own process through ``benchmarks/bench.py rtf``, and writes, as it
goes:

- ``DIR/gpu_check.jsonl``: one JSON line per case (times, region rates, peak memory);
- ``DIR/gpu_check.md``: the machine, the table, and the per-region rate ratio cuda/cpp with
  a pass/fail against the 10 % agreement asked for;
- ``DIR/errors.log``: the end of stderr of any case that failed or timed out (Brian2's
  progress lines and brian2cuda's start-up messages say which stage it reached).

Cases that would not fit the remaining time budget are skipped (and listed), so a lease of
the GPU machine is never overrun. More cases (cuda at scale 10, 100, 1000) run only when the
required four have finished and time is left.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGIONS = ("pfc", "amygdala", "hippocampus", "thalamus", "striatum")
LARGE_SCALE = 435.0  # 1,002,240 neurons, ~105 M synapses

# (backend, scale, biological s, runs, threads, seconds to reserve for it). The reserves are
# what the H200 runs of 2026-11-27 measured (benchmarks/gpu/) plus margin; the large CUDA
# case, which did not finish in 120 s there, goes first and gets the most.
REQUIRED = [
    ("cuda_standalone", LARGE_SCALE, 0.2, 1, 0, 280),
    ("cpp_standalone", LARGE_SCALE, 0.2, 1, -1, 90),
    ("cuda_standalone", 1.0, 1.0, 2, 0, 60),
    ("cpp_standalone", 1.0, 1.0, 2, 0, 25),
]
EXTRA = [
    ("cuda_standalone", 100.0, 0.5, 1, 0, 150),
    ("cuda_standalone", 10.0, 1.0, 1, 0, 110),
    ("cuda_standalone", 1000.0, 0.1, 1, 0, 300),
]


def sh(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as err:
        return f"? ({err})"


def machine() -> dict:
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    return {"date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
            "gpu": sh("nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap "
                      "--format=csv,noheader"),
            "nvcc": sh("nvcc --version | tail -2 | head -1"),
            "cpu": cpu, "cores": len(os.sched_getaffinity(0)),
            "memory": sh("free -g | awk '/Mem/ {print $2\" GiB\"}'"),
            "python": platform.python_version(), "gcc": sh("g++ --version | head -1")}


def run_case(case: tuple, work: Path, out: Path, timeout_s: float) -> dict:
    backend, scale, duration, runs, threads, _ = case
    if threads < 0:
        threads = len(os.sched_getaffinity(0))
    build_root = work / f"{backend}-{scale:g}"
    cmd = [sys.executable, str(HERE / "bench.py"), "rtf", "--backend", backend,
           "--scale", str(scale), "--duration", str(duration), "--runs", str(runs),
           "--threads", str(threads), "--build-root", str(build_root)]
    print(f"[{time.strftime('%H:%M:%S')}] {backend} scale {scale:g}, {duration} s, "
          f"threads {threads} (timeout {timeout_s:.0f} s)", flush=True)
    t0 = time.perf_counter()
    row = {"backend": backend, "scale": scale, "duration_s": duration, "threads": threads}
    log = out / f"case-{backend}-{scale:g}.log"  # streamed, so a timeout still shows the stage
    with open(log, "w") as err:
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                                  timeout=timeout_s)
            if proc.returncode == 0:
                row.update(json.loads(proc.stdout.strip().splitlines()[-1]))
            else:
                row["error"] = f"exit {proc.returncode}"
        except subprocess.TimeoutExpired:
            row["error"] = f"timed out after {timeout_s:.0f} s"
    if "error" in row:
        tail = log.read_text(errors="replace").strip().splitlines()[-40:]
        with open(out / "errors.log", "a") as f:
            f.write(f"== {backend} scale {scale:g}: {row['error']}\n" + "\n".join(tail) + "\n")
    else:
        log.unlink()
    row["wall_s"] = time.perf_counter() - t0
    shutil.rmtree(build_root, ignore_errors=True)  # the large builds hold gigabytes
    print(f"    {row['wall_s']:.0f} s: " + json.dumps(
        {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
    with open(out / "gpu_check.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    return row


def comparison(rows: list[dict]) -> list[str]:
    lines = []
    ok = [r for r in rows if "error" not in r]
    for scale in sorted({r["scale"] for r in ok}):
        by = {r["backend"]: r for r in ok if r["scale"] == scale}
        if {"cuda_standalone", "cpp_standalone"} <= by.keys():
            cu, cp = by["cuda_standalone"], by["cpp_standalone"]
            ratios = {g: cu[f"rate_{g}"] / cp[f"rate_{g}"] for g in REGIONS
                      if cp.get(f"rate_{g}")}
            worst = max(abs(v - 1) for v in ratios.values())
            lines.append(f"| {scale:g} | {cu['n_neurons']:,} | " + " | ".join(
                f"{cu[f'rate_{g}']:.2f} / {cp[f'rate_{g}']:.2f}" for g in REGIONS)
                + f" | {100 * worst:.1f} % | {'yes' if worst <= 0.10 else 'NO'} |")
    if not lines:
        return ["No scale has both backends: nothing to compare."]
    head = ("| scale | neurons | " + " | ".join(f"{g} Hz cuda / cpp" for g in REGIONS)
            + " | largest difference | within 10 % |")
    return [head, "|" + "---|" * (len(REGIONS) + 4)] + lines


def report(info: dict, rows: list[dict], skipped: list[str], out: Path) -> None:
    cols = ["backend", "scale", "n_neurons", "n_synapses", "duration_s", "threads",
            "compile_s", "run_s", "binary_s", "rtf", "n_spikes", "peak_rss_mb",
            "binary_peak_rss_mb", "wall_s", "error"]

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.3g}"
        if isinstance(v, int):
            return f"{v:,}"
        return "" if v is None else str(v)

    lines = ["# GPU check (benchmarks/gpu_check.py)", ""]
    lines += [f"- {k}: {v}" for k, v in info.items()] + [""]
    lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c)) for c in cols) + " |" for r in rows]
    lines += ["", "## Region rates, cuda_standalone against cpp_standalone", ""]
    lines += comparison(rows)
    if skipped:
        lines += ["", "Skipped (time budget): " + "; ".join(skipped)]
    (out / "gpu_check.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/neuroemo-gpu-check"))
    parser.add_argument("--budget-s", type=float, default=540.0,
                        help="stop starting cases after this many seconds")
    parser.add_argument("--only-required", action="store_true",
                        help="only the default and the 10^6-neuron network")
    parser.add_argument("--large-scale", type=float, default=LARGE_SCALE,
                        help="scale of the large network (default 435: 1,002,240 neurons)")
    parser.add_argument("--cases", nargs="+", metavar="BACKEND:SCALE:SECONDS:RESERVE",
                        help="run these cases, in this order, instead of the defaults "
                             "(cpp_standalone uses every core when SCALE > 1)")
    parser.add_argument("--backends", nargs="+", default=["cuda_standalone", "cpp_standalone"],
                        help="backends to run (cpp_standalone alone: a check without a GPU)")
    args = parser.parse_args()
    t_start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(json.dumps(info), flush=True)
    rows, skipped = [], []
    required = [(b, args.large_scale if s == LARGE_SCALE else s, *rest)
                for b, s, *rest in REQUIRED]
    if args.cases:
        required = []
        for spec in args.cases:
            b, sc, dur, reserve = spec.split(":")
            threads = -1 if b == "cpp_standalone" and float(sc) > 1 else 0
            required.append((b, float(sc), float(dur), 1, threads, float(reserve)))
    cases = [c for c in required + ([] if args.only_required or args.cases else EXTRA)
             if c[0] in args.backends]
    for k, case in enumerate(cases):
        left = args.budget_s - (time.perf_counter() - t_start)
        if left < case[-1]:
            skipped.append(f"{case[0]} scale {case[1]:g} (needs ~{case[-1]} s, {left:.0f} s left)")
            print("skip:", skipped[-1], flush=True)
            continue
        # keep the reserve of the required cases still to come
        later = sum(c[-1] for c in cases[k + 1:] if c in required)
        rows.append(run_case(case, args.work, args.out, timeout_s=max(case[-1], left - later)))
        report(info, rows, skipped, args.out)
    report(info, rows, skipped, args.out)
    print((args.out / "gpu_check.md").read_text(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
