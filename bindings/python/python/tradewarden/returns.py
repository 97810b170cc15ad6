"""Returns analytics with empyrical's names, signatures, defaults and numbers.

Switch by changing an import::

    import tradewarden.returns as ep      # was: import empyrical as ep
    ep.sharpe_ratio(returns, risk_free=0, period="daily")

Inputs: numpy arrays (float64 contiguous arrays are used without copying;
other dtypes, integer prices included, and lists are converted once), pandas
Series and DataFrames, polars Series and pyarrow arrays. NaN is skipped as
empyrical does (numpy's nan-functions; ``annual_return`` still counts NaN
periods in n).

This module follows empyrical's semantics, which its users' code depends on
(empyrical-reloaded 0.7.1's own test suite is the contract, run by
``scripts/test.d/31-empyrical-suite.sh``):

- an *empty* series gives NaN (the Rust API and ``tradewarden._native`` raise
  :class:`~tradewarden.errors.InvalidInputError` instead: that is the strict
  core; this module is the compatible edge);
- a 2-D array or a DataFrame gives one result per column (a Series labelled by
  the columns for a DataFrame); a 1-D benchmark serves every column;
- ``out=`` buffers where empyrical has them; pandas pairs are aligned on their
  index (outer join, incomplete pairs skipped); the ``*_aligned`` variants
  skip the join;
- constant returns have a standard deviation of exactly 0, so Sharpe-type
  ratios are ±inf (NaN for 0/0), as empyrical's zero-dispersion contract.

Functions for which empyrical returns a pandas object (``cum_returns``,
``roll_*``, ``simple_returns``, ``aggregate_returns``) return one when given
one. Formulas and conventions: ``docs/conventions.md``; the differences that
remain: ``docs/python.md`` ("empyrical's own test suite").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np

from . import _empyrical_compat as _c
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
    "ReturnsState", "StateMetrics", "attribution", "Attribution",
    # the rest of empyrical's API (drop-in)
    "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "YEARLY", "simple_returns", "aggregate_returns",
    "drawdown_series", "alpha_aligned", "beta_aligned", "alpha_beta_aligned", "roll_alpha", "roll_alpha_aligned",
    "roll_alpha_beta", "roll_alpha_beta_aligned", "roll_beta_aligned", "beta_fragility_heuristic",
    "beta_fragility_heuristic_aligned", "gpd_risk_estimates", "gpd_risk_estimates_aligned", "gpd_es_calculator",
    "gpd_var_calculator", "perf_attrib", "compute_exposures",
]


_F64 = np.dtype(np.float64)
_NAN = float("nan")

DAILY = "daily"
WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
YEARLY = "yearly"


def _as_1d(x: Any, name: str) -> np.ndarray:
    """Converts an input series to a contiguous float64 1-D array (no copy when it already is one)."""
    if type(x) is np.ndarray and x.dtype == _F64 and x.ndim == 1 and x.flags.c_contiguous and x.flags.aligned:
        return x  # the common case, kept cheap: scalar calls must cost < 2 us
    a = _c.values(x, name)
    if a.ndim != 1:
        raise InvalidInputError(f"{name} must be 1-D, got an array of shape {a.shape}")
    return a


_is_series = _c.is_series
_fast = _c.fast


def _pair(returns: Any, factor_returns: Any) -> "tuple[np.ndarray, np.ndarray]":
    """Aligns two pandas Series on their index (empyrical's outer join; pairs with a NaN are skipped later)."""
    returns, factor_returns = _c.align(returns, factor_returns)
    return _as_1d(returns, "returns"), _as_1d(factor_returns, "factor_returns")


def _like(template: Any, values: np.ndarray) -> Any:
    """A pandas Series with the template's trailing index when the input was one."""
    if _is_series(template):
        import pandas as pd

        return pd.Series(values, index=template.index[len(template) - len(values):], name=template.name)
    return values


_ND = np.ndarray
_NUM = (int, float)  # exact types on the fast path (not bool, not numpy scalars: those take the general path)


def _pd(period: Any) -> str:
    """``period`` as passed to the native call: a string, else an InvalidInputError naming it."""
    if type(period) is str:
        return period
    return _name("period", period)


def _an(annualization: Any) -> Optional[float]:
    """``annualization``: None or a real number, else an InvalidInputError naming it."""
    if annualization is None or type(annualization) in _NUM:
        a: Optional[float] = annualization
        return a
    return _real("annualization", annualization)


def sharpe_ratio(returns: Any, risk_free: Any = 0, period: str = "daily", annualization: Optional[float] = None,
                 out: Optional[np.ndarray] = None) -> Any:
    """Annualised Sharpe ratio: mean(r - rf) / std(r - rf, ddof=1) * sqrt(P); per column for 2-D input."""
    if out is None and type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and \
            returns.flags.c_contiguous and returns.flags.aligned and returns.shape[0] and type(risk_free) in _NUM:
        return _native.sharpe_ratio(returns, _pd(period), _an(annualization), _real("risk_free", risk_free), 0.0)
    r, rf = _c.adjust(returns, risk_free)
    return _c.reduce1(lambda a: _native.sharpe_ratio(a, _pd(period), _an(annualization), rf, 0.0), r, out, label=False,
                      cols=lambda A: _native.columns("sharpe_ratio", A, None, _pd(period), _an(annualization), rf, 0.0))


def sortino_ratio(returns: Any, required_return: Any = 0, period: str = "daily", annualization: Optional[float] = None,
                  out: Optional[np.ndarray] = None, _downside_risk: Any = None) -> Any:
    """Annualised Sortino ratio: mean(r - req) * P / downside_risk; per column for 2-D input. ``_downside_risk``
    (empyrical's): the annualised downside risk to divide by instead of computing it (one per column, or one
    for all)."""
    if _downside_risk is not None:
        return _sortino_given_downside(returns, required_return, period, annualization, out, _downside_risk)
    if out is None and type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and \
            returns.flags.c_contiguous and returns.flags.aligned and returns.shape[0] and type(required_return) in _NUM:
        return _native.sortino_ratio(returns, _pd(period), _an(annualization), 0.0, _real("required_return", required_return))
    r, req = _c.adjust(returns, required_return)
    return _c.reduce1(lambda a: _native.sortino_ratio(a, _pd(period), _an(annualization), 0.0, req), r, out,
                      cols=lambda A: _native.columns("sortino_ratio", A, None, _pd(period), _an(annualization), 0.0, req))


def _sortino_given_downside(returns: Any, required_return: Any, period: str, annualization: Optional[float],
                            out: Optional[np.ndarray], downside: Any) -> Any:
    """:func:`sortino_ratio` with empyrical's ``_downside_risk``: one native call per column."""
    r, req = _c.adjust(returns, required_return)
    a = _c.values(r, "returns")
    d = _c.values(downside, "_downside_risk")

    def fn(col: np.ndarray, dr: float) -> float:
        return _native.sortino_ratio_given_downside(col, dr, _pd(period), _an(annualization), req)

    if a.ndim == 1:
        if d.size != 1:
            raise InvalidInputError(f"_downside_risk must be one number for a 1-D series, got shape {d.shape}")
        v = fn(a, float(d.reshape(-1)[0])) if a.shape[0] else _NAN
        if out is not None:
            out[()] = v
        return v
    k = a.shape[1]
    try:
        d = np.broadcast_to(d.reshape(-1) if d.size == 1 else d, (k,))
    except ValueError:
        raise InvalidInputError(f"_downside_risk of shape {d.shape} does not match {k} columns") from None
    res = np.empty(k) if out is None else out
    cols = _c.columns_of(a)
    for j in range(k):
        res[j] = fn(cols[:, j], float(d[j])) if a.shape[0] else _NAN
    return _c.finish(r, res, out)


def downside_risk(returns: Any, required_return: Any = 0, period: str = "daily", annualization: Optional[float] = None,
                  out: Optional[np.ndarray] = None) -> Any:
    """Annualised downside deviation: sqrt(mean(min(r - req, 0)^2)) * sqrt(P); per column for 2-D input."""
    if out is None and type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and \
            returns.flags.c_contiguous and returns.flags.aligned and returns.shape[0] and type(required_return) in _NUM:
        return _native.downside_risk(returns, _pd(period), _an(annualization), 0.0, _real("required_return", required_return))
    r, req = _c.adjust(returns, required_return)
    return _c.reduce1(lambda a: _native.downside_risk(a, _pd(period), _an(annualization), 0.0, req), r, out,
                      cols=lambda A: _native.columns("downside_risk", A, None, _pd(period), _an(annualization), 0.0, req))


def max_drawdown(returns: Any, out: Optional[np.ndarray] = None) -> Any:
    """Maximum drawdown of compounded wealth (<= 0); the starting capital counts as a peak."""
    if out is None and type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and \
            returns.flags.c_contiguous and returns.flags.aligned and returns.shape[0]:
        return _native.max_drawdown(returns)
    return _c.reduce1(_native.max_drawdown, returns, out, cols=lambda A: _native.columns("max_drawdown", A))


def annual_return(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> Any:
    """CAGR: prod(1 + r) ** (P / n) - 1, n counting NaN periods."""
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0]:
        return _native.annual_return(returns, _pd(period), _an(annualization))
    return _c.reduce1(lambda a: _native.annual_return(a, _pd(period), _an(annualization)), returns,
                      cols=lambda A: _native.columns("annual_return", A, None, _pd(period), _an(annualization)))


def cagr(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> Any:
    """Alias of :func:`annual_return`."""
    return annual_return(returns, period, annualization)


def annual_volatility(returns: Any, period: str = "daily", alpha: float = 2.0, annualization: Optional[float] = None,
                      out: Optional[np.ndarray] = None) -> Any:
    """Annualised volatility: std(r, ddof=1) * P ** (1 / alpha) (alpha = 2: square-root-of-time)."""
    if alpha != 2.0:
        al = _real("alpha", alpha)
        return _c.reduce1(lambda a: _native.annual_volatility_alpha(a, al, _pd(period), _an(annualization)), returns,
                          out, label=False)
    if out is None and type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and \
            returns.flags.c_contiguous and returns.flags.aligned and returns.shape[0]:
        return _native.annual_volatility(returns, _pd(period), _an(annualization))
    return _c.reduce1(lambda a: _native.annual_volatility(a, _pd(period), _an(annualization)), returns, out, label=False,
                      cols=lambda A: _native.columns("annual_volatility", A, None, _pd(period), _an(annualization)))


def calmar_ratio(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> Any:
    """annual_return / |max_drawdown|; NaN without a drawdown."""
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0]:
        return _native.calmar_ratio(returns, _pd(period), _an(annualization))
    return _c.reduce1(lambda a: _native.calmar_ratio(a, _pd(period), _an(annualization)), returns,
                      cols=lambda A: _native.columns("calmar_ratio", A, None, _pd(period), _an(annualization)))


def omega_ratio(returns: Any, risk_free: Any = 0.0, required_return: float = 0.0, annualization: float = 252) -> Any:
    """Omega ratio with an annual required return (empyrical).

    A 2-D array gives one number over all its values, as empyrical (its boolean masks flatten the matrix);
    fewer than 2 rows give NaN, as empyrical's ``len(returns) < 2``. A DataFrame is refused
    (``InvalidInputError`` naming ``returns``): empyrical's builtin ``sum`` of a masked DataFrame adds up the
    column labels (NaN for numeric labels, a TypeError for strings) — an accident, not a result. Pass
    ``df.to_numpy()`` for the pooled ratio, or ``df.apply(omega_ratio)`` for one per column."""
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0] and type(risk_free) in _NUM \
            and type(required_return) in _NUM and type(annualization) in _NUM:
        return _native.omega_ratio(returns, float(risk_free), float(required_return), float(annualization))
    if _c.is_frame(returns):
        raise InvalidInputError(
            f"returns must be a Series or an array for omega_ratio, got a DataFrame of shape {returns.shape}: "
            "pass df.to_numpy() for one ratio over all values (empyrical's answer for a 2-D array) or "
            "df.apply(omega_ratio) for one per column")
    r, rf = _c.adjust(returns, risk_free)
    rr = _real("required_return", required_return)
    a = _c.values(r)
    if a.ndim == 2:
        if a.shape[0] < 2:
            return _NAN
        a = _c.flat(a)
    return _native.omega_ratio(a, rf, rr, float(annualization)) if a.shape[0] else _NAN


def tail_ratio(returns: Any) -> Any:
    """|95th percentile| / |5th percentile|; of a 2-D input (array or DataFrame) one number over all its
    values, as empyrical (its NaN filter flattens the matrix before ``np.percentile``)."""
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0]:
        return _native.tail_ratio(returns)
    a = _c.flat(returns)
    return _native.tail_ratio(a) if a.shape[0] else _NAN


