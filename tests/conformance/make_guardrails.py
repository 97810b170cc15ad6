#!/usr/bin/env python3
"""Generates tests/conformance/guardrails_doors.json: the guardrails capabilities bound in Rust, Python and C
(state persistence across restarts, the audit journal, period limits latched and stateless, the size override and
learning freeze, approvals) as small scenarios of steps, each step with the answer every door must give.

  python3 tests/conformance/make_guardrails.py > tests/conformance/guardrails_doors.json

A case is a list of steps run on fresh state directories (`dir` names one under the case's root). A step
``{"op": "handoff"}`` closes the session and ends a *segment*: the cross-door driver
(tests/conformance/guardrails_check.py cross, run by scripts/test.d/46-conformance-guardrails.sh) runs each segment
through every door in turn (Rust writes, C reopens, Python verifies, …), so files written by one door are read by
another. The expected answers are the specification (derived from docs/guardrails.md and the crate docs), not a
recording; the ops are documented in guardrails_check.py.
"""
import json

POLICY = ("[pre_trade]\nmax_order_notional = 5000.0\nprice_band_ratio = 0.05\nmax_data_age_s = 5.0\n"
          "[symbols.AAA]\n")
OK = {}
H, R, A, K = "HALTED", "REDUCING", "ACTIVE", "KILLED"


def status(state, hwm=None, size=1.0, frozen=False):
    return {"state": state, "high_water_mark": hwm, "size_override": size, "learning_frozen": frozen}


def op(name, expect=OK, **kw):
    return {"op": name, **kw, "expect": expect}


def open_(expect, equity=100000.0, dir="a"):
    return op("open", expect, dir=dir, equity=equity)


def order(q, expect, side="buy"):
    return op("order", expect, symbol="AAA", side=side, quantity=q, price=100.0, reference_price=100.0,
              data_timestamp=1000.0, timestamp=1000.5)


def err(kind):
    return {"error": kind}


HANDOFF = {"op": "handoff"}
START = [open_(status(H)), op("reset", to=A, who="ops", why="start of day")]


def breach(rule, value, threshold, severity):
    return {"rule": rule, "value": value, "threshold": threshold, "severity": severity}


def transition(frm, to, reason, actor="system"):
    return {"kind": "transition", "from": frm, "to": to, "reason": reason, "actor": actor}


def override(who, why, what):
    return {"kind": "override", "who": who, "why": why, "what": what}


START_JOURNAL = [transition(H, A, "start of day", "ops"), override("ops", "start of day", "manual reset HALTED -> ACTIVE")]


def journal(records):
    """The `journal` answer: every record without `ts` and `prev`, seq numbered from 1."""
    return {"records": [{"seq": i + 1, **r} for i, r in enumerate(records)]}


cases = []


def case(cap, id, steps, **kw):
    cases.append({"id": id, "capability": cap, "fn": "guardrails.scenario", **kw, "steps": steps})


# ---- state persistence across restarts ----
P = "guardrails_persistence"
case(P, "persist_state_hwm_overrides", START + [
    op("set_equity", equity=120000.0),
    op("set_equity", equity=110000.0),
    op("size_override", fraction=0.25, who="ops", why="canary"),
    op("learning_frozen", frozen=True, who="ops", why="drift"),
    op("escalate", {"changed": True}, to=R, reason="daily loss warning"),
    op("status", status(R, 120000.0, 0.25, True)),
    HANDOFF,
    open_(status(R, 120000.0, 0.25, True)),
    order(1.0, {"decision": "deny", "reason": "reduce_only"}),
    op("reset", to=A, who="ops", why="reviewed"),
    order(10.0, {"decision": "clip", "quantity": 2.5, "reason": "size_override"}),
    op("status", status(A, 120000.0, 0.25, True)),
])
case(P, "persist_kill_survives_restart", START + [
    op("kill", reason="desk limit", by="alice"),
    HANDOFF,
    open_(status(K)),
    order(1.0, {"decision": "deny", "reason": "trading_killed"}),
    op("reset", err("State"), to=A, who="ops", why="too early"),
    op("remove_kill_switch", who="ops", why="reviewed"),
    op("status", status(K)),
    op("reset", to=A, who="ops", why="reviewed"),
    HANDOFF,
    open_(status(A)),
])
case(P, "persist_missing_state_file_halts", START + [
    op("status", status(A)),
    HANDOFF,
    op("remove_file", file="trading_state.json"),
    open_(status(H)),
    order(1.0, {"decision": "deny", "reason": "trading_halted"}),
])
for name, text in [("not_json", "{not json"), ("empty", ""), ("unknown_state", '{"state": "PARTY"}'),
                   ("array", "[1, 2, 3]")]:
    case(P, f"persist_corrupt_state_file_halts_{name}", START + [
        HANDOFF,
        op("write_file", file="trading_state.json", text=text),
        open_(status(H)),
        order(1.0, {"decision": "deny", "reason": "trading_halted"}),
    ])
