#!/usr/bin/env python3
"""Generate scipy reference cases for tradewarden-drift.

Re-runnable, not needed by CI:

    /tmp/peers/bin/python crates/drift/tests/gen_scipy_cases.py
    (or .venv/bin/python; needs scipy >= 1.17 for anderson_ksamp(variant=))

Inputs are not stored: each sample is described by (seed, n, shift, scale,
ties) and regenerated bit-for-bit by the Rust tests with the same
splitmix64-based generator (see `gen_sample` below and tests/common/mod.rs).
"""
import json
import math
import os
import random
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

MASK = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def gen_sample(spec):
    """Bell-shaped values shift + scale*(u1+u2+u3-1.5); if ties > 0 rounded
    to multiples of 1/ties (floor(v*ties+0.5)/ties)."""
    state = spec["seed"] & MASK
    out = []
    for _ in range(spec["n"]):
        us = []
        for _ in range(3):
            state, z = splitmix64(state)
            us.append((z >> 11) * (1.0 / 9007199254740992.0))
        v = spec["shift"] + spec["scale"] * (((us[0] + us[1]) + us[2]) - 1.5)
        if spec["ties"] > 0:
            v = math.floor(v * spec["ties"] + 0.5) / spec["ties"]
        out.append(v)
    return np.array(out, dtype=np.float64)


def spec(rng, n, shift=0.0):
    return {
        "seed": rng.randrange(1 << 63),
        "n": n,
        "shift": shift,
        "scale": rng.choice([1.0, 2.0, 0.5]),
        "ties": rng.choice([0, 0, 0, 4, 20]),
    }


