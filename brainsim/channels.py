"""Names shared by every package (no Brian2 import): brain regions, the striatal emotion
channels, neuromodulators, sensory channels, noise formulations and backends."""

#: Emotion labels in the order of the dair-ai/emotion label ids 0–5.
EMOTIONS: tuple[str, ...] = ("sadness", "joy", "love", "anger", "fear", "surprise")

#: The winner reported when the highest rate is shared by several channels (a window
#: without any striatal spike included): no emotion is read out, never a default one.
NO_WINNER: str = "none"

#: Brain regions, in the order used for the neuromodulator table and in figures.
REGIONS: tuple[str, ...] = ("pfc", "amygdala", "hippocampus", "thalamus", "striatum")

#: Regions whose principal ("E") cells are GABAergic: the striatum's medium spiny neurons.
#: Their synapses add to the target's inhibitory current, as interneurons' do.
GABAERGIC_PRINCIPAL_REGIONS: tuple[str, ...] = ("striatum",)

#: The three neuromodulators, in the order of a profile signature [5-HT, DA, NE].
MODULATORS: tuple[str, ...] = ("serotonin", "dopamine", "norepinephrine")

#: Sensory input channels entering thalamus (relay) and PFC.
SENSORY_CHANNELS: tuple[str, ...] = ("context", "threat", "appetitive")

#: Membrane noise formulations (brainsim.model.equations): a Gaussian kick every 1 ms,
#: Brian2's white noise ``xi``, or none.
NOISE_FORMULATIONS: tuple[str, ...] = ("kick", "xi", "none")

#: Simulator backends (brainsim.devices).
BACKENDS: tuple[str, ...] = ("runtime", "cpp_standalone", "cuda_standalone")
