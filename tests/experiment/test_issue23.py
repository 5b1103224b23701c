"""Issue 23, a new user's rough edges: one test per defect fixed (the bad inputs are in
tests/experiment/test_bad_inputs.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from brainsim.cli import main

ROOT = Path(__file__).resolve().parents[2]
# Brian2 prints Python warnings (pyparsing's deprecations) to stderr through its logger
# while pytest shows every warning; a user's command line does not see them.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _help(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_dt_help_quotes_the_protocol_default(capsys):
    from brian2 import ms, second

    from brainsim.experiment.protocol import Protocol

    default = float(Protocol(name="x", profile="healthy", duration=1 * second).dt / ms)
    text = _help(["run", "--help"], capsys)
    quoted = re.search(r"--dt DT .*?which is ([0-9.]+) ms", text)
    assert quoted and float(quoted.group(1)) == default, text


def test_version(capsys):
    from brainsim import __version__

    text = _help(["--version"], capsys)
    assert text.startswith(f"neuroemo {__version__} ") and "Brian2 2." in text


@pytest.mark.parametrize("command", ["profiles", "classify", "cache", "eval-text"])
def test_every_sub_command_explains_itself(command, capsys):
    """``neuroemo COMMAND --help`` has a description, not only the list of options."""
    text = _help([command, "--help"], capsys)
    usage, _, rest = text.partition(" options:")
    description = re.sub(r"^usage: .*\]\s*(sentence\s*)?", "", usage)
    assert len(description.split()) >= 15, text


def test_protocol_files_print_no_setuptools_warning():
    """``python protocols/x.py`` used to print setuptools' "_get_vc_env is private" warning:
    the file imported brian2 before brainsim, whose warning filter then came too late."""
    result = subprocess.run([sys.executable, "protocols/emotional_response.py", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "_get_vc_env" not in result.stderr and "Warning" not in result.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "protocols").glob("*.py")), ids=lambda p: p.name)
def test_protocol_file_examples_use_only_imported_names(path):
    """Every ``# e.g. ...`` example in a protocol file runs as written when uncommented (the
    template's ``4 * mV`` needed an import the file did not have)."""
    import runpy

    namespace = runpy.run_path(str(path), run_name="example_check")
    examples = re.findall(r"#\s*e\.g\.\s*(.+)$", path.read_text(), re.M)
    for example in examples:
        eval(compile(example.strip(), str(path), "eval"), namespace)  # noqa: S307


