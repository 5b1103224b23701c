"""Backends: Brian2 runtime, C++ standalone and CUDA standalone behind one interface.

``get_backend(name)`` returns a :class:`Backend` whose :meth:`Backend.simulate` takes a network
structure and one or more sets of values and yields the raw output of each run. The model code
(:mod:`brainsim.network`) is shared; each backend differs only in how it sets up the Brian2
device and runs it.

Standalone builds are cached in ``$NEUROEMO_CACHE`` (default ``~/.cache/neuroemo``) under
``builds/<backend>-<structure hash>``: a second run of the same structure only re-generates
the code (unchanged files are not rewritten, so ``make`` has nothing to do) and runs the
binary with ``run_args``. Clear the cache with ``neuroemo cache --clear``.
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import brian2 as b2
import numpy as np
from filelock import FileLock

from brainsim import equations as eq
from brainsim import wall_clock
from brainsim.errors import ConfigError, NeuroEmoError
from brainsim.network import BrianNetwork, NetworkStructure, NetworkValues
from brainsim.scratch import ResultsFolder, output_bound_bytes, unique_results_name

BACKENDS = ("runtime", "cpp_standalone", "cuda_standalone")

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


#: Added to gcc's flags for generated C++ (cpp_standalone and the runtime's Cython target).
#: gcc vectorises a loop over arrays that it cannot prove disjoint only behind run-time overlap
#: checks, and by default gives up when it would need more than 10 of them (the ``__restrict``
#: Brian2 puts on local pointers does not count for this). The neuron state update reads and
#: writes 14 per-neuron arrays and needs about 100 checks: with this limit it runs on 4 doubles at a time
#: (AVX2). The checks cost a few comparisons per call. Measured in docs/performance.md.
GCC_VECTORISE_FLAG = "--param=vect-max-version-for-alias-checks=1000"


def add_vectorise_flag() -> None:
    """Add :data:`GCC_VECTORISE_FLAG` to Brian2's gcc flags (once)."""
    args = list(b2.prefs.codegen.cpp.extra_compile_args_gcc)
    if GCC_VECTORISE_FLAG not in args:
        b2.prefs.codegen.cpp.extra_compile_args_gcc = [*args, GCC_VECTORISE_FLAG]


#: glibc tunable for the standalone programs: malloc asks the kernel for transparent huge
#: pages (2 MB) for its heap, so that the ≈ 20 MB a program of the default network
#: allocates and first touches at start-up costs ≈ 1,800 page faults instead of ≈ 4,300.
#: The default network's 1 s run (dt 0.5 ms) took 0.054 → 0.050 s (median of 21 runs
#: alternately; docs/performance.md). Older glibc (< 2.35) ignores the tunable.
HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1"


def program_environment(seed: int) -> dict[str, str]:
    """Environment variables for one run of a standalone program: the run's seed
    (``NEUROEMO_SEED``, read by :data:`SEED_CODE`) and :data:`HUGE_PAGES_TUNABLE` added to
    any ``GLIBC_TUNABLES`` the user has set."""
    tunables = os.environ.get("GLIBC_TUNABLES", "")
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
    ``tests/test_sweep_run.py::test_each_worker_compiles_once`` on a fresh Cython cache).
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


def cache_dir() -> Path:
    """Root of the build cache (``$NEUROEMO_CACHE`` or ``~/.cache/neuroemo``)."""
    root = os.environ.get("NEUROEMO_CACHE")
    path = Path(root) if root else Path.home() / ".cache" / "neuroemo"
    if path.exists() and not path.is_dir():
        raise ConfigError(f"The build cache {path} is a file, not a folder; point "
                          "NEUROEMO_CACHE at a folder (or unset it for ~/.cache/neuroemo).")
    return path


def clear_cache() -> Path:
    """Delete every cached standalone build; return the folder that was cleared."""
    root = cache_dir() / "builds"
    if root.exists():
        shutil.rmtree(root)
    return root


#: The description of a build, kept in its folder (``neuroemo cache`` shows it).
BUILD_DESCRIPTION = "neuroemo-build.json"


