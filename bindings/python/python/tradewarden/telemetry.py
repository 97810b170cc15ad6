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

import json
from typing import Any, Dict, Iterator, Mapping, Optional

from . import _native
from .errors import InvalidConfigError

__all__ = ["install", "render", "Collector", "register_with_prometheus_client"]


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
    return _native.telemetry_install(json.dumps(config))


def render() -> str:
    """The Prometheus text exposition of every tradewarden metric."""
    return _native.telemetry_render()


class Collector:
    """A ``prometheus_client`` collector that yields tradewarden's metrics, so a
    service that already exposes prometheus_client metrics serves ours on the same endpoint."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.parser import text_string_to_metric_families

        yield from text_string_to_metric_families(render())

    def describe(self) -> list:
        return []  # unchecked collector: names come from the exposition at scrape time


def register_with_prometheus_client(registry: Any = None) -> Collector:
    """Registers a :class:`Collector` with ``registry`` (default: prometheus_client's REGISTRY)."""
    if registry is None:
        from prometheus_client import REGISTRY as registry  # noqa: N811
    c = Collector()
    registry.register(c)
    return c
