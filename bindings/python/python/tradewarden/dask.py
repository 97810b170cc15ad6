"""Drift profiles and reports over Dask DataFrames (partitioned Parquet), on the user's own cluster.

We do not schedule anything: each partition is fitted on a worker with ``map_partitions``
(:meth:`tradewarden.drift.Profile.fit`), the partition profiles travel as their checksummed bytes and
are merged at once (:func:`~tradewarden.drift.profile_from_partitions`: sorted runs merged in one tree,
each feature rebuilt once) — in this process by default, so every profile travels once, or with
``split_every=k`` in a tree of k-way merges on the workers. With ``keep_reference=True`` (the default)
the merged profile **equals** the profile fitted on all the data in one process — quantile edges are
refitted on the merged sorted values, counts and moments are recomputed — so the report equals the
single-machine report exactly.

Without the stored reference (``keep_reference=False``, for references too large to keep sorted),
quantile edges come from a mergeable KLL sketch in a first pass (rank error ≤ the sketch's stated
bound), and the second pass bins every partition on those edges exactly.

::

    import dask.dataframe as dd
    from tradewarden import dask as twd

    reference = dd.read_parquet("reference/")           # partitioned Parquet
    current = dd.read_parquet("current/")
    profile = twd.fit_profile(reference, bins=10)       # == Profile.fit(reference.compute())
    report = twd.score(profile, current)                # == profile.score(current.compute())

Current data is scored where it lies (:func:`score`): the frozen profile is broadcast once (one dependency
of the graph), each partition returns a :class:`~tradewarden.drift.ScoreState` — counts of its values in
the reference's cells and bins, category counts — whose size depends on the reference, not on the rows;
the states merge by addition and the report of the merged state equals the single-process report bit for
bit. Options whose bins depend on the current values (``psi_mode='evidently'``, Sturges bins) fall back to
the exact-merge path (current profiles with their sorted values; bytes grow with the rows).

Partitions with no rows are skipped; a partition with a single row cannot be fitted on its own
(repartition first). See ``docs/scale-out.md`` (Dask and Spark).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .drift import (BoundedReport, DriftReport, GridCounts, Profile, ScoreState, SketchGrid, StateScorer, _scorer_state,
                    profile_from_partitions)
from .errors import InvalidInputError

__all__ = ["fit_profile", "score", "drift_report", "merge_tree", "drift_report_bounded", "sketch_grid",
           "BroadcastProfile", "prepare"]


def _require_dask() -> Any:
    try:
        import dask
        import dask.dataframe  # noqa: F401
    except ImportError as e:  # pragma: no cover - exercised only without dask
        raise ImportError("tradewarden.dask needs dask[dataframe]: pip install 'dask[dataframe]'") from e
    return dask


def _columns(ddf: Any, columns: Optional[Sequence[str]]) -> List[str]:
    if not hasattr(ddf, "map_partitions") or not hasattr(ddf, "columns"):
        raise InvalidInputError(f"expected a dask DataFrame, got {type(ddf).__name__}")
    cols = list(ddf.columns) if columns is None else [str(c) for c in columns]
    if not cols:
        raise InvalidInputError("columns is empty: a profile needs at least one feature")
    missing = [c for c in cols if c not in ddf.columns]
    if missing:
        raise InvalidInputError(f"columns {missing} are not in the dask DataFrame (has {list(ddf.columns)})")
    return cols


def _fit_partition(pdf: Any, cols: List[str], bins: Any, strategy: str, nan_policy: str,
                   keep_reference: bool) -> Any:
    import pandas as pd

    if len(pdf) == 0:
        return pd.Series([None], dtype=object)
    p = Profile.fit(pdf[cols], bins, strategy, nan_policy=nan_policy, keep_reference=keep_reference)
    return pd.Series([p.to_bytes()], dtype=object)


def _merge_bytes(*blobs: Any) -> Optional[bytes]:
    """Merges partition profiles given as bytes (or one-element Series of bytes) at once; None = empty."""
    parts = []
    for b in blobs:
        if b is not None and hasattr(b, "iloc"):
            b = b.iloc[0] if len(b) else None
        if b is not None:
            parts.append(b)
    return profile_from_partitions(parts).to_bytes() if parts else None


def merge_tree(parts: Sequence[Any], split_every: int = 16) -> Any:
    """A dask.delayed tree of merges over delayed partition profiles (bytes); returns one delayed
    bytes object (None when every partition was empty). Each node merges up to ``split_every``
    profiles at once (:func:`~tradewarden.drift.profile_from_partitions`); a larger value moves the
    data fewer times but merges more of it on one worker."""
    _require_dask()
    if split_every < 2:
        raise InvalidInputError(f"split_every must be >= 2, got {split_every}")
    level = list(parts)
    if not level:
        raise InvalidInputError("the dask DataFrame has no partitions")
    return _reduce_tree(level, _merge_bytes, split_every)


def _delayed(fn: Any) -> Any:
    """``dask.delayed(fn, pure=True)``."""
    from dask.delayed import delayed

    return delayed(fn, pure=True)


def _compute(*parts: Any) -> Tuple[Any, ...]:
    """``dask.compute(*parts)``."""
    from dask.base import compute

    out: Tuple[Any, ...] = compute(*parts)  # type: ignore[no-untyped-call]  # dask's compute() has no annotations
    return out


def _reduce_tree(level: List[Any], fn: Any, every: int) -> Any:
    """Delayed ``fn`` over groups of ``every`` items, level after level, down to one node; the first
    level always runs, so a single partition's one-element Series is unpacked too."""

    node = _delayed(fn)
    level = [node(*level[i:i + every]) for i in range(0, len(level), every)]
    while len(level) > 1:
        level = [node(*level[i:i + every]) for i in range(0, len(level), every)]
    return level[0]


