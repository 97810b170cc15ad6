"""Arrow PyCapsule input (__arrow_c_array__ / __arrow_c_stream__) through arrow's C data interface."""

import numpy as np
import pytest

import tradewarden.drift as td
import tradewarden.returns as ep
from tradewarden import _native
from tradewarden.errors import InvalidInputError

pa = pytest.importorskip("pyarrow")


class CArray:
    """A minimal non-pyarrow producer: only the PyCapsule protocol is visible."""

    def __init__(self, arr):
        self._arr = arr

    def __arrow_c_array__(self, requested_schema=None):
        return self._arr.__arrow_c_array__(requested_schema)


class CStream:
    def __init__(self, table):
        self._t = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._t.__arrow_c_stream__(requested_schema)


def test_capsule_arrays_convert_by_type_with_nulls_as_nan():
    # every width core::io reads (the one numeric ingestion of every door)
    for typ in (pa.float64(), pa.float32(), pa.float16(), pa.int64(), pa.int32(), pa.int16(), pa.int8(),
                pa.uint64(), pa.uint32(), pa.uint16(), pa.uint8()):
        a = pa.array([1, 2, None, 4], type=typ) if typ != pa.float16() else pa.array(
            np.array([1, 2, 0, 4], dtype=np.float16), mask=np.array([False, False, True, False]))
        got = _native.arrow_to_f64(CArray(a), "x")
        np.testing.assert_array_equal(got, [1.0, 2.0, np.nan, 4.0])
    with pytest.raises(InvalidInputError, match="returns: .*Utf8.*numeric"):
        ep.sharpe_ratio(CArray(pa.array(["a", "b"])))
    with pytest.raises(InvalidInputError, match="x: .*Boolean"):
        _native.arrow_to_f64(CArray(pa.array([True, False])), "x")


def test_capsule_array_gives_the_same_numbers():
    rng = np.random.default_rng(0)
    r, b = rng.normal(0.001, 0.01, 500), rng.normal(size=300)
    assert ep.sharpe_ratio(CArray(pa.array(r))) == ep.sharpe_ratio(r)
    assert td.ks_2samp(CArray(pa.array(r)), CArray(pa.array(b))) == td.ks_2samp(r, b)
    # sliced arrays carry an offset
    sl = pa.array(r).slice(100, 200)
    assert ep.max_drawdown(CArray(sl)) == ep.max_drawdown(r[100:300])


def test_report_from_an_arrow_stream_matches_the_dict_path():
    rng = np.random.default_rng(1)
    ref = {"x": rng.normal(size=3000), "y": rng.uniform(size=3000), "c": list(rng.choice(["a", "b"], 3000))}
    cur = {"x": rng.normal(0.5, size=1000), "y": rng.uniform(size=1000), "c": list(rng.choice(["a", "b"], 1000))}
    p = td.Profile.fit(ref)
    expected = p.score(cur).to_dict()
    table = pa.table(cur)
    assert p.score(table).to_dict() == expected  # pyarrow Table: C stream path
    assert p.score(CStream(table)).to_dict() == expected
    # several batches, an extra column, integer and float32 columns
    multi = pa.Table.from_batches(table.to_batches(max_chunksize=300)).append_column("extra", pa.array(range(1000)))
    assert p.score(multi).to_dict() == expected
    ints = td.Profile.fit({"k": np.arange(500, dtype=float)})
    assert ints.score(pa.table({"k": pa.array(np.arange(400), pa.int32())})).to_dict() == \
        ints.score({"k": np.arange(400, dtype=float)}).to_dict()
    with pytest.raises(InvalidInputError, match="stream"):
        _native.score_arrow(p._p, object())
