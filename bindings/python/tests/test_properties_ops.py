"""Property tests (hypothesis) over the operational Python surface: guardrails, inference, telemetry.

The companion of ``test_properties.py`` (returns, drift). Hostile configurations and policies (YAML / JSON /
TOML text, dicts with wrong types, NaN / ±inf / negative / huge limits), hostile orders (NaN, ±inf, zero,
negative quantities and prices, unknown symbols, wrong types, huge strings), hostile feature arrays (wrong
shape, NaN, ±inf, object dtype, 0-d, huge values), hostile registry directories (missing or corrupt
manifest, truncated weights, wrong sha, garbage pointers) and hostile telemetry names, labels and
namespaces. The contract (issue #20, item 7): each call returns a result or raises a
:class:`~tradewarden.errors.TradewardenError` — a builtin ``TypeError`` / ``ValueError`` is accepted only
when it names the parameter (PyO3's "argument 'symbol': …") — never a crash of the interpreter, a hang, a
``PanicException`` or an anonymous builtin error. On top, the invariants that make the guardrails worth
having: a denied order is never allowed, a clip never exceeds the quantity asked, nothing is allowed after
a kill; a registry never verifies or loads altered bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from typing import Any, Callable, Iterable, Optional

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")  # installed by requirements-test.txt; never skipped in CI
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import tradewarden.guardrails as tg  # noqa: E402
import tradewarden.inference as ti  # noqa: E402
from tradewarden.errors import CorruptError, TradewardenError  # noqa: E402

SETTINGS = settings(
    max_examples=60,
    deadline=None,  # no timing in tests; a hang shows as the suite not finishing
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    derandomize=True,  # the same examples on every run: a failure reproduces
)
# Examples that write to disk (fsync'd journals, registry versions): fewer of them.
DISK = settings(SETTINGS, max_examples=25)

SPECIAL = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 1e-300, 1e15, 2.0**53 + 1]
FLOATS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True, width=64))
HUGE_INTS = st.sampled_from([0, -1, 2**31, 2**53, 2**63 - 1, 2**63, 2**64, -(2**63), 2**70, -(2**70)])
STRINGS = st.one_of(
    st.sampled_from(["", " ", "\x00", "a\x00b", "\n", "é", "💥", "../../etc/passwd", "x" * 100_000, "NaN", "1e400"]),
    st.text(max_size=40),
)
WRONG = st.one_of(st.none(), st.just([]), st.just({}), st.just(b"bytes"), st.just(object()), st.just([1.0, 2.0]),
                  st.just(np.array([1.0, 2.0])), st.just(complex(1, 1)))
NUMBER = st.one_of(FLOATS, HUGE_INTS, st.integers(-5, 100))
ANY = st.one_of(NUMBER, STRINGS, WRONG, st.booleans())


FAIL = object()  # what outcome() returns for a refused call


def outcome(fn: Callable[..., Any], *args: Any, params: Iterable[str] = (), **kwargs: Any) -> Any:
    """Calls fn: returns its result, or FAIL on a TradewardenError (or a builtin TypeError / ValueError naming
    one of ``params``); fails the test on anything else (PanicException is a BaseException)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except TradewardenError:
            return FAIL
        except (TypeError, ValueError) as e:
            msg = " ".join([str(e), *getattr(e, "__notes__", [])])  # PyO3: "while processing 'symbol'"
            if any(f"'{p}'" in msg or f"{p} " in msg or f"{p}:" in msg or f"{p}=" in msg for p in params):
                return FAIL
            pytest.fail(f"{getattr(fn, '__qualname__', fn)} raised a builtin {type(e).__name__} that names none of "
                        f"{sorted(params)}: {msg!s:.300}")
        except BaseException as e:  # noqa: BLE001 — PanicException derives from BaseException
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            pytest.fail(f"{getattr(fn, '__qualname__', fn)} raised {type(e).__module__}.{type(e).__name__}: "
                        f"{e!s:.300} (want a result or a TradewardenError)")


# --------------------------------------------------------------------------------------------- guardrails --

LIMITS = ["max_order_notional", "min_order_notional", "max_order_equity_fraction", "max_order_quantity",
          "max_position_quantity", "max_position_notional", "max_gross_leverage", "max_net_leverage",
          "price_band_ratio", "max_data_age_s", "min_confidence"]
