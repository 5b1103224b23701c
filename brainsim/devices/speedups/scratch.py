"""Where a standalone program writes a run's arrays: a memory filesystem when it has room.

When a run ends, Brian2's standalone program writes every array of the network (the
synapses' included: 8.8 MB for the default network) into a results folder; brainsim reads
what it needs and deletes the folder right away. On a disk filesystem the kernel's work
for those files (allocating blocks, then truncating and freeing them) was a large part of a
run's fixed cost (docs/optimisations.md). So
the results folder inside the build becomes a link to a fresh folder on a memory filesystem
(``/dev/shm``) when that has room, and stays on disk otherwise. The results are the same
bytes either way.

Room is reserved, not just looked at: Brian2's program does not check its writes, so a full
filesystem would cut a file short without an error. Each folder's name carries a generous
bound of what its run writes (:func:`output_bound_bytes`), and a new folder is made, under a
lock shared by every process, only if the free space minus what the live folders may still
write leaves twice its own bound (and as much memory is available). A folder is live while
its process holds a lock on the ``owner.lock`` file in it (an ``flock``: released when the
process dies, whatever its PID namespace); folders whose lock nobody holds are removed.

``NEUROEMO_SCRATCH`` chooses: a folder (for example another tmpfs) or ``disk`` (never use
memory). POSIX only; elsewhere results go to disk.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from filelock import FileLock

SCRATCH_ENV = "NEUROEMO_SCRATCH"
DEFAULT_SCRATCH = Path("/dev/shm")

#: Folders on the memory filesystem are named ``neuroemo-results-<bound>-<random>``; the
#: lock that makes reservations one at a time is ``neuroemo-results.lock`` beside them.
PREFIX = "neuroemo-results-"
_BOUND = re.compile(re.escape(PREFIX) + r"(\d+)-")
LOCK_NAME = "neuroemo-results.lock"
OWNER_LOCK = "owner.lock"
#: A folder without an owner lock (its process died between making the folder and locking
#: it, a window of microseconds) is removed when it is older than this.
UNLOCKED_AFTER_S = 3600.0

#: Bytes a standalone program writes at most, per synapse (the default network writes 36:
#: indices, weights, delays and the plastic set's traces), per neuron (≈ 40 state and
#: parameter arrays of 8 bytes, and their spike-queue bookkeeping), per spike (index and
#: time), and the rate a bound of the spikes assumes (the default network's regions fire at
#: 2-16 Hz; a region at 200 Hz for a whole run is far outside the model's range).
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
    per_ms = 5 * 4 * 8 + 8 * 8  # the neuromodulator trace, the input arrays (TimedArrays)
    return int(BYTES_PER_SYNAPSE * n_synapses + BYTES_PER_NEURON * n_neurons
               + BYTES_PER_SPIKE * spikes + per_ms * 1000 * duration_s + (1 << 20))


def scratch_root() -> Path | None:
    """The memory filesystem chosen for results (``None``: write them to disk)."""
    chosen = os.environ.get(SCRATCH_ENV, "")
    if os.name != "posix" or chosen.lower() == "disk":
        return None
    root = Path(chosen) if chosen else DEFAULT_SCRATCH
    return root if root.is_dir() and os.access(root, os.W_OK | os.X_OK) else None


def free_bytes(path: Path) -> int:
    """Bytes free for an unprivileged writer on the filesystem of ``path``."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def available_memory_bytes() -> int | None:
    """``MemAvailable`` of /proc/meminfo (a tmpfs holds its files in memory), if known."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _lock_owner(path: Path) -> int | None:
    """Open and lock ``path`` without waiting; the descriptor, or ``None`` if another
    process holds the lock."""
    import fcntl

    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _folder_bytes(folder: Path) -> int:
    total = 0
    for entry in folder.iterdir():
        try:
            total += entry.stat().st_size
        except OSError:
            pass
    return total


def live_reservations(root: Path, now: float | None = None) -> int:
    """Bytes the live results folders under ``root`` may still write; removes the others.

    A folder is live while its process holds its owner lock; one whose lock nobody holds is
    left by a process that died and is removed (so is one without a lock file once it is
    :data:`UNLOCKED_AFTER_S` old). Call with the root's lock held.
    """
    now = time.time() if now is None else now
    reserved = 0
    for folder in root.glob(PREFIX + "*"):
        bound = _BOUND.match(folder.name)
        if bound is None or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            fd = _lock_owner(folder / OWNER_LOCK)
        except FileNotFoundError:
            try:
                if now - folder.stat().st_mtime > UNLOCKED_AFTER_S:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass
            continue
        except OSError:
            continue
        if fd is None:  # live
            reserved += max(0, int(bound.group(1)) - _folder_bytes(folder))
        else:  # its process is gone
            shutil.rmtree(folder, ignore_errors=True)
            os.close(fd)
    return reserved


class ResultsFolder:
    """The results folder ``build_dir/name`` of one standalone run.

    On a memory filesystem with room for twice ``bound`` bytes beyond what other runs have
    reserved there, the folder is a link to a fresh folder on it, locked by this process;
    otherwise nothing is created and Brian2 makes a plain folder. :meth:`intact` tells
    whether the filesystem still had room after the run (a safeguard against writers that do
    not reserve); :meth:`remove` deletes the results and the link.
    """

    def __init__(self, build_dir: Path, name: str, bound: int, use_scratch: bool = True):
        self.path = Path(build_dir) / name
        self.bound = bound
        self.target: Path | None = None
        self._owner_fd: int | None = None
        root = scratch_root() if use_scratch else None
        if root is None:
            return
        memory = available_memory_bytes()
        if memory is not None and memory < 2 * bound:
            return
        try:
            with FileLock(str(root / LOCK_NAME), timeout=60):
                if free_bytes(root) - live_reservations(root) < 2 * bound:
                    return
                self.target = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{bound}-", dir=root))
                # locked under a temporary name, so no process ever sees it unlocked
                pending = self.target / (OWNER_LOCK + ".new")
                pending.touch()
                self._owner_fd = _lock_owner(pending)
                pending.rename(self.target / OWNER_LOCK)
            self.path.symlink_to(self.target, target_is_directory=True)
        except OSError:  # no symlinks here, lock timeout, ...: results go to disk
            self.remove()
            self.target = None

    @property
    def on_scratch(self) -> bool:
        """Whether the results go to the memory filesystem."""
        return self.target is not None

    def intact(self) -> bool:
        """False if the memory filesystem had less than a quarter of the bound free after the
        run (a process that does not reserve may have filled it, and a file written then
        would have been cut short)."""
        return self.target is None or free_bytes(self.target) >= self.bound // 4

    def remove(self) -> None:
        """Delete the results (and the link and the lock, if any)."""
        if self.target is not None:
            shutil.rmtree(self.target, ignore_errors=True)
            if self.path.is_symlink():
                self.path.unlink()
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        if self._owner_fd is not None:
            os.close(self._owner_fd)
            self._owner_fd = None


def unique_results_name(run: int) -> str:
    """Name of a run's results folder inside its build: process, run and a random part (two
    processes in different PID namespaces may share a build cache)."""
    return f"results_{os.getpid()}_{run}_{secrets.token_hex(4)}"
