"""Meaningless or unknown input: random letters, made-up words, numbers, emoji, other scripts.

The emotion tweets are lower-case ASCII words: they contain no digit and no emoji, so every
number, emoji and made-up word is ``<unk>`` to the model, and its character n-grams were
never trained either. The first gate never saw such input in training and extrapolated
("xqzv blorf wug" g = 0.6, an emoji g = 0.97, "3 7 19 42" g = 1.0). These generators give
the gate examples of *no content* (target: gate closed) and of emotional text with such
noise in it (target: gate open), so that it learns that the absence of emotional content,
not the presence of unknown tokens, closes it.

Every generator takes a seeded :class:`numpy.random.Generator`, so the texts are
reproducible. Families:

- ``letters``: 1-4 strings of 2-10 random letters ("qwhv jtrzpa");
- ``pseudo``: 1-4 pronounceable made-up words from syllables ("blorf snickoo");
- ``numbers``: 1-5 numbers, times, dates, prices, phone numbers ("12:30 4.5 2024-06-15");
- ``emoji``: 1-5 pictographs, with or without spaces. Training uses the code points at an
  even offset in their block and the held-out set those at an odd offset, so the held-out
  emoji are ones the gate has never seen;
- ``mixed``: 2-4 items of the families above;
- ``scripts`` (held-out only, never in training): words of Cyrillic, Greek, Hebrew, Arabic
  or CJK characters, which test whether "unknown" generalises to a kind never trained.

Made-up words and letter strings that happen to be in the vocabulary (``known``) are
redrawn, so they are really out of vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ONSETS = ("b", "bl", "br", "d", "dr", "f", "fl", "fr", "g", "gl", "gr", "k", "kl", "kr", "m", "n",
           "p", "pl", "pr", "s", "sk", "sl", "sn", "sp", "st", "t", "tr", "v", "w", "z", "zh", "th",
           "sh", "ch", "j", "qu", "x", "", "")
_VOWELS = ("a", "e", "i", "o", "u", "oo", "ee", "ai", "ou", "y", "ua", "io")
_CODAS = ("", "", "b", "d", "f", "g", "k", "l", "m", "n", "p", "rf", "rk", "rp", "s", "t", "x",
          "zz", "nk", "mp", "sk", "lt", "rg", "v")
#: Pictograph blocks (start, end inclusive).
_EMOJI_BLOCKS = ((0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF),
                 (0x2600, 0x26FF), (0x2700, 0x27BF))
_SCRIPTS = ((0x0430, 0x044F), (0x03B1, 0x03C9), (0x05D0, 0x05EA), (0x0627, 0x064A), (0x4E00, 0x4FFF))

FAMILIES = ("letters", "pseudo", "numbers", "emoji", "mixed")
HELD_OUT_FAMILIES = (*FAMILIES, "scripts")
#: Seed of the generated held-out set (:func:`held_out_generated`); training never uses it.
HELD_OUT_SEED = 2029


def _word(rng: np.random.Generator, make: Callable[[], str], known: Collection[str]) -> str:
    for _ in range(100):
        w = make()
        if w not in known:
            return w
    return w


def letter_word(rng: np.random.Generator, known: Collection[str] = ()) -> str:
    """A string of 2-10 random letters that is not in ``known``."""
    return _word(rng, lambda: "".join(rng.choice(list(_LETTERS), int(rng.integers(2, 11)))), known)


def pseudo_word(rng: np.random.Generator, known: Collection[str] = ()) -> str:
    """A pronounceable made-up word of 1-3 syllables that is not in ``known``."""
    def make() -> str:
        n = int(rng.choice([1, 1, 2, 2, 3]))
        return "".join(str(rng.choice(_ONSETS)) + str(rng.choice(_VOWELS)) + str(rng.choice(_CODAS))
                       for _ in range(n))
    return _word(rng, make, known)


def number(rng: np.random.Generator) -> str:
    """A number, time, date, price, percentage, decimal or phone number."""
    kind = int(rng.integers(7))
    if kind == 0:
        return str(int(rng.integers(0, 10 ** int(rng.integers(1, 7)))))
    if kind == 1:
        return f"{int(rng.integers(0, 24))}:{int(rng.integers(0, 60)):02d}"
    if kind == 2:
        return f"{int(rng.integers(1950, 2040))}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
    if kind == 3:
        return f"{rng.integers(0, 1000)}.{rng.integers(0, 100)}"
    if kind == 4:
        return f"${int(rng.integers(1, 500))}"
    if kind == 5:
        return f"{int(rng.integers(0, 101))}%"
    return " ".join(str(int(rng.integers(10 ** (k - 1), 10 ** k))) for k in rng.integers(2, 5, 3))


def _block_char(rng: np.random.Generator, blocks: Sequence[tuple[int, int]], parity: int | None) -> str:
    lo, hi = blocks[int(rng.integers(len(blocks)))]
    c = int(rng.integers(lo, hi + 1))
    if parity is not None and (c - lo) % 2 != parity:
        c = c + 1 if c + 1 <= hi else c - 1
    return chr(c)


def emoji(rng: np.random.Generator, parity: int | None = 0) -> str:
    """1-5 pictographs, joined with or without spaces (``parity``: 0 = the training half of
    the code points, 1 = the held-out half, ``None`` = any)."""
    chars = [_block_char(rng, _EMOJI_BLOCKS, parity) for _ in range(int(rng.integers(1, 6)))]
    return ("" if rng.random() < 0.5 else " ").join(chars)


def script_words(rng: np.random.Generator) -> str:
    """1-3 words of 2-7 characters of one non-Latin script (held-out only)."""
    block = _SCRIPTS[int(rng.integers(len(_SCRIPTS)))]
    return " ".join(
        "".join(chr(int(rng.integers(block[0], block[1] + 1))) for _ in range(int(rng.integers(2, 8))))
        for _ in range(int(rng.integers(1, 4)))
    )


def noise_item(rng: np.random.Generator, known: Collection[str] = (), parity: int | None = 0) -> str:
    """One item of the ``letters``, ``pseudo``, ``numbers`` or ``emoji`` kind."""
    kind = int(rng.integers(4))
    if kind == 0:
        return letter_word(rng, known)
    if kind == 1:
        return pseudo_word(rng, known)
    if kind == 2:
        return number(rng)
    return emoji(rng, parity)


def family_text(family: str, rng: np.random.Generator, known: Collection[str] = (), parity: int | None = 0) -> str:
    """One meaningless text of ``family`` (see the module docstring)."""
    if family == "letters":
        return " ".join(letter_word(rng, known) for _ in range(int(rng.integers(1, 5))))
    if family == "pseudo":
        return " ".join(pseudo_word(rng, known) for _ in range(int(rng.integers(1, 5))))
    if family == "numbers":
        return " ".join(number(rng) for _ in range(int(rng.integers(1, 6))))
    if family == "emoji":
        return emoji(rng, parity)
    if family == "mixed":
        return " ".join(noise_item(rng, known, parity) for _ in range(int(rng.integers(2, 5))))
    if family == "scripts":
        return script_words(rng)
    raise ValueError(f"unknown family {family!r}; choose from {HELD_OUT_FAMILIES}")


def meaningless_texts(
    n: int, rng: np.random.Generator, known: Collection[str] = (), exclude: Collection[str] = (),
) -> list[str]:
    """``n`` distinct training texts, the :data:`FAMILIES` in turn (no ``scripts``; emoji of
    the training half), none of them in ``exclude`` (pass the held-out texts)."""
    out: list[str] = []
    seen = set(exclude)
    tries = 0
    while len(out) < n and tries < 20 * n + 100:
        tries += 1
        t = family_text(FAMILIES[len(out) % len(FAMILIES)], rng, known, parity=0)
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def insert_noise(
    texts: Sequence[str], rng: np.random.Generator, known: Collection[str] = (), max_items: int = 2,
) -> list[str]:
    """Each text with 1 to ``max_items`` noise items (:func:`noise_item`) inserted between
    its words or at its ends (training half of the emoji)."""
    out = []
    for text in texts:
        toks = text.split()
        for _ in range(int(rng.integers(1, max_items + 1))):
            toks.insert(int(rng.integers(0, len(toks) + 1)), noise_item(rng, known, parity=0))
        out.append(" ".join(toks))
    return out


def held_out_generated(n_per_family: int = 100, seed: int = HELD_OUT_SEED) -> dict[str, list[str]]:
    """The generated held-out set: ``n_per_family`` distinct texts per family of
    :data:`HELD_OUT_FAMILIES` (emoji from the held-out half of the code points), from
    ``seed``. Training never uses this seed, and its texts are excluded from training. It
    does not depend on a vocabulary (so a made-up word may, rarely, be a real one)."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[str]] = {}
    for fam in HELD_OUT_FAMILIES:
        texts: list[str] = []
        tries = 0
        while len(texts) < n_per_family and tries < 50 * n_per_family:
            tries += 1
            t = family_text(fam, rng, (), parity=1)
            if t not in texts:
                texts.append(t)
        out[fam] = texts
    return out
