"""Telemetry: install tradewarden's Prometheus exporter and read its exposition.

    import tradewarden.telemetry as tt
    tt.install()                      # HTTP listener on 127.0.0.1:9184
    tt.install(listen=None)           # no listener: serve tt.render() yourself
    tt.register_with_prometheus_client()   # serve ours on prometheus_client's endpoint

One exporter per process (the `metrics` facade has one global recorder);
a second ``install`` raises :class:`~tradewarden.errors.StateError`. The
listener binds loopback unless ``allow_non_loopback=True``. Metric names and
alert rules: ``docs/telemetry.md``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional

from . import _native
from .errors import InvalidConfigError, InvalidInputError

__all__ = ["install", "render", "Collector", "register_with_prometheus_client", "TradingMetrics", "MlBotMetrics",
           "MonitoringMetrics", "ServiceMetrics", "DriftMetrics", "RecoveryTracker", "RISK_METRICS"]


def install(listen: Optional[str] = "127.0.0.1:9184", namespace: str = "tradewarden", profile: str = "native",
            global_labels: Optional[Dict[str, str]] = None, allow_non_loopback: bool = False) -> Optional[str]:
    """Installs the exporter; returns the bound ``ip:port`` (useful with port 0), or None without a listener.

    Every option is checked by the crate (``ExporterConfig``); a value of the wrong type is an
    :class:`~tradewarden.errors.InvalidConfigError` naming the option."""
    for name, value in (("listen", listen), ("namespace", namespace), ("profile", profile)):
        if not (isinstance(value, str) or (name == "listen" and value is None)):
            raise InvalidConfigError(f"{name} must be a string, got {type(value).__name__} {value!r:.80}")
    if global_labels is None:
        global_labels = {}
    if not isinstance(global_labels, Mapping):
        raise InvalidConfigError(f"global_labels must be a mapping of label name to value, got "
                                 f"{type(global_labels).__name__} {global_labels!r:.80}")
    for k, v in global_labels.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise InvalidConfigError(f"global_labels must map strings to strings, got {k!r:.80}: {v!r:.80}")
    if not isinstance(allow_non_loopback, bool):
        raise InvalidConfigError(f"allow_non_loopback must be a bool, got {type(allow_non_loopback).__name__}")
    config = {
        "listen": listen,
        "namespace": namespace,
        "profile": profile,
        "global_labels": dict(global_labels),
        "allow_non_loopback": allow_non_loopback,
    }
    return _native.telemetry_install(config)


def render() -> str:
    """The Prometheus text exposition of every tradewarden metric."""
    return _native.telemetry_render()


class Collector:
    """A ``prometheus_client`` collector that yields tradewarden's metrics, so a
    service that already exposes prometheus_client metrics serves ours on the same endpoint."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.parser import text_string_to_metric_families

        yield from text_string_to_metric_families(render())

    def describe(self) -> List[Any]:
        return []  # unchecked collector: names come from the exposition at scrape time


def register_with_prometheus_client(registry: Any = None) -> Collector:
    """Registers a :class:`Collector` with ``registry`` (default: prometheus_client's REGISTRY)."""
    if registry is None:
        from prometheus_client import REGISTRY as registry  # noqa: N811
    c = Collector()
    registry.register(c)
    return c


def _real(name: str, value: Any) -> float:
    from .returns import _real as real

    return real(name, value)


def _name(name: str, value: Any) -> str:
    from .returns import _name as nm

    return nm(name, value)


def _count(name: str, value: Any) -> int:
    from .returns import _int

    v = _int(name, value)
    if not 0 <= v < 2**64:
        raise InvalidInputError(f"{name} must be an integer in [0, 2^64), got {v}")
    return v


#: The Quant Bot risk gauges :meth:`TradingMetrics.set_risk` sets (names without the namespace).
RISK_METRICS = ("pnl_hourly_ratio", "pnl_daily_ratio", "drawdown_ratio", "slippage_ratio", "fill_ratio",
                "model_precision_ratio")


