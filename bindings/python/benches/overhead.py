"""Per-call overhead of the Python binding on small inputs (median of 5 timeit runs).

Run after ./scripts/test (which builds the wheel into .venv):
    .venv/bin/python bindings/python/benches/overhead.py
"""
import timeit

import numpy as np

import tradewarden.returns as ep
from tradewarden import _native

r = np.random.default_rng(1).normal(0, 0.01, 16)
N = 200_000
CASES = [
    ("tradewarden.returns.sharpe_ratio, 16 values", lambda: ep.sharpe_ratio(r)),
    ("tradewarden._native.sharpe_ratio, 16 values", lambda: _native.sharpe_ratio(r)),
    ("tradewarden.returns.max_drawdown, 16 values", lambda: ep.max_drawdown(r)),
    ("tradewarden.returns.beta, 16 + 16 values", lambda: ep.beta(r, r)),
]
for name, f in CASES:
    ts = sorted(timeit.timeit(f, number=N) / N * 1e6 for _ in range(5))
    print(f"{name}: median {ts[2]:.2f} us")
