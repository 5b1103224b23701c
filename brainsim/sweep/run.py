"""Running a sweep's points on Dask: a local cluster or a scheduler's address, retries, the
manifest kept up to date, resume."""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from brainsim.errors import ConfigError, NeuroEmoError, ResultsError
from brainsim.experiment.protocol import Protocol
from brainsim.sweep.dataset import (
    DATASET,
    _manifest,
    _write_json_atomic,
    write_dataset,
)
from brainsim.sweep.spec import Sweep
from brainsim.sweep.worker import (
    _check_not_a_run,
    execute_point,
    point_task,
)

logger = logging.getLogger("brainsim.sweep")


def _clear(out: Path) -> None:
    """Delete a sweep folder's previous results (``--force``, once the sweep can start)."""
    for name in ("points", ".staging", DATASET, "manifest.json"):
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _prepare_out(sweep: Sweep, out: Path, *, resume: bool, force: bool) -> dict:
    """Check ``out`` (nothing is deleted here); return the previous manifest (resume) or {}."""
    manifest_path = out / "manifest.json"
    if out.exists() and not out.is_dir():
        raise ResultsError(f"{out} exists and is not a folder; choose another --out.")
    if out.exists() and any(out.iterdir()):
        if not manifest_path.exists() and not (out / "points").exists():
            raise ResultsError(f"{out} exists and is not a sweep folder (no manifest.json); "
                               "nothing was run. Choose another --out.")
        if force:
            return {}
        if not resume:
            raise ResultsError(f"The sweep folder {out} already exists. Pass --resume to run "
                               "its unfinished points, --force to start over, or choose "
                               "another --out.")
        try:
            old = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            logger.warning("Cannot read %s (%s): checking every finished point against the "
                           "sweep file instead; the manifest is rewritten.", manifest_path, err)
            old = None
        if not isinstance(old, dict):
            # no manifest to compare fingerprints with: each finished point's own record says
            # which protocol it ran, so --resume still never mixes two sweeps
            _check_finished_points(sweep, out)
            return {}
        if old.get("fingerprint") != sweep.fingerprint():
            raise ResultsError(f"The sweep in {out} was started from a different sweep file "
                               "(its points differ); --resume would mix two sweeps. Use "
                               "another --out, or --force to start over.")
        _check_same_tables(sweep, old.get("tables"), out)
        return old
    return {}


def _check_finished_points(sweep: Sweep, out: Path) -> None:
    """Raise unless every finished point folder under ``out`` ran this sweep's point."""
    from brainsim.experiment.results import _json_default

    for k in range(len(sweep)):
        folder = out / "points" / sweep.folder_name(k)
        if not folder.exists():
            continue
        try:
            meta = json.loads((folder / "meta.json").read_text())
            stored = meta["protocol"]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
            raise ResultsError(
                f"{folder} has no readable meta.json ({type(err).__name__}: {err}), and "
                f"without a readable {out / 'manifest.json'} it cannot be checked against "
                "this sweep file. Move that folder away (--resume then runs the point again), "
                "or use --force to start over.") from None
        expected = json.loads(json.dumps(sweep.protocol_for(k).to_dict(),
                                         default=_json_default))
        if stored != expected:
            raise ResultsError(
                f"{folder} ran another protocol than point {k} of this sweep "
                f"({sweep.describe(k)}): the folder {out} was started from a different sweep "
                "file, and --resume would mix two sweeps. Use another --out, or --force to "
                "start over.")
        _check_same_tables(sweep, meta.get("tables"), folder)


def _check_same_tables(sweep: Sweep, kept: object, where: Path) -> None:
    """Raise unless ``kept`` (a manifest's or a point's ``tables``; None: all) is the
    sweep's: --resume never mixes points that keep different tables."""
    ours = list(sweep.tables) if sweep.tables is not None else None
    if kept != ours:
        def text(t: object) -> str:
            return "all tables (no tables=)" if t is None else f"tables={t!r}"

        raise ResultsError(
            f"{where} was written with {text(kept)}, but the sweep file now keeps "
            f"{text(ours)}; --resume would mix points that keep different tables. Put "
            "back the sweep's tables to resume, or use --force (or another --out) to run "
            "every point with the new ones.")


def _connect(scheduler: str | None, workers: int, timeout_s: float):
    """A Dask client: on a fresh LocalCluster, or connected to ``scheduler``."""

    from distributed import Client, LocalCluster

    from brainsim.sweep.local_cluster import QuietLocalShutdown

    if scheduler:
        try:
            return Client(scheduler, timeout=f"{timeout_s}s"), None
        except (OSError, TimeoutError, ValueError) as err:
            raise NeuroEmoError(
                f"Cannot reach the Dask scheduler at {scheduler!r} within {timeout_s:g} s "
                f"({type(err).__name__}: {err}). Check the address (e.g. tcp://host:8786) and "
                "that the scheduler runs; without --scheduler a local cluster is started."
            ) from None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"--workers must be a positive integer, got {workers!r}.")
    # The worker processes start with Ctrl-C ignored (they inherit it): a Ctrl-C in the
    # terminal reaches the whole process group, and each worker printed a screen of Dask
    # tracebacks. This process stops them when it is interrupted (run_sweep).
    import signal
    import threading

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    client = Client(cluster)
    client.register_plugin(QuietLocalShutdown())
    return client, cluster


