"""Returns analytics with empyrical's names, signatures, defaults and numbers.

Switch by changing an import::

    import tradewarden.returns as ep      # was: import empyrical as ep
    ep.sharpe_ratio(returns, risk_free=0, period="daily")

Inputs: numpy arrays (float64 contiguous arrays are used without copying;
other dtypes and lists are converted once), pandas Series, polars Series and
pyarrow arrays. NaN is skipped as empyrical does (numpy's nan-functions;
``annual_return`` still counts NaN periods in n). Functions for which
empyrical returns a pandas Series (``cum_returns``, ``roll_*``) return one
when given one. Where empyrical returns NaN for an *empty* series,
tradewarden raises :class:`~tradewarden.errors.InvalidInputError`.

Formulas and conventions: ``docs/conventions.md`` in the repository.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable, Optional

import numpy as np

from . import _native
from .errors import InvalidInputError

__all__ = [
    "sharpe_ratio", "sortino_ratio", "downside_risk", "max_drawdown", "annual_return", "cagr",
    "annual_volatility", "calmar_ratio", "omega_ratio", "tail_ratio", "value_at_risk",
    "conditional_value_at_risk", "stability_of_timeseries", "cum_returns", "cum_returns_final",
    "excess_sharpe", "alpha_beta", "alpha", "beta", "up_alpha_beta", "down_alpha_beta",
    "capture", "up_capture", "down_capture", "up_down_capture", "batting_average",
    "skew", "kurtosis", "win_rate", "profit_factor", "hit_rate", "ulcer_index",
    "tracking_error", "information_ratio", "benchmark_correlation", "summary", "core_metrics",
    "roll_sharpe_ratio", "roll_sortino_ratio", "roll_max_drawdown", "roll_annual_volatility",
    "roll_annual_return", "roll_cagr", "roll_downside_risk", "roll_excess_sharpe", "roll_beta",
    "roll_up_capture", "roll_down_capture", "roll_up_down_capture",
    "probabilistic_sharpe_ratio", "deflated_sharpe_ratio", "min_track_record_length",
    "probability_of_backtest_overfitting", "PboResult", "bootstrap_ci", "BootstrapInterval",
    "ReturnsState", "StateMetrics",
]


_F64 = np.dtype(np.float64)


def _as_1d(x: Any, name: str) -> np.ndarray:
    """Converts an input series to a contiguous float64 1-D array (no copy when it already is one)."""
    if type(x) is np.ndarray and x.dtype == _F64 and x.ndim == 1 and x.flags.c_contiguous:
        return x  # the common case, kept cheap: scalar calls must cost < 2 us
    if hasattr(type(x), "__arrow_c_array__") and not type(x).__module__.startswith(("pyarrow", "pandas", "polars")):
        return _native.arrow_to_f64(x, name)  # any Arrow PyCapsule producer, through arrow's C data interface
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        try:  # pandas / polars Series, pyarrow Array (nulls become NaN)
            x = x.to_numpy(zero_copy_only=False) if "pyarrow" in type(x).__module__ else x.to_numpy()
        except TypeError:
            x = x.to_numpy()
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{name} must be numeric, got {type(x).__name__}: {e}") from None
    if a.ndim != 1:
        raise InvalidInputError(f"{name} must be 1-D, got an array of shape {a.shape}")
    return np.ascontiguousarray(a)


def _is_series(x: Any) -> bool:
    return type(x).__name__ == "Series" and type(x).__module__.startswith("pandas")


def _pair(returns: Any, factor_returns: Any) -> "tuple[np.ndarray, np.ndarray]":
    """Aligns two pandas Series on their index (inner join), as empyrical does; arrays must be aligned already."""
    if _is_series(returns) and _is_series(factor_returns) and not returns.index.equals(factor_returns.index):
        returns, factor_returns = returns.align(factor_returns, join="inner")
    return _as_1d(returns, "returns"), _as_1d(factor_returns, "factor_returns")


def _like(template: Any, values: np.ndarray) -> Any:
    """A pandas Series with the template's trailing index when the input was one."""
    if _is_series(template):
        import pandas as pd

        return pd.Series(values, index=template.index[len(template) - len(values):], name=template.name)
    return values


