"""tradewarden: the operations core of an ML trading system.

Modules:

- :mod:`tradewarden.returns` — empyrical-compatible returns analytics
  (``import tradewarden.returns as ep``);
- :mod:`tradewarden.drift` — scipy-compatible drift tests, profiles, reports, live monitors;
- :mod:`tradewarden.guardrails` — policy, pre-trade engine, kill switch, exposure, canary and promotion gates;
- :mod:`tradewarden.report` — the operations summary (risk and exposure metrics, the seven alerts);
- :mod:`tradewarden.telemetry` — the Prometheus exporter and a prometheus_client adapter;
- :mod:`tradewarden.inference` — model loading (safetensors, burnpack, registry), a hot-swappable predictor;
- :mod:`tradewarden.errors` — the exception tree.
"""

from __future__ import annotations

from . import drift, errors, guardrails, inference, report, returns, telemetry
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
    "inference",
    "report",
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
