"""The ``neuroemo`` command line.

Sub-commands: ``run`` (simulate a protocol, or one point of a sweep with ``--point``),
``sweep`` (a sweep on Dask, :mod:`brainsim.cli.sweep`), ``profiles`` (list profiles),
``cache`` (show/clear compiled builds); ``train-text``, ``eval-text``, ``classify``,
``measure-priors`` come from :mod:`textbranch.cli`; ``report`` and ``view`` from
:mod:`analysis.cli`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from brainsim.channels import BACKENDS, NOISE_FORMULATIONS
from brainsim.devices.speedups.hashseed import ensure_fixed_hash_seed
from brainsim.errors import NeuroEmoError

if TYPE_CHECKING:
    from brainsim.experiment.protocol import Protocol

RUN_EPILOG = """
examples:
  neuroemo run protocols/emotional_response.py
  neuroemo run protocols/emotional_response.py --backend runtime --duration 1s --out results/dep
  neuroemo run protocols/profile_comparison.py --backend cpp_standalone
  neuroemo run protocols/emotional_response.py --text "I feel strong@1.5s"
"""


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``neuroemo run`` and ``python protocols/<file>.py``."""
    parser.add_argument("--profile", help="replace the protocol's profile (see `neuroemo "
                        "profiles`)")
    parser.add_argument("--backend", default="cpp_standalone",
                        choices=BACKENDS,
                        help="simulator backend (default: cpp_standalone; the first build "
                        "of a network takes ~1 min, later runs reuse it)")
    parser.add_argument("--seed", type=int, help="seed of inputs, initial state and noise")
    parser.add_argument("--duration", help="run length in whole ms, e.g. 2s or 500ms (the "
                        "schedule is stretched to fit)")
    parser.add_argument("--scale", type=float, help="multiply every region's size")
    parser.add_argument("--noise", choices=NOISE_FORMULATIONS,
                        help="membrane noise formulation (default: the protocol's, 'kick')")
    from brainsim.defaults import DEFAULT_DT_MS

    parser.add_argument("--dt", help="integration time step, e.g. 0.1ms (must divide 1 ms; "
                        "default: the protocol's dt, which is "
                        f"{DEFAULT_DT_MS:g} ms unless the protocol file sets another; "
                        "0.1 ms for finer spike timing at 1.6x the cost, see docs/model.md)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        dest="set_parameters",
                        help="change a model parameter (repeatable), e.g. "
                        "amygdala.sigma_v=4mV or plasticity.eta=30pA/second; the names: "
                        "docs/tutorial.md")
    parser.add_argument("--text", action="append", default=[], metavar="SENTENCE@ONSET",
                        help="add a sentence shown at ONSET (repeatable), e.g. "
                        "\"I feel strong@1.5s\"")
    parser.add_argument("--out", type=Path, help="results folder (default: "
                        "results/<protocol>-<profile>-<time>)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing results folder")
    parser.add_argument("--quiet", action="store_true", help="no progress or summary")
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP threads for standalone backends (default 0: one thread)")
    parser.add_argument("--runtime-target", default="auto", choices=("auto", "cython", "numpy"),
                        help="code generation target of the runtime backend")
    parser.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    parser.add_argument("--live", action="store_true",
                        help="serve a live view on http://127.0.0.1:PORT while the run goes "
                        "(runtime backend)")
    parser.add_argument("--live-port", type=int, default=0,
                        help="port of the live view (default: a free one)")


