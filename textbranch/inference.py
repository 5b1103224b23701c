"""Running a trained model on texts: emotion probabilities and gate values."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from brainsim.errors import ConfigError

if TYPE_CHECKING:  # torch is imported lazily
    from textbranch.checkpoint import Checkpoint


def check_text(text: object) -> str:
    """Validate one sentence: a ``str`` with at least one token.

    Raises
    ------
    ConfigError
        If ``text`` is not a string, is empty/whitespace-only, or has no word (only
        punctuation).
    """
    from textbranch.tokenizer import tokenize

    if not isinstance(text, str):
        raise ConfigError(f"a sentence must be a string, got {type(text).__name__}: {text!r}")
    if not text.strip():
        raise ConfigError("a sentence is empty or only white space; give a text with words")
    if not tokenize(text):
        raise ConfigError(f"the sentence {text!r} contains no words (only punctuation)")
    return text


def encode_texts(vocab, texts: Sequence[str], max_tokens: int, subword_buckets: int = 0) -> list[list[int]]:
    """Token ids of each text, truncated to ``max_tokens`` (longer texts keep their start).

    With ``subword_buckets > 0`` each text is a :class:`textbranch.subword.Encoded` (the
    ids plus each token's character n-gram buckets), as a sub-word model needs.
    """
    if not subword_buckets:
        return [vocab.encode(t, max_tokens) for t in texts]
    from textbranch.subword import Encoded, token_ngrams
    from textbranch.tokenizer import tokenize

    out = []
    for t in texts:
        toks = tokenize(t)[:max_tokens]
        out.append(Encoded(vocab.encode(t, max_tokens), [token_ngrams(w, subword_buckets) for w in toks]))
    return out


def run_model(
    model, ids_list: Sequence[Sequence[int]], levels: np.ndarray | None = None, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Evaluate ``model`` (eval mode, no grad) on id lists, batched by length.

    Parameters
    ----------
    model : TextEmotionModel
        Model in eval mode.
    ids_list : sequence of sequence of int
        Token ids per text.
    levels : numpy.ndarray, optional
        ``[3]`` (same profile for all) or ``[n, 3]`` levels; when absent no gate is computed.
    batch_size : int, optional
        Texts per forward pass.

    Returns
    -------
    probs : numpy.ndarray
        ``float64[n, 6]`` softmax probabilities.
    gates : numpy.ndarray or None
        ``float64[n]`` gate values.
    encodings : numpy.ndarray
        ``float32[n, enc_dim]`` text encodings.
    """
    import torch

    from textbranch.batching import pad_batch, sorted_batches
    from textbranch.model import unknown_fraction

    n = len(ids_list)
    probs = np.zeros((n, 6))
    gates = np.zeros(n) if levels is not None else None
    encodings = np.zeros((n, model.encoder.out_dim), dtype=np.float32)
    lv = None
    if levels is not None:
        lv = np.broadcast_to(np.asarray(levels, dtype=np.float32), (n, 3))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for idx in sorted_batches([len(s) for s in ids_list], batch_size):
            ids, lengths, ngrams = pad_batch([ids_list[i] for i in idx], with_ngrams=True)
            enc = model.encoder(ids, lengths, ngrams)
            logits = model.head(enc)
            p = torch.softmax(logits, dim=1)
            probs[idx] = torch.softmax(logits.double(), dim=1).numpy()
            encodings[idx] = enc.numpy()
            if lv is not None:
                g = model.gate(enc, p, torch.from_numpy(np.ascontiguousarray(lv[idx])),
                               unknown_fraction(ids, lengths))
                gates[idx] = g.double().numpy()
    model.train(was_training)
    return probs, gates, encodings


def predict(
    texts: Sequence[str], levels: dict[str, float] | None = None,
    checkpoint: Checkpoint | str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Emotion probabilities and gates of ``texts`` for a profile.

    Parameters
    ----------
    texts : sequence of str
        Sentences (each must contain a word; longer than the model's ``max_tokens`` tokens
        are truncated to their first ``max_tokens`` tokens).
    levels : dict, optional
        ``{"serotonin", "dopamine", "norepinephrine"}`` levels in [0, 1]; without it no gate.
    checkpoint : str, Path or Checkpoint, optional
        A checkpoint folder or loaded :class:`~textbranch.checkpoint.Checkpoint`; default the
        shipped one (loaded once per process).

    Returns
    -------
    probs : numpy.ndarray
        ``float64[n, 6]`` in :data:`brainsim.channels.EMOTIONS` order.
    gates : numpy.ndarray or None
        ``float64[n]`` in [0, 1], or ``None`` without ``levels``.
    """
    from textbranch.checkpoint import Checkpoint, get_checkpoint
    from textbranch.priors import check_levels

    texts = [check_text(t) for t in texts]
    lv = check_levels(levels) if levels is not None else None
    ckpt = checkpoint if isinstance(checkpoint, Checkpoint) else get_checkpoint(checkpoint)
    ids = encode_texts(ckpt.vocab, texts, ckpt.model.cfg.max_tokens, ckpt.model.cfg.subword_buckets)
    probs, gates, _ = run_model(ckpt.model, ids, lv)
    return probs, gates


def unknown_fractions(ids_list: Sequence[Sequence[int]]) -> np.ndarray:
    """``float32[n]``: the fraction of each text's tokens that are ``<unk>`` (the gate's
    input, as :func:`textbranch.model.unknown_fraction` computes it on a padded batch)."""
    from textbranch.tokenizer import UNK_ID

    return np.array([sum(1 for i in s if i == UNK_ID) / max(1, len(s)) for s in ids_list], dtype=np.float32)


def gates_for_levels(model, ids_list: Sequence[Sequence[int]], levels_list: Sequence[np.ndarray]):
    """Encode ``ids_list`` once and compute the gate for each of several profiles.

    Returns
    -------
    probs : numpy.ndarray
        ``float64[n, 6]``.
    gates : numpy.ndarray
        ``float64[len(levels_list), n]``.
    """
    import torch

    probs, _, enc = run_model(model, ids_list)
    unk = unknown_fractions(ids_list)
    enc_t = torch.from_numpy(enc)
    p_t = torch.from_numpy(probs).float()
    unk_t = torch.from_numpy(unk)[:, None]
    out = np.zeros((len(levels_list), len(ids_list)))
    with torch.no_grad():
        for k, lv in enumerate(levels_list):
            lv_t = torch.from_numpy(np.broadcast_to(np.asarray(lv, dtype=np.float32), (len(ids_list), 3)).copy())
            out[k] = model.gate(enc_t, p_t, lv_t, unk_t).double().numpy()
    return probs, out
