"""Texts without emotion, for teaching the gate when a text carries no emotion.

The emotion dataset has no neutral class: every tweet was collected because it names a
feeling. A gate trained only on it learns ``g ~ 1`` everywhere. We therefore add *neutral*
training texts whose content target is 0 (:func:`neutral_texts`):

1. **Templates** (:func:`template_sentences`): factual sentences built from the
   hand-written lists below ("i went to the bakery", "the shop opens at nine"); a larger
   third family is :mod:`textbranch.factual`.
2. **Emotion words removed** (:func:`strip_emotion_words`): training tweets with their
   emotion words deleted: the emotion keywords (:func:`emotion_keywords`, the words that fill
   "i feel <word>") and the words whose smoothed label distribution
   ``p(c | w) = (n_cw + k * p(c)) / (n_w + k)`` puts at least ``ratio`` times the base rate
   ``p(c)`` on some emotion (:func:`emotion_words`).

Meaningless input (emoji, random letters, numbers) is :mod:`textbranch.meaningless`; the
held-out sets are :mod:`textbranch.heldout`. :data:`HELD_OUT_NEUTRAL` (the first 20
held-out neutral sentences), :data:`DEV_NEUTRAL` and :data:`DEV_EMOTIONAL` are never used
in training.
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

# Second template family (added in the second version): descriptions of objects and
# clothes, meals, and actions in progress, so that "factual" is not only "errand + time".
_DESC_SUBJECTS = ("he", "she", "my father", "the man", "the woman", "my teacher", "the driver", "our neighbour", "the child", "i")
_DESC_VERBS = ("has", "had", "is carrying", "was holding", "bought", "is wearing", "wore", "left", "found", "borrowed")
_COLOURS = ("red", "green", "grey", "brown", "black", "white", "yellow", "dark", "small", "large", "old", "new")
_THINGS = (
    "coat", "umbrella", "bag", "hat", "scarf", "shirt", "pair of shoes", "suitcase", "bicycle",
    "notebook", "watch", "backpack", "sweater", "box", "folder", "lamp",
)
_MEAL_SUBJECTS = ("i", "we", "they", "my parents", "the kids", "he", "she", "my flatmate")
_MEAL_VERBS = ("had", "ate", "made", "ordered", "cooked", "bought")
_FOODS = (
    "toast", "rice and beans", "a sandwich", "soup", "an omelette", "porridge", "fish and potatoes",
    "a salad", "noodles", "pizza", "yoghurt", "scrambled eggs", "a bowl of pasta", "chicken curry",
)
_MEALS = ("for lunch", "for dinner", "for supper", "at noon", "at the canteen", "on the train", "at home", "")
_PROGRESSIVE = ("i am", "we are", "he is", "she is", "they are", "my mother is", "the students are")
_PROGRESSIVE_ACTIONS = (
    "reading the instructions", "filling in a form", "typing a letter to the council",
    "sorting the post", "waiting for the bus", "copying the timetable", "looking for a parking space",
    "measuring the window", "labelling the boxes", "counting the coins", "folding the towels",
    "loading the van", "updating the address book", "checking the invoice", "replying to the office",
    "drawing a map of the area", "packing the documents", "sending a text to the plumber",
)

#: Neutral sentences never used in training (written separately from the templates above;
#: ``tests/text/test_text_gating.py`` checks that none of them is a template sentence).
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


#: Development list: neutral sentences used (with the generated set of seed
#: :data:`DEV_SEED`) to choose the gate's training settings, so that the held-out sets of
#: :mod:`textbranch.heldout` stay unseen. Never used in training.
DEV_NEUTRAL: tuple[str, ...] = (
    "the car is in the garage", "i posted the letter this morning", "the bank is closed on sundays",
    "he is cutting the grass", "there are two bottles in the fridge", "the lamp is on the desk",
    "we went to the supermarket", "the film lasts two hours", "she teaches maths at the school",
    "i need a new battery for the clock", "the plates are in the dishwasher", "the door is painted blue",
    "the conference is in april", "i cycled to work today", "my uncle lives in a small village",
    "the coffee machine is on the second floor", "there is a bus stop outside the hospital",
    "we bought paint for the fence", "the hall has a wooden floor", "the ticket costs four pounds",
    "the children are at school until three", "i left my umbrella at the office",
    "the motorway runs past the town", "the socks are in the second drawer", "he sent me the file yesterday",
    "the park closes at dusk", "the kitchen has a gas cooker", "i am cooking rice for dinner",
    "there are six eggs in the box", "the tree in the garden is tall",
)
#: Development list of emotional sentences (emotion, sentence), added with the fix for
#: emotional words that the stripping missed ("love", "hate", "great"): used to choose that
#: fix, never used in training.
DEV_EMOTIONAL: tuple[tuple[str, str], ...] = (
    ("love", "i love my little brother"), ("love", "i love cooking for my friends"),
    ("anger", "i hate it when people lie"), ("anger", "i hate my job"),
    ("joy", "i feel great today"), ("joy", "this is great news"), ("joy", "i had an awesome time"),
    ("joy", "i am happy with the result"), ("joy", "best day ever"), ("love", "i adore this song"),
    ("sadness", "i miss him so much"), ("sadness", "i feel so alone"), ("sadness", "i am heartbroken"),
    ("anger", "that makes me furious"), ("anger", "i am annoyed with my neighbours"),
    ("fear", "i am scared of spiders"), ("fear", "i worry about money all the time"),
    ("surprise", "i was stunned by the result"), ("joy", "i am so proud of my daughter"),
    ("sadness", "i feel bad about what happened"),
)
#: Seed of the development set of meaningless texts (``meaningless.held_out_generated(n, DEV_SEED)``).
DEV_SEED = 7


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
    for s in _DESC_SUBJECTS:
        for v in _DESC_VERBS:
            for c in _COLOURS:
                for t in _THINGS:
                    art = "an" if c[0] in "aeiou" else "a"
                    pool.append(f"{s} {v} {art} {c} {t}")
    for s in _MEAL_SUBJECTS:
        for v in _MEAL_VERBS:
            for f in _FOODS:
                for m in _MEALS:
                    pool.append(" ".join(x for x in (s, v, f, m) if x))
    for s in _PROGRESSIVE:
        for a in _PROGRESSIVE_ACTIONS:
            for t in ("", "now", "this morning", "at the moment", "in the kitchen", "at work"):
                pool.append(" ".join(x for x in (s, a, t) if x))
    pool = sorted(set(pool))
    idx = rng.permutation(len(pool))[:n]
    return [pool[i] for i in idx]


def stripped_windows(texts: Sequence[str], n: int, rng: np.random.Generator, lo: int = 3, hi: int = 8) -> list[str]:
    """Up to ``n`` short windows (``lo`` to ``hi`` tokens) cut from ``texts`` at random.

    Applied to emotion-stripped tweets, these are short neutral fragments: a gate trained
    only on long neutral texts took short everyday sentences for emotional ones.
    """
    out = []
    for i in rng.permutation(len(texts)):
        toks = texts[i].split()
        if len(toks) < lo:
            continue
        k = int(rng.integers(lo, min(hi, len(toks)) + 1))
        start = int(rng.integers(0, len(toks) - k + 1))
        out.append(" ".join(toks[start : start + k]))
        if len(out) >= n:
            break
    return out


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


#: Words skipped between "feel" and the word that names the feeling ("i feel *so very* tired").
_SLOT_SKIP = frozenset(
    "so very really a bit little more quite too pretty extremely incredibly rather kind of kinda "
    "slightly even most less somewhat totally completely just all still now much as the super "
    "utterly particularly fairly terribly truly especially increasingly genuinely oddly strangely "
    "deeply absolutely not that i like im ve been is it this was sort an being".split()
)
_FEEL = frozenset(("feel", "feeling", "felt", "feels"))


def emotion_keywords(texts: Sequence[str], min_count: int = 3, min_share: float = 0.2) -> set[str]:
    """The words that name a feeling in the training tweets.

    The tweets were collected around "i feel <word>" (95.6 % contain "feel" or "feeling"):
    the word that fills that slot (after skipping intensifiers such as "so", "very", "a bit")
    is the emotion keyword. A word is kept when it fills the slot at least ``min_count``
    times and in at least ``min_share`` of its occurrences (which drops function words such
    as "my" or "and"). About 430 words: "overwhelmed", "miserable", "strong", "fine",
    "furious", "terrified", ...; not "car", "bank" or "door", which the label-ratio test of
    :func:`emotion_words` flags by chance.
    """
    slot: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for text in texts:
        toks = tokenize(text)
        for t in toks:
            total[t] += 1
        for i, w in enumerate(toks[:-1]):
            if w in _FEEL:
                j = i + 1
                while j < len(toks) and toks[j] in _SLOT_SKIP:
                    j += 1
                if j < len(toks):
                    slot[toks[j]] += 1
    return {w for w, n in slot.items() if n >= min_count and n / total[w] >= min_share}


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


def neutral_texts(texts: Sequence[str], labels: Sequence[int], cfg, rng: np.random.Generator):
    """The gate's neutral training texts and the emotion keywords (:func:`emotion_keywords`).

    ``cfg.n_factual_neutral`` sentences of the third template family
    (:func:`textbranch.factual.factual_sentences`), ``cfg.n_template_neutral`` of the first
    two, ``cfg.n_stripped_neutral`` training tweets with their emotion words removed (both
    the label-ratio words of :func:`emotion_words` and the keywords), and
    ``cfg.n_window_neutral`` short windows (3-8 tokens) of other emotion-stripped tweets.
    """
    from textbranch.factual import factual_sentences

    keywords = emotion_keywords(texts)
    words = emotion_words(texts, labels, ratio=cfg.emotion_ratio) | keywords
    out = factual_sentences(cfg.n_factual_neutral, rng)
    out += template_sentences(cfg.n_template_neutral, rng)
    stripped = strip_emotion_words(texts, words, cfg.n_stripped_neutral + cfg.n_window_neutral, rng)
    out += stripped[: cfg.n_stripped_neutral]
    out += stripped_windows(stripped[cfg.n_stripped_neutral :], cfg.n_window_neutral, rng)
    return out, keywords


def emotional_windows(
    texts: Sequence[str], labels: Sequence[int], words: set[str], n: int, rng: np.random.Generator,
    lo: int = 2, hi: int = 6,
) -> tuple[list[str], list[int]]:
    """Up to ``n`` short windows (``lo`` to ``hi`` tokens) of training tweets, each around
    one of the tweet's emotion words, with the tweet's label.

    The counterpart of the neutral windows: short texts are emotional when they carry an
    emotion word, so the gate learns to look for emotion content, not for length or form.
    """
    out, out_y = [], []
    for i in rng.permutation(len(texts)):
        toks = tokenize(texts[i])
        pos = [j for j, t in enumerate(toks) if t in words]
        if len(toks) < lo or not pos:
            continue
        k = int(rng.integers(lo, min(hi, len(toks)) + 1))
        j = pos[int(rng.integers(len(pos)))]
        start = int(rng.integers(max(0, j - k + 1), min(j, len(toks) - k) + 1))
        out.append(" ".join(toks[start : start + k]))
        out_y.append(int(labels[i]))
        if len(out) >= n:
            break
    return out, out_y
