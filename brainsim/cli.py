"""The ``neuroemo`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from brainsim.errors import NeuroEmoError


def build_parser() -> argparse.ArgumentParser:
    """Build the ``neuroemo`` argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="neuroemo",
        description="NeuroEmoDynamics: Brian2 simulation of emotion across brain regions.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    try:
        from textbranch.cli import add_subcommands as add_text
    except ImportError:  # pragma: no cover - package being developed
        add_text = None
    try:
        from analysis.cli import add_subcommands as add_analysis
    except ImportError:  # pragma: no cover - package being developed
        add_analysis = None
    for register in (add_text, add_analysis):
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neuroemo`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except NeuroEmoError as err:
        print(f"neuroemo: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neuroemo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
