"""Colours shared by the figures, the HTML viewer and the live page.

REGION_COLORS
    One colour per brain region (:data:`brainsim.channels.REGIONS`).
EMOTION_COLORS
    One colour per striatal emotion channel (:data:`brainsim.channels.EMOTIONS`).
MODULATOR_COLORS
    One colour per neuromodulator (:data:`brainsim.channels.MODULATORS`).
color_of
    Colour for a region, emotion or modulator name, with a grey fallback.
"""

from __future__ import annotations

from brainsim.channels import EMOTIONS, MODULATORS, REGIONS

__all__ = ["REGION_COLORS", "EMOTION_COLORS", "MODULATOR_COLORS", "color_of"]

#: Regions: blue PFC, red amygdala, green hippocampus, purple thalamus, orange striatum.
REGION_COLORS: dict[str, str] = dict(
    zip(REGIONS, ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"), strict=True)
)

#: Emotions: colours people tend to associate with them (sad blue, joy yellow, ...).
EMOTION_COLORS: dict[str, str] = dict(
    zip(EMOTIONS, ("#4c72b0", "#e6b800", "#e377c2", "#c0392b", "#7f3c8d", "#17becf"), strict=True)
)

#: Serotonin teal, dopamine gold, norepinephrine crimson.
MODULATOR_COLORS: dict[str, str] = dict(
    zip(MODULATORS, ("#008080", "#d4a017", "#b22222"), strict=True)
)

_FALLBACK = "#7f7f7f"


def color_of(name: str) -> str:
    """Colour for a region, emotion or modulator name (grey when unknown)."""
    for table in (REGION_COLORS, EMOTION_COLORS, MODULATOR_COLORS):
        if name in table:
            return table[name]
    return _FALLBACK