def _scalar_or_series(name: str, returns: Any, value: Any) -> "tuple[np.ndarray, float]":
    """empyrical accepts a series for risk_free / required_return: subtract it element-wise."""
    if isinstance(value, (int, float)) or np.ndim(value) == 0:
        return _as_1d(returns, "returns"), float(value)
    r, v = _pair(returns, value)
    return _native.excess_returns(r, v), 0.0


def sharpe_ratio(returns: Any, risk_free: Any = 0, period: str = "daily", annualization: Optional[float] = None) -> float:
    """Annualised Sharpe ratio: mean(r - rf) / std(r - rf, ddof=1) * sqrt(P)."""
    r, rf = _scalar_or_series("risk_free", returns, risk_free)
    return _native.sharpe_ratio(r, period, annualization, rf, 0.0)


def sortino_ratio(returns: Any, required_return: Any = 0, period: str = "daily", annualization: Optional[float] = None) -> float:
    """Annualised Sortino ratio: mean(r - req) * P / downside_risk."""
    r, req = _scalar_or_series("required_return", returns, required_return)
    return _native.sortino_ratio(r, period, annualization, 0.0, req)


def downside_risk(returns: Any, required_return: Any = 0, period: str = "daily", annualization: Optional[float] = None) -> float:
    """Annualised downside deviation: sqrt(mean(min(r - req, 0)^2)) * sqrt(P)."""
    r, req = _scalar_or_series("required_return", returns, required_return)
    return _native.downside_risk(r, period, annualization, 0.0, req)


def max_drawdown(returns: Any) -> float:
    """Maximum drawdown of compounded wealth (<= 0); the starting capital counts as a peak."""
    return _native.max_drawdown(_as_1d(returns, "returns"))


