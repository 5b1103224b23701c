"""Training the text branch: classifier first, then the gate, then the checkpoint.

Stage 1 trains embedding + BiLSTM + emotion head with cross-entropy (label smoothing),
AdamW and a one-cycle learning-rate schedule, and keeps the epoch with the best
*validation* macro-F1 (early stopping); ``classifier_from`` takes stage 1 from an existing
checkpoint folder instead. Stage 2 freezes them and trains the gate
``g = content(text) * congruence(levels, p_text)`` (:class:`textbranch.model.Gate`):

- content: binary cross-entropy, 1 for emotional texts (tweets, emotional windows and
  templates, noisy copies) and 0 for texts without emotional content (factual and template
  sentences, emotion-stripped tweets, meaningless texts, noisy copies): :func:`gate_material`;
- congruence, on the emotional texts: binary cross-entropy towards the mood-congruence
  target of :mod:`textbranch.congruence`, with levels drawn uniformly from [0, 1]^3.

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
    content_heads: int = 5
    gate_epochs: int = 20
    gate_lr: float = 3e-3
    gate_batch_size: int = 256
    gate_input_dropout: float = 0.3
    n_factual_neutral: int = 8000
    n_template_neutral: int = 3000
    n_stripped_neutral: int = 2000
    n_window_neutral: int = 0
    n_window_emotional: int = 8000
    n_meaningless: int = 4000
    n_templated_emotional: int = 4000
    n_noisy_neutral: int = 1500
    n_noisy_emotional: int = 3000
    emotion_ratio: float = 1.8
    train_subset: int | None = None
    classifier_from: str | None = None
    threads: int = 1
    subword_buckets: int = 10000
    word_dropout: float = 0.1
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The fields as a plain dict."""
        return asdict(self)


#: Sentences whose gate, winner and probabilities metrics.json reports for every profile.
GATE_EXAMPLES: tuple[str, ...] = (
    "i feel strong",
    "everything is fine",
    "i feel so happy and full of energy today",
    "i am terrified of what will happen tomorrow",
    "i am furious with him",
    "i feel miserable and lonely",
    "i went to the shop",
    "the meeting is at noon",
    "there are three apples on the table",
    "xqzv blorf wug",
    "\U0001F600",
    "3 7 19 42",
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


def train_gate(model, emo_ids, emo_y, none_ids, cfg: TrainConfig, log) -> list[float]:
    """Stage 2: train only ``model.gate`` on frozen encodings; returns the loss per epoch.

    - content part: binary cross-entropy, target 1 for the emotional texts ``emo_ids``
      (labels ``emo_y``) and 0 for the texts without content ``none_ids``;
    - congruence part, on the emotional texts only: binary cross-entropy towards the
      mood-congruence target ``w(levels, label)`` (:mod:`textbranch.congruence`), with the
      levels drawn uniformly from [0, 1]^3 afresh for every text and epoch.
    """
    import torch
    import torch.nn.functional as F

    from textbranch.congruence import congruence_target
    from textbranch.inference import run_model, unknown_fractions

    all_ids = list(emo_ids) + list(none_ids)
    probs, _, enc = run_model(model, all_ids)
    enc_t = torch.from_numpy(enc)
    p_t = torch.from_numpy(probs).float()
    unk_t = torch.from_numpy(unknown_fractions(all_ids))[:, None]
    n_emo = len(emo_ids)
    has_content = torch.zeros(len(all_ids))
    has_content[:n_emo] = 1.0
    onehot = torch.zeros(len(all_ids), len(EMOTIONS))
    onehot[torch.arange(n_emo), torch.tensor(emo_y, dtype=torch.long)] = 1.0
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    opt = torch.optim.AdamW(model.gate.parameters(), lr=cfg.gate_lr, weight_decay=cfg.weight_decay)
    losses = []
    model.eval()
    for _ in range(cfg.gate_epochs):
        order = torch.randperm(len(all_ids), generator=gen)
        levels = torch.rand(len(all_ids), 3, generator=gen)
        total = 0.0
        for start in range(0, len(order), cfg.gate_batch_size):
            idx = order[start : start + cfg.gate_batch_size]
            # every content head is trained on its own (own dropout mask), not their mean
            e = enc_t[idx]
            heads = model.gate.content_heads
            if cfg.gate_input_dropout > 0:
                x = [F.dropout(e, cfg.gate_input_dropout, training=True) for _ in heads]
            else:
                x = [e] * len(heads)
            loss = sum(
                F.binary_cross_entropy_with_logits(
                    h(torch.cat([xi, p_t[idx], unk_t[idx]], dim=1)).squeeze(1), has_content[idx])
                for h, xi in zip(heads, x, strict=True)
            ) / len(heads)
            emo = idx[idx < n_emo]
            if len(emo):
                m_logit = model.gate.congruence_logit(p_t[emo], levels[emo])
                target = congruence_target(levels[emo], onehot[emo])
                loss = loss + F.binary_cross_entropy_with_logits(m_logit, target) * len(emo) / len(idx)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(all_ids))
    log(f"gate: {cfg.gate_epochs} epochs on {n_emo} emotional texts + {len(none_ids)} texts "
        f"without content, final loss {losses[-1]:.4f}")
    return losses


