"""A task may add several network extensions (e.g. stimuli and a plastic projection): the
runner builds each with its own values and names a task that forgets some."""

from __future__ import annotations

from dataclasses import dataclass

import brian2 as b2
import numpy as np
import pytest

from brainsim import Protocol
from brainsim.errors import ConfigError
from brainsim.experiment.runner import structure_for, values_for
from brainsim.experiment.tasks import Task
from brainsim.model.stimuli import StimulusBlock, StimulusCircuit, StimulusValues


@dataclass(frozen=True)
class TwoTones(Task):
    n_trials: int = 1
    trial_s: float = 0.3
    forget: bool = False
    name = "tones"

    def circuit(self, structure):
        return (StimulusCircuit((StimulusBlock("a", "thalamus", (0, 1, 2)),), name="tone_a"),
                StimulusCircuit((StimulusBlock("b", "thalamus", (3, 4, 5)),), name="tone_b"))

    def values(self, protocol, structure):
        on = np.zeros((self.n_steps(), 1))
        on[100:200] = 1
        out = {"tone_a": StimulusValues(on, rate_hz={"a": 80.0})}
        if not self.forget:
            out["tone_b"] = StimulusValues(np.zeros_like(on))
        return out


def test_a_task_with_two_circuits_runs_both(monkeypatch):
    from brainsim.devices import get_backend

    monkeypatch.setitem(b2.prefs, "codegen.target", "numpy")
    task = TwoTones()
    proto = Protocol(name="tones", profile="healthy", duration=task.duration, scale=0.1,
                     task=task)
    structure = structure_for(proto)
    assert [e.name for e in structure.extensions] == ["tone_a", "tone_b"]
    values = values_for(proto, structure, None)
    raw = next(get_backend("runtime", target="numpy").simulate(structure, [values],
                                                              report=None))
    i, t = raw.spikes["thalamus"]
    on = (t >= 100) & (t < 200)
    assert np.isin(i[on], [0, 1, 2]).sum() > 3 * np.isin(i[on], [3, 4, 5]).sum()
    assert set(raw.extensions) == {"tone_a", "tone_b"}


def test_a_task_without_values_for_a_circuit_is_named():
    task = TwoTones(forget=True)
    proto = Protocol(name="tones", profile="healthy", duration=task.duration, scale=0.1,
                     task=task)
    structure = structure_for(proto)
    with pytest.raises(ConfigError, match=r"TwoTones.*\['tone_b'\]"):
        values_for(proto, structure, None)
