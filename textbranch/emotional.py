"""Short emotional sentences outside the tweets' style, for the gate's content part.

The tweets say "i feel <word> ..." at length; the neutral material (templates, factual
sentences) is short and plain. A content detector trained on only these learns "short and
plain = neutral", and the first run of the content x congruence gate closed for "i love my
family", "i hate how they treated me" or "i feel great after my run". These templates are
the emotional counterpart of the neutral ones: the same kind of short frames, with an
emotion word in them, so that the gate learns that the emotion word, not the style, opens it.

The emotion words come from the data: the training tweets' emotion keywords
(:func:`textbranch.neutral.emotion_keywords`) that are class-specific (smoothed
``max_c p(c | w) / p(c) >= 1.5`` over at least 5 tweets), each with the label most of its
tweets carry, and a short hand-written list of emotion verbs ("love", "hate", "miss",
"dread", ...), labelled the same way from the tweets that contain them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from brainsim.channels import EMOTIONS
from textbranch.tokenizer import tokenize

#: Emotion verbs for "i <verb> <object>" frames (their labels come from the data).
VERBS = ("love", "adore", "cherish", "hate", "despise", "resent", "miss", "mourn", "fear", "dread",
         "enjoy", "worry about", "cant stand", "am afraid of", "am angry at", "am grateful for")
_OBJECTS = ("my brother", "my sister", "my job", "my family", "my friends", "this song", "the traffic",
            "my dog", "my neighbours", "this town", "the winter", "my boss", "the exam", "my teacher",
            "these holidays", "the dark", "my cat", "the weekend", "our garden", "my old school",
            "the news", "the noise", "my team", "that film", "the hospital", "my parents")
_FRAMES = ("i feel {w}", "i am {w}", "i am so {w}", "im {w} today", "she is {w}", "he looks {w}",
           "we were {w} about it", "this makes me {w}", "i was {w} all day", "they seem {w}",
           "so {w} right now", "i feel {w} about {o}", "my {p} is {w}", "i am {w} with {o}",
           "{w} again", "i got {w} when i saw {o}")
_PEOPLE = ("mother", "father", "friend", "son", "daughter", "husband", "wife", "boss", "neighbour")


def labelled_words(texts: Sequence[str], labels: Sequence[int], words, k: float = 10.0,
                   ratio: float = 1.5, min_count: int = 5) -> dict[str, int]:
    """``{word: label}`` for those ``words`` (tokens or multi-word phrases) whose tweets
    carry a class-specific label (smoothed ``max_c p(c | w) / p(c) >= ratio``, at least
    ``min_count`` tweets); the label is that class. A phrase counts in a tweet that contains
    all of its tokens in order."""
    n_cls = len(EMOTIONS)
    base = np.bincount(np.asarray(labels), minlength=n_cls) / len(labels)
    wanted = {w: tuple(w.split()) for w in words}
    counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(n_cls))
    for text, label in zip(texts, labels, strict=True):
        toks = tokenize(text)
        joined = " " + " ".join(toks) + " "
        present = set(toks)
        for w, parts in wanted.items():
            if (len(parts) == 1 and parts[0] in present) or (len(parts) > 1 and f" {w} " in joined):
                counts[w][label] += 1
    out = {}
    for w in wanted:
        c = counts.get(w)
        if c is None or c.sum() < min_count:
            continue
        p = (c + k * base) / (c.sum() + k)
        if (p / base).max() >= ratio:
            out[w] = int((p / base).argmax())
    return out


def emotional_templates(n: int, keywords: dict[str, int], verbs: dict[str, int],
                        rng: np.random.Generator, exclude=()) -> tuple[list[str], list[int]]:
    """Up to ``n`` distinct short emotional sentences with their labels: a keyword in a
    frame (two in three) or "i <verb> <object>" (one in three)."""
    kw, vb = sorted(keywords), sorted(verbs)
    out, out_y, seen = [], [], set(exclude)
    tries = 0
    while len(out) < n and tries < 20 * n:
        tries += 1
        if vb and rng.random() < 1 / 3:
            v = vb[int(rng.integers(len(vb)))]
            s, y = f"i {v} {_OBJECTS[int(rng.integers(len(_OBJECTS)))]}", verbs[v]
        else:
            w = kw[int(rng.integers(len(kw)))]
            s = _FRAMES[int(rng.integers(len(_FRAMES)))].format(
                w=w, o=_OBJECTS[int(rng.integers(len(_OBJECTS)))], p=_PEOPLE[int(rng.integers(len(_PEOPLE)))])
            y = keywords[w]
        if s not in seen:
            seen.add(s)
            out.append(s)
            out_y.append(y)
    return out, out_y
