"""Weak scaling of the distributed drift report (issue 22, item 4): bytes shipped per partition, per-partition
CPU time, client merge and report time, end to end on 1 process vs a Dask LocalCluster of 1 and 2 workers with
the data growing with the workers, and a model of N machines at 1 and 10 Gbit/s built from those measurements.

    python benches/scale/weak_scaling.py --quick                 # < 1 min: 600k rows per worker
    python benches/scale/weak_scaling.py                         # 6M rows per worker, 4 features (minutes)
    python benches/scale/weak_scaling.py --method states         # needs Profile.score_state (score states)
    python benches/scale/weak_scaling.py --method exact,states --json out.json
    python benches/scale/weak_scaling.py --method states --cells 1024   # bounded states: size O(K)
    python benches/scale/weak_scaling.py --end-to-end parquet --worker-rayon-threads 1   # the issue's whole job

Methods (what each current partition ships to the client):
  exact   today's exact path: the partition is fitted with keep_reference=True (its sorted values and category
          counts), the partition profiles are merged (profile_from_partitions) and scored (Profile.score_profile).
  states  per-partition score states against the broadcast reference (Profile.score_state -> ScoreState,
          merged, report from the merged state); reported as unavailable when this build has no score_state.

Data: float64 features (standard normal reference; the current data shifted by 0.05 sigma in every other
feature), generated *on the workers* from seeds (nothing is shipped from the client but the reference profile),
persisted before timing. "1 process" is ``profile.score(all current rows)`` in this process on the same rows.
Every Dask report is checked to equal the 1-process report (``equal`` column).

End to end from Parquet (``--end-to-end parquet``): the issue's original whole job (12M reference + 12M current
rows, 6 float64 + 1 string feature, 24 Parquet files each — examples/dask_drift_report.py's data) written once to
a temporary directory (deleted afterwards), then timed as a user runs it: 1 process (pyarrow read + Profile.load or
Profile.fit + score) against a Dask LocalCluster of 1 and 2 workers (dd.read_parquet, one partition per file +
tradewarden.dask.fit_profile / score with score states), variants ``frozen`` (profile fitted beforehand,
broadcast) and ``whole`` (reference fitted from Parquet too), exact states and bounded ``cells=K``; prints the bytes
one partition ships and whether 2 workers are at least as fast as 1 process. ``--worker-rayon-threads N`` sets
RAYON_NUM_THREADS of the workers (the 1-process runs keep this process's environment; both are printed).

Needs a release build of the wheel (``maturin develop --release``) for meaningful numbers; prints markdown tables
(and --json writes them).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import signal
import sys
import time
import types
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import pandas as pd

from tradewarden import drift
from tradewarden.drift import Profile, SketchGrid, StateScorer, bounded_report, profile_from_partitions

GBIT = 1e9 / 8  # bytes per second of one Gbit/s


# --- data --------------------------------------------------------------------------------------------------

def make_part(seed: int, rows: int, features: int, shift: float = 0.0) -> pd.DataFrame:
    """One partition of synthetic features (deterministic in seed)."""
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(features):
        x = rng.standard_normal(rows)
        if shift and j % 2 == 0:
            x += shift
        cols[f"f{j}"] = x
    return pd.DataFrame(cols)


def current_seed(worker: int, part: int) -> int:
    return 1_000_003 * (worker + 1) + part


# --- methods: partition -> bytes, bytes -> merged, merged -> report ----------------------------------------

class Method:
    """The three steps of a distributed report: on a worker, on the client (merge), on the client (report)."""

    def __init__(self, name: str, partition: Callable[[bytes, pd.DataFrame], bytes],
                 merge: Callable[[List[bytes]], Any], report: Callable[[Profile, Any], Any]) -> None:
        self.name, self.partition, self.merge, self.report = name, partition, merge, report


def _reference(profile_bytes: bytes) -> Profile:
    """The broadcast reference, deserialised once per worker process. The cache lives in a module registered in
    sys.modules (this script's own globals travel by value with each task's function, so a global dict here
    would not persist on a worker)."""
    cache = sys.modules.get("_tw_weak_scaling_cache")
    if cache is None:
        cache = sys.modules["_tw_weak_scaling_cache"] = types.ModuleType("_tw_weak_scaling_cache")
        cache.profiles = {}
    key = hash(profile_bytes)  # a bytes object caches its hash
    p = cache.profiles.get(key)
    if p is None:
        p = cache.profiles[key] = Profile.from_bytes(profile_bytes)
    return p


def aligned(pdf: pd.DataFrame) -> pd.DataFrame:
    """The frame itself, or a copy when a column's buffer is unaligned (a partition that travelled between
    workers can arrive at an unaligned offset of the received frame, which the native functions refuse). The
    tasks are pinned to the worker holding their partition, so this should not copy; kept as a guard."""
    if all(pdf[c].to_numpy().flags.aligned for c in pdf.columns):
        return pdf
    return pdf.copy(deep=True)


def exact_partition(profile_bytes: bytes, pdf: pd.DataFrame) -> bytes:
    # today's path (tradewarden.dask.score before score states): the current profile's bins are never used
    return Profile.fit(aligned(pdf), [0.0]).to_bytes()


def exact_method() -> Method:
    return Method("exact", exact_partition, profile_from_partitions,
                  lambda profile, merged: profile.score_profile(merged))


def _score_state_class() -> Optional[Any]:
    for name in ("ScoreState", "DriftScoreState"):
        cls = getattr(drift, name, None)
        if cls is not None:
            return cls
    return None


def states_partition(profile_bytes: bytes, pdf: pd.DataFrame, cells: Optional[int] = None) -> bytes:
    """The per-partition function tradewarden.dask.score ships when it has one (its state scorer is prepared
    once per worker from the broadcast bytes); otherwise Profile.score_state on the cached reference.
    ``cells=K``: bounded states (K grid cells per feature)."""
    try:
        from tradewarden.dask import _state_partition
    except ImportError:
        return _reference(profile_bytes).score_state(aligned(pdf), cells=cells).to_bytes()
    return _state_partition(aligned(pdf), profile_bytes, list(pdf.columns), cells).iloc[0]


def _merge_states(blobs: List[bytes]) -> Any:
    cls = _score_state_class()
    states = [cls.from_bytes(b) for b in blobs]
    if hasattr(cls, "merge_all"):
        return cls.merge_all(states)
    acc = states[0]
    for s in states[1:]:
        out = acc.merge(s)  # in place (None) or a new state
        acc = acc if out is None else out
    return acc


def _report_states(profile: Profile, state: Any) -> Any:
    if hasattr(profile, "score_states"):
        return profile.score_states(state)
    if hasattr(state, "report"):
        return state.report(profile)
    raise RuntimeError("no report from a ScoreState in this build (Profile.score_states / ScoreState.report)")


def _bounds_states(profile: Profile, state: Any) -> Any:
    """A bounded state has no single KS statistic: its report is the KS interval per feature (ks_bounds)."""
    return ("bounds", state.ks_bounds(profile))


def states_method(cells: Optional[int] = None) -> Optional[Method]:
    if not hasattr(Profile, "score_state") or _score_state_class() is None:
        return None
    if cells is None:
        return Method("states", states_partition, _merge_states, _report_states)
    return Method(f"states (cells={cells})", functools.partial(states_partition, cells=cells), _merge_states,
                  _bounds_states)


def method(name: str, cells: Optional[int] = None) -> Optional[Method]:
    if name == "exact":
        return exact_method()
    if name == "states":
        return states_method(cells)
    raise SystemExit(f"unknown method {name!r} (exact, states)")


def same_report(a: Any, b: Any) -> bool:
    """The Dask result equals the 1-process report (bounded states: the exact KS statistic lies in the state's
    interval, PSI and Jensen-Shannon are equal)."""
    if isinstance(a, tuple) and a[0] == "bounds":
        exact = {f["name"]: f for f in b.features}
        return all(r["statistic_lo"] <= exact[r["name"]]["ks"][0] <= r["statistic_hi"]
                   and r["psi"] == exact[r["name"]]["psi"] and r["jensenshannon"] == exact[r["name"]]["jensenshannon"]
                   for r in a[1])
    return ({f["name"]: f for f in a.features} == {f["name"]: f for f in b.features}
            and (a.n_drifted, a.drift_share, a.dataset_drift) == (b.n_drifted, b.drift_share, b.dataset_drift))


# --- measurements --------------------------------------------------------------------------------------------

def per_partition(m: Method, profile_bytes: bytes, rows: int, features: int, reps: int) -> Dict[str, float]:
    """Bytes one partition ships, its CPU time (process time: the rayon threads included) and wall time."""
    pdf = make_part(current_seed(0, 0), rows, features, shift=0.05)
    m.partition(profile_bytes, pdf)  # warm (the broadcast reference's deserialisation is paid once per worker)
    cpu, wall, size = [], [], 0
    for _ in range(reps):
        c0, w0 = time.process_time(), time.perf_counter()
        blob = m.partition(profile_bytes, pdf)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        size = len(blob)
    return {"rows": rows, "bytes": size, "bytes_per_row": size / rows, "cpu_s": min(cpu), "wall_s": min(wall)}


def client_side(m: Method, profile: Profile, profile_bytes: bytes, rows: int, features: int,
                counts: Sequence[int], reps: int) -> List[Dict[str, float]]:
    """Client merge and report time for P partition results of `rows` rows each."""
    blobs = [m.partition(profile_bytes, make_part(current_seed(0, i), rows, features, shift=0.05))
             for i in range(max(counts))]
    out = []
    for p in counts:
        merge_t, report_t = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            merged = m.merge(blobs[:p])
            t1 = time.perf_counter()
            m.report(profile, merged)
            t2 = time.perf_counter()
            merge_t.append(t1 - t0)
            report_t.append(t2 - t1)
        out.append({"states": p, "rows_each": rows, "merge_s": min(merge_t), "report_s": min(report_t)})
    return out


def one_process(profile: Profile, workers: int, rows_per_worker: int, partition_rows: int, features: int,
                reps: int) -> Dict[str, Any]:
    parts = [make_part(current_seed(w, i), partition_rows, features, shift=0.05)
             for w in range(workers) for i in range(rows_per_worker // partition_rows)]
    cur = pd.concat(parts, ignore_index=True)
    del parts
    times, report = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        report = profile.score(cur)
        times.append(time.perf_counter() - t0)
    return {"rows": len(cur), "wall_s": min(times), "report": report}


def on_dask(m: Method, profile: Profile, workers: int, rows_per_worker: int, partition_rows: int, features: int,
            reps: int) -> Dict[str, Any]:
    """A LocalCluster of `workers` processes (1 thread each, loopback); the current data generated on the
    workers; end to end = partition results computed and gathered + client merge + report."""
    from distributed import Client, LocalCluster, wait

    nparts = rows_per_worker // partition_rows
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:
        addrs = sorted(client.scheduler_info()["workers"])
        home = [addrs[w] for w in range(workers) for _ in range(nparts)]
        parts = [client.submit(make_part, current_seed(w, i), partition_rows, features, 0.05,
                               workers=[addrs[w]], allow_other_workers=False, pure=False)
                 for w in range(workers) for i in range(nparts)]
        wait(parts)
        pb = client.scatter(profile.to_bytes(), broadcast=True)  # the reference, once per worker
        best: Optional[Dict[str, Any]] = None
        for _ in range(reps):
            t0 = time.perf_counter()
            # each partition is processed where it lies (weak scaling: no data moves between workers)
            futs = [client.submit(m.partition, pb, part, workers=[addr], allow_other_workers=False, pure=False)
                    for part, addr in zip(parts, home)]
            blobs = client.gather(futs)
            t1 = time.perf_counter()
            merged = m.merge(blobs)
            t2 = time.perf_counter()
            report = m.report(profile, merged)
            t3 = time.perf_counter()
            run = {"wall_s": t3 - t0, "gather_s": t1 - t0, "merge_s": t2 - t1, "report_s": t3 - t2,
                   "shipped_bytes": sum(len(b) for b in blobs), "partitions": len(blobs), "report": report}
            if best is None or run["wall_s"] < best["wall_s"]:
                best = run
            del futs, blobs, merged
        assert best is not None
        return best


# --- model ----------------------------------------------------------------------------------------------------

def model(cpu_part_s: float, bytes_part: float, client_fixed_s: float, client_per_state_s: float,
          parts_per_machine: int, gbits: float, machines: Sequence[int]) -> List[Dict[str, float]]:
    """Weak scaling on N machines, each holding `parts_per_machine` partitions (one core: its partitions run one
    after the other), all partition results sent to one client over a link of `gbits` Gbit/s (the client's
    ingress is the shared bottleneck), merged and reported there:

        T(N) = p·c + N·p·b / B + a + k·N·p,    efficiency E(N) = T(1) / T(N)

    with c the CPU time of one partition, b its bytes, B the bandwidth, and a + k·S the client's merge + report
    time for S partition results (fitted on the measured client times)."""
    bw = gbits * GBIT
    p = parts_per_machine

    def t(n: int) -> float:
        return p * cpu_part_s + n * p * bytes_part / bw + client_fixed_s + client_per_state_s * n * p

    t1 = t(1)
    return [{"machines": n, "gbits": gbits, "T_s": t(n), "efficiency": t1 / t(n)} for n in machines]


def stops_scaling(rows: List[Dict[str, float]], threshold: float) -> Optional[int]:
    """The first N of the table whose efficiency falls below `threshold` (None: never within the table)."""
    for r in rows:
        if r["efficiency"] < threshold:
            return int(r["machines"])
    return None


def fit_line(points: List[Dict[str, float]]) -> "tuple[float, float]":
    """a + k·S through the client times (merge + report) measured at the smallest and largest S."""
    lo, hi = points[0], points[-1]
    y0, y1 = lo["merge_s"] + lo["report_s"], hi["merge_s"] + hi["report_s"]
    k = max((y1 - y0) / (hi["states"] - lo["states"]), 0.0)
    return max(y0 - k * lo["states"], 0.0), k


# --- end to end from Parquet (--end-to-end parquet) ------------------------------------------------------------
#
# The job of the original figure (docs/performance.md, "Drift report on Dask: 2 workers vs 1 process",
# `examples/dask_drift_report.py --rows 12000000 --files 24 --measure`): a reference and a current dataset of
# 12M rows each — 6 float64 features and 1 string feature, the example's generator — in 24 Parquet files each;
# a drift report of the current data against the reference. Variants:
#   frozen  the reference profile is fitted once beforehand (not timed) and saved; the job loads it, reads the
#           current Parquet and scores it (1 process: Profile.load + pyarrow.parquet.read_table + profile.score;
#           Dask: dd.read_parquet + tradewarden.dask.score / score_state, the profile broadcast once per worker)
#   whole   the job also reads and fits the reference. Exact states (1 process: read_table both + Profile.fit +
#           score; Dask: tradewarden.dask.fit_profile (keep_reference=True: per-file fits merged once on the
#           client) + score states). Bounded states (cells=K): the reference is never gathered —
#           tradewarden.dask.drift_report_bounded: pass 1 sketches every reference file (tree-merged, kB), pass 2
#           in one compute fits every reference file on the sketch's edges + counts it at the K sketch points and
#           scores every current file at those points; the client merges kilobytes (1 process, same answer:
#           tradewarden.drift.bounded_report on the two tables; asserted bit for bit on the Dask job's grid, and
#           the exact KS of the 1-process report asserted inside every interval)
# States: exact (cells=None: the report equals the 1-process report, asserted) or bounded (cells=K: KS as an
# interval, asserted to contain the 1-process KS; PSI and JS asserted equal; the string feature has no bounded
# statistic). Every Dask partition reads exactly one file (dask's Parquet fusion is turned off).
# Frozen + bounded: the compact scorer (StateScorer, the profile without its reference + the K-point grids) is
# saved beside the profile beforehand (not timed, as the profile); the job loads only the scorer (kilobytes),
# ships it, merges the states and reads the KS intervals from it (StateScorer.ks_bounds) — the client never
# loads the 12M-value reference. The 1-process run of the same answer (StateScorer.load + read_table +
# scorer.state + ks_bounds) is timed too, and the Dask intervals are asserted equal to it bit for bit.

def _example_module() -> types.ModuleType:
    """examples/dask_drift_report.py (its data generator and report comparison), loaded by path."""
    import importlib.util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "dask_drift_report.py")
    spec = importlib.util.spec_from_file_location("_tw_dask_drift_report_example", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_parquet_dataset(ex: types.ModuleType, path: str, rows: int, files: int, seed: int, drift: bool) -> None:
    """`files` Parquet files of rows/files rows each (one row group each), generated file by file (bounded
    memory) with the example's generator, seeded per file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(path, exist_ok=True)
    per = rows // files
    for i in range(files):
        frame = ex.make_frame(per, seed * 1000 + i, drift=drift)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), os.path.join(path, f"part-{i:04d}.parquet"),
                       row_group_size=per)


