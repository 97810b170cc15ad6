"""tradewarden.guardrails: policy, engine with persisted state and kill switch, journal, exposure, gates."""

import numpy as np
import pytest

import tradewarden.guardrails as tg
from tradewarden.errors import InvalidConfigError, InvalidInputError, NotFoundError, StateError, TradewardenError

POLICY = """
[pre_trade]
max_order_quantity = 50.0
max_data_age_s = 5.0

[symbols.AAA]
[symbols.BBB]
max_position_quantity = 20.0
[symbols.OFF]
disabled = true
"""


def test_policy_from_str_dict_file(tmp_path):
    p = tg.Policy.from_str(POLICY)
    d = p.to_dict()
    assert d["pre_trade"]["max_order_quantity"] == 50.0 and set(d["symbols"]) == {"AAA", "BBB", "OFF"}
    assert tg.Policy.from_dict(d).to_dict() == d
    f = tmp_path / "policy.toml"
    f.write_text(POLICY)
    assert tg.Policy.from_file(f).to_dict() == d
    with pytest.raises(InvalidConfigError, match="max_order_quantity"):
        tg.Policy.from_str("[pre_trade]\nmax_order_quantity = -1.0\n")
    with pytest.raises(InvalidConfigError):
        tg.Policy.from_dict({"pre_trade": {"no_such_limit": 1}})
    with pytest.raises(NotFoundError, match="missing.toml"):
        tg.Policy.from_file(tmp_path / "missing.toml")


def test_engine_in_memory_decisions():
    e = tg.Engine(tg.Policy.from_str(POLICY), 10_000.0)
    assert e.state == "HALTED" and e.state_dir is None and e.journal_dir is None  # fail closed
    t = dict(data_timestamp=100.0, timestamp=100.0)  # market data as fresh as the order
    d = e.check_order("AAA", "buy", 1, 10.0, **t)
    assert d == ("deny", 0.0, "trading_halted") and not d.allowed
    e.set_state("ACTIVE")
    assert e.check_order("AAA", "buy", 1, 10.0, **t) == ("allow", 1.0, None)
    clipped = e.check_order("AAA", "buy", 80, 10.0, **t)
    assert clipped.decision == "clip" and clipped.quantity == 50.0 and clipped.reason == "max_order_quantity"
    assert e.check_order("OFF", "sell", 1, 10.0, **t).reason == "symbol_disabled"
    assert e.check_order("ZZZ", "buy", 1, 10.0, **t).reason == "unknown_symbol"
    assert e.check_order("AAA", "buy", 1, 10.0, data_timestamp=90.0, timestamp=100.0).reason == "stale_data"
    e.on_fill("BBB", "buy", 15, 10.0)
    assert e.position("BBB") == 15.0 and e.gross_exposure == 150.0
    assert e.check_order("BBB", "buy", 10, 10.0, **t) == ("clip", 5.0, "max_position_quantity")
    # the crate's side names (Side: FromStr): the error lists every accepted spelling
    with pytest.raises(InvalidInputError, match=r"side = \"hold\": expected 'buy' \(or 'b'\) or 'sell' \(or 's'\)"):
        e.check_order("AAA", "hold", 1, 10.0, **t)
    with pytest.raises(NotFoundError, match="ZZZ"):
        e.position("ZZZ")
    with pytest.raises(InvalidInputError, match="equity"):
        tg.Engine(tg.Policy.from_str(POLICY), 0.0)
    # 7 decisions (the bad side never reached the engine), 4 of them denials
    assert e.counts == {"trades": 7, "denials": 4, "breaches": 0}
    assert e.violations_per_1000_trades == pytest.approx(4 * 1000 / 7)
    # the in-memory session behaves as one with a directory: kill latches KILLED (nothing to persist) ...
    e.kill("no state dir")
    assert e.state == "KILLED" and e.check_order("AAA", "buy", 1, 10.0, **t).reason == "trading_killed"
    # ... but there is no KILL_SWITCH file to remove, and no journal to read
    with pytest.raises(StateError):
        e.remove_kill_switch(who="ops", why="no file")
    with pytest.raises(InvalidInputError, match="journal"):
        e.journal()
    e.reset(who="ops", why="restart")
    assert e.state == "ACTIVE"