PERIODS = ["hourly_loss_ratio", "daily_loss_ratio", "max_drawdown_ratio", "slippage_ratio", "fill_rate",
           "model_precision_ratio", "min_confidence", "data_age_s"]


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v))


@st.composite
def policy_docs(draw: Any) -> "tuple[str, str]":
    """A policy as text in one of the three formats, with hostile limit values, symbols and periods."""
    sane = st.one_of(st.floats(0.001, 1e6), st.integers(1, 1000))  # most documents should parse
    pre = draw(st.dictionaries(st.sampled_from(LIMITS + ["no_such_limit", "oversize"]),
                               st.one_of(sane, sane, NUMBER, STRINGS, st.booleans()), max_size=5))
    symbols = draw(st.dictionaries(st.one_of(st.sampled_from(["AAA", "", "a b", "x" * 300]), st.text(max_size=8)),
                                   st.dictionaries(st.sampled_from(["max_position_quantity", "disabled", "sector",
                                                                    "bogus"]), NUMBER, max_size=2), max_size=3))
    period = draw(st.dictionaries(st.sampled_from(PERIODS), st.one_of(
        st.tuples(sane, sane).map(sorted), st.tuples(NUMBER, NUMBER)), max_size=3))
    fmt = draw(st.sampled_from(["toml", "json", "yaml"]))
    if fmt == "toml":
        lines = ["[pre_trade]"] + [f"{k} = {_toml_value(v)}" for k, v in pre.items()]
        for s, spec in symbols.items():
            lines.append(f"[symbols.{json.dumps(s)}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in spec.items()]
        for k, (w, c) in period.items():
            lines += [f"[period.{k}]", f"warning = {_toml_value(w)}", f"critical = {_toml_value(c)}"]
        return "\n".join(lines) + "\n", fmt
    doc = {"pre_trade": pre, "symbols": symbols, "period": {k: {"warning": w, "critical": c}
                                                            for k, (w, c) in period.items()}}
    text = json.dumps(doc, allow_nan=True)  # NaN / Infinity: not JSON — the parser must say so
    if fmt == "yaml":
        text = text.replace("NaN", ".nan").replace("-Infinity", "-.inf").replace("Infinity", ".inf")
    return text, fmt


def _check_policy(p: Any) -> None:
    """A policy that parsed is complete and round-trips unchanged (a NaN limit would come back as None)."""
    if p is FAIL:
        event("policy refused")
        return
    event("policy parsed")
    d = p.to_dict()
    assert tg.Policy.from_dict(d).to_dict() == d
    for k in LIMITS:
        v = d["pre_trade"].get(k)
        assert v is None or (isinstance(v, float) and np.isfinite(v)), (k, v)


@SETTINGS
@given(doc=policy_docs())
def test_policy_from_hostile_documents(doc: "tuple[str, str]") -> None:
    text, fmt = doc
    _check_policy(outcome(tg.Policy.from_str, text, fmt, params=("text", "format")))


@SETTINGS
@given(text=st.one_of(STRINGS, st.binary(max_size=200).map(lambda b: b.decode("latin-1")), WRONG),
       fmt=st.one_of(st.sampled_from(["toml", "json", "yaml", "yml", "xml", "TOML", ""]), WRONG))
def test_policy_from_arbitrary_text(text: Any, fmt: Any) -> None:
    _check_policy(outcome(tg.Policy.from_str, text, fmt, params=("text", "format")))


@SETTINGS
@given(d=st.one_of(
    st.dictionaries(st.sampled_from(["pre_trade", "symbols", "period", "exposure", "bogus"]),
                    st.one_of(ANY, st.dictionaries(st.sampled_from(LIMITS + PERIODS), ANY, max_size=4)), max_size=4),
    ANY))
def test_policy_from_hostile_dicts(d: Any) -> None:
    _check_policy(outcome(tg.Policy.from_dict, d, params=("d",)))


PERMISSIVE = tg.Policy.from_str(
    "[pre_trade]\nmax_order_quantity = 50.0\nallow_missing_data_timestamp = true\n"
    "allow_missing_reference_price = true\n[symbols.AAA]\n[symbols.BBB]\nmax_position_quantity = 20.0\n"
    "[symbols.OFF]\ndisabled = true\n")
MAX_ORDER, MAX_POS = 50.0, 20.0

WELL_TYPED_ORDER = st.fixed_dictionaries({  # right types, hostile numbers: the engine's own rules decide
    "symbol": st.sampled_from(["AAA", "BBB", "AAA", "BBB", "OFF", "ZZZ"]),
    "side": st.sampled_from(["buy", "sell"]),
    "quantity": st.one_of(st.floats(0.01, 200), st.floats(0.01, 200), FLOATS),
    "price": st.one_of(st.floats(0.01, 1e4), st.floats(0.01, 1e4), FLOATS),
    "reference_price": st.one_of(st.none(), st.none(), FLOATS),
    "data_timestamp": st.one_of(st.none(), st.none(), FLOATS),
    "timestamp": st.one_of(st.just(1.7e9), st.none(), FLOATS),
    "confidence": st.one_of(st.none(), st.none(), FLOATS),
})
ANY_ORDER = st.fixed_dictionaries({
    "symbol": st.one_of(st.sampled_from(["AAA", "BBB", "OFF", "ZZZ", "aaa"]), STRINGS, WRONG),
    "side": st.one_of(st.sampled_from(["buy", "sell", "b", "S", "hold", "BUY"]), STRINGS, WRONG),
    "quantity": st.one_of(st.floats(0.5, 100), ANY),
    "price": st.one_of(st.floats(0.01, 1e4), ANY),
    "reference_price": st.one_of(st.none(), FLOATS),
    "data_timestamp": st.one_of(st.none(), FLOATS),
    "timestamp": st.one_of(st.none(), st.just(1.7e9), FLOATS),
    "confidence": st.one_of(st.none(), FLOATS),
})
ORDER = st.one_of(WELL_TYPED_ORDER, WELL_TYPED_ORDER, ANY_ORDER)
ORDER_PARAMS = ("symbol", "side", "quantity", "price", "reference_price", "data_timestamp", "timestamp",
                "confidence")


def _check_decision(d: Any, order: dict, killed: bool) -> Optional[float]:
    """The decision's invariants; the quantity that may be sent (None when nothing may)."""
    if d is FAIL:
        event("order refused (typed error)")
        return None
    event(f"order {d.decision} {d.reason}" + (" after kill" if killed else ""))
    assert isinstance(d, tg.OrderDecision) and d.decision in ("allow", "clip", "deny"), d
    assert d.allowed == (d.decision != "deny")
    if d.decision == "deny":
        assert d.quantity == 0.0 and d.reason, d
        return None
    assert not killed, f"allowed after a kill: {order} → {d}"
    asked = float(order["quantity"])
    assert np.isfinite(asked) and asked > 0 and np.isfinite(float(order["price"])) and float(order["price"]) > 0, \
        f"allowed a non-finite or non-positive order: {order} → {d}"
    assert np.isfinite(d.quantity) and 0 < d.quantity <= asked, f"{order} → {d}"
    assert d.quantity <= MAX_ORDER, d
    if d.decision == "clip":
        assert d.reason, d
    return d.quantity


@SETTINGS
@given(orders=st.lists(ORDER, min_size=3, max_size=12), fill=st.booleans(), override=st.one_of(st.none(), ANY),
       reason=st.one_of(STRINGS, WRONG), who=st.one_of(STRINGS, WRONG), to=st.one_of(
           st.sampled_from(["ACTIVE", "REDUCING", "halted", "KILLED", "bogus"]), WRONG))
def test_engine_orders_kill_reset(orders: list, fill: bool, override: Any, reason: Any, who: Any, to: Any) -> None:
    e = tg.Engine(PERMISSIVE, 100_000.0)
    e.set_state("ACTIVE")
    if override is not None:
        outcome(e.set_size_override, override, "ops", "test", params=("fraction",))
    for o in orders:
        q = _check_decision(outcome(e.check_order, **o, params=ORDER_PARAMS), o, killed=False)
        if q is not None and fill:
            before = e.position(o["symbol"])
            e.on_fill(o["symbol"], o["side"], q, float(o["price"]))
            if o["symbol"] == "BBB":
                assert abs(e.position("BBB")) <= MAX_POS * (1 + 1e-12) or abs(e.position("BBB")) < abs(before), \
                    (before, e.position("BBB"), o, q)
    done = outcome(e.kill, reason, params=("reason", "activated_by"))
    if done is not FAIL or e.state == "KILLED":
        assert e.state == "KILLED"
        for o in orders:
            _check_decision(outcome(e.check_order, **o, params=ORDER_PARAMS), o, killed=True)
        outcome(e.reset, who, "why", to, params=("who", "why", "to"))
        if e.state == "KILLED":
            for o in orders:
                _check_decision(outcome(e.check_order, **o, params=ORDER_PARAMS), o, killed=True)


@SETTINGS
@given(equity=ANY, journal_max_bytes=st.one_of(st.none(), HUGE_INTS, ANY), journal_fsync=st.one_of(
    st.none(), st.sampled_from(["always", "never", "every_0", "every_-1", "every_99999999999999999999", "every_"]),
    ANY), decisions=st.one_of(st.none(), st.sampled_from(["all", "none", "not_allowed", "x"]), ANY),
    watch_interval_s=st.one_of(st.none(), ANY))
def test_engine_hostile_construction(equity: Any, journal_max_bytes: Any, journal_fsync: Any, decisions: Any,
                                     watch_interval_s: Any) -> None:
    e = outcome(tg.Engine, PERMISSIVE, equity, journal_max_bytes=journal_max_bytes, journal_fsync=journal_fsync,
                decisions=decisions, watch_interval_s=watch_interval_s,
                params=("equity", "journal_max_bytes", "journal_fsync", "decisions", "watch_interval_s"))
    if e is not FAIL:
        assert e.state == "HALTED"  # a fresh session fails closed
        d = e.check_order("AAA", "buy", 1.0, 10.0, timestamp=1.7e9)
        assert not d.allowed


@DISK
@given(watch_interval_s=st.one_of(st.none(), FLOATS, HUGE_INTS), reason=st.one_of(STRINGS, WRONG),
       equity=st.one_of(st.just(1e5), FLOATS))
def test_engine_state_dir_kill_survives_restart(watch_interval_s: Any, reason: Any, equity: Any) -> None:
    with tempfile.TemporaryDirectory() as d:
        e = outcome(tg.Engine, PERMISSIVE, equity, state_dir=d, watch_interval_s=watch_interval_s,
                    journal_fsync="never", params=("equity", "watch_interval_s"))
        if e is FAIL:
            return
        e.reset(who="ops", why="start")
        killed = outcome(e.kill, reason, params=("reason",)) is not FAIL or e.state == "KILLED"
        if killed:
            assert e.state == "KILLED"
            assert not e.check_order("AAA", "buy", 1.0, 10.0, timestamp=1.7e9).allowed
            del e
            again = tg.Engine(PERMISSIVE, 1e5, state_dir=d, journal_fsync="never")
            assert again.state == "KILLED"
            assert not again.check_order("AAA", "buy", 1.0, 10.0, timestamp=1.7e9).allowed
            assert tg.verify_journal(d)["ok"]


OBSERVATION_KEYS = ["aum", "hourly_pnl", "daily_pnl", "equity", "high_water_mark", "slippage_ratio", "fill_rate",
                    "model_precision_ratio", "confidence", "data_age_s"]
SEVERITY = {"ACTIVE": 0, "REDUCING": 1, "HALTED": 2, "KILLED": 3}


@SETTINGS
@given(obs=st.dictionaries(st.one_of(st.sampled_from(OBSERVATION_KEYS), st.just("bogus")),
                           st.one_of(st.none(), FLOATS, HUGE_INTS, STRINGS, WRONG), max_size=6))
def test_period_limits_hostile_observations(obs: dict) -> None:
    e = tg.Engine(tg.Policy.from_str(""), 100_000.0)
    e.set_state("ACTIVE")
    breaches = outcome(e.evaluate_period, **obs, params=tuple(obs))
    if breaches is FAIL:
        return
    sev = [b.severity for b in breaches]
    assert set(sev) <= {"warning", "critical"}
    if "critical" in sev:
        assert SEVERITY[e.state] >= SEVERITY["HALTED"], (obs, breaches, e.state)
    elif sev:
        assert SEVERITY[e.state] >= SEVERITY["REDUCING"], (obs, breaches, e.state)
    for key in ("slippage_ratio", "fill_rate", "data_age_s"):  # limits the default policy sets
        v = obs.get(key)
        if isinstance(v, float) and not np.isfinite(v):
            assert "critical" in sev, f"{key} = {v} was not a critical breach: {breaches}"


JSONISH = st.recursive(st.one_of(NUMBER, STRINGS, st.booleans(), st.none()),
                       lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=8), c, max_size=3)),
                       max_leaves=8)