case(P, "persist_kill_switch_file_from_outside", START + [
    HANDOFF,
    op("write_file", file="KILL_SWITCH", text="written by a script\n"),
    open_(status(K)),
])
for file, text in [("overrides.json", "{\"size_override\": 0.5}"), ("overrides.json", "garbage"),
                   ("high_water_mark.json", "{\"high_water_mark\": \"lots\"}"), ("high_water_mark.json", "[")]:
    case(P, f"persist_corrupt_{file.split('.')[0]}_{len(text)}", START + [
        HANDOFF,
        op("write_file", file=file, text=text),
        open_(err("Corrupt")),
    ])
case(P, "persist_fresh_directory_halts", [open_(status(H)), order(1.0, {"decision": "deny",
                                                                         "reason": "trading_halted"})])
for equity, kind in [(-1.0, "InvalidInput"), (0.0, "InvalidInput"), ("nan", "InvalidInput"),
                     ("inf", "InvalidInput")]:
    case(P, f"persist_open_bad_equity_{equity}", [open_(err(kind), equity=equity)])
case(P, "persist_set_equity_nan", START + [op("set_equity", err("InvalidInput"), equity="nan"),
                                           op("status", status(A))])

# ---- audit journal: written by one door, verified by every other; tampering → Corrupt everywhere ----
J = "guardrails_journal"
WRITE = START + [order(10.0, {"decision": "allow"}), op("size_override", fraction=0.5, who="ops", why="canary"),
                 order(10.0, {"decision": "clip", "quantity": 5.0, "reason": "size_override"})]
WRITTEN = START_JOURNAL + [
    {"kind": "decision", "symbol": "AAA", "side": "buy", "quantity": 10.0, "decision": {"decision": "allow"}},
    override("ops", "canary", "size override 0.5"),
    {"kind": "decision", "symbol": "AAA", "side": "buy", "quantity": 10.0,
     "decision": {"decision": "clip", "quantity": 5.0, "reason": "size_override"}}]
case(J, "journal_verify_after_restart", WRITE + [HANDOFF, op("verify", {"records": 5, "torn": 0}),
                                                 op("journal", journal(WRITTEN))])
case(J, "journal_continues_the_chain", WRITE + [HANDOFF, open_(status(A, None, 0.5)),
                                                op("kill", reason="desk limit", by="alice"),
                                                HANDOFF, op("verify", {"records": 6, "torn": 0}),
                                                op("journal", journal(WRITTEN + [
                                                    transition(A, K, "desk limit", "alice")]))])
case(J, "journal_edited_record", WRITE + [
    HANDOFF, op("replace", {"replaced": True}, file="journal.jsonl", old='"why":"canary"', new='"why":"fat finger"'),
    op("verify", err("Corrupt"))])
case(J, "journal_edited_first_record", WRITE + [
    HANDOFF, op("replace", {"replaced": True}, file="journal.jsonl", old='"actor":"ops"', new='"actor":"eve"'),
    op("verify", err("Corrupt"))])
case(J, "journal_deleted_record", WRITE + [HANDOFF, op("delete_line", {"deleted": True}, file="journal.jsonl", line=3),
                                           op("verify", err("Corrupt"))])
