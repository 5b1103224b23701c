"""Sentences -> the fixed-shape arrays that drive the Brian2 network (the text contract).

See ``docs/architecture.md`` ("Text -> network contract"). For each sentence shown from
``onset`` for ``duration`` seconds, the model gives probabilities ``p`` (6) and a gate
``g`` for the profile's levels; over the run's ``n_steps = round(duration / dt)`` steps:

- ``drive[k, c] = g * p[c]`` while the sentence is shown, 0 otherwise;
- ``bias_weight[k] = 1 - g`` while the sentence is shown, 1 otherwise.

Step ``k`` covers ``[k * dt, (k + 1) * dt)``; a sentence covers steps
``round(onset / dt)`` up to (excluding) ``round((onset + duration) / dt)``, clipped to the
run's end (a sentence may run past the end of the run; only its onset must lie inside).
Sentences must not overlap. The array shapes depend only on ``duration`` and ``dt``, never
on the sentences, so a compiled standalone build can be re-run with other sentences.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from brainsim.channels import EMOTIONS
from brainsim.errors import ConfigError

if TYPE_CHECKING:  # torch is imported lazily
    from textbranch.checkpoint import Checkpoint


@dataclass
class GatingArrays:
    """Text input for one run.

    Attributes
    ----------
    drive : numpy.ndarray
        ``float64[n_steps, 6]``: ``g * p[channel]`` while a sentence is shown, else 0.
    bias_weight : numpy.ndarray
        ``float64[n_steps]``: ``1 - g`` while a sentence is shown, else 1.
    events : list of dict
        One per sentence, in onset order: ``{text, onset_s, duration_s, probabilities:
        {emotion: p}, gate, winner}``.
    dt : float
        Time step of the arrays in seconds.
    """

    drive: np.ndarray
    bias_weight: np.ndarray
    events: list[dict] = field(default_factory=list)
    dt: float = 1e-3

    @property
    def n_steps(self) -> int:
        """Number of time steps."""
        return int(self.bias_weight.shape[0])


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{what} must be a finite number of seconds, got {value!r}")
    return float(value)


def _check_sentences(sentences: object, duration: float) -> list[tuple[str, float, float]]:
    from textbranch.inference import check_text

    if isinstance(sentences, str | bytes) or not isinstance(sentences, Sequence):
        raise ConfigError(
            "sentences must be a list of (text, onset_s, duration_s) tuples, "
            f"got {type(sentences).__name__}"
        )
    out = []
    for i, item in enumerate(sentences):
        if not isinstance(item, Sequence) or isinstance(item, str) or len(item) != 3:
            raise ConfigError(f"sentence {i} must be a (text, onset_s, duration_s) tuple, got {item!r}")
        text, onset, dur = item
        try:
            check_text(text)
        except ConfigError as err:
            raise ConfigError(f"sentence {i}: {err}") from None
        onset = _number(onset, f"onset of sentence {i} ({text!r})")
        dur = _number(dur, f"duration of sentence {i} ({text!r})")
        if not 0 <= onset < duration:
            raise ConfigError(
                f"sentence {i} ({text!r}) starts at {onset} s, outside the run [0, {duration}) s"
            )
        if dur <= 0:
            raise ConfigError(f"sentence {i} ({text!r}) has duration {dur} s; it must be > 0")
        out.append((text, onset, dur))
    return out


def gating_arrays(
    sentences: Sequence[tuple[str, float, float]],
    levels: dict[str, float],
    duration: float,
    dt: float,
    checkpoint: Checkpoint | str | Path | None = None,
) -> GatingArrays:
    """Compute the text drive and the profile-bias weight over a run.

    Parameters
    ----------
    sentences : sequence of (str, float, float)
        ``(text, onset_s, duration_s)`` per sentence; may be empty (then ``drive`` is 0 and
        ``bias_weight`` 1 everywhere, and no model is loaded).
    levels : dict
        The profile: ``{"serotonin": s, "dopamine": d, "norepinephrine": n}`` in [0, 1].
    duration : float
        Run length in seconds (> 0).
    dt : float
        Time step of the arrays in seconds (> 0; the simulator uses 1e-3).
    checkpoint : str, Path or Checkpoint, optional
        Model to use; default the shipped checkpoint, loaded once per process.

    Returns
    -------
    GatingArrays

    Raises
    ------
    ConfigError
        Bad ``duration``/``dt``/levels, a sentence that is empty, has no words, starts
        outside ``[0, duration)``, has a duration <= 0, or overlaps another sentence.
    NeuroEmoError
        Missing or corrupt checkpoint.
    """
    from textbranch.priors import check_levels

    duration = _number(duration, "the run duration")
    dt = _number(dt, "dt")
    if duration <= 0 or dt <= 0:
        raise ConfigError(f"duration and dt must be > 0 seconds, got duration={duration}, dt={dt}")
    n_steps = round(duration / dt)
    if n_steps < 1:
        raise ConfigError(f"duration {duration} s is shorter than one time step dt={dt} s")
    check_levels(levels)
    items = sorted(_check_sentences(sentences, duration), key=lambda s: s[1])
    spans = []
    for text, onset, dur in items:
        start = round(onset / dt)
        stop = min(n_steps, max(start + 1, round((onset + dur) / dt)))
        if spans and start < spans[-1][1]:
            raise ConfigError(
                f"sentence {text!r} at {onset} s overlaps the previous sentence "
                f"{spans[-1][2]!r}; sentences must not overlap"
            )
        spans.append((start, stop, text))
    drive = np.zeros((n_steps, len(EMOTIONS)), dtype=np.float64)
    bias_weight = np.ones(n_steps, dtype=np.float64)
    events: list[dict] = []
    if items:
        from textbranch.inference import predict

        probs, gates = predict([t for t, _, _ in items], levels, checkpoint)
        for (text, onset, dur), (start, stop, _), p, g in zip(items, spans, probs, gates, strict=True):
            drive[start:stop] = g * p
            bias_weight[start:stop] = 1.0 - g
            events.append({
                "text": text,
                "onset_s": onset,
                "duration_s": dur,
                "probabilities": {e: float(v) for e, v in zip(EMOTIONS, p, strict=True)},
                "gate": float(g),
                "winner": EMOTIONS[int(np.argmax(p))],
            })
    return GatingArrays(drive=drive, bias_weight=bias_weight, events=events, dt=dt)
