"""All five profiles under the same seed and schedule (one compiled build, five runs).

Results go to ``<out>/<profile>/`` (``neuroemo run protocols/profile_comparison.py --out
results/profile_comparison``; without ``--out``: ``results/profile_comparison-<time>/``);
compare them with::

    from analysis import load_runs
    runs = load_runs("results/profile_comparison")
    runs.plot.profile_comparison()
"""

from brainsim import PROFILES, Protocol, ms, run_cli, second, standard_phases

DURATION = 3 * second

protocols = [
    # dt 0.1 * ms for spike timing finer than 0.5 ms (docs/model.md)
    Protocol(name="profile_comparison", profile=name, duration=DURATION, dt=0.5 * ms, seed=1,
             phases=standard_phases(DURATION))
    for name in PROFILES
]

if __name__ == "__main__":
    run_cli(protocols)
