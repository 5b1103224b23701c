"""How fast the analysis side is: loading a large run, publishing live snapshots, drawing a
viewer frame. These figures used to be asserted in unit tests; timing belongs here.

    python benchmarks/analysis_bench.py            # writes benchmarks/results/analysis.csv

Each measure is repeated (``--runs``) and reported as best and median. The viewer's frame
time needs headless Chromium (the tests' DevTools driver); without it that row is left out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import load_run  # noqa: E402
from analysis.live import LiveServer  # noqa: E402
from analysis.testing import write_synthetic_run  # noqa: E402
from analysis.viewer import write_viewer  # noqa: E402

REGIONS = np.array(["pfc", "amygdala", "hippocampus", "thalamus", "striatum"])


def synthetic_run(folder: Path, n_spikes: int, duration_ms: float, size: int) -> Path:
    """A run folder with ``n_spikes`` uniformly spread spikes over five regions."""
    rng = np.random.default_rng(0)
    spikes = pd.DataFrame({"region": REGIONS[rng.integers(0, 5, n_spikes)],
                           "neuron": rng.integers(0, size, n_spikes).astype(np.int32),
                           "t_ms": np.sort(rng.uniform(0, duration_ms, n_spikes))})
    return write_synthetic_run(folder, spikes=spikes, duration_ms=duration_ms,
                               sizes=dict.fromkeys(REGIONS.tolist(), size))


def time_load(path: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run = load_run(path)
        len(run.spikes)  # tables are read lazily
        times.append(time.perf_counter() - start)
    return times


def time_publish(runs: int) -> list[float]:
    """Seconds per ``LiveServer.publish`` of a 50 ms snapshot (~700 spikes as lists)."""
    from analysis.testing import synthetic_snapshot

    rng = np.random.default_rng(1)
    snaps = [synthetic_snapshot(50.0 * k, rng) for k in range(1, 41)]
    per_call = []
    with LiveServer(port=0, quiet=True) as live:
        for _ in range(runs):
            start = time.perf_counter()
            for snap in snaps:
                live.publish(snap)
            per_call.append((time.perf_counter() - start) / len(snaps))
    return per_call


def time_frames(viewer: Path, runs: int) -> list[float] | None:
    """Milliseconds per viewer frame (``setTime`` at 100 cursor positions), or None."""
    from tests.browser import CHROMIUM, Browser

    if CHROMIUM is None:
        return None
    browser = Browser()
    try:
        browser.goto(viewer.as_uri())
        browser.wait_for("document.body.dataset.ready === '1'", what="viewer initialised")
        return [float(browser.eval("""(() => { const v = window.neuroemoViewer;
            const t0 = performance.now(); for (let k = 0; k < 100; k++) v.setTime(30 * k);
            return (performance.now() - t0) / 100; })()""")) for _ in range(runs)]
    finally:
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" /
                        "analysis.csv")
    args = parser.parse_args(argv)
    rows = []

    def add(measure: str, unit: str, values: list[float]) -> None:
        rows.append({"measure": measure, "unit": unit, "best": min(values),
                     "median": statistics.median(values), "runs": len(values)})
        print(f"{measure}: best {min(values):.4g} {unit}, median "
              f"{statistics.median(values):.4g} {unit} ({len(values)} runs)", flush=True)

    with tempfile.TemporaryDirectory(prefix="neuroemo-analysis-bench-") as tmp:
        big = synthetic_run(Path(tmp) / "big", 1_000_000, 5000.0, 100)
        add("load_run, 10^6 spikes", "s", time_load(big, args.runs))
        add("LiveServer.publish, 50 ms snapshot", "ms",
            [1000 * s for s in time_publish(args.runs)])
        sizes = {"pfc": 400, "amygdala": 200, "hippocampus": 300, "thalamus": 200,
                 "striatum": 300}
        small = load_run(write_synthetic_run(Path(tmp) / "small", duration_ms=3000.0,
                                             sizes=sizes))
        dense = load_run(synthetic_run(Path(tmp) / "dense", 1_000_000, 10_000.0, 1000))
        for label, run in (("3 s synthetic run", small),
                           ("10 s, 5 x 1000 neurons, 10^6 spikes", dense)):
            frames = time_frames(write_viewer(run, Path(tmp) / f"{len(rows)}.html"), args.runs)
            if frames is not None:
                add(f"viewer frame, {label}", "ms", frames)
            else:
                print(f"viewer frame, {label}: skipped (no Chromium on this machine)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out, index=False)
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
