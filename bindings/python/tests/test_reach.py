"""Issue #21 "Reach": the doors Python lacked — stateless period limits, the clip/warn exposure policy, the regime
classifier, the prediction sanity guard, the recovery tracker and the seed metric handles.

Each door is checked against the Rust result for the same input: the seed examples of
``shared/reference/seed-behaviour.md`` (T5–T7, the guard's 12 % / 6 % rule, the recovery health rules) that the
crates' own tests and doctests assert, and the classifier's formulas recomputed with numpy. Bad inputs raise the
typed errors of ``tradewarden.errors`` naming the parameter. The metric handles are read back from
``telemetry.render()`` under the catalog's names (one interpreter per exporter, as in test_telemetry.py).
"""

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tradewarden.guardrails as tg
import tradewarden.inference as ti
import tradewarden.telemetry as tt
from tradewarden.errors import InvalidConfigError, InvalidInputError, StateError

# ------------------------------------------------------------------------------------------ period limits --

PRECISION_POLICY = tg.Policy.from_dict({"period": {"model_precision_ratio": {"warning": 0.55, "critical": 0.50}}})


def test_stateless_period_limits_match_the_crate_doctest():
    # period::evaluate's doctest: daily loss 12 000 on 1e6 AUM is a warning of the default 1 % / 2 % limits.
    b = tg.evaluate_period(tg.Policy.from_str(""), aum=1e6, daily_pnl=-12_000.0)
    assert b == [tg.PeriodBreach("daily_loss_ratio", pytest.approx(0.012), 0.01, "warning")]
    assert isinstance(b[0], tg.PeriodBreach)
    # critical, and NaN fails closed — nothing latched: the same call again gives the same answer
    crit = tg.evaluate_period(tg.Policy.from_str(""), aum=1e6, daily_pnl=-25_000.0, data_age_s=float("nan"))
    assert sorted((x.rule, x.severity) for x in crit) == [("daily_loss_ratio", "critical"),
                                                         ("data_age_s", "critical")]


def test_stateless_period_limits_agree_with_the_engine():
    obs = dict(aum=1e6, hourly_pnl=-4_000.0, equity=92_000.0, high_water_mark=100_000.0, fill_rate=0.93,
               slippage_ratio=3.5)
    policy = tg.Policy.from_str("")
    e = tg.Engine(policy, 100_000.0)
    e.set_state("ACTIVE")
    assert tg.evaluate_period(policy, **obs) == e.evaluate_period(**obs)
    assert e.state == "HALTED"  # the engine latches; the stateless door has no state to latch


def test_model_precision_is_the_live_precision_fraction():
    def at(x):
        return [(b.rule, b.severity) for b in tg.evaluate_period(PRECISION_POLICY, model_precision_ratio=x)]

    assert at(0.60) == []
    assert at(0.52) == [("model_precision_ratio", "warning")]
    assert at(0.49) == [("model_precision_ratio", "critical")]
    assert at(1.05) == [("model_precision_ratio", "critical")]  # a live ÷ baseline ratio is not a precision
    with pytest.raises(InvalidConfigError, match="period.model_precision_ratio.warning"):
        tg.Policy.from_dict({"period": {"model_precision_ratio": {"warning": 1.1, "critical": 0.9}}})


def test_stateless_period_limits_bad_inputs():
    with pytest.raises(InvalidInputError, match="policy"):
        tg.evaluate_period({"period": {}}, aum=1.0)
    with pytest.raises(InvalidInputError, match="daily_pnl"):
        tg.evaluate_period(PRECISION_POLICY, daily_pnl="lots")
    with pytest.raises(TypeError):
        tg.evaluate_period(PRECISION_POLICY, no_such_observation=1.0)


# ------------------------------------------------------------------------------------------ approvals --

