"""Distribution drift with scipy's names, arguments and numbers.

Switch by changing an import::

    from tradewarden.drift import ks_2samp          # was: from scipy.stats import ks_2samp
    from tradewarden.drift import jensenshannon     # was: from scipy.spatial.distance import jensenshannon

Samples are 1-D (numpy arrays — float64 contiguous ones without copying —,
lists, pandas / polars Series, pyarrow arrays). The scipy-named functions
follow scipy's semantics (scipy's own tests of them pass, ``docs/python.md``):
``nan_policy='propagate'`` by default, ±inf are ordinary values (a distance
is then inf, or NaN where it is undefined, with scipy's ``RuntimeWarning``),
an empty sample gives NaN results with scipy's ``SmallSampleWarning``,
Wasserstein / energy distances take ``u_weights`` / ``v_weights``,
``jensenshannon`` takes ``axis`` / ``keepdims`` and, as scipy, checks no
entry (a negative one gives inf). The strict behaviour (typed errors for
empty samples, ±inf, invalid probabilities) is the Rust API's and the native
module's. ``chi2_contingency(lambda_=...)`` raises
:class:`~tradewarden.errors.UnsupportedError`.

Reference profiles (:class:`Profile`) are fitted once, persisted, merged and
scored into a :class:`DriftReport`; :class:`LiveMonitor` keeps rolling PSI
windows. Formulas: ``docs/drift.md``; Python guide: ``docs/python.md``.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._tables import as_1d, columns
from .errors import InvalidInputError, UnsupportedError
from .returns import _real  # one conversion of scalar options for every compat module

__all__ = [
    "ks_2samp", "KstestResult", "jensenshannon", "wasserstein_distance", "energy_distance",
    "cramervonmises_2samp", "CramerVonMisesResult", "anderson_ksamp", "Anderson_ksampResult", "mannwhitneyu",
    "MannwhitneyuResult", "chi2_contingency", "Chi2ContingencyResult", "psi",
    "SmallSampleWarning", "Profile", "ScoreState", "StateScorer", "SketchGrid", "GridCounts", "RankSummary", "BoundedReport", "bounded_report",
    "profile_from_partitions", "chunked_drift", "QuantileSketch", "SketchKsResult", "DriftReport", "LiveMonitor", "prediction_quality", "prediction_drift_score",
]


class KstestResult(Tuple[Any, ...]):
    """Result of :func:`ks_2samp`: unpacks as ``(statistic, pvalue)`` like scipy's, with
    ``statistic_location`` and ``statistic_sign`` as attributes."""

    statistic: float
    pvalue: float
    statistic_location: float
    statistic_sign: int
    method: str

    def __new__(cls, statistic: float, pvalue: float, statistic_location: float = float("nan"),
                statistic_sign: int = 0, method: str = "auto") -> "KstestResult":
        self = super().__new__(cls, (statistic, pvalue))
        self.statistic = statistic
        self.pvalue = pvalue
        self.statistic_location = statistic_location
        self.statistic_sign = statistic_sign
        self.method = method
        return self

    def __getnewargs__(self) -> Tuple[Any, ...]:
        return (self.statistic, self.pvalue, self.statistic_location, self.statistic_sign, self.method)

    def __repr__(self) -> str:
        return (f"KstestResult(statistic={self.statistic!r}, pvalue={self.pvalue!r}, "
                f"statistic_location={self.statistic_location!r}, statistic_sign={self.statistic_sign!r})")


class SmallSampleWarning(RuntimeWarning):
    """A sample is too small for the statistic; its results are NaN. When scipy is imported, scipy's own
    ``SmallSampleWarning`` is emitted instead (so ``pytest.warns`` / filters written for scipy see it)."""


_NAN = float("nan")


def _warn_small(omitted: bool) -> None:
    """Emits scipy's SmallSampleWarning (class and message) when scipy.stats is loaded, else ours."""
    mod = sys.modules.get("scipy.stats._axis_nan_policy")
    cls = getattr(mod, "SmallSampleWarning", SmallSampleWarning)
    msg = getattr(mod, "too_small_1d_omit" if omitted else "too_small_1d_not_omit", None)
    if not isinstance(msg, str):
        msg = ("a sample is too small" + (" after omitting NaN" if omitted else "") +
               ": the results are NaN (see the function's minimum sample size)")
    warnings.warn(msg, cls, stacklevel=3)


def _usable(x: np.ndarray, nan_policy: str) -> int:
    """Values left after the NaN policy (a count pass only under 'omit')."""
    return len(x) - int(np.count_nonzero(np.isnan(x))) if nan_policy == "omit" else len(x)


def _invalid_value(name: str, result: float, *arrays: Optional[np.ndarray]) -> float:
    """numpy's RuntimeWarning when inf arithmetic (inf − inf, 0·inf) made the result NaN."""
    if math.isnan(result) and not any(a is not None and np.isnan(a).any() for a in arrays):
        warnings.warn(f"invalid value encountered in {name} (inf - inf or 0 * inf): the distance is undefined",
                      RuntimeWarning, stacklevel=3)
    return result


_ALTERNATIVES = {"t": "two-sided", "g": "greater", "l": "less"}


def ks_2samp(data1: Any, data2: Any, alternative: str = "two-sided", method: str = "auto", *,
             nan_policy: str = "propagate", mode: Optional[str] = None) -> KstestResult:
    """Two-sample Kolmogorov–Smirnov test, numerically as ``scipy.stats.ks_2samp``.

    ``alternative`` is ``'two-sided'``, ``'less'`` or ``'greater'`` (first letter enough, as scipy); ``method``
    (scipy's older name: ``mode``) is ``'auto'`` (exact when max(n1, n2) <= 10000), ``'exact'`` or ``'asymp'``;
    a failed exact computation falls back to ``'asymp'`` with a ``RuntimeWarning``. ±inf are ordinary values;
    ``nan_policy`` ('propagate', 'omit', 'raise') applies to NaN. An empty sample gives NaN results with a
    ``SmallSampleWarning``.
    """
    if mode is not None:
        if method != "auto":
            raise TypeError("ks_2samp() got multiple values for argument now known as `method`")
        method = mode
    if isinstance(alternative, str):
        alternative = _ALTERNATIVES.get(alternative.lower()[:1], alternative)
    a, b = as_1d(data1, "data1"), as_1d(data2, "data2")
    n1, n2 = _usable(a, nan_policy), _usable(b, nan_policy)
    if n1 == 0 or n2 == 0:
        _warn_small(nan_policy == "omit")
        return KstestResult(_NAN, _NAN, _NAN, 0, method)
    s, p, loc, sign, used = _native.ks_2samp_ieee(a, b, alternative, method, nan_policy)
    if used == "asymp" and (method == "exact" or (method == "auto" and max(n1, n2) <= 10000)):
        g = math.gcd(n1, n2)
        if method == "exact" and n1 // g >= 2147483647 / (n2 // g):
            msg = f"ks_2samp: an exact p-value is not possible for sample sizes {n1} and {n2}; using method='asymp'"
        else:
            msg = "ks_2samp: Exact calculation unsuccessful; the p-value is asymptotic (method='asymp')"
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    return KstestResult(s, p, loc, sign, used)


