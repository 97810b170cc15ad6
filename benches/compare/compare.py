"""Side-by-side benchmark: tradewarden against the tools users would pick instead,
same data, same process, outputs checked for equality.

    python benches/compare/compare.py --quick         # small sizes, numpy/scipy peers (run by ./scripts/test)
    python benches/compare/compare.py                 # full sizes, every peer installed (requirements.txt)
    python benches/compare/compare.py --write-docs    # also replace the table in docs/performance.md

Each workload is timed as the median of >= 5 runs after one warm-up call.
The script exits non-zero if any output disagrees beyond its tolerance.

The inference comparison (the MLP as a hand-built ONNX graph in onnxruntime
against tradewarden.inference.Predictor) is a separate script with its own
peers, never run in quick mode: benches/compare/onnx_mlp.py.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np

import tradewarden.drift as twd
import tradewarden.returns as tw

warnings.filterwarnings("ignore")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def timeit(f, repeat, warmup=True):
    if warmup:
        f()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


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
                ours=lambda: tw_five(r), rtol=1e-9))
        except ImportError:
            print("empyrical not installed: skipping its workload", file=sys.stderr)
        try:
            import pandas as pd
            import quantstats as qs

            s = pd.Series(r[:1_000_000], index=pd.bdate_range("1990-01-01", periods=1_000_000))
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
        out += real_data_workloads()
        out += resampling_workloads(rng)
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
             peer_fn=lambda: ks_out(st.ks_2samp(a, b)), ours=lambda: ks_out(twd.ks_2samp(a, b)), rtol=1e-10),
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
    k, rows = (5, 20_000) if quick else (50, 200_000)
    ref = {f"f{i}": rng.normal(0.0, 1.0, rows) for i in range(k)}
    cur = {f"f{i}": rng.normal(0.05 * (i % 3), 1.0, rows) for i in range(k)}
    out.append(dict(name=f"drift report, {k} features x {rows:,} rows, KS+PSI+JS",
                    peer="numpy/scipy loop", peer_fn=lambda: numpy_report(ref, cur),
                    ours=lambda: tw_report(ref, cur), rtol=1e-9))
    if not quick:
        try:
            from evidently.legacy.calculations.stattests import psi_stat_test  # noqa: F401
        except ImportError:
            print("evidently not installed: skipping its drift workloads", file=sys.stderr)
    return out


# --- real series shipped with arch: summary vs empyrical (full mode) ---
def real_data_workloads():
    try:
        import empyrical as ep
        from arch.data import nasdaq, sp500
    except ImportError:
        print("arch/empyrical not installed: skipping the real-data workloads", file=sys.stderr)
        return []
    out = []
    for label, mod in (("S&P 500", sp500), ("NASDAQ", nasdaq)):
        prices = mod.load()["Adj Close"].to_numpy(dtype=float)
        r = prices[1:] / prices[:-1] - 1.0
        # empyrical function -> key of tradewarden.returns.summary
        fns = {"sharpe_ratio": "sharpe_ratio", "sortino_ratio": "sortino_ratio", "max_drawdown": "max_drawdown",
               "annual_return": "annual_return", "annual_volatility": "annual_volatility",
               "calmar_ratio": "calmar_ratio", "omega_ratio": "omega_ratio",
               "stability_of_timeseries": "stability", "tail_ratio": "tail_ratio", "downside_risk": "downside_risk",
               "value_at_risk": "value_at_risk", "conditional_value_at_risk": "conditional_value_at_risk"}

        def peer(r=r):
            return [getattr(ep, f)(r) for f in fns]

        def ours(r=r):
            s = tw.summary(r)
            return [s[k] for k in fns.values()]

        out.append(dict(name=f"summary (12 metrics) of {label} daily returns ({len(r):,} days, arch.data)",
                        peer="empyrical-reloaded (12 calls)", peer_fn=peer, ours=ours, rtol=1e-8))
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
                        check=within_mc_error))
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
                        peer_fn=ffn_pbo, ours=ours_pbo, rtol=1e-9, peer_repeat=1))
    except ImportError:
        print("ffn not installed: skipping the PBO workload", file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, numpy/scipy peers only")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write-docs", action="store_true", help="replace the table in docs/performance.md")
    args = ap.parse_args()

    rows = []
    bad = 0
    for w in workloads(args.quick):
        t_peer, out_peer = timeit(w["peer_fn"], w.get("peer_repeat", args.repeat), "peer_repeat" not in w)
        t_ours, out_ours = timeit(w["ours"], args.repeat)
        ok = w["check"](out_ours, out_peer) if "check" in w else close(out_ours, out_peer, w["rtol"])
        bad += not ok
        rows.append((w["name"], w["peer"], t_peer, t_ours, t_peer / t_ours, ok))

    header = "| workload | peer | peer time | tradewarden | ratio | outputs equal? |\n|---|---|---|---|---|---|"
    lines = [header] + [
        f"| {n} | {p} | {tp * 1e3:.3f} ms | {to * 1e3:.3f} ms | {ratio:.1f}× | {'yes' if ok else 'NO'} |"
        for n, p, tp, to, ratio, ok in rows
    ]
    table = "\n".join(lines)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"
    print(f"# {'quick' if args.quick else 'full'} comparison, {datetime.date.today()}, {machine}\n")
    print(table)
    if args.write_docs:
        path = os.path.join(ROOT, "docs", "performance.md")
        text = open(path).read()
        start = text.index("<!-- compare:start -->")
        end = text.index("<!-- compare:end -->")
        block = (f"<!-- compare:start -->\nRun: `python benches/compare/compare.py{' --quick' if args.quick else ''}` "
                 f"on {datetime.date.today()} ({machine}); median of {args.repeat} runs after a warm-up.\n\n{table}\n")
        open(path, "w").write(text[:start] + block + text[end:])
    if bad:
        print(f"\n{bad} workload(s) disagree", file=sys.stderr)
        return 1
    print(f"\n{len(rows)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
