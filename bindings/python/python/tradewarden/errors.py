"""The tradewarden exception tree.

One class per stable error kind of the Rust library (``ErrorKind``); the
native module raises them through an exhaustive match, so a new kind cannot
be forgotten. Every class derives from :class:`TradewardenError`, itself an
``Exception`` (never a ``BaseException``: an Airflow task's ``except
Exception`` catches it, including internal errors from a caught panic).
"""

from __future__ import annotations

__all__ = [
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


class TradewardenError(Exception):
    """Root of every error raised by tradewarden."""

    kind: str = "internal"


class InvalidInputError(TradewardenError, ValueError):
    """A bad argument: empty series, NaN under nan_policy='raise', wrong shape, length mismatch, out-of-range value."""

    kind = "invalid_input"


class InvalidConfigError(TradewardenError, ValueError):
    """An invalid configuration document (every violation is listed in the message)."""

    kind = "invalid_config"


class NotFoundError(TradewardenError, LookupError):
    """A named thing (file, column, feature, model version) does not exist."""

    kind = "not_found"


class IoError(TradewardenError, OSError):
    """The operating system failed a read or write."""

    kind = "io"


class CorruptError(TradewardenError):
    """Persisted or external data exists but cannot be trusted."""

    kind = "corrupt"


class StateError(TradewardenError):
    """The operation is not allowed in the current state (e.g. trading halted)."""

    kind = "state"


class UnsupportedError(TradewardenError, NotImplementedError):
    """Well-formed but not supported by this build."""

    kind = "unsupported"


class InternalError(TradewardenError):
    """A bug in tradewarden, including a panic caught at the boundary."""

    kind = "internal"
