"""The cache of compiled standalone builds (``$NEUROEMO_CACHE``, default
``~/.cache/neuroemo``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import brian2 as b2

from brainsim.errors import ConfigError

if TYPE_CHECKING:
    from brainsim.devices.base import Backend
    from brainsim.model.network import NetworkStructure

__all__ = ["BUILD_DESCRIPTION", "build_description", "cache_dir", "clear_cache",
           "write_build_description"]


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
