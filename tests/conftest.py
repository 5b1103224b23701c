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