def _compute_profile(delayed_bytes: Any, what: str) -> Profile:
    blob = delayed_bytes.compute()
    if blob is None:
        raise InvalidInputError(f"{what} has no rows in any partition")
    return Profile.from_bytes(blob)


def _fit_partitions(ddf: Any, cols: List[str], bins: Any, strategy: str, nan_policy: str, keep_reference: bool,
                    split_every: Optional[int]) -> Profile:
    """Fits every partition on the workers and merges the partition profiles: all at once in this process
    (``split_every=None``, the default: each profile travels once), or in a tree of merges on the workers."""
    import pandas as pd

    fitted = ddf.map_partitions(_fit_partition, cols, bins, strategy, nan_policy, keep_reference,
                                meta=pd.Series(dtype=object))
    if split_every is None:
        blobs = [b for b in fitted.compute() if b is not None]
        if not blobs:
            raise InvalidInputError("the dask DataFrame has no rows in any partition")
        return profile_from_partitions(blobs)
    return _compute_profile(merge_tree(fitted.to_delayed(), split_every), "the dask DataFrame")


def fit_profile(ddf: Any, bins: Union[int, Sequence[float]] = 10, strategy: str = "quantile", *,
                columns: Optional[Sequence[str]] = None, nan_policy: str = "raise", keep_reference: bool = True,
                split_every: Optional[int] = None) -> Profile:
    """The reference profile of a Dask DataFrame, fitted per partition and merged.

    With ``keep_reference=True`` it equals ``Profile.fit(ddf.compute(), ...)``. With
    ``keep_reference=False`` and quantile bins, the edges come from merged KLL sketches (a first pass;
    rank error within the sketch's bound) and the counts from a second, exact pass.
    """
    _require_dask()
    cols = _columns(ddf, columns)
    if not keep_reference and strategy == "quantile" and isinstance(bins, int):
        return _fit_two_pass(ddf, cols, bins, nan_policy, split_every)
    return _fit_partitions(ddf, cols, bins, strategy, nan_policy, keep_reference, split_every)


def _sketch_partition(pdf: Any, cols: List[str], nan_policy: str) -> Any:
    import pandas as pd

    from .drift import QuantileSketch

    out = {}
    for c in cols:
        if len(pdf) and pd.api.types.is_numeric_dtype(pdf[c].dtype):
            out[c] = QuantileSketch.from_values(pdf[c].to_numpy(dtype="float64"), nan_policy=nan_policy).to_json()
    return pd.Series([out], dtype=object)


def _merge_sketches(*parts: Any) -> Dict[str, Any]:
    from .drift import QuantileSketch

    merged: Dict[str, Any] = {}
    for p in parts:
        if hasattr(p, "iloc"):
            p = p.iloc[0] if len(p) else {}
        for c, text in p.items():
            s = QuantileSketch.from_json(text)
            if c in merged:
                merged[c].merge(s)
            else:
                merged[c] = s
    return {c: s.to_json() for c, s in merged.items()}


def _fit_two_pass(ddf: Any, cols: List[str], bins: int, nan_policy: str, split_every: Optional[int]) -> Profile:
    """keep_reference=False with quantile bins: pass 1 sketches every numeric column per partition and
    merges the sketches (KLL, rank error within its bound); pass 2 fits every partition with the sketch's
    quantile edges as explicit edges, which merge exactly."""
    import pandas as pd

    from .drift import QuantileSketch

    _require_dask()
    sketches = ddf.map_partitions(_sketch_partition, cols, nan_policy, meta=pd.Series(dtype=object))
    # sketches are a few kB: a tree on the workers costs nothing
    tree = _reduce_tree(list(sketches.to_delayed()), _merge_sketches, split_every or 16)
    merged = {c: QuantileSketch.from_json(t) for c, t in tree.compute().items()}
    edges = {c: merged[c].quantile_edges(bins)[1:-1] for c in cols if c in merged}
    fitted = ddf.map_partitions(_fit_partition_edges, cols, edges, bins, nan_policy, meta=pd.Series(dtype=object))
    if split_every is None:
        return profile_from_partitions([b for b in fitted.compute() if b is not None])
    return _compute_profile(merge_tree(fitted.to_delayed(), split_every), "the reference")


def _fit_partition_edges(pdf: Any, cols: List[str], edges: Dict[str, Any], bins: int, nan_policy: str) -> Any:
    """Pass 2: each numeric column binned on its own explicit edges, without the stored reference."""
    import pandas as pd

    if len(pdf) == 0:
        return pd.Series([None], dtype=object)
    parts = [Profile.fit(pdf[[c]], e, nan_policy=nan_policy, keep_reference=False) for c, e in edges.items()]
    others = [c for c in cols if c not in edges]
    if others:
        parts.append(Profile.fit(pdf[others], bins, nan_policy=nan_policy, keep_reference=False))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return pd.Series([out.to_bytes()], dtype=object)


