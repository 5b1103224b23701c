"""Statistics on synthetic spike trains whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import load_run, load_runs
from analysis import statistics as st
from analysis.testing import poisson_spikes, regular_spikes, write_synthetic_run

DURATION = 20_000.0  # ms: long trains make CV and Fano estimates tight
SIZES = {"pfc": 60, "amygdala": 60, "hippocampus": 60, "thalamus": 60, "striatum": 60}


def _run_with(tmp_path, name, per_region, duration=DURATION):
    frames = [pd.DataFrame({"region": region, "neuron": neuron, "t_ms": t})
              for region, (neuron, t) in per_region.items()]
    path = write_synthetic_run(tmp_path / name, spikes=pd.concat(frames), sizes=SIZES,
                               duration_ms=duration)
    return load_run(path)


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """pfc Poisson 10 Hz, amygdala regular 20 Hz, hippocampus silent, thalamus synchronous
    20 Hz oscillation, striatum Poisson 5 Hz."""
    rng = np.random.default_rng(42)
    pfc = poisson_spikes(60, 10.0, DURATION, rng)
    amy = regular_spikes(60, 20.0, DURATION, rng)
    # thalamus: every neuron fires on a shared 25 Hz rhythm with 3 ms jitter, skipping half
    # of the cycles at random, so the population rate oscillates at 25 Hz
    cycles = np.arange(0.0, DURATION - 2.0, 40.0) + 1.0
    fire = rng.random((60, len(cycles))) < 0.5
    neuron = np.repeat(np.arange(60), len(cycles))[fire.ravel()]
    t = np.tile(cycles, 60)[fire.ravel()] + rng.normal(0.0, 3.0, fire.sum())
    tha = (neuron.astype(np.int32), np.clip(t, 0.0, DURATION - 1e-6))
    stri = poisson_spikes(60, 5.0, DURATION, rng)
    empty = (np.array([], dtype=np.int32), np.array([], dtype=float))
    return _run_with(tmp_path_factory.mktemp("known"), "known",
                     {"pfc": pfc, "amygdala": amy, "hippocampus": empty, "thalamus": tha,
                      "striatum": stri})


def _row(table, region, channel=""):
    sel = table[(table["region"] == region) & (table["channel"] == channel)]
    assert len(sel) == 1, (region, channel, table)
    return sel.iloc[0]


def test_mean_rates_known(known):
    rates = st.mean_rates(known)
    assert _row(rates, "pfc")["rate_hz"] == pytest.approx(10.0, rel=0.03)
    assert _row(rates, "amygdala")["rate_hz"] == pytest.approx(20.0, rel=0.01)
    assert _row(rates, "hippocampus")["rate_hz"] == 0.0
    assert _row(rates, "striatum")["rate_hz"] == pytest.approx(5.0, rel=0.05)
    # the six striatal channels are reported too, and add up to the region
    channels = rates[(rates["region"] == "striatum") & (rates["channel"] != "")]
    assert len(channels) == 6
    # 48 excitatory cells in six channels of 8, in neuron order (analysis.testing); counted
    # here from the spike table itself
    stri = known.spikes[known.spikes["region"] == "striatum"]
    for k, emotion in enumerate(known.meta["emotions"]):
        row = _row(rates, "striatum", emotion)
        in_channel = stri["neuron"].between(8 * k, 8 * k + 7)
        assert row["n_neurons"] == 8 and row["n_spikes"] == int(in_channel.sum()), emotion
        assert row["rate_hz"] == pytest.approx(5.0, rel=0.15), emotion
    assert channels["n_spikes"].sum() == int((stri["neuron"] < 48).sum())
    assert _row(rates, "pfc")["n_neurons"] == 60


def test_rate_timecourse_matches_mean_and_rates_table(known):
    tc = st.rate_timecourse(known, bin_ms=10.0)
    pfc = tc[(tc["region"] == "pfc") & (tc["channel"] == "")]
    assert len(pfc) == DURATION / 10
    assert pfc["t_ms"].iloc[1] == 10.0
    # E neurons only, like rates.parquet; the synthetic writer computes it the same way
    written = known.rates[(known.rates["region"] == "pfc") & (known.rates["channel"] == "")]
    np.testing.assert_allclose(pfc["rate_hz"].to_numpy(), written["rate_hz"].to_numpy())
    assert pfc["rate_hz"].mean() == pytest.approx(10.0, rel=0.05)


def test_isi_cv_poisson_about_one_regular_about_zero(known):
    cv = st.isi_cv(known)
    by_region = cv.groupby("region")["cv"].median()
    assert by_region["pfc"] == pytest.approx(1.0, abs=0.08)
    assert by_region["striatum"] == pytest.approx(1.0, abs=0.1)
    assert by_region["amygdala"] < 1e-6
    assert "hippocampus" not in by_region.index  # silent neurons have no CV
    amy = cv[cv["region"] == "amygdala"]
    assert amy["mean_isi_ms"].to_numpy() == pytest.approx(50.0)


def test_isi_cv_agrees_with_elephant(known):
    import neo
    import quantities as pq
    from elephant.statistics import cv as elephant_cv
    from elephant.statistics import isi as elephant_isi

    ours = st.isi_cv(known).set_index(["region", "neuron"])["cv"]
    spikes = known.spikes
    for region in ("pfc", "striatum"):
        for neuron in (0, 7, 33):
            times = spikes[(spikes["region"] == region) & (spikes["neuron"] == neuron)]["t_ms"]
            train = neo.SpikeTrain(np.sort(times.to_numpy()) * pq.ms, t_stop=DURATION * pq.ms)
            expected = elephant_cv(elephant_isi(train).magnitude)
            assert ours[(region, neuron)] == pytest.approx(expected, rel=1e-9)


def test_fano_factor_poisson_and_regular(known):
    ff = st.fano_factor(known, window_ms=100.0)
    by_region = ff.groupby("region")["fano"].mean()
    assert by_region["pfc"] == pytest.approx(1.0, abs=0.07)
    # a regular 20 Hz train has exactly 2 spikes in every 100 ms window
    assert by_region["amygdala"] < 0.05
    # rhythmic firing that skips cycles at random: binomial counts, F = 1 - p = 0.5
    assert by_region["thalamus"] == pytest.approx(0.5, abs=0.08)


def test_fano_factor_agrees_with_elephant(known):
    from elephant.statistics import fanofactor

    spikes = known.spikes
    times = np.sort(spikes[(spikes["region"] == "pfc") & (spikes["neuron"] == 5)]["t_ms"])
    windows = [times[(times >= a) & (times < a + 100.0)] for a in np.arange(0, DURATION, 100.0)]
    expected = fanofactor(windows)
    ours = st.fano_factor(known).set_index(["region", "neuron"]).loc[("pfc", 5), "fano"]
    assert ours == pytest.approx(expected, rel=1e-9)


def test_synchrony_independent_low_synchronous_high(known):
    sync = st.synchrony(known, bin_ms=5.0, max_neurons=30)
    pfc, tha = _row(sync, "pfc"), _row(sync, "thalamus")
    # independent Poisson: chi ~ 1/sqrt(N) = 0.13
    assert pfc["chi"] < 0.25
    # shared rhythm, but each neuron skips half the cycles: chi ~ 0.4 (1 if none skipped)
    assert tha["chi"] > 0.3 and tha["chi"] > 2.5 * pfc["chi"]
    assert tha["spike_contrast"] > pfc["spike_contrast"]
    assert np.isnan(_row(sync, "hippocampus")["chi"])


def test_power_spectrum_peak_at_the_rhythm(known):
    peaks = st.peak_frequency(known)
    tha = _row(peaks, "thalamus")
    assert tha["peak_hz"] == pytest.approx(25.0, abs=2.0)
    assert tha["prominence"] > 20
    # a Poisson population has a flat spectrum: no prominent peak
    assert _row(peaks, "pfc")["prominence"] < 10
    spec = st.power_spectrum(known)
    assert {"region", "channel", "frequency_hz", "power"} <= set(spec.columns)
    assert spec["frequency_hz"].max() == pytest.approx(500.0)


def test_readout_timecourse_long_form(tmp_path):
    run = load_run(write_synthetic_run(tmp_path / "r", winner="fear"))
    long = st.readout_timecourse(run)
    assert len(long) == 6 * len(run.readout)
    sums = long.groupby("t_ms")["probability"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert long.groupby("t_ms")["is_winner"].sum().eq(1).all()
    assert long[long["is_winner"]]["emotion"].value_counts().idxmax() == "fear"
    assert long["rate_hz"].notna().all()


def test_summaries_and_runs(tmp_path):
    write_synthetic_run(tmp_path / "s" / "healthy", winner="joy", seed=1)
    write_synthetic_run(tmp_path / "s" / "depressed", profile="depressed", winner="sadness",
                        seed=2)
    runs = load_runs(tmp_path / "s")
    summary = st.run_summary(runs)
    assert list(summary["run"]) == ["depressed", "healthy"]
    assert dict(zip(summary["profile"], summary["winner"], strict=True)) == {
        "healthy": "joy", "depressed": "sadness"}
    assert {"rate_pfc", "cv_thalamus", "p_joy", "winner_fraction"} <= set(summary.columns)
    regions = st.region_summary(runs)
    assert set(regions["run"]) == {"healthy", "depressed"}
    assert {"rate_hz", "cv", "fano", "chi", "peak_hz"} <= set(regions.columns)
    assert len(regions) == 2 * 11
    # every per-run statistic accepts Runs and adds the identity columns
    cv = st.isi_cv(runs)
    assert list(cv.columns[:4]) == ["run", "profile", "seed", "backend"]


def test_statistics_of_a_silent_run(tmp_path):
    empty = pd.DataFrame({"region": pd.Series([], dtype=str),
                          "neuron": pd.Series([], dtype="int32"),
                          "t_ms": pd.Series([], dtype="float64")})
    run = load_run(write_synthetic_run(tmp_path / "silent", spikes=empty))
    assert (st.mean_rates(run)["rate_hz"] == 0).all()
    assert st.isi_cv(run).empty
    assert st.fano_factor(run).empty
    assert st.peak_frequency(run)["peak_hz"].isna().all()
    assert st.region_summary(run)["rate_hz"].eq(0).all()


def test_synchrony_identical_trains_is_one(tmp_path):
    rng = np.random.default_rng(1)
    shared = np.sort(rng.uniform(0, 2000.0, 40))
    per_region = {r: (np.repeat(np.arange(60, dtype=np.int32), len(shared)),
                      np.tile(shared, 60)) for r in SIZES}
    run = _run_with(tmp_path, "same", per_region, duration=2000.0)
    sync = st.synchrony(run, spike_contrast=False)
    np.testing.assert_allclose(sync["chi"], 1.0)


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), "10"])
def test_bins_and_windows_must_be_positive_and_fit(known, bad):
    from brainsim.errors import ConfigError

    for call in (lambda: st.rate_timecourse(known, bad), lambda: st.fano_factor(known, bad),
                 lambda: st.synchrony(known, bad)):
        with pytest.raises(ConfigError, match="milliseconds > 0"):
            call()
    with pytest.raises(ConfigError, match="longer than the run"):
        st.rate_timecourse(known, 10 * DURATION)


def test_raster_max_neurons_must_be_positive(known):
    from brainsim.errors import ConfigError

    with pytest.raises(ConfigError, match="max_neurons"):
        known.plot.raster(max_neurons=-1)
