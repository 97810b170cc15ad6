"""Values against quantstats/empyrical on a seeded series, other input types,
the summary, and bad input."""

import math

import numpy as np
import pandas as pd
import pytest

import tradewarden
import tradewarden.returns as ep
from tradewarden import _native
from tradewarden.errors import InvalidInputError, TradewardenError


def test_peer_values(peer_cases):
    r = np.array(peer_cases["returns"])
    b = np.array(peer_cases["benchmark"])
    e = peer_cases["expected"]
    got = {
        "skew": ep.skew(r),
        "kurtosis": ep.kurtosis(r),
        "win_rate": ep.win_rate(r),
        "profit_factor": ep.profit_factor(r),
        "ulcer_index": ep.ulcer_index(r),
        "gaussian_var_05": ep.value_at_risk(r, 0.05, method="gaussian"),
        "gaussian_es_05": ep.conditional_value_at_risk(r, 0.05, method="gaussian"),
        "information_ratio": ep.information_ratio(r, b),
        "tracking_error_annual": ep.tracking_error(r, b),
        "alpha_arithmetic": ep.alpha(r, b, compound=False),
        "alpha_compound": ep.alpha(r, b),
        "beta": ep.beta(r, b),
        "benchmark_correlation": ep.benchmark_correlation(r, b),
        "sharpe": ep.sharpe_ratio(r),
        "sortino": ep.sortino_ratio(r),
        "max_drawdown": ep.max_drawdown(r),
        "annual_return": ep.annual_return(r),
        "annual_volatility": ep.annual_volatility(r),
        "calmar": ep.calmar_ratio(r),
        "omega": ep.omega_ratio(r),
        "tail_ratio": ep.tail_ratio(r),
        "var_hist_05": ep.value_at_risk(r),
        "cvar_hist_05": ep.conditional_value_at_risk(r),
        "stability": ep.stability_of_timeseries(r),
        "downside_risk": ep.downside_risk(r),
        "excess_sharpe": ep.excess_sharpe(r, b),
        "up_capture": ep.up_capture(r, b),
        "down_capture": ep.down_capture(r, b),
        "capture": ep.capture(r, b),
    }
    for k, v in got.items():
        assert v == pytest.approx(e[k], rel=1e-9, abs=1e-12), k
    np.testing.assert_allclose(ep.roll_sortino_ratio(r, 20), e["roll_sortino_20"], rtol=1e-9)
    np.testing.assert_allclose(ep.roll_beta(r, b, 20), e["roll_beta_20"], rtol=1e-9)


def test_polars_and_pyarrow_inputs(peer_cases):
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    r = np.array(peer_cases["returns"])
    expected = ep.sharpe_ratio(r)
    assert ep.sharpe_ratio(pl.Series(r)) == expected
    assert ep.sharpe_ratio(pa.array(r)) == expected
    # a pyarrow null becomes NaN and is skipped as empyrical skips NaN
    with_null = pa.array([0.01, None, -0.02, 0.03])
    assert ep.sharpe_ratio(with_null) == pytest.approx(ep.sharpe_ratio(np.array([0.01, -0.02, 0.03])))
    # other dtypes are converted once
    assert ep.max_drawdown(np.array([1, -1, 0], dtype=np.int64) / 100) == ep.max_drawdown([0.01, -0.01, 0.0])


def test_pandas_alignment_and_series_output():
    idx = pd.date_range("2024-01-01", periods=6, freq="D")
    r = pd.Series([0.01, -0.02, 0.03, 0.0, 0.01, -0.01], index=idx)
    b = pd.Series([0.005, -0.01, 0.02, 0.01, 0.0], index=idx[1:])
    assert ep.beta(r, b) == pytest.approx(ep.beta(r.iloc[1:].to_numpy(), b.to_numpy()))
    roll = ep.roll_max_drawdown(r, 3)
    assert isinstance(roll, pd.Series) and list(roll.index) == list(idx[2:])


