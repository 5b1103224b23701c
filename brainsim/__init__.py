"""NeuroEmoDynamics simulator: Brian2 regions of an Extended LIF neuron with neuromodulators.

The names a protocol file needs are importable from here::

    from brainsim import Phase, Profile, Protocol, Sentence, run_cli, standard_phases
"""

import warnings

# Importing brian2 pulls in setuptools' MSVC helper, which warns on every import; it is noise
# on Linux and macOS.
warnings.filterwarnings("ignore", message="_get_vc_env is private")

from brainsim.profiles import PROFILES, Profile, get_profile  # noqa: E402
from brainsim.protocol import Phase, Protocol, Sentence, standard_phases  # noqa: E402

__version__ = "0.1.0"

__all__ = ["PROFILES", "Phase", "Profile", "Protocol", "Sentence", "get_profile", "run_cli",
           "standard_phases"]


def run_cli(protocol, argv=None) -> None:
    """Run a protocol file directly (``python protocols/x.py [options]``).

    Same options as ``neuroemo run``; see :func:`brainsim.cli.run_cli`.
    """
    from brainsim.cli import run_cli as _run_cli

    _run_cli(protocol, argv)
