"""Where a standalone program writes a run's arrays: a memory filesystem when it has room.

When a run ends, Brian2's standalone program writes every array of the network (the
synapses' included: 8.8 MB for the default network) into a results folder; brainsim reads
what it needs and deletes the folder right away. On a disk filesystem the kernel's work
for those files (allocating blocks, then truncating and freeing them) was 14 of the 34 ms
that the default network's program takes when built for 0.01 s (docs/performance.md). So
the results folder inside the build becomes a link to a fresh folder on a memory filesystem
(``/dev/shm``) when that has room for twice a generous bound of the run's output
(:func:`output_bound_bytes`), and stays on disk otherwise. The results are the same bytes
either way.

``NEUROEMO_SCRATCH`` chooses: a folder (for example another tmpfs) or ``disk`` (never use
memory). A process killed during a run (a sweep's worker, say) leaves its folder behind; the
next run removes such folders once their process is gone and they are an hour old.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

SCRATCH_ENV = "NEUROEMO_SCRATCH"
DEFAULT_SCRATCH = Path("/dev/shm")

#: Bytes a standalone program writes at most, per synapse (the default network writes 36:
#: indices, weights, delays and the plastic set's traces), per neuron (≈ 40 state and
#: parameter arrays of 8 bytes, and their spike-queue bookkeeping), per spike (index and
#: time), and the rate a bound of the spikes assumes (the default network's regions fire at
#: 2-16 Hz; a region at 200 Hz for a whole run is far outside the model's range).
#: Folders on the memory filesystem are named ``neuroemo-results-<pid>-<random>``.
PREFIX = "neuroemo-results-"
_OWNER = re.compile(re.escape(PREFIX) + r"(\d+)-")
#: A left-behind folder is removed when its process is gone and it is older than this (the
#: age guards a process of another PID namespace sharing the filesystem).
STALE_AFTER_S = 3600.0

BYTES_PER_SYNAPSE = 100
BYTES_PER_NEURON = 1000
BYTES_PER_SPIKE = 12
BOUND_RATE_HZ = 200.0


def output_bound_bytes(n_neurons: int, n_synapses: int, duration_s: float) -> int:
    """A generous upper bound of what a standalone run writes to its results folder.

    Parameters
    ----------
    n_neurons, n_synapses : int
        Size of the network.
    duration_s : float
        Biological time of the run, in seconds.

    Returns
    -------
    int
        Bytes: ≈ 3× what the default network writes in a 1 s run.
    """
    spikes = n_neurons * BOUND_RATE_HZ * duration_s
    modulator_trace = 5 * 4 * 8 * 1000 * duration_s  # 5 regions, 3 levels + time, 1 ms
    return int(BYTES_PER_SYNAPSE * n_synapses + BYTES_PER_NEURON * n_neurons
               + BYTES_PER_SPIKE * spikes + modulator_trace + (1 << 20))


def scratch_root() -> Path | None:
    """The memory filesystem chosen for results (``None``: write them to disk)."""
    chosen = os.environ.get(SCRATCH_ENV, "")
    if chosen.lower() == "disk":
        return None
    root = Path(chosen) if chosen else DEFAULT_SCRATCH
    return root if root.is_dir() and os.access(root, os.W_OK | os.X_OK) else None


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def remove_stale(root: Path, now: float | None = None) -> list[Path]:
    """Remove the results folders under ``root`` left by processes that are gone.

    Returns
    -------
    list of Path
        The folders removed.
    """
    now = time.time() if now is None else now
    removed = []
    for entry in root.glob(PREFIX + "*"):
        owner = _OWNER.match(entry.name)
        try:
            old = now - entry.lstat().st_mtime > STALE_AFTER_S
        except OSError:
            continue
        if owner and old and _process_gone(int(owner.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def free_bytes(path: Path) -> int:
    """Bytes free for an unprivileged writer on the filesystem of ``path``."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


class ResultsFolder:
    """The results folder ``build_dir/name`` of one standalone run.

    On a memory filesystem with room for twice ``bound`` bytes the folder is a link to a
    fresh folder there; otherwise nothing is created and Brian2 makes a plain folder.
    :meth:`intact` tells whether the filesystem kept room through the run (if not, a file
    may have been cut short and the run should be repeated on disk); :meth:`remove` deletes
    the folder and what the link points to.
    """

    def __init__(self, build_dir: Path, name: str, bound: int, use_scratch: bool = True):
        self.path = Path(build_dir) / name
        self.bound = bound
        self.target: Path | None = None
        # a folder or link of this name is left by a killed process that had this pid
        if self.path.is_symlink():
            self.path.unlink()
        elif self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
        root = scratch_root() if use_scratch else None
        if root is not None:
            remove_stale(root)
        if root is not None and free_bytes(root) >= 2 * bound:
            self.target = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=root))
            self.path.symlink_to(self.target, target_is_directory=True)

    @property
    def on_scratch(self) -> bool:
        """Whether the results go to the memory filesystem."""
        return self.target is not None

    def intact(self) -> bool:
        """False if the memory filesystem ran out of room during the run: writing a file
        stops silently when it is full, so any results read from it are suspect. (Room for
        a quarter of the bound is left after the run of a network that stays within it.)"""
        return self.target is None or free_bytes(self.target) >= self.bound // 4

    def remove(self) -> None:
        """Delete the results (and the link, if any)."""
        if self.target is not None:
            shutil.rmtree(self.target, ignore_errors=True)
            self.path.unlink(missing_ok=True)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
