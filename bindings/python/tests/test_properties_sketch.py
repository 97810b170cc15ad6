"""Property tests (hypothesis) over the bounded-drift surface: ``SketchGrid``, ``GridCounts``,
``StateScorer`` and ``drift.bounded_report`` with hostile arrays, options and bytes.

The companion of ``test_properties.py``. The contract (issue #20, item 7): each call returns a result or
raises a :class:`~tradewarden.errors.TradewardenError`; never another exception type, a crash of the
interpreter, a hang or a ``PanicException``. On top, what a result must satisfy: artefacts round-trip
through their bytes (the same bytes again), damaged bytes are refused, and every KS interval of a bounded
report is ordered, within [0, 1], at most the scorer's stated ``rank_bounds`` wide, and holds the exact KS
statistic of the finite values.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Optional

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")  # installed by requirements-test.txt; never skipped in CI
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import tradewarden.drift as dr  # noqa: E402
from tradewarden.errors import CorruptError, TradewardenError  # noqa: E402

SETTINGS = settings(
    max_examples=60,
    deadline=None,  # no timing in tests; a hang shows as the suite not finishing
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples on every run: a failure reproduces
)

SPECIAL = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, 1e-300, 1e15]
FLOATS = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True, width=64))

SERIES = st.one_of(
    hnp.arrays(dtype=np.float64, shape=hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=30),
               elements=FLOATS),
    hnp.arrays(dtype=st.sampled_from([np.float32, np.int64, np.uint8, np.bool_]),
               shape=hnp.array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=30)),
    st.just(np.array(["a", "b"], dtype=object)),
    st.just([None, 1.0, 2.0]),
    st.just("not an array"),
    st.just(None),
    st.lists(FLOATS, max_size=30),
)
FINITE = hnp.arrays(dtype=np.float64, shape=st.integers(1, 60),
                    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
                    | st.sampled_from([0.0, -0.0, 1.0, 2.0]))
CELLS = st.one_of(st.integers(-2, 70), st.sampled_from([2**24, 2**24 + 1, 2**63, 2**64 + 5]), st.just(1.5),
                  st.just("8"), st.just(None))
BINS = st.one_of(st.integers(-2, 40), st.sampled_from([2**20, 2**20 + 1, 2**40]), st.just(None))
NAN_POLICY = st.sampled_from(["raise", "omit", "propagate", "skip", "bogus", ""])
ITEMS = st.one_of(st.integers(-1, 300), st.sampled_from([2**16, 2**16 + 1, 2**40]))


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Optional[Any]:
    """Calls fn; returns its result, or None on a TradewardenError; fails on anything else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except TradewardenError:
            return None
        except BaseException as e:  # noqa: BLE001 — PanicException derives from BaseException
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            pytest.fail(
                f"{getattr(fn, '__module__', '')}.{getattr(fn, '__name__', fn)} raised {type(e).__module__}."
                f"{type(e).__name__}: {e!s:.300} (want a result or a TradewardenError)"
            )


def exact_ks(reference: np.ndarray, current: np.ndarray) -> float:
    """KS statistic of two finite samples, by definition (sup |F1 − F2| over the pooled values)."""
    a, b = np.sort(reference), np.sort(current)
    pooled = np.concatenate([a, b])
    f1 = np.searchsorted(a, pooled, side="right") / a.size
    f2 = np.searchsorted(b, pooled, side="right") / b.size
    return float(np.max(np.abs(f1 - f2)))


def intervals_hold(report: Any, reference: np.ndarray, current: np.ndarray) -> None:
    for f in report.features:
        lo, hi = f["statistic_lo"], f["statistic_hi"]
        assert 0.0 <= lo <= hi <= 1.0 + 1e-12, f
        assert hi - lo <= report.rank_bounds[f["name"]] + 1e-12, (f, report.rank_bounds)
        d = exact_ks(reference, current)
        assert lo - 1e-12 <= d <= hi + 1e-12, (d, f)


@SETTINGS
@given(x=SERIES, y=SERIES, cells=CELLS, bins=BINS, nan_policy=NAN_POLICY, items=ITEMS)
def test_bounded_report_hostile(x: Any, y: Any, cells: Any, bins: Any, nan_policy: str, items: Any) -> None:
    outcome(dr.bounded_report, {"f": x}, {"f": y}, cells=cells, bins=bins, nan_policy=nan_policy, items=items)


