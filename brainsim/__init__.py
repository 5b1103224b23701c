"""NeuroEmoDynamics simulator: Brian2 regions of an Extended LIF neuron with neuromodulators.

The names a protocol file needs are importable from here::

    from brainsim import Phase, Profile, Protocol, Sentence, run_cli, standard_phases

They are loaded on first use, so ``import brainsim.errors`` (as :mod:`analysis` does) does
not import Brian2. The Brian2 units a protocol needs come from here too
(``from brainsim import Hz, mV, ms, pA, second``): a protocol file that imports nothing but
``brainsim`` gets Brian2 through this package, after the warning filter below is in place
(``from brian2 import ...`` first would print setuptools' "_get_vc_env is private" warning).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded lazily at run time (see __getattr__)
    from brainsim.experiment.protocol import Protocol

# Importing brian2 pulls in setuptools' MSVC helper, which warns on every import; it is noise
# on Linux and macOS.
warnings.filterwarnings("ignore", message="_get_vc_env is private")

__version__ = "0.1.0"

_EXPORTS = {
    "PROFILES": "brainsim.model.profiles", "Profile": "brainsim.model.profiles",
    "get_profile": "brainsim.model.profiles", "Phase": "brainsim.experiment.protocol",
    "Protocol": "brainsim.experiment.protocol", "Sentence": "brainsim.experiment.protocol",
    "standard_phases": "brainsim.experiment.protocol",
}

#: Brian2 units re-exported for protocol files (see the module docstring).
_UNITS = ("second", "ms", "us", "Hz", "mV", "pA", "nA")

__all__ = [*_EXPORTS, "run_cli"]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        _import_brian2()
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    if name in _UNITS:
        return getattr(_import_brian2(), name)
    raise AttributeError(f"module 'brainsim' has no attribute {name!r}")


def _import_brian2():
    """Import Brian2 even when the command line holds bytes that are not UTF-8 (Brian2's
    logger writes ``sys.argv`` to its debug log at import and fails on them): it sees a
    readable copy, and ``run_cli`` then refuses the argument with a one-line error."""
    import sys

    if "brian2" in sys.modules:
        return sys.modules["brian2"]
    argv = sys.argv
    try:
        sys.argv = [a.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    for a in argv]
        import brian2
    finally:
        sys.argv = argv
    return brian2


def run_cli(protocol: Protocol | Sequence[Protocol],
            argv: Sequence[str] | None = None) -> None:
    """Run a protocol file directly (``python protocols/x.py [options]``).

    Same options as ``neuroemo run``; see :func:`brainsim.cli.run_cli`.

    Parameters
    ----------
    protocol : Protocol or sequence of Protocol
        What the file defines; several protocols share one compiled build where they can.
    argv : sequence of str, optional
        Command-line options (default: ``sys.argv[1:]``).
    """
    from brainsim.cli import run_cli as _run_cli

    _run_cli(protocol, argv)
