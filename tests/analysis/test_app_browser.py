"""``neuroemo app`` in headless Chromium: a user runs two 1 s simulations and compares them.

The app runs as the real command (``python -m brainsim app --port 0``) in a subprocess; the
page is driven through :class:`tests.browser.Browser`. The runs use the runtime backend
(numpy target): in a fresh test session (each has its own build cache, see conftest.py)
cpp_standalone would first compile the 1 s network, 20-60 s, while a numpy run of 1 s takes
about 5 s with nothing to compile (docs/app.md, "Tests").

Set ``NEUROEMO_SCREENSHOT_DIR`` to keep the screenshot of the app with a finished run
(``app.png``, the README's picture).
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import load_run
from tests.browser import requires_chromium

pytestmark = [*requires_chromium, pytest.mark.slow]

RUN_TIMEOUT_S = 240.0  # two cores shared with other jobs: generous


@pytest.fixture
def app_url(tmp_path):
    """Start ``neuroemo app`` on a free port; stop it with Ctrl+C (SIGINT) afterwards."""
    root = tmp_path / "results"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "brainsim", "app", "--port", "0", "--results", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    line = ""
    if selector.select(timeout=60):
        line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        process.kill()
        pytest.fail(f"neuroemo app did not start: {line!r} {process.stderr.read()[-2000:]}")
    yield match.group(0), root
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"neuroemo app did not stop on Ctrl+C: {err[-2000:]}")
    assert process.returncode == 0, err[-2000:]
    assert "Traceback" not in err, err[-3000:]
    assert "stopped" in out


def set_value(browser, selector: str, value: object) -> None:
    """Type ``value`` into a form field (input and change events, as a user would)."""
    browser.eval(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
        e.value = {json.dumps(str(value))};
        e.dispatchEvent(new Event('input', {{bubbles: true}}));
        e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()""")


def click(browser, selector: str) -> None:
    """Scroll the element into view, then click it with the mouse."""
    browser.eval(f"document.querySelector({json.dumps(selector)})"
                 ".scrollIntoView({block: 'center', behavior: 'instant'})")
    browser.click(selector)


def text(browser, selector: str) -> str:
    return browser.eval(f"document.querySelector({json.dumps(selector)}).textContent")


def wait_finished(browser, prefix: str) -> str:
    """Wait until the run panel shows a finished run whose name starts with ``prefix``."""
    browser.wait_for(
        f"document.querySelector('#current-name').textContent.startsWith({json.dumps(prefix)})",
        what=f"run {prefix} shown")
    browser.wait_for(
        "(() => { const s = document.querySelector('#run-status').dataset.status;"
        " if (s === 'failed' || s === 'cancelled') throw new Error("
        "document.querySelector('#log').textContent.slice(-1500)); return s === 'finished'"
        " && !document.querySelector('#result').hidden; })()",
        timeout=RUN_TIMEOUT_S, what=f"run {prefix} finished")
    browser.wait_for("(() => { const v = document.querySelector('#viewer').contentDocument;"
                     " return v && v.body && v.body.dataset.ready === '1'; })()",
                     what="viewer initialised in the page")
    for img in ("#fig-rates", "#fig-readout"):
        browser.wait_for(f"document.querySelector('{img}').complete && "
                         f"document.querySelector('{img}').naturalWidth > 0", what=f"{img} shown")
    return text(browser, "#current-name")


