"""Sweeps that simulate: compile once per worker, same results as points run alone, --point,
--resume after a kill, a worker dying mid-point (slow: one C++ build, shared by the module)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dask
import distributed  # noqa: F401  (loads its config defaults before dask.config.set)
import pandas as pd
import pytest

from brainsim.errors import ResultsError
from brainsim.experiment.runner import run_protocols
from brainsim.sweep import load_sweep_file, release_worker_build, run_sweep

pytestmark = [pytest.mark.slow, pytest.mark.cpp_standalone]

SWEEP_FILE = """
from brian2 import ms
from brainsim import Protocol, standard_phases
from brainsim.sweep import Sweep
D = 300 * ms
base = Protocol(name="tiny", profile="healthy", duration=D, scale=0.25,
                phases=standard_phases(D))
sweep = Sweep(base, grid={GRID})
"""
GRID6 = '{"serotonin": [0.2, 0.8], "seed": [1, 2, 3]}'
NEUROEMO = [sys.executable, "-c", "import sys; from brainsim.cli import main; "
            "sys.exit(main(sys.argv[1:]))"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One build cache for the module (workers inherit it through the environment)."""
    old = os.environ.get("NEUROEMO_CACHE")
    path = tmp_path_factory.mktemp("neuroemo-cache")
    os.environ["NEUROEMO_CACHE"] = str(path)
    yield path
    release_worker_build()
    if old is None:
        os.environ.pop("NEUROEMO_CACHE", None)
    else:
        os.environ["NEUROEMO_CACHE"] = old


@pytest.fixture(scope="module")
def sweep_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("sweepfile") / "sweep_tiny.py"
    path.write_text(SWEEP_FILE.replace("{GRID}", GRID6))
    return path


@pytest.fixture(scope="module")
def alone(cache, sweep_path, tmp_path_factory):
    """Every point run on its own through the ordinary runner (compiles the build once)."""
    sweep = load_sweep_file(sweep_path)
    out = tmp_path_factory.mktemp("alone") / "runs"
    results = run_protocols([sweep.protocol_for(k) for k in range(len(sweep))],
                            backend="cpp_standalone", out=out, quiet=True, figures=None)
    return [r.path for r in results]


@pytest.fixture(scope="module")
def swept(cache, sweep_path, alone, tmp_path_factory):
    sweep = load_sweep_file(sweep_path)
    out = tmp_path_factory.mktemp("swept") / "sweep"
    t0, outcome_start = time.perf_counter(), time.time()
    outcome = run_sweep(sweep, out, workers=2, progress=False)
    outcome.wall_s = time.perf_counter() - t0
    outcome.mtime_at_start = outcome_start
    return sweep, outcome


def same_run(a: Path, b: Path) -> None:
    for table in ("spikes", "rates", "modulators", "readout", "inputs"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{table}.parquet"),
                                      pd.read_parquet(b / f"{table}.parquet"))
    ma, mb = (json.loads((p / "meta.json").read_text()) for p in (a, b))
    assert ma["summary"] == mb["summary"]
    assert ma["seed"] == mb["seed"]


def test_each_worker_compiles_once(swept, cache):
    sweep, outcome = swept
    assert outcome.ok, outcome.failed
    assert sorted(outcome.ran) == list(range(6))
    assert len(outcome.workers) == 2
    # build counts reported by the workers themselves: one per worker for one structure
    assert all(w["builds"] == 1 for w in outcome.workers.values()), outcome.workers
    assert sum(w["points"] for w in outcome.workers.values()) == 6
    manifest = json.loads((outcome.out / "manifest.json").read_text())
    assert manifest["counts"] == {"done": 6, "failed": 0, "pending": 0}
    new_builds = [p for p in manifest["points"] if p["timings_s"]["build_and_compile_s"] > 0]
    assert len(new_builds) == 2
    # seen from the file system, not the code's own counters: each worker's build folder
    # holds the program compiled by the `alone` runs (copied with its file times), and
    # nothing was compiled or linked while the sweep ran
    programs = sorted((cache / "builds").glob("sweep-slot*/*/main"))
    assert len(programs) == 2, programs
    for program in programs:
        for built in (program, *program.parent.glob("**/*.o")):
            assert built.stat().st_mtime < outcome.mtime_at_start, (
                built, built.stat().st_mtime - outcome.mtime_at_start)


