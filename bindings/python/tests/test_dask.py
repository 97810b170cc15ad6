"""tradewarden.dask: per-partition fits merged on Dask equal the single-process profile and report."""

import os
import pickle
import subprocess
import sys

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from tradewarden import dask as twd
from tradewarden.drift import Profile, QuantileSketch, profile_from_partitions
from tradewarden.errors import InvalidInputError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def frame(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.standard_normal(n) + shift,
        "b": rng.lognormal(0.0, 0.5 + shift, n),
        "ties": rng.integers(0, 7, n).astype(np.float64),
        "cat": np.array(["x", "y", "z"])[rng.choice(3, n, p=[0.5, 0.3 + shift / 10, 0.2 - shift / 10])],
    })


def features(report):
    return {f["name"]: f for f in report.features}


@pytest.fixture(autouse=True)
def synchronous():
    # the cluster path is exercised by the example test below; here the in-process scheduler is enough
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.mark.parametrize("nparts", [1, 3, 7])
@pytest.mark.parametrize("bins,strategy", [(10, "quantile"), (6, "uniform"), ([-1.0, 0.0, 0.5, 2.0], "quantile")])
def test_fit_profile_equals_single_fit(nparts, bins, strategy):
    pdf = frame(5000, 1)
    single = Profile.fit(pdf, bins, strategy)
    merged = twd.fit_profile(dd.from_pandas(pdf, npartitions=nparts), bins, strategy, split_every=2)
    assert merged.to_dict() == single.to_dict()
    assert merged.to_bytes() == single.to_bytes()


def test_report_equals_single_machine_report():
    ref, cur = frame(6000, 2), frame(4000, 3, shift=0.5)
    single = Profile.fit(ref).score(cur, correction="benjamini_hochberg")
    dist = twd.drift_report(dd.from_pandas(ref, npartitions=5), dd.from_pandas(cur, npartitions=4),
                            correction="benjamini_hochberg")
    assert features(dist) == features(single)
    assert (dist.n_drifted, dist.drift_share, dist.dataset_drift) == (
        single.n_drifted, single.drift_share, single.dataset_drift)
    assert dist.n_drifted >= 1


def test_score_with_a_persisted_profile_and_column_subset(tmp_path):
    ref, cur = frame(3000, 4), frame(3000, 5, shift=0.5)
    profile = Profile.fit(ref)
    profile.save(tmp_path / "p.twdp")
    loaded = Profile.load(tmp_path / "p.twdp")
    dist = twd.score(loaded, dd.from_pandas(cur, npartitions=3), columns=["a", "cat"])
    single = profile.score(cur[["a", "cat"]])
    assert features(dist) == features(single)


def bits(report):
    """Every feature field with floats as bit patterns, plus the summary (bit-for-bit comparison)."""
    def b(x):
        if isinstance(x, float):
            return np.float64(x).view(np.uint64).item()
        if isinstance(x, (list, tuple)):
            return [b(v) for v in x]
        return x
    return ([{k: b(v) for k, v in f.items()} for f in report.features], report.n_drifted,
            b(report.drift_share), report.dataset_drift)


@pytest.mark.parametrize("split_every", [None, 2, 3])
@pytest.mark.parametrize("nan_policy", ["raise", "omit"])
def test_score_states_equal_the_single_process_report_bit_for_bit(split_every, nan_policy):
    ref, cur = frame(6000, 20), frame(9000, 21, shift=0.4)
    if nan_policy == "omit":
        cur.loc[cur.index[::9], "a"] = np.nan
    profile = Profile.fit(ref, nan_policy=nan_policy)
    opts = dict(correction="bonferroni", large_sample=5000)
    single = profile.score(cur[sorted(cur.columns)], **opts)
    ddf = dd.from_pandas(cur, npartitions=7)
    ddf = dd.concat([ddf[ddf["b"] < 0], ddf])  # an empty partition first
    for method in ("auto", "states"):
        dist = twd.score(profile, ddf, split_every=split_every, method=method, **opts)
        assert bits(dist) == bits(single)
    merged = twd.score_state(profile, ddf, split_every=split_every)
    assert merged == profile.score_state(cur)
    # the exact-merge path stays available
    old, want = features(twd.score(profile, ddf, method="profiles", nan_policy=nan_policy, **opts)), features(single)
    if nan_policy == "omit":
        # the exact-merge path never sees the skipped values: its n_current counts finite values only,
        # Profile.score (and the state path) count rows
        assert old["a"].pop("n_current") == want["a"].pop("n_current") - len(cur.index[::9])
    assert old == want