class TradingMetrics:
    """Autotrader's ``trading_*`` gauges and Quant Bot's risk gauges of one strategy
    (``tradewarden_metrics::handles::TradingMetrics``), exported under the installed exporter's names.
    :func:`install` first (else :class:`~tradewarden.errors.StateError`).

        tt.install(listen=None)
        m = tt.TradingMetrics("momentum")
        m.set_risk("model_precision_ratio", 0.52)   # ModelPrecisionWarning (< 0.55) reads it
    """

    __slots__ = ("_m",)

    def __init__(self, strategy: str) -> None:
        self._m = _native.TradingMetrics(_name("strategy", strategy))

    def set_snapshot(self, *, pnl: float, sharpe: float, winning_trades: int, total_trades: int,
                     max_drawdown_ratio: float, gross_profit: float, gross_loss: float) -> None:
        """Sets the Autotrader gauges (drawdown as a positive fraction, exported in percent; gross loss
        positive). A non-finite value or ``winning_trades > total_trades`` sets nothing."""
        self._m.set_snapshot(_real("pnl", pnl), _real("sharpe", sharpe), _count("winning_trades", winning_trades),
                             _count("total_trades", total_trades), _real("max_drawdown_ratio", max_drawdown_ratio),
                             _real("gross_profit", gross_profit), _real("gross_loss", gross_loss))

    def set_risk(self, metric: str, value: float) -> None:
        """Sets one Quant Bot risk gauge; ``metric`` is one of :data:`RISK_METRICS` (fractions:
        ``model_precision_ratio`` is the live precision, not a ratio to a baseline)."""
        self._m.set_risk(_name("metric", metric), _real("value", value))


class MlBotMetrics:
    """ml-trading-bot's metrics (``tradewarden_metrics::handles::MlBotMetrics``): the one-hot
    ``market_regime_state``, ``prediction_quality_metric`` and the prediction counter / latency histogram.
    :func:`install` first (else :class:`~tradewarden.errors.StateError`)."""

    __slots__ = ("_m",)

    def __init__(self) -> None:
        self._m = _native.MlBotMetrics()

    def set_regime(self, symbol: str, timeframe: str, regime: str) -> None:
        """1 on ``regime``, 0 on the other five (see :func:`tradewarden.inference.classify_regime`)."""
        self._m.set_regime(_name("symbol", symbol), _name("timeframe", timeframe), _name("regime", regime))

    def set_quality(self, symbol: str, timeframe: str, metric: str, value: float) -> None:
        """Sets ``prediction_quality_metric{metric}``: 'mae', 'mape', 'directional_accuracy' or 'drift_score'."""
        self._m.set_quality(_name("symbol", symbol), _name("timeframe", timeframe), _name("metric", metric),
                            _real("value", value))

    def prediction(self, bot_name: str, symbol: str, timeframe: str, seconds: float) -> None:
        """Counts one prediction and records its latency (seconds)."""
        self._m.prediction(_name("bot_name", bot_name), _name("symbol", symbol), _name("timeframe", timeframe),
                           _real("seconds", seconds))

    def cache(self, hits: int, misses: int, size: int) -> None:
        """Adds ``hits`` and ``misses`` to the cache counters and sets the cache size gauge (entries)."""
        self._m.cache(_count("hits", hits), _count("misses", misses), _count("size", size))

    def websocket_connections(self, n: int) -> None:
        """Sets the open websocket connections gauge."""
        self._m.websocket_connections(_count("n", n))


class MonitoringMetrics:
    """Market NN Plus Ultra's live monitoring gauges (``tradewarden_metrics::handles::MonitoringMetrics``):
    ``monitoring_risk_metric{name}`` (stored as the absolute value), ``monitoring_drift_metric{name}``, the window
    size, and the alerts counter with the last alert's time. :func:`install` first."""

    __slots__ = ("_m",)

    def __init__(self) -> None:
        self._m = _native.MonitoringMetrics()

    def risk(self, name: str, value: float) -> None:
        """Sets one risk metric (a negative value is stored as its absolute value)."""
        self._m.risk(_name("name", name), _real("value", value))

    def drift(self, name: str, value: float) -> None:
        """Sets one drift metric ('psi', 'js', 'ks')."""
        self._m.drift(_name("name", name), _real("value", value))

    def window_size(self, n: int) -> None:
        """Sets the monitoring window size."""
        self._m.window_size(_count("n", n))

    def alert(self, alert: str) -> None:
        """Counts one alert by its name and stamps the time."""
        self._m.alert(_name("alert", alert))


