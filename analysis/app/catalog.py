"""The finished runs under the results root, as the page lists and compares them.

Any results folder directly under the root is a run of the list, whether the app wrote it or
``neuroemo run --out results/app/NAME`` did. Its record comes from ``meta.json`` alone (no
Parquet table is read), remembered until the file changes, so listing stays instant.

run_record
    One folder -> the dict the page shows (profile and its numbers, seed, duration, backend,
    winner, readout probabilities, mean rates, the URLs of its viewer and figures).
list_runs
    Records of every results folder under the root, newest first.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from analysis.app.simulator import EMOTIONS, PROFILE_NUMBERS, REGIONS

__all__ = ["run_record", "list_runs", "FILES"]

#: Files of a run the page links to, by role (paths inside the results folder).
FILES: dict[str, str] = {
    "viewer": "viewer.html", "rates": "figures/rates.png", "readout": "figures/readout.png",
    "raster": "figures/raster.png", "modulators": "figures/modulators.png",
    "protocol": "protocol.py", "log": "app.log",
}

_cache: dict[Path, tuple[tuple[int, int], dict[str, Any]]] = {}
_cache_lock = threading.Lock()


def _readout(summary: dict[str, Any]) -> tuple[str, dict[str, float]]:
    """Winner and mean probabilities from a run's summary (the simulator's nested form, or
    the flat form of :func:`analysis.testing.write_synthetic_run`)."""
    readout = summary.get("readout") or {}
    probabilities = readout.get("probabilities") if isinstance(readout, dict) else None
    if probabilities is None and isinstance(readout, dict):
        probabilities = {k: v for k, v in readout.items() if isinstance(v, int | float)}
    winner = (readout.get("winner") if isinstance(readout, dict) else None) \
        or summary.get("winner") or ""
    ordered = {e: float(probabilities[e]) for e in EMOTIONS if e in (probabilities or {})}
    return str(winner), ordered


def run_record(folder: Path, url_prefix: str = "/results") -> dict[str, Any] | None:
    """What the page shows of one results folder (None when it has no readable meta.json).

    Parameters
    ----------
    folder : Path
        A results folder directly under the results root.
    url_prefix : str
        Where the server serves the results root.

    Returns
    -------
    dict or None
        ``name``, ``status`` ("finished"), ``profile``, ``profile_numbers``,
        ``region_levels``, ``seed``, ``backend``, ``duration_s``, ``created``, ``winner``,
        ``probabilities``, ``mean_rate_hz``, ``sentences`` (text, onset, winner),
        ``from_app``, ``warning``, and ``files`` (role -> URL of the files that exist).
    """
    meta_file = folder / "meta.json"
    try:
        stat = meta_file.stat()
    except OSError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(meta_file)
    if cached is None or cached[0] != key:
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(meta, dict):
            return None
        app = {}
        if (folder / "app.json").is_file():
            try:
                app = json.loads((folder / "app.json").read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                app = {}
        summary = meta.get("summary") or {}
        winner, probabilities = _readout(summary)
        signature = meta.get("profile_signature") or (meta.get("protocol") or {}).get(
            "profile") or {}
        signature = signature if isinstance(signature, dict) else {}
        rates = summary.get("mean_rate_hz") or {}
        record = {
            "name": folder.name, "status": "finished",
            "profile": str(meta.get("profile", "")),
            "profile_numbers": {k: signature[k] for k in PROFILE_NUMBERS if k in signature},
            "region_levels": signature.get("region_levels") or {},
            "seed": meta.get("seed"), "backend": meta.get("backend"),
            "duration_s": (float(meta["duration_ms"]) / 1000.0
                           if isinstance(meta.get("duration_ms"), int | float) else None),
            "created": meta.get("created") or app.get("created") or "",
            "winner": winner, "probabilities": probabilities,
            "mean_rate_hz": {r: float(rates[r]) for r in [*REGIONS, *sorted(rates)]
                             if r in rates and isinstance(rates[r], int | float)},
            "sentences": [{"text": s.get("text", ""), "onset_s": (s.get("onset_ms") or 0) / 1000,
                           "winner": s.get("winner", "")}
                          for s in meta.get("sentences") or [] if isinstance(s, dict)],
            "from_app": bool(app), "warning": str(app.get("warning") or ""),
        }
        with _cache_lock:
            _cache[meta_file] = (key, record)
    else:
        record = cached[1]
    files = {role: f"{url_prefix}/{folder.name}/{path}" for role, path in FILES.items()
             if (folder / path).is_file()}
    return {**record, "files": files}


def list_runs(root: Path, url_prefix: str = "/results") -> list[dict[str, Any]]:
    """Records of every results folder directly under ``root``, newest first.

    Hidden folders (the app's ``.app-jobs``, half-written ``.NAME.tmp-PID``) are skipped.
    """
    if not root.is_dir():
        return []
    records = []
    for folder in root.iterdir():
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        record = run_record(folder, url_prefix)
        if record is not None:
            records.append(record)
    records.sort(key=lambda r: (r["created"], r["name"]), reverse=True)
    return records