def jensenshannon(p: Any, q: Any, base: Optional[float] = None, *, axis: int = 0,
                  keepdims: bool = False) -> Any:
    """Jensen–Shannon distance as ``scipy.spatial.distance.jensenshannon``: p and q are divided by their sums
    along ``axis``; n-D inputs (broadcast against each other) give an array of distances (``keepdims`` keeps
    the reduced axis). As scipy, entries are not checked: a negative one gives inf, a zero sum NaN."""
    b = None if base is None else float(base)
    if not keepdims and axis in (0, -1) and np.ndim(p) == 1 and np.ndim(q) == 1:
        pa, qa = as_1d(p, "p"), as_1d(q, "q")
        if len(pa) == len(qa) and len(pa):
            return float(_native.jensenshannon_rows(pa, qa, len(pa), b)[0])
    try:
        pa, qa = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"p and q must be numeric arrays: {e}") from None
    ax = int(axis)
    if pa.ndim == 0 or not -pa.ndim <= ax < pa.ndim:
        raise InvalidInputError(f"axis = {axis} is out of bounds for p of dimension {pa.ndim}")
    ax %= pa.ndim
    # scipy normalises each input along `axis` before broadcasting them: the same as broadcasting first
    # only when both have that axis at the same length (anything else is refused, not guessed)
    if qa.ndim != pa.ndim or qa.shape[ax] != pa.shape[ax]:
        raise InvalidInputError(f"q of shape {qa.shape} must have p's dimension and length along axis {axis} "
                                f"(p: {pa.shape})")
    try:
        pa, qa = np.broadcast_arrays(pa, qa)
    except ValueError as e:
        raise InvalidInputError(f"p and q must have broadcastable shapes: {e}") from None
    pm, qm = np.moveaxis(pa, ax, -1), np.moveaxis(qa, ax, -1)
    n = pm.shape[-1]
    if n == 0:
        out = np.zeros(pm.shape[:-1])  # scipy: empty sums, distance 0
    else:
        out = _native.jensenshannon_rows(np.ascontiguousarray(pm).reshape(-1), np.ascontiguousarray(qm).reshape(-1),
                                         n, b).reshape(pm.shape[:-1])
    if keepdims:
        out = np.expand_dims(out, ax)
    return out[()] if out.ndim == 0 else out


def _weights(w: Any, name: str) -> Optional[np.ndarray]:
    return None if w is None else as_1d(w, name)


def wasserstein_distance(u_values: Any, v_values: Any, u_weights: Any = None, v_weights: Any = None) -> float:
    """First Wasserstein distance between two (weighted) samples, as ``scipy.stats.wasserstein_distance``:
    ∫|F_u − F_v|. A weight w on a value counts it w times. ±inf give inf, or NaN (with a ``RuntimeWarning``)
    where the distance is undefined."""
    u, v = as_1d(u_values, "u_values"), as_1d(v_values, "v_values")
    uw, vw = _weights(u_weights, "u_weights"), _weights(v_weights, "v_weights")
    return _invalid_value("wasserstein_distance", _native.wasserstein_weighted(u, v, uw, vw), u, v)


def energy_distance(u_values: Any, v_values: Any, u_weights: Any = None, v_weights: Any = None) -> float:
    """Energy distance between two (weighted) samples, as ``scipy.stats.energy_distance``: √2·(∫(F_u − F_v)²)^½.
    ±inf as :func:`wasserstein_distance`."""
    u, v = as_1d(u_values, "u_values"), as_1d(v_values, "v_values")
    uw, vw = _weights(u_weights, "u_weights"), _weights(v_weights, "v_weights")
    return _invalid_value("energy_distance", _native.energy_distance_weighted(u, v, uw, vw), u, v)


class CramerVonMisesResult(Tuple[Any, ...]):
    """Result of :func:`cramervonmises_2samp`: ``statistic``, ``pvalue`` (also unpacks)."""

    statistic: Union[float, np.floating[Any]]  # scipy's float32 scalars for two float32 samples
    pvalue: Union[float, np.floating[Any]]

    def __new__(cls, statistic: Union[float, np.floating[Any]],
                pvalue: Union[float, np.floating[Any]]) -> "CramerVonMisesResult":
        self = super().__new__(cls, (statistic, pvalue))
        self.statistic, self.pvalue = statistic, pvalue
        return self

    def __getnewargs__(self) -> Tuple[Any, ...]:
        return (self.statistic, self.pvalue)

    def __repr__(self) -> str:
        return f"CramerVonMisesResult(statistic={self.statistic!r}, pvalue={self.pvalue!r})"


def cramervonmises_2samp(x: Any, y: Any, method: str = "auto", *,
                         nan_policy: str = "propagate") -> CramerVonMisesResult:
    """Two-sample Cramér–von Mises test (``scipy.stats.cramervonmises_2samp``). A sample with fewer than 2
    values gives NaN results with a ``SmallSampleWarning``; ``nan_policy`` as scipy's."""
    # scipy's result dtype: float32 when both samples are float32 arrays (computed in float64 either way)
    f32 = getattr(x, "dtype", None) == np.float32 and getattr(y, "dtype", None) == np.float32
    if nan_policy not in ("propagate", "omit", "raise"):
        raise InvalidInputError(f"invalid nan_policy = {nan_policy!r}: expected 'propagate', 'omit' or 'raise'")
    a, b = as_1d(x, "x"), as_1d(y, "y")
    if nan_policy == "omit":
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    elif nan_policy == "propagate" and (np.isnan(a).any() or np.isnan(b).any()):
        return CramerVonMisesResult(_NAN, _NAN)
    if len(a) < 2 or len(b) < 2:
        _warn_small(nan_policy == "omit")
        return CramerVonMisesResult(_NAN, _NAN)
    try:
        s, p = _native.cramervonmises_2samp_ieee(a, b, method)
    except InvalidInputError as e:
        # the names are the crate's (`CvmMethod`); scipy's contract adds its own wording, which its test
        # suite matches ("method must be either auto, exact or asymptotic")
        if isinstance(method, str) and method not in ("auto", "exact", "asymptotic"):
            raise InvalidInputError(f"{e}; method must be either auto, exact or asymptotic") from None
        raise
    if f32:  # scipy's float32 scalars
        return CramerVonMisesResult(np.float32(s), np.float32(p))
    return CramerVonMisesResult(s, p)


class Anderson_ksampResult:  # noqa: N801 (scipy's name)
    """Result of :func:`anderson_ksamp`: ``statistic``, ``critical_values`` (at significance levels
    25, 10, 5, 2.5, 1, 0.5, 0.1 %), ``pvalue`` (interpolated, clipped to [0.001, 0.25] as scipy's)."""

    __slots__ = ("statistic", "critical_values", "pvalue", "pvalue_clipped")

    def __init__(self, statistic: float, critical_values: Any, pvalue: float, pvalue_clipped: bool) -> None:
        self.statistic, self.pvalue, self.pvalue_clipped = statistic, pvalue, pvalue_clipped
        self.critical_values = np.asarray(critical_values)

    @property
    def significance_level(self) -> float:
        """scipy's former name of ``pvalue``."""
        return self.pvalue

    def __repr__(self) -> str:
        return f"Anderson_ksampResult(statistic={self.statistic!r}, pvalue={self.pvalue!r})"


def anderson_ksamp(samples: Sequence[Any], midrank: bool = True, *, variant: Optional[str] = None) -> Anderson_ksampResult:
    """Anderson–Darling k-sample test (``scipy.stats.anderson_ksamp``; ``variant`` 'midrank', 'right' or
    'continuous' overrides ``midrank``; no permutation ``method``)."""
    if variant is None:
        variant = "midrank" if midrank else "right"
    arrays = [as_1d(s, f"samples[{i}]") for i, s in enumerate(samples)]
    return Anderson_ksampResult(*_native.anderson_ksamp(arrays, variant))


class MannwhitneyuResult(Tuple[Any, ...]):
    """Result of :func:`mannwhitneyu`: ``statistic``, ``pvalue`` (also unpacks)."""

    statistic: float
    pvalue: float

    def __new__(cls, statistic: float, pvalue: float) -> "MannwhitneyuResult":
        self = super().__new__(cls, (statistic, pvalue))
        self.statistic, self.pvalue = statistic, pvalue
        return self

    def __getnewargs__(self) -> Tuple[Any, ...]:
        return (self.statistic, self.pvalue)


