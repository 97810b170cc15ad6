"""empyrical's conventions in tradewarden.returns (issue 19) and the strict native API beside them.

empyrical-reloaded's own suite runs in scripts/test.d/31-empyrical-suite.sh; these tests pin the same
contract in this repository's suite, including what stays strict (tradewarden._native).
"""

import math

import numpy as np
import pandas as pd
import pytest

import tradewarden.returns as ep
from tradewarden import _native
from tradewarden.errors import InvalidInputError

RNG = np.random.default_rng(19)
R = RNG.normal(0.0005, 0.01, (300, 4))
B = RNG.normal(0.0003, 0.009, 300)


@pytest.mark.parametrize("fn", [ep.sharpe_ratio, ep.sortino_ratio, ep.downside_risk, ep.max_drawdown,
                                ep.annual_return, ep.annual_volatility, ep.calmar_ratio, ep.tail_ratio,
                                ep.value_at_risk, ep.conditional_value_at_risk, ep.stability_of_timeseries,
                                ep.cum_returns_final, ep.omega_ratio])
def test_empty_is_nan_here_and_an_error_in_the_native_api(fn):
    for empty in (np.array([]), pd.Series([], dtype=float), []):
        assert math.isnan(fn(empty))
    native = getattr(_native, fn.__name__, None)
    if native is not None and fn.__name__ not in ("value_at_risk", "conditional_value_at_risk", "omega_ratio"):
        with pytest.raises(InvalidInputError, match="returns"):
            native(np.array([]))


# Metrics whose C-ordered 2-D input is read in one pass over the rows (Metric::columns_row_major /
# PairMetric::columns_row_major: the products in numpy's prod(axis=0) order, the sums of squares
# row by row): the same numbers as column by column up to rounding (the 1-D kernels use lanes; a
# product's last bits, relative to cum_returns_final = product - 1, are a few 1e-14 here; the moment
# metrics' shifted sums, column by column side by side, against the 1-D lanes: a few ulps).
ONE_PASS = {"downside_risk", "cum_returns_final", "annual_return", "cagr", "capture",
            "sharpe_ratio", "sortino_ratio", "annual_volatility"}


def same_columns(got, want, name):
    if name in ONE_PASS:
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=0)
    else:
        np.testing.assert_array_equal(np.asarray(got), want)


@pytest.mark.parametrize("fn", [ep.sharpe_ratio, ep.sortino_ratio, ep.downside_risk, ep.max_drawdown,
                                ep.annual_volatility, ep.cum_returns_final, ep.annual_return])
def test_2d_input_is_per_column_with_labels_and_out(fn):
    want = np.array([fn(np.ascontiguousarray(R[:, j])) for j in range(R.shape[1])])
    same_columns(fn(R), want, fn.__name__)  # C-ordered input
    np.testing.assert_array_equal(np.asarray(fn(np.asfortranarray(R))), want)
    strided = np.repeat(R, 2, axis=0)[::2]  # a non-contiguous view: columns gathered natively
    np.testing.assert_array_equal(np.asarray(fn(strided)), want)
    frame = pd.DataFrame(R, columns=list("abcd"))
    got = fn(frame)
    same_columns(got, want, fn.__name__)
    if isinstance(got, pd.Series):
        assert list(got.index) == list("abcd")
    if "out" in fn.__code__.co_varnames:
        buf = np.empty(4)
        assert fn(R, out=buf) is buf
        same_columns(buf, want, fn.__name__)


@pytest.mark.parametrize("fn", [ep.beta, ep.excess_sharpe, ep.up_capture, ep.down_capture, ep.up_down_capture, ep.capture,
                                ep.alpha])
def test_2d_against_one_benchmark_equals_column_by_column(fn):
    want = np.array([fn(np.ascontiguousarray(R[:, j]), B) for j in range(R.shape[1])])
    same_columns(fn(R, B), want, fn.__name__)  # C-ordered input
    np.testing.assert_array_equal(np.asarray(fn(np.asfortranarray(R), B)), want)


