"""Cross-door conformance of the drift capabilities, Python runner: every case of
tests/conformance/drift_cases.json through the native door (`tradewarden._native`: the strict API, typed
errors; scale-out through `tradewarden.dask.score` on Dask's synchronous scheduler), compared with the file's
`expect` and, bit for bit, with the Rust runner's answers on this machine (docs/conformance.md). Persisted
artefacts: each case's `artefact` (the bytes the Rust door saved) is loaded here, and this door's own save
must give the same bytes."""

import json
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
import drift_check as dc  # noqa: E402

DOC = dc.load()
KIND = {cls.kind: "".join(p.title() for p in cls.kind.split("_"))
        for cls in vars(tradewarden.errors).values()
        if isinstance(cls, type) and issubclass(cls, tradewarden.errors.TradewardenError)}
FUNCTIONS = {c["fn"] for c in DOC["cases"]}


def arr(key):
    return np.array([dc.num(v) for v in DOC["inputs"][key]], dtype=np.float64)


def cols(m):
    """Named columns; an input named cat_* is categorical (a list of str / None)."""
    return [(name, list(DOC["inputs"][key]) if key.startswith("cat_") else arr(key)) for name, key in m.items()]


def fit(ref, o):
    edges = [dc.num(e) for e in o["edges"]] if "edges" in o else None
    return _native.Profile.fit(cols(ref), o["bins"], o["strategy"], edges, o["nan_policy"], o["keep_reference"])


def ropts(o):
    """Report options: a float written "nan" / "inf" in the file is that float."""
    return {k: (dc.num(v) if v in ("nan", "inf", "-inf") else v) for k, v in o.items()}


def merged(build, parts):
    acc = None
    for p in parts:
        s = build(cols(p))
        if acc is None:
            acc = s
        else:
            acc.merge(s)
    return acc


def answer(case):
    try:
        return {"values": values(case)}
    except tradewarden.TradewardenError as e:
        return {"error": KIND[e.kind]}