def test_state_bytes_per_partition_are_bounded_by_the_reference():
    ref = frame(4000, 22)
    profile = Profile.fit(ref)
    blob = profile.to_bytes()
    cols = profile.features

    def size(n, cells=None, columns=cols):
        return len(twd._state_partition(frame(n, 23, shift=0.2), blob, columns, cells).iloc[0])

    m = sum(ref[c].nunique() for c in ("a", "b", "ties"))
    assert size(10_000) <= size(100_000) <= (2 * m + 3) * 19 + 3 * 10 * 8 + 1000
    # few distinct reference values (ties, categories): flat in the rows
    assert size(100_000, columns=["ties", "cat"]) - size(10_000, columns=["ties", "cat"]) <= 2 * 19
    # bounded states: O(K), flat
    assert abs(size(100_000, 64) - size(10_000, 64)) <= 3 * 64 and size(100_000, 64) < 10_000
    assert twd._broadcast_scorer(blob, None) is twd._broadcast_scorer(blob, None)  # prepared once per process


def test_score_falls_back_for_modes_states_do_not_support():
    ref, cur = frame(3000, 24), frame(3000, 25, shift=0.3)
    profile = Profile.fit(ref)
    ddf = dd.from_pandas(cur, npartitions=3)
    single = profile.score(cur, psi_mode="evidently")
    assert features(twd.score(profile, ddf, psi_mode="evidently")) == features(single)
    with pytest.raises(InvalidInputError, match="evidently"):
        twd.score(profile, ddf, method="states", psi_mode="evidently")
    sturges = Profile.fit(ref[["a"]], strategy="sturges")
    assert features(twd.score(sturges, ddf[["a"]])) == features(sturges.score(cur[["a"]]))
    with pytest.raises(InvalidInputError, match="sturges"):
        twd.score(sturges, ddf[["a"]], method="states")
    with pytest.raises(InvalidInputError, match="method"):
        twd.score(profile, ddf, method="nope")


def test_bounded_score_state_on_dask():
    ref, cur = frame(20_000, 26), frame(15_000, 27, shift=0.1)
    profile = Profile.fit(ref[["a"]])
    s = twd.score_state(profile, dd.from_pandas(cur[["a"]], npartitions=4), cells=32)
    assert s.cells == 32
    (b,) = s.ks_bounds(profile)
    from scipy import stats

    d = stats.ks_2samp(ref["a"], cur["a"]).statistic
    assert b["statistic_lo"] - 1e-12 <= d <= b["statistic_hi"] + 1e-12
    assert b["statistic_hi"] - b["statistic_lo"] <= 1 / 32 + 1e-12


def test_explicit_edges_without_reference_merge_counts_exactly():
    pdf = frame(5000, 6)
    edges = [-1.0, -0.25, 0.0, 0.3, 1.2]
    single = Profile.fit(pdf[["a"]], edges, keep_reference=False).to_dict()
    merged = twd.fit_profile(dd.from_pandas(pdf[["a"]], npartitions=6), edges, keep_reference=False).to_dict()
    s, m = single["features"]["a"]["numeric"], merged["features"]["a"]["numeric"]
    for k in ("edges", "counts", "count", "min", "max", "nan_count"):
        assert m[k] == s[k], k
    assert m["mean"] == pytest.approx(s["mean"], rel=1e-13, abs=1e-15)
    assert m["m2"] == pytest.approx(s["m2"], rel=1e-12)


