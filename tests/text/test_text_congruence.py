"""The mood-congruence target of the gate's profile part (textbranch.congruence)."""

import numpy as np
import pytest
import torch

from brainsim.channels import EMOTIONS
from textbranch.congruence import congruence_target, mood
from textbranch.priors import load_priors

POS, NEG, FEAR, SURPRISE = (np.eye(6)[EMOTIONS.index(e)] for e in ("joy", "sadness", "fear", "surprise"))


@pytest.fixture(scope="module")
def levels():
    return {name: p.levels for name, p in load_priors().items()}


def test_direction_for_the_profiles(levels):
    """Joormann & Gotlib 2007: positive text moves the depressed profile less than the
    healthy one, negative text more; Bar-Haim et al. 2007: fear text moves the anxious
    profile more than the healthy one."""
    w = {n: {k: float(congruence_target(lv, oh)) for k, oh in
             (("pos", POS), ("neg", NEG), ("fear", FEAR), ("surprise", SURPRISE))}
         for n, lv in levels.items()}
    assert w["depressed"]["pos"] < w["healthy"]["pos"] - 0.1
    assert w["depressed"]["neg"] > w["healthy"]["neg"] + 0.1
    assert w["anxious"]["fear"] > w["healthy"]["fear"] + 0.1
    # every profile is still moved by emotional text; surprise (no valence) is mood-free
    assert min(v for d in w.values() for v in d.values()) > 0.6
    assert len({round(d["surprise"], 12) for d in w.values()}) == 1


def test_target_is_a_function_of_levels_only():
    """Lowering serotonin and dopamine lowers the weight of positive text and raises that
    of negative text, monotonically; two profiles with equal levels get equal targets."""
    grid = np.array([[s, s, 0.5] for s in np.linspace(0, 1, 11)])
    pos = congruence_target(grid, np.tile(POS, (11, 1)))
    neg = congruence_target(grid, np.tile(NEG, (11, 1)))
    assert np.all(np.diff(pos) > 0) and np.all(np.diff(neg) < 0)
    assert mood(grid[5]) == pytest.approx(0.0)


def test_numpy_and_torch_agree_and_soft_labels_interpolate(levels):
    lv = np.stack(list(levels.values()))
    dist = np.random.default_rng(0).dirichlet(np.ones(6), size=len(lv))
    a = congruence_target(lv, dist)
    b = congruence_target(torch.tensor(lv, dtype=torch.float64), torch.tensor(dist))
    np.testing.assert_allclose(a, b.numpy(), rtol=1e-12)
    half = 0.5 * POS + 0.5 * NEG  # as much positive as negative: no valence, like surprise
    assert congruence_target(lv[1], half) == pytest.approx(congruence_target(lv[0], SURPRISE))