def test_min_order_notional_and_equity_fraction_rules(tmp_path):
    policy = tg.Policy.from_str(
        "[pre_trade]\nmin_order_notional = 100.0\nmax_order_equity_fraction = 0.1\n"
        "[symbols.AAA]\n[symbols.BBB]\nmin_order_notional = 500.0\n"
    )
    d = policy.to_dict()
    assert d["pre_trade"]["min_order_notional"] == 100.0 and d["pre_trade"]["max_order_equity_fraction"] == 0.1
    assert d["symbols"]["BBB"]["min_order_notional"] == 500.0
    e = tg.Engine(policy, 10_000.0)
    e.set_state("ACTIVE")
    t = dict(data_timestamp=100.0, timestamp=100.0)
    assert e.check_order("AAA", "buy", 10, 10.0, **t) == ("allow", 10.0, None)
    assert e.check_order("AAA", "buy", 9, 10.0, **t) == ("deny", 0.0, "min_order_notional")
    assert e.check_order("BBB", "buy", 40, 10.0, **t).reason == "min_order_notional"
    assert e.check_order("AAA", "sell", 150, 10.0, **t) == ("clip", 100.0, "max_order_equity_fraction")
    with pytest.raises(InvalidConfigError, match="max_order_equity_fraction"):
        tg.Policy.from_str("[pre_trade]\nmax_order_equity_fraction = 1.5\n")
    with pytest.raises(InvalidConfigError, match="min_order_notional"):
        tg.Policy.from_str("[pre_trade]\nmin_order_notional = 10.0\nmax_order_notional = 5.0\n")
    # every transition has a reason
    s = tg.Engine(policy, 10_000.0, state_dir=tmp_path / "state")
    with pytest.raises(InvalidInputError, match="reason"):
        s.escalate("KILLED", "   ")
    assert s.state == "HALTED"


def test_engine_state_kill_reset_and_journal(tmp_path):
    state = tmp_path / "state"
    e = tg.Engine(tg.Policy.from_str(POLICY), 10_000.0, state_dir=state, journal_fsync="always")
    assert e.state == "HALTED" and e.state_dir == str(state) and e.journal_dir == str(state)
    e.reset(who="ops", why="start of day")
    assert e.state == "ACTIVE"
    t = dict(data_timestamp=100.0, timestamp=100.0)
    assert e.check_order("AAA", "buy", 1, 10.0, **t).allowed
    assert e.escalate("REDUCING", "drawdown warning") and e.state == "REDUCING"
    assert not e.escalate("ACTIVE", "not more severe")
    e.kill("manual stop", activated_by="tester")
    assert e.state == "KILLED" and (state / "KILL_SWITCH").exists()
    assert e.check_order("AAA", "buy", 1, 10.0, **t).reason == "trading_killed"
    with pytest.raises(StateError):
        e.reset(who="ops", why="too early")  # refused while KILL_SWITCH exists
    # the state is latched on disk: a new engine sees KILLED
    again = tg.Engine(tg.Policy.from_str(POLICY), 10_000.0, state_dir=state)
    assert again.state == "KILLED"
    again.remove_kill_switch(who="ops", why="incident closed")
    assert not (state / "KILL_SWITCH").exists() and again.state == "KILLED"  # still latched until a reset
    again.reset(who="ops", why="resolved")
    assert again.state == "ACTIVE" and again.sync() == "ACTIVE"
    entries = e.journal()
    assert entries == again.journal()  # one journal, in the state directory
    kinds = [x["kind"] for x in entries]
    assert kinds.count("decision") == 2 and "transition" in kinds and "override" in kinds
    assert [x["seq"] for x in entries] == list(range(1, len(entries) + 1))
    assert tg.read_journal(state)[1] == 0
    assert tg.verify_journal(state)["ok"]


