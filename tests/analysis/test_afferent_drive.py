"""analysis.statistics.afferent_drive: the mean current each projection gives a population,
against the closed form rate x weight x tau on a hand-made run."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis import load_run, load_runs
from analysis.statistics import afferent_drive
from analysis.testing import write_synthetic_run
from brainsim.errors import ConfigError

SIZES = {"pfc": 10, "amygdala": 10, "hippocampus": 10, "thalamus": 10, "striatum": 30}
DURATION = 1000.0


def _train(region, neuron, rate_hz, start=0.0, end=DURATION):
    t = np.arange(start + 0.5 * 1000 / rate_hz, end, 1000 / rate_hz)
    return pd.DataFrame({"region": region, "neuron": neuron, "t_ms": t})


def _synapse(projection, pre_region, pre, post, weight):
    return {"projection": projection, "pre_region": pre_region, "pre": pre,
            "post_region": "striatum", "post": post, "weight_pA": weight,
            "initial_weight_pA": weight, "delay_ms": 1.0, "plastic": False}


@pytest.fixture()
def run(tmp_path):
    # striatum: 24 E (four per channel; fear = neurons 16-19), 6 I (24-29)
    spikes = pd.concat([
        _train("thalamus", 0, 10.0), _train("thalamus", 1, 10.0),  # relay cells, 10 Hz
        _train("thalamus", 2, 40.0, 0, 500),                        # 40 Hz, first half only
        _train("striatum", 24, 20.0),                               # an FSI
        _train("striatum", 0, 5.0),                                 # a sadness MSN
    ], ignore_index=True)
    path = write_synthetic_run(tmp_path / "r", sizes=SIZES, spikes=spikes,
                               duration_ms=DURATION, with_sentence=False)
    syn = pd.DataFrame([
        _synapse("thalamus_E-threat_to_striatum_E", "thalamus", 0, 16, 30.0),
        _synapse("thalamus_E-threat_to_striatum_E", "thalamus", 1, 17, 30.0),
        _synapse("thalamus_E-context_to_striatum_E", "thalamus", 2, 16, 20.0),
        _synapse("striatum_I_to_striatum_E", "striatum", 24, 18, 50.0),
        _synapse("striatum_E_to_striatum_E", "striatum", 0, 19, 10.0),
        _synapse("thalamus_E-threat_to_striatum_E", "thalamus", 0, 3, 99.0),  # other channel
    ])
    for col in ("projection", "pre_region", "post_region"):
        syn[col] = syn[col].astype("category")
    syn.to_parquet(path / "synapses.parquet", index=False)
    meta = json.loads((path / "meta.json").read_text())
    meta["parameters"] = {"network_constants": {"tau_e": "5. ms", "tau_i": "10. ms"}}
    (path / "meta.json").write_text(json.dumps(meta))
    return load_run(path)


def test_mean_current_is_rate_times_weight_times_tau(run):
    d = afferent_drive(run, "striatum", "fear").set_index("projection")
    n = 4  # fear cells
    # two relay cells at 10 Hz, 30 pA, tau_e 5 ms, spread over four cells
    assert d.loc["thalamus_E-threat_to_striatum_E", "mean_current_pA"] == pytest.approx(
        2 * 10 * 30 * 0.005 / n)
    assert d.loc["thalamus_E-context_to_striatum_E", "mean_current_pA"] == pytest.approx(
        20 * 20 * 0.005 / n)  # 40 Hz for half the run = 20 spikes/s on average
    assert d.loc["striatum_I_to_striatum_E", "mean_current_pA"] == pytest.approx(
        20 * 50 * 0.010 / n)
    # MSNs are GABAergic: their synapses are inhibitory although the cells are "E"
    assert d.loc["striatum_E_to_striatum_E", "current"] == "inhibitory"
    assert d.loc["thalamus_E-threat_to_striatum_E", "current"] == "excitatory"
    assert d.loc["thalamus_E-threat_to_striatum_E", "n_synapses"] == pytest.approx(2 / n)
    assert d.loc["thalamus_E-threat_to_striatum_E", "pre_rate_hz"] == pytest.approx(10)
    assert d.groupby("current")["share"].sum().to_numpy() == pytest.approx([1, 1])


def test_window_counts_only_its_spikes(run):
    late = afferent_drive(run, "striatum", "fear", start_ms=500, end_ms=1000)
    ctx = late.set_index("projection").loc["thalamus_E-context_to_striatum_E"]
    assert ctx["mean_current_pA"] == 0


def test_several_runs_get_run_columns(run):
    other = run.path.with_name("r2")
    shutil.copytree(run.path, other)
    both = afferent_drive(load_runs([run.path, other]), "striatum", "fear")
    assert "run" in both.columns and len(both) == 2 * 4


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"region": "cortex"}, "Unknown region 'cortex'"),
    ({"region": "striatum", "channel": "happy"}, "Unknown channel 'happy'"),
    ({"region": "striatum", "kind": "X"}, "kind must be"),
    ({"region": "striatum", "start_ms": 600, "end_ms": 500}, "empty"),
    ({"region": "striatum", "end_ms": float("nan")}, "number of milliseconds"),
])
def test_bad_arguments_name_the_problem(run, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        afferent_drive(run, **kwargs)


def test_sampled_synapses_are_refused(run):
    meta = dict(run.meta, network={"synapses_sampled": True})
    (run.path / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="sample"):
        afferent_drive(load_run(run.path), "striatum", "fear")