def execute_run(args: argparse.Namespace, protocols, source: str | None,
                name: str | None = None) -> int:
    """Apply the command-line options to the protocols and run them (``name``: the protocol
    file's name, for the default results folder of several protocols)."""
    from analysis.report import write_run_figures
    from analysis.tasks import task_metrics
    from brainsim.experiment.overrides import parse_assignment
    from brainsim.experiment.protocol_files import apply_overrides, parse_sentence, parse_time
    from brainsim.experiment.runner import run_protocols

    duration = parse_time(args.duration) if args.duration else None
    dt = parse_time(args.dt) if args.dt else None
    sentences = [parse_sentence(t) for t in args.text]
    parameters = dict(parse_assignment(a) for a in args.set_parameters)
    protocols = [apply_overrides(p, profile=args.profile, seed=args.seed, duration=duration,
                                 scale=args.scale, sentences=sentences, noise=args.noise,
                                 dt=dt, parameters=parameters)
                 for p in protocols]
    live = None
    if args.live:
        if args.backend != "runtime":
            raise NeuroEmoError("--live needs --backend runtime (the standalone backends run "
                                "as a separate program that cannot stream).")
        from analysis.live import LiveServer

        live = LiveServer(port=args.live_port)
        live.start()
    try:
        run_protocols(protocols, backend=args.backend, out=args.out, force=args.force,
                      quiet=args.quiet, threads=args.threads,
                      runtime_target=args.runtime_target, source_text=source, live=live,
                      figures=None if args.no_figures else write_run_figures, name=name,
                      task_metrics=task_metrics)
        if live is not None:  # the page stays until it has shown the end (or is closed)
            live.finish()
    finally:
        if live is not None:
            live.close()
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from brainsim.experiment.protocol_files import load_protocol_file

    if getattr(args, "point", None) is not None:
        from brainsim.cli.sweep import run_point_command

        return run_point_command(args)

    protocols, source = load_protocol_file(args.protocol)
    return execute_run(args, protocols, source, name=Path(args.protocol).stem)


def _cmd_profiles(args: argparse.Namespace) -> int:
    from brainsim.model.profiles import PROFILES

    if args.json:
        import json

        print(json.dumps({n: p.to_dict() for n, p in PROFILES.items()}, indent=2))
        return 0
    print(f"{'profile':<11}{'5-HT':>6}{'DA':>6}{'NE':>6}  {'sensory':>7}  "
          f"{'reward rate/mean/std':<22} description")
    for name, p in PROFILES.items():
        print(f"{name:<11}{p.serotonin:>6.2f}{p.dopamine:>6.2f}{p.norepinephrine:>6.2f}  "
              f"{p.sensory_scale:>7.2f}  {p.reward_rate_hz:>4.1f} Hz {p.reward_mean:+.2f} "
              f"{p.reward_std:.2f}      {p.description}")
    return 0


def _cmd_cache(args: argparse.Namespace) -> int:
    from brainsim.devices.cache import cache_dir, clear_cache

    if args.clear:
        print(f"removed compiled builds in {clear_cache()}")
        return 0
    root = cache_dir() / "builds"
    builds = cached_builds(root)
    total = sum(b["size_bytes"] for b in builds)
    print(f"build cache: {root} ({len(builds)} build{'s' if len(builds) != 1 else ''}, "
          f"{_size_text(total)}; clear with `neuroemo cache --clear`)")
    for b in builds:
        print(f"  {b['name']}  {_size_text(b['size_bytes'])}  {b['date']}  {b['what']}  "
              f"{b['state']}")
    return 0


