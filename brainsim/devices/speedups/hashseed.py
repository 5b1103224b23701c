"""A fixed Python hash seed for command-line runs, so Brian2's generated code is the same in
every process.

Brian2 2.8.0 still emits some variable declarations in the iteration order of Python sets
of names, which depends on the per-process string-hash seed (``PYTHONHASHSEED``, random by
default). The generated code therefore differs from one process to the next (all 18 code
objects of a scale-0.25 network, numpy and Cython targets alike), and every cache keyed on
the code text misses: the runtime backend's Cython target recompiled the network (about
2.5 min on a 2-core machine) in every new process, not only the first time.

With a fixed seed the code text is identical across processes (checked by
``tests/devices/test_hashseed.py``), so Cython's extension cache is hit from the second run on.
When they are about to run the runtime backend with Cython, the ``neuroemo`` command and
``python protocols/<file>.py`` therefore re-execute themselves once, after parsing their
options, with ``PYTHONHASHSEED=0`` when the variable is not set (a few seconds of start-up
against minutes of compiling; other commands do not need it: standalone builds are cached
under a key of their own). A value the user sets is kept. Hash randomisation protects
servers against crafted inputs; a local simulation has no use for it. Dask workers get a
fixed seed from Dask itself (``distributed.nanny``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

#: The value used when the environment sets none (0 switches randomisation off).
FIXED_HASH_SEED = "0"


def reexec_command(
    environ: Mapping[str, str], orig_argv: Sequence[str], executable: str
) -> tuple[list[str], dict[str, str]] | None:
    """The command line and environment to re-execute with, or ``None`` if not needed.

    Parameters
    ----------
    environ : mapping
        The current environment.
    orig_argv : sequence of str
        ``sys.orig_argv``: the interpreter's own command line, options included.
    executable : str
        ``sys.executable``.

    Returns
    -------
    (argv, env) or None
        ``None`` when ``PYTHONHASHSEED`` is already set to a fixed value, or when there is
        no interpreter to re-execute.
    """
    if environ.get("PYTHONHASHSEED", "random") != "random" or not executable or not orig_argv:
        return None
    env = dict(environ)
    env["PYTHONHASHSEED"] = FIXED_HASH_SEED
    return [executable, *orig_argv[1:]], env


def ensure_fixed_hash_seed() -> None:
    """Re-execute the current command with ``PYTHONHASHSEED=0`` unless a seed is set.

    Call it in a command-line entry point as soon as it knows that it will compile Cython
    (the earlier, the less start-up is repeated). It returns only when no re-execution is
    needed or possible (not POSIX, or ``exec`` failed: the run then goes on with a random
    seed, which costs compile time, not correctness).
    """
    if os.name != "posix":
        return
    cmd = reexec_command(os.environ, getattr(sys, "orig_argv", []), sys.executable)
    if cmd is None:
        return
    argv, env = cmd
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execve(argv[0], argv, env)
    except OSError:
        return
