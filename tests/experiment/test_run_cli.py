"""`neuroemo run` end to end: the results folder, --force, interruption, script == CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import load_run
from analysis.io import TABLES

pytestmark = [pytest.mark.slow, pytest.mark.cpp_standalone]

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["--duration", "0.5s", "--scale", "0.25", "--quiet"]


def neuroemo(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brainsim", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=os.environ)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "healthy"
    result = neuroemo("run", "protocols/emotional_response.py", *QUICK, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_results_folder_has_every_file_and_column(first_run):
    for name, columns in TABLES.items():
        df = pd.read_parquet(first_run / f"{name}.parquet")
        assert set(columns) <= set(df.columns), name
    assert (first_run / "figures" / "raster.png").stat().st_size > 1000
    assert (first_run / "figures" / "rates.png").stat().st_size > 1000
    meta = json.loads((first_run / "meta.json").read_text())
    for key in ("protocol", "protocol_source", "seed", "backend", "versions", "timings_s",
                "equations", "parameters", "summary", "git_revision"):
        assert key in meta, key
    assert "Protocol(" in meta["protocol_source"]
    assert meta["backend"] == "cpp_standalone"
    readout = pd.read_parquet(first_run / "readout.parquet")
    assert {"sadness", "joy", "love", "anger", "fear", "surprise", "winner"} <= set(readout)
    assert readout[["sadness", "joy", "love", "anger", "fear", "surprise"]].sum(axis=1).round(
        6).eq(1).all()
    rates = pd.read_parquet(first_run / "rates.parquet")
    assert set(rates.query("region == 'striatum'").channel) == {"", "sadness", "joy", "love",
                                                                "anger", "fear", "surprise"}
    assert set(rates.query("region != 'striatum'").channel) == {""}
    run = load_run(first_run)
    assert run.spikes.groupby("region", observed=True).size().min() > 0


def test_second_run_without_force_keeps_the_first(first_run):
    before = (first_run / "meta.json").read_text()
    result = neuroemo("run", "protocols/emotional_response.py", *QUICK, "--seed", "2",
                      "--out", str(first_run))
    assert result.returncode == 2
    assert "already exists" in result.stderr
    assert (first_run / "meta.json").read_text() == before


def test_force_replaces_and_script_equals_cli(first_run, tmp_path):
    copy = tmp_path / "via-script"
    script = subprocess.run([sys.executable, "protocols/emotional_response.py", *QUICK, "--out",
                             str(copy)], cwd=ROOT, capture_output=True, text=True,
                            timeout=900)
    assert script.returncode == 0, script.stderr
    a = pd.read_parquet(first_run / "spikes.parquet")
    b = pd.read_parquet(copy / "spikes.parquet")
    pd.testing.assert_frame_equal(a, b)
    result = neuroemo("run", "protocols/emotional_response.py", *QUICK, "--seed", "3", "--force",
                      "--out", str(copy))
    assert result.returncode == 0, result.stderr
    assert json.loads((copy / "meta.json").read_text())["seed"] == 3
    assert not list(tmp_path.glob("*.tmp-*")) and not list(tmp_path.glob("*.old-*"))


def test_text_option_adds_a_sentence(tmp_path):
    out = tmp_path / "with-text"
    result = neuroemo("run", "protocols/emotional_response.py", *QUICK, "--text", "i feel strong@0.2s",
                      "--out", str(out))
    assert result.returncode == 0, result.stderr
    (event,) = json.loads((out / "meta.json").read_text())["sentences"]
    assert event["text"] == "i feel strong" and event["onset_ms"] == pytest.approx(200)
    assert set(event["probabilities"]) == {"sadness", "joy", "love", "anger", "fear",
                                           "surprise"}


def test_dt_option_sets_the_time_step(tmp_path):
    out = tmp_path / "coarse"
    result = neuroemo("run", "protocols/emotional_response.py", *QUICK, "--dt", "0.5ms", "--backend",
                      "runtime", "--runtime-target", "numpy", "--no-figures", "--out", str(out))
    assert result.returncode == 0, result.stderr
    meta = json.loads((out / "meta.json").read_text())
    assert meta["dt_ms"] == 0.5 and meta["protocol"]["dt_ms"] == 0.5
    spikes = load_run(out).spikes
    assert len(spikes) > 0
    steps = spikes["t_ms"].to_numpy() / 0.5  # every spike on the 0.5 ms grid
    assert abs(steps - steps.round()).max() < 1e-6


def test_interrupted_run_leaves_nothing(tmp_path):
    out = tmp_path / "interrupted"
    proc = subprocess.Popen([sys.executable, "-m", "brainsim", "run", "protocols/emotional_response.py",
                             "--backend", "runtime", "--runtime-target", "numpy",
                             "--duration", "20s", "--scale", "0.25", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True,
                            # a background job (`make test &`) inherits SIGINT ignored, and
                            # Python then never raises KeyboardInterrupt: restore the default
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    for line in proc.stdout:  # wait until the simulation runs
        if "Starting simulation" in line or time.time() > deadline:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert list(tmp_path.iterdir()) == []


def test_default_results_folder_names(monkeypatch, tmp_path):
    """One protocol: ``results/<protocol>-<profile>-<time>``; a file of several protocols:
    ``results/<file name>-<time>/<run>`` (not named after its first profile)."""
    from brainsim.experiment import runner
    from brainsim.experiment.protocol_files import load_protocol_file

    one = runner.default_out(load_protocol_file(ROOT / "protocols" / "emotional_response.py")[0][0])
    assert one.parent == Path("results") and one.name.startswith("emotional_response-depressed-")
    seen = {}

    def stop_after_naming(path, force, **_):
        seen.setdefault("root", path)
        raise runner.ConfigError("stop here")

    monkeypatch.setattr(runner, "check_output_folder", stop_after_naming)
    monkeypatch.chdir(tmp_path)
    from brainsim.cli import main

    code = main(["run", str(ROOT / "protocols" / "profile_comparison.py")])
    assert code == 2
    assert seen["root"].parent == Path("results")
    assert seen["root"].name.startswith("profile_comparison-2")


def test_silent_or_saturated_regions_are_flagged():
    from brainsim.experiment.runner import rate_warnings

    assert rate_warnings({"pfc": 14.8, "amygdala": 3.5, "striatum": 0.4}) == []
    lines = rate_warnings({"pfc": 480.0, "amygdala": 0.0, "striatum": 2.0})
    assert len(lines) == 2
    assert "pfc fires at 480 Hz" in lines[0] and "amygdala is silent" in lines[1]