def test_approvals_are_journaled_records(tmp_path):
    # Session::record_approval (bound as Engine.record_approval): the crate's journal holds who / why / what,
    # hash-chained; an engine without a journal refuses (StateError), an empty name is refused (InvalidInputError).
    e = tg.Engine(tg.Policy.from_str(""), 1e5, state_dir=tmp_path / "state")
    seq = e.record_approval("carol", "canary green", "promote v2")
    [rec] = [x for x in e.journal() if x["kind"] == "approval"]
    assert (rec["seq"], rec["who"], rec["why"], rec["what"]) == (seq, "carol", "canary green", "promote v2")
    assert tg.verify_journal(tmp_path / "state")["ok"]
    with pytest.raises(InvalidInputError, match="who"):
        e.record_approval("", "why", "what")
    with pytest.raises(StateError, match="no journal"):
        tg.Engine(tg.Policy.from_str(""), 1e5).record_approval("carol", "why", "what")


# ------------------------------------------------------------------------------------------ exposure policy --

T5 = {"timestamp": [1, 1, 2, 2], "symbol": ["AAA", "BBB", "AAA", "BBB"], "notional": [200.0, 40.0, 200.0, 40.0],
      "pnl": [10.0, -2.0, 5.0, 1.0], "sector": ["tech", "finance", "tech", "finance"]}


def test_exposure_policy_clip_t5():
    # seed T5: capital 200, gross limit .5 → scaled, gross ≈ .5, every row × 5/12, no violation (tolerance)
    p = tg.Policy.from_dict({"exposure": {"enabled": True, "capital": 200.0, "max_gross_exposure": 0.5}})
    out = tg.apply_exposure_policy(T5, p)
    assert isinstance(out, tg.ExposureOutcome)
    assert out.scaled is True and out.violations == []
    assert out.metrics["gross_exposure_peak"] == pytest.approx(0.5, abs=1e-12)
    # the seed scales notional, position and pnl of every row by limit / value
    np.testing.assert_allclose(out.notional, np.array(T5["notional"]) * 5 / 12, rtol=1e-12)
    np.testing.assert_allclose(out.pnl, np.array(T5["pnl"]) * 5 / 12, rtol=1e-12)
    assert out.position is None
    # the metrics of the clipped log are the crate's exposure metrics of that log
    again = tg.exposure_metrics({**T5, "notional": out.notional, "pnl": out.pnl}, 200.0)
    assert out.metrics == pytest.approx(again, rel=1e-12)


def test_exposure_policy_sector_cap_t6():
    p = tg.Policy.from_dict({"exposure": {"enabled": True, "capital": 200.0, "sector_caps": {"tech": 0.3}}})
    out = tg.apply_exposure_policy(T5, p)
    assert out.exposures["sector"]["tech"] == pytest.approx(0.3, abs=1e-12)
    assert out.exposures["sector"]["finance"] == pytest.approx(0.2, abs=1e-12)  # unchanged
    assert out.violations == []
    # without the sector column, clip cannot apply the cap: typed error naming the column
    no_sector = {k: v for k, v in T5.items() if k != "sector"}
    with pytest.raises(InvalidInputError, match="sector"):
        tg.apply_exposure_policy(no_sector, p)


def test_exposure_policy_warn_tail_floor_t7():
    trades = {"timestamp": [1, 2, 3], "symbol": ["AAA"] * 3, "notional": [1.0, 1.0, 1.0],
              "pnl": [-0.1, -0.05, 0.02]}
    p = tg.Policy.from_dict({"exposure": {"enabled": True, "capital": 100.0, "tail_floor": -0.02,
                                          "enforcement": "warn"}})
    out = tg.apply_exposure_policy(trades, p)
    assert out.scaled is False
    assert out.metrics["tail_return_quantile"] == pytest.approx(-0.095, abs=1e-12)
    assert [(v.name, v.threshold) for v in out.violations] == [("tail_return_quantile", -0.02)]
    assert isinstance(out.violations[0], tg.ExposureViolation) and "-0.02" in out.violations[0].message
    np.testing.assert_array_equal(out.notional, trades["notional"])
    np.testing.assert_array_equal(out.pnl, trades["pnl"])


