"""Text branch of NeuroEmoDynamics: a BiLSTM emotion classifier with a learned gate (PyTorch).

Public API (torch is imported lazily, only when a model is built or run):

- :func:`textbranch.gating.gating_arrays` - sentences -> ``GatingArrays`` (drive, bias_weight,
  events) for the simulator (contract in ``docs/architecture.md``);
- :func:`textbranch.inference.predict` - texts + profile levels -> probabilities and gates;
- :func:`textbranch.checkpoint.get_checkpoint` - the shipped model, loaded once per process;
- :func:`textbranch.training.train` / :func:`textbranch.evaluation.evaluate_checkpoint`;
- :func:`textbranch.data.load_emotion` - the dair-ai/emotion dataset from a folder or the Hub;
- :func:`textbranch.tokenizer.tokenize` and :class:`textbranch.tokenizer.Vocabulary`;
- :func:`textbranch.priors.load_priors` - the profile prior table ``profile_priors.json``;
- :mod:`textbranch.congruence` - the mood-congruence target of the gate's profile part;
- :func:`textbranch.heldout.held_out_sets` - the gate's held-out neutral/meaningless sets;
- :func:`textbranch.cli.add_subcommands` - ``neuroemo train-text | eval-text | classify | measure-priors``.

See ``docs/textbranch.md``.
"""
