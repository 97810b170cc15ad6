"""Side-by-side benchmark: tradewarden against the tools users would pick instead,
same data, same process, outputs checked for equality.

    python benches/compare/compare.py --quick         # small sizes, numpy/scipy peers (run by ./scripts/test)
    python benches/compare/compare.py                 # full sizes, every peer installed (requirements.txt)
    python benches/compare/compare.py --write-docs    # also replace the table in docs/performance.md

Full mode in a venv of its own (peers pinned in requirements.txt, the wheel built in release):

    python3 -m venv /tmp/cmpvenv
    /tmp/cmpvenv/bin/pip install -r benches/compare/requirements.txt maturin
    CARGO_TARGET_DIR=/tmp/cmp-target /tmp/cmpvenv/bin/maturin build --release \\
        -m bindings/python/Cargo.toml -o /tmp/cmpwheels -i /tmp/cmpvenv/bin/python
    /tmp/cmpvenv/bin/pip install --force-reinstall --no-deps /tmp/cmpwheels/tradewarden-*.whl
    /tmp/cmpvenv/bin/python benches/compare/compare.py --write-docs --wheel-commit $(git rev-parse --short HEAD)

Each workload is timed as the median of >= 5 runs after one warm-up call, the
peer's and our runs alternating (peer first, then ours first, ...) so that load
from other processes falls on both.
The script exits non-zero if any output disagrees beyond its tolerance.

Full mode also runs, when their peers are installed: Evidently's PSI and its
DataDriftPreset report (time, and peak memory in one subprocess per contender),
the MLP rows against onnxruntime (graph built by onnx_mlp.py's builder on the
same weights), prometheus_client's counter/histogram per call, and the
skfolio S&P 500 stock prices. A "target" column states the issue's speed
targets and whether this run met them (missing a target does not fail the
run; disagreeing outputs do). benches/compare/onnx_mlp.py is also a script of
its own (more models checked, per-call percentiles, --threads).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import re
import subprocess
import platform
import statistics
import sys
import time
import warnings

import numpy as np

import tradewarden.drift as twd
import tradewarden.returns as tw

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def timeit(f, repeat, warmup=True):
    if warmup:
        f()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def timeit_pair(peer, ours, repeat):
    """Both warmed up, then `repeat` runs of each, alternating (peer first on even runs, ours first on
    odd ones) so that load from other processes on a shared machine falls on both; medians."""
    peer()
    ours()
    ts = ([], [])
    outs = [None, None]
    for i in range(repeat):
        for who in ((0, 1) if i % 2 == 0 else (1, 0)):
            f = (peer, ours)[who]
            t = time.perf_counter()
            outs[who] = f()
            ts[who].append(time.perf_counter() - t)
    return statistics.median(ts[0]), outs[0], statistics.median(ts[1]), outs[1]


def close(a, b, rtol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all((np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=rtol, atol=1e-12)))


# --- numpy implementations of empyrical's formulas (the quick-mode peer) ---
def numpy_five(r):
    ann = 252.0
    mean = r.mean()
    std = r.std(ddof=1)
    sharpe = mean / std * np.sqrt(ann)
    down = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2)) * np.sqrt(ann)
    sortino = mean * ann / down
    wealth = np.cumprod(1.0 + r)
    peak = np.maximum(np.maximum.accumulate(wealth), 1.0)
    mdd = np.min(wealth / peak - 1.0)
    annual = wealth[-1] ** (ann / len(r)) - 1.0
    vol = std * np.sqrt(ann)
    return [sharpe, sortino, mdd, annual, vol]


def tw_five(r):
    m = tw.core_metrics(r)
    return [m["sharpe_ratio"], m["sortino_ratio"], m["max_drawdown"], m["annual_return"], m["annual_volatility"]]


def workloads(quick):
    rng = np.random.default_rng(20261123)
    n = 200_000 if quick else 10_000_000
    r = (rng.random(n) - 0.5) * 0.034641 + 0.00005
    out = [
        dict(name=f"5 returns metrics, {n:,} values", peer="numpy (empyrical's formulas)",
             peer_fn=lambda: numpy_five(r), ours=lambda: tw_five(r), rtol=1e-9),
    ]
    if not quick:
        try:
            import empyrical as ep

            out.append(dict(
                name=f"5 returns metrics, {n:,} values", peer="empyrical-reloaded",
                peer_fn=lambda: [ep.sharpe_ratio(r), ep.sortino_ratio(r), ep.max_drawdown(r),
                                 ep.annual_return(r), ep.annual_volatility(r)],
                ours=lambda: tw_five(r), rtol=1e-9, target=30))
        except ImportError:
            print("empyrical not installed: skipping its workload", file=sys.stderr)
        try:
            import pandas as pd
            import quantstats as qs

            # 1M business days run past year 2262: a seconds-resolution index (nanoseconds would overflow)
            s = pd.Series(r[:1_000_000], index=pd.bdate_range("1990-01-01", periods=1_000_000, unit="s"))
            out.append(dict(
                name="sharpe + sortino + max drawdown, 1M values", peer="quantstats",
                peer_fn=lambda: [qs.stats.sharpe(s), qs.stats.sortino(s), qs.stats.max_drawdown(s)],
                ours=lambda: [tw.sharpe_ratio(s), tw.sortino_ratio(s), tw.max_drawdown(s)],
                # quantstats' Sortino divides by sqrt(sum(neg^2)/n) like empyrical; its
                # max drawdown uses prices, equal here.
                rtol=1e-6))
        except ImportError:
            print("quantstats not installed: skipping its workload", file=sys.stderr)
    small = r[:2_520]
    out.append(dict(name="one Sharpe ratio, 2,520 values (per-call overhead)", peer="numpy",
                    peer_fn=lambda: small.mean() / small.std(ddof=1) * np.sqrt(252.0),
                    ours=lambda: tw.sharpe_ratio(small), rtol=1e-12))
    out += drift_workloads(quick, rng)
    if not quick:
        out += evidently_workloads()
        out += real_data_workloads()
        out += resampling_workloads(rng)
        out += mlp_workloads()
        out += prometheus_workloads()  # last: it installs tradewarden's exporter in this process
    return out


# --- drift: scipy and numpy peers (quick and full) ---
def numpy_psi(ref, cur, bins=10, eps=1e-4):
    """PSI with decile edges of the reference (numpy linear quantiles, +-inf outer edges,
    right-open bins, fractions floored at eps): the convention of tradewarden.drift.psi."""
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    e = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    a = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / len(cur)
    e = np.maximum(e, eps)
    a = np.maximum(a, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def numpy_report(ref, cur, bins=10):
    """Per feature: scipy KS (statistic, p), numpy PSI on reference deciles, scipy JS over the same bins."""
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import ks_2samp

    out = []
    for name in ref:
        a, b = ref[name], cur[name]
        ks = ks_2samp(a, b)
        edges = np.unique(np.quantile(a, np.arange(1, bins) / bins))
        e = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1)
        c = np.bincount(np.searchsorted(edges, b, side="right"), minlength=len(edges) + 1)
        out += [ks.statistic, ks.pvalue, numpy_psi(a, b, bins), jensenshannon(e, c)]
    return out


def tw_report(ref, cur):
    d = twd.DriftReport.compute(ref, cur).to_dict()
    out = []
    for f in d["features"]:
        out += [f["ks"][0], f["ks"][1], f["psi"], f["jensenshannon"]]
    return out


def drift_workloads(quick, rng):
    try:
        import scipy.stats as st
        from scipy.spatial.distance import jensenshannon
    except ImportError:
        print("scipy not installed: skipping the drift workloads", file=sys.stderr)
        return []
    n = 50_000 if quick else 1_000_000
    a = rng.normal(0.0, 1.0, n)
    b = rng.normal(0.02, 1.05, n)
    ex = rng.normal(size=3_000)
    ey = rng.normal(0.05, 1.0, size=3_000)
    p = rng.random(1_000)
    q = rng.random(1_000)

    def ks_out(res):
        return [res.statistic, res.pvalue]

    out = [
        dict(name=f"KS two-sample, {n:,} vs {n:,}, asymptotic p", peer="scipy.stats.ks_2samp",
             peer_fn=lambda: ks_out(st.ks_2samp(a, b)), ours=lambda: ks_out(twd.ks_2samp(a, b)), rtol=1e-10,
             target=None if quick else 15),
        dict(name="KS two-sample, 3,000 vs 3,000, exact p", peer="scipy.stats.ks_2samp",
             peer_fn=lambda: ks_out(st.ks_2samp(ex, ey)), ours=lambda: ks_out(twd.ks_2samp(ex, ey)), rtol=1e-10),
        dict(name=f"PSI (fit deciles + score), {n:,} vs {n:,}", peer="numpy",
             peer_fn=lambda: numpy_psi(a, b), ours=lambda: twd.psi(a, b), rtol=1e-10),
        dict(name="Jensen-Shannon distance, 1,000 bins", peer="scipy.spatial.distance.jensenshannon",
             peer_fn=lambda: jensenshannon(p, q), ours=lambda: twd.jensenshannon(p, q), rtol=1e-12),
        dict(name=f"Wasserstein-1, {n:,} vs {n:,}", peer="scipy.stats.wasserstein_distance",
             peer_fn=lambda: st.wasserstein_distance(a, b), ours=lambda: twd.wasserstein_distance(a, b),
             rtol=1e-9),
        dict(name=f"energy distance, {n:,} vs {n:,}", peer="scipy.stats.energy_distance",
             peer_fn=lambda: st.energy_distance(a, b), ours=lambda: twd.energy_distance(a, b), rtol=1e-9),
    ]
    k, rows = REPORT_QUICK if quick else REPORT_FULL
    ref, cur = report_data(k, rows)
    out.append(dict(name=f"drift report, {k} features x {rows:,} rows, KS+PSI+JS",
                    peer="numpy/scipy loop", peer_fn=lambda: numpy_report(ref, cur),
                    ours=lambda: tw_report(ref, cur), rtol=1e-9, target=None if quick else 10))
    return out


REPORT_QUICK, REPORT_FULL = (5, 20_000), (50, 200_000)


def report_data(k, rows):
    """The drift-report tables (own seed, so that the memory subprocesses rebuild them bit for bit):
    features i % 3 == 0 unshifted, the others shifted by 0.4 and 0.8 standard deviations, so that
    some features drift and some do not under every method."""
    rng = np.random.default_rng(20261124)
    ref = {f"f{i}": rng.normal(0.0, 1.0, rows) for i in range(k)}
    cur = {f"f{i}": rng.normal(0.4 * (i % 3), 1.0, rows) for i in range(k)}
    return ref, cur


# --- Evidently (full mode): its psi stat test, and its DataDriftPreset report ---
EVIDENTLY_PSI_THRESHOLD = 0.1  # Evidently's default for psi (drift when psi >= threshold)


def evidently_report(ref_df, cur_df):
    from evidently import Report
    from evidently.presets import DataDriftPreset

    # method="psi": Evidently's default for numeric columns of > 1000 reference rows is the normed
    # Wasserstein distance; PSI is the test both libraries compute, so the decisions can be compared.
    return Report([DataDriftPreset(method="psi")]).run(current_data=cur_df, reference_data=ref_df)


def evidently_values(snapshot):
    """{column: (psi, drifted)} from a snapshot: ValueDrift value, drifted = psi >= its threshold
    (the rule of Evidently's psi stat test)."""
    out = {}
    for m in snapshot.dict()["metrics"]:
        cfg = m["config"]
        if cfg.get("type", "").endswith("ValueDrift"):
            out[cfg["column"]] = (float(m["value"]), float(m["value"]) >= float(cfg["threshold"]))
    return out


def tw_evidently_report(ref_df, cur_df):
    return twd.DriftReport.compute(ref_df, cur_df, psi_mode="evidently", psi_threshold=EVIDENTLY_PSI_THRESHOLD)


def tw_values(report):
    return {f["name"]: (float(f["psi"]), bool(f["drift"])) for f in report.features}


def evidently_workloads():
    try:
        import pandas as pd
        from evidently.legacy.calculations.stattests import psi_stat_test
        from evidently.legacy.core import ColumnType
    except ImportError:
        print("evidently not installed: skipping its drift workloads", file=sys.stderr)
        return []
    rng = np.random.default_rng(20261125)
    n = 1_000_000
    a = rng.normal(0.0, 1.0, n)
    b = rng.normal(0.02, 1.05, n)
    sa, sb = pd.Series(a), pd.Series(b)
    out = [dict(name=f"PSI (Evidently's psi: Sturges bins on ref+cur), {n:,} vs {n:,}",
                peer="Evidently psi_stat_test",
                peer_fn=lambda: psi_stat_test(sa, sb, ColumnType.Numerical, None).drift_score,
                ours=lambda: twd.psi(a, b, strategy="evidently"), rtol=1e-9)]

    k, rows = REPORT_FULL
    ref, cur = report_data(k, rows)
    ref_df, cur_df = pd.DataFrame(ref), pd.DataFrame(cur)
    del ref, cur
    info = {}

    def same_decisions(ours, peer):
        o, p = tw_values(ours), evidently_values(peer)
        if sorted(o) != sorted(p):
            return False
        psi_ok = all(close(o[c][0], p[c][0], 1e-9) for c in p)
        agree = sum(o[c][1] == p[c][1] for c in p)
        info.update(n=len(p), agree=agree, drifted=sum(v[1] for v in p.values()))
        return psi_ok and agree == len(p)

    def note():
        return (f"PSI per feature equal within 1e-9 relative and drift decisions (PSI ≥ {EVIDENTLY_PSI_THRESHOLD} "
                f"in Evidently, > in tradewarden) equal for {info.get('agree')}/{info.get('n')} features "
                f"({info.get('drifted')} drifted). Evidently: Report([DataDriftPreset(method=\"psi\")]).run on "
                "pandas DataFrames (its default for numeric columns of > 1000 reference rows is the normed "
                "Wasserstein distance; method=\"psi\" makes both run the same test); "
                f"tradewarden: DriftReport.compute(ref_df, cur_df, psi_mode=\"evidently\", "
                f"psi_threshold=0.1) on the same DataFrames, which also computes KS and JS per feature.")

    out.append(dict(name=f"drift report, {k} features x {rows:,} rows (PSI decisions)",
                    peer="Evidently DataDriftPreset", peer_fn=lambda: evidently_report(ref_df, cur_df),
                    ours=lambda: tw_evidently_report(ref_df, cur_df), check=same_decisions, target=50,
                    note=note))
    out.append(dict(name=f"drift report, {k} features x {rows:,} rows: peak memory above the loaded data",
                    peer="Evidently DataDriftPreset", measure=measure_report_memory("tradewarden"), unit="B",
                    target=5,
                    note=lambda: ("peak RSS of one report run above the RSS before it (data loaded, a small "
                                  "warm-up report run first), one fresh subprocess per contender "
                                  "(/proc/self/clear_refs, then VmHWM − VmRSS); ratio = Evidently's / ours. "
                                  "The two DataFrames themselves take 160 MB. tradewarden keeps each "
                                  "reference column sorted (80 MB here) and its pandas path converts every "
                                  "column with astype + to_numpy(na_value=nan), a copy of each column.")))
    out.append(dict(name="same, tradewarden given a dict of the same numpy columns",
                    peer="Evidently DataDriftPreset (DataFrames)", measure=measure_report_memory("tradewarden-dict"),
                    unit="B", target=5,
                    note=lambda: "the columns passed as numpy arrays are read in place: only the sorted reference."))
    return out


def rss_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def memory_child(who):
    """Run in a subprocess: peak memory of one drift report by `who` above the loaded data; prints JSON."""
    import pandas as pd

    k, rows = REPORT_FULL
    if who == "evidently":
        run = evidently_report
    else:
        run = tw_evidently_report
    as_table = (lambda d: d) if who == "tradewarden-dict" else pd.DataFrame
    small = [as_table(d) for d in report_data(2, 2_000)]
    run(*small)  # warm-up: lazy imports and first-call setup are not counted
    ref, cur = report_data(k, rows)
    ref_t, cur_t = as_table(ref), as_table(cur)
    del ref, cur, small
    gc.collect()
    base = rss_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    res = run(ref_t, cur_t)
    peak = rss_kb("VmHWM")
    n = len(evidently_values(res)) if who == "evidently" else len(res.features)
    print(json.dumps({"who": who, "base_kb": base, "peak_kb": peak, "features": n}))
    return 0


MEMORY = {}


def memory_of(who):
    """Peak bytes of one report above the loaded data, measured in a fresh subprocess (cached)."""
    if who not in MEMORY:
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child", who],
                           capture_output=True, text=True, check=True)
        got = json.loads(p.stdout.strip().splitlines()[-1])
        MEMORY[who] = ((got["peak_kb"] - got["base_kb"]) * 1024, got["features"])
    return MEMORY[who]


