"""Cross-door conformance, Python runner of the inference and telemetry areas (docs/conformance.md): every case
of tests/conformance/inference_functions.json and telemetry_recovery.json through the native door
(`tradewarden._native`: typed errors), compared exactly with the files' `expect` and, bit for bit, with the Rust
runner's answers on this machine (tests/conformance_inference.rs)."""

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
import inference_check as ic  # noqa: E402

CASES = ic.cases()
KIND = {cls.kind: "".join(p.title() for p in cls.kind.split("_"))
        for cls in vars(tradewarden.errors).values()
        if isinstance(cls, type) and issubclass(cls, tradewarden.errors.TradewardenError)}
FUNCTIONS = ["regime.classify", "sanity_guard.check", "recovery.summary", "predictor.run"]


def _arr(values):
    return np.array([ic.num(v) for v in values], dtype=np.float64)


def _cfg(c):
    return None if c is None else {k: (v if isinstance(v, int) else ic.num(v)) for k, v in c.items()}


def answer(case):
    f, a = case["fn"], case.get("args", {})
    try:
        if f == "regime.classify":
            name, vol, momentum, rng = _native.regime_classify(_arr(a["high"]), _arr(a["low"]), _arr(a["close"]),
                                                               _cfg(case["config"]))
            return {"value": {"regime": name, "vol": ic.enc(vol), "momentum": ic.enc(momentum),
                              "range": ic.enc(rng)}}
        if f == "sanity_guard.check":
            t = _cfg(case["thresholds"]) or {}
            forecast = _arr(a["forecast"])
            kept, dropped = _native.sanity_guard_check(ic.num(a["last_close"]), forecast,
                                                       t.get("max_move_from_last_close"), t.get("max_step_move"))
            verdicts = ["kept"] * len(forecast)
            for i, _, reason in dropped:
                verdicts[i] = reason
            assert [i for i, _ in kept] == [i for i, v in enumerate(verdicts) if v == "kept"]
            return {"value": {"verdicts": verdicts, "n_kept": len(kept)}}
        if f == "recovery.summary":
            t = _native.RecoveryTracker(_cfg(case["config"]))
            for r in case["records"]:
                t.record(r["operation"], r["success"], ic.num(r["duration_seconds"]), r["attempts"],
                         r["error_type"], r["recovery_strategy"], r["fallback_used"], ic.num(r["at"]))
            return {"value": ic.recovery_answer(t.summary(ic.num(case["now"])))}
        if f == "predictor.run":
            return {"value": predictor_run(case)}
    except tradewarden.TradewardenError as e:
        return {"error": KIND[e.kind]}
    raise AssertionError(f"the Python runner does not bind {f}")


def _registry(root, step):
    vk = step.get("verifying_key")
    return _native.ModelRegistry(str(root), str(ic.DATA / vk) if vk else None)


def registry_step(root, step):
    """One step of the registry scenario through `_native.ModelRegistry` (`corrupt` is the test harness)."""
    name, op = step["name"], step["op"]
    try:
        r = _registry(root, step)
        if op == "register":
            model = _model(step["model"])
            key = str(ic.DATA / step["key"]) if "key" in step else None
            r.register(name, step["version"], model, {}, key)
            return {"value": {"ok": True}}
        if op == "sign":
            r.sign(name, step["version"], str(ic.DATA / step["key"]))
            return {"value": {"ok": True}}
        if op == "versions":
            return {"value": r.versions(name)}
        if op == "inventory":
            return {"value": ic.normalize_inventory(r.inventory(name))}
        if op == "active":
            return {"value": r.active(name)}
        if op == "promote":
            r.promote(name, step["version"])
            return {"value": {"ok": True}}
        if op == "rollback":
            return {"value": {"active": r.rollback(name)}}
        if op == "freeze":
            r.freeze_learning(name, step["who"], step["why"])
            return {"value": {"ok": True}}
        if op == "unfreeze":
            r.unfreeze_learning(name)
            return {"value": {"ok": True}}
        if op == "stage":
            r.stage(name, step["version"], step["stage"])
            return {"value": {"ok": True}}
        if op == "learning_freeze":  # who and why (not `since`: the wall clock's)
            f = r.learning_freeze(name)
            return {"value": None if f is None else {"who": f["who"], "why": f["why"]}}
        if op == "predict_active":
            found = r.load_active(name)
            if found is None:
                return {"error": "NotFound"}
            version, model = found
            return {"value": _predict(_native.Predictor(name, version, model), step)}
        if op == "corrupt":
            ic.corrupt(root, step)
            return {"value": {"ok": True}}
    except tradewarden.TradewardenError as e:
        return {"error": KIND[e.kind]}
    raise AssertionError(f"registry op {op}")


