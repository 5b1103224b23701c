"""Training the text branch: classifier first, then the gate, then the checkpoint.

Stage 1 trains embedding + BiLSTM + emotion head with cross-entropy (label smoothing),
AdamW and a one-cycle learning-rate schedule, and keeps the epoch with the best
*validation* macro-F1 (early stopping). Stage 2 freezes them and trains the gate on the
fused prediction ``q = g * p_text + (1 - g) * prior(profile)``:

- labelled training tweets, each with a random profile: loss ``-log q[label]``;
- neutral texts (:mod:`textbranch.neutral`), target the prior: loss
  ``-sum_c prior_c log q_c``, minimised by ``g -> 0`` whenever ``p_text`` differs from the
  prior.

The weights are rounded to float16 (the storage format) *before* the final evaluation, so
the metrics describe the saved checkpoint. The test split is evaluated once, at the end.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from brainsim.channels import EMOTIONS
from textbranch.metrics import classification_report


@dataclass
class TrainConfig:
    """Training hyper-parameters (saved in ``config.json`` under ``"train"``)."""

    seed: int = 13
    epochs: int = 10
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.01
    label_smoothing: float = 0.1
    clip_norm: float = 5.0
    patience: int = 3
    min_freq: int = 1
    emb_dim: int = 128
    hidden: int = 128
    emb_dropout: float = 0.3
    dropout: float = 0.4
    max_tokens: int = 80
    gate_hidden: int = 32
    gate_epochs: int = 20
    gate_lr: float = 3e-3
    gate_batch_size: int = 256
    n_template_neutral: int = 3000
    n_stripped_neutral: int = 4000
    n_window_neutral: int = 2000
    n_window_emotional: int = 8000
    emotion_ratio: float = 1.8
    train_subset: int | None = None
    threads: int = 1
    subword_buckets: int = 10000
    word_dropout: float = 0.1
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The fields as a plain dict."""
        return asdict(self)


#: Named examples whose gate is reported in metrics.json (profile, sentence).
GATE_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("depressed", "i feel strong"),
    ("anxious", "everything is fine"),
    ("depressed", "i feel so happy and full of energy today"),
    ("anxious", "i am terrified of what will happen tomorrow"),
    ("healthy", "i went to the shop"),
    ("healthy", "the meeting is at noon"),
)


def _evaluate(model, ids: list[list[int]], labels: list[int]) -> dict:
    from textbranch.inference import run_model

    probs, _, _ = run_model(model, ids)
    return classification_report(labels, probs.argmax(axis=1))


def _round_to_storage(model) -> None:
    """Round every floating tensor to float16 and back (the checkpoint's storage precision)."""
    import torch

    with torch.no_grad():
        for t in model.state_dict().values():
            if t.is_floating_point():
                t.copy_(t.half().float())


def train_classifier(model, train_ids, train_y, val_ids, val_y, cfg: TrainConfig, log, progress):
    """Stage 1; returns the history (one dict per epoch) and the best epoch (1-based)."""
    import torch
    import torch.nn.functional as F

    from textbranch.batching import bucketed_batches, pad_batch
    from textbranch.tokenizer import PAD_ID, UNK_ID

    rng = np.random.default_rng(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed + 3)
    params = list(model.encoder.parameters()) + list(model.head.parameters())
    # foreach: the multi-tensor kernels, bit-identical to the per-tensor loop PyTorch uses by
    # default on CPU and about 30 % faster here (fused=True is faster still but rounds
    # differently, so it would not reproduce the shipped checkpoint).
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, foreach=True)
    steps = -(-len(train_ids) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=cfg.epochs * steps, pct_start=0.1
    )
    y = torch.tensor(train_y, dtype=torch.long)
    lengths = [len(s) for s in train_ids]
    history, best_f1, best_epoch, best_state, bad = [], -1.0, 0, None, 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        t0, total, seen = time.perf_counter(), 0.0, 0
        bar = progress(total=steps, desc=f"epoch {epoch}/{cfg.epochs}", unit="batch", leave=False)
        for idx in bucketed_batches(lengths, cfg.batch_size, rng):
            ids, lens, ngrams = pad_batch([train_ids[i] for i in idx], with_ngrams=True)
            if cfg.word_dropout > 0:
                # word dropout: a word becomes <unk> (its n-grams stay), so the model learns
                # to read unknown words from their n-grams
                drop = (torch.rand(ids.shape, generator=gen) < cfg.word_dropout) & (ids != PAD_ID)
                ids = ids.masked_fill(drop, UNK_ID)
            logits, _ = model(ids, lens, ngrams=ngrams)
            loss = F.cross_entropy(logits, y[idx], label_smoothing=cfg.label_smoothing)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg.clip_norm, foreach=True)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            seen += len(idx)
            bar.update(1)
        bar.close()
        val = _evaluate(model, val_ids, val_y)
        rec = {
            "epoch": epoch, "train_loss": total / seen, "val_accuracy": val["accuracy"],
            "val_macro_f1": val["macro_f1"], "seconds": time.perf_counter() - t0,
        }
        history.append(rec)
        improved = val["macro_f1"] > best_f1
        if improved:
            best_f1, best_epoch, bad = val["macro_f1"], epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
        log(
            f"epoch {epoch}/{cfg.epochs}: loss {rec['train_loss']:.4f}  validation accuracy "
            f"{val['accuracy']:.4f}  macro-F1 {val['macro_f1']:.4f}  ({rec['seconds']:.0f} s)"
            + ("  *best*" if improved else "")
        )
        if bad >= cfg.patience:
            log(f"early stop: no validation macro-F1 gain for {cfg.patience} epochs")
            break
    model.load_state_dict(best_state)
    return history, best_epoch


