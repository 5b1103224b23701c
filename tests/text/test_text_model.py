"""The BiLSTM encoder masks padding; the gate is content x congruence, in [0, 1]."""

import numpy as np
import pytest
import torch

from textbranch.batching import pad_batch
from textbranch.model import ModelConfig, TextEmotionModel


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = TextEmotionModel(ModelConfig(vocab_size=50, emb_dim=16, hidden=8, gate_hidden=4, content_heads=3))
    m.eval()
    return m


def test_padding_does_not_change_the_output(model):
    sentence = [5, 9, 3, 17]
    alone_ids, alone_len = pad_batch([sentence])
    padded_ids, padded_len = pad_batch([sentence, list(range(2, 30))], min_len=40)
    # garbage (non-pad ids) in the padded positions must not matter either
    garbage = padded_ids.clone()
    garbage[0, len(sentence):] = 7
    levels = torch.tensor([[0.3, 0.4, 0.6]] * 2)
    with torch.no_grad():
        a_logits, a_gate = model(alone_ids, alone_len, levels[:1])
        b_logits, b_gate = model(padded_ids, padded_len, levels)
        c_logits, c_gate = model(garbage, padded_len, levels)
        a_enc = model.encoder(alone_ids, alone_len)
        b_enc = model.encoder(padded_ids, padded_len)
    torch.testing.assert_close(a_enc[0], b_enc[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(a_logits[0], b_logits[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(b_logits[0], c_logits[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(a_gate[0], b_gate[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(b_gate[0], c_gate[0], rtol=0, atol=1e-6)


def test_padding_would_matter_without_the_mask(model):
    """The invariance test above can fail: running the LSTM over padding changes the states."""
    sentence = [5, 9, 3, 17]
    ids, lengths = pad_batch([sentence], min_len=12)
    with torch.no_grad():
        masked = model.encoder(ids, lengths)
        unmasked = model.encoder(ids, torch.tensor([12]))
    assert not torch.allclose(masked, unmasked, atol=1e-4)


def test_gate_is_content_times_congruence(model):
    """``g = sigmoid(mean_k content_k(encoding, p_text, unknown fraction)) *
    sigmoid(congruence(levels, p_text))``, the gate the docs describe, computed here from the submodules. The levels
    enter only through the congruence part: a text whose content part is ~0 keeps the gate
    ~0 for every profile."""
    from textbranch.model import unknown_fraction

    rng = np.random.default_rng(1)
    seqs = [list(rng.integers(1, 50, size=n)) for n in (1, 3, 7, 20)]
    ids, lengths = pad_batch(seqs)
    gates = []
    for levels in ([0, 0, 0], [1, 1, 1], [0.3, 0.4, 0.6]):
        lv = torch.tensor([levels] * len(seqs), dtype=torch.float32)
        with torch.no_grad():
            logits, g = model(ids, lengths, lv)
            enc = model.encoder(ids, lengths)
            p = torch.softmax(logits, dim=1)
            unk = unknown_fraction(ids, lengths)
            x = torch.cat([enc, p, unk], dim=1)
            c = torch.sigmoid(torch.stack([h(x) for h in model.gate.content_heads]).mean(dim=0))
            m = torch.sigmoid(model.gate.congruence(torch.cat([lv, p], dim=1)))
        assert logits.shape == (len(seqs), 6) and g.shape == (len(seqs),)
        torch.testing.assert_close(g, (c * m).squeeze(1))
        gates.append(g)
    assert not torch.allclose(gates[0], gates[1])  # the profile levels matter
    bias = model.gate.content_heads[0][-1].bias
    with torch.no_grad():
        bias -= 30.0 * len(model.gate.content_heads)
        try:
            closed = [model(ids, lengths, torch.tensor([lv] * len(seqs), dtype=torch.float32))[1]
                      for lv in ([0, 0, 0], [1, 1, 1])]
        finally:
            bias += 30.0 * len(model.gate.content_heads)
    assert all(float(g.max()) < 1e-6 for g in closed)


def test_unknown_fraction_counts_unk_tokens_over_the_real_length():
    from textbranch.model import unknown_fraction

    ids, lengths = pad_batch([[1, 5, 1, 7], [1], [4, 5]], min_len=6)
    torch.testing.assert_close(unknown_fraction(ids, lengths)[:, 0], torch.tensor([0.5, 1.0, 0.0]))


@pytest.fixture(scope="module")
def subword_model():
    torch.manual_seed(0)
    m = TextEmotionModel(ModelConfig(vocab_size=50, emb_dim=16, hidden=8, gate_hidden=4, subword_buckets=97))
    m.eval()
    return m


def _encoded(words, vocab):
    from textbranch.subword import Encoded, token_ngrams

    return Encoded([vocab.get(w, 1) for w in words], [token_ngrams(w, 97) for w in words])


def test_subword_padding_does_not_change_the_output(subword_model):
    vocab = {"i": 2, "feel": 3, "sad": 4}
    a = _encoded(["i", "feel", "sad", "humiliatingly"], vocab)
    b = _encoded(["i", "feel"] * 10, vocab)
    alone = pad_batch([a], with_ngrams=True)
    both = pad_batch([a, b], min_len=30, with_ngrams=True)
    assert both[2].shape[:2] == (2, 30) and not both[2][0, len(a):].any()
    with torch.no_grad():
        x = subword_model.encoder(*alone)
        y = subword_model.encoder(*both)
    torch.testing.assert_close(x[0], y[0], rtol=0, atol=1e-6)


def test_unknown_words_are_read_from_their_ngrams(subword_model):
    """Two unknown words (both <unk>) get different encodings through their n-grams, and
    plain id lists (no n-grams) still work with a sub-word model."""
    vocab = {"i": 2, "feel": 3}
    a = pad_batch([_encoded(["i", "feel", "humiliated"], vocab)], with_ngrams=True)
    b = pad_batch([_encoded(["i", "feel", "delighted"], vocab)], with_ngrams=True)
    assert torch.equal(a[0], b[0])  # same ids: [2, 3, <unk>]
    with torch.no_grad():
        assert not torch.allclose(subword_model.encoder(*a), subword_model.encoder(*b))
        ids, lengths, ngrams = pad_batch([[2, 3, 1]], with_ngrams=True)
        assert ngrams is None
        assert subword_model.encoder(ids, lengths, ngrams).shape == (1, 32)


def test_ngram_buckets_are_stable():
    from textbranch.subword import MAX_NGRAMS, token_ngrams

    g = token_ngrams("sad", 10000)
    # "<sad>": 3 trigrams, 2 four-grams, 1 five-gram; CRC-32 is the same on every machine
    assert len(g) == 6 and all(1 <= b < 10000 for b in g)
    assert g == token_ngrams("sad", 10000)
    assert len(token_ngrams("internationalisation", 10000)) == MAX_NGRAMS


def test_batch_ngrams_hold_each_tokens_buckets_then_zeros():
    """The padded n-gram tensor is, token by token, exactly the token's bucket list followed
    by zeros, and as wide as the longest list in the batch (training relies on this layout
    being identical however the batch is assembled)."""
    vocab = {"i": 2, "feel": 3}
    texts = [_encoded(["i", "feel", "extraordinarily"], vocab), _encoded(["i"], vocab)]
    ids, lengths, ngrams = pad_batch(texts, with_ngrams=True)
    width = max(len(g) for t in texts for g in t.ngrams)
    assert ngrams.dtype == torch.long and ngrams.shape == (2, 3, width)
    for i, text in enumerate(texts):
        for j in range(ngrams.shape[1]):
            g = text.ngrams[j] if j < len(text) else ()
            assert ngrams[i, j, : len(g)].tolist() == list(g)
            assert not ngrams[i, j, len(g):].any()
    assert lengths.tolist() == [3, 1] and ids[1].tolist() == [2, 0, 0]
