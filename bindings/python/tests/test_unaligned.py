"""float64 arrays at an unaligned address — what a Dask or Spark worker may hand over after deserialising a
partition, or np.frombuffer at an odd offset — are accepted by every family (copied once), with the same
results as the aligned array; they used to be refused as "must be a contiguous 1-D float64 array"."""

import numpy as np
import pytest

import tradewarden.drift as td
import tradewarden.returns as tr


def unaligned(values):
    values = np.asarray(values, dtype=np.float64)
    buf = np.zeros(values.nbytes + 1, dtype=np.uint8)
    a = np.frombuffer(buf.data, dtype=np.float64, count=len(values), offset=1)
    buf[1:] = values.view(np.uint8)
    assert not a.flags.aligned and a.flags.c_contiguous
    return a


R = np.random.default_rng(7).normal(0.0004, 0.01, 500)
C = np.random.default_rng(8).normal(0.001, 0.012, 400)


@pytest.mark.parametrize("fn", [tr.sharpe_ratio, tr.sortino_ratio, tr.max_drawdown, tr.annual_return,
                                tr.annual_volatility, tr.value_at_risk, tr.tail_ratio, tr.stability_of_timeseries])
def test_returns_functions(fn):
    assert fn(unaligned(R)) == fn(R)


def test_pairs_2d_and_summary():
    assert tr.beta(unaligned(R), unaligned(R[::-1].copy())) == tr.beta(R, R[::-1].copy())
    m = np.stack([R, R * 2], axis=1)
    buf = np.zeros(m.nbytes + 1, dtype=np.uint8)
    u = np.frombuffer(buf.data, dtype=np.float64, count=m.size, offset=1).reshape(m.shape)
    buf[1:] = m.view(np.uint8).ravel()
    assert not u.flags.aligned
    np.testing.assert_array_equal(tr.sharpe_ratio(u), tr.sharpe_ratio(m))
    assert tr.summary(unaligned(R)) == tr.summary(R)


def test_drift_tests_profiles_and_score_states():
    assert td.ks_2samp(unaligned(R), unaligned(C)) == td.ks_2samp(R, C)
    assert td.psi(unaligned(R), unaligned(C)) == td.psi(R, C)
    p = td.Profile.fit({"x": unaligned(R)})
    assert p.to_bytes() == td.Profile.fit({"x": R}).to_bytes()
    want = p.score({"x": C})
    assert p.score({"x": unaligned(C)}).features == want.features
    assert p.score_states([p.score_state({"x": unaligned(C)})]).features == want.features
