"""measure_priors / write_priors: one run per profile and seed, the mean written and read back.
(The real measurement on the simulator is tests/model/test_network.py::test_text_priors_...)"""

from __future__ import annotations

import json

import numpy as np
import pytest

from brainsim.channels import EMOTIONS
from brainsim.errors import ConfigError
from brainsim.experiment.priors import measure_priors, write_priors
from brainsim.model.profiles import PROFILES
from textbranch.priors import load_priors


def test_measure_priors_runs_each_profile_and_seed_once_and_averages():
    calls = []

    def fake(protocol):
        calls.append((protocol.profile.name, protocol.seed))
        p = np.full(len(EMOTIONS), 0.1)
        p[protocol.seed % len(EMOTIONS)] += 0.4  # seeds 1 and 2: sadness/joy boosted in turn
        return {"readout": {"probabilities": dict(zip(EMOTIONS, p, strict=True))}}

    priors = measure_priors(seeds=(1, 2), summarize_run=fake)
    assert sorted(calls) == sorted((name, s) for name in PROFILES for s in (1, 2))
    expected = np.full(len(EMOTIONS), 0.1)
    expected[1] += 0.2
    expected[2] += 0.2
    for name in PROFILES:
        np.testing.assert_allclose(priors[name], expected)
    with pytest.raises(ConfigError, match="at least one seed"):
        measure_priors(seeds=(), summarize_run=fake)


def test_write_priors_round_trip(tmp_path):
    prior = np.array([0.1, 0.5, 0.1, 0.1, 0.1, 0.1])
    path = write_priors({name: prior for name in PROFILES}, "a test", tmp_path / "p.json")
    table = load_priors(path)
    assert set(table) == set(PROFILES)
    np.testing.assert_allclose(table["depressed"].prior, prior)
    np.testing.assert_allclose(table["depressed"].levels, [PROFILES["depressed"].serotonin,
                                                           PROFILES["depressed"].dopamine,
                                                           PROFILES["depressed"].norepinephrine])
    assert json.loads(path.read_text())["source"] == "a test"
