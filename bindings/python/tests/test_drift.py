"""tradewarden.drift against scipy in the same process, profiles, reports, monitors and bad inputs."""

import math
import pickle

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance as sdist

import tradewarden.drift as td
from tradewarden import _native
from tradewarden.errors import InvalidInputError, NotFoundError, TradewardenError, UnsupportedError

# issue 4's tolerances: the KS statistic equal, the p-value within 1e-10 relative or 1e-14 absolute
P_RTOL, P_ATOL = 1e-10, 1e-14


def _samples(rng, i):
    kind = i % 5
    n1, n2 = int(rng.integers(1, 400)), int(rng.integers(1, 400))
    if kind == 0:
        return rng.normal(size=n1), rng.normal(0.3, 1.2, size=n2)
    if kind == 1:  # heavy ties
        return rng.integers(0, 6, n1).astype(float), rng.integers(0, 8, n2).astype(float)
    if kind == 2:  # large: asymptotic under 'auto'
        return rng.standard_t(3, size=12_000), rng.standard_t(3, size=int(rng.integers(500, 15_000)))
    if kind == 3:
        return rng.exponential(size=n1), rng.exponential(1.1, size=n1)  # equal sizes
    return rng.uniform(size=n1), rng.uniform(-0.1, 1.0, size=n2)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_ks_2samp_matches_scipy_on_random_cases(alternative):
    rng = np.random.default_rng(20261123 + len(alternative))
    for i in range(40):
        a, b = _samples(rng, i)
        for method in (["auto", "asymp"] if i % 5 == 2 else ["auto", "exact", "asymp"]):
            ours = td.ks_2samp(a, b, alternative=alternative, method=method)
            ref = stats.ks_2samp(a, b, alternative=alternative, method=method)
            assert ours.statistic == ref.statistic, (i, method)
            assert ours.pvalue == pytest.approx(ref.pvalue, rel=P_RTOL, abs=P_ATOL), (i, method)
            assert ours.statistic_location == ref.statistic_location
            assert ours.statistic_sign == ref.statistic_sign


def test_ks_result_unpacks_and_pickles():
    r = td.ks_2samp([0.0, 0.1], [0.2, 0.3])
    stat, p = r
    assert (stat, p) == (1.0, r.pvalue) and len(r) == 2
    assert abs(p - 1 / 3) < 1e-15
    r2 = pickle.loads(pickle.dumps(r))
    assert r2 == r and r2.statistic_sign == r.statistic_sign


def test_jensenshannon_matches_scipy():
    rng = np.random.default_rng(7)
    for i in range(60):
        n = int(rng.integers(2, 50))
        p, q = rng.random(n), rng.random(n)
        if i % 4 == 0:
            p[rng.integers(0, n)] = 0.0
        base = [None, 2.0, 10.0, math.e][i % 4]
        ours = td.jensenshannon(p, q, base=base)
        assert ours == pytest.approx(sdist.jensenshannon(p, q, base=base), rel=1e-12, abs=1e-15)


def test_wasserstein_and_energy_match_scipy():
    rng = np.random.default_rng(11)
    for _ in range(40):
        u = rng.normal(size=int(rng.integers(1, 300)))
        v = rng.normal(0.5, 2.0, size=int(rng.integers(1, 300)))
        assert td.wasserstein_distance(u, v) == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-12, abs=1e-14)
        assert td.energy_distance(u, v) == pytest.approx(stats.energy_distance(u, v), rel=1e-12, abs=1e-14)


def test_cramervonmises_and_chi2_match_scipy():
    rng = np.random.default_rng(3)
    for n1, n2 in [(5, 7), (12, 9), (40, 55)]:
        x, y = rng.normal(size=n1), rng.normal(0.4, size=n2)
        ours, ref = td.cramervonmises_2samp(x, y), stats.cramervonmises_2samp(x, y)
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-12)
    for table in ([[10, 20], [20, 10]], [[3, 5, 9], [7, 2, 4]], [[12, 0, 4], [1, 8, 3], [5, 5, 5]]):
        for corr in (True, False):
            stat, p, dof, expected = td.chi2_contingency(table, correction=corr)
            ref = stats.chi2_contingency(table, correction=corr)
            assert stat == pytest.approx(ref.statistic, rel=1e-12)
            assert p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-14)
            assert dof == ref.dof
            np.testing.assert_allclose(expected, ref.expected_freq)


