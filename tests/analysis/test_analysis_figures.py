"""Every figure function draws a run into a non-empty PNG."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure

from analysis import load_run, load_runs
from analysis.figures import (
    plot_modulators,
    plot_profile_comparison,
    plot_raster,
    plot_rates,
    plot_readout,
    save_figure,
)
from analysis.testing import write_synthetic_run
from brainsim.errors import ResultsError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return load_run(write_synthetic_run(tmp_path_factory.mktemp("fig") / "healthy", seed=1))


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 10_000, f"{path} is suspiciously small ({len(data)} bytes)"


@pytest.mark.parametrize("plot", [plot_raster, plot_rates, plot_modulators, plot_readout])
def test_single_run_figures_write_png(run, plot, tmp_path):
    fig = plot(run)
    assert isinstance(fig, Figure)
    _assert_png(save_figure(fig, tmp_path / "sub" / f"{plot.__name__}.png"))


def test_raster_has_one_panel_per_region_and_draws_every_shown_spike(run):
    fig = plot_raster(run, max_neurons=None)
    axes = fig.get_axes()
    assert len(axes) == 5
    drawn = sum(len(line.get_xdata()) for ax in axes for line in ax.get_lines())
    assert drawn == len(run.spikes)


def test_raster_single_region_and_unknown_region(run):
    fig = plot_raster(run, region="striatum")
    assert len(fig.get_axes()) == 1
    # one line per emotion channel plus one for the rest
    assert len(fig.get_axes()[0].get_lines()) == 7
    with pytest.raises(ResultsError, match="not in this run"):
        plot_raster(run, region="cerebellum")


def test_raster_samples_at_most_max_neurons(run):
    fig = plot_raster(run, region="pfc", max_neurons=50)
    ys = [y for line in fig.get_axes()[0].get_lines() for y in line.get_ydata()]
    assert max(ys) <= 49


def test_rates_marks_phases_and_sentences(run):
    fig = plot_rates(run)
    top = fig.get_axes()[0]
    texts = [t.get_text() for t in top.texts]
    assert {p["name"] for p in run.meta["phases"]} <= set(texts)
    assert any("wonderful" in t for t in texts)
    # phase spans (patches) and a dashed sentence line
    assert len(top.patches) == len(run.meta["phases"])
    assert any(line.get_linestyle() == "--" for line in top.get_lines())


def test_profile_comparison_one_row_per_profile(tmp_path):
    for profile, winner in (("healthy", "joy"), ("depressed", "sadness"), ("anxious", "fear")):
        write_synthetic_run(tmp_path / "cmp" / profile, profile=profile, winner=winner)
    runs = load_runs(tmp_path / "cmp")
    fig = plot_profile_comparison(runs)
    assert len(fig.get_axes()) == 6
    titles = [ax.get_title() for ax in fig.get_axes()[1::2]]
    assert any(t.startswith("depressed: sadness") for t in titles), titles
    _assert_png(save_figure(fig, tmp_path / "cmp.png"))
    # the accessor gives the same figure kinds
    assert isinstance(runs.plot.profile_comparison(), Figure)
    assert isinstance(runs[0].plot.raster(), Figure)


def test_figures_viewer_and_report_of_a_silent_run(tmp_path):
    import pandas as pd

    from analysis.report import write_report
    from analysis.viewer import write_viewer

    empty = pd.DataFrame({"region": pd.Series([], dtype=str),
                          "neuron": pd.Series([], dtype="int32"),
                          "t_ms": pd.Series([], dtype="float64")})
    run = load_run(write_synthetic_run(tmp_path / "silent", spikes=empty))
    for plot in (plot_raster, plot_rates, plot_modulators, plot_readout):
        assert save_figure(plot(run), tmp_path / f"{plot.__name__}.png").stat().st_size > 5_000
    assert '"n_spikes":0' in write_viewer(run, tmp_path / "v.html").read_text()
    assert "silent" in write_report([run], tmp_path / "rep").read_text()


def test_profile_comparison_titles_a_single_run_with_its_summary_winner(tmp_path):
    """One run's row shows the winner its summary reports (whole run, ties as "none"), not
    the emotion with the highest mean window probability, so figure and summary agree."""
    import json

    from brainsim.channels import EMOTIONS

    path = write_synthetic_run(tmp_path / "cmp" / "depressed", profile="depressed",
                               winner="fear")
    meta = json.loads((path / "meta.json").read_text())
    rates = dict.fromkeys(EMOTIONS, 0.5) | {"joy": 0.925, "fear": 0.925}
    meta["summary"]["readout"] = {"window_ms": [100.0, 3000.0], "rates_hz": rates,
                                  "probabilities": dict.fromkeys(EMOTIONS, 1 / 6),
                                  "winner": "none"}
    (path / "meta.json").write_text(json.dumps(meta))
    fig = plot_profile_comparison(load_runs(tmp_path / "cmp"))
    assert fig.get_axes()[1].get_title() == "depressed: none (tie)"
