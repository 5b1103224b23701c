"""NeuroEmoDynamics simulator: Brian2 regions of an Extended LIF neuron with neuromodulators."""

__version__ = "0.1.0"
