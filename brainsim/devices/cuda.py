"""brian2cuda (``cuda_standalone``) with CUDA 13 toolkits, with or without a GPU.

:func:`configure_cuda_prefs` sets the Brian2/brian2cuda preferences the CUDA backend needs
(called by :meth:`brainsim.devices.cuda.CudaStandaloneBackend.configure_prefs`):

- no GPU detection through ``deviceQuery``; GPU 0 (``CUDA_VISIBLE_DEVICES`` picks another);
- compute capability from the argument, ``$NEUROEMO_CUDA_CC``, ``nvidia-smi`` or 9.0
  (H100/H200), in that order;
- C++17 for CUDA 13's CCCL (``-std=c++17`` for nvcc, instead of ``-std=c++11`` for gcc);
- cuRAND from the ``nvidia-curand`` wheel when the toolkit has none (include folder for nvcc,
  library folder for the linker and at run time, a ``libcurand.so`` link where missing);
- one ``make`` job per CPU (:func:`brainsim.devices.standalone.make_jobs`).

Per-run seeds: brian2cuda draws its random numbers with cuRAND, not with the C++ generators
that :data:`brainsim.devices.standalone.SEED_CODE` reseeds. :data:`CUDA_SEED_CODE` reseeds cuRAND
(``random_number_buffer.set_seed``, what ``brian2.seed()`` generates) from ``$NEUROEMO_SEED``
at the start of ``main()``, so one CUDA binary runs with any seed, like the C++ one.

Without nvcc :func:`configure_cuda_prefs` raises :class:`NeuroEmoError`; without a GPU the
project still generates and compiles, and :func:`check_gpu_for_run` explains why it cannot
run.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import brian2 as b2

from brainsim.devices.cache import cache_dir
from brainsim.devices.speedups import GCC_VECTORISE_FLAG, Speedups
from brainsim.devices.standalone import CppStandaloneBackend, make_jobs
from brainsim.errors import ConfigError, NeuroEmoError

#: Used when neither the caller, $NEUROEMO_CUDA_CC nor nvidia-smi gives one (H100/H200).
DEFAULT_COMPUTE_CAPABILITY = 9.0

#: C++ inserted at the start of ``main()`` of a CUDA build: reseed cuRAND (host and device
#: API) from ``$NEUROEMO_SEED``, mirroring :data:`brainsim.devices.standalone.SEED_CODE`.
CUDA_SEED_CODE = """
{
    const char* _neuroemo_seed = std::getenv("NEUROEMO_SEED");
    if (_neuroemo_seed != NULL) {
        unsigned long long _base = std::stoull(_neuroemo_seed);
        brian::random_number_buffer.set_seed(_base * 1000003ULL + 17ULL);
    }
}
"""


def find_nvcc() -> Path | None:
    """nvcc from ``$CUDA_PATH``, ``PATH`` or ``/usr/local/cuda`` (None when absent)."""
    cuda_path = os.environ.get("CUDA_PATH")
    candidates = []
    if cuda_path:
        candidates.append(Path(cuda_path) / "bin" / "nvcc")
    which = shutil.which("nvcc")
    if which:
        candidates.append(Path(which))
    candidates.append(Path("/usr/local/cuda/bin/nvcc"))
    for c in candidates:
        if c.exists() and os.access(c, os.X_OK):
            return c
    return None


def detected_gpus() -> list[dict]:
    """GPUs reported by ``nvidia-smi``: ``[{"name", "compute_capability"}]`` ([] if none)."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return []
    try:
        out = subprocess.run([smi, "--query-gpu=name,compute_cap", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    gpus = []
    for line in out.stdout.strip().splitlines():
        name, _, cc = line.rpartition(",")
        try:
            gpus.append({"name": name.strip(), "compute_capability": float(cc)})
        except ValueError:
            continue
    return gpus


def resolve_compute_capability(compute_capability: float | None = None) -> float:
    """The argument, else ``$NEUROEMO_CUDA_CC``, else the first GPU's, else 9.0."""
    if compute_capability is None:
        env = os.environ.get("NEUROEMO_CUDA_CC")
        if env:
            try:
                compute_capability = float(env)
            except ValueError:
                raise ConfigError(f"NEUROEMO_CUDA_CC={env!r} is not a compute capability; "
                                  "write it like 9.0 (H100) or 8.6.") from None
        else:
            gpus = detected_gpus()
            compute_capability = (gpus[0]["compute_capability"] if gpus
                                  else DEFAULT_COMPUTE_CAPABILITY)
    if (isinstance(compute_capability, bool)
            or not isinstance(compute_capability, int | float)
            or not 3.0 <= float(compute_capability) < 20):
        raise ConfigError(f"compute_capability must be a number like 9.0 or 8.6, got "
                          f"{compute_capability!r}.")
    return float(compute_capability)


def curand_paths(cuda_home: Path | None) -> tuple[Path, Path] | None:
    """(include, lib) of cuRAND from the ``nvidia-curand`` wheel, or None when the toolkit
    has its own (or the wheel is missing)."""
    if cuda_home is not None:
        has_header = (cuda_home / "include" / "curand.h").exists()
        has_lib = any(glob.glob(str(cuda_home / "lib*" / "libcurand.so*"))) or any(
            glob.glob(str(cuda_home / "targets" / "*" / "lib" / "libcurand.so*")))
        if has_header and has_lib:
            return None
    try:
        import nvidia  # the namespace package of NVIDIA's wheels
    except ImportError:
        return None
    for root in getattr(nvidia, "__path__", []):
        for header in sorted(glob.glob(os.path.join(root, "*", "include", "curand.h"))):
            base = Path(header).parent.parent
            if list((base / "lib").glob("libcurand.so*")):
                return base / "include", base / "lib"
    return None


def _curand_link_dir(lib: Path) -> Path:
    """A folder with ``libcurand.so`` (the wheel ships only ``libcurand.so.10``)."""
    if (lib / "libcurand.so").exists():
        return lib
    versioned = sorted(lib.glob("libcurand.so.*"))
    if not versioned:
        raise NeuroEmoError(f"No libcurand.so.* in {lib}; reinstall nvidia-curand.")
    try:
        (lib / "libcurand.so").symlink_to(versioned[0].name)
        return lib
    except OSError:  # a read-only site-packages: link from the cache instead
        own = cache_dir() / "cuda-lib"
        own.mkdir(parents=True, exist_ok=True)
        link = own / "libcurand.so"
        if not link.exists():
            link.symlink_to(versioned[0])
        return own


def _append_unique(values: list, *items: str) -> list:
    out = list(values)
    for item in items:
        if item not in out:
            out.append(item)
    return out


def configure_cuda_prefs(compute_capability: float | None = None) -> dict:
    """Set the preferences of the active ``cuda_standalone`` device (see module docstring).

    Returns
    -------
    dict
        What was chosen: ``nvcc``, ``compute_capability``, ``gpus`` (detected), ``curand``.

    Raises
    ------
    NeuroEmoError
        If nvcc cannot be found.
    """
    nvcc = find_nvcc()
    if nvcc is None:
        raise NeuroEmoError(
            "The cuda_standalone backend needs the CUDA toolkit's compiler nvcc, which is not "
            "on PATH (nor in $CUDA_PATH/bin or /usr/local/cuda/bin). Install the CUDA toolkit "
            "(12 or 13) and put nvcc on PATH, or use --backend cpp_standalone."
        )
    cc = resolve_compute_capability(compute_capability)
    prefs = b2.prefs
    backend = prefs.devices.cuda_standalone.cuda_backend
    backend.detect_gpus = False
    backend.gpu_id = 0
    backend.compute_capability = cc
    cuda_home = nvcc.resolve().parent.parent
    backend.cuda_path = str(cuda_home)
    nvcc_args = _append_unique(backend.extra_compile_args_nvcc, "-std=c++17")
    curand = curand_paths(cuda_home)
    if curand is not None:
        include, lib = curand
        link_dir = _curand_link_dir(lib)
        nvcc_args = _append_unique(nvcc_args, f"-I{include}")
        prefs.codegen.cpp.library_dirs = _append_unique(prefs.codegen.cpp.library_dirs,
                                                         str(link_dir), str(lib))
        prefs.codegen.cpp.runtime_library_dirs = _append_unique(
            prefs.codegen.cpp.runtime_library_dirs, str(lib))
    backend.extra_compile_args_nvcc = nvcc_args
    # C++17 for CUDA 13; the gcc vectorisation flag of the C++ backends is for their loops on
    # the CPU and is dropped, so that a CUDA build does not depend on what ran before it
    prefs.codegen.cpp.extra_compile_args_gcc = [
        "-std=c++17" if a == "-std=c++11" else a for a in prefs.codegen.cpp.extra_compile_args_gcc
        if a != GCC_VECTORISE_FLAG
    ]

    prefs.devices.cpp_standalone.extra_make_args_unix = make_jobs()
    return {"nvcc": str(nvcc), "compute_capability": cc, "gpus": detected_gpus(),
            "curand": None if curand is None else [str(p) for p in curand]}


def check_gpu_before_build() -> None:
    """Raise :class:`NeuroEmoError` before minutes of nvcc when no GPU could run the result.

    ``neuroemo run`` and local sweeps call this; compiling without a GPU (as CI does) goes
    through the Python API: ``get_backend("cuda_standalone").prepare(...)``.
    """
    if not detected_gpus():
        raise NeuroEmoError(
            "--backend cuda_standalone needs an NVIDIA GPU, and nvidia-smi finds none on this "
            "machine; nothing was compiled. Use --backend cpp_standalone here, or run on a GPU "
            "machine (a sweep can use one through --scheduler). To only compile the CUDA "
            "project, use get_backend('cuda_standalone').prepare(...) from Python.")


def check_gpu_for_run() -> None:
    """Raise :class:`NeuroEmoError` when no CUDA GPU can run a compiled project."""
    if not detected_gpus():
        raise NeuroEmoError(
            "The CUDA project compiled, but no CUDA GPU is available to run it (nvidia-smi "
            "finds none). Run it on a machine with an NVIDIA GPU, or use --backend "
            "cpp_standalone here."
        )


def run_failure_message(err: BaseException) -> str:
    """A clear message for a CUDA binary that failed to run."""
    text = str(err)
    if not detected_gpus():
        return ("compiled, but no CUDA GPU: the CUDA binary cannot run on this machine "
                f"({text.strip()[:200]}). Use a machine with an NVIDIA GPU or --backend "
                "cpp_standalone.")
    return f"the CUDA binary failed: {text.strip()[:500]}"


class CudaStandaloneBackend(CppStandaloneBackend):
    """brian2cuda's ``cuda_standalone`` device (needs the ``cuda`` extra, nvcc and a GPU).

    Without a GPU, :meth:`generate` still produces (and can compile) the CUDA project.
    """

    name = "cuda_standalone"
    device_name = "cuda_standalone"

    def __init__(self, threads: int = 0, build_root: Path | None = None,
                 compute_capability: float | None = None,
                 speedups: Speedups | None = None) -> None:
        super().__init__(threads, build_root, speedups)
        self.compute_capability = compute_capability

    def configure_prefs(self) -> None:
        configure_cuda_prefs(self.compute_capability)

    @property
    def seed_code(self) -> str:  # brian2cuda draws its random numbers with cuRAND
        return CUDA_SEED_CODE

    def run_failure(self, err: BaseException) -> NeuroEmoError:
        return NeuroEmoError(run_failure_message(err))
