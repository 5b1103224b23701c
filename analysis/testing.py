"""Synthetic results folders, for tests, examples and trying the analysis without simulating.

write_synthetic_run
    Write a complete format-1 results folder (Poisson spikes per region, rates, modulators,
    readout, inputs, neurons, synapses, meta.json) from a seed, in well under a second.
poisson_spikes
    Homogeneous Poisson spike trains for ``n`` neurons as ``(neuron, t_ms)`` arrays.
regular_spikes
    Perfectly regular trains with a random phase per neuron.

The folders follow ``docs/architecture.md`` exactly, so anything that reads them also reads
what ``neuroemo run`` writes. Nothing here imports Brian2.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brainsim.channels import EMOTIONS, MODULATORS, NO_WINNER, SENSORY_CHANNELS

__all__ = [
    "write_synthetic_run", "write_reduced_point", "poisson_spikes", "regular_spikes", "synthetic_snapshot",
    "DEFAULT_SIZES", "DEFAULT_RATES_HZ",
]

#: Neurons per region of a synthetic run (80 % excitatory).
DEFAULT_SIZES: dict[str, int] = {
    "pfc": 200, "amygdala": 100, "hippocampus": 150, "thalamus": 100, "striatum": 150,
}
#: Mean firing rate per region of a synthetic run.
DEFAULT_RATES_HZ: dict[str, float] = {
    "pfc": 8.0, "amygdala": 12.0, "hippocampus": 5.0, "thalamus": 15.0, "striatum": 6.0,
}
#: Neurons per region of a synthetic live snapshot (:func:`synthetic_snapshot`).
SNAPSHOT_SIZES: dict[str, int] = {
    "pfc": 400, "amygdala": 200, "hippocampus": 300, "thalamus": 200, "striatum": 300,
}


def synthetic_snapshot(t_ms: float, rng: np.random.Generator, step_ms: float = 50.0) -> dict:
    """A live-view snapshot shaped like the runner's (``analysis.live``), with Poisson spikes
    at 10 Hz per neuron in the ``step_ms`` before ``t_ms``, random rates and readout.

    Parameters
    ----------
    t_ms : float
        Time of the snapshot in a 2 s run.
    rng : numpy.random.Generator
        Source of the spikes and values.
    step_ms : float
        Time since the previous snapshot.

    Returns
    -------
    dict
    """
    spikes = {}
    for region, size in SNAPSHOT_SIZES.items():
        n = rng.poisson(size * 10.0 * step_ms / 1000.0)
        spikes[region] = {"neuron": rng.integers(0, size, n).tolist(),
                          "t_ms": np.sort(rng.uniform(t_ms - step_ms, t_ms, n)).tolist()}
    p = rng.dirichlet(np.ones(len(EMOTIONS)))
    return {
        "t_ms": t_ms, "duration_ms": 2000.0, "regions": dict(SNAPSHOT_SIZES), "spikes": spikes,
        "rates_hz": {r: float(rng.uniform(2, 20)) for r in SNAPSHOT_SIZES},
        "channel_rates_hz": {e: float(rng.uniform(2, 20)) for e in EMOTIONS},
        "modulators": {r: dict.fromkeys(MODULATORS, 0.5) for r in SNAPSHOT_SIZES},
        "readout": dict(zip(EMOTIONS, p.tolist(), strict=True)),
    }


_PROJECTIONS = (
    ("thalamus", "pfc"), ("thalamus", "amygdala"), ("thalamus", "striatum"),
    ("pfc", "striatum"), ("pfc", "amygdala"), ("amygdala", "striatum"),
    ("hippocampus", "pfc"), ("hippocampus", "striatum"), ("amygdala", "pfc"),
)


def poisson_spikes(
    n: int, rate_hz: float, duration_ms: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Independent homogeneous Poisson trains for ``n`` neurons.

    Returns
    -------
    neuron : numpy.ndarray of int32
    t_ms : numpy.ndarray of float64, sorted
    """
    count = rng.poisson(n * rate_hz * duration_ms / 1000.0)
    t_ms = np.sort(rng.uniform(0.0, duration_ms, count))
    neuron = rng.integers(0, n, count).astype(np.int32)
    return neuron, t_ms


def _neurons(sizes: Mapping[str, int]) -> pd.DataFrame:
    rows = []
    for region, size in sizes.items():
        n_exc = int(round(0.8 * size))
        kind = np.where(np.arange(size) < n_exc, "E", "I")
        channel = np.full(size, "", dtype=object)
        if region == "striatum":
            per = n_exc // len(EMOTIONS)
            for k, emotion in enumerate(EMOTIONS):
                channel[k * per:(k + 1) * per if k < len(EMOTIONS) - 1 else n_exc] = emotion
        rows.append(pd.DataFrame({"region": region, "neuron": np.arange(size, dtype=np.int32),
                                  "kind": kind, "channel": channel.astype(str)}))
    return pd.concat(rows, ignore_index=True)


