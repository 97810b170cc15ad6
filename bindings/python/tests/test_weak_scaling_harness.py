"""benches/scale/weak_scaling.py at toy size, so the harness cannot rot: it runs end to end (Dask LocalCluster,
1 worker), its Dask reports equal the 1-process report, and the `states` method is measured exactly when this
build has score states (Profile.score_state), reported unavailable otherwise."""

import json
import os
import subprocess
import sys

from tradewarden.drift import Profile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HARNESS = os.path.join(ROOT, "benches", "scale", "weak_scaling.py")


def test_weak_scaling_harness_runs_at_toy_size(tmp_path):
    out = tmp_path / "ws.json"
    r = subprocess.run([sys.executable, HARNESS, "--method", "exact,states", "--rows", "20000",
                        "--partition-rows", "10000", "--reference-rows", "5000", "--bytes-rows", "1000,10000",
                        "--workers", "1", "--reps", "1", "--machines", "1,2,4", "--json", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    res = json.loads(out.read_text())
    exact = res["methods"]["exact"]
    # the exact path ships every value: 8 bytes per value of each of the 4 features, ~10x for 10x rows
    small, large = exact["per_partition"]
    assert large["bytes"] > 9 * small["bytes"] and 31 < large["bytes_per_row"] < 34
    assert [e["equal"] for e in exact["end_to_end"]] == [True]
    assert exact["end_to_end"][0]["partitions"] == 2
    model = exact["model"]["1.0"]  # 1 Gbit/s
    assert [m["machines"] for m in model] == [1, 2, 4] and model[0]["efficiency"] == 1.0
    if hasattr(Profile, "score_state"):
        states = res["methods"]["states"]
        assert [e["equal"] for e in states["end_to_end"]] == [True]
    else:
        assert res["methods"]["states"] == "unavailable"
    assert "| workers |" in r.stdout and ("E < 0.8" in r.stdout or "E ≥ 0.8" in r.stdout)


def test_weak_scaling_parquet_end_to_end_at_toy_size(tmp_path):
    """--end-to-end parquet (the issue's whole job: Parquet files read, reference fitted or loaded, scored) at toy
    size: every Dask report (frozen and whole job, exact and bounded states, 1 worker) equals the 1-process
    report, each file is one partition, the bytes one partition ships are reported, and the Parquet files are
    deleted afterwards."""
    out = tmp_path / "parquet.json"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    files, rows = 4, 8000
    r = subprocess.run([sys.executable, HARNESS, "--end-to-end", "parquet", "--rows", str(rows), "--files", str(files),
                        "--workers", "1", "--reps", "1", "--state-cells", "exact,64", "--worker-rayon-threads", "1",
                        "--tmp-dir", str(scratch), "--json", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    res = json.loads(out.read_text())
    runs = res["dask"]
    assert [(e["variant"], e["states"]) for e in runs] == [("frozen", "exact"), ("frozen", "cells=64"),
                                                           ("whole", "exact"), ("whole", "cells=64")]
    assert all(e["equal"] is True and e["partitions"] == files and e["workers"] == 1 for e in runs)
    # the frozen bounded job also runs in 1 process from the saved compact scorer (the same answer)
    assert set(res["one_process"]) == {"frozen", "whole", "frozen/cells=64", "whole/cells=64"}
    assert all(e["one_process_same_answer_s"] == res["one_process"]["frozen/cells=64"]["wall_s"]
               for e in runs if (e["variant"], e["states"]) == ("frozen", "cells=64"))
    b = res["bytes"]
    # the whole job's per-file reference fit keeps the sorted values: >= 8 bytes x 6 numeric features x rows
    assert b["fit_profile_bytes"] >= 8 * 6 * (rows // files)
    assert b["state_bytes_exact"] > 0 and b["state_bytes_64"] > 0
    # the whole bounded job never ships the reference: a file's profile on the edges + its counts, kilobytes
    assert 0 < b["grid_reference_bytes_64"] < 8 * (rows // files) and b["grid_bytes_64"] < 20_000
    assert res["worker_rayon_threads"] == 1 and "Dask workers RAYON_NUM_THREADS=1" in r.stdout
    assert "| 1 process ÷ Dask |" in r.stdout
    assert list(scratch.iterdir()) == []  # the Parquet files are gone