def value_at_risk(returns: Any, cutoff: float = 0.05, method: str = "historical") -> Any:
    """Value at risk at ``cutoff``: ``method='historical'`` (empyrical, numpy's linear percentile, cutoff in
    [0, 1]) or ``'gaussian'`` (quantstats, cutoff in (0, 1))."""
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0]:
        return _native.value_at_risk("var", returns, _real("cutoff", cutoff), _name("method", method))
    a = _c.flat(returns)  # 2-D: all values, as empyrical's np.percentile without an axis
    return _native.value_at_risk("var", a, _real("cutoff", cutoff), _name("method", method)) if a.shape[0] else _NAN


def conditional_value_at_risk(returns: Any, cutoff: float = 0.05, method: str = "historical") -> Any:
    """Expected shortfall at ``cutoff``: ``'historical'`` (empyrical) or ``'gaussian'`` (quantstats)."""
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0]:
        return _native.value_at_risk("cvar", returns, _real("cutoff", cutoff), _name("method", method))
    a = _c.flat(returns)  # 2-D: all values, as empyrical (its NaN filter flattens)
    return _native.value_at_risk("cvar", a, _real("cutoff", cutoff), _name("method", method)) if a.shape[0] else _NAN


def stability_of_timeseries(returns: Any) -> Any:
    """R^2 of a linear fit of cumulative log returns against time.

    A 2-D input of one column is that column (as empyrical); fewer than 2 rows give NaN (as empyrical). A 2-D
    input of several columns is refused (``InvalidInputError`` naming ``returns``): empyrical flattens it row
    by row and fits one line through the interleaved columns — an accident, not a result. Use
    ``df.apply(stability_of_timeseries)`` (or a loop over the columns) for one value per column."""
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0]:
        return _native.stability_of_timeseries(returns)
    a = _c.values(returns)
    if a.ndim == 2:
        if a.shape[0] < 2:
            return _NAN
        if a.shape[1] != 1:
            raise InvalidInputError(
                f"returns must be 1-D or one column for stability_of_timeseries, got shape {a.shape}: empyrical "
                "fits one line through the columns interleaved row by row; apply it per column instead")
        a = np.ascontiguousarray(a[:, 0])
    return _native.stability_of_timeseries(a) if a.shape[0] else _NAN


