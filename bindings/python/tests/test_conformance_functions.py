"""Cross-door conformance, Python runner: every case of tests/conformance/functions.json through the native
door (`tradewarden._native`: the strict API, typed errors — the compatibility layers' own contracts are proven
by empyrical's and scipy's test suites), compared with the file's `expect` and, bit for bit, with the Rust
runner's answers on this machine (docs/conformance.md)."""

import hashlib
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tradewarden
from tradewarden import _native

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
import functions_check as fc  # noqa: E402

DOC = fc.load()
KIND = {cls.kind: "".join(p.title() for p in cls.kind.split("_"))
        for cls in vars(tradewarden.errors).values()
        if isinstance(cls, type) and issubclass(cls, tradewarden.errors.TradewardenError)}
RETURNS = ["sharpe_ratio", "sortino_ratio", "max_drawdown", "annual_return", "annual_volatility", "calmar_ratio",
           "downside_risk"]
UNARY = RETURNS + ["tail_ratio", "stability_of_timeseries", "skew", "kurtosis", "win_rate", "profit_factor",
                   "ulcer_index"]
PAIR = ["beta", "up_capture", "down_capture"]
RESEARCH = ["probabilistic_sharpe_ratio", "deflated_sharpe_ratio", "min_track_record_length", "bootstrap_ci", "pbo"]
OBJECTS = ["state", "attribution", "operations_summary", "html_report"]
# The functions this door binds (docs/conformance.md lists every door's names: tests/conformance/conformance_coverage.py).
FUNCTIONS = ([f"returns.{f}" for f in UNARY + PAIR]
             + ["returns.value_at_risk", "returns.conditional_value_at_risk", "returns.omega_ratio", "returns.alpha",
                "returns.summary", "drift.ks_2samp", "drift.jensenshannon", "drift.psi"]
             + [f"returns.{f}" for f in RESEARCH + OBJECTS])


def _arr(case, name):
    return np.array([fc.num(v) for v in DOC["inputs"][case["args"][name]]], dtype=np.float64)


def answer(case):
    f, o = case["fn"], case.get("options", {})
    try:
        if f == "returns.summary":
            b = _arr(case, "benchmark") if "benchmark" in case["args"] else None
            d = _native.summary(_arr(case, "returns"), b, "daily", fc.num(o["annualization"]),
                                fc.num(o["risk_free"]), fc.num(o["required_return"]), 0.05, o["nan_policy"])
            return {"values": {k: fc.enc(v) for k, v in d.items()}}
        name = f.split(".", 1)[1]
        if name in RESEARCH:
            return research(name, case, o)
        if name in OBJECTS:
            return objects(name, case, o)
        # a period by name (annualization None) as the case gives it, else the number
        period, ann = (o["period"], None) if "period" in o else ("daily", fc.num(o.get("annualization", 252.0)))
        if name in UNARY:
            v = getattr(_native, name)(_arr(case, "returns"), period, ann, fc.num(o["risk_free"]),
                                       fc.num(o["required_return"]), o["nan_policy"])
            return {"value": fc.enc(v)}
        if name in PAIR:
            v = getattr(_native, name)(_arr(case, "returns"), _arr(case, "factor_returns"), period, ann,
                                       fc.num(o["risk_free"]), o["nan_policy"])
            return {"value": fc.enc(v)}
        if name == "alpha":
            v, _ = _native.alpha_beta(o.get("which", "all"), _arr(case, "returns"), _arr(case, "factor_returns"), period, ann,
                                      fc.num(o["risk_free"]), True, o["nan_policy"])
            return {"value": fc.enc(v)}
        if name in ("value_at_risk", "conditional_value_at_risk"):
            # the native door has no period or risk-free here: VaR uses neither
            which = "cvar" if name == "conditional_value_at_risk" else "var"
            v = _native.value_at_risk(which, _arr(case, "returns"), fc.num(o["cutoff"]), o["method"],
                                      o["nan_policy"])
            return {"value": fc.enc(v)}
        if name == "omega_ratio":
            v = _native.omega_ratio(_arr(case, "returns"), fc.num(o["risk_free"]), fc.num(o["omega_required_return"]),
                                    fc.num(o["annualization"]), o["nan_policy"])
            return {"value": fc.enc(v)}
        if f == "drift.ks_2samp":
            stat, p, *_ = _native.ks_2samp(_arr(case, "data1"), _arr(case, "data2"), o["alternative"], "auto",
                                           "error")
            return {"values": {"statistic": fc.enc(stat), "pvalue": fc.enc(p)}}
        if f == "drift.jensenshannon":
            base = None if o["base"] is None else fc.num(o["base"])
            return {"value": fc.enc(_native.jensenshannon(_arr(case, "p"), _arr(case, "q"), base))}
        if f == "drift.psi":
            v = _native.psi(_arr(case, "reference"), _arr(case, "current"), o["bins"], o["strategy"],
                            fc.num(o["epsilon"]), None, o["nan_policy"])
            return {"value": fc.enc(v)}
    except tradewarden.TradewardenError as e:
        return {"error": KIND[e.kind]}
    raise AssertionError(f"the Python runner does not bind {f}")