def mannwhitneyu(x: Any, y: Any, use_continuity: bool = True, alternative: str = "two-sided",
                 method: str = "auto") -> MannwhitneyuResult:
    """Mann–Whitney U test (``scipy.stats.mannwhitneyu``; U of ``x``)."""
    return MannwhitneyuResult(*_native.mannwhitneyu(as_1d(x, "x"), as_1d(y, "y"), bool(use_continuity),
                                                    alternative, method))


class Chi2ContingencyResult(Tuple[Any, ...]):
    """Result of :func:`chi2_contingency`: unpacks as ``(statistic, pvalue, dof, expected_freq)`` like scipy's."""

    statistic: float
    pvalue: float
    dof: int
    expected_freq: np.ndarray

    def __new__(cls, statistic: float, pvalue: float, dof: int, expected_freq: np.ndarray) -> "Chi2ContingencyResult":
        self = super().__new__(cls, (statistic, pvalue, dof, expected_freq))
        self.statistic, self.pvalue, self.dof, self.expected_freq = statistic, pvalue, dof, expected_freq
        return self

    def __getnewargs__(self) -> Tuple[Any, ...]:
        return (self.statistic, self.pvalue, self.dof, self.expected_freq)


def chi2_contingency(observed: Any, correction: bool = True, lambda_: Any = None) -> Chi2ContingencyResult:
    """χ² test of independence on a 2-D table of counts (``scipy.stats.chi2_contingency``).

    ``expected_freq`` is scipy's: outer(row sums, column sums) / total.
    """
    if lambda_ is not None:
        raise UnsupportedError(f"lambda_ = {lambda_!r}: only Pearson's chi-squared (lambda_=None) is supported")
    try:
        table = np.asarray(observed, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InvalidInputError(f"observed must be a numeric table: {e}") from None
    if table.ndim != 2:
        raise InvalidInputError(f"observed must be 2-D, got shape {table.shape}")
    stat, p, dof, expected = _native.chi2_contingency(np.ascontiguousarray(table).reshape(-1), table.shape[0],
                                                      bool(correction))
    return Chi2ContingencyResult(stat, p, dof, expected.reshape(table.shape))


def _size(name: str, value: Any, below: int = 2**64) -> int:
    """A size option (``cells``, ``bins``, ``k``) for the native layer: an integer (not a bool) in
    [0, below); anything else — a float, None, a string, a negative or huge integer — is an
    InvalidInputError naming the parameter (the crate checks the real range, with a typed error)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInputError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    v = int(value)
    if not 0 <= v < below:
        raise InvalidInputError(f"{name} = {v} is out of range (0 <= {name} < {below})")
    return v


def _bins(bins: Union[int, Sequence[float]]) -> Tuple[int, Optional[List[float]]]:
    if isinstance(bins, (int, np.integer)):
        return int(bins), None
    if isinstance(bins, (str, bytes)) or np.ndim(bins) != 1:
        raise InvalidInputError(f"bins must be an integer or a sequence of edges, got {type(bins).__name__} {bins!r}")
    return 0, [_real("bins", e) for e in bins]



def psi(reference: Any, current: Any, bins: Union[int, Sequence[float]] = 10, strategy: str = "quantile",
        eps: float = 1e-4, *, nan_policy: str = "raise") -> float:
    """Population Stability Index of ``current`` against ``reference``.

    Bins come from the reference: ``strategy='quantile'`` (default, deciles), ``'uniform'`` (equal width),
    ``'sturges'`` (Sturges bins on reference ∪ current) or ``'evidently'`` (Evidently's ``psi`` stat test,
    ``eps`` ignored); ``bins`` may also be a sequence of explicit edges. Each bin fraction is floored at ``eps``.
    """
    n, edges = _bins(bins)
    return _native.psi(as_1d(reference, "reference"), as_1d(current, "current"), n, strategy, _real("eps", eps),
                       edges, nan_policy)


_REPORT_KEYS = ("alpha", "psi_threshold", "js_threshold", "large_sample", "correction", "ks_bands", "psi_bands",
                "drift_share", "psi_mode")


def _report_options(options: Dict[str, Any]) -> Dict[str, Any]:
    unknown = set(options) - set(_REPORT_KEYS)
    if unknown:
        raise InvalidInputError(f"unknown report option(s) {sorted(unknown)}: expected some of {list(_REPORT_KEYS)}")
    o = dict(options)
    if isinstance(o.get("psi_mode"), (int, float)):
        o["psi_mode"] = {"standard": {"epsilon": float(o["psi_mode"])}}
    return o


class Profile:
    """A frozen reference profile of named features (numeric: bins, moments and the sorted
    reference; categorical: category counts). Persisted with :meth:`save` / :meth:`to_bytes`,
    picklable, mergeable across partitions."""

    __slots__ = ("_p",)

    def __init__(self, native: "_native.Profile") -> None:
        self._p = native

    @classmethod
    def fit(cls, data: Any, bins: Union[int, Sequence[float]] = 10, strategy: str = "quantile", *,
            nan_policy: str = "raise", keep_reference: bool = True) -> "Profile":
        """Fits on a pandas/polars DataFrame, a pyarrow Table or a dict of columns."""
        n, edges = _bins(bins)
        return cls(_native.Profile.fit(columns(data, "data"), n, strategy, edges, nan_policy, keep_reference))

    @property
    def features(self) -> List[str]:
        """Feature names."""
        return self._p.features()

    def __len__(self) -> int:
        return len(self._p)

    @property
    def reference_rows(self) -> Optional[Tuple[int, int]]:
        """Provenance: the rows ``(start, end)`` of the analysed data this profile was fitted on, or
        None (unknown, or a separate reference data set). :func:`chunked_drift` never scores them."""
        return self._p.reference_rows()

    def with_reference_rows(self, rows: Optional[Sequence[int]]) -> "Profile":
        """A copy recording ``rows = (start, end)`` as its provenance (None clears it); persisted by
        :meth:`to_bytes` / :meth:`to_json`. A reversed range raises InvalidInputError."""
        r = None if rows is None else _row_range(rows, "rows")
        return Profile(self._p.with_reference_rows(r))

    def score(self, current: Any, **options: Any) -> "DriftReport":
        """Drift of ``current`` (same kinds of tables as :meth:`fit`) against this profile.

        A pyarrow Table or any object with ``__arrow_c_stream__`` is read through Arrow's C stream
        interface (numeric columns float64/float32/int64/int32, nulls as NaN; categorical columns utf8);
        its columns that are not profiled features are ignored.

        Options (``docs/drift.md``): alpha=0.05, psi_threshold=0.2, js_threshold=0.1, large_sample=1000,
        correction='none'|'bonferroni'|'benjamini_hochberg', drift_share=0.5, psi_mode=eps or 'evidently'.
        """
        mod = type(current).__module__
        if hasattr(type(current), "__arrow_c_stream__") and not mod.startswith(("pandas", "polars")):
            # pyarrow tables and any Arrow PyCapsule stream: imported through arrow's C stream interface,
            # float64 columns of a single null-free batch without copying; unprofiled columns are ignored
            return DriftReport(_native.score_arrow(self._p, current, _report_options(options)))
        return DriftReport(self._p.score(columns(current, "current"), _report_options(options)))

    def score_profile(self, current: "Profile", **options: Any) -> "DriftReport":
        """Drift of a *current profile* against this one: equal to :meth:`score` on the data ``current``
        was fitted on, when ``current`` was fitted with ``keep_reference=True`` (the default). This is how
        partitioned current data is scored: fit each partition, merge, score the merged profile
        (:mod:`tradewarden.dask`). Features are reported in name order. Options as :meth:`score`."""
        if not isinstance(current, Profile):
            raise InvalidInputError(f"current must be a Profile, got {type(current).__name__}")
        return DriftReport(self._p.score_profile(current._p, _report_options(options)))

    def score_state(self, current: Any, *, cells: Optional[int] = None) -> "ScoreState":
        """The mergeable :class:`ScoreState` of one partition of current data (same tables as :meth:`score`;
        for a pyarrow Table / Arrow stream, columns that are not profiled features are ignored, as
        :meth:`score` does). Its size depends on the reference (distinct values, bins, categories), not on
        the rows. ``cells=None``: exact (every distinct reference value delimits a cell: the report of the
        merged states equals :meth:`score` bit for bit); ``cells=K``: bounded (K grid points, O(K) state, KS
        as an interval of width <= 1/K: :meth:`ScoreState.ks_bounds`)."""
        mod = type(current).__module__
        if hasattr(type(current), "__arrow_c_stream__") and not mod.startswith(("pandas", "polars")):
            from ._tables import raw_columns

            keep = set(self.features)
            cols = [(k, _column_of(k, v)) for k, v in raw_columns(current, "current") if k in keep]
        else:
            cols = columns(current, "current")
        return ScoreState(_native.ScoreState.build(self._p, cols, cells))

    def score_states(self, states: Any, **options: Any) -> "DriftReport":
        """The report of merged score states (one :class:`ScoreState`, or an iterable of states or of their
        :meth:`ScoreState.to_bytes`, merged here): equal to :meth:`score` on all the current data, bit for bit,
        with the features in name order. Options as :meth:`score`; ``psi_mode='evidently'`` is not supported
        by score states (its bins depend on the current values) and raises."""
        return ScoreState.merge_all(states).report(self, **options)

    def merge(self, other: "Profile") -> None:
        """Merges a profile fitted on another partition into this one. With ``keep_reference=True`` the
        result equals the profile fitted on both partitions' data (quantile edges are refitted on the merged
        values); without it, edges must be equal (fit partitions with explicit edges)."""
        if not isinstance(other, Profile):
            raise InvalidInputError(f"other must be a Profile, got {type(other).__name__}")
        self._p.merge(other._p)

    def union(self, other: "Profile") -> "Profile":
        """The features of this profile and ``other`` — fitted on disjoint columns of the same rows — as one
        profile (each feature keeps its own bins, NaN policy and stored reference). A feature in both, or
        profiles recording different ``reference_rows``, raise InvalidInputError naming it."""
        if not isinstance(other, Profile):
            raise InvalidInputError(f"other must be a Profile, got {type(other).__name__}")
        return Profile(self._p.union(other._p))

    def save(self, path: Any) -> None:
        """Writes the binary form atomically."""
        self._p.save(str(path))

    @classmethod
    def load(cls, path: Any) -> "Profile":
        """Reads a profile written by :meth:`save`."""
        return cls(_native.Profile.load(str(path)))

    def to_bytes(self) -> bytes:
        """The checksummed binary form."""
        return self._p.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Profile":
        """A profile from :meth:`to_bytes`."""
        return cls(_native.Profile.from_bytes(bytes(data)))

    def to_json(self) -> str:
        """The JSON form."""
        return self._p.to_json()

    @classmethod
    def from_json(cls, text: str) -> "Profile":
        """A profile from :meth:`to_json`."""
        return cls(_native.Profile.from_json(text))

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form as a dict."""
        d: Dict[str, Any] = json.loads(self.to_json())
        return d

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Profile.from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return f"Profile(features={self.features!r})"


