"""Held-out sets for the gate: never used in training or in choosing its settings.

- ``heldout/neutral_sentences.txt``: 118 hand-written neutral factual sentences (the
  earlier 20 of :data:`textbranch.neutral.HELD_OUT_NEUTRAL` and 98 more);
- ``heldout/meaningless.txt``: 42 hand-written meaningless or unknown texts (emoji, random
  letters, made-up words, numbers, other scripts, rare technical words);
- ``heldout/emotional_sentences.txt``: 31 hand-written emotional first-person sentences
  with their emotion, for the gate's profile dependence, and ``emotional_sentences_2.txt``
  (30 more, written later as the blind check of a fix; see the file's header);
- the generated set :func:`textbranch.meaningless.held_out_generated` (seed
  :data:`textbranch.meaningless.HELD_OUT_SEED`, 100 texts per family).

:func:`held_out_sets` returns all of them by name; training excludes every one of these
texts from its own material.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "heldout"


def read_list(name: str) -> list[str]:
    """The texts of ``heldout/<name>`` (one per line; blank lines and ``#`` comments skipped)."""
    lines = (FOLDER / name).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def held_out_sets(n_per_family: int = 100) -> dict[str, list[str]]:
    """``{"neutral": [...], "meaningless": [...], "generated/<family>": [...], ...}``."""
    from textbranch.meaningless import held_out_generated

    out = {"neutral": read_list("neutral_sentences.txt"), "meaningless": read_list("meaningless.txt")}
    for fam, texts in held_out_generated(n_per_family).items():
        out[f"generated/{fam}"] = texts
    return out


def all_held_out_texts() -> set[str]:
    """Every held-out text (neutral, meaningless, generated, emotional), for excluding them
    from training material."""
    out = {t for texts in held_out_sets().values() for t in texts}
    for name in EMOTIONAL_FILES:
        out |= {t for _, t in held_out_emotional(name)}
    return out


#: The held-out emotional sentence files (see each file's header for when it was written).
EMOTIONAL_FILES = ("emotional_sentences.txt", "emotional_sentences_2.txt", "emotional_sentences_3.txt")


def held_out_emotional(name: str = "emotional_sentences.txt") -> list[tuple[str, str]]:
    """``(emotion, sentence)`` pairs of ``heldout/<name>`` (``emotional_sentences.txt`` or
    ``emotional_sentences_2.txt``)."""
    out = []
    for line in read_list(name):
        emotion, text = line.split("\t")
        out.append((emotion.strip(), text.strip()))
    return out