_SCORERS: Dict[Tuple[Any, ...], Tuple[Any, ...]] = {}
# Per worker process: how many times a broadcast payload arrived as a new bytes object ("received": it was sent
# to this worker again) and how many times one was decoded ("decoded"). Read by tests (Client.run).
_BROADCAST_STATS: Dict[str, int] = {"received": 0, "decoded": 0}


def _broadcast_stats() -> Dict[str, int]:
    """This process's broadcast counters (see ``_BROADCAST_STATS``)."""
    return dict(_BROADCAST_STATS)


def _cached(blob: bytes, key: Tuple[Any, ...], build: Any) -> Any:
    """``build(blob)`` once per worker process and payload: the entry is reused while the same bytes arrive
    (the same object — a scattered future, or one graph dependency — is an identity check; equal bytes sent
    again are compared but not decoded). One payload is kept at a time."""
    full = (hash(blob),) + key
    hit = _SCORERS.get(full)
    if hit is not None and hit[0] is blob:
        return hit[1]
    _BROADCAST_STATS["received"] += 1
    if hit is not None and hit[0] == blob:
        _SCORERS[full] = (blob, hit[1])
        return hit[1]
    _BROADCAST_STATS["decoded"] += 1
    value = build(blob)
    _SCORERS.clear()  # one broadcast payload at a time: memory stays one profile
    _SCORERS[full] = (blob, value)
    return value


def _broadcast_scorer(blob: bytes, cells: Optional[int]) -> Any:
    """The state scorer of broadcast bytes — a profile's binary form (exact grids: the profile is decoded and
    validated, its checksum and cell grids computed) or, for bounded grids, the compact scorer
    (``StateScorer.to_bytes``: the profile without its reference plus the K-point grids, kilobytes) — once per
    worker process: every task of a worker receives the same bytes object (one dependency of the graph),
    whose hash CPython caches, and equality with the same object is an identity check."""
    from . import _native

    def build(b: bytes) -> Any:
        if b[:4] == b"TWSC":  # the compact scorer (its grid is in it)
            return _native.StateScorer.from_bytes(b)
        return _native.StateScorer.from_profile_bytes(b, cells)

    return _cached(blob, ("scorer", cells), build)


def _state_partition(pdf: Any, profile_bytes: bytes, cols: List[str], cells: Optional[int]) -> Any:
    """One partition scored where it lies: the bytes of its score state (None for an empty partition)."""
    import pandas as pd

    if len(pdf) == 0:
        return pd.Series([None], dtype=object)
    state = _scorer_state(_broadcast_scorer(profile_bytes, cells), pdf[cols])
    return pd.Series([state.to_bytes()], dtype=object)


def _merge_state_bytes(*blobs: Any) -> Optional[bytes]:
    """Merges score states given as bytes (or one-element Series of bytes); None = every part empty."""
    parts = []
    for b in blobs:
        if b is not None and hasattr(b, "iloc"):
            b = b.iloc[0] if len(b) else None
        if b is not None:
            parts.append(b)
    return ScoreState.merge_all(parts).to_bytes() if parts else None


def score_state(profile: "Union[Profile, StateScorer, BroadcastProfile]", current: Any, *, columns: Optional[Sequence[str]] = None,
                split_every: Optional[int] = None, cells: Optional[int] = None) -> ScoreState:
    """The merged :class:`~tradewarden.drift.ScoreState` of a Dask DataFrame against ``profile``: the
    profile's bytes (with ``cells=K``: only the compact scorer — the profile without its reference and the
    K-point grids) are one dependency of the graph (serialised once, sent once to each worker, decoded once
    per worker process), each partition returns its state's bytes (size set by the reference, not the rows),
    and the states are merged in this process (default) or in a tree of ``split_every``-way merges on the
    workers. ``cells=K`` builds bounded states (K grid points: :meth:`ScoreState.ks_bounds`). The profile's
    own NaN policy applies. ``columns`` defaults to the profile's features.

    ``profile`` may be a :class:`~tradewarden.drift.StateScorer` instead (e.g. ``StateScorer.load`` of the
    file saved beside the frozen reference): its compact form is what is shipped, its grid decides exact
    or bounded (``cells`` must then be None or equal to it), and ``scorer.ks_bounds(state)`` reads the
    result — the client never loads the reference."""
    import pandas as pd

    _require_dask()
    if split_every is not None and split_every < 2:
        raise InvalidInputError(f"split_every must be >= 2, got {split_every}")
    if isinstance(profile, BroadcastProfile):
        if cells is not None and cells != profile.cells:
            raise InvalidInputError(f"cells={cells} differs from the prepared profile's (cells={profile.cells}): "
                                    "pass cells=None with a BroadcastProfile")
        cells = profile.cells
        cols = _columns(current, columns if columns is not None else profile.features)
        profile.check(current._meta[cols])
        blob = profile._future
        states = current.map_partitions(_state_partition, blob, cols, cells, meta=pd.Series(dtype=object))
        return _merged_states(states, split_every)
    if isinstance(profile, StateScorer):
        if cells is not None and cells != profile.cells:
            raise InvalidInputError(f"cells={cells} differs from the scorer's grid (cells={profile.cells}): "
                                    "pass cells=None with a StateScorer")
        cells = profile.cells
        cols = _columns(current, columns if columns is not None else profile.features)
        profile.state(current._meta[cols])  # checked on the empty meta frame before any task runs
        payload = profile.to_bytes()
    elif isinstance(profile, Profile):
        cols = _columns(current, columns if columns is not None else [c for c in profile.features])
        # checked here, on the empty meta frame, before any task runs (unknown features, Sturges bins, a
        # profile without its stored reference)
        profile.score_state(current._meta[cols], cells=cells)
        if cells is None:
            payload = profile.to_bytes()
        else:
            # a bounded grid needs K points per feature, not the reference: ship the compact scorer (kilobytes
            # instead of the whole profile — the way to score against a reference too large to broadcast)
            payload = StateScorer.from_profile(profile, cells).to_bytes()
    else:
        raise InvalidInputError(f"profile must be a Profile or a StateScorer, got {type(profile).__name__}")
    blob = _delayed(payload)
    states = current.map_partitions(_state_partition, blob, cols, cells, meta=pd.Series(dtype=object))
    return _merged_states(states, split_every)


