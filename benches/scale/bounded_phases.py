"""Phases of the whole bounded job (issue 22) on a Dask LocalCluster vs one process, interleaved.

    python benches/scale/bounded_phases.py --rows 2000000 --files 8 --workers 2 --rounds 3 --cells 1024

Writes a reference and a current Parquet dataset (``--files`` files each, one partition per file, ``--features``
numeric columns + one categorical), then per round, alternating: the Dask job in its phases — pass 1 (rank
summaries per reference partition, tree-merged, the grid), pass 2 (reference parts + current states, one
``dask.compute``), client merge (partition results merged, scorer, ks_bounds) — with and without ``persist()`` of
the reference between the passes; the same bounded answer in one process (``bounded_report`` on the tables read,
its own grid) and the exact one-process report (``Profile.fit(ref).score(cur)``). Also the CPU of one partition's
summary, reference part and state in this process. Every Dask result is checked bit for bit against
``bounded_report`` on its grid. Prints per-round ratios (1 process ÷ Dask) and the minimum of each phase.
"""

import argparse
import json
import os
import struct
import sys
import tempfile
import time
from typing import Any, Dict, List

import numpy as np
import pandas as pd


def write(path: str, rows: int, files: int, features: int, seed: int, shift: float) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    os.makedirs(path)
    per = rows // files
    for f in range(files):
        rng = np.random.default_rng(seed * 1000 + f)
        cols: Dict[str, Any] = {f"x{i}": rng.standard_normal(per) * (1 + i) + shift for i in range(features)}
        cols["side"] = np.array(["buy", "sell", "hold"])[rng.integers(0, 3, per)]
        pq.write_table(pa.table(cols), os.path.join(path, f"part-{f:03d}.parquet"))


def bits(features: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{k: struct.pack("<d", v).hex() if isinstance(v, float) else v for k, v in f.items()} for f in features]


def dask_phases(ref_dir: str, cur_dir: str, cells: int, persist: bool) -> Dict[str, Any]:
    import dask
    import dask.dataframe as dd

    from tradewarden import dask as twd
    from tradewarden.drift import GridCounts, Profile, ScoreState, StateScorer

    out: Dict[str, Any] = {}
    with dask.config.set({"dataframe.parquet.minimum-partition-size": 1}):
        t0 = time.perf_counter()
        ref, cur = dd.read_parquet(ref_dir), dd.read_parquet(cur_dir)
        cols = list(ref.columns)
        if persist:
            ref = ref.persist()
        grid = twd.sketch_grid(ref, cells=cells, columns=cols)
        t1 = time.perf_counter()
        blob = twd._delayed(grid.to_bytes())
        rp = ref.map_partitions(twd._grid_reference_partition, blob, cols, meta=pd.Series(dtype=object))
        cp = cur.map_partitions(twd._grid_state_partition, blob, cols, meta=pd.Series(dtype=object))
        ref_parts, cur_parts = twd._compute(rp, cp)
        t2 = time.perf_counter()
        merged_ref = twd._merge_reference_parts(*[b for b in ref_parts if b is not None])
        merged_cur = twd._merge_state_bytes(*[b for b in cur_parts if b is not None])
        scorer = StateScorer.from_grid_counts(Profile.from_bytes(merged_ref[0]), grid,
                                              GridCounts.from_bytes(merged_ref[1]))
        features = scorer.ks_bounds(ScoreState.from_bytes(merged_cur))
        t3 = time.perf_counter()
        if persist:
            del ref
    out.update(pass1_s=t1 - t0, pass2_s=t2 - t1, merge_s=t3 - t2, total_s=t3 - t0, grid=grid, features=features,
               summary_bytes=None)
    return out


