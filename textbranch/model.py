"""The PyTorch model: a BiLSTM text encoder, a 6-way emotion head and the gate network.

``TextEmotionModel`` holds three parts:

- :class:`BiLSTMEncoder` - embedding, dropout, a bidirectional LSTM run on *packed*
  sequences (padding never enters the recurrence) and masked max + mean pooling over the
  time steps, giving an encoding of ``4 * hidden`` numbers per sentence;
- ``head`` - dropout and a linear layer to the six emotion logits;
- :class:`Gate` - ``g = content(text) * congruence(levels, p_text)`` in ``[0, 1]``: whether
  the text carries emotional content at all, times how far an emotion of this valence moves
  a profile with these levels (mood congruence, :mod:`textbranch.congruence`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from brainsim.channels import EMOTIONS, MODULATORS
from textbranch.tokenizer import PAD_ID, UNK_ID


@dataclass
class ModelConfig:
    """Hyper-parameters of :class:`TextEmotionModel` (saved in ``config.json``)."""

    vocab_size: int
    emb_dim: int = 128
    hidden: int = 128
    layers: int = 1
    emb_dropout: float = 0.3
    dropout: float = 0.4
    gate_hidden: int = 32
    content_heads: int = 1
    max_tokens: int = 80
    subword_buckets: int = 0

    def to_dict(self) -> dict:
        """The fields as a plain dict."""
        return asdict(self)


class BiLSTMEncoder(nn.Module):
    """Embedding + packed BiLSTM + masked max/mean pooling.

    Parameters
    ----------
    cfg : ModelConfig
        Sizes and dropout rates.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.emb_dim, padding_idx=PAD_ID)
        self.subword = (
            nn.Embedding(cfg.subword_buckets, cfg.emb_dim, padding_idx=0) if cfg.subword_buckets else None
        )
        self.emb_dropout = nn.Dropout(cfg.emb_dropout)
        self.lstm = nn.LSTM(
            cfg.emb_dim, cfg.hidden, num_layers=cfg.layers, batch_first=True, bidirectional=True,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
        )
        self.out_dim = 4 * cfg.hidden

    def forward(
        self, ids: torch.Tensor, lengths: torch.Tensor, ngrams: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Encode a padded batch.

        Parameters
        ----------
        ids : torch.Tensor
            ``int64[batch, time]`` token ids, padded with ``PAD_ID`` on the right.
        lengths : torch.Tensor
            ``int64[batch]`` true lengths (>= 1).
        ngrams : torch.Tensor, optional
            ``int64[batch, time, k]`` character n-gram buckets (0 = none); their mean
            embedding is added to each word's embedding (sub-word models only; without it a
            sub-word model uses the word embeddings alone).

        Returns
        -------
        torch.Tensor
            ``float32[batch, 4 * hidden]``: max-pooled then mean-pooled BiLSTM states over
            the real (unpadded) time steps only.
        """
        x = self.embedding(ids)
        if self.subword is not None and ngrams is not None:
            n = (ngrams > 0).sum(dim=2, keepdim=True).clamp_min(1).to(x.dtype)
            x = x + self.subword(ngrams).sum(dim=2) / n
        x = self.emb_dropout(x)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        states, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        mask = (torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None])
        mask = mask.unsqueeze(-1)
        maxed = states.masked_fill(~mask, float("-inf")).max(dim=1).values
        mean = (states * mask).sum(dim=1) / lengths[:, None].to(states.dtype)
        return torch.cat([maxed, mean], dim=1)


def unknown_fraction(ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``float32[batch, 1]``: the fraction of a text's tokens that are ``<unk>``."""
    return ((ids == UNK_ID).sum(dim=1).to(torch.float32) / lengths.to(torch.float32))[:, None]


