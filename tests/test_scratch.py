"""Standalone results on a memory filesystem (brainsim.scratch): same results, nothing left."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from brian2 import second

from brainsim import Protocol, scratch, standard_phases
from brainsim.backends import get_backend
from brainsim.runner import structure_for, values_for

#: The network of tests/test_network.py, so that the session's build cache serves both.
DURATION = 3 * second


def test_scratch_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(scratch.SCRATCH_ENV, "disk")
    assert scratch.scratch_root() is None
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(tmp_path / "missing"))
    assert scratch.scratch_root() is None
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(tmp_path))
    assert scratch.scratch_root() == tmp_path


def test_results_folder_is_a_link_only_where_there_is_room(monkeypatch, tmp_path):
    monkeypatch.setenv(scratch.SCRATCH_ENV, str(tmp_path / "memory"))
    (tmp_path / "memory").mkdir()
    build = tmp_path / "build"
    build.mkdir()
    folder = scratch.ResultsFolder(build, "results_a", bound=1000)
    assert folder.on_scratch and folder.path.is_symlink() and folder.intact()
    (folder.path / "array").write_bytes(b"x" * 10)  # written through the link
    assert (folder.target / "array").is_file()
    folder.remove()
    assert not folder.path.exists() and not folder.target.exists()
    # not enough room for twice the bound: Brian2 makes a plain folder on disk
    monkeypatch.setattr(scratch, "free_bytes", lambda path: 1999)
    folder = scratch.ResultsFolder(build, "results_b", bound=1000)
    assert not folder.on_scratch and not folder.path.exists() and folder.intact()
    assert list((tmp_path / "memory").iterdir()) == []
    # a link of the same name left by a killed process (its pid reused) is replaced
    (build / "results_c").symlink_to(tmp_path / "gone", target_is_directory=True)
    monkeypatch.setattr(scratch, "free_bytes", lambda path: 10**9)
    folder = scratch.ResultsFolder(build, "results_c", bound=1000)
    assert folder.on_scratch and folder.path.resolve() == folder.target.resolve()
    folder.remove()


def test_folders_of_killed_processes_are_removed_when_old(tmp_path):
    gone = 2**22 + 12345  # above Linux's default pid_max: no such process
    while not scratch._process_gone(gone):
        gone += 1
    left = tmp_path / f"{scratch.PREFIX}{gone}-abc"
    alive = tmp_path / f"{scratch.PREFIX}{os.getpid()}-abc"
    other = tmp_path / "unrelated"
    for folder in (left, alive, other):
        folder.mkdir()
    later = time.time() + scratch.STALE_AFTER_S + 10
    assert scratch.remove_stale(tmp_path, now=time.time()) == []  # too young
    assert scratch.remove_stale(tmp_path, now=later) == [left]
    assert alive.is_dir() and other.is_dir() and not left.exists()


def test_output_bound_grows_with_the_network():
    small = scratch.output_bound_bytes(100, 1000, 1.0)
    assert scratch.output_bound_bytes(1000, 1000, 1.0) > small
    assert scratch.output_bound_bytes(100, 10_000, 1.0) > small
    assert scratch.output_bound_bytes(100, 1000, 10.0) > small


@pytest.fixture(scope="module")
def compiled():
    p = Protocol(name="test", profile="healthy", duration=DURATION,
                 phases=standard_phases(DURATION), seed=1)
    structure = structure_for(p)
    values = values_for(p, structure, None)
    build = get_backend("cpp_standalone").prepare(structure, values, report=None)
    yield build, values
    build.close()


def _folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())


@pytest.mark.slow
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
            written.append((self.on_scratch, _folder_bytes(self.path)))
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
    assert list(memory.iterdir()) == []
    assert not list(build.directory.glob("results_*"))
