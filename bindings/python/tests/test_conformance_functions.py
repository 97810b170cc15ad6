"""Cross-door conformance, Python runner: every case of tests/conformance/functions.json through the native
door (`tradewarden._native`: the strict API, typed errors — the compatibility layers' own contracts are proven
by empyrical's and scipy's test suites), compared with the file's `expect` and, bit for bit, with the Rust
runner's answers on this machine (docs/conformance.md)."""

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
# The functions this door binds (docs/conformance.md lists every door's names: tests/conformance/conformance_coverage.py).
FUNCTIONS = [f"returns.{f}" for f in RETURNS] + ["returns.summary", "drift.ks_2samp", "drift.jensenshannon",
                                                  "drift.psi"]


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
        if f.startswith("returns."):
            fn = getattr(_native, f.split(".", 1)[1])
            v = fn(_arr(case, "returns"), "daily", fc.num(o["annualization"]), fc.num(o["risk_free"]),
                   fc.num(o["required_return"]), o["nan_policy"])
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
