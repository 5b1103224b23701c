"""Bad input, one table (issue 23): each case runs the command line in this process and must
end with exit status 2, ONE line on stderr that names the problem and the fix, no traceback,
and nothing left behind (no results folder, earlier files untouched).

A case is (id, arguments, setup, problem, fix): ``OUT`` in the arguments is a results folder
inside the test's temporary folder, ``TMP`` the temporary folder; ``setup(tmp_path,
monkeypatch)`` prepares the situation; ``problem`` and ``fix`` are regular expressions the
message must match.
"""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import pytest

from brainsim.cli import main

ROOT = Path(__file__).resolve().parents[2]
# Brian2 prints Python warnings (pyparsing's deprecations) to stderr through its logger
# while pytest shows every warning; a user's command line does not see them.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
HEALTHY = str(ROOT / "protocols" / "emotional_response.py")
RUNTIME = ["--backend", "runtime", "--runtime-target", "numpy", "--scale", "0.25"]


def _earlier_run(tmp_path, monkeypatch):
    """A results folder from an earlier run, to which the user added notes and a report."""
    run = tmp_path / "out"
    (run / "figures").mkdir(parents=True)
    (run / "meta.json").write_text('{"format_version": 1}')
    (run / "spikes.parquet").write_bytes(b"PAR1 earlier")
    (run / "figures" / "raster.png").write_bytes(b"\x89PNG earlier")
    (run / "notes.txt").write_text("what I saw")
    (run / "report").mkdir()
    (run / "report" / "report.html").write_text("<html>")


def _full_disk(tmp_path, monkeypatch):
    import collections
    import shutil

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 5000, 5000))


def _read_only_file_system(tmp_path, monkeypatch):
    """Permission bits say yes (as for root, or on a read-only mount), writing says no."""
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)


def _protocol_file(modulation: str):
    def setup(tmp_path, monkeypatch):
        (tmp_path / "noisy.py").write_text(
            "from brainsim import Protocol, second, standard_phases\n"
            "protocol = Protocol(name='noisy', profile='healthy', duration=1 * second,\n"
            "                    phases=standard_phases(1 * second),\n"
            f"                    modulation={modulation})\n")
    return setup


def _a_file(tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text("not a folder")


CASES = [
    ("duration-beyond-memory", ["run", HEALTHY, *RUNTIME, "--duration", "1e6s", "--out", "OUT"],
     None, r"1e\+06 s run .* would need about [0-9.]+ TB of memory", r"--duration of at most"),
    ("duration-between-input-steps",
     ["run", HEALTHY, *RUNTIME, "--duration", "1.00025s", "--dt", "0.5ms", "--out", "OUT"],
     None, r"1000\.25 ms is not a whole number of the 1 ms steps", r"use 1000 ms or 1001 ms"),
    ("text-not-utf8", ["run", HEALTHY, *RUNTIME, "--text", "caf\udce9@0.1s", "--out", "OUT"],
     None, r"--text 'caf\\xe9@0\.1s' is not UTF-8 text \(byte 0xe9\)", r"iconv"),
    ("out-not-utf8", ["run", HEALTHY, *RUNTIME, "--out", "TMP/caf\udce9"],
     None, r"--out '.*caf\\xe9' is not UTF-8", r"name in UTF-8"),
    ("out-not-utf8-with-equals", ["run", HEALTHY, *RUNTIME, "--out=TMP/caf\udce9"],
     None, r"--out '.*caf\\xe9' is not UTF-8", r"name in UTF-8"),
    ("classify-not-utf8", ["classify", "caf\udce9"],
     None, r"argument 'caf\\xe9' is not UTF-8", r"UTF-8 terminal"),
    ("out-read-only-file-system", ["run", HEALTHY, *RUNTIME, "--out", "OUT"],
     _read_only_file_system, r"Cannot write in the folder .*Read-only file system",
     r"writable --out"),
    ("out-in-proc", ["run", HEALTHY, *RUNTIME, "--out", "/proc/self/neuroemo-out"],
     None, r"/proc/self is not writable|Cannot write in the folder /proc/self",
     r"writable --out"),
    ("out-under-a-file", ["run", HEALTHY, *RUNTIME, "--out", "TMP/file.txt/run"],
     _a_file, r"file\.txt is a file", r"another --out"),
    ("disk-full", ["run", HEALTHY, *RUNTIME, "--duration", "1s", "--out", "OUT"],
     _full_disk, r"need about .* on disk, but .* has only 5 kB free",
     r"Free some space, choose another --out"),
    ("force-over-the-users-files", ["run", HEALTHY, *RUNTIME, "--force", "--out", "OUT"],
     _earlier_run, r"holds files the run did not write \(notes\.txt, report/\)",
     r"Move them out of the folder"),
    ("negative-noise-scale", ["run", "TMP/noisy.py", *RUNTIME, "--out", "OUT"],
     _protocol_file('{"noise_scale": "-1"}'), r"'noise_scale' = '-1' is a negative constant",
     r"must be >= 0"),
    ("negative-noise-scale-with-units",
     ["run", "TMP/noisy.py", *RUNTIME, "--out", "OUT"],
     _protocol_file('{"noise_scale": "-2*mV/mV"}'), r"negative constant", r">= 0"),
]


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "dir" for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize(("args", "setup", "problem", "fix"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_and_leaves_nothing(args, setup, problem, fix, tmp_path,
                                                  monkeypatch, capsys):
    import re

    work = tmp_path / "work"
    work.mkdir()
    if setup is not None:
        setup(work, monkeypatch)
    before = _snapshot(work)
    argv = [a.replace("OUT", str(work / "out")).replace("TMP", str(work)) for a in args]
    code = main(argv)
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, (code, err)
    assert "Traceback" not in err and "Traceback" not in captured.out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuroemo: error: "), err
    assert re.search(problem, lines[0]), lines[0]
    assert re.search(fix, lines[0]), lines[0]
    assert _snapshot(work) == before  # no folder made, earlier files untouched
    assert not list(work.glob(".*"))  # no staging or probe file either


def test_load_run_of_something_that_is_not_a_path():
    from analysis import load_run, load_runs
    from brainsim.errors import ResultsError

    with pytest.raises(ResultsError, match=r"needs the path of a results folder .* got int 42"):
        load_run(42)
    with pytest.raises(ResultsError, match=r"load_runs needs the path .* got int 42"):
        load_runs(42)
    with pytest.raises(ResultsError, match=r"got NoneType None"):
        load_runs(["results/a", None])


@pytest.mark.parametrize("smooth_ms", [-5, float("nan"), "50", float("inf")])
def test_rate_smoothing_must_be_a_width(smooth_ms, tmp_path):
    from analysis import load_run
    from analysis.figures import plot_profile_comparison
    from analysis.testing import write_synthetic_run
    from brainsim.errors import ConfigError

    run = load_run(write_synthetic_run(tmp_path / "run", duration_ms=500.0))
    with pytest.raises(ConfigError, match="smooth_ms must be a width in ms >= 0"):
        run.plot.rates(smooth_ms=smooth_ms)
    with pytest.raises(ConfigError, match="smooth_ms"):
        plot_profile_comparison([run], smooth_ms=smooth_ms)
    run.plot.rates(smooth_ms=0)  # still fine
