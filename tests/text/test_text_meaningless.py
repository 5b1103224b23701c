"""Generators of meaningless input, the held-out sets, and their separation from training."""

import numpy as np
import pytest

from textbranch.heldout import all_held_out_texts, held_out_emotional, held_out_sets
from textbranch.meaningless import (
    FAMILIES,
    HELD_OUT_SEED,
    held_out_generated,
    insert_noise,
    meaningless_texts,
)
from textbranch.tokenizer import tokenize

KNOWN = {"i", "feel", "happy", "sad", "the", "a", "ba", "ka", "so"}


def test_generators_are_reproducible_and_cover_every_family():
    a = meaningless_texts(50, np.random.default_rng(3), KNOWN)
    b = meaningless_texts(50, np.random.default_rng(3), KNOWN)
    assert a == b and len(set(a)) == 50
    assert held_out_generated(20) == held_out_generated(20, HELD_OUT_SEED)
    assert held_out_generated(20) != held_out_generated(20, HELD_OUT_SEED + 1)
    kinds = {"digit": any(c.isdigit() for t in a for c in t), "emoji": any(ord(c) > 0x2500 for t in a for c in t)}
    assert all(kinds.values())
    # every made-up word and letter string is out of the vocabulary
    words = {w for t in a for w in tokenize(t) if w.isalpha() and w.isascii()}
    assert words and not words & KNOWN


def test_training_and_held_out_emoji_are_different_code_points():
    train = {c for t in meaningless_texts(500, np.random.default_rng(1)) for c in t if ord(c) > 0x2500}
    held = {c for c in "".join(held_out_generated(100)["emoji"]) if ord(c) > 0x2500}
    assert len(train) > 100 and len(held) > 100 and not train & held


def test_noise_is_inserted_and_the_text_kept():
    out = insert_noise(["i feel happy today"], np.random.default_rng(0), KNOWN, max_items=2)
    toks = out[0].split()
    assert 5 <= len(toks) <= 6 and [t for t in toks if t in {"i", "feel", "happy", "today"}] == ["i", "feel", "happy", "today"]


def test_held_out_sets_are_complete_and_distinct():
    sets = held_out_sets()
    assert len(sets["neutral"]) == 118 and len(sets["meaningless"]) == 42
    assert {k for k in sets if k.startswith("generated/")} == {f"generated/{f}" for f in (*FAMILIES, "scripts")}
    assert all(len(v) == 100 for k, v in sets.items() if k.startswith("generated/"))
    assert "there are three apples on the table" in sets["neutral"] and "xqzv blorf wug" in sets["meaningless"]
    emo = held_out_emotional()
    assert len(emo) == 31 and ("anger", "i am furious with him") in emo


@pytest.mark.slow
def test_training_material_never_contains_a_held_out_text():
    """The gate's whole training material for the default configuration (real data)."""
    from textbranch.data import default_data_source, load_emotion
    from textbranch.neutral import DEV_NEUTRAL
    from textbranch.tokenizer import Vocabulary
    from textbranch.training import TrainConfig, gate_material

    try:
        data = load_emotion(default_data_source(), splits=("train",))
    except Exception as err:  # no data on this machine
        pytest.skip(str(err))
    texts, labels = data.texts["train"], data.labels["train"]
    mat = gate_material(texts, labels, Vocabulary.build(texts), TrainConfig())
    material = set(mat["none"]) | set(mat["emotional"][len(texts):])
    assert len(mat["none"]) > 15_000
    assert not material & all_held_out_texts() and not material & set(DEV_NEUTRAL)
