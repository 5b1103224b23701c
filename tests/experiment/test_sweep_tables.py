"""``Sweep(tables=...)``: points that keep only some tables (fast: synthetic point folders,
nothing is simulated; tests/experiment/test_sweep_run.py runs a reduced sweep for real)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from brian2 import ms

from analysis import load_run, load_runs
from analysis.report import write_report
from analysis.testing import add_synthetic_reversal, write_reduced_point, write_synthetic_run
from brainsim import Protocol, standard_phases
from brainsim.errors import ConfigError, ResultsError
from brainsim.experiment.tasks import ProbabilisticReversal
from brainsim.sweep import Sweep, run_sweep
from brainsim.sweep.dataset import write_dataset

D = 300 * ms
BASE = Protocol(name="t", profile="healthy", duration=D, scale=0.25, phases=standard_phases(D))
TASK = ProbabilisticReversal(n_trials=8)
TASK_BASE = Protocol(name="r", profile="healthy", duration=TASK.duration, task=TASK)
KEEP = ("spikes", "readout")


@pytest.mark.parametrize(("tables", "message"), [
    (["modulator"], "unknown table 'modulator'.*Did you mean 'modulators'.*Tables are spikes, "
                    "rates, modulators, readout, inputs, neurons, synapses"),
    (["task"], "unknown table 'task'.*only for a protocol with a task"),
    ("spikes", "must be a list of table names"),
])
def test_unknown_tables_are_config_errors(tables, message):
    with pytest.raises(ConfigError, match=message):
        Sweep(BASE, grid={"seed": [1, 2]}, tables=tables)


def test_tables_are_canonical_and_a_task_keeps_its_trials():
    assert Sweep(BASE, grid={"seed": [1, 2]}).tables is None
    assert Sweep(BASE, grid={"seed": [1, 2]}, tables=["readout", "spikes", "readout"]).tables \
        == ("spikes", "readout")
    assert Sweep(TASK_BASE, grid={"seed": [1, 2]}, tables=["readout"]).tables \
        == ("readout", "task")
    assert Sweep(TASK_BASE, grid={"seed": [1, 2]}, tables=[]).tables == ("task",)


def reduced_point(folder: Path, keep=KEEP, **kwargs) -> Path:
    """A synthetic point folder as a sweep with ``tables=keep`` writes it."""
    return write_reduced_point(folder, keep, **kwargs)


def test_a_reduced_point_loads_and_names_a_dropped_table(tmp_path):
    run = load_run(reduced_point(tmp_path / "point-0000"))
    assert len(run.spikes) and len(run.readout)
    assert run.has_table("spikes") and not run.has_table("modulators")
    with pytest.raises(ResultsError, match=r"no modulators.parquet: the sweep 'tiny' was run "
                                           r"with tables=\['spikes', 'readout'\].*add "
                                           r"'modulators' to the Sweep's tables"):
        run.table("modulators")
    assert run.load() is run  # reads what the folder holds
    runs = load_runs([tmp_path / "point-0000"])
    assert len(runs.readout)
    with pytest.raises(ResultsError, match="drops rates"):
        runs.table("rates")


def test_a_reduced_point_missing_a_kept_table_is_incomplete(tmp_path):
    folder = reduced_point(tmp_path / "point-0000")
    (folder / "readout.parquet").unlink()
    with pytest.raises(ResultsError, match=r"incomplete results folder: readout.parquet is "
                                           r"missing \(its meta.json lists tables="):
        load_run(folder)


def test_a_point_without_the_key_still_needs_every_table(tmp_path):
    folder = write_synthetic_run(tmp_path / "old")
    (folder / "modulators.parquet").unlink()
    with pytest.raises(ResultsError, match="modulators.parquet is missing"):
        load_run(folder)


def test_bad_tables_in_meta(tmp_path):
    folder = reduced_point(tmp_path / "point-0000")
    meta = json.loads((folder / "meta.json").read_text())
    meta["tables"] = "spikes"
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ResultsError, match="not a list of table names"):
        load_run(folder)


def test_dataset_of_reduced_points(tmp_path):
    sweep = Sweep(BASE, grid={"seed": [1, 2]}, tables=KEEP)
    out = tmp_path / "out"
    for k in range(2):
        reduced_point(out / "points" / sweep.folder_name(k), seed=k + 1,
                      point=sweep.point_meta(k))
    data = write_dataset(sweep, out, {0: {"status": "done"}, 1: {"status": "done"}})
    assert sorted(p.name for p in data.iterdir()) == ["points.parquet", "readout", "spikes"]
    spikes = pd.read_parquet(data / "spikes")
    assert sorted(spikes["point"].unique()) == [0, 1]


def test_resume_refuses_other_tables(tmp_path):
    """A change of tables is another sweep for --resume (manifest or, without one, the
    finished points' meta.json say which tables they kept)."""
    old = Sweep(BASE, grid={"seed": [1, 2]}, tables=KEEP)
    new = Sweep(BASE, grid={"seed": [1, 2]})
    out = tmp_path / "out"
    for k in range(2):
        folder = out / "points" / old.folder_name(k)
        folder.mkdir(parents=True)
        (folder / "meta.json").write_text(json.dumps(
            {"protocol": old.protocol_for(k).to_dict(), "tables": list(KEEP)}))
    with pytest.raises(ResultsError, match=r"written with tables=\['spikes', 'readout'\], but "
                                           r"the sweep file now keeps all tables"):
        run_sweep(new, out, resume=True, progress=False)  # no manifest: checks the points
    outcome = run_sweep(old, out, resume=True, progress=False)  # every point done
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"] == list(KEEP) and outcome.ran == []
    with pytest.raises(ResultsError, match="--resume would mix points that keep different"):
        run_sweep(new, out, resume=True, progress=False)  # the manifest says
    with pytest.raises(ResultsError, match="different tables"):
        run_sweep(Sweep(BASE, grid={"seed": [1, 2]}, tables=["spikes"]), out, resume=True,
                  progress=False)


def test_report_of_reduced_points_says_what_it_left_out(tmp_path):
    root = tmp_path / "sweep" / "points"
    for k, profile in enumerate(("healthy", "depressed")):
        folder = reduced_point(root / f"point-000{k}", keep=("task",), profile=profile,
                               seed=k, duration_ms=500.0, point={"profile": profile})
        add_synthetic_reversal(folder, alpha=0.5, beta=5.0, seed=k)
    report = write_report(root, tmp_path / "report")
    summary = pd.read_csv(tmp_path / "report" / "summary.csv")
    assert list(summary.columns) == ["run", "profile", "seed", "backend", "sentences",
                                     "duration_ms"]
    assert (tmp_path / "report" / "task_ProbabilisticReversal.csv").is_file()
    md = (tmp_path / "report" / "report.md").read_text()
    assert "readout winner left out: it needs spikes.parquet, neurons.parquet, readout.parquet" in md
    assert "The comparison figure left out: it needs rates.parquet, readout.parquet" in md
    assert "Each run's modulators figure left out" in md
    assert "tables=['task']" in md and "left out" in report.read_text()
    assert not (tmp_path / "report" / "profile_comparison.png").exists()