def _payload(profile: "Union[Profile, StateScorer]", cells: Optional[int]) -> Tuple[bytes, Optional[int]]:
    """What a job broadcasts for ``profile``: a scorer's compact form, a profile's bytes (exact grid) or the
    compact scorer of its K-point grid; and the grid's K."""
    if isinstance(profile, StateScorer):
        if cells is not None and cells != profile.cells:
            raise InvalidInputError(f"cells={cells} differs from the scorer's grid (cells={profile.cells}): "
                                    "pass cells=None with a StateScorer")
        return profile.to_bytes(), profile.cells
    if isinstance(profile, Profile):
        if cells is None:
            return profile.to_bytes(), None
        return StateScorer.from_profile(profile, cells).to_bytes(), cells
    raise InvalidInputError(f"profile must be a Profile or a StateScorer, got {type(profile).__name__}")


class BroadcastProfile:
    """A profile (or scorer) sent once to every worker of a ``distributed`` client and kept there:
    :func:`score_state` (and ``score(..., method='states')``) with this handle instead of the profile reuse the
    scattered bytes, so later jobs send nothing and each worker process decodes the profile once (its cache is
    keyed by the very bytes object it holds). Release it with :meth:`release` (or let it be collected)."""

    __slots__ = ("_future", "cells", "features", "_scorer", "profile")

    def __init__(self, profile: "Union[Profile, StateScorer]", client: Any, *, cells: Optional[int] = None) -> None:
        payload, self.cells = _payload(profile, cells)
        # the client's own Profile, for score() (reports are computed here); None for a StateScorer
        self.profile: Optional[Profile] = profile if isinstance(profile, Profile) else None
        self._scorer = _native_scorer(payload, self.cells)
        self.features: List[str] = list(self._scorer.features())
        # hash=False: a fresh key, so that releasing this handle never drops another handle's data
        self._future = client.scatter(payload, broadcast=True, hash=False)

    def check(self, meta: Any) -> None:
        """Scores the empty meta frame here (unknown features, unsupported profiles) before any task runs."""
        _scorer_state(self._scorer, meta)

    def release(self) -> None:
        """Drops the workers' copies."""
        self._future.release()

    def __repr__(self) -> str:
        return f"BroadcastProfile(features={self.features!r}, cells={self.cells!r})"


def _native_scorer(payload: bytes, cells: Optional[int]) -> Any:
    from . import _native

    if payload[:4] == b"TWSC":
        return _native.StateScorer.from_bytes(payload)
    return _native.StateScorer.from_profile_bytes(payload, cells)


def prepare(profile: "Union[Profile, StateScorer]", client: Any, *, cells: Optional[int] = None) -> BroadcastProfile:
    """Sends ``profile`` (a :class:`Profile`, exact or with ``cells=K``, or a :class:`StateScorer`) to every worker
    of ``client`` once (``client.scatter(..., broadcast=True)``): pass the handle to :func:`score_state` in as
    many jobs as needed."""
    _require_dask()
    return BroadcastProfile(profile, client, cells=cells)


def _merged_states(states: Any, split_every: Optional[int]) -> ScoreState:
    if split_every is None:
        merged = _merge_state_bytes(*[b for b in states.compute() if b is not None])
    else:
        merged = _reduce_tree(list(states.to_delayed()), _merge_state_bytes, split_every).compute()
    if merged is None:
        raise InvalidInputError("the dask DataFrame has no rows in any partition")
    return ScoreState.from_bytes(merged)


def _grid(blob: bytes) -> Any:
    """The sketch grid of broadcast bytes, decoded once per worker process."""
    from . import _native

    return _cached(blob, ("grid",), _native.SketchGrid.from_bytes)


def _grid_reference_partition(pdf: Any, grid_bytes: bytes, cols: List[str]) -> Any:
    """Pass 2, a reference partition: (its profile on the grid's edges, its counts at the points) as bytes."""
    import pandas as pd

    if len(pdf) == 0:
        return pd.Series([None], dtype=object)
    p, c = SketchGrid(_grid(grid_bytes)).reference_part(pdf[cols])
    return pd.Series([(p.to_bytes(), c.to_bytes())], dtype=object)


