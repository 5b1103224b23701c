"""Shared fixtures: an isolated build cache per test session, and a headless browser page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def build_cache(tmp_path_factory):
    """Compile standalone builds into a per-session cache (as on a fresh machine).

    Set NEUROEMO_TEST_CACHE to a folder to keep builds between local test sessions.
    """
    keep = os.environ.get("NEUROEMO_TEST_CACHE")
    path = Path(keep) if keep else tmp_path_factory.mktemp("neuroemo-cache")
    old = os.environ.get("NEUROEMO_CACHE")
    os.environ["NEUROEMO_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("NEUROEMO_CACHE", None)
    else:
        os.environ["NEUROEMO_CACHE"] = old


@pytest.fixture
def browser():
    """A headless Chromium page (:class:`tests.browser.Browser`), closed after the test.

    Modules using it set ``pytestmark = tests.browser.requires_chromium``, which skips them
    when Chromium is absent.
    """
    from tests.browser import Browser

    page = Browser()
    yield page
    page.close()


@pytest.fixture(scope="session")
def default_network():
    """The default network (3 s, healthy, the standard schedule) compiled on cpp_standalone.

    Call it to get ``(structure, build)``. Brian2 has one standalone device per process, so
    a later test's build closes this one; calling again prepares it anew from the session's
    build cache (code regenerated, nothing recompiled).
    """
    from brian2 import second

    from brainsim.devices import get_backend
    from brainsim.experiment.protocol import Protocol, standard_phases
    from brainsim.experiment.runner import structure_for, values_for

    duration = 3 * second
    base = Protocol(name="test", profile="healthy", duration=duration,
                    phases=standard_phases(duration), seed=1)
    structure = structure_for(base)
    values = values_for(base, structure, None)
    state: dict = {}

    def get():
        from brainsim.devices.standalone import StandaloneBuild

        build = state.get("build")
        if build is None or StandaloneBuild._active is not build:
            build = state["build"] = get_backend("cpp_standalone").prepare(
                structure, values, report=None)
        return structure, build

    yield get
    if state.get("build") is not None:
        state["build"].close()
