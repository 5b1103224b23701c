"""Classification metrics (accuracy, macro-F1, per-class F1, confusion matrix) in numpy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainsim.channels import EMOTIONS


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], n_classes: int = 6) -> np.ndarray:
    """Confusion matrix ``C[true, predicted]`` of integer labels.

    Parameters
    ----------
    y_true, y_pred : sequence of int
        Gold and predicted labels in ``[0, n_classes)``.
    n_classes : int, optional
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``int64[n_classes, n_classes]``.
    """
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def classification_report(y_true: Sequence[int], y_pred: Sequence[int]) -> dict:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix, JSON-ready.

    Parameters
    ----------
    y_true, y_pred : sequence of int
        Gold and predicted emotion ids (order of :data:`brainsim.channels.EMOTIONS`).

    Returns
    -------
    dict
        ``{"n", "accuracy", "macro_f1", "per_class_f1": {emotion: f1},
        "confusion_matrix": [[...]]}`` (rows: true label, columns: prediction).
    """
    cm = confusion_matrix(y_true, y_pred, len(EMOTIONS))
    tp = np.diag(cm).astype(float)
    precision_den = cm.sum(axis=0)
    recall_den = cm.sum(axis=1)
    f1 = np.zeros(len(EMOTIONS))
    for k in range(len(EMOTIONS)):
        den = precision_den[k] + recall_den[k]
        f1[k] = 2.0 * tp[k] / den if den else 0.0
    n = int(cm.sum())
    return {
        "n": n,
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "macro_f1": float(f1.mean()),
        "per_class_f1": {e: float(v) for e, v in zip(EMOTIONS, f1, strict=True)},
        "confusion_matrix": cm.tolist(),
    }