def research(name, case, o):
    """PSR, DSR, MinTRL, bootstrap CIs, PBO through the native door (the public `tradewarden.returns` wraps these
    in result objects; PBO also through it, since it owns the matrix layout)."""
    r = _arr(case, "returns") if "returns" in case["args"] else None
    if name == "probabilistic_sharpe_ratio":
        return {"value": fc.enc(_native.probabilistic_sharpe_ratio(
            r, fc.num(o["sr_benchmark"]), o["convention"], fc.num(o["risk_free"]), o["nan_policy"]))}
    if name == "deflated_sharpe_ratio":
        return {"value": fc.enc(_native.deflated_sharpe_ratio(
            r, _arr(case, "trial_sharpes"), o["convention"], fc.num(o["risk_free"]), o["nan_policy"]))}
    if name == "min_track_record_length":
        return {"value": fc.enc(_native.min_track_record_length(
            r, fc.num(o["sr_benchmark"]), fc.num(o["alpha"]), o["convention"], fc.num(o["risk_free"]),
            o["nan_policy"]))}
    if name == "bootstrap_ci":
        d = _native.bootstrap_ci(r, o["metric"], o["n_resamples"], o["resampling"], fc.num(o["block_length"]),
                                 o["interval"], fc.num(o["confidence"]), o["seed"], "daily",
                                 fc.num(o["annualization"]))
        return {"values": {k: fc.enc(d[k]) for k in ("estimate", "lower", "upper", "confidence", "n_resamples",
                                                     "std_error")}}
    # PBO: the file's T x N matrix row by row, as a C-ordered and as a Fortran-ordered array through the public
    # function (which owns the layout), and through the promotion gate: one PBO, whatever the memory order.
    m = _arr(case, "matrix").reshape(o["n_rows"], o["n_cols"])
    res = tradewarden.returns.probability_of_backtest_overfitting(m, o["n_blocks"])
    fortran = tradewarden.returns.probability_of_backtest_overfitting(np.asfortranarray(m), o["n_blocks"])
    gate = tradewarden.guardrails.promotion_gates(m[:, 0], np.array([], dtype=np.float64),
                                                  {"max_pbo": 0.5, "pbo_blocks": o["n_blocks"]}, returns_matrix=m)
    gate_pbo = next(c["value"] for c in gate["checks"] if c["name"] == "pbo")
    if fc.ulps(fortran.pbo, res.pbo) or fc.ulps(fortran.mean_oos_rank, res.mean_oos_rank):
        return {"error": "MemoryOrderDependent"}
    slope, intercept, r2 = res.degradation
    return {"values": {"pbo": fc.enc(res.pbo), "gate_pbo": fc.enc(gate_pbo), "mean_oos_rank": fc.enc(res.mean_oos_rank),
                       "n_combinations": fc.enc(res.n_combinations), "n_rows_used": fc.enc(res.n_rows_used),
                       "prob_loss": fc.enc(res.prob_loss), "degradation_slope": fc.enc(slope),
                       "degradation_intercept": fc.enc(intercept), "degradation_r_squared": fc.enc(r2)}}


def _strings(case, name):
    return list(DOC["inputs"][case["args"][name]])


def _trades(case):
    """The case's trade log as an Arrow table (the door's `trades`), or None."""
    if "timestamp" not in case["args"]:
        return None
    import pyarrow as pa

    return pa.table({"timestamp": pa.array(_arr(case, "timestamp").astype(np.int64)),
                     "symbol": pa.array(_strings(case, "symbol")),
                     "notional": pa.array(_arr(case, "notional")), "pnl": pa.array(_arr(case, "pnl"))})


