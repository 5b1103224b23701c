"""The text sub-commands through ``brainsim.cli.main`` on the shipped checkpoint."""

import json
from pathlib import Path

import pytest

from brainsim.channels import EMOTIONS
from brainsim.cli import main
from textbranch.checkpoint import DEFAULT_CHECKPOINT, load_checkpoint
from textbranch.data import default_data_source

DATA = Path(default_data_source())
needs_data = pytest.mark.skipif(
    not (DATA / "test.jsonl").is_file(),
    reason=f"emotion data not found at {DATA} (set NEUROEMO_EMOTION_DATA to a folder of "
    "train/validation/test.jsonl)",
)


def test_classify_json(capsys):
    assert main(["classify", "i feel strong", "--profile", "depressed", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["probabilities"]) == set(EMOTIONS)
    assert abs(sum(out["probabilities"].values()) - 1) < 1e-6
    assert out["winner"] == max(out["probabilities"], key=out["probabilities"].get)
    assert 0 <= out["gate"] <= 1


def test_classify_text(capsys):
    assert main(["classify", "I'm so scared of the dark!", "--profile", "anxious"]) == 0
    out = capsys.readouterr().out
    assert "winner: fear" in out and "gate:" in out


def test_classify_errors(capsys):
    assert main(["classify", "   "]) == 2
    assert "empty" in capsys.readouterr().err
    assert main(["classify", "i feel sad", "--profile", "grumpy"]) == 2
    assert "unknown profile" in capsys.readouterr().err


def test_classify_missing_checkpoint(tmp_path, capsys):
    assert main(["classify", "i feel sad", "--checkpoint", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "neuroemo train-text" in err and str(tmp_path / "none") in err


@needs_data
def test_eval_reproduces_shipped_metrics(capsys):
    assert main(["eval-text", "--data", str(DATA), "--split", "test", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    stored = json.loads((DEFAULT_CHECKPOINT / "metrics.json").read_text())["test"]
    assert report["n"] == 2000
    assert report["accuracy"] == stored["accuracy"]
    assert report["macro_f1"] == pytest.approx(stored["macro_f1"], abs=1e-12)
    assert report["confusion_matrix"] == stored["confusion_matrix"]
    assert report["data_matches_checkpoint"]


def test_eval_bad_data_folder(tmp_path, capsys):
    assert main(["eval-text", "--data", str(tmp_path)]) == 2
    assert "test.jsonl" in capsys.readouterr().err


def write_small_emotion_data(folder):
    """A small dataset in the Hub's jsonl layout: each label has its own words, so that one
    epoch learns something; the real data is not needed to test the command."""
    import numpy as np

    words = [["sad", "lonely", "hopeless"], ["happy", "glad", "cheerful"],
             ["loving", "tender", "caring"], ["angry", "furious", "annoyed"],
             ["scared", "afraid", "nervous"], ["amazed", "surprised", "shocked"]]
    rng = np.random.default_rng(0)
    folder.mkdir()
    for split, n in (("train", 480), ("validation", 120), ("test", 120)):
        with open(folder / f"{split}.jsonl", "w") as f:
            for k in range(n):
                label = k % len(words)
                text = (f"i feel {rng.choice(words[label])} "
                        f"about the {rng.choice(['day', 'news', 'trip', 'call'])}")
                f.write(json.dumps({"text": text, "label": label}) + "\n")
    return folder


@pytest.mark.slow
def test_train_text_writes_a_loadable_checkpoint(tmp_path, capsys):
    data = write_small_emotion_data(tmp_path / "data")
    out = tmp_path / "ck"
    code = main(["train-text", "--data", str(data), "--out", str(out), "--epochs", "1",
                 "--subset", "400", "--seed", "3", "--quiet"])
    assert code == 0
    ckpt = load_checkpoint(out)
    metrics = ckpt.metrics
    assert metrics["data"]["n_train"] == 400 and metrics["seed"] == 3
    assert "--subset 400" in metrics["command"]
    assert 0 <= metrics["test"]["accuracy"] <= 1 and len(metrics["history"]) == 1
    assert main(["classify", "i feel sad", "--checkpoint", str(out), "--json"]) == 0
    capsys.readouterr()
    assert main(["eval-text", "--data", str(data), "--split", "validation",
                 "--checkpoint", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accuracy"] == metrics["validation"]["accuracy"]
    # a second training replaces it only with --force, and then completely
    assert main(["train-text", "--data", str(data), "--out", str(out), "--epochs", "1",
                 "--subset", "400", "--seed", "4", "--quiet"]) == 2
    assert main(["train-text", "--data", str(data), "--out", str(out), "--epochs", "1",
                 "--subset", "400", "--seed", "4", "--quiet", "--force"]) == 0
    assert load_checkpoint(out).metrics["seed"] == 4
    assert sorted(p.name for p in out.parent.iterdir()) == ["ck", "data"]  # no leftovers


def test_train_text_refuses_to_overwrite_before_training(tmp_path, capsys):
    """Checked before any data is read: the shipped checkpoint (the default --out), another
    checkpoint without --force, a folder of other files even with --force, and a file."""
    shipped = {p.name: p.stat().st_mtime for p in DEFAULT_CHECKPOINT.iterdir()}
    missing = str(tmp_path / "no-data")  # training would fail on it: the refusal comes first
    assert main(["train-text", "--data", missing, "--quiet"]) == 2
    assert "shipped checkpoint" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime for p in DEFAULT_CHECKPOINT.iterdir()} == shipped
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep")
    assert main(["train-text", "--data", missing, "--out", str(other), "--force"]) == 2
    assert "not a checkpoint folder" in capsys.readouterr().err
    a_file = tmp_path / "model.txt"
    a_file.write_text("keep")
    assert main(["train-text", "--data", missing, "--out", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert (other / "todo.txt").read_text() == "keep" and a_file.read_text() == "keep"


@pytest.mark.slow
def test_classifier_from_reuses_stage_one_and_retrains_the_gate(tmp_path, capsys):
    import torch

    data = write_small_emotion_data(tmp_path / "data")
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["train-text", "--data", str(data), "--out", str(first), "--epochs", "1",
                 "--subset", "400", "--seed", "3", "--quiet"]) == 0
    assert main(["train-text", "--data", str(data), "--out", str(second), "--classifier-from",
                 str(first), "--seed", "5", "--quiet"]) == 0
    a, b = load_checkpoint(first), load_checkpoint(second)
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa if not k.startswith("gate."))
    assert any(not torch.equal(sa[k], sb[k]) for k in sa if k.startswith("gate."))
    assert b.metrics["validation"] == a.metrics["validation"] and b.metrics["history"] == a.metrics["history"]
    assert b.metrics["classifier_reused_from"]["seed"] == 3 and "--classifier-from" in b.metrics["command"]
    # a classifier trained on other data is refused
    (data / "train.jsonl").write_text((data / "train.jsonl").read_text().replace("about the day", "about a day", 1))
    assert main(["train-text", "--data", str(data), "--out", str(tmp_path / "third"), "--classifier-from",
                 str(first), "--quiet"]) == 2
    assert "other training data" in capsys.readouterr().err