def _grid_state_partition(pdf: Any, grid_bytes: bytes, cols: List[str]) -> Any:
    """Pass 2, a current partition: its bounded state at the grid's points (the points are all it needs)."""
    import pandas as pd

    if len(pdf) == 0:
        return pd.Series([None], dtype=object)
    return pd.Series([SketchGrid(_grid(grid_bytes)).state(pdf[cols]).to_bytes()], dtype=object)


def _merge_reference_parts(*parts: Any) -> Optional[Tuple[bytes, bytes]]:
    """Merges (profile bytes, counts bytes) pairs; None = every part empty."""
    pairs = []
    for b in parts:
        if b is not None and hasattr(b, "iloc"):
            b = b.iloc[0] if len(b) else None
        if b is not None:
            pairs.append(b)
    if not pairs:
        return None
    profile = profile_from_partitions([p for p, _ in pairs])
    counts = GridCounts.merge_all([c for _, c in pairs])
    return profile.to_bytes(), counts.to_bytes()


def _summary_partition(pdf: Any, cols: List[str], items: int, nan_policy: str) -> Any:
    """Pass 1, a reference partition: the bytes of a deterministic rank summary per numeric column."""
    import pandas as pd

    from . import _native
    from ._tables import as_1d

    out = {}
    for c in cols:
        if len(pdf) and pd.api.types.is_numeric_dtype(pdf[c].dtype):
            values = as_1d(pdf[c].to_numpy(dtype="float64"), c)  # contiguous and aligned (a persisted frame may not be)
            out[c] = _native.RankSummary.from_values(values, items, nan_policy).to_bytes()
    return pd.Series([out], dtype=object)


def _merge_summaries(*parts: Any, items: int = 4096) -> Dict[str, bytes]:
    """One node of the pass-1 merge tree, per column: ``RankSummary.merge_node`` (the union of the parts,
    compressed to ``items`` when it holds more than 2·``items``: the rule lives in the crate; the result
    depends on the tree: the same partitioning and ``split_every``, the same bytes)."""
    from . import _native

    by_column: Dict[str, List[Any]] = {}
    for p in parts:
        if hasattr(p, "iloc"):
            p = p.iloc[0] if len(p) else {}
        for c, blob in p.items():
            by_column.setdefault(c, []).append(_native.RankSummary.from_bytes(blob))
    return {c: _native.RankSummary.merge_node(s, items).to_bytes() for c, s in by_column.items()}


def sketch_grid(reference: Any, *, cells: int = 1024, bins: int = 10, columns: Optional[Sequence[str]] = None,
                nan_policy: str = "raise", split_every: Optional[int] = None, items: int = 4096) -> SketchGrid:
    """Pass 1 of :func:`drift_report_bounded`: a deterministic :class:`~tradewarden.drift.RankSummary`
    (``items`` = m evenly spaced ranks) of every numeric column per reference partition, merged in a tree on
    the workers (16·m bytes per column and partition; a tree node holding more than 2m items per column
    compresses them to m), and the :class:`~tradewarden.drift.SketchGrid` of K points and ``bins`` quantile
    edges per numeric feature (other columns are categorical features). The merged summary's rank error is
    below n/m times (1 + the number of tree levels that compressed); the same partitioning and
    ``split_every`` give the same grid, bit for bit."""
    import functools

    import pandas as pd

    from .drift import RankSummary, _size

    _require_dask()
    items = _size("items", items)
    cols = _columns(reference, columns)
    parts = reference.map_partitions(_summary_partition, cols, items, nan_policy, meta=pd.Series(dtype=object))
    merge = functools.partial(_merge_summaries, items=items)
    merged = _reduce_tree(list(parts.to_delayed()), merge, split_every or 16).compute()
    numeric = {c: RankSummary.from_bytes(merged[c]) for c in cols if c in merged}
    meta = reference._meta
    categorical = [c for c in cols if not pd.api.types.is_numeric_dtype(meta[c].dtype)]
    missing = [c for c in cols if c not in numeric and c not in categorical]
    if missing:
        raise InvalidInputError(f"numeric columns {missing} have no finite value in any partition")
    return SketchGrid.from_summaries(numeric, categorical, bins=bins, cells=cells, nan_policy=nan_policy)