def test_inputs_of_other_kinds_give_the_same_numbers():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=200), rng.normal(size=150)
    ref = td.ks_2samp(a, b)
    for conv in (list, pd.Series, pl.Series, pa.array, lambda x: x.astype(np.float32).astype(np.float64)):
        assert td.ks_2samp(conv(a), conv(b)) == ref
    assert td.ks_2samp(np.arange(10), np.arange(3, 12)).statistic == stats.ks_2samp(np.arange(10), np.arange(3, 12)).statistic


@pytest.mark.parametrize("fn", [td.ks_2samp, td.wasserstein_distance, td.energy_distance])
def test_bad_samples_raise_naming_the_argument(fn):
    # the drop-in follows scipy for empty samples / NaN / inf (test_scipy_semantics_*); shapes and types raise
    names = {"ks_2samp": ("data1", "data2"), "wasserstein_distance": ("u", "v"), "energy_distance": ("u", "v")}
    first, second = names[fn.__name__]
    good = np.array([0.1, 0.2, 0.3])
    with pytest.raises(InvalidInputError, match=second):
        fn(good, np.ones((2, 2)))
    with pytest.raises(InvalidInputError, match=first):
        fn(["a", "b"], good)
    assert issubclass(InvalidInputError, ValueError)


@pytest.mark.parametrize("fn", ["ks_2samp", "wasserstein_distance", "energy_distance"])
def test_native_api_stays_strict(fn):
    # the strict behaviour lives in the Rust API and the native module: typed errors naming the argument
    f = getattr(_native, fn)
    first, second = ("data1", "data2") if fn == "ks_2samp" else ("u", "v")
    good = np.array([0.1, 0.2, 0.3])
    with pytest.raises(InvalidInputError, match=first):
        f(np.array([]), good)
    with pytest.raises(InvalidInputError, match=second):
        f(good, np.array([0.1, np.nan]))
    with pytest.raises(InvalidInputError, match=second):
        f(good, np.array([0.1, np.inf]))
    with pytest.raises(InvalidInputError, match="p"):
        _native.jensenshannon(np.array([-0.5, 1.5]), np.array([0.5, 0.5]), None)


