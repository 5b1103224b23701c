"""Depressed profile: a depressed person's afternoon, without text.

Schedule (3 s): baseline, threat cues, appetitive cues, rewards (one phase each). Edit the
profile's levels, the phases or the modulation expressions here to tune the model, e.g.::

    modulation={"gain": "1 + 2*k_gain_ne*(norepinephrine - level_ref)"}  # NE gain doubled
"""

from brian2 import ms, second

from brainsim import Protocol, run_cli, standard_phases

DURATION = 3 * second

protocol = Protocol(
    name="depressed",
    profile="depressed",
    duration=DURATION,
    dt=0.5 * ms,  # 0.1 * ms for spike timing finer than 0.5 ms (docs/model.md)
    seed=1,
    phases=standard_phases(DURATION),
    sentences=[],  # e.g. [("i feel strong", 1.5 * second)]
    modulation={},  # replace "gain", "threshold_shift" or "noise_scale" expressions
    parameters={},  # e.g. {"amygdala": {"sigma_v": 4 * mV}}
)

if __name__ == "__main__":
    run_cli(protocol)