def cum_returns(returns: Any, starting_value: float = 0, out: Optional[np.ndarray] = None) -> Any:
    """Cumulative compounded returns, same shape and labels as the input (NaN counts as a zero return)."""
    sv = float(starting_value)
    if out is None and type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and \
            returns.flags.c_contiguous and returns.flags.aligned and returns.shape[0]:
        return _native.cum_returns(returns, sv)
    a = _c.values(returns)
    if a.shape[0] == 0:
        return returns.copy() if hasattr(returns, "copy") else a.copy()
    if a.ndim == 1:
        res = _native.cum_returns(a, sv)
        if out is not None:
            out[...] = res
            return out
        return _like(returns, res)
    res = _native.cum_returns_columns(a, sv)  # every column in one native call (Fortran-ordered result)
    if out is not None:
        out[...] = res
        res = out
    if out is None and _c.is_frame(returns):
        import pandas as pd

        return pd.DataFrame(res, index=returns.index, columns=returns.columns)
    return res


def cum_returns_final(returns: Any, starting_value: float = 0) -> Any:
    """Final cumulative return (per column for 2-D input); NaN for an empty series."""
    sv = float(starting_value)
    if type(returns) is _ND and returns.dtype is _F64 and returns.ndim == 1 and returns.flags.c_contiguous \
            and returns.flags.aligned and returns.shape[0]:
        return _native.cum_returns_final(returns, sv)
    cols = (lambda A: _native.columns("cum_returns_final", A)) if sv == 0.0 else None
    return _c.reduce1(lambda a: _native.cum_returns_final(a, sv), returns, cols=cols)


def drawdown_series(returns: Any, out: Optional[np.ndarray] = None) -> Any:
    """Drawdown from the running peak of compounded wealth (the starting capital is a peak), one value per
    return. ``out`` (one row longer than the input, empyrical's layout) receives 0 then the drawdowns."""
    a = _c.values(returns)
    res = np.empty(a.shape, order="F")
    if a.shape[0]:
        if a.ndim == 1:
            res[:] = _native.drawdown_series(a)
        else:
            a = _c.columns_of(a)
            for j in range(a.shape[1]):
                res[:, j] = _native.drawdown_series(a[:, j])
    if out is not None:
        out[0] = 0.0
        out[1:] = res
        return out[1:]
    if _c.is_frame(returns):
        import pandas as pd

        return pd.DataFrame(res, index=returns.index, columns=returns.columns)
    return _like(returns, res)


def excess_sharpe(returns: Any, factor_returns: Any, out: Optional[np.ndarray] = None) -> Any:
    """Per-period mean(r - b) / std(r - b, ddof=1); per column for 2-D input."""
    if out is None and _fast(returns) and _fast(factor_returns):
        return _native.excess_sharpe(returns, factor_returns)
    return _c.reduce2(_native.excess_sharpe, returns, factor_returns, out, label=False, name="excess_sharpe")


def _ab(which: str, period: str, annualization: Optional[float], risk_free: float,
        compound: bool) -> "Callable[[np.ndarray, np.ndarray], Tuple[float, float]]":
    def f(a: np.ndarray, b: np.ndarray) -> "tuple[float, float]":
        return _native.alpha_beta(which, a, b, _pd(period), _an(annualization), _real("risk_free", risk_free), compound)
    return f


