"""``neuroemo app``: a local web app to run the model and look at its runs.

A page on ``http://127.0.0.1:PORT/`` where one picks or edits a profile, types sentences
with onsets, chooses duration, seed and backend and presses Run; the run's progress streams
in, then its interactive viewer, figures and summary appear; every run is listed and two
runs can be compared side by side. Each run is an ordinary results folder under the results
root (default ``results/app/``), readable with :func:`analysis.load_run`.

Modules
-------
server
    The Starlette application (routes, errors) and :func:`~analysis.app.server.serve`.
jobs
    The queue of runs; each run is a subprocess (``python -m brainsim run``).
validation
    Checking a run request from the page.
catalog
    The finished runs under the results root, read from their ``meta.json``.
simulator
    The only module that imports :mod:`brainsim` (profiles, names, command lines).
finish
    ``python -m analysis.app.finish FOLDER``: viewer and figures after a run.
static
    The page: plain HTML, CSS and JavaScript, no build step, nothing from the network.

Design and reasons: ``docs/app.md``.
"""

from __future__ import annotations

__all__ = ["create_app", "serve"]


def __getattr__(name: str):
    if name in __all__:
        from analysis.app import server

        return getattr(server, name)
    raise AttributeError(f"module 'analysis.app' has no attribute {name!r}")
