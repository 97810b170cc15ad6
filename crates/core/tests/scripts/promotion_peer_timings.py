"""Peer timings for docs/performance.md (promotion section), same inputs as
crates/core/benches/promotion.rs (shape, not values: uniform returns).

Run: /tmp/peers/bin/python crates/core/tests/scripts/promotion_peer_timings.py [--skip-ffn]
"""
import sys
import time

import numpy as np
import pandas as pd
from arch.bootstrap import StationaryBootstrap

rng = np.random.default_rng(2)
r = (rng.random(2520) - 0.5) * 0.02 + 0.0002


def sharpe(x):
    return x.mean() / x.std(ddof=1)


def best_of(f, k):
    ts = []
    for _ in range(k):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]


t = best_of(lambda: StationaryBootstrap(10, r, seed=7).conf_int(sharpe, reps=1000, method="percentile"), 7)
print(f"arch StationaryBootstrap(10).conf_int(sharpe, reps=1000, percentile), n=2520: median {t * 1e3:.1f} ms")
t = best_of(lambda: StationaryBootstrap(10, r, seed=7).conf_int(sharpe, reps=1000, method="bca"), 3)
print(f"arch StationaryBootstrap(10).conf_int(sharpe, reps=1000, bca), n=2520: median {t * 1e3:.1f} ms")

if "--skip-ffn" not in sys.argv:
    import ffn

    m = pd.DataFrame((np.random.default_rng(1).random((2520, 100)) - 0.5) * 0.02 + 0.0002)
    t0 = time.perf_counter()
    ffn.core.calc_prob_backtest_overfitting(m, n_blocks=16)
    print(f"ffn calc_prob_backtest_overfitting(2520x100, n_blocks=16): {time.perf_counter() - t0:.2f} s (one run)")
