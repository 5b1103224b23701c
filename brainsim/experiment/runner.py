"""Run protocols end to end: inputs → network → backend → results folder.

``run_protocols`` groups protocols that share a network structure (e.g. the five profiles
of a comparison) so a standalone backend compiles once and re-runs the binary with
``run_args`` for each of them.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import brian2 as b2
import numpy as np

from brainsim.channels import EMOTIONS
from brainsim.devices import get_backend
from brainsim.devices.base import Backend, RawOutput
from brainsim.errors import ConfigError, NeuroEmoError
from brainsim.experiment.inputs import inputs_frame, make_drives
from brainsim.experiment.overrides import split_overrides
from brainsim.experiment.protocol import Protocol, is_folder_name
from brainsim.experiment.results import (
    FORMAT_VERSION,
    MAX_SYNAPSES_WRITTEN,
    check_output_folder,
    git_revision,
    modulators_frame,
    neurons_frame,
    rates_frame,
    readout_frame,
    spikes_frame,
    synapses_frame,
    versions,
    write_run,
)
from brainsim.model import equations as eq
from brainsim.model.anatomy import NETWORK_CONSTANTS, build_anatomy
from brainsim.model.network import (
    INPUT_DT,
    BrianNetwork,
    NetworkOptions,
    NetworkStructure,
    NetworkValues,
    make_structure,
    make_values,
)
from brainsim.model.readout import summary_readout


@dataclass
class RunResult:
    """Where a run went and what it found."""

    protocol: Protocol
    path: Path
    summary: dict
    timings_s: dict


def structure_for(protocol: Protocol) -> NetworkStructure:
    """The network structure of a protocol (sizes, synapses, equations, duration)."""
    anatomy = build_anatomy(protocol.scale)
    options = NetworkOptions(dt=protocol.dt, noise=protocol.noise,
                             modulation=eq.check_modulation_expressions(protocol.modulation))
    structure = make_structure(anatomy, options, protocol.duration)
    if protocol.task is not None:  # a task's circuits (brainsim.model.tasks, .stimuli)
        circuits = protocol.task.circuit(structure)
        if not isinstance(circuits, tuple):
            circuits = (circuits,)
        structure = dataclasses.replace(structure, extensions=circuits)
    return structure


def text_arrays(protocol: Protocol) -> tuple[np.ndarray, list[dict]] | None:
    """The text branch's drive ``g*p`` (n_steps, 6) for the protocol's sentences, and their
    events (None without sentences). The network sums it into valence and arousal input
    (:func:`brainsim.model.network.text_columns`); the text branch's ``bias_weight`` is
    not used: text no longer damps the profile (issue 21)."""
    if not protocol.sentences:
        return None
    try:
        from textbranch.gating import gating_arrays
    except ImportError as err:
        raise NeuroEmoError(
            f"Protocol {protocol.name!r} has sentences, but the text branch cannot be loaded "
            f"({err}). Install the project with its dependencies (make install) or remove "
            "the sentences."
        ) from err
    sentences = [(s.text, float(s.onset), float(s.duration)) for s in protocol.sentences]
    arrays = gating_arrays(sentences, protocol.profile.levels, float(protocol.duration),
                           float(INPUT_DT))
    return arrays.drive, list(arrays.events)


def values_for(protocol: Protocol, structure: NetworkStructure,
               text: tuple[np.ndarray, list[dict]] | None) -> NetworkValues:
    drives = make_drives(protocol, text=None if text is None else text[0])
    neuron, plasticity, dopamine = split_overrides(protocol.parameters)
    values = make_values(structure, protocol.profile, drives, protocol.seed,
                         parameter_overrides=neuron)
    values.plasticity.update(plasticity)
    values.modulator_shared.update(dopamine)
    if protocol.task is not None:  # one values object, or {extension name: values}
        task_values = protocol.task.values(protocol, structure)
        if not isinstance(task_values, dict):
            task_values = {protocol.task.name: task_values}
        values.extension_values.update(task_values)
        missing = [e.name for e in structure.extensions if e.name not in values.extension_values]
        if missing:
            raise ConfigError(f"Task {type(protocol.task).__name__} adds the circuits "
                              f"{missing} but gives no values for them; its values() must "
                              "return {circuit name: values} for every circuit.")
    return values


def _label(protocols: Sequence[Protocol], k: int) -> str:
    """Subfolder of protocol k: its name, else its profile's name, whichever is unique."""
    for names in ([p.name for p in protocols], [p.profile.name for p in protocols]):
        if len(set(names)) == len(names) and all(map(is_folder_name, names)):
            return names[k]
    return f"{protocols[k].name}-{k}"  # protocol names are checked folder names


