"""Issue #21, drift items through the Python door: LiveMonitor's JS/KS, NaN policy, refused features;
constant-feature partitions and reports; chunked drift with reference-row provenance."""
import math

import numpy as np
import pandas as pd
import pytest

import tradewarden.drift as td
from tradewarden.errors import InvalidInputError


def _ref(n=2000):
    return np.modf(np.arange(n) * 0.61803398875)[0]


def _edges(profile, name="x"):
    f = profile.to_dict()["features"][name]["numeric"]
    return [float(e) for e in f["edges"]], f["counts"]


# --- LiveMonitor -------------------------------------------------------------------------------------------

def test_monitor_scores_js_and_ks_besides_psi():
    r = _ref()
    p = td.Profile.fit({"x": r})
    m = td.LiveMonitor(p, window=400, min_values=100)
    cur = 0.4 + 0.6 * r[:400]
    m.push("x", cur)
    s = m.score("x")
    edges, counts = _edges(p)
    inner = np.array(edges[1:-1])
    hist = np.bincount(np.searchsorted(inner, cur, side="right"), minlength=len(counts))
    assert s["jensenshannon"] == pytest.approx(td.jensenshannon(np.array(counts, float), hist.astype(float)), abs=1e-15)
    ecdf = lambda v, e: np.mean(v < e)  # noqa: E731
    ks = max(abs(ecdf(r, e) - ecdf(cur, e)) for e in inner)
    assert s["ks"] == pytest.approx(ks, abs=1e-12)
    assert s["ks_drift"] and s["js_drift"] and s["drift"]
    quiet = td.LiveMonitor(p, window=400, min_values=100, psi_threshold=100.0, js_threshold=0.99, ks_threshold=0.99)
    quiet.push("x", cur)
    q = quiet.score("x")
    assert not (q["drift"] or q["js_drift"] or q["ks_drift"])
    with pytest.raises(InvalidInputError, match="ks_threshold"):
        td.LiveMonitor(p, ks_threshold=-1.0)


def test_monitor_follows_the_profiles_nan_policy():
    r = np.arange(1000.0)
    skip = td.LiveMonitor(td.Profile.fit({"x": r}, nan_policy="omit"), window=100, min_values=2)
    skip.push("x", [1.0, math.nan, 500.0, math.inf])
    s = skip.score("x")
    assert (s["n"], s["skipped"]) == (2, 2)
    strict = td.LiveMonitor(td.Profile.fit({"x": r}), window=100, min_values=2)
    with pytest.raises(InvalidInputError, match="values"):
        strict.push("x", [1.0, math.nan])
    strict.push("x", [1.0, 2.0])
    assert strict.score("x")["n"] == 2


def test_monitor_refuses_features_it_cannot_score():
    p = td.Profile.fit(pd.DataFrame({"x": np.arange(100.0), "venue": ["a", "b"] * 50}))
    with pytest.raises(InvalidInputError, match="venue"):
        td.LiveMonitor(p)


# --- constant features -------------------------------------------------------------------------------------

def test_constant_and_single_value_partitions_merge_into_the_whole_fit():
    data = np.concatenate([np.full(300, 1.5), [7.0], (np.arange(500) * 37 % 101).astype(float)])
    parts = [data[:300], data[300:301], data[301:]]
    fits = [td.Profile.fit({"x": p}) for p in parts]
    merged = td.profile_from_partitions(fits)
    assert merged.to_bytes() == td.Profile.fit({"x": data}).to_bytes()
    merged_bytes = td.profile_from_partitions([f.to_bytes() for f in fits])
    assert merged_bytes.to_bytes() == merged.to_bytes()


def test_constant_partition_through_dask():
    dd = pytest.importorskip("dask.dataframe")
    import tradewarden.dask as twd
    pdf = pd.DataFrame({"x": np.concatenate([np.full(100, 2.0), np.linspace(0, 5, 300)])})
    ddf = dd.from_pandas(pdf, npartitions=4)  # the first partition holds only 2.0
    assert ddf.partitions[0].compute()["x"].nunique() == 1
    assert twd.fit_profile(ddf).to_bytes() == td.Profile.fit(pdf).to_bytes()


