"""A cheap clock for the run loop of Brian2 2.8's standalone programs.

Brian2 2.8.0's C++ standalone run loop (its ``network.cpp`` template; brian2cuda 1.0a7's
``network.cu`` is the same) calls ``std::clock()`` once per time step, and once per code
object and time step while a progress report is on. ``clock()`` measures the process's CPU
time, which Linux serves through a system call, far slower than a monotonic wall clock read
through the vDSO. The default network has 18 code objects in its run loop, so a run with a
progress report (what ``neuroemo run`` shows) spent about as long reading the clock as
simulating (docs/optimisations.md).

Brian2 fixed this upstream (brian-team/brian2 pull request 1718: ``std::chrono`` instead of
``std::clock``, and no clock read per step unless a maximum run time is set), in releases
after 2.9.0, which need Python ≥ 3.12; brian2cuda 1.0a7 pins brian2 2.8.0.
Until brainsim moves to them, every standalone build links :data:`SOURCE`, whose ``clock()``
replaces the C library's in the compiled program: the linker binds the program's calls to a
definition in one of its own object files before it looks at the shared C library (ELF and
Mach-O alike; tested on Linux only). The generated code is not edited, and the file is
added through Brian2's own ``device.build(additional_source_files=...)``.

What changes for the user: Brian2's progress report, its "took ... s" line and its
per-code-object profiling times count wall time instead of CPU time (as upstream Brian2
does now). Nothing in the simulation reads the clock. ``tests/model/test_network.py`` checks that a
compiled build defines its own ``clock``.
"""

from __future__ import annotations

from pathlib import Path

#: File name of the clock's source inside a standalone project.
FILE_NAME = "neuroemo_wall_clock.cpp"

#: ``clock()`` as a monotonic wall clock since its first call, in ``CLOCKS_PER_SEC`` units
#: (Brian2 only takes differences). No exception specification: glibc declares ``clock``
#: ``noexcept`` and macOS does not, and compilers accept a definition without one for a
#: function declared in a system header.
SOURCE = """\
// Written by brainsim (brainsim/devices/speedups/wall_clock.py): the C library's clock() is CPU time, a
// system call per read (~1 us); Brian2 2.8's run loop reads it once per time step and, with
// a progress report, once per code object and time step. This wall clock costs ~40 ns.
#include <chrono>
#include <ctime>

extern "C" std::clock_t clock(void)
{
    static const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    return static_cast<std::clock_t>(elapsed.count() * CLOCKS_PER_SEC);
}
"""


def add_to_project(directory: str | Path) -> str:
    """Write the clock's source into a standalone project folder.

    The file is only written when it is missing or different, so that ``make`` does not
    recompile it for a cached build.

    Parameters
    ----------
    directory : str or Path
        The standalone project folder (Brian2's build directory).

    Returns
    -------
    str
        The file name, relative to ``directory``, for
        ``device.build(additional_source_files=[...])``.
    """
    path = Path(directory) / FILE_NAME
    if not path.exists() or path.read_text() != SOURCE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SOURCE)
    return FILE_NAME
