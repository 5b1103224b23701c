"""Standalone results on a memory filesystem (brainsim.devices.speedups.scratch): same results, nothing left."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from brian2 import second

from brainsim import Protocol, standard_phases
from brainsim.devices.speedups import scratch
from brainsim.experiment.runner import values_for

#: The network of tests/model/test_network.py, so that the session's build cache serves both.
DURATION = 3 * second


def test_scratch_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(scratch.SCRATCH_ENV, "disk")
    assert scratch.scratch_root() is None
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(tmp_path / "missing"))
    assert scratch.scratch_root() is None
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(tmp_path))
    assert scratch.scratch_root() == tmp_path


def test_results_folder_is_a_link_only_where_there_is_room(monkeypatch, tmp_path):
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(memory))
    build = tmp_path / "build"
    build.mkdir()
    folder = scratch.ResultsFolder(build, "results_a", bound=1000)
    assert folder.on_scratch and folder.path.is_symlink() and folder.intact()
    assert (folder.target / scratch.OWNER_LOCK).is_file()
    (folder.path / "array").write_bytes(b"x" * 10)  # written through the link
    assert (folder.target / "array").is_file()
    folder.remove()
    assert not folder.path.exists() and not folder.path.is_symlink()
    assert not folder.target.exists()
    # not enough room for twice the bound: Brian2 makes a plain folder on disk
    monkeypatch.setattr(scratch, "free_bytes", lambda path: 1999)
    folder = scratch.ResultsFolder(build, "results_b", bound=1000)
    assert not folder.on_scratch and not folder.path.exists() and folder.intact()
    assert [f.name for f in memory.iterdir()] == [scratch.LOCK_NAME]


def test_live_folders_reserve_their_room(monkeypatch, tmp_path):
    """Room that a live run may still write is not given to another: with 5000 bytes free,
    a run bounded by 2000 gets a memory folder, and a second one does not while the first
    lives (5000 - 2000 < 2 * 2000), but does once it is removed."""
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(memory))
    monkeypatch.setattr(scratch, "free_bytes", lambda path: 5000)
    build = tmp_path / "build"
    build.mkdir()
    first = scratch.ResultsFolder(build, "results_1", bound=2000)
    second = scratch.ResultsFolder(build, "results_2", bound=2000)
    assert first.on_scratch and not second.on_scratch
    first.remove()
    third = scratch.ResultsFolder(build, "results_3", bound=2000)
    assert third.on_scratch
    third.remove()


def test_folders_of_dead_processes_are_removed(tmp_path):
    """A folder is live while its process holds the lock on its owner.lock: one whose lock
    is free (its process was killed) is removed and reserves nothing; so is one without a
    lock file once it is old."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from brainsim.devices.speedups import scratch\n"
        "f = scratch.ResultsFolder(Path(sys.argv[1]), 'results_x', bound=10**6)\n"
        "print(f.target, flush=True)\n"
        "time.sleep(60)\n")
    memory = tmp_path / "memory"
    memory.mkdir()
    (tmp_path / "build").mkdir()
    env = dict(os.environ, **{scratch.SCRATCH_ENV: str(memory)})
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "build")], env=env,
                             stdout=subprocess.PIPE, text=True)
    try:
        target = Path(child.stdout.readline().strip())
        assert target.is_dir()
        assert scratch.live_reservations(memory) > 0  # its run is live
        assert target.is_dir()
    finally:
        child.kill()  # killed mid-run: nothing of its own cleans up
        child.wait()
        child.stdout.close()
    assert target.is_dir()
    assert scratch.live_reservations(memory) == 0
    assert not target.exists()
    unlocked = memory / f"{scratch.PREFIX}100-abc"
    unlocked.mkdir()
    assert scratch.live_reservations(memory) == 0 and unlocked.is_dir()
    later = time.time() + scratch.UNLOCKED_AFTER_S + 10
    assert scratch.live_reservations(memory, now=later) == 0
    assert not unlocked.exists()


def test_a_failed_link_leaves_nothing_and_falls_back_to_disk(monkeypatch, tmp_path):
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(memory))

    def refuse(self, target, target_is_directory=False):
        raise OSError("no symlinks here")

    monkeypatch.setattr(Path, "symlink_to", refuse)
    folder = scratch.ResultsFolder(tmp_path, "results_y", bound=1000)
    assert not folder.on_scratch
    assert [f.name for f in memory.iterdir()] == [scratch.LOCK_NAME]


def test_output_bound_grows_with_the_network():
    small = scratch.output_bound_bytes(100, 1000, 1.0)
    assert scratch.output_bound_bytes(1000, 1000, 1.0) > small
    assert scratch.output_bound_bytes(100, 10_000, 1.0) > small
    assert scratch.output_bound_bytes(100, 1000, 10.0) > small


@pytest.fixture(scope="module")
def compiled(default_network):
    structure, build = default_network()
    p = Protocol(name="test", profile="healthy", duration=DURATION,
                 phases=standard_phases(DURATION), seed=1)
    return build, values_for(p, structure, None)


@pytest.mark.slow
@pytest.mark.cpp_standalone
def test_runs_on_memory_and_disk_give_the_same_results(compiled, monkeypatch, tmp_path):
    """The default network's run writes its arrays to a memory folder (here a plain folder
    standing in for /dev/shm) or to disk, and gives the same output either way; a run whose
    memory filesystem filled up is repeated on disk. Nothing is left behind, and the bound
    the room is checked against covers what the run wrote."""
    build, values = compiled
    memory = tmp_path / "memory"
    memory.mkdir()
    written: list[tuple[bool, int]] = []
    remove = scratch.ResultsFolder.remove

    def measuring_remove(self):
        if self.path.is_dir():
            written.append((self.on_scratch, scratch._folder_bytes(self.path)))
        remove(self)

    monkeypatch.setattr(scratch.ResultsFolder, "remove", measuring_remove)
    monkeypatch.setenv(scratch.SCRATCH_ENV, "disk")
    on_disk = build.run(values)
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(memory))
    on_memory = build.run(values)
    # the memory filesystem "fills up" during the next run: its results are not read
    intact = scratch.ResultsFolder.intact
    monkeypatch.setattr(scratch.ResultsFolder, "intact",
                        lambda self: False if self.on_scratch else intact(self))
    repeated = build.run(values)
    assert [on for on, _ in written] == [False, True, True, False]
    assert all(0 < size <= build.output_bound / 2 for _, size in written)
    for out in (on_memory, repeated):
        for region, (i, t) in on_disk.spikes.items():
            assert np.array_equal(out.spikes[region][0], i)
            assert np.array_equal(out.spikes[region][1], t)
        assert np.array_equal(out.final_weights_pA["plastic"],
                              on_disk.final_weights_pA["plastic"])
    assert [f.name for f in memory.iterdir()] == [scratch.LOCK_NAME]
    assert not list(build.directory.glob("results_*"))