def _profile_levels(priors) -> dict[str, np.ndarray]:
    return {name: pp.levels for name, pp in priors.items()}


def gate_report(model, vocab, test_ids, test_y, priors, max_tokens: int) -> dict:
    """Gate behaviour per profile (levels from the profile table):

    - ``held_out``: for each held-out set of :mod:`textbranch.heldout` (neutral and
      meaningless; never trained on) the fraction with ``g < 0.2``, the mean and the maximum,
      and the same over all of them pooled (``"all"``);
    - ``dev``: the same for the development sets (used to choose the settings);
    - ``test_by_valence``: mean g of the test tweets whose label is positive (joy, love),
      negative (sadness, anger, fear), fear, surprise, and all of them;
    - ``held_out_emotional``: per held-out file of emotional sentences, the classifier's
      accuracy on them, the fraction with ``g >= 0.5`` (all, and those classified right),
      and mean g by valence;
    - ``congruence_target``: the target ``w`` for a one-hot positive / negative / fear text;
    - ``examples``: g, winner and probabilities of :data:`GATE_EXAMPLES` for every profile.
    """
    from textbranch.congruence import congruence_target
    from textbranch.heldout import EMOTIONAL_FILES, held_out_emotional, held_out_sets
    from textbranch.inference import encode_texts, run_model
    from textbranch.meaningless import held_out_generated
    from textbranch.neutral import DEV_NEUTRAL, DEV_SEED

    sb = model.cfg.subword_buckets

    def enc(texts):
        return encode_texts(vocab, texts, max_tokens, sb)

    def closed(sets: dict[str, list[str]], lv) -> dict:
        res, pooled = {}, []
        for key, texts in sets.items():
            _, g, _ = run_model(model, enc(texts), lv)
            pooled.append(g)
            res[key] = {"n": len(texts), "fraction_below_0.2": float((g < 0.2).mean()),
                        "mean": float(g.mean()), "max": float(g.max())}
        g = np.concatenate(pooled)
        res["all"] = {"n": int(g.size), "fraction_below_0.2": float((g < 0.2).mean()),
                      "mean": float(g.mean()), "max": float(g.max())}
        return res

    held = held_out_sets()
    dev = {"neutral": list(DEV_NEUTRAL)}
    dev.update({f"generated/{k}": v for k, v in held_out_generated(40, DEV_SEED).items()})
    emo_sets = {name: held_out_emotional(name) for name in EMOTIONAL_FILES}
    test_y = np.asarray(test_y)
    groups = {"positive": np.isin(test_y, [1, 2]), "negative": np.isin(test_y, [0, 3, 4]),
              "fear": test_y == 4, "surprise": test_y == 5, "all": np.ones(len(test_y), bool)}
    out: dict = {"held_out": {}, "dev": {}, "test_by_valence": {}, "held_out_emotional": {},
                 "congruence_target": {}, "examples": []}
    onehots = {"positive": np.eye(6)[1], "negative": np.eye(6)[0], "fear": np.eye(6)[4]}
    for name, lv in _profile_levels(priors).items():
        out["held_out"][name] = closed(held, lv)
        out["dev"][name] = closed(dev, lv)
        _, g_test, _ = run_model(model, test_ids, lv)
        out["test_by_valence"][name] = {k: float(g_test[m].mean()) for k, m in groups.items()}
        out["held_out_emotional"][name] = {}
        for fname, pairs in emo_sets.items():
            probs_e, g_emo, _ = run_model(model, enc([t for _, t in pairs]), lv)
            emo = np.array([e for e, _ in pairs])
            right = probs_e.argmax(axis=1) == np.array([EMOTIONS.index(e) for e in emo])
            rec = {
                "n": len(pairs),
                "classifier_accuracy": float(right.mean()),
                "fraction_open_0.5": float((g_emo >= 0.5).mean()),
                "fraction_open_0.5_when_classified_right": float((g_emo[right] >= 0.5).mean()),
                "positive": float(g_emo[np.isin(emo, ["joy", "love"])].mean()),
                "negative": float(g_emo[np.isin(emo, ["sadness", "anger", "fear"])].mean()),
                "fear": float(g_emo[emo == "fear"].mean()),
            }
            if name in ("healthy", "depressed", "anxious"):
                rec["gates"] = {t: float(v) for (_, t), v in zip(pairs, g_emo, strict=True)}
            out["held_out_emotional"][name][fname] = rec
        out["congruence_target"][name] = {k: float(congruence_target(lv, oh)) for k, oh in onehots.items()}
        probs, g, _ = run_model(model, enc(list(GATE_EXAMPLES)), lv)
        for text, pr, gv in zip(GATE_EXAMPLES, probs, g, strict=True):
            out["examples"].append({
                "profile": name, "text": text, "gate": float(gv),
                "winner": EMOTIONS[int(pr.argmax())],
                "probabilities": {e: float(v) for e, v in zip(EMOTIONS, pr, strict=True)},
            })
    out["held_out_sizes"] = {k: len(v) for k, v in held.items()}
    return out