def test_bad_arguments_raise():
    with pytest.raises(InvalidInputError, match="alternative"):
        td.ks_2samp([1.0, 2.0], [1.0], alternative="both")
    with pytest.raises(InvalidInputError, match="method"):
        td.ks_2samp([1.0, 2.0], [1.0], method="fast")
    with pytest.raises(TypeError, match="method"):
        td.ks_2samp([1.0, 2.0], [1.0], method="exact", mode="asymp")
    with pytest.raises(InvalidInputError, match="q of shape"):
        td.jensenshannon([0.5, 0.5, 0.0], [1.0, 0.0])
    with pytest.raises(InvalidInputError, match="q of shape"):  # scipy would normalise q along its own axis 0
        td.jensenshannon(np.ones((3, 4)), np.ones(4), axis=1)
    with pytest.raises(InvalidInputError, match="axis"):
        td.jensenshannon([[0.5, 0.5]], [[0.5, 0.5]], axis=2)
    with pytest.raises(InvalidInputError, match="u_weights"):
        td.wasserstein_distance([1.0, 2.0], [2.0], u_weights=[1.0])
    with pytest.raises(InvalidInputError, match="v_weights"):
        td.energy_distance([1.0, 2.0], [2.0], v_weights=[-1.0])
    with pytest.raises(InvalidInputError, match="u_values"):
        td.wasserstein_distance([], [2.0])
    with pytest.raises(InvalidInputError, match="nan_policy"):
        td.cramervonmises_2samp([1.0, 2.0], [3.0, 4.0], nan_policy="drop")
    with pytest.raises(InvalidInputError, match="x"):
        td.cramervonmises_2samp([1.0, np.nan], [3.0, 4.0], nan_policy="raise")
    assert math.isnan(td.cramervonmises_2samp([1.0, np.nan, 2.0], [3.0, 4.0]).pvalue)
    assert td.cramervonmises_2samp([1.0, np.nan, 2.0, 5.0], [3.0, 4.0], nan_policy="omit") == \
        td.cramervonmises_2samp([1.0, 2.0, 5.0], [3.0, 4.0])
    with pytest.raises(InvalidInputError, match="observed"):
        td.chi2_contingency([1, 2, 3])
    with pytest.raises(UnsupportedError):
        td.chi2_contingency([[1, 2], [3, 4]], lambda_="log-likelihood")
    with pytest.raises(InvalidInputError, match="eps|epsilon"):
        td.psi([1.0, 2.0, 3.0], [1.0], eps=0.0)
    # NaN policies: omit drops, propagate (scipy's default) gives scipy's NaN, raise raises
    a = np.array([0.1, np.nan, 0.5, 0.7])
    assert td.ks_2samp(a, [0.2, 0.3], nan_policy="omit") == td.ks_2samp(a[~np.isnan(a)], [0.2, 0.3])
    assert math.isnan(td.ks_2samp(a, [0.2, 0.3]).pvalue)
    with pytest.raises(InvalidInputError, match="data1"):
        td.ks_2samp(a, [0.2, 0.3], nan_policy="raise")


def test_scipy_semantics_weights_match_scipy():
    rng = np.random.default_rng(19)
    for i in range(40):
        u = rng.normal(size=int(rng.integers(1, 200)))
        v = rng.normal(0.3, 1.5, size=int(rng.integers(1, 200)))
        if i % 3 == 0:
            u = np.round(u, 1)  # ties
            v = np.round(v, 1)
        uw = rng.random(len(u)) * 3 if i % 4 != 1 else None
        vw = rng.integers(0, 5, len(v)).astype(float) if i % 4 != 2 else None
        if vw is not None and vw.sum() == 0:
            vw[0] = 1.0
        for ours, ref in ((td.wasserstein_distance, stats.wasserstein_distance),
                          (td.energy_distance, stats.energy_distance)):
            assert ours(u, v, uw, vw) == pytest.approx(ref(u, v, uw, vw), rel=1e-12, abs=1e-14), (i, ours.__name__)


def test_scipy_semantics_infinities_and_small_samples():
    inf = np.inf
    for u, v in (([1, 2, inf], [1, 1]), ([1, 2, inf], [-inf, 1]), ([1, -inf, inf], [1, 1]),
                 ([-inf, 0.5], [0.0, 3.0]), ([1.0, np.nan], [2.0])):
        for ours, ref in ((td.wasserstein_distance, stats.wasserstein_distance),
                          (td.energy_distance, stats.energy_distance)):
            np.testing.assert_equal(ours(u, v), ref(u, v))
    with pytest.warns(RuntimeWarning, match="invalid value"):
        assert math.isnan(td.wasserstein_distance([1, 2, inf], [inf, 1]))
    # cvm: ranks only, infinities are values
    x, y = [1, inf, 2, 5, -inf], [3, 4, -inf, 0.5]
    ours, ref = td.cramervonmises_2samp(x, y), stats.cramervonmises_2samp(x, y)
    assert (ours.statistic, ours.pvalue) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-12)
    # ks: infinities are values
    a, b = [-inf, 0.2, 0.5, inf], [0.1, 0.3, inf]
    for alt in ("two-sided", "less", "greater"):
        ours, ref = td.ks_2samp(a, b, alt), stats.ks_2samp(a, b, alt)
        assert (ours.statistic, ours.pvalue) == pytest.approx((ref.statistic, ref.pvalue), rel=1e-12)
    # empty samples: NaN with a SmallSampleWarning (scipy's class when scipy is loaded)
    from scipy.stats._axis_nan_policy import SmallSampleWarning
    with pytest.warns(SmallSampleWarning):
        r = td.ks_2samp([], [1.0])
    assert math.isnan(r.statistic) and math.isnan(r.pvalue)
    with pytest.warns(SmallSampleWarning):
        r = td.cramervonmises_2samp([1.0, 2.0, 3.0], [1.0])
    assert math.isnan(r.statistic) and math.isnan(r.pvalue)
    with pytest.warns(RuntimeWarning, match="Exact calculation unsuccessful"):
        rng = np.random.RandomState(23493549)
        td.ks_2samp(rng.random(size=881) + 0.5, rng.random(size=369), alternative="less")