def test_points_match_runs_alone(swept, alone):
    sweep, outcome = swept
    for k in range(len(sweep)):
        same_run(outcome.out / "points" / sweep.folder_name(k), alone[k])
    # per-point seeds work: same serotonin, other seed, other spikes
    s1 = pd.read_parquet(outcome.out / "points" / sweep.folder_name(0) / "spikes.parquet")
    s2 = pd.read_parquet(outcome.out / "points" / sweep.folder_name(1) / "spikes.parquet")
    assert not s1.equals(s2)


def test_point_meta_and_load_runs(swept):
    from analysis import load_runs

    sweep, outcome = swept
    meta = json.loads((outcome.out / "points" / "point-0004" / "meta.json").read_text())
    assert meta["point"] == {"serotonin": 0.8, "seed": 2} and meta["point_index"] == 4
    runs = load_runs(outcome.out / "points")
    assert len(runs.runs) == 6
    assert sorted(runs.meta["serotonin"].unique()) == [0.2, 0.8]
    assert set(runs.spikes.columns) >= {"serotonin", "seed", "region", "t_ms"}


def test_partitioned_dataset(swept):
    sweep, outcome = swept
    data = outcome.out / "dataset"
    points = pd.read_parquet(data / "points.parquet")
    assert points["point"].tolist() == list(range(6)) and set(points["status"]) == {"done"}
    assert points.loc[4, "serotonin"] == 0.8 and points.loc[4, "seed"] == 2
    for table in ("spikes", "rates", "readout"):
        whole = pd.read_parquet(data / table)  # every point, with a `point` column
        assert sorted(whole["point"].astype(int).unique()) == list(range(6))
        one = pd.read_parquet(outcome.out / "points" / sweep.folder_name(4) / f"{table}.parquet")
        part = whole[whole["point"].astype(int) == 4].drop(columns="point")
        pd.testing.assert_frame_equal(part.reset_index(drop=True), one, check_dtype=False,
                                      check_categorical=False)


def test_resume_with_a_lost_manifest_checks_the_points(swept, tmp_path, caplog):
    """Without a readable manifest, --resume checks every finished point's own protocol
    against the sweep file: it goes on when they match and refuses a foreign point."""
    import shutil

    sweep, outcome = swept
    out = tmp_path / "sweep"
    shutil.copytree(outcome.out, out)
    (out / "manifest.json").write_text('{"truncated')
    with caplog.at_level("WARNING", logger="brainsim.sweep"):
        again = run_sweep(sweep, out, resume=True, progress=False)
    assert again.ok and again.ran == [] and again.skipped == list(range(6))
    assert "checking every finished point" in caplog.text
    manifest = json.loads((out / "manifest.json").read_text())  # rewritten
    assert manifest["fingerprint"] == sweep.fingerprint()
    assert manifest["counts"] == {"done": 6, "failed": 0, "pending": 0}
    # a point that another sweep file made (here: its seed edited) is refused, by name
    meta_path = out / "points" / sweep.folder_name(3) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["protocol"]["seed"] += 100
    meta_path.write_text(json.dumps(meta))
    (out / "manifest.json").unlink()
    with pytest.raises(ResultsError, match=f"{sweep.folder_name(3)} ran another protocol than "
                                           "point 3"):
        run_sweep(sweep, out, resume=True, progress=False)
    assert json.loads(meta_path.read_text()) == meta
    assert not (out / "manifest.json").exists()


