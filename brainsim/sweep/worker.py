"""Running one point on a Dask worker: the worker's compiled build (one per structure, in a
build slot it owns), the point's results folder written atomically."""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import brian2 as b2

from brainsim.errors import NeuroEmoError, ResultsError
from brainsim.experiment.protocol import Protocol
from brainsim.sweep.spec import Sweep

_WORKER: dict = {"slot": None, "slot_lock": None, "build": None, "build_key": None,
                 "engine": None, "builds": 0, "points": 0}


@dataclass
class PointTask:
    """Everything a worker needs to run one point (pickled to the worker)."""

    protocol: Protocol
    index: int
    folder: str
    point: dict
    point_units: dict
    sweep_name: str
    source: str | None
    out: str
    backend: str = "cpp_standalone"
    threads: int = 0
    figures: Callable[[Path, str], None] | None = None
    force: bool = False
    #: Metrics of a task protocol's trials (e.g. analysis.tasks.task_metrics), as in
    #: ``neuroemo run``: written to the point's ``meta.json``'s ``task``.
    task_metrics: Callable[[object, dict], dict] | None = None
    #: The tables the point keeps (``Sweep.tables``; None: all). Only these are built
    #: (all of them when ``figures`` draws, which reads some); any other is deleted from
    #: the staging folder before it is renamed into place.
    tables: tuple[str, ...] | None = None


def _slot_root(threads: int) -> Path:
    """A build folder this process owns (held for its lifetime through a lock file).

    Standalone builds of a sweep live in ``<cache>/builds/sweep-slotN/``: a process running a
    binary never shares its folder with one that regenerates code (which rewrites the static
    arrays), and later sweeps reuse the slots' compiled builds.
    """
    from filelock import FileLock, Timeout

    from brainsim.devices.cache import cache_dir

    if _WORKER["slot"] is not None:
        return _WORKER["slot"]
    base = cache_dir() / "builds"
    base.mkdir(parents=True, exist_ok=True)
    for i in range(1024):
        root = base / f"sweep-slot{i}"
        lock = FileLock(str(root) + ".slot-lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue
        _WORKER["slot"], _WORKER["slot_lock"] = root, lock
        return root
    raise NeuroEmoError(f"No free build slot in {base} (1024 in use).")


def _seed_build_dir(target: Path) -> None:
    """Copy an already compiled build of the same structure into ``target`` (if any).

    The copy keeps file times, so ``make`` finds nothing to do; Brian2 rewrites only files
    whose content changes.
    """
    from filelock import FileLock

    from brainsim.devices.cache import cache_dir

    if (target / "main").exists():
        return
    base = cache_dir() / "builds"
    candidates = [base / target.name] + sorted(base.glob(f"sweep-slot*/{target.name}"))
    for source in candidates:
        if source == target or not (source / "main").exists():
            continue
        with FileLock(str(source) + ".lock"):
            if not (source / "main").exists():
                continue
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, symlinks=True,
                            ignore=shutil.ignore_patterns("results*", "*.lock"))
        return


def _prepared_build(task: PointTask, structure, values):
    """The worker's build of ``structure`` (compiled or reused), and whether it is new."""
    from brainsim.devices import get_backend
    from brainsim.devices.standalone import StandaloneBuild

    key = (task.backend, task.threads, structure.key(task.backend))
    build = _WORKER["build"]
    if (build is not None and _WORKER["build_key"] == key
            and StandaloneBuild._active is build):
        return build, False
    if build is not None:
        build.close()
        _WORKER["build"] = None
    from filelock import FileLock

    from brainsim.devices.cache import cache_dir

    engine = get_backend(task.backend, threads=task.threads,
                         build_root=_slot_root(task.threads))
    target = engine.build_directory(structure)
    if (target / "main").exists():  # compiled before: regenerate, make rebuilds little
        build = engine.prepare(structure, values, report=None)
    else:  # one full compilation per structure at a time: the others wait, then copy it
        with FileLock(str(cache_dir() / "builds" / f"{target.name}.compile-lock")):
            _seed_build_dir(target)
            build = engine.prepare(structure, values, report=None)
    _WORKER.update(build=build, build_key=key, engine=engine)
    _WORKER["builds"] += 1
    return build, True


