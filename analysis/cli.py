"""The analysis sub-commands of ``neuroemo``: ``report``, ``view``, ``export-nwb`` and ``app``.

add_subcommands
    Register them on the ``neuroemo`` parser (called by :mod:`brainsim.cli`).
run_report, run_view, run_export_nwb, run_app
    The ``func=`` of each sub-command: take the parsed arguments, return an exit code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_subcommands", "run_app", "run_export_nwb", "run_report", "run_view"]


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``report``, ``view``, ``export-nwb`` and ``app`` to the ``neuroemo`` sub-commands."""
    report = subparsers.add_parser(
        "report",
        help="figures and a summary table (rates, CV, winner) for one or more runs",
        description=(
            "Write report.html, report.md and summary.csv with one row per run (profile, seed, "
            "backend, readout winner, mean rate and ISI CV per region), each run's raster, "
            "rate, neuromodulator and readout figures, and a profile comparison figure when "
            "there are several runs. RUN_DIR may be a run, a folder of runs (as written by "
            "protocols/profile_comparison.py) or a quoted glob such as 'results/sweep/*'."
        ),
    )
    report.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="results folder(s)")
    report.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default: RUN_DIR/report for one run, else "
                             "report/ in the runs' common folder)")
    report.add_argument("--no-run-figures", action="store_true",
                        help="only the summary and the comparison figure")
    report.set_defaults(func=run_report)

    view = subparsers.add_parser(
        "view",
        help="write a self-contained interactive HTML viewer of a run",
        description=(
            "Write one HTML file (no network needed to open it) showing the five regions with "
            "up to --max-neurons sampled neurons each, their synapses, the spikes as they "
            "happen (time slider, play/pause), neuromodulator levels and the striatal readout."
        ),
    )
    view.add_argument("run_dir", metavar="RUN_DIR", help="results folder")
    view.add_argument("--out", type=Path, default=None, metavar="FILE.html",
                      help="output file (default: RUN_DIR/viewer.html)")
    view.add_argument("--max-neurons", type=int, default=200, metavar="N",
                      help="neurons drawn per region (default 200)")
    view.add_argument("--max-synapses", type=int, default=4000, metavar="N",
                      help="synapses drawn between the sampled neurons (default 4000)")
    view.set_defaults(func=run_view)

    export = subparsers.add_parser(
        "export-nwb",
        help="write a run as one Neurodata Without Borders (NWB) file",
        description=(
            "Write one NWB file (needs pynwb) with every neuron as a unit (region, neuron "
            "index, E/I, striatal channel; spike times in seconds), population rates, "
            "neuromodulator levels and the striatal readout as processing series, the "
            "sensory, reward and text inputs as stimulus series, the phases as epochs, the "
            "sentences as an intervals table and meta.json in the file's notes. The file is "
            "written under a temporary name and renamed, so a failure leaves none behind."
        ),
    )
    export.add_argument("run_dir", metavar="RUN_DIR", help="results folder")
    export.add_argument("--out", type=Path, default=None, metavar="FILE.nwb",
                        help="output file (default: RUN_DIR/run.nwb)")
    export.add_argument("--force", action="store_true",
                        help="replace the output file if it exists")
    export.set_defaults(func=run_export_nwb)

    app = subparsers.add_parser(
        "app",
        help="a local web app: edit a profile, run it, watch progress, compare runs",
        description=(
            "Serve a page on http://127.0.0.1:PORT/ to pick or edit a profile, add sentences, "
            "choose duration, seed and backend, run the simulation (in a subprocess, with its "
            "progress streamed to the page), then see its interactive viewer, figures and "
            "summary, and compare two runs side by side. Every run is an ordinary results "
            "folder under --results. Ctrl+C stops the server and any run in progress."
        ),
    )
    app.add_argument("--port", type=int, default=8765,
                     help="TCP port on 127.0.0.1 (default 8765; 0: any free port)")
    app.add_argument("--results", type=Path, default=Path("results/app"), metavar="DIR",
                     help="results root: one folder per run (default results/app)")
    app.set_defaults(func=run_app)


def run_report(args: argparse.Namespace) -> int:
    """``neuroemo report``: write the report and print where it is."""
    from analysis.io import load_runs
    from analysis.report import write_report

    runs = load_runs(args.run_dirs)
    report = write_report(runs, args.out, run_figures=not args.no_run_figures)
    print(f"Report on {len(runs)} run{'s' if len(runs) != 1 else ''} "
          f"({', '.join(runs.labels[:6])}{', ...' if len(runs) > 6 else ''}):")
    print(f"  {report}")
    print(f"  {report.with_name('report.md')}")
    print(f"  {report.with_name('summary.csv')}")
    return 0


def run_view(args: argparse.Namespace) -> int:
    """``neuroemo view``: write the viewer HTML and print where it is."""
    from analysis.io import load_run
    from analysis.viewer import write_viewer
    from brainsim.errors import NeuroEmoError

    if args.max_neurons < 1:
        raise NeuroEmoError(f"--max-neurons must be at least 1 (got {args.max_neurons}).")
    run = load_run(args.run_dir)
    out = args.out if args.out is not None else run.path / "viewer.html"
    path = write_viewer(run, out, max_neurons=args.max_neurons,
                        max_synapses=args.max_synapses)
    size_kb = path.stat().st_size / 1024
    print(f"Viewer of {run.name} written to {path} ({size_kb:.0f} kB); open it in a browser.")
    return 0


def run_export_nwb(args: argparse.Namespace) -> int:
    """``neuroemo export-nwb``: write the NWB file and print where it is and what it holds."""
    from analysis.io import load_run
    from analysis.nwb import describe_nwb, export_nwb

    run = load_run(args.run_dir)
    path = export_nwb(run, args.out, force=args.force)
    size_mb = path.stat().st_size / 1024**2
    print(f"NWB file of {run.name} written to {path} ({size_mb:.1f} MB):")
    print(f"  {describe_nwb(path)}")
    return 0

def run_app(args: argparse.Namespace) -> int:
    """``neuroemo app``: serve the web app until Ctrl+C."""
    from brainsim.errors import NeuroEmoError

    if not 0 <= args.port <= 65535:
        raise NeuroEmoError(f"--port must be from 0 to 65535 (got {args.port}).")
    if args.results.exists() and not args.results.is_dir():
        raise NeuroEmoError(f"--results {args.results} is a file; give a folder.")
    try:
        from analysis.app.server import serve
    except ImportError as err:
        raise NeuroEmoError(f"neuroemo app needs starlette and uvicorn ({err}); install the "
                            "project with its dependencies (make install).") from None
    return serve(args.results, args.port)
