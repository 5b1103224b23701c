"""Turning token-id lists into padded batches (deterministic length bucketing)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from textbranch.tokenizer import PAD_ID


def pad_batch(seqs: Sequence[Sequence[int]], min_len: int = 1, with_ngrams: bool = False):
    """Right-pad id lists into a tensor.

    Parameters
    ----------
    seqs : sequence of sequence of int
        Token ids; an empty list is encoded as one ``<unk>`` so every row has a length >= 1
        (callers reject empty text before this point).
    min_len : int, optional
        Pad to at least this many steps (used in tests to add extra padding).
    with_ngrams : bool, optional
        Also return the n-gram bucket ids (``None`` when the texts carry none).

    Returns
    -------
    ids : torch.Tensor
        ``int64[batch, time]``.
    lengths : torch.Tensor
        ``int64[batch]``.
    ngrams : torch.Tensor or None
        Only with ``with_ngrams``: ``int64[batch, time, k]`` bucket ids (0 = padding) when
        the texts are :class:`textbranch.subword.Encoded`, else ``None``.
    """
    from textbranch.tokenizer import UNK_ID

    rows = [s if len(s) else [UNK_ID] for s in seqs]
    width = max(min_len, max(len(r) for r in rows))
    ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
    lengths = torch.tensor([len(r) for r in rows], dtype=torch.long)
    if not with_ngrams:
        return torch.from_numpy(ids), lengths
    if not seqs or not all(hasattr(s, "ngrams") for s in seqs):
        return torch.from_numpy(ids), lengths, None
    mats = [s.ngram_matrix for s in seqs]
    k = max(m.shape[1] for m in mats)
    ngrams = np.zeros((len(rows), width, k), dtype=np.int64)
    for i, m in enumerate(mats):
        ngrams[i, : m.shape[0], : m.shape[1]] = m
    return torch.from_numpy(ids), lengths, torch.from_numpy(ngrams)


def bucketed_batches(
    lengths: Sequence[int], batch_size: int, rng: np.random.Generator, pool: int = 50
) -> Iterator[np.ndarray]:
    """Shuffled batches of indices with similar lengths (less padding, faster LSTM).

    The indices are shuffled, cut into pools of ``pool * batch_size``, sorted by length
    within a pool, cut into batches, and the batches are shuffled.

    Parameters
    ----------
    lengths : sequence of int
        Length of each example.
    batch_size : int
        Examples per batch.
    rng : numpy.random.Generator
        Source of randomness (seeded by the caller for reproducibility).
    pool : int, optional
        Batches per sorting pool.

    Yields
    ------
    numpy.ndarray
        Indices of one batch.
    """
    lengths = np.asarray(lengths)
    order = rng.permutation(len(lengths))
    batches = []
    step = pool * batch_size
    for start in range(0, len(order), step):
        chunk = order[start : start + step]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    for b in rng.permutation(len(batches)):
        yield batches[b]


def sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[np.ndarray]:
    """Batches of indices sorted by length, for evaluation (order restored by the caller)."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]