def _parquet_report_equal(ex: types.ModuleType, dist: Any, single: Any) -> bool:
    if isinstance(dist, tuple) and dist[0] == "grid-bounds":  # sketch edges: PSI/JS checked on the same grid
        exact = {f["name"]: f for f in single.features}
        return bool(dist[1]) and all(
            r["statistic_lo"] <= exact[r["name"]]["ks"][0] <= r["statistic_hi"] for r in dist[1])
    if isinstance(dist, tuple) and dist[0] == "bounds":
        exact = {f["name"]: f for f in single.features}
        return bool(dist[1]) and all(
            r["statistic_lo"] <= exact[r["name"]]["ks"][0] <= r["statistic_hi"]
            and r["psi"] == exact[r["name"]]["psi"] and r["jensenshannon"] == exact[r["name"]]["jensenshannon"]
            for r in dist[1])
    return not ex.compare(single, dist)


def _same_floats(a: List[Dict[str, Any]], b: List[Dict[str, Any]]) -> bool:
    """Equal ks_bounds lists, every float compared by its bits."""
    import struct

    def key(fs: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        return [{k: struct.pack("<d", v) if isinstance(v, float) else v for k, v in f.items()} for f in fs]

    return key(a) == key(b)


def _dask_job(variant: str, cells: Optional[int], ref_dir: str, cur_dir: str, frozen: Optional[Any],
              persist: bool = False) -> Any:
    """One Dask job (the client's side): read, (fit,) score; returns the report (bounded: ("bounds", ks_bounds)).
    ``frozen``: (the loaded Profile or StateScorer, its ``twd.prepare`` handle — the profile already sent once
    to every worker, so the job's graph carries only a reference to it). ``persist``: the whole bounded job keeps
    the reference in the workers' memory between its two passes."""
    import dask
    import dask.dataframe as dd

    from tradewarden import dask as twd

    with dask.config.set({"dataframe.parquet.minimum-partition-size": 1}):  # one partition per file
        if variant == "whole" and cells is not None:  # the reference is never gathered
            rep = twd.drift_report_bounded(dd.read_parquet(ref_dir), dd.read_parquet(cur_dir), cells=cells,
                                           persist=persist)
            return ("grid-bounds", rep.features, rep.grid)
        cur = dd.read_parquet(cur_dir)
        if variant == "frozen":
            assert frozen is not None
            loaded, handle = frozen
            if cells is None:
                return twd.score(handle, cur, method="states")
            return ("bounds", loaded.ks_bounds(twd.score_state(handle, cur)))
        profile = twd.fit_profile(dd.read_parquet(ref_dir))
        if cells is None:
            return twd.score(profile, cur, method="states")
        state = twd.score_state(profile, cur, cells=cells)
        return ("bounds", state.ks_bounds(profile))


def parquet_main(a: argparse.Namespace) -> int:
    import tempfile

    import dask.dataframe as dd
    import pyarrow.parquet as pq
    from distributed import Client, LocalCluster

    from tradewarden import dask as twd
    from tradewarden.dask import _fit_partition

    # a run stopped with SIGTERM (timeout, kill) still leaves through the with-blocks below: the cluster is
    # closed and the temporary Parquet files are deleted
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ex = _example_module()
    rows = a.rows or 12_000_000
    files = a.files
    reps = a.reps or 3
    worker_counts = [int(x) for x in a.workers.split(",")]
    variants = [v.strip() for v in a.variants.split(",")]
    options: List[Optional[int]] = [None if o.strip() == "exact" else int(o) for o in a.state_cells.split(",")]
    if rows % files:
        raise SystemExit(f"--rows {rows} must be a multiple of --files {files}")
    for v in variants:
        if v not in ("frozen", "whole"):
            raise SystemExit(f"unknown variant {v!r} (frozen, whole)")
    worker_env = {} if a.worker_rayon_threads is None else {"RAYON_NUM_THREADS": str(a.worker_rayon_threads)}

    load = os.getloadavg()
    print(f"# end to end from Parquet — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}; python {platform.python_version()}; this process (1-process runs, client) "
          f"RAYON_NUM_THREADS={os.environ.get('RAYON_NUM_THREADS', 'unset')}; Dask workers RAYON_NUM_THREADS="
          f"{worker_env.get('RAYON_NUM_THREADS', 'inherited: ' + os.environ.get('RAYON_NUM_THREADS', 'unset'))}")
    print(f"data: reference and current {rows:,} rows each (6 float64 + 1 string feature, "
          f"examples/dask_drift_report.py's generator), {files} Parquet files each ({rows // files:,} rows, one row "
          f"group); reps {reps} (minimum reported)\n")

    results: Dict[str, Any] = {"mode": "parquet", "load_average": load, "rows": rows, "files": files, "reps": reps,
                               "worker_rayon_threads": a.worker_rayon_threads,
                               "rayon_threads_here": os.environ.get("RAYON_NUM_THREADS"), "one_process": {},
                               "dask": [], "bytes": {}}
    with tempfile.TemporaryDirectory(prefix="tw-weak-parquet-", dir=a.tmp_dir) as tmp:
        ref_dir, cur_dir = os.path.join(tmp, "reference"), os.path.join(tmp, "current")
        t0 = time.perf_counter()
        write_parquet_dataset(ex, ref_dir, rows, files, 7, drift=False)
        write_parquet_dataset(ex, cur_dir, rows, files, 8, drift=True)
        on_disk = sum(os.path.getsize(os.path.join(d, f)) for d in (ref_dir, cur_dir) for f in os.listdir(d))
        print(f"written in {time.perf_counter() - t0:.1f} s: {human_bytes(on_disk)} of Parquet (both datasets)",
              flush=True)

        # the frozen reference profile: fitted once, saved (not timed)
        profile_path = os.path.join(tmp, "reference.twdp")
        frozen = Profile.fit(pq.read_table(ref_dir))
        frozen.save(profile_path)
        profile_bytes = len(frozen.to_bytes())
        # the compact scorers of the bounded grids, saved beside it (not timed either)
        scorer_paths = {}
        for cells in options:
            if cells is not None:
                scorer_paths[cells] = os.path.join(tmp, f"reference-{cells}.twsc")
                StateScorer.from_profile(frozen, cells).save(scorer_paths[cells])

        # bytes one partition (one file) ships: its reference fit (whole job) and its score state
        ref0 = pd.read_parquet(os.path.join(ref_dir, "part-0000.parquet"))
        cur0 = pd.read_parquet(os.path.join(cur_dir, "part-0000.parquet"))
        fit_blob = _fit_partition(ref0, list(ref0.columns), 10, "quantile", "raise", True).iloc[0]
        per_part = {"fit_profile_bytes": len(fit_blob), "broadcast_profile_bytes": profile_bytes}
        for cells in options:
            per_part[f"state_bytes_{'exact' if cells is None else cells}"] = len(
                frozen.score_state(cur0, cells=cells).to_bytes())
        for cells in options:  # the whole bounded job: a reference file's profile on the edges + grid counts
            if cells is not None:
                from tradewarden.dask import _grid_reference_partition

                grid_blob = SketchGrid.from_reference(ref0, cells=cells).to_bytes()
                p, c = _grid_reference_partition(ref0, grid_blob, list(ref0.columns)).iloc[0]
                per_part[f"grid_reference_bytes_{cells}"] = len(p) + len(c)
                per_part[f"grid_bytes_{cells}"] = len(grid_blob)
        del ref0, cur0, fit_blob
        results["bytes"] = per_part
        print(f"bytes per partition ({rows // files:,} rows): reference fit (whole job) "
              f"{human_bytes(per_part['fit_profile_bytes'])}; score state "
              + ", ".join(f"{k[len('state_bytes_'):]} {human_bytes(v)}" for k, v in per_part.items()
                          if k.startswith("state_bytes_"))
              + "".join(f"; whole bounded job, reference file {k[len('grid_reference_bytes_'):]} cells: "
                        f"{human_bytes(v)}" for k, v in per_part.items() if k.startswith("grid_reference_bytes_"))
              + f"; the frozen profile broadcast once per worker per job: {human_bytes(profile_bytes)}\n", flush=True)

        # 1 process, as a user runs it
        single: Dict[str, Any] = {}
        for v in variants:
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                if v == "frozen":
                    report = Profile.load(profile_path).score(pq.read_table(cur_dir))
                else:
                    report = Profile.fit(pq.read_table(ref_dir)).score(pq.read_table(cur_dir))
                times.append(time.perf_counter() - t0)
                single[v] = report
                del report
            results["one_process"][v] = {"wall_s": min(times), "all_s": times}
            print(f"1 process, {v}: {min(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)})", flush=True)
            if v != "frozen":
                for cells in scorer_paths:  # the whole bounded job in 1 process (its own sketch grid)
                    times = []
                    for _ in range(reps):
                        t0 = time.perf_counter()
                        rep = bounded_report(pq.read_table(ref_dir), pq.read_table(cur_dir), cells=cells)
                        times.append(time.perf_counter() - t0)
                        del rep
                    results["one_process"][f"whole/cells={cells}"] = {"wall_s": min(times), "all_s": times}
                    print(f"1 process, whole, cells={cells} (bounded_report): {min(times):.2f} s (runs "
                          f"{', '.join(f'{t:.2f}' for t in times)})", flush=True)
                continue
            for cells, path in scorer_paths.items():  # the same answer as the bounded Dask job, in 1 process
                times = []
                for _ in range(reps):
                    t0 = time.perf_counter()
                    sc = StateScorer.load(path)
                    bounds = ("bounds", sc.ks_bounds(sc.state(pq.read_table(cur_dir))))
                    times.append(time.perf_counter() - t0)
                single[f"frozen/{cells}"] = bounds
                results["one_process"][f"frozen/cells={cells}"] = {"wall_s": min(times), "all_s": times}
                print(f"1 process, frozen, cells={cells} (scorer): {min(times):.2f} s (runs "
                      f"{', '.join(f'{t:.2f}' for t in times)})", flush=True)
        if "frozen" in single and "whole" in single:
            assert not ex.compare(single["frozen"], single["whole"]), "frozen and whole 1-process reports differ"

        for w in worker_counts:
            with LocalCluster(n_workers=w, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None, silence_logs=40, env=worker_env) as cluster, \
                    Client(cluster) as client:
                client.run(lambda: None)  # workers up
                parts = dd.read_parquet(cur_dir).npartitions
                for v in variants:
                    for cells in options:
                        times, equal = [], True
                        frozen: Optional[Any] = None
                        prepare_s = None
                        if v == "frozen":  # loaded and sent to every worker once, before the jobs (timed apart)
                            t0 = time.perf_counter()
                            loaded = Profile.load(profile_path) if cells is None else StateScorer.load(
                                scorer_paths[cells])
                            frozen = (loaded, twd.prepare(loaded, client))
                            prepare_s = time.perf_counter() - t0
                        for _ in range(reps):
                            t0 = time.perf_counter()
                            out = _dask_job(v, cells, ref_dir, cur_dir, frozen, persist=a.persist_reference)
                            times.append(time.perf_counter() - t0)
                            equal = equal and _parquet_report_equal(ex, out, single[v])
                            if v == "frozen" and cells is not None:  # bit for bit the 1-process intervals
                                equal = equal and out == single[f"frozen/{cells}"]
                            if v == "whole" and cells is not None:  # bit for bit 1 process on the same grid
                                again = bounded_report(pq.read_table(ref_dir), pq.read_table(cur_dir), grid=out[2])
                                equal = equal and _same_floats(again.features, out[1])
                            del out
                        if frozen is not None:
                            frozen[1].release()
                            del frozen
                        same = results["one_process"].get(f"{v}/cells={cells}", results["one_process"][v])
                        results["dask"].append({"workers": w, "variant": v,
                                                "states": "exact" if cells is None else f"cells={cells}",
                                                "partitions": parts, "wall_s": min(times), "all_s": times,
                                                "one_process_s": results["one_process"][v]["wall_s"],
                                                "one_process_same_answer_s": same["wall_s"],
                                                "prepare_s": prepare_s, "equal": equal})
                        print(f"Dask {w} worker(s), {v}, {results['dask'][-1]['states']}: {min(times):.2f} s (runs "
                              f"{', '.join(f'{t:.2f}' for t in times)})"
                              + ("" if prepare_s is None else f", prepare (load + send once per worker) "
                                 f"{prepare_s:.2f} s") + f", equal {equal}", flush=True)
    # the temporary directory (the Parquet files) is deleted here

    print(table(["1-process job", "s"], [[v, f"{r['wall_s']:.2f}"] for v, r in results["one_process"].items()]))
    print()
    print(table(["variant", "states", "workers", "partitions", "Dask s", "1 process s", "1 process ÷ Dask",
                 "1 process, same answer s", "÷ Dask", "2 workers ≥ 1 process", "equal"],
                [[r["variant"], r["states"], r["workers"], r["partitions"], f"{r['wall_s']:.2f}",
                  f"{r['one_process_s']:.2f}", f"{r['one_process_s'] / r['wall_s']:.2f}",
                  f"{r['one_process_same_answer_s']:.2f}", f"{r['one_process_same_answer_s'] / r['wall_s']:.2f}",
                  ("yes" if r["wall_s"] <= r["one_process_s"] else "no") if r["workers"] >= 2 else "-",
                  r["equal"]] for r in results["dask"]]))
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    results["load_average_end"] = load
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1, default=float)
    if not all(r["equal"] for r in results["dask"]):
        print("ERROR: a Dask report differs from the 1-process report", file=sys.stderr)
        return 1
    return 0


