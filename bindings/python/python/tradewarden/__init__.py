"""tradewarden: the operations core of an ML trading system.

Modules:

- :mod:`tradewarden.returns` — empyrical-compatible returns analytics
  (``import tradewarden.returns as ep``);
- :mod:`tradewarden.errors` — the exception tree.
"""

from __future__ import annotations

from . import errors, returns
from ._native import __version__
from .errors import (
    CorruptError,
    InternalError,
    InvalidConfigError,
    InvalidInputError,
    IoError,
    NotFoundError,
    StateError,
    TradewardenError,
    UnsupportedError,
)

__all__ = [
    "__version__",
    "errors",
    "returns",
    "TradewardenError",
    "InvalidInputError",
    "InvalidConfigError",
    "NotFoundError",
    "IoError",
    "CorruptError",
    "StateError",
    "UnsupportedError",
    "InternalError",
]
