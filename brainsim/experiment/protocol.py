"""Protocols: what a lab protocol says — profile, phases, stimuli, rewards, sentences, overrides.

A protocol file in ``protocols/`` builds a :class:`Protocol` (or a list of them, for a
comparison) and ends with ``run_cli(protocol)`` so that ``python protocols/x.py [options]``
and ``neuroemo run protocols/x.py [options]`` do the same thing.

Example
-------
>>> from brian2 import second, Hz
>>> p = Protocol(name="demo", profile="healthy", duration=1*second,
...              phases=[Phase("baseline", 0*second, 1*second)])
>>> p.duration
1. * second
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import brian2 as b2
from brian2 import Hz, ms, second

from brainsim.channels import NOISE_FORMULATIONS
from brainsim.errors import ConfigError
from brainsim.experiment.overrides import check_overrides
from brainsim.model.equations import check_modulation_expressions
from brainsim.model.network import INPUT_DT
from brainsim.model.parameters import DT as DEFAULT_DT
from brainsim.model.profiles import Profile, get_profile

_FOLDER_NAME = re.compile(r"[A-Za-z0-9_+=][A-Za-z0-9 _.,+=-]*")


def is_folder_name(name: object) -> bool:
    """Whether ``name`` is safe as a folder name: letters, digits, spaces and ``_ . , + = -``
    only (no ``/``, no leading dot or dash), at most 200 characters."""
    return isinstance(name, str) and len(name) <= 200 and bool(_FOLDER_NAME.fullmatch(name))


def check_folder_name(name: str, what: str) -> str:
    """Raise :class:`ConfigError` unless ``name`` :func:`is_folder_name` (``name`` becomes a
    folder, so results stay inside their output folder)."""
    if not is_folder_name(name):
        raise ConfigError(
            f"{what} {name!r} is used as a folder name: use letters, digits, spaces and "
            "_ . , + = - (no '/', no leading '.' or '-', at most 200 characters)."
        )
    return name


def _check_time(value: object, what: str, *, allow_zero: bool = True) -> b2.Quantity:
    if not isinstance(value, b2.Quantity) or not b2.have_same_dimensions(value, second):
        raise ConfigError(
            f"{what} must be a time with units, e.g. 2*second or 500*ms; got {value!r}."
        )
    v = float(value)
    if not math.isfinite(v):
        raise ConfigError(f"{what} must be finite, got {value!r}.")
    if v < 0 or (v == 0 and not allow_zero):
        raise ConfigError(f"{what} must be {'>=' if allow_zero else '>'} 0, got {value!r}.")
    return value


def _check_rate(value: object, what: str) -> b2.Quantity:
    if not isinstance(value, b2.Quantity) or not b2.have_same_dimensions(value, Hz):
        raise ConfigError(f"{what} must be a rate with units, e.g. 2*Hz; got {value!r}.")
    if not math.isfinite(float(value)) or float(value) < 0:
        raise ConfigError(f"{what} must be a finite rate >= 0, got {value!r}.")
    return value


@dataclass(frozen=True)
class Phase:
    """One block of the schedule.

    Attributes
    ----------
    name : str
        Shown in figures.
    start, end : Quantity
        Times within the run.
    threat_cue_rate : Quantity
        Rate of brief threat cues (Poisson) on the ``threat`` sensory channel.
    appetitive_cue_rate : Quantity
        Rate of brief appetitive cues on the ``appetitive`` channel.
    rewards : bool
        Whether reward events (at the profile's reward rate) occur in this phase.
    context_gain : float
        Multiplies the ongoing ``context`` sensory rate.
    """

    name: str
    start: b2.Quantity
    end: b2.Quantity
    threat_cue_rate: b2.Quantity = field(default_factory=lambda: 0 * Hz)
    appetitive_cue_rate: b2.Quantity = field(default_factory=lambda: 0 * Hz)
    rewards: bool = False
    context_gain: float = 1.0

    def validate(self, duration: b2.Quantity) -> None:
        """Check the phase's times and rates against the protocol's ``duration``; raise
        :class:`ConfigError` on the first problem."""
        _check_time(self.start, f"Phase {self.name!r} start")
        _check_time(self.end, f"Phase {self.name!r} end")
        if float(self.end) <= float(self.start):
            raise ConfigError(f"Phase {self.name!r} ends ({self.end}) before it starts "
                              f"({self.start}); swap or fix the times.")
        if float(self.end) > float(duration) + 1e-12:
            raise ConfigError(f"Phase {self.name!r} ends at {self.end}, after the end of the "
                              f"run ({duration}); shorten the phase or lengthen the run.")
        _check_rate(self.threat_cue_rate, f"Phase {self.name!r} threat_cue_rate")
        _check_rate(self.appetitive_cue_rate, f"Phase {self.name!r} appetitive_cue_rate")
        if not math.isfinite(self.context_gain) or self.context_gain < 0:
            raise ConfigError(f"Phase {self.name!r}: context_gain must be >= 0.")


@dataclass(frozen=True)
class Sentence:
    """A sentence the person reads at ``onset`` for ``duration``.

    Attributes
    ----------
    text : str
        The sentence (the text branch lower-cases and tokenises it).
    onset : Quantity
        When it is shown.
    duration : Quantity
        How long it is shown (default 500 ms).
    """

    text: str
    onset: b2.Quantity
    duration: b2.Quantity = field(default_factory=lambda: 500 * ms)


@dataclass(frozen=True)
class Protocol:
    """A complete, validated description of one simulation.

    Attributes
    ----------
    name : str
        Name of the protocol (used for the default results folder).
    profile : str or Profile
        Built-in profile name or a :class:`~brainsim.model.profiles.Profile`.
    duration : Quantity
        Length of the run.
    dt : Quantity
        Integration time step (forward Euler). Default 0.5 ms: region rates within 4.2 %
        and the same winners as at 0.1 ms over every profile and seeds 1-3, at 0.6 of the
        cost (docs/model.md, "Time step"). Use 0.1 ms for spike timing finer than 0.5 ms.
    seed : int
        Seed of inputs, initial state and noise.
    phases : list of Phase
        The schedule; times not covered by a phase are baseline.
    rewards : list of (Quantity, float)
        Explicit reward events (time, magnitude) on top of those of reward phases.
    sentences : list of Sentence or (text, onset[, duration])
        Text shown to the person (needs the text branch).
    modulation : dict of str to str
        Replacement neuromodulator expressions (``gain``, ``threshold_shift``,
        ``noise_scale``); see :mod:`brainsim.model.equations`.
    parameters : dict
        ``{"amygdala.sigma_v": 4*mV, "plasticity.eta": ...}``: model parameters to change,
        dotted names with units (:mod:`brainsim.experiment.overrides`).
    scale : float
        Region-size factor.
    noise : str
        ``"kick"`` (default, fast) or ``"xi"`` (Brian2 white noise).
    """

    name: str
    profile: str | Profile
    duration: b2.Quantity
    dt: b2.Quantity = field(default_factory=lambda: DEFAULT_DT)
    seed: int = 1
    phases: list[Phase] = field(default_factory=list)
    rewards: list[tuple[b2.Quantity, float]] = field(default_factory=list)
    sentences: list = field(default_factory=list)
    modulation: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, b2.Quantity | float] = field(default_factory=dict)
    scale: float = 1.0
    noise: str = "kick"
    description: str = ""
    #: A closed-loop task (:mod:`brainsim.experiment.tasks`): its circuit is added to the
    #: network, its trials written to ``task.parquet`` and its metrics to ``meta.json``.
    task: object = None

    def __post_init__(self) -> None:
        for name in ("phases", "rewards", "sentences"):
            if not isinstance(getattr(self, name), list | tuple):
                raise ConfigError(f"Protocol {name} must be a list, got "
                                  f"{getattr(self, name)!r} (use [] for none).")
        for name in ("modulation", "parameters"):
            if not isinstance(getattr(self, name), dict):
                raise ConfigError(f"Protocol {name} must be a dict, got "
                                  f"{getattr(self, name)!r} (use {{}} for none).")
        object.__setattr__(self, "profile", get_profile(self.profile))
        object.__setattr__(self, "sentences", [_as_sentence(s) for s in self.sentences])
        self.validate()

    def validate(self) -> None:
        """Check names, units and times; raise :class:`ConfigError` on the first problem."""
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError("A protocol needs a non-empty name.")
        check_folder_name(self.name, "Protocol name")
        _check_time(self.duration, "Protocol duration", allow_zero=False)
        if float(self.duration) < float(INPUT_DT) - 1e-12:
            raise ConfigError(f"Protocol duration {self.duration} is shorter than the 1 ms step "
                              "of the inputs; give at least 1*ms.")
        steps = float(self.duration / INPUT_DT)
        if abs(steps - round(steps)) > 1e-6:
            # the inputs and the neuromodulation step every 1 ms: the last fraction of a
            # step would run without input while the readout counted it
            lower, upper = math.floor(steps), math.ceil(steps)
            raise ConfigError(
                f"Protocol duration {float(self.duration / ms):.10g} ms is not a whole number "
                f"of the 1 ms steps of the inputs; use {lower} ms or {upper} ms (e.g. "
                f"--duration {lower}ms).")
        _check_time(self.dt, "Protocol dt", allow_zero=False)
        if float(self.dt) > float(INPUT_DT):
            raise ConfigError(f"dt = {self.dt} is too coarse for the neuron model; use <= 1*ms.")
        steps = float(INPUT_DT / self.dt)
        if abs(steps - round(steps)) > 1e-6:
            raise ConfigError(f"dt = {self.dt} does not divide the 1 ms step of the inputs and "
                              "the neuromodulation; use 1*ms/k, e.g. 0.1*ms, 0.2*ms, 0.25*ms "
                              "or 0.5*ms.")
        if (isinstance(self.seed, bool) or not isinstance(self.seed, int)
                or not 0 <= self.seed < 2**32):
            raise ConfigError(f"seed must be an integer from 0 to 2**32 - 1 (Brian2's and "
                              f"numpy's seed range), got {self.seed!r}.")
        for phase in self.phases:
            if not isinstance(phase, Phase):
                raise ConfigError(f"phases must be Phase objects, got {phase!r}.")
            phase.validate(self.duration)
        for item in self.rewards:
            if not (isinstance(item, tuple | list) and len(item) == 2):
                raise ConfigError(f"Each reward must be (time, magnitude), got {item!r}.")
            t, magnitude = item
            _check_time(t, "Reward time")
            if float(t) >= float(self.duration):
                raise ConfigError(f"Reward at {t} is outside the run (duration {self.duration}); "
                                  "move it into the run or lengthen the duration.")
            if not isinstance(magnitude, int | float) or not math.isfinite(magnitude):
                raise ConfigError(f"Reward magnitude must be a finite number, got {magnitude!r}.")
        for s in self.sentences:
            _check_time(s.onset, f"Onset of sentence {s.text!r}")
            _check_time(s.duration, f"Duration of sentence {s.text!r}", allow_zero=False)
            if not s.text.strip():
                raise ConfigError("A sentence is empty; give it some text.")
            if float(s.onset) >= float(self.duration):
                raise ConfigError(f"Sentence {s.text!r} starts at {s.onset}, after the run ends "
                                  f"({self.duration}).")
        check_modulation_expressions(self.modulation)
        object.__setattr__(self, "parameters", check_overrides(self.parameters))
        if (not isinstance(self.scale, int | float) or not math.isfinite(self.scale)
                or self.scale <= 0):
            raise ConfigError(f"scale must be a positive number, got {self.scale!r} "
                              "(1 = default region sizes).")
        if self.noise not in NOISE_FORMULATIONS:
            raise ConfigError(f"noise must be 'kick', 'xi' or 'none', got {self.noise!r}.")
        if self.task is not None:
            if not all(hasattr(self.task, a) for a in ("circuit", "values", "analyse",
                                                       "duration")):
                raise ConfigError(f"task must be a brainsim.experiment.tasks.Task, got "
                                  f"{self.task!r}.")
            if abs(float(self.task.duration) - float(self.duration)) > 1e-9:
                raise ConfigError(f"The task lasts {self.task.duration} but the protocol "
                                  f"{self.duration}; give duration=task.duration.")

    def with_changes(self, **changes: object) -> Protocol:
        """A copy with some fields replaced (validated again).

        Parameters
        ----------
        **changes
            Field names of :class:`Protocol` and their new values.

        Returns
        -------
        Protocol
        """
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """A JSON-friendly description (times in ms)."""
        profile = self.profile
        return {
            "name": self.name,
            "profile": profile.to_dict() if isinstance(profile, Profile) else profile,
            "duration_ms": float(self.duration / ms),
            "dt_ms": float(self.dt / ms),
            "seed": self.seed,
            "phases": [{"name": p.name, "start_ms": float(p.start / ms),
                        "end_ms": float(p.end / ms),
                        "threat_cue_rate_hz": float(p.threat_cue_rate / Hz),
                        "appetitive_cue_rate_hz": float(p.appetitive_cue_rate / Hz),
                        "rewards": p.rewards, "context_gain": p.context_gain}
                       for p in self.phases],
            "rewards": [{"t_ms": float(t / ms), "magnitude": m} for t, m in self.rewards],
            "sentences": [{"text": s.text, "onset_ms": float(s.onset / ms),
                           "duration_ms": float(s.duration / ms)} for s in self.sentences],
            "modulation": dict(self.modulation),
            "parameters": {name: str(v) for name, v in self.parameters.items()},
            "scale": self.scale,
            "noise": self.noise,
            "description": self.description,
            "task": self.task.to_dict() if self.task is not None else None,
        }


def _as_sentence(item) -> Sentence:
    if isinstance(item, Sentence):
        return item
    if isinstance(item, tuple | list) and 2 <= len(item) <= 3 and isinstance(item[0], str):
        return Sentence(*item)
    raise ConfigError(
        f"A sentence must be Sentence(text, onset[, duration]) or (text, onset[, duration]) "
        f"with times in units; got {item!r}."
    )


def standard_phases(duration: b2.Quantity) -> list[Phase]:
    """The default schedule: baseline, threat cues, appetitive cues, rewards, in quarters.

    Parameters
    ----------
    duration : Quantity
        The protocol's duration; each phase is a quarter of it.

    Returns
    -------
    list of Phase
    """
    q = duration / 4
    return [
        Phase("baseline", 0 * second, q),
        Phase("threat cues", q, 2 * q, threat_cue_rate=3 * Hz),
        Phase("appetitive cues", 2 * q, 3 * q, appetitive_cue_rate=3 * Hz),
        Phase("rewards", 3 * q, 4 * q, rewards=True),
    ]
