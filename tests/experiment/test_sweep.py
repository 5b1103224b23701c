"""Sweep files: validation, point protocols, CLI errors (fast: nothing is simulated)."""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import pytest
from brian2 import ms, mV

from brainsim import Protocol, standard_phases
from brainsim.cli import main
from brainsim.errors import ConfigError, NeuroEmoError, ResultsError
from brainsim.sweep import Sweep, load_sweep_file, run_sweep

D = 300 * ms
BASE = Protocol(name="t", profile="healthy", duration=D, scale=0.25, phases=standard_phases(D))

SWEEP_FILE = """
from brian2 import ms
from brainsim import Protocol, standard_phases
from brainsim.sweep import Sweep
D = 300 * ms
base = Protocol(name="tiny", profile="healthy", duration=D, scale=0.25,
                phases=standard_phases(D))
sweep = Sweep(base, grid={GRID})
"""


def write_sweep(tmp_path: Path, grid: str = '{"serotonin": [0.2, 0.8], "seed": [1, 2]}',
                name: str = "sweep_tiny.py") -> Path:
    path = tmp_path / name
    path.write_text(SWEEP_FILE.replace("{GRID}", grid))
    return path


def test_grid_expands_in_order_and_makes_protocols():
    s = Sweep(BASE, grid={"serotonin": [0.2, 0.8], "seed": [1, 2, 3]})
    assert len(s) == 6
    assert s.point_list[1] == {"serotonin": 0.2, "seed": 2}
    p = s.protocol_for(4)
    assert p.profile.serotonin == 0.8 and p.seed == 2
    assert p.profile.dopamine == BASE.profile.dopamine  # a copy of the profile, one level changed
    assert s.folder_name(4) == "point-0004"
    assert s.point_meta(4) == {"serotonin": 0.8, "seed": 2}


def test_points_cover_every_kind_of_parameter():
    s = Sweep(BASE, points=[
        {"profile": "depressed", "norepinephrine": 0.9},
        {"amygdala.sigma_v": 4 * mV, "network.tau_e": 6 * ms},
        {"amygdala.serotonin": 0.1, "seed": 7},
        {"scale": 0.5, "noise": "xi"},
    ])
    p0, p1, p2, p3 = (s.protocol_for(k) for k in range(4))
    assert p0.profile.name == "depressed" and p0.profile.norepinephrine == 0.9
    assert p1.parameters["amygdala.sigma_v"] == 4 * mV
    assert p1.parameters["network.tau_e"] == 6 * ms
    assert s.point_meta(1) == {"amygdala.sigma_v": 4.0, "network.tau_e": 6.0}
    assert s.point_units() == {"amygdala.sigma_v": "mV", "network.tau_e": "ms"}
    assert p2.profile.level("amygdala", "serotonin") == 0.1 and p2.seed == 7
    assert p2.profile.level("pfc", "serotonin") == BASE.profile.serotonin
    assert p3.scale == 0.5 and p3.noise == "xi"


def test_sentence_points():
    s = Sweep(BASE, grid={"sentence": ["i feel strong", None]})
    assert s.protocol_for(0).sentences[0].text == "i feel strong"
    assert float(s.protocol_for(0).sentences[0].onset) == pytest.approx(0.15)
    assert s.protocol_for(1).sentences == []


@pytest.mark.parametrize("kwargs, message", [
    ({"grid": {}}, "grid is empty"),
    ({"grid": {"serotonin": []}}, "has no values"),
    ({"points": []}, "list of points is empty"),
    ({}, "either grid"),
    ({"grid": {"serotonin": [0.2]}, "points": [{"seed": 1}]}, "either grid"),
    ({"grid": {"serotonine": [0.2]}}, "unknown sweep parameter 'serotonine'.*'serotonin'"),
    ({"points": [{"amygdala.sigmav": 3 * mV}]}, "unknown sweep parameter"),
    ({"grid": {"serotonin": 0.5}}, "must be a list"),
    ({"grid": {"serotonin": [0.5 * mV]}}, "plain number.*drop the units"),
    ({"grid": {"amygdala.sigma_v": [3]}}, "wrong units"),
    ({"grid": {"amygdala.sigma_v": [3 * ms]}}, "wrong units.*mvolt"),
    ({"grid": {"network.tau_e": [3 * mV]}}, "wrong units"),
    ({"grid": {"seed": [1.5]}}, "seed must be a non-negative integer"),
    ({"grid": {"profile": ["cheerful"]}}, "Unknown profile"),
    ({"grid": {"serotonin": [0.2, 0.2]}}, "points 0 and 1 are identical"),
    ({"points": [{"seed": 3}, {"seed": 4}, {"seed": 3}]}, "points 0 and 2 are identical"),
    ({"points": [{"seed": 1}, {}]}, "points 0 and 1 are the same run"),
    ({"grid": {"serotonin": [-0.2]}}, "must be >= 0"),
])
def test_bad_sweeps_raise_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Sweep(BASE, **kwargs)


def test_point_index_out_of_range():
    s = Sweep(BASE, grid={"seed": [1, 2]})
    with pytest.raises(ConfigError, match="has 2 points"):
        s.protocol_for(2)


def test_load_sweep_file(tmp_path):
    s = load_sweep_file(write_sweep(tmp_path))
    assert len(s) == 4 and s.name == "tiny" and "Sweep(base" in s.source
    with pytest.raises(ConfigError, match="does not exist"):
        load_sweep_file(tmp_path / "missing.py")
    proto = tmp_path / "proto.py"
    proto.write_text("from brainsim import Protocol\nfrom brian2 import second\n"
                     "protocol = Protocol(name='x', profile='healthy', duration=1*second)\n")
    with pytest.raises(ConfigError, match="defines a protocol, not a sweep"):
        load_sweep_file(proto)
    bad = write_sweep(tmp_path, grid='{"serotonin": [0.1, 0.1]}', name="dup.py")
    with pytest.raises(ConfigError, match="identical"):
        load_sweep_file(bad)