def _alpha_beta(which: str, returns: Any, factor_returns: Any, risk_free: float, period: str,
                annualization: Optional[float], out: Optional[np.ndarray], compound: bool,
                aligned: bool) -> np.ndarray:
    if not aligned:
        returns, factor_returns = _c.align(returns, factor_returns)
    r = _c.values(returns, "returns")
    b = _c.values(factor_returns, "factor_returns")
    res = np.empty(2) if out is None else out
    if r.ndim != 1 or b.ndim != 1:
        raise InvalidInputError(f"alpha_beta: returns and factor_returns must be 1-D, got shapes {r.shape} and {b.shape}")
    res[:] = _ab(which, _pd(period), _an(annualization), risk_free, compound)(r, b) if r.shape[0] and b.shape[0] else _NAN
    return res


def alpha_beta(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
               annualization: Optional[float] = None, out: Optional[np.ndarray] = None,
               compound: bool = True) -> np.ndarray:
    """[alpha, beta]; alpha compounded as empyrical (``compound=False``: (mean(r) - beta*mean(b)) * P)."""
    return _alpha_beta("all", returns, factor_returns, risk_free, period, annualization, out, compound, False)


def alpha_beta_aligned(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
                       annualization: Optional[float] = None, out: Optional[np.ndarray] = None,
                       compound: bool = True) -> np.ndarray:
    """:func:`alpha_beta` for inputs already aligned (no index join)."""
    return _alpha_beta("all", returns, factor_returns, risk_free, period, annualization, out, compound, True)


def _alpha_or_beta(i: int, returns: Any, factor_returns: Any, risk_free: float, period: str,
                   annualization: Optional[float], out: Optional[np.ndarray], compound: bool, aligned: bool) -> Any:
    f = _ab("all", _pd(period), _an(annualization), risk_free, compound)
    return _c.reduce2(lambda a, b: f(a, b)[i], returns, factor_returns, out, aligned=aligned)


def alpha(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
          annualization: Optional[float] = None, out: Optional[np.ndarray] = None, compound: bool = True) -> Any:
    """Annualised alpha (see :func:`alpha_beta`); per column for 2-D input."""
    return _alpha_or_beta(0, returns, factor_returns, risk_free, period, annualization, out, compound, False)


def alpha_aligned(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
                  annualization: Optional[float] = None, out: Optional[np.ndarray] = None,
                  compound: bool = True) -> Any:
    """:func:`alpha` for inputs already aligned (no index join)."""
    return _alpha_or_beta(0, returns, factor_returns, risk_free, period, annualization, out, compound, True)


def beta(returns: Any, factor_returns: Any, risk_free: float = 0.0, out: Optional[np.ndarray] = None) -> Any:
    """cov(r, b) / var(b); per column for 2-D input."""
    if out is None and _fast(returns) and _fast(factor_returns):
        return _native.beta(returns, factor_returns, "daily", None, _real("risk_free", risk_free))
    return _c.reduce2(lambda a, b: _native.beta(a, b, "daily", None, _real("risk_free", risk_free)), returns, factor_returns, out,
                      label=False, name="beta", risk_free=float(risk_free))


def beta_aligned(returns: Any, factor_returns: Any, risk_free: float = 0.0, out: Optional[np.ndarray] = None) -> Any:
    """:func:`beta` for inputs already aligned (no index join)."""
    return _c.reduce2(lambda a, b: _native.beta(a, b, "daily", None, _real("risk_free", risk_free)), returns, factor_returns, out,
                      aligned=True, label=False)


def up_alpha_beta(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
                  annualization: Optional[float] = None, out: Optional[np.ndarray] = None,
                  compound: bool = True) -> np.ndarray:
    """[alpha, beta] over the periods where the benchmark rose."""
    return _alpha_beta("up", returns, factor_returns, risk_free, period, annualization, out, compound, False)


def down_alpha_beta(returns: Any, factor_returns: Any, risk_free: float = 0.0, period: str = "daily",
                    annualization: Optional[float] = None, out: Optional[np.ndarray] = None,
                    compound: bool = True) -> np.ndarray:
    """[alpha, beta] over the periods where the benchmark fell."""
    return _alpha_beta("down", returns, factor_returns, risk_free, period, annualization, out, compound, False)


def _fast2(a: Any, b: Any) -> bool:
    """Two non-empty contiguous, aligned 1-D float64 ndarrays: the native pair functions take them as they
    are (a length mismatch is the native call's error, as on the general path)."""
    return (type(a) is _ND and type(b) is _ND and a.dtype is _F64 and b.dtype is _F64 and a.ndim == 1
            and b.ndim == 1 and a.flags.c_contiguous and b.flags.c_contiguous and a.flags.aligned
            and b.flags.aligned and a.shape[0] > 0 and b.shape[0] > 0)


def capture(returns: Any, factor_returns: Any, period: str = "daily") -> Any:
    """annual_return(r) / annual_return(b)."""
    if _fast2(returns, factor_returns) and type(period) is str:
        return _native.capture(returns, factor_returns, period)
    return _c.reduce2(lambda a, b: _native.capture(a, b, period), returns, factor_returns, name="capture",
                      period=period)


def up_capture(returns: Any, factor_returns: Any, period: str = "daily") -> Any:
    """Capture over the periods with b > 0; per column for 2-D input."""
    if _fast2(returns, factor_returns) and type(period) is str:
        return _native.up_capture(returns, factor_returns, period)
    return _c.reduce2(lambda a, b: _native.up_capture(a, b, period), returns, factor_returns, name="up_capture",
                      period=period)


def down_capture(returns: Any, factor_returns: Any, period: str = "daily") -> Any:
    """Capture over the periods with b < 0; per column for 2-D input."""
    if _fast2(returns, factor_returns) and type(period) is str:
        return _native.down_capture(returns, factor_returns, period)
    return _c.reduce2(lambda a, b: _native.down_capture(a, b, period), returns, factor_returns,
                      name="down_capture", period=period)