def objects(name, case, o):
    """ReturnsState, attribution, operations summary, HTML page through the native door."""
    r = _arr(case, "returns")
    if name == "state":
        cuts = list(o["splits"]) + [len(r)]
        req, policy = fc.num(o["required_return"]), o["nan_policy"]
        parts, start = [], 0
        for c in cuts:
            parts.append(_native.ReturnsState.from_returns(r[start:c], req, policy))
            start = c
        merged = _native.ReturnsState.merge_all(parts)
        whole = _native.ReturnsState.from_returns(r, req, policy)
        text = merged.to_bytes()
        # the cross-door artefact: the state the Rust runner wrote (the file's expect.text), read by this door
        rust_text = case.get("expect", {}).get("text")
        loaded = _native.ReturnsState.from_bytes(rust_text.encode() if rust_text is not None else text)
        values = {}
        for label, st in (("merged", merged), ("whole", whole), ("loaded", loaded)):
            for k, v in st.metrics("daily", fc.num(o["annualization"]), fc.num(o["risk_free"])).items():
                values[f"{label}.{k}"] = fc.enc(v)
        return {"values": values, "text": text.decode()}
    if name == "attribution":
        rows = _native.attribution_by_symbol(_strings(case, "symbols"), r)
        values = {}
        for i, x in enumerate(rows):
            for k in ("samples", "sample_weight", "average_return", "cumulative_return", "contribution"):
                values[f"{i}:{x['symbol']}.{k}"] = fc.enc(x[k])
        return {"values": values}
    if name == "operations_summary":
        b = _arr(case, "factor_returns") if "factor_returns" in case["args"] else None
        doc = _native.operations_summary(r, b, _trades(case), fc.num(o["capital"]), fc.num(o["tail_percentile"]),
                                         o["thresholds"], None, "daily", fc.num(o["annualization"]),
                                         fc.num(o["risk_free"]), fc.num(o["cutoff"]), o["nan_policy"])
        return {"document": json.loads(json.dumps(doc))}
    b = _arr(case, "benchmark") if "benchmark" in case["args"] else None
    dates = _arr(case, "dates").astype(np.int64) if "dates" in case["args"] else None
    page = _native.html_report(r, b, dates, "date", "no dates given", o["name"], o["benchmark_name"], _trades(case),
                               fc.num(o["capital"]), fc.num(o["tail_percentile"]), o["thresholds"], None, "daily",
                               fc.num(o["annualization"]), fc.num(o["risk_free"]), o["nan_policy"])
    return {"sha256": hashlib.sha256(page.encode()).hexdigest()}


@pytest.fixture(scope="module")
def answers():
    return {c["id"]: answer(c) for c in DOC["cases"] if c["fn"] in FUNCTIONS}


def test_every_case_as_the_file_says(answers):
    n, bad = fc.check(DOC, answers, only=set(FUNCTIONS))
    assert n > 100 and not bad, "\n".join(bad)


def test_every_function_of_the_file_is_bound_here():
    assert {c["fn"] for c in DOC["cases"]} <= set(FUNCTIONS)


