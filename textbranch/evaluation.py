"""Evaluating a checkpoint on a split of the emotion dataset."""

from __future__ import annotations

from pathlib import Path


def evaluate_checkpoint(
    checkpoint: str | Path | None = None, data_source: str | None = None, split: str = "test"
) -> dict:
    """Accuracy, macro-F1, per-class F1 and confusion matrix of a checkpoint on one split.

    Parameters
    ----------
    checkpoint : str or Path, optional
        Checkpoint folder (default: the shipped one).
    data_source : str, optional
        Data folder or Hub name (default :func:`textbranch.data.default_data_source`).
    split : str, optional
        ``"train"``, ``"validation"`` or ``"test"``.

    Returns
    -------
    dict
        The :func:`textbranch.metrics.classification_report` fields plus ``checkpoint``,
        ``data_source``, ``split``, ``stored_metrics`` (the checkpoint's own numbers for that
        split, when it has them) and ``data_matches_checkpoint`` (content checksum equal to
        the one recorded at training time).
    """
    import torch

    from textbranch.checkpoint import get_checkpoint
    from textbranch.data import load_emotion
    from textbranch.inference import encode_texts, run_model
    from textbranch.metrics import classification_report

    ckpt = get_checkpoint(checkpoint)
    data = load_emotion(data_source, splits=(split,))
    ids = encode_texts(ckpt.vocab, data.texts[split], ckpt.model.cfg.max_tokens, ckpt.model.cfg.subword_buckets)
    # Evaluate with the thread count used at training time, so that floating-point
    # reductions run in the same order as when metrics.json was written.
    previous = torch.get_num_threads()
    torch.set_num_threads(int(ckpt.metrics.get("threads", previous)))
    try:
        probs, _, _ = run_model(ckpt.model, ids)
    finally:
        torch.set_num_threads(previous)
    report = classification_report(data.labels[split], probs.argmax(axis=1))
    stored = ckpt.metrics.get(split)
    recorded = ckpt.metrics.get("data", {}).get("checksums", {}).get("content", {}).get(split)
    return {
        "checkpoint": str(ckpt.path),
        "data_source": data.source,
        "split": split,
        **report,
        "stored_metrics": (
            {"accuracy": stored["accuracy"], "macro_f1": stored["macro_f1"]} if stored else None
        ),
        "data_matches_checkpoint": recorded is None or recorded == data.checksums["content"][split],
    }
