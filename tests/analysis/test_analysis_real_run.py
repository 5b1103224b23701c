"""The analysis layer on real (short) simulations written by ``neuroemo run``.

Skipped, with the reason, until the simulator's runner and protocols exist in the checkout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import load_run, load_runs
from analysis import statistics as st
from analysis.figures import (
    plot_modulators,
    plot_profile_comparison,
    plot_raster,
    plot_rates,
    plot_readout,
    save_figure,
)
from analysis.io import TABLES

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "protocols" / "emotional_response.py"
pytestmark = pytest.mark.slow


def _neuroemo(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "brainsim.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    for profile in ("healthy", "depressed"):
        result = _neuroemo("run", str(PROTOCOL), "--profile", profile, "--backend", "runtime", "--runtime-target", "numpy",
                           "--duration", "0.5s", "--seed", "1", "--quiet",
                           "--out", str(root / profile))
        assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_real_run_matches_the_documented_format(real_runs):
    run = load_run(real_runs / "healthy")
    for name, columns in TABLES.items():
        frame = run.table(name)
        assert set(columns) <= set(frame.columns), name
    assert len(run.spikes) > 0
    assert run.meta["format_version"] == 1 and run.meta["duration_ms"] == pytest.approx(500.0)
    assert set(run.regions) == set(run.neurons["region"])
    assert (run.spikes["t_ms"] >= 0).all() and (run.spikes["t_ms"] <= 500.0).all()
    # neuron indices are within each region's size
    sizes = run.neurons.groupby("region")["neuron"].max()
    largest = run.spikes.groupby("region", observed=True)["neuron"].max()
    assert (largest <= sizes.reindex(largest.index)).all()
    # striatal channel neurons carry their emotion in spikes and neurons
    channels = set(run.spikes.loc[run.spikes["region"] == "striatum", "channel"]) - {""}
    assert channels <= set(run.meta["emotions"])
    for name in ("raster.png", "rates.png"):
        assert (run.path / "figures" / name).stat().st_size > 5_000


def test_statistics_on_a_real_run(real_runs):
    run = load_run(real_runs / "healthy")
    rates = st.mean_rates(run)
    whole = rates[rates["channel"] == ""].set_index("region")["rate_hz"]
    summary = run.meta["summary"]["mean_rate_hz"]
    exc = st.mean_rates(run, kind="E")
    exc_whole = exc[exc["channel"] == ""].set_index("region")["rate_hz"]
    assert set(summary) == set(whole.index)
    for region, value in summary.items():
        # the runner's summary (from the monitors) and ours (from spikes.parquet) agree
        assert whole[region] == pytest.approx(value, rel=1e-9), region
        assert exc_whole[region] == pytest.approx(run.meta["summary"]["mean_rate_exc_hz"][region],
                                                  rel=1e-9), region
    # every striatal channel neuron is excitatory: the channels' spikes add up to them
    channels = exc[(exc["region"] == "striatum") & (exc["channel"] != "")]
    assert len(channels) == len(run.meta["emotions"])
    assert channels["n_spikes"].sum() == exc.set_index(["region", "channel"]).loc[
        ("striatum", ""), "n_spikes"]
    # the 10 ms population rates of E neurons recomputed from the spikes match rates.parquet
    ours = st.rate_timecourse(run, bin_ms=10.0)
    merged = ours.merge(run.rates, on=["region", "channel", "t_ms"], suffixes=("", "_file"))
    assert len(merged) > 0
    np.testing.assert_allclose(merged["rate_hz"], merged["rate_hz_file"], rtol=1e-6, atol=1e-6)
    table = st.region_summary(run)
    assert np.isfinite(table["rate_hz"]).all()
    cv = st.isi_cv(run)
    assert ((cv["cv"] >= 0) & (cv["cv"] < 5)).all()
    readout = st.readout_timecourse(run)
    np.testing.assert_allclose(readout.groupby("t_ms")["probability"].sum(), 1.0, atol=1e-6)


@pytest.mark.parametrize("plot", [plot_raster, plot_rates, plot_modulators, plot_readout])
def test_every_figure_on_a_real_run(real_runs, plot, tmp_path):
    path = save_figure(plot(load_run(real_runs / "healthy")), tmp_path / "f.png")
    assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 10_000


def test_comparison_report_and_viewer_on_real_runs(real_runs, tmp_path):
    runs = load_runs(real_runs)
    assert set(runs.spikes["profile"]) == {"healthy", "depressed"}
    save_figure(plot_profile_comparison(runs), tmp_path / "cmp.png")
    result = _neuroemo("report", str(real_runs / "healthy"), str(real_runs / "depressed"),
                       "--out", str(tmp_path / "report"))
    assert result.returncode == 0, result.stderr
    summary = pd.read_csv(tmp_path / "report" / "summary.csv")
    assert set(summary["profile"]) == {"healthy", "depressed"}
    html = (tmp_path / "report" / "report.html").read_text()
    assert "healthy" in html and "depressed" in html
    result = _neuroemo("view", str(real_runs / "healthy"), "--out", str(tmp_path / "v.html"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "v.html").stat().st_size > 10_000


@pytest.mark.browser
def test_live_view_end_to_end(tmp_path):
    """``neuroemo run --live``: a browser sees the raster update twice; the process exits."""
    from tests.browser import CHROMIUM, Browser

    if CHROMIUM is None:
        pytest.skip("headless Chromium not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "brainsim.cli", "run", str(PROTOCOL), "--backend", "runtime", "--runtime-target", "numpy",
         "--duration", "3s", "--live", "--out", str(tmp_path / "live")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    browser = None
    output: list[str] = []
    try:
        url = None
        deadline = time.monotonic() + 300
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/?", line)
            url = found.group(0) if found else None
        assert url, "no live address printed:\n" + "".join(output)
        browser = Browser()
        browser.goto(url)
        browser.wait_for("parseInt(document.getElementById('raster').dataset.updates) >= 1",
                         timeout=120, what="first raster update")
        first = int(browser.eval("document.getElementById('raster').dataset.updates"))
        t_first = float(browser.eval("document.getElementById('raster').dataset.t"))
        browser.wait_for(
            f"parseInt(document.getElementById('raster').dataset.updates) >= {first + 2}",
            timeout=120, what="two more raster updates")
        assert float(browser.eval("document.getElementById('raster').dataset.t")) > t_first
        browser.screenshot(tmp_path / "live.png")
        rest, _ = proc.communicate(timeout=600)
        output.append(rest)
        assert proc.returncode == 0, "".join(output)
        browser.wait_for("document.body.dataset.status === 'finished'", timeout=10,
                         what="page shows the run finished")
        assert browser.errors() == []
        assert json.loads((tmp_path / "live" / "meta.json").read_text())["format_version"] == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if browser is not None:
            browser.close()
