"""Score states (issue 22): per-partition states of current data against a broadcast reference profile; the
report of the merged states equals Profile.score on all the data, bit for bit."""

import math
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from tradewarden.drift import Profile, ScoreState
from tradewarden.errors import CorruptError, InvalidInputError


def frame(n, seed, shift=0.0, nan=False):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({
        "a": rng.standard_normal(n) + shift,
        "ties": rng.integers(0, 9, n).astype(np.float64) * 0.5 + shift,
        "cat": np.array(["x", "y", "z", "w"])[rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])],
    })
    if shift:
        d.loc[d.index[::11], "cat"] = "new"  # a category the reference never saw
    if nan:
        d.loc[d.index[::13], "a"] = np.nan
        d.loc[d.index[::17], "ties"] = np.inf
    return d


def bits(report):
    """Every feature field, floats as their bit patterns (bit-for-bit comparison)."""
    def b(x):
        if isinstance(x, float):
            return np.float64(x).view(np.uint64).item()
        if isinstance(x, (list, tuple)):
            return [b(v) for v in x]
        return x
    out = [{k: b(v) for k, v in f.items()} for f in report.features]
    return out, report.n_drifted, b(report.drift_share), report.dataset_drift


def split(df, cuts):
    bounds = [0, *cuts, len(df)]
    return [df.iloc[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)]


@pytest.mark.parametrize("nan_policy", ["raise", "omit"])
@pytest.mark.parametrize("n_ref,large_sample", [(600, 1000), (5000, 1000), (600, 10)])
@pytest.mark.parametrize("cuts", [[], [1, 700], [300, 300, 2500], [4000]])
def test_merged_states_equal_profile_score(nan_policy, n_ref, large_sample, cuts):
    ref = frame(n_ref, 1)
    cur = frame(4500, 2, shift=0.3, nan=nan_policy == "omit")
    profile = Profile.fit(ref, 10, nan_policy=nan_policy)
    cur = cur[sorted(cur.columns)]  # the state path reports in name order
    opts = dict(large_sample=large_sample, correction="benjamini_hochberg")
    direct = profile.score(cur, **opts)
    states = [profile.score_state(p) for p in split(cur, cuts)]
    merged = profile.score_states(states, **opts)
    assert bits(merged) == bits(direct)
    # any order, from bytes, one state at a time
    acc = ScoreState.from_bytes(states[-1].to_bytes())
    for s in reversed(states[:-1]):
        acc.merge(s)
    assert acc == ScoreState.merge_all(states)
    assert bits(acc.report(profile, **opts)) == bits(direct)
    assert bits(profile.score_states([s.to_bytes() for s in states], **opts)) == bits(direct)


def test_pyarrow_table_and_dict_inputs():
    ref, cur = frame(2000, 3), frame(3000, 4, shift=0.2)
    profile = Profile.fit(ref)
    direct = profile.score(cur[["a", "cat", "ties"]])
    t = pa.Table.from_pandas(cur.assign(extra=1.0), preserve_index=False)  # unprofiled column ignored
    halves = [t.slice(0, 1000), t.slice(1000)]
    assert bits(profile.score_states([profile.score_state(h) for h in halves])) == bits(direct)
    d = {"a": cur["a"].to_numpy(), "cat": cur["cat"].tolist(), "ties": cur["ties"].to_numpy()}
    assert bits(profile.score_states(profile.score_state(d))) == bits(direct)


def test_pickle_round_trip_and_repr():
    profile = Profile.fit(frame(1000, 5))
    s = profile.score_state(frame(700, 6, shift=0.1))
    clone = pickle.loads(pickle.dumps(s))
    assert clone == s and clone.to_bytes() == s.to_bytes()
    assert s.nbytes == len(s.to_bytes())
    assert s.features == ["a", "cat", "ties"] and s.cells is None
    assert "ScoreState(" in repr(s)