@dataclass
class SweepOutcome:
    """What :func:`run_sweep` did."""

    out: Path
    manifest: dict
    ran: list[int]
    skipped: list[int]
    failed: dict[int, str]
    workers: dict

    @property
    def ok(self) -> bool:
        return not self.failed


def run_sweep(sweep: Sweep, out: Path | None = None, *, scheduler: str | None = None,
              workers: int = 2, backend: str = "cpp_standalone", threads: int = 0,
              resume: bool = False, force: bool = False,
              figures: Callable[[Path, str], None] | None = None,
              task_metrics: Callable[[object, dict], dict] | None = None,
              progress: bool = True, timeout_s: float = 10.0) -> SweepOutcome:
    """Run every unfinished point of ``sweep`` on Dask and write ``out``.

    Parameters
    ----------
    sweep : Sweep
    out : Path, optional
        Sweep folder (default ``results/<sweep name>``).
    scheduler : str, optional
        Address of a running Dask scheduler; default: a ``LocalCluster`` of ``workers``
        single-threaded worker processes.
    backend : str
        ``cpp_standalone`` (default), ``cuda_standalone`` or ``runtime``.
    resume : bool
        Run only the points whose folder is missing.
    force : bool
        Delete the previous results of the sweep folder first.
    figures : callable, optional
        Draws each point's figures (e.g. :func:`analysis.report.write_run_figures`).
    task_metrics : callable, optional
        Metrics of a task protocol's trials (e.g. :func:`analysis.tasks.task_metrics`),
        written to each point's ``meta.json`` as ``neuroemo run`` does.
    timeout_s : float
        How long to try to reach ``scheduler``.

    Each worker compiles once per distinct structure and re-runs the build through
    ``run_args``. A point whose worker dies is re-run by Dask (up to its allowed failures),
    then marked failed in the manifest; finished points are never touched.
    """
    from brainsim.channels import BACKENDS

    if backend not in BACKENDS:
        raise ConfigError(f"Unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}.")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise ConfigError(f"--threads must be an integer >= 0 (0: no OpenMP), got {threads!r}.")
    if not isinstance(timeout_s, int | float) or not timeout_s > 0:
        raise ConfigError(f"--timeout must be a number of seconds > 0, got {timeout_s!r}.")
    if resume and force:
        raise ConfigError("--resume and --force contradict each other; choose one.")
    if backend == "cuda_standalone" and scheduler is None:  # local workers: need a GPU here
        from brainsim.devices.cuda import check_gpu_before_build

        check_gpu_before_build()
    out = Path(out) if out is not None else Path("results") / sweep.name
    _check_not_a_run(out)
    previous = _prepare_out(sweep, out, resume=resume, force=force)
    started = previous.get("started") or datetime.now().isoformat(timespec="seconds")
    statuses: dict[int, dict] = {}
    for k in range(len(sweep)):
        if not force and (out / "points" / sweep.folder_name(k)).exists():
            statuses[k] = {"status": "done"}
    skipped = sorted(statuses)
    pending = [k for k in range(len(sweep)) if k not in statuses]
    worker_info: dict = dict(previous.get("workers", {}))
    manifest_path = out / "manifest.json"
    failed: dict[int, str] = {}
    ran: list[int] = []
    # connect before anything is written or deleted: a sweep that cannot start (scheduler
    # unreachable, bad --workers) leaves the folder as it was
    client, cluster = _connect(scheduler, workers, timeout_s) if pending else (None, None)
    try:
        if force:
            _clear(out)
        out.mkdir(parents=True, exist_ok=True)
        _write_json_atomic(manifest_path, _manifest(sweep, out, backend, statuses,
                                                    worker_info, started))
    except BaseException:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        raise
    if not pending:
        write_dataset(sweep, out, statuses)
        return SweepOutcome(out, _manifest(sweep, out, backend, statuses, worker_info, started),
                            ran, skipped, failed, worker_info)

    # group the points by structure so that workers switch builds as rarely as possible
    order = sorted(pending, key=lambda k: (_structure_signature(sweep.protocol_for(k)), k))
    try:
        return _run_pending(sweep, out, order, statuses, skipped, failed, ran, worker_info,
                            manifest_path, client, cluster, backend=backend, threads=threads,
                            figures=figures, task_metrics=task_metrics, progress=progress,
                            started=started)
    except KeyboardInterrupt:
        kept = [k for k in range(len(sweep)) if (out / "points" / sweep.folder_name(k)).is_dir()]
        if any(statuses.get(k, {}).get("status") != "done" for k in kept):
            # points whose workers finished them while the sweep was being stopped
            for k in kept:
                statuses.setdefault(k, {"status": "done"})
            try:
                _write_json_atomic(manifest_path, _manifest(sweep, out, backend, statuses,
                                                            worker_info, started))
                write_dataset(sweep, out, statuses)
            except OSError:
                pass
        where = sweep.path if sweep.path else "SWEEP_FILE"
        raise KeyboardInterrupt(
            f"interrupted; {len(kept)} of {len(sweep)} points are finished and kept in "
            f"{out / 'points'}. `neuroemo sweep {where} --out {out} --resume` runs the other "
            f"{len(sweep) - len(kept)}.") from None


