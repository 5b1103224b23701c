"""The one tokenizer and vocabulary of the text branch.

The emotion dataset is lower-cased ASCII with the apostrophes removed ("im", "didnt") and
no punctuation. :func:`tokenize` maps any input onto that convention, so that user text
("I'm feeling GREAT!") is split the same way as the training tweets:

1. Unicode NFKD normalisation, combining accents dropped ("café" -> "cafe");
2. lower case, apostrophes removed ("I'm" -> "im");
3. tokens are runs of ``[a-z0-9]``; any other non-ASCII character (an emoji, a CJK
   character) is a token of its own (it maps to ``<unk>`` unless seen in training);
   ASCII punctuation and white space separate tokens and are dropped.

The :class:`Vocabulary` is built from the training split only and saved with the checkpoint.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PAD = "<pad>"
UNK = "<unk>"
PAD_ID = 0
UNK_ID = 1

_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")
_TOKEN = re.compile(r"[a-z0-9]+|[^\x00-\x7f]")


def normalize(text: str) -> str:
    """Return ``text`` in the dataset's convention (ASCII-folded, lower case, no apostrophes).

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    str
        The normalised text; characters without an ASCII decomposition are kept.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", stripped.lower())


def tokenize(text: str) -> list[str]:
    """Split ``text`` into tokens (see the module docstring for the rules).

    Parameters
    ----------
    text : str
        Any Unicode text.

    Returns
    -------
    list of str
        The tokens; empty when the text has no letters, digits or non-ASCII symbols.
    """
    return _TOKEN.findall(normalize(text))


@dataclass
class Vocabulary:
    """Mapping between tokens and integer ids; id 0 is padding, id 1 the unknown token.

    Parameters
    ----------
    tokens : list of str
        All tokens in id order, starting with ``<pad>`` and ``<unk>``.
    """

    tokens: list[str]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.tokens[:2] != [PAD, UNK]:
            raise ValueError("a vocabulary must start with '<pad>' and '<unk>'")
        self.index = {tok: i for i, tok in enumerate(self.tokens)}
        if len(self.index) != len(self.tokens):
            raise ValueError("a vocabulary must not repeat a token")

    @classmethod
    def build(
        cls, texts: Iterable[str], min_freq: int = 1, max_size: int | None = None
    ) -> Vocabulary:
        """Build a vocabulary from ``texts`` (use the training split only).

        Parameters
        ----------
        texts : iterable of str
            Training texts.
        min_freq : int, optional
            Keep tokens seen at least this many times.
        max_size : int, optional
            Keep at most this many tokens (most frequent first), besides the two specials.

        Returns
        -------
        Vocabulary
            Tokens sorted by decreasing frequency, ties alphabetically (deterministic).
        """
        counts = Counter(tok for text in texts for tok in tokenize(text))
        kept = sorted((t for t, n in counts.items() if n >= min_freq), key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max_size]
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, max_tokens: int | None = None) -> list[int]:
        """Token ids of ``text`` (unknown tokens -> ``UNK_ID``), truncated to ``max_tokens``."""
        ids = [self.index.get(tok, UNK_ID) for tok in tokenize(text)]
        return ids[:max_tokens] if max_tokens is not None else ids

    def decode(self, ids: Sequence[int]) -> str:
        """Join the tokens of ``ids`` with single spaces, padding dropped."""
        return " ".join(self.tokens[i] for i in ids if i != PAD_ID)

    def to_list(self) -> list[str]:
        """The token list, as saved in ``vocab.json``."""
        return list(self.tokens)
