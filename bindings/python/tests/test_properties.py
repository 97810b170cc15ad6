"""Property tests (hypothesis) over the public Python surface: hostile arrays and option values.

Every public function family of ``tradewarden.returns`` and ``tradewarden.drift`` is called with
arbitrary inputs — empty, 0-d, 2-d, NaN, ±inf, huge and subnormal values, object and string dtypes,
lists — and arbitrary option values. The contract (issue #20, item 7): each call returns a result or
raises a :class:`~tradewarden.errors.TradewardenError`; never another exception type, a crash of the
interpreter, a hang, or a ``PanicException`` (which derives from ``BaseException``, so a bare
``except Exception`` would not even see it).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")  # installed by requirements-test.txt; never skipped in CI
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import tradewarden.drift as dr  # noqa: E402
import tradewarden.returns as ep  # noqa: E402
from tradewarden.errors import TradewardenError  # noqa: E402

SETTINGS = settings(
    max_examples=60,
    deadline=None,  # no timing in tests; a hang shows as the suite not finishing
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: a failure reproduces
)

SPECIAL = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 1e-300, -0.999999, 1e15]
FLOATS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True, width=64))


def float_arrays(max_dims: int = 2, max_side: int = 40) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.uint8, np.bool_]),
        shape=hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side),
        elements=None,
    ) | hnp.arrays(
        dtype=np.float64,
        shape=hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side),
        elements=FLOATS,
    )


ODD = st.one_of(
    st.just([]),
    st.just(np.array([], dtype=object)),
    st.just(np.array(["a", "b"], dtype=object)),
    st.just(np.array(["1.0", "x"])),
    st.just([None, 1.0, 2.0]),
    st.just("not an array"),
    st.just(None),
    st.just(3.5),
    st.lists(FLOATS, max_size=30),
)

SERIES = st.one_of(float_arrays(), ODD)
OPTION = st.one_of(FLOATS, st.integers(-(2**70), 2**70), st.sampled_from(["daily", "weekly", "bogus", "", None]))


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Calls fn; passes on a result or a TradewardenError, fails on anything else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(*args, **kwargs)
        except TradewardenError:
            pass
        except BaseException as e:  # noqa: BLE001 — PanicException derives from BaseException
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            pytest.fail(
                f"{getattr(fn, '__module__', '')}.{getattr(fn, '__name__', fn)} raised {type(e).__module__}."
                f"{type(e).__name__}: {e!s:.300} (want a result or a TradewardenError)"
            )


ONE_SERIES = [
    ep.sharpe_ratio, ep.sortino_ratio, ep.downside_risk, ep.max_drawdown, ep.annual_return, ep.cagr,
    ep.annual_volatility, ep.calmar_ratio, ep.omega_ratio, ep.tail_ratio, ep.value_at_risk,
    ep.conditional_value_at_risk, ep.stability_of_timeseries, ep.cum_returns, ep.cum_returns_final,
    ep.skew, ep.kurtosis, ep.win_rate, ep.profit_factor, ep.hit_rate, ep.ulcer_index, ep.simple_returns,
    ep.drawdown_series, ep.gpd_risk_estimates, ep.core_metrics, ep.summary,
]
TWO_SERIES = [
    ep.excess_sharpe, ep.alpha_beta, ep.alpha, ep.beta, ep.up_alpha_beta, ep.down_alpha_beta, ep.capture,
    ep.up_capture, ep.down_capture, ep.up_down_capture, ep.batting_average, ep.tracking_error,
    ep.information_ratio, ep.benchmark_correlation, ep.beta_fragility_heuristic,
]
ROLLING = [
    ep.roll_sharpe_ratio, ep.roll_sortino_ratio, ep.roll_max_drawdown, ep.roll_annual_volatility,
    ep.roll_annual_return, ep.roll_cagr, ep.roll_downside_risk,
]
ROLLING_PAIR = [ep.roll_excess_sharpe, ep.roll_beta, ep.roll_up_capture, ep.roll_down_capture,
                ep.roll_up_down_capture, ep.roll_alpha, ep.roll_alpha_beta]


@pytest.mark.parametrize("fn", ONE_SERIES, ids=lambda f: f.__name__)
@SETTINGS
@given(x=SERIES)
def test_returns_one_series(fn: Callable[..., Any], x: Any) -> None:
    outcome(fn, x)


@pytest.mark.parametrize("fn", [ep.sharpe_ratio, ep.sortino_ratio, ep.annual_volatility, ep.annual_return],
                         ids=lambda f: f.__name__)
@SETTINGS
@given(x=float_arrays(max_dims=1), period=OPTION, annualization=OPTION)
def test_returns_options(fn: Callable[..., Any], x: np.ndarray, period: Any, annualization: Any) -> None:
    outcome(fn, x, period=period, annualization=annualization)


@pytest.mark.parametrize("fn", [ep.value_at_risk, ep.conditional_value_at_risk], ids=lambda f: f.__name__)
@SETTINGS
@given(x=float_arrays(max_dims=1), cutoff=OPTION, method=st.sampled_from(["historical", "gaussian", "x", None]))
def test_returns_cutoffs(fn: Callable[..., Any], x: np.ndarray, cutoff: Any, method: Any) -> None:
    outcome(fn, x, cutoff, method=method)


@pytest.mark.parametrize("fn", TWO_SERIES, ids=lambda f: f.__name__)
@SETTINGS
@given(x=SERIES, y=SERIES)
def test_returns_two_series(fn: Callable[..., Any], x: Any, y: Any) -> None:
    outcome(fn, x, y)


@pytest.mark.parametrize("fn", ROLLING, ids=lambda f: f.__name__)
@SETTINGS
@given(x=SERIES, window=st.one_of(st.integers(-3, 50), st.just(2**62), FLOATS))
def test_returns_rolling(fn: Callable[..., Any], x: Any, window: Any) -> None:
    outcome(fn, x, window)


@pytest.mark.parametrize("fn", ROLLING_PAIR, ids=lambda f: f.__name__)
@SETTINGS
@given(x=SERIES, y=SERIES, window=st.one_of(st.integers(-3, 50), st.just(2**62)))
def test_returns_rolling_pair(fn: Callable[..., Any], x: Any, y: Any, window: Any) -> None:
    outcome(fn, x, y, window)


@SETTINGS
@given(x=SERIES, n=st.integers(-2, 10_000), seed=st.integers(0, 2**64 - 1), conf=OPTION)
def test_bootstrap_ci(x: Any, n: int, seed: int, conf: Any) -> None:
    outcome(ep.bootstrap_ci, x, metric="sharpe_ratio", n_resamples=n, seed=seed, confidence=conf)


@SETTINGS
@given(x=SERIES, trials=SERIES, sr=OPTION, alpha=OPTION,
       convention=st.sampled_from(["paper", "mlfinlab", "bogus", None]))
def test_promotion_statistics(x: Any, trials: Any, sr: Any, alpha: Any, convention: Any) -> None:
    outcome(ep.probabilistic_sharpe_ratio, x, sr, convention=convention)
    outcome(ep.min_track_record_length, x, sr, alpha=alpha, convention=convention)
    outcome(ep.deflated_sharpe_ratio, x, trials, convention=convention)


DRIFT_PAIR = [dr.ks_2samp, dr.wasserstein_distance, dr.energy_distance, dr.cramervonmises_2samp, dr.mannwhitneyu]


@pytest.mark.parametrize("fn", DRIFT_PAIR, ids=lambda f: f.__name__)
@SETTINGS
@given(x=SERIES, y=SERIES)
def test_drift_two_samples(fn: Callable[..., Any], x: Any, y: Any) -> None:
    outcome(fn, x, y)


@SETTINGS
@given(x=SERIES, y=SERIES, bins=st.one_of(st.integers(-2, 300), st.just(2**40), st.lists(FLOATS, max_size=6)),
       strategy=st.sampled_from(["quantile", "uniform", "sturges", "evidently", "bogus"]), eps=OPTION)
def test_drift_psi(x: Any, y: Any, bins: Any, strategy: str, eps: Any) -> None:
    outcome(dr.psi, x, y, bins=bins, strategy=strategy, eps=eps)


@SETTINGS
@given(p=SERIES, q=SERIES, base=st.one_of(st.none(), FLOATS), axis=st.integers(-3, 3))
def test_drift_jensenshannon(p: Any, q: Any, base: Any, axis: int) -> None:
    outcome(dr.jensenshannon, p, q, base=base, axis=axis)


@SETTINGS
@given(x=SERIES, y=SERIES, bins=st.one_of(st.integers(-2, 300), st.just(2**40)),
       strategy=st.sampled_from(["quantile", "uniform", "sturges", "bogus"]))
def test_drift_profile_fit_and_score(x: Any, y: Any, bins: Any, strategy: str) -> None:
    def fit_and_score() -> None:
        p = dr.Profile.fit({"f": x}, bins=bins, strategy=strategy)
        p.score({"f": y})

    outcome(fit_and_score)


REFERENCE = np.linspace(0.0, 1.0, 50)


@SETTINGS
@given(window=st.one_of(st.integers(-2, 2**26), st.just(2**62)), min_values=st.integers(-2, 100), x=SERIES)
def test_drift_live_monitor(window: int, min_values: int, x: Any) -> None:
    def run() -> None:
        m = dr.LiveMonitor(dr.Profile.fit({"f": REFERENCE}), window=window, min_values=min_values)
        m.push("f", x)
        m.score("f")
        m.score_and_emit()

    outcome(run)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_drift_profile_from_bytes(data: bytes) -> None:
    outcome(dr.Profile.from_bytes, data)