def _row_range(rows: Any, name: str) -> Tuple[int, int]:
    try:
        start, end = (int(x) for x in rows)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInputError(f"{name} must be a (start, end) pair of non-negative ints, got {rows!r}") from None
    if start < 0 or end < 0 or end >= 2**64:
        raise InvalidInputError(f"{name} must be a (start, end) pair of non-negative ints, got {rows!r}")
    return (start, end)


def chunked_drift(profile: Profile, data: Any, *, size: Optional[int] = None, count: Optional[int] = None,
                  period: Optional[float] = None, timestamps: Any = None, incomplete: str = "keep",
                  reference_rows: Optional[Sequence[int]] = None, **options: Any) -> List[Dict[str, Any]]:
    """Drift per chunk of ``data`` (tables as :meth:`Profile.score`, full length) against ``profile``,
    chunked as NannyML by ``size`` rows, into ``count`` chunks, or per ``period`` seconds of
    ``timestamps`` (sorted, Unix seconds); ``incomplete`` = 'keep' | 'drop' | 'append' for size/count.

    The reference rows (``reference_rows=(start, end)``, else the profile's :attr:`Profile.reference_rows`;
    both given must agree, neither is an error; ``(0, 0)`` = a reference outside ``data``) are never scored:
    a chunk partly over them is scored on its other rows, a chunk made only of them is left out.
    Returns one dict per scored chunk: ``rows`` (start, end), ``key`` (chunk index or period start),
    ``scored_rows`` (list of (start, end)) and ``report`` (a :class:`DriftReport`). Report options as
    :meth:`Profile.score`."""
    if not isinstance(profile, Profile):
        raise InvalidInputError(f"profile must be a Profile, got {type(profile).__name__}")
    given = [k for k, v in (("size", size), ("count", count), ("period", period)) if v is not None]
    if len(given) != 1:
        raise InvalidInputError(f"give exactly one of size, count, period (got {given or 'none'})")
    if size is not None:
        chunker: Dict[str, Any] = {"size": {"size": int(size), "incomplete": str(incomplete)}}
    elif count is not None:
        chunker = {"count": {"count": int(count), "incomplete": str(incomplete)}}
    else:
        chunker = {"period": {"seconds": float(period)}}  # type: ignore[arg-type]
    if (size if size is not None else count if count is not None else 1) < 0:
        raise InvalidInputError(f"{given[0]} must be >= 1, got {size if size is not None else count}")
    ts = None if timestamps is None else as_1d(timestamps, "timestamps")
    rr = None if reference_rows is None else _row_range(reference_rows, "reference_rows")
    out = profile._p.chunked_drift(columns(data, "data"), chunker, rr, ts, _report_options(options))
    return [{"rows": (c["chunk"]["rows"]["start"], c["chunk"]["rows"]["end"]), "key": c["chunk"]["key"],
             "scored_rows": [(r["start"], r["end"]) for r in c["scored_rows"]],
             "report": DriftReport(c["report"])} for c in out]


def _column_of(name: str, x: Any) -> Any:
    from ._tables import _column

    return _column(f"current[{name!r}]", x)


