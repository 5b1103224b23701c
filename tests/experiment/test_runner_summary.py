"""The one-screen summary says how far the readout's winner leads."""

from brainsim.experiment.runner import _margin_text


def test_winner_line_gives_the_margin_to_the_runner_up():
    rates = {"sadness": 0.5, "joy": 1.01, "love": 0.2, "anger": 0.3, "fear": 0.99,
             "surprise": 0.1}
    assert _margin_text(rates, "joy") == " (0.02 Hz above fear)"


def test_no_margin_without_a_winner():
    assert _margin_text({"joy": 1.0, "fear": 1.0}, "none") == ""
