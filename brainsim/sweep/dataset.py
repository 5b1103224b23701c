"""A sweep folder's manifest and its Parquet dataset (one per table, partitioned by point)."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

from brainsim.sweep.spec import Sweep

MANIFEST_FORMAT = "neuroemo-sweep"
MANIFEST_VERSION = 1


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, path)


def _manifest(sweep: Sweep, out: Path, backend: str, statuses: dict[int, dict],
              workers: dict, started: str) -> dict:
    counts = {"done": 0, "failed": 0, "pending": 0}
    points = []
    for k in range(len(sweep)):
        st = statuses.get(k, {"status": "pending"})
        counts[st["status"]] = counts.get(st["status"], 0) + 1
        points.append({"index": k, "folder": f"points/{sweep.folder_name(k)}",
                       "values": sweep.point_meta(k), **st})
    return {
        "format": MANIFEST_FORMAT, "format_version": MANIFEST_VERSION,
        "name": sweep.name, "description": sweep.description,
        "sweep_file": str(sweep.path) if sweep.path else None,
        "sweep_source": sweep.source, "fingerprint": sweep.fingerprint(),
        "backend": backend, "started": started,
        "updated": datetime.now().isoformat(timespec="seconds"),
        "n_points": len(sweep), "counts": counts, "point_units": sweep.point_units(),
        "parameters": sorted({n for p in sweep.point_list for n in p}),
        "base_protocol": sweep.base.to_dict(),
        "tables": list(sweep.tables) if sweep.tables is not None else None,
        "workers": workers, "points": points,
    }


#: Folder of the partitioned Parquet dataset inside a sweep folder.
DATASET = "dataset"


def write_dataset(sweep: Sweep, out: Path, statuses: dict[int, dict]) -> Path:
    """(Re)build ``<out>/dataset`` from the finished points and return its path.

    One Parquet dataset per table the points kept (``spikes``, ``rates``, ...; see
    ``Sweep.tables``), partitioned by point in the
    Hive layout ``<table>/point=K/part-0.parquet``; the files are hard links to the points'
    own files (copies where the file system has no hard links), so nothing is stored twice.
    ``points.parquet`` has one row per point: ``point``, ``status`` and the parameter values.
    The new dataset is built beside the old one and swapped in, so readers never see half.
    """
    import pandas as pd

    final = out / DATASET
    tmp = out / f".{DATASET}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    rows = []
    for k in range(len(sweep)):
        status = statuses.get(k, {"status": "pending"})["status"]
        values = {n: v if isinstance(v, int | float | str | bool | None) else json.dumps(v)
                  for n, v in sweep.point_meta(k).items()}  # e.g. a list of sentences
        rows.append({"point": k, "status": status, **values})
        folder = out / "points" / sweep.folder_name(k)
        if status != "done" or not folder.is_dir():
            continue
        for table in sorted(folder.glob("*.parquet")):
            target = tmp / table.stem / f"point={k}" / "part-0.parquet"
            target.parent.mkdir(parents=True)
            try:
                os.link(table, target)
            except OSError:
                shutil.copy2(table, target)
    pd.DataFrame(rows).to_parquet(tmp / "points.parquet", index=False)
    old = out / f".{DATASET}.old-{os.getpid()}"
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final
