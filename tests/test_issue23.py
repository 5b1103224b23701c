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