def test_journal_dir_is_deprecated(tmp_path):
    p = tg.Policy.from_str(POLICY)
    state = tmp_path / "state"
    with pytest.warns(DeprecationWarning, match="journal_dir"):
        e = tg.Engine(p, 1.0, state_dir=state, journal_dir=state)
    assert e.journal_dir == str(state)
    with pytest.raises(InvalidInputError, match="journal_dir"):
        tg.Engine(p, 1.0, state_dir=state, journal_dir=tmp_path / "elsewhere")
    with pytest.raises(InvalidInputError, match="journal_dir"):
        tg.Engine(p, 1.0, journal_dir=tmp_path / "elsewhere")


def test_engine_options_take_the_crate_defaults_and_parsers(tmp_path):
    p = tg.Policy.from_str(POLICY)
    with pytest.raises(InvalidInputError, match="journal_fsync"):
        tg.Engine(p, 1.0, state_dir=tmp_path / "a", journal_fsync="every_0")
    with pytest.raises(InvalidInputError, match="journal_fsync"):
        tg.Engine(p, 1.0, state_dir=tmp_path / "a", journal_fsync="sometimes")
    with pytest.raises(InvalidInputError, match="decisions"):
        tg.Engine(p, 1.0, state_dir=tmp_path / "a", decisions="some")
    with pytest.raises(InvalidInputError, match="journal_max_bytes"):
        tg.Engine(p, 1.0, state_dir=tmp_path / "a", journal_max_bytes=0)
    with pytest.raises(InvalidInputError, match="watch_interval_s"):
        tg.Engine(p, 1.0, state_dir=tmp_path / "a", watch_interval_s=0.0)
    t = dict(data_timestamp=100.0, timestamp=100.0)
    # decisions='not_allowed': only denials and clips are journaled
    e = tg.Engine(p, 1.0, state_dir=tmp_path / "b", decisions="not_allowed", journal_fsync="every_3")
    e.reset(who="ops", why="start")
    e.check_order("AAA", "buy", 1, 10.0, **t)
    e.check_order("AAA", "buy", 80, 10.0, **t)
    decisions = [x for x in e.journal() if x["kind"] == "decision"]
    assert len(decisions) == 1 and decisions[0]["decision"]["decision"] == "clip"
    # journal=False: state persisted, no journal files
    n = tg.Engine(p, 1.0, state_dir=tmp_path / "c", journal=False)
    n.reset(who="ops", why="start")
    assert n.journal_dir is None and not list((tmp_path / "c").glob("journal*.jsonl"))
    with pytest.raises(InvalidInputError, match="journal"):
        n.journal()
    assert tg.Engine(p, 1.0, state_dir=tmp_path / "c").state == "ACTIVE"


TRADES = {
    "timestamp": [1, 2, 3, 4, 5],
    "symbol": ["AAA", "AAA", "BBB", "BBB", "BBB"],
    "position": [100.0, -80.0, 120.0, -90.0, 140.0],
    "price": [10.0, 10.5, 9.5, 9.8, 10.2],
    "pnl": [200.0, -260.0, 150.0, -220.0, 175.0],
}

SEED_KEYS = {"gross_exposure_peak", "gross_exposure_mean", "net_exposure_mean", "net_exposure_peak", "turnover_rate",
             "tail_return_quantile", "tail_return_mean", "tail_event_frequency", "max_symbol_exposure"}


def _expected(trades, capital, pct):
    """The seed's definitions, in numpy (grouped by timestamp)."""
    ts = np.asarray(trades["timestamp"])
    notional = np.asarray(trades["position"]) * np.asarray(trades["price"])
    pnl = np.asarray(trades["pnl"])
    keys = np.unique(ts)
    gross = np.array([np.abs(notional[ts == k]).sum() for k in keys])
    net = np.array([notional[ts == k].sum() for k in keys])
    pnl_t = np.array([pnl[ts == k].sum() for k in keys])
    q = np.percentile(pnl_t, pct)
    diff = np.abs(np.diff(net, prepend=net[0]))
    syms = np.asarray(trades["symbol"])
    return {
        "gross_exposure_peak": gross.max() / capital, "gross_exposure_mean": gross.mean() / capital,
        "net_exposure_mean": net.mean() / capital, "net_exposure_peak": np.abs(net).max() / capital,
        "turnover_rate": diff.mean() / capital, "tail_return_quantile": q,
        "tail_return_mean": pnl_t[pnl_t <= q].mean(), "tail_event_frequency": (pnl_t <= q).mean(),
        "max_symbol_exposure": max(np.abs(notional[syms == s]).max() for s in set(syms)) / capital,
    }