def up_down_capture(returns: Any, factor_returns: Any, period: str = "daily") -> Any:
    """up_capture / down_capture; per column for 2-D input."""
    if _fast2(returns, factor_returns) and type(period) is str:
        return _native.up_down_capture(returns, factor_returns, period)
    return _c.reduce2(lambda a, b: _native.up_down_capture(a, b, period), returns, factor_returns,
                      name="up_down_capture", period=period)


def batting_average(returns: Any, factor_returns: Any) -> Any:
    """Shares of periods beating the benchmark: overall, up market, down market (a pandas Series as empyrical)."""
    r, b = _pair(returns, factor_returns)
    values = _native.batting_average(r, b) if r.shape[0] and b.shape[0] else (_NAN, _NAN, _NAN)
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
    return _native.tracking_error(*_pair(returns, factor_returns), _pd(period), _an(annualization))


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
        return _native.summary(_as_1d(returns, "returns"), None, _pd(period), _an(annualization), _real("risk_free", risk_free),
                               float(required_return), float(cutoff))
    r, b = _pair(returns, factor_returns)
    return _native.summary(r, b, _pd(period), _an(annualization), _real("risk_free", risk_free), _real("required_return", required_return), _real("cutoff", cutoff))


def core_metrics(returns: Any, period: str = "daily", annualization: Optional[float] = None) -> "dict[str, float]":
    """Sharpe, Sortino, max drawdown, annual return and volatility from one fused pass."""
    keys = ("sharpe_ratio", "sortino_ratio", "max_drawdown", "annual_return", "annual_volatility")
    return dict(zip(keys, _native.core_metrics(_as_1d(returns, "returns"), _pd(period), _an(annualization))))


# --- rolling metrics (empyrical: n - w + 1 windows with w = min(window, n); none for an empty input) ---


def _check_window(window: Any) -> int:
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise InvalidInputError(f"window must be an integer >= 1, got {window!r}")
    return int(window)


def _roll(name: str, returns: Any, window: int, **kwargs: Any) -> Any:
    w = _check_window(window)
    r = _as_1d(returns, "returns")
    res = _native.roll(name, r, w, **kwargs) if r.shape[0] else np.empty(0)
    return _like(returns, res)


def _roll_pair(name: str, returns: Any, factor_returns: Any, window: int, full_windows: bool = False,
               **kwargs: Any) -> Any:
    """``full_windows``: no value when the series is shorter than the window (empyrical's capture rolls);
    otherwise one window of all n values (its vectorised rolls)."""
    w = _check_window(window)
    returns, factor_returns = _c.align(returns, factor_returns)
    r, b = _as_1d(returns, "returns"), _as_1d(factor_returns, "factor_returns")
    if r.shape[0] == 0 or b.shape[0] == 0 or (full_windows and r.shape[0] < w):
        res = np.empty(0)
    else:
        res = _native.roll_pair(name, r, b, w, **kwargs)
    return _like(returns, res)