class ScoreState:
    """Per-partition score state of current data against a broadcast reference :class:`Profile`
    (:meth:`Profile.score_state`): counts of current values in the reference's cells and bins, category
    counts, row and NaN counts — a size that depends on the reference, not on the rows. States merge by
    addition (exactly associative and commutative); :meth:`report` of merged states equals
    :meth:`Profile.score` on all the data bit for bit. Picklable; :meth:`to_bytes` is checksummed and
    validated on load (:class:`~tradewarden.errors.CorruptError`). Formulas: ``docs/drift.md``."""

    __slots__ = ("_s",)

    def __init__(self, native: "_native.ScoreState") -> None:
        self._s = native

    def merge(self, other: "ScoreState") -> None:
        """Adds another partition's state (same profile, grid and features) into this one."""
        if not isinstance(other, ScoreState):
            raise InvalidInputError(f"other must be a ScoreState, got {type(other).__name__}")
        self._s.merge(other._s)

    @classmethod
    def merge_all(cls, parts: Any) -> "ScoreState":
        """One state from a :class:`ScoreState`, or an iterable of states or of their bytes."""
        if isinstance(parts, ScoreState):
            return parts
        natives = []
        for i, p in enumerate(parts):
            if isinstance(p, (bytes, bytearray, memoryview)):
                p = ScoreState.from_bytes(bytes(p))
            if not isinstance(p, ScoreState):
                raise InvalidInputError(f"states[{i}] must be a ScoreState or its bytes, got {type(p).__name__}")
            natives.append(p._s)
        if not natives:
            raise InvalidInputError("states is empty: at least one score state is needed")
        return cls(_native.ScoreState.merge_all(natives))

    def report(self, profile: Profile, **options: Any) -> "DriftReport":
        """The drift report of this (merged) state against ``profile`` (the one it was built against)."""
        if not isinstance(profile, Profile):
            raise InvalidInputError(f"profile must be a Profile, got {type(profile).__name__}")
        return DriftReport(self._s.report(profile._p, _report_options(options)))

    def ks_bounds(self, profile: "Union[Profile, StateScorer]", **options: Any) -> List[Dict[str, Any]]:
        """Per numeric feature (name order): ``statistic_lo`` <= KS <= ``statistic_hi`` (width <= 1/K for a
        bounded state, 0 for an exact one), ``pvalue_lo``/``pvalue_hi``, and the exact ``psi`` and
        ``jensenshannon``. Options: ``psi_mode`` as :meth:`Profile.score`. ``profile`` may also be the
        :class:`StateScorer` the state was built with (the same numbers, bit for bit, without the reference)."""
        if isinstance(profile, StateScorer):
            return profile.ks_bounds(self, **options)
        if not isinstance(profile, Profile):
            raise InvalidInputError(f"profile must be a Profile or a StateScorer, got {type(profile).__name__}")
        return self._s.ks_bounds(profile._p, _report_options(options))

    @property
    def features(self) -> List[str]:
        """Feature names."""
        return self._s.features()

    @property
    def cells(self) -> Optional[int]:
        """K of a bounded state; None for the exact grid."""
        return self._s.cells()

    @property
    def nbytes(self) -> int:
        """Size of :meth:`to_bytes` in bytes."""
        return self._s.nbytes()

    def to_bytes(self) -> bytes:
        """The checksummed binary form."""
        return self._s.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ScoreState":
        """A state from :meth:`to_bytes` (validated; corrupt bytes raise CorruptError)."""
        return cls(_native.ScoreState.from_bytes(bytes(data)))

    def __reduce__(self) -> Tuple[Any, ...]:
        return (ScoreState.from_bytes, (self.to_bytes(),))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScoreState) and self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ScoreState(features={self.features!r}, cells={self.cells!r}, nbytes={self.nbytes})"


def _arrow_readable(t: Any) -> bool:
    """Arrow types the crate reads itself (``core::io``: every float and integer width, every string layout)."""
    import pyarrow as pa

    return bool(pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_string(t)
                or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t))


def _arrow_of(table: Any, keep: Any) -> Any:
    """``table``'s columns named in ``keep`` (None: all) as a pyarrow Table when every one has a type the crate
    reads from Arrow itself (see :func:`_scorer_state`) and there is a row; None: take the generic column
    conversion."""
    mod = type(table).__module__
    if mod.startswith("pandas") and hasattr(table, "columns"):
        import pandas as pd

        cols = [c for c in table.columns if keep is None or c in keep]
        if cols and len(table) and all((isinstance(table[c].dtype, np.dtype) and table[c].dtype.kind in "fiu")
                                       or isinstance(table[c].dtype, pd.StringDtype) for c in cols):
            import pyarrow as pa

            return pa.Table.from_pandas(table[cols], preserve_index=False)
        return None
    if mod.startswith("pyarrow") and hasattr(table, "schema") and hasattr(table, "num_rows"):
        if table.num_rows and all(_arrow_readable(f.type) for f in table.schema if keep is None or f.name in keep):
            return table
    return None


def _scorer_state(scorer: "_native.StateScorer", current: Any) -> "_native.ScoreState":
    """The native state of ``current`` under a native scorer. Tables whose profiled columns all have a type
    the crate reads from Arrow itself (every float and integer width, every string layout; pandas: numpy
    float/int columns and the string dtype) go over Arrow — no string becomes a Python object (for a
    partition with a string feature the per-string conversion was the larger part of its time) —, anything
    else (and an empty table: Arrow gives it no batch) through the generic column conversion; both give the
    same state, bit for bit."""
    keep = set(scorer.features())
    mod = type(current).__module__
    if mod.startswith("pandas") and hasattr(current, "columns"):
        import pandas as pd

        cols = [c for c in current.columns if c in keep]
        if cols and len(current) and all((isinstance(current[c].dtype, np.dtype) and current[c].dtype.kind in "fiu")
                                         or isinstance(current[c].dtype, pd.StringDtype) for c in cols):
            import pyarrow as pa

            return scorer.state_arrow(pa.Table.from_pandas(current[cols], preserve_index=False))
        return scorer.state(columns(current, "current"))
    if hasattr(type(current), "__arrow_c_stream__") and not mod.startswith("polars"):
        import pyarrow as pa

        if isinstance(current, pa.Table) and current.num_rows and all(
                _arrow_readable(f.type) for f in current.schema if f.name in keep):
            return scorer.state_arrow(current)
        from ._tables import raw_columns

        return scorer.state([(k, _column_of(k, v)) for k, v in raw_columns(current, "current") if k in keep])
    return scorer.state(columns(current, "current"))