def test_run_point_cli_matches_sweep(swept, sweep_path, tmp_path):
    sweep, outcome = swept
    out = tmp_path / "single"
    proc = subprocess.run([*NEUROEMO, "run", str(sweep_path), "--point", "4", "--out", str(out),
                           "--no-figures", "--quiet"], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    single = out / "points" / "point-0004"
    same_run(single, outcome.out / "points" / "point-0004")
    meta = json.loads((single / "meta.json").read_text())
    assert meta["point"] == {"serotonin": 0.8, "seed": 2}


def test_reduced_tables(cache, alone, sweep_path, tmp_path):
    """Sweep(tables=...): the points keep only those tables (the same as a full run's), load,
    name a dropped table, and the dataset holds the kept tables."""
    from analysis import load_runs
    from brainsim.sweep import Sweep

    base = load_sweep_file(sweep_path).base
    sweep = Sweep(base, grid={"serotonin": [0.2], "seed": [1, 2]},  # points 0, 1 of GRID6
                  tables=("readout", "spikes"))
    outcome = run_sweep(sweep, tmp_path / "out", workers=1, progress=False)
    assert outcome.ok, outcome.failed
    for k in range(2):
        folder = outcome.out / "points" / sweep.folder_name(k)
        assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "readout.parquet",
                                                            "spikes.parquet"]
        assert json.loads((folder / "meta.json").read_text())["tables"] == ["spikes",
                                                                            "readout"]
        for table in ("spikes", "readout"):
            pd.testing.assert_frame_equal(pd.read_parquet(folder / f"{table}.parquet"),
                                          pd.read_parquet(alone[k] / f"{table}.parquet"))
    runs = load_runs(outcome.out)
    assert len(runs.spikes) > 0
    with pytest.raises(ResultsError, match="tables=\\['spikes', 'readout'\\]"):
        runs.table("modulators")
    assert sorted(p.name for p in (outcome.out / "dataset").iterdir()) == [
        "points.parquet", "readout", "spikes"]
    assert json.loads((outcome.out / "manifest.json").read_text())["tables"] == [
        "spikes", "readout"]