def _run_pending(sweep: Sweep, out: Path, order: list[int], statuses: dict[int, dict],
                 skipped: list[int], failed: dict[int, str], ran: list[int],
                 worker_info: dict, manifest_path: Path, client, cluster, *, backend: str,
                 threads: int, figures: Callable[[Path, str], None] | None,
                 task_metrics: Callable[[object, dict], dict] | None, progress: bool,
                 started: str) -> SweepOutcome:
    """The Dask part of :func:`run_sweep`: submit ``order``, collect, write the manifest."""
    bar = None
    try:
        from distributed import as_completed

        tasks = {k: point_task(sweep, k, out, backend=backend, threads=threads,
                               figures=figures, task_metrics=task_metrics) for k in order}
        token = uuid.uuid4().hex[:8]
        queue = list(order)
        futures: dict = {}
        in_flight = as_completed()

        def submit_next() -> None:
            k = queue.pop(0)
            future = client.submit(execute_point, tasks[k], key=f"neuroemo-point-{k}-{token}",
                                   pure=False)
            futures[future] = k
            in_flight.add(future)

        def fill() -> None:
            # On our own LocalCluster, one point per worker thread at a time, so that a worker
            # dying takes only its own point with it; a remote scheduler (possibly adaptive)
            # gets every point at once and schedules them itself.
            limit = (max(1, sum(client.nthreads().values())) if cluster is not None
                     else len(queue) + len(futures))
            while queue and sum(not f.done() for f in futures) < limit:
                submit_next()

        fill()
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(sweep), initial=len(skipped), unit="point",
                       desc=f"sweep {sweep.name}")
        last_write = time.monotonic()
        for future in in_flight:
            k = futures[future]
            try:
                result = future.result()
            except Exception as err:  # a failed point; the others go on
                if (out / "points" / sweep.folder_name(k)).exists():
                    # finished (its folder exists iff it did), but the worker died before
                    # it could report: a kill or an out-of-memory right after the point
                    ran.append(k)
                    statuses[k] = {"status": "done", "worker": "unknown (died after it)"}
                    if bar is not None:
                        bar.update(1)
                    fill()
                    continue
                msg = _failure_message(err)
                failed[k] = msg
                statuses[k] = {"status": "failed", "error": msg}
                if bar is not None:
                    bar.write(f"point {k} ({sweep.describe(k)}) failed: {msg}")
            else:
                ran.append(k)
                statuses[k] = {"status": "done", "worker": result["worker"],
                               "timings_s": result["timings_s"]}
                w = worker_info.setdefault(result["worker"], {"builds": 0, "points": 0})
                w["builds"] = max(w["builds"], result["builds"])
                w["points"] += 1
            if bar is not None:
                bar.update(1)
            fill()
            if time.monotonic() - last_write > 2.0:
                _write_json_atomic(manifest_path, _manifest(sweep, out, backend, statuses,
                                                            worker_info, started))
                last_write = time.monotonic()
    finally:
        if bar is not None:
            bar.close()
        for k in range(len(sweep)):  # finished while the last results were on their way
            if k not in statuses and (out / "points" / sweep.folder_name(k)).is_dir():
                statuses[k] = {"status": "done"}
        manifest = _manifest(sweep, out, backend, statuses, worker_info, started)
        _write_json_atomic(manifest_path, manifest)
        write_dataset(sweep, out, statuses)
        client.close()
        if cluster is not None:
            cluster.close()
        shutil.rmtree(out / ".staging", ignore_errors=True)
    return SweepOutcome(out, manifest, ran, skipped, failed, worker_info)


def _structure_signature(p: Protocol) -> str:
    return json.dumps([p.scale, p.noise, float(p.duration), float(p.dt), p.modulation],
                      sort_keys=True)


def _failure_message(err: BaseException) -> str:
    name = type(err).__name__
    if name == "KilledWorker":
        return ("the worker process died while running this point (repeatedly; e.g. out of "
                "memory or killed); finished points are unaffected. Run again with --resume.")
    return f"{name}: {err}"
