"""``neuroemo measure-priors``: re-measure the profile priors the text branch's gate uses.

It runs the simulator, so it lives with the simulator's command line rather than in
:mod:`textbranch` (which only reads the table).
"""

from __future__ import annotations

import argparse

__all__ = ["add_subcommands"]


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``measure-priors`` on the ``neuroemo`` parser."""
    p = subparsers.add_parser(
        "measure-priors", help="re-measure the profile priors (the readout without text)",
        description="Simulate every profile without text (default network, the standard 3 s "
        "schedule, cpp_standalone) for seeds 1..N and write the mean striatal readout per "
        "profile as the prior table (what neuroemo classify fuses with the text; the gate's "
        "training reads only the profiles' levels, so it needs no retraining).",
    )
    p.add_argument("--seeds", type=int, default=8, metavar="N",
                   help="average over seeds 1..N (default 8)")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="JSON file to write (default: the shipped textbranch/profile_priors.json)")
    p.set_defaults(func=measure_priors_command)



def measure_priors_command(args: argparse.Namespace) -> int:
    """Measure every profile's prior and write the table."""
    import datetime

    from brainsim.errors import NeuroEmoError
    from brainsim.experiment.priors import PRIOR_DURATION_S, measure_priors, write_priors
    from brainsim.model.readout import TEMPERATURE_HZ

    if args.seeds < 1:
        raise NeuroEmoError(f"--seeds must be >= 1, got {args.seeds}")
    seeds = range(1, args.seeds + 1)
    priors = measure_priors(seeds)
    date = datetime.date.today().isoformat()
    source = (
        f"Measured striatal readout of the simulator without text ({date}): "
        f"`neuroemo measure-priors --seeds {args.seeds}`, default network, the standard "
        f"{PRIOR_DURATION_S:g} s schedule, seeds 1-{args.seeds}, backend cpp_standalone; per profile the mean "
        f"over seeds of the softmax of the six striatal channel rates divided by "
        f"{TEMPERATURE_HZ:g} Hz, "
        "rounded to 4 decimals (the loader renormalises). Levels are the profiles' "
        "signatures."
    )
    path = write_priors(priors, source, args.out)
    for name, prior in priors.items():
        print(f"{name:10s} " + " ".join(f"{p:.4f}" for p in prior))
    print(f"wrote {path}")
    return 0
