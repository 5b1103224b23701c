"""Tokenizer and vocabulary of the text branch."""

import pytest

from textbranch.tokenizer import PAD_ID, UNK_ID, Vocabulary, normalize, tokenize


def test_tokenize_follows_dataset_convention():
    assert tokenize("I'm feeling GREAT!") == ["im", "feeling", "great"]
    assert tokenize("Don’t  worry, be   happy.") == ["dont", "worry", "be", "happy"]
    assert normalize("Café") == "cafe"


def test_tokenize_keeps_non_ascii_symbols_as_tokens():
    assert tokenize("i feel 😀 today") == ["i", "feel", "😀", "today"]
    assert tokenize("!!! ...") == []
    assert tokenize("") == []


def test_vocabulary_is_deterministic_and_frequency_ordered():
    texts = ["b a a", "c b a", "a d"]
    v1 = Vocabulary.build(texts)
    v2 = Vocabulary.build(list(reversed(texts)))
    assert v1.tokens == v2.tokens == ["<pad>", "<unk>", "a", "b", "c", "d"]
    assert Vocabulary.build(texts, min_freq=2).tokens == ["<pad>", "<unk>", "a", "b"]


def test_round_trip_and_unknown_words():
    vocab = Vocabulary.build(["i feel happy today", "i feel sad"])
    text = "I feel happy, today!"
    ids = vocab.encode(text)
    assert PAD_ID not in ids
    assert vocab.decode(ids) == " ".join(tokenize(text)) == "i feel happy today"
    ids = vocab.encode("i feel wonderful")
    assert ids[-1] == UNK_ID
    assert vocab.decode(ids) == "i feel <unk>"
    # truncation keeps the first tokens (known words, so that their order shows)
    assert vocab.encode("today i feel sad happy", max_tokens=3) == vocab.encode("today i feel")
    assert vocab.encode("today i feel sad happy", max_tokens=3) != vocab.encode("feel sad happy")


def test_vocabulary_rejects_bad_token_lists():
    with pytest.raises(ValueError):
        Vocabulary(["a", "b"])
    with pytest.raises(ValueError):
        Vocabulary(["<pad>", "<unk>", "a", "a"])