def values(case):
    f, a, o = case["fn"], case["args"], case.get("options", {})
    if f == "drift.profile":
        p = fit({"x": a["reference"]}, o["profile"])
        # the native Profile scores through the report: its PSI and KS are the profile's own
        r = p.score([(o["feature"], arr(a["current"]))],
                    {"psi_mode": {"standard": {"epsilon": dc.num(o["epsilon"])}}})
        feat = r["features"][0]
        return {"psi": dc.enc(feat["psi"]), "ks_statistic": dc.enc(feat["ks"][0]), "ks_pvalue": dc.enc(feat["ks"][1])}
    if f == "drift.profile_persisted":
        v = {}
        if "source" not in case:
            p = fit(a["reference"], o["profile"])
            saved = p.to_bytes() if o["format"] == "binary" else p.to_json().encode()
            (TMP / "saved" / f"{case['id']}.saved").write_bytes(saved)  # for the Rust door to load
            v["saved"] = saved.hex()
        path = TMP / f"{case['id']}.profile"
        path.write_bytes(dc.artefact(case, DOC))
        loaded = _native.Profile.load(str(path))  # either form, by content
        v["features"] = len(loaded)
        if not o["profile"]["keep_reference"]:
            return v  # no PSI without the report's KS (drift_check.PY_ABSENT)
        r = loaded.score([("x", arr(a["current"]))])["features"][0]
        v["psi"] = dc.enc(r["psi"])
        if o["profile"]["keep_reference"]:
            v["ks_statistic"], v["ks_pvalue"] = dc.enc(r["ks"][0]), dc.enc(r["ks"][1])
        return v
    if f == "drift.report":
        p = fit(a["reference"], o["profile"])
        return {"report": dc.canon(p.score(cols(a["current"]), ropts(o["report"])))}
    if f == "drift.score_state":
        if "source" in case:
            s = _native.ScoreState.from_bytes(dc.artefact(case, DOC))
            return {"features": len(s.features())}
        p = fit(a["reference"], o["profile"])
        s = merged(lambda c: _native.ScoreState.build(p, c), a["partitions"])
        (TMP / "saved" / f"{case['id']}.twss").write_bytes(s.to_bytes())
        v = {"state": s.to_bytes().hex(), "report": dc.canon(s.report(p, o["report"]))}
        loaded = _native.ScoreState.from_bytes(dc.artefact(case, DOC))
        v["report_loaded"] = dc.canon(loaded.report(p, o["report"]))
        return v
    if f == "drift.monitor":
        p = fit(a["reference"], o["profile"])
        mo = {k: (dc.num(v) if k not in ("window", "min_values") else v) for k, v in o["monitor"].items()}
        m = _native.LiveMonitor(p, mo)
        steps = []
        for s in a["steps"]:
            try:
                if s[0] == "emit":
                    scores = m.score_and_emit()
                    steps.append({"scored": len(scores), "drifted": sum(1 for x in scores if x["drift"])})
                    continue
                if s[0] == "push":
                    m.push(s[1], arr(s[2]))
                    steps.append("ok")
                    continue
                sc = m.score(s[1])
                if sc is None:
                    steps.append({"ready": False})
                else:
                    sc = dict(sc)
                    del sc["feature"]
                    for k in ("psi", "jensenshannon", "ks"):
                        sc[k] = dc.enc(sc[k])
                    steps.append({"ready": True, **sc})
            except tradewarden.TradewardenError as e:
                steps.append({"error": KIND[e.kind]})
        return {"steps": steps}
    if f == "drift.scorer":
        if "source" in case:
            sc = _native.StateScorer.from_bytes(dc.artefact(case, DOC))
            return {"state": merged(sc.state, a["partitions"]).to_bytes().hex()}
        p = fit(a["reference"], o["profile"])
        mine = TMP / "saved" / f"{case['id']}.twsc"
        _native.StateScorer.from_profile(p, o["cells"]).save(str(mine))
        v = {"scorer": mine.read_bytes().hex()}
        path = TMP / f"{case['id']}.twsc"
        path.write_bytes(dc.artefact(case, DOC))
        sc = _native.StateScorer.load(str(path))
        s = merged(sc.state, a["partitions"])
        v["state"] = s.to_bytes().hex()
        v["bounds"] = dc.canon(sc.ks_bounds(s))
        v["bounds_profile"] = dc.canon(s.ks_bounds(p))
        return v
    if f in ("drift.wasserstein_distance", "drift.energy_distance"):
        return {"value": dc.enc(getattr(_native, f.split(".")[1])(arr(a["u"]), arr(a["v"])))}
    if f == "drift.cramervonmises_2samp":
        s, pv = _native.cramervonmises_2samp(arr(a["x"]), arr(a["y"]), o["method"])
        return {"statistic": dc.enc(s), "pvalue": dc.enc(pv)}
    if f == "drift.mannwhitneyu":
        s, pv = _native.mannwhitneyu(arr(a["x"]), arr(a["y"]), o["use_continuity"], o["alternative"], o["method"])
        return {"statistic": dc.enc(s), "pvalue": dc.enc(pv)}
    if f == "drift.anderson_ksamp":
        s, crit, pv, clipped = _native.anderson_ksamp([arr(k) for k in a["samples"]], o["variant"])
        return {"statistic": dc.enc(s), "critical_values": [dc.enc(x) for x in crit], "pvalue": dc.enc(pv),
                "pvalue_clipped": clipped}
    if f == "drift.chi2_contingency":
        s, pv, dof, expected = _native.chi2_contingency(arr(a["observed"]), o["n_rows"], o["correction"])
        return {"statistic": dc.enc(s), "pvalue": dc.enc(pv), "dof": dof, "expected": [dc.enc(x) for x in expected]}
    if f == "drift.prediction_quality":
        n, mae, mape, rmse, da = _native.prediction_quality(arr(a["predictions"]), arr(a["actuals"]))
        return {"n": n, "mae": dc.enc(mae), "mape_pct": dc.enc(mape), "rmse": dc.enc(rmse),
                "directional_accuracy_pct": dc.enc(da)}
    if f == "drift.chunked_drift":
        p = fit(a["reference"], o["profile"])
        rows = tuple(o["reference_rows"]) if o["reference_rows"] is not None else None
        ts = arr(a["timestamps"]) if "timestamps" in a else None
        return {"chunks": dc.canon(p.chunked_drift(cols(a["current"]), o["chunker"], rows, ts, o["report"]))}
    if f == "drift.scale_out":
        return scale_out(case)
    raise AssertionError(f"the Python runner does not bind {f}")


