"""Mood congruence: how far an emotional text of a given valence moves a profile.

The gate's *profile* part is trained towards a target defined from the profile's levels
(serotonin, dopamine, norepinephrine) and the text's emotion, never from a profile's name:

``w(levels, text) = sigmoid(BASE_LOGIT + K_MOOD * valence(text) * mood(levels)
                            + K_THREAT * threat(text) * arousal(levels))``

- ``mood(levels) = (serotonin + dopamine) / 2 - 0.5``: the profile's affective tone
  (0.5 is the neutral level of every modulator in ``brainsim.model.profiles``). Low
  serotonin and dopamine are the monoamine picture of depressed mood; lowering serotonin
  (tryptophan depletion) shifts emotional processing towards negative material and
  serotonergic/noradrenergic antidepressants shift it towards positive material (Harmer,
  Goodwin & Cowen 2009);
- ``valence(text)``: +1 for joy and love, -1 for sadness, anger and fear, 0 for surprise,
  taken as the expectation under the text's emotion distribution;
- mood congruence (Bower 1981): material whose valence matches the current mood is
  processed more. Depressed and formerly depressed people attend to sad faces and not to
  happy ones, where controls attend to happy faces (Joormann & Gotlib 2007). So
  ``valence * mood > 0`` raises the weight: positive text moves a low-mood profile *less*
  than a high-mood one, negative text moves it *more*;
- ``arousal(levels) = norepinephrine - 0.5`` and ``threat(text) = p(fear)``: anxious people
  show an attentional bias towards threat that non-anxious people do not (Bar-Haim et al.
  2007); noradrenergic arousal is the simulator's anxiety axis, so fear text moves a
  high-NE profile more.

With ``BASE_LOGIT = 1.75`` a profile at neutral levels gives emotional text the weight 0.85.
``K_MOOD = K_THREAT = 4`` per unit of level: the healthy profile (mood +0.25) gets 0.94 for
positive and 0.68 for negative text, the depressed one (mood -0.15, arousal +0.1) 0.76 and
0.91 (fear 0.94), the anxious one (arousal +0.3) 0.94 for fear text. The constants are a
choice (every profile stays above 0.6 for emotional text, the direction is clear), not a fit.

References
----------
Bar-Haim, Y., Lamy, D., Pergamin, L., Bakermans-Kranenburg, M. J., & van IJzendoorn, M. H.
(2007). Threat-related attentional bias in anxious and nonanxious individuals: a
meta-analytic study. Psychological Bulletin, 133(1), 1-24.
Bower, G. H. (1981). Mood and memory. American Psychologist, 36(2), 129-148.
Harmer, C. J., Goodwin, G. M., & Cowen, P. J. (2009). Why do antidepressants take so long
to work? A cognitive neuropsychological model of antidepressant drug action. British
Journal of Psychiatry, 195(2), 102-108.
Joormann, J., & Gotlib, I. H. (2007). Selective attention to emotional faces following
recovery from depression. Journal of Abnormal Psychology, 116(1), 80-85.
"""

from __future__ import annotations

import numpy as np

from brainsim.channels import EMOTIONS

#: Valence of each emotion, in EMOTIONS order.
VALENCE = np.array([{"sadness": -1.0, "joy": 1.0, "love": 1.0, "anger": -1.0, "fear": -1.0,
                     "surprise": 0.0}[e] for e in EMOTIONS])
#: Threat content of each emotion (fear only), in EMOTIONS order.
THREAT = np.array([1.0 if e == "fear" else 0.0 for e in EMOTIONS])
BASE_LOGIT = 1.75
K_MOOD = 4.0
K_THREAT = 4.0


def mood(levels):
    """``(serotonin + dopamine) / 2 - 0.5`` of ``levels[..., 3]`` (numpy or torch)."""
    return (levels[..., 0] + levels[..., 1]) / 2 - 0.5


def arousal(levels):
    """``norepinephrine - 0.5`` of ``levels[..., 3]`` (numpy or torch)."""
    return levels[..., 2] - 0.5


def congruence_logit(levels, emotion_dist):
    """The target's logit for ``levels[..., 3]`` and an emotion distribution ``[..., 6]``
    (a one-hot label or the model's probabilities); numpy arrays or torch tensors."""
    if isinstance(emotion_dist, np.ndarray):
        val, thr = emotion_dist @ VALENCE, emotion_dist @ THREAT
    else:  # torch
        import torch

        val = emotion_dist @ torch.as_tensor(VALENCE, dtype=emotion_dist.dtype)
        thr = emotion_dist @ torch.as_tensor(THREAT, dtype=emotion_dist.dtype)
    return BASE_LOGIT + K_MOOD * val * mood(levels) + K_THREAT * thr * arousal(levels)


def congruence_target(levels, emotion_dist):
    """``w = sigmoid(congruence_logit(...))``: how far an emotional text moves this profile."""
    z = congruence_logit(levels, emotion_dist)
    if isinstance(z, np.ndarray) or np.isscalar(z):
        return 1.0 / (1.0 + np.exp(-z))
    import torch

    return torch.sigmoid(z)