@SETTINGS
@given(index=ANY, nums=st.lists(ANY, min_size=4, max_size=4), config=st.one_of(st.none(), JSONISH),
       score_drop=ANY, accuracy_drop=ANY, observed=st.one_of(st.dictionaries(st.text(max_size=10), ANY, max_size=4),
                                                            ANY),
       margin=ANY)
def test_gates_and_canaries_hostile_arguments(index: Any, nums: list, config: Any, score_drop: Any,
                                              accuracy_drop: Any, observed: Any, margin: Any) -> None:
    r = outcome(tg.traffic_canary, index, *nums, config=config,
                params=("index", "error_rate", "p99_latency_s", "sharpe", "baseline_sharpe", "config"))
    if r is not FAIL and any(isinstance(v, float) and not np.isfinite(v) for v in nums):
        assert r["action"] == "rollback", (nums, r)  # non-finite inputs roll back
    g = outcome(tg.drift_guard, score_drop, accuracy_drop, config=config,
                params=("score_drop", "accuracy_drop", "config"))
    if g is not FAIL and any(isinstance(v, float) and v != v for v in (score_drop, accuracy_drop)):
        assert g != "continue", (score_drop, accuracy_drop, g)  # NaN drops fail closed
    outcome(tg.rate_gates, observed, green_margin=margin, params=("observed", "green_margin"))
    outcome(tg.CanaryMachine, config, params=("config",))
    m = tg.CanaryMachine()
    outcome(lambda: m.evaluate(**(observed if isinstance(observed, dict) and all(
        isinstance(k, str) and k.isidentifier() for k in observed) else {})), params=("observation",))
    outcome(m.apply, config, params=("action",))
    outcome(tg.promotion_gates, nums, nums, config if isinstance(config, dict) or config is None else None,
            params=("walk_forward_returns", "trade_pnls", "gates"))