def _forget_run_arrays(build) -> None:
    """Delete the run_args arrays of the last run (only in the worker's own slot)."""
    names = list(getattr(b2.device, "run_args_arrays", []) or [])
    for name in names:
        for suffix in ("", ".lock"):
            try:
                os.remove(build.directory / "static_arrays" / f"{name}{suffix}")
            except OSError:
                pass


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute_point(task: PointTask) -> dict:
    """Run one point and write ``<out>/points/<folder>`` atomically (the Dask task).

    Returns a small dict: ``status`` (``"done"`` or ``"exists"`` when another attempt had
    already finished the point), ``worker``, ``builds`` (builds done so far by this process),
    ``new_build``, ``timings_s`` and ``path``.
    """
    from brainsim.devices import get_backend
    from brainsim.experiment.runner import _write, structure_for, text_arrays, values_for

    final = Path(task.out) / "points" / task.folder
    info = {"index": task.index, "worker": worker_id(), "path": str(final)}
    if final.exists() and not task.force:
        return {**info, "status": "exists", "builds": _WORKER["builds"], "new_build": False,
                "timings_s": {}}
    t0 = time.perf_counter()
    protocol = task.protocol
    structure = structure_for(protocol)
    text = text_arrays(protocol)
    values = values_for(protocol, structure, text)
    if task.backend == "runtime":
        engine = get_backend("runtime")
        raw = next(iter(engine.simulate(structure, [values], report=None)))
        new_build = False
    else:
        build, new_build = _prepared_build(task, structure, values)
        engine = build.backend
        try:
            raw = build.run(values)
        finally:
            _forget_run_arrays(build)
        raw.timings_s["build_and_compile_s"] = build.build_s if new_build else 0.0
    raw.timings_s["prepare_s"] = time.perf_counter() - t0 - raw.timings_s.get("run_s", 0.0) \
        - raw.timings_s.get("build_and_compile_s", 0.0)
    staging_root = Path(task.out) / ".staging"
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = staging_root / f"{task.folder}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        result = _write(protocol, structure, values, raw, staging, force=False, backend=engine,
                        text_events=text[1] if text else [], source_text=task.source,
                        figures=task.figures, task_metrics=task.task_metrics,
                        keep=task.tables)
        meta_path = staging / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta.update({"point": task.point, "point_index": task.index,
                     "point_units": task.point_units, "sweep": task.sweep_name,
                     "worker": info["worker"]})
        if task.tables is not None:  # keep only these (loaders read the list from meta);
            # _write built only these unless it drew figures, which need the others
            for table in staging.glob("*.parquet"):
                if table.stem not in task.tables:
                    table.unlink()
            meta["tables"] = list(task.tables)
        meta_path.write_text(json.dumps(meta, indent=2))
        status = "done"
        if task.force and final.exists():
            old = final.parent / f".{final.name}.old-{os.getpid()}"
            final.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            staging.rename(final)  # atomic: the point is finished iff its folder exists
        except OSError:
            if not final.exists():
                raise
            status = "exists"  # another attempt finished it first; keep that one
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _WORKER["points"] += 1
    return {**info, "status": status, "builds": _WORKER["builds"], "new_build": new_build,
            "timings_s": dict(result.timings_s), "summary": result.summary}


def point_task(sweep: Sweep, k: int, out: Path, *, backend: str = "cpp_standalone",
               threads: int = 0, figures: Callable[[Path, str], None] | None = None,
               force: bool = False,
               task_metrics: Callable[[object, dict], dict] | None = None) -> PointTask:
    """The task that runs point ``k`` of ``sweep`` into ``out/points/``."""
    return PointTask(protocol=sweep.protocol_for(k), index=k, folder=sweep.folder_name(k),
                     point=sweep.point_meta(k), point_units=sweep.point_units(),
                     sweep_name=sweep.name, source=sweep.source, out=str(out),
                     backend=backend, threads=threads, figures=figures, force=force,
                     task_metrics=task_metrics, tables=sweep.tables)


def run_point(sweep: Sweep, k: int, out: Path | None = None, *, backend: str = "cpp_standalone",
              threads: int = 0, figures: Callable[[Path, str], None] | None = None,
              force: bool = False,
              task_metrics: Callable[[object, dict], dict] | None = None) -> Path:
    """Run point ``k`` alone, exactly as a sweep would; return its results folder.

    ``out`` is the sweep's output folder (default ``results/<sweep name>``): the point lands
    in ``out/points/point-XXXX`` like in a sweep, so SLURM arrays and ``neuroemo sweep``
    can fill the same folder.
    """
    out = Path(out) if out is not None else Path("results") / sweep.name
    _check_not_a_run(out)
    if backend == "cuda_standalone":
        from brainsim.devices.cuda import check_gpu_before_build

        check_gpu_before_build()
    task = point_task(sweep, k, out, backend=backend, threads=threads, figures=figures,
                      force=force, task_metrics=task_metrics)
    final = out / "points" / task.folder
    if final.exists() and not force:
        raise ResultsError(f"Point {k} of {sweep.name!r} is already in {final}; nothing was "
                           "run. Pass --force to run it again.")
    try:
        result = execute_point(task)
    finally:
        release_worker_build()
    return Path(result["path"])


def release_worker_build() -> None:
    """Close this process's build and free its slot."""
    if _WORKER["build"] is not None:
        _WORKER["build"].close()
    if _WORKER["slot_lock"] is not None:
        _WORKER["slot_lock"].release()
    _WORKER.update(build=None, build_key=None, engine=None, slot=None, slot_lock=None)



# ---------------------------------------------------------------------------------------
# The whole sweep on Dask
# ---------------------------------------------------------------------------------------


def _check_not_a_run(out: Path) -> None:
    if (out / "meta.json").is_file():
        raise ResultsError(f"{out} is the results folder of a single run (it has meta.json), "
                           "not a sweep folder; nothing was run. Choose another --out.")