def test_empty_partitions_are_skipped():
    pdf = frame(2000, 7)
    ddf = dd.from_pandas(pdf, npartitions=4)
    filtered = ddf[ddf["a"] > -10.0]  # keeps every row
    empty_first = dd.concat([ddf[ddf["a"] > 1e9], filtered])
    assert twd.fit_profile(empty_first).to_bytes() == Profile.fit(pdf).to_bytes()
    with pytest.raises(InvalidInputError, match="no rows"):
        twd.fit_profile(ddf[ddf["a"] > 1e9])


def test_profile_from_partitions_and_pickle():
    parts = [frame(800, s) for s in range(4)]
    fitted = [Profile.fit(p) for p in parts]
    whole = Profile.fit(pd.concat(parts, ignore_index=True))
    assert profile_from_partitions(fitted).to_bytes() == whole.to_bytes()
    assert profile_from_partitions(p.to_bytes() for p in fitted).to_bytes() == whole.to_bytes()
    # the inputs are not modified
    assert fitted[0].to_bytes() == Profile.fit(parts[0]).to_bytes()
    clone = pickle.loads(pickle.dumps(whole))
    assert clone.to_bytes() == whole.to_bytes()
    with pytest.raises(InvalidInputError, match="empty"):
        profile_from_partitions([])
    with pytest.raises(InvalidInputError, match=r"partitions\[1\]"):
        profile_from_partitions([fitted[0], "nope"])


def test_bad_input():
    ddf = dd.from_pandas(frame(100, 8), npartitions=2)
    with pytest.raises(InvalidInputError, match="dask DataFrame"):
        twd.fit_profile(frame(100, 8))
    with pytest.raises(InvalidInputError, match="not in the dask DataFrame"):
        twd.fit_profile(ddf, columns=["a", "nope"])
    with pytest.raises(InvalidInputError, match="split_every"):
        twd.fit_profile(ddf, split_every=1)
    with pytest.raises(InvalidInputError, match="profile must be a Profile"):
        twd.score("p", ddf)
    with pytest.raises(InvalidInputError, match="current must be a Profile"):
        Profile.fit(frame(100, 8)).score_profile(ddf)
    # a numeric current profile without stored values cannot be scored
    no_ref = Profile.fit(frame(100, 9)[["a"]], [0.0], keep_reference=False)
    with pytest.raises(InvalidInputError, match="keep_reference"):
        Profile.fit(frame(100, 8)).score_profile(no_ref)


def test_example_on_a_two_worker_local_cluster():
    """examples/dask_drift_report.py: 2 worker processes on loopback, partitioned Parquet, report equal."""
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "dask_drift_report.py"),
                        "--rows", "60000", "--files", "6"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "equal=True" in r.stdout and "workers=2 partitions=6" in r.stdout, r.stdout
    assert "drifted=[" in r.stdout and "'spread_bps'" in r.stdout, r.stdout


def test_two_pass_fit_without_reference_uses_sketch_edges():
    pdf = frame(40000, 10)
    ddf = dd.from_pandas(pdf, npartitions=5)
    p = twd.fit_profile(ddf, 10, keep_reference=False).to_dict()["features"]
    single = Profile.fit(pdf, keep_reference=False).to_dict()["features"]
    assert p["cat"] == single["cat"]
    for c in ("a", "b", "ties"):
        f, s = p[c]["numeric"], single[c]["numeric"]
        x = np.sort(pdf[c].to_numpy())
        assert f["reference"] == [] and f["count"] == len(x) and (f["min"], f["max"]) == (s["min"], s["max"])
        edges = [float(e) for e in f["edges"][1:-1]]
        # counts on the sketch's edges are exact ([e_i, e_i+1) bins)
        cuts = np.searchsorted(x, edges, side="left")
        exact = np.diff(np.concatenate([[0], cuts, [len(x)]]))
        assert f["counts"] == exact.tolist()
        if c != "ties":  # continuous: each edge's rank is within the sketch bound of k/10
            bound = QuantileSketch().rank_error_bound
            ranks = np.searchsorted(x, edges, side="right") / len(x)
            target = np.arange(1, 10) / 10
            assert np.all(np.abs(ranks - target) <= bound), (ranks, target)


