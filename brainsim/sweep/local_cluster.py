"""What the sweep's own local Dask cluster installs on its workers.

Imported only when a sweep starts a ``LocalCluster`` (``brainsim.sweep.run._connect``), so
that loading a sweep file or running one point does not import ``distributed``.
"""

from __future__ import annotations

import logging

from distributed.diagnostics.plugin import WorkerPlugin


class _HeartbeatLost(logging.Filter):
    """Drops a worker's "Failed to communicate with scheduler during heartbeat" error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(
            "Failed to communicate with scheduler during heartbeat")


class QuietLocalShutdown(WorkerPlugin):
    """Installed on the workers of the sweep's own ``LocalCluster``: when the sweep stops
    (Ctrl-C, or the end), its scheduler, in the ``neuroemo`` process, may close before a busy
    worker's next heartbeat, and the worker then logged that error with two tracebacks. On a
    local cluster the scheduler can only be gone because the sweep is stopping, so the
    message says nothing; every other worker error still shows. Not used with
    ``--scheduler``, where a lost scheduler is news."""

    name = "neuroemo-quiet-local-shutdown"

    def setup(self, worker) -> None:  # noqa: ARG002 - WorkerPlugin's signature
        logger = logging.getLogger("distributed.worker")
        if not any(isinstance(f, _HeartbeatLost) for f in logger.filters):
            logger.addFilter(_HeartbeatLost())