def test_scipy_semantics_jensenshannon_axis_and_unchecked_entries():
    rng = np.random.default_rng(23)
    p, q = rng.random((4, 7)), rng.random((4, 7))
    for axis in (0, 1, -1):
        for keepdims in (False, True):
            np.testing.assert_allclose(td.jensenshannon(p, q, axis=axis, keepdims=keepdims),
                                       sdist.jensenshannon(p, q, axis=axis, keepdims=keepdims), rtol=1e-12)
    p3, q3 = rng.random((3, 4, 5)), rng.random((1, 4, 5))  # broadcast over the other axes
    np.testing.assert_allclose(td.jensenshannon(p3, q3, 2.0, axis=1), sdist.jensenshannon(p3, q3, 2.0, axis=1),
                               rtol=1e-12)
    # no checks, as scipy: a negative entry gives inf
    assert td.jensenshannon([-0.5, 1.5], [0.5, 0.5]) == sdist.jensenshannon([-0.5, 1.5], [0.5, 0.5]) == np.inf


def test_psi_strategies():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=5000)
    assert td.psi(ref, ref) == 0.0
    small, big = td.psi(ref, rng.normal(0.1, size=5000)), td.psi(ref, rng.normal(1.0, size=5000))
    assert 0 < small < 0.1 < 0.2 < big
    # explicit deciles of the reference give the same number as the quantile strategy
    edges = np.quantile(ref, np.linspace(0, 1, 11))[1:-1]
    cur = rng.normal(0.3, size=3000)
    assert td.psi(ref, cur, bins=edges) == pytest.approx(td.psi(ref, cur), rel=1e-12)
    for strategy in ("uniform", "sturges", "evidently"):
        assert td.psi(ref, cur, strategy=strategy) > 0
    with pytest.raises(InvalidInputError, match="strategy"):
        td.psi(ref, cur, strategy="kmeans")


def _frames(rng, shift=0.0, n=2000):
    return {
        "x": rng.normal(shift, size=n),
        "y": rng.uniform(size=n),
        "side": list(rng.choice(["buy", "sell", "hold"], size=n, p=[0.4, 0.4, 0.2] if shift == 0 else [0.1, 0.3, 0.6])),
    }


def test_profile_fit_score_and_report_exports(tmp_path):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(9)
    ref, cur = _frames(rng), _frames(rng, shift=1.0)
    profile = td.Profile.fit(ref)
    assert profile.features == ["side", "x", "y"] and len(profile) == 3
    report = profile.score(cur)
    by_name = {f["name"]: f for f in report.features}
    assert by_name["x"]["drift"] and by_name["side"]["drift"] and not by_name["y"]["drift"]
    assert report.n_drifted == 2 and report.dataset_drift
    # the KS of a numeric feature is scipy's on the raw samples
    ks = stats.ks_2samp(ref["x"], cur["x"])
    assert by_name["x"]["ks"][0] == ks.statistic
    d = report.to_dict()
    assert set(d) == {"features", "n_drifted", "drift_share", "dataset_drift", "options"}
    df = report.to_pandas()
    assert list(df.index) == [f["name"] for f in report.features] and bool(df.loc["x", "drift"])
    # the same report from DataFrames of each library
    same = td.DriftReport.compute(pd.DataFrame(ref), pd.DataFrame(cur))
    assert same.to_dict() == report.to_dict()
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    assert td.DriftReport.compute(profile, pl.DataFrame(cur)).to_dict() == report.to_dict()
    assert td.DriftReport.compute(profile, pa.table(cur)).to_dict() == report.to_dict()
    # options are passed through and validated
    assert profile.score(cur, correction="bonferroni").options["correction"] == "bonferroni"
    with pytest.raises(InvalidInputError, match="alpha"):
        profile.score(cur, alpha=2.0)
    with pytest.raises(InvalidInputError, match="unknown report option"):
        profile.score(cur, alhpa=0.1)
    with pytest.raises(NotFoundError, match="zzz"):
        profile.score({"zzz": np.ones(10)})


