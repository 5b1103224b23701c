"""Checking what the page sends before anything is written or run.

A run request is JSON::

    {"profile": {"base": "depressed", "name": "depressed-edited", "serotonin": 0.2, ...,
                 "region_levels": {"amygdala": {"norepinephrine": 0.9}}},
     "duration_s": 1.0, "seed": 1, "backend": "runtime",
     "sentences": [{"text": "i feel strong", "onset_s": 0.5}]}

``profile`` may also be just a built-in name (``"profile": "healthy"``); numbers left out of
an edited profile are taken from its ``base``. Every problem is reported as one
:class:`RequestError` line that the page shows as it is.

RunRequest
    A checked request: the profile (built-in or edited), duration, seed, sentences, backend.
parse_run_request
    JSON object -> :class:`RunRequest`, or :class:`RequestError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.app.simulator import (
    BACKENDS,
    MODULATORS,
    PROFILE_NUMBERS,
    REGIONS,
    NeuroEmoError,
    builtin_profiles,
    make_profile,
)

__all__ = ["RequestError", "RunRequest", "parse_run_request", "DURATION_S", "MAX_SENTENCES",
           "MAX_SENTENCE_CHARS", "MAX_SEED", "PROFILE_NAME"]

#: Shortest and longest run the app starts, in seconds (longer runs: `neuroemo run`).
DURATION_S: tuple[float, float] = (0.1, 10.0)
MAX_SENTENCES = 10
MAX_SENTENCE_CHARS = 300
#: Seeds are Brian2's and numpy's range, 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1
#: A profile name becomes part of a folder name: letters, digits and ``_ . + = -``.
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+=-]{0,39}")


class RequestError(ValueError):
    """A request the app refuses; ``str(err)`` is one line for the page."""


@dataclass(frozen=True)
class RunRequest:
    """A checked run request.

    Attributes
    ----------
    profile_name : str
        The profile's label (a built-in name, or the edited profile's own name).
    base : str
        The built-in profile the form started from.
    builtin : bool
        Whether the profile is the built-in ``base`` unchanged.
    numbers : dict of str to float
        Every field of :data:`~analysis.app.simulator.PROFILE_NUMBERS`.
    region_levels : dict
        ``{region: {modulator: level}}`` overrides (empty for most runs).
    duration_s : float
    seed : int
    sentences : tuple of (str, float)
        Text and onset in seconds, onset inside the run.
    backend : str
        ``runtime`` or ``cpp_standalone``.
    """

    profile_name: str
    base: str
    builtin: bool
    numbers: dict[str, float]
    region_levels: dict[str, dict[str, float]]
    duration_s: float
    seed: int
    sentences: tuple[tuple[str, float], ...]
    backend: str

    def to_dict(self) -> dict[str, Any]:
        """The request as JSON-ready data (stored in the run's ``app.json``)."""
        return {"profile": {"base": self.base, "name": self.profile_name,
                            "builtin": self.builtin, **self.numbers,
                            "region_levels": self.region_levels},
                "duration_s": self.duration_s, "seed": self.seed, "backend": self.backend,
                "sentences": [{"text": t, "onset_s": o} for t, o in self.sentences]}


def _finite(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = "nothing" if value is None else repr(value)
        raise RequestError(f"{what} must be a number, got {shown}.")
    if not math.isfinite(value):
        raise RequestError(f"{what} must be a finite number, got {value!r}.")
    return float(value)


def _profile(data: object) -> tuple[str, str, bool, dict[str, float], dict]:
    builtins = builtin_profiles()
    if isinstance(data, str):
        data = {"base": data}
    if not isinstance(data, Mapping):
        raise RequestError("profile must be a built-in profile name or an object of levels.")
    base = data.get("base", data.get("name"))
    if base not in builtins:
        raise RequestError(f"Unknown profile {base!r}; built-in profiles: "
                           f"{', '.join(builtins)}.")
    name = data.get("name", base)
    if not isinstance(name, str) or not PROFILE_NAME.fullmatch(name):
        raise RequestError(f"Profile name {name!r} is not usable: 1-40 letters, digits or "
                           "_ . + = -, starting with a letter or digit.")
    numbers = {}
    for key in PROFILE_NUMBERS:
        numbers[key] = _finite(data.get(key, builtins[base][key]), key.replace("_", " "))
    region_levels: dict[str, dict[str, float]] = {}
    raw_levels = data.get("region_levels") or {}
    if not isinstance(raw_levels, Mapping):
        raise RequestError("region_levels must map regions to {modulator: level}.")
    for region, levels in raw_levels.items():
        if region not in REGIONS:
            raise RequestError(f"Unknown region {region!r} in the per-region levels; regions: "
                               f"{', '.join(REGIONS)}.")
        if not isinstance(levels, Mapping):
            raise RequestError(f"Per-region levels of {region} must map modulators to levels.")
        for modulator, value in levels.items():
            if modulator not in MODULATORS:
                raise RequestError(f"Unknown neuromodulator {modulator!r} for {region}; "
                                   f"known: {', '.join(MODULATORS)}.")
            if value is None or value == "":
                continue  # left blank: the profile-wide level
            level = _finite(value, f"{modulator} level of {region}")
            region_levels.setdefault(region, {})[modulator] = level
    try:  # Profile's own checks (ranges) are the authority
        profile = make_profile(name, numbers, region_levels)
    except NeuroEmoError as err:
        raise RequestError(str(err).replace(f"Profile {name!r}: ", "")) from None
    reference = make_profile(name, builtins[base], builtins[base]["region_levels"])
    builtin = name == base and profile.signature() == reference.signature()
    if not builtin and name in builtins:
        raise RequestError(f"{name!r} is a built-in profile and these numbers differ from it: "
                           f"give the edited profile another name (e.g. {base}-edited).")
    return name, base, builtin, numbers, region_levels


def parse_run_request(data: object) -> RunRequest:
    """Check a run request sent by the page.

    Parameters
    ----------
    data : object
        The decoded JSON body.

    Returns
    -------
    RunRequest

    Raises
    ------
    RequestError
        On the first problem, with a one-line message.
    """
    if not isinstance(data, Mapping):
        raise RequestError("The request must be a JSON object.")
    name, base, builtin, numbers, region_levels = _profile(data.get("profile"))

    low, high = DURATION_S
    duration = _finite(data.get("duration_s"), "Duration")
    if not low <= duration <= high:
        raise RequestError(f"Duration must be from {low:g} s to {high:g} s, got {duration:g} s "
                           "(longer runs: `neuroemo run`).")
    if abs(duration * 1000 - round(duration * 1000)) > 1e-6:
        raise RequestError(f"Duration must be a whole number of milliseconds, got "
                           f"{duration!r} s.")
    duration = round(duration * 1000) / 1000

    seed = data.get("seed")
    if isinstance(seed, float) and seed.is_integer():
        seed = int(seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise RequestError(f"Seed must be an integer from 0 to {MAX_SEED}, got "
                           f"{'nothing' if seed is None else repr(seed)}.")

    backend = data.get("backend", "cpp_standalone")
    if backend not in BACKENDS:
        raise RequestError(f"Unknown backend {backend!r}; the app runs {', '.join(BACKENDS)}.")

    raw_sentences = data.get("sentences") or []
    if not isinstance(raw_sentences, list):
        raise RequestError("sentences must be a list of {text, onset_s}.")
    if len(raw_sentences) > MAX_SENTENCES:
        raise RequestError(f"At most {MAX_SENTENCES} sentences per run, got "
                           f"{len(raw_sentences)}.")
    sentences = []
    for k, item in enumerate(raw_sentences, start=1):
        if not isinstance(item, Mapping):
            raise RequestError(f"Sentence {k} must be an object with text and onset_s.")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise RequestError(f"Sentence {k} is empty; type some text or remove it.")
        text = " ".join(text.split())
        if len(text) > MAX_SENTENCE_CHARS:
            raise RequestError(f"Sentence {k} is longer than {MAX_SENTENCE_CHARS} characters.")
        onset = _finite(item.get("onset_s"), f"Onset of sentence {k}")
        if not 0 <= onset < duration:
            raise RequestError(f"Sentence {k} starts at {onset:g} s, outside the run "
                               f"(0 to {duration:g} s).")
        sentences.append((text, onset))

    return RunRequest(profile_name=name, base=base, builtin=builtin, numbers=numbers,
                      region_levels=region_levels, duration_s=duration, seed=seed,
                      sentences=tuple(sentences), backend=backend)
