"""Cross-door conformance, Python runner of tests/conformance/guardrails_doors.json (state persistence across
restarts, the audit journal, period limits latched and stateless, size override and learning freeze, approvals)
through the public door ``tradewarden.guardrails`` (``Engine``, ``evaluate_period``, ``verify_journal``,
``read_journal``): every answer must equal the file's ``expect`` and, bit for bit, the Rust runner's answers on this
machine. ``python test_conformance_guardrails.py segment ID K ROOT`` runs one segment of a case (the Python door of
the cross-door driver, tests/conformance/guardrails_check.py cross)."""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))
import guardrails_check as gc  # noqa: E402

import numpy as np  # noqa: E402

import tradewarden  # noqa: E402
import tradewarden.returns  # noqa: E402
from tradewarden import _native  # noqa: E402
import tradewarden.guardrails as tg  # noqa: E402

DOC = gc.load()


def _kind(e):
    return {"error": "".join(p.title() for p in e.kind.split("_"))}


def _status(e):
    state = e.sync()
    hwm = e.high_water_mark
    return {"state": state, "high_water_mark": gc.enc(hwm), "size_override": gc.enc(e.size_override),
            "learning_frozen": e.learning_frozen}


def _breaches(bs):
    return [{"rule": b.rule, "value": gc.enc(b.value), "threshold": gc.enc(b.threshold), "severity": b.severity}
            for b in bs]


def _obs(st):
    return {k: gc.num(v) for k, v in st["obs"].items()}


class Door:
    """One door's run of a case: its root directory, its policy text and the open engine."""

    def __init__(self, case, root):
        self.root = pathlib.Path(root) / case["id"]
        self.policy = case.get("policy_toml", DOC["policy_toml"])
        self.engine = None

    def close(self):
        self.engine = None  # dropping the last reference stops the watcher and closes the journal

    def step(self, st):
        try:
            return self._step(st)
        except tradewarden.TradewardenError as e:
            return _kind(e)

    def _step(self, st):
        op = st["op"]
        dir = self.root / st.get("dir", "a")
        file = dir / st.get("file", "")
        if op == "open":
            self.close()
            self.engine = tg.Engine(tg.Policy.from_str(self.policy), gc.num(st["equity"]), state_dir=dir)
            return _status(self.engine)
        if op == "period_evaluate":
            return {"breaches": _breaches(tg.evaluate_period(tg.Policy.from_str(self.policy), **_obs(st)))}
        if op == "verify":
            r = tg.verify_journal(dir)
            if r["ok"]:
                return {"records": r["records"], "torn": 0}
            if r["problem"]["problem"] == "torn_tail":
                return {"records": r["records"], "torn": 1}
            return {"error": "Corrupt"}
        if op == "journal":
            return {"records": [{k: v for k, v in r.items() if k not in ("ts", "prev")}
                                for r in tg.read_journal(dir)[0]]}
        if op in ("write_file", "append_file"):
            with open(file, "w" if op == "write_file" else "a", newline="") as f:
                f.write(st["text"])
            return {}
        if op == "remove_file":
            file.unlink()
            return {}
        if op == "mkdir":
            dir.mkdir(parents=True)
            return {}
        if op == "replace":
            text = file.read_text()
            file.write_text(text.replace(st["old"], st["new"], 1))
            return {"replaced": st["old"] in text}
        if op in ("delete_line", "swap_lines"):
            lines = file.read_text().splitlines(keepends=True)
            k = st["line"] - 1
            ok = k < len(lines) if op == "delete_line" else k + 1 < len(lines)
            if ok and op == "delete_line":
                del lines[k]
            elif ok:
                lines[k], lines[k + 1] = lines[k + 1], lines[k]
            file.write_text("".join(lines))
            return {"deleted" if op == "delete_line" else "swapped": ok}
        e = self.engine
        assert e is not None, f"{op} before open"
        if op == "status":
            return _status(e)
        if op == "reset":
            e.reset(st["who"], st["why"], to=st["to"])
        elif op == "escalate":
            return {"changed": e.escalate(st["to"], st["reason"])}
        elif op == "kill":
            e.kill(st["reason"], st["by"])
        elif op == "remove_kill_switch":
            e.remove_kill_switch(st["who"], st["why"])
        elif op == "set_equity":
            e.set_equity(gc.num(st["equity"]))
        elif op == "size_override":
            e.set_size_override(gc.num(st["fraction"]), st["who"], st["why"])
        elif op == "learning_frozen":
            e.set_learning_frozen(st["frozen"], st["who"], st["why"])
        elif op == "approval":
            return {"seq": e.record_approval(st["who"], st["why"], st["what"])}
        elif op == "order":
            d = e.check_order(st["symbol"], st["side"], gc.num(st["quantity"]), gc.num(st["price"]),
                              reference_price=gc.num(st["reference_price"]),
                              data_timestamp=gc.num(st["data_timestamp"]), timestamp=gc.num(st["timestamp"]))
            if d.decision == "allow":
                return {"decision": "allow"}
            if d.decision == "clip":
                return {"decision": "clip", "quantity": gc.enc(d.quantity), "reason": d.reason}
            return {"decision": "deny", "reason": d.reason}
        elif op == "evaluate_period":
            b = e.evaluate_period(**_obs(st))
            return {"breaches": _breaches(b), "state": e.state}
        else:
            raise AssertionError(f"unknown op {op}")
        return {}


