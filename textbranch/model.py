"""The PyTorch model: a BiLSTM text encoder, a 6-way emotion head and the gate network.

``TextEmotionModel`` holds three parts:

- :class:`BiLSTMEncoder` - embedding, dropout, a bidirectional LSTM run on *packed*
  sequences (padding never enters the recurrence) and masked max + mean pooling over the
  time steps, giving an encoding of ``4 * hidden`` numbers per sentence;
- ``head`` - dropout and a linear layer to the six emotion logits;
- :class:`Gate` - a small MLP from ``(encoding, p_text, levels)`` to ``g`` in ``[0, 1]``,
  how strongly the text overrides the profile's prior.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from brainsim.channels import EMOTIONS, MODULATORS
from textbranch.tokenizer import PAD_ID


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


class Gate(nn.Module):
    """``g = sigmoid(s(encoding, p_text) - r(levels))`` in ``[0, 1]``.

    ``s`` is the text's evidence (an MLP of the encoding and the probabilities) and
    ``r = softplus(MLP(levels)) >= 0`` the profile's *resistance*: how much evidence a text
    needs before it overrides this profile. Both are learned (stage 2 of training).

    Parameters
    ----------
    enc_dim : int
        Size of the text encoding.
    hidden : int
        Hidden units of the text MLP (the profile MLP has 8).
    """

    def __init__(self, enc_dim: int, hidden: int) -> None:
        super().__init__()
        self.text = nn.Sequential(
            nn.Linear(enc_dim + len(EMOTIONS), hidden), nn.Tanh(), nn.Linear(hidden, 1),
        )
        self.profile = nn.Sequential(nn.Linear(len(MODULATORS), 8), nn.Tanh(), nn.Linear(8, 1))

    def resistance(self, levels: torch.Tensor) -> torch.Tensor:
        """The profile term ``r(levels) >= 0``, ``float32[batch]``."""
        return nn.functional.softplus(self.profile(levels)).squeeze(1)

    def forward(self, enc: torch.Tensor, p_text: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
        """Gate values ``float32[batch]`` for encodings, text probabilities and levels."""
        s = self.text(torch.cat([enc, p_text], dim=1)).squeeze(1)
        return torch.sigmoid(s - self.resistance(levels))


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
        self.gate = Gate(self.encoder.out_dim, cfg.gate_hidden)

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
        g = self.gate(enc.detach(), torch.softmax(logits, dim=1).detach(), levels)
        return logits, g
