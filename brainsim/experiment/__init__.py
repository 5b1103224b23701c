"""The experiment: protocols, their synthetic inputs, running them, results folders.

protocol, protocol_files (:mod:`brainsim.experiment.protocol`, ...)
    :class:`Protocol` (profile, schedule, sentences, overrides) and protocol files.
inputs (:mod:`brainsim.experiment.inputs`)
    Synthetic sensory input and reward events of a protocol, reproducible from its seed.
runner (:mod:`brainsim.experiment.runner`)
    Run protocols on a backend and write their results folders.
results (:mod:`brainsim.experiment.results`)
    The results folder: Parquet tables and meta.json.
"""