def default_out(protocol: Protocol, root: Path = Path("results"), *,
                name: str | None = None) -> Path:
    """``results/<protocol>-<profile>-<timestamp>`` (unique per second), or
    ``results/<name>-<timestamp>`` when a name is given (a file of several protocols)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if name is not None:
        return root / f"{name}-{stamp}"
    return root / f"{protocol.name}-{protocol.profile.name}-{stamp}"


def run_protocols(protocols: Sequence[Protocol], *, backend: str = "cpp_standalone",
                  out: Path | None = None, force: bool = False, quiet: bool = False,
                  threads: int = 0, runtime_target: str = "auto",
                  source_text: str | None = None, live=None,
                  figures: Callable[[Path, str], None] | None = None,
                  name: str | None = None,
                  task_metrics: Callable[[object, dict], dict] | None = None,
                  ) -> list[RunResult]:
    """Simulate protocols and write one results folder each.

    Parameters
    ----------
    protocols : sequence of Protocol
        One protocol writes to ``out``; several write to ``out/<name>`` each (or
        ``out/<profile>`` when they share a name).
    backend : str
        ``runtime``, ``cpp_standalone`` or ``cuda_standalone``.
    out : Path, optional
        Results folder (default: :func:`default_out`).
    force : bool
        Replace existing results folders.
    quiet : bool
        No progress report or summary.
    threads : int
        OpenMP threads for standalone backends.
    runtime_target : str
        Code generation target of the runtime backend.
    source_text : str, optional
        The protocol file's text, stored in ``meta.json``.
    live : object, optional
        An object with ``publish(snapshot)`` (e.g. :class:`analysis.live.LiveServer`); needs
        the runtime backend.
    figures : callable, optional
        Draws figures into a results folder once its tables are written, e.g.
        :func:`analysis.report.write_run_figures` (what ``neuroemo run`` passes); None: no
        figures.
    name : str, optional
        Names the default results folder of several protocols (``results/<name>-<time>``;
        the CLI passes the protocol file's name). Default: the first protocol's.
    task_metrics : callable, optional
        ``task_metrics(table, info) -> dict``: the metrics of a task protocol's per-trial
        table, written to ``meta.json``'s ``task`` with ``info``, e.g.
        :func:`analysis.tasks.task_metrics` (what ``neuroemo run`` passes); None: only the
        table and ``info``.

    Returns
    -------
    list of RunResult
    """
    if not protocols:
        raise ConfigError("No protocol to run: the protocol file defines an empty list.")
    if live is not None and backend != "runtime":
        raise ConfigError("--live needs the runtime backend (--backend runtime): the "
                          "standalone backends run as a separate program.")
    many = len(protocols) > 1
    root = Path(out) if out is not None else default_out(
        protocols[0], name=(name or protocols[0].name) if many else None)
    if many:
        check_output_folder(root, force, collection=True)
        outs = [root / _label(protocols, k) for k in range(len(protocols))]
    else:
        outs = [root]
    for path in outs:
        check_output_folder(path, force)
    # the folders this call creates (the results folder of several protocols, missing
    # parents): removed again if the runs fail or are interrupted before writing into them
    created = [d for d in (Path(os.path.abspath(root)), *Path(os.path.abspath(root)).parents)
               if not d.exists()]
    results: list[RunResult | None] = [None] * len(protocols)
    try:
        _run_all(protocols, outs, results, backend=backend, force=force, quiet=quiet,
                 threads=threads, runtime_target=runtime_target, source_text=source_text,
                 live=live, figures=figures, root=root, task_metrics=task_metrics)
    except BaseException as err:
        for folder in created:  # deepest first
            try:
                folder.rmdir()
            except OSError:  # not empty (runs were written into it), or not there
                break
        written = [r for r in results if r is not None]
        if isinstance(err, KeyboardInterrupt) and written:
            raise KeyboardInterrupt(
                f"interrupted; {len(written)} of {len(protocols)} runs were written to "
                f"{root} ({', '.join(r.path.name for r in written)}), the others were not. "
                "Run again with another --out, or with --force to replace them.") from None
        raise
    if many and not quiet:
        print_table([r for r in results if r is not None])
    return [r for r in results if r is not None]


def _run_all(protocols: Sequence[Protocol], outs: list[Path],
             results: list[RunResult | None], *, backend: str, force: bool, quiet: bool,
             threads: int, runtime_target: str, source_text: str | None, live,
             figures: Callable[[Path, str], None] | None,
             root: Path, task_metrics: Callable[[object, dict], dict] | None = None) -> None:
    """The body of :func:`run_protocols` once the output folders are checked: fills
    ``results`` as runs are written."""
    many = len(protocols) > 1
    if backend == "cuda_standalone":
        from brainsim.devices.cuda import check_gpu_before_build

        check_gpu_before_build()
    options = {"threads": threads} if backend != "runtime" else {"target": runtime_target}
    engine = get_backend(backend, **options)
    # group by structure so that a standalone build is compiled once per structure
    t_prepare = time.perf_counter()
    prepared = []
    disk_bytes = 0
    for p in protocols:
        structure = structure_for(p)
        # before the inputs are drawn: a run too long for this machine fails here, in words
        disk_bytes += check_run_fits(p, structure, root, disk_bytes)
        text = text_arrays(p)
        prepared.append((p, structure, text, values_for(p, structure, text)))
    prepare_s = time.perf_counter() - t_prepare
    groups: dict[str, list[int]] = {}
    for k, (_, structure, _, _) in enumerate(prepared):
        groups.setdefault(structure.key(backend), []).append(k)
    done = 0
    for indices in groups.values():
        structure = prepared[indices[0]][1]
        values = [prepared[k][3] for k in indices]
        operations = [_live_operation(live, structure)] if live is not None else []
        report = None if quiet else "text"
        outputs = engine.simulate(structure, values, report=report, operations=operations)
        try:
            for k in indices:
                done += 1
                if many and not quiet:
                    p = protocols[k]
                    print(f"\nrun {done}/{len(protocols)}: {outs[k].name}"
                          + (f" (profile {p.profile.name})" if p.profile.name != outs[k].name
                             else ""), flush=True)
                raw = next(outputs)
                p, _, text, v = prepared[k]
                raw.timings_s["prepare_s"] = prepare_s / len(protocols)
                results[k] = _write(p, structure, v, raw, outs[k], force=force,
                                    backend=engine, text_events=text[1] if text else [],
                                    source_text=source_text, figures=figures,
                                    task_metrics=task_metrics)
                if not quiet:
                    print_summary(results[k])
        finally:
            outputs.close()  # a standalone build is released when its generator ends


#: Rough costs of a run, to refuse one that cannot fit before anything is allocated (a
#: --duration of 1e6 s once ended in numpy's MemoryError). Per simulated ms: the input
#: arrays, Brian2's TimedArrays, the neuromodulator record and the tables made of them; per
#: spike: the monitor, the arrays read from it and the spikes table; spikes at
#: TYPICAL_RATE_HZ (the regions fire at 2-20 Hz). Measured 2026-12-04 (runtime backend,
#: peak RSS of 1 s against 5-10 s runs at scales 0.25 and 1): ≈ 2,900 B per ms and
#: ≈ 115 B per spike in memory, ≈ 70 B per ms and ≈ 4 B per spike on disk; the constants
#: below leave room above that.
TYPICAL_RATE_HZ = 10.0
MEMORY_PER_STEP = 4_000
MEMORY_PER_SPIKE = 150
DISK_PER_STEP = 150
DISK_PER_SPIKE = 16
DISK_PER_SYNAPSE = 8
DISK_FIXED = 2_000_000  # meta.json, figures


def run_size_estimate(n_neurons: int, n_synapses: int, duration_s: float) -> dict[str, float]:
    """Rough bytes of memory and of disk a run needs (``{"memory": ..., "disk": ...}``)."""
    steps = duration_s * 1000.0
    spikes = n_neurons * TYPICAL_RATE_HZ * duration_s
    return {"memory": MEMORY_PER_STEP * steps + MEMORY_PER_SPIKE * spikes,
            "disk": (DISK_PER_STEP * steps + DISK_PER_SPIKE * spikes
                     + DISK_PER_SYNAPSE * n_synapses + DISK_FIXED)}


def _bytes_text(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} PB"  # pragma: no cover


def physical_memory() -> int | None:
    """This machine's memory in bytes (None where the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_run_fits(protocol: Protocol, structure: NetworkStructure, root: Path,
                   disk_before: float = 0.0) -> float:
    """Refuse a run whose estimated memory exceeds this machine's, or whose results (with
    ``disk_before`` bytes of earlier runs of the same call) exceed the free space where
    ``root`` goes. Returns the run's estimated disk bytes."""
    import shutil

    duration_s = float(protocol.duration)
    n_synapses = int(sum(len(s.i) for s in structure.synapses))
    need = run_size_estimate(structure.n_neurons, n_synapses, duration_s)
    memory = physical_memory()
    if memory and need["memory"] > memory:
        per_s = run_size_estimate(structure.n_neurons, 0, 1.0)["memory"]
        raise ConfigError(
            f"A {duration_s:g} s run of this network ({structure.n_neurons} neurons) would "
            f"need about {_bytes_text(need['memory'])} of memory (inputs, spike records and "
            f"tables grow with the duration, about {_bytes_text(per_s)} per simulated "
            f"second), more than this machine's {_bytes_text(memory)}. Use a --duration of "
            f"at most about {float(f'{0.5 * memory / per_s:.2g}'):g} s (split a longer protocol into "
            "several runs) or a smaller --scale. Nothing was run.")
    anchor = Path(os.path.abspath(root))
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    try:
        free = shutil.disk_usage(anchor).free
    except OSError:
        return need["disk"]
    if disk_before + need["disk"] > free:
        raise ConfigError(
            f"The results would need about {_bytes_text(disk_before + need['disk'])} on "
            f"disk, but {anchor} has only {_bytes_text(free)} free. Free some space, choose "
            "another --out, or shorten --duration. Nothing was run.")
    return need["disk"]


