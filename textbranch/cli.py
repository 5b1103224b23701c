"""``neuroemo`` sub-commands of the text branch: ``train-text``, ``eval-text``, ``classify``.

``brainsim.cli`` calls :func:`add_subcommands`; each sub-command sets ``func`` to a
callable taking the parsed namespace and returning an exit code.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from brainsim.channels import EMOTIONS


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``train-text``, ``eval-text`` and ``classify`` on the ``neuroemo`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``parser.add_subparsers()``.
    """
    from textbranch.checkpoint import DEFAULT_CHECKPOINT
    from textbranch.data import HUB_NAME

    p = subparsers.add_parser(
        "train-text",
        help="train the text emotion model (BiLSTM + gate) from scratch",
        description="Train the text branch from scratch and write a checkpoint folder. The "
        "test split is evaluated once, at the end; model selection uses validation only.",
    )
    p.add_argument("--data", default=None, metavar="DIR|NAME",
                   help=f"folder of train/validation/test.jsonl or a Hub name ({HUB_NAME}); "
                   "default $NEUROEMO_EMOTION_DATA or ../shared/data/emotion")
    p.add_argument("--out", default=None, metavar="PATH",
                   help=f"checkpoint folder to write (default: the shipped {DEFAULT_CHECKPOINT})")
    p.add_argument("--epochs", type=int, default=None, metavar="N", help="maximum epochs (default 10)")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="random seed (default 13)")
    p.add_argument("--subset", type=int, default=None, metavar="N",
                   help="train on the first N training examples only (quick checks)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="torch CPU threads (default 1: robust on a shared machine, and the "
                   "shipped checkpoint was made with 1; results may differ in the last bits "
                   "with another count)")
    p.add_argument("--classifier-from", default=None, metavar="PATH",
                   help="reuse the vocabulary, encoder and emotion head (stage 1) of this "
                   "checkpoint folder and train only the gate (stage 2); the folder may be --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--force", action="store_true",
                   help="replace an existing checkpoint folder (e.g. the shipped one)")
    p.set_defaults(func=_train_text)

    p = subparsers.add_parser(
        "eval-text", help="evaluate a text checkpoint on a split of the emotion dataset",
        description="Evaluate a text-branch checkpoint (default: the shipped one) on a split "
        "of the dair-ai/emotion dataset: accuracy, macro-F1 and per-class F1, compared with "
        "the metrics stored in the checkpoint. Example: neuroemo eval-text --split validation",
    )
    p.add_argument("--data", default=None, metavar="DIR|NAME", help="data folder or Hub name")
    p.add_argument("--split", default="test", choices=("train", "validation", "test"))
    p.add_argument("--checkpoint", default=None, metavar="PATH",
                   help="checkpoint folder (default: the shipped one)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(func=_eval_text)

    p = subparsers.add_parser(
        "classify", help="emotion probabilities and gate of one sentence",
        description="Run one sentence through the text branch and print its six emotion "
        "probabilities, the winner and the gate (how much the text overrides the profile's "
        "bias, given the profile's neuromodulator levels), without simulating. Example: "
        "neuroemo classify \"i feel strong\" --profile depressed",
    )
    p.add_argument("sentence", help="the sentence (quote it)")
    p.add_argument("--profile", default="healthy", help="profile whose levels feed the gate")
    p.add_argument("--checkpoint", default=None, metavar="PATH",
                   help="checkpoint folder (default: the shipped one)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_classify)


def _command_line(args: argparse.Namespace) -> str:
    parts = ["neuroemo", "train-text"]
    for opt in ("data", "out", "epochs", "seed", "subset", "threads", "classifier_from"):
        value = getattr(args, opt)
        if value is not None:
            parts += [f"--{opt.replace('_', '-')}", str(value)]
    if args.force:
        parts.append("--force")
    return shlex.join(parts)


def _train_text(args: argparse.Namespace) -> int:
    from brainsim.errors import NeuroEmoError
    from textbranch.training import TrainConfig, train

    cfg = TrainConfig()
    if args.epochs is not None:
        if args.epochs < 1:
            raise NeuroEmoError(f"--epochs must be >= 1, got {args.epochs}")
        cfg.epochs = args.epochs
    if args.seed is not None:
        cfg.seed = args.seed
    if args.threads is not None:
        if args.threads < 1:
            raise NeuroEmoError(f"--threads must be >= 1, got {args.threads}")
        cfg.threads = args.threads
    if args.subset is not None:
        if args.subset < 100:
            raise NeuroEmoError(f"--subset must be >= 100, got {args.subset}")
        cfg.train_subset = args.subset
    if args.classifier_from is not None:
        cfg.classifier_from = args.classifier_from
    train(args.data, args.out, cfg, command=_command_line(args), progress_bar=not args.quiet,
          force=args.force)
    return 0


def _eval_text(args: argparse.Namespace) -> int:
    from textbranch.evaluation import evaluate_checkpoint

    report = evaluate_checkpoint(args.checkpoint, args.data, args.split)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"checkpoint {report['checkpoint']}")
    print(f"data {report['data_source']} split {args.split} (n={report['n']})")
    print(f"accuracy {report['accuracy']:.4f}  macro-F1 {report['macro_f1']:.4f}")
    print("per-class F1: " + "  ".join(f"{e} {f:.3f}" for e, f in report["per_class_f1"].items()))
    stored = report.get("stored_metrics")
    if stored:
        same = stored["accuracy"] == report["accuracy"] and stored["macro_f1"] == report["macro_f1"]
        print(
            f"metrics.json: accuracy {stored['accuracy']:.4f}  macro-F1 {stored['macro_f1']:.4f}  "
            + ("(reproduced)" if same else "(DIFFERENT)")
        )
    if not report.get("data_matches_checkpoint", True):
        print("note: these data files differ from the ones the checkpoint was trained on",
              file=sys.stderr)
    return 0


def _classify(args: argparse.Namespace) -> int:
    from textbranch.checkpoint import get_checkpoint
    from textbranch.inference import predict
    from textbranch.priors import get_profile

    profile = get_profile(args.profile)
    levels = {"serotonin": profile.levels[0], "dopamine": profile.levels[1],
              "norepinephrine": profile.levels[2]}
    ckpt = get_checkpoint(args.checkpoint)
    probs, gates = predict([args.sentence], levels, ckpt)
    p, g = probs[0], float(gates[0])
    winner = EMOTIONS[int(p.argmax())]
    fused = g * p + (1 - g) * profile.prior
    result = {
        "sentence": args.sentence,
        "profile": args.profile,
        "levels": levels,
        "probabilities": {e: float(v) for e, v in zip(EMOTIONS, p, strict=True)},
        "winner": winner,
        "gate": g,
        "fused": {e: float(v) for e, v in zip(EMOTIONS, fused, strict=True)},
        "fused_winner": EMOTIONS[int(fused.argmax())],
        "checkpoint": str(ckpt.path),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"sentence: {args.sentence!r}  (profile {args.profile})")
    for e in EMOTIONS:
        bar = "#" * round(40 * result["probabilities"][e])
        print(f"  {e:<9} {result['probabilities'][e]:.3f} {bar}")
    print(f"winner: {winner}")
    print(f"gate: {g:.3f}  (text overrides the profile's bias by this much)")
    print(f"fused with the {args.profile} prior: {result['fused_winner']}")
    return 0
