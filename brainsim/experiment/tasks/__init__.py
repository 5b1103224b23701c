"""Closed-loop task protocols (issue 22): reward learning with a learned critic and
probabilistic reversal learning.

A :class:`Task` is given to a :class:`~brainsim.experiment.protocol.Protocol` (``task=``).
The runner then adds the task's circuit (:mod:`brainsim.model.tasks`) to the network's
structure, the task's schedule to the run's values, and writes ``task.parquet`` (one row per
trial) and the task's summary metrics (``meta.json``'s ``task``) from the task's
:meth:`Task.analyse`.
"""

from brainsim.experiment.tasks.attention import AttentionTask
from brainsim.experiment.tasks.base import Task
from brainsim.experiment.tasks.fear import FearConditioning
from brainsim.experiment.tasks.reversal import ProbabilisticReversal
from brainsim.experiment.tasks.reward_learning import RewardLearning

__all__ = ["Task", "RewardLearning", "ProbabilisticReversal", "AttentionTask",
           "FearConditioning"]