def test_exposure_policy_pandas_and_bad_inputs():
    pd = pytest.importorskip("pandas")
    p = tg.Policy.from_dict({"exposure": {"enabled": True, "capital": 200.0, "max_gross_exposure": 0.5}})
    out = tg.apply_exposure_policy(pd.DataFrame(T5), p)
    assert out.metrics["gross_exposure_peak"] == pytest.approx(0.5, abs=1e-12)
    with pytest.raises(InvalidInputError, match="pnl"):
        tg.apply_exposure_policy({k: v for k, v in T5.items() if k != "pnl"}, p)
    with pytest.raises(InvalidInputError, match="pnl"):
        tg.apply_exposure_policy({**T5, "pnl": [1.0, float("nan"), 1.0, 1.0]}, p)
    with pytest.raises(InvalidInputError, match="policy"):
        tg.apply_exposure_policy(T5, {"exposure": {}})


# ------------------------------------------------------------------------------------------ regime classifier --

def _candles(slope, n=120, wiggle=0.0):
    i = np.arange(n, dtype=np.float64)
    close = 100.0 * (1.0 + slope * i) * (1.0 + wiggle * np.sin(i))
    return close * 1.001, close * 0.999, close


def _expected(high, low, close, window=120):
    h, l, c = high[-window:], low[-window:], close[-window:]
    r = c[1:] / c[:-1] - 1.0
    vol = float(np.std(r, ddof=1))
    momentum = float(c[-1] / c[0] - 1.0)
    rng = float((h.max() - l.min()) / c[-1])
    if vol < 0.004 and abs(momentum) < 0.01:
        regime = "range_bound"
    elif momentum > 0.015:
        regime = "trending_up"
    elif momentum < -0.015:
        regime = "trending_down"
    elif vol >= 0.01 or rng > 0.03:
        regime = "volatile"
    else:
        regime = "neutral"
    return regime, vol, momentum, rng


@pytest.mark.parametrize("slope,wiggle", [(0.0005, 0.0), (-0.0005, 0.0), (0.0, 0.0005), (0.0, 0.02),
                                          (0.0001, 0.0)])
def test_regime_matches_the_seed_rules(slope, wiggle):
    high, low, close = _candles(slope, wiggle=wiggle)
    r = ti.classify_regime(high, low, close)
    assert isinstance(r, ti.RegimeReading)
    want = _expected(high, low, close)
    assert r.regime == want[0]
    assert (r.vol, r.momentum, r.range) == pytest.approx(want[1:], rel=1e-9)


def test_regime_covers_every_rule_and_unknown():
    seen = {ti.classify_regime(*_candles(s, wiggle=w)).regime
            for s, w in [(0.0005, 0.0), (-0.0005, 0.0), (0.0, 0.0005), (0.0, 0.02), (0.0001, 0.0)]}
    assert seen == {"trending_up", "trending_down", "range_bound", "volatile", "neutral"}
    short = ti.classify_regime(*_candles(0.0005, n=50))
    assert short.regime == "unknown" and math.isnan(short.vol)
    # a smaller window from config
    assert ti.classify_regime(*_candles(0.001, n=50), config={"window": 20}).regime == "trending_up"
    assert ti.classify_regime(*_candles(0.001, n=50)).regime == "unknown"


def test_regime_bad_inputs():
    high, low, close = _candles(0.0005)
    with pytest.raises(InvalidInputError, match="high"):
        ti.classify_regime(high[:-1], low, close)
    bad = close.copy()
    bad[-3] = -1.0
    with pytest.raises(InvalidInputError, match="close"):
        ti.classify_regime(high, low, bad)
    with pytest.raises(InvalidInputError, match="high"):
        ti.classify_regime(low, high, close)  # high below low
    with pytest.raises(InvalidConfigError, match="window"):
        ti.classify_regime(high, low, close, config={"window": 2})
    with pytest.raises(InvalidConfigError, match="windw"):
        ti.classify_regime(high, low, close, config={"windw": 20})


# ------------------------------------------------------------------------------------------ sanity guard --

def test_sanity_guard_matches_the_crate_doctest():
    out = ti.SanityGuard().check(100.0, [101.0, 109.0, 103.0, 115.0])
    assert isinstance(out, ti.GuardOutcome)
    assert out.kept == [(0, 101.0), (2, 103.0)]
    assert out.dropped == [ti.DroppedPoint(1, 109.0, "step_move"), ti.DroppedPoint(3, 115.0, "move_from_last_close")]