def test_summary_matches_functions(peer_cases):
    r = np.array(peer_cases["returns"])
    b = np.array(peer_cases["benchmark"])
    s = ep.summary(r, b)
    assert s["sharpe_ratio"] == pytest.approx(ep.sharpe_ratio(r), rel=1e-10)
    assert s["max_drawdown"] == pytest.approx(ep.max_drawdown(r), rel=1e-10)
    assert s["beta"] == pytest.approx(ep.beta(r, b), rel=1e-10)
    assert len(s) == 37
    core = ep.core_metrics(r)
    assert core["sortino_ratio"] == pytest.approx(ep.sortino_ratio(r), rel=1e-10)


@pytest.mark.parametrize(
    "call, needle",
    [
        (lambda: _native.sharpe_ratio(np.array([])), "returns"),  # strict native API; ep gives NaN (empyrical)
        (lambda: ep.sharpe_ratio(np.zeros((3, 2, 2))), "returns must be 1-D or 2-D"),
        (lambda: ep.sharpe_ratio(np.zeros((3, 2)), risk_free=[0.1, 0.2, 0.3]), "does not broadcast"),
        (lambda: ep.sharpe_ratio(["a", "b"]), "returns must be numeric"),
        (lambda: ep.beta([0.1, 0.2, 0.3], [0.1, 0.2]), "factor_returns has 2"),
        (lambda: ep.value_at_risk([0.1, 0.2], cutoff=1.5), "cutoff"),
        (lambda: ep.sharpe_ratio([0.1, 0.2], period="hourly"), "period"),
        (lambda: ep.sharpe_ratio([0.1, 0.2], annualization=-1), "annualization"),
        (lambda: ep.roll_sharpe_ratio([0.1, 0.2], 0), "window"),
        (lambda: ep.value_at_risk([0.1, 0.2], method="cornish"), "method"),
        (lambda: ep.sharpe_ratio([0.1, 0.2], risk_free=[0.1, 0.2, 0.3]), "other"),
    ],
)
def test_bad_input_raises_invalid_input_naming_the_argument(call, needle):
    with pytest.raises(InvalidInputError) as info:
        call()
    assert needle in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TradewardenError)


def test_degenerate_input_follows_empyrical():
    assert math.isnan(ep.sharpe_ratio([0.01]))
    assert ep.sharpe_ratio([0.01] * 9) == math.inf
    assert ep.sortino_ratio([0.01, 0.02]) == math.inf


def test_version():
    assert tradewarden.__version__


def test_metric_names_are_the_crates_in_bootstrap_and_rolling():
    """Metric names are parsed once in the crate (returns::Metric): every name of the bootstrap works,
    and a typo is an InvalidInputError naming the parameter and listing the names."""
    import tradewarden.returns as tr
    from tradewarden.errors import InvalidInputError

    x = np.random.default_rng(4).normal(4e-4, 0.01, 400)
    for name, f in [("stability_of_timeseries", tr.stability_of_timeseries), ("cagr", tr.annual_return),
                    ("cum_returns_final", tr.cum_returns_final), ("win_rate", None)]:
        ci = tr.bootstrap_ci(x, name, n_resamples=50, seed=2, method="iid")
        assert ci.lower <= ci.upper
        if f is not None:
            assert ci.estimate == pytest.approx(float(f(x)), rel=1e-12)
    for kwargs, param in [({"metric": "sharpe_ration"}, "metric"), ({"method": "blocks"}, "method"),
                          ({"method": "circular", "block_length": 2.5}, "block_length"),
                          ({"interval": "BCa"}, "interval")]:
        with pytest.raises(InvalidInputError, match=param):
            tr.bootstrap_ci(x, **{"n_resamples": 10, "seed": 1, **kwargs})
    with pytest.raises(InvalidInputError, match="'sharpe_ratio'"):
        tr.bootstrap_ci(x, "Sharpe", n_resamples=10, seed=1)
