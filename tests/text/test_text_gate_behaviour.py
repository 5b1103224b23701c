"""The shipped gate on held-out sets that were never used in training or in choosing its
settings (textbranch/heldout/ and the generated set of seed HELD_OUT_SEED), and the
classifier on the test split. Each check has a companion showing that it can fail."""

from pathlib import Path

import numpy as np
import pytest
import torch

from textbranch.checkpoint import get_checkpoint
from textbranch.data import default_data_source
from textbranch.heldout import held_out_emotional, held_out_sets
from textbranch.inference import encode_texts, gates_for_levels
from textbranch.priors import load_priors

LEVELS = {name: p.levels for name, p in load_priors().items()}
DATA = Path(default_data_source())
needs_data = pytest.mark.skipif(not (DATA / "test.jsonl").is_file(),
                                reason=f"emotion data not found at {DATA}")


@pytest.fixture(scope="module")
def ckpt():
    return get_checkpoint()


def _gates(ckpt, texts):
    """``{profile: float64[n]}`` gates of ``texts`` for every profile (encoded once)."""
    ids = encode_texts(ckpt.vocab, texts, ckpt.model.cfg.max_tokens, ckpt.model.cfg.subword_buckets)
    _, g = gates_for_levels(ckpt.model, ids, list(LEVELS.values()))
    return dict(zip(LEVELS, g, strict=True))


def closed_fractions(ckpt, only=None) -> dict[str, dict[str, float]]:
    """Fraction of texts with g < 0.2 per held-out group (neutral sentences, hand-written
    meaningless texts, generated meaningless texts) and profile."""
    sets = held_out_sets()
    groups = {"neutral": sets["neutral"], "meaningless": sets["meaningless"],
              "generated": [t for k, v in sets.items() if k.startswith("generated/") for t in v]}
    groups = {k: v for k, v in groups.items() if only is None or k in only}
    return {k: {p: float((g < 0.2).mean()) for p, g in _gates(ckpt, texts).items()}
            for k, texts in groups.items()}


def valence_means(ckpt) -> dict[str, dict[str, float]]:
    """Mean g of the held-out emotional sentences by valence (positive, negative, fear)."""
    pairs = held_out_emotional()
    gates = _gates(ckpt, [t for _, t in pairs])
    emo = np.array([e for e, _ in pairs])
    masks = {"positive": np.isin(emo, ["joy", "love"]), "negative": np.isin(emo, ["sadness", "anger", "fear"]),
             "fear": emo == "fear"}
    return {k: {p: float(g[m].mean()) for p, g in gates.items()} for k, m in masks.items()}


def test_gate_stays_closed_for_held_out_neutral_and_meaningless_text(ckpt):
    for group, by_profile in closed_fractions(ckpt).items():
        for profile, frac in by_profile.items():
            assert frac >= 0.9, (group, profile, frac)


def test_closed_fraction_check_can_fail(ckpt):
    biases = [h[-1].bias for h in ckpt.model.gate.content_heads]
    with torch.no_grad():
        for b in biases:
            b += 4.0
        try:
            fr = closed_fractions(ckpt, only=("neutral",))
        finally:
            for b in biases:
                b -= 4.0
    assert min(f for d in fr.values() for f in d.values()) < 0.9


def _assert_mood_congruent(means, margin=0.05):
    assert means["positive"]["depressed"] < means["positive"]["healthy"] - margin, means["positive"]
    assert means["negative"]["depressed"] > means["negative"]["healthy"] + margin, means["negative"]
    assert means["fear"]["anxious"] > means["fear"]["healthy"] + margin, means["fear"]


def test_gate_is_mood_congruent_on_held_out_sentences(ckpt):
    """Positive text moves the depressed profile less than the healthy one, negative text
    more, and fear text moves the anxious profile more (docs/textbranch.md, "Gate")."""
    _assert_mood_congruent(valence_means(ckpt))


def test_mood_congruence_check_can_fail(ckpt):
    """Without the levels' input weights the profiles get the same gate and the check fails."""
    w = ckpt.model.gate.congruence[0].weight
    saved = w.detach().clone()
    with torch.no_grad():
        w[:, :3] = 0.0
        try:
            means = valence_means(ckpt)
        finally:
            w.copy_(saved)
    with pytest.raises(AssertionError):
        _assert_mood_congruent(means)


def test_emotional_first_person_sentences_open_the_gate(ckpt):
    cases = {"i feel strong": ("healthy", "depressed", "resilient"),
             "everything is fine": ("healthy", "anxious"),
             "i am furious with him": ("depressed", "anxious", "impulsive")}
    gates = _gates(ckpt, list(cases))
    for k, (text, profiles) in enumerate(cases.items()):
        for p in profiles:
            assert gates[p][k] > 0.5, (text, p, gates[p][k])


def test_gate_follows_the_levels_not_the_profile_names(ckpt):
    """Levels between and beyond the profiles: lowering serotonin and dopamine together lowers
    the gate of positive sentences and raises that of negative ones."""
    pairs = held_out_emotional()
    pos = [t for e, t in pairs if e in ("joy", "love")]
    neg = [t for e, t in pairs if e in ("sadness", "anger")]
    ids = encode_texts(ckpt.vocab, pos + neg, ckpt.model.cfg.max_tokens, ckpt.model.cfg.subword_buckets)
    grid = [np.array([s, s, 0.5]) for s in (0.1, 0.5, 0.9)]
    _, g = gates_for_levels(ckpt.model, ids, grid)
    g_pos, g_neg = g[:, : len(pos)].mean(axis=1), g[:, len(pos):].mean(axis=1)
    assert np.all(np.diff(g_pos) > 0.02) and np.all(np.diff(g_neg) < -0.02), (g_pos, g_neg)


@pytest.mark.slow
@needs_data
def test_mood_congruence_on_the_test_split(ckpt):
    from textbranch.data import load_emotion

    data = load_emotion(str(DATA), splits=("test",))
    y = np.array(data.labels["test"])
    gates = _gates(ckpt, data.texts["test"])
    masks = {"positive": np.isin(y, [1, 2]), "negative": np.isin(y, [0, 3, 4]), "fear": y == 4}
    _assert_mood_congruent({k: {p: float(g[m].mean()) for p, g in gates.items()} for k, m in masks.items()})


@needs_data
def test_classifier_accuracy_on_the_test_split():
    from textbranch.evaluation import evaluate_checkpoint

    report = evaluate_checkpoint(None, str(DATA), "test")
    assert report["n"] == 2000 and report["accuracy"] > 0.9 and report["macro_f1"] > 0.85, report
