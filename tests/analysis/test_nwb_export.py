"""`analysis.nwb.export_nwb` and `neuroemo export-nwb` on synthetic runs (no simulation)."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import numpy as np
import pandas as pd
import pynwb
import pytest

from analysis import load_run
from analysis.nwb import describe_nwb, export_nwb
from analysis.testing import write_reduced_point, write_synthetic_run
from brainsim.cli import main
from brainsim.errors import ResultsError


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A synthetic run, its NWB export (default place) and the file opened with pynwb."""
    path = write_synthetic_run(tmp_path_factory.mktemp("nwb") / "healthy", seed=3)
    out = export_nwb(path)
    io = pynwb.NWBHDF5IO(str(out), "r")
    yield load_run(path).load(), out, io.read()
    io.close()


def _series(container, name):
    series = container[name]
    return np.asarray(series.timestamps[:]), np.asarray(series.data[:]), series.unit


def test_default_place_and_valid_nwb(exported):
    run, out, _ = exported
    assert out == run.path / "run.nwb" and out.is_file()
    assert pynwb.validate(path=str(out)) == []
    assert not list(run.path.glob(".*tmp*"))


def test_units_hold_every_neuron_and_exact_spike_times(exported):
    run, _, nwb = exported
    units = nwb.units.to_dataframe()
    neurons = run.neurons
    assert len(units) == len(neurons) == 700
    for column in ("region", "neuron", "kind", "channel"):
        assert list(units[column]) == list(neurons[column].astype(str if column != "neuron"
                                                                   else int)), column
    assert set(units.loc[units["region"] != "striatum", "channel"]) == {""}
    assert set(units.loc[units["region"] == "striatum", "channel"]) >= set(run.meta["emotions"])

    counts = units.assign(n=units["spike_times"].map(len)).groupby("region")["n"].sum()
    expected = run.spikes.groupby("region", observed=True).size()
    assert counts.to_dict() == {str(r): int(n) for r, n in expected.items()}
    by_neuron = {(str(r), int(n)): np.sort(g["t_ms"].to_numpy()) / 1000.0
                 for (r, n), g in run.spikes.groupby(["region", "neuron"], observed=True)}
    for region, neuron, times in zip(units["region"], units["neuron"], units["spike_times"],
                                     strict=True):
        want = by_neuron.get((region, int(neuron)), np.zeros(0))
        np.testing.assert_array_equal(times, want)  # seconds, bit for bit


def test_rates_modulators_readout_and_inputs_match_the_tables(exported):
    run, _, nwb = exported
    rates = nwb.processing["rates"]
    groups = run.rates.groupby(["region", "channel"], observed=True)
    assert len(rates.data_interfaces) == groups.ngroups == 11
    for (region, channel), frame in groups:
        t, data, unit = _series(rates, f"{region}_{channel}" if channel else str(region))
        np.testing.assert_array_equal(t, frame["t_ms"].to_numpy() / 1000.0)
        np.testing.assert_array_equal(data, frame["rate_hz"].to_numpy())
        assert unit == "Hz"

    modulators = nwb.processing["modulators"]
    groups = run.modulators.groupby(["region", "modulator"], observed=True)
    assert len(modulators.data_interfaces) == groups.ngroups == 15
    for (region, modulator), frame in groups:
        t, data, unit = _series(modulators, f"{region}_{modulator}")
        np.testing.assert_array_equal(t, frame["t_ms"].to_numpy() / 1000.0)
        np.testing.assert_array_equal(data, frame["level"].to_numpy())
        assert unit == "dimensionless"

    readout = nwb.processing["readout"]
    for emotion in run.meta["emotions"]:
        t, p, unit = _series(readout, f"probability_{emotion}")
        np.testing.assert_array_equal(t, run.readout["t_ms"].to_numpy() / 1000.0)
        np.testing.assert_array_equal(p, run.readout[emotion].to_numpy())
        assert unit == "dimensionless"
        _, rate, unit = _series(readout, f"rate_{emotion}")
        np.testing.assert_array_equal(rate, run.readout[f"rate_{emotion}"].to_numpy())
        assert unit == "Hz"
    windows = readout["windows"].to_dataframe()
    np.testing.assert_array_equal(windows["stop_time"], run.readout["t_end_ms"] / 1000.0)
    assert list(windows["winner"]) == list(run.readout["winner"])

    t, data, unit = _series(nwb.stimulus, "sensory_threat")
    sensory = run.inputs.query("kind == 'sensory' and channel == 'threat'")
    np.testing.assert_array_equal(t, sensory["t_ms"].to_numpy() / 1000.0)
    np.testing.assert_array_equal(data, sensory["value"].to_numpy())
    assert unit == "Hz"
    t, data, unit = _series(nwb.stimulus, "reward")
    assert t.tolist() == [0.5] and data.tolist() == [1.0] and unit == "dimensionless"
    _, data, _ = _series(nwb.stimulus, "text_joy")
    np.testing.assert_array_equal(data, run.inputs.query("kind == 'text' and channel == 'joy'")
                                  ["value"].to_numpy())