def test_quantile_sketch():
    from scipy import stats

    rng = np.random.default_rng(11)
    x = rng.standard_normal(200_000)
    parts = np.array_split(x, 7)
    s = QuantileSketch.from_values(parts[0])
    for p in parts[1:]:
        s.merge(QuantileSketch.from_values(p))
    assert s.n == len(x) and s.k == 200 and s.min == x.min() and s.max == x.max()
    assert 0.01 < s.rank_error_bound < 0.015 and s.num_retained < 5000
    xs = np.sort(x)
    for q in (0.01, 0.1, 0.5, 0.9, 0.99):
        v = s.quantile(q)
        assert abs(np.searchsorted(xs, v, side="right") / len(x) - q) <= s.rank_error_bound
        assert abs(s.rank(v) - np.searchsorted(xs, v, side="right") / len(x)) <= s.rank_error_bound
    cur = rng.standard_normal(5000) + 0.1
    r = s.ks(cur)
    exact = stats.ks_2samp(x, cur)
    assert abs(r.statistic - exact.statistic) <= r.statistic_error_bound
    assert r.statistic_error_bound == s.rank_error_bound and r.pvalue < 0.01
    d, p = r
    assert (d, p) == (r.statistic, r.pvalue)
    clone = pickle.loads(pickle.dumps(s))
    assert clone.n == s.n and clone.quantile_edges(10) == s.quantile_edges(10)
    assert len(s.quantile_edges(10)) == 11 and s.quantile_edges(10)[0] == -np.inf
    # NaN policy
    with pytest.raises(InvalidInputError, match="values"):
        QuantileSketch.from_values([1.0, np.nan])
    t = QuantileSketch.from_values([1.0, np.nan, 2.0], nan_policy="omit")
    assert (t.n, t.nan_count) == (2, 1)
    # bad input
    with pytest.raises(InvalidInputError, match="k"):
        QuantileSketch(3)
    with pytest.raises(InvalidInputError, match="QuantileSketch"):
        s.merge("nope")
    from tradewarden.errors import CorruptError
    with pytest.raises(CorruptError):
        QuantileSketch.from_json('{"kll": [1, 2, 3], "nan_count": 0}')
    with pytest.raises(InvalidInputError):
        QuantileSketch().quantile(0.5)  # empty


def test_score_state_with_a_saved_scorer(tmp_path):
    """tradewarden.dask.score_state with a StateScorer (loaded from its file, no reference in it): the same
    merged state as with the profile and cells=K, its intervals read from the scorer; cells must agree."""
    from tradewarden.drift import StateScorer

    ref, cur = frame(20_000, 28), frame(16_000, 29, shift=0.1)
    profile = Profile.fit(ref)
    StateScorer.from_profile(profile, 32).save(tmp_path / "r.twsc")
    sc = StateScorer.load(tmp_path / "r.twsc")
    ddf = dd.from_pandas(cur.astype({"cat": "string"}), npartitions=4)
    s = twd.score_state(sc, ddf)
    assert s == twd.score_state(profile, ddf, cells=32) == profile.score_state(cur, cells=32)
    assert sc.ks_bounds(s) == s.ks_bounds(profile)
    assert twd.score_state(sc, ddf, cells=32, split_every=2) == s
    with pytest.raises(InvalidInputError, match="cells"):
        twd.score_state(sc, ddf, cells=16)
    with pytest.raises(InvalidInputError, match="Profile or a StateScorer"):
        twd.score_state("profile", ddf)
