"""The cache of compiled standalone builds (``$NEUROEMO_CACHE``, default
``~/.cache/neuroemo``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from brainsim.errors import ConfigError

__all__ = ["cache_dir", "clear_cache"]


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
