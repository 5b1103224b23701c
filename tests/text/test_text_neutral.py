"""The gate's training material: neutral texts, emotional windows and the profile priors."""

import json

import numpy as np
import pytest

from brainsim.errors import ConfigError
from textbranch.factual import factual_sentences
from textbranch.heldout import all_held_out_texts
from textbranch.neutral import (
    DEV_NEUTRAL,
    HELD_OUT_NEUTRAL,
    emotion_keywords,
    emotion_words,
    emotional_windows,
    stripped_windows,
    template_sentences,
)
from textbranch.priors import load_priors
from textbranch.tokenizer import tokenize

TEXTS = [
    "i feel miserable and lonely tonight at home", "i feel happy and cheerful about the trip",
    "i feel miserable about the rain again today", "i feel cheerful when we walk by the sea",
    "i feel furious at the driver on the road", "i feel scared of the dark corridor downstairs",
    "i feel tender towards my little daughter", "i feel amazed by the size of the station",
] * 5
LABELS = [0, 1, 0, 1, 3, 4, 2, 5] * 5


def test_windows_are_short_and_emotional_windows_keep_an_emotion_word():
    rng = np.random.default_rng(0)
    words = emotion_words(TEXTS, LABELS)
    assert {"miserable", "cheerful", "furious", "scared"} <= words and "feel" not in words
    win, y = emotional_windows(TEXTS, LABELS, words, 20, rng)
    assert len(win) == len(y) == 20
    for text, label in zip(win, y, strict=True):
        toks = tokenize(text)
        assert 2 <= len(toks) <= 6 and set(toks) & words
        assert any(" ".join(toks) in " ".join(tokenize(t)) for t, lab in zip(TEXTS, LABELS, strict=True)
                   if lab == label)
    short = stripped_windows(TEXTS, 10, rng)
    assert len(short) == 10 and all(3 <= len(s.split()) <= 8 for s in short)


def test_templates_are_varied_and_never_the_held_out_sentences():
    pool = template_sentences(10**6, np.random.default_rng(0))
    assert len(pool) > 10_000 and not set(pool) & set(HELD_OUT_NEUTRAL)
    assert any(" is wearing " in s for s in pool) and any(" for lunch" in s for s in pool)


def test_shipped_priors_are_normalised_and_carry_the_profiles_levels():
    """The priors are the simulator's measured readout (which profile wins is the model's
    outcome, not a design target since issue 21; that they equal the current readout:
    tests/model/test_network.py)."""
    from brainsim.model.profiles import PROFILES

    pri = load_priors()
    assert list(pri) == ["healthy", "depressed", "anxious", "impulsive", "resilient"]
    for name, p in pri.items():
        assert abs(p.prior.sum() - 1) < 1e-12 and (p.prior > 0).all()
        assert list(p.levels) == [PROFILES[name].serotonin, PROFILES[name].dopamine,
                                  PROFILES[name].norepinephrine]


def _table(tmp_path, prior):
    path = tmp_path / "p.json"
    levels = {"serotonin": 0.5, "dopamine": 0.5, "norepinephrine": 0.5}
    path.write_text(json.dumps({"source": "test", "profiles": {"x": {"levels": levels, "prior": prior}}}))
    return path


def test_rounded_priors_are_renormalised_and_bad_sums_rejected(tmp_path):
    emos = ["sadness", "joy", "love", "anger", "fear", "surprise"]
    rounded = dict(zip(emos, [0.344, 0.0949, 0.0885, 0.1432, 0.2083, 0.1212], strict=True))  # 1.0001
    p = load_priors(_table(tmp_path, rounded))["x"].prior
    assert abs(p.sum() - 1) < 1e-12
    with pytest.raises(ConfigError, match="summing to 1"):
        load_priors(_table(tmp_path, dict(zip(emos, [0.3, 0.1, 0.1, 0.1, 0.2, 0.1], strict=True))))


def test_emotion_keywords_are_the_words_that_fill_the_feel_slot():
    texts = ["i feel so very miserable today", "im feeling miserable again", "i felt a bit miserable",
             "i feel tender towards my car", "i feel tender", "i feel tender and calm",
             "my car is at the garage", "my car again", "the car park"] + ["i like my car"] * 5
    kw = emotion_keywords(texts)
    assert kw == {"miserable", "tender"}  # "car" fills the slot once, "so"/"very"/"a bit" are skipped


def test_factual_sentences_are_many_distinct_and_not_held_out():
    pool = factual_sentences(20_000, np.random.default_rng(0))
    assert len(pool) == len(set(pool)) > 15_000
    assert not set(pool) & (all_held_out_texts() | set(DEV_NEUTRAL))
    assert factual_sentences(50, np.random.default_rng(4)) == factual_sentences(50, np.random.default_rng(4))