class StateScorer:
    """A reference :class:`Profile` prepared for scoring partitions into :class:`ScoreState` s: the profile's
    checksum and each numeric feature's cell grid computed once. Its compact form (:meth:`to_bytes`,
    :meth:`save`) is the profile **without its stored reference** plus the grids — kilobytes for a bounded
    grid (``cells=K``) whatever the reference's size — and is all a distributed job needs: workers build
    states with it, the client merges them and reads :meth:`ks_bounds` from it, the reference is never
    loaded (``tradewarden.dask.score_state`` takes a scorer). Save it beside the frozen reference profile::

        StateScorer.from_profile(profile, cells=1024).save("reference.twsc")
        scorer = StateScorer.load("reference.twsc")          # kilobytes, validated
        state = ScoreState.merge_all(scorer.state(part) for part in partitions)
        bounds = scorer.ks_bounds(state)                      # == state.ks_bounds(profile), bit for bit

    States of a scorer equal :meth:`Profile.score_state` with the same ``cells`` bit for bit (they carry
    the full profile's checksum, so they also merge and report against the profile). Picklable."""

    __slots__ = ("_s",)

    def __init__(self, native: "_native.StateScorer") -> None:
        self._s = native

    @classmethod
    def from_profile(cls, profile: Profile, cells: Optional[int] = None) -> "StateScorer":
        """The scorer of ``profile`` (``keep_reference=True``): exact grid (``cells=None``) or K points."""
        if not isinstance(profile, Profile):
            raise InvalidInputError(f"profile must be a Profile, got {type(profile).__name__}")
        return cls(_native.StateScorer.from_profile(profile._p, None if cells is None else _size("cells", cells)))

    def state(self, current: Any) -> ScoreState:
        """The :class:`ScoreState` of one partition (tables as :meth:`Profile.score_state`; columns that are
        not profiled features are ignored)."""
        return ScoreState(_scorer_state(self._s, current))

    def ks_bounds(self, state: ScoreState, **options: Any) -> List[Dict[str, Any]]:
        """:meth:`ScoreState.ks_bounds` of a (merged) state built with this scorer, from the scorer's grids
        and bins (equal to the numbers against the full profile, bit for bit). A state of another profile
        or grid raises InvalidInputError."""
        if not isinstance(state, ScoreState):
            raise InvalidInputError(f"state must be a ScoreState, got {type(state).__name__}")
        return self._s.ks_bounds(state._s, _report_options(options))

    @property
    def features(self) -> List[str]:
        """Feature names of the profile."""
        return self._s.features()

    @property
    def cells(self) -> Optional[int]:
        """K of a bounded scorer; None for the exact grid."""
        return self._s.cells()

    def to_bytes(self) -> bytes:
        """The compact, checksummed form (the profile without its reference, the grids)."""
        return self._s.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "StateScorer":
        """A scorer from :meth:`to_bytes` (validated; corrupt bytes raise CorruptError)."""
        return cls(_native.StateScorer.from_bytes(bytes(data)))

    def save(self, path: Any) -> None:
        """Writes the compact form atomically."""
        self._s.save(str(path))

    @classmethod
    def load(cls, path: Any) -> "StateScorer":
        """Reads a scorer written by :meth:`save` (validated)."""
        return cls(_native.StateScorer.load(str(path)))

    @classmethod
    def from_grid_counts(cls, profile: Profile, grid: "SketchGrid", counts: "GridCounts") -> "StateScorer":
        """The bounded scorer of a reference that was never gathered: ``profile`` fitted on ``grid``'s edges
        (merged :meth:`SketchGrid.reference_part` profiles) and the merged ``counts`` at its points."""
        if not isinstance(profile, Profile) or not isinstance(grid, SketchGrid) or not isinstance(counts, GridCounts):
            raise InvalidInputError("from_grid_counts takes a Profile, a SketchGrid and GridCounts, got "
                                    f"{type(profile).__name__}, {type(grid).__name__}, {type(counts).__name__}")
        return cls(_native.StateScorer.from_grid_counts(profile._p, grid._g, counts._c))

    def rank_bounds(self) -> Dict[str, float]:
        """Per numeric feature, the stated width bound of the :meth:`ks_bounds` intervals: the largest
        reference mass strictly inside one cell of the grid (≤ 1/K for :meth:`from_profile` grids)."""
        return dict(self._s.rank_bounds())

    def __reduce__(self) -> Tuple[Any, ...]:
        return (StateScorer.from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return f"StateScorer(features={self.features!r}, cells={self.cells!r})"


class SketchKsResult(Tuple[Any, ...]):
    """Result of :meth:`QuantileSketch.ks`: unpacks as ``(statistic, pvalue)``; the statistic is within
    ``statistic_error_bound`` of the exact KS statistic on the full reference."""

    statistic: float
    pvalue: float
    statistic_error_bound: float
    statistic_location: float
    statistic_sign: int

    def __new__(cls, statistic: float, pvalue: float, bound: float, location: float, sign: int) -> "SketchKsResult":
        self = super().__new__(cls, (statistic, pvalue))
        self.statistic, self.pvalue, self.statistic_error_bound = statistic, pvalue, bound
        self.statistic_location, self.statistic_sign = location, sign
        return self


class QuantileSketch:
    """Mergeable KLL quantile sketch of one numeric column (Apache DataSketches' KLL, ``k=200`` by default:
    rank error ≤ :attr:`rank_error_bound` ≈ 1.3 % at 99 % confidence, a few kB whatever the size).

    For references too large to keep sorted: sketch every partition, :meth:`merge`, take
    :meth:`quantile_edges` for an explicit-edge profile fit (two passes, see ``tradewarden.dask``), or test a
    current sample against the sketched reference with :meth:`ks`. Picklable."""

    __slots__ = ("_s",)

    def __init__(self, k: int = 200) -> None:
        self._s = _native.QuantileSketch(_size("k", k, 2**16))

    @classmethod
    def from_values(cls, values: Any, k: int = 200, *, nan_policy: str = "raise") -> "QuantileSketch":
        """A sketch of ``values`` (1-D; NaN/±inf raise unless ``nan_policy='omit'``)."""
        s = cls(k)
        s.update(values, nan_policy=nan_policy)
        return s

    def update(self, values: Any, *, nan_policy: str = "raise") -> None:
        """Adds values (nothing is added when one is refused)."""
        self._s.update(as_1d(values, "values"), nan_policy)

    def merge(self, other: "QuantileSketch") -> None:
        """Merges another partition's sketch into this one."""
        if not isinstance(other, QuantileSketch):
            raise InvalidInputError(f"other must be a QuantileSketch, got {type(other).__name__}")
        self._s.merge(other._s)

    @property
    def k(self) -> int:
        return self._s.info()[0]

    @property
    def n(self) -> int:
        """Values summarised."""
        return self._s.info()[1]

    @property
    def nan_count(self) -> int:
        """Values skipped under ``nan_policy='omit'``."""
        return self._s.info()[2]

    @property
    def num_retained(self) -> int:
        return self._s.info()[3]

    @property
    def min(self) -> Optional[float]:
        return self._s.info()[4]

    @property
    def max(self) -> Optional[float]:
        return self._s.info()[5]

    @property
    def rank_error_bound(self) -> float:
        """Normalised rank error bound for this ``k`` (DataSketches: 99 % confidence)."""
        return self._s.info()[6]

    def rank(self, x: float) -> float:
        """Fraction of the values ≤ ``x`` (within the rank error bound)."""
        return self._s.rank(float(x))

    def quantile(self, q: float) -> float:
        """The ``q``-quantile, 0 ≤ q ≤ 1."""
        return self._s.quantile(float(q))

    def quantile_edges(self, bins: int) -> List[float]:
        """Quantile bin edges with ±inf outer edges (ties merged), for ``Profile.fit(..., bins=edges)``."""
        return self._s.quantile_edges(_size("bins", bins))

    def ks(self, current: Any) -> SketchKsResult:
        """Two-sided KS of the sketched reference against ``current`` (asymptotic p-value)."""
        return SketchKsResult(*self._s.ks(as_1d(current, "current")))

    def to_json(self) -> str:
        return self._s.to_json()

    @classmethod
    def from_json(cls, text: str) -> "QuantileSketch":
        s = cls.__new__(cls)
        s._s = _native.QuantileSketch.from_json(text)
        return s

    def __reduce__(self) -> Tuple[Any, ...]:
        return (QuantileSketch.from_json, (self.to_json(),))

    def __repr__(self) -> str:
        return f"QuantileSketch(k={self.k}, n={self.n}, rank_error_bound={self.rank_error_bound:.4g})"


class SketchGrid:
    """Bin edges and K grid points per numeric feature taken from merged reference sketches (plus the
    categorical feature names and the NaN policy): the plan of a bounded job whose reference is never
    gathered. Current partitions are scored at the points (:meth:`state`); reference partitions give their
    profile on the edges and exact counts at the points (:meth:`reference_part`); the merged profile and
    counts make the compact scorer (:meth:`StateScorer.from_grid_counts`). :meth:`scorer` is the same in
    one process, bit for bit. Picklable."""

    __slots__ = ("_g",)

    def __init__(self, native: "_native.SketchGrid") -> None:
        self._g = native

    @classmethod
    def from_sketches(cls, sketches: Dict[str, QuantileSketch], categorical: Sequence[str] = (), *,
                      bins: int = 10, cells: int = 1024, nan_policy: str = "raise") -> "SketchGrid":
        """The grid of merged sketches (numeric feature name -> :class:`QuantileSketch`)."""
        items = []
        for name, sk in sketches.items():
            if not isinstance(sk, QuantileSketch):
                raise InvalidInputError(f"sketches[{name!r}] must be a QuantileSketch, got {type(sk).__name__}")
            items.append((str(name), sk._s))
        return cls(_native.SketchGrid.new(items, [str(c) for c in categorical], _size("bins", bins),
                                          _size("cells", cells), nan_policy))

    @classmethod
    def from_summaries(cls, summaries: Dict[str, "RankSummary"], categorical: Sequence[str] = (), *,
                       bins: int = 10, cells: int = 1024, nan_policy: str = "raise") -> "SketchGrid":
        """The grid of merged deterministic summaries (numeric feature name -> :class:`RankSummary`): the
        same summaries give the same grid, bit for bit."""
        items = []
        for name, sm in summaries.items():
            if not isinstance(sm, RankSummary):
                raise InvalidInputError(f"summaries[{name!r}] must be a RankSummary, got {type(sm).__name__}")
            items.append((str(name), sm._s))
        return cls(_native.SketchGrid.from_summaries(items, [str(c) for c in categorical], _size("bins", bins),
                                                     _size("cells", cells),
                                                     nan_policy))

    @classmethod
    def from_reference(cls, reference: Any, *, bins: int = 10, cells: int = 1024, nan_policy: str = "raise",
                       items: int = 4096) -> "SketchGrid":
        """The grid of one :class:`RankSummary` (``items`` each) of every reference column, in this process
        (over Arrow when the columns allow). Deterministic: the same reference, the same grid."""
        bins, cells, items = _size("bins", bins), _size("cells", cells), _size("items", items)
        table = _arrow_of(reference, None)
        if table is not None:
            return cls(_native.SketchGrid.from_reference_arrow(table, bins, cells, nan_policy, items))
        return cls(_native.SketchGrid.from_reference(columns(reference, "reference"), bins, cells, nan_policy,
                                                     items))

    def state(self, current: Any) -> ScoreState:
        """The bounded :class:`ScoreState` of one current partition at the grid's points (tables as
        :meth:`StateScorer.state`: over Arrow when the columns allow, the same state either way)."""
        table = _arrow_of(current, set(self.features))
        if table is not None:
            return ScoreState(self._g.state_arrow(table))
        return ScoreState(self._g.state(columns(current, "current")))

    def reference_part(self, reference: Any) -> Tuple[Profile, "GridCounts"]:
        """One reference partition: its profile on the grid's edges and its counts at the points (over Arrow
        when the columns allow)."""
        table = _arrow_of(reference, set(self.features))
        if table is not None:
            p, c = self._g.reference_part_arrow(table)
        else:
            p, c = self._g.reference_part(columns(reference, "reference"))
        return Profile(p), GridCounts(c)

    def scorer(self, reference: Any) -> StateScorer:
        """The one-process scorer of all the reference rows on this grid (over Arrow when the columns allow)."""
        table = _arrow_of(reference, set(self.features))
        if table is not None:
            return StateScorer(self._g.scorer_arrow(table))
        return StateScorer(self._g.scorer(columns(reference, "reference")))

    @property
    def cells(self) -> int:
        return self._g.cells()

    @property
    def features(self) -> List[str]:
        return self._g.features()

    def points(self, name: str) -> Optional[List[float]]:
        """Grid points of a numeric feature."""
        return self._g.points(name)

    def edges(self, name: str) -> Optional[List[float]]:
        """Bin edges of a numeric feature."""
        return self._g.edges(name)

    def to_bytes(self) -> bytes:
        return self._g.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "SketchGrid":
        """A grid from :meth:`to_bytes` (validated; corrupt bytes raise CorruptError)."""
        return cls(_native.SketchGrid.from_bytes(bytes(data)))

    def __reduce__(self) -> Tuple[Any, ...]:
        return (SketchGrid.from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return f"SketchGrid(features={self.features!r}, cells={self.cells})"


class GridCounts:
    """The reference's exact counts (< and ≤) at a :class:`SketchGrid`'s points; partitions merge by
    addition. Picklable."""

    __slots__ = ("_c",)

    def __init__(self, native: "_native.GridCounts") -> None:
        self._c = native

    @classmethod
    def merge_all(cls, parts: Any) -> "GridCounts":
        """Merges several partitions' counts (GridCounts or their bytes)."""
        natives = []
        for i, p in enumerate(parts):
            if isinstance(p, (bytes, bytearray, memoryview)):
                p = GridCounts.from_bytes(bytes(p))
            if not isinstance(p, GridCounts):
                raise InvalidInputError(f"parts[{i}] must be GridCounts or their bytes, got {type(p).__name__}")
            natives.append(p._c)
        if not natives:
            raise InvalidInputError("parts is empty: at least one GridCounts is needed")
        return cls(_native.GridCounts.merge_all(natives))

    def count(self, name: str) -> Optional[int]:
        """Finite reference values counted for a numeric feature."""
        return self._c.count(name)

    def to_bytes(self) -> bytes:
        return self._c.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "GridCounts":
        """Counts from :meth:`to_bytes` (validated; corrupt bytes raise CorruptError)."""
        return cls(_native.GridCounts.from_bytes(bytes(data)))

    def __reduce__(self) -> Tuple[Any, ...]:
        return (GridCounts.from_bytes, (self.to_bytes(),))


class RankSummary:
    """Deterministic mergeable quantile summary of one numeric column (pass 1 of the bounded job): a
    partition's values at ``items`` (m) evenly spaced ranks with their rank weights. The number of values
    ≤ x lies in :meth:`rank_bounds` ``(R̂, R̂ + e)``; merging is the union of the items (errors add, so
    partitions of m items each give e < n/m) and is exactly associative and commutative: the same
    partitions give the same summary, whatever the order. Picklable (its validated binary form)."""

    __slots__ = ("_s",)

    def __init__(self, native: "_native.RankSummary") -> None:
        self._s = native

    @classmethod
    def from_values(cls, values: Any, items: int = 4096, *, nan_policy: str = "raise") -> "RankSummary":
        """The summary of ``values`` (1-D; NaN/±inf raise unless ``nan_policy='omit'``)."""
        return cls(_native.RankSummary.from_values(as_1d(values, "values"), _size("items", items), nan_policy))

    def merge(self, other: "RankSummary") -> None:
        """Adds another partition's summary."""
        if not isinstance(other, RankSummary):
            raise InvalidInputError(f"other must be a RankSummary, got {type(other).__name__}")
        self._s.merge(other._s)

    def compress(self, items: int) -> None:
        """At most ``items`` items again; the stated error grows by less than n/items."""
        self._s.compress(_size("items", items))

    @property
    def n(self) -> int:
        """Finite values summarised."""
        return self._s.info()[0]

    @property
    def rank_error(self) -> int:
        """e, in values: the number of values ≤ x is within [R̂(x), R̂(x) + e]."""
        return self._s.info()[2]

    def rank_bounds(self, x: float) -> Tuple[int, int]:
        """The range holding the number of values ≤ ``x``."""
        return self._s.rank_bounds(float(x))

    def quantile(self, q: float) -> float:
        return self._s.quantile(float(q))

    def quantile_edges(self, bins: int) -> List[float]:
        return self._s.quantile_edges(_size("bins", bins))

    def to_bytes(self) -> bytes:
        return self._s.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "RankSummary":
        """A summary from :meth:`to_bytes` (validated; corrupt bytes raise CorruptError)."""
        return cls(_native.RankSummary.from_bytes(bytes(data)))

    def __reduce__(self) -> Tuple[Any, ...]:
        return (RankSummary.from_bytes, (self.to_bytes(),))


class BoundedReport:
    """Result of a bounded job (:func:`bounded_report`, ``tradewarden.dask.drift_report_bounded``):
    ``features`` — per numeric feature the KS interval and exact PSI / Jensen–Shannon
    (:meth:`StateScorer.ks_bounds`); ``rank_bounds`` — the stated width bound per feature; ``scorer``,
    ``grid`` and the merged ``state`` for reuse (the scorer can be saved and reused on later current data)."""

    __slots__ = ("features", "rank_bounds", "scorer", "grid", "state")

    def __init__(self, features: List[Dict[str, Any]], scorer: StateScorer, grid: SketchGrid,
                 state: ScoreState) -> None:
        self.features = features
        self.rank_bounds = scorer.rank_bounds()
        self.scorer = scorer
        self.grid = grid
        self.state = state

    def __repr__(self) -> str:
        return f"BoundedReport(features={[f['name'] for f in self.features]!r}, cells={self.grid.cells})"


def bounded_report(reference: Any, current: Any, *, cells: int = 1024, bins: int = 10, nan_policy: str = "raise",
                   items: int = 4096, grid: Optional[SketchGrid] = None, **options: Any) -> BoundedReport:
    """The bounded drift job in one process (the counterpart of ``tradewarden.dask.drift_report_bounded``):
    a grid from a deterministic :class:`RankSummary` (``items``) of each reference column (or the given
    ``grid``: then the numbers equal the Dask job's on that grid bit for bit), the reference's scorer on it,
    the current table's state, KS intervals and exact PSI / JS. Tables as :meth:`Profile.fit`. The same
    reference gives the same grid every run (the Dask job's grid depends on its partitioning: pass its
    ``result.grid`` to compare bit for bit)."""
    if grid is None:
        grid = SketchGrid.from_reference(reference, bins=bins, cells=cells, nan_policy=nan_policy, items=items)
    elif not isinstance(grid, SketchGrid):
        raise InvalidInputError(f"grid must be a SketchGrid, got {type(grid).__name__}")
    scorer = grid.scorer(reference)
    state = scorer.state(current)
    return BoundedReport(scorer.ks_bounds(state, **options), scorer, grid, state)


def profile_from_partitions(partitions: Any) -> Profile:
    """Merges profiles fitted on partitions (an iterable of :class:`Profile`, or of their
    :meth:`Profile.to_bytes`) into one, at once: sorted runs merged in one tree, each feature rebuilt
    once. With ``keep_reference=True`` the result equals the profile fitted on all the data. All parts
    must have the same features; raises on an empty iterable."""
    parts = []
    for i, p in enumerate(partitions):
        if isinstance(p, (bytes, bytearray, memoryview)):
            p = Profile.from_bytes(bytes(p))
        if not isinstance(p, Profile):
            raise InvalidInputError(f"partitions[{i}] must be a Profile or its bytes, got {type(p).__name__}")
        parts.append(p._p)
    if not parts:
        raise InvalidInputError("partitions is empty: at least one profile is needed")
    return Profile(_native.Profile.merge_all(parts))


class DriftReport:
    """Per-feature drift of a current table against a profile.

    Attributes: ``features`` (list of dicts: name, method, statistic, pvalue, pvalue_adjusted,
    ks, psi, jensenshannon, drift, severity, n_reference, n_current, constant_reference — the reference
    holds one value only: still scored, flagged instead of failing the report), ``n_drifted``,
    ``drift_share``, ``dataset_drift``, ``options``.
    """

    __slots__ = ("features", "n_drifted", "drift_share", "dataset_drift", "options")
    features: List[Dict[str, Any]]
    n_drifted: int
    drift_share: float
    dataset_drift: bool
    options: Dict[str, Any]

    def __init__(self, d: Dict[str, Any]) -> None:
        for k in self.__slots__:
            setattr(self, k, d[k])

    @classmethod
    def compute(cls, reference: Any, current: Any, *, bins: Union[int, Sequence[float]] = 10,
                strategy: str = "quantile", nan_policy: str = "raise", **options: Any) -> "DriftReport":
        """Report of ``current`` against ``reference`` (a :class:`Profile` or a table to fit one on)."""
        profile = reference if isinstance(reference, Profile) else Profile.fit(
            reference, bins, strategy, nan_policy=nan_policy)
        return profile.score(current, **options)

    def to_dict(self) -> Dict[str, Any]:
        """The report as plain Python data."""
        return {k: getattr(self, k) for k in self.__slots__}

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict())

    def to_pandas(self) -> Any:
        """One row per feature (index: feature name)."""
        import pandas as pd

        rows = []
        for f in self.features:
            r = dict(f)
            ks = r.pop("ks", None)
            r["ks_statistic"], r["ks_pvalue"] = (ks if ks is not None else (None, None))
            rows.append(r)
        return pd.DataFrame(rows).set_index("name")

    def __repr__(self) -> str:
        return (f"DriftReport(n_features={len(self.features)}, n_drifted={self.n_drifted}, "
                f"dataset_drift={self.dataset_drift})")


class LiveMonitor:
    """Rolling windows over a profile's numeric features, scored by PSI, Jensen–Shannon distance and the
    KS statistic on the profile's bins (the seed's three).

    Options: window=10000, min_values=500, psi_epsilon=1e-4, psi_threshold=0.2, js_threshold=√0.05≈0.2236
    (the seed's 0.05 on the JS divergence, as a distance), ks_threshold=0.15, prefix='' (metric names as
    in the tradewarden-metrics catalog; a prefix is prepended to them). NaN/±inf follow the profile's
    nan_policy ('omit'/'skip': skipped and counted in ``skipped``; 'raise': InvalidInputError, nothing
    added). A categorical or Sturges-binned feature is refused at construction (InvalidInputError naming
    it). ``drift_detections_total`` counts transitions into drift, not every call while drifted.
    Not for concurrent use from several threads without a lock (the call releases the interpreter; a
    second caller gets a borrow error).
    """

    __slots__ = ("_m",)

    def __init__(self, profile: Profile, **options: Any) -> None:
        if not isinstance(profile, Profile):
            raise InvalidInputError(f"profile must be a Profile, got {type(profile).__name__}")
        self._m = _native.LiveMonitor(profile._p, options)

    def push(self, feature: str, values: Any) -> None:
        """Appends values to ``feature``'s window (NaN / ±inf as the profile's nan_policy says)."""
        self._m.push(str(feature), as_1d(np.atleast_1d(values) if np.ndim(values) == 0 else values, "values"))

    def score(self, feature: str) -> Optional[Dict[str, Any]]:
        """``{feature, psi, jensenshannon, ks, n, skipped, drift, js_drift, ks_drift, severity}`` (``drift``:
        PSI over its threshold; severity from the PSI bands), or None until the window holds min_values."""
        return self._m.score(str(feature))

    def score_and_emit(self) -> List[Dict[str, Any]]:
        """Scores every ready feature and emits ``drift_score`` / ``drift_detections_total``."""
        return self._m.score_and_emit()


def prediction_quality(predictions: Any, actuals: Any, *, prediction_timestamps: Any = None,
                       actual_timestamps: Any = None, tolerance: float = 0.0) -> Dict[str, float]:
    """MAE, MAPE (%), RMSE and directional accuracy (%) of predictions against actuals.

    Aligned arrays by default; with both timestamp arrays (sorted, seconds), each prediction is matched to
    the actual nearest in time within ``tolerance`` seconds (pandas ``merge_asof(direction='nearest')``).
    """
    p, a = as_1d(predictions, "predictions"), as_1d(actuals, "actuals")
    if prediction_timestamps is not None or actual_timestamps is not None:
        if prediction_timestamps is None or actual_timestamps is None:
            raise InvalidInputError("prediction_timestamps and actual_timestamps must be given together")
        mp, ma = _native.match_nearest(as_1d(prediction_timestamps, "prediction_timestamps"), p,
                                       as_1d(actual_timestamps, "actual_timestamps"), a, float(tolerance))
        p, a = np.asarray(mp, dtype=np.float64), np.asarray(ma, dtype=np.float64)
    n, mae, mape, rmse, da = _native.prediction_quality(p, a)
    return {"n": n, "mae": mae, "mape_pct": mape, "rmse": rmse, "directional_accuracy_pct": da}


def prediction_drift_score(recent_rmse: Any, training_rmse: float) -> float:
    """clamp((mean(recent_rmse) − training_rmse) / training_rmse, 0, 1)."""
    return _native.prediction_drift_score(as_1d(recent_rmse, "recent_rmse"), float(training_rmse))