def run_case(case, root):
    d, out = Door(case, root), []
    for seg in gc.segments(case):
        out += [d.step(st) for st in seg]
        d.close()
    return out


def test_every_case_as_the_file_says(tmp_path):
    answers = {c["id"]: run_case(c, tmp_path) for c in DOC["cases"]}
    assert len(answers) >= 60
    bad = gc.check(DOC, answers, "Python")
    assert not bad, "\n".join(bad)


def test_bit_identical_to_the_rust_door(tmp_path):
    """Same machine: the Python door's answers are the Rust runner's, bit for bit."""
    out = tmp_path / "rust.json"
    env = dict(os.environ, TW_CONFORMANCE_OUT=str(out))
    subprocess.run(["cargo", "test", "-q", "--locked", "-p", "tradewarden", "--test", "conformance_guardrails"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    rust = json.loads(out.read_text())
    answers = {c["id"]: run_case(c, tmp_path / "py") for c in DOC["cases"]}
    assert rust.keys() == answers.keys()
    bad = gc.identical(answers, rust, "Python vs Rust")
    assert not bad, "\n".join(bad)


def test_the_checker_can_fail(tmp_path):
    c = next(c for c in DOC["cases"] if c["id"] == "latch_warning_then_critical")
    answers = run_case(c, tmp_path)
    assert not gc.check({"cases": [c]}, {c["id"]: answers}, "Python")
    wrong = json.loads(json.dumps(answers))
    wrong[2]["breaches"][0]["value"] = 0.015000000000000001  # one ulp away
    assert gc.check({"cases": [c]}, {c["id"]: wrong}, "Python")
    wrong = json.loads(json.dumps(answers))
    wrong[2]["state"] = "HALTED"
    assert gc.check({"cases": [c]}, {c["id"]: wrong}, "Python")




# ---- the CLI door of the stateless period cases: `tradewarden guard period --json` ----
# Its observation is JSON text, which has no NaN or ±inf: cases with such inputs are not expressible there (the
# coverage table says so); its document writes a non-finite breach value as null. Exit 3: invalid input/config.
def _cli_exe():
    build = subprocess.run(["cargo", "build", "-q", "--locked", "-p", "tradewarden-cli", "--message-format=json"],
                           cwd=ROOT, check=True, capture_output=True, text=True).stdout
    exes = [m["executable"] for m in map(json.loads, build.splitlines())
            if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "tradewarden"]
    assert len(exes) == 1
    return exes[0]


def test_cli_guard_period_gives_the_stateless_answers(tmp_path):
    exe = _cli_exe()
    cases = [c for c in DOC["cases"] if c["capability"] == "guardrails_period_stateless"
             and not any(isinstance(v, str) for v in c["steps"][0]["obs"].values())]
    assert len(cases) >= 20
    bad = []
    for i, c in enumerate(cases):
        st = c["steps"][0]
        policy = tmp_path / f"p{i}.toml"
        policy.write_text(c.get("policy_toml", DOC["policy_toml"]))
        p = subprocess.run([exe, "guard", "period", "--policy", str(policy), "--observation", json.dumps(st["obs"]),
                            "--json"], capture_output=True, text=True)
        want = st["expect"]
        if "error" in want:
            if p.returncode != 3:
                bad.append(f"{c['id']}: exit {p.returncode}, expected {want['error']} ({p.stderr.strip()})")
            continue
        if p.returncode != 0:
            bad.append(f"{c['id']}: exit {p.returncode}: {p.stderr.strip()}")
            continue
        got = [{**b, "value": "nan" if b["value"] is None else b["value"]} for b in json.loads(p.stdout)["breaches"]]
        if not gc.same(got, want["breaches"]):
            bad.append(f"{c['id']}: got {got}, expected {want['breaches']}")
    assert not bad, "\n".join(bad)


def test_cli_guard_status_and_verify_read_what_the_python_door_left(tmp_path):
    """The CLI door of persistence and the journal, cross-door: after each case ran through this door, `guard
    status --json` on its directory reports the state and overrides the case's last status answer says, and
    `guard journal verify --json` gives the verdict of the case's last `verify` step (exit 6: a problem; a torn
    last line is that problem here, counted as `torn` as by the other doors)."""
    exe = _cli_exe()
    n_status = n_verify = 0
    bad = []
    for c in DOC["cases"]:
        run_case(c, tmp_path)
        steps = [st for seg in gc.segments(c) for st in seg]
        tail = [st for st in steps if st["op"] != "journal"][-1]
        d = tmp_path / c["id"] / tail.get("dir", "a")
        if tail["op"] in ("open", "status") and "state" in tail["expect"]:
            p = subprocess.run([exe, "guard", "status", "--state-dir", str(d), "--json"], capture_output=True,
                               text=True)
            doc = json.loads(p.stdout)
            want = tail["expect"]
            got = {"state": doc["state"], "size_override": doc["overrides"]["size_override"],
                   "learning_frozen": doc["overrides"]["learning_frozen"],
                   "exit": p.returncode}
            exp = {"state": want["state"], "size_override": want["size_override"],
                   "learning_frozen": want["learning_frozen"], "exit": 0 if want["state"] == "ACTIVE" else 5}
            if not gc.same(got, exp):
                bad.append(f"{c['id']}: guard status {got}, expected {exp}")
            n_status += 1
        if tail["op"] == "verify":
            p = subprocess.run([exe, "guard", "journal", "verify", "--dir", str(d), "--json"], capture_output=True,
                               text=True)
            doc = json.loads(p.stdout) if p.stdout.strip() else {}
            if p.returncode == 0:
                got = {"records": doc["records"], "torn": 0}
            elif p.returncode == 6 and (doc.get("problem") or {}).get("problem") == "torn_tail":
                got = {"records": doc["records"], "torn": 1}
            elif p.returncode == 6:
                got = {"error": "Corrupt"}
            else:
                got = {"exit": p.returncode, "stderr": p.stderr.strip()}
            if not gc.same(got, tail["expect"]):
                bad.append(f"{c['id']}: guard journal verify {got}, expected {tail['expect']}")
            n_verify += 1
    assert n_status >= 10 and n_verify >= 10, (n_status, n_verify)
    assert not bad, "\n".join(bad)

# ---- tests/conformance/guardrails_functions.json: the Rust + Python rows ----
FUNCTIONS = json.loads((ROOT / "tests" / "conformance" / "guardrails_functions.json").read_text())


def _arr(v):
    return np.array([gc.num(x) for x in v], dtype=np.float64)


def _opt_arr(v):
    return None if v is None else _arr(v)


def _metrics(m):
    return {k: gc.enc(v) for k, v in m.items()}


def _checks(cs):
    return [{"name": c["name"], "value": gc.enc(c["value"]), "threshold": gc.enc(c["threshold"]),
             "passed": c["passed"]} for c in cs]


def _without_dir(v, dir):
    return json.loads(json.dumps(v).replace(str(dir), "<dir>"))


def _log_args(a):
    return dict(timestamp=np.array(a["timestamp"], dtype=np.int64), symbol=list(a["symbol"]), pnl=_arr(a["pnl"]),
                notional=_opt_arr(a["notional"]), position=_opt_arr(a["position"]), price=_opt_arr(a["price"]))


def function_answer(case, tmp):
    a, f = case["args"], case["fn"]
    try:
        if f == "exposure.metrics":
            m = _native.exposure_metrics(capital=gc.num(a["capital"]), tail_percentile=gc.num(a["tail_percentile"]),
                                         **_log_args(a))
            return {"values": _metrics(m)}
        if f == "exposure.apply_policy":
            p = tg.Policy.from_str(a["policy_toml"])
            o = _native.exposure_apply_policy(p._p, sector=a["sector"], factor=a["factor"], **_log_args(a))
            return {"metrics": _metrics(o["metrics"]),
                    "violations": [[n, gc.enc(v), gc.enc(t), msg] for n, v, t, msg in o["violations"]],
                    "scaled": o["scaled"], "notional": [gc.enc(x) for x in o["notional"]],
                    "position": None if o["position"] is None else [gc.enc(x) for x in o["position"]],
                    "pnl": [gc.enc(x) for x in o["pnl"]],
                    "exposures": {k: {g: gc.enc(x) for g, x in v.items()} for k, v in o["exposures"].items()}}
        if f == "canary.ladder":
            m = tg.CanaryMachine(a["config"])
            out = []
            for o in a["observations"]:
                ev = m.evaluate(**{k: (gc.num(v) if isinstance(v, str) else v) for k, v in o.items()})
                if a["apply"]:
                    m.apply(ev["action"])
                out.append({"stage": ev["stage"], "checks": _checks(ev["checks"]), "action": ev["action"],
                            "index": m.index, "rolled_back": m.rolled_back})
            return {"evaluations": out}
        if f == "promotion.gates":
            # the case's matrix is row-major (rows = periods), as a numpy user holds it
            mat = None if a["matrix"] is None else np.array([[gc.num(x) for x in r] for r in a["matrix"]])
            r = tg.promotion_gates(_arr(a["walk_forward_returns"]), _arr(a["trade_pnls"]), a["gates"],
                                   trial_sharpes=_opt_arr(a["trial_sharpes"]), returns_matrix=mat)
            direct = None
            if mat is not None:
                blocks = (a["gates"] or {}).get("pbo_blocks", 0) or 16
                try:
                    direct = gc.enc(tradewarden.returns.probability_of_backtest_overfitting(mat, blocks).pbo)
                except tradewarden.TradewardenError as e:
                    direct = _kind(e)
            return {"checks": _checks(r["checks"]), "passed": r["passed"], "pbo_direct": direct}
        if f == "rollback.drift_guard":
            return {"action": tg.drift_guard(gc.num(a["score_drop"]), gc.num(a["accuracy_drop"]), a["config"])}
        if f == "rollback.execute":
            d = pathlib.Path(tmp) / case["id"]
            e = tg.Engine(tg.Policy.from_str("[symbols.AAA]\n"), 100000.0, state_dir=d)
            e.reset("ops", "start")
            runs = []
            for dry in a["runs"]:
                try:
                    runs.append(_without_dir(e.execute_rollback(a["reason"], a["by"], dry), d))
                except tradewarden.TradewardenError as err:
                    runs.append(_kind(err))
            return {"runs": runs, "state": e.sync(), "size_override": gc.enc(e.size_override),
                    "learning_frozen": e.learning_frozen}
    except tradewarden.TradewardenError as e:
        return _kind(e)
    raise AssertionError(f"the Python runner does not bind {f}")


def _function_answers(tmp):
    return {c["id"]: function_answer(c, tmp) for c in FUNCTIONS["cases"]}


# Results that cross through `to_py` (a serde_json::Value pythonized): a non-finite float arrives as None.
TO_PY = {"canary.ladder", "promotion.gates", "rollback.execute"}


def _python_view(case, rust_answer):
    """The answer this door must give for a Rust answer: `python_expect` where the case records a known
    disagreement, non-finite floats as None where the result crosses `to_py`."""
    if "python_expect" in case:
        return case["python_expect"]
    return gc.as_python_objects(rust_answer) if case["fn"] in TO_PY else rust_answer


def test_functions_as_the_file_says(tmp_path):
    answers = _function_answers(tmp_path)
    scalar = os.environ.get("TRADEWARDEN_SIMD") == "scalar"
    ulps = {} if scalar else FUNCTIONS["ulps"]
    bad = [f"{c['id']}: got {json.dumps(answers[c['id']])}, expected {json.dumps(_python_view(c, c['expect']))}"
           for c in FUNCTIONS["cases"] if not gc.close(answers[c["id"]], _python_view(c, c["expect"]), ulps)]
    assert len(answers) >= 60 and not bad, "\n".join(bad)


def test_known_disagreements_are_few_and_named():
    """Cases where this door answers differently on purpose carry `python_expect`; they stay few."""
    named = [c["id"] for c in FUNCTIONS["cases"] if "python_expect" in c]
    assert named == []


def test_promotion_gate_pbo_is_the_research_pbo(tmp_path):
    """Issue #18's bug: the same row-major matrix gives the gate and `probability_of_backtest_overfitting` one PBO."""
    n = 0
    for c in FUNCTIONS["cases"]:
        if c["fn"] == "promotion.gates" and c["args"]["matrix"] is not None:
            r = function_answer(c, tmp_path)
            if "checks" in r and isinstance(r["pbo_direct"], float):
                gate = next(k["value"] for k in r["checks"] if k["name"] == "pbo")
                assert gc.same(gate, r["pbo_direct"]), c["id"]
                n += 1
    assert n >= 5


def test_functions_bit_identical_to_the_rust_door(tmp_path):
    out = tmp_path / "rust.json"
    env = dict(os.environ, TW_CONFORMANCE_FUNCTIONS_OUT=str(out))
    subprocess.run(["cargo", "test", "-q", "--locked", "-p", "tradewarden", "--test", "conformance_guardrails",
                    "functions_as_the_file_says"], cwd=ROOT, env=env, check=True, capture_output=True)
    by_id = {c["id"]: c for c in FUNCTIONS["cases"]}
    rust = {k: _python_view(by_id[k], v) for k, v in json.loads(out.read_text()).items()}
    answers = _function_answers(tmp_path)
    assert rust.keys() == answers.keys()
    bad = gc.identical(answers, rust, "Python vs Rust")
    assert not bad, "\n".join(bad)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "segment":
        cid, k, root = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        case = next(c for c in DOC["cases"] if c["id"] == cid)
        door = Door(case, root)
        print(json.dumps([door.step(st) for st in gc.segments(case)[k]]))
        door.close()
    else:
        sys.exit(f"usage: {sys.argv[0]} segment ID K ROOT")
