"""Every public function of tradewarden.returns and tradewarden.drift against its peer, at four sizes.

    python benches/compare/functions.py                    # the table, printed (sizes 252 .. 10M)
    python benches/compare/functions.py --write-docs       # also replace it in docs/performance.md
    python benches/compare/functions.py --sizes 252,2520 --only sharpe_ratio,value_at_risk
    python benches/compare/functions.py --only beta,roll_beta --write-docs   # rerun rows in the docs table

Peers: empyrical-reloaded (the returns functions it has, same names and arguments), quantstats'
``stats`` (skew, kurtosis, win_rate, profit_factor, ulcer_index, when installed), scipy (the drift
statistics), numpy (psi: decile edges of the reference, the formula in compare.py). The peer is the
function a drop-in user calls, through its public entry point; ours is the same name in
``tradewarden.returns`` / ``tradewarden.drift`` (never the fused ``core_metrics``).

Per cell: both warmed up, then ``repeat`` calls of each, alternating which goes first, medians
(the machine this runs on may be shared: the alternation puts load on both). A peer call that took
longer than ``--peer-budget`` seconds in its warm-up is timed that once (and noted). Rolling
functions are timed up to 100 000 values (empyrical's roll_* loop over the windows in Python:
hours at 10M). 2-D inputs (20 columns, the functions empyrical computes per column, alone and against
one 1-D benchmark) are timed up to 100 000 rows. Outputs are compared (``rtol`` 1e-8, NaN equal); a disagreement is marked in the
table and makes the exit status non-zero. Install the peers from requirements.txt and the wheel in
release (see compare.py's docstring).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
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
SIZES = (252, 2_520, 100_000, 10_000_000)

# empyrical functions of one series, of a series and a benchmark, rolling ones (window 252)
UNARY = ["sharpe_ratio", "sortino_ratio", "downside_risk", "max_drawdown", "annual_return", "cagr",
         "annual_volatility", "calmar_ratio", "omega_ratio", "tail_ratio", "value_at_risk",
         "conditional_value_at_risk", "stability_of_timeseries", "cum_returns", "cum_returns_final"]
PAIR = ["excess_sharpe", "alpha_beta", "alpha", "beta", "up_alpha_beta", "down_alpha_beta", "capture",
        "up_capture", "down_capture", "up_down_capture", "batting_average"]
ROLL = ["roll_sharpe_ratio", "roll_sortino_ratio", "roll_max_drawdown", "roll_annual_volatility"]
ROLL_PAIR = ["roll_beta", "roll_up_capture", "roll_down_capture", "roll_up_down_capture"]
QUANTSTATS = ["skew", "kurtosis", "win_rate", "profit_factor", "ulcer_index"]
ROLL_MAX = 100_000
WINDOW = 252
# empyrical functions that compute per column on a 2-D input (periods x COLUMNS), alone and against one
# 1-D benchmark; the others reduce the whole matrix to one number or do not broadcast a 1-D benchmark
UNARY_2D = ["sharpe_ratio", "sortino_ratio", "downside_risk", "max_drawdown", "annual_return", "cagr",
            "annual_volatility", "cum_returns", "cum_returns_final"]
PAIR_2D = ["beta", "capture", "up_capture", "down_capture", "up_down_capture"]
COLUMNS = 20
MAX_2D = 100_000  # 10M x 20 is 1.6 GB per input: not timed


def as_floats(x):
    """A comparable float array from a result (scalar, array, Series, scipy/tradewarden result object)."""
    if hasattr(x, "statistic") and hasattr(x, "pvalue"):
        return np.array([float(x.statistic), float(x.pvalue)])
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    return np.asarray(x, dtype=float).ravel()


def close(a, b, rtol=1e-8):
    a, b = as_floats(a), as_floats(b)
    return a.shape == b.shape and bool(np.all((np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=rtol, atol=1e-12)))


def time_pair(peer, ours, repeat, budget):
    t = time.perf_counter()
    out_peer = peer()
    t_first = time.perf_counter() - t
    out_ours = ours()
    if t_first > budget:  # too slow to repeat: that one call, ours as the median of `repeat`
        ts = []
        for _ in range(repeat):
            t = time.perf_counter()
            ours()
            ts.append(time.perf_counter() - t)
        return t_first, statistics.median(ts), out_peer, out_ours, True
    tp, to = [], []
    for i in range(repeat):
        for who in ((0, 1) if i % 2 == 0 else (1, 0)):
            f = (peer, ours)[who]
            t = time.perf_counter()
            f()
            (tp, to)[who].append(time.perf_counter() - t)
    return statistics.median(tp), statistics.median(to), out_peer, out_ours, False


def numpy_psi(ref, cur, bins=10, eps=1e-4):
    """Same as compare.py's peer: numpy linear decile edges of the reference, right-open bins, floor eps."""
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    e = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / len(ref)
    a = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1) / len(cur)
    e = np.maximum(e, eps)
    a = np.maximum(a, eps)
    return float(np.sum((a - e) * np.log(a / e)))