def test_pairs_per_column_and_alignment():
    got = ep.up_capture(pd.DataFrame(R, columns=list("abcd")), pd.Series(B))
    assert list(got.index) == list("abcd")
    for j, c in enumerate("abcd"):
        assert got[c] == ep.up_capture(np.ascontiguousarray(R[:, j]), B)
    # pandas pairs join on their index; an unmatched date is skipped
    idx = pd.date_range("2024-01-01", periods=5)
    r = pd.Series([0.01, -0.02, 0.03, 0.0, 0.01], index=idx)
    b = pd.Series([0.02, -0.01, 0.01, 0.02], index=idx[1:])
    assert ep.beta(r, b) == pytest.approx(ep.beta(r.to_numpy()[1:], b.to_numpy()))


def test_zero_dispersion_and_cutoff_edges():
    assert ep.sharpe_ratio(np.full(252, 0.001)) == math.inf
    assert ep.sharpe_ratio(np.full(252, -0.001)) == -math.inf
    assert math.isnan(ep.sharpe_ratio(np.zeros(252)))
    assert math.isnan(ep.sharpe_ratio(np.array([np.inf, np.inf])))
    r = RNG.normal(0, 0.02, 21)
    for cutoff in (0.0, 1.0):
        assert ep.value_at_risk(r, cutoff) == np.percentile(r, cutoff * 100)
    with pytest.raises(InvalidInputError, match="cutoff"):
        ep.value_at_risk(r, 0.0, method="gaussian")


def test_prices_of_any_numeric_type():
    np.testing.assert_allclose(ep.simple_returns(np.array([100, 110, 121], dtype=np.int64)), [0.1, 0.1])
    big = 2**53
    assert ep.simple_returns(np.array([big, big + 1], dtype=np.int64))[0] == 1 / big
    got = ep.simple_returns(np.array([0.0, 0.0, 10.0, 0.0]))
    assert math.isnan(got[0]) and got[1] == math.inf and got[2] == -1.0
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=pd.date_range("2024-01-01", periods=3))
    out = ep.simple_returns(frame)
    assert list(out.index) == list(frame.index[1:]) and out["x"].tolist() == [1.0, 0.5]


def test_fragility_and_gpd():
    b = np.array([-0.02, -0.01, 0.01, 0.03])
    assert ep.beta_fragility_heuristic(-(b**2), b) == pytest.approx(-0.0006, abs=1e-15)
    assert math.isnan(ep.beta_fragility_heuristic(np.array([0.01, np.nan, 0.0]), np.array([0.0, 0.1, 0.2])))
    est = ep.gpd_risk_estimates(-0.1 * np.random.default_rng(2026).pareto(0.5, 2048))
    assert est[2] > 1 and est[3] > 0 and est[4] == math.inf
    with pytest.raises(InvalidInputError, match="var_p"):
        ep.gpd_risk_estimates(np.ones(5), var_p=1.5)


# empyrical's own functions as the reference (empyrical-reloaded is pinned in requirements-test.txt)
import empyrical as _emp  # noqa: E402


@pytest.mark.parametrize("fn", ["value_at_risk", "conditional_value_at_risk"])
def test_var_and_cvar_of_2d_input_use_all_values_as_empyrical(fn):
    ours, theirs = getattr(ep, fn), getattr(_emp, fn)
    for cutoff in (0.0, 0.05, 0.3, 1.0):
        want = theirs(R, cutoff)
        assert np.ndim(want) == 0  # empyrical: one number for the whole matrix
        assert ours(R, cutoff) == pytest.approx(want, rel=1e-12, abs=1e-15)
        assert ours(np.asfortranarray(R), cutoff) == pytest.approx(want, rel=1e-12, abs=1e-15)
        assert ours(pd.DataFrame(R), cutoff) == pytest.approx(theirs(pd.DataFrame(R), cutoff), rel=1e-12, abs=1e-15)
        assert ours(R[::2, ::3], cutoff) == pytest.approx(theirs(R[::2, ::3], cutoff), rel=1e-12, abs=1e-15)
    assert math.isnan(ours(np.empty((0, 3))))


