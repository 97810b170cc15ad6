"""tradewarden.drift's scipy-named functions against scipy's, per call, same process (issue 19).

    .venv/bin/python bindings/python/benches/drift_vs_scipy.py [--sizes 252,2520,100000,10000000]

Medians over repeats; each pair is timed in both orders (ours first, then scipy first) and the
median of all runs is kept. Prints one row per function × size: scipy's time, ours, and the ratio
scipy ÷ ours (> 1: we are faster). Needs a release build of the wheel (``maturin build --release``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
from scipy import stats
from scipy.spatial import distance as sdist

import tradewarden.drift as td


def _time(fn: Callable[[], Any], reps: int) -> List[float]:
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _reps(n: int) -> int:
    return 3 if n >= 5_000_000 else 9 if n >= 50_000 else 101


def cases(n: int, rng: np.random.Generator) -> Dict[str, Tuple[Callable[[], Any], Callable[[], Any]]]:
    a, b = rng.normal(size=n), rng.normal(0.1, 1.2, size=n)
    wa, wb = rng.random(n), rng.random(n)
    p, q = rng.random(n), rng.random(n)
    c: Dict[str, Tuple[Callable[[], Any], Callable[[], Any]]] = {
        "ks_2samp": (lambda: td.ks_2samp(a, b), lambda: stats.ks_2samp(a, b)),
        "cramervonmises_2samp": (lambda: td.cramervonmises_2samp(a, b), lambda: stats.cramervonmises_2samp(a, b)),
        "wasserstein_distance": (lambda: td.wasserstein_distance(a, b), lambda: stats.wasserstein_distance(a, b)),
        "wasserstein_distance weighted": (lambda: td.wasserstein_distance(a, b, wa, wb),
                                          lambda: stats.wasserstein_distance(a, b, wa, wb)),
        "energy_distance": (lambda: td.energy_distance(a, b), lambda: stats.energy_distance(a, b)),
        "energy_distance weighted": (lambda: td.energy_distance(a, b, wa, wb),
                                     lambda: stats.energy_distance(a, b, wa, wb)),
        "jensenshannon": (lambda: td.jensenshannon(p, q), lambda: sdist.jensenshannon(p, q)),
    }
    if n <= 100_000:
        p2, q2 = rng.random((n, 20)), rng.random((n, 20))
        c["jensenshannon 2-D (n×20, axis=0)"] = (lambda: td.jensenshannon(p2, q2), lambda: sdist.jensenshannon(p2, q2))
    return c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="252,2520,100000,10000000")
    args = ap.parse_args()
    rng = np.random.default_rng(19)
    print(f"{'function':36} {'n':>10} {'scipy':>11} {'ours':>11} {'ratio':>8}")
    for n in (int(s) for s in args.sizes.split(",")):
        for name, (ours, peer) in cases(n, rng).items():
            ours(), peer()  # warm up (and a first check that both run)
            reps = _reps(n)
            t_ours = _time(ours, reps) + []
            t_peer = _time(peer, reps)
            t_peer += _time(peer, reps)  # the other order: scipy first
            t_ours += _time(ours, reps)
            mo, mp = statistics.median(t_ours), statistics.median(t_peer)
            print(f"{name:36} {n:>10,} {mp * 1e3:>9.3f}ms {mo * 1e3:>9.3f}ms {mp / mo:>7.1f}×", flush=True)


if __name__ == "__main__":
    main()
