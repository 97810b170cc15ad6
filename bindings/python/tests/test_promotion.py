"""Promotion statistics, PBO and bootstrap through the Python API."""

import math

import numpy as np
import pytest

import tradewarden.returns as ep
from tradewarden.errors import InvalidInputError


def bacon(reference):
    return np.array(reference["fixtures"]["bacon_monthly"]["values"], dtype=float)


def case(reference, cid):
    return next(c for c in reference["cases"] if c["id"] == cid)


def test_psr_and_mintrl_match_the_reference(reference):
    r = bacon(reference)
    c = case(reference, "psr.bacon.sr*=0.quantstats")
    assert ep.probabilistic_sharpe_ratio(r) == pytest.approx(c["expected"], abs=c["tolerance_abs"])
    c = case(reference, "psr.bacon.sr*=0.1.paper")
    assert ep.probabilistic_sharpe_ratio(r, sr_benchmark=0.1) == pytest.approx(c["expected"], abs=c["tolerance_abs"])
    c = case(reference, "psr.bacon.sr*=0.jsharpe_variance_at_SR0")
    got = ep.probabilistic_sharpe_ratio(r, convention="variance_at_benchmark")
    assert got == pytest.approx(c["expected"], abs=c["tolerance_abs"])
    c = case(reference, "mintrl.bacon.sr*=0.alpha=0.05.paper")
    assert ep.min_track_record_length(r, alpha=0.05) == pytest.approx(c["expected"], abs=c["tolerance_abs"])


def test_dsr_matches_ffn(reference):
    cols = np.array(reference["fixtures"]["dsr_trials_20x504"]["columns"], dtype=float)
    c = case(reference, "dsr.ffn.20_trials")
    trial_sharpes = cols.mean(axis=1) / cols.std(axis=1, ddof=1)
    got = ep.deflated_sharpe_ratio(cols[c["params"]["winner"]], trial_sharpes)
    assert got == pytest.approx(c["expected"], abs=c["tolerance_abs"])


def test_pbo_object_and_bounds():
    rng = np.random.default_rng(7)
    m = rng.normal(0, 0.01, (1000, 20))
    res = ep.probability_of_backtest_overfitting(m, n_blocks=8)
    assert 0.0 <= res.pbo <= 1.0
    assert res.n_combinations == math.comb(8, 4) == len(res.logits)
    assert 0.0 < res.mean_oos_rank < 1.0
    # a strategy matrix whose first column dominates everywhere is not overfit
    m[:, 0] += 0.01
    assert ep.probability_of_backtest_overfitting(m, n_blocks=8).pbo == 0.0
    with pytest.raises(InvalidInputError, match="n_blocks"):
        ep.probability_of_backtest_overfitting(m, n_blocks=7)
    with pytest.raises(InvalidInputError, match="2-D"):
        ep.probability_of_backtest_overfitting(m[:, 0])


def test_bootstrap_reproduces_and_covers():
    rng = np.random.default_rng(3)
    r = rng.normal(0.0005, 0.01, 2520)
    a = ep.bootstrap_ci(r, "sharpe_ratio", n_resamples=500, method="stationary", seed=42)
    b = ep.bootstrap_ci(r, "sharpe_ratio", n_resamples=500, method="stationary", seed=42)
    assert (a.lower, a.upper) == (b.lower, b.upper)
    assert a.lower < a.estimate < a.upper
    assert a.estimate == pytest.approx(ep.sharpe_ratio(r), rel=1e-12)
    lo, hi = ep.bootstrap_ci(r, "max_drawdown", n_resamples=200, method="iid", seed=1)
    assert lo <= hi <= 0.0
    assert ep.bootstrap_ci(r, "mean", n_resamples=200, interval="bca", seed=5).lower < r.mean()
    for kwargs, needle in [(dict(metric="nope"), "metric"), (dict(method="moving"), "method"),
                           (dict(confidence=1.5), "confidence"), (dict(n_resamples=0), "n_resamples")]:
        with pytest.raises(InvalidInputError, match=needle):
            ep.bootstrap_ci(r, **{"seed": 1, **kwargs})