def _size_text(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def cached_builds(root: Path) -> list[dict]:
    """The standalone builds under ``root`` (the cache's ``builds/``, including the sweep
    slots' ``sweep-slotN/`` folders): name, size, date, what each is for and whether it is
    complete, from the description each build keeps (:data:`brainsim.devices.cache.BUILD_DESCRIPTION`)."""
    import datetime

    from brainsim.devices.cache import BUILD_DESCRIPTION, build_description

    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith("sweep-slot")]
    for slot in root.glob("sweep-slot*"):
        if slot.is_dir():
            folders += [p for p in slot.iterdir() if p.is_dir()]
    builds = []
    for folder in sorted(folders):
        files = [f for f in folder.rglob("*") if f.is_file() and not f.is_symlink()]
        size = sum(f.stat().st_size for f in files)
        d = build_description(folder)
        if d:
            what = (f"{d.get('backend', '?')}, {d.get('n_neurons', '?')} neurons "
                    f"(scale {d.get('scale', '?')}), {d.get('duration_ms', 0) / 1000:g} s at "
                    f"dt {d.get('dt_ms', '?')} ms")
            date = str(d.get("created", ""))[:16].replace("T", " ")
        else:
            what = f"no {BUILD_DESCRIPTION} (built by an older version)"
            mtime = max((f.stat().st_mtime for f in files), default=folder.stat().st_mtime)
            date = datetime.datetime.fromtimestamp(mtime).isoformat(sep=" ",
                                                                     timespec="minutes")
        complete = (folder / "main").is_file() and d.get("complete", True)
        state = "complete" if complete else (
            "INCOMPLETE (compile interrupted or failed; the next run of it compiles again)")
        builds.append({"name": str(folder.relative_to(root)), "size_bytes": size,
                       "date": date, "what": what, "complete": bool(complete),
                       "state": state, "description": d})
    return builds


def build_parser() -> argparse.ArgumentParser:
    """Build the ``neuroemo`` argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="neuroemo",
        description="NeuroEmoDynamics: Brian2 simulation of emotion across brain regions.",
    )
    parser.add_argument("--version", action="version", version=version_text(),
                        help="print the version of NeuroEmoDynamics (and of Brian2, Python) "
                        "and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = subparsers.add_parser(
        "run", help="simulate a protocol and write a results folder",
        description="Simulate a protocol file and write a results folder (Parquet tables, "
        "meta.json, figures).", epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("protocol", type=Path, help="protocol file, e.g. protocols/emotional_response.py")
    run.add_argument("--point", type=int, metavar="K",
                     help="PROTOCOL is a sweep file: run its point K exactly as `neuroemo "
                     "sweep` would (for SLURM arrays, Snakemake)")
    add_run_options(run)
    run.set_defaults(func=_cmd_run)
    profiles = subparsers.add_parser(
        "profiles", help="list the built-in profiles",
        description="List the built-in profiles: their serotonin (5-HT), dopamine (DA) and "
        "norepinephrine (NE) levels, sensory scale, reward statistics and a description. Use "
        "a name with `neuroemo run PROTOCOL --profile NAME` or Protocol(profile=NAME); define "
        "your own with brainsim.Profile (brainsim/profiles.py).")
    profiles.add_argument("--json", action="store_true",
                          help="print every field of every profile as JSON")
    profiles.set_defaults(func=_cmd_profiles)
    cache = subparsers.add_parser(
        "cache", help="show or clear compiled standalone builds",
        description="List the compiled cpp_standalone/cuda_standalone builds in the build "
        "cache ($NEUROEMO_CACHE, default ~/.cache/neuroemo): for each its size, when it was "
        "built, what it is for (backend, network size, duration, dt) and whether it is "
        "complete. A run of a network already in the cache does not compile again; a new "
        "structure (size, duration, dt, equations) compiles once (about a minute).")
    cache.add_argument("--clear", action="store_true",
                       help="delete every cached build (the next run compiles again)")
    cache.set_defaults(func=_cmd_cache)
    try:
        from textbranch.cli import add_subcommands as add_text
    except ImportError:  # pragma: no cover - package being developed
        add_text = None
    try:
        from analysis.cli import add_subcommands as add_analysis
    except ImportError:  # pragma: no cover - package being developed
        add_analysis = None
    from brainsim.cli.priors import add_subcommands as add_priors
    from brainsim.cli.sweep import add_subcommands as add_sweep

    for register in (add_sweep, add_priors, add_text, add_analysis):
        if register is not None:
            register(subparsers)
    return parser


def version_text() -> str:
    """``neuroemo --version``: this package's version, Brian2's and Python's."""
    import platform
    from importlib import metadata

    from brainsim import __version__

    try:
        brian2 = metadata.version("brian2")
    except metadata.PackageNotFoundError:  # pragma: no cover - a broken installation
        brian2 = "not installed"
    return (f"neuroemo {__version__} (NeuroEmoDynamics; Brian2 {brian2}, Python "
            f"{platform.python_version()})")