@pytest.mark.parametrize("alpha", [1.0, 1.5, 3.0, -2.0])
def test_annual_volatility_with_a_stability_exponent_as_empyrical(alpha):
    r = R[:, 0].copy()
    assert ep.annual_volatility(r, alpha=alpha) == pytest.approx(_emp.annual_volatility(r, alpha=alpha), rel=1e-13)
    assert ep.annual_volatility(r, period="weekly", alpha=alpha) == pytest.approx(
        _emp.annual_volatility(r, period="weekly", alpha=alpha), rel=1e-13)
    np.testing.assert_allclose(ep.annual_volatility(R, alpha=alpha), _emp.annual_volatility(R, alpha=alpha),
                               rtol=1e-13)
    buf = np.empty(R.shape[1])
    assert ep.annual_volatility(R, alpha=alpha, out=buf) is buf
    np.testing.assert_allclose(buf, _emp.annual_volatility(R, alpha=alpha), rtol=1e-13)
    assert ep.annual_volatility(r, alpha=2.0) == ep.annual_volatility(r)
    with pytest.raises(InvalidInputError, match="alpha"):
        ep.annual_volatility(r, alpha=0.0)


def test_sortino_with_a_given_downside_risk_as_empyrical():
    r = R[:, 1].copy()
    for dr in (0.05, _emp.downside_risk(r, 0.001)):
        assert ep.sortino_ratio(r, 0.001, _downside_risk=dr) == pytest.approx(
            _emp.sortino_ratio(r, 0.001, _downside_risk=dr), rel=1e-12)
    drs = _emp.downside_risk(R)
    np.testing.assert_allclose(ep.sortino_ratio(R, _downside_risk=drs), _emp.sortino_ratio(R, _downside_risk=drs),
                               rtol=1e-12)
    np.testing.assert_allclose(ep.sortino_ratio(R, _downside_risk=0.1), _emp.sortino_ratio(R, _downside_risk=0.1),
                               rtol=1e-12)
    frame = pd.DataFrame(R, columns=list("abcd"))
    got = ep.sortino_ratio(frame, _downside_risk=drs)
    np.testing.assert_allclose(np.asarray(got), np.asarray(_emp.sortino_ratio(frame, _downside_risk=drs)), rtol=1e-12)
    assert math.isnan(ep.sortino_ratio(np.array([]), _downside_risk=0.1))
    with pytest.raises(InvalidInputError, match="_downside_risk"):
        ep.sortino_ratio(R, _downside_risk=np.ones(3))


def test_summary_cutoff_over_the_closed_interval():
    r = R[:, 2].copy()
    for cutoff in (0.0, 1.0):
        s = ep.summary(r, cutoff=cutoff)
        assert s["value_at_risk"] == pytest.approx(_emp.value_at_risk(r, cutoff), rel=1e-15)
        assert s["conditional_value_at_risk"] == pytest.approx(_emp.conditional_value_at_risk(r, cutoff), rel=1e-12)
        assert math.isnan(s["gaussian_value_at_risk"])
    with pytest.raises(InvalidInputError, match="cutoff"):
        ep.summary(r, cutoff=1.5)


def test_cum_returns_of_2d_input_in_one_call_as_empyrical():
    want = _emp.cum_returns(R, 100.0)
    for x in (R, np.asfortranarray(R), R[::2, ::3]):
        got = ep.cum_returns(x, 100.0)
        np.testing.assert_allclose(got, _emp.cum_returns(x, 100.0), rtol=1e-13)
        cols = np.column_stack([ep.cum_returns(np.ascontiguousarray(x[:, j]), 100.0) for j in range(x.shape[1])])
        np.testing.assert_array_equal(got, cols)
    buf = np.empty(R.shape)
    assert ep.cum_returns(R, 100.0, out=buf) is buf
    np.testing.assert_allclose(buf, want, rtol=1e-13)
    frame = pd.DataFrame(R, columns=list("abcd"), index=pd.date_range("2024-01-01", periods=R.shape[0]))
    got = ep.cum_returns(frame)
    assert list(got.columns) == list("abcd") and got.index.equals(frame.index)
    np.testing.assert_allclose(got.to_numpy(), _emp.cum_returns(frame).to_numpy(), rtol=1e-13)
