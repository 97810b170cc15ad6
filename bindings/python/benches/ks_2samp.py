"""ks_2samp on 1M vs 1M from Python, against the Rust criterion bench (docs/performance.md, "Python binding").

    .venv/bin/python bindings/python/benches/ks_2samp.py [--repeat 15] [--scipy]

Same sizes and distributions as crates/drift/benches/drift.rs (standard normals, the second shifted by
0.01 sigma; and an unshifted pair), float64 numpy arrays passed without copying. Prints the median and
range of wall-clock times per call.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import tradewarden.drift as td
from tradewarden import _native


def timed(fn, repeat):
    fn()  # warm-up
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), max(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--scipy", action="store_true", help="also time scipy.stats.ks_2samp (slow)")
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    cases = {
        "shifted by 0.01 sigma": (rng.normal(size=1_000_000), rng.normal(0.01, size=1_000_000)),
        "same distribution": (rng.normal(size=1_000_000), rng.normal(size=1_000_000)),
    }
    small_a, small_b = rng.normal(size=16), rng.normal(size=16)
    for label, fn in (("tradewarden.drift.ks_2samp", lambda: td.ks_2samp(small_a, small_b)),
                      ("tradewarden._native.ks_2samp", lambda: _native.ks_2samp(small_a, small_b))):
        med, _, _ = timed(fn, 20_000)
        print(f"{label} 16 vs 16 (binding overhead + exact p-value): median {med * 1e6:.2f} us")
    for name, (a, b) in cases.items():
        r = td.ks_2samp(a, b)
        med, lo, hi = timed(lambda: td.ks_2samp(a, b), args.repeat)
        print(f"tradewarden.drift.ks_2samp 1M vs 1M, {name}: median {med * 1e3:.1f} ms "
              f"(range {lo * 1e3:.1f}-{hi * 1e3:.1f}, n={args.repeat}); D={r.statistic:.5f} p={r.pvalue:.3g}")
        if args.scipy:
            from scipy import stats

            med, lo, hi = timed(lambda: stats.ks_2samp(a, b), 3)
            print(f"  scipy.stats.ks_2samp: median {med * 1e3:.1f} ms (range {lo * 1e3:.1f}-{hi * 1e3:.1f}, n=3)")


if __name__ == "__main__":
    main()
