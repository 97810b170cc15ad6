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
from typing import Any, Dict, Iterator, Optional

from . import _native

__all__ = ["install", "render", "Collector", "register_with_prometheus_client"]


def install(listen: Optional[str] = "127.0.0.1:9184", namespace: str = "tradewarden", profile: str = "native",
            global_labels: Optional[Dict[str, str]] = None, allow_non_loopback: bool = False) -> Optional[str]:
    """Installs the exporter; returns the bound ``ip:port`` (useful with port 0), or None without a listener."""
    config = {
        "listen": listen,
        "namespace": namespace,
        "profile": profile,
        "global_labels": dict(global_labels or {}),
        "allow_non_loopback": bool(allow_non_loopback),
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
