"""The operations summary (Market NN Plus Ultra's ``operations_summary.json``), computed by the library —
the same document ``tradewarden report`` writes (``docs/cli.md``, schema ``docs/schemas/ops_summary.schema.json``).

    from tradewarden.report import operations_summary
    doc = operations_summary(returns, trades=trades_df, capital=1_000_000,
                             thresholds={"min_sharpe": 1.0, "max_gross_exposure": 1.5})
    for alert in doc["triggered"]:
        print(alert)

    from tradewarden.report import html_report
    page = html_report(returns, dates=returns.index, name="strategy")   # the page `tradewarden report` writes

Thresholds are the seven fields of the seed's ``OperationsThresholds`` (``min_sharpe``, ``max_drawdown``,
``max_gross_exposure``, ``max_turnover``, ``min_tail_return``, ``max_tail_frequency``,
``max_symbol_exposure``); every rule, default and check lives in the Rust crate (``tradewarden::ops``).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional, Union

from . import _native
from .errors import InvalidInputError
from .returns import _an, _as_1d, _pd, _real

__all__ = ["operations_summary", "html_report"]


def _arrow_stream(trades: Any) -> Any:
    """A trade log as an Arrow C stream producer: pyarrow tables (and any ``__arrow_c_stream__`` object)
    as they are; pandas DataFrames and dicts of columns through pyarrow."""
    mod = type(trades).__module__
    if hasattr(type(trades), "__arrow_c_stream__") and not mod.startswith("pandas"):
        return trades
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - pyarrow is a test dependency
        raise InvalidInputError("trades as a DataFrame or dict needs pyarrow (pip install pyarrow), "
                                "or pass a pyarrow Table") from e
    if mod.startswith("pandas"):
        return pa.Table.from_pandas(trades, preserve_index=False)
    if isinstance(trades, Mapping):
        return pa.table(dict(trades))
    raise InvalidInputError(f"trades must be a pandas DataFrame, a dict of columns or an Arrow table, "
                            f"got {type(trades).__name__}")


def operations_summary(returns: Any, factor_returns: Any = None, *, trades: Any = None, capital: float = 1.0,
                       tail_percentile: float = 5.0, thresholds: Optional[Mapping[str, float]] = None,
                       columns: Optional[Mapping[str, str]] = None, period: str = "daily",
                       annualization: Optional[float] = None, risk_free: float = 0.0, cutoff: float = 0.05,
                       nan_policy: str = "skip") -> Dict[str, Any]:
    """The operations summary document: ``risk`` (the seed's 17 keys, + 9 with ``factor_returns``),
    ``metrics``, ``guardrails`` (the nine exposure metrics, with ``trades``), ``triggered`` (alert strings in
    the seed's order and format), ``non_finite`` (why each ``None`` is not a number) and ``conventions``.

    ``trades``: pandas DataFrame, dict of columns or Arrow table with ``timestamp``, ``symbol``, ``pnl`` and
    ``notional`` (or ``position`` and ``price``); other names through ``columns`` (keys timestamp, symbol,
    notional, position, price, pnl). Exposure thresholds without ``trades`` raise ``InvalidInputError``.
    """
    if thresholds is not None and not isinstance(thresholds, Mapping):
        raise InvalidInputError(f"thresholds must be a dict, got {type(thresholds).__name__}")
    if columns is not None and not isinstance(columns, Mapping):
        raise InvalidInputError(f"columns must be a dict, got {type(columns).__name__}")
    r = _as_1d(returns, "returns")
    b = None if factor_returns is None else _as_1d(factor_returns, "factor_returns")
    stream = None if trades is None else _arrow_stream(trades)
    return _native.operations_summary(
        r, b, stream, _real("capital", capital), _real("tail_percentile", tail_percentile),
        {str(k): None if v is None else _real(str(k), v) for k, v in (thresholds or {}).items()},
        dict(columns or {}), _pd(period), _an(annualization),
        _real("risk_free", risk_free), _real("cutoff", cutoff), str(nan_policy))


def _unix_seconds(dates: Any) -> Any:
    """Dates as int64 Unix seconds (UTC): datetime64 arrays, pandas DatetimeIndex/Series (naive = UTC) or
    integers (already seconds)."""
    import numpy as np
    if hasattr(dates, "tz") and getattr(dates, "tz", None) is not None:  # tz-aware pandas: to UTC, naive
        dates = dates.tz_convert("UTC").tz_localize(None)
    if hasattr(dates, "to_numpy"):
        dates = dates.to_numpy()
    a = np.asarray(dates)
    if a.ndim != 1:
        raise InvalidInputError(f"dates must be 1-D, got an array of shape {a.shape}")
    if np.issubdtype(a.dtype, np.datetime64):
        if np.isnat(a).any():
            raise InvalidInputError("dates contain NaT")
        return np.ascontiguousarray(a.astype("datetime64[s]").astype(np.int64))
    if np.issubdtype(a.dtype, np.integer):
        return np.ascontiguousarray(a.astype(np.int64))
    raise InvalidInputError(f"dates must be datetime64 or integer Unix seconds, got dtype {a.dtype}")


def html_report(returns: Any, benchmark: Any = None, *, dates: Any = None, date_column: str = "date",
                missing_dates: str = "no dates given", name: str = "returns",
                benchmark_name: Optional[str] = None, trades: Any = None, capital: float = 1.0,
                tail_percentile: float = 5.0, thresholds: Optional[Mapping[str, float]] = None,
                columns: Optional[Mapping[str, str]] = None, period: str = "daily",
                annualization: Optional[float] = None, risk_free: float = 0.0, nan_policy: str = "error",
                drift: Any = None, journal: Optional[Union[str, "os.PathLike[str]"]] = None) -> str:
    """The HTML report page (``tradewarden::report``): the ``report.html`` that ``tradewarden report`` writes for
    the same series, names, dates and options — one self-contained page (inline CSS and SVG, no network),
    the same bytes for the same input.

    ``dates``: one per return (datetime64, a pandas DatetimeIndex, or int Unix seconds), shown as
    ``date_column``; without them the monthly heatmap is omitted with ``missing_dates`` as the reason (a
    pandas Series with a DatetimeIndex brings its own). ``thresholds``, ``trades``, ``capital``, ``columns``:
    as :func:`operations_summary`. ``drift``: a :class:`tradewarden.drift.DriftReport` (or its ``to_dict()``,
    validated) adds the drift section; ``journal``: a guardrail journal directory (``Session.journal_dir``)
    adds the guardrail-events section — as ``tradewarden report --drift-report/--journal``. Every text shown
    (names, alerts, symbols, features, journal reasons) is HTML-escaped.
    """
    if thresholds is not None and not isinstance(thresholds, Mapping):
        raise InvalidInputError(f"thresholds must be a dict, got {type(thresholds).__name__}")
    if columns is not None and not isinstance(columns, Mapping):
        raise InvalidInputError(f"columns must be a dict, got {type(columns).__name__}")
    if dates is None and type(returns).__module__.startswith("pandas") and hasattr(returns, "index") \
            and "datetime" in str(getattr(returns.index, "dtype", "")):
        dates = returns.index
    r = _as_1d(returns, "returns")
    b = None if benchmark is None else _as_1d(benchmark, "benchmark")
    d = None if dates is None else _unix_seconds(dates)
    stream = None if trades is None else _arrow_stream(trades)
    th: Optional[Dict[str, Optional[float]]] = None if thresholds is None else {
        str(k): None if v is None else _real(str(k), v) for k, v in thresholds.items()}
    drift_doc: Optional[Dict[str, Any]] = None
    if drift is not None:
        drift_doc = drift.to_dict() if hasattr(drift, "to_dict") else drift
        if not isinstance(drift_doc, Mapping):
            raise InvalidInputError(f"drift must be a DriftReport or a dict, got {type(drift).__name__}")
        drift_doc = dict(drift_doc)
    journal_dir = None if journal is None else os.fspath(journal)
    page: str = _native.html_report(
        r, b, d, str(date_column), str(missing_dates), str(name), None if benchmark_name is None else str(benchmark_name),
        stream, _real("capital", capital), _real("tail_percentile", tail_percentile), th,
        dict(columns or {}), _pd(period), _an(annualization), _real("risk_free", risk_free),
        str(nan_policy), drift_doc, journal_dir)
    return page
