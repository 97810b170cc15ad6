"""tradewarden.returns against quantstats (pinned in requirements-test.txt) on quantstats' defaults (issue 19).

quantstats' ``stats`` functions that tradewarden also offers must give quantstats' numbers: skew, kurtosis,
win rate, profit factor, ulcer index, information ratio and the Gaussian (variance-covariance) VaR and
expected shortfall. quantstats has no public tracking-error function: its information ratio divides the
mean active return by the per-period std of the active returns, which is tradewarden's
``tracking_error(..., annualization=1)``; that identity is checked instead.
"""

import numpy as np
import pandas as pd
import pytest

import quantstats as qs
import tradewarden.returns as tw


def _series(seed: int, n: int, with_zeros: bool = False) -> "tuple[pd.Series, pd.Series]":
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2021-01-04", periods=n, freq="B")
    r = rng.standard_t(4, n) * 0.01 + 0.0004
    if with_zeros:
        r[rng.integers(0, n, n // 10)] = 0.0  # flat days count neither as wins nor as losses
    b = 0.6 * r + rng.normal(0.0, 0.006, n)
    return pd.Series(r, index=idx), pd.Series(b, index=idx)


CASES = [(1, 252, False), (2, 1000, True), (3, 60, True)]


@pytest.mark.parametrize("seed,n,zeros", CASES)
def test_single_series_metrics_match_quantstats(seed, n, zeros):
    r, _ = _series(seed, n, zeros)
    pairs = {
        "skew": (tw.skew(r), qs.stats.skew(r)),
        "kurtosis": (tw.kurtosis(r), qs.stats.kurtosis(r)),
        "win_rate": (tw.win_rate(r), qs.stats.win_rate(r)),
        "profit_factor": (tw.profit_factor(r), qs.stats.profit_factor(r)),
        "ulcer_index": (tw.ulcer_index(r), qs.stats.ulcer_index(r)),
        "gaussian VaR": (tw.value_at_risk(r, cutoff=0.05, method="gaussian"), qs.stats.value_at_risk(r)),
        "gaussian ES": (tw.conditional_value_at_risk(r, cutoff=0.05, method="gaussian"), qs.stats.cvar(r)),
    }
    for name, (ours, theirs) in pairs.items():
        assert np.isfinite(theirs), name
        assert ours == pytest.approx(float(theirs), rel=1e-10, abs=1e-15), name


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_gaussian_var_and_es_at_other_confidence_levels(confidence):
    r, _ = _series(7, 500)
    cutoff = 1.0 - confidence
    assert tw.value_at_risk(r, cutoff=cutoff, method="gaussian") == pytest.approx(
        float(qs.stats.value_at_risk(r, confidence=confidence)), rel=1e-10)
    assert tw.conditional_value_at_risk(r, cutoff=cutoff, method="gaussian") == pytest.approx(
        float(qs.stats.cvar(r, confidence=confidence)), rel=1e-10)


@pytest.mark.parametrize("seed,n,zeros", CASES)
def test_benchmark_metrics_match_quantstats(seed, n, zeros):
    r, b = _series(seed, n, zeros)
    theirs = float(qs.stats.information_ratio(r, b))
    assert tw.information_ratio(r, b) == pytest.approx(theirs, rel=1e-10)
    # quantstats' information ratio is mean(active) / tracking error (per period)
    te = tw.tracking_error(r, b, annualization=1)
    assert float((r - b).mean()) / te == pytest.approx(theirs, rel=1e-10)
    assert tw.tracking_error(r, b) == pytest.approx(te * np.sqrt(252), rel=1e-12)
