"""Checkpoint save/load, caching, and clear errors for missing or corrupt checkpoints."""

import json
import shutil

import pytest
import torch

from brainsim.errors import NeuroEmoError
from textbranch.checkpoint import (
    DEFAULT_CHECKPOINT,
    get_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from textbranch.inference import predict
from textbranch.model import ModelConfig, TextEmotionModel
from textbranch.tokenizer import Vocabulary

LEVELS = {"serotonin": 0.3, "dopamine": 0.4, "norepinephrine": 0.6}


@pytest.fixture()
def tiny(tmp_path):
    torch.manual_seed(0)
    vocab = Vocabulary.build(["i feel happy", "i feel sad today"])
    cfg = ModelConfig(vocab_size=len(vocab), emb_dim=8, hidden=4, gate_hidden=3)
    model = TextEmotionModel(cfg).eval()
    path = save_checkpoint(
        tmp_path / "ck", model, vocab, {"model": cfg.to_dict(), "train": {}}, {"test": {}}
    )
    return path, model


def test_save_load_round_trip(tiny):
    path, model = tiny
    loaded = load_checkpoint(path)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(loaded.model.state_dict()[key], value.half().float())
    probs, gates = predict(["i feel happy"], LEVELS, loaded)
    assert probs.shape == (1, 6) and gates.shape == (1,)
    assert abs(probs.sum() - 1) < 1e-6


def _expect_error(path, *fragments):
    with pytest.raises(NeuroEmoError) as info:
        load_checkpoint(path)
    msg = str(info.value)
    assert str(path) in msg and "neuroemo train-text" in msg
    for frag in fragments:
        assert frag in msg
    return msg


def test_missing_checkpoint(tmp_path):
    _expect_error(tmp_path / "nowhere", "does not exist")


def test_missing_file(tiny):
    path, _ = tiny
    (path / "model.pt").unlink()
    _expect_error(path, "model.pt")


def test_corrupt_weights(tiny):
    path, _ = tiny
    (path / "model.pt").write_bytes(b"not a torch file")
    _expect_error(path, "model.pt")


def test_corrupt_json(tiny):
    path, _ = tiny
    (path / "config.json").write_text("{")
    _expect_error(path, "corrupt")


def test_vocabulary_mismatch(tiny):
    path, _ = tiny
    raw = json.loads((path / "vocab.json").read_text())
    raw["tokens"] = raw["tokens"][:-1]
    (path / "vocab.json").write_text(json.dumps(raw))
    _expect_error(path, "vocab.json")


def test_other_tokenizer_rejected(tiny):
    path, _ = tiny
    raw = json.loads((path / "vocab.json").read_text())
    raw["tokenizer"] = "something else"
    (path / "vocab.json").write_text(json.dumps(raw))
    _expect_error(path, "tokenizer")


def test_shipped_checkpoint_is_small_and_cached(tmp_path):
    size = sum(p.stat().st_size for p in DEFAULT_CHECKPOINT.iterdir())
    assert size <= 10 * 1024 * 1024
    assert get_checkpoint() is get_checkpoint()
    assert get_checkpoint(DEFAULT_CHECKPOINT) is get_checkpoint()
    copy = shutil.copytree(DEFAULT_CHECKPOINT, tmp_path / "copy")
    assert get_checkpoint(copy) is not get_checkpoint()