def drift_report_bounded(reference: Any, current: Any, *, cells: int = 1024, bins: int = 10,
                         columns: Optional[Sequence[str]] = None, nan_policy: str = "raise",
                         split_every: Optional[int] = None, grid: Optional[SketchGrid] = None,
                         items: int = 4096, persist: bool = False, **options: Any) -> BoundedReport:
    """The whole bounded job on Dask — reference fitted and current scored — without bringing the reference
    (or any row) to this process.

    Pass 1 (:func:`sketch_grid`, skipped when ``grid`` is given): a deterministic rank summary (``items``
    ranks) of the reference per partition, tree-merged; the grid's K points and ``bins`` edges per numeric
    feature — the same partitioning gives the same grid every run. ``persist=True`` keeps the reference in
    the workers' memory between the passes (read once instead of twice; it must fit). Pass 2, in one ``dask.compute``:
    each reference partition returns its profile on the edges and its exact counts at the points, each
    current partition its bounded score state at the points (the grid is one dependency of the graph,
    decoded once per worker process). Here: the partition results (kilobytes each) are merged, the compact
    scorer is built (:meth:`StateScorer.from_grid_counts`) and read (:meth:`StateScorer.ks_bounds`): KS
    intervals that hold the exact statistic and are at most ``rank_bounds`` wide, exact PSI / Jensen–Shannon.
    Equal, bit for bit, to :func:`tradewarden.drift.bounded_report` on the computed frames with the same
    ``grid``. ``split_every=k`` merges in a tree of k-way merges on the workers instead."""
    import pandas as pd

    _require_dask()
    cols = _columns(reference, columns)
    _columns(current, cols)
    if split_every is not None and split_every < 2:
        raise InvalidInputError(f"split_every must be >= 2, got {split_every}")
    if persist:
        reference = reference[cols].persist()
    if grid is None:
        grid = sketch_grid(reference, cells=cells, bins=bins, columns=cols, nan_policy=nan_policy,
                           split_every=split_every, items=items)
    elif not isinstance(grid, SketchGrid):
        raise InvalidInputError(f"grid must be a SketchGrid, got {type(grid).__name__}")
    grid.state(current._meta[cols])  # checked on the empty meta frame before any task runs
    blob = _delayed(grid.to_bytes())
    ref = reference.map_partitions(_grid_reference_partition, blob, cols, meta=pd.Series(dtype=object))
    cur = current.map_partitions(_grid_state_partition, blob, cols, meta=pd.Series(dtype=object))
    if split_every is None:
        ref_parts, cur_parts = _compute(ref, cur)
        merged_ref = _merge_reference_parts(*[b for b in ref_parts if b is not None])
        merged_cur = _merge_state_bytes(*[b for b in cur_parts if b is not None])
    else:
        merged_ref, merged_cur = _compute(
            _reduce_tree(list(ref.to_delayed()), _merge_reference_parts, split_every),
            _reduce_tree(list(cur.to_delayed()), _merge_state_bytes, split_every))
    if merged_ref is None:
        raise InvalidInputError("the reference has no rows in any partition")
    if merged_cur is None:
        raise InvalidInputError("the current dask DataFrame has no rows in any partition")
    scorer = StateScorer.from_grid_counts(Profile.from_bytes(merged_ref[0]), grid,
                                          GridCounts.from_bytes(merged_ref[1]))
    state = ScoreState.from_bytes(merged_cur)
    return BoundedReport(scorer.ks_bounds(state, **options), scorer, grid, state)


def score(profile: "Union[Profile, BroadcastProfile]", current: Any, *, columns: Optional[Sequence[str]] = None, nan_policy: str = "raise",
          split_every: Optional[int] = None, method: str = "auto", **options: Any) -> DriftReport:
    """Drift of a Dask DataFrame against ``profile``, equal to ``profile.score(current.compute(), **options)``
    bit for bit (features in name order). ``columns`` defaults to the profile's features; options as
    :meth:`Profile.score`.

    ``method='states'``: score states (:func:`score_state`) — each partition is scored where it lies against
    the broadcast profile and only its state travels; the report is computed once from the merged state.
    The profile's own NaN policy applies, as in :meth:`Profile.score` (``nan_policy`` is not used).

    ``method='profiles'``: the older exact-merge path — each partition's current profile (sorted values) is
    fitted with ``nan_policy``, merged and scored with :meth:`Profile.score_profile`; the bytes moved grow
    with the rows. ``method='auto'`` (default) takes ``'states'`` unless the options or the profile need the
    current values themselves — ``psi_mode='evidently'`` or Sturges bins, whose bins depend on the current
    sample, are not supported by score states — and then ``'profiles'``.
    """
    _require_dask()
    if isinstance(profile, BroadcastProfile):
        # a prepared exact profile: the states path with the workers' copy (nothing sent again)
        if profile.profile is None or profile.cells is not None:
            raise InvalidInputError("score() takes a BroadcastProfile prepared from a Profile with cells=None "
                                    "(bounded states: score_state(handle, ...) and ks_bounds)")
        if method == "profiles" or options.get("psi_mode") == "evidently":
            raise InvalidInputError("a BroadcastProfile is scored with score states: method='states' (or 'auto'), "
                                    "and a psi_mode they support")
        state = score_state(profile, current, columns=columns, split_every=split_every)
        return state.report(profile.profile, **options)
    if not isinstance(profile, Profile):
        raise InvalidInputError(f"profile must be a Profile, got {type(profile).__name__}")
    if method not in ("auto", "states", "profiles"):
        raise InvalidInputError(f"method must be 'auto', 'states' or 'profiles', got {method!r}")
    cols = _columns(current, columns if columns is not None else [c for c in profile.features])
    if method != "profiles":
        unsupported = options.get("psi_mode") == "evidently"
        if not unsupported:
            try:
                profile.score_state(current._meta[cols])
            except InvalidInputError as e:
                if method == "states" or "not supported by score states" not in str(e):
                    raise
                unsupported = True
        if not unsupported:
            return score_state(profile, current, columns=cols, split_every=split_every).report(profile, **options)
        if method == "states":
            raise InvalidInputError("psi_mode='evidently' is not supported by score states: "
                                    "use method='profiles' (or 'auto')")
    # the current profile's own bins are never used by the report: two explicit bins keep the fit cheap
    cur = _fit_partitions(current, cols, [0.0], "quantile", nan_policy, True, split_every)
    return profile.score_profile(cur, **options)