def write_build_description(directory: Path, backend: Backend, structure: NetworkStructure,
                            *, complete: bool, compile_s: float | None = None) -> None:
    """Write ``directory/neuroemo-build.json``: what the build is for (backend, network
    size, duration, dt, ...), when it was made and whether it compiled to the end
    (``complete`` is false while it compiles, and stays false if that was interrupted)."""
    import json
    from datetime import datetime

    description = {
        "backend": backend.name,
        "threads": getattr(backend, "threads", 0),
        "n_neurons": structure.n_neurons,
        "n_synapses": int(sum(len(s.i) for s in structure.synapses)),
        "scale": structure.anatomy.scale,
        "duration_ms": float(structure.duration / b2.ms),
        "dt_ms": float(structure.options.dt / b2.ms),
        "noise": structure.options.noise,
        "modulation": structure.options.modulation,
        "brian2": b2.__version__,
        "created": datetime.now().isoformat(timespec="seconds"),
        "complete": complete,
    }
    if compile_s is not None:
        description["compile_s"] = round(compile_s, 1)
    tmp = directory / f".{BUILD_DESCRIPTION}.tmp-{os.getpid()}"
    try:
        tmp.write_text(json.dumps(description, indent=2), encoding="utf-8")
        os.replace(tmp, directory / BUILD_DESCRIPTION)
    except OSError:  # a description is a convenience; the build itself does not need it
        pass