# ---------------------------------------------------------------------------------------------- inference --

DEMO = ti.demo_predictor()
N_FEATURES = DEMO.n_features


def feature_arrays() -> st.SearchStrategy[Any]:
    shapes = st.one_of(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
                       st.tuples(st.integers(0, 50), st.just(N_FEATURES)))
    return st.one_of(
        hnp.arrays(st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.uint8, np.bool_,
                                    np.dtype(">f8"), np.complex128]), shapes, elements=None),
        hnp.arrays(np.float64, shapes, elements=FLOATS),
        st.just(np.array([[1, "a", None, 2.0]], dtype=object)),
        st.just(np.zeros((3, N_FEATURES), dtype=object)),
        st.just(np.array([["1", "2", "3", "4"]])),
        st.just(np.asfortranarray(np.ones((5, N_FEATURES)))),
        st.just(np.ones((7, 2 * N_FEATURES))[:, ::2]),  # strided view
        st.just([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]]),  # ragged
        st.lists(st.lists(FLOATS, min_size=N_FEATURES, max_size=N_FEATURES), max_size=5),
        ANY,
    )


@SETTINGS
@given(x=feature_arrays())
def test_predict_hostile_features(x: Any) -> None:
    r = outcome(DEMO.predict_versioned, x, params=("x",))
    event("refused" if r is FAIL else "predicted")
    if r is FAIL:
        return
    version, y = r
    assert version == DEMO.version
    rows = np.asarray(x).shape[0]
    assert isinstance(y, np.ndarray) and y.dtype == np.float32 and y.shape == (rows, DEMO.n_outputs)
    if np.issubdtype(np.asarray(x).dtype, np.number) and np.all(np.isfinite(np.asarray(x, dtype=np.float64))) \
            and np.all(np.abs(np.asarray(x, dtype=np.float64)) < 1e30):
        assert np.all(np.isfinite(y)), (x, y)


