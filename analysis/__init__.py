"""Analysis of NeuroEmoDynamics results folders: pandas tables, statistics, figures, viewers.

Loading (:mod:`analysis.io`)
    :func:`load_run`, :func:`load_runs`, :class:`Run`, :class:`Runs`
Statistics (:mod:`analysis.statistics`)
    rates, ISI CV, Fano factor, synchrony, spectra, readout as tidy DataFrames
Figures (:mod:`analysis.figures`)
    raster, rates, modulators, readout, profile comparison (matplotlib)
Report (:mod:`analysis.report`)
    ``neuroemo report``: figures and a summary table for one or more runs
Viewer (:mod:`analysis.viewer`)
    ``neuroemo view``: one self-contained interactive HTML file
NWB export (:mod:`analysis.nwb`)
    ``neuroemo export-nwb``: one Neurodata Without Borders file per run (needs pynwb)
Live view (:mod:`analysis.live`)
    :class:`~analysis.live.LiveServer` behind ``neuroemo run --live``

This package never imports Brian2 or torch.
"""

from analysis.io import Run, Runs, load_run, load_runs

__all__ = ["Run", "Runs", "load_run", "load_runs"]
