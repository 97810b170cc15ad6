"""pytest plugin: runs empyrical-reloaded's own test suite against ``tradewarden.returns``.

Loaded with ``-p tradewarden_as_empyrical`` (see ``scripts/test.d/31-empyrical-suite.sh``). It does two
things and nothing else:

1. maps the module names ``empyrical``, ``empyrical.stats`` and ``empyrical.perf_attrib`` to
   ``tradewarden.returns`` (the compatibility module holds every public function of the three), so the
   suite's ``import empyrical`` gets tradewarden, never empyrical's code;
2. deselects the tests listed in ``deselected.txt`` (each with its reason) and fails the run when an entry
   no longer matches any test, so the list cannot rot.

``empyrical.utils`` is empyrical's private helper module (``roll``, ``up``, ``down``, the data-download
cache). tradewarden does not reimplement it; ``test_stats.py`` imports it at module level, so the name is
bound to a placeholder whose every attribute access raises. The tests that use it (``TestHelpers``, the
yahoo / Fama-French / returns-cache downloads, the ``utils.roll`` duplicate-date test) are deselected.
"""

from __future__ import annotations

import os
import sys
import types

import tradewarden.returns as _tw

_HERE = os.path.dirname(os.path.abspath(__file__))


def _forwarding_module(name: str) -> types.ModuleType:
    """A module object named ``name`` whose attributes are tradewarden.returns' attributes."""
    mod = types.ModuleType(name, f"{name} resolved to tradewarden.returns")

    def __getattr__(attr: str):  # PEP 562
        return getattr(_tw, attr)

    mod.__dict__["__getattr__"] = __getattr__
    mod.__dict__["__all__"] = list(_tw.__all__)
    return mod


class _PrivateHelpers(types.ModuleType):
    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise AttributeError(
            f"empyrical.utils.{attr}: empyrical's private helpers are not part of tradewarden "
            "(the tests using them are deselected, see deselected.txt)")


empyrical = _forwarding_module("empyrical")
stats = _forwarding_module("empyrical.stats")
perf_attrib = _forwarding_module("empyrical.perf_attrib")
utils = _PrivateHelpers("empyrical.utils")
empyrical.__dict__.update(stats=stats, perf_attrib=perf_attrib, utils=utils)
empyrical.__path__ = []  # a package, so that ``import empyrical.x`` consults sys.modules
sys.modules.update({"empyrical": empyrical, "empyrical.stats": stats, "empyrical.perf_attrib": perf_attrib,
                    "empyrical.utils": utils})


def _deselections() -> "list[tuple[str, str]]":
    """(node id prefix, reason) from deselected.txt: ``<node id prefix>  # <reason>`` per line."""
    entries = []
    with open(os.path.join(_HERE, "deselected.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            prefix, sep, reason = line.partition(" # ")
            if not sep or not reason.strip():
                raise ValueError(f"deselected.txt: every entry needs ' # <reason>': {line!r}")
            entries.append((prefix.strip(), reason.strip()))
    return entries


def pytest_collection_modifyitems(session, config, items):
    entries = _deselections()
    used = set()
    keep, drop = [], []
    for item in items:
        hit = next((p for p, _ in entries if item.nodeid == p or item.nodeid.startswith(p + "::")
                    or item.nodeid.startswith(p + "[")), None)
        if hit is None:
            keep.append(item)
        else:
            used.add(hit)
            drop.append(item)
    stale = [p for p, _ in entries if p not in used]
    if stale:
        raise RuntimeError(f"deselected.txt entries that match no test (remove them): {stale}")
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