def scale_out(case):
    """`tradewarden.dask`: one Dask partition per partition of the case, the synchronous scheduler (in-process)."""
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from tradewarden import dask as twd
    from tradewarden import drift

    a, o = case["args"], case["options"]
    p = fit(a["reference"], o["profile"])
    profile = drift.Profile(p) if not isinstance(p, drift.Profile) else p
    parts = [pd.DataFrame({k: arr(v) for k, v in part.items()}) for part in a["partitions"]]
    ddf = dd.from_delayed([dask.delayed(lambda x: x)(df) for df in parts], meta=parts[0].iloc[:0])
    with dask.config.set(scheduler="synchronous"):
        state = twd.score_state(profile, ddf, cells=o["cells"])
        v = {"state": state.to_bytes().hex()}
        if o["cells"] is None:
            v["report"] = dc.canon(twd.score(profile, ddf, method="states").to_dict())
        else:
            v["bounds"] = dc.canon(state.ks_bounds(profile))
    return v


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    global TMP
    TMP = tmp_path_factory.mktemp("drift-conformance")
    (TMP / "saved").mkdir()
    return {c["id"]: answer(c) for c in DOC["cases"]}


def test_every_case_as_the_file_says(answers):
    n, bad = dc.check(DOC, answers, FUNCTIONS, door="python")
    assert n > 150 and not bad, "\n".join(bad)


def test_bit_identical_to_the_rust_door(answers, tmp_path):
    """Same machine: the Python door must give the Rust library's answers exactly (floats, bytes, documents)."""
    out = tmp_path / "rust.json"
    # the Rust door also loads the profiles, score states and scorers this door saved: same answers
    env = dict(os.environ, TW_CONFORMANCE_OUT=str(out), TW_DRIFT_FOREIGN=str(TMP / "saved"))
    run = subprocess.run(["cargo", "test", "-q", "--locked", "-p", "tradewarden", "--test", "conformance_drift",
                          "every_case_gives_the_expected_answer", "--", "--nocapture"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    loaded = [line for line in run.stdout.splitlines() if line.startswith("foreign artefacts: ")]
    print(loaded)
    assert loaded and loaded[0].endswith(" 0 differ") and int(loaded[0].split()[2]) >= 20, loaded
    rust = json.loads(out.read_text())
    bad = dc.identical(DOC, answers, rust, door="python")
    assert not bad, "\n".join(bad)


def test_the_checker_can_fail(answers):
    cid = "profile-quantile-shift"
    got = answers[cid]["values"]
    wrong = {**got, "psi": float(np.nextafter(got["psi"], np.inf))}
    assert dc.compare(cid, answers[cid], {"values": wrong})
    assert dc.compare(cid, answers[cid], {"error": "InvalidInput"})
    rid = "report-default-shift"
    doc = json.loads(json.dumps(answers[rid]["values"]))
    doc["report"]["features"][0]["n_current"] += 1
    assert dc.compare(rid, answers[rid], {"values": doc})
    assert not dc.same(0.0, -0.0) and dc.same(1, 1.0) and not dc.same(True, 1)
