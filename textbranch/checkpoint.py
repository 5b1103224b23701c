"""Saving and loading a trained text-branch checkpoint.

A checkpoint is a folder::

    model.pt      state dict of TextEmotionModel, tensors stored as float16
    vocab.json    {"tokens": [...], "tokenizer": "textbranch.tokenizer v1"}
    config.json   {"model": ModelConfig fields, "train": TrainConfig fields}
    metrics.json  validation/test metrics, gate behaviour, timings, data checksums, versions

The float16 storage halves the size; the model is evaluated *after* rounding to float16
during training, so ``metrics.json`` describes exactly the weights in ``model.pt``.
The shipped checkpoint is in ``textbranch/checkpoints/emotion-bilstm/``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from brainsim.errors import NeuroEmoError
from brainsim.folders import staged_folder

DEFAULT_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "emotion-bilstm"
TOKENIZER_ID = "textbranch.tokenizer v1"
FILES = ("model.pt", "vocab.json", "config.json", "metrics.json")


def _how_to_create(path: Path) -> str:
    return f"create it with `neuroemo train-text --out {path}` (about 10 minutes on 2 CPU cores)"


@dataclass
class Checkpoint:
    """A loaded checkpoint: the model (eval mode, float32), its vocabulary, config and metrics."""

    path: Path
    model: object  # textbranch.model.TextEmotionModel (typed loosely to keep torch lazy)
    vocab: object  # textbranch.tokenizer.Vocabulary
    config: dict
    metrics: dict


def check_checkpoint_out(path: str | Path, force: bool) -> Path:
    """Refuse, before any training, to write over something that is not ours to replace.

    A folder that holds files is replaced only with ``force``; a file never.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NeuroEmoError(f"{path} is a file, not a checkpoint folder; choose another --out.")
    if path.is_dir() and any(path.iterdir()) and not force:
        shipped = " (the shipped checkpoint)" if path.resolve() == DEFAULT_CHECKPOINT.resolve() \
            else ""
        raise NeuroEmoError(f"{path}{shipped} already holds files; nothing was trained. Choose "
                            "another --out, or pass --force to replace it.")
    if path.is_dir() and any(path.iterdir()) and not (path / "config.json").is_file():
        raise NeuroEmoError(f"{path} holds files but is not a checkpoint folder (no "
                            "config.json); --force replaces only checkpoints. Choose another "
                            "--out.")
    return path


def save_checkpoint(path: str | Path, model, vocab, config: dict, metrics: dict) -> Path:
    """Write a checkpoint folder atomically: into a sibling folder first, which then replaces
    ``path`` (so an interrupted save never leaves a mixed checkpoint).

    Parameters
    ----------
    path : str or Path
        Folder to write.
    model : TextEmotionModel
        The trained model; its tensors are saved as float16.
    vocab : Vocabulary
        The vocabulary used to train it.
    config : dict
        ``{"model": ..., "train": ...}``.
    metrics : dict
        JSON-serialisable metrics.

    Returns
    -------
    Path
        The folder.
    """
    import torch

    path = Path(path)
    with staged_folder(path, replace=True) as tmp:
        state = {k: (v.half() if v.is_floating_point() else v)
                 for k, v in model.state_dict().items()}
        torch.save(state, tmp / "model.pt")
        (tmp / "vocab.json").write_text(json.dumps(
            {"tokenizer": TOKENIZER_ID, "tokens": vocab.to_list()}, ensure_ascii=False) + "\n")
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    _cached.cache_clear()  # a process that loaded the old one gets the new one
    return path


def load_checkpoint(path: str | Path | None = None) -> Checkpoint:
    """Load a checkpoint folder, uncached (see :func:`get_checkpoint`).

    Parameters
    ----------
    path : str or Path, optional
        Folder; default :data:`DEFAULT_CHECKPOINT`.

    Returns
    -------
    Checkpoint

    Raises
    ------
    NeuroEmoError
        If the folder or a file is missing, a file is corrupt, or the vocabulary does not
        match the model; the message names the path and the command that recreates it.
    """
    import torch

    from textbranch.model import ModelConfig, TextEmotionModel
    from textbranch.tokenizer import Vocabulary

    path = Path(path).expanduser().resolve() if path is not None else DEFAULT_CHECKPOINT
    if not path.is_dir():
        raise NeuroEmoError(f"text checkpoint {path} does not exist; {_how_to_create(path)}")
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        raise NeuroEmoError(
            f"text checkpoint {path} is incomplete (missing {', '.join(missing)}); "
            f"{_how_to_create(path)}"
        )
    try:
        vocab_raw = json.loads((path / "vocab.json").read_text())
        config = json.loads((path / "config.json").read_text())
        metrics = json.loads((path / "metrics.json").read_text())
        if vocab_raw.get("tokenizer") != TOKENIZER_ID:
            raise ValueError(f"vocabulary made by tokenizer {vocab_raw.get('tokenizer')!r}, "
                             f"this code uses {TOKENIZER_ID!r}")
        vocab = Vocabulary(list(vocab_raw["tokens"]))
        cfg = ModelConfig(**config["model"])
    except (ValueError, KeyError, TypeError) as err:
        raise NeuroEmoError(
            f"text checkpoint {path} has a corrupt vocab/config/metrics file ({err}); "
            f"{_how_to_create(path)}"
        ) from err
    if cfg.vocab_size != len(vocab):
        raise NeuroEmoError(
            f"text checkpoint {path}: vocab.json has {len(vocab)} tokens but the model was "
            f"built for {cfg.vocab_size}; the files do not belong together. {_how_to_create(path)}"
        )
    try:
        state = torch.load(path / "model.pt", map_location="cpu", weights_only=True)
        model = TextEmotionModel(cfg)
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    except Exception as err:  # torch raises RuntimeError, pickle/zip errors, ... on bad files
        raise NeuroEmoError(
            f"text checkpoint {path}: model.pt cannot be loaded or does not match config.json "
            f"and vocab.json ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}); "
            f"{_how_to_create(path)}"
        ) from err
    model.eval()
    return Checkpoint(path=path, model=model, vocab=vocab, config=config, metrics=metrics)


@functools.lru_cache(maxsize=4)
def _cached(path: str) -> Checkpoint:
    return load_checkpoint(path)


def get_checkpoint(path: str | Path | None = None) -> Checkpoint:
    """Load a checkpoint once per process (cached by resolved path).

    Parameters
    ----------
    path : str or Path, optional
        Folder; default the shipped :data:`DEFAULT_CHECKPOINT`.

    Returns
    -------
    Checkpoint
        The same object on every call with the same path. Treat it as read-only.
    """
    resolved = Path(path).expanduser().resolve() if path is not None else DEFAULT_CHECKPOINT
    return _cached(str(resolved))