def rand_n(rng, lo=1, hi=20000):
    # log-uniform so that small sizes are well represented
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def ks_cases(rng):
    cases = []
    alts = ["two-sided", "less", "greater"]
    methods = ["auto", "exact", "asymp"]
    for i in range(330):
        n1, n2 = rand_n(rng), rand_n(rng)
        if i % 10 == 0:
            n2 = n1  # equal sizes take a different exact path
        if i % 17 == 0:
            n1, n2 = rng.randint(1, 12), rng.randint(1, 12)
        method = methods[i % 3]
        alt = alts[(i // 3) % 3]
        if method == "exact" and alt == "two-sided" and n1 * n2 > 4e7:
            n1 = max(1, n1 // 4)
        shift = rng.choice([0.0, 0.0, 0.05, 0.2, 1.0])
        s1, s2 = spec(rng, n1), spec(rng, n2, shift)
        s2["ties"] = s1["ties"]
        a, b = gen_sample(s1), gen_sample(s2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = stats.ks_2samp(a, b, alternative=alt, method=method)
        cases.append({
            "a": s1, "b": s2, "alternative": alt, "method": method,
            "statistic": float(r.statistic), "pvalue": float(r.pvalue),
            "statistic_location": float(r.statistic_location),
            "statistic_sign": int(r.statistic_sign),
        })
    return cases


def dist_cases(rng):
    out = {"jensenshannon": [], "wasserstein": [], "energy": [], "cvm": [],
           "mannwhitneyu": [], "chi2_contingency": [], "anderson_ksamp": []}
    for i in range(40):
        k = rng.randint(2, 12)
        p = [rng.random() * (0 if rng.random() < 0.15 else 1) for _ in range(k)]
        q = [rng.random() for _ in range(k)]
        p[0] += 0.01
        base = rng.choice([None, 2.0, 10.0, math.e])
        out["jensenshannon"].append({
            "p": p, "q": q, "base": base,
            "value": float(distance.jensenshannon(p, q, base=base)),
        })
    for i in range(40):
        s1, s2 = spec(rng, rand_n(rng, 1, 3000)), spec(rng, rand_n(rng, 1, 3000), rng.choice([0.0, 0.3]))
        a, b = gen_sample(s1), gen_sample(s2)
        out["wasserstein"].append({"a": s1, "b": s2, "value": float(stats.wasserstein_distance(a, b))})
        out["energy"].append({"a": s1, "b": s2, "value": float(stats.energy_distance(a, b))})
    for i in range(30):
        s1, s2 = spec(rng, rand_n(rng, 2, 400)), spec(rng, rand_n(rng, 2, 400), rng.choice([0.0, 0.3]))
        if i < 8:
            s1["n"], s2["n"] = rng.randint(2, 9), rng.randint(2, 9)
        a, b = gen_sample(s1), gen_sample(s2)
        r = stats.cramervonmises_2samp(a, b)
        out["cvm"].append({"a": s1, "b": s2, "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    for i in range(30):
        s1, s2 = spec(rng, rand_n(rng, 1, 2000)), spec(rng, rand_n(rng, 1, 2000), rng.choice([0.0, 0.2]))
        a, b = gen_sample(s1), gen_sample(s2)
        alt = ["two-sided", "less", "greater"][i % 3]
        r = stats.mannwhitneyu(a, b, alternative=alt)
        out["mannwhitneyu"].append({"a": s1, "b": s2, "alternative": alt,
                                    "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    for i in range(30):
        r_, c_ = rng.randint(2, 5), rng.randint(2, 6)
        if i < 8:
            r_, c_ = 2, 2
        t = [[rng.randint(1, 200) for _ in range(c_)] for _ in range(r_)]
        res = stats.chi2_contingency(t)
        out["chi2_contingency"].append({"table": t, "statistic": float(res.statistic),
                                        "pvalue": float(res.pvalue), "dof": int(res.dof)})
    for i in range(20):
        k = rng.randint(2, 4)
        specs = [spec(rng, rand_n(rng, 5, 500), rng.choice([0.0, 0.2])) for _ in range(k)]
        samples = [gen_sample(s) for s in specs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = stats.anderson_ksamp(samples)
        out["anderson_ksamp"].append({"samples": specs, "statistic": float(r.statistic),
                                      "pvalue": float(r.pvalue)})
    return out


def evidently_psi(ref, cur):
    """Evidently's `psi` stat test, written from its documented algorithm:
    Sturges bins on reference + current (np.histogram_bin_edges) when the
    reference has more than 20 distinct values, else one bin per distinct
    value of reference + current; fractions; a zero fraction replaced by
    (smallest non-zero fraction)/1e6 if that is <= 1e-4, else by 1e-4;
    PSI = sum((r - c) * ln(r / c))."""
    if np.unique(ref).size > 20:
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        r = np.histogram(ref, edges)[0] / ref.size
        c = np.histogram(cur, edges)[0] / cur.size
    else:
        keys = np.unique(np.concatenate([ref, cur]))
        r = np.array([np.count_nonzero(ref == k) for k in keys]) / ref.size
        c = np.array([np.count_nonzero(cur == k) for k in keys]) / cur.size
    for p in (r, c):
        nz = p[p != 0]
        fill = nz.min() / 1e6 if nz.min() <= 1e-4 else 1e-4
        p[p == 0] = fill
    return float(np.sum((r - c) * np.log(r / c)))


def extra_cases(rng):
    """Cases added after the first release of the JSON; drawn after all the
    others so the earlier cases stay bit-identical when regenerated."""
    out = {"anderson_ksamp_variants": [], "psi_evidently": []}
    variants = ["midrank", "right", "continuous"]
    for i in range(36):
        k = rng.randint(2, 4)
        specs = [spec(rng, rand_n(rng, 3, 2000), rng.choice([0.0, 0.0, 0.05, 0.1, 0.3]))
                 for _ in range(k)]
        if i % 4 == 0:
            for s in specs:
                s["ties"] = 20
        samples = [gen_sample(s) for s in specs]
        variant = variants[i % 3]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # capped/floored p-value notices
            r = stats.anderson_ksamp(samples, variant=variant)
        out["anderson_ksamp_variants"].append({
            "samples": specs, "variant": variant,
            "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    for i in range(30):
        s1 = spec(rng, rand_n(rng, 2, 20000))
        s2 = spec(rng, rand_n(rng, 1, 20000), rng.choice([0.0, 0.05, 0.3, 2.0]))
        if i % 5 == 0:
            s1["ties"] = s2["ties"] = 4  # few distinct values: per-value bins
        a, b = gen_sample(s1), gen_sample(s2)
        out["psi_evidently"].append({"reference": s1, "current": s2,
                                     "value": evidently_psi(a, b)})
    return out


def main():
    rng = random.Random(20261123)
    doc = {
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "generator": "splitmix64; see gen_sample()",
        "ks_2samp": ks_cases(rng),
    }
    doc.update(dist_cases(rng))
    doc.update(extra_cases(rng))
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "data", "scipy_cases.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=0)
    print("wrote", path, {k: len(v) for k, v in doc.items() if isinstance(v, list)})


if __name__ == "__main__":
    main()