def gate_material(texts, labels, vocab, cfg: TrainConfig) -> dict:
    """The gate's training texts: ``emotional`` (with ``emotional_y``) and ``none`` (no
    emotional content), and their ``counts`` by kind. Every held-out and development text
    is excluded.

    emotional: the training tweets, ``n_window_emotional`` short windows around an emotion
    word, and ``n_noisy_emotional`` windows/tweets with 1-2 noise items (made-up words,
    numbers, emoji) inserted; none: template sentences, emotion-stripped tweets and windows
    of them (:func:`textbranch.neutral.neutral_texts`), ``n_meaningless`` meaningless texts
    (:func:`textbranch.meaningless.meaningless_texts`) and ``n_noisy_neutral`` neutral texts
    with noise items inserted.
    """
    from textbranch.heldout import all_held_out_texts
    from textbranch.meaningless import held_out_generated, insert_noise, meaningless_texts
    from textbranch.neutral import (
        DEV_EMOTIONAL,
        DEV_NEUTRAL,
        DEV_SEED,
        emotional_windows,
        neutral_texts,
    )

    excluded = all_held_out_texts() | set(DEV_NEUTRAL) | {t for _, t in DEV_EMOTIONAL}
    excluded |= {t for v in held_out_generated(40, DEV_SEED).values() for t in v}
    known = set(vocab.tokens)
    neutral, words = neutral_texts(texts, labels, cfg, np.random.default_rng(cfg.seed + 2))
    neutral = [t for t in neutral if t not in excluded]
    win, win_y = emotional_windows(texts, labels, words, cfg.n_window_emotional,
                                   np.random.default_rng(cfg.seed + 4))
    rng = np.random.default_rng(cfg.seed + 5)
    junk = meaningless_texts(cfg.n_meaningless, rng, known, exclude=excluded)
    pick = rng.permutation(len(neutral))[: cfg.n_noisy_neutral]
    noisy_neutral = insert_noise([neutral[i] for i in pick], rng, known)
    from textbranch.emotional import VERBS, emotional_templates, labelled_words

    kw_labels = labelled_words(texts, labels, words)
    verb_labels = labelled_words(texts, labels, VERBS)
    tmpl, tmpl_y = emotional_templates(cfg.n_templated_emotional, kw_labels, verb_labels,
                                       np.random.default_rng(cfg.seed + 6), exclude=excluded)
    win, win_y = win + tmpl, win_y + tmpl_y
    pool = list(texts) + win
    pool_y = list(labels) + win_y
    pick = rng.permutation(len(pool))[: cfg.n_noisy_emotional]
    noisy_emo = insert_noise([pool[i] for i in pick], rng, known)
    extra = [(t, y) for t, y in zip(win + noisy_emo, win_y + [pool_y[i] for i in pick], strict=True)
             if t not in excluded]
    none = [t for t in neutral + junk + noisy_neutral if t not in excluded]
    return {
        "emotional": list(texts) + [t for t, _ in extra],
        "emotional_y": list(labels) + [y for _, y in extra],
        "none": none,
        "counts": {"tweets": len(texts), "emotional_windows": len(win) - len(tmpl),
                   "emotional_templates": len(tmpl), "template_keywords": len(kw_labels),
                   "template_verbs": len(verb_labels), "noisy_emotional": len(noisy_emo),
                   "neutral": len(neutral), "meaningless": len(junk), "noisy_neutral": len(noisy_neutral),
                   "emotion_keywords": len(words)},
    }