def drift_report(reference: Any, current: Any, *, bins: Union[int, Sequence[float]] = 10,
                 strategy: str = "quantile", columns: Optional[Sequence[str]] = None, nan_policy: str = "raise",
                 split_every: Optional[int] = None, **options: Any) -> DriftReport:
    """Fits the reference (a Dask DataFrame, or an already fitted :class:`Profile`) and scores ``current``."""
    profile = reference if isinstance(reference, Profile) else fit_profile(
        reference, bins, strategy, columns=columns, nan_policy=nan_policy, split_every=split_every)
    return score(profile, current, columns=columns, nan_policy=nan_policy, split_every=split_every, **options)


# --- Returns over Dask (issue 22, item 2) -----------------------------------------------------------------
# One ReturnsState per partition (per strategy), computed in Rust on the worker; only the states travel, and
# they merge in time order (ReturnsState.merge_all). No partition's returns are ever concatenated here.

__all__ += ["returns_state", "strategy_states", "strategy_summaries"]


def _returns_partition(part: Any, column: Optional[str], required_return: float, nan_policy: str) -> Any:
    """One partition's ReturnsState bytes, as a one-element Series (an empty partition gives an empty state)."""
    import pandas as pd

    from .returns import ReturnsState

    values = part if column is None else part[column]
    s = ReturnsState.from_returns(_aligned(values), required_return=required_return, nan_policy=nan_policy)
    return pd.Series([s.to_bytes()], dtype=object)


def _aligned(values: Any) -> Any:
    """float64, C-contiguous and aligned: a partition deserialised on a worker may sit at an unaligned offset
    of the received frame, which the native functions refuse (a copy then, none otherwise)."""
    import numpy as np

    return np.require(values.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64, requirements=["C", "A"])


def _merge_returns(*blobs: Any) -> bytes:
    """States of consecutive partitions (bytes, or one-element Series of bytes) merged in argument order."""
    from .returns import ReturnsState

    parts = [b.iloc[0] if hasattr(b, "iloc") else b for b in blobs]
    return ReturnsState.merge_all(parts).to_bytes()


def returns_state(data: Any, column: Optional[str] = None, *, required_return: float = 0.0,
                  nan_policy: str = "raise", split_every: Optional[int] = None) -> Any:
    """The :class:`~tradewarden.returns.ReturnsState` of a returns series held in a Dask Series (or the
    ``column`` of a Dask DataFrame), without bringing the series to this process.

    The collection's row order is the time order (the order ``data.compute()`` would give: partitions in
    order, rows in order within each, e.g. a frame indexed by time with ``set_index``). Each partition's
    state is computed on its worker and the states are merged in partition order — here by default (one
    state of a few hundred bytes per partition travels), or with ``split_every=k`` in a tree of k-way
    ordered merges on the workers. ``state.metrics(...)`` then equals the returns functions on the whole
    series, up to rounding (``docs/conventions.md``, "Mergeable state"). ``required_return`` and
    ``nan_policy`` as :meth:`ReturnsState.from_returns`.
    """
    import pandas as pd

    from .returns import ReturnsState

    _require_dask()
    if not hasattr(data, "map_partitions") or not hasattr(data, "to_delayed"):
        raise InvalidInputError(f"data must be a dask Series or DataFrame, got {type(data).__name__}")
    if getattr(data, "ndim", None) == 2:  # a DataFrame (a dask Series also has a `columns` attribute)
        if column is None:
            if len(data.columns) != 1:
                raise InvalidInputError(
                    f"column is required: the dask DataFrame has {len(data.columns)} columns {list(data.columns)}")
            column = data.columns[0]
        elif column not in data.columns:
            raise InvalidInputError(f"column {column!r} is not in the dask DataFrame (has {list(data.columns)})")
        dtype = data[column].dtype
    else:
        if column is not None:
            raise InvalidInputError(f"column must be None for a dask Series, got {column!r}")
        dtype = data.dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise InvalidInputError(f"returns must be numeric, got dtype {dtype}")
    if split_every is not None and split_every < 2:
        raise InvalidInputError(f"split_every must be >= 2, got {split_every}")
    states = data.map_partitions(_returns_partition, column, required_return, nan_policy,
                                 meta=pd.Series(dtype=object))
    parts = states.to_delayed()
    if not parts:
        raise InvalidInputError("the dask collection has no partitions")
    if split_every is None:
        blobs = [p.iloc[0] for p in _compute(*parts)]
        return ReturnsState.merge_all(blobs)
    return ReturnsState.from_bytes(_reduce_tree(list(parts), _merge_returns, split_every).compute())


_STRATEGY_META_COLUMNS = ["strategy", "first", "last", "state"]