class ServiceMetrics:
    """Market NN Plus Ultra's service metrics (``tradewarden_metrics::handles::ServiceMetrics``): requests by
    endpoint/method/status, latency, exceptions, last success/error time, prediction rows. :func:`install` first."""

    __slots__ = ("_m",)

    def __init__(self) -> None:
        self._m = _native.ServiceMetrics()

    def record(self, endpoint: str, method: str, status: int, seconds: float,
               exception: Optional[str] = None) -> None:
        """Records one finished request (HTTP ``status`` 0..65535, latency in seconds, the exception class if
        any: a 2xx/3xx without exception stamps the last success, else the last error)."""
        code = _count("status", status)
        if code >= 2**16:
            raise InvalidInputError(f"status must be an HTTP status below 65536, got {code}")
        self._m.record(_name("endpoint", endpoint), _name("method", method), code, _real("seconds", seconds),
                       None if exception is None else _name("exception", exception))

    def prediction_rows(self, rows: int) -> None:
        """Records the rows of one prediction request."""
        self._m.prediction_rows(_count("rows", rows))


class DriftMetrics:
    """Autotrader's drift metrics (``tradewarden_metrics::handles::DriftMetrics``): the detections counter by
    metric type and severity, and ``drift_score{feature,method}``. :func:`install` first."""

    __slots__ = ("_m",)

    def __init__(self) -> None:
        self._m = _native.DriftMetrics()

    def detection(self, metric_type: str, severity: str) -> None:
        """Counts one detection, e.g. ``("psi", "high")``."""
        self._m.detection(_name("metric_type", metric_type), _name("severity", severity))

    def score(self, feature: str, method: str, value: float) -> None:
        """Sets ``drift_score{feature,method}``."""
        self._m.score(_name("feature", feature), _name("method", method), _real("value", value))


class RecoveryTracker:
    """Trading-graph's recovery tracker (``tradewarden_metrics::recovery::RecoveryTracker``): per-operation
    success, attempts, duration and fallback statistics, a health rating ('healthy', 'degraded',
    'unhealthy'), exported as the ``recovery_*`` gauges by :meth:`export`. Thread-safe.

    ``config`` keys (defaults): capacity (10000), retention_seconds (86400), recent_window (100),
    max_operations (256)."""

    __slots__ = ("_t",)

    def __init__(self, config: Optional[Mapping[str, Any]] = None) -> None:
        if config is not None and not isinstance(config, Mapping):
            raise InvalidConfigError(f"config must be a mapping, got {type(config).__name__}")
        # non-plain values: InvalidConfigError naming the recovery config; NaN / ±inf: the crate's own error (native side).
        self._t = _native.RecoveryTracker(None if config is None else dict(config))

    def record(self, operation: str, success: bool, duration_seconds: float, *, attempts: int = 1,
               error_type: Optional[str] = None, recovery_strategy: Optional[str] = None,
               fallback_used: bool = False, at: Optional[float] = None) -> None:
        """Records one operation's outcome (``at``: unix seconds, default now)."""
        if not isinstance(success, bool):
            raise InvalidInputError(f"success must be a bool, got {type(success).__name__}")
        if not isinstance(fallback_used, bool):
            raise InvalidInputError(f"fallback_used must be a bool, got {type(fallback_used).__name__}")
        a = _count("attempts", attempts)
        if a >= 2**32:
            raise InvalidInputError(f"attempts must be below 2^32, got {a}")
        self._t.record(_name("operation", operation), success, _real("duration_seconds", duration_seconds), a,
                       None if error_type is None else _name("error_type", error_type),
                       None if recovery_strategy is None else _name("recovery_strategy", recovery_strategy),
                       fallback_used, None if at is None else _real("at", at))

    def health(self, now: Optional[float] = None) -> Dict[str, Any]:
        """{'status', 'window_success_rate', 'window_avg_duration_seconds', 'window_fallback_rate', 'alerts',
        'recommendations'} over the retention window."""
        return self._t.health(None if now is None else _real("now", now))

    def summary(self, now: Optional[float] = None) -> Dict[str, Any]:
        """The seed's JSON summary as a dict (per-operation statistics under 'operations', 'health')."""
        return self._t.summary(None if now is None else _real("now", now))

    def export(self) -> None:
        """Sets the ``recovery_*`` gauges from the current summary (:func:`install` first)."""
        self._t.export()