def test_sanity_guard_thresholds_and_bad_inputs():
    # seed rule: > 12 % from the last close or > 6 % in one step; looser thresholds keep more
    assert ti.SanityGuard(max_step_move=0.10).check(100.0, [101.0, 109.0]).dropped == []
    assert [d.reason for d in ti.SanityGuard().check(100.0, [float("nan"), 0.0]).dropped] == ["not_finite"] * 2
    with pytest.raises(InvalidInputError, match="last_close"):
        ti.SanityGuard().check(0.0, [1.0])
    with pytest.raises(InvalidInputError, match="last_close"):
        ti.SanityGuard().check("100", [1.0])
    with pytest.raises(InvalidConfigError, match="max_step_move"):
        ti.SanityGuard(max_step_move=-0.1).check(100.0, [101.0])
    with pytest.raises(InvalidInputError, match="max_move_from_last_close"):
        ti.SanityGuard(max_move_from_last_close="wide").check(100.0, [101.0])


# ------------------------------------------------------------------------------------------ recovery tracker --

def test_recovery_tracker_matches_the_crate_doctest():
    t = tt.RecoveryTracker()
    for _ in range(20):
        t.record("fetch_quotes", True, 0.1)
    assert t.health()["status"] == "healthy"
    for _ in range(3):
        t.record("fetch_quotes", False, 0.5, error_type="Timeout")
    assert t.health()["status"] == "degraded"
    s = t.summary()
    assert s["consecutive_failures"] == 3 and s["total_operations"] == 23
    op = s["operations"]["fetch_quotes"]
    assert (op["successes"], op["failures"]) == (20, 3)
    assert op["success_rate"] == pytest.approx(20 / 23)
    assert op["errors_by_type"] == {"Timeout": 3}
    t.record("fetch_quotes", True, 0.1)
    assert t.summary()["consecutive_failures"] == 0


def test_recovery_tracker_unhealthy_and_bad_inputs():
    t = tt.RecoveryTracker({"capacity": 100})
    for i in range(5):
        t.record("order", False, 12.0, error_type="Rejected", fallback_used=True, at=1_700_000_000.0 + i)
    h = t.health(now=1_700_000_010.0)
    assert h["status"] == "unhealthy"
    assert h["window_fallback_rate"] == 1.0 and h["alerts"] and h["recommendations"]
    with pytest.raises(InvalidInputError, match="operation"):
        t.record("", True, 0.1)
    with pytest.raises(InvalidInputError, match="duration_seconds"):
        t.record("x", True, -1.0)
    with pytest.raises(InvalidInputError, match="success"):
        t.record("x", "yes", 0.1)
    with pytest.raises(InvalidInputError, match="capacity"):
        tt.RecoveryTracker({"capacity": 0})
    with pytest.raises(InvalidConfigError, match="capacty"):
        tt.RecoveryTracker({"capacty": 10})


# ------------------------------------------------------------------------------------------ metric handles --

def run(code):
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_handles_need_the_exporter():
    out = run("""
        import tradewarden.telemetry as tt
        from tradewarden.errors import StateError
        for make in (lambda: tt.TradingMetrics("s"), tt.MlBotMetrics, lambda: tt.RecoveryTracker().export()):
            try:
                make()
                raise SystemExit("a handle before install must raise")
            except StateError as e:
                assert "install" in str(e)
        print("ok")
    """)
    assert out.strip() == "ok"


