"""``neuroemo report``: figures and a summary table for one or more runs.

write_report
    Write ``report.html``, ``report.md``, ``summary.csv`` and the figures of each run (plus a
    profile comparison when there are several runs) into one folder.
summary_table
    The table shown in the report: one row per run (profile, seed, backend, winner, mean rate
    and median ISI CV per region).
default_report_dir
    Where the report goes when ``--out`` is not given.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from analysis import statistics as st
from analysis.figures import (
    plot_modulators,
    plot_profile_comparison,
    plot_raster,
    plot_rates,
    plot_readout,
    save_figure,
)
from analysis.io import Run, Runs, is_sweep_dir, load_run, load_runs
from brainsim.channels import REGIONS
from brainsim.errors import ResultsError

__all__ = ["write_report", "summary_table", "default_report_dir"]

_RUN_FIGURES = (("raster", plot_raster), ("rates", plot_rates),
                ("modulators", plot_modulators), ("readout", plot_readout))

#: The tables each part of the report reads. A sweep run with ``Sweep(tables=...)`` may not
#: have kept them all: such a part is left out, and the report says which tables it lacks.
NEEDS: dict[str, tuple[str, ...]] = {
    "summary": ("spikes", "neurons", "readout"),  # rates, ISI CVs, winner (and plot_against)
    "profile_comparison": ("rates", "readout"),
    "raster": ("spikes", "neurons"), "rates": ("rates",),
    "modulators": ("modulators", "inputs"), "readout": ("readout",),
}


def _dropped(runs: Run | Runs | Sequence[Run], part: str) -> list[str]:
    """The tables ``part`` of the report needs (:data:`NEEDS`) that some run did not keep."""
    items = [runs] if isinstance(runs, Run) else list(runs)
    return [t for t in NEEDS[part] if not all(r.has_table(t) for r in items)]


def _left_out(what: str, dropped: list[str], runs: Runs) -> str:
    """A note for the report: ``what`` is missing, and why."""
    kept = list(dict.fromkeys(str(r.meta["tables"]) for r in runs if "tables" in r.meta))
    files = ", ".join(f"{t}.parquet" for t in dropped)
    return (f"{what} left out: it needs {files}, which these runs did not "
            f"keep (their sweep ran with tables={' / '.join(kept)}); add "
            f"{', '.join(repr(t) for t in dropped)} to the Sweep's tables and run it again to "
            "have it.")


def default_report_dir(runs: Runs) -> Path:
    """``RUN/report`` for one run, else ``report`` in the runs' closest common folder (the
    sweep's folder for points of a sweep, not its ``points/``)."""
    if len(runs) == 1:
        return runs[0].path / "report"
    common = Path(os.path.commonpath([str(r.path.resolve()) for r in runs]))
    if common.name == "points" and is_sweep_dir(common.parent):
        common = common.parent
    return common / "report"


def summary_table(runs: Runs) -> pd.DataFrame:
    """One row per run: identity, readout winner, mean rate and median CV per region.

    Returns
    -------
    pandas.DataFrame
        Columns ``run``, ``profile``, ``seed``, ``backend`` (and sweep parameters),
        ``sentences`` (``"text"@onset``, "" without text), ``duration_ms``, ``winner``,
        ``p_winner``, ``winner_fraction``, ``rate_<region>`` (Hz), ``cv_<region>``. Runs
        of a sweep that did not keep the spikes, neurons or readout (``Sweep(tables=...)``)
        get the identity columns only.
    """
    if _dropped(runs, "summary"):
        runs = runs if isinstance(runs, Runs) else Runs([runs])
        table = runs.meta.drop(columns="path")
        table.insert(table.columns.get_loc("duration_ms"), "sentences",
                     [st.sentences_text(r) for r in runs])
        return table
    table = st.run_summary(runs)
    table["p_winner"] = [row.get(f"p_{w}", float("nan")) if w else float("nan")
                         for w, (_, row) in zip(table["winner"], table.iterrows(), strict=True)]
    regions = [r for r in REGIONS if f"rate_{r}" in table.columns] + sorted(
        c.removeprefix("rate_") for c in table.columns
        if c.startswith("rate_") and c.removeprefix("rate_") not in REGIONS)
    front = ["run", "profile", "seed", "backend", *runs.point_columns, "sentences",
             "duration_ms", "winner", "p_winner", "winner_fraction"]
    columns = front + [f"rate_{r}" for r in regions] + [f"cv_{r}" for r in regions]
    return table[[c for c in columns if c in table.columns]]