def test_exposure_metrics_from_each_table_kind():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    m = tg.exposure_metrics(TRADES, 1000.0)
    assert set(m) == SEED_KEYS
    for k, v in _expected(TRADES, 1000.0, 5.0).items():
        assert m[k] == pytest.approx(v, rel=1e-12, abs=1e-12), k
    assert m["gross_exposure_peak"] == pytest.approx(1.428) and m["turnover_rate"] == pytest.approx(1.6304)
    for table in (pd.DataFrame(TRADES), pl.DataFrame(TRADES), pa.table(TRADES)):
        assert tg.exposure_metrics(table, 1000.0) == m
    # the Arrow stream path: timestamp types, renamed columns, several batches, a non-pyarrow producer
    t = pa.table(dict(TRADES, timestamp=pa.array(TRADES["timestamp"], pa.timestamp("s"))))
    assert tg.exposure_metrics(t, 1000.0) == m
    renamed = t.rename_columns(["ts", "sym", "pos", "px", "p"])
    assert tg.exposure_metrics(renamed, 1000.0, timestamp="ts", symbol="sym", position="pos", price="px",
                               pnl="p") == m
    assert tg.exposure_metrics(pa.Table.from_batches(t.to_batches(max_chunksize=2)), 1000.0) == m

    class Stream:
        def __arrow_c_stream__(self, requested_schema=None):
            return t.__arrow_c_stream__(requested_schema)

    assert tg.exposure_metrics(Stream(), 1000.0) == m
    with pytest.raises(TradewardenError, match="pnl"):
        tg.exposure_metrics(t.drop_columns(["pnl"]), 1000.0)
    # datetimes are unix seconds; explicit notional wins over position x price
    df = pd.DataFrame(TRADES)
    df["timestamp"] = pd.to_datetime(df["timestamp"], unit="s")
    assert tg.exposure_metrics(df, 1000.0) == m
    with_notional = dict(TRADES, notional=list(np.multiply(TRADES["position"], TRADES["price"])))
    assert tg.exposure_metrics(with_notional, 1000.0) == m
    rng = np.random.default_rng(8)
    big = {"timestamp": np.sort(rng.integers(0, 50, 400)), "symbol": list(rng.choice(["A", "B", "C"], 400)),
           "position": rng.normal(size=400) * 10, "price": rng.uniform(5, 15, 400), "pnl": rng.normal(size=400)}
    got = tg.exposure_metrics(big, 5000.0, tail_percentile=10.0)
    for k, v in _expected(big, 5000.0, 10.0).items():
        assert got[k] == pytest.approx(v, rel=1e-10, abs=1e-12), k


def test_exposure_metrics_bad_inputs():
    with pytest.raises(InvalidInputError, match="capital"):
        tg.exposure_metrics(TRADES, 0.0)
    with pytest.raises(InvalidInputError, match="tail_percentile"):
        tg.exposure_metrics(TRADES, 1000.0, tail_percentile=150.0)
    with pytest.raises(InvalidInputError, match="pnl"):
        tg.exposure_metrics({k: v for k, v in TRADES.items() if k != "pnl"}, 1000.0)
    with pytest.raises(InvalidInputError, match="pnl"):
        tg.exposure_metrics(dict(TRADES, pnl=[1.0, 2.0]), 1000.0)
    with pytest.raises(InvalidInputError, match="pnl"):
        tg.exposure_metrics(dict(TRADES, pnl=[1.0, np.nan, 1.0, 1.0, 1.0]), 1000.0)
    with pytest.raises(TradewardenError, match="notional|position|price"):
        tg.exposure_metrics({k: v for k, v in TRADES.items() if k != "price"}, 1000.0)
    with pytest.raises(InvalidInputError, match="trades"):
        tg.exposure_metrics([1, 2, 3], 1000.0)


