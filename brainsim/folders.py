"""Writing a folder so that readers see either the old one or the complete new one.

Used for results folders (:func:`brainsim.experiment.results.write_run`) and text-branch checkpoints
(:func:`textbranch.checkpoint.save_checkpoint`). Imports nothing heavy: the text branch
uses it without Brian2.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_folder(final: Path, *, replace: bool,
                  exists_error: Callable[[], Exception] | None = None) -> Iterator[Path]:
    """Yield an empty sibling of ``final`` to write into; it becomes ``final`` at the end.

    Parameters
    ----------
    final : Path
        The folder to create or replace.
    replace : bool
        Whether an existing ``final`` may be replaced (it is renamed away, the new folder
        renamed into place, then the old one deleted).
    exists_error : callable, optional
        Makes the exception raised when ``final`` exists at the end and ``replace`` is
        false (default: :class:`FileExistsError`).

    If the ``with`` block raises, the staged folder is deleted and ``final`` is untouched.
    """
    final = Path(final)
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
        if final.exists():
            if not replace:
                raise exists_error() if exists_error else FileExistsError(str(final))
            old = final.parent / f".{final.name}.old-{os.getpid()}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