def test_profile_persistence_pickle_and_merge(tmp_path):
    rng = np.random.default_rng(4)
    data = {"x": rng.normal(size=1000)}
    p = td.Profile.fit(data)
    path = tmp_path / "ref.twp"
    p.save(path)
    assert td.Profile.load(path).to_json() == p.to_json()
    assert pickle.loads(pickle.dumps(p)).to_bytes() == p.to_bytes()
    assert td.Profile.from_json(p.to_json()).to_bytes() == p.to_bytes()
    corrupt = bytearray(p.to_bytes())
    corrupt[-5] ^= 0xFF
    with pytest.raises(TradewardenError):
        td.Profile.from_bytes(bytes(corrupt))
    with pytest.raises(OSError):
        td.Profile.load(tmp_path / "missing.twp")
    # merging two partitions fitted on shared explicit edges equals fitting the whole
    edges = np.linspace(-2, 2, 9)
    whole = np.concatenate([data["x"], rng.normal(size=700)])
    a = td.Profile.fit({"x": whole[:1000]}, bins=edges)
    b = td.Profile.fit({"x": whole[1000:]}, bins=edges)
    a.merge(b)
    merged, full = a.to_dict()["features"]["x"], td.Profile.fit({"x": whole}, bins=edges).to_dict()["features"]["x"]
    assert merged["numeric"]["counts"] == full["numeric"]["counts"]
    assert merged["numeric"]["count"] == full["numeric"]["count"] == 1700
    with pytest.raises(InvalidInputError):
        td.Profile.fit({"x": whole}).merge(td.Profile.fit({"x": whole}, bins=edges))


def test_live_monitor():
    rng = np.random.default_rng(2)
    p = td.Profile.fit({"x": rng.normal(size=5000)})
    m = td.LiveMonitor(p, window=1000, min_values=100)
    m.push("x", rng.normal(size=50))
    assert m.score("x") is None
    m.push("x", rng.normal(size=950))
    calm = m.score("x")
    assert calm["n"] == 1000 and not calm["drift"]
    m.push("x", rng.normal(2.0, size=1000))
    hot = m.score("x")
    assert hot["drift"] and hot["psi"] > calm["psi"]
    assert [s["feature"] for s in m.score_and_emit()] == ["x"]
    with pytest.raises(NotFoundError):
        m.push("nope", [1.0])
    with pytest.raises(InvalidInputError, match="values"):
        m.push("x", [np.nan])
    with pytest.raises(InvalidInputError, match="min_values"):
        td.LiveMonitor(p, window=10, min_values=100)