def registry_answers(root):
    return {c["id"]: registry_step(root, c) for c in ic.registry_cases()}


def read_registry(root):
    return [registry_step(root, s) for s in ic.registry_reads()]


def _predict(p, step):
    n, w, nf = step["shape"]
    x = _arr(step["features"])
    if p.kind() == "mlp":
        version, y = p.predict_f64(x.reshape(n, w * nf))
    else:
        version, y = p.predict_window_f64(x.reshape(n, w, nf))
    assert y.dtype == np.float32
    return {"version": version, "outputs": [ic.enc(v) for v in y.ravel().tolist()]}


def _model(spec):
    load = {"safetensors": _native.Model.load_safetensors, "burnpack": _native.Model.load_burnpack}[spec["format"]]
    return load(str(ROOT / spec["file"]), json.dumps(spec["config"]))


def predictor_run(case):
    """The native predictor (`_native.Predictor`): load (an error is the case's), then each step's answer."""
    spec = case["load"]
    p = _native.Predictor.demo() if spec["format"] == "demo" else _native.Predictor("model", "v1", _model(spec))
    out = []
    for step in case["steps"]:
        try:
            if step["op"] == "predict":
                out.append(_predict(p, step))
            else:
                p.swap(step["version"], _model(step))
                out.append({"ok": True})
        except tradewarden.TradewardenError as e:
            out.append({"error": KIND[e.kind]})
    return out


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    a = {c["id"]: answer(c) for c in CASES if c["fn"] in FUNCTIONS}
    root = tmp_path_factory.mktemp("conformance") / "registry"
    a.update(registry_answers(root))
    a["registry.read.own"] = read_registry(root)
    return a


def test_every_case_as_the_files_say(answers):
    n, bad = ic.check(answers, only_fns=set(FUNCTIONS) | {"registry.step"})
    assert n >= 130 and not bad, "\n".join(bad)


def test_every_function_of_the_files_is_bound_here():
    assert {c["fn"] for c in CASES} <= set(FUNCTIONS) | {"registry.step"}