def test_size_is_bounded_by_the_reference_not_the_rows():
    ref = frame(3000, 7)
    profile = Profile.fit(ref)
    small = profile.score_state(frame(10_000, 8, shift=0.2))
    large = profile.score_state(frame(100_000, 9, shift=0.2))
    # at most 2m + 1 non-empty cells of <= 19 bytes per numeric column (m distinct reference values),
    # 8 bytes per bin, the categories: 10x the rows only fill the cells still empty
    m = ref["a"].nunique() + ref["ties"].nunique()
    bound = (2 * m + 2) * 19 + 2 * 10 * 8 + 1000
    assert small.nbytes <= large.nbytes <= bound
    # a reference with few distinct values is filled at once: the bytes are flat in the rows
    flat = Profile.fit(ref[["ties", "cat"]])
    sizes = [flat.score_state(frame(n, 8, shift=0.2)[["ties", "cat"]]).nbytes for n in (10_000, 100_000)]
    assert sizes[1] - sizes[0] <= 2 * 19, sizes
    # a few rows cost only the cells they touch
    assert profile.score_state(frame(20, 8, shift=0.2)).nbytes < 2000


def test_bounded_states_hold_the_exact_statistic():
    rng = np.random.default_rng(10)
    ref = pd.DataFrame({"a": rng.standard_normal(50_000)})
    cur = pd.DataFrame({"a": rng.standard_normal(20_000) * 1.1 + 0.05})
    profile = Profile.fit(ref)
    k = 64
    parts = [profile.score_state(p, cells=k) for p in split(cur, [5000, 12000])]
    merged = ScoreState.merge_all(parts)
    assert merged.cells == k
    assert merged.nbytes < 4000  # O(K): 129 cells, 65 maxima, 10 bins
    (b,) = merged.ks_bounds(profile)
    d = stats.ks_2samp(ref["a"], cur["a"]).statistic
    assert b["statistic_lo"] <= d + 1e-12 and d <= b["statistic_hi"] + 1e-12
    assert b["statistic_hi"] - b["statistic_lo"] <= 1 / k + 1e-12
    direct = profile.score(cur)
    assert b["psi"] == direct.features[0]["psi"]
    assert b["jensenshannon"] == direct.features[0]["jensenshannon"]
    with pytest.raises(InvalidInputError, match="interval"):
        merged.report(profile)
    # the exact grid's interval is the statistic itself
    (e,) = profile.score_state(cur).ks_bounds(profile)
    assert e["statistic_lo"] == e["statistic_hi"]
    assert math.isclose(e["statistic_lo"], d, rel_tol=1e-12)


def test_errors_are_typed():
    profile = Profile.fit(frame(500, 11))
    other = Profile.fit(frame(500, 12))
    s = profile.score_state(frame(300, 13))
    data = s.to_bytes()
    for bad in (data[:10], data[:-1], data[:30] + bytes([data[30] ^ 1]) + data[31:], b"nope" + data[4:]):
        with pytest.raises(CorruptError):
            ScoreState.from_bytes(bad)
    with pytest.raises(InvalidInputError, match="another profile"):
        s.report(other)
    with pytest.raises(InvalidInputError, match="different profiles"):
        s.merge(other.score_state(frame(300, 13)))
    with pytest.raises(InvalidInputError, match="evidently"):
        s.report(profile, psi_mode="evidently")
    with pytest.raises(InvalidInputError, match="sturges"):
        Profile.fit(frame(500, 11)[["a"]], strategy="sturges").score_state(frame(10, 1)[["a"]])
    with pytest.raises(InvalidInputError, match="not finite"):
        profile.score_state(frame(300, 13, nan=True))
    with pytest.raises(InvalidInputError, match="empty"):
        ScoreState.merge_all([])
    with pytest.raises(InvalidInputError, match=r"states\[1\]"):
        ScoreState.merge_all([s, "nope"])
    with pytest.raises(InvalidInputError):
        s.merge("nope")