def measure_report_memory(ours_who):
    def measure():
        (peer, n_peer), (ours, n_ours) = memory_of("evidently"), memory_of(ours_who)
        return peer, ours, n_peer == n_ours == REPORT_FULL[0]
    return measure


# --- real series shipped with arch and skfolio: summary vs empyrical (full mode) ---
# empyrical function -> key of tradewarden.returns.summary
SUMMARY_FNS = {"sharpe_ratio": "sharpe_ratio", "sortino_ratio": "sortino_ratio", "max_drawdown": "max_drawdown",
               "annual_return": "annual_return", "annual_volatility": "annual_volatility",
               "calmar_ratio": "calmar_ratio", "omega_ratio": "omega_ratio",
               "stability_of_timeseries": "stability", "tail_ratio": "tail_ratio", "downside_risk": "downside_risk",
               "value_at_risk": "value_at_risk", "conditional_value_at_risk": "conditional_value_at_risk"}


def real_data_workloads():
    try:
        import empyrical as ep
    except ImportError:
        print("empyrical not installed: skipping the real-data workloads", file=sys.stderr)
        return []

    def peer_of(series):
        return lambda: [[getattr(ep, f)(r) for f in SUMMARY_FNS] for r in series]

    def ours_of(series):
        def ours():
            out = []
            for r in series:
                s = tw.summary(r)
                out.append([s[k] for k in SUMMARY_FNS.values()])
            return out
        return ours

    out = []
    try:
        from arch.data import nasdaq, sp500

        for label, mod in (("S&P 500", sp500), ("NASDAQ", nasdaq)):
            prices = mod.load()["Adj Close"].to_numpy(dtype=float)
            r = prices[1:] / prices[:-1] - 1.0
            out.append(dict(name=f"summary (12 metrics) of {label} daily returns ({len(r):,} days, arch.data)",
                            peer="empyrical-reloaded (12 calls)", peer_fn=peer_of([r]), ours=ours_of([r]),
                            rtol=1e-8))
    except ImportError:
        print("arch not installed: skipping its real series", file=sys.stderr)
    try:
        from skfolio.datasets import load_sp500_dataset

        prices = load_sp500_dataset()  # shipped inside the package: 20 S&P 500 stocks, daily, 1990-2022
        p = prices.to_numpy(dtype=float)
        rets = np.ascontiguousarray((p[1:] / p[:-1] - 1.0).T)  # one contiguous row per asset
        series = list(rets)
        out.append(dict(name=f"summary (12 metrics) per asset, {len(series)} S&P 500 stocks x {rets.shape[1]:,} "
                             "days (skfolio load_sp500_dataset)",
                        peer=f"empyrical-reloaded ({12 * len(series)} calls)", peer_fn=peer_of(series),
                        ours=ours_of(series), rtol=1e-8))
    except ImportError:
        print("skfolio not installed: skipping its stock prices", file=sys.stderr)
    return out