def _strategy_partition(pdf: Any, strategy: str, date: str, ret: str, required_return: float,
                        nan_policy: str) -> Any:
    """One partition of a long (strategy, date, return) table -> one row per strategy: its first and last
    date in this partition and the ReturnsState of its returns sorted by date."""
    import numpy as np
    import pandas as pd

    from .returns import ReturnsState

    rows = []
    if len(pdf):
        if pdf[strategy].isna().any():
            raise InvalidInputError(f"column {strategy!r} (strategy) has missing values")
        if pdf[date].isna().any():
            raise InvalidInputError(f"column {date!r} (date) has missing values: the order of returns is undefined")
        for key, g in pdf.groupby(strategy, sort=False):
            dates = g[date].to_numpy()
            order = np.argsort(dates, kind="stable")
            dates = dates[order]
            if len(dates) > 1:
                dup = np.flatnonzero(dates[1:] == dates[:-1])
                if len(dup):
                    raise InvalidInputError(
                        f"strategy {key!r} has {len(dup)} repeated date(s) (first: {dates[dup[0]]!r}): "
                        f"the order of its returns is ambiguous")
            values = _aligned(g[ret])[order]  # fancy indexing copies: aligned and contiguous
            state = ReturnsState.from_returns(values, required_return=required_return, nan_policy=nan_policy)
            rows.append((key, g[date].iloc[order[0]], g[date].iloc[order[-1]], state.to_bytes()))
    return pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype=object)
                         for i, c in enumerate(_STRATEGY_META_COLUMNS)})


def strategy_states(ddf: Any, strategy: str = "strategy", date: str = "date", ret: str = "return", *,
                    required_return: float = 0.0, nan_policy: str = "raise") -> "dict[Any, Any]":
    """Per-strategy :class:`~tradewarden.returns.ReturnsState` of a long Dask DataFrame of
    ``(strategy, date, return)`` rows, without bringing the table to this process.

    Each partition is grouped by strategy on its worker (pandas ``groupby``); each group's returns are
    sorted by date and summarised as one ReturnsState (Rust), so only one small state per (partition,
    strategy) travels. The states of a strategy are merged in partition order.

    **Ordering**: the partitions must follow each other in date order *for every strategy*: each
    strategy's dates in partition ``i`` are all earlier than its dates in partition ``i + 1`` — as after
    ``ddf.set_index("date")`` / ``sort_values("date")`` (divisions on the date), or with one Parquet file
    per period read in order. Within a partition rows may come in any order. A strategy whose partitions
    overlap in dates, or that repeats a date, raises :class:`~tradewarden.errors.InvalidInputError`
    (naming the strategy, partitions and dates) instead of returning path-dependent statistics (drawdown,
    compounding) of a shuffled series. Missing strategies or dates raise too.

    Returns a dict strategy -> ReturnsState, in sorted strategy order.
    """
    import pandas as pd

    from .returns import ReturnsState

    _require_dask()
    cols = _columns(ddf, [strategy, date, ret])
    if len(set(cols)) != 3:
        raise InvalidInputError(f"strategy, date and ret must be three different columns, got {cols}")
    dtype = ddf[ret].dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise InvalidInputError(f"column {ret!r} (returns) must be numeric, got dtype {dtype}")
    meta = pd.DataFrame({c: pd.Series(dtype=object) for c in _STRATEGY_META_COLUMNS})
    per_part = ddf[cols].map_partitions(_strategy_partition, strategy, date, ret, required_return, nan_policy,
                                        meta=meta)
    parts = per_part.to_delayed()
    if not parts:
        raise InvalidInputError("the dask DataFrame has no partitions")
    # (partition, first date, last date, state) per strategy, in partition order
    runs: Dict[Any, Any] = {}
    for i, frame in enumerate(_compute(*parts)):
        for key, first, last, blob in frame.itertuples(index=False, name=None):
            runs.setdefault(key, []).append((i, first, last, blob))
    if not runs:
        raise InvalidInputError("the dask DataFrame has no rows in any partition")
    out = {}
    for key in sorted(runs, key=lambda k: (str(type(k)), k)):
        seq = runs[key]
        for (i, _, last, _), (j, first, _, _) in zip(seq, seq[1:]):
            if not last < first:
                raise InvalidInputError(
                    f"partitions are not in date order for strategy {key!r}: partition {i} ends at {last!r} and "
                    f"partition {j} starts at {first!r} (each strategy's dates must increase from one partition "
                    f"to the next: sort by {date!r}, e.g. set_index({date!r}))")
        out[key] = ReturnsState.merge_all([blob for _, _, _, blob in seq])
    return out


def strategy_summaries(ddf: Any, strategy: str = "strategy", date: str = "date", ret: str = "return", *,
                       period: str = "daily", risk_free: float = 0.0, required_return: float = 0.0,
                       annualization: Optional[float] = None, nan_policy: str = "raise") -> Any:
    """Per-strategy statistics of a long Dask DataFrame of ``(strategy, date, return)`` rows: a pandas
    DataFrame indexed by strategy (sorted) with the :class:`~tradewarden.returns.StateMetrics` fields
    (``n``, ``mean``, ``std``, ``sharpe_ratio``, ``sortino_ratio``, ``max_drawdown``, ``annual_return``,
    ``annual_volatility``, ``calmar_ratio``, ``cum_return``, ``best``, ``worst``) — each equal, up to
    rounding, to the function of that name on the strategy's own series sorted by date.

    States per (partition, strategy) and their ordering requirement: :func:`strategy_states`. Options as
    :meth:`ReturnsState.metrics` (``required_return`` is the Sortino threshold per period).
    """
    import pandas as pd

    states = strategy_states(ddf, strategy, date, ret, required_return=required_return, nan_policy=nan_policy)
    rows = {k: s.metrics(period=period, risk_free=risk_free, annualization=annualization).to_dict()
            for k, s in states.items()}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = strategy
    return frame
