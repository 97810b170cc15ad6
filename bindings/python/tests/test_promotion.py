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


def test_promotion_gate_pbo_equals_the_returns_pbo_for_one_matrix():
    """Regression (issue 18): the gate read a row-major matrix as column-major — for one 2520 x 50 matrix
    PBO was 0.12 through ``returns`` and 0.73 through the gate, rejecting a sound strategy at max_pbo = 0.5."""
    import numpy as np

    import tradewarden.guardrails as tg
    import tradewarden.returns as tr

    rng = np.random.default_rng(7)
    m = rng.normal(0.0, 0.01, size=(2520, 50))
    m[:, 0] += 0.002  # one strategy with a real edge
    want = tr.probability_of_backtest_overfitting(m, n_blocks=16).pbo
    rep = tg.promotion_gates(rng.normal(0.001, 0.01, 300), rng.normal(1.0, 1.0, 150),
                             {"max_pbo": 0.5, "pbo_blocks": 16}, returns_matrix=m)
    got = [c for c in rep["checks"] if c["name"] == "pbo"][0]["value"]
    assert got == want
    # The same through a Fortran-ordered and a C-ordered array.
    rep_f = tg.promotion_gates(rng.normal(0.001, 0.01, 300), rng.normal(1.0, 1.0, 150),
                               {"max_pbo": 0.5, "pbo_blocks": 16}, returns_matrix=np.asfortranarray(m))
    assert [c for c in rep_f["checks"] if c["name"] == "pbo"][0]["value"] == want