# --- bootstrap vs arch, PBO vs ffn (full mode) ---
def resampling_workloads(rng):
    out = []
    r = (rng.random(2_520) - 0.5) * 0.034641 + 0.0004
    try:
        from arch.bootstrap import StationaryBootstrap

        def sharpe(x):
            return x.mean() / x.std(ddof=1) * np.sqrt(252.0)

        def arch_ci():
            bs = StationaryBootstrap(10, r, seed=1)
            ci = bs.conf_int(sharpe, reps=1000, method="percentile")
            return [float(ci[0, 0]), float(ci[1, 0])]

        def ours_ci():
            ci = tw.bootstrap_ci(r, "sharpe_ratio", n_resamples=1000, method="stationary", seed=1)
            return [ci.lower, ci.upper]

        def within_mc_error(ours, peer):
            # Different random streams: each bound agrees to Monte Carlo error (here: within
            # 10 % of the interval's width), not to the bit.
            width = peer[1] - peer[0]
            return all(abs(o - p) <= 0.1 * width for o, p in zip(ours, peer))

        out.append(dict(name="stationary bootstrap Sharpe CI, 1000 x 2,520, mean block 10",
                        peer="arch StationaryBootstrap", peer_fn=arch_ci, ours=ours_ci, rtol=None,
                        check=within_mc_error, target=9))
    except ImportError:
        print("arch not installed: skipping the bootstrap workload", file=sys.stderr)
    try:
        import ffn
        import pandas as pd

        m = (rng.random((2_520, 100)) - 0.5) * 0.02 + np.linspace(0, 2e-4, 100)
        df = pd.DataFrame(m)

        def ffn_pbo():
            o = ffn.core.calc_prob_backtest_overfitting(df, n_blocks=16, full_output=True)
            return [o["pbo"], o["mean_oos_rank"]]

        def ours_pbo():
            o = tw.probability_of_backtest_overfitting(m, n_blocks=16)
            return [o.pbo, o.mean_oos_rank]

        out.append(dict(name="PBO by CSCV, S = 16, 2,520 x 100", peer="ffn calc_prob_backtest_overfitting",
                        peer_fn=ffn_pbo, ours=ours_pbo, rtol=1e-9, peer_repeat=1, target=1000))
    except ImportError:
        print("ffn not installed: skipping the PBO workload", file=sys.stderr)
    return out