def load_classifier(path: str | Path, data, gate_hidden: int, content_heads: int = 1):
    """Stage 1 from an existing checkpoint folder: its vocabulary, encoder and head weights
    (any gate weights in it are ignored) and its stage-1 record.

    Returns ``(model, vocab, model_config, record)``; ``record`` holds the folder's
    ``history``, ``best_epoch``, ``training_time_s`` and ``validation`` metrics. The folder
    must have been trained on the same training split (content checksum).
    """
    import json

    import torch

    from brainsim.errors import NeuroEmoError
    from textbranch.model import ModelConfig, TextEmotionModel
    from textbranch.tokenizer import Vocabulary

    path = Path(path)
    try:
        vocab = Vocabulary(json.loads((path / "vocab.json").read_text())["tokens"])
        mcfg = ModelConfig(**{**json.loads((path / "config.json").read_text())["model"],
                              "gate_hidden": gate_hidden, "content_heads": content_heads})
        metrics = json.loads((path / "metrics.json").read_text())
        state = torch.load(path / "model.pt", map_location="cpu", weights_only=True)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as err:
        raise NeuroEmoError(f"--classifier-from {path}: not a readable checkpoint folder ({err})") from err
    theirs = metrics.get("data", {}).get("checksums", {}).get("content", {}).get("train")
    if theirs != data.checksums["content"]["train"]:
        raise NeuroEmoError(f"--classifier-from {path}: its classifier was trained on other training "
                            "data (content checksum differs); train from scratch instead")
    model = TextEmotionModel(mcfg)
    kept = {k: v.float() for k, v in state.items() if k.startswith(("encoder.", "head."))}
    missing = [k for k in model.state_dict() if not k.startswith("gate.") and k not in kept]
    if missing:
        raise NeuroEmoError(f"--classifier-from {path}: model.pt lacks {missing[:3]}")
    model.load_state_dict(kept, strict=False)
    record = {k: metrics.get(k) for k in ("history", "best_epoch", "training_time_s", "validation", "seed", "command")}
    return model, vocab, mcfg, record


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
    reused = None
    if cfg.classifier_from:
        model, vocab, mcfg, reused = load_classifier(cfg.classifier_from, data, cfg.gate_hidden,
                                                     cfg.content_heads)
    else:
        vocab = Vocabulary.build(texts, min_freq=cfg.min_freq)
        mcfg = ModelConfig(
            vocab_size=len(vocab), emb_dim=cfg.emb_dim, hidden=cfg.hidden, emb_dropout=cfg.emb_dropout,
            dropout=cfg.dropout, gate_hidden=cfg.gate_hidden, max_tokens=cfg.max_tokens,
            subword_buckets=cfg.subword_buckets, content_heads=cfg.content_heads,
        )
        model = TextEmotionModel(mcfg)
    log(f"data: {data.source}; {len(texts)} training texts, vocabulary {len(vocab)} tokens")
    sb = mcfg.subword_buckets
    ids = {s: encode_texts(vocab, data.texts[s], mcfg.max_tokens, sb) for s in ("validation", "test")}

    def progress(**kw):
        return tqdm.tqdm(disable=not progress_bar, **kw)

    if reused is None:
        train_ids = encode_texts(vocab, texts, mcfg.max_tokens, sb)
        history, best_epoch = train_classifier(
            model, train_ids, labels, ids["validation"], data.labels["validation"], cfg, log, progress
        )
    else:
        history, best_epoch = reused["history"], reused["best_epoch"]
        log(f"classifier (stage 1) reused from {cfg.classifier_from} (best epoch {best_epoch})")
    t_classifier = time.perf_counter() - t_start
    material = gate_material(texts, labels, vocab, cfg)
    gate_losses = train_gate(
        model, encode_texts(vocab, material["emotional"], cfg.max_tokens, sb), material["emotional_y"],
        encode_texts(vocab, material["none"], cfg.max_tokens, sb), cfg, log,
    )
    _round_to_storage(model)
    val = _evaluate(model, ids["validation"], data.labels["validation"])
    train_seconds = time.perf_counter() - t_start
    test = _evaluate(model, ids["test"], data.labels["test"])
    gates = gate_report(model, vocab, ids["test"], data.labels["test"], priors, cfg.max_tokens)
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
            "material": material["counts"],
            **gates,
        },
        "priors_source": str(PRIORS_PATH.name),
        "training_time_s": {"classifier": t_classifier, "total": train_seconds},
        "classifier_reused_from": (
            None if reused is None else {"path": str(cfg.classifier_from), **{k: reused[k] for k in (
                "seed", "command", "training_time_s", "validation")}}
        ),
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