case(J, "journal_swapped_records", WRITE + [HANDOFF, op("swap_lines", {"swapped": True}, file="journal.jsonl",
                                                        line=2),
                                            op("verify", err("Corrupt"))])
case(J, "journal_garbage_line", WRITE + [HANDOFF, op("replace", {"replaced": True}, file="journal.jsonl",
                                                     old='{"seq":2,', new='{"seq":2,,'),
                                         op("verify", err("Corrupt"))])
case(J, "journal_torn_tail_is_not_fatal", WRITE + [HANDOFF, op("append_file", file="journal.jsonl",
                                                               text='{"seq":6,"ts":'),
                                                   op("verify", {"records": 5, "torn": 1})])
case(J, "journal_torn_tail_repaired_on_open", WRITE + [
    HANDOFF, op("append_file", file="journal.jsonl", text='{"seq":6,"ts":'),
    open_(status(A, None, 0.5)), op("learning_frozen", frozen=True, who="ops", why="drift"), HANDOFF,
    op("verify", {"records": 7, "torn": 0}),
    op("journal", journal(WRITTEN + [{"kind": "repair", "file": "journal.jsonl", "truncated_bytes": 14},
                                     override("ops", "drift", "learning frozen = true")]))])
case(J, "journal_missing_directory", [op("verify", {"records": 0, "torn": 0}, dir="never_created")])
case(J, "journal_empty_directory", [op("mkdir", dir="empty"), op("verify", {"records": 0, "torn": 0}, dir="empty")])

# ---- period limits, latching (through the session) ----
L = "guardrails_period_latching"
case(L, "latch_warning_then_critical", START + [
    op("evaluate_period", {"breaches": [breach("daily_loss_ratio", 0.015, 0.01, "warning")], "state": R},
       obs={"aum": 100000.0, "daily_pnl": -1500.0}),
    op("evaluate_period", {"breaches": [], "state": R}, obs={"aum": 100000.0, "daily_pnl": -500.0}),
    op("evaluate_period", {"breaches": [breach("daily_loss_ratio", 0.025, 0.02, "critical")], "state": H},
       obs={"aum": 100000.0, "daily_pnl": -2500.0}),
    op("evaluate_period", {"breaches": [], "state": H}, obs={}),
    HANDOFF,
    open_(status(H)),
    op("journal", journal(START_JOURNAL + [
        {"kind": "violation", "rule": "daily_loss_ratio", "value": 0.015, "threshold": 0.01},
        transition(A, R, "daily_loss_ratio Warning: value 0.015 crossed 0.01"),
        {"kind": "violation", "rule": "daily_loss_ratio", "value": 0.025, "threshold": 0.02},
        transition(R, H, "daily_loss_ratio Critical: value 0.025 crossed 0.02")])),
])
case(L, "latch_tracked_high_water_mark_across_restart", START + [
    op("set_equity", equity=100000.0),
    op("evaluate_period", {"breaches": [breach("max_drawdown_ratio", 0.08, 0.07, "warning")], "state": R},
       obs={"equity": 92000.0}),
    HANDOFF,
    open_(status(R, 100000.0)),
    op("evaluate_period", {"breaches": [breach("max_drawdown_ratio", 0.11, 0.1, "critical")], "state": H},
       obs={"equity": 89000.0}),
])
case(L, "latch_explicit_hwm_wins", START + [
    op("set_equity", equity=100000.0),
    op("evaluate_period", {"breaches": [], "state": A}, obs={"equity": 92000.0, "high_water_mark": 95000.0}),
])
case(L, "latch_nan_is_critical", START + [
    op("evaluate_period", {"breaches": [breach("daily_loss_ratio", "nan", 0.02, "critical")], "state": H},
       obs={"aum": 100000.0, "daily_pnl": "nan"}),
])
case(L, "latch_worst_breach_wins", START + [
    op("evaluate_period", {"breaches": [breach("hourly_loss_ratio", 0.004, 0.003, "warning"),
                                        breach("slippage_ratio", 3.5, 3.0, "critical")], "state": H},
       obs={"aum": 100000.0, "hourly_pnl": -400.0, "slippage_ratio": 3.5}),
])
case(L, "latch_never_softens_killed", START + [
    op("kill", reason="desk limit", by="alice"),
    op("evaluate_period", {"breaches": [breach("daily_loss_ratio", 0.015, 0.01, "warning")], "state": K},
       obs={"aum": 100000.0, "daily_pnl": -1500.0}),
])