class Gate(nn.Module):
    """``g = content(text) * congruence(levels, p_text)`` in ``[0, 1]``.

    - ``content = sigmoid(mean_k MLP_k(encoding, p_text, unknown fraction))``: does the text
      carry emotional content at all? ``content_heads`` MLPs, each trained on its own
      (different initialisation and dropout), averaged in logit space: one head's verdict
      on a borderline sentence depends on its training seed, the mean much less. Trained towards 1 for emotional tweets and 0 for neutral,
      meaningless and unknown input (:mod:`textbranch.neutral`,
      :mod:`textbranch.meaningless`). It does not see the profile, so a text without
      content keeps the gate closed for every profile.
    - ``congruence = sigmoid(MLP(levels, p_text))``: how far an emotional text of this
      emotion moves a profile with these levels (serotonin, dopamine, norepinephrine).
      Trained towards the mood-congruence target of :mod:`textbranch.congruence` with levels
      drawn uniformly from [0, 1]^3, never from a profile's name.

    Parameters
    ----------
    enc_dim : int
        Size of the text encoding.
    hidden : int
        Hidden units of each content MLP (the congruence MLP has ``CONGRUENCE_HIDDEN``).
    content_heads : int
        Number of content MLPs averaged.
    """

    CONGRUENCE_HIDDEN = 16

    def __init__(self, enc_dim: int, hidden: int, content_heads: int = 1) -> None:
        super().__init__()
        self.content_heads = nn.ModuleList(
            nn.Sequential(nn.Linear(enc_dim + len(EMOTIONS) + 1, hidden), nn.Tanh(), nn.Linear(hidden, 1))
            for _ in range(content_heads)
        )
        self.congruence = nn.Sequential(
            nn.Linear(len(MODULATORS) + len(EMOTIONS), self.CONGRUENCE_HIDDEN), nn.Tanh(),
            nn.Linear(self.CONGRUENCE_HIDDEN, 1),
        )

    def content_logits(self, enc: torch.Tensor, p_text: torch.Tensor, unk: torch.Tensor) -> torch.Tensor:
        """Logits of each content head, ``float32[batch, heads]``."""
        x = torch.cat([enc, p_text, unk], dim=1)
        return torch.cat([h(x) for h in self.content_heads], dim=1)

    def content_logit(self, enc: torch.Tensor, p_text: torch.Tensor, unk: torch.Tensor) -> torch.Tensor:
        """Logit of the content part, ``float32[batch]``: the mean of the heads' logits."""
        return self.content_logits(enc, p_text, unk).mean(dim=1)

    def congruence_logit(self, p_text: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
        """Logit of the profile part, ``float32[batch]``."""
        return self.congruence(torch.cat([levels, p_text], dim=1)).squeeze(1)

    def parts(
        self, enc: torch.Tensor, p_text: torch.Tensor, levels: torch.Tensor, unk: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(content, congruence)``, each ``float32[batch]`` in [0, 1]."""
        return (torch.sigmoid(self.content_logit(enc, p_text, unk)),
                torch.sigmoid(self.congruence_logit(p_text, levels)))

    def forward(
        self, enc: torch.Tensor, p_text: torch.Tensor, levels: torch.Tensor, unk: torch.Tensor
    ) -> torch.Tensor:
        """Gate values ``float32[batch]`` for encodings, text probabilities, levels and the
        texts' unknown-token fractions (:func:`unknown_fraction`)."""
        content, congruence = self.parts(enc, p_text, levels, unk)
        return content * congruence


class TextEmotionModel(nn.Module):
    """Encoder, emotion head and gate.

    Parameters
    ----------
    cfg : ModelConfig
        Hyper-parameters.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = BiLSTMEncoder(cfg)
        self.head = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(self.encoder.out_dim, len(EMOTIONS)))
        self.gate = Gate(self.encoder.out_dim, cfg.gate_hidden, cfg.content_heads)

    def forward(
        self, ids: torch.Tensor, lengths: torch.Tensor, levels: torch.Tensor | None = None,
        ngrams: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Emotion logits and, when ``levels`` is given, the gate.

        Parameters
        ----------
        ids, lengths : torch.Tensor
            Padded token ids and lengths (see :meth:`BiLSTMEncoder.forward`).
        levels : torch.Tensor, optional
            ``float32[batch, 3]`` profile levels (serotonin, dopamine, norepinephrine).
        ngrams : torch.Tensor, optional
            Character n-gram buckets (see :meth:`BiLSTMEncoder.forward`).

        Returns
        -------
        logits : torch.Tensor
            ``float32[batch, 6]``.
        gate : torch.Tensor or None
            ``float32[batch]`` in ``[0, 1]``; the gate sees the encoding and probabilities
            detached, so training it never changes the classifier.
        """
        enc = self.encoder(ids, lengths, ngrams)
        logits = self.head(enc)
        if levels is None:
            return logits, None
        g = self.gate(enc.detach(), torch.softmax(logits, dim=1).detach(), levels,
                      unknown_fraction(ids, lengths))
        return logits, g