def roll_sharpe_ratio(returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Sharpe ratio over each trailing window (n - window + 1 values)."""
    return _roll("sharpe_ratio", returns, window, **kwargs)


def roll_sortino_ratio(returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Rolling Sortino ratio."""
    return _roll("sortino_ratio", returns, window, **kwargs)


def roll_max_drawdown(returns: Any, window: int = 10) -> Any:
    """Rolling maximum drawdown."""
    return _roll("max_drawdown", returns, window)


def roll_annual_volatility(returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Rolling annual volatility."""
    return _roll("annual_volatility", returns, window, **kwargs)


def roll_annual_return(returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Rolling CAGR."""
    return _roll("annual_return", returns, window, **kwargs)


roll_cagr = roll_annual_return


def roll_downside_risk(returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Rolling downside risk."""
    return _roll("downside_risk", returns, window, **kwargs)


def roll_excess_sharpe(returns: Any, factor_returns: Any, window: int = 10) -> Any:
    """Rolling excess Sharpe."""
    return _roll_pair("excess_sharpe", returns, factor_returns, window)


def roll_beta(returns: Any, factor_returns: Any, window: int = 10) -> Any:
    """Rolling beta."""
    return _roll_pair("beta", returns, factor_returns, window)


roll_beta_aligned = roll_beta


def roll_up_capture(returns: Any, factor_returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Rolling up capture."""
    return _roll_pair("up_capture", returns, factor_returns, window, full_windows=True, **kwargs)


def roll_down_capture(returns: Any, factor_returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Rolling down capture."""
    return _roll_pair("down_capture", returns, factor_returns, window, full_windows=True, **kwargs)


def roll_up_down_capture(returns: Any, factor_returns: Any, window: int = 10, **kwargs: Any) -> Any:
    """Rolling up/down capture."""
    return _roll_pair("up_down_capture", returns, factor_returns, window, full_windows=True, **kwargs)


def _roll_ab(returns: Any, factor_returns: Any, window: int, risk_free: float, period: str,
             annualization: Optional[float], aligned: bool) -> "tuple[Any, np.ndarray]":
    w = _check_window(window)
    if not aligned:
        returns, factor_returns = _c.align(returns, factor_returns)
    r = _as_1d(returns, "returns")
    b = _as_1d(factor_returns, "factor_returns")
    if r.shape[0] == 0 and b.shape[0] == 0:
        return returns, np.empty((0, 2))
    if r.shape[0] == 0 or b.shape[0] == 0:  # empyrical: an empty side gives NaN windows over the other
        n = max(r.shape[0], b.shape[0])
        return (returns if r.shape[0] else factor_returns), np.full((n - min(w, n) + 1, 2), _NAN)
    return returns, _native.roll_alpha_beta(r, b, w, _pd(period), _an(annualization), _real("risk_free", risk_free)).reshape(-1, 2)


def roll_alpha_beta(returns: Any, factor_returns: Any, window: int = 10, risk_free: float = 0.0,
                    period: str = "daily", annualization: Optional[float] = None) -> Any:
    """[alpha, beta] over each trailing window: an (n - w + 1) x 2 array (a DataFrame for a Series input)."""
    template, res = _roll_ab(returns, factor_returns, window, risk_free, _pd(period), _an(annualization), False)
    return _c.empty_like_index(template, res) if _is_series(template) else res


def roll_alpha_beta_aligned(returns: Any, factor_returns: Any, window: int = 10, risk_free: float = 0.0,
                            period: str = "daily", annualization: Optional[float] = None) -> Any:
    """:func:`roll_alpha_beta` for inputs already aligned (no index join)."""
    template, res = _roll_ab(returns, factor_returns, window, risk_free, _pd(period), _an(annualization), True)
    return _c.empty_like_index(template, res) if _is_series(template) else res


def roll_alpha(returns: Any, factor_returns: Any, window: int = 10, risk_free: float = 0.0,
               period: str = "daily", annualization: Optional[float] = None) -> Any:
    """Alpha over each trailing window."""
    template, res = _roll_ab(returns, factor_returns, window, risk_free, _pd(period), _an(annualization), False)
    return _like(template, np.ascontiguousarray(res[:, 0]))


def roll_alpha_aligned(returns: Any, factor_returns: Any, window: int = 10, risk_free: float = 0.0,
                       period: str = "daily", annualization: Optional[float] = None) -> Any:
    """:func:`roll_alpha` for inputs already aligned (no index join)."""
    template, res = _roll_ab(returns, factor_returns, window, risk_free, _pd(period), _an(annualization), True)
    return _like(template, np.ascontiguousarray(res[:, 0]))


# --- empyrical's remaining functions -----------------------------------------


def simple_returns(prices: Any) -> Any:
    """Simple returns ``(p_t - p_{t-1}) / p_{t-1}`` (one row fewer; per column for 2-D input). Integer prices
    are differenced exactly before the division; a zero price gives ±inf or NaN as numpy's division does."""
    if _c.is_pandas(prices):
        a = _c.values(prices, "prices")
        res = _c.simple_returns_values(a)
        import pandas as pd

        if _c.is_frame(prices):
            return pd.DataFrame(res, index=prices.index[1:], columns=prices.columns)
        return pd.Series(res, index=prices.index[1:], name=prices.name)
    a = prices if isinstance(prices, np.ndarray) else np.asarray(prices)
    if a.dtype.kind in "iub":
        return _c.simple_returns_integer(a)
    return _c.simple_returns_values(_c.values(a, "prices"))


def aggregate_returns(returns: Any, convert_to: str) -> Any:
    """Compounded returns per ISO week, month, quarter or year of a Series with a DatetimeIndex
    (index: (year, period) tuples, or the year for ``'yearly'``)."""
    import pandas as pd

    if not _is_series(returns) or not isinstance(returns.index, pd.DatetimeIndex):
        raise InvalidInputError("returns must be a pandas Series with a DatetimeIndex")
    if convert_to not in (WEEKLY, MONTHLY, QUARTERLY, YEARLY):
        raise InvalidInputError(f"convert_to must be {WEEKLY}, {MONTHLY}, {QUARTERLY} or {YEARLY}, got {convert_to!r}")
    idx = returns.index
    if idx.tz is not None:
        idx = idx.tz_localize(None)  # calendar fields of the local wall time, as pandas' .year/.month
    order = np.argsort(idx.asi8, kind="stable")
    ts = np.ascontiguousarray(idx.as_unit("s").asi8[order])
    r = np.ascontiguousarray(_as_1d(returns, "returns")[order])
    if r.shape[0] == 0:
        return pd.Series([], dtype=float)
    years, periods, vals = _native.aggregate_returns(r, ts, convert_to)
    if convert_to == YEARLY:
        return pd.Series(vals, index=pd.Index(years))
    return pd.Series(vals, index=pd.MultiIndex.from_arrays([years, periods]))


def beta_fragility_heuristic(returns: Any, factor_returns: Any) -> float:
    """Fragility to a drop in beta (IMF WP/12/216): with pairs sorted by the benchmark, the convex combination
    of the lowest- and highest-benchmark returns at the median benchmark minus the median pair's return.
    NaN with fewer than 3 complete pairs."""
    r, b = _pair(returns, factor_returns)
    return _native.beta_fragility_heuristic(r, b) if r.shape[0] == b.shape[0] else _NAN


def beta_fragility_heuristic_aligned(returns: Any, factor_returns: Any) -> float:
    """:func:`beta_fragility_heuristic` for inputs already aligned (no index join)."""
    r = _as_1d(returns, "returns")
    b = _as_1d(factor_returns, "factor_returns")
    return _native.beta_fragility_heuristic(r, b)


def gpd_risk_estimates(returns: Any, var_p: float = 0.01) -> Any:
    """[threshold, scale, shape, VaR, ES] of a Generalized Pareto fit of the loss tail (Gilli & Kellezi);
    zeros when no fit with a positive shape and VaR is found; ES is +inf for a shape >= 1."""
    res = np.array(_native.gpd_risk_estimates(_as_1d(returns, "returns"), float(var_p)))
    if _is_series(returns):
        import pandas as pd

        return pd.Series(res)
    return res


gpd_risk_estimates_aligned = gpd_risk_estimates


def gpd_es_calculator(var_estimate: float, threshold: float, scale_param: float, shape_param: float) -> float:
    """Expected shortfall of a GPD tail beyond ``var_estimate``; +inf for ``shape_param >= 1``."""
    return _native.gpd_es(float(var_estimate), float(threshold), float(scale_param), float(shape_param))


def gpd_var_calculator(threshold: float, scale_param: float, shape_param: float, probability: float,
                       total_n: int, exceedance_n: int) -> float:
    """VaR of a GPD tail at ``probability`` (0 without exceedances or with a non-positive shape)."""
    return _native.gpd_var(float(threshold), float(scale_param), float(shape_param), float(probability),
                           int(total_n), int(exceedance_n))


def compute_exposures(positions: Any, factor_loadings: Any) -> Any:
    """Daily risk-factor exposures of a portfolio: per date, the position-weighted sum of the factor loadings.

    ``positions``: a Series indexed by (date, ticker); ``factor_loadings``: a DataFrame with the same kind of
    index and one column per factor. The two are matched on (date, ticker) (pandas' outer join); a missing
    side contributes nothing. Returns a DataFrame indexed by the sorted dates (named ``dt``)."""
    import pandas as pd

    if not _is_series(positions) or not _c.is_frame(factor_loadings):
        raise InvalidInputError("positions must be a pandas Series and factor_loadings a DataFrame, "
                                f"got {type(positions).__name__} and {type(factor_loadings).__name__}")
    loadings, weights = factor_loadings.align(positions, join="outer", axis=0)
    codes, dates = pd.factorize(loadings.index.get_level_values(0), sort=True)
    cols = np.asfortranarray(loadings.to_numpy(dtype=np.float64, na_value=np.nan))
    sums = _native.group_weighted_sums(np.ascontiguousarray(codes, dtype=np.int64),
                                       np.ascontiguousarray(weights.to_numpy(dtype=np.float64, na_value=np.nan)),
                                       np.ravel(cols, order="F"), len(dates))
    index = pd.Index(dates, name="dt") if not isinstance(dates, pd.Index) else dates.rename("dt")
    return pd.DataFrame(sums.reshape(len(dates), -1, order="F"), index=index, columns=loadings.columns)


def perf_attrib(returns: Any, positions: Any, factor_returns: Any, factor_loadings: Any) -> "tuple[Any, Any]":
    """Performance attribution to risk factors (empyrical ``perf_attrib``).

    Returns ``(exposures, attribution)``: the daily factor exposures (:func:`compute_exposures`) and a DataFrame
    with each factor's contribution (exposure x factor return), ``total_returns``, ``common_returns`` (the sum of
    the contributions), ``specific_returns`` (total - common), ``tilt_returns`` (factor returns x the mean
    exposure) and ``timing_returns`` (common - tilt). Factor data outside the returns' date range is ignored."""
    import pandas as pd

    if not _is_series(returns) or len(returns) == 0:
        raise InvalidInputError("returns must be a non-empty pandas Series indexed by date")
    freq = getattr(returns.index, "freq", None)
    start, end = returns.index[0], returns.index[-1]
    factor_returns = factor_returns.loc[start:end]
    factor_loadings = factor_loadings.loc[start:end].copy()
    factor_loadings.index = factor_loadings.index.set_names(["dt", "ticker"])
    positions = positions.copy()
    positions.index = positions.index.set_names(["dt", "ticker"])
    exposures = compute_exposures(positions, factor_loadings)
    if freq is not None:
        exposures = exposures.asfreq(freq)
    by_factor = exposures.multiply(factor_returns)
    common = by_factor.sum(axis="columns")
    tilt = factor_returns.multiply(exposures.mean()).sum(axis="columns")
    parts = pd.DataFrame({"total_returns": returns, "common_returns": common,
                          "specific_returns": returns - common, "tilt_returns": tilt,
                          "timing_returns": common - tilt})
    return exposures, pd.concat([by_factor, parts], axis="columns", sort=False)


# --- promotion statistics -------------------------------------------------


def probabilistic_sharpe_ratio(returns: Any, sr_benchmark: float = 0.0, convention: str = "paper",
                               risk_free: float = 0.0) -> float:
    """Probability that the true per-period Sharpe exceeds ``sr_benchmark`` (Bailey & Lopez de Prado 2012).

    ``convention='paper'`` evaluates the estimator's variance at the observed SR with T-1 (quantstats, ffn);
    ``'variance_at_benchmark'`` at SR* with T (jsharpe).
    """
    return _native.probabilistic_sharpe_ratio(_as_1d(returns, "returns"), _real("sr_benchmark", sr_benchmark),
                                              _name("convention", convention), _real("risk_free", risk_free))


def deflated_sharpe_ratio(returns: Any, trial_sharpes: Any, convention: str = "paper", risk_free: float = 0.0) -> float:
    """PSR against the expected maximum Sharpe of ``len(trial_sharpes)`` trials (per-period Sharpe ratios)."""
    return _native.deflated_sharpe_ratio(_as_1d(returns, "returns"), _as_1d(trial_sharpes, "trial_sharpes"),
                                         _name("convention", convention), _real("risk_free", risk_free))


def min_track_record_length(returns: Any, sr_benchmark: float = 0.0, alpha: float = 0.05, convention: str = "paper",
                            risk_free: float = 0.0) -> float:
    """Observations needed for the Sharpe ratio to exceed ``sr_benchmark`` at confidence 1 - alpha."""
    return _native.min_track_record_length(_as_1d(returns, "returns"), _real("sr_benchmark", sr_benchmark),
                                           _real("alpha", alpha), _name("convention", convention),
                                           _real("risk_free", risk_free))


class PboResult:
    """Result of :func:`probability_of_backtest_overfitting`."""

    __slots__ = ("pbo", "logits", "mean_oos_rank", "n_combinations", "n_blocks", "n_rows_used", "winners",
                 "is_performance", "oos_performance", "prob_loss", "degradation")
    pbo: float
    logits: np.ndarray
    mean_oos_rank: float
    n_combinations: int
    n_blocks: int
    n_rows_used: int
    winners: List[int]
    is_performance: np.ndarray
    oos_performance: np.ndarray
    prob_loss: float
    degradation: Tuple[float, float, float]

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
    if not (m.flags.c_contiguous or m.flags.f_contiguous):
        m = np.ascontiguousarray(m)  # the native side reads C or Fortran order as it is
    return PboResult(_native.probability_of_backtest_overfitting(m, int(n_blocks)))


class BootstrapInterval:
    """Result of :func:`bootstrap_ci`."""

    __slots__ = ("estimate", "lower", "upper", "confidence", "n_resamples", "std_error", "seed")
    estimate: float
    lower: float
    upper: float
    confidence: float
    n_resamples: int
    std_error: float
    seed: int

    def __init__(self, d: "dict[str, Any]") -> None:
        for k in self.__slots__:
            setattr(self, k, d[k])

    def __iter__(self) -> Iterator[float]:
        return iter((self.lower, self.upper))

    def __repr__(self) -> str:
        return f"BootstrapInterval(estimate={self.estimate:.6g}, lower={self.lower:.6g}, upper={self.upper:.6g})"


def bootstrap_ci(returns: Any, metric: str = "sharpe_ratio", n_resamples: int = 1000, method: str = "stationary",
                 confidence: float = 0.95, seed: Optional[int] = None, block_length: float = 10.0,
                 interval: str = "percentile", period: str = "daily",
                 annualization: Optional[float] = None) -> BootstrapInterval:
    """Bootstrap confidence interval of a metric.

    ``metric``: 'sharpe_ratio' (annualised), 'sharpe' (per period), 'mean', 'std', or any name of
    the crate's ``returns::Metric`` (the same names in every door): 'sortino_ratio', 'max_drawdown',
    'annual_return' (or 'cagr'), 'annual_volatility', 'calmar_ratio', 'downside_risk', 'tail_ratio',
    'stability_of_timeseries', 'cum_returns_final', 'win_rate', 'profit_factor'; any other name is an
    InvalidInputError listing them.
    ``method``: 'stationary' (Politis-Romano, mean block ``block_length``, like arch's
    StationaryBootstrap), 'circular' (blocks of ``block_length``) or 'iid'.
    ``interval``: 'percentile' or 'bca'. ``seed=None`` draws a fresh seed (reported in the result);
    the same seed reproduces the interval exactly, whatever the number of threads.
    """
    if seed is None:
        import secrets

        seed = secrets.randbits(63)
    return BootstrapInterval(_native.bootstrap_ci(_as_1d(returns, "returns"), _name("metric", metric),
                                                  _int("n_resamples", n_resamples), _name("method", method),
                                                  _real("block_length", block_length), _name("interval", interval),
                                                  _real("confidence", confidence), _int("seed", seed),
                                                  _pd(period), _an(annualization)))


# --- P&L attribution (Market NN Plus Ultra's report) ---------------------


class Attribution:
    """Result of :func:`attribution`: ``by_symbol`` (one dict per symbol: symbol, samples, sample_weight,
    average_return, cumulative_return, contribution — largest summed return first) and ``by_regime``
    (regime name → one dict per label: label, samples, sample_weight, average_return, cumulative_return,
    sharpe, hit_rate — most samples first)."""

    __slots__ = ("by_symbol", "by_regime")

    def __init__(self, by_symbol: "list[dict[str, Any]]", by_regime: "dict[str, list[dict[str, Any]]]") -> None:
        self.by_symbol = by_symbol
        self.by_regime = by_regime

    def to_frames(self) -> "tuple[Any, dict[str, Any]]":
        """The same as pandas DataFrames: (by_symbol, {regime: frame})."""
        import pandas as pd

        return (pd.DataFrame(self.by_symbol, columns=["symbol", "samples", "sample_weight", "average_return",
                                                      "cumulative_return", "contribution"]),
                {k: pd.DataFrame(v) for k, v in self.by_regime.items()})

    def __repr__(self) -> str:
        return f"Attribution(symbols={len(self.by_symbol)}, regimes={list(self.by_regime)})"


def _labels(column: Any) -> "list[Optional[str]]":
    """A label column as strings; None, NaN and pandas' NA are missing."""
    values = column.to_pylist() if hasattr(column, "to_pylist") else list(np.asarray(column, dtype=object))
    out: "list[Optional[str]]" = []
    for v in values:
        missing = v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NAType", "NaTType")
        out.append(None if missing else str(v))
    return out


def attribution(frame: Any, returns: str = "realised_return", symbol: Optional[str] = "symbol",
                regimes: Optional[Iterable[str]] = None) -> Attribution:
    """P&L attribution by symbol and by regime, as Market NN Plus Ultra's report computes it.

    ``frame``: a pandas DataFrame, a pyarrow Table or a dict of columns, one row per prediction/trade.
    ``returns``: the realised return (or P&L) column; NaN rows are left out. ``symbol``: the symbol column
    (None: no per-symbol rows); each symbol's ``contribution`` is its summed return over the total (0 when
    the total is 0). ``regimes``: the regime label columns (default: every column named ``regime__*``);
    per column, each label's samples, share, mean, summed return, per-period Sharpe (mean / population
    std) and hit rate. Computed by the crate (``returns::attribution``); formulas in docs/conventions.md.
    """
    names = list(frame.column_names) if hasattr(frame, "column_names") else list(
        frame.columns if hasattr(frame, "columns") else frame.keys())
    for param, col in (("returns", returns), ("symbol", symbol)):
        if col is not None and col not in names:
            raise InvalidInputError(f"{param} = {col!r}: no such column (columns: {names})")
    r = _as_1d(frame[returns], "returns")
    by_symbol = [] if symbol is None else _native.attribution_by_symbol(_labels(frame[symbol]), r)
    prefix = _native.ATTRIBUTION_REGIME_PREFIX
    cols = [c for c in names if str(c).startswith(prefix)] if regimes is None else list(regimes)
    for c in cols:
        if c not in names:
            raise InvalidInputError(f"regimes: {c!r} is not a column (columns: {names})")
    groups = _native.attribution_by_regime([(str(c), _labels(frame[c])) for c in cols], r)
    return Attribution(by_symbol, dict(groups))


# --- mergeable state (scale-out: Dask, Spark, partitioned files) ---------


def _real(name: str, value: Any) -> float:
    """A scalar option as float; anything else is an InvalidInputError naming the parameter."""
    if type(value) in _NUM:  # int / float exactly: no np.ndim (≈ 1 us per call)
        return float(value)
    if isinstance(value, (str, bytes)) or np.ndim(value) != 0:
        raise InvalidInputError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a real number, got {type(value).__name__} {value!r}") from None


def _int(name: str, value: Any) -> int:
    """An integer option; anything else (bool, float, str, None) is an InvalidInputError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


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

    def __reduce__(self) -> Tuple[Any, ...]:
        return (ReturnsState.from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReturnsState):
            return NotImplemented
        return self._s == other._s

    def __repr__(self) -> str:
        return f"ReturnsState(count={self.count}, n_nan={self.n_nan}, required_return={self.required_return!r})"
