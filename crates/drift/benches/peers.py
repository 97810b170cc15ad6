#!/usr/bin/env python3
"""Peer timings for docs/performance.md (Drift): scipy ks_2samp, numpy PSI, fit+PSI and a
numpy/scipy report loop; prints median wall and CPU (process_time) per workload.
Usage: .venv/bin/python crates/drift/benches/peers.py [features timed, default 10]"""
import time, sys
import numpy as np
from scipy import stats
from scipy.spatial import distance

def med(f, reps):
    ts, cs = [], []
    f()
    for _ in range(reps):
        c = time.process_time(); t = time.perf_counter(); f(); ts.append(time.perf_counter() - t); cs.append(time.process_time() - c)
    ts.sort(); cs.sort(); return ts[len(ts)//2] * 1e3, cs[len(cs)//2] * 1e3

rng = np.random.default_rng(1)
a = rng.standard_normal(1_000_000); b = rng.standard_normal(1_000_000) + 0.01
print("scipy ks_2samp 1M vs 1M shifted: median %.1f ms (cpu %.1f)" % med(lambda: stats.ks_2samp(a, b), 5))
c = rng.standard_normal(1_000_000)
print("scipy ks_2samp 1M vs 1M same: median %.1f ms (cpu %.1f)" % med(lambda: stats.ks_2samp(a, c), 5))

r = rng.standard_normal(1_000_000); cur = rng.standard_normal(1_000_000) + 0.05
def fit(ref):
    q = np.quantile(ref, np.arange(1, 10) / 10)
    edges = np.concatenate([[-np.inf], q, [np.inf]])
    return edges, np.histogram(ref, edges)[0]
edges, rc = fit(r)
def psi(edges, rc, x):
    cc = np.histogram(x, edges)[0]
    e = np.maximum(rc / rc.sum(), 1e-4); a_ = np.maximum(cc / cc.sum(), 1e-4)
    return np.sum((a_ - e) * np.log(a_ / e))
def psi_ss(edges, rc, x):
    cc = np.bincount(np.searchsorted(edges[1:-1], x, side="right"), minlength=len(rc))
    e = np.maximum(rc / rc.sum(), 1e-4); a_ = np.maximum(cc / cc.sum(), 1e-4)
    return np.sum((a_ - e) * np.log(a_ / e))
print("numpy psi 1M vs frozen deciles (np.histogram): median %.1f ms (cpu %.1f)" % med(lambda: psi(edges, rc, cur), 9))
print("numpy psi 1M vs frozen deciles (searchsorted+bincount): median %.1f ms (cpu %.1f)" % med(lambda: psi_ss(edges, rc, cur), 9))
print("numpy fit (np.quantile deciles + histogram) + psi 1M+1M: median %.1f ms (cpu %.1f)" % med(lambda: psi(*fit(r), cur), 7))

nf, rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10, 200_000
refs = [rng.standard_normal(rows) for _ in range(nf)]
curs = [rng.standard_normal(rows) + (0.1 if i % 5 == 0 else 0) for i in range(nf)]
profs = [fit(x) for x in refs]
def loop():
    for x, y, (ed, rc_) in zip(refs, curs, profs):
        stats.ks_2samp(x, y); psi(ed, rc_, y)
        distance.jensenshannon(rc_, np.histogram(y, ed)[0])
m, mn = med(loop, 3)
print("numpy/scipy loop, %d features x 200k KS+PSI+JS: median %.0f ms (cpu %.0f) -> x%.0f for 50 features: %.0f ms" % (nf, m, mn, 50/nf, m*50/nf))