def test_a_constant_feature_is_flagged_in_the_report():
    ref = pd.DataFrame({"x": (np.arange(400) * 37 % 101).astype(float), "k": np.full(400, 3.0)})
    same = td.DriftReport.compute(ref, ref.iloc[:200])
    by = {f["name"]: f for f in same.features}
    assert by["k"]["constant_reference"] and not by["k"]["drift"]
    assert not by["x"]["constant_reference"]
    moved = ref.iloc[:200].assign(k=3.5)
    by = {f["name"]: f for f in td.DriftReport.compute(ref, moved).features}
    assert by["k"]["constant_reference"] and by["k"]["drift"] and not by["x"]["drift"]


# --- chunked drift -----------------------------------------------------------------------------------------

def _series(n=1000):
    i = np.arange(n)
    return (i * 37 % 100) / 100.0 + np.where(i >= 700, 0.3, 0.0)


def test_a_partly_overlapping_chunk_scores_its_other_rows():
    x = _series()
    p = td.Profile.fit({"x": x[:400]})
    out = td.chunked_drift(p, {"x": x}, size=300, reference_rows=(0, 400))
    assert [c["key"] for c in out] == [1.0, 2.0, 3.0]
    assert out[0]["rows"] == (300, 600) and out[0]["scored_rows"] == [(400, 600)]
    assert out[0]["report"].to_dict() == p.score({"x": x[400:600]}).to_dict()
    assert out[1]["report"].features[0]["drift"]
    # reference strictly inside a chunk: the two pieces joined
    q = td.Profile.fit({"x": x[100:200]})
    first = td.chunked_drift(q, {"x": x}, size=300, reference_rows=(100, 200))[0]
    assert first["scored_rows"] == [(0, 100), (200, 300)]
    assert first["report"].to_dict() == q.score({"x": np.concatenate([x[:100], x[200:300]])}).to_dict()


def test_chunked_drift_uses_the_recorded_provenance_and_never_guesses():
    x = _series()
    p = td.Profile.fit({"x": x[:400]})
    assert p.reference_rows is None
    with pytest.raises(InvalidInputError, match="reference_rows"):
        td.chunked_drift(p, {"x": x}, size=300)
    pr = p.with_reference_rows((0, 400))
    assert pr.reference_rows == (0, 400)
    back = td.Profile.from_bytes(pr.to_bytes())
    assert back.reference_rows == (0, 400)
    assert td.Profile.from_json(pr.to_json()).reference_rows == (0, 400)
    got = td.chunked_drift(back, {"x": x}, size=300)
    assert got[0]["scored_rows"] == [(400, 600)]
    with pytest.raises(InvalidInputError, match="reference_rows"):
        td.chunked_drift(back, {"x": x}, size=300, reference_rows=(0, 300))
    with pytest.raises(InvalidInputError, match="reference_rows"):
        p.with_reference_rows((5, 4))
    # an empty range: the reference is outside the data, every chunk is scored in full
    full = td.chunked_drift(p, {"x": x}, count=4, reference_rows=(5, 5))
    assert [c["scored_rows"] for c in full] == [[c["rows"]] for c in full]
    assert len(full) == 4
    with pytest.raises(InvalidInputError):
        td.chunked_drift(p, {"x": x}, size=300, count=2, reference_rows=(0, 0))


def test_chunked_drift_by_period():
    x = _series(96)
    ts = np.arange(96) * 3600.0  # hourly, four days
    p = td.Profile.fit({"x": x[:24]})
    out = td.chunked_drift(p, {"x": x}, period=86400, timestamps=ts, reference_rows=(0, 24))
    assert [c["key"] for c in out] == [86400.0, 172800.0, 259200.0]