QUICK = ["--backend", "runtime", "--runtime-target", "numpy", "--duration", "0.2s",
         "--scale", "0.25"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One short runtime run in this process: its folder, console output and figure titles."""
    import contextlib
    import io

    import analysis.report

    titles = []
    real_save = analysis.report.save_figure  # what the figures hook (write_run_figures) calls

    def save(fig, path, **kwargs):
        titles.append(fig._suptitle.get_text())
        return real_save(fig, path, **kwargs)

    out = tmp_path_factory.mktemp("quick") / "healthy-run"
    analysis.report.save_figure = save
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            code = main(["run", "protocols/emotional_response.py", *QUICK, "--out", str(out)])
    finally:
        analysis.report.save_figure = real_save
    assert code == 0
    return out, stdout.getvalue(), titles


def test_figures_are_titled_with_the_final_folder_name(quick_run):
    out, _, titles = quick_run
    assert len(titles) == 2
    for title in titles:
        assert out.name in title and ".tmp-" not in title, title


def test_console_mean_rates_say_which_cells_and_match_the_tables(quick_run):
    """The console's rates match what the README's pandas lines compute from the folder."""
    from analysis import load_run
    from analysis import statistics as st

    out, console, _ = quick_run
    lines = {line.split(":")[0].strip(): line.split(":", 1)[1] for line in console.splitlines()
             if line.strip().startswith("mean rate")}

    def numbers(text):
        return {r: float(v) for r, v in re.findall(r"([a-z]+) ([0-9.]+)", text)}

    run = load_run(out)
    every = numbers(lines["mean rate, all neurons (Hz)"])
    principal = numbers(lines["mean rate, principal (E) cells (Hz)"])
    readme_e = run.rates[run.rates.channel == ""].groupby("region").rate_hz.mean()
    readme_all = st.mean_rates(run).query("channel == ''").set_index("region").rate_hz
    assert set(every) == set(principal) == set(readme_e.index) and len(every) == 5
    for region in every:
        assert principal[region] == pytest.approx(readme_e[region], abs=0.006)
        assert every[region] == pytest.approx(readme_all[region], abs=0.006)
    assert every != principal


@pytest.fixture
def fake_compiler(monkeypatch):
    """Standalone builds without the minute of make: Brian2's build writes a ``main``."""
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    calls = []

    def build(self, directory, **kwargs):
        calls.append(directory)
        (Path(directory) / "main").write_text("#!/bin/sh\n")

    monkeypatch.setattr(CPPStandaloneDevice, "build", build)
    return calls


def _small_structure():
    from brian2 import ms

    from brainsim.experiment.protocol import Protocol, standard_phases
    from brainsim.experiment.runner import structure_for, values_for

    p = Protocol(name="x", profile="healthy", duration=50 * ms, scale=0.25,
                 phases=standard_phases(50 * ms))
    structure = structure_for(p)
    return structure, values_for(p, structure, None)


def test_first_build_of_a_structure_says_it_compiles(fake_compiler, tmp_path, capsys):
    from brainsim.devices import get_backend

    structure, values = _small_structure()
    engine = get_backend("cpp_standalone", build_root=tmp_path)
    engine.prepare(structure, values, report="text").close()
    first = capsys.readouterr().out
    assert "Compiling the network for cpp_standalone (first build of this structure" in first
    engine.prepare(structure, values, report="text").close()  # cached: nothing to say
    assert "Compiling" not in capsys.readouterr().out
    other = get_backend("cpp_standalone", build_root=tmp_path / "quiet")
    other.prepare(structure, values, report=None).close()  # --quiet
    assert "Compiling" not in capsys.readouterr().out
    assert len(fake_compiler) == 3


def test_cache_lists_size_date_purpose_and_completeness(fake_compiler, tmp_path, monkeypatch,
                                                        capsys):
    from brainsim.devices import get_backend
    from brainsim.devices.cache import BUILD_DESCRIPTION

    monkeypatch.setenv("NEUROEMO_CACHE", str(tmp_path))
    structure, values = _small_structure()
    engine = get_backend("cpp_standalone")
    engine.prepare(structure, values, report=None).close()
    (built,) = [p for p in (tmp_path / "builds").glob("cpp_standalone-*") if p.is_dir()]
    assert (built / BUILD_DESCRIPTION).is_file()
    broken = tmp_path / "builds" / "sweep-slot0" / "cpp_standalone-0123456789abcdef-t0"
    broken.mkdir(parents=True)  # a compile that was interrupted: no binary
    (broken / "main.cpp").write_text("int main() {}\n")
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    good = lines[built.name]
    n = structure.n_neurons
    assert re.search(r" [0-9.]+ (B|kB|MB) ", good) and re.search(r"20\d\d-\d\d-\d\d", good)
    assert f"cpp_standalone, {n} neurons (scale 0.25), 0.05 s at dt 0.5 ms" in good
    assert good.rstrip().endswith("complete")
    assert "INCOMPLETE" in lines[f"sweep-slot0/{broken.name}"]
    assert "2 builds" in out.splitlines()[0]


@pytest.mark.parametrize("interrupt_at", [1, 2])
def test_interrupted_protocol_file_of_several_runs(interrupt_at, tmp_path, monkeypatch, capsys):
    """Ctrl-C during protocols/profile_comparison.py: before any run was written, no empty
    --out folder is left to block the rerun; after some, the message says which were kept."""
    from brainsim.experiment import runner

    real_write = runner._write
    calls = []

    def write(*args, **kwargs):
        calls.append(1)
        if len(calls) == interrupt_at:
            raise KeyboardInterrupt
        return real_write(*args, **kwargs)

    monkeypatch.setattr(runner, "_write", write)
    out = tmp_path / "deep" / "comparison"
    code = main(["run", "protocols/profile_comparison.py", *QUICK, "--duration", "0.05s",
                 "--no-figures", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 130 and len(err.splitlines()) == 1, err
    if interrupt_at == 1:
        assert "no results were written" in err
        assert list(tmp_path.iterdir()) == []  # neither comparison/ nor deep/
    else:
        assert "1 of 5 runs were written" in err and "(healthy)" in err and "--force" in err
        assert sorted(p.name for p in out.iterdir()) == ["healthy"]


def test_several_runs_report_progress_and_end_with_a_table(tmp_path, capsys):
    out = tmp_path / "comparison"
    code = main(["run", "protocols/profile_comparison.py", *QUICK, "--duration", "0.05s",
                 "--no-figures", "--out", str(out)])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    progress = [line for line in lines if line.startswith("run ")]
    assert progress == [f"run {k}/5: {name}" for k, name in
                        enumerate(["healthy", "depressed", "anxious", "impulsive",
                                   "resilient"], 1)]
    start = lines.index(next(line for line in lines if line.startswith("5 runs in ")))
    header, *rows = lines[start + 1:start + 7]
    assert header.split()[:4] == ["run", "profile", "winner", "p"] and "amygdala" in header
    for row, name in zip(rows, ["healthy", "depressed", "anxious", "impulsive", "resilient"],
                         strict=True):
        assert row.split()[:2] == [name, name] and len(row.split()) == 4 + 5


def _synthetic_sweep(root: Path) -> Path:
    from analysis.testing import write_synthetic_run

    for k, level in enumerate([0.2, 0.4, 0.6, 0.8]):
        for seed in (1, 2):
            write_synthetic_run(root / "points" / f"point-{2 * k + seed - 1:04d}", seed=seed,
                                duration_ms=300.0, point={"serotonin": level, "seed": seed},
                                winner="joy" if level > 0.5 else "sadness")
    return root / "points"


def _row_labels(fig) -> list[str]:
    return [ax.get_ylabel() for ax in fig.get_axes()[0::2]]


def test_comparison_of_a_sweep_keeps_its_points_apart(tmp_path):
    """A serotonin sweep is 4 rows (one per level, 2 seeds averaged), not one 'healthy' row."""
    from analysis import load_runs
    from analysis.figures import plot_profile_comparison

    runs = load_runs(_synthetic_sweep(tmp_path / "sweep"))
    fig = runs.plot.profile_comparison()
    labels = _row_labels(fig)
    assert len(labels) == 4, labels
    assert [label.split("\n")[1] for label in labels] == [f"serotonin={v}" for v in
                                                          (0.2, 0.4, 0.6, 0.8)]
    titles = [ax.get_title() for ax in fig.get_axes()[1::2]]
    assert all("mean of 2 seeds" in t for t in titles), titles
    assert titles[0].startswith("healthy, serotonin=0.2: sadness")
    assert len(_row_labels(plot_profile_comparison(runs.runs[:1]))) == 1


def test_report_keeps_text_and_durations_apart(tmp_path):
    """Runs with and without text, and of different durations, are rows of their own in the
    figure, and summary.csv says which is which."""
    import pandas as pd

    from analysis import load_runs
    from analysis.report import write_report
    from analysis.testing import write_synthetic_run

    write_synthetic_run(tmp_path / "runs" / "a", duration_ms=300.0, with_sentence=False)
    write_synthetic_run(tmp_path / "runs" / "b", duration_ms=300.0, with_sentence=True)
    write_synthetic_run(tmp_path / "runs" / "c", duration_ms=600.0, with_sentence=False)
    runs = load_runs(tmp_path / "runs")
    assert len(_row_labels(runs.plot.profile_comparison())) == 3
    report = write_report(runs, tmp_path / "report", run_figures=False)
    summary = pd.read_csv(report.with_name("summary.csv"), keep_default_na=False)
    assert list(summary["duration_ms"]) == [300.0, 300.0, 600.0]
    assert list(summary["sentences"]) == ["", '"I feel wonderful today"@0.1s', ""]


def test_sweep_against_its_parameter(tmp_path):
    import numpy as np
    import pandas as pd

    from analysis import load_runs
    from analysis.report import write_report
    from brainsim.errors import ConfigError

    runs = load_runs(_synthetic_sweep(tmp_path / "sweep"))
    fig = runs.plot.against("serotonin")
    rate_ax, prob_ax = fig.get_axes()[:2]
    lines = {line.get_label(): line for line in prob_ax.get_lines()}
    np.testing.assert_allclose(lines["joy"].get_xdata(), [0.2, 0.4, 0.6, 0.8])
    joy = lines["joy"].get_ydata()
    assert joy[-1] > joy[0]  # the synthetic readout follows the level
    assert len(rate_ax.get_lines()) == 5
    assert "2 runs per value, over seed" in fig._suptitle.get_text()
    with pytest.raises(ConfigError, match="plot against one of"):
        runs.plot.against("dopamine")
    report = write_report(runs, tmp_path / "report", run_figures=False)
    assert (report.parent / "against_serotonin.png").stat().st_size > 10_000
    assert "against serotonin" in report.read_text()
    summary = pd.read_csv(report.with_name("summary.csv"))
    assert list(summary.columns[:7]) == ["run", "profile", "seed", "backend", "serotonin",
                                         "sentences", "duration_ms"]


def _read_events_until_end(url: str) -> list[str]:
    import urllib.request

    kinds = []
    with urllib.request.urlopen(url + "events", timeout=10) as response:
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kinds.append(line[7:])
                if kinds[-1] == "end":
                    return kinds
    return kinds


def test_live_view_outlives_a_short_run_until_the_page_has_read_the_end():
    """``--live`` on a short run used to close the page ~1 s after the run: a browser opened
    a moment later found nothing. Now the server waits for a page to read the end."""
    import threading
    import time
    import urllib.request

    from analysis.live import LiveServer

    live = LiveServer(port=0, quiet=True)
    live.start()
    live.publish({"t_ms": 50.0, "spikes": {}, "rates_hz": {}})
    outcome = {}
    finisher = threading.Thread(target=lambda: outcome.update(
        reason=live.finish(linger_s=0.5), at=time.monotonic()))
    finisher.start()  # the run has ended; nobody has opened the page yet
    time.sleep(1.5)
    assert finisher.is_alive()
    with urllib.request.urlopen(live.url, timeout=5) as page:  # the page is still there
        assert b"EventSource" in page.read()
    assert _read_events_until_end(live.url) == ["snapshot", "end"]  # history, then the end
    read_at = time.monotonic()
    finisher.join(10)
    assert not finisher.is_alive() and outcome["reason"] == "read"
    assert 0.4 <= outcome["at"] - read_at < 3.0  # a few seconds after, not at once


def test_live_view_closes_when_the_page_is_closed():
    import threading
    import time
    import urllib.request

    from analysis.live import LiveServer

    live = LiveServer(port=0, quiet=True)
    live.start()
    stream = urllib.request.urlopen(live.url + "events", timeout=5)  # a page is open
    stream.readline()
    time.sleep(0.2)
    stream.close()  # the user closes the tab during the run
    time.sleep(0.3)
    outcome = {}
    finisher = threading.Thread(target=lambda: outcome.update(
        reason=live.finish(linger_s=30, idle_s=0.5)))
    finisher.start()
    finisher.join(10)
    assert not finisher.is_alive() and outcome["reason"] == "closed"


def _start(args: list[str], env: dict) -> subprocess.Popen:
    import signal

    return subprocess.Popen(
        [sys.executable, "-m", "brainsim", *args], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        # a background job (`make test &`) inherits SIGINT ignored: restore the default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(condition, timeout: float, what: str) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.slow
def test_ctrl_c_during_the_first_compile(tmp_path):
    """Ctrl-C in the terminal while make runs (SIGINT to the whole process group): one line,
    status 130, no Brian2 "please report" banner, no /tmp/brian_* files, no results folder;
    the cache lists the build as incomplete."""
    import os
    import signal

    cache, tmp, out = tmp_path / "cache", tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    env = {**os.environ, "NEUROEMO_CACHE": str(cache), "TMPDIR": str(tmp),
           "PYTHONPATH": str(ROOT)}
    proc = _start(["run", "protocols/emotional_response.py", "--duration", "0.1s", "--scale", "0.25",
                   "--out", str(out)], env)
    try:
        first = proc.stdout.readline()
        assert first.startswith("Compiling the network for cpp_standalone (first build"), first
        _wait_for(lambda: any(cache.rglob("*.o")), 600, "make to compile something")
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert err.strip() == "neuroemo: interrupted; no results were written", err
    assert not out.exists()
    assert [p.name for p in tmp.iterdir() if p.name.startswith("brian")] == []
    listing = subprocess.run([sys.executable, "-m", "brainsim", "cache"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60).stdout
    assert "INCOMPLETE" in listing and "1 build" in listing, listing


SWEEP_FILE = """
from brainsim import Protocol, ms, standard_phases
from brainsim.sweep import Sweep
D = 300 * ms
base = Protocol(name="tiny", profile="healthy", duration=D, scale=0.25,
                phases=standard_phases(D))
sweep = Sweep(base, grid={"serotonin": [0.2, 0.4, 0.6, 0.8], "seed": [1, 2, 3, 4, 5]})
"""


@pytest.mark.slow
def test_ctrl_c_during_a_sweep_says_what_was_kept(tmp_path):
    import json
    import os
    import signal

    sweep_file, out = tmp_path / "sweep_tiny.py", tmp_path / "sweep"
    sweep_file.write_text(SWEEP_FILE)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = _start(["sweep", str(sweep_file), "--backend", "runtime", "--workers", "2",
                   "--out", str(out)], env)
    try:
        _wait_for(lambda: len(list(out.glob("points/point-*"))) >= 1, 900, "a finished point")
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip() and "point/s" not in line
             and not line.startswith("sweep tiny:")]  # tqdm's bar
    assert len(lines) == 1 and "Traceback" not in err, err
    kept = len(list(out.glob("points/point-*")))
    assert re.fullmatch(rf"neuroemo: interrupted; {kept} of 20 points are finished and kept "
                        rf"in .*points\. `neuroemo sweep .*sweep_tiny\.py --out .* --resume` "
                        rf"runs the other {20 - kept}\.", lines[0]), lines[0]
    assert json.loads((out / "manifest.json").read_text())["counts"]["done"] == kept


def test_out_of_memory_is_one_line(monkeypatch, capsys, tmp_path):
    """A MemoryError the estimate did not foresee still ends in one line."""
    from brainsim.experiment import runner

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(runner, "values_for", exhausted)
    code = main(["run", "protocols/emotional_response.py", *QUICK, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("neuroemo: error: out of memory") and "\n" not in err
    assert list(tmp_path.iterdir()) == []