def train_gate(model, gate_ids, gate_y, neutral_ids, priors, cfg: TrainConfig, log) -> list[float]:
    """Stage 2: train only ``model.gate`` on frozen encodings; returns the loss per epoch."""
    import torch

    from textbranch.inference import run_model

    all_ids = list(gate_ids) + list(neutral_ids)
    probs, _, enc = run_model(model, all_ids)
    enc_t = torch.from_numpy(enc)
    p_t = torch.from_numpy(probs).float()
    n_lab = len(gate_ids)
    names = sorted(priors)
    levels = torch.tensor(np.stack([priors[n].levels for n in names]), dtype=torch.float32)
    prior = torch.tensor(np.stack([priors[n].prior for n in names]), dtype=torch.float32)
    # Target distributions: one-hot label for tweets, None (-> the profile prior) for neutral.
    onehot = torch.zeros(len(all_ids), len(EMOTIONS))
    onehot[torch.arange(n_lab), torch.tensor(gate_y, dtype=torch.long)] = 1.0
    is_neutral = torch.zeros(len(all_ids), dtype=torch.bool)
    is_neutral[n_lab:] = True
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    opt = torch.optim.AdamW(model.gate.parameters(), lr=cfg.gate_lr, weight_decay=cfg.weight_decay)
    losses = []
    model.eval()
    for _ in range(cfg.gate_epochs):
        order = torch.randperm(len(all_ids), generator=gen)
        prof = torch.randint(len(names), (len(all_ids),), generator=gen)
        total = 0.0
        for start in range(0, len(order), cfg.gate_batch_size):
            idx = order[start : start + cfg.gate_batch_size]
            pr = prior[prof[idx]]
            g = model.gate(enc_t[idx], p_t[idx], levels[prof[idx]])
            q = g[:, None] * p_t[idx] + (1 - g[:, None]) * pr
            target = torch.where(is_neutral[idx, None], pr, onehot[idx])
            loss = -(target * torch.log(q.clamp_min(1e-8))).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(all_ids))
    log(f"gate: {cfg.gate_epochs} epochs on {n_lab} tweets + {len(neutral_ids)} neutral texts, "
        f"final loss {losses[-1]:.4f}")
    return losses


def gate_report(model, vocab, test_ids, priors, max_tokens: int) -> dict:
    """Gate behaviour: mean g on the test tweets and the held-out neutral sentences per
    profile, and g, winner and probabilities for :data:`GATE_EXAMPLES`."""
    from textbranch.inference import encode_texts, run_model
    from textbranch.neutral import HELD_OUT_NEUTRAL

    neutral_ids = encode_texts(vocab, HELD_OUT_NEUTRAL, max_tokens, model.cfg.subword_buckets)
    import torch

    out: dict = {"mean_gate_test": {}, "mean_gate_held_out_neutral": {}, "resistance": {},
                 "held_out_neutral_failures": {}, "examples": []}
    for name, pp in priors.items():
        with torch.no_grad():
            out["resistance"][name] = float(model.gate.resistance(torch.tensor(pp.levels, dtype=torch.float32)[None])[0])
        _, g_test, _ = run_model(model, test_ids, pp.levels)
        _, g_neu, _ = run_model(model, neutral_ids, pp.levels)
        out["mean_gate_test"][name] = float(g_test.mean())
        out["mean_gate_held_out_neutral"][name] = float(g_neu.mean())
        out["held_out_neutral_failures"][name] = int((g_neu >= 0.5).sum())
        if name == "healthy":
            out["held_out_neutral_gates_healthy"] = {
                t: float(v) for t, v in zip(HELD_OUT_NEUTRAL, g_neu, strict=True)
            }
    for name, text in GATE_EXAMPLES:
        probs, g, _ = run_model(
            model, encode_texts(vocab, [text], max_tokens, model.cfg.subword_buckets), priors[name].levels
        )
        out["examples"].append({
            "profile": name, "text": text, "gate": float(g[0]),
            "winner": EMOTIONS[int(probs[0].argmax())],
            "probabilities": {e: float(p) for e, p in zip(EMOTIONS, probs[0], strict=True)},
        })
    out["held_out_neutral_sentences"] = len(HELD_OUT_NEUTRAL)
    return out