# ---- period limits, stateless ----
S = "guardrails_period_stateless"
STATELESS = [
    ("empty", {}, []),
    ("gain", {"aum": 100000.0, "daily_pnl": 5000.0}, []),
    ("at_warning_level", {"aum": 100000.0, "daily_pnl": -1000.0}, []),
    ("warning", {"aum": 100000.0, "daily_pnl": -1500.0}, [breach("daily_loss_ratio", 0.015, 0.01, "warning")]),
    ("critical", {"aum": 100000.0, "daily_pnl": -2500.0}, [breach("daily_loss_ratio", 0.025, 0.02, "critical")]),
    ("pnl_nan", {"aum": 100000.0, "daily_pnl": "nan"}, [breach("daily_loss_ratio", "nan", 0.02, "critical")]),
    ("pnl_minus_inf", {"aum": 100000.0, "hourly_pnl": "-inf"},
     [breach("hourly_loss_ratio", "nan", 0.005, "critical")]),
    ("aum_zero", {"aum": 0.0, "daily_pnl": -1.0}, [breach("daily_loss_ratio", "nan", 0.02, "critical")]),
    ("aum_missing", {"daily_pnl": -1.0}, [breach("daily_loss_ratio", "nan", 0.02, "critical")]),
    ("no_hwm_is_not_tracked", {"equity": 90000.0}, [breach("max_drawdown_ratio", "nan", 0.1, "critical")]),
    ("drawdown", {"equity": 92000.0, "high_water_mark": 100000.0},
     [breach("max_drawdown_ratio", 0.08, 0.07, "warning")]),
    ("above_hwm", {"equity": 120000.0, "high_water_mark": 100000.0}, []),
    ("fill_rate_floor", {"fill_rate": 0.92}, [breach("fill_rate", 0.92, 0.95, "warning")]),
    ("fill_rate_critical", {"fill_rate": 0.5}, [breach("fill_rate", 0.5, 0.9, "critical")]),
    ("data_age_inf", {"data_age_s": "inf"}, [breach("data_age_s", "inf", 300.0, "critical")]),
    ("slippage_constant", {"slippage_ratio": 1.0}, []),
    ("all_rules", {"aum": 100000.0, "hourly_pnl": -400.0, "daily_pnl": -3000.0, "equity": 80000.0,
                   "high_water_mark": 100000.0, "slippage_ratio": 2.5, "fill_rate": 0.8, "data_age_s": 120.0},
     [breach("hourly_loss_ratio", 0.004, 0.003, "warning"), breach("daily_loss_ratio", 0.03, 0.02, "critical"),
      breach("max_drawdown_ratio", 0.2, 0.1, "critical"), breach("slippage_ratio", 2.5, 2.0, "warning"),
      breach("data_age_s", 120.0, 60.0, "warning"), breach("fill_rate", 0.8, 0.9, "critical")]),
]
for name, obs, want in STATELESS:
    case(S, f"stateless_{name}", [op("period_evaluate", {"breaches": want}, obs=obs)])
PREC = "[period]\nmodel_precision_ratio = { warning = 0.55, critical = 0.50 }\nmin_confidence = { warning = 0.6, critical = 0.4 }\n"
for name, obs, want in [
    ("precision_warning", {"model_precision_ratio": 0.52}, [breach("model_precision_ratio", 0.52, 0.55, "warning")]),
    ("precision_above_one", {"model_precision_ratio": 1.2},
     [breach("model_precision_ratio", 1.2, 0.5, "critical")]),
    ("confidence_critical", {"confidence": 0.3}, [breach("min_confidence", 0.3, 0.4, "critical")]),
]:
    case(S, f"stateless_{name}", [op("period_evaluate", {"breaches": want}, obs=obs)], policy_toml=PREC)