def rows(only):
    """(name, peer label, sizes, make(n) -> (peer_fn, ours_fn))."""
    out = []
    try:
        import empyrical as ep
    except ImportError:
        ep = None
        print("empyrical not installed: skipping the returns functions", file=sys.stderr)

    def series(n, seed):
        rng = np.random.default_rng(seed)
        return (rng.random(n) - 0.5) * 0.034641 + 0.00005

    def matrix(n, seed):  # C-ordered, as numpy makes it: the columns are strided
        rng = np.random.default_rng(seed)
        return (rng.random((n, COLUMNS)) - 0.5) * 0.034641 + 0.00005

    if ep is not None:
        for name in UNARY:
            out.append((name, "empyrical", SIZES,
                        lambda n, name=name: (lambda r=series(n, 1): (lambda: getattr(ep, name)(r),
                                                                      lambda: getattr(tw, name)(r)))()))
        for name in PAIR:
            out.append((name, "empyrical", SIZES,
                        lambda n, name=name: (lambda r=series(n, 1), b=series(n, 2):
                                              (lambda: getattr(ep, name)(r, b), lambda: getattr(tw, name)(r, b)))()))
        for name in ROLL:
            out.append((name, "empyrical", tuple(s for s in SIZES if s <= ROLL_MAX),
                        lambda n, name=name: (lambda r=series(n, 1): (lambda: getattr(ep, name)(r, WINDOW),
                                                                      lambda: getattr(tw, name)(r, WINDOW)))()))
        for name in ROLL_PAIR:
            out.append((name, "empyrical", tuple(s for s in SIZES if s <= ROLL_MAX),
                        lambda n, name=name: (lambda r=series(n, 1), b=series(n, 2):
                                              (lambda: getattr(ep, name)(r, b, WINDOW),
                                               lambda: getattr(tw, name)(r, b, WINDOW)))()))
        sizes_2d = tuple(s for s in SIZES if s <= MAX_2D)
        for name in UNARY_2D:
            out.append((f"{name} ({COLUMNS} columns)", "empyrical", sizes_2d,
                        lambda n, name=name: (lambda r=matrix(n, 1): (lambda: getattr(ep, name)(r),
                                                                      lambda: getattr(tw, name)(r)))(), "³"))
        for name in PAIR_2D:
            out.append((f"{name} ({COLUMNS} columns)", "empyrical", sizes_2d,
                        lambda n, name=name: (lambda r=matrix(n, 1), b=series(n, 2):
                                              (lambda: getattr(ep, name)(r, b), lambda: getattr(tw, name)(r, b)))(),
                        "³"))
    try:
        import pandas as pd
        import quantstats as qs

        for name in QUANTSTATS:
            out.append((name, "quantstats.stats", SIZES,
                        # a dated Series, as quantstats expects (its drawdown helpers subtract a
                        # Timedelta from the first index value); minutes so that 10M periods fit
                        lambda n, name=name: (lambda s=pd.Series(series(n, 1), index=pd.date_range(
                                                  "2000-01-03", periods=n, freq="min")):
                                              (lambda: getattr(qs.stats, name)(s), lambda: getattr(tw, name)(s)))()))
    except ImportError:
        print("quantstats not installed: skipping its functions", file=sys.stderr)
    try:
        import scipy.stats as st
        from scipy.spatial.distance import jensenshannon
    except ImportError:
        st = None
        print("scipy not installed: skipping the drift functions", file=sys.stderr)
    if st is not None:
        def two(n):
            rng = np.random.default_rng(3)
            return rng.normal(0.0, 1.0, n), rng.normal(0.02, 1.05, n)

        for name in ("ks_2samp", "wasserstein_distance", "energy_distance", "cramervonmises_2samp", "mannwhitneyu"):
            out.append((name, f"scipy.stats.{name}", SIZES,
                        lambda n, name=name: (lambda ab=two(n): (lambda: getattr(st, name)(*ab),
                                                                 lambda: getattr(twd, name)(*ab)))()))
        out.append(("anderson_ksamp", "scipy.stats.anderson_ksamp", SIZES,
                    lambda n: (lambda ab=two(n): (lambda: st.anderson_ksamp(list(ab)),
                                                  lambda: twd.anderson_ksamp(list(ab))))()))

        def probs(n):
            rng = np.random.default_rng(4)
            return rng.random(n), rng.random(n)

        out.append(("jensenshannon", "scipy.spatial.distance.jensenshannon", SIZES,
                    lambda n: (lambda pq=probs(n): (lambda: jensenshannon(*pq), lambda: twd.jensenshannon(*pq)))()))
        out.append(("psi", "numpy (deciles of the reference)", SIZES,
                    lambda n: (lambda ab=two(n): (lambda: numpy_psi(*ab), lambda: twd.psi(*ab)))()))

        def table(n):  # a 2 x k contingency table of n counts in all
            k = max(2, min(n // 50, 1000))
            rng = np.random.default_rng(5)
            return rng.multinomial(n, np.full(2 * k, 1.0 / (2 * k))).reshape(2, k) + 1

        out.append(("chi2_contingency", "scipy.stats.chi2_contingency", SIZES,
                    lambda n: (lambda t=table(n): (lambda: st.chi2_contingency(t)[:2],
                                                   lambda: tuple(twd.chi2_contingency(t))[:2]))()))
    out = [r if len(r) == 5 else (*r, "¹") for r in out]
    if only:  # a full row name, or a function name for its 1-D and 2-D rows
        out = [r for r in out if r[0] in only or r[0].split(" ")[0] in only]
    return out


def fmt_t(v):
    if v >= 1.0:
        return f"{v:.2f} s"
    if v >= 1e-3:
        return f"{v * 1e3:.2f} ms"
    return f"{v * 1e6:.1f} µs"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--only", default="", help="comma-separated function names")
    ap.add_argument("--repeat", type=int, default=7, help="calls of each per cell (10M: at most 5)")
    ap.add_argument("--peer-budget", type=float, default=20.0, help="seconds: slower peers are timed once")
    ap.add_argument("--write-docs", action="store_true", help="replace the table in docs/performance.md")
    ap.add_argument("--wheel-commit", help="commit the tradewarden wheel was built from")
    args = ap.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    only = set(filter(None, args.only.split(",")))

    lines = ["| function | peer | " + " | ".join(f"n = {s:,}".replace(",", " ") for s in sizes) + " |",
             "|---|---|" + "---|" * len(sizes)]
    bad, worst, notes = 0, [], []
    for name, peer, ok_sizes, make, skip_note in rows(only):
        cells = []
        for n in sizes:
            if n not in ok_sizes:
                cells.append(f"not timed {skip_note}")
                continue
            peer_fn, ours_fn = make(n)
            rep = min(args.repeat, 5) if n >= 1_000_000 else args.repeat
            tp, to, op, oo, once = time_pair(peer_fn, ours_fn, rep, args.peer_budget)
            same = close(oo, op)
            bad += not same
            ratio = tp / to
            worst.append((ratio, name, n))
            mark = "" if same else " **≠**"
            cells.append(f"**{ratio:.2f}×**{mark} ({fmt_t(tp)}{'²' if once else ''} / {fmt_t(to)})"
                         if ratio < 1.0 else f"{ratio:.1f}×{mark} ({fmt_t(tp)}{'²' if once else ''} / {fmt_t(to)})")
            print(f"  {name} n={n}: peer {fmt_t(tp)} ours {fmt_t(to)} ratio {ratio:.2f}{'' if same else ' DIFFERENT'}",
                  file=sys.stderr, flush=True)
            del peer_fn, ours_fn
        lines.append(f"| {name} | {peer} | " + " | ".join(cells) + " |")
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load "
               f"{os.getloadavg()[0]:.2f}, Python {platform.python_version()}, numpy {np.__version__}")
    from importlib import metadata

    vers = []
    for p in ("empyrical-reloaded", "scipy", "pandas", "quantstats", "tradewarden"):
        try:
            vers.append(f"{p} {metadata.version(p)}")
        except metadata.PackageNotFoundError:
            pass
    peers = ", ".join(vers) + (f" (wheel built from commit {args.wheel_commit})" if args.wheel_commit else "")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    table = "\n".join(lines)
    below = sorted(w for w in worst if w[0] < 1.0)
    summary = ("No ratio below 1.0×." if not below else
               "Below 1.0×: " + ", ".join(f"{nm} at n = {n:,} ({r:.2f}×)" for r, nm, n in below) + ".")
    foot = ("Cell: peer time ÷ tradewarden time (peer / ours, medians). ¹ rolling functions (window 252) above "
            f"{ROLL_MAX:,} values: empyrical's roll_* call the metric once per window from Python. "
            "² the peer's single (warm-up) call: slower than the budget for repeats. "
            f"³ 2-D input ({COLUMNS} columns, C-ordered float64; n = rows) above {MAX_2D:,} rows: 10M x "
            f"{COLUMNS} is 1.6 GB per input. **≠**: outputs differ. "
            "cum_returns is an array transform, not a single-pass metric: a running product, each value "
            "waiting for the previous multiply (≈ 1.5 ns of latency per value here); it stays sequential so "
            "that it rounds as numpy's cumprod does (same operations, same order).")
    print(f"# functions, {when}, {machine}\n{peers}\n\n{table}\n\n{foot}\n\n{summary}")
    if args.write_docs:
        path = os.path.join(ROOT, "docs", "performance.md")
        text = open(path).read()
        start, end = text.index("<!-- functions:start -->"), text.index("<!-- functions:end -->")
        if only:  # replace those rows only, note the rerun, recount the ratios below 1
            block = text[start:end]
            for line in lines[2:]:
                name = line.split("|")[1].strip()
                block, hit = re.subn(r"^\| " + re.escape(name) + r" \|.*$", lambda _m: line, block, count=1,
                                     flags=re.M)
                if not hit:  # a new row: after the 2-D rows (new ones in order) or the last rolling one, else last
                    last = (list(re.finditer(r"^\| (roll_\w+|\w+ \(\d+ columns\)) \|.*\|$", block, flags=re.M))
                            or list(re.finditer(r"^\|.*\|$", block, flags=re.M)))[-1]
                    block = block[:last.end()] + "\n" + line + block[last.end():]
            block = re.sub(r"^(No ratio below 1\.0×\.|Below 1\.0×: .*)$", "", block, flags=re.M).rstrip() + "\n"
            block += (f"\nRows {', '.join(sorted(only))} rerun on {when} ({machine}; {peers}) with "
                      f"`--only`.\n")
            low = []
            for m in re.finditer(r"^\| (\w[^|]*?) \|(.*)$", block, flags=re.M):
                for k, cell in enumerate(m.group(2).split("|")[1:]):
                    r = re.match(r"\s*\*\*(\d+\.\d+)×\*\*", cell)
                    if r:
                        low.append(f"{m.group(1)} at n = {sizes[k] if k < len(sizes) else '?'} ({r.group(1)}×)")
            block += "\n" + ("No ratio below 1.0×." if not low else "Below 1.0×: " + ", ".join(low) + ".") + "\n"
        else:
            block = (f"<!-- functions:start -->\nRun: `python benches/compare/functions.py --write-docs` on {when} "
                     f"({machine}; {peers}); sizes {', '.join(map(str, sizes))}.\n\n{table}\n\n{foot}\n\n"
                     f"{summary}\n")
        open(path, "w").write(text[:start] + block + text[end:])
    if bad:
        print(f"\n{bad} cell(s) disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
