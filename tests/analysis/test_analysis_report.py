"""`neuroemo report` and `neuroemo view` through the command line."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.testing import write_synthetic_run
from brainsim.cli import main


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    root = tmp_path_factory.mktemp("report") / "comparison"
    write_synthetic_run(root / "healthy", profile="healthy", winner="joy", seed=1)
    write_synthetic_run(root / "depressed", profile="depressed", winner="sadness", seed=1,
                        rates_hz={"amygdala": 20.0})
    return root


def test_report_on_two_runs(comparison, tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(["report", str(comparison / "healthy"), str(comparison / "depressed"),
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 runs" in printed and str(out / "report.html") in printed
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    for text in (html, md):
        assert "healthy" in text and "depressed" in text
        assert "joy" in text and "sadness" in text
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["run"]) == ["healthy", "depressed"]
    assert dict(zip(summary["run"], summary["winner"], strict=True)) == {
        "healthy": "joy", "depressed": "sadness"}
    assert summary.set_index("run").loc["depressed", "rate_amygdala"] == pytest.approx(20, rel=0.1)
    assert {"cv_pfc", "rate_striatum", "p_winner"} <= set(summary.columns)
    for name in ("profile_comparison.png", "healthy/raster.png", "depressed/readout.png",
                 "depressed/modulators.png", "healthy/rates.png"):
        assert (out / name).stat().st_size > 5_000, name
        assert name in html and name in md


def test_report_default_folder_and_folder_of_runs(comparison, capsys):
    assert main(["report", str(comparison), "--no-run-figures"]) == 0
    assert (comparison / "report" / "report.html").exists()
    assert (comparison / "report" / "profile_comparison.png").exists()
    assert not (comparison / "report" / "healthy").exists()


def test_report_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nothing-*")]) == 2
    err = capsys.readouterr().err
    assert "matches no results folder" in err and "Traceback" not in err
    (tmp_path / "plain").mkdir()
    assert main(["report", str(tmp_path / "plain")]) == 2
    assert "not a results folder" in capsys.readouterr().err


def test_view_writes_self_contained_html(comparison, tmp_path, capsys):
    out = tmp_path / "v" / "viewer.html"
    assert main(["view", str(comparison / "healthy"), "--out", str(out),
                 "--max-neurons", "50"]) == 0
    assert str(out) in capsys.readouterr().out
    html = out.read_text()
    assert '<script id="run-data" type="application/json">' in html
    assert "<script src" not in html and "<link" not in html and "http://" not in html
    assert "__DATA__" not in html
    assert main(["view", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["view", str(comparison / "healthy"), "--max-neurons", "0"]) == 2


def test_viewer_data_limits(comparison):
    from analysis import load_run
    from analysis.viewer import viewer_data

    run = load_run(comparison / "healthy")
    data = viewer_data(run, max_neurons=30, max_synapses=100)
    assert [r["shown"] for r in data["regions"]] == [30] * 5
    assert data["n_synapses"] <= 100
    assert 0 < data["n_spikes"] < data["n_spikes_total"]
    import base64

    import numpy as np

    t = np.frombuffer(base64.b64decode(data["spike_t"]), "<f4")
    i = np.frombuffer(base64.b64decode(data["spike_i"]), "<u2")
    assert len(t) == len(i) == data["n_spikes"]
    assert np.all(np.diff(t) >= 0) and i.max() < data["neurons"]["n"]
    # every striatal channel keeps neurons in the sample
    channels = {c for r, c in zip(data["neurons"]["region"], data["neurons"]["channel"],
                                  strict=True) if data["regions"][r]["name"] == "striatum"}
    assert set(range(6)) <= channels


def test_view_and_report_never_overwrite_results(tmp_path, capsys):
    run = write_synthetic_run(tmp_path / "run", duration_ms=500.0)
    meta = (run / "meta.json").read_bytes()
    assert main(["view", str(run), "--out", str(run / "meta.json")]) == 2
    assert "not a viewer" in capsys.readouterr().err
    assert (run / "meta.json").read_bytes() == meta
    # an earlier viewer file is replaced
    assert main(["view", str(run), "--out", str(tmp_path / "v.html")]) == 0
    assert main(["view", str(run), "--out", str(tmp_path / "v.html")]) == 0
    capsys.readouterr()
    assert main(["report", str(run), "--out", str(run)]) == 2
    assert "needs a folder of its own" in capsys.readouterr().err
    assert not (run / "summary.csv").exists()
