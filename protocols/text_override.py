"""What a depressed and an anxious person read: text against the profile.

Six runs, same seed and schedule (3 s; the sentence is shown from 1.0 s to 2.0 s):

* depressed, no text
* depressed + "i feel strong"        — should move the readout towards joy
* depressed + "i went to the shop"   — neutral control: the gate stays nearly closed
* anxious, no text
* anxious + "everything is fine"     — should cut fear while it is shown
* anxious + "i went to the shop"     — neutral control

The sentences go through the text branch (textbranch/, shipped checkpoint): its emotion
probabilities p, scaled by the gate g, drive the amygdala's positive- and negative-valence
populations and the thalamic arousal relay (docs/architecture.md, docs/textbranch.md); the
measured effects are in docs/textbranch.md. Run it with ``--out
results/text_override`` (without: ``results/text_override-<time>/``) and compare the runs with::

    from analysis import load_runs
    runs = load_runs("results/text_override")
    runs.readout.groupby("run")[["sadness", "joy", "fear"]].mean()
"""

from brainsim import Protocol, Sentence, ms, run_cli, second, standard_phases

DURATION = 3 * second
ONSET = 1.0 * second
SHOWN = 1.0 * second


def variant(profile: str, label: str, text: str | None) -> Protocol:
    return Protocol(
        name=f"{profile}-{label}",
        profile=profile,
        duration=DURATION,
        dt=0.5 * ms,  # 0.1 * ms for spike timing finer than 0.5 ms (docs/model.md)
        seed=1,
        phases=standard_phases(DURATION),
        sentences=[Sentence(text, ONSET, SHOWN)] if text else [],
    )


protocols = [
    variant("depressed", "no-text", None),
    variant("depressed", "i-feel-strong", "i feel strong"),
    variant("depressed", "neutral", "i went to the shop"),
    variant("anxious", "no-text", None),
    variant("anxious", "everything-is-fine", "everything is fine"),
    variant("anxious", "neutral", "i went to the shop"),
]

if __name__ == "__main__":
    run_cli(protocols)