# --- MLP vs onnxruntime on the same weights (full mode; graph from onnx_mlp.py) ---
def mlp_workloads():
    try:
        sys.path.insert(0, HERE)
        import onnx_mlp as om
    except ImportError as e:
        print(f"onnx/onnxruntime not installed ({e}): skipping the MLP workloads", file=sys.stderr)
        return []
    finally:
        if sys.path and sys.path[0] == HERE:
            sys.path.pop(0)
    import tempfile

    from tradewarden.inference import Model, Predictor

    threads = os.cpu_count() or 1
    rng = np.random.default_rng(20261126)
    tmp = tempfile.mkdtemp(prefix="tw-compare-")
    path = os.path.join(tmp, "bench.safetensors")
    om.write_safetensors(path, om.random_torch_mlp(om.BENCH_CONFIG, rng))
    sess = om.session(om.onnx_mlp(om.read_safetensors(path), om.BENCH_CONFIG), threads)
    pred = Predictor("compare_bench", "v1", Model.from_safetensors(path, om.BENCH_CONFIG))

    def max_abs_within(tol):
        return lambda ours, peer: (ours.shape == peer.shape
                                   and float(np.max(np.abs(ours.astype(np.float64) - peer.astype(np.float64)))) <= tol)

    out = []
    for rows, calls in ((1, 2_000), (1024, 20)):
        x = ((np.arange(rows * 64) % 97) * 0.01 - 0.5).astype(np.float32).reshape(rows, 64)

        def peer(x=x, calls=calls):
            for _ in range(calls):
                y = sess.run(["y"], {"x": x})[0]
            return y

        def ours(x=x, calls=calls):
            for _ in range(calls):
                y = pred.predict(x)
            return y

        out.append(dict(name=f"MLP 64→128→128→3 relu, batch {rows}, float32, per call",
                        peer="onnxruntime InferenceSession.run", peer_fn=peer, ours=ours, calls=calls,
                        check=max_abs_within(1e-5), target=1 if rows == 1 else None,
                        note=lambda: (f"same safetensors weights; onnxruntime {__import__('onnxruntime').__version__} "
                                      f"graph from onnx_mlp.py (Gemm transB=1 + Relu), CPU provider, "
                                      f"intra_op_num_threads = {threads}, all graph optimisations; tradewarden "
                                      f"Predictor.predict with its default rayon pool ({threads} cores); "
                                      "outputs equal within 1e-5 absolute")))
    return out


