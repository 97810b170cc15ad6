#!/usr/bin/env python3
"""Writes peer_divergences.json: reference values computed by the peers themselves, for the Rust test
crates/drift/tests/peer_divergences.rs.

- KL divergence: scipy.stats.entropy(p, q, base) (= sum(scipy.special.rel_entr(p, q)) / log(base));
- Hellinger distance: scipy.spatial.distance.euclidean(sqrt(p), sqrt(q)) / sqrt(2);
- two-proportion z-test: statsmodels.stats.proportion.proportions_ztest([x1, x2], [n1, n2]) (pooled, two-sided).

Run (pinned peers, any venv):  pip install statsmodels==0.14.4 scipy==1.17.1 numpy
                               python make_peer_divergences.py > peer_divergences.json
"""
import json
import math

import numpy as np
import scipy
import statsmodels
from scipy.spatial.distance import euclidean
from scipy.stats import entropy
from statsmodels.stats.proportion import proportions_ztest


def enc(x):
    x = float(x)
    return "inf" if x == math.inf else x


rng = np.random.default_rng(20261206)
vectors = [
    ([0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]),
    ([0.5, 0.5], [0.9, 0.1]),
    ([0.0, 0.3, 0.7], [0.2, 0.3, 0.5]),          # 0·ln(0/q) = 0
    ([0.2, 0.3, 0.5], [0.0, 0.3, 0.7]),          # p > 0 = q: KL = +inf
    ([1.0], [1.0]),
    ([0.999999, 1e-6], [1e-6, 0.999999]),
]
for k in (5, 10, 50):
    p, q = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k) * 0.5)
    vectors.append(([float(x) for x in p / p.sum()], [float(x) for x in q / q.sum()]))

divergences = []
for p, q in vectors:
    pa, qa = np.array(p), np.array(q)
    row = {"p": p, "q": q, "hellinger": euclidean(np.sqrt(pa), np.sqrt(qa)) / math.sqrt(2)}
    for base in (None, 2.0, 10.0):
        row[f"kl_base_{base}"] = enc(entropy(pa, qa, base=base))
    divergences.append(row)

ztests = []
for x1, n1, x2, n2 in [(30, 100, 45, 100), (30, 100, 30, 100), (1, 10, 9, 10), (512, 1000, 488, 1000),
                       (0, 50, 5, 60), (7, 7, 3, 9), (123456, 1000000, 123000, 1000000)]:
    z, p = proportions_ztest([x1, x2], [n1, n2])
    ztests.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "z": float(z), "p": float(p)})

print(json.dumps({"about": __doc__.strip().splitlines()[0], "scipy": scipy.__version__,
                  "statsmodels": statsmodels.__version__, "divergences": divergences, "ztests": ztests},
                 indent=1))
