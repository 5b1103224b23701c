"""Everything the web app takes from :mod:`brainsim`, in one place.

The app never imports Brian2: it runs simulations as ``python -m brainsim run`` in a
subprocess. What it needs from the simulator package is the profile table (to fill the
form and to check an edited profile with :class:`~brainsim.model.profiles.Profile`'s own
checks), the names of regions, emotions and neuromodulators, the error type, and the text
of the protocol file and the command lines it runs. Keeping these imports here means a
reorganisation of ``brainsim`` touches one module of the app.

PROFILE_NUMBERS
    The numeric fields of a profile (levels and input statistics), as ``Profile`` defines
    them.
builtin_profiles, number_limits, make_profile
    The built-in profiles as plain numbers, the accepted range of each number, and an
    edited profile checked by ``Profile`` itself.
protocol_source
    The protocol file an app run writes into its folder and runs.
simulate_command, finish_command
    The two command lines of a run: simulate, then draw the viewer and figures.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from brainsim.channels import EMOTIONS, MODULATORS, REGIONS
from brainsim.errors import NeuroEmoError
from brainsim.model.profiles import LIMITS, PROFILES, Profile

__all__ = [
    "EMOTIONS", "MODULATORS", "REGIONS", "NeuroEmoError", "PROFILE_NUMBERS", "BACKENDS",
    "builtin_profiles", "number_limits", "make_profile", "protocol_source",
    "simulate_command", "finish_command",
]

#: The numeric fields of :class:`~brainsim.model.profiles.Profile`: the three tonic levels and the
#: input statistics. Read from the dataclass, so a new numeric field shows up in the form.
PROFILE_NUMBERS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Profile) if f.type in ("float", float)
)

#: Backends offered by the app: ``runtime`` runs Brian2's numpy target (no compiler, starts
#: at once); ``cpp_standalone`` compiles a network structure once (a minute) and is then the
#: fastest. ``cuda_standalone`` is left to the command line (it needs a GPU).
BACKENDS: dict[str, str] = {
    "cpp_standalone": "C++ standalone: a new network compiles once (~1 min), then runs fastest",
    "runtime": "Runtime (numpy): nothing to compile, slower per simulated second",
}


def builtin_profiles() -> dict[str, dict[str, Any]]:
    """The built-in profiles as ``{name: Profile.to_dict()}`` (numbers and description)."""
    return {name: profile.to_dict() for name, profile in PROFILES.items()}


def number_limits() -> dict[str, dict[str, float | None]]:
    """The range ``Profile`` accepts for each number: ``{field: {"min": .., "max": ..}}``.

    Levels and rates must be >= 0 and at most :data:`brainsim.model.profiles.LIMITS`;
    ``reward_mean`` is any finite number (``None``: no bound).
    """
    limits: dict[str, dict[str, float | None]] = {}
    for name in PROFILE_NUMBERS:
        if name == "reward_mean":
            limits[name] = {"min": None, "max": None}
        else:
            limits[name] = {"min": 0.0, "max": float(LIMITS.get(name, LIMITS["level"]))}
    return limits


def make_profile(name: str, numbers: Mapping[str, object],
                 region_levels: Mapping[str, Mapping[str, object]] | None = None,
                 description: str = "") -> Profile:
    """A profile checked by :class:`~brainsim.model.profiles.Profile` (ranges, region names).

    Parameters
    ----------
    name : str
        The profile's label.
    numbers : mapping
        A value for every field of :data:`PROFILE_NUMBERS`.
    region_levels : mapping, optional
        ``{region: {modulator: level}}`` overrides.
    description : str
        Stored with the profile.

    Returns
    -------
    Profile

    Raises
    ------
    NeuroEmoError
        With ``Profile``'s message when a number is out of range or not a number.
    """
    levels = {str(r): dict(v) for r, v in (region_levels or {}).items()}
    return Profile(name, **{k: numbers[k] for k in PROFILE_NUMBERS}, region_levels=levels,
                   description=description)


def _number(value: float) -> str:
    text = repr(float(value))
    if not math.isfinite(float(value)):  # pragma: no cover - rejected earlier
        raise ValueError(f"not a finite number: {value!r}")
    return text


def _string(text: str) -> str:
    """A Python string literal of ``text`` (JSON's escapes are Python's too)."""
    return json.dumps(str(text))


def protocol_source(*, profile: Profile, builtin: bool, duration_s: float, seed: int,
                    sentences: Sequence[tuple[str, float]], run_name: str,
                    backend: str) -> str:
    """The protocol file of an app run (written into its folder, then run).

    Parameters
    ----------
    profile : Profile
        The run's profile.
    builtin : bool
        Refer to the built-in profile by name instead of spelling out its numbers.
    duration_s : float
        Run length in seconds; the standard schedule (baseline, threat cues, appetitive cues,
        rewards) is laid over it.
    seed : int
        Seed of inputs, initial state and noise.
    sentences : sequence of (str, float)
        Text and onset (s) of each sentence.
    run_name : str
        The run's folder name, quoted in the file's docstring.
    backend : str
        The backend it ran with, quoted in the docstring's command line.

    Returns
    -------
    str
        Python source defining ``protocol`` (runnable with ``neuroemo run FILE``).
    """
    if builtin:
        profile_code = _string(profile.name)
    else:
        args = [_string(profile.name)] + [f"{k}={_number(getattr(profile, k))}"
                                       for k in PROFILE_NUMBERS]
        if profile.region_levels:
            levels = {r: {m: float(v) for m, v in mods.items()}
                      for r, mods in profile.region_levels.items()}
            args.append(f"region_levels={json.dumps(levels)}")
        if profile.description:
            args.append(f"description={_string(profile.description)}")
        profile_code = "Profile(\n        " + ",\n        ".join(args) + ",\n    )"
    sentence_code = "".join(f"\n        ({_string(text)}, {_number(onset)} * second),"
                            for text, onset in sentences)
    sentence_code = f"[{sentence_code}\n    ]" if sentences else "[]"
    stamp = datetime.now().isoformat(timespec="seconds")
    names = "Protocol, run_cli, standard_phases" if builtin else (
        "Profile, Protocol, run_cli, standard_phases")
    runtime = " --runtime-target numpy" if backend == "runtime" else ""
    return f'''"""Written by `neuroemo app` on {stamp} for the run {run_name}.