CONFIG = st.fixed_dictionaries({
    "input": st.one_of(st.integers(-2, 8), HUGE_INTS, ANY),
    "hidden": st.one_of(st.lists(st.one_of(st.integers(-1, 8), HUGE_INTS), max_size=3), ANY),
    "output": st.one_of(st.integers(-1, 3), HUGE_INTS, ANY),
}, optional={"activation": st.one_of(st.sampled_from(["relu", "tanh", "gelu", "bogus"]), ANY),
             "output_kind": st.one_of(st.sampled_from(["point", "classes", "x"]), ANY),
             "bogus": ANY})


@SETTINGS
@given(config=st.one_of(CONFIG, ANY), layers=st.one_of(
    st.lists(st.tuples(st.one_of(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=5),
                                            elements=FLOATS), ANY),
                       st.one_of(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=1, max_side=5),
                                            elements=FLOATS), ANY)), max_size=3), ANY))
def test_model_from_hostile_config_and_weights(config: Any, layers: Any) -> None:
    m = outcome(ti.Model.from_pytorch_weights, config, layers, params=("config", "layers"))
    event("refused" if m is FAIL else "built")
    if m is not FAIL:
        p = ti.Predictor("hostile", "v1", m)
        y = outcome(p.predict, np.zeros((2, p.n_features)), params=("x",))
        assert y is FAIL or y.shape == (2, p.n_outputs)