def test_repository_sweep_file_loads():
    root = Path(__file__).resolve().parents[2]
    s = load_sweep_file(root / "protocols" / "sweep_serotonin.py")
    assert len(s) >= 6


def test_run_point_rejects_overrides(tmp_path, capsys):
    path = write_sweep(tmp_path)
    assert main(["run", str(path), "--point", "1", "--seed", "3"]) == 2
    assert "cannot be combined with --seed" in capsys.readouterr().err
    assert main(["run", str(path), "--point", "1", "--dt", "0.5ms"]) == 2
    assert "cannot be combined with --dt" in capsys.readouterr().err
    assert main(["run", str(path), "--point", "9"]) == 2
    assert "there is no point 9" in capsys.readouterr().err


def test_sweep_cli_bad_file(tmp_path, capsys):
    bad = write_sweep(tmp_path, grid="{}", name="empty.py")
    assert main(["sweep", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "grid is empty" in capsys.readouterr().err


def test_unreachable_scheduler_fails_fast(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = Sweep(BASE, grid={"seed": [1, 2]})
    t0 = time.perf_counter()
    with pytest.raises(NeuroEmoError, match="Cannot reach the Dask scheduler"):
        run_sweep(s, tmp_path / "out", scheduler=f"tcp://127.0.0.1:{port}", timeout_s=2,
                  progress=False)
    assert time.perf_counter() - t0 < 30
    # nothing ran, so nothing is marked done
    assert not (tmp_path / "out" / "points").exists()


def test_existing_sweep_folder_needs_resume_or_force(tmp_path):
    s = Sweep(BASE, grid={"seed": [1, 2]})
    out = tmp_path / "out"
    (out / "points" / s.folder_name(0)).mkdir(parents=True)
    (out / "points" / s.folder_name(1)).mkdir(parents=True)
    (out / "manifest.json").write_text('{"fingerprint": "x"}')
    with pytest.raises(ResultsError, match="--resume"):
        run_sweep(s, out, progress=False)
    with pytest.raises(ResultsError, match="different sweep file"):
        run_sweep(s, out, resume=True, progress=False)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="not a sweep folder"):
        run_sweep(s, other, progress=False)


def test_resume_with_every_point_done_runs_nothing(tmp_path):
    s = Sweep(BASE, grid={"seed": [1, 2]})
    out = tmp_path / "out"
    for k in range(2):  # finished points as far as --resume looks (no manifest)
        (out / "points" / s.folder_name(k)).mkdir(parents=True)
        (out / "points" / s.folder_name(k) / "meta.json").write_text(
            json.dumps({"protocol": s.protocol_for(k).to_dict()}))
    outcome = run_sweep(s, out, resume=True, progress=False)
    assert outcome.ran == [] and outcome.skipped == [0, 1]
    assert outcome.manifest["counts"]["done"] == 2


def _free_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_force_deletes_nothing_when_the_sweep_cannot_start(tmp_path):
    """--force clears the old points only once the scheduler is reached."""
    s = Sweep(BASE, grid={"seed": [1, 2]})
    out = tmp_path / "out"
    (out / "points" / s.folder_name(0)).mkdir(parents=True)
    (out / "points" / s.folder_name(0) / "meta.json").write_text("{}")
    (out / "manifest.json").write_text('{"old": true}')
    with pytest.raises(NeuroEmoError, match="Cannot reach the Dask scheduler"):
        run_sweep(s, out, scheduler=f"tcp://127.0.0.1:{_free_port()}", timeout_s=2,
                  force=True, progress=False)
    assert (out / "points" / s.folder_name(0) / "meta.json").read_text() == "{}"
    assert (out / "manifest.json").read_text() == '{"old": true}'


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"threads": -2}, "--threads must be an integer >= 0"),
    ({"timeout_s": -5}, "--timeout must be a number of seconds > 0"),
    ({"resume": True, "force": True}, "contradict"),
])
def test_bad_sweep_options_fail_before_anything_is_written(kwargs, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        run_sweep(Sweep(BASE, grid={"seed": [1, 2]}), tmp_path / "out", progress=False,
                  **kwargs)
    assert not (tmp_path / "out").exists()


def test_a_single_run_folder_is_not_a_sweep_folder(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "meta.json").write_text("{}")
    with pytest.raises(ResultsError, match="single run"):
        run_sweep(Sweep(BASE, grid={"seed": [1, 2]}), run, progress=False)
    assert sorted(p.name for p in run.iterdir()) == ["meta.json"]


@pytest.mark.parametrize("manifest", ["{not json", None])
def test_resume_without_manifest_refuses_a_point_it_cannot_check(tmp_path, manifest):
    s = Sweep(BASE, grid={"seed": [1, 2]})
    out = tmp_path / "out"
    point = out / "points" / s.folder_name(0)
    point.mkdir(parents=True)
    (point / "spikes.parquet").write_text("kept")
    if manifest is not None:
        (out / "manifest.json").write_text(manifest)
    with pytest.raises(ResultsError, match=f"{s.folder_name(0)} has no readable meta.json"):
        run_sweep(s, out, resume=True, progress=False)
    assert (point / "spikes.parquet").read_text() == "kept"
    assert sorted(p.name for p in point.iterdir()) == ["spikes.parquet"]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
