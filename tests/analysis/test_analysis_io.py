"""load_run / load_runs: round trip of the documented results format, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis import Run, Runs, load_run, load_runs
from analysis.io import TABLES
from analysis.testing import write_synthetic_run
from brainsim.channels import EMOTIONS
from brainsim.errors import ResultsError


@pytest.fixture
def run_dir(tmp_path):
    return write_synthetic_run(tmp_path / "healthy", seed=3)


def test_round_trip_tables_and_meta(run_dir):
    run = load_run(run_dir)
    assert isinstance(run, Run)
    assert run.path == run_dir and run.name == "healthy"
    assert run.meta["format_version"] == 1 and run.profile == "healthy"
    written = pd.read_parquet(run_dir / "spikes.parquet")
    pd.testing.assert_frame_equal(run.spikes, written)
    for name, columns in TABLES.items():
        frame = getattr(run, name)
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0, name
        assert set(columns) <= set(frame.columns), name
    assert set(EMOTIONS) <= set(run.readout.columns)
    assert run.spikes["neuron"].dtype == np.int32
    # straight to groupby
    per_region = run.spikes.groupby("region").size()
    assert per_region["thalamus"] > per_region["hippocampus"]
    assert run.regions["pfc"] == {"size": 200, "n_exc": 160, "n_inh": 40}
    assert run.duration_ms == 1000.0


def test_tables_are_read_once(run_dir):
    run = load_run(run_dir)
    assert run.spikes is run.spikes


def test_load_runs_concatenates_with_run_columns(tmp_path):
    for profile, seed in (("healthy", 1), ("depressed", 2)):
        write_synthetic_run(tmp_path / "cmp" / profile, profile=profile, seed=seed,
                            point={"dopamine_scale": seed * 0.5})
    runs = load_runs(str(tmp_path / "cmp" / "*"))
    assert isinstance(runs, Runs) and len(runs) == 2
    assert list(runs.spikes.columns[:5]) == ["run", "profile", "seed", "backend",
                                             "dopamine_scale"]
    sizes = runs.spikes.groupby("profile").size()
    assert sizes["healthy"] == len(runs["healthy"].spikes)
    assert sizes["depressed"] == len(runs["depressed"].spikes)
    assert set(runs.rates["seed"]) == {1, 2}
    assert runs.meta.set_index("run").loc["depressed", "dopamine_scale"] == 1.0
    # a folder of runs and an explicit list give the same runs
    assert load_runs(tmp_path / "cmp").labels == runs.labels
    assert load_runs([tmp_path / "cmp" / "healthy"]).labels == ["healthy"]


def test_load_runs_makes_duplicate_names_unique(tmp_path):
    write_synthetic_run(tmp_path / "a" / "healthy")
    write_synthetic_run(tmp_path / "b" / "healthy", seed=1)
    runs = load_runs([tmp_path / "a" / "healthy", tmp_path / "b" / "healthy"])
    assert runs.labels == ["a/healthy", "b/healthy"]


def test_not_a_run(tmp_path):
    with pytest.raises(ResultsError, match="does not exist"):
        load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match="not a results folder.*no meta.json"):
        load_run(tmp_path / "empty")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ResultsError, match="is a file"):
        load_run(tmp_path / "file.txt")


def test_a_sweep_folder_loads_its_finished_points(tmp_path):
    sweep = tmp_path / "sweep_serotonin"
    (sweep / "points").mkdir(parents=True)
    (sweep / "manifest.json").write_text("{}")
    with pytest.raises(ResultsError, match="has no finished point yet.*--resume"):
        load_runs(sweep)
    for k, level in enumerate((0.2, 0.8)):
        write_synthetic_run(sweep / "points" / f"point-000{k}", seed=k,
                            point={"serotonin": level})
    runs = load_runs(sweep)
    assert runs.labels == ["point-0000", "point-0001"]
    assert list(runs.meta["serotonin"]) == [0.2, 0.8]
    assert load_runs(sweep / "points").labels == runs.labels
    with pytest.raises(ResultsError, match="is a sweep folder.*load_runs.*point-0000"):
        load_run(sweep)
    from analysis.report import default_report_dir

    assert default_report_dir(runs) == sweep.resolve() / "report"  # not inside points/


def test_folder_of_runs_given_to_load_run_says_so(tmp_path):
    write_synthetic_run(tmp_path / "cmp" / "healthy")
    with pytest.raises(ResultsError, match="contains runs \\(healthy\\).*load_runs"):
        load_run(tmp_path / "cmp")


def test_other_format_version(run_dir):
    meta = json.loads((run_dir / "meta.json").read_text())
    meta["format_version"] = 2
    (run_dir / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ResultsError, match="format_version 2.*reads format_version 1"):
        load_run(run_dir)


def test_corrupt_meta(run_dir):
    (run_dir / "meta.json").write_text("{not json")
    with pytest.raises(ResultsError, match="cannot be read as JSON"):
        load_run(run_dir)


def test_missing_parquet(run_dir):
    (run_dir / "rates.parquet").unlink()
    (run_dir / "readout.parquet").unlink()
    with pytest.raises(ResultsError, match="rates.parquet, readout.parquet are missing"):
        load_run(run_dir)


def test_missing_column_and_corrupt_parquet(run_dir):
    pd.DataFrame({"region": ["pfc"], "t_ms": [1.0]}).to_parquet(run_dir / "spikes.parquet")
    with pytest.raises(ResultsError, match="lacks the column\\(s\\) neuron, channel"):
        load_run(run_dir)
    (run_dir / "spikes.parquet").write_bytes(b"garbage")
    with pytest.raises(ResultsError, match="not a readable Parquet"):
        load_run(run_dir)


def test_glob_matching_nothing(tmp_path):
    with pytest.raises(ResultsError, match="matches no results folder"):
        load_runs(str(tmp_path / "nothing-*"))
    with pytest.raises(ResultsError, match="No results folders given"):
        load_runs([])


def test_empty_run_loads(tmp_path):
    empty = pd.DataFrame({"region": pd.Series([], dtype=str), "neuron": pd.Series([], dtype="int32"),
                          "t_ms": pd.Series([], dtype="float64")})
    run = load_run(write_synthetic_run(tmp_path / "silent", spikes=empty))
    assert run.spikes.empty and list(run.spikes.columns) == ["region", "neuron", "t_ms",
                                                             "channel"]


def test_one_million_spikes_load(tmp_path):
    """A large run loads whole and in order (its speed: benchmarks/analysis_bench.py)."""
    rng = np.random.default_rng(0)
    n = 1_000_000
    regions = np.array(["pfc", "amygdala", "hippocampus", "thalamus", "striatum"])
    spikes = pd.DataFrame({"region": regions[rng.integers(0, 5, n)],
                           "neuron": rng.integers(0, 100, n).astype(np.int32),
                           "t_ms": np.sort(rng.uniform(0, 5000, n))})
    path = write_synthetic_run(tmp_path / "big", spikes=spikes, duration_ms=5000.0,
                               sizes=dict.fromkeys(regions.tolist(), 100))
    run = load_run(path)
    assert len(run.spikes) == n
    assert run.spikes["t_ms"].is_monotonic_increasing
    np.testing.assert_array_equal(run.spikes["region"].value_counts().sort_index().to_numpy(),
                                  spikes["region"].value_counts().sort_index().to_numpy())


def test_analysis_never_imports_brian2_or_torch():
    import subprocess
    import sys

    code = ("import sys, analysis, analysis.io, analysis.statistics, analysis.figures, "
            "analysis.report, analysis.viewer, analysis.live, analysis.cli, analysis.testing, "
            "analysis.app.server, analysis.app.finish; "
            "bad = [m for m in ('brian2', 'torch') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_null_channels_read_as_empty_string(run_dir):
    spikes = pd.read_parquet(run_dir / "spikes.parquet")
    spikes["channel"] = spikes["channel"].where(spikes["channel"] != "", None)
    spikes.to_parquet(run_dir / "spikes.parquet")
    run = load_run(run_dir)
    assert run.spikes["channel"].notna().all()
    assert (run.spikes.loc[run.spikes["region"] == "pfc", "channel"] == "").all()


def test_sweep_without_finished_points(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text("{}")
    with pytest.raises(ResultsError, match="no finished point yet"):
        load_runs(sweep)
