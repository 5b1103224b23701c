"""``neuroemo sweep``: run a sweep file's points on Dask (see :mod:`brainsim.sweep`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from brainsim.channels import BACKENDS

SWEEP_EPILOG = """
examples:
  neuroemo sweep protocols/sweep_serotonin.py --workers 2
  neuroemo sweep protocols/sweep_serotonin.py --resume          # finish a killed sweep
  neuroemo sweep protocols/sweep_serotonin.py --scheduler tcp://head-node:8786
  neuroemo run protocols/sweep_serotonin.py --point 3           # one point, no Dask

Results: <out>/points/point-XXXX/ (one results folder per point) and <out>/manifest.json;
load them with analysis.load_runs("<out>/points"). See docs/sweeps.md (SLURM, dask-jobqueue).
"""


def add_subcommands(subparsers) -> None:
    """Register ``sweep`` on the ``neuroemo`` parser."""
    sweep = subparsers.add_parser(
        "sweep", help="run every point of a sweep file on Dask (local or cluster)",
        description="Run a sweep file (a base protocol plus a grid or list of points) on a "
        "Dask cluster. Each worker compiles once and re-runs its build for every point.",
        epilog=SWEEP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sweep.add_argument("sweep_file", type=Path, help="sweep file, e.g. "
                       "protocols/sweep_serotonin.py")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="address of a running Dask scheduler (default: start a local "
                       "cluster)")
    sweep.add_argument("--workers", type=int, default=2,
                       help="worker processes of the local cluster (default 2)")
    sweep.add_argument("--backend", default="cpp_standalone",
                       choices=BACKENDS,
                       help="simulator backend (default: cpp_standalone)")
    sweep.add_argument("--threads", type=int, default=0,
                       help="OpenMP threads per worker for standalone backends (default 0)")
    sweep.add_argument("--out", type=Path,
                       help="sweep folder (default: results/<sweep name>)")
    sweep.add_argument("--resume", action="store_true",
                       help="run only the points that have no results folder yet")
    sweep.add_argument("--force", action="store_true",
                       help="delete the sweep folder's previous results and start over")
    sweep.add_argument("--figures", action="store_true",
                       help="write each point's raster and rate figures (slower)")
    sweep.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                       help="how long to try to reach --scheduler (default 10)")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    sweep.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from analysis.report import write_run_figures
    from analysis.tasks import task_metrics
    from brainsim.sweep import load_sweep_file, run_sweep

    sweep = load_sweep_file(args.sweep_file)
    outcome = run_sweep(sweep, args.out, scheduler=args.scheduler, workers=args.workers,
                        backend=args.backend, threads=args.threads, resume=args.resume,
                        force=args.force, progress=not args.quiet,
                        figures=write_run_figures if args.figures else None,
                        task_metrics=task_metrics, timeout_s=args.timeout)
    if not args.quiet:
        counts = outcome.manifest["counts"]
        print(f"sweep {sweep.name}: {counts['done']} of {len(sweep)} points done "
              f"({len(outcome.ran)} run now, {len(outcome.skipped)} already there), "
              f"{counts['failed']} failed")
        for wid, w in sorted(outcome.workers.items()):
            print(f"  worker {wid}: {w['points']} points, {w['builds']} build(s)")
        for k, msg in sorted(outcome.failed.items()):
            print(f"  point {k} failed: {msg}")
        print(f"  results: {outcome.out / 'points'}  manifest: {outcome.out / 'manifest.json'}")
        print(f"  in Python: analysis.load_runs('{outcome.out}')")
        if sweep.tables is not None:
            print(f"  tables kept per point: {', '.join(sweep.tables) or 'none'} "
                  "(and meta.json; Sweep(tables=...))")
        table = "rates" if sweep.tables is None or "rates" in sweep.tables else (
            sweep.tables[0] if sweep.tables else None)
        if table is not None:
            print(f"  dataset: {outcome.out / 'dataset'} "
                  f"(pd.read_parquet('{outcome.out}/dataset/{table}'))")
    return 1 if outcome.failed else 0


def run_point_command(args: argparse.Namespace) -> int:
    """``neuroemo run SWEEP.py --point K``."""
    from analysis.report import write_run_figures
    from analysis.tasks import task_metrics
    from brainsim.errors import ConfigError
    from brainsim.sweep import load_sweep_file, run_point

    overrides = [opt for opt, value in (("--profile", args.profile), ("--seed", args.seed),
                                        ("--duration", args.duration), ("--scale", args.scale),
                                        ("--noise", args.noise), ("--dt", args.dt),
                                        ("--text", args.text),
                                        ("--set", args.set_parameters),
                                        ("--live", args.live)) if value]
    if overrides:
        raise ConfigError(f"--point runs the point exactly as the sweep would, so it cannot be "
                          f"combined with {', '.join(overrides)}; change the sweep file "
                          "instead.")
    sweep = load_sweep_file(args.protocol)
    path = run_point(sweep, args.point, args.out, backend=args.backend, threads=args.threads,
                     figures=None if args.no_figures else write_run_figures,
                     force=args.force, task_metrics=task_metrics)
    if not args.quiet:
        meta = json.loads((path / "meta.json").read_text())
        rates = "  ".join(f"{r} {v:.2f}" for r, v in meta["summary"]["mean_rate_hz"].items())
        print(f"{sweep.name} point {args.point} ({sweep.describe(args.point)})")
        print(f"  mean rate, all neurons (Hz): {rates}")
        print(f"  results: {path}")
    return 0
