"""The operations summary (Market NN Plus Ultra's ``operations_summary.json``), computed by the library —
the same document ``tradewarden report`` writes (``docs/cli.md``, schema ``docs/schemas/ops_summary.schema.json``).

    from tradewarden.report import operations_summary
    doc = operations_summary(returns, trades=trades_df, capital=1_000_000,
                             thresholds={"min_sharpe": 1.0, "max_gross_exposure": 1.5})
    for alert in doc["triggered"]:
        print(alert)

Thresholds are the seven fields of the seed's ``OperationsThresholds`` (``min_sharpe``, ``max_drawdown``,
``max_gross_exposure``, ``max_turnover``, ``min_tail_return``, ``max_tail_frequency``,
``max_symbol_exposure``); every rule, default and check lives in the Rust crate (``tradewarden::ops``).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from . import _native
from .errors import InvalidInputError
from .returns import _an, _as_1d, _pd, _real

__all__ = ["operations_summary"]


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
