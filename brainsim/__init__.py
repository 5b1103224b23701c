"""NeuroEmoDynamics simulator: Brian2 regions of an Extended LIF neuron with neuromodulators.

The names a protocol file needs are importable from here::

    from brainsim import Phase, Profile, Protocol, Sentence, run_cli, standard_phases
"""

from brainsim.cli import run_cli
from brainsim.profiles import PROFILES, Profile, get_profile
from brainsim.protocol import Phase, Protocol, Sentence, standard_phases

__version__ = "0.1.0"

__all__ = ["PROFILES", "Phase", "Profile", "Protocol", "Sentence", "get_profile", "run_cli",
           "standard_phases"]
