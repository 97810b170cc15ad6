"""The Python runner of tests/conformance/guardrails_session.json: the same scripted guardrails scenario the
Rust (crates/guardrails/tests/conformance.rs), C (bindings/c/tests/c/conformance_session.c) and CLI
(crates/cli/tests/conformance_session.rs) runners execute; the journal (without seq, ts, prev) and the final
state must equal the file's ``expected``."""

import json
import pathlib

import tradewarden.guardrails as tg

SCENARIO = pathlib.Path(__file__).resolve().parents[3] / "tests" / "conformance" / "guardrails_session.json"


def _decision(d: tg.OrderDecision) -> dict:
    if d.decision == "allow":
        return {"decision": "allow"}
    if d.decision == "clip":
        return {"decision": "clip", "quantity": d.quantity, "reason": d.reason}
    return {"decision": "deny", "reason": d.reason}


def test_python_engine_runs_the_shared_scenario(tmp_path):
    sc = json.loads(SCENARIO.read_text())
    e = tg.Engine(tg.Policy.from_str(sc["policy_toml"]), sc["equity"], state_dir=tmp_path)
    for i, st in enumerate(sc["steps"]):
        op = st["op"]
        if op == "reset":
            e.reset(st["who"], st["why"], to=st["to"])
        elif op == "escalate":
            assert e.escalate(st["to"], st["reason"]) is st["expect_changed"], i
        elif op == "kill":
            e.kill(st["reason"], st["by"])
        elif op == "remove_kill_switch":
            e.remove_kill_switch(st["who"], st["why"])
        elif op == "size_override":
            e.set_size_override(st["fraction"], st["who"], st["why"])
        elif op == "order":
            d = e.check_order(st["symbol"], st["side"], st["quantity"], st["price"],
                              reference_price=st["reference_price"], data_timestamp=st["data_timestamp"],
                              timestamp=st["timestamp"])
            assert _decision(d) == st["expect"], (i, d)
        else:
            raise AssertionError(f"unknown op {op}")
    assert e.state == sc["expected"]["state"]
    got = [{k: v for k, v in r.items() if k not in ("seq", "ts", "prev")} for r in e.journal()]
    assert got == sc["expected"]["journal"]
    assert tg.verify_journal(tmp_path)["ok"]