def print_table(results: Sequence[RunResult]) -> None:
    """The closing table of a protocol file with several runs: one line per run with its
    profile, readout winner and mean rate per region (all neurons)."""
    if not results:
        return
    regions = list(results[0].summary["mean_rate_hz"])
    width = max(len("run"), *(len(r.path.name) for r in results))
    print(f"\n{len(results)} runs in {results[0].path.parent} (mean rate over all neurons, "
          "Hz):")
    print(f"  {'run':<{width}}  {'profile':<10} {'winner':<9} {'p':>4}  "
          + "  ".join(f"{r:>11}" for r in regions))
    for r in results:
        ro = r.summary["readout"]
        print(f"  {r.path.name:<{width}}  {r.protocol.profile.name:<10} {ro['winner']:<9} "
              f"{ro['probabilities'].get(ro['winner'], float('nan')):>4.2f}  "
              + "  ".join(f"{r.summary['mean_rate_hz'][g]:>11.2f}" for g in regions))


def run_protocol(protocol: Protocol, **kwargs) -> RunResult:
    """Simulate one protocol (see :func:`run_protocols` for the options)."""
    return run_protocols([protocol], **kwargs)[0]


def _write(protocol: Protocol, structure: NetworkStructure, values: NetworkValues,
           raw: RawOutput, out: Path, *, force: bool, backend: Backend,
           text_events: list[dict], source_text: str | None,
           figures: Callable[[Path, str], None] | None,
           task_metrics: Callable[[object, dict], dict] | None = None,
           keep: Collection[str] | None = None) -> RunResult:
    """Write a run's folder; ``keep`` (a sweep's ``tables``; None: all) names the run
    tables to build and write (all of them when figures are drawn, which read some)."""
    t0 = time.perf_counter()
    duration_ms = float(protocol.duration / b2.ms)
    build = {
        "spikes": lambda: spikes_frame(raw, structure),
        "rates": lambda: rates_frame(raw, structure, duration_ms),
        "modulators": lambda: modulators_frame(raw, structure),
        "readout": lambda: readout_frame(raw, structure, duration_ms),
        "inputs": lambda: inputs_frame(values.drives),
        "neurons": lambda: neurons_frame(structure),
        "synapses": lambda: synapses_frame(structure, values.weights_pA,
                                           raw.final_weights_pA)[0],
    }
    wanted = set(build) if keep is None or figures is not None else set(keep)
    tables = {name: make() for name, make in build.items() if name in wanted}
    n_synapses = int(sum(len(s.i) for s in structure.synapses))
    sampled = n_synapses > MAX_SYNAPSES_WRITTEN  # what synapses_frame writes then
    summary = summarize(raw, structure, duration_ms, text_events)
    task_summary = None
    if protocol.task is not None:  # task.parquet (one row per trial) and the task's metrics
        tables["task"], task_summary = protocol.task.analyse(raw, structure, protocol)
        if task_metrics is not None:
            task_summary = {**task_summary, **task_metrics(tables["task"], task_summary)}
    meta = {
        "format_version": FORMAT_VERSION,
        "name": protocol.name,
        "protocol": protocol.to_dict(),
        "protocol_source": source_text,
        "profile": protocol.profile.name,
        "profile_signature": protocol.profile.to_dict(),
        "seed": protocol.seed,
        "backend": backend.name,
        "duration_ms": duration_ms,
        "dt_ms": float(protocol.dt / b2.ms),
        "regions": {r: {"size": lay.size, "n_exc": lay.n_exc, "n_inh": lay.size - lay.n_exc}
                    for r, lay in structure.layouts.items()},
        "emotions": list(EMOTIONS),
        "phases": [{"name": ph.name, "start_ms": float(ph.start / b2.ms),
                    "end_ms": float(ph.end / b2.ms)} for ph in protocol.phases],
        "sentences": [{"text": e["text"], "onset_ms": 1000 * e["onset_s"],
                       "duration_ms": 1000 * e["duration_s"],
                       "probabilities": e["probabilities"], "gate": e["gate"],
                       "winner": e["winner"]} for e in text_events],
        "equations": {
            "neuron": str(eq.neuron_equations(noise=structure.options.noise)),
            "threshold": eq.THRESHOLD, "reset": eq.RESET, "refractory": eq.REFRACTORY,
            "slow_update": eq.slow_update_code(structure.options.modulation),
            "noise_kick": eq.NOISE_KICK if structure.options.noise == "kick" else "",
            "modulation": structure.options.modulation,
            "modulators": eq.MODULATOR_EQUATIONS, "reward_update": eq.REWARD_UPDATE,
        },
        "parameters": _parameters_meta(structure, values),
        "network": {"structure_key": structure.key(backend.name),
                    "n_neurons": structure.n_neurons,
                    "n_synapses": n_synapses,
                    "synapses_sampled": sampled, "scale": structure.anatomy.scale,
                    "noise": structure.options.noise,
                    "connectivity_seed": structure.options.connectivity_seed},
        "versions": versions(),
        "git_revision": git_revision(),
        "timings_s": raw.timings_s,
        "summary": summary,
        "task": task_summary,
        "created": datetime.now().isoformat(timespec="seconds"),
    }

    path = write_run(out, force=force, tables=tables, meta=meta, figures=figures)
    raw.timings_s["write_s"] = time.perf_counter() - t0
    return RunResult(protocol, path, summary, raw.timings_s)