def test_protocol_phases_and_sentences_round_trip(exported):
    run, _, nwb = exported
    assert json.loads(nwb.notes) == run.meta
    assert json.loads(nwb.protocol) == run.meta["protocol"]
    assert "synthetic-healthy" in nwb.session_description
    assert "seed 3" in nwb.session_description
    assert nwb.identifier.startswith("neuroemo-healthy-")
    assert nwb.session_id == "healthy"
    mtime = datetime.fromtimestamp((run.path / "meta.json").stat().st_mtime).astimezone()
    assert abs((nwb.session_start_time - mtime).total_seconds()) < 1e-3

    epochs = nwb.epochs.to_dataframe()
    assert list(epochs["phase"]) == ["baseline", "stimulus", "recovery"]
    assert epochs[["start_time", "stop_time"]].to_numpy().tolist() == [
        [0.0, 0.25], [0.25, 0.75], [0.75, 1.0]]
    sentences = nwb.intervals["sentences"].to_dataframe()
    [sentence] = run.meta["sentences"]
    row = sentences.iloc[0]
    assert len(sentences) == 1 and row["text"] == sentence["text"] and row["winner"] == "joy"
    assert row["start_time"] == sentence["onset_ms"] / 1000.0
    assert row["stop_time"] == pytest.approx((sentence["onset_ms"] + 200.0) / 1000.0)
    assert row["p_joy"] == 0.5 and row["gate"] == 0.6


def test_start_time_from_meta_created_and_silent_neurons(tmp_path):
    spikes = pd.DataFrame({"region": ["pfc", "striatum", "pfc"], "neuron": [7, 2, 7],
                           "t_ms": [30.5, 12.25, 1.0]})
    run = write_synthetic_run(tmp_path / "run", spikes=spikes, with_sentence=False,
                              duration_ms=200.0)
    meta = json.loads((run / "meta.json").read_text())
    meta["created"] = "2026-01-02T03:04:05"
    (run / "meta.json").write_text(json.dumps(meta))
    out = export_nwb(run, tmp_path / "sub" / "x.nwb")
    assert pynwb.validate(path=str(out)) == []
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        nwb = io.read()
        assert nwb.session_start_time == datetime(2026, 1, 2, 3, 4, 5).astimezone()
        units = nwb.units.to_dataframe().set_index(["region", "neuron"])
        assert len(units) == 700 and "sentences" not in nwb.intervals
        assert units.loc[("pfc", 7), "spike_times"].tolist() == [0.001, 0.0305]
        assert units.loc[("striatum", 2), "spike_times"].tolist() == [0.01225]
        assert units.loc[("striatum", 2), "channel"] == "sadness"
        assert sum(len(t) for t in units["spike_times"]) == 3
    assert describe_nwb(out).startswith("700 units (2 with spikes, 3 spikes)")


