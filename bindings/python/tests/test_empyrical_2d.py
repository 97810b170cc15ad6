"""2-D inputs of the empyrical functions that do not work per column (issue 19), against empyrical's own
functions (empyrical-reloaded is pinned in requirements-test.txt), and the market captures of a matrix
(one side computed in blocks of columns) against the one-column functions.

- ``tail_ratio``: empyrical's NaN filter flattens the matrix, then one ``np.percentile``: one number over all
  values (as ``value_at_risk``) — matched, for arrays of any memory order and DataFrames.
- ``omega_ratio``: empyrical's boolean masks flatten an array: one number over all values — matched. On a
  DataFrame its builtin ``sum`` adds up the column labels (NaN or a TypeError): refused, typed.
- ``stability_of_timeseries``: empyrical fits one line through the columns interleaved row by row — refused
  for several columns (typed); one column is that column, as empyrical.
"""

import math

import empyrical as emp
import numpy as np
import pandas as pd
import pytest

import tradewarden.returns as ep
from tradewarden.errors import InvalidInputError

RNG = np.random.default_rng(2019)
R = RNG.normal(0.0005, 0.01, (400, 5))
R[7, 2] = np.nan
R[100, 0] = np.nan
B = RNG.normal(0.0003, 0.009, 400)


def layouts(m):
    """The same matrix C-ordered, Fortran-ordered, as a strided view and as a DataFrame."""
    strided = np.repeat(m, 2, axis=0)[::2]
    assert not strided.flags.c_contiguous and not strided.flags.f_contiguous
    return [m, np.asfortranarray(m), strided, pd.DataFrame(m, columns=list("abcde")[: m.shape[1]])]


def test_tail_ratio_of_2d_input_is_one_number_over_all_values_as_empyrical():
    want = emp.tail_ratio(R)
    assert np.ndim(want) == 0 and not math.isnan(want)
    for x in layouts(R):
        got = ep.tail_ratio(x)
        assert np.ndim(got) == 0
        assert got == pytest.approx(want, rel=1e-12), type(x)
    # differs from the per-column answers: the test would catch a per-column implementation
    per_column = [ep.tail_ratio(np.ascontiguousarray(R[:, j])) for j in range(R.shape[1])]
    assert all(abs(c - want) > 1e-9 for c in per_column)
    assert math.isnan(ep.tail_ratio(R[:0])) and math.isnan(emp.tail_ratio(R[:0]))
    assert ep.tail_ratio(R[:1]) == pytest.approx(emp.tail_ratio(R[:1]), rel=1e-12)


@pytest.mark.parametrize("required_return", [0.0, 0.05, -0.2])
@pytest.mark.parametrize("risk_free", [0.0, 0.0001])
def test_omega_ratio_of_2d_array_is_one_number_over_all_values_as_empyrical(required_return, risk_free):
    want = emp.omega_ratio(R, risk_free=risk_free, required_return=required_return)
    assert np.ndim(want) == 0 and not math.isnan(want)
    for x in layouts(R)[:3]:
        got = ep.omega_ratio(x, risk_free=risk_free, required_return=required_return)
        assert np.ndim(got) == 0
        assert got == pytest.approx(want, rel=1e-12)
    per_column = [ep.omega_ratio(np.ascontiguousarray(R[:, j]), risk_free, required_return) for j in range(5)]
    assert all(abs(c - want) > 1e-9 for c in per_column)


def test_omega_ratio_edges_of_2d_input_as_empyrical():
    # fewer than 2 rows: NaN (empyrical checks len(returns), the rows), even with several values
    assert math.isnan(emp.omega_ratio(R[:1])) and math.isnan(ep.omega_ratio(R[:1]))
    assert math.isnan(ep.omega_ratio(R[:0]))
    # required_return <= -1: NaN
    assert math.isnan(emp.omega_ratio(R, required_return=-1.0)) and math.isnan(ep.omega_ratio(R, required_return=-1.0))