def _population_rates(spikes: pd.DataFrame, neurons: pd.DataFrame, duration_ms: float,
                      bin_ms: float = 10.0) -> pd.DataFrame:
    edges = np.arange(0.0, duration_ms + bin_ms / 2, bin_ms)
    exc = neurons[neurons["kind"] == "E"]
    groups: list[tuple[str, str, pd.DataFrame, int]] = []
    for region, cells in exc.groupby("region", sort=False):
        groups.append((str(region), "", cells, len(cells)))
        if region == "striatum":
            for emotion, sub in cells.groupby("channel", sort=False):
                if emotion:
                    groups.append((str(region), str(emotion), sub, len(sub)))
    frames = []
    for region, channel, cells, size in groups:
        sel = spikes[(spikes["region"] == region) & spikes["neuron"].isin(cells["neuron"])]
        counts, _ = np.histogram(sel["t_ms"], edges)
        frames.append(pd.DataFrame({
            "region": region, "channel": channel, "t_ms": edges[:-1],
            "rate_hz": counts / max(size, 1) / (bin_ms / 1000.0),
        }))
    return pd.concat(frames, ignore_index=True)


def write_synthetic_run(
    path: str | Path,
    *,
    profile: str = "healthy",
    seed: int = 0,
    backend: str = "runtime",
    duration_ms: float = 1000.0,
    sizes: Mapping[str, int] | None = None,
    rates_hz: Mapping[str, float] | None = None,
    spikes: pd.DataFrame | None = None,
    winner: str = "joy",
    point: Mapping[str, Any] | None = None,
    with_sentence: bool = True,
    synapse_probability: float = 0.02,
) -> Path:
    """Write a synthetic results folder in the documented format.

    Parameters
    ----------
    path : str or pathlib.Path
        Folder to create (its parents too). It must not exist yet.
    profile, seed, backend : str, int, str
        Written to ``meta.json``; ``seed`` also seeds the random spikes.
    duration_ms : float
        Length of the run.
    sizes, rates_hz : mapping, optional
        Neurons and Poisson rate per region (defaults :data:`DEFAULT_SIZES`,
        :data:`DEFAULT_RATES_HZ`).
    spikes : pandas.DataFrame, optional
        Use these spikes (``region``, ``neuron``, ``t_ms``) instead of Poisson ones.
    winner : str
        Emotion made most probable in the readout.
    point : mapping, optional
        Sweep parameters, stored as ``meta['point']``.
    with_sentence : bool
        Put one sentence event (and its text input) at a third of the run.
    synapse_probability : float
        Connection probability of each projection.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(path)
    rng = np.random.default_rng(seed)
    sizes = dict(DEFAULT_SIZES if sizes is None else sizes)
    rates_hz = {**DEFAULT_RATES_HZ, **(rates_hz or {})}
    neurons = _neurons(sizes)

    if spikes is None:
        frames = []
        for region, size in sizes.items():
            idx, t = poisson_spikes(size, rates_hz[region], duration_ms, rng)
            frames.append(pd.DataFrame({"region": region, "neuron": idx, "t_ms": t}))
        spikes = pd.concat(frames, ignore_index=True)
    spikes = spikes[["region", "neuron", "t_ms"]].copy()
    spikes["neuron"] = spikes["neuron"].astype(np.int32)
    spikes["t_ms"] = spikes["t_ms"].astype(np.float64)
    spikes = spikes.merge(neurons[["region", "neuron", "channel"]], on=["region", "neuron"],
                          how="left")
    spikes["channel"] = spikes["channel"].fillna("").astype(str)
    spikes = spikes.sort_values("t_ms", kind="stable", ignore_index=True)

    rates = _population_rates(spikes, neurons, duration_ms)

    t_mod = np.arange(0.0, duration_ms, 1.0)
    base = {"healthy": (0.8, 0.7, 0.5), "depressed": (0.3, 0.4, 0.6),
            "anxious": (0.6, 0.5, 0.8), "impulsive": (0.5, 0.6, 0.7),
            "resilient": (0.7, 0.5, 0.6)}.get(profile, (0.5, 0.5, 0.5))
    reward_ms = duration_ms * 0.5
    mods = []
    for region in sizes:
        for m, modulator in enumerate(MODULATORS):
            level = np.full_like(t_mod, base[m])
            if modulator == "dopamine":
                after = t_mod >= reward_ms
                level[after] += 0.3 * np.exp(-(t_mod[after] - reward_ms) / 200.0)
            mods.append(pd.DataFrame({"region": region, "modulator": modulator,
                                      "t_ms": t_mod, "level": level}))
    modulators = pd.concat(mods, ignore_index=True)

    window = 50.0
    starts = np.arange(0.0, duration_ms - window / 2, window)
    logits = rng.normal(0.0, 0.3, (len(starts), len(EMOTIONS)))
    logits[:, EMOTIONS.index(winner)] += 1.5
    prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    readout = pd.DataFrame({"t_ms": starts, "t_end_ms": np.minimum(starts + window, duration_ms)})
    for k, emotion in enumerate(EMOTIONS):
        readout[emotion] = prob[:, k]
    readout["winner"] = [EMOTIONS[k] for k in prob.argmax(axis=1)]
    for k, emotion in enumerate(EMOTIONS):
        readout[f"rate_{emotion}"] = 5.0 + 10.0 * prob[:, k]

    inputs = [pd.DataFrame({"kind": "sensory", "channel": ch, "t_ms": t_mod[::10],
                            "value": 10.0 + 5.0 * k}) for k, ch in enumerate(SENSORY_CHANNELS)]
    inputs.append(pd.DataFrame({"kind": ["reward"], "channel": ["reward"], "t_ms": [reward_ms],
                                "value": [1.0]}))
    sentences = []
    if with_sentence:
        onset, length = duration_ms / 3.0, duration_ms / 5.0
        p = {e: (0.5 if e == winner else 0.1) for e in EMOTIONS}
        sentences.append({"text": "I feel wonderful today", "onset_ms": onset,
                          "duration_ms": length, "probabilities": p, "gate": 0.6,
                          "winner": winner})
        on = (t_mod >= onset) & (t_mod < onset + length)
        inputs += [pd.DataFrame({"kind": "text", "channel": e, "t_ms": t_mod[::10],
                                 "value": np.where(on[::10], 0.6 * p[e], 0.0)}) for e in EMOTIONS]
    inputs_df = pd.concat(inputs, ignore_index=True)

    syn = []
    for pre_region, post_region in _PROJECTIONS:
        if pre_region not in sizes or post_region not in sizes:
            continue
        n_pre, n_post = sizes[pre_region], sizes[post_region]
        n_syn = rng.binomial(n_pre * n_post, synapse_probability)
        syn.append(pd.DataFrame({
            "projection": f"{pre_region}_to_{post_region}", "pre_region": pre_region,
            "pre": rng.integers(0, n_pre, n_syn).astype(np.int32), "post_region": post_region,
            "post": rng.integers(0, n_post, n_syn).astype(np.int32),
            "weight_pA": rng.uniform(5.0, 50.0, n_syn), "delay_ms": rng.uniform(1.0, 5.0, n_syn),
        }))
    synapses = pd.concat(syn, ignore_index=True)

    regions = {}
    for region, size in sizes.items():
        n_exc = int((neurons[neurons["region"] == region]["kind"] == "E").sum())
        regions[region] = {"size": int(size), "n_exc": n_exc, "n_inh": int(size) - n_exc}
    summary_rates = {r: float(spikes[spikes["region"] == r].shape[0] / sizes[r]
                              / (duration_ms / 1000.0)) for r in sizes}
    # principal cells come first in each region (_neurons)
    summary_rates_exc = {r: float(((spikes["region"] == r)
                                   & (spikes["neuron"] < regions[r]["n_exc"])).sum()
                                  / regions[r]["n_exc"] / (duration_ms / 1000.0))
                         for r in sizes}
    # the summary in the runner's format (brainsim.experiment.runner.summarize)
    channel_rates = {e: float(readout[f"rate_{e}"].mean()) for e in EMOTIONS}
    top = [e for e, r in channel_rates.items() if r == max(channel_rates.values())]
    summary_readout = {
        "window_ms": [0.0, float(duration_ms)], "rates_hz": channel_rates,
        "probabilities": {e: float(readout[e].mean()) for e in EMOTIONS},
        "winner": top[0] if len(top) == 1 else NO_WINNER,
    }
    meta: dict[str, Any] = {
        "format_version": 1,
        "protocol": {"name": f"synthetic-{profile}", "profile": profile,
                     "duration": f"{duration_ms} ms"},
        "protocol_source": "# synthetic run written by analysis.testing\n",
        "profile": profile, "seed": int(seed), "backend": backend,
        "duration_ms": float(duration_ms), "dt_ms": 0.1,
        "regions": regions, "emotions": list(EMOTIONS),
        "phases": [
            {"name": "baseline", "start_ms": 0.0, "end_ms": duration_ms * 0.25},
            {"name": "stimulus", "start_ms": duration_ms * 0.25, "end_ms": duration_ms * 0.75},
            {"name": "recovery", "start_ms": duration_ms * 0.75, "end_ms": duration_ms},
        ],
        "sentences": sentences, "equations": {}, "parameters": {},
        "versions": {"analysis.testing": "synthetic"}, "git_revision": None,
        "timings_s": {"total": 0.0},
        "summary": {"mean_rate_hz": summary_rates, "mean_rate_exc_hz": summary_rates_exc,
                    "readout": summary_readout, "readout_during_sentences": []},
    }
    if point is not None:
        meta["point"] = dict(point)

    path.mkdir(parents=True)
    for name, frame in (("spikes", spikes), ("rates", rates), ("modulators", modulators),
                        ("readout", readout), ("inputs", inputs_df), ("neurons", neurons),
                        ("synapses", synapses)):
        frame.to_parquet(path / f"{name}.parquet", index=False)
    (path / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return path


def write_reduced_point(path: str | Path, keep: tuple[str, ...], *, sweep: str = "tiny",
                        **kwargs: Any) -> Path:
    """A synthetic sweep point that kept only the tables ``keep`` (``Sweep(tables=...)``).

    Parameters
    ----------
    path : str or pathlib.Path
        Folder to create, as for :func:`write_synthetic_run`.
    keep : tuple of str
        The tables the point keeps; the others' files are removed and ``meta.json`` lists
        ``tables`` and ``sweep`` as a sweep worker writes them.
    sweep : str
        The sweep's name in ``meta.json``.
    **kwargs
        Passed to :func:`write_synthetic_run`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = write_synthetic_run(path, **kwargs)
    for table in path.glob("*.parquet"):
        if table.stem not in keep:
            table.unlink()
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    meta.update(tables=list(keep), sweep=sweep)
    (path / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return path


def regular_spikes(n: int, rate_hz: float, duration_ms: float,
                   rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Perfectly regular trains (random phase per neuron) as ``(neuron, t_ms)`` arrays."""
    rng = rng or np.random.default_rng(0)
    period = 1000.0 / rate_hz
    phase = rng.uniform(0.0, period, n)
    k = np.arange(int(duration_ms / period) + 1)
    t = phase[:, None] + period * k[None, :]
    neuron = np.repeat(np.arange(n, dtype=np.int32), len(k))
    t = t.ravel()
    keep = t < duration_ms
    order = np.argsort(t[keep], kind="stable")
    return neuron[keep][order], t[keep][order]



def add_synthetic_reversal(path: str | Path, *, alpha: float, beta: float, seed: int,
                           n_trials: int = 120, p_high: float = 0.8, criterion: int = 8,
                           max_block: int = 40) -> pd.DataFrame:
    """Add a reversal-learning task to a synthetic run: the choices of a Rescorla-Wagner
    agent (learning rate ``alpha``, softmax inverse temperature ``beta``) on the task's
    schedule (reward ``p_high`` / ``1 - p_high``, reversal after ``criterion`` correct
    choices in a row or ``max_block`` trials), as ``task.parquet`` and ``meta["task"]``
    (schedule only, as a run written without the metrics hook). Returns the table."""
    path = Path(path)
    rng = np.random.default_rng([seed, 22])
    q = np.array([0.5, 0.5])
    good = int(rng.integers(2))
    streak = since = reversals = 0
    rows = []
    for trial in range(n_trials):
        p1 = 1.0 / (1.0 + np.exp(-beta * (q[1] - q[0])))
        choice = int(rng.random() < p1)
        correct = int(choice == good)
        reward = int(rng.random() < (p_high if correct else 1 - p_high))
        q[choice] += alpha * (reward - q[choice])
        streak = streak + 1 if correct else 0
        since += 1
        flip = int(streak >= criterion or since >= max_block)
        rows.append({"trial": trial, "choice": choice, "reward": reward, "correct": correct,
                     "block": reversals, "reversed_after": flip})
        if flip:
            good, streak, since, reversals = 1 - good, 0, 0, reversals + 1
    table = pd.DataFrame(rows)
    table.to_parquet(path / "task.parquet")
    meta_file = path / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["task"] = {"schedule": {"kind": "ProbabilisticReversal", "n_trials": n_trials,
                                 "criterion": criterion, "max_block": max_block}}
    meta_file.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return table
