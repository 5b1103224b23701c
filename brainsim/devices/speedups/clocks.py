"""Clocks hashed by their name, so that a standalone build's main.cpp is the same in every
process (docs/optimisations.md, "Named clocks")."""

from __future__ import annotations

import zlib

import brian2 as b2

__all__ = ["NamedClock"]


class NamedClock(b2.Clock):
    """A Brian2 ``Clock`` hashed by its name instead of its memory address.

    Brian2 2.8 writes the clock initialisations at the start of a standalone run (main.cpp)
    in the order of a set of clocks. Hashed by address (Python's default), that order
    changed from process to process, so every new process rewrote main.cpp and ``make``
    recompiled it: seconds of every run of a cached build. Equality
    stays identity (names are unique among Brian2 objects anyway). Brian2's instance
    tracker hashes every new object once, before its ``__init__`` has named it, and its
    weak reference keeps that first value, so until then the hash is Python's default.
    """

    # Brian2's attribute machinery only lets a class's own properties through
    dt = b2.Clock.dt
    dt_ = b2.Clock.dt_

    def __hash__(self) -> int:
        # the runtime backend's run loop hashes clocks ≈ 27 times per step: keep it cheap
        cached = self.__dict__.get("_name_hash")
        if cached is not None:
            return cached
        name = self.__dict__.get("_name")
        if not name:
            return object.__hash__(self)
        self.__dict__["_name_hash"] = zlib.crc32(name.encode())
        return self.__dict__["_name_hash"]