def test_seed_alert_metrics_fed_from_python_appear_in_the_exposition():
    # Quant Bot's ModelPrecisionWarning reads tradewarden_model_precision_ratio (< 0.55), ml-trading-bot's
    # MarketRegimeUnknown market_regime_state{regime="unknown"} and PredictionDriftScoreHigh
    # prediction_quality_metric{metric="drift_score"}, Trading-graph's RecoveryUnhealthy
    # tradewarden_recovery_health_status (docs/telemetry.md, deploy/prometheus/rules/).
    out = run("""
        import numpy as np
        from prometheus_client.parser import text_string_to_metric_families
        import tradewarden.telemetry as tt
        import tradewarden.inference as ti
        from tradewarden.errors import InvalidInputError
        tt.install(listen=None)
        m = tt.TradingMetrics("momentum")
        m.set_risk("model_precision_ratio", 0.52)
        m.set_risk("fill_ratio", 0.97)
        m.set_snapshot(pnl=1250.5, sharpe=1.2, winning_trades=3, total_trades=5, max_drawdown_ratio=0.15,
                       gross_profit=2000.0, gross_loss=-749.5)
        ml = tt.MlBotMetrics()
        close = np.full(10, 100.0)
        regime = ti.classify_regime(close, close, close)      # 10 candles < 120: unknown
        ml.set_regime("BTCUSDT", "1h", regime.regime)
        ml.set_quality("BTCUSDT", "1h", "drift_score", 0.25)
        ml.prediction("lstm", "BTCUSDT", "1h", 0.2)
        r = tt.RecoveryTracker()
        for _ in range(5):
            r.record("fetch", False, 0.5, error_type="Timeout")
        r.export()
        for bad in (lambda: m.set_risk("model_precision", 0.5), lambda: m.set_risk("fill_ratio", float("nan")),
                    lambda: ml.set_regime("BTCUSDT", "1h", "sideways"),
                    lambda: ml.set_quality("BTCUSDT", "1h", "rmse", 1.0),
                    lambda: ml.prediction("lstm", "BTCUSDT", "1h", float("nan")),
                    lambda: m.set_snapshot(pnl=0.0, sharpe=0.0, winning_trades=6, total_trades=5,
                                           max_drawdown_ratio=0.0, gross_profit=0.0, gross_loss=0.0)):
            try:
                bad()
                raise SystemExit("bad handle input must raise")
            except InvalidInputError as e:
                print("error:", str(e).split(" ")[0:3])
        try:  # the crate's one name table (RiskMetric's FromStr): the value and every choice
            m.set_risk("model_precision", 0.5)
        except InvalidInputError as e:
            assert 'metric = "model_precision"' in str(e) and "'model_precision_ratio'" in str(e), str(e)
        else:
            raise SystemExit("an unknown metric name must raise")
        samples = {}
        for fam in text_string_to_metric_families(tt.render()):
            for s in fam.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        def get(name, **labels):
            return samples[(name, tuple(sorted(labels.items())))]
        assert get("tradewarden_model_precision_ratio", strategy="momentum") == 0.52
        assert get("tradewarden_fill_ratio", strategy="momentum") == 0.97
        assert get("trading_pnl_total") == 1250.5
        assert get("trading_max_drawdown_percent") == 15.0
        one_hot = {r: get("market_regime_state", symbol="BTCUSDT", timeframe="1h", regime=r)
                   for r in ("trending_up", "trending_down", "range_bound", "volatile", "neutral", "unknown")}
        assert one_hot == {"trending_up": 0, "trending_down": 0, "range_bound": 0, "volatile": 0, "neutral": 0,
                           "unknown": 1}, one_hot
        assert get("prediction_quality_metric", symbol="BTCUSDT", timeframe="1h", metric="drift_score") == 0.25
        assert get("predictions_total", bot_name="lstm", symbol="BTCUSDT", timeframe="1h") == 1
        assert get("tradewarden_recovery_health_status") == 2.0
        assert get("tradewarden_recovery_consecutive_failures") == 5.0
        assert get("tradewarden_recovery_success_rate", operation="fetch") == 0.0
        print("ok")
    """)
    lines = out.strip().splitlines()
    assert lines[-1] == "ok", out
    assert len([x for x in lines if x.startswith("error:")]) == 6, out


