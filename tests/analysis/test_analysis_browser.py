"""The viewer HTML and the live page in headless Chromium.

The page comes from the ``browser`` fixture (``tests/conftest.py``), a
:class:`tests.browser.Browser` driven over the DevTools protocol; the tests are skipped, with
the reason, when no ``chromium`` executable is found (CI installs it, see ``.ci/run``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from analysis import load_run
from analysis.testing import write_synthetic_run
from analysis.viewer import write_viewer
from tests.browser import requires_chromium

pytestmark = requires_chromium


def _wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# ---------------------------------------------------------------------------------------
# viewer
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def viewer_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("viewer")
    sizes = {"pfc": 400, "amygdala": 200, "hippocampus": 300, "thalamus": 200, "striatum": 300}
    run = load_run(write_synthetic_run(root / "run", duration_ms=3000.0, sizes=sizes))
    return write_viewer(run, root / "viewer.html"), run


def test_viewer_in_headless_chromium(browser, viewer_file, tmp_path):
    path, run = viewer_file
    html = path.read_text()
    assert "http://" not in html and "https://" not in html, "viewer must not need a network"
    browser.goto(path.as_uri())
    browser.wait_for("document.body.dataset.ready === '1'", what="viewer initialised")
    # expected elements
    for selector in ("#network", "#play", "#time-slider", "#time-label", "#toggle-synapses",
                     "#readout-chart", "#modulator-chart", "#rate-chart", "#readout-bars .bar"):
        assert browser.eval(f"!!document.querySelector({json.dumps(selector)})"), selector
    assert browser.eval("document.querySelectorAll('#readout-bars .bar').length") == 6
    # at most 200 neurons per region, five regions
    state = browser.eval("""(() => { const d = JSON.parse(
        document.getElementById('run-data').textContent);
        return {regions: d.regions.map(r => [r.name, r.shown]), n: d.neurons.n}; })()""")
    assert len(state["regions"]) == 5
    assert all(shown <= 200 for _, shown in state["regions"])
    assert float(browser.eval("document.getElementById('time-slider').max")) == run.duration_ms

    assert float(browser.eval("document.body.dataset.time")) == 0.0
    browser.click("#play")
    assert browser.eval("document.getElementById('play').textContent") == "Pause"
    t1 = float(browser.wait_for(
        "parseFloat(document.body.dataset.time) > 20 && document.body.dataset.time",
        what="time cursor advancing after pressing play"))
    t2 = float(browser.wait_for(
        f"parseFloat(document.body.dataset.time) > {t1} && document.body.dataset.time",
        what="time cursor still advancing"))
    assert t2 > t1 > 0
    assert float(browser.eval("document.getElementById('time-slider').value")) > 0
    browser.click("#play")  # pause
    paused = float(browser.eval("document.body.dataset.time"))
    time.sleep(0.3)
    assert float(browser.eval("document.body.dataset.time")) == paused

    # the slider moves the cursor; spikes are drawn around t = 1.5 s
    browser.eval("""(() => { const s = document.getElementById('time-slider'); s.value = 1500;
        s.dispatchEvent(new Event('input')); })()""")
    assert float(browser.eval("document.body.dataset.time")) == pytest.approx(1500.0, abs=1)
    assert browser.eval("window.neuroemoViewer.state.visibleSpikes") > 0
    assert "1500.0" in browser.eval("document.getElementById('time-label').textContent")

    # the network canvas is not blank where a region is drawn
    lit = browser.eval("""(() => { const c = document.getElementById('network');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < px.length; i += 4) if (px[i] + px[i+1] + px[i+2] > 120) n++;
        return n; })()""")
    assert lit > 1000

    # setTime from a script redraws at each position (a frame's cost:
    # benchmarks/analysis_bench.py)
    browser.eval("(() => { for (let k = 0; k < 100; k++) window.neuroemoViewer.setTime(30 * k); })()")
    assert float(browser.eval("document.body.dataset.time")) == pytest.approx(2970.0, abs=1)
    assert browser.errors() == []

    # synapses toggle off and on
    browser.click("#toggle-synapses")
    assert browser.eval("window.neuroemoViewer.state.showSynapses") is False
    browser.click("#toggle-synapses")
    assert browser.eval("window.neuroemoViewer.state.showSynapses") is True

    shot = browser.screenshot(tmp_path / "viewer.png")
    assert shot.stat().st_size > 20_000
    assert browser.errors() == []
    keep = os.environ.get("NEUROEMO_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / "viewer.png")


# ---------------------------------------------------------------------------------------
# live page, fed with synthetic snapshots
# ---------------------------------------------------------------------------------------


def test_live_page_updates_then_finishes(browser, tmp_path):
    import numpy as np

    from analysis.live import LiveServer
    from analysis.testing import synthetic_snapshot

    server = LiveServer(port=0, quiet=True)
    server.start()
    stop = threading.Event()

    def simulate() -> None:  # 50 ms of biological time every 50 ms of wall time
        rng = np.random.default_rng(0)
        t = 0.0
        while not stop.is_set() and t < 2000.0:
            t += 50.0
            server.publish(synthetic_snapshot(t, rng))
            time.sleep(0.05)

    sim = threading.Thread(target=simulate, daemon=True)
    sim.start()
    try:
        browser.goto(server.url)
        browser.wait_for("document.body.dataset.status === 'running'", what="stream open")
        first = int(browser.wait_for(
            "parseInt(document.getElementById('raster').dataset.updates) >= 1 && "
            "document.getElementById('raster').dataset.updates", what="first raster update"))
        t_first = float(browser.eval("document.getElementById('raster').dataset.t"))
        later = int(browser.wait_for(
            f"parseInt(document.getElementById('raster').dataset.updates) >= {first + 2} && "
            "document.getElementById('raster').dataset.updates", what="two more raster updates"))
        assert later >= first + 2
        assert float(browser.eval("document.getElementById('raster').dataset.t")) > t_first
        assert browser.eval("window.neuroemoLive.spikes.length") > 0
        assert browser.eval("document.querySelectorAll('#readout .bar').length") == 6
        assert browser.eval("document.querySelectorAll('#rates .bar').length") == 5
        assert "ms" in browser.eval("document.getElementById('clock').textContent")
        lit = browser.eval("""(() => { const c = document.getElementById('raster');
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 0; i < px.length; i += 4) if (px[i] + px[i+1] + px[i+2] > 150) n++;
            return n; })()""")
        assert lit > 200, "raster shows no spikes"
        shot = browser.screenshot(tmp_path / "live.png")
        assert shot.stat().st_size > 20_000
        keep = os.environ.get("NEUROEMO_SCREENSHOT_DIR")
        if keep:
            shutil.copy(shot, Path(keep) / "live.png")
    finally:
        stop.set()
        sim.join(5)
        start = time.monotonic()
        server.close()
        closing = time.monotonic() - start
    assert closing < 10.0, f"closing took {closing:.1f} s"  # does not wait for the page
    browser.wait_for("document.body.dataset.status === 'finished'", what="end of run shown")
    assert browser.errors() == []


def test_browser_helper_reports_console_errors(browser, tmp_path):
    """The error check above is not vacuous: a page with an error is caught."""
    page = tmp_path / "bad.html"
    page.write_text("<script>console.error('boom'); undefinedFunction();</script>")
    browser.goto(page.as_uri())
    _wait_until(lambda: len(browser.errors()) >= 2, 10, "two errors reported")
    assert any("boom" in e for e in browser.errors())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