def model(n: int, p: int, c_ref: float, c_cur: float, b_sum: float, b_ref: float, b_state: float,
          k_merge: float, s_task: float, bandwidth: float, every: int = 16, tree: bool = False) -> float:
    """Seconds of the whole bounded job on ``n`` machines with ``p`` reference and ``p`` current partitions each
    (weak scaling), one core per machine:

        T(N) = p·(c_ref + c_cur)                       partitions' CPU, in parallel on the machines
             + L(N)·(16·b_sum / B + t_node)           pass-1 tree: L = ⌈log_16(N·p)⌉ levels of 16-way merges
             + N·p·(b_ref + b_state) / B               pass-2 results over the client's link
             + 2·N·p·k_merge                           client merge (profiles, counts, states)
             + (2·N·p·2 + N·p/15)·s_task               the scheduler's per-task cost (one scheduler)

    with t_node ≈ 16·k_merge (a node merges 16 summaries). ``tree``: pass 2 merged in the same 16-way tree on
    the workers (``split_every=16``) — the client link and merge terms become L·16·(b_ref + b_state)/B and
    L·2·16·k_merge."""
    import math

    parts = n * p
    levels = max(1, math.ceil(math.log(max(parts, 2), every)))
    pass1 = levels * (every * b_sum / bandwidth + every * k_merge)
    if tree:
        pass2 = levels * (every * (b_ref + b_state) / bandwidth + 2 * every * k_merge)
        tasks = 2 * parts + 2 * parts / (every - 1) + parts + parts / (every - 1)
    else:
        pass2 = parts * (b_ref + b_state) / bandwidth + 2 * parts * k_merge
        tasks = 2 * parts + parts + parts / (every - 1)
    return p * (c_ref + c_cur) + pass1 + pass2 + tasks * s_task


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000, help="rows of the reference and of the current data")
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--features", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cells", type=int, default=1024)
    ap.add_argument("--worker-rayon-threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()

    import pyarrow.parquet as pq
    from distributed import Client, LocalCluster

    from tradewarden import _native
    from tradewarden import dask as twd
    from tradewarden.drift import Profile, bounded_report

    rounds: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ref_dir, cur_dir = os.path.join(tmp, "ref"), os.path.join(tmp, "cur")
        write(ref_dir, a.rows, a.files, a.features, 1, 0.0)
        write(cur_dir, a.rows, a.files, a.features, 2, 0.05)
        # one partition's CPU in this process
        t = time.process_time()
        part = pq.read_table(os.path.join(ref_dir, "part-000.parquet")).to_pandas()
        c_read = time.process_time() - t
        cols = list(part.columns)
        cpu: Dict[str, float] = {}
        t = time.process_time()
        s = twd._summary_partition(part, cols, 4096, "raise")
        cpu["summary_s"] = time.process_time() - t
        summary_bytes = sum(len(b) for b in s.iloc[0].values())
        grid = twd._merge_summaries(s)
        from tradewarden.drift import RankSummary, SketchGrid

        g = SketchGrid.from_summaries({c: RankSummary.from_bytes(b) for c, b in grid.items()}, ["side"],
                                      cells=a.cells)
        gb = g.to_bytes()
        t = time.process_time()
        twd._grid_reference_partition(part, gb, cols)
        cpu["reference_part_s"] = time.process_time() - t
        t = time.process_time()
        twd._grid_state_partition(part, gb, cols)
        cpu["state_s"] = time.process_time() - t
        print(f"one partition ({len(part)} rows, {a.features} numeric features): CPU summary "
              f"{cpu['summary_s'] * 1e3:.0f} ms ({summary_bytes / 1e3:.1f} kB), reference part "
              f"{cpu['reference_part_s'] * 1e3:.0f} ms, state {cpu['state_s'] * 1e3:.0f} ms", flush=True)
        parts8 = [twd._grid_reference_partition(part, gb, cols)] * 8  # computed outside the timing
        t = time.process_time()
        twd._merge_reference_parts(*parts8)
        k_merge = (time.process_time() - t) / 8
        rb = twd._grid_reference_partition(part, gb, cols).iloc[0]
        b_ref = len(rb[0]) + len(rb[1])
        b_state = len(twd._grid_state_partition(part, gb, cols).iloc[0])
        print(f"bytes per partition: summary {summary_bytes / 1e3:.1f} kB, reference part {b_ref / 1e3:.1f} kB, "
              f"state {b_state / 1e3:.1f} kB; client merge per reference part {k_merge * 1e3:.1f} ms", flush=True)
        env = {"RAYON_NUM_THREADS": str(a.worker_rayon_threads)}
        with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=40, env=env) as cluster, Client(cluster) as client:
            client.run(lambda: None)
            import dask.dataframe as dd

            tiny = dd.from_pandas(pd.DataFrame({"x": np.arange(2000.0)}), npartitions=200)
            tiny.map_partitions(len).compute()
            t0 = time.perf_counter()
            tiny.map_partitions(len).compute()
            s_task = (time.perf_counter() - t0) / 200
            print(f"scheduler + worker overhead per trivial task: {s_task * 1e3:.2f} ms", flush=True)
            for r in range(a.rounds):
                row: Dict[str, Any] = {"round": r}
                for persist in (False, True):
                    d = dask_phases(ref_dir, cur_dir, a.cells, persist)
                    one = bounded_report(pq.read_table(ref_dir), pq.read_table(cur_dir), grid=d["grid"])
                    assert bits(one.features) == bits(d["features"]), "Dask differs from 1 process on its grid"
                    key = "persist" if persist else "plain"
                    row[key] = {k: d[k] for k in ("pass1_s", "pass2_s", "merge_s", "total_s")}
                t0 = time.perf_counter()
                bounded_report(pq.read_table(ref_dir), pq.read_table(cur_dir), cells=a.cells)
                row["one_process_bounded_s"] = time.perf_counter() - t0
                t0 = time.perf_counter()
                Profile.fit(pq.read_table(ref_dir)).score(pq.read_table(cur_dir))
                row["one_process_exact_s"] = time.perf_counter() - t0
                rounds.append(row)
                p, q = row["plain"], row["persist"]
                print(f"round {r}: Dask plain {p['total_s']:.2f} s (pass 1 {p['pass1_s']:.2f}, pass 2 "
                      f"{p['pass2_s']:.2f}, merge {p['merge_s'] * 1e3:.0f} ms); persist {q['total_s']:.2f} s "
                      f"(pass 1 {q['pass1_s']:.2f}, pass 2 {q['pass2_s']:.2f}); 1 process bounded "
                      f"{row['one_process_bounded_s']:.2f} s, exact {row['one_process_exact_s']:.2f} s; "
                      f"exact ÷ Dask {row['one_process_exact_s'] / p['total_s']:.2f} (persist "
                      f"{row['one_process_exact_s'] / q['total_s']:.2f})", flush=True)
    # the model, from the partition CPU above (read included: c from one 1-process pass over a file)
    per = a.rows // a.files
    c_ref = cpu["summary_s"] + cpu["reference_part_s"] + 2 * c_read
    c_cur = cpu["state_s"] + c_read
    proj: Dict[str, Any] = {}
    print(f"model inputs: c_ref {c_ref:.3f} s, c_cur {c_cur:.3f} s (read {c_read:.3f} s), b_sum "
          f"{summary_bytes / 1e3:.1f} kB, b_ref {b_ref / 1e3:.1f} kB, b_state {b_state / 1e3:.1f} kB, k_merge "
          f"{k_merge * 1e3:.2f} ms, s_task {s_task * 1e3:.2f} ms", flush=True)
    for tree in (False, True):
        for gbit in (1.0, 10.0):
            bw = gbit * 1e9 / 8
            args = (c_ref, c_cur, summary_bytes, b_ref, b_state, k_merge, s_task, bw)
            t1 = model(1, 12, *args, tree=tree)
            key = f"{gbit:g} Gbit/s" + (", pass 2 tree" if tree else ", pass 2 on the client")
            proj[key] = {n: t1 / model(n, 12, *args, tree=tree) for n in (1, 2, 8, 32, 128, 512)}
            print(f"model, {key}, 12 + 12 partitions of {per} rows per machine: T(1) = {t1:.2f} s, "
                  + ", ".join(f"E({n}) = {e:.2f}" for n, e in proj[key].items()), flush=True)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"args": vars(a), "cpu_one_partition": cpu, "summary_bytes": summary_bytes,
                       "reference_part_bytes": b_ref, "state_bytes": b_state, "k_merge_s": k_merge,
                       "s_task_s": s_task, "c_read_s": c_read, "model": proj,
                       "rounds": rounds, "load": load, "native": _native.__file__}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