def train(
    data_source: str | None = None,
    out: str | Path | None = None,
    cfg: TrainConfig | None = None,
    command: str = "",
    log: Callable[[str], None] = print,
    progress_bar: bool = True,
    force: bool = False,
) -> dict:
    """Train a model from scratch and write a checkpoint folder.

    Parameters
    ----------
    data_source : str, optional
        Folder of jsonl splits or Hub name (default :func:`textbranch.data.default_data_source`).
    out : str or Path, optional
        Checkpoint folder (default the shipped :data:`textbranch.checkpoint.DEFAULT_CHECKPOINT`).
    cfg : TrainConfig, optional
        Hyper-parameters.
    command : str, optional
        The command line that ran the training (stored in the metrics).
    log : callable, optional
        Receives one line per event (epoch results, ...).
    progress_bar : bool, optional
        Show a tqdm bar per epoch.
    force : bool, optional
        Replace an existing checkpoint folder at ``out`` (checked before training).

    Returns
    -------
    dict
        The metrics written to ``metrics.json``.
    """
    from textbranch.checkpoint import DEFAULT_CHECKPOINT, check_checkpoint_out, save_checkpoint

    # before torch is imported or any data read: a refusal costs nothing
    out = check_checkpoint_out(out if out is not None else DEFAULT_CHECKPOINT, force)
    import torch
    import tqdm

    from textbranch.data import load_emotion
    from textbranch.inference import encode_texts
    from textbranch.model import ModelConfig, TextEmotionModel
    from textbranch.neutral import emotional_windows, neutral_texts
    from textbranch.priors import PRIORS_PATH, load_priors
    from textbranch.tokenizer import Vocabulary

    cfg = cfg or TrainConfig()
    t_start = time.perf_counter()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    data = load_emotion(data_source)
    priors = load_priors()
    texts, labels = data.texts["train"], data.labels["train"]
    if cfg.train_subset:
        texts, labels = texts[: cfg.train_subset], labels[: cfg.train_subset]
    vocab = Vocabulary.build(texts, min_freq=cfg.min_freq)
    mcfg = ModelConfig(
        vocab_size=len(vocab), emb_dim=cfg.emb_dim, hidden=cfg.hidden, emb_dropout=cfg.emb_dropout,
        dropout=cfg.dropout, gate_hidden=cfg.gate_hidden, max_tokens=cfg.max_tokens,
        subword_buckets=cfg.subword_buckets,
    )
    log(f"data: {data.source}; {len(texts)} training texts, vocabulary {len(vocab)} tokens")
    model = TextEmotionModel(mcfg)
    sb = cfg.subword_buckets
    ids = {s: encode_texts(vocab, data.texts[s], cfg.max_tokens, sb) for s in ("validation", "test")}
    train_ids = encode_texts(vocab, texts, cfg.max_tokens, sb)

    def progress(**kw):
        return tqdm.tqdm(disable=not progress_bar, **kw)

    history, best_epoch = train_classifier(
        model, train_ids, labels, ids["validation"], data.labels["validation"], cfg, log, progress
    )
    t_classifier = time.perf_counter() - t_start
    neutral, words = neutral_texts(texts, labels, cfg, np.random.default_rng(cfg.seed + 2))
    win, win_y = emotional_windows(texts, labels, words, cfg.n_window_emotional, np.random.default_rng(cfg.seed + 4))
    gate_losses = train_gate(
        model, train_ids + encode_texts(vocab, win, cfg.max_tokens, sb), list(labels) + win_y,
        encode_texts(vocab, neutral, cfg.max_tokens, sb), priors, cfg, log
    )
    _round_to_storage(model)
    val = _evaluate(model, ids["validation"], data.labels["validation"])
    train_seconds = time.perf_counter() - t_start
    test = _evaluate(model, ids["test"], data.labels["test"])
    gates = gate_report(model, vocab, ids["test"], priors, cfg.max_tokens)
    log(f"validation: accuracy {val['accuracy']:.4f}  macro-F1 {val['macro_f1']:.4f}")
    log(f"test:       accuracy {test['accuracy']:.4f}  macro-F1 {test['macro_f1']:.4f}")
    metrics = {
        "model": "embedding + BiLSTM (packed) + max/mean pooling + linear head; gate MLP",
        "emotions": list(EMOTIONS),
        "validation": val,
        "test": test,
        "best_epoch": best_epoch,
        "history": history,
        "gate": {
            "losses": gate_losses,
            "n_template_neutral": cfg.n_template_neutral,
            "n_stripped_neutral": cfg.n_stripped_neutral,
            "n_window_neutral": cfg.n_window_neutral,
            "n_window_emotional": len(win),
            "n_emotion_words": len(words),
            **gates,
        },
        "priors_source": str(PRIORS_PATH.name),
        "training_time_s": {"classifier": t_classifier, "total": train_seconds},
        "data": {"source": data.source, "checksums": data.checksums, "n_train": len(texts)},
        "vocab_size": len(vocab),
        "n_parameters": sum(p.numel() for p in model.parameters()),
        "seed": cfg.seed,
        "command": command,
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "threads": cfg.threads,
        "machine": platform.machine(),
    }
    config = {"model": mcfg.to_dict(), "train": cfg.to_dict()}
    save_checkpoint(out, model, vocab, config, metrics)
    log(f"checkpoint written to {out} ({train_seconds:.0f} s)")
    return metrics