def _parameters_meta(structure: NetworkStructure, values: NetworkValues) -> dict:
    regions = {}
    for region, (a, b) in structure.offsets.items():
        layout = structure.layouts[region]
        params = {}
        for name, arr in values.neuron_arrays.items():
            if name in ("v", "v_th"):
                continue
            arr_region = np.asarray(arr)[a:b]
            unit = b2.get_unit(arr.dim) if isinstance(arr, b2.Quantity) else None
            exc, inh = arr_region[:layout.n_exc], arr_region[layout.n_exc:]
            def fmt(x, unit=unit):
                vals = np.unique(np.round(x, 15))
                if len(vals) == 0:
                    return None
                show = [_quantity_text(float(val), unit) for val in vals]
                return show[0] if len(show) == 1 else show
            params[name] = {"E": fmt(exc), "I": fmt(inh)}
        regions[region] = params
    return {
        "regions": regions,
        "network_constants": {k: str(v) for k, v in values.network_constants.items()},
        "default_network_constants": {k: str(v) for k, v in NETWORK_CONSTANTS.items()},
        "modulators": {k: np.asarray(v).tolist() for k, v in values.modulator_arrays.items()},
        "modulator_shared": {k: str(v) for k, v in values.modulator_shared.items()},
        "region_order": list(structure.offsets),
    }