# --- metrics per call vs prometheus_client (full mode; last: installs tradewarden's exporter) ---
FIXTURE = os.path.join(ROOT, "crates", "inference", "tests", "data", "mlp_tiny.safetensors")
FIXTURE_CONFIG = {"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh"}


def prom_value(text, name, label):
    m = re.search(r"^" + re.escape(name) + r"\{[^}]*" + re.escape(label) + r"[^}]*\} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def prometheus_workloads():
    try:
        import prometheus_client as pc
    except ImportError:
        print("prometheus_client not installed: skipping the metrics workloads", file=sys.stderr)
        return []
    import tradewarden.telemetry as tt
    from tradewarden.inference import Model, Predictor

    reg = pc.CollectorRegistry()
    counter = pc.Counter("predictions", "Predictions produced", ["model"], registry=reg)
    hist = pc.Histogram("inference_latency_seconds", "Forward-pass latency", ["model"], registry=reg,
                        buckets=(1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2,
                                 0.1, 0.25, 0.5, 1.0))
    c, h = counter.labels(model="bare"), hist.labels(model="bare")
    calls = 10_000

    def bare():
        for _ in range(calls):
            c.inc()
            h.observe(0.00042)
        return reg.get_sample_value("predictions_total", {"model": "bare"})

    out = [dict(name="counter inc + histogram observe (16 buckets), per call", peer="prometheus_client", peer_fn=bare,
                ours=None, calls=calls,
                note=lambda: ("tradewarden's Python binding has no per-call counter/histogram API: its metrics are "
                              "recorded natively inside its own calls (next row), Rust handles in "
                              "crates/metrics/benches/handles.rs. Peer: labelled children cached, as a service "
                              "would hold them."))]

    x = np.linspace(-1.0, 1.0, 5).reshape(1, 5)
    model = Model.from_safetensors(FIXTURE, FIXTURE_CONFIG)
    # created before the exporter is installed: its native metric handles are no-ops for good
    plain = Predictor("plain", "v1", model)
    pc_counter, pc_hist = counter.labels(model="plain"), hist.labels(model="plain")
    state = {}
    pcalls = 2_000

    def peer():
        for _ in range(pcalls):
            t = time.perf_counter()
            y = plain.predict(x)
            pc_hist.observe(time.perf_counter() - t)
            pc_counter.inc()
        return y

    def ours():
        if "pred" not in state:
            tt.install(listen=None)
            state["pred"] = Predictor("instrumented", "v1", model)
        p = state["pred"]
        for _ in range(pcalls):
            y = p.predict(x)
        return y

    def counted(ours_y, peer_y):
        text = tt.render()
        n_ours = prom_value(text, "tradewarden_predictions_total", 'model="instrumented"')
        h_ours = prom_value(text, "tradewarden_inference_latency_seconds_count", 'model="instrumented"')
        n_peer = reg.get_sample_value("predictions_total", {"model": "plain"})
        h_peer = reg.get_sample_value("inference_latency_seconds_count", {"model": "plain"})
        state["counts"] = (n_ours, h_ours, n_peer, h_peer)
        return (np.allclose(ours_y, peer_y, rtol=0, atol=0) and n_ours is not None
                and n_ours == h_ours == n_peer == h_peer)

    out.append(dict(name="batch-1 prediction (5→8→6→3 MLP) + prediction counter + latency histogram, per call",
                    peer="tradewarden predict + prometheus_client inc/observe", peer_fn=peer, ours=ours,
                    calls=pcalls, check=counted,
                    note=lambda: ("closest Python equivalent of a per-call metric update: the same prediction "
                                  "without tradewarden's exporter, instrumented in Python with prometheus_client "
                                  "(perf_counter around the call, observe, inc), against Predictor.predict with "
                                  "tradewarden's exporter installed (it records tradewarden_predictions_total and "
                                  "tradewarden_inference_latency_seconds natively). 'Equal': same outputs, and "
                                  "counters and histogram counts both equal the number of calls "
                                  f"(ours, ours hist, peer, peer hist = {state.get('counts')})")))
    return out


def fmt_value(v, unit):
    if v is None:
        return "n/a"
    if unit == "B":
        return f"{v / 1e6:.1f} MB"
    if v >= 1.0:
        return f"{v:.3f} s"
    if v >= 1e-3:
        return f"{v * 1e3:.3f} ms"
    return f"{v * 1e6:.2f} µs"


def fmt_ratio(ratio):
    if ratio is None:
        return "—"
    if ratio < 1.0:
        return f"{ratio:.2f}× (slower)" if ratio < 0.995 else f"{ratio:.2f}×"
    return f"{ratio:.1f}×" if ratio < 100 else f"{ratio:,.0f}×"


def fmt_target(target, ratio, unit):
    if target is None:
        return ""
    what = f"≥ {target:g}×" if unit != "B" else f"≤ 1/{target:g} of its memory"
    if unit != "B" and target == 1:
        what = "not slower"
    if ratio is None:
        return f"{what}: not measured"
    return f"{what}: met" if ratio >= target else f"{what}: **missed**"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, numpy/scipy peers only")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write-docs", action="store_true", help="replace the table in docs/performance.md")
    ap.add_argument("--wheel-commit", help="commit the tradewarden wheel was built from (shown in the run line)")
    ap.add_argument("--memory-child", choices=("evidently", "tradewarden", "tradewarden-dict"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        return memory_child(args.memory_child)

    rows = []
    bad = 0
    for w in workloads(args.quick):
        unit = w.get("unit", "s")
        if "measure" in w:
            p, o, ok = w["measure"]()
        else:
            calls = w.get("calls", 1)
            if w["ours"] is not None and "peer_repeat" not in w:
                t_peer, out_peer, t_ours, out_ours = timeit_pair(w["peer_fn"], w["ours"], args.repeat)
            else:  # a peer too slow to repeat (timed once, no warm-up), or nothing of ours to time
                t_peer, out_peer = timeit(w["peer_fn"], w.get("peer_repeat", args.repeat), "peer_repeat" not in w)
                if w["ours"] is not None:
                    t_ours, out_ours = timeit(w["ours"], args.repeat)
            p = t_peer / calls
            if w["ours"] is None:
                o, ok = None, None
            else:
                o = t_ours / calls
                ok = w["check"](out_ours, out_peer) if "check" in w else close(out_ours, out_peer, w["rtol"])
        bad += ok is False
        ratio = p / o if o else None
        note = w["note"]() if "note" in w else None
        rows.append((w["name"], w["peer"], fmt_value(p, unit), fmt_value(o, unit), fmt_ratio(ratio),
                     fmt_target(w.get("target"), ratio, unit), {True: "yes", False: "NO", None: "—"}[ok], note))
        print(f"  {w['name']} | {w['peer']}: {rows[-1][2]} vs {rows[-1][3]} ({rows[-1][4]}) {rows[-1][6]}",
              file=sys.stderr, flush=True)

    header = ("| workload | peer | peer time (memory) | tradewarden | ratio | target | outputs equal? |\n"
              "|---|---|---|---|---|---|---|")
    lines, notes = [header], []
    for n, p, tp, to, ratio, target, ok, note in rows:
        if note:
            if note not in notes:
                notes.append(note)
            n = f"{n} [{notes.index(note) + 1}]"
        lines.append(f"| {n} | {p} | {tp} | {to} | {ratio} | {target} | {ok} |")
    table = "\n".join(lines)
    if notes:
        table += "\n\n" + "\n".join(f"[{i}] {t}" for i, t in enumerate(notes, 1))
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load "
               f"{os.getloadavg()[0]:.2f}, Python {platform.python_version()}, numpy {np.__version__}")
    peers = peer_versions(args.quick)
    if args.wheel_commit:
        peers += f" (wheel built from commit {args.wheel_commit})"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# {'quick' if args.quick else 'full'} comparison, {when}, {machine}\n{peers}\n")
    print(table)
    if args.write_docs:
        path = os.path.join(ROOT, "docs", "performance.md")
        text = open(path).read()
        start = text.index("<!-- compare:start -->")
        end = text.index("<!-- compare:end -->")
        block = (f"<!-- compare:start -->\nRun: `python benches/compare/compare.py{' --quick' if args.quick else ''}` "
                 f"on {when} ({machine}; {peers}); median of {args.repeat} alternating runs after a warm-up "
                 f"(times per call where the workload says so). Ratio = peer / tradewarden: above 1 we are "
                 f"faster; \"(slower)\" marks where we are not.\n\n{table}\n")
        open(path, "w").write(text[:start] + block + text[end:])
    if bad:
        print(f"\n{bad} workload(s) disagree", file=sys.stderr)
        return 1
    n_ok = sum(r[6] == "yes" for r in rows)
    print(f"\n{n_ok} passed, 0 failed")
    return 0


def peer_versions(quick):
    from importlib import metadata

    names = ["scipy"] if quick else ["scipy", "pandas", "empyrical-reloaded", "quantstats", "ffn", "arch",
                                     "evidently", "onnxruntime", "onnx", "prometheus_client", "skfolio"]
    got = []
    for n in names + ["tradewarden"]:
        try:
            got.append(f"{n} {metadata.version(n)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(got)


if __name__ == "__main__":
    sys.exit(main())