@SETTINGS
@given(x=FINITE, y=FINITE, cells=st.one_of(st.integers(1, 80), st.just(2**24)), bins=st.integers(2, 20))
def test_bounded_report_intervals_hold(x: np.ndarray, y: np.ndarray, cells: int, bins: int) -> None:
    rep = outcome(dr.bounded_report, {"f": x}, {"f": y}, cells=cells, bins=bins, items=200)
    if rep is None:  # a constant or too-short reference may be refused, with a typed error
        return
    intervals_hold(rep, x, y)
    # the report's artefacts round-trip through their bytes, and score the same from them
    grid = dr.SketchGrid.from_bytes(rep.grid.to_bytes())
    assert grid.to_bytes() == rep.grid.to_bytes()
    scorer = dr.StateScorer.from_bytes(rep.scorer.to_bytes())
    assert scorer.to_bytes() == rep.scorer.to_bytes()
    assert scorer.ks_bounds(grid.state({"f": y})) == rep.features
    # partitioned: the merged reference parts and counts give the same intervals
    h = max(1, x.size // 2)
    if x.size > h:
        (p1, c1), (p2, c2) = grid.reference_part({"f": x[:h]}), grid.reference_part({"f": x[h:]})
        merged = dr.StateScorer.from_grid_counts(dr.profile_from_partitions([p1, p2]), grid,
                                                 dr.GridCounts.merge_all([c1, c2.to_bytes()]))
        assert merged.ks_bounds(grid.state({"f": y})) == rep.features


@SETTINGS
@given(x=SERIES, y=SERIES, cells=CELLS, bins=BINS, nan_policy=NAN_POLICY,
       strategy=st.sampled_from(["quantile", "uniform", "sturges", "bogus"]),
       options=st.dictionaries(st.sampled_from(["alpha", "psi_mode", "bogus", "method"]),
                               st.one_of(FLOATS, st.sampled_from(["standard", "evidently", "x", None])),
                               max_size=2))
def test_state_scorer_hostile(x: Any, y: Any, cells: Any, bins: Any, nan_policy: str, strategy: str,
                              options: dict) -> None:
    profile = outcome(dr.Profile.fit, {"f": x}, bins=bins if bins is not None else 10, strategy=strategy,
                      nan_policy=nan_policy)
    if profile is None:
        return
    scorer = outcome(dr.StateScorer.from_profile, profile, cells)
    if scorer is None:
        return
    # a scorer's compact form always loads back (capi fuzz finding 6: a Sturges feature did not)
    again = dr.StateScorer.from_bytes(scorer.to_bytes())
    assert again.to_bytes() == scorer.to_bytes()
    state = outcome(scorer.state, {"f": y})
    if state is not None:
        outcome(scorer.ks_bounds, state, **options)
        outcome(again.ks_bounds, state, **options)
    outcome(scorer.rank_bounds)


@SETTINGS
@given(x=SERIES, y=SERIES, cells=CELLS, bins=BINS, nan_policy=NAN_POLICY, items=ITEMS)
def test_sketch_grid_hostile(x: Any, y: Any, cells: Any, bins: Any, nan_policy: str, items: Any) -> None:
    grid = outcome(dr.SketchGrid.from_reference, {"f": x, "c": np.array(["a", "b"] * 3, dtype=object)},
                   bins=bins, cells=cells, nan_policy=nan_policy, items=items)
    if grid is None:
        return
    assert dr.SketchGrid.from_bytes(grid.to_bytes()).to_bytes() == grid.to_bytes()
    outcome(grid.state, {"f": y})
    outcome(grid.state, {"f": y, "zz": y})
    part = outcome(grid.reference_part, {"f": y, "c": ["a"] * (np.size(y) if np.ndim(y) == 1 else 1)})
    if part is not None:
        counts = part[1]
        assert dr.GridCounts.from_bytes(counts.to_bytes()).to_bytes() == counts.to_bytes()
        outcome(dr.GridCounts.merge_all, [counts, counts])
        outcome(dr.StateScorer.from_grid_counts, part[0], grid, counts)
    outcome(grid.scorer, {"f": x})


def _valid_artefacts() -> list:
    r = np.linspace(-3.0, 3.0, 120) ** 3
    grid = dr.SketchGrid.from_reference({"f": r}, bins=6, cells=16, items=200)
    _, counts = grid.reference_part({"f": r})
    scorer = grid.scorer({"f": r})
    return [
        (dr.SketchGrid.from_bytes, grid.to_bytes()),
        (dr.GridCounts.from_bytes, counts.to_bytes()),
        (dr.StateScorer.from_bytes, scorer.to_bytes()),
    ]


VALID = _valid_artefacts()


@SETTINGS
@given(which=st.integers(0, 2), pos=st.integers(0, 10**6), bit=st.integers(0, 7), cut=st.integers(0, 10**6),
       junk=st.binary(max_size=200), how=st.integers(0, 3))
def test_artefact_bytes_hostile(which: int, pos: int, bit: int, cut: int, junk: bytes, how: int) -> None:
    load, good = VALID[which]
    assert load(good).to_bytes() == good
    if how == 0:  # one bit flipped: refused (the checksum or a field)
        b = bytearray(good)
        b[pos % len(b)] ^= 1 << bit
        with pytest.raises(TradewardenError):
            load(bytes(b))
    elif how == 1:  # truncated: refused as corrupt
        with pytest.raises(CorruptError):
            load(good[: cut % len(good)])
    elif how == 2:  # trailing junk: refused
        if junk:
            with pytest.raises(TradewardenError):
                load(good + junk)
    else:  # noise: loaded (then it re-encodes to itself) or refused
        got = outcome(load, junk)
        if got is not None:
            assert load(got.to_bytes()).to_bytes() == got.to_bytes()


@SETTINGS
@given(parts=st.lists(st.one_of(st.just(None), st.integers(), st.binary(max_size=40), st.just("x"),
                                st.just(b"TWGC")), max_size=3))
def test_grid_counts_merge_all_hostile(parts: list) -> None:
    outcome(dr.GridCounts.merge_all, parts)
    good = dr.GridCounts.from_bytes(VALID[1][1])
    outcome(dr.GridCounts.merge_all, [good] + parts)


@SETTINGS
@given(a=st.one_of(st.just(None), st.integers(), st.just("x")), b=st.one_of(st.just(None), st.just(3)))
def test_from_grid_counts_wrong_types(a: Any, b: Any) -> None:
    grid = dr.SketchGrid.from_bytes(VALID[0][1])
    counts = dr.GridCounts.from_bytes(VALID[1][1])
    outcome(dr.StateScorer.from_grid_counts, a, grid, counts)
    outcome(dr.StateScorer.from_grid_counts, dr.Profile.fit({"f": np.arange(10.0)}), b, counts)
    outcome(dr.StateScorer.from_grid_counts, dr.Profile.fit({"f": np.arange(10.0)}), grid, counts)