def test_run_two_profiles_and_compare_them(browser, app_url, tmp_path):
    url, root = app_url
    t_start = time.monotonic()
    browser.goto(url)
    browser.wait_for("document.body.dataset.ready === '1'", what="app page initialised")
    assert browser.eval("document.querySelectorAll('#profile option').length") == 5
    assert browser.eval("document.querySelectorAll('#levels input[type=number]').length") == 3

    # a bad value is refused by the server with one line on the page; nothing is started
    set_value(browser, "#duration", "0")
    click(browser, "#run-button")
    browser.wait_for("document.querySelector('#form-error').textContent.length > 0",
                     what="error line for duration 0")
    assert "Duration must be from 0.1 s to 10 s" in text(browser, "#form-error")
    assert browser.eval("document.querySelectorAll('#runs tbody tr').length") == 0

    # run 1: a built-in profile with a sentence
    set_value(browser, "#profile", "anxious")
    set_value(browser, "#duration", "1")
    set_value(browser, "#seed", "2")
    set_value(browser, "#backend", "runtime")
    click(browser, "#add-sentence")
    set_value(browser, "#sentences .sentence-text", "i feel strong")
    set_value(browser, "#sentences .sentence-onset", "0.5")
    assert browser.eval("document.querySelector('#edited-badge').hidden") is True
    click(browser, "#run-button")
    browser.wait_for("document.querySelector('#form-error').textContent === ''",
                     what="error line cleared")
    # progress is visible while it runs
    browser.wait_for("document.querySelector('#run-status').dataset.status === 'running' && "
                     "parseInt(document.querySelector('#log').dataset.lines || '0') >= 2",
                     timeout=60, what="progress lines while running")
    assert "simulating" in text(browser, "#stage")
    first = wait_finished(browser, "anxious-s2-")
    t_first = time.monotonic()
    assert "simulated in" in text(browser, "#log")
    assert text(browser, "#winner") in ("sadness", "joy", "love", "anger", "fear", "surprise")
    assert browser.eval("document.querySelectorAll('#summary .bar').length") == 6
    assert "i feel strong" in text(browser, "#summary")

    # run 2: the depressed profile with low serotonin, named automatically
    set_value(browser, "#profile", "depressed")
    set_value(browser, "#f-serotonin", "0.1")
    assert browser.eval("document.querySelector('#profile-name').value") == "depressed-edited"
    assert browser.eval("document.querySelector('#edited-badge').hidden") is False
    click(browser, "#run-button")
    second = wait_finished(browser, "depressed-edited-s2-")
    t_second = time.monotonic()
    browser.eval("window.scrollTo(0, 0)")
    shot = browser.screenshot(tmp_path / "app.png")
    assert shot.stat().st_size > 50_000

    # both are ordinary results folders; the edited one carries its protocol file
    assert load_run(root / first).profile == "anxious"
    edited = load_run(root / second)
    assert edited.profile == "depressed-edited"
    assert edited.meta["profile_signature"]["serotonin"] == 0.1
    assert 'Profile(\n        "depressed-edited"' in (root / second / "protocol.py").read_text()

    # the list has both; tick them and compare
    browser.wait_for("document.querySelectorAll('#runs tbody tr[data-status=finished]')"
                     ".length === 2", what="two finished runs listed")
    for name in (first, second):
        click(browser, f".compare-pick[value={json.dumps(name)}]")
    browser.wait_for("!document.querySelector('#compare-button').disabled",
                     what="compare button enabled")
    click(browser, "#compare-button")
    browser.wait_for("!document.querySelector('#compare').hidden", what="comparison shown")
    assert browser.eval("document.querySelector('#compare').dataset.runs") == f"{first},{second}"
    browser.wait_for("[...document.querySelectorAll('#compare img')].length === 4 && "
                     "[...document.querySelectorAll('#compare img')]"
                     ".every(i => i.complete && i.naturalWidth > 0)",
                     what="readout and rate figures of both runs")
    rows = browser.eval("[...document.querySelectorAll('#compare-table tr')]"
                        ".map(r => [r.cells[0].textContent, r.className])")
    labels = dict(rows)
    assert labels["profile"] == "differs" and labels["serotonin"] == "differs"
    assert labels["seed"] == "" and "winner" in labels
    assert any(k.startswith("p(") for k in labels) and any("rate (Hz)" in k for k in labels)

    # opening a run from the list shows it again, with its saved log
    click(browser, f"#runs tr[data-name={json.dumps(first)}] .open-run")
    wait_finished(browser, first)

    errors = [e for e in browser.errors() if "status of 400" not in e]
    assert errors == [], errors
    assert len(browser.errors()) - len(errors) <= 1  # the refused duration, nothing else
    keep = os.environ.get("NEUROEMO_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / "app.png")
    print(f"\nfirst run shown after {t_first - t_start:.1f} s, second after "
          f"{t_second - t_first:.1f} s more, whole test {time.monotonic() - t_start:.1f} s")
