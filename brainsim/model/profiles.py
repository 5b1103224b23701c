"""Psychological profiles as neuromodulatory signatures.

A profile is *only* numbers: tonic serotonin (5-HT), dopamine (DA) and norepinephrine (NE)
levels, and the statistics of the sensory and reward input the person meets. Nothing in the
simulator looks at a profile's name, so two profiles with equal signatures behave
identically and a user can define a new profile in a protocol.

Levels are relative: 0.5 is neutral (no modulation), 0 none, 1 high. The starting point was
the original project's [5-HT, DA, NE] table; adjustments are explained per profile below.

Input statistics follow the original's table (sensory scale; reward std, mean):
healthy (1.0; .5, 0), depressed (.9; .4, −.3), anxious (1.2; 1.0, +.5),
impulsive (1.4; .8, +.3), resilient (1.0; .4, 0). We keep the scales and standard deviations,
keep depressed's negative reward mean (rewards feel weaker and are often disappointing), and
set anxious's mean to 0: the original's +.5 would give anxious people the most rewarding
environment, which no account of anxiety supports; its high variability (std 1.0, i.e.
unpredictable outcomes) is kept. Impulsive profiles meet rewards more often (reward rate).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from brainsim.channels import MODULATORS, REGIONS
from brainsim.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    """A neuromodulatory signature and the statistics of the input a person meets.

    Attributes
    ----------
    name : str
        Label used in results; never used by the simulator.
    serotonin, dopamine, norepinephrine : float
        Tonic levels (0.5 = neutral).
    region_levels : dict
        Optional per-region overrides: ``{region: {modulator: level}}``.
    sensory_scale : float
        Multiplies the sensory input rates.
    reward_rate_hz : float
        Mean rate of reward events (Poisson) during reward blocks.
    reward_mean, reward_std : float
        Distribution of reward magnitudes (negative = disappointment, a dopamine dip).
    description : str
        What the signature stands for, with reasons for its numbers.
    """

    name: str
    serotonin: float
    dopamine: float
    norepinephrine: float
    sensory_scale: float = 1.0
    reward_rate_hz: float = 2.0
    reward_mean: float = 0.0
    reward_std: float = 0.5
    region_levels: dict[str, dict[str, float]] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        for key in ("serotonin", "dopamine", "norepinephrine", "sensory_scale",
                    "reward_rate_hz", "reward_std"):
            _check_level(self.name, key, getattr(self, key))
        if not isinstance(self.reward_mean, int | float) or not math.isfinite(self.reward_mean):
            raise ConfigError(
                f"Profile {self.name!r}: reward_mean must be a finite number, "
                f"got {self.reward_mean!r}."
            )
        for region, levels in self.region_levels.items():
            if region not in REGIONS:
                raise ConfigError(
                    f"Profile {self.name!r}: unknown region {region!r} in region_levels; "
                    f"known regions: {list(REGIONS)}."
                )
            for modulator, value in levels.items():
                if modulator not in MODULATORS:
                    raise ConfigError(
                        f"Profile {self.name!r}: unknown neuromodulator {modulator!r} for "
                        f"region {region!r}; known: {list(MODULATORS)}."
                    )
                _check_level(self.name, f"{region}.{modulator}", value)

    @property
    def levels(self) -> dict[str, float]:
        """The tonic levels as ``{modulator: level}``."""
        return {m: float(getattr(self, m)) for m in MODULATORS}

    def level(self, region: str, modulator: str) -> float:
        """Tonic level of one modulator in one region (override or profile-wide level)."""
        return float(self.region_levels.get(region, {}).get(modulator,
                                                            getattr(self, modulator)))

    def signature(self) -> dict:
        """Every number of the profile (everything except name and description)."""
        data = asdict(self)
        data.pop("name")
        data.pop("description")
        return data

    def to_dict(self) -> dict:
        """The profile as plain numbers (``neuroemo profiles --json``, ``meta.json``)."""
        return asdict(self)


#: Upper limits, far beyond any profile, that catch a slip of the decimal point: levels are
#: relative (0.5 neutral, phasic dopamine is clipped at 10), rewards are events in 1 ms bins,
#: and sensory_scale multiplies afferent rates of 2-30 Hz.
LIMITS = {"level": 10.0, "sensory_scale": 100.0, "reward_rate_hz": 500.0, "reward_std": 100.0}


def _check_level(profile: str, key: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(
            f"Profile {profile!r}: {key} must be a finite number, got {value!r}."
        )
    if value < 0:
        raise ConfigError(
            f"Profile {profile!r}: {key} must be >= 0 (levels are relative, 0.5 = neutral), "
            f"got {value!r}."
        )
    limit = LIMITS.get(key, LIMITS["level"])
    if value > limit:
        raise ConfigError(
            f"Profile {profile!r}: {key} = {value!r} is above {limit:g}, the most this model "
            f"takes ({'levels are relative, 0.5 = neutral' if key not in LIMITS else key}); "
            "check the value."
        )


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("healthy", 0.8, 0.7, 0.5, sensory_scale=1.0, reward_rate_hz=2.0,
                reward_mean=0.0, reward_std=0.5,
                description="High serotonin and dopamine, neutral arousal (original levels)."),
        Profile("depressed", 0.3, 0.4, 0.6, sensory_scale=0.9, reward_rate_hz=1.0,
                reward_mean=-0.3, reward_std=0.4,
                description="Low serotonin and dopamine (monoamine hypothesis), slightly raised "
                            "NE; rewards sparser and disappointing (original levels)."),
        Profile("anxious", 0.6, 0.5, 0.8, sensory_scale=1.2, reward_rate_hz=2.0,
                reward_mean=0.0, reward_std=1.0,
                description="High norepinephrine (hyperarousal), moderate serotonin; "
                            "unpredictable outcomes. Reward mean 0 instead of the original +.5."),
        Profile("impulsive", 0.5, 0.6, 0.7, sensory_scale=1.4, reward_rate_hz=3.0,
                reward_mean=0.3, reward_std=0.8,
                description="Lowish serotonin (weak inhibitory control), raised dopamine and NE; "
                            "frequent, variable rewards (original levels)."),
        Profile("resilient", 0.7, 0.5, 0.6, sensory_scale=1.0, reward_rate_hz=2.0,
                reward_mean=0.0, reward_std=0.4,
                description="Good serotonin, moderate dopamine and NE; stable rewards "
                            "(original levels)."),
    )
}


def get_profile(name: str | Profile) -> Profile:
    """Look up a built-in profile by name (a :class:`Profile` is returned unchanged).

    Parameters
    ----------
    name : str or Profile
        One of ``healthy``, ``depressed``, ``anxious``, ``impulsive``, ``resilient``.

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        For an unknown name, listing the known ones.
    """
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[str(name).lower()]
    except KeyError:
        raise ConfigError(
            f"Unknown profile {name!r}. Built-in profiles: {', '.join(PROFILES)}. "
            "Define your own with brainsim.Profile(name, serotonin, dopamine, norepinephrine) "
            "in a protocol, or run `neuroemo profiles` to list them."
        ) from None
