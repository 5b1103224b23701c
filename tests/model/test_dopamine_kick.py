"""The critic's dopamine kick: its effect, and that Brian2's order warning is silenced for
it alone (a task run used to print it for every build)."""

from __future__ import annotations

import logging

import brian2 as b2
import numpy as np
import pytest

from brainsim.model.tasks import DOPAMINE_KICK


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def codegen_messages(monkeypatch):
    monkeypatch.setitem(b2.prefs, "codegen.target", "numpy")
    logger = logging.getLogger("brian2.codegen.generators.base")
    handler = _Collect()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def _order_warnings(messages: list[str]) -> list[str]:
    return [m for m in messages if "may not be well-defined" in m]


def test_kick_adds_scaled_error_and_clips_without_order_warning(codegen_messages):
    source = b2.NeuronGroup(1, "delta : 1", threshold="True", reset="", name="kick_src")
    modulators = b2.NeuronGroup(
        3, "dopamine : 1\nreward_sensitivity : 1\ndopamine_projection : 1", name="kick_mod")
    modulators.dopamine = [0.5, 0.5, 9.9]
    modulators.reward_sensitivity = 1.0
    modulators.dopamine_projection = [1.0, 0.5, 1.0]
    source.delta = 0.4
    kick = b2.Synapses(source, modulators, on_pre=DOPAMINE_KICK, name="kick_syn")
    kick.connect(i=0, j=np.arange(3))
    b2.Network(source, modulators, kick).run(b2.defaultclock.dt, namespace={})
    np.testing.assert_allclose(modulators.dopamine[:], [0.9, 0.7, 10.0])
    assert _order_warnings(codegen_messages) == []


def test_other_order_dependent_statements_still_warn(codegen_messages):
    source = b2.NeuronGroup(2, "", threshold="True", reset="", name="order_src")
    target = b2.NeuronGroup(1, "x : 1", name="order_tgt")
    syn = b2.Synapses(source, target, "w : 1", on_pre="x_post = 2*x_post + w",
                      name="order_syn")
    syn.connect()
    syn.w = [1.0, 2.0]
    b2.Network(source, target, syn).run(b2.defaultclock.dt, namespace={})
    assert len(_order_warnings(codegen_messages)) == 1
