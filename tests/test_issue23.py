"""Issue 23, a new user's rough edges: one test per defect fixed (the bad inputs are in
tests/test_bad_inputs.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from brainsim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _help(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_dt_help_quotes_the_protocol_default(capsys):
    from brian2 import ms, second

    from brainsim.protocol import Protocol

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
    result = subprocess.run([sys.executable, "protocols/healthy.py", "--help"], cwd=ROOT,
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

    import analysis.figures

    titles = []
    real_save = analysis.figures.save_figure

    def save(fig, path, **kwargs):
        titles.append(fig._suptitle.get_text())
        return real_save(fig, path, **kwargs)

    out = tmp_path_factory.mktemp("quick") / "healthy-run"
    analysis.figures.save_figure = save
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            code = main(["run", "protocols/healthy.py", *QUICK, "--out", str(out)])
    finally:
        analysis.figures.save_figure = real_save
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
