"""Brian2's C++ standalone device: a compiled build, cached, re-run through ``run_args``.

Standalone builds are cached in ``$NEUROEMO_CACHE`` (default ``~/.cache/neuroemo``) under
``builds/<backend>-<structure hash>-<speed-ups hash>-t<threads>``: a second run of the same
structure only re-generates the code (unchanged files are not rewritten, so ``make`` has
nothing to do) and runs the binary with ``run_args``. Clear the cache with
``neuroemo cache --clear``.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import brian2 as b2
from filelock import FileLock

from brainsim.devices.base import Backend, RawOutput, collect
from brainsim.devices.cache import build_description, cache_dir, write_build_description
from brainsim.devices.speedups import Speedups, wall_clock
from brainsim.devices.speedups.scratch import (
    ResultsFolder,
    output_bound_bytes,
    unique_results_name,
)
from brainsim.errors import ConfigError, NeuroEmoError
from brainsim.model.network import BrianNetwork, NetworkStructure, NetworkValues

__all__ = ["CppStandaloneBackend", "StandaloneBuild", "make_jobs", "program_environment"]

#: C++ inserted at the start of ``main()``: reseed every random generator from an environment
#: variable so that one compiled binary can run with any seed.
SEED_CODE = """
{
    const char* _neuroemo_seed = std::getenv("NEUROEMO_SEED");
    if (_neuroemo_seed != NULL) {
        unsigned long _base = std::stoul(_neuroemo_seed);
        for (size_t _k = 0; _k < brian::_random_generators.size(); _k++)
            brian::_random_generators[_k].seed(_base * 1000003UL + _k);
    }
}
"""


#: glibc tunable for the standalone programs: malloc asks the kernel for transparent huge
#: pages (2 MB) for its heap, so that the ≈ 20 MB a program of the default network
#: allocates and first touches at start-up costs ≈ 1,800 page faults instead of ≈ 4,300
#: (docs/optimisations.md). Older glibc (< 2.35) ignores the tunable.
HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1"


def program_environment(seed: int, huge_pages: bool = True) -> dict[str, str]:
    """Environment variables for one run of a standalone program: the run's seed
    (``NEUROEMO_SEED``, read by :data:`SEED_CODE`) and, with ``huge_pages``,
    :data:`HUGE_PAGES_TUNABLE` added to any ``GLIBC_TUNABLES`` the user has set."""
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if not huge_pages:
        return {"NEUROEMO_SEED": str(seed), "GLIBC_TUNABLES": tunables}
    if "glibc.malloc.hugetlb" not in tunables:
        tunables = f"{tunables}:{HUGE_PAGES_TUNABLE}" if tunables else HUGE_PAGES_TUNABLE
    return {"NEUROEMO_SEED": str(seed), "GLIBC_TUNABLES": tunables}


def remove_cython_check_include_dir() -> None:
    """Take out of Brian2's C++ include folders the one its Cython check leaves behind.

    Brian2 2.8.0's ``CythonCodeObject.is_available()`` (run when a runtime simulation
    resolves the ``"auto"`` target) compiles a small test module the first time, and its
    extension manager appends ``brian2/synapses`` to the list it was given: the global
    ``codegen.cpp.include_dirs`` preference. A standalone build made later in that process
    then gets another makefile than the same build in any other process, and every object
    file is recompiled when a sweep worker reuses it (found by
    ``tests/experiment/test_sweep_run.py::test_each_worker_compiles_once`` on a fresh Cython cache).
    Standalone code does not need that folder (``brianlib`` has its own spike queue).
    """
    import brian2.synapses

    stray = os.path.dirname(brian2.synapses.__file__)
    dirs = list(b2.prefs.codegen.cpp.include_dirs)
    if stray in dirs:
        b2.prefs.codegen.cpp.include_dirs = [d for d in dirs if d != stray]


def make_jobs() -> list[str]:
    """``make`` arguments for standalone builds: one job per usable CPU.

    Brian2's default ``-j`` is unbounded (dozens of compilers at once on small machines); one
    job per CPU gives 2 on the CI machines and 16 on a 16-core GPU machine, where it cuts the
    CUDA compile from minutes to about one. ``$NEUROEMO_MAKE_JOBS`` overrides it.
    """
    env = os.environ.get("NEUROEMO_MAKE_JOBS")
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ConfigError(f"NEUROEMO_MAKE_JOBS={env!r} must be a positive integer.")
        return [f"-j{int(env)}"]
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 2
    return [f"-j{max(1, n)}"]


def compile_was_interrupted(err: BaseException) -> bool:
    """Whether Brian2's "Project compilation failed (error code: N)" is Ctrl-C: ``N`` is the
    wait status of ``os.system("make ...")``, which ignores SIGINT in this process while the
    compilers die of it (killed by SIGINT, or exit status 130 from a shell)."""
    import re
    import signal

    found = re.search(r"compilation failed \(error code: (\d+)\)", str(err))
    if not found:
        return False
    status = int(found.group(1))
    if os.WIFSIGNALED(status):
        return os.WTERMSIG(status) == signal.SIGINT
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 128 + signal.SIGINT


class _HeldOutput:
    """What Python code writes to ``sys.stdout``/``sys.stderr`` while held (Brian2 echoes the
    compiler's output there when ``make`` fails); passed on unless discarded."""

    def __init__(self) -> None:
        import io

        self.out, self.err = io.StringIO(), io.StringIO()
        self.keep = True

    def discard(self) -> None:
        self.keep = False


class _compiler_output_held:  # noqa: N801 - used as a context manager, like contextlib's
    def __enter__(self) -> _HeldOutput:
        import sys

        self.held = _HeldOutput()
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.held.out, self.held.err
        return self.held

    def __exit__(self, *exc: object) -> None:
        import sys

        sys.stdout, sys.stderr = self.saved
        if self.held.keep:
            sys.stdout.write(self.held.out.getvalue())
            sys.stderr.write(self.held.err.getvalue())


class CppStandaloneBackend(Backend):
    """Brian2's C++ standalone mode with a cached build re-run through ``run_args``.

    Parameters
    ----------
    threads : int
        OpenMP threads (0 = single-threaded, the fastest on small machines).
    build_root : Path, optional
        Where builds live (default: the cache, see :func:`cache_dir`).
    speedups : Speedups, optional
        Default: :meth:`Speedups.from_environment`.
    """

    name = "cpp_standalone"
    device_name = "cpp_standalone"
    #: inserted at the start of main(): reseeds the random generators from NEUROEMO_SEED
    seed_code = SEED_CODE

    def __init__(self, threads: int = 0, build_root: Path | None = None,
                 speedups: Speedups | None = None) -> None:
        if not isinstance(threads, int) or threads < 0:
            raise ConfigError(f"threads must be an integer >= 0, got {threads!r}.")
        self.threads = threads
        self.speedups = speedups if speedups is not None else Speedups.from_environment()
        self.build_root = Path(build_root) if build_root else cache_dir() / "builds"
        self.builds = 0  # number of builds (code generation + make) done by this object

    def configure_prefs(self) -> None:
        b2.prefs.devices.cpp_standalone.openmp_threads = self.threads
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = make_jobs()
        self.speedups.configure_compiler()
        remove_cython_check_include_dir()

    def build_directory(self, structure: NetworkStructure) -> Path:
        key = structure.key(self.name)
        speedups = self.speedups.fingerprint(self.threads)
        return self.build_root / f"{self.name}-{key}-{speedups}-t{self.threads}"

    def run_failure(self, err: BaseException) -> NeuroEmoError:
        """The error to raise when the compiled binary fails."""
        return NeuroEmoError(f"The compiled simulation failed: {str(err).strip()[:500]}")

    def prepare(self, structure: NetworkStructure, values: NetworkValues,
                report: str | None = "text") -> StandaloneBuild:
        """Generate and compile (or reuse) the build of ``structure``.

        Only one standalone build can be active per process (Brian2's device is global):
        preparing another one closes the previous one.
        """
        return StandaloneBuild(self, structure, values, report)

    def simulate(self, structure, values, report="text", operations=()):
        if operations:
            raise ConfigError(f"Live operations need the runtime backend, not {self.name}.")
        build = self.prepare(structure, values[0], report)
        try:
            for k, v in enumerate(values):
                out = build.run(v, with_output=report is not None)
                if k == 0:
                    out.timings_s["build_and_compile_s"] = build.build_s
                yield out
        finally:
            build.close()


class StandaloneBuild:
    """A compiled standalone project that runs any set of values through ``run_args``."""

    _active: StandaloneBuild | None = None

    def __init__(self, backend: CppStandaloneBackend, structure: NetworkStructure,
                 values: NetworkValues, report: str | None) -> None:
        if StandaloneBuild._active is not None:
            StandaloneBuild._active.close()
        self.backend = backend
        self.structure = structure
        # what the build's static arrays and main.cpp hold; run_args carry the rest
        self.values = values.with_default_shared()
        self.directory = backend.build_directory(structure)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.runs = 0
        with FileLock(str(self.directory) + ".lock"):
            t0 = time.perf_counter()
            first = not (self.directory / "main").exists()
            if first and report is not None:  # a minute of silence looks like a hang
                takes = "about a minute" if backend.name == "cpp_standalone" else \
                    "minutes with few CPU cores"
                print(f"Compiling the network for {backend.name} (first build of this "
                      f"structure, {takes}; later runs reuse it) ...", flush=True)
            if first:
                write_build_description(self.directory, backend, structure, complete=False)
            b2.devices.reinit_devices()
            b2.set_device(backend.device_name, directory=str(self.directory),
                          build_on_run=False)
            try:
                backend.configure_prefs()
                b2.device.insert_code("main", backend.seed_code)
                self.network = BrianNetwork(structure, self.values,
                                            clock_class=backend.speedups.clock_class())
                backend.speedups.install(self.network.neurons,
                                         standalone=backend.device_name == "cpp_standalone")
                self.network.network.run(structure.duration, report=report,
                                         report_period=1 * b2.second)
                # every standalone program links brainsim's wall clock (brainsim.devices.speedups.wall_clock)
                with _compiler_output_held() as held:
                    try:
                        b2.device.build(
                            directory=str(self.directory), compile=True, run=False,
                            with_output=False,
                            additional_source_files=[wall_clock.add_to_project(self.directory)])
                    except RuntimeError as err:
                        if compile_was_interrupted(err):
                            held.discard()  # make's "Interrupt" lines: Ctrl-C says enough
                            raise KeyboardInterrupt from None
                        raise
            except BaseException:
                # a failed build must not leave Brian2 on the standalone device: later
                # runtime simulations in this process would fail in Brian2's internals
                self._release()
                raise
            backend.builds += 1
            self.build_s = time.perf_counter() - t0
            if first or not build_description(self.directory).get("complete"):
                write_build_description(self.directory, backend, structure, complete=True,
                                        compile_s=self.build_s)
        self._device = b2.get_device()
        self.output_bound = output_bound_bytes(
            structure.n_neurons, sum(len(syn.i) for syn in structure.synapses),
            float(structure.duration))
        StandaloneBuild._active = self

    def run(self, values: NetworkValues, with_output: bool = False) -> RawOutput:
        """Run the compiled binary with ``values`` (seed included) and read its output."""
        if StandaloneBuild._active is not self:
            raise NeuroEmoError("This standalone build was closed; prepare it again.")
        if b2.get_device() is not self._device:
            # a runtime simulation in this process switched Brian2 to the runtime device
            b2.set_device(self._device, build_on_run=False)
        out = self._run_once(values, with_output, use_scratch=True)
        if out is None:  # the memory filesystem filled up during the run: again, on disk
            out = self._run_once(values, with_output, use_scratch=False)
        return out

    def _run_once(self, values: NetworkValues, with_output: bool,
                  use_scratch: bool) -> RawOutput | None:
        """One run of the binary; ``None`` if its results on the memory filesystem may have
        been cut short (:class:`brainsim.devices.speedups.scratch.ResultsFolder`)."""
        results = unique_results_name(self.runs)
        self.runs += 1
        folder = ResultsFolder(self.directory, results, self.output_bound,
                               use_scratch and self.backend.speedups.memory_results)
        program_env = program_environment(values.seed, self.backend.speedups.huge_pages)
        saved = {key: os.environ.get(key) for key in program_env}
        b2.device.run_environment_variables.update(program_env)
        try:
            t0 = time.perf_counter()
            try:
                b2.device.run(directory=str(self.directory), results_directory=results,
                              run_args=self.network.run_args(values, built=self.values),
                              with_output=with_output)
            except RuntimeError as err:
                raise self.backend.run_failure(err) from err
            finally:
                # Brian2 copies these into os.environ and never removes them
                for key, value in saved.items():
                    b2.device.run_environment_variables.pop(key, None)
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
            t1 = time.perf_counter()
            if not folder.intact():
                return None
            out = collect(self.network)
        finally:
            folder.remove()
        out.timings_s = {"run_s": t1 - t0,
                         "binary_s": float(b2.device.timers.get("run_binary", t1 - t0))}
        return out

    def close(self) -> None:
        """Forget the build (the compiled project stays in the cache) and reset Brian2."""
        if StandaloneBuild._active is self:
            StandaloneBuild._active = None
            self._release()

    def _release(self) -> None:
        """Put Brian2 back on the runtime device and let this build's Brian2 objects go now:
        while they live, their names are taken, and the next build of this structure in this
        process would get names with a suffix (``..._codeobject_1``): other code, recompiled
        from scratch (≈ 30 s)."""
        b2.devices.reinit_devices()
        b2.set_device("runtime")
        self.network = None
        gc.collect()