def test_bit_identical_to_the_rust_door(answers, tmp_path):
    """Same machine, same dispatch: the Python door must give the Rust library's bits exactly."""
    out = tmp_path / "rust.json"
    env = dict(os.environ, TW_CONFORMANCE_OUT=str(out))
    subprocess.run(["cargo", "test", "-q", "--locked", "-p", "tradewarden", "--test", "conformance_functions"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    rust = json.loads(out.read_text())
    bad = fc.identical(answers, rust, sorted(answers))
    assert not bad, "\n".join(bad)


def test_native_value_at_risk_refuses_an_unknown_which():
    """`which` picks VaR or CVaR in the native door: a misspelt name is an error, never a silent VaR."""
    r = np.array([0.01, -0.02, 0.015, 0.005])
    assert _native.value_at_risk("var", r, 0.05, "historical", "error") != \
        _native.value_at_risk("cvar", r, 0.05, "historical", "error")
    with pytest.raises(tradewarden.errors.InvalidInputError):
        _native.value_at_risk("CVaR", r, 0.05, "historical", "error")


def test_the_checker_can_fail(answers):
    cid = next(c["id"] for c in DOC["cases"] if "value" in c["expect"] and isinstance(c["expect"]["value"], float))
    wrong = dict(answers)
    x = fc.num(wrong[cid]["value"])
    wrong[cid] = {"value": fc.enc(math.nextafter(x, math.inf) if x == x else 0.0)}
    assert fc.identical(wrong, answers, [cid])
    assert fc.check(DOC, {**wrong, cid: {"error": "InvalidInput"}}, only=set(FUNCTIONS))[1]


# ---- the CLI door: `tradewarden report --json` over the summary cases ----
# The CLI has no --required-return: cases with a required return other than 0 are not expressible there
# (the coverage table says so). Its document writes a non-finite number as null with the reason.
CLI_FUNCTIONS = ["returns.summary"]
CLI_EXIT = {"InvalidInput": 3, "InvalidConfig": 3, "NotFound": 3, "Io": 4, "Corrupt": 4}


def _cli_exe():
    build = subprocess.run(["cargo", "build", "-q", "--locked", "-p", "tradewarden-cli", "--message-format=json"],
                           cwd=ROOT, check=True, capture_output=True, text=True).stdout
    exes = [m["executable"] for m in map(json.loads, build.splitlines())
            if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "tradewarden"]
    assert len(exes) == 1
    return exes[0]


def _csv(path, values):
    def cell(v):
        x = fc.num(v)
        return "NaN" if math.isnan(x) else ("inf" if x == math.inf else ("-inf" if x == -math.inf else repr(x)))
    path.write_text("ret\n" + "".join(cell(v) + "\n" for v in values))
    return path


def test_cli_report_gives_the_files_summary(tmp_path):
    exe = _cli_exe()
    cases = [c for c in DOC["cases"] if c["fn"] in CLI_FUNCTIONS and fc.num(c["options"]["required_return"]) == 0.0]
    assert len(cases) >= 10
    bad = []
    for i, c in enumerate(cases):
        o = c["options"]
        args = [exe, "report", "--returns", str(_csv(tmp_path / f"r{i}.csv", DOC["inputs"][c["args"]["returns"]])),
                "--annualization", repr(fc.num(o["annualization"])), "--risk-free", repr(fc.num(o["risk_free"])),
                "--nan-policy", o["nan_policy"], "--out", str(tmp_path / f"out{i}"), "--json"]
        if "benchmark" in c["args"]:
            args += ["--benchmark", str(_csv(tmp_path / f"b{i}.csv", DOC["inputs"][c["args"]["benchmark"]]))]
        p = subprocess.run(args, capture_output=True, text=True)
        want = c["expect"]
        if "error" in want:
            if p.returncode != CLI_EXIT[want["error"]]:
                bad.append(f"{c['id']}: exit {p.returncode}, expected {want['error']} ({p.stderr.strip()})")
            continue
        if p.returncode != 0:
            bad.append(f"{c['id']}: exit {p.returncode}: {p.stderr.strip()}")
            continue
        doc = json.loads(p.stdout)
        got = {}
        for k, v in doc["metrics"].items():
            if v is None:  # the reason names what the value was
                why = doc["non_finite"][f"metrics.{k}"]
                v = "nan" if why.startswith("nan") else ("inf" if why.startswith("+inf") else "-inf")
            got[k] = v
        bound = 0 if os.environ.get("TRADEWARDEN_SIMD") == "scalar" else DOC["ulps"].get(c["fn"], 0)
        bad += fc.compare(c["id"], want, {"values": got}, bound)
    assert not bad, "\n".join(bad)


def test_coverage_table_is_current_and_names_exist():
    """docs/conformance.md's table is generated (tests/conformance/conformance_coverage.py) and each door name exists."""
    import conformance_coverage as cov

    names = set(dir(_native))
    assert cov.missing_names(python_names=names) == []
    assert (ROOT / "docs" / "conformance.md").read_text() == cov.spliced(), \
        "docs/conformance.md is stale: python3 tests/conformance/conformance_coverage.py write"
    # the check can fail: an unknown name is reported
    cov.ROWS.append(("x", "x", "returns::no_such_fn", "_native.no_such", "tw_no_such", "no-such", None, ""))
    try:
        assert len(cov.missing_names(python_names=names)) == 4
    finally:
        cov.ROWS.pop()