@functools.lru_cache(maxsize=4096)
def _quantity_text(value: float, unit: b2.Unit | None) -> str | float:
    """``str(value * unit)`` (Brian2 picks the display unit), remembered: a sweep writes the
    same parameter values for every point, and Brian2's unit search costs ≈ 0.4 ms a value."""
    return str(value * unit) if unit is not None else value


def summarize(raw: RawOutput, structure: NetworkStructure, duration_ms: float,
              text_events: Sequence[dict] = ()) -> dict:
    """Mean rate per region (all neurons and principal cells), the striatal readout over the
    run, and the readout while each sentence is shown."""
    rates, rates_exc = {}, {}
    for region, (i, _) in raw.spikes.items():
        layout = structure.layouts[region]
        rates[region] = float(len(i) / layout.size / (duration_ms / 1000))
        rates_exc[region] = float(np.sum(i < layout.n_exc) / layout.n_exc / (duration_ms / 1000))
    i, t = raw.spikes["striatum"]
    channel = structure.layouts["striatum"].channel
    during = []
    for e in text_events:
        start = 1000 * e["onset_s"]
        end = min(duration_ms, start + 1000 * e["duration_s"])
        ro = summary_readout(i, t, channel, end, start_ms=start)
        during.append({"text": e["text"], "gate": e["gate"], **ro})
    return {
        "mean_rate_hz": rates,
        "mean_rate_exc_hz": rates_exc,
        "readout": summary_readout(i, t, channel, duration_ms),
        "readout_during_sentences": during,
    }