Profile {profile.name}{"" if builtin else " (edited)"}, {duration_s:g} s, seed {seed}, with the standard schedule
(baseline, threat cues, appetitive cues, rewards) of protocols/emotional_response.py. Run it again with

    neuroemo run {run_name}/protocol.py --backend {backend}{runtime} --out <new folder>
"""

from brian2 import ms, second

from brainsim import {names}

DURATION = {_number(duration_s)} * second

protocol = Protocol(
    name="app",
    profile={profile_code},
    duration=DURATION,
    dt=0.5 * ms,
    seed={int(seed)},
    phases=standard_phases(DURATION),
    sentences={sentence_code},
)

if __name__ == "__main__":
    run_cli(protocol)
'''


def simulate_command(protocol_file: Path, out: Path, backend: str) -> list[str]:
    """``python -m brainsim run FILE --out OUT --backend B`` (runtime: the numpy target).

    The runtime backend runs Brian2's numpy target: its default (Cython) would compile the
    network for minutes in a new process, which is what ``cpp_standalone`` does better.
    """
    command = [sys.executable, "-m", "brainsim", "run", str(protocol_file), "--out", str(out),
               "--backend", backend]
    if backend == "runtime":
        command += ["--runtime-target", "numpy"]
    return command


def finish_command(folder: Path) -> list[str]:
    """``python -m analysis.app.finish FOLDER``: viewer and figures of a finished run."""
    return [sys.executable, "-m", "analysis.app.finish", str(folder)]