def test_prediction_quality():
    pred, act = np.array([1.0, 2.0, 3.0, 2.5]), np.array([1.5, 2.0, 2.0, 3.0])
    q = td.prediction_quality(pred, act)
    assert q["n"] == 4
    assert q["mae"] == pytest.approx(np.mean(np.abs(pred - act)))
    assert q["rmse"] == pytest.approx(np.sqrt(np.mean((pred - act) ** 2)))
    matched = td.prediction_quality(pred, act, prediction_timestamps=[0.0, 10.0, 20.0, 30.0],
                                    actual_timestamps=[1.0, 11.0, 50.0, 60.0], tolerance=2.0)
    assert matched["n"] == 2
    assert td.prediction_drift_score([2.0, 2.0], 1.0) == 1.0
    assert td.prediction_drift_score([1.0], 1.0) == 0.0
    with pytest.raises(InvalidInputError, match="actuals"):
        td.prediction_quality(pred, act[:2])
    # a NaN / ±inf value is the crate's typed error naming the array and the index (it gave NaN metrics)
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InvalidInputError, match=r"predictions = (NaN|inf|-inf) \(pair 2\)"):
            td.prediction_quality(np.array([1.0, 2.0, bad, 2.5]), act)
        with pytest.raises(InvalidInputError, match=r"actuals = .* \(pair 0\)"):
            td.prediction_quality(pred, np.array([bad, 2.0, 2.0, 3.0]))


def test_anderson_ksamp_and_mannwhitneyu_match_scipy():
    import warnings

    rng = np.random.default_rng(12)
    for i in range(12):
        k = 2 + i % 3
        samples = [rng.normal(0.15 * j * (i % 2), size=int(rng.integers(10, 200))) for j in range(k)]
        if i % 4 == 3:
            samples = [np.round(s, 1) for s in samples]  # ties
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = stats.anderson_ksamp(samples)
        ours = td.anderson_ksamp(samples)
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-10)
        np.testing.assert_allclose(ours.critical_values, ref.critical_values, rtol=1e-10)
        assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-8)
    for i in range(20):
        x, y = rng.normal(size=int(rng.integers(1, 60))), rng.normal(0.3, size=int(rng.integers(1, 60)))
        for alt in ("two-sided", "less", "greater"):
            ours, ref = td.mannwhitneyu(x, y, alternative=alt), stats.mannwhitneyu(x, y, alternative=alt)
            assert ours.statistic == ref.statistic
            assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-14)
    with pytest.raises(InvalidInputError, match="x"):
        td.mannwhitneyu([], [1.0])
    with pytest.raises(InvalidInputError, match="variant"):
        td.anderson_ksamp([[1.0, 2.0], [3.0, 4.0]], variant="left")


def test_pandas_float64_columns_are_read_in_place():
    pd = pytest.importorskip("pandas")
    from tradewarden import _tables

    a = np.random.default_rng(3).normal(size=1000)
    df = pd.DataFrame({"a": a, "i": np.arange(1000), "n": pd.array([1.0, None] * 500, dtype="Float64")})
    cols = dict(_tables.columns(df, "data"))
    # no copy of a float64 column (pandas 2.x's astype + to_numpy(na_value=...) copied it; pandas 3 does not)
    assert np.shares_memory(cols["a"], df["a"].to_numpy())
    assert cols["i"].dtype == np.float64 and cols["i"][999] == 999.0  # ints converted
    assert np.isnan(cols["n"][1]) and cols["n"][0] == 1.0  # nullable floats: NA becomes NaN


def test_profile_union_is_the_joint_fit():
    """Profile.union (the crate's Profile::union): disjoint columns fitted apart = fitted together, bytes
    included; each column keeps its own bins; a shared feature raises naming it."""
    rng = np.random.default_rng(18)
    a, b = rng.normal(size=300), rng.exponential(size=300)
    pa, pb = td.Profile.fit({"a": a}), td.Profile.fit({"b": b})
    both = pa.union(pb)
    assert both.features == ["a", "b"]
    assert both.to_bytes() == td.Profile.fit({"a": a, "b": b}).to_bytes()
    assert td.Profile.from_json(both.to_json()).to_bytes() == both.to_bytes()
    explicit = td.Profile.fit({"a": a}, [-1.0, 0.0, 1.0], keep_reference=False)
    mixed = explicit.union(pb)
    assert mixed.features == ["a", "b"]
    with pytest.raises(InvalidInputError, match='feature "a"'):
        both.union(pa)
    with pytest.raises(InvalidInputError, match="must be a Profile"):
        pa.union({"b": b})  # type: ignore[arg-type]