def annual_return(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> float:
    """CAGR: prod(1 + r) ** (P / n) - 1, n counting NaN periods."""
    return _native.annual_return(_as_1d(returns, "returns"), period, annualization)


def cagr(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> float:
    """Alias of :func:`annual_return`."""
    return annual_return(returns, period, annualization)


def annual_volatility(returns: Any, period: str = "daily", alpha: float = 2.0, annualization: Optional[float] = None) -> float:
    """Annualised volatility: std(r, ddof=1) * P ** (1 / alpha) (alpha = 2: square-root-of-time)."""
    if alpha != 2.0:
        from .errors import UnsupportedError

        raise UnsupportedError(f"alpha = {alpha!r}: only the square-root-of-time scaling (alpha=2.0) is supported")
    return _native.annual_volatility(_as_1d(returns, "returns"), period, annualization)


def calmar_ratio(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> float:
    """annual_return / |max_drawdown|; NaN without a drawdown."""
    return _native.calmar_ratio(_as_1d(returns, "returns"), period, annualization)


def omega_ratio(returns: Any, risk_free: Any = 0.0, required_return: float = 0.0, annualization: float = 252) -> float:
    """Omega ratio with an annual required return (empyrical)."""
    r, rf = _scalar_or_series("risk_free", returns, risk_free)
    return _native.omega_ratio(r, rf, float(required_return), float(annualization))


def tail_ratio(returns: Any) -> float:
    """|95th percentile| / |5th percentile|."""
    return _native.tail_ratio(_as_1d(returns, "returns"))


def value_at_risk(returns: Any, cutoff: float = 0.05, method: str = "historical") -> float:
    """Value at risk at ``cutoff``: ``method='historical'`` (empyrical) or ``'gaussian'`` (quantstats)."""
    return _native.value_at_risk("var", _as_1d(returns, "returns"), float(cutoff), method)


def conditional_value_at_risk(returns: Any, cutoff: float = 0.05, method: str = "historical") -> float:
    """Expected shortfall at ``cutoff``: ``'historical'`` (empyrical) or ``'gaussian'`` (quantstats)."""
    return _native.value_at_risk("cvar", _as_1d(returns, "returns"), float(cutoff), method)


def stability_of_timeseries(returns: Any) -> float:
    """R^2 of a linear fit of cumulative log returns against time."""
    return _native.stability_of_timeseries(_as_1d(returns, "returns"))


def cum_returns(returns: Any, starting_value: float = 0) -> Any:
    """Cumulative compounded returns (a pandas Series when given one)."""
    return _like(returns, _native.cum_returns(_as_1d(returns, "returns"), float(starting_value)))


def cum_returns_final(returns: Any, starting_value: float = 0) -> float:
    """Final cumulative return."""
    return _native.cum_returns_final(_as_1d(returns, "returns"), float(starting_value))


def excess_sharpe(returns: Any, factor_returns: Any) -> float:
    """Per-period mean(r - b) / std(r - b, ddof=1)."""
    if np.ndim(factor_returns) == 0:
        r = _as_1d(returns, "returns")
        return _native.excess_sharpe(r, np.full(len(r), float(factor_returns)))
    return _native.excess_sharpe(*_pair(returns, factor_returns))


def alpha_beta(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
               annualization: Optional[float] = None, compound: bool = True) -> np.ndarray:
    """[alpha, beta]; alpha compounded as empyrical (``compound=False``: (mean(r) - beta*mean(b)) * P)."""
    r, b = _pair(returns, factor_returns)
    return np.array(_native.alpha_beta("all", r, b, period, annualization, float(risk_free), compound))


def alpha(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
          annualization: Optional[float] = None, compound: bool = True) -> float:
    """Annualised alpha (see :func:`alpha_beta`)."""
    return float(alpha_beta(returns, factor_returns, risk_free, period, annualization, compound)[0])


def beta(returns: Any, factor_returns: Any, risk_free: float = 0.0) -> float:
    """cov(r, b) / var(b)."""
    r, b = _pair(returns, factor_returns)
    return _native.beta(r, b, "daily", None, float(risk_free))


def up_alpha_beta(returns: Any, factor_returns: Any, **kwargs: Any) -> np.ndarray:
    """[alpha, beta] over the periods where the benchmark rose."""
    r, b = _pair(returns, factor_returns)
    return np.array(_native.alpha_beta("up", r, b, **kwargs))


def down_alpha_beta(returns: Any, factor_returns: Any, **kwargs: Any) -> np.ndarray:
    """[alpha, beta] over the periods where the benchmark fell."""
    r, b = _pair(returns, factor_returns)
    return np.array(_native.alpha_beta("down", r, b, **kwargs))


def capture(returns: Any, factor_returns: Any, period: str = "daily") -> float:
    """annual_return(r) / annual_return(b)."""
    return _native.capture(*_pair(returns, factor_returns), period)


def up_capture(returns: Any, factor_returns: Any, period: str = "daily") -> float:
    """Capture over the periods with b > 0."""
    return _native.up_capture(*_pair(returns, factor_returns), period)


def down_capture(returns: Any, factor_returns: Any, period: str = "daily") -> float:
    """Capture over the periods with b < 0."""
    return _native.down_capture(*_pair(returns, factor_returns), period)


def up_down_capture(returns: Any, factor_returns: Any, period: str = "daily") -> float:
    """up_capture / down_capture."""
    return _native.up_down_capture(*_pair(returns, factor_returns), period)


def batting_average(returns: Any, factor_returns: Any) -> Any:
    """Shares of periods beating the benchmark: overall, up market, down market (a pandas Series as empyrical)."""
    values = _native.batting_average(*_pair(returns, factor_returns))
    keys = ["batting average", "up market", "down market"]
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return dict(zip(keys, values))
    return pd.Series(values, index=keys)


def skew(returns: Any) -> float:
    """Adjusted Fisher-Pearson skewness (pandas ``Series.skew``)."""
    return _native.skew(_as_1d(returns, "returns"))


def kurtosis(returns: Any) -> float:
    """Adjusted excess kurtosis (pandas ``Series.kurt``)."""
    return _native.kurtosis(_as_1d(returns, "returns"))


def win_rate(returns: Any) -> float:
    """Positive periods / non-zero periods (quantstats)."""
    return _native.win_rate(_as_1d(returns, "returns"))


def hit_rate(returns: Any) -> float:
    """Positive periods / all periods."""
    return _native.hit_rate(_as_1d(returns, "returns"))


def profit_factor(returns: Any) -> float:
    """Sum of gains / |sum of losses| (quantstats)."""
    return _native.profit_factor(_as_1d(returns, "returns"))


def ulcer_index(returns: Any) -> float:
    """sqrt(sum(drawdown^2) / (n - 1)) (quantstats)."""
    return _native.ulcer_index(_as_1d(returns, "returns"))


def tracking_error(returns: Any, factor_returns: Any, period: str = "daily", annualization: Optional[float] = None) -> float:
    """std(r - b, ddof=1) * sqrt(P); per period with ``annualization=1``."""
    return _native.tracking_error(*_pair(returns, factor_returns), period, annualization)


def information_ratio(returns: Any, factor_returns: Any) -> float:
    """Per-period mean(r - b) / std(r - b, ddof=1) (quantstats)."""
    return _native.information_ratio(*_pair(returns, factor_returns))


def benchmark_correlation(returns: Any, factor_returns: Any) -> float:
    """Pearson correlation with the benchmark."""
    return _native.benchmark_correlation(*_pair(returns, factor_returns))


def summary(returns: Any, factor_returns: Any = None, period: str = "daily", annualization: Optional[float] = None,
            risk_free: float = 0.0, required_return: float = 0.0, cutoff: float = 0.05) -> "dict[str, float]":
    """Every metric in one pass, as a dict (the benchmark keys when ``factor_returns`` is given)."""
    if factor_returns is None:
        return _native.summary(_as_1d(returns, "returns"), None, period, annualization, float(risk_free),
                               float(required_return), float(cutoff))
    r, b = _pair(returns, factor_returns)
    return _native.summary(r, b, period, annualization, float(risk_free), float(required_return), float(cutoff))


def core_metrics(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> "dict[str, float]":
    """Sharpe, Sortino, max drawdown, annual return and volatility from one fused pass."""
    keys = ("sharpe_ratio", "sortino_ratio", "max_drawdown", "annual_return", "annual_volatility")
    return dict(zip(keys, _native.core_metrics(_as_1d(returns, "returns"), period, annualization)))


def _roll(name: str, returns: Any, window: int, **kwargs: Any) -> Any:
    return _like(returns, _native.roll(name, _as_1d(returns, "returns"), int(window), **kwargs))


def _roll_pair(name: str, returns: Any, factor_returns: Any, window: int, **kwargs: Any) -> Any:
    r, b = _pair(returns, factor_returns)
    return _like(returns, _native.roll_pair(name, r, b, int(window), **kwargs))


def roll_sharpe_ratio(returns: Any, window: int, **kwargs: Any) -> Any:
    """Sharpe ratio over each trailing window (n - window + 1 values)."""
    return _roll("sharpe_ratio", returns, window, **kwargs)


def roll_sortino_ratio(returns: Any, window: int, **kwargs: Any) -> Any:
    """Rolling Sortino ratio."""
    return _roll("sortino_ratio", returns, window, **kwargs)


def roll_max_drawdown(returns: Any, window: int) -> Any:
    """Rolling maximum drawdown."""
    return _roll("max_drawdown", returns, window)


def roll_annual_volatility(returns: Any, window: int, **kwargs: Any) -> Any:
    """Rolling annual volatility."""
    return _roll("annual_volatility", returns, window, **kwargs)


def roll_annual_return(returns: Any, window: int, **kwargs: Any) -> Any:
    """Rolling CAGR."""
    return _roll("annual_return", returns, window, **kwargs)


roll_cagr = roll_annual_return


def roll_downside_risk(returns: Any, window: int, **kwargs: Any) -> Any:
    """Rolling downside risk."""
    return _roll("downside_risk", returns, window, **kwargs)


def roll_excess_sharpe(returns: Any, factor_returns: Any, window: int) -> Any:
    """Rolling excess Sharpe."""
    return _roll_pair("excess_sharpe", returns, factor_returns, window)


def roll_beta(returns: Any, factor_returns: Any, window: int) -> Any:
    """Rolling beta."""
    return _roll_pair("beta", returns, factor_returns, window)


def roll_up_capture(returns: Any, factor_returns: Any, window: int, **kwargs: Any) -> Any:
    """Rolling up capture."""
    return _roll_pair("up_capture", returns, factor_returns, window, **kwargs)


def roll_down_capture(returns: Any, factor_returns: Any, window: int, **kwargs: Any) -> Any:
    """Rolling down capture."""
    return _roll_pair("down_capture", returns, factor_returns, window, **kwargs)


def roll_up_down_capture(returns: Any, factor_returns: Any, window: int, **kwargs: Any) -> Any:
    """Rolling up/down capture."""
    return _roll_pair("up_down_capture", returns, factor_returns, window, **kwargs)


# --- promotion statistics -------------------------------------------------


def probabilistic_sharpe_ratio(returns: Any, sr_benchmark: float = 0.0, convention: str = "paper",
                               risk_free: float = 0.0) -> float:
    """Probability that the true per-period Sharpe exceeds ``sr_benchmark`` (Bailey & Lopez de Prado 2012).

    ``convention='paper'`` evaluates the estimator's variance at the observed SR with T-1 (quantstats, ffn);
    ``'variance_at_benchmark'`` at SR* with T (jsharpe).
    """
    return _native.probabilistic_sharpe_ratio(_as_1d(returns, "returns"), float(sr_benchmark), convention,
                                              float(risk_free))


def deflated_sharpe_ratio(returns: Any, trial_sharpes: Any, convention: str = "paper", risk_free: float = 0.0) -> float:
    """PSR against the expected maximum Sharpe of ``len(trial_sharpes)`` trials (per-period Sharpe ratios)."""
    return _native.deflated_sharpe_ratio(_as_1d(returns, "returns"), _as_1d(trial_sharpes, "trial_sharpes"),
                                         convention, float(risk_free))


def min_track_record_length(returns: Any, sr_benchmark: float = 0.0, alpha: float = 0.05, convention: str = "paper",
                            risk_free: float = 0.0) -> float:
    """Observations needed for the Sharpe ratio to exceed ``sr_benchmark`` at confidence 1 - alpha."""
    return _native.min_track_record_length(_as_1d(returns, "returns"), float(sr_benchmark), float(alpha), convention,
                                           float(risk_free))


class PboResult:
    """Result of :func:`probability_of_backtest_overfitting`."""

    __slots__ = ("pbo", "logits", "mean_oos_rank", "n_combinations", "n_blocks", "n_rows_used", "winners",
                 "is_performance", "oos_performance", "prob_loss", "degradation")

    def __init__(self, d: "dict[str, Any]") -> None:
        for k in self.__slots__:
            setattr(self, k, d[k])

    def __repr__(self) -> str:
        return (f"PboResult(pbo={self.pbo:.4f}, mean_oos_rank={self.mean_oos_rank:.4f}, "
                f"n_combinations={self.n_combinations})")


def probability_of_backtest_overfitting(returns_matrix: Any, n_blocks: int = 16) -> PboResult:
    """PBO by combinatorially symmetric cross-validation over a T x N matrix of strategy returns.

    Rows beyond a multiple of ``n_blocks`` are dropped from the end; the metric is the per-period Sharpe ratio.
    """
    if hasattr(returns_matrix, "to_numpy") and not isinstance(returns_matrix, np.ndarray):
        returns_matrix = returns_matrix.to_numpy()
    try:
        m = np.asarray(returns_matrix, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"returns_matrix must be numeric: {e}") from None
    if m.ndim != 2:
        raise InvalidInputError(f"returns_matrix must be 2-D (periods x strategies), got shape {m.shape}")
    n_rows, n_cols = m.shape
    values = np.ravel(m, order="F")  # column-major: no copy for a Fortran-ordered array
    return PboResult(_native.probability_of_backtest_overfitting(np.ascontiguousarray(values), n_rows, n_cols,
                                                                 int(n_blocks)))


class BootstrapInterval:
    """Result of :func:`bootstrap_ci`."""

    __slots__ = ("estimate", "lower", "upper", "confidence", "n_resamples", "std_error", "seed")

    def __init__(self, d: "dict[str, Any]") -> None:
        for k in self.__slots__:
            setattr(self, k, d[k])

    def __iter__(self):
        return iter((self.lower, self.upper))

    def __repr__(self) -> str:
        return f"BootstrapInterval(estimate={self.estimate:.6g}, lower={self.lower:.6g}, upper={self.upper:.6g})"


def bootstrap_ci(returns: Any, metric: str = "sharpe_ratio", n_resamples: int = 1000, method: str = "stationary",
                 confidence: float = 0.95, seed: Optional[int] = None, block_length: float = 10.0,
                 interval: str = "percentile", period: str = "daily",
                 annualization: Optional[float] = None) -> BootstrapInterval:
    """Bootstrap confidence interval of a metric.

    ``metric``: 'sharpe_ratio' (annualised), 'sharpe' (per period), 'mean', 'std', or any of
    'sortino_ratio', 'max_drawdown', 'annual_return', 'annual_volatility', 'calmar_ratio',
    'downside_risk', 'tail_ratio', 'win_rate', 'profit_factor'.
    ``method``: 'stationary' (Politis-Romano, mean block ``block_length``, like arch's
    StationaryBootstrap), 'circular' (blocks of ``block_length``) or 'iid'.
    ``interval``: 'percentile' or 'bca'. ``seed=None`` draws a fresh seed (reported in the result);
    the same seed reproduces the interval exactly, whatever the number of threads.
    """
    if seed is None:
        import secrets

        seed = secrets.randbits(63)
    return BootstrapInterval(_native.bootstrap_ci(_as_1d(returns, "returns"), metric, int(n_resamples), method,
                                                  float(block_length), interval, float(confidence), int(seed),
                                                  period, annualization))


# --- mergeable state (scale-out: Dask, Spark, partitioned files) ---------


def _real(name: str, value: Any) -> float:
    """A scalar option as float; anything else is an InvalidInputError naming the parameter."""
    if isinstance(value, (str, bytes)) or np.ndim(value) != 0:
        raise InvalidInputError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a real number, got {type(value).__name__} {value!r}") from None


def _name(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    return value


@dataclass(frozen=True)
class StateMetrics:
    """Metrics of a :class:`ReturnsState`; each equals the function of the same name on the whole series
    (``cum_return`` is :func:`cum_returns_final`, ``n`` the values used, ``std`` has ddof=1)."""

    n: int
    mean: float
    std: float
    sharpe_ratio: float
    sortino_ratio: float
    max_drawdown: float
    annual_return: float
    annual_volatility: float
    calmar_ratio: float
    cum_return: float
    best: float
    worst: float

    @property
    def cagr(self) -> float:
        """Alias of ``annual_return``."""
        return self.annual_return

    def to_dict(self) -> "dict[str, float]":
        """The metrics as a dict."""
        return asdict(self)


class ReturnsState:
    """Mergeable sufficient statistics of a run of consecutive returns (``returns::ReturnsState``).

    Compute one state per partition (a day, a Parquet file, a Dask/Spark partition), ship it as bytes
    (:meth:`to_bytes`, or pickle), merge the states **in time order** and read the metrics of the whole
    series: equal to :func:`sharpe_ratio`, :func:`sortino_ratio`, :func:`max_drawdown`,
    :func:`annual_return`, :func:`annual_volatility`, :func:`calmar_ratio` and :func:`cum_returns_final`
    on the concatenated series up to floating-point rounding. Order matters: ``a.merge(b)`` means the
    returns of ``b`` follow those of ``a`` (the moments do not care, the drawdown and wealth path do).
    The merge is associative, so a left fold and a balanced tree of merges give the same state.

    ``ReturnsState(required_return)`` is an empty state to :meth:`extend`. Formulas:
    ``docs/conventions.md`` ("Mergeable state").
    """

    __slots__ = ("_s",)
    __hash__ = None  # type: ignore[assignment]  # mutable (extend)

    def __init__(self, required_return: float = 0.0) -> None:
        self._s = _native.ReturnsState(_real("required_return", required_return))

    @classmethod
    def _wrap(cls, native: "_native.ReturnsState") -> "ReturnsState":
        s = cls.__new__(cls)
        s._s = native
        return s

    @classmethod
    def from_returns(cls, returns: Any, *, required_return: float = 0.0, nan_policy: str = "raise") -> "ReturnsState":
        """The state of ``returns`` (numpy, pandas, polars, pyarrow; see the module docs).

        ``required_return``: per-period threshold of the Sortino downside sum; fixed per state (states with
        different ones do not merge). ``nan_policy``: ``'raise'`` (a NaN is an
        :class:`~tradewarden.errors.InvalidInputError` naming its position), ``'omit'`` (alias ``'skip'``:
        skipped as empyrical and the other functions of this module do, while ``annual_return`` still counts
        the period) or ``'propagate'`` (every metric is NaN). ±inf is always an error.
        """
        return cls._wrap(_native.ReturnsState.from_returns(
            _as_1d(returns, "returns"), _real("required_return", required_return), _name("nan_policy", nan_policy)))

    def extend(self, returns: Any, *, nan_policy: str = "raise") -> None:
        """Appends the returns that follow this state's, in place (unchanged when it raises; a NaN under
        ``'raise'`` is reported at its position in the whole stream)."""
        self._s.extend(_as_1d(returns, "returns"), _name("nan_policy", nan_policy))

    def merge(self, next: "ReturnsState") -> "ReturnsState":
        """A new state: this one followed in time by ``next`` (neither is changed)."""
        if not isinstance(next, ReturnsState):
            raise InvalidInputError(f"next must be a ReturnsState, got {type(next).__name__}")
        return ReturnsState._wrap(self._s.merge(next._s))

    @staticmethod
    def merge_all(states: "Iterable[ReturnsState | bytes]") -> "ReturnsState":
        """Merges the states of consecutive partitions, in the iterable's (time) order; each may also be
        given as its :meth:`to_bytes`. An empty iterable is an InvalidInputError."""
        if isinstance(states, (str, bytes, bytearray, memoryview)) or not hasattr(states, "__iter__"):
            raise InvalidInputError(f"states must be an iterable of ReturnsState, got {type(states).__name__}")
        natives = []
        for i, s in enumerate(states):
            if isinstance(s, (bytes, bytearray, memoryview)):
                s = ReturnsState.from_bytes(s)
            if not isinstance(s, ReturnsState):
                raise InvalidInputError(f"states[{i}] must be a ReturnsState or its bytes, got {type(s).__name__}")
            natives.append(s._s)
        return ReturnsState._wrap(_native.ReturnsState.merge_all(natives))

    def metrics(self, period: str = "daily", risk_free: float = 0.0,
                annualization: Optional[float] = None) -> StateMetrics:
        """The metrics of the whole series, with the options of :func:`sharpe_ratio` & co (``risk_free`` per
        period, scalar; the Sortino ratio uses the state's ``required_return``). An empty state raises."""
        ann = None if annualization is None else _real("annualization", annualization)
        d = self._s.metrics(_name("period", period), ann, _real("risk_free", risk_free))
        return StateMetrics(**d)

    @property
    def count(self) -> int:
        """Values used (NaN excluded)."""
        return self._s.count()

    @property
    def n_nan(self) -> int:
        """NaN values seen (skipped under ``'omit'``)."""
        return self._s.n_nan()

    @property
    def required_return(self) -> float:
        """The per-period required return of the downside sum."""
        return self._s.required_return()

    def to_bytes(self) -> bytes:
        """The serialized state (JSON, bit-exact floats); raises if a value is non-finite (overflowed wealth)."""
        return self._s.to_bytes()

    @classmethod
    def from_bytes(cls, data: Any) -> "ReturnsState":
        """A state from :meth:`to_bytes` (:class:`~tradewarden.errors.CorruptError` for anything else)."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidInputError(f"data must be bytes, got {type(data).__name__}")
        return cls._wrap(_native.ReturnsState.from_bytes(bytes(data)))

    def __reduce__(self) -> tuple:
        return (ReturnsState.from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReturnsState):
            return NotImplemented
        return self._s == other._s

    def __repr__(self) -> str:
        return f"ReturnsState(count={self.count}, n_nan={self.n_nan}, required_return={self.required_return!r})"