def test_bit_identical_to_the_rust_door(answers, tmp_path):
    """Same machine: the Python door must give the Rust library's answers exactly; the registry the Rust door
    wrote reads here as the Python door's own, and the Python door's reads there the same."""
    out, rust_registry, py_registry = tmp_path / "rust.json", tmp_path / "rust-registry", tmp_path / "py-registry"
    registry_answers(py_registry)
    env = dict(os.environ, TW_CONFORMANCE_OUT=str(out), TW_CONFORMANCE_REGISTRY=str(rust_registry),
               TW_CONFORMANCE_READ_REGISTRY=str(py_registry))
    subprocess.run(["cargo", "test", "-q", "--locked", "-p", "tradewarden", "--test", "conformance_inference"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    rust = json.loads(out.read_text())
    bad = ic.identical(answers, rust, sorted(answers))
    # written by Rust, read by Python; written by Python, read by Rust
    bad += ic.compare("registry.read (Rust's, by Python)", answers["registry.read.own"], read_registry(rust_registry))
    bad += ic.compare("registry.read (Python's, by Rust)", answers["registry.read.own"], rust["registry.read.other"])
    assert not bad, "\n".join(bad)


def test_the_checker_can_fail(answers):
    cid = next(c["id"] for c in CASES if c["fn"] == "regime.classify" and "value" in c["expect"]
               and isinstance(c["expect"]["value"]["vol"], float))
    wrong = json.loads(json.dumps(answers[cid]))
    wrong["value"]["vol"] = math.nextafter(wrong["value"]["vol"], math.inf)
    assert ic.identical({cid: wrong}, answers, [cid])
    assert ic.compare("z", {"value": 0.0}, {"value": -0.0})
    assert ic.check({**answers, cid: {"error": "InvalidInput"}}, only_fns=set(FUNCTIONS))[1]


# ---- telemetry_exporter.json: one process (the exporter installs once per process) ----

def telemetry_run():
    """Every step of telemetry_exporter.json through `_native` in this process: id -> answer, `id.text` -> the
    rendered exposition."""
    out = {}
    for c in ic.telemetry_cases():
        try:
            if c["op"] == "install":
                _native.telemetry_install(c["config"])
                a = {"value": {"ok": True}}
            elif c["op"] == "render":
                text = _native.telemetry_render()
                out[c["id"] + ".text"] = text
                a = {"value": ic.exposition(text)}
            elif c["op"] == "gauges":
                a = {"value": [_gauge_call(g) for g in c["calls"]]}
            else:
                p = _native.Profile.fit([("x", _arr(c["reference"]))])
                m = _native.LiveMonitor(p, c["options"])
                m.push("x", _arr(c["current"]))
                scores = m.score_and_emit()
                a = {"value": {"n_scored": len(scores), "n_drifted": sum(1 for x in scores if x["drift"])}}
        except tradewarden.TradewardenError as e:
            a = {"error": KIND[e.kind]}
        out[c["id"]] = a
    return out


def _gauge_call(c):
    """One handle call of a `gauges` step through `_native` (new handles per call, as the Rust runner)."""
    a = {k: (ic.num(v) if isinstance(v, str) and v in ("nan", "inf", "-inf") else v) for k, v in c["args"].items()}
    h, fn = c["handle"], c["call"]
    try:
        if h == "trading":
            _native.TradingMetrics(a.pop("strategy")).set_snapshot(
                a["pnl"], a["sharpe"], a["winning_trades"], a["total_trades"], a["max_drawdown_ratio"],
                a["gross_profit"], a["gross_loss"])
        elif h == "mlbot":
            getattr(_native.MlBotMetrics(), fn)(**a)
        elif h == "monitoring":
            getattr(_native.MonitoringMetrics(), fn)(**a)
        elif fn == "record":
            _native.ServiceMetrics().record(a["endpoint"], a["http_method"], a["status"], a["seconds"],
                                            a["exception"])
        else:
            getattr(_native.ServiceMetrics(), fn)(**a)
    except tradewarden.TradewardenError as e:
        return {"error": KIND[e.kind]}
    return {"ok": True}


def test_telemetry_as_the_file_and_the_rust_door_say(tmp_path):
    """A fresh interpreter runs the steps (this one may have installed the exporter already); its answers and
    every rendered text must be the file's and the Rust door's on this machine."""
    ours, rust = tmp_path / "python.json", tmp_path / "rust.json"
    subprocess.run([sys.executable, __file__, "telemetry", str(ours)], check=True, cwd=ROOT)
    subprocess.run(["cargo", "test", "-q", "--locked", "-p", "tradewarden", "--test", "conformance_telemetry"],
                   cwd=ROOT, env=dict(os.environ, TW_CONFORMANCE_TELEMETRY_OUT=str(rust)), check=True,
                   capture_output=True)
    bad = ic.check_telemetry(json.loads(ours.read_text()), json.loads(rust.read_text()), "Python")
    assert not bad, "\n".join(bad)


if __name__ == "__main__" and sys.argv[1:2] == ["telemetry"]:
    pathlib.Path(sys.argv[2]).write_text(json.dumps(telemetry_run()))
