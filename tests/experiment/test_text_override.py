"""End to end: sentences through the text branch change the network's striatal readout."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from brian2 import second

from brainsim.experiment.protocol import Sentence
from brainsim.experiment.protocol_files import load_protocol_file
from brainsim.experiment.runner import run_protocols

pytestmark = [pytest.mark.slow, pytest.mark.cpp_standalone]

EMOTIONS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
#: Seeds of the reassurance check (the protocol file's seed 1 and two more).
CALM_SEEDS = (1, 2, 3)


def _calm_variants(protocols):
    """Anxious without text and reading "i feel calm and relaxed", on CALM_SEEDS (same
    schedule as the protocol file's anxious runs)."""
    (anxious,) = [p for p in protocols if p.name == "anxious-no-text"]
    calm = [Sentence("i feel calm and relaxed", 1.0 * second, 1.0 * second)]
    out = []
    for seed in CALM_SEEDS:
        if seed != anxious.seed:
            out.append(dataclasses.replace(anxious, name=f"anxious-no-text-seed{seed}",
                                           seed=seed))
        out.append(dataclasses.replace(anxious, name=f"anxious-calm-seed{seed}", seed=seed,
                                       sentences=calm))
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    protocols, source = load_protocol_file("protocols/text_override.py")
    protocols = list(protocols) + _calm_variants(protocols)
    out = tmp_path_factory.mktemp("text") / "text_override"
    results = run_protocols(protocols, backend="cpp_standalone", out=out, quiet=True,
                            source_text=source, figures=None)
    channel_rates = {}
    for r in results:
        rates = pd.read_parquet(r.path / "rates.parquet")
        shown = rates[(rates.region == "striatum") & (rates.channel != "")
                      & (rates.t_ms >= 1000) & (rates.t_ms < 2000)]
        channel_rates[r.protocol.name] = shown.groupby("channel").rate_hz.mean()
    return results, channel_rates


def test_i_feel_strong_turns_depressed_to_joy(runs):
    """Text drives the positive-valence BLA cells, which feed the D1 MSNs of the
    positive-valence channels (issue 21). Without text the depressed profile no longer reads
    out sadness (the per-channel threshold table that made it so is gone; docs/model.md),
    so the check is that joy wins while the sentence is shown and gains on sadness (measured,
    seed 1: joy 0.95 -> 1.60 Hz, sadness 0.61 -> 0.56 Hz, joy - sadness +0.70 Hz). The margin
    is 0.2 Hz, not the 0.5 it was: one seed's gain is noisy, +0.87, +0.38 and +0.70 Hz on
    three realisations of the noise (the last two with dopamine's D1 gain). On seeds
    1001-1020 (benchmarks/text_override.py) joy wins on all 20 and the gain is +0.42 Hz at
    the least, so neither check depends on the noise realisation another CPU gives."""
    _, rates = runs
    before, after = rates["depressed-no-text"], rates["depressed-i-feel-strong"]
    assert after.idxmax() == "joy"
    assert (after["joy"] - after["sadness"]) > (before["joy"] - before["sadness"]) + 0.2


def test_everything_is_fine_moves_anxious_towards_joy(runs):
    """While "everything is fine" is shown the anxious readout's joy gains on its fear
    (measured, seed 1: joy 1.10 -> 1.94 Hz, fear 1.37 -> 1.47 Hz, joy - fear +0.74 Hz; seeds
    1001-1020, benchmarks/text_override.py: +0.64 Hz on average, +0.28 Hz at the least).
    On seed 1 the winner turns from fear to joy, but on the unseen seeds that happens on 10
    of 20 (joy wins with the sentence on 15): which channel wins depends on the noise
    realisation, which another CPU changes, so the test checks the shift, not the winner."""
    _, rates = runs
    before, after = rates["anxious-no-text"], rates["anxious-everything-is-fine"]
    assert (after["joy"] - after["fear"]) > (before["joy"] - before["fear"]) + 0.2


def test_unambiguous_reassurance_cuts_anxious_fear(runs):
    """A reassuring sentence the classifier reads as positive (p(joy)+p(love) 0.96, gate
    0.87) cuts the anxious profile's fear through the joy MSNs' collaterals. Seeds
    1001-1020 (benchmarks/text_reassurance.py): -15 % [-18, -11], a cut on 19 of 20 seeds
    (the other +3.5 %); so the check is on the mean of three seeds, whose spread (about
    4 %) leaves it robust to another CPU's noise realisation. Measured, seeds 1-3: 1.37 ->
    1.15, 1.03 -> 0.89, 1.07 -> 1.02 Hz (-12 % in sum)."""
    _, rates = runs
    before, after = [], []
    for seed in CALM_SEEDS:
        before.append(rates["anxious-no-text" if seed == 1
                            else f"anxious-no-text-seed{seed}"]["fear"])
        after.append(rates[f"anxious-calm-seed{seed}"]["fear"])
    assert sum(after) < sum(before), (before, after)


@pytest.mark.xfail(strict=True, reason=(
    "Issue 21 asks that 'everything is fine' cut an anxious profile's fear; it raises it "
    "(seed 1: 1.37 -> 1.47 Hz; seeds 1001-1020: +4 % [+1, +7], benchmarks/text_override.py). "
    "The classifier reads the sentence as 34 % negative (anger 0.17), which drives the "
    "negative-valence BLA cells; that share alone raises anxious fear by 8 % [5, 12] "
    "(healthy 2 % [-1, 4]), and without NE's gain the sentence leaves fear unchanged "
    "(+0 % [-3, 3]; benchmarks/text_reassurance.py). The fear channel's excitatory drive "
    "is 91 % thalamic relay and PFC, which text reaches only through p(surprise). Text "
    "read as positive ('i feel calm and relaxed') cuts it by 15 % [11, 18] through the MSN "
    "collaterals; this test asks for 30 %. Not resolved (docs/textbranch.md)."))
def test_everything_is_fine_calms_anxious_fear(runs):
    _, rates = runs
    before = rates["anxious-no-text"]["fear"]
    after = rates["anxious-everything-is-fine"]["fear"]
    assert after <= 0.7 * before, (before, after)


def test_neutral_sentence_changes_less_than_emotional(runs):
    """Both emotional sentences are positive: they must move the positive channels (joy +
    love) up, and a neutral sentence much less. (The sum of absolute changes over all six
    channels, used before the network was asynchronous, now mostly measures how far any
    small input moves a run's spike trains: about 0.6 Hz for either sentence.)"""
    _, rates = runs
    for profile, emotional in (("depressed", "i-feel-strong"),
                               ("anxious", "everything-is-fine")):
        positive = {name: rates[f"{profile}-{name}"][["joy", "love"]].sum()
                    for name in ("no-text", "neutral", emotional)}
        strong = positive[emotional] - positive["no-text"]
        neutral = abs(positive["neutral"] - positive["no-text"])
        # measured: depressed 0.03 against 0.85 Hz, anxious 0.03 against 0.94 Hz
        assert strong > 0 and neutral < 0.5 * strong, (profile, neutral, strong)


def test_other_sentences_rerun_the_same_build(runs):
    """All runs (different sentences and seeds) share one compiled build: run_args, no
    recompile."""
    results, _ = runs
    compiled = [r for r in results if "build_and_compile_s" in r.timings_s]
    assert len(compiled) == 1


def test_summary_reports_the_readout_while_reading(runs):
    results, _ = runs
    by_name = {r.protocol.name: r for r in results}
    (during,) = by_name["depressed-i-feel-strong"].summary["readout_during_sentences"]
    assert during["winner"] == "joy" and during["window_ms"] == [1000.0, 2000.0]
    assert by_name["depressed-no-text"].summary["readout_during_sentences"] == []


def test_sentences_are_recorded_with_gate_and_probabilities(runs):
    results, _ = runs
    by_name = {r.protocol.name: r for r in results}
    import json

    meta = json.loads((by_name["depressed-i-feel-strong"].path / "meta.json").read_text())
    (event,) = meta["sentences"]
    assert event["text"] == "i feel strong" and event["onset_ms"] == 1000
    assert event["winner"] == "joy" and event["gate"] > 0.5
    neutral = json.loads((by_name["anxious-neutral"].path / "meta.json").read_text())
    assert neutral["sentences"][0]["gate"] < 0.2
    inputs = pd.read_parquet(by_name["depressed-i-feel-strong"].path / "inputs.parquet")
    text = inputs[inputs.kind == "text"]
    assert text.t_ms.min() == 1000 and text.t_ms.max() == 1999
