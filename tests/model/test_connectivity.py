"""Synapse sets: one homogeneous delay each, what the standalone backends need to be fast."""

from __future__ import annotations

import pytest

from brainsim.devices.standalone import make_jobs
from brainsim.errors import ConfigError
from brainsim.experiment.protocol import Protocol
from brainsim.experiment.runner import structure_for, values_for
from brainsim.model.anatomy import build_anatomy
from brainsim.model.connectivity import draw_synapses


def test_every_synapse_set_has_one_delay_and_every_projection_is_in_one_set():
    anatomy = build_anatomy(0.25)
    sets = draw_synapses(anatomy, seed=3)
    assert [s.name for s in sets] == ["excitatory_1p5ms", "excitatory_5p5ms", "inhibitory",
                                      "plastic"]
    for s in sets:
        assert isinstance(s.delay_ms, float)  # one delay for the whole set
        assert len(s.i) == len(s.j) == len(s.weight_pA) == len(s.projection) > 0
        pairs = s.i.astype("int64") * (1 << 32) + s.j
        assert len(set(pairs.tolist())) == len(pairs)  # no (pre, post) pair twice in a set
    delay_of = {name: s.delay_ms for s in sets for name in s.projection_names}
    assert sorted(delay_of) == sorted(p.name for p in anatomy.projections)
    for p in anatomy.projections:
        assert delay_of[p.name] == (1.5 if p.pre == p.post else 5.5)


def test_brian_synapses_get_a_scalar_delay(monkeypatch):
    import brian2 as b2

    from brainsim.model.network import BrianNetwork

    b2.set_device("runtime")
    # numpy: creating the synapses must not wait for a cold Cython compile (~1 min in CI)
    monkeypatch.setitem(b2.prefs, "codegen.target", "numpy")
    proto = Protocol(name="t", profile="healthy", duration=0.05 * b2.second, scale=0.1)
    structure = structure_for(proto)
    net = BrianNetwork(structure, values_for(proto, structure, None))
    for s in structure.synapses:
        pathway = net.synapses[s.name].pre
        assert pathway.variables["delay"].scalar  # Brian2's homogeneous-delay spike queue
        assert float(pathway.delay[:] / b2.ms) == pytest.approx(s.delay_ms)


def test_make_jobs(monkeypatch):
    monkeypatch.delenv("NEUROEMO_MAKE_JOBS", raising=False)
    assert make_jobs()[0].startswith("-j") and int(make_jobs()[0][2:]) >= 1
    monkeypatch.setenv("NEUROEMO_MAKE_JOBS", "3")
    assert make_jobs() == ["-j3"]
    monkeypatch.setenv("NEUROEMO_MAKE_JOBS", "zero")
    with pytest.raises(ConfigError, match="NEUROEMO_MAKE_JOBS"):
        make_jobs()


def test_synapse_table_names_every_synapse_by_projection_and_region(monkeypatch):
    import brian2 as b2
    import numpy as np

    from brainsim.experiment import results

    proto = Protocol(name="t", profile="healthy", duration=0.1 * b2.second, scale=0.25)
    structure = structure_for(proto)
    values = values_for(proto, structure, None)
    table, sampled = results.synapses_frame(structure, values.weights_pA)
    assert not sampled
    assert len(table) == sum(len(s.i) for s in structure.synapses)
    regions = {p.name: (p.pre, p.post) for p in structure.anatomy.projections}
    assert set(table.projection.cat.categories) == set(regions)
    for name, rows in table.groupby("projection", observed=True):
        assert set(rows.pre_region) == {regions[name][0]}
        assert set(rows.post_region) == {regions[name][1]}
        assert rows.pre.max() < structure.layouts[regions[name][0]].size
        assert rows.post.max() < structure.layouts[regions[name][1]].size
    for s in structure.synapses:  # row order: the sets in order, synapses in Brian2's order
        start = sum(len(x.i) for x in structure.synapses[:structure.synapses.index(s)])
        rows = table.iloc[start:start + len(s.i)]
        assert (rows.plastic == s.plastic).all()
        np.testing.assert_array_equal(rows.weight_pA, s.weight_pA)
        offsets = np.array([structure.offsets[r][0] for r in rows.pre_region])
        np.testing.assert_array_equal(rows.pre + offsets, s.i)

    monkeypatch.setattr(results, "MAX_SYNAPSES_WRITTEN", 10_000)
    small, sampled = results.synapses_frame(structure, values.weights_pA)
    assert sampled and 9_990 <= len(small) <= 10_000


def test_scale_that_would_push_a_probability_above_one_warns(caplog):
    """Scaling divides the connection probabilities; below scale 0.2 the inhibitory ones
    (0.2) would exceed 1, are capped, and neurons lose inputs: the user is told."""
    with caplog.at_level("WARNING", logger="brainsim.model.anatomy"):
        kept = build_anatomy(0.25)
    assert caplog.text == ""
    assert max(p.p for p in kept.projections) == pytest.approx(0.8)
    with caplog.at_level("WARNING", logger="brainsim.model.anatomy"):
        capped = build_anatomy(0.1)
    assert "pfc_I_to_pfc_E" in caplog.text and "scale >= 0.2" in caplog.text
    assert max(p.p for p in capped.projections) == 1.0