#: Mean rates above this (Hz) mean a saturated network, not a result: cortical and limbic
#: populations fire at 0.5-50 Hz, and 1/tau_ref is 500 Hz.
SATURATED_HZ = 100.0


def rate_warnings(mean_rate_hz: dict[str, float]) -> list[str]:
    """Warnings for silent or saturated regions (a run that exits 0 may still be nonsense).

    Parameters
    ----------
    mean_rate_hz : dict
        Mean rate per region, as in a run's summary.

    Returns
    -------
    list of str
        One line per region that is silent or fires above :data:`SATURATED_HZ`.
    """
    lines = []
    for region, rate in mean_rate_hz.items():
        if rate == 0:
            lines.append(f"warning: {region} is silent (no spike); its input or excitability "
                         "is too low for the run to mean much.")
        elif rate > SATURATED_HZ:
            lines.append(f"warning: {region} fires at {rate:.0f} Hz, a saturated network "
                         f"(biological range 0.5-50 Hz); check the profile's levels and the "
                         "parameter overrides.")
    return lines


def _margin_text(rates_hz: dict[str, float], winner: str) -> str:
    """' (0.02 Hz above fear)': how far the winner leads the runner-up, so that a
    near-tie reads as one (single-run winners of near-ties change with the seed or dt)."""
    others = {e: r for e, r in rates_hz.items() if e != winner}
    if winner not in rates_hz or not others:
        return ""
    second = max(others, key=others.get)
    return f" ({rates_hz[winner] - others[second]:.2f} Hz above {second})"


