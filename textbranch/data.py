"""Loading the *emotion* dataset (dair-ai/emotion) from a local folder or the Hub.

A *source* is either a folder holding ``train.jsonl``, ``validation.jsonl`` and
``test.jsonl`` (one ``{"text": ..., "label": 0-5}`` object a line, as in
``../shared/data/emotion/``) or a Hugging Face Hub name such as ``dair-ai/emotion``. Both
are read with :func:`datasets.load_dataset`; a folder needs no network.

The label ids are those of the Hub: 0 sadness, 1 joy, 2 love, 3 anger, 4 fear, 5 surprise
(:data:`brainsim.channels.EMOTIONS`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from brainsim.channels import EMOTIONS
from brainsim.errors import NeuroEmoError

SPLITS: tuple[str, ...] = ("train", "validation", "test")
HUB_NAME = "dair-ai/emotion"
DATA_ENV = "NEUROEMO_EMOTION_DATA"


def default_data_source() -> str:
    """The default data source: ``$NEUROEMO_EMOTION_DATA`` or ``<repo>/../shared/data/emotion``.

    Returns
    -------
    str
        A folder path (it may not exist on machines without the local copy).
    """
    env = os.environ.get(DATA_ENV)
    if env:
        return env
    repo = Path(__file__).resolve().parent.parent
    return str(repo.parent / "shared" / "data" / "emotion")


@dataclass
class EmotionData:
    """The three splits as plain lists, plus where they came from.

    Attributes
    ----------
    texts, labels : dict
        ``{split: list}`` for each split in :data:`SPLITS` that was loaded.
    source : str
        The folder (resolved) or Hub name.
    checksums : dict
        ``{"files": {name: sha256}}`` for a folder (empty for the Hub) and
        ``{"content": {split: sha256}}`` of the ``(text, label)`` pairs, comparable
        between a folder and the Hub.
    """

    texts: dict[str, list[str]]
    labels: dict[str, list[int]]
    source: str
    checksums: dict


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(texts: list[str], labels: list[int]) -> str:
    """SHA-256 of the ``(text, label)`` pairs, one JSON line each, in order."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(json.dumps({"text": text, "label": int(label)}).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _is_local(source: str) -> bool:
    return Path(source).expanduser().exists() or source.startswith((".", "/", "~"))


def load_emotion(source: str | os.PathLike | None = None, splits: tuple[str, ...] = SPLITS) -> EmotionData:
    """Load the emotion dataset from a folder or from the Hub.

    Parameters
    ----------
    source : str or path-like, optional
        A folder of ``<split>.jsonl`` files or a Hub name (``"dair-ai/emotion"``). Default:
        :func:`default_data_source`.
    splits : tuple of str, optional
        Which splits to load.

    Returns
    -------
    EmotionData
        Texts, labels and checksums.

    Raises
    ------
    NeuroEmoError
        If the folder or a split file is missing, the Hub cannot be reached, or a label lies
        outside 0-5 / a text is missing.
    """
    import datasets

    datasets.disable_progress_bars()
    source = str(source) if source is not None else default_data_source()
    unknown = [s for s in splits if s not in SPLITS]
    if unknown:
        raise NeuroEmoError(f"unknown split(s) {unknown}; choose from {list(SPLITS)}")
    checksums: dict = {"files": {}, "content": {}}
    if _is_local(source):
        folder = Path(source).expanduser().resolve()
        if not folder.is_dir():
            raise NeuroEmoError(
                f"emotion data folder {folder} does not exist; pass --data with a folder of "
                f"train/validation/test.jsonl, or --data {HUB_NAME} to load it from the Hub"
            )
        files = {s: folder / f"{s}.jsonl" for s in splits}
        missing = [str(p) for p in files.values() if not p.is_file()]
        if missing:
            raise NeuroEmoError(
                f"emotion data folder {folder} lacks {', '.join(missing)}; it must hold "
                f"{', '.join(f'{s}.jsonl' for s in SPLITS)}"
            )
        try:
            ds = datasets.load_dataset("json", data_files={s: str(p) for s, p in files.items()})
        except Exception as err:  # datasets raises many kinds of errors on bad files
            raise NeuroEmoError(f"could not read the emotion data in {folder}: {err}") from err
        checksums["files"] = {p.name: sha256_file(p) for p in files.values()}
        resolved = str(folder)
    else:
        try:
            ds = datasets.load_dataset(source)
        except Exception as err:
            raise NeuroEmoError(
                f"could not load the dataset {source!r} from the Hugging Face Hub ({err}); "
                "without network access pass --data with a local folder of jsonl files"
            ) from err
        missing = [s for s in splits if s not in ds]
        if missing:
            raise NeuroEmoError(f"dataset {source!r} has no split(s) {missing}")
        resolved = source
    texts: dict[str, list[str]] = {}
    labels: dict[str, list[int]] = {}
    for split in splits:
        part = ds[split]
        if "text" not in part.column_names or "label" not in part.column_names:
            raise NeuroEmoError(
                f"split {split!r} of {resolved} needs 'text' and 'label' columns, "
                f"found {part.column_names}"
            )
        t = list(part["text"])
        y = list(part["label"])
        bad = [
            i for i, (a, b) in enumerate(zip(t, y, strict=True))
            if not isinstance(a, str) or not isinstance(b, int) or not 0 <= b < len(EMOTIONS)
        ]
        if bad:
            i = bad[0]
            raise NeuroEmoError(
                f"split {split!r} of {resolved}: {len(bad)} row(s) with a missing text or a label "
                f"outside 0-{len(EMOTIONS) - 1}, first at row {i}: text={t[i]!r}, label={y[i]!r}"
            )
        texts[split], labels[split] = t, [int(v) for v in y]
        checksums["content"][split] = content_sha256(t, labels[split])
    return EmotionData(texts=texts, labels=labels, source=resolved, checksums=checksums)
