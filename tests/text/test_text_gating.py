"""textbranch.gating.gating_arrays on the shipped checkpoint: shapes, values, timing, errors."""

import numpy as np
import pytest

from brainsim.channels import EMOTIONS
from brainsim.errors import ConfigError, NeuroEmoError
from textbranch.gating import gating_arrays
from textbranch.inference import predict
from textbranch.priors import load_priors

DEPRESSED = {"serotonin": 0.3, "dopamine": 0.4, "norepinephrine": 0.6}
ANXIOUS = {"serotonin": 0.6, "dopamine": 0.5, "norepinephrine": 0.8}


def test_shapes_values_and_timing():
    ga = gating_arrays([("i feel strong", 0.1, 0.2)], DEPRESSED, duration=0.5, dt=1e-3)
    assert ga.drive.shape == (500, 6) and ga.drive.dtype == np.float64
    assert ga.bias_weight.shape == (500,) and ga.bias_weight.dtype == np.float64
    (ev,) = ga.events
    g = ev["gate"]
    p = np.array([ev["probabilities"][e] for e in EMOTIONS])
    assert 0 <= g <= 1 and abs(p.sum() - 1) < 1e-9
    assert ev["winner"] == EMOTIONS[int(p.argmax())]
    assert ev["onset_s"] == 0.1 and ev["duration_s"] == 0.2 and ev["text"] == "i feel strong"
    on = np.zeros(500, dtype=bool)
    on[100:300] = True
    np.testing.assert_allclose(ga.drive[on], np.tile(g * p, (200, 1)))
    assert np.all(ga.drive[~on] == 0)
    np.testing.assert_allclose(ga.bias_weight[on], 1 - g)
    assert np.all(ga.bias_weight[~on] == 1)
    probs, gates = predict(["i feel strong"], DEPRESSED)
    np.testing.assert_allclose(p, probs[0])
    assert g == pytest.approx(gates[0])


def test_shapes_do_not_depend_on_sentences():
    shapes = set()
    for sentences in ([], [("i am scared", 0.0, 0.1)],
                      [("everything is fine", 0.05, 0.1), ("i feel awful", 0.3, 0.5)]):
        ga = gating_arrays(sentences, ANXIOUS, duration=0.4, dt=1e-3)
        shapes.add((ga.drive.shape, ga.bias_weight.shape))
        assert len(ga.events) == len(sentences)
    assert shapes == {((400, 6), (400,))}


def test_sentence_past_the_end_is_clipped_and_events_sorted():
    ga = gating_arrays([("i feel awful", 0.3, 0.5), ("i am happy", 0.0, 0.1)], DEPRESSED, 0.4, 1e-3)
    assert [e["text"] for e in ga.events] == ["i am happy", "i feel awful"]
    assert np.all(ga.bias_weight[300:] < 1) and np.all(ga.bias_weight[100:300] == 1)


def test_no_sentences_means_no_text_input():
    ga = gating_arrays([], DEPRESSED, duration=0.25, dt=1e-3)
    assert ga.drive.shape == (250, 6) and not ga.drive.any() and np.all(ga.bias_weight == 1)


@pytest.mark.parametrize(
    ("sentences", "fragment"),
    [
        ([("", 0.1, 0.1)], "empty"),
        ([("   ", 0.1, 0.1)], "empty"),
        ([("?!...", 0.1, 0.1)], "no words"),
        ([(None, 0.1, 0.1)], "string"),
        ([("i feel sad", 0.6, 0.1)], "outside the run"),
        ([("i feel sad", -0.1, 0.1)], "outside the run"),
        ([("i feel sad", 0.1, -0.2)], "duration"),
        ([("i feel sad", 0.1, 0.0)], "duration"),
        ([("i feel sad", float("nan"), 0.1)], "finite"),
        ([("i feel sad", 0.1)], "tuple"),
        ("i feel sad", "list"),
        ([("i feel sad", 0.1, 0.2), ("i feel happy", 0.2, 0.1)], "overlap"),
    ],
)
def test_bad_sentences(sentences, fragment):
    with pytest.raises(ConfigError, match=fragment):
        gating_arrays(sentences, DEPRESSED, duration=0.5, dt=1e-3)


@pytest.mark.parametrize(
    ("levels", "duration", "dt"),
    [
        ({"serotonin": 0.3, "dopamine": 0.4}, 0.5, 1e-3),
        ({**DEPRESSED, "norepinephrine": 1.5}, 0.5, 1e-3),
        (DEPRESSED, -1.0, 1e-3),
        (DEPRESSED, 0.5, 0.0),
    ],
)
def test_bad_run_parameters(levels, duration, dt):
    with pytest.raises(ConfigError):
        gating_arrays([("i feel sad", 0.1, 0.1)], levels, duration=duration, dt=dt)


def test_long_and_non_ascii_text_is_handled():
    long_text = " ".join(["i feel very happy today"] * 2000)  # 10,000 words, truncated
    ga = gating_arrays([(long_text, 0.0, 0.1), ("je suis très fatigué 😴", 0.2, 0.1)],
                       DEPRESSED, duration=0.4, dt=1e-3)
    assert len(ga.events) == 2 and np.isfinite(ga.drive).all()


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(NeuroEmoError, match="neuroemo train-text"):
        gating_arrays([("i feel sad", 0.1, 0.1)], DEPRESSED, 0.5, 1e-3, checkpoint=tmp_path / "x")


def test_gate_is_high_for_emotional_and_low_for_neutral_sentences():
    priors = load_priors()
    emotional = ["i feel so happy and full of energy today", "i am terrified of what will happen",
                 "i feel miserable and lonely", "i am furious with him"]
    neutral = ["i went to the shop", "the meeting is at noon", "i put the keys in the drawer"]
    for name in ("depressed", "anxious", "healthy"):
        levels = dict(zip(("serotonin", "dopamine", "norepinephrine"), priors[name].levels,
                          strict=True))
        _, g_emo = predict(emotional, levels)
        _, g_neu = predict(neutral, levels)
        assert g_emo.min() > g_neu.max(), (name, g_emo, g_neu)
        assert g_emo.min() > 0.5 and g_neu.max() < 0.5, (name, g_emo, g_neu)
        assert g_neu[0] < 0.2, (name, g_neu)  # "i went to the shop": protocols/text_override.py


def test_text_overrides_profile_in_the_expected_direction():
    probs, gates = predict(["i feel strong"], DEPRESSED)
    assert EMOTIONS[int(probs[0].argmax())] == "joy"
    assert gates[0] > 0.5
