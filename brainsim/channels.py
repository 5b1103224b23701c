"""Names shared by every package: brain regions and the striatal emotion channels."""

#: Emotion labels in the order of the dair-ai/emotion label ids 0–5.
EMOTIONS: tuple[str, ...] = ("sadness", "joy", "love", "anger", "fear", "surprise")

#: Brain regions, in the order used for the neuromodulator table and in figures.
REGIONS: tuple[str, ...] = ("pfc", "amygdala", "hippocampus", "thalamus", "striatum")

#: The three neuromodulators, in the order of a profile signature [5-HT, DA, NE].
MODULATORS: tuple[str, ...] = ("serotonin", "dopamine", "norepinephrine")

#: Sensory input channels entering thalamus (relay) and PFC.
SENSORY_CHANNELS: tuple[str, ...] = ("context", "threat", "appetitive")
