"""A NaN or ±inf option reaches the crate's own validation from Python, as from Rust and C: the crate's typed
error (InvalidInputError) naming the field, not an InvalidConfigError about JSON (issue #18: one error kind
from every door). One case per area whose options cross as plain Python data: drift (report, live monitor),
guardrails (policy — whose own validation answers InvalidConfig —, canary observation), telemetry (exporter config)."""

import math

import numpy as np
import pytest

import tradewarden.guardrails as tg
from tradewarden import _native
from tradewarden.errors import InvalidConfigError, InvalidInputError

NONFINITE = [math.nan, math.inf, -math.inf]
REF = np.linspace(-2.0, 2.0, 200)


def profile():
    return _native.Profile.fit([("x", REF)], 10, "quantile", None, "error", True)


@pytest.mark.parametrize("bad", NONFINITE)
@pytest.mark.parametrize("field", ["alpha", "psi_threshold", "js_threshold"])
def test_drift_report_option(field, bad):
    with pytest.raises(InvalidInputError, match=field):
        profile().score([("x", REF[:100])], {field: bad})


@pytest.mark.parametrize("bad", NONFINITE)
@pytest.mark.parametrize("field", ["js_threshold", "ks_threshold"])
def test_drift_monitor_option(field, bad):
    with pytest.raises(InvalidInputError, match=field):
        _native.LiveMonitor(profile(), {field: bad})


@pytest.mark.parametrize("bad", NONFINITE)
def test_guardrails_policy_limit(bad):
    # a policy document's own validation answers InvalidConfig (its kind in every door), naming the limit
    # and the value — not the JSON conversion's "not JSON compliant"
    with pytest.raises(InvalidConfigError, match=r"pre_trade\.max_order_equity_fraction = (NaN|inf|-inf)"):
        tg.Policy.from_dict({"pre_trade": {"max_order_equity_fraction": bad}})


@pytest.mark.parametrize("bad", NONFINITE)
def test_guardrails_canary_observation(bad):
    m = tg.CanaryMachine()
    with pytest.raises(InvalidInputError, match="drawdown"):
        m.evaluate(days=30, real_pnl=0.0, sim_pnl=100.0, drawdown=bad, slippage_ratio=1.0, critical_alerts=0,
                   precision=0.9, baseline_precision=0.95)


@pytest.mark.parametrize("bad", NONFINITE)
def test_telemetry_config(bad):
    # refused by validation before anything is installed
    with pytest.raises(InvalidInputError, match="upkeep_interval_seconds"):
        _native.telemetry_install({"listen": None, "upkeep_interval_seconds": bad})


def test_shapes_are_still_refused_as_config():
    """What the option types cannot hold stays InvalidConfigError naming the argument (the plain-data check)."""
    with pytest.raises(InvalidConfigError, match="options"):
        profile().score([("x", REF)], {"alpha": object()})
    with pytest.raises(InvalidConfigError, match="options"):
        profile().score([("x", REF)], {"alpha": "0.1"})
    with pytest.raises(InvalidConfigError, match="options"):
        profile().score([("x", REF)], {"alpha": 0.1, "no_such_option": 1})
    with pytest.raises(InvalidConfigError):  # no truthiness: a string is not a bool
        _native.telemetry_install({"listen": None, "allow_non_loopback": "no"})
    with pytest.raises(InvalidConfigError, match="JSON compliant"):  # a dict key must still be finite
        _native.telemetry_install({"listen": None, "bucket_overrides": {math.nan: [1.0]}})


def test_finite_options_still_work():
    r = profile().score([("x", REF)], {"alpha": 0.01, "psi_mode": {"standard": {"epsilon": 0.001}}})
    assert r["features"][0]["name"] == "x"