def _format(value: object) -> str:
    if isinstance(value, float):
        return "–" if value != value else f"{value:.3g}"
    return str(value)


def _markdown(table: pd.DataFrame) -> str:
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    rows = ["| " + " | ".join(_format(v) for v in row) + " |"
            for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _html_table(table: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_format(v))}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False)
    )
    return f'<table id="summary"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def write_report(
    runs: Runs | Sequence[Run] | str | Path | Iterable[str | Path],
    out: str | Path | None = None,
    *,
    run_figures: bool = True,
    max_run_figures: int = 20,
) -> Path:
    """Write the report of one or more runs.

    Parameters
    ----------
    runs : Runs, sequence of Run, or paths/globs
        What to report on (paths are opened with :func:`analysis.load_runs`).
    out : str or pathlib.Path, optional
        Output folder (created); see :func:`default_report_dir`.
    run_figures : bool
        Draw raster, rates, modulators and readout of each run.
    max_run_figures : int
        Above this many runs, only the comparison figure is drawn (a sweep of hundreds of runs
        would otherwise take minutes).

    Returns
    -------
    pathlib.Path
        The ``report.html`` file; ``report.md`` and ``summary.csv`` lie next to it.
    """
    if not isinstance(runs, Runs):
        items = list(runs) if isinstance(runs, (list, tuple)) else None
        if items and all(isinstance(r, Run) for r in items):
            runs = Runs(items)
        else:
            runs = load_runs(runs)  # type: ignore[arg-type]
    if len(runs) == 0:
        raise ResultsError("No runs to report on.")
    out = Path(out) if out is not None else default_report_dir(runs)
    if (out / "meta.json").is_file() or (out.exists() and not out.is_dir()):
        raise ResultsError(f"{out} is a results folder or a file; the report needs a folder of "
                           "its own (e.g. --out report). Nothing was written.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ResultsError(f"Cannot create the report folder {out} ({err.strerror}); "
                           "choose another one with --out.") from err

    table = summary_table(runs)
    table.to_csv(out / "summary.csv", index=False)
    notes: list[str] = []  # parts left out because a sweep did not keep their tables
    if _dropped(runs, "summary"):
        notes.append(_left_out("The summary's rates, ISI CVs and readout winner",
                               _dropped(runs, "summary"), runs))
    figures: list[tuple[str, str]] = []  # (caption, relative path)
    if len(runs) > 1:
        from analysis.figures import plot_against
        from brainsim.errors import ConfigError

        table_of_conditions, varying = st.conditions(runs)
        swept = [c for c in varying if c in runs.point_columns]
        if len(swept) == 1 and len(varying) == 1:  # a sweep of one parameter: its trend
            name = f"against_{swept[0]}".replace("/", "_").replace(".", "_")
            numeric = pd.to_numeric(table_of_conditions[swept[0]], errors="coerce").notna()
            if _dropped(runs, "summary") and numeric.all():
                notes.append(_left_out(f"The figure against {swept[0]}",
                                       _dropped(runs, "summary"), runs))
            else:
                try:
                    save_figure(plot_against(runs, swept[0]), out / f"{name}.png")
                    figures.append((f"Sweep: mean rates and readout against {swept[0]}",
                                    f"{name}.png"))
                except ConfigError:  # not numeric (e.g. a list of sentences): rows only
                    pass
        n_conditions = len(table_of_conditions.drop_duplicates(subset=varying)) if varying \
            else 1
        if n_conditions <= max_run_figures and _dropped(runs, "profile_comparison"):
            notes.append(_left_out("The comparison figure",
                                   _dropped(runs, "profile_comparison"), runs))
        elif n_conditions <= max_run_figures:  # one row each: hundreds would be unreadable
            save_figure(plot_profile_comparison(runs), out / "profile_comparison.png")
            figures.append(("Comparison (one row per condition; runs differing only in "
                            "seed are averaged)", "profile_comparison.png"))
    from analysis.task_report import write_task_figures

    task_sections = write_task_figures(runs, out)
    for section in task_sections:
        if section.figure:
            figures.append((section.caption.split(":")[0], section.figure))
    if run_figures and len(runs) <= max_run_figures:
        for label, run in runs.items():
            folder = label.replace("/", "_")
            for name, plot in _RUN_FIGURES:
                if _dropped([run], name) or (name == "readout" and run.readout.empty):
                    continue
                save_figure(plot(run), out / folder / f"{name}.png")
                figures.append((f"{label}: {name}", f"{folder}/{name}.png"))
        for name, _ in _RUN_FIGURES:
            if _dropped(runs, name):
                notes.append(_left_out(f"Each run's {name} figure",
                                       _dropped(runs, name), runs))

    title = ("Report: " + ", ".join(runs.labels[:6])
             + (f" and {len(runs) - 6} more" if len(runs) > 6 else ""))
    md = [f"# {title}", "", "Mean rate (Hz, all neurons) and median ISI CV per region; winner = "
          "emotion with the highest mean readout probability (p_winner), winner_fraction = "
          "share of readout windows it won.", "", _markdown(table), ""]
    md += [f"- {note}" for note in notes] + ([""] if notes else [])
    for section in task_sections:
        md += [f"## {section.caption}", "", _markdown(section.table), "",
               f"(numbers: {section.csv})", ""]
    md += [f"![{caption}]({path})\n" for caption, path in figures]
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")

    figs_html = "".join(
        f'<figure><img src="{html.escape(path)}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for caption, path in figures
    )
    tasks_html = "".join(
        f"<h2>{html.escape(section.caption)}</h2>"
        + _html_table(section.table).replace('id="summary"',
                                             f'id="{section.csv.removesuffix(".csv")}"')
        for section in task_sections)
    notes_html = "".join(f"<p><em>{html.escape(note)}</em></p>" for note in notes)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; }}
