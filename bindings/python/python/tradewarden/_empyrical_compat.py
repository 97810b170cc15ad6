"""empyrical's input and output conventions for :mod:`tradewarden.returns` (private).

The arithmetic stays in the native module; this file only shapes inputs and outputs as empyrical does:
NaN for empty input, one result per column for 2-D input (a pandas Series labelled by the columns for a
DataFrame), ``out=`` buffers, index alignment of pandas pairs (outer join, then missing pairs skipped).
A 2-D input is converted once to a Fortran-ordered float64 array, so every column is a contiguous view
handed to the native call without a copy.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from . import _native
from .errors import InvalidInputError

NAN = float("nan")
F64 = np.dtype(np.float64)


def is_series(x: Any) -> bool:
    """True for a pandas Series."""
    return type(x).__name__ == "Series" and type(x).__module__.startswith("pandas")


def is_frame(x: Any) -> bool:
    """True for a pandas DataFrame."""
    return type(x).__name__ == "DataFrame" and type(x).__module__.startswith("pandas")


def is_pandas(x: Any) -> bool:
    """True for a pandas Series or DataFrame."""
    return is_series(x) or is_frame(x)


def fast(x: Any) -> bool:
    """A non-empty contiguous, aligned 1-D float64 ndarray: the native functions take it as it is."""
    return (type(x) is np.ndarray and x.dtype == F64 and x.ndim == 1 and x.flags.c_contiguous and x.flags.aligned
            and x.shape[0] > 0)


def real(name: str, value: Any) -> float:
    """A scalar as float; a string, None or any non-number is an InvalidInputError naming the parameter."""
    if isinstance(value, (str, bytes)):
        raise InvalidInputError(f"{name} must be a number or a series, got {type(value).__name__} {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a number or a series, got {type(value).__name__} {value!r}") from None


def values(x: Any, name: str = "returns") -> np.ndarray:
    """float64 values: 1-D contiguous, or 2-D in its own memory order (see :func:`columns_of`); a scalar is
    1-D of one."""
    if not (type(x) is np.ndarray and x.dtype == F64):
        if hasattr(type(x), "__arrow_c_array__") and not type(x).__module__.startswith(("pyarrow", "pandas", "polars")):
            return _native.arrow_to_f64(x, name)
        if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
            try:  # pandas / polars, pyarrow (nulls become NaN)
                if "pyarrow" in type(x).__module__:
                    x = x.to_numpy(zero_copy_only=False)
                elif is_pandas(x):
                    x = x.to_numpy(dtype=np.float64, na_value=np.nan)
                else:
                    x = x.to_numpy()
            except (TypeError, ValueError):
                x = x.to_numpy()
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise InvalidInputError(f"{name} must be numeric, got {type(x).__name__}: {e}") from None
    # an array at an unaligned address (a partition deserialised by Dask or Spark, np.frombuffer at an odd
    # offset) is copied: the native door reads float64 slices in place and needs them aligned
    if x.ndim == 1:
        one: np.ndarray = np.require(x, requirements=["C", "A"])
        return one
    if x.ndim == 2:
        two: np.ndarray = x if x.flags.aligned else x.copy(order="K")
        return two
    if x.ndim == 0:
        zero: np.ndarray = x.reshape(1)
        return zero
    raise InvalidInputError(f"{name} must be 1-D or 2-D (periods x columns), got an array of shape {x.shape}")


def flat(x: Any, name: str = "returns") -> np.ndarray:
    """All values of a series or a 2-D input as one contiguous 1-D array (a view when the 2-D input is C- or
    Fortran-contiguous): empyrical's VaR / CVaR do not work per column."""
    a = values(x, name)
    if a.ndim == 2:
        a = np.ascontiguousarray(a.ravel(order="K"))
    return a


def finish(template: Any, res: np.ndarray, out: Optional[np.ndarray], label: bool = True) -> Any:
    """Per-column results: ``out`` when given, a Series labelled by the columns for a DataFrame (``label``;
    empyrical returns a bare array from some functions, e.g. ``sharpe_ratio``), else ``res``."""
    if out is not None:
        return out
    if label and is_frame(template):
        import pandas as pd

        return pd.Series(res, index=template.columns)
    return res


def columns_of(a: np.ndarray) -> np.ndarray:
    """A 2-D array with contiguous columns (one copy for a C-ordered input, none for a Fortran-ordered one)."""
    return np.asfortranarray(a)


def reduce1(fn: Callable[[np.ndarray], float], x: Any, out: Optional[np.ndarray] = None,
            name: str = "returns", label: bool = True,
            cols: Optional[Callable[[np.ndarray], np.ndarray]] = None) -> Any:
    """``fn`` (a native reduction of one contiguous column) over a series or over each column; ``cols``, when
    given, does all the columns in one native call (the loop in Rust, any memory order)."""
    a = values(x, name)
    if a.ndim == 1:
        v = fn(a) if a.shape[0] else NAN
        if out is not None:
            out[()] = v
        return v
    k = a.shape[1]
    res = np.empty(k) if out is None else out
    if a.shape[0] == 0:
        res[...] = NAN
    elif cols is not None:
        res[...] = cols(a)
    else:
        a = columns_of(a)
        for j in range(k):
            res[j] = fn(a[:, j])
    return finish(x, res, out, label)


