"""Scheduled Poisson stimuli (brainsim.model.stimuli): the targets fire more only while
their block is on, inhibitory blocks silence, and the circuit checks its event table."""

from __future__ import annotations

import dataclasses

import brian2 as b2
import numpy as np
import pytest

from brainsim import Protocol
from brainsim.errors import ConfigError
from brainsim.experiment.runner import structure_for, values_for
from brainsim.model.stimuli import StimulusBlock, StimulusCircuit, StimulusValues

DURATION_S = 0.6


def _run(monkeypatch, blocks, events, **values):
    from brainsim.devices import get_backend

    monkeypatch.setitem(b2.prefs, "codegen.target", "numpy")
    proto = Protocol(name="stim", profile="healthy", duration=DURATION_S * b2.second,
                     scale=0.1, seed=3)
    base = structure_for(proto)
    circuit = StimulusCircuit(tuple(blocks))
    structure = dataclasses.replace(base, extensions=(circuit,))
    v = values_for(proto, structure, None)
    v.extension_values[circuit.name] = StimulusValues(events=events, **values)
    raw = next(get_backend("runtime", target="numpy").simulate(structure, [v], report=None))
    return structure, raw


def _rate(raw, region, cells, a_s, b_s):
    i, t = raw.spikes[region]
    sel = np.isin(i, cells) & (t >= 1000 * a_s) & (t < 1000 * b_s)
    return sel.sum() / len(cells) / (b_s - a_s)


def test_targets_fire_only_while_their_block_is_on(monkeypatch):
    n = int(DURATION_S * 1000)
    events = np.zeros((n, 2))
    events[200:400, 0] = 1.0   # excitatory block on in 0.2-0.4 s
    events[200:400, 1] = 1.0   # inhibitory block on in 0.2-0.4 s
    cells = tuple(range(10))
    other = tuple(range(10, 20))
    blocks = [StimulusBlock("drive", "thalamus", cells),
              StimulusBlock("silence", "pfc", tuple(range(20)), inhibitory=True)]
    structure, raw = _run(monkeypatch, blocks, events, rate_hz={"drive": 60.0},
                          weight={"silence": 200 * b2.pA})
    on = _rate(raw, "thalamus", cells, 0.2, 0.4)
    off = _rate(raw, "thalamus", cells, 0.4, 0.6)
    assert on > off + 20  # Hz
    # the drive reaches its cells only
    assert _rate(raw, "thalamus", other, 0.2, 0.4) < on / 2
    # the inhibitory block silences its PFC cells
    pfc = tuple(range(20))
    before, during = _rate(raw, "pfc", pfc, 0.0, 0.2), _rate(raw, "pfc", pfc, 0.2, 0.4)
    print(f"thalamus {off:.1f} -> {on:.1f} Hz; pfc {before:.2f} -> {during:.2f} Hz")
    assert before > 0 and during < before / 2


def test_circuit_checks_its_table():
    with pytest.raises(ConfigError, match="distinct"):
        StimulusCircuit((StimulusBlock("a", "pfc", (0,)), StimulusBlock("a", "pfc", (1,))))
    circuit = StimulusCircuit((StimulusBlock("a", "pfc", (0,)),))
    assert circuit.column("a") == 0
    with pytest.raises(ConfigError, match="no block 'b'"):
        circuit.column("b")
    assert circuit.key() != StimulusCircuit((StimulusBlock("a", "pfc", (1,)),)).key()


def test_a_bad_event_table_is_named(monkeypatch):
    blocks = [StimulusBlock("drive", "thalamus", (0, 1))]
    with pytest.raises(ConfigError, match="one column per block"):
        _run(monkeypatch, blocks, np.zeros((600, 2)))
    with pytest.raises(ConfigError, match="unknown blocks"):
        _run(monkeypatch, blocks, np.zeros((600, 1)), rate_hz={"tone": 1.0})