th {{ background: #f4f4f4; }}
figure {{ margin: 1.5em 0; }} img {{ max-width: 100%; }}
figcaption {{ color: #555; font-size: 0.9em; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Mean rate (Hz, all neurons) and median ISI CV per region. <em>winner</em>: emotion with the
highest mean readout probability (<em>p_winner</em>); <em>winner_fraction</em>: share of
readout windows it won. Also in <a href="summary.csv">summary.csv</a>.</p>
{_html_table(table)}{notes_html}
{tasks_html}
{figs_html}
</body></html>
"""
    report = out / "report.html"
    report.write_text(page, encoding="utf-8")
    return report


def write_run_figures(folder: str | Path, name: str | None = None) -> None:
    """Draw a results folder's raster and rate figures into ``folder/figures/``.

    The simulator calls this through its ``figures`` hook (``neuroemo run`` passes it) once
    the folder's tables exist, with the ``name`` the folder will have (it is still a
    staging folder then; the figures' titles use the final name). The simulator itself
    never imports :mod:`analysis`.
    """
    run = load_run(folder)
    if name is not None:
        run.display_name = name
    save_figure(plot_raster(run), Path(folder) / "figures" / "raster.png")
    save_figure(plot_rates(run), Path(folder) / "figures" / "rates.png")