def print_summary(result: RunResult) -> None:
    """One screen: rate per region, the readout, where the results went."""
    s = result.summary
    p = result.protocol
    print(f"\n{p.name} · profile {p.profile.name} · seed {p.seed}")
    # two numbers per region, each saying which cells it counts: the first is what the
    # warnings and `neuroemo report` use, the second what rates.parquet holds
    print("  mean rate, all neurons (Hz):          " + "  ".join(
        f"{r} {v:.2f}" for r, v in s["mean_rate_hz"].items()))
    if "mean_rate_exc_hz" in s:
        print("  mean rate, principal (E) cells (Hz):  " + "  ".join(
            f"{r} {v:.2f}" for r, v in s["mean_rate_exc_hz"].items())
            + "  (= rates.parquet)")
    for line in rate_warnings(s["mean_rate_hz"]):
        print(f"  {line}")
    ro = s["readout"]
    print("  striatal readout: " + "  ".join(f"{e} {ro['probabilities'][e]:.2f}"
                                             f" ({ro['rates_hz'][e]:.1f} Hz)" for e in EMOTIONS))
    print(f"  winner: {ro['winner']}{_margin_text(ro['rates_hz'], ro['winner'])}")
    for d in s.get("readout_during_sentences", []):
        a, b = d["window_ms"]
        rates = "  ".join(f"{e} {d['rates_hz'][e]:.1f}" for e in EMOTIONS)
        print(f"  while reading {d['text']!r} ({a / 1000:g}-{b / 1000:g} s, gate "
              f"{d['gate']:.2f}): {rates} Hz -> {d['winner']}")
    timings = ", ".join(f"{k} {v:.1f}" for k, v in result.timings_s.items())
    print(f"  timings (s): {timings}")
    print(f"  results: {result.path}")


def _live_operation(live, structure: NetworkStructure, period=50 * b2.ms):
    """A factory of Brian2 network operations that publish snapshots to ``live``."""
    def make(bn: BrianNetwork):
        state = {"n": 0, "last_t": 0.0}
        offsets = structure.offsets
        starts = np.array([a for a, _ in offsets.values()])
        names = list(offsets)
        channel = structure.layouts["striatum"].channel
        s_start = offsets["striatum"][0]
        duration_ms = float(structure.duration / b2.ms)

        @b2.network_operation(dt=period, when="end", name="live_publish")
        def publish(t):
            mon = bn.spike_monitor
            i = np.asarray(mon.i[state["n"]:])
            t_ms = np.asarray(mon.t[state["n"]:] / b2.ms)
            state["n"] += len(i)
            now = float(t / b2.ms)
            width_s = max(now - state["last_t"], 1e-9) / 1000
            state["last_t"] = now
            region_of = np.searchsorted(starts, i, side="right") - 1
            spikes, rates = {}, {}
            for k, name in enumerate(names):
                sel = region_of == k
                spikes[name] = {"neuron": (i[sel] - starts[k]).tolist(),
                                "t_ms": t_ms[sel].tolist()}
                rates[name] = float(sel.sum() / structure.layouts[name].size / width_s)
            ss = i[region_of == names.index("striatum")] - s_start
            ch = channel[ss]
            sizes = np.bincount(channel[channel < len(EMOTIONS)], minlength=len(EMOTIONS))
            counts = np.bincount(ch[ch < len(EMOTIONS)], minlength=len(EMOTIONS))
            ch_rates = counts / np.maximum(sizes, 1) / width_s
            from brainsim.model.readout import softmax
            probs = softmax(ch_rates)
            mods = bn.modulators
            live.publish({
                "t_ms": now, "duration_ms": duration_ms, "spikes": spikes, "rates_hz": rates,
                "channel_rates_hz": dict(zip(EMOTIONS, ch_rates.tolist(), strict=True)),
                "readout": dict(zip(EMOTIONS, probs.tolist(), strict=True)),
                "modulators": {name: {"serotonin": float(mods.serotonin[k]),
                                      "dopamine": float(mods.dopamine[k]),
                                      "norepinephrine": float(mods.norepinephrine[k])}
                               for k, name in enumerate(names)},
                "regions": {name: structure.layouts[name].size for name in names},
            })
        return publish
    return make
