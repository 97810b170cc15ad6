"""tradewarden: the operations core of an ML trading system.

Modules:

- :mod:`tradewarden.returns` — empyrical-compatible returns analytics
  (``import tradewarden.returns as ep``);
- :mod:`tradewarden.drift` — scipy-compatible drift tests, profiles, reports, live monitors;
- :mod:`tradewarden.guardrails` — policy, pre-trade engine, kill switch, exposure, canary and promotion gates;
- :mod:`tradewarden.telemetry` — the Prometheus exporter and a prometheus_client adapter;
- :mod:`tradewarden.errors` — the exception tree.
"""

from __future__ import annotations

from . import drift, errors, guardrails, returns, telemetry
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
    "drift",
    "errors",
    "guardrails",
    "returns",
    "telemetry",
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