def test_omega_ratio_of_a_dataframe_is_refused_where_empyrical_answers_by_accident():
    # empyrical: sum() of a masked DataFrame iterates over the column labels
    assert math.isnan(emp.omega_ratio(pd.DataFrame(R)))  # 0 + 1 + 2 + 3 + 4 as the "gains"
    with pytest.raises(TypeError):
        emp.omega_ratio(pd.DataFrame(R, columns=list("abcde")))
    for frame in (pd.DataFrame(R), pd.DataFrame(R, columns=list("abcde")), pd.DataFrame(R[:, :1])):
        with pytest.raises(InvalidInputError, match="returns.*DataFrame"):
            ep.omega_ratio(frame)
    # the two ways out named in the message give the pooled and the per-column ratios
    frame = pd.DataFrame(R, columns=list("abcde"))
    assert ep.omega_ratio(frame.to_numpy()) == pytest.approx(emp.omega_ratio(R), rel=1e-12)
    per = frame.apply(ep.omega_ratio)
    assert per["b"] == pytest.approx(emp.omega_ratio(R[:, 1]), rel=1e-12)


def test_stability_of_one_column_is_that_column_as_empyrical():
    one = R[:, 1:2]
    want = emp.stability_of_timeseries(one)
    assert want == pytest.approx(emp.stability_of_timeseries(np.ascontiguousarray(R[:, 1])), rel=1e-12)
    for x in (one, np.asfortranarray(one), pd.DataFrame(one, columns=["b"])):
        assert ep.stability_of_timeseries(x) == pytest.approx(want, rel=1e-9)
    # NaN in the column: skipped, as empyrical
    col = R[:, 2:3]
    assert ep.stability_of_timeseries(col) == pytest.approx(emp.stability_of_timeseries(col), rel=1e-9)


def test_stability_of_several_columns_is_refused_where_empyrical_interleaves_them():
    # empyrical's answer is the fit through the row-major flattening, not any column's
    interleaved = emp.stability_of_timeseries(R)
    assert interleaved == pytest.approx(emp.stability_of_timeseries(R[~np.isnan(R)]), rel=1e-12)
    for x in layouts(R):
        with pytest.raises(InvalidInputError, match=r"returns.*\(400, 5\)"):
            ep.stability_of_timeseries(x)
    # fewer than 2 rows: NaN, as empyrical (no fit at all)
    assert math.isnan(emp.stability_of_timeseries(R[:1])) and math.isnan(ep.stability_of_timeseries(R[:1]))
    assert math.isnan(ep.stability_of_timeseries(R[:0]))


@pytest.mark.parametrize("k", [1, 3, 4, 8, 13, 21])
@pytest.mark.parametrize("fn", ["up_capture", "down_capture", "up_down_capture"])
def test_captures_of_a_matrix_equal_the_columns_bit_for_bit(fn, k):
    # 1 000 rows × k columns cross several row chunks; widths reach the 8-, 4- and 1-column blocks
    rng = np.random.default_rng(k)
    m = rng.normal(0.0004, 0.01, (1000, k))
    m[::37, k // 2] = np.nan
    b = rng.normal(0.0002, 0.01, 1000)
    b[3] = np.nan
    b[4] = 0.0
    ours = getattr(ep, fn)
    want = np.array([ours(np.ascontiguousarray(m[:, j]), b) for j in range(k)])
    np.testing.assert_array_equal(np.asarray(ours(m, b)), want)
    np.testing.assert_array_equal(np.asarray(ours(np.asfortranarray(m), b)), want)
    # and empyrical's answer (without NaN: empyrical's annual_return counts a NaN period in the years)
    clean, bc = rng.normal(0.0004, 0.01, (1000, k)), rng.normal(0.0002, 0.01, 1000)
    np.testing.assert_allclose(np.asarray(ours(clean, bc)), np.asarray(getattr(emp, fn)(clean, bc)), rtol=1e-10)


@pytest.mark.parametrize("starting_value", [0, 100])
def test_cum_returns_of_a_matrix_equals_the_columns_bit_for_bit(starting_value):
    # C-ordered input: read row by row (C-ordered result); Fortran / strided: column by column
    want = np.stack([ep.cum_returns(np.ascontiguousarray(R[:, j]), starting_value) for j in range(5)], axis=1)
    for x in layouts(R):
        got = ep.cum_returns(x, starting_value)
        np.testing.assert_array_equal(np.asarray(got), want)
    frame = pd.DataFrame(R, columns=list("abcde"))
    got = ep.cum_returns(frame, starting_value)
    assert list(got.columns) == list("abcde") and got.index.equals(frame.index)
    np.testing.assert_allclose(np.asarray(got), np.asarray(emp.cum_returns(frame, starting_value)), rtol=1e-12)
    buf = np.empty_like(R)
    assert ep.cum_returns(R, starting_value, out=buf) is buf
    np.testing.assert_array_equal(buf, want)
    assert ep.cum_returns(np.empty((3, 0))).shape == (3, 0)