# --- output ---------------------------------------------------------------------------------------------------

def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--method", default="exact", help="comma-separated: exact, states (default exact)")
    ap.add_argument("--quick", action="store_true", help="small sizes: the whole run in < 1 min")
    ap.add_argument("--rows", type=int, default=None, help="current rows per worker (default 6M, quick 600k)")
    ap.add_argument("--partition-rows", type=int, default=None, help="rows per partition (default 1M, quick 150k)")
    ap.add_argument("--features", type=int, default=4)
    ap.add_argument("--reference-rows", type=int, default=None, help="reference rows (default 1M, quick 200k)")
    ap.add_argument("--bytes-rows", default=None,
                    help="rows per partition for the bytes/CPU table, comma-separated (default 100000,1000000; "
                         "quick 20000,200000)")
    ap.add_argument("--merge-states", default="2,8", help="partition results merged on the client (default 2,8)")
    ap.add_argument("--workers", default="1,2", help="Dask worker counts (default 1,2)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions, the minimum is reported (default 3, quick 1)")
    ap.add_argument("--machines", default="1,2,4,8,16,32,64,128,256", help="N of the model")
    ap.add_argument("--cells", type=int, default=None,
                    help="states only: bounded score states of K cells per feature (KS as an interval of width "
                         "<= 1/K; the equality check becomes: exact KS inside the interval, PSI and JS equal)")
    ap.add_argument("--json", default=None, help="also write the measurements as JSON here")
    ap.add_argument("--end-to-end", choices=["parquet"], default=None,
                    help="parquet: the issue's whole job instead (reference + current written to Parquet files, "
                         "read, fitted/loaded and scored; 1 process vs Dask; --rows defaults to 12M per dataset)")
    ap.add_argument("--files", type=int, default=24, help="parquet: files (= Dask partitions) per dataset (24)")
    ap.add_argument("--variants", default="frozen,whole",
                    help="parquet: frozen (reference profile fitted beforehand and broadcast), whole (fit the "
                         "reference from Parquet too)")
    ap.add_argument("--state-cells", default="exact,1024",
                    help="parquet: score states, comma-separated: exact and/or K (bounded, K cells)")
    ap.add_argument("--worker-rayon-threads", type=int, default=None,
                    help="parquet: RAYON_NUM_THREADS of the Dask worker processes (default: inherited from this "
                         "process; the 1-process runs use this process's own setting, as printed)")
    ap.add_argument("--tmp-dir", default=None, help="parquet: where the temporary Parquet directory is made")
    ap.add_argument("--persist-reference", action="store_true",
                    help="parquet, whole bounded job: keep the reference in the workers' memory between its passes")
    a = ap.parse_args(argv)
    if a.end_to_end == "parquet":
        return parquet_main(a)

    q = a.quick
    rows_per_worker = a.rows or (600_000 if q else 6_000_000)
    partition_rows = a.partition_rows or (150_000 if q else 1_000_000)
    reference_rows = a.reference_rows or (200_000 if q else 1_000_000)
    bytes_rows = [int(x) for x in (a.bytes_rows or ("20000,200000" if q else "100000,1000000")).split(",")]
    merge_counts = sorted(int(x) for x in a.merge_states.split(","))
    worker_counts = [int(x) for x in a.workers.split(",")]
    reps = a.reps or (1 if q else 3)
    machines = [int(x) for x in a.machines.split(",")]
    if rows_per_worker % partition_rows:
        raise SystemExit(f"--rows {rows_per_worker} must be a multiple of --partition-rows {partition_rows}")
    parts_per_worker = rows_per_worker // partition_rows

    load = os.getloadavg()
    print(f"# weak scaling ({'quick' if q else 'full'} mode) — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}; python {platform.python_version()}; RAYON_NUM_THREADS="
          f"{os.environ.get('RAYON_NUM_THREADS', 'unset')}")
    print(f"data: {a.features} float64 features; reference {reference_rows:,} rows (bins 10, keep_reference); "
          f"current {rows_per_worker:,} rows per worker in {parts_per_worker} partitions of {partition_rows:,}; "
          f"reps {reps} (minimum reported)\n")

    reference = make_part(7, reference_rows, a.features)
    profile = Profile.fit(reference)
    profile_bytes = profile.to_bytes()
    del reference
    print(f"reference profile: {human_bytes(len(profile_bytes))} (broadcast once per worker)\n")

    results: Dict[str, Any] = {"mode": "quick" if q else "full", "load_average": load, "features": a.features,
                               "reference_rows": reference_rows, "rows_per_worker": rows_per_worker,
                               "partition_rows": partition_rows, "methods": {}}
    single = {w: one_process(profile, w, rows_per_worker, partition_rows, a.features, reps) for w in worker_counts}

    for name in a.method.split(","):
        m = method(name.strip(), a.cells)
        if m is None:
            print(f"## method {name}: unavailable (this build of tradewarden has no Profile.score_state)\n")
            results["methods"][name] = "unavailable"
            continue
        print(f"## method {m.name}\n")
        parts = [per_partition(m, profile_bytes, r, a.features, reps) for r in bytes_rows]
        print(table(["rows / partition", "bytes shipped / partition", "bytes / row", "CPU s / partition",
                     "wall s / partition"],
                    [[f"{p['rows']:,}", human_bytes(p["bytes"]), f"{p['bytes_per_row']:.3f}", f"{p['cpu_s']:.4f}",
                      f"{p['wall_s']:.4f}"] for p in parts]))
        growth = parts[-1]["bytes"] / parts[0]["bytes"]
        print(f"\nbytes per partition ×{growth:.2f} for rows ×{bytes_rows[-1] / bytes_rows[0]:g}\n")

        client = client_side(m, profile, profile_bytes, partition_rows, a.features, merge_counts, reps)
        print(table(["partition results merged", "rows each", "client merge s", "report s"],
                    [[c["states"], f"{c['rows_each']:,}", f"{c['merge_s']:.4f}", f"{c['report_s']:.4f}"]
                     for c in client]))
        fixed, per_state = fit_line(client)
        print(f"\nclient time (merge + report) ≈ {fixed:.4f} s + {per_state:.4f} s × partition results\n")

        e2e = []
        for w in worker_counts:
            d = on_dask(m, profile, w, rows_per_worker, partition_rows, a.features, reps)
            s = single[w]
            e2e.append({"workers": w, "rows": s["rows"], "one_process_s": s["wall_s"], "dask_s": d["wall_s"],
                        "gather_s": d["gather_s"], "merge_s": d["merge_s"], "report_s": d["report_s"],
                        "shipped_bytes": d["shipped_bytes"], "partitions": d["partitions"],
                        "equal": same_report(d["report"], s["report"])})
        t1 = e2e[0]["dask_s"] if e2e and e2e[0]["workers"] == 1 else None
        print(table(["workers", "current rows", "1 process s", "Dask s", "Dask: compute+gather / merge / report s",
                     "shipped", "1 process ÷ Dask", "weak efficiency T(1 w) ÷ T(w)", "equal"],
                    [[r["workers"], f"{r['rows']:,}", f"{r['one_process_s']:.3f}", f"{r['dask_s']:.3f}",
                      f"{r['gather_s']:.3f} / {r['merge_s']:.3f} / {r['report_s']:.3f}",
                      human_bytes(r["shipped_bytes"]), f"{r['one_process_s'] / r['dask_s']:.2f}",
                      f"{t1 / r['dask_s']:.2f}" if t1 else "-", r["equal"]] for r in e2e]))
        print()

        # the model uses the partitions of the end-to-end run (partition_rows rows each)
        at = per_partition(m, profile_bytes, partition_rows, a.features, reps)
        proj = {g: model(at["cpu_s"], at["bytes"], fixed, per_state, parts_per_worker, g, machines) for g in (1.0, 10.0)}
        print(f"model: {parts_per_worker} partitions of {partition_rows:,} rows per machine, "
              f"c = {at['cpu_s']:.4f} CPU s and b = {human_bytes(at['bytes'])} per partition, client "
              f"a = {fixed:.4f} s, k = {per_state:.5f} s per partition result\n")
        print(table(["machines N"] + [f"T(N) s @ {g:g} Gbit/s" for g in proj] + [f"E(N) @ {g:g} Gbit/s" for g in proj],
                    [[n] + [f"{proj[g][i]['T_s']:.2f}" for g in proj] + [f"{proj[g][i]['efficiency']:.2f}" for g in proj]
                     for i, n in enumerate(machines)]))
        if t1:
            print(f"\nmodel T(1) {proj[10.0][0]['T_s']:.3f} s @ 10 Gbit/s vs measured Dask, 1 worker, {t1:.3f} s (the "
                  f"difference is per-task scheduling and (de)serialisation, not in the model)")
        for g in proj:
            below = {thr: stops_scaling(proj[g], thr) for thr in (0.8, 0.5)}
            said = ", ".join(f"E < {thr} from N = {n}" if n else f"E ≥ {thr} up to N = {machines[-1]}"
                             for thr, n in below.items())
            print(f"\n{g:g} Gbit/s: {said}")
        print()
        for r in e2e:
            r.pop("report", None)
        results["methods"][m.name] = {"per_partition": parts, "client": client, "client_fit": [fixed, per_state],
                                      "end_to_end": e2e, "model_partition": at, "model": proj}
        if not all(r["equal"] for r in e2e):
            print("ERROR: a Dask report differs from the 1-process report", file=sys.stderr)
            return 1

    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
