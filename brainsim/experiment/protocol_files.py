"""Load protocol files and apply command-line changes to them.

A protocol file is a Python script that defines ``protocol`` (one :class:`Protocol`) or
``protocols`` (a list, e.g. one per profile). :func:`load_protocol_file` runs it without
triggering its ``if __name__ == "__main__"`` block.
"""

from __future__ import annotations

import re
import runpy
from dataclasses import replace
from pathlib import Path

import brian2 as b2

from brainsim.errors import ConfigError
from brainsim.experiment.protocol import Protocol, Sentence

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\*?\s*([A-Za-z]+)\s*$")
_TIME_UNITS = {"s": b2.second, "sec": b2.second, "second": b2.second, "seconds": b2.second,
               "ms": b2.ms, "msecond": b2.ms, "us": b2.us}


def parse_time(text: str) -> b2.Quantity:
    """Parse ``"2s"``, ``"500 ms"`` or ``"2*second"`` into a Brian2 time.

    >>> parse_time("500ms")
    500. * msecond
    """
    m = _QUANTITY.match(str(text))
    if not m or m.group(2) not in _TIME_UNITS:
        raise ConfigError(
            f"Cannot read the time {text!r}: write a number with a unit, e.g. 2s or 500ms."
        )
    return float(m.group(1)) * _TIME_UNITS[m.group(2)]


def parse_sentence(text: str) -> Sentence:
    """Parse ``"I feel strong@1.5s"`` (onset after the last ``@``; default duration 0.5 s)."""
    if "@" not in text:
        raise ConfigError(
            f"--text {text!r} needs an onset: write it as \"SENTENCE@ONSET\", e.g. "
            "\"I feel strong@1.5s\"."
        )
    sentence, onset = text.rsplit("@", 1)
    return Sentence(sentence.strip(), parse_time(onset))


def run_user_file(path: str | Path, what: str, run_name: str) -> tuple[dict, str]:
    """Execute a user's Python file (protocol or sweep) and return its namespace and text.

    ``what`` ("Protocol", "Sweep") names the file in error messages; ``run_name`` is the
    ``__name__`` it runs under, so its ``if __name__ == "__main__"`` block does not run.

    Raises
    ------
    ConfigError
        If the file is missing, is not Python, has a syntax error or raises.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{what} file {path} does not exist. {what} files live in "
                          "protocols/, e.g. protocols/emotional_response.py or "
                          "protocols/sweep_serotonin.py.")
    if path.suffix != ".py" or not path.is_file():
        raise ConfigError(f"{what} file {path} must be a Python file (.py).")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{what} file {path} is not UTF-8 text (byte {err.start}: "
                          f"{err.reason}); save it as UTF-8.") from None
    except OSError as err:
        raise ConfigError(f"Cannot read {what.lower()} file {path}: {err.strerror}.") from None
    try:
        compile(source, str(path), "exec")
    except SyntaxError as err:
        raise ConfigError(f"{what} file {path} has a syntax error on line {err.lineno}: "
                          f"{err.msg}. Fix the file and run again.") from None
    try:
        namespace = runpy.run_path(str(path), run_name=run_name)
    except ConfigError as err:
        raise ConfigError(f"{what} file {path}: {err}") from None
    except Exception as err:  # the user's script failed
        raise ConfigError(f"{what} file {path} failed while loading: "
                          f"{type(err).__name__}: {err}") from err
    return namespace, source


def load_protocol_file(path: str | Path) -> tuple[list[Protocol], str]:
    """Run a protocol file and return its protocol(s) and its source text.

    Raises
    ------
    ConfigError
        If the file is missing, is not Python, has a syntax error, raises, or defines no
        ``protocol``/``protocols``.
    """
    namespace, source = run_user_file(path, "Protocol", "neuroemo_protocol")
    if "protocols" in namespace:
        protocols = list(namespace["protocols"])
    elif "protocol" in namespace:
        protocols = [namespace["protocol"]]
    else:
        raise ConfigError(f"Protocol file {path} defines neither `protocol` nor `protocols`; "
                          "assign a brainsim.Protocol to one of them.")
    for p in protocols:
        if not isinstance(p, Protocol):
            raise ConfigError(f"Protocol file {path}: expected Protocol objects, got {p!r}.")
    return protocols, source


def apply_overrides(protocol: Protocol, *, profile: str | None = None,
                    seed: int | None = None, duration: b2.Quantity | None = None,
                    scale: float | None = None, sentences: list[Sentence] | None = None,
                    noise: str | None = None, dt: b2.Quantity | None = None,
                    parameters: dict[str, b2.Quantity | float] | None = None) -> Protocol:
    """Apply command-line changes to a protocol (checked later by ``Protocol.validate``).

    A new ``duration`` stretches the whole schedule (phases, rewards, sentence onsets)
    proportionally, so a protocol can be shortened for a quick look.
    """
    changes: dict = {}
    if profile is not None:
        changes["profile"] = profile
    if parameters:
        changes["parameters"] = {**protocol.parameters, **parameters}
    if seed is not None:
        changes["seed"] = seed
    if scale is not None:
        changes["scale"] = scale
    if noise is not None:
        changes["noise"] = noise
    if dt is not None:
        changes["dt"] = dt
    if duration is not None:
        if not float(duration) > 0:
            raise ConfigError(f"--duration must be positive, got {duration}.")
        f = float(duration / protocol.duration)
        changes["duration"] = duration
        changes["phases"] = [replace(ph, start=ph.start * f, end=ph.end * f)
                             for ph in protocol.phases]
        changes["rewards"] = [(t * f, m) for t, m in protocol.rewards]
        changes["sentences"] = [replace(s, onset=s.onset * f) for s in protocol.sentences]
    if sentences:
        base = changes.get("sentences", protocol.sentences)
        changes["sentences"] = list(base) + list(sentences)
    return replace(protocol, **changes) if changes else protocol
