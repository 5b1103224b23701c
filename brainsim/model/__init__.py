"""The model: Brian2 and numpy only.

equations (:mod:`brainsim.model.equations`)
    The Extended LIF neuron, the neuromodulators, plasticity: Brian2 strings in one place.
anatomy, connectivity (:mod:`brainsim.model.anatomy`, :mod:`brainsim.model.connectivity`)
    Regions, their populations and receptor sensitivities; the synapses drawn between them.
profiles (:mod:`brainsim.model.profiles`)
    Neuromodulatory signatures (levels and input statistics).
network (:mod:`brainsim.model.network`)
    The Brian2 objects of one network: structure (what a build depends on) and values.
readout (:mod:`brainsim.model.readout`)
    The striatal emotion readout.

Nothing here knows about devices, speed-ups, protocols or results folders.
"""
