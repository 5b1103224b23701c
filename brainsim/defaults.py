"""Defaults shared by the protocol model and the command line, without importing Brian2.

``neuroemo --help`` quotes them, and it must stay fast, so they live here as plain numbers;
:mod:`brainsim.model.parameters` builds its Brian2 quantities from the same values.
"""

#: Default integration time step of a :class:`~brainsim.experiment.protocol.Protocol`, in ms (see the
#: ``dt`` attribute there and docs/model.md, "Time step", for why 0.5 ms).
DEFAULT_DT_MS = 0.5

#: Step of the input arrays and the neuromodulation, in ms (``brainsim.model.parameters.INPUT_DT``):
#: a run's duration is a whole number of these steps.
INPUT_STEP_MS = 1.0