def _guarded(func, *args) -> int:
    try:
        return int(func(*args) or 0)
    except NeuroEmoError as err:
        print(f"neuroemo: error: {err}", file=sys.stderr)
        return 2
    except MemoryError:  # what the size estimate before the run did not foresee
        print("neuroemo: error: out of memory; nothing was written. Shorten --duration or "
              "use a smaller --scale (or run on a machine with more memory).", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:  # a message says what was kept (several runs, sweeps)
        print(f"neuroemo: {err}" if str(err) else
              "neuroemo: interrupted; no results were written", file=sys.stderr)
        return 130


def _uses_cython(args: argparse.Namespace) -> bool:
    """Whether this command may compile Cython code in this process (the runtime backend
    with a target other than numpy): only then does the hash seed matter here (see
    :mod:`brainsim.devices.speedups.hashseed`; standalone builds are cached under their own key)."""
    return (getattr(args, "backend", None) == "runtime"
            and getattr(args, "runtime_target", "auto") != "numpy")


def non_utf8_argument(argv: Sequence[str]) -> str | None:
    """A one-line error for the first command-line argument that is not UTF-8 text, or None.

    Python turns the bytes of such an argument into lone surrogates; Brian2's logger, the
    text branch and ``meta.json`` then fail with a ``UnicodeEncodeError`` deep inside, after
    minutes of work. Checked before anything else.
    """
    for k, value in enumerate(argv):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raw = value[err.start:err.end].encode("utf-8", "surrogateescape")
            option = ""
            if value.startswith("--") and "=" in value:
                option, value = value.split("=", 1)
            elif k > 0 and argv[k - 1].startswith("--"):
                option = argv[k - 1]
            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            what = f"the value of {option}" if option else "the argument"
            path_like = option in ("--out", "--checkpoint", "--data") or (
                not option and value.endswith(".py"))
            fix = ("use a file or folder name in UTF-8" if path_like else
                   "type it in a UTF-8 terminal or convert it, e.g. with iconv -t UTF-8")
            return (f"{what} '{shown}' is not UTF-8 text (byte 0x{raw[0]:02x}); {fix}. "
                    "Nothing was run.")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neuroemo`` console script."""
    bad = non_utf8_argument(sys.argv[1:] if argv is None else list(argv))
    if bad:
        print(f"neuroemo: error: {bad}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None and _uses_cython(args):  # a real command line, not a call from Python
        ensure_fixed_hash_seed()
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    return _guarded(args.func, args)


def run_cli(protocol: Protocol | Sequence[Protocol],
            argv: Sequence[str] | None = None) -> None:
    """Run a protocol file directly: ``python protocols/x.py [options]``.

    Accepts the same options as ``neuroemo run`` and exits with its status code.

    Parameters
    ----------
    protocol : Protocol or sequence of Protocol
        The protocol(s) the file defines.
    argv : sequence of str, optional
        Command-line options (default: ``sys.argv[1:]``).
    """
    import __main__

    parser = argparse.ArgumentParser(
        prog=Path(getattr(__main__, "__file__", "protocol.py")).name,
        description="Run this protocol (same options as `neuroemo run`).")
    add_run_options(parser)
    bad = non_utf8_argument(sys.argv[1:] if argv is None else list(argv))
    if bad:
        print(f"{parser.prog}: error: {bad}", file=sys.stderr)
        sys.exit(2)
    args = parser.parse_args(argv)
    if argv is None and _uses_cython(args):
        ensure_fixed_hash_seed()
    path = getattr(__main__, "__file__", None)
    source = Path(path).read_text() if path and Path(path).exists() else None
    protocols = protocol if isinstance(protocol, list | tuple) else [protocol]
    sys.exit(_guarded(execute_run, args, protocols, source,
                      Path(path).stem if path else None))