def test_compact_scorer_ships_kilobytes_and_gives_the_same_states():
    """StateScorer.to_bytes (the profile without its reference + the grids): what tradewarden.dask ships for
    bounded states instead of the profile; decoded, it gives the same states; corrupt bytes are refused."""
    from tradewarden import _native
    from tradewarden.errors import TradewardenError

    g = np.random.default_rng(12)
    ref = {"a": g.normal(size=200_000), "b": g.exponential(size=200_000)}
    cur = {"a": g.normal(0.1, 1, 20_000), "b": g.exponential(1.1, 20_000)}
    p = Profile.fit(ref)
    full = _native.StateScorer.from_profile_bytes(p.to_bytes(), 512)
    blob = full.to_bytes()
    assert len(blob) < 40_000 < 3_000_000 < len(p.to_bytes())
    assert _native.StateScorer.from_profile(p._p, 512).to_bytes() == blob
    compact = _native.StateScorer.from_bytes(blob)
    cols = [(k, v) for k, v in cur.items()]
    assert compact.state(cols).to_bytes() == full.state(cols).to_bytes() == p.score_state(cur, cells=512).to_bytes()
    bad = bytearray(blob)
    bad[len(bad) // 2] ^= 0x10
    with pytest.raises(TradewardenError, match="checksum"):
        _native.StateScorer.from_bytes(bytes(bad))


def test_saved_scorer_is_all_the_client_needs(tmp_path):
    """The compact scorer saved beside the profile (issue 22: the client of a bounded job loads kilobytes):
    its states equal Profile.score_state's bit for bit — from pandas with the string dtype and from a pyarrow
    Table (read over Arrow in the crate) as from an object column and a dict (converted value by value) —,
    its KS intervals equal ScoreState.ks_bounds against the full profile, and it refuses foreign states,
    other grids and damaged files."""
    from tradewarden.drift import StateScorer

    ref, cur = frame(30_000, 41), frame(12_000, 42, shift=0.2, nan=True)
    cur["ties"] = cur["ties"].replace(np.inf, np.nan)  # NaN skipped by the profile's policy
    ref["n32"] = np.arange(len(ref), dtype=np.int32) % 97
    cur["n32"] = np.arange(len(cur), dtype=np.int32) % 101
    profile = Profile.fit(ref, nan_policy="skip")
    path = tmp_path / "reference-64.twsc"
    StateScorer.from_profile(profile, cells=64).save(path)
    assert path.stat().st_size < 40_000 < len(profile.to_bytes())
    sc = StateScorer.load(path)
    assert sc.cells == 64 and set(sc.features) == set(profile.features)
    want = profile.score_state(cur, cells=64)
    as_str = cur.astype({"cat": "string"})
    as_arrow = pa.Table.from_pandas(as_str, preserve_index=False).append_column("extra", pa.array(["q"] * len(cur)))
    as_dict = {k: cur[k].to_numpy() for k in cur.columns}
    for table in (cur, as_str, as_arrow, as_dict, as_str.assign(extra=1.5)):
        assert sc.state(table).to_bytes() == want.to_bytes()
    parts = [sc.state(as_str.iloc[i:i + 5_000]) for i in range(0, len(cur), 5_000)]
    merged = ScoreState.merge_all(parts)
    assert merged == want
    via_scorer = sc.ks_bounds(merged)
    assert via_scorer == merged.ks_bounds(profile) == merged.ks_bounds(sc)
    assert [b["name"] for b in via_scorer] == ["a", "n32", "ties"]
    # the exact KS statistic lies in each interval
    for b in via_scorer:
        x = cur[b["name"]].to_numpy()
        d = stats.ks_2samp(ref[b["name"]], x[np.isfinite(x)]).statistic
        assert b["statistic_lo"] - 1e-12 <= d <= b["statistic_hi"] + 1e-12
    assert pickle.loads(pickle.dumps(sc)).to_bytes() == sc.to_bytes()
    with pytest.raises(InvalidInputError, match="grid"):
        sc.ks_bounds(profile.score_state(cur))  # an exact state
    other = Profile.fit(cur.dropna(), nan_policy="skip")
    with pytest.raises(InvalidInputError, match="checksum"):
        sc.ks_bounds(StateScorer.from_profile(other, 64).state(cur))
    with pytest.raises(InvalidInputError):
        sc.ks_bounds("nope")
    damaged = bytearray(path.read_bytes())
    damaged[-3] ^= 0x08
    path.write_bytes(bytes(damaged))
    with pytest.raises(CorruptError):
        StateScorer.load(path)