def test_canary_machine_and_gates():
    m = tg.CanaryMachine()
    assert m.index == 0 and m.stage["name"] == "shadow"
    ev = m.evaluate(days=30, real_pnl=0.0, sim_pnl=100.0, drawdown=0.0, slippage_ratio=1.0, critical_alerts=0,
                    precision=0.9, baseline_precision=0.95)
    assert ev["action"] == {"action": "advance", "to": 1}
    m.apply(ev["action"])
    assert m.index == 1 and m.stage["name"] == "canary_1"
    bad = m.evaluate(days=1, real_pnl=-10.0, sim_pnl=100.0, drawdown=0.05, slippage_ratio=1.0, critical_alerts=0,
                     precision=0.9, baseline_precision=0.95)
    assert bad["action"]["action"] == "rollback"
    m.apply(bad["action"])
    assert m.rolled_back
    with pytest.raises(InvalidConfigError):
        m.evaluate(days=1)
    with pytest.raises(InvalidConfigError):
        tg.CanaryMachine({"stages": []})
    assert tg.traffic_canary(0, 0.001, 0.05, 1.0, 1.0) == {"action": "advance", "to": 0.25}
    assert tg.traffic_canary(0, 0.5, 0.05, 1.0, 1.0)["action"] == "rollback"
    gates, verdict = tg.rate_gates({"uptime": 0.999, "slippage_ratio": 1.0, "drawdown_vs_sim": 1.0,
                                    "precision_ratio": 1.0, "abs_pnl_deviation": 0.02, "critical_alerts": 0.0,
                                    "interventions": 0.0})
    assert verdict == "PROMOTE_WITH_CAUTION" and {g["rating"] for g in gates} <= {"GREEN", "AMBER"}
    assert tg.drift_guard(0.2, 0.0) == "rollback_recommended" and tg.drift_guard(0.0, 0.0) == "continue"


def test_promotion_gates_and_judge():
    r = np.array([0.002 + 0.01 * ((i % 5) - 2.0) / 2.0 for i in range(300)])
    pnls = np.array([-1.0 if i % 3 == 0 else 1.5 for i in range(150)])
    rep = tg.promotion_gates(r, pnls)
    assert {c["name"] for c in rep["checks"]} >= {"walk_forward_sharpe"} and len(rep["checks"]) == 4
    assert rep["passed"] == all(c["passed"] for c in rep["checks"])
    strict = tg.promotion_gates(r, pnls, {"min_trades": 1000})
    assert not strict["passed"]
    with pytest.raises(InvalidConfigError, match="max_pbo"):
        tg.promotion_gates(r, pnls, {"max_pbo": 2.0})
    cfg = {"pass_score": 95.0, "marginal_score": 75.0, "metrics": [
        {"name": "latency", "bad": "increase", "effect_tolerance": 0.1, "alpha": 0.05, "weight": 1.0,
         "critical": False}]}
    base = [100.0 + (i % 7) for i in range(50)]
    assert tg.judge(cfg, {"latency": base}, {"latency": base})["verdict"] == "pass"
    assert tg.judge(cfg, {"latency": base}, {"latency": [x * 1.5 for x in base]})["verdict"] == "fail"


def test_side_names_are_the_crates():
    """'buy'/'b'/'sell'/'s' in any case, as the guardrails crate parses them (one table for every door)."""
    e = tg.Engine(tg.Policy.from_str(POLICY), 10_000.0)
    e.set_state("ACTIVE")
    t = dict(data_timestamp=100.0, timestamp=100.0)
    for name in ("buy", "B", "BUY", "b"):
        assert e.check_order("AAA", name, 1, 10.0, **t) == ("allow", 1.0, None)
    e.on_fill("BBB", "S", 2, 10.0)
    e.on_fill("BBB", "Sell", 1, 10.0)
    assert e.position("BBB") == -3.0


def test_policy_format_names_come_from_the_crate():
    """`format` is parsed by the core crate's one table (ConfigFormat: 'yml' an alias of 'yaml'); an unknown
    name is InvalidInputError naming the parameter, the value and every choice."""
    assert tg.Policy.from_str("{}", format="yml").to_dict() == tg.Policy.from_str("{}", format="yaml").to_dict()
    with pytest.raises(InvalidInputError, match=r"format = \"xml\": expected 'toml', 'yaml' \(or 'yml'\) or 'json'"):
        tg.Policy.from_str("", format="xml")
