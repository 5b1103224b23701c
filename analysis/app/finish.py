"""``python -m analysis.app.finish FOLDER``: what the app shows of a run that the run itself
does not write.

``neuroemo run`` writes the tables, ``meta.json``, ``figures/raster.png`` and
``figures/rates.png``. The app also shows the interactive viewer (``viewer.html``, as
``neuroemo view`` writes it) and the readout and neuromodulator figures; this step adds
them to the results folder, in a subprocess of its own like the simulation, and prints one
line per file.

finish_run
    Write the viewer and the missing figures of a results folder.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from analysis.figures import plot_modulators, plot_rates, plot_readout, save_figure
from analysis.io import load_run
from analysis.viewer import write_viewer

__all__ = ["finish_run"]


def finish_run(folder: str | Path) -> list[Path]:
    """Write ``viewer.html`` and ``figures/{readout,modulators,rates}.png`` where missing.

    Parameters
    ----------
    folder : str or Path
        A results folder.

    Returns
    -------
    list of Path
        The files written.
    """
    run = load_run(folder)
    written = []
    t0 = time.perf_counter()
    written.append(write_viewer(run, run.path / "viewer.html"))
    print(f"viewer: {written[-1]} ({time.perf_counter() - t0:.1f} s)", flush=True)
    for name, plot in (("rates", plot_rates), ("readout", plot_readout),
                       ("modulators", plot_modulators)):
        path = run.path / "figures" / f"{name}.png"
        if path.exists() or (name == "readout" and run.readout.empty):
            continue
        t0 = time.perf_counter()
        written.append(save_figure(plot(run), path))
        print(f"figure: {path} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m analysis.app.finish FOLDER``."""
    from analysis.app.simulator import NeuroEmoError

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m analysis.app.finish RESULTS_FOLDER", file=sys.stderr)
        return 2
    try:
        finish_run(args[0])
    except NeuroEmoError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