def align(r: Any, b: Any) -> "tuple[Any, Any]":
    """Two pandas objects on the union of their indexes (empyrical's outer join); others as they are.
    A one-column DataFrame beside a Series is that column (empyrical splits frames into columns)."""
    if is_series(r) and is_frame(b) and b.shape[1] == 1:
        b = b.iloc[:, 0]
    elif is_frame(r) and is_series(b) and r.shape[1] == 1:
        r = r.iloc[:, 0]
    if is_pandas(r) and is_pandas(b) and not r.index.equals(b.index):
        if is_series(r) and is_frame(b):
            b, r = b.align(r, join="outer", axis=0)
        else:
            r, b = r.align(b, join="outer", axis=0)
    return r, b


def reduce2(fn: Callable[[np.ndarray, np.ndarray], float], returns: Any, factor_returns: Any,
            out: Optional[np.ndarray] = None, aligned: bool = False, label: bool = True,
            name: Optional[str] = None, **kwargs: Any) -> Any:
    """``fn`` over a pair of series, or over each column (a 1-D benchmark serves every column); ``name``: the
    native per-column metric that does a 2-D input against a 1-D benchmark in one call (``kwargs``: its
    options)."""
    if not aligned:
        returns, factor_returns = align(returns, factor_returns)
    a = values(returns, "returns")
    f: np.ndarray
    if np.ndim(factor_returns) == 0 and not is_pandas(factor_returns):
        f = np.full(a.shape[0], real("factor_returns", factor_returns))
    else:
        f = values(factor_returns, "factor_returns")
    if a.ndim == 1 and f.ndim == 1:
        v = fn(a, f) if a.shape[0] and f.shape[0] else NAN
        if out is not None:
            out[()] = v
        return v
    k = a.shape[1] if a.ndim == 2 else f.shape[1]
    if a.ndim == 2 and f.ndim == 2 and a.shape[1] != f.shape[1]:
        raise InvalidInputError(f"factor_returns has {f.shape[1]} columns, returns {a.shape[1]}: expected equal")
    res = np.empty(k) if out is None else out
    if a.shape[0] == 0 or f.shape[0] == 0:
        res[...] = NAN
    elif name is not None and a.ndim == 2 and f.ndim == 1:
        res[...] = _native.columns(name, a, f, **kwargs)
    else:
        a = columns_of(a) if a.ndim == 2 else a
        f = columns_of(f) if f.ndim == 2 else f
        for j in range(k):
            res[j] = fn(a[:, j] if a.ndim == 2 else a, f[:, j] if f.ndim == 2 else f)
    return finish(returns if is_frame(returns) else factor_returns, res, out, label)


def adjust(returns: Any, value: Any) -> "tuple[Any, float]":
    """empyrical's ``returns - value`` for a series / array ``value`` (risk_free, required_return);
    a scalar is returned as the float for the native call instead."""
    if not is_pandas(value) and np.ndim(value) == 0:
        return returns, float(value)
    if is_pandas(returns) or is_pandas(value):
        if is_series(returns) and is_series(value) and not returns.index.equals(value.index):
            returns, value = returns.align(value, join="outer")
        elif not is_pandas(returns):
            value = values(value, "value")
        return returns - value, 0.0
    a = values(returns, "returns")
    v = values(value, "value")
    if a.ndim == 1 and v.ndim == 1 and a.shape[0] and v.shape[0] != 1:
        return _native.excess_returns(a, v), 0.0  # a length mismatch is an error naming 'other'
    try:
        return np.subtract(a, v), 0.0  # numpy broadcasting: e.g. one threshold per column of a 2-D input
    except ValueError:
        raise InvalidInputError(f"the risk-free / required return of shape {v.shape} does not broadcast against "
                                f"returns of shape {a.shape}") from None


def empty_like_index(template: Any, values_: np.ndarray, columns: Any = None) -> Any:
    """A pandas object carrying the template's trailing labels when the template is one."""
    if is_series(template) or is_frame(template):
        import pandas as pd

        idx = template.index[len(template) - len(values_):]
        if values_.ndim == 2:
            return pd.DataFrame(values_, index=idx, columns=columns)
        return pd.Series(values_, index=idx, name=template.name if is_series(template) else None)
    return values_


def simple_returns_values(a: np.ndarray) -> np.ndarray:
    """Simple returns of float prices, per column for 2-D (one row fewer)."""
    if a.ndim == 1:
        return _native.price_returns(a)
    a = columns_of(a)
    res = np.empty((max(a.shape[0] - 1, 0), a.shape[1]), order="F")
    if a.shape[0] > 1:
        for j in range(a.shape[1]):
            res[:, j] = _native.price_returns(a[:, j])
    return res


def simple_returns_integer(a: np.ndarray) -> np.ndarray:
    """Simple returns of integer prices: exact differences, then one division in float64."""
    signed = a.dtype.kind != "u"
    a = a.astype(np.int64 if signed else np.uint64, copy=False)
    fn = _native.price_returns_i64 if signed else _native.price_returns_u64
    if a.ndim == 1:
        return fn(np.ascontiguousarray(a))
    if a.ndim != 2:
        raise InvalidInputError(f"prices must be 1-D or 2-D, got an array of shape {a.shape}")
    a = np.asfortranarray(a)
    res = np.empty((max(a.shape[0] - 1, 0), a.shape[1]), order="F")
    if a.shape[0] > 1:
        for j in range(a.shape[1]):
            res[:, j] = fn(a[:, j])
    return res