def build_description(directory: Path) -> dict:
    """The build's :data:`BUILD_DESCRIPTION` ({} when absent or unreadable)."""
    import json

    try:
        description = json.loads((directory / BUILD_DESCRIPTION).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return description if isinstance(description, dict) else {}


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


@dataclass
class RawOutput:
    """What one simulation produced, independent of the backend.

    Attributes
    ----------
    spikes : dict of str to (ndarray, ndarray)
        Per region: neuron indices and spike times in ms.
    modulator_t_ms : ndarray
        Sampling times of the neuromodulator traces.
    modulators : dict of str to ndarray
        Per modulator: array of shape (n_regions, n_samples).
    timings_s : dict
        Wall-clock times (build, compile, run).
    """

    spikes: dict[str, tuple[np.ndarray, np.ndarray]]
    modulator_t_ms: np.ndarray
    modulators: dict[str, np.ndarray]
    timings_s: dict[str, float] = field(default_factory=dict)
    final_weights_pA: dict[str, np.ndarray] = field(default_factory=dict)


def collect(bn: BrianNetwork) -> RawOutput:
    """Read the monitors of a network that has run (any backend)."""
    i_all = np.asarray(bn.spike_monitor.i[:], dtype=np.int32)
    t_all = np.asarray(bn.spike_monitor.t[:] / b2.ms, dtype=np.float64)
    region_of = np.searchsorted([b for _, b in bn.structure.offsets.values()], i_all,
                                side="right")
    spikes = {}
    for k, (region, (start, _)) in enumerate(bn.structure.offsets.items()):
        sel = region_of == k
        spikes[region] = (i_all[sel] - start, t_all[sel])
    mm = bn.modulator_monitor
    mods = {m: np.asarray(getattr(mm, m)[:], dtype=np.float64) for m in
            ("serotonin", "dopamine", "norepinephrine")}
    weights = {name: final_plastic_weights(syn, bn.neurons) / 1e-12
               for name, syn in bn.synapses.items() if name == "plastic"}
    return RawOutput(spikes, np.asarray(mm.t[:] / b2.ms), mods, final_weights_pA=weights)


def final_plastic_weights(syn: b2.Synapses, post: b2.NeuronGroup) -> np.ndarray:
    """Weights (A) of plastic synapses onto ``post`` at the last step of the run that just
    ended, including the dopamine that came after each synapse's last spike
    (:func:`brainsim.equations.weights_brought_up_to_date`; the last step is where the
    synapses' clock stopped, minus one step)."""
    j = np.asarray(syn.j[:])
    return eq.weights_brought_up_to_date(
        float(syn.clock.t[:]) - float(syn.clock.dt),
        np.asarray(syn.w_[:]), np.asarray(syn.c[:]), np.asarray(syn.lastupdate_[:]),
        np.asarray(syn.da_last_[:]),
        np.asarray(post.da_integral_[:])[j], np.asarray(post.da_integral_prev_[:])[j],
        float(np.asarray(syn.eta_[:]).ravel()[0]), float(np.asarray(syn.w_max_[:]).ravel()[0]))


class Backend:
    """Common interface; subclasses set up one Brian2 device."""

    name = "backend"

    def simulate(self, structure: NetworkStructure, values: Sequence[NetworkValues],
                 report: str | None = "text",
                 operations: Sequence[Callable[[BrianNetwork], object]] = (),
                 ) -> Iterator[RawOutput]:
        """Run the network once per set of values, yielding each run's output."""
        raise NotImplementedError


class RuntimeBackend(Backend):
    """Brian2's runtime mode: Cython when it compiles, else numpy (``target="auto"``).

    Parameters
    ----------
    target : {"auto", "cython", "numpy"}
        Code generation target.
    """

    name = "runtime"

    def __init__(self, target: str = "auto") -> None:
        if target not in ("auto", "cython", "numpy"):
            raise ConfigError(f"Unknown runtime target {target!r}: use auto, cython or numpy.")
        self.target = target

    def simulate(self, structure, values, report="text", operations=()):
        b2.set_device("runtime")
        b2.prefs.codegen.target = self.target
        add_vectorise_flag()
        for v in values:
            t0 = time.perf_counter()
            bn = BrianNetwork(structure, v)
            for make_op in operations:
                bn.network.add(make_op(bn))
            b2.seed(v.seed)
            t1 = time.perf_counter()
            bn.network.run(structure.duration, report=report, report_period=1 * b2.second)
            t2 = time.perf_counter()
            out = collect(bn)
            out.timings_s = {"build_s": t1 - t0, "run_s": t2 - t1}
            yield out


class CppStandaloneBackend(Backend):
    """Brian2's C++ standalone mode with a cached build re-run through ``run_args``.

    Parameters
    ----------
    threads : int
        OpenMP threads (0 = single-threaded, the fastest on small machines).
    build_root : Path, optional
        Where builds live (default: the cache, see :func:`cache_dir`).
    """

    name = "cpp_standalone"
    device_name = "cpp_standalone"
    #: inserted at the start of main(): reseeds the random generators from NEUROEMO_SEED
    seed_code = SEED_CODE

    def __init__(self, threads: int = 0, build_root: Path | None = None) -> None:
        if not isinstance(threads, int) or threads < 0:
            raise ConfigError(f"threads must be an integer >= 0, got {threads!r}.")
        self.threads = threads
        self.build_root = Path(build_root) if build_root else cache_dir() / "builds"
        self.builds = 0  # number of builds (code generation + make) done by this object

    def configure_prefs(self) -> None:
        b2.prefs.devices.cpp_standalone.openmp_threads = self.threads
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = make_jobs()
        add_vectorise_flag()
        remove_cython_check_include_dir()

    def build_directory(self, structure: NetworkStructure) -> Path:
        key = structure.key(self.name)
        return self.build_root / f"{self.name}-{key}-t{self.threads}"

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
                self.network = BrianNetwork(structure, self.values)
                self.network.network.run(structure.duration, report=report,
                                         report_period=1 * b2.second)
                # every standalone program links brainsim's wall clock (brainsim.wall_clock)
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
        been cut short (:class:`brainsim.scratch.ResultsFolder`)."""
        results = unique_results_name(self.runs)
        self.runs += 1
        folder = ResultsFolder(self.directory, results, self.output_bound, use_scratch)
        program_env = program_environment(values.seed)
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


class CudaStandaloneBackend(CppStandaloneBackend):
    """brian2cuda's ``cuda_standalone`` device (needs the ``cuda`` extra, nvcc and a GPU).

    Without a GPU, :meth:`generate` still produces (and can compile) the CUDA project.
    """

    name = "cuda_standalone"
    device_name = "cuda_standalone"

    def __init__(self, threads: int = 0, build_root: Path | None = None,
                 compute_capability: float | None = None) -> None:
        super().__init__(threads, build_root)
        self.compute_capability = compute_capability

    def configure_prefs(self) -> None:
        from brainsim.cuda import configure_cuda_prefs

        configure_cuda_prefs(self.compute_capability)

    @property
    def seed_code(self) -> str:  # brian2cuda draws its random numbers with cuRAND
        from brainsim.cuda import CUDA_SEED_CODE

        return CUDA_SEED_CODE

    def run_failure(self, err: BaseException) -> NeuroEmoError:
        from brainsim.cuda import run_failure_message

        return NeuroEmoError(run_failure_message(err))


def get_backend(name: str, **kwargs) -> Backend:
    """Return the backend called ``name`` (one of :data:`BACKENDS`).

    Raises
    ------
    ConfigError
        For an unknown name, or ``cuda_standalone`` without brian2cuda installed.
    """
    if name == "runtime":
        return RuntimeBackend(**{k: v for k, v in kwargs.items() if k == "target"})
    kwargs.pop("target", None)
    if name == "cpp_standalone":
        return CppStandaloneBackend(**kwargs)
    if name == "cuda_standalone":
        try:
            import brian2cuda  # noqa: F401
        except ImportError as err:
            raise NeuroEmoError(
                "The cuda_standalone backend needs brian2cuda: install the 'cuda' extra "
                "(pip install -e '.[cuda]')."
            ) from err
        return CudaStandaloneBackend(**kwargs)
    raise ConfigError(f"Unknown backend {name!r}; choose one of {', '.join(BACKENDS)}.")