MISSING = "[period]\non_missing = \"critical\"\nhourly_loss_ratio = { warning = 0.003, critical = 0.005 }\n"
case(S, "stateless_on_missing_critical", [op("period_evaluate", {"breaches": [
    breach("hourly_loss_ratio", "nan", 0.005, "critical"), breach("daily_loss_ratio", "nan", 0.02, "critical"),
    breach("max_drawdown_ratio", "nan", 0.1, "critical"), breach("slippage_ratio", "nan", 3.0, "critical"),
    breach("data_age_s", "nan", 300.0, "critical"), breach("fill_rate", "nan", 0.9, "critical")]}, obs={})],
     policy_toml=MISSING)
for name, text in [("warning_above_critical", "[period]\ndaily_loss_ratio = { warning = 0.05, critical = 0.02 }\n"),
                   ("unknown_key", "[period]\nweekly_loss_ratio = { warning = 0.01, critical = 0.02 }\n"),
                   ("bad_on_missing", "[period]\non_missing = \"sometimes\"\n")]:
    case(S, f"stateless_bad_policy_{name}", [op("period_evaluate", err("InvalidConfig"), obs={})],
         policy_toml=text)

# ---- size override and learning freeze (persisted, journaled) ----
O = "guardrails_overrides"
case(O, "override_persisted_and_journaled", START + [
    op("size_override", fraction=0.5, who="ops", why="canary"),
    order(10.0, {"decision": "clip", "quantity": 5.0, "reason": "size_override"}),
    op("learning_frozen", frozen=True, who="ops", why="drift"),
    HANDOFF,
    open_(status(A, None, 0.5, True)),
    op("size_override", fraction=1.0, who="ops", why="done"),
    order(10.0, {"decision": "allow"}),
    op("learning_frozen", frozen=False, who="ops", why="retrained"),
    HANDOFF,
    open_(status(A, None, 1.0, False)),
    op("journal", journal(START_JOURNAL + [
        override("ops", "canary", "size override 0.5"),
        {"kind": "decision", "symbol": "AAA", "side": "buy", "quantity": 10.0,
         "decision": {"decision": "clip", "quantity": 5.0, "reason": "size_override"}},
        override("ops", "drift", "learning frozen = true"),
        override("ops", "done", "size override 1"),
        {"kind": "decision", "symbol": "AAA", "side": "buy", "quantity": 10.0, "decision": {"decision": "allow"}},
        override("ops", "retrained", "learning frozen = false")])),
])
for fraction in [0.0, -0.5, 1.5, "nan", "inf"]:
    case(O, f"override_bad_fraction_{fraction}", START + [
        op("size_override", err("InvalidInput"), fraction=fraction, who="ops", why="typo"),
        op("status", status(A)),
        op("journal", journal(START_JOURNAL))])
case(O, "override_tiny_fraction", START + [
    op("size_override", fraction=0.001, who="ops", why="probe"),
    order(10.0, {"decision": "clip", "quantity": 0.01, "reason": "size_override"})])

# ---- approvals (journaled) ----
AP = "guardrails_approvals"
case(AP, "approval_sequence_across_doors", START + [
    op("approval", {"seq": 3}, who="risk", why="canary passed", what="promote v2"),
    HANDOFF,
    open_(status(A)),
    op("approval", {"seq": 4}, who="cto", why="second signature", what="promote v2"),
    HANDOFF,
    op("verify", {"records": 4, "torn": 0}),
    op("journal", journal(START_JOURNAL + [
        {"kind": "approval", "who": "risk", "why": "canary passed", "what": "promote v2"},
        {"kind": "approval", "who": "cto", "why": "second signature", "what": "promote v2"}])),
])
for who, why in [("", "x"), ("  ", "x"), ("risk", "")]:
    case(AP, f"approval_blank_{len(who)}_{len(why)}", START + [
        op("approval", err("InvalidInput"), who=who, why=why, what="promote v2"),
        op("verify", {"records": 2, "torn": 0})])

print(json.dumps({
    "description": __doc__.split("\n\n")[0].replace("\n", " "),
    "policy_toml": POLICY,
    "cases": cases,
}, indent=1))
