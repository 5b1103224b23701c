"""Loading the emotion dataset from a local folder, with clear errors for bad folders."""

import json

import pytest

from brainsim.errors import NeuroEmoError
from textbranch.data import SPLITS, default_data_source, load_emotion


def _write(folder, rows_per_split):
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in rows_per_split.items():
        with open(folder / f"{split}.jsonl", "w") as fh:
            for text, label in rows:
                fh.write(json.dumps({"text": text, "label": label}) + "\n")
    return folder


ROWS = [("i feel sad", 0), ("i feel happy", 1), ("i am scared", 4)]


def test_local_folder(tmp_path):
    folder = _write(tmp_path / "d", {s: ROWS for s in SPLITS})
    data = load_emotion(folder)
    assert data.texts["train"] == [t for t, _ in ROWS]
    assert data.labels["test"] == [0, 1, 4]
    assert set(data.checksums["files"]) == {f"{s}.jsonl" for s in SPLITS}
    assert data.checksums["content"]["train"] == data.checksums["content"]["test"]


def test_missing_split(tmp_path):
    folder = _write(tmp_path / "d", {"train": ROWS, "validation": ROWS})
    with pytest.raises(NeuroEmoError, match="test.jsonl"):
        load_emotion(folder)


def test_label_outside_range(tmp_path):
    folder = _write(tmp_path / "d", {s: [*ROWS, ("i feel odd", 6)] for s in SPLITS})
    with pytest.raises(NeuroEmoError, match="outside 0-5"):
        load_emotion(folder)


def test_missing_folder(tmp_path):
    with pytest.raises(NeuroEmoError, match="does not exist"):
        load_emotion(tmp_path / "none")


def test_unknown_split(tmp_path):
    with pytest.raises(NeuroEmoError, match="unknown split"):
        load_emotion(tmp_path, splits=("dev",))


def test_env_variable_sets_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("NEUROEMO_EMOTION_DATA", str(tmp_path))
    assert default_data_source() == str(tmp_path)
