"""Regions by name: ``net.striatum.channels["fear"]``, ``.exc``, ``.inh``, populations."""

from __future__ import annotations

import numpy as np
from brian2 import second

from brainsim.channels import EMOTIONS, REGIONS
from brainsim.experiment.protocol import Protocol, standard_phases
from brainsim.experiment.runner import structure_for, values_for
from brainsim.model.network import BrianNetwork


def test_regions_have_named_views():
    d = 0.1 * second
    p = Protocol(name="views", profile="healthy", duration=d, phases=standard_phases(d),
                 scale=0.25)
    structure = structure_for(p)
    net = BrianNetwork(structure, values_for(p, structure, None))
    covered = np.concatenate([np.r_[net.views[r].exc, net.views[r].inh] for r in REGIONS])
    assert np.array_equal(np.sort(covered), np.arange(structure.n_neurons))
    striatum = net.striatum
    assert set(striatum.channels) == set(EMOTIONS)
    fear = striatum.channels["fear"]
    assert np.all(np.asarray(net.neurons.channel[:])[fear] == EMOTIONS.index("fear"))
    assert set(np.concatenate(list(striatum.channels.values()))) == set(striatum.exc)
    assert set(striatum.populations) == {"D1", "D2"}
    assert set(net.amygdala.populations) == {"positive", "negative"}
    assert net.pfc.channels == {} and net.hippocampus.populations == {}
    a, b = structure.offsets["amygdala"]
    assert net.amygdala.indices == slice(a, b) and net.amygdala.exc.min() == a
    assert structure.key("runtime") is structure.key("runtime")  # computed once
