#!/usr/bin/env python3
"""Writes the inputs of tests/conformance/functions.json (deterministic: Python's own `random` with fixed
seeds, values rounded to 9 decimals so the file stays readable). The expected outputs are not written here:
the Rust runner fills them (`TW_BLESS=1 cargo test -p tradewarden --test conformance_functions`) and every
runner — Rust, Python, C, CLI — then checks its own door against them.

  python3 tests/conformance/make_functions.py > tests/conformance/functions.json   (then bless)
"""
import json
import random

NAN, INF = "nan", "inf"


def normal(seed, n, loc=0.0, scale=1.0, digits=9):
    rng = random.Random(seed)
    return [round(rng.gauss(loc, scale), digits) for _ in range(n)]


INPUTS = {}


def inp(name, values):
    """Registers an input array once; cases refer to it by name."""
    if name in INPUTS:
        assert INPUTS[name] == values, name
    INPUTS[name] = values
    return name


def case(id, fn, args, options=None):
    c = {"id": id, "fn": fn, "args": {k: inp(v[0], v[1]) for k, v in args.items()}}
    if options is not None:
        c["options"] = options
    return c


DAILY = {"annualization": 252.0, "risk_free": 0.0, "required_return": 0.0, "nan_policy": "error"}


def opts(**kw):
    o = dict(DAILY)
    o.update(kw)
    return o


def returns_cases():
    t4 = [0.01, -0.02, 0.015, 0.005]
    r252 = normal(1, 252, 0.0004, 0.011)
    r2520 = normal(2, 2520, 0.0002, 0.009)
    with_nan = [0.01, NAN, -0.02, 0.015, NAN, 0.005, -0.001]
    series = {
        "t4": (t4, opts()),
        "r252": (r252, opts()),
        "r2520": (r2520, opts()),
        "r252_weekly_rf": (r252, opts(annualization=52.0, risk_free=0.0001, required_return=0.0005)),
        "nan_skip": (with_nan, opts(nan_policy="skip")),
        "nan_propagate": (with_nan, opts(nan_policy="propagate")),
        "nan_error": (with_nan, opts()),
        "constant": ([0.001] * 30, opts()),
        "all_positive": ([0.01, 0.02, 0.005, 0.03], opts()),
        "all_negative": ([-0.01, -0.02, -0.005], opts()),
        "one_value": ([0.01], opts()),
        "empty": ([], opts()),
        "inf_value": ([0.01, INF, -0.01], opts(nan_policy="skip")),
        "bad_annualization": (t4, opts(annualization=0.0)),
        "nan_risk_free": (t4, opts(risk_free=NAN)),
    }
    key = {n: n.replace("_weekly_rf", "") for n in series}
    key.update({"nan_skip": "with_nan", "nan_propagate": "with_nan", "nan_error": "with_nan",
                "bad_annualization": "t4", "nan_risk_free": "t4"})
    fns = ["sharpe_ratio", "sortino_ratio", "max_drawdown", "annual_return", "annual_volatility", "calmar_ratio",
           "downside_risk"]
    out = []
    for name, (r, o) in series.items():
        for fn in fns:
            out.append(case(f"{fn}/{name}", f"returns.{fn}", {"returns": (key[name], r)}, o))
        out.append(case(f"summary/{name}", "returns.summary", {"returns": (key[name], r)}, o))
    bench = normal(3, 252, 0.0003, 0.010)
    out.append(case("summary/r252_benchmark", "returns.summary", {"returns": ("r252", r252), "benchmark": ("bench252", bench)}, opts()))
    out.append(case("summary/benchmark_length", "returns.summary", {"returns": ("r252", r252), "benchmark": ("bench100", bench[:100])},
                    opts()))
    return out


