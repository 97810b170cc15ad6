"""pytest plugin: runs scipy's own tests with scipy's functions swapped for tradewarden.drift's.

Loaded with ``-p swap_plugin`` (this directory on ``sys.path``). After collection — when scipy's test
modules are imported — the public names ``scipy.stats.{ks_2samp, cramervonmises_2samp,
wasserstein_distance, energy_distance}`` and ``scipy.spatial.distance.jensenshannon`` are replaced, and so
is every global of an imported scipy *test* module bound to one of the originals (``from ... import
cramervonmises_2samp`` in test_hypotests, ``jensenshannon`` in test_distance). scipy's own implementation
modules are left alone.

Sanity checks, each failing the run: every swap target must be found and replaced; after the run, every
swapped function must have been called by the tests at least once (so a test that silently reached
scipy's original would not count as ours).
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, Dict, List, Tuple

import pytest

# (scipy module, name) -> tradewarden.drift name
SWAPS: List[Tuple[str, str, str]] = [
    ("scipy.stats", "ks_2samp", "ks_2samp"),
    ("scipy.stats", "cramervonmises_2samp", "cramervonmises_2samp"),
    ("scipy.stats", "wasserstein_distance", "wasserstein_distance"),
    ("scipy.stats", "energy_distance", "energy_distance"),
    ("scipy.spatial.distance", "jensenshannon", "jensenshannon"),
]

CALLS: Dict[str, int] = {}
REPLACED: Dict[str, List[str]] = {}


def _counted(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        CALLS[name] += 1
        return fn(*args, **kwargs)

    wrapper.__tradewarden_swap__ = True  # type: ignore[attr-defined]
    return wrapper


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    import importlib

    import tradewarden.drift as td

    for modname, name, ours in SWAPS:
        mod = importlib.import_module(modname)
        original = getattr(mod, name)
        if getattr(original, "__tradewarden_swap__", False):
            continue
        CALLS[name] = 0
        wrapper = _counted(name, getattr(td, ours))
        setattr(mod, name, wrapper)
        REPLACED[name] = [modname]
        for tname, tmod in list(sys.modules.items()):
            if tmod is None or not tname.startswith("scipy.") or ".tests." not in tname:
                continue
            if getattr(tmod, name, None) is original:
                setattr(tmod, name, wrapper)
                REPLACED[name].append(tname)
        if modname == "scipy.spatial.distance":
            # pdist(X, 'test_jensenshannon') calls the Python function kept in the metric registry
            for info in getattr(mod, "_METRIC_INFOS", []):
                if getattr(info, "dist_func", None) is original:
                    object.__setattr__(info, "dist_func", wrapper)  # a frozen dataclass
                    REPLACED[name].append(f"{modname}._METRIC_INFOS[{info.canonical_name!r}]")
        if getattr(importlib.import_module(modname), name) is not wrapper:
            raise pytest.UsageError(f"swap failed: {modname}.{name} is not tradewarden.drift.{ours}")


def pytest_report_header(config: pytest.Config) -> str:
    import tradewarden

    return f"scipy functions swapped for tradewarden.drift ({tradewarden.__file__})"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    lines = [f"  {n}: {CALLS.get(n, 0)} calls through tradewarden.drift; swapped in {', '.join(REPLACED.get(n, []))}"
             for _, n, _ in SWAPS]
    print("\n[swap check]\n" + "\n".join(lines))
    missing = [n for _, n, _ in SWAPS if CALLS.get(n, 0) == 0]
    if missing and session.testscollected:
        print(f"[swap check] FAILED: never called through the swap: {missing}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