def test_resume_after_kill(cache, alone, tmp_path):
    path = tmp_path / "sweep12.py"
    path.write_text(SWEEP_FILE.replace("{GRID}", '{"serotonin": [0.2, 0.8], '
                                       '"seed": [1, 2, 3, 4, 5, 6]}'))
    out = tmp_path / "out"
    points = out / "points"
    proc = subprocess.Popen([*NEUROEMO, "sweep", str(path), "--workers", "2", "--out", str(out),
                             "--quiet"], env=os.environ.copy(), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if points.exists() and sum(p.name.startswith("point-")
                                       for p in points.iterdir()) >= 4:
                break  # midway: a third of the points finished
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes
        proc.wait()
    time.sleep(1.0)
    done_before = sorted(p.name for p in points.iterdir() if p.name.startswith("point-"))
    assert 4 <= len(done_before) < 12, done_before
    mtimes = {n: (points / n / "meta.json").stat().st_mtime for n in done_before}
    sweep = load_sweep_file(path)
    resumed = subprocess.run([*NEUROEMO, "sweep", str(path), "--workers", "2", "--out",
                              str(out), "--resume"], env=os.environ.copy(),
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    n = len(done_before)
    assert f"12 of 12 points done ({12 - n} run now, {n} already there)" in resumed.stdout
    names = sorted(p.name for p in points.iterdir())
    assert names == [sweep.folder_name(k) for k in range(12)]  # each once, nothing else
    for n in done_before:  # finished points were not rewritten
        assert (points / n / "meta.json").stat().st_mtime == mtimes[n]
    indices = [json.loads((points / n / "meta.json").read_text())["point_index"] for n in names]
    assert indices == list(range(12))
    assert not (out / ".staging").exists()
    rates = pd.read_parquet(out / "dataset" / "rates")  # rebuilt: every point exactly once
    per_point = rates.groupby(rates["point"].astype(int)).size()
    assert per_point.index.tolist() == list(range(12))
    assert per_point.nunique() == 1


def _killing_cluster(point: int, marker: str | None, allowed_failures: int):
    """A local cluster like run_sweep's whose worker process dies when it starts running
    point ``point`` (once if ``marker`` names a file that does not exist yet, else always):
    a Dask worker plugin, so the production code carries no test hook."""
    import logging

    from distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import WorkerPlugin

    class KillAtPoint(WorkerPlugin):  # local: pickled by value to the workers
        def transition(self, key, start, finish, **kwargs):
            if finish != "executing" or not str(key).startswith(f"neuroemo-point-{point}-"):
                return
            if marker is not None:
                if os.path.exists(marker):
                    return
                Path(marker).touch()
            os._exit(17)

    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    client.register_plugin(KillAtPoint())
    return cluster, client


def test_worker_dying_mid_point(cache, alone, sweep_path, tmp_path):
    sweep = load_sweep_file(sweep_path)
    out = tmp_path / "crash"
    marker = tmp_path / "died-once"
    cluster, client = _killing_cluster(2, str(marker), allowed_failures=1)
    try:
        outcome = run_sweep(sweep, out, scheduler=cluster.scheduler_address, progress=False)
    finally:
        client.close()
        cluster.close()
    assert marker.exists()  # the worker did die at point 2 ...
    assert outcome.ok, outcome.failed  # ... and Dask ran the point again elsewhere
    assert len(list((out / "points").iterdir())) == 6

    # a point that always kills its worker is reported as failed; finished points are kept,
    # and --resume later runs whatever is left. (Whether the other points also finish in the
    # same call depends on when Dask notices the dead worker: on a clean CI machine 2 of the
    # remaining 5 were sometimes left pending, so the test asks only for what the issue
    # requires: a clear failure and no finished result lost.)
    out2 = tmp_path / "crash2"
    cluster, client = _killing_cluster(3, None, allowed_failures=0)
    try:
        outcome = run_sweep(sweep, out2, scheduler=cluster.scheduler_address, progress=False)
    finally:
        client.close()
        cluster.close()
    assert 3 in outcome.failed
    assert "worker process died" in outcome.failed[3]
    manifest = json.loads((out2 / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["failed"] >= 1 and sum(counts.values()) == 6
    assert manifest["points"][3]["status"] == "failed"
    assert not (out2 / "points" / "point-0003").exists()
    done = [k for k, p in enumerate(manifest["points"]) if p["status"] == "done"]
    assert sorted(int(d.name.split("-")[1]) for d in (out2 / "points").iterdir()) == done
    # without the fault, --resume completes the sweep; finished points are not run again
    before = {k: (out2 / "points" / f"point-{k:04d}" / "meta.json").stat().st_mtime_ns
              for k in done}
    outcome = run_sweep(sweep, out2, workers=2, progress=False, resume=True)
    assert outcome.ok, outcome.failed
    assert len(list((out2 / "points").iterdir())) == 6
    for k, mtime in before.items():
        assert (out2 / "points" / f"point-{k:04d}" / "meta.json").stat().st_mtime_ns == mtime


def test_local_cluster_workers_drop_only_the_lost_heartbeat_error():
    """A stopping sweep closes its scheduler while a busy worker may still send a heartbeat;
    that error (with two tracebacks) made Ctrl-C print a screen instead of one line. The
    sweep's own local workers drop that one message and keep every other error."""
    import logging

    from brainsim.sweep.local_cluster import _HeartbeatLost
    from brainsim.sweep.run import _connect

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("distributed.worker", logging.ERROR, "", 0, msg, None, None)

    f = _HeartbeatLost()
    assert not f.filter(record("Failed to communicate with scheduler during heartbeat."))
    assert f.filter(record("Compute Failed"))

    def installed() -> bool:
        return any(type(x).__name__ == "_HeartbeatLost"
                   for x in logging.getLogger("distributed.worker").filters)

    client, cluster = _connect(None, 1, 10)
    try:
        assert list(client.run(installed).values()) == [True]
    finally:
        client.close()
        cluster.close()