def drift_cases():
    out = []
    a, b = normal(10, 50), normal(11, 60, 0.5)
    c, d = normal(12, 3000), normal(13, 2500, 0.05)
    e, f = normal(14, 10001, digits=4), normal(15, 40, 0.3, digits=4)
    ties_a = [float(x % 7) for x in range(80)]
    ties_b = [float(x % 5) for x in range(90)]
    for alt in ("two-sided", "less", "greater"):
        out.append(case(f"ks_2samp/small/{alt}", "drift.ks_2samp", {"data1": ("ks_a50", a), "data2": ("ks_b60", b)}, {"alternative": alt}))
        out.append(case(f"ks_2samp/ties/{alt}", "drift.ks_2samp", {"data1": ("ties80", ties_a), "data2": ("ties90", ties_b)},
                        {"alternative": alt}))
    out.append(case("ks_2samp/exact_3000", "drift.ks_2samp", {"data1": ("ks_c3000", c), "data2": ("ks_d2500", d)}, {"alternative": "two-sided"}))
    out.append(case("ks_2samp/asymptotic", "drift.ks_2samp", {"data1": ("ks_e10001", e), "data2": ("ks_f40", f)}, {"alternative": "two-sided"}))
    out.append(case("ks_2samp/empty", "drift.ks_2samp", {"data1": ("empty", []), "data2": ("ks_b60", b)}, {"alternative": "two-sided"}))
    out.append(case("ks_2samp/nan", "drift.ks_2samp", {"data1": ("nan3", [0.1, NAN, 0.3]), "data2": ("ks_b60", b)},
                    {"alternative": "two-sided"}))
    p, q = [0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]
    out.append(case("jensenshannon/natural", "drift.jensenshannon", {"p": ("p4", p), "q": ("q4", q)}, {"base": None}))
    out.append(case("jensenshannon/base2", "drift.jensenshannon", {"p": ("p4", p), "q": ("q4", q)}, {"base": 2.0}))
    out.append(case("jensenshannon/unnormalised", "drift.jensenshannon", {"p": ("p3", [1.0, 2.0, 7.0]), "q": ("q3", [3.0, 3.0, 4.0])},
                    {"base": None}))
    out.append(case("jensenshannon/zeros", "drift.jensenshannon", {"p": ("p01", [0.0, 1.0]), "q": ("q10", [1.0, 0.0])}, {"base": 2.0}))
    out.append(case("jensenshannon/negative", "drift.jensenshannon", {"p": ("pneg", [-0.1, 1.1]), "q": ("qhalf", [0.5, 0.5])},
                    {"base": None}))
    out.append(case("jensenshannon/base1", "drift.jensenshannon", {"p": ("p4", p), "q": ("q4", q)}, {"base": 1.0}))
    ref, cur = normal(20, 2000), normal(21, 1500, 0.4)
    for bins in ("quantile", "equal_width"):
        for n in (10, 4):
            out.append(case(f"psi/{bins}{n}", "drift.psi", {"reference": ("ref2000", ref), "current": ("cur1500", cur)},
                            {"strategy": bins, "bins": n, "epsilon": 1e-4, "nan_policy": "error"}))
    out.append(case("psi/same", "drift.psi", {"reference": ("ref2000", ref), "current": ("ref2000", ref)},
                    {"strategy": "quantile", "bins": 10, "epsilon": 1e-4, "nan_policy": "error"}))
    out.append(case("psi/eps", "drift.psi", {"reference": ("ref2000", ref), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 10, "epsilon": 1e-6, "nan_policy": "error"}))
    out.append(case("psi/one_bin", "drift.psi", {"reference": ("ref2000", ref), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 1, "epsilon": 1e-4, "nan_policy": "error"}))
    out.append(case("psi/nan_skip", "drift.psi", {"reference": ("ref_nan6", [0.1, NAN, 0.5, 0.9, -0.3, 0.2]), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 2, "epsilon": 1e-4, "nan_policy": "skip"}))
    out.append(case("psi/nan_error", "drift.psi", {"reference": ("ref_nan6", [0.1, NAN, 0.5, 0.9, -0.3, 0.2]), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 2, "epsilon": 1e-4, "nan_policy": "error"}))
    return out


def main():
    doc = {
        "about": "Cross-door conformance of the functions bound in two or more languages (docs/conformance.md). "
                 "Inputs from tests/conformance/make_functions.py; `expect` written by the Rust runner "
                 "(TW_BLESS=1) and checked by every runner. Floats: JSON numbers; NaN and infinities as the "
                 "strings \"nan\", \"inf\", \"-inf\". `args` name arrays of `inputs`. `expect` is {\"value\": x}, {\"values\": {...}} or "
                 "{\"error\": kind}, kind an ErrorKind name.",
        # Measured on these cases: the scalar and AVX2 paths against AVX-512 differ by at most 4438 ulps
        # (sharpe_ratio of r2520, whose mean nearly cancels), 3153 (sortino), 512 (annual_return),
        # 419 (calmar), 12 (max_drawdown), 9 (annual_volatility), 2 (downside_risk); summary and the drift
        # functions not at all. Bounds: about 4x the measured, for other CPUs only.
        "ulps": {"returns.sharpe_ratio": 16384, "returns.sortino_ratio": 16384, "returns.annual_return": 2048,
                 "returns.calmar_ratio": 2048, "returns.max_drawdown": 64, "returns.annual_volatility": 64,
                 "returns.downside_risk": 16},
        "cases": returns_cases() + drift_cases(),
    }
    doc["inputs"] = INPUTS
    print(dumps(doc))


def dumps(doc):
    """One case per line, one input array per line: diffs stay readable."""
    lines = ["{"]
    lines.append(f' "about": {json.dumps(doc["about"])},')
    lines.append(f' "ulps": {json.dumps(doc["ulps"])},')
    lines.append(' "cases": [')
    lines.append(",\n".join("  " + json.dumps(c) for c in doc["cases"]))
    lines.append(" ],")
    lines.append(' "inputs": {')
    lines.append(",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in doc["inputs"].items()))
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
