"""The command line fixes Python's hash seed, so Brian2's generated code (and with it every
compiled-code cache) is the same in every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from brainsim.devices.speedups.hashseed import FIXED_HASH_SEED, reexec_command

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("value", [None, "random"])
def test_unset_or_random_seed_reexecutes_with_the_fixed_seed(value):
    env = {"HOME": "/x"} | ({"PYTHONHASHSEED": value} if value else {})
    cmdline = ["python3", "-W", "ignore", "protocols/x.py", "--seed", "3"]
    argv, new_env = reexec_command(env, cmdline, "/usr/bin/python3")
    assert argv == ["/usr/bin/python3", "-W", "ignore", "protocols/x.py", "--seed", "3"]
    assert new_env == {"HOME": "/x", "PYTHONHASHSEED": FIXED_HASH_SEED}


@pytest.mark.parametrize("value", ["0", "6640"])
def test_a_seed_already_set_is_kept(value):
    env = {"PYTHONHASHSEED": value}
    assert reexec_command(env, ["python3", "x.py"], "/usr/bin/python3") is None


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_entry_point_reexecutes_once_with_a_fixed_seed():
    """Two processes started without a seed both end up with seed 0 (same string hashes)."""
    code = ("import os; from brainsim.devices.speedups.hashseed import ensure_fixed_hash_seed; "
            "ensure_fixed_hash_seed(); print(os.environ['PYTHONHASHSEED'], hash('amygdala'))")
    outs = [subprocess.run([sys.executable, "-c", code], env=_child_env(), capture_output=True,
                           text=True, check=True, timeout=60).stdout for _ in range(2)]
    assert outs[0] == outs[1] and outs[0].split()[0] == FIXED_HASH_SEED


DUMP_CODE = """
import json, sys
import brian2 as b2
from brainsim.model.anatomy import build_anatomy
from brainsim.experiment.inputs import make_drives
from brainsim.model.network import BrianNetwork, NetworkOptions, make_structure, make_values
from brainsim.experiment.protocol import Protocol, standard_phases

b2.prefs.codegen.target = "numpy"
dur = 0.05 * b2.second
p = Protocol(name="h", profile="healthy", duration=dur, phases=standard_phases(dur))
st = make_structure(build_anatomy(0.25), NetworkOptions(noise="kick"), dur)
bn = BrianNetwork(st, make_values(st, p.profile, make_drives(p), 1))
bn.network.run(0 * b2.ms)
code = {}
for obj in bn.network.objects:
    for o in [obj, *getattr(obj, "contained_objects", [])]:
        for c in [getattr(o, "codeobj", None), *(getattr(o, "_code_objects", None) or [])]:
            if c is not None:
                code[c.name] = str(c.code)
print(json.dumps(code))
"""


@pytest.mark.slow
def test_generated_code_is_identical_across_processes_with_the_fixed_seed():
    """The premise of :mod:`brainsim.devices.speedups.hashseed`: with the seed fixed, Brian2 generates the
    same code text for the network in every process (so caches keyed on it are hit)."""
    env = _child_env() | {"PYTHONHASHSEED": FIXED_HASH_SEED}
    dumps = [json.loads(subprocess.run([sys.executable, "-c", DUMP_CODE], env=env,
                                       capture_output=True, text=True, check=True,
                                       timeout=300, cwd=ROOT).stdout) for _ in range(2)]
    assert len(dumps[0]) >= 15
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize(("argv", "expected"), [
    (["run", "protocols/emotional_response.py", "--backend", "runtime"], True),
    (["run", "protocols/emotional_response.py", "--backend", "runtime", "--runtime-target", "cython"], True),
    (["run", "protocols/emotional_response.py", "--backend", "runtime", "--runtime-target", "numpy"], False),
    (["run", "protocols/emotional_response.py"], False),  # cpp_standalone: builds cached by our own key
    (["profiles"], False),
])
def test_only_cython_runs_reexecute(argv, expected):
    from brainsim.cli import _uses_cython, build_parser

    assert _uses_cython(build_parser().parse_args(argv)) is expected
