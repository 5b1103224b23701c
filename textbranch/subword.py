"""Character n-gram (sub-word) features, fastText style, for words outside the vocabulary.

Each token ``w`` is wrapped as ``<w>`` and cut into its character n-grams (``n_min`` to
``n_max``); each n-gram is hashed (CRC-32, stable across runs and machines) into one of
``buckets - 1`` buckets, ids ``1 .. buckets - 1`` (0 is padding). The model adds the mean of
the n-gram embeddings to the word embedding, so an unknown word ("humiliatingly") still gets
a vector close to the known words it shares n-grams with.

An encoded text is an :class:`Encoded`: a ``list`` of word ids (unknown words ->
``UNK_ID``) that also carries ``ngrams``, one list of bucket ids per token.
"""

from __future__ import annotations

import zlib
from functools import cached_property, lru_cache

import numpy as np

N_MIN = 3
N_MAX = 5
#: At most this many n-grams per token (the shortest ones first: a long word keeps all its
#: 3- and 4-grams before its 5-grams are cut).
MAX_NGRAMS = 24


class Encoded(list):
    """Word ids of one text (a plain ``list`` of ``int``) with their n-gram bucket ids."""

    ngrams: list[tuple[int, ...]]

    def __init__(self, ids, ngrams) -> None:
        super().__init__(ids)
        self.ngrams = list(ngrams)
        if len(self.ngrams) != len(self):
            raise ValueError("one n-gram list per token is required")

    @cached_property
    def ngram_matrix(self) -> np.ndarray:
        """``int64[tokens, width]`` bucket ids, one row per token, right-padded with 0.

        ``width`` is the longest n-gram list of this text (at least 1). Computed once per
        text, so that batching during training is an array copy, not a Python loop.
        """
        width = max((len(g) for g in self.ngrams), default=1) or 1
        out = np.zeros((len(self.ngrams), width), dtype=np.int64)
        for j, g in enumerate(self.ngrams):
            out[j, : len(g)] = g
        return out


@lru_cache(maxsize=200_000)
def token_ngrams(token: str, buckets: int) -> tuple[int, ...]:
    """Bucket ids (``1 .. buckets - 1``) of the character n-grams of ``token``."""
    w = f"<{token}>"
    out: list[int] = []
    for n in range(N_MIN, N_MAX + 1):
        for i in range(len(w) - n + 1):
            out.append(1 + zlib.crc32(w[i : i + n].encode("utf-8")) % (buckets - 1))
    return tuple(out[:MAX_NGRAMS])
