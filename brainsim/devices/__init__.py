"""Devices: where a network runs (Brian2 runtime, C++ standalone, CUDA standalone).

base (:mod:`brainsim.devices.base`)
    The :class:`~brainsim.devices.base.Backend` interface and the raw output of a run.
runtime, standalone, cuda (:mod:`brainsim.devices.runtime`, ...)
    The three backends; :func:`get_backend` chooses one by name.
cache (:mod:`brainsim.devices.cache`)
    Where compiled standalone builds are kept.
speedups (:mod:`brainsim.devices.speedups`)
    Device-level speed-ups, each switchable and documented in docs/optimisations.md.
"""

from __future__ import annotations

from brainsim.channels import BACKENDS
from brainsim.devices.base import Backend
from brainsim.errors import ConfigError, NeuroEmoError

__all__ = ["BACKENDS", "get_backend"]



def get_backend(name: str, **kwargs) -> Backend:
    """Return the backend called ``name`` (one of :data:`BACKENDS`).

    Raises
    ------
    ConfigError
        For an unknown name, or ``cuda_standalone`` without brian2cuda installed.
    """
    if name == "runtime":
        from brainsim.devices.runtime import RuntimeBackend

        return RuntimeBackend(**{k: v for k, v in kwargs.items()
                                 if k in ("target", "speedups")})
    kwargs.pop("target", None)
    if name == "cpp_standalone":
        from brainsim.devices.standalone import CppStandaloneBackend

        return CppStandaloneBackend(**kwargs)
    if name == "cuda_standalone":
        try:
            import brian2cuda  # noqa: F401
        except ImportError as err:
            raise NeuroEmoError(
                "The cuda_standalone backend needs brian2cuda: install the 'cuda' extra "
                "(pip install -e '.[cuda]')."
            ) from err
        from brainsim.devices.cuda import CudaStandaloneBackend

        return CudaStandaloneBackend(**kwargs)
    raise ConfigError(f"Unknown backend {name!r}; choose one of {', '.join(BACKENDS)}.")
