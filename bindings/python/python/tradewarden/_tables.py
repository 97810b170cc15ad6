"""Conversion of tables (pandas / polars / pyarrow / Arrow PyCapsule / dict of arrays) to named columns.

Numeric columns become contiguous float64 numpy arrays (nulls become NaN; a
float64 numpy column, or a pandas column holding one, is passed without
copying); string / categorical columns
become lists of ``str`` or ``None``. No computation happens here.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple, Union

import numpy as np

from .errors import InvalidInputError
from .returns import _as_1d

Column = Union[np.ndarray, List[Any]]

__all__ = ["columns", "raw_columns", "strings", "unix_seconds", "as_1d"]

as_1d = _as_1d


def _strings(values: Any) -> "list[Any]":
    out: List[Optional[str]] = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            out.append(None)
        else:
            out.append(str(v))
    return out


def _column(name: str, x: Any) -> Column:
    mod = type(x).__module__
    if mod.startswith("pandas"):
        import pandas as pd

        if pd.api.types.is_bool_dtype(x.dtype) or pd.api.types.is_numeric_dtype(x.dtype):
            if x.dtype == np.float64:  # a plain numpy float64 column: read in place, no copy
                return as_1d(x.to_numpy(copy=False), name)
            return as_1d(x.astype("float64").to_numpy(na_value=np.nan) if hasattr(x, "astype") else x, name)
        return _strings(x.tolist())
    if mod.startswith("polars"):
        if x.dtype.is_numeric() or str(x.dtype) == "Boolean":
            return as_1d(x.cast(float).to_numpy(), name)
        return _strings(x.cast(str).to_list())
    if mod.startswith("pyarrow"):
        import pyarrow as pa

        t = x.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_decimal(t):
            return as_1d(x.cast(pa.float64()).to_numpy(zero_copy_only=False), name)
        return _strings(x.to_pylist())
    if isinstance(x, np.ndarray) and x.dtype.kind in "OUS":
        return _strings(x.tolist())
    if isinstance(x, (list, tuple)) and any(isinstance(v, str) for v in x):
        return _strings(x)
    return as_1d(x, name)


def raw_columns(data: Any, name: str) -> "list[Tuple[str, Any]]":
    """(name, column object) pairs of a table, unconverted."""
    mod = type(data).__module__
    if isinstance(data, dict):
        items = list(data.items())
    elif mod.startswith("pandas") and hasattr(data, "columns"):
        items = [(c, data[c]) for c in data.columns]
    elif mod.startswith("polars") and hasattr(data, "columns"):
        items = [(c, data.get_column(c)) for c in data.columns]
    elif mod.startswith("pyarrow") and hasattr(data, "column_names"):
        items = [(c, data.column(c)) for c in data.column_names]
    elif hasattr(data, "__arrow_c_stream__"):
        import pyarrow as pa  # any Arrow PyCapsule producer (duckdb, polars, nanoarrow, ...)

        t = pa.table(data)
        items = [(c, t.column(c)) for c in t.column_names]
    else:
        raise InvalidInputError(
            f"{name} must be a pandas/polars DataFrame, a pyarrow Table, an Arrow stream or a dict of columns, "
            f"got {type(data).__name__}")
    if not items:
        raise InvalidInputError(f"{name} has no columns")
    return [(str(k), v) for k, v in items]


def columns(data: Any, name: str) -> "list[Tuple[str, Column]]":
    """Named columns of ``data`` (argument called ``name`` in error messages)."""
    return [(k, _column(f"{name}[{k!r}]", v)) for k, v in raw_columns(data, name)]


def strings(x: Any, name: str) -> "list[Any]":
    """A string column as a list (None for missing)."""
    if hasattr(x, "to_pylist"):
        return _strings(x.to_pylist())
    if hasattr(x, "to_list"):
        return _strings(x.to_list())
    if hasattr(x, "tolist"):
        return _strings(x.tolist())
    try:
        return _strings(list(x))
    except TypeError:
        raise InvalidInputError(f"{name} must be a column of strings, got {type(x).__name__}") from None


def unix_seconds(x: Any, name: str) -> np.ndarray:
    """A timestamp column as int64 unix seconds (datetimes are converted, numbers must be whole)."""
    if hasattr(x, "to_numpy") and not isinstance(x, np.ndarray):
        try:
            x = x.to_numpy(zero_copy_only=False) if "pyarrow" in type(x).__module__ else x.to_numpy()
        except TypeError:
            x = x.to_numpy()
    a = np.asarray(x)
    if a.ndim != 1:
        raise InvalidInputError(f"{name} must be 1-D, got shape {a.shape}")
    if a.dtype.kind == "M":
        if np.isnat(a).any():
            raise InvalidInputError(f"{name} contains NaT")
        return np.ascontiguousarray(a.astype("datetime64[s]").astype(np.int64))
    if a.dtype.kind in "iu":
        return np.ascontiguousarray(a.astype(np.int64))
    try:
        f = a.astype(np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"{name} must be datetimes or unix seconds: {e}") from None
    if not np.all(np.isfinite(f)) or not np.all(f == np.floor(f)):
        raise InvalidInputError(f"{name} must hold whole unix seconds (finite integers)")
    return np.ascontiguousarray(f.astype(np.int64))