def test_refuses_to_overwrite_without_force(tmp_path):
    run = write_synthetic_run(tmp_path / "run", duration_ms=300.0)
    out = run / "run.nwb"
    out.write_bytes(b"earlier file")
    with pytest.raises(ResultsError, match="already exists.*--force"):
        export_nwb(run)
    assert out.read_bytes() == b"earlier file"
    assert export_nwb(run, force=True) == out
    assert pynwb.validate(path=str(out)) == []
    assert sorted(p.name for p in run.iterdir() if "nwb" in p.name) == ["run.nwb"]


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    run = write_synthetic_run(tmp_path / "run", duration_ms=300.0)
    before = sorted(p.name for p in run.iterdir())

    def broken(self, *args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(pynwb.NWBHDF5IO, "write", broken)
    with pytest.raises(ResultsError, match="No space left.*writable"):
        export_nwb(run)
    assert sorted(p.name for p in run.iterdir()) == before


def test_bad_input_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "plain").mkdir()
    with pytest.raises(ResultsError, match="not a results folder"):
        export_nwb(tmp_path / "plain")
    run = write_synthetic_run(tmp_path / "run", duration_ms=300.0)
    with pytest.raises(ResultsError, match=r"does not end in \.nwb"):
        export_nwb(run, run / "meta.json", force=True)
    (tmp_path / "dir.nwb").mkdir()
    with pytest.raises(ResultsError, match="is a folder"):
        export_nwb(run, tmp_path / "dir.nwb", force=True)
    (run / "readout.parquet").unlink()
    with pytest.raises(ResultsError, match="readout.parquet is missing"):
        export_nwb(run)
    run2 = write_synthetic_run(tmp_path / "run2", duration_ms=300.0)
    monkeypatch.setitem(sys.modules, "pynwb", None)
    with pytest.raises(ResultsError, match="pip install pynwb"):
        export_nwb(run2)
    assert not (run2 / "run.nwb").exists()


def test_cli_export_nwb(tmp_path, capsys):
    run = write_synthetic_run(tmp_path / "run", duration_ms=300.0)
    out = tmp_path / "out" / "r.nwb"
    assert main(["export-nwb", str(run), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "700 units" in printed and "rates 11" in printed
    assert pynwb.validate(path=str(out)) == []
    assert main(["export-nwb", str(run), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and "Traceback" not in err
    assert main(["export-nwb", str(run), "--out", str(out), "--force"]) == 0
    assert main(["export-nwb", str(run)]) == 0 and (run / "run.nwb").is_file()
    (tmp_path / "plain").mkdir()
    capsys.readouterr()
    assert main(["export-nwb", str(tmp_path / "plain")]) == 2
    assert "not a results folder" in capsys.readouterr().err


def test_a_reduced_sweep_point_exports_the_tables_it_kept(tmp_path):
    """A sweep point with ``Sweep(tables=...)`` holds only some tables: the export writes
    their parts, leaves the others out and says which in the session description."""
    folder = write_reduced_point(tmp_path / "point-0000", ("rates", "readout"),
                                 duration_ms=300.0)
    meta = json.loads((folder / "meta.json").read_text())

    out = export_nwb(folder)
    assert pynwb.validate(path=str(out)) == []
    run = load_run(folder)
    with pynwb.NWBHDF5IO(str(out), "r") as io:
        nwb = io.read()
        assert nwb.units is None and len(nwb.stimulus) == 0
        assert set(nwb.processing) == {"rates", "readout"}
        assert len(nwb.processing["rates"].data_interfaces) == \
            run.rates.groupby(["region", "channel"], observed=True).ngroups
        assert [p for p in nwb.epochs.to_dataframe()["phase"]] == \
            [p["name"] for p in meta["phases"]]
        assert "did not keep the tables spikes, neurons, modulators, inputs" in \
            nwb.session_description
    assert "0 units" in describe_nwb(out)
