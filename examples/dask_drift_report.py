"""A drift report over partitioned Parquet on a Dask cluster, checked against the single-machine report.

Writes a reference and a current dataset (seeded, several Parquet files each) under a temporary
directory, starts a ``distributed.LocalCluster`` with 2 worker processes on loopback, fits the
reference profile per partition and merges it (``tradewarden.dask.fit_profile``), scores the current
data the same way (``tradewarden.dask.score``), and compares every number with
``Profile.fit(reference).score(current)`` computed in this process. Exit status 1 if they differ.

    python examples/dask_drift_report.py                      # small: 200k rows, 8 files each
    python examples/dask_drift_report.py --rows 20000000 --files 32 --measure   # timing for docs/performance.md

Needs ``pip install tradewarden 'dask[dataframe]' distributed pyarrow``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

NUMERIC = ["ret_1m", "ret_5m", "volume_z", "spread_bps", "momentum", "imbalance"]


def make_frame(rows: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = {
        "ret_1m": rng.standard_t(4, rows) * 1e-3,
        "ret_5m": rng.standard_t(4, rows) * 2.2e-3,
        "volume_z": rng.standard_normal(rows),
        "spread_bps": rng.lognormal(0.5, 0.4, rows),
        "momentum": rng.standard_normal(rows) * 0.8,
        "imbalance": rng.uniform(-1, 1, rows),
    }
    regimes = np.array(["calm", "trend", "volatile"])
    p = [0.6, 0.3, 0.1]
    if drift:  # two features and the regime mix move
        d["spread_bps"] = rng.lognormal(0.9, 0.5, rows)
        d["momentum"] = d["momentum"] + 0.4
        p = [0.45, 0.3, 0.25]
    d["regime"] = regimes[rng.choice(3, rows, p=p)]
    return pd.DataFrame(d)


def write_parts(frame: pd.DataFrame, path: str, files: int) -> None:
    os.makedirs(path, exist_ok=True)
    per = math.ceil(len(frame) / files)
    for i in range(files):
        part = frame.iloc[i * per:(i + 1) * per]
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), os.path.join(path, f"part-{i:04d}.parquet"))


def feature_rows(report) -> dict:
    return {f["name"]: f for f in report.features}


def compare(single, dist) -> list:
    """Names of the numbers that differ (exact comparison: both sides compute from the same values)."""
    a, b = feature_rows(single), feature_rows(dist)
    diffs = []
    if set(a) != set(b):
        return [f"features {sorted(a)} vs {sorted(b)}"]
    for name in a:
        for key, va in a[name].items():
            vb = b[name][key]
            if va != vb and not (isinstance(va, float) and isinstance(vb, float) and math.isnan(va) and math.isnan(vb)):
                diffs.append(f"{name}.{key}: {va!r} vs {vb!r}")
    for key in ("n_drifted", "drift_share", "dataset_drift"):
        if getattr(single, key) != getattr(dist, key):
            diffs.append(f"{key}: {getattr(single, key)!r} vs {getattr(dist, key)!r}")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000, help="rows of the reference and of the current data")
    ap.add_argument("--files", type=int, default=8, help="Parquet files (partitions) per dataset")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--measure", action="store_true", help="time the single-process and the cluster report")
    args = ap.parse_args()

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from tradewarden import dask as twd
    from tradewarden.drift import Profile

    with tempfile.TemporaryDirectory(prefix="tw-dask-") as tmp:
        ref_dir, cur_dir = os.path.join(tmp, "reference"), os.path.join(tmp, "current")
        write_parts(make_frame(args.rows, 7, drift=False), ref_dir, args.files)
        write_parts(make_frame(args.rows, 8, drift=True), cur_dir, args.files)

        # single machine: read everything into this process, fit, score
        t0 = time.perf_counter()
        ref_pdf, cur_pdf = pd.read_parquet(ref_dir), pd.read_parquet(cur_dir)
        single = Profile.fit(ref_pdf).score(cur_pdf)
        t_single = time.perf_counter() - t0
        del ref_pdf, cur_pdf

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster):
            ref, cur = dd.read_parquet(ref_dir), dd.read_parquet(cur_dir)
            t0 = time.perf_counter()
            profile = twd.fit_profile(ref)
            dist = twd.score(profile, cur)
            t_dist = time.perf_counter() - t0

        diffs = compare(single, dist)
        drifted = sorted(f["name"] for f in dist.features if f["drift"])
        print(f"rows={args.rows} files={args.files} workers={args.workers} partitions={ref.npartitions}")
        print(f"drifted={drifted} dataset_drift={dist.dataset_drift}")
        print(f"equal={not diffs}")
        for d in diffs[:20]:
            print("  differs:", d)
        if args.measure:
            print(f"single_process_s={t_single:.2f} cluster_s={t_dist:.2f} ratio={t_single / t_dist:.2f}")
        return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
