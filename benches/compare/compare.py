"""Side-by-side benchmark: tradewarden against the tools users would pick instead,
same data, same process, outputs checked for equality.

    python benches/compare/compare.py --quick         # small sizes, numpy/scipy peers (run by ./scripts/test)
    python benches/compare/compare.py                 # full sizes, every peer installed (requirements.txt)
    python benches/compare/compare.py --write-docs    # also replace the table in docs/performance.md

Each workload is timed as the median of >= 5 runs after one warm-up call.
The script exits non-zero if any output disagrees beyond its tolerance.
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

import tradewarden.returns as tw

warnings.filterwarnings("ignore")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def timeit(f, repeat):
    f()  # warm-up
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
        t_peer, out_peer = timeit(w["peer_fn"], args.repeat)
        t_ours, out_ours = timeit(w["ours"], args.repeat)
        ok = close(out_ours, out_peer, w["rtol"])
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
