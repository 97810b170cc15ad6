"""A Dagster pipeline computing a drift report and a returns summary with tradewarden.

Three assets: ``feature_profile`` (a frozen reference profile, pickled by
Dagster's IO manager), ``drift_report`` (today's features against it) and
``returns_summary`` (every returns metric in one pass). ``main()``
materialises them in-process, as a test or a notebook would::

    python examples/python/dagster_asset.py

Without dagster installed the script says so and exits 0 (the library calls
still run, so the example cannot rot).
"""

from __future__ import annotations

import sys
from typing import Any, Dict

import numpy as np

import tradewarden.drift as td
import tradewarden.returns as ep

try:
    import dagster as dg
except ImportError:  # optional dependency
    dg = None  # type: ignore[assignment]  # None marks dagster missing (typed as the module when present)


def reference_features() -> Dict[str, Any]:
    rng = np.random.default_rng(1)
    return {"spread_bps": rng.gamma(2.0, 1.5, 5000), "volume_z": rng.normal(size=5000),
            "regime": list(rng.choice(["calm", "trend", "stress"], 5000, p=[0.6, 0.3, 0.1]))}


def current_features() -> Dict[str, Any]:
    rng = np.random.default_rng(2)  # spreads widened, regime mix shifted
    return {"spread_bps": rng.gamma(2.0, 2.5, 2000), "volume_z": rng.normal(size=2000),
            "regime": list(rng.choice(["calm", "trend", "stress"], 2000, p=[0.3, 0.3, 0.4]))}


def strategy_returns() -> np.ndarray:
    return np.random.default_rng(3).normal(0.0005, 0.01, 756)


def build_profile() -> td.Profile:
    return td.Profile.fit(reference_features())


def build_drift_report(profile: td.Profile) -> Dict[str, Any]:
    return profile.score(current_features(), correction="benjamini_hochberg").to_dict()


def build_returns_summary() -> Dict[str, float]:
    return ep.summary(strategy_returns())


if dg is not None:

    @dg.asset
    def feature_profile() -> td.Profile:
        """Reference profile of the training window (picklable: Dagster stores it)."""
        return build_profile()

    @dg.asset
    def drift_report(feature_profile: td.Profile) -> Dict[str, Any]:
        """Today's features against the reference profile."""
        return build_drift_report(feature_profile)

    @dg.asset
    def returns_summary() -> Dict[str, float]:
        """Every returns metric of the strategy in one pass."""
        return build_returns_summary()


def main() -> int:
    if dg is None:
        report = build_drift_report(build_profile())
        print(f"dagster is not installed: skipped materialisation "
              f"(library check: {report['n_drifted']} drifted features)")
        return 0
    result = dg.materialize([feature_profile, drift_report, returns_summary])
    if not result.success:
        print("materialisation failed", file=sys.stderr)
        return 1
    report = result.output_for_node("drift_report")
    summary = result.output_for_node("returns_summary")
    drifted = sorted(f["name"] for f in report["features"] if f["drift"])
    print(f"materialised 3 assets: drifted={drifted} sharpe={summary['sharpe_ratio']:.3f}")
    return 0 if drifted == ["regime", "spread_bps"] else 1


if __name__ == "__main__":
    sys.exit(main())
