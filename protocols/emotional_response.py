"""Emotional response to a day's events: threat cues, appetitive cues and rewards.

Schedule (3 s): baseline, threat cues, appetitive cues, rewards (one phase each). The
profile is written out below: edit its levels or input statistics to tune it, or run a
built-in one instead with ``--profile anxious`` (``neuroemo profiles`` lists them)::

    neuroemo run protocols/emotional_response.py                      # the profile below
    neuroemo run protocols/emotional_response.py --profile healthy --seed 3

The modulation expressions and parameters can be replaced here too, e.g.::

    modulation={"gain": "1 + 2*k_gain_ne*(norepinephrine - level_ref)"}  # NE gain doubled
    parameters={"amygdala.sigma_v": 4 * mV, "plasticity.eta": 30 * pA / second}  # names: docs/tutorial.md
"""

from brainsim import (
    Profile,
    Protocol,
    ms,
    mV,  # noqa: F401 - for parameters such as {"amygdala.sigma_v": 4 * mV}
    run_cli,
    second,
    standard_phases,
)

DURATION = 3 * second

#: The depressed signature: low serotonin and dopamine (monoamine hypothesis), slightly
#: raised norepinephrine; rewards sparser and disappointing.
PROFILE = Profile(
    "depressed", serotonin=0.3, dopamine=0.4, norepinephrine=0.6,
    sensory_scale=0.9,  # multiplies the sensory input rates
    reward_rate_hz=1.0, reward_mean=-0.3, reward_std=0.4,  # reward events in the reward phase
)

protocol = Protocol(
    name="emotional_response",
    profile=PROFILE,
    duration=DURATION,
    dt=0.5 * ms,  # 0.1 * ms for spike timing finer than 0.5 ms (docs/model.md)
    seed=1,
    phases=standard_phases(DURATION),
    sentences=[],  # e.g. [("i feel strong", 1.5 * second)]
    modulation={},  # replace "gain", "threshold_shift" or "noise_scale" expressions
    parameters={},  # e.g. {"amygdala.sigma_v": 4 * mV}
)

if __name__ == "__main__":
    run_cli(protocol)