def test_remaining_seed_handles_fed_from_python_appear_under_catalog_names():
    # MlBotMetrics.cache / websocket_connections, MonitoringMetrics (Plus Ultra), ServiceMetrics, DriftMetrics
    # (Autotrader): each call of the crate handle is read back from telemetry.render() under the catalog's name.
    out = run("""
        from prometheus_client.parser import text_string_to_metric_families
        import tradewarden.telemetry as tt
        from tradewarden.errors import InvalidInputError
        tt.install(listen=None)
        ml = tt.MlBotMetrics()
        ml.cache(7, 3, 120)
        ml.cache(1, 0, 121)
        ml.websocket_connections(4)
        mon = tt.MonitoringMetrics()
        mon.risk("max_drawdown", -0.18)
        mon.drift("psi", 0.31)
        mon.window_size(500)
        mon.alert("psi_high")
        mon.alert("psi_high")
        svc = tt.ServiceMetrics()
        svc.record("/predict", "POST", 200, 0.012)
        svc.record("/predict", "POST", 500, 0.5, exception="ValueError")
        svc.prediction_rows(64)
        dm = tt.DriftMetrics()
        dm.detection("psi", "high")
        dm.score("daily_return", "psi", 0.27)
        for bad in (lambda: mon.risk("sharpe", float("nan")), lambda: mon.drift("psi", float("inf")),
                    lambda: dm.score("x", "psi", float("nan")), lambda: ml.cache(-1, 0, 0),
                    lambda: svc.record("/p", "GET", 70000, 0.1), lambda: svc.record("/p", "GET", 200, -1.0)):
            try:
                bad()
                raise SystemExit("bad handle input must raise")
            except InvalidInputError as e:
                print("error:", str(e).split(" ")[0:3])
        samples = {}
        for fam in text_string_to_metric_families(tt.render()):
            for s in fam.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        def get(metric, **labels):
            return samples[(metric, tuple(sorted(labels.items())))]
        assert get("cache_hits_total") == 8 and get("cache_misses_total") == 3, samples
        assert get("cache_size") == 121
        assert get("websocket_connections_total") == 4
        assert get("tradewarden_monitoring_risk_metric", name="max_drawdown") == 0.18
        assert get("tradewarden_monitoring_drift_metric", name="psi") == 0.31
        assert get("tradewarden_monitoring_window_size") == 500
        assert get("tradewarden_monitoring_alerts_total", alert="psi_high") == 2
        assert get("tradewarden_monitoring_last_alert_timestamp_seconds") > 1.6e9
        assert get("tradewarden_service_requests_total", endpoint="/predict", method="POST", status="200") == 1
        assert get("tradewarden_service_requests_total", endpoint="/predict", method="POST", status="500") == 1
        assert get("tradewarden_service_request_exceptions_total", endpoint="/predict", method="POST",
                   exception="ValueError") == 1
        assert get("tradewarden_service_request_latency_seconds_count", endpoint="/predict", method="POST") == 2
        assert get("tradewarden_service_last_success_timestamp_seconds", endpoint="/predict") > 1.6e9
        assert get("tradewarden_service_last_error_timestamp_seconds", endpoint="/predict") > 1.6e9
        assert get("tradewarden_service_last_prediction_rows") == 64
        assert get("drift_detections_total", metric_type="psi", severity="high") == 1
        assert get("drift_score", feature="daily_return", method="psi") == 0.27
        print("ok")
    """)
    lines = out.strip().splitlines()
    assert lines[-1] == "ok", out
    assert len([x for x in lines if x.startswith("error:")]) == 6, out


def test_registry_inventory_reports_a_corrupt_manifest_where_list_raises(tmp_path):
    # Registry.inventory (the crate's Registry::inventory): a readable version as list() gives it, a torn manifest
    # with its file and reason; list() raises CorruptError on the same registry.
    from tradewarden.errors import CorruptError

    manifest = ('{"name":"m","version":"v1","architecture":{"input":4,"hidden":[8],"output":1,"activation":"relu",'
                '"output_kind":"point"},"files":{"weights.bpk":"' + "0" * 64 + '"},"metrics":{"auc":0.61},'
                '"stage":"development","created_at":1700000000.5}')
    for v, text in (("v1", manifest), ("v9", '{"name": "m", "vers')):
        d = tmp_path / "m" / "versions" / v
        d.mkdir(parents=True)
        (d / "manifest.json").write_text(text)
    reg = ti.Registry(tmp_path)
    inv = reg.inventory("m")
    assert [e["manifest"]["version"] for e in inv["versions"]] == ["v1"]
    assert inv["versions"][0]["manifest"] == reg.manifest("m", "v1")
    assert inv["versions"][0]["active"] is False and inv["versions"][0]["signed"] is False
    [bad] = inv["corrupt"]
    assert bad["version"] == "v9" and bad["path"].endswith("manifest.json") and bad["reason"]
    with pytest.raises(CorruptError, match="manifest.json"):
        reg.list("m")
    assert reg.inventory("no-such-model") == {"versions": [], "corrupt": []}