def _mutations(vdir: str) -> "list[tuple[str, Callable[[], None], bool]]":
    """(name, mutate, integrity_broken): what an attacker or a crash can leave in a version directory."""
    w, m = os.path.join(vdir, "weights.bpk"), os.path.join(vdir, "manifest.json")

    def rewrite(path: str, f: Callable[[bytes], bytes]) -> Callable[[], None]:
        def go() -> None:
            with open(path, "rb") as fh:
                b = fh.read()
            with open(path, "wb") as fh:
                fh.write(f(b))
        return go

    def manifest_edit(f: Callable[[dict], Any]) -> Callable[[], None]:
        return rewrite(m, lambda b: json.dumps(f(json.loads(b))).encode())

    def bad_sha(d: dict) -> dict:
        for k in d["files"]:
            d["files"][k] = "0" * 64
        return d

    def set_key(key: str, value: Any) -> Callable[[dict], dict]:
        def f(d: dict) -> dict:
            d[key] = value
            return d
        return f

    return [
        ("no manifest", lambda: os.remove(m), True),
        ("no weights", lambda: os.remove(w), True),
        ("empty manifest", rewrite(m, lambda b: b""), True),
        ("torn manifest", rewrite(m, lambda b: b[: len(b) // 2]), True),
        ("manifest garbage", rewrite(m, lambda b: os.urandom(64)), True),
        ("manifest a list", rewrite(m, lambda b: b"[1, 2, 3]"), True),
        ("truncated weights", rewrite(w, lambda b: b[: len(b) // 2]), True),
        ("empty weights", rewrite(w, lambda b: b""), True),
        ("flipped weight byte", rewrite(w, lambda b: b[:-9] + bytes([b[-9] ^ 0x40]) + b[-8:]), True),
        ("appended weight bytes", rewrite(w, lambda b: b + b"\x00" * 16), True),
        ("wrong sha", manifest_edit(bad_sha), True),
        ("files emptied", manifest_edit(set_key("files", {})), True),
        ("files wrong type", manifest_edit(set_key("files", [1, 2])), True),
        ("architecture huge", manifest_edit(lambda d: json.loads(
            json.dumps(d).replace('"input": 4', f'"input": {2**62}'))), True),
        ("metrics NaN text", rewrite(m, lambda b: b.replace(b'"metrics": {}', b'"metrics": {"a": NaN}')), False),
        ("version renamed", manifest_edit(set_key("version", "../../x")), True),
        ("weights a directory", lambda: (os.remove(w), os.mkdir(w)), True),
        ("manifest a directory", lambda: (os.remove(m), os.mkdir(m)), True),
    ]


REGISTRY_NAMES = st.one_of(st.sampled_from(["demo", "", ".", "..", "../demo", "demo/../demo", "x" * 500, "a\x00b",
                                            "DEMO", "démo"]), WRONG)
POINTERS = st.sampled_from([None, b"", b"{", b"[]", b'{"version": "v9", "switched_at": 0}',
                            b'{"version": "../../../etc", "switched_at": 0}', b'{"version": 1, "switched_at": "x"}',
                            b'{"version": "v1", "switched_at": 1e999}', b"\xff\xfe"])


@pytest.fixture(scope="module")
def registry_template(tmp_path_factory: Any) -> str:
    root = str(tmp_path_factory.mktemp("registry-template"))
    reg = ti.Registry(root)
    reg.register("demo", "v1", ti.Model.demo())
    return root


@DISK
@given(which=st.integers(0, len(_mutations("x")) - 1), pointer=POINTERS, name=REGISTRY_NAMES,
       version=st.one_of(st.sampled_from(["v1", "v2", "", "..", "v1/../v1", "x" * 300]), WRONG))
def test_registry_hostile_directories(registry_template: str, which: int, pointer: Optional[bytes], name: Any,
                                      version: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "reg")
        shutil.copytree(registry_template, root)
        vdir = os.path.join(root, "demo", "versions", "v1")
        label, mutate, broken = _mutations(vdir)[which]
        event(label)
        mutate()
        if pointer is not None:
            with open(os.path.join(root, "demo", "active.json"), "wb") as f:
                f.write(pointer)
        reg = ti.Registry(root)
        p = ("name", "version")
        for call in (lambda: reg.list("demo"), lambda: reg.versions("demo"), lambda: reg.manifest("demo", "v1"),
                     lambda: reg.active("demo"), lambda: reg.last_good("demo"), lambda: reg.list(name),
                     lambda: reg.manifest(name, version), lambda: reg.verify(name, version),
                     lambda: reg.load(name, version), lambda: reg.load_active(name), lambda: reg.rollback("demo")):
            outcome(call, params=p)
        if broken:  # altered or missing bytes never verify, load or serve
            for call in (lambda: reg.verify("demo", "v1"), lambda: reg.load("demo", "v1"),
                         lambda: reg.promote("demo", "v1")):
                got = outcome(call, params=p)
                assert got is FAIL, f"{label}: {call} succeeded on a broken version"
        else:
            outcome(lambda: reg.promote("demo", "v1"), params=p)
        served = outcome(lambda: ti.Predictor.from_registry(reg, "demo"), params=p)
        if served is not FAIL:
            assert not broken, f"{label}: served a broken version"
        # re-registering over whatever is left either works or is a typed error; a fresh version always works
        outcome(lambda: reg.register("demo", "v1", ti.Model.demo()), params=p)
        reg.register("demo", "v2", ti.Model.demo())
        # a fresh version is promotable unless something it must read (a sibling's manifest, whose stage
        # promote archives, or the active pointer) is corrupt: then a typed refusal, and it is not served
        if outcome(lambda: reg.promote("demo", "v2"), params=p) is not FAIL:
            assert ti.Predictor.from_registry(reg, "demo").version == "v2"


def test_registry_mutations_are_detected(registry_template: str, tmp_path: Any) -> None:
    """Every mutation, once each (the property test above samples them): the broken ones are CorruptError,
    NotFoundError or IoError on verify — and never a load."""
    for i, (label, _, broken) in enumerate(_mutations("x")):
        root = str(tmp_path / f"r{i}")
        shutil.copytree(registry_template, root)
        _mutations(os.path.join(root, "demo", "versions", "v1"))[i][1]()
        reg = ti.Registry(root)
        if broken:
            with pytest.raises(TradewardenError):
                reg.load("demo", "v1")
        if label in ("wrong sha", "flipped weight byte", "truncated weights", "appended weight bytes"):
            with pytest.raises(CorruptError):
                reg.verify("demo", "v1")


# ---------------------------------------------------------------------------------------------- telemetry --

# The exporter is process-wide (one global recorder), so each example installs it in a forked child of a
# fresh interpreter: the child installs, renders, predicts under a hostile model name, parses the
# exposition with prometheus_client and reports; the parent checks the child's exit (a signal = a crash).
TELEMETRY_SCRIPT = r'''
import json, os, sys, warnings
from hypothesis import HealthCheck, given, settings, strategies as st
import numpy as np
import tradewarden.telemetry as tt
import tradewarden.inference as ti
from tradewarden.errors import TradewardenError

STRINGS = st.one_of(st.sampled_from(["", "tradewarden", "acme", "9bad", "a:b", "a-b", "_x", "__x", "é", "x" * 10000,
                                     "a\x00b", "a\nb", 'a"b', "a\\b", "a}b{", "💥"]), st.text(max_size=12))
WRONG = st.one_of(st.none(), st.integers(-5, 2**70), st.floats(allow_nan=True), st.just([]), st.just({}),
                  st.just(b"x"), st.booleans())
ANY = st.one_of(STRINGS, WRONG)
CONFIG = st.fixed_dictionaries({}, optional={
    "listen": st.one_of(st.sampled_from([None, "127.0.0.1:0", "[::1]:0", "0.0.0.0:0", "127.0.0.1:99999",
                                         "127.0.0.1:-1", "localhost:0", "nonsense", ""]), ANY),
    "namespace": ANY, "profile": st.one_of(st.sampled_from(["native", "plus_ultra", "x"]), ANY),
    "global_labels": st.one_of(st.dictionaries(STRINGS, ANY, max_size=3), ANY),
    "allow_non_loopback": st.one_of(st.booleans(), ANY)})
PARAMS = ("listen", "namespace", "profile", "global_labels", "allow_non_loopback", "name")

def child(cfg, model):
    from prometheus_client.parser import text_string_to_metric_families
    try:
        tt.install(**cfg)
    except TradewardenError:
        return "typed"
    except (TypeError, ValueError) as e:
        if any(p in str(e) for p in PARAMS):
            return "named"
        return f"anonymous {type(e).__name__}: {e!s:.200}"
    text = tt.render()
    list(text_string_to_metric_families(text))
    try:
        p = ti.Predictor(model, "v1", ti.Model.demo())
    except TradewardenError:
        p = None
    except (TypeError, ValueError) as e:
        return "named" if "name" in str(e) else f"anonymous {type(e).__name__}: {e!s:.200}"
    if p is not None:
        p.predict(np.zeros((2, p.n_features)))
        text = tt.render()
        fams = list(text_string_to_metric_families(text))  # the exposition stays parseable
        if isinstance(model, str) and "\x00" not in model and model:
            seen = [s.labels.get("model") for f in fams for s in f.samples if "model" in s.labels]
            if model not in seen:
                return f"model label {model!r} not in the exposition: {seen[:5]}"
    return "installed"

seen = {}

@settings(max_examples=int(sys.argv[1]), deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(cfg=CONFIG, model=ANY)
def run(cfg, model):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                msg = child(cfg, model)
        except BaseException as e:
            msg = f"raised {type(e).__module__}.{type(e).__name__}: {e!s:.200}"
        os.write(w, msg.encode("utf-8", "backslashreplace"))
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        msg = f.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"{cfg!r} {model!r}: child died: {status}"
    assert msg in ("typed", "named", "installed"), f"{cfg!r} {model!r}: {msg}"
    seen[msg] = seen.get(msg, 0) + 1

run()
print(json.dumps(seen))
'''


def test_telemetry_hostile_configs_and_names() -> None:
    p = subprocess.run([sys.executable, "-c", TELEMETRY_SCRIPT, "60"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    assert sum(seen.values()) >= 60 and seen.get("installed", 0) > 0 and seen.get("typed", 0) > 0, seen


@SETTINGS
@given(name=st.one_of(STRINGS, WRONG), version=st.one_of(STRINGS, WRONG))
def test_predictor_hostile_names(name: Any, version: Any) -> None:
    p = outcome(ti.Predictor, name, version, ti.Model.demo(), params=("name", "version"))
    if p is not FAIL:
        assert p.predict(np.zeros((1, p.n_features))).shape == (1, p.n_outputs)
        outcome(p.swap, version, ti.Model.demo(), params=("version",))
