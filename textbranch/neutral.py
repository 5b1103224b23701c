"""Texts without emotion, for teaching the gate when a text carries no emotion.

The emotion dataset has no neutral class: every tweet was collected because it names a
feeling. A gate trained only on it learns ``g ~ 1`` everywhere. We therefore add two kinds
of *neutral* training texts whose target is the profile's prior (so the best gate for them
is ``g ~ 0``):

1. **Templates** (:func:`template_sentences`): factual sentences built from the
   hand-written lists below ("i went to the shop", "the meeting is at noon").
2. **Emotion words removed** (:func:`strip_emotion_words`): training tweets with their
   emotion-bearing words deleted. A word is emotion-bearing when, in the *training* split,
   its smoothed label distribution ``p(c | w) = (n_cw + k * p(c)) / (n_w + k)`` puts at
   least ``ratio`` times the base rate ``p(c)`` on some emotion ``c`` (``k = 10``,
   ``ratio = 2``: e.g. "humiliated", "grouchy", "romantic"; not "feel", "shop", "today").

:data:`HELD_OUT_NEUTRAL` is a separate hand-written list, never used in training, on which
the gate's behaviour is reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from brainsim.channels import EMOTIONS
from textbranch.tokenizer import tokenize

_SUBJECTS_FIRST = ("i", "we", "my brother", "my sister", "my friend", "my neighbour", "my colleague", "he", "she", "they")
_PAST_ACTIONS = (
    "went to the bakery", "took the bus to work", "bought some bread", "cooked pasta for dinner",
    "walked the dog", "read the newspaper", "washed the car", "called the bank",
    "paid the electricity bill", "went to the post office", "parked the car outside",
    "moved the table to the kitchen", "picked up the kids from school", "watered the plants",
    "cleaned the windows", "checked the train times", "printed the report",
    "answered a few emails", "went for a walk", "fixed the bike", "emptied the dishwasher",
    "booked a table for two", "changed the light bulb", "ordered a new phone charger",
    "sent the package", "made a cup of tea", "finished the laundry", "visited the library",
    "filled the car with petrol", "updated the computer", "went to the dentist",
    "renewed the passport", "set the alarm for six", "put the bins out", "ironed a shirt",
    "bought a bus ticket", "copied the notes", "went to the market", "painted the fence",
    "counted the chairs",
)
_PRESENT_FACTS = (
    "the appointment is at four", "the shop opens at nine", "the train leaves at seven",
    "the bus stop is next to the bank", "the library closes at six", "the office is on the third floor",
    "the report is due on friday", "the kitchen has two windows", "the car is parked outside",
    "the street has a bakery and a pharmacy", "the bridge is two kilometres long",
    "the book has three hundred pages", "the school is near the station", "the museum is closed on mondays",
    "the lecture starts at ten", "the parcel weighs two kilos", "the class has twenty students",
    "the flight takes two hours", "the store sells shoes and bags", "the table is made of wood",
    "the recipe needs flour and eggs", "the room is on the left", "the water boils at one hundred degrees",
    "the city has a river and a port", "the form has four pages", "the doctor works on tuesdays",
    "the garden is behind the house", "the printer is in the hallway", "the film starts at eight",
    "the road goes to the village", "the password has eight characters", "the phone is on the desk",
    "the bakery is across the road", "the concert is on saturday", "the test is next week",
)
_TIMES = (
    "", "today", "yesterday", "this morning", "this afternoon", "on monday", "last week",
    "after lunch", "before dinner", "at eight", "on the weekend", "in the evening",
)
_PLANS = (
    "i am going to", "i will", "i need to", "we have to", "i plan to", "i usually", "i often",
    "tomorrow i will", "on sundays i",
)
_PLAN_ACTIONS = (
    "go to the bakery", "take the bus", "buy some milk", "call the office", "visit my aunt",
    "read the manual", "wash the dishes", "clean the garage", "cook rice", "check the mail",
    "walk to the station", "write the shopping list", "pay the rent", "meet the plumber",
    "return the books", "charge the phone", "repair the chair", "water the garden",
)

#: Neutral sentences never used in training (written separately from the templates above;
#: ``tests/test_text_gating.py`` checks that none of them is a template sentence).
HELD_OUT_NEUTRAL: tuple[str, ...] = (
    "i went to the shop",
    "the meeting is at noon",
    "the train to london departs from platform four",
    "i had cereal for breakfast",
    "she is wearing a blue jacket",
    "we moved the sofa into the living room",
    "the report has twelve sections",
    "my phone number ends in seven",
    "he drove to the airport on thursday",
    "there are three apples on the table",
    "the shop is on the corner of the street",
    "i am writing an email to my landlord",
    "the bus was ten minutes late",
    "they painted the walls white",
    "the store closes at nine tonight",
    "i took the stairs to the second floor",
    "the package arrived this afternoon",
    "we need two more chairs for the meeting",
    "the weather forecast says it will rain on sunday",
    "i put the keys in the drawer",
)


def template_sentences(n: int, rng: np.random.Generator) -> list[str]:
    """Up to ``n`` distinct factual sentences from the templates.

    Parameters
    ----------
    n : int
        Number wanted (fewer when the templates run out).
    rng : numpy.random.Generator
        Seeded generator.

    Returns
    -------
    list of str
        Lower-case sentences without punctuation.
    """
    pool: list[str] = []
    for s in _SUBJECTS_FIRST:
        for a in _PAST_ACTIONS:
            for t in _TIMES:
                pool.append(" ".join(x for x in (s, a, t) if x))
    for f in _PRESENT_FACTS:
        pool.append(f)
        pool.extend(f"{f} {t}" for t in _TIMES if t and t not in ("yesterday", "last week"))
    for p in _PLANS:
        for a in _PLAN_ACTIONS:
            for t in _TIMES:
                pool.append(" ".join(x for x in (p, a, t) if x))
    pool = sorted(set(pool))
    idx = rng.permutation(len(pool))[:n]
    return [pool[i] for i in idx]


def emotion_words(
    texts: Sequence[str], labels: Sequence[int], k: float = 10.0, ratio: float = 2.0
) -> set[str]:
    """Emotion-bearing words of a labelled corpus (see the module docstring).

    Parameters
    ----------
    texts, labels : sequence
        The training split.
    k : float, optional
        Smoothing strength towards the base rate (pseudo-counts).
    ratio : float, optional
        Threshold on ``max_c p(c | w) / p(c)``.

    Returns
    -------
    set of str
        The emotion-bearing tokens.
    """
    n_cls = len(EMOTIONS)
    counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n_cls))
    for text, label in zip(texts, labels, strict=True):
        for tok in set(tokenize(text)):
            counts[tok][label] += 1
    base = np.bincount(np.asarray(labels), minlength=n_cls) / len(labels)
    out = set()
    for tok, c in counts.items():
        p = (c + k * base) / (c.sum() + k)
        if (p / base).max() >= ratio:
            out.add(tok)
    return out


def strip_emotion_words(
    texts: Sequence[str], words: set[str], n: int, rng: np.random.Generator, min_tokens: int = 4
) -> list[str]:
    """Up to ``n`` texts with the ``words`` removed (only those that lost a word and kept
    at least ``min_tokens`` tokens).

    Parameters
    ----------
    texts : sequence of str
        Training texts.
    words : set of str
        Tokens to remove (from :func:`emotion_words`).
    n : int
        Number wanted.
    rng : numpy.random.Generator
        Seeded generator.
    min_tokens : int, optional
        Minimum length of a kept text.

    Returns
    -------
    list of str
        The stripped texts.
    """
    out = []
    for i in rng.permutation(len(texts)):
        toks = tokenize(texts[i])
        kept = [t for t in toks if t not in words]
        if len(kept) < len(toks) and len(kept) >= min_tokens:
            out.append(" ".join(kept))
            if len(out) >= n:
                break
    return out
