"""tradewarden.dask returns: per-partition ReturnsState merged in time order equals the single-series statistics;
per-strategy summaries of a long (strategy, date, return) table equal each strategy computed on its own."""

import math

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from tradewarden import dask as twd
from tradewarden import returns as twr
from tradewarden.errors import InvalidInputError
from tradewarden.returns import ReturnsState

METRICS = ["mean", "std", "sharpe_ratio", "sortino_ratio", "max_drawdown", "annual_return", "annual_volatility",
           "calmar_ratio", "cum_return", "best", "worst"]


def _close(got, want, tol=1e-12):
    if math.isnan(want):
        return math.isnan(got)
    return got == want or abs(got - want) <= tol * max(abs(want), 1e-12)


def expected(r, period="daily", risk_free=0.0, required_return=0.0):
    """The single-series functions on the whole series (one process)."""
    finite = r[~np.isnan(r)]
    return {
        "n": len(finite),
        "mean": float(np.mean(finite)),
        "std": float(np.std(finite, ddof=1)),
        "sharpe_ratio": twr.sharpe_ratio(r, risk_free=risk_free, period=period),
        "sortino_ratio": twr.sortino_ratio(r, required_return=required_return, period=period),
        "max_drawdown": twr.max_drawdown(r),
        "annual_return": twr.annual_return(r, period=period),
        "annual_volatility": twr.annual_volatility(r, period=period),
        "calmar_ratio": twr.calmar_ratio(r, period=period),
        "cum_return": twr.cum_returns_final(r),
        "best": float(np.max(finite)),
        "worst": float(np.min(finite)),
    }


def assert_metrics(got, want, where):
    assert got["n"] == want["n"], where
    for k in METRICS:
        assert _close(got[k], want[k]), (k, got[k], want[k], where)


def walk(n, seed):
    rng = np.random.default_rng(seed)
    # a random walk with long drawdowns that straddle partitions
    return rng.normal(0.0003, 0.015, n)


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.mark.parametrize("nparts", [1, 4, 9])
@pytest.mark.parametrize("split_every", [None, 2, 3])
def test_returns_state_of_a_dask_series_equals_the_whole_series(nparts, split_every):
    r = walk(3000, 1)
    idx = pd.date_range("2015-01-01", periods=len(r), freq="B")
    series = dd.from_pandas(pd.Series(r, index=idx, name="pnl"), npartitions=nparts)
    assert series.npartitions == nparts
    state = twd.returns_state(series, split_every=split_every)
    assert isinstance(state, ReturnsState) and state.count == len(r)
    assert_metrics(state.metrics().to_dict(), expected(r), (nparts, split_every))
    if split_every is None:
        # the client merge is the in-order fold of the partitions' states: the same state, bit for bit
        parts = [series.partitions[i].compute().to_numpy() for i in range(nparts)]
        assert sum(len(p) for p in parts) == len(r) and all(len(p) for p in parts)
        assert state == ReturnsState.merge_all(ReturnsState.from_returns(p) for p in parts)


def test_partition_order_matters_so_the_test_can_fail():
    # the same partitions merged out of order give another drawdown: the equality above is not vacuous
    r = walk(3000, 1)
    parts = np.array_split(r, 4)
    right = ReturnsState.merge_all(ReturnsState.from_returns(p) for p in parts).metrics()
    wrong = ReturnsState.merge_all(ReturnsState.from_returns(p) for p in parts[::-1]).metrics()
    assert _close(right.max_drawdown, twr.max_drawdown(r))
    assert not _close(wrong.max_drawdown, twr.max_drawdown(r))


def test_returns_state_of_a_dataframe_column_with_options_and_nan():
    r = walk(2000, 2)
    r[[5, 700, 1999]] = np.nan
    pdf = pd.DataFrame({"ret": r, "other": np.arange(len(r), dtype=float)})
    ddf = dd.from_pandas(pdf, npartitions=5)
    state = twd.returns_state(ddf, "ret", required_return=0.001, nan_policy="omit")
    assert (state.count, state.n_nan) == (1997, 3)
    got = state.metrics(period="weekly", risk_free=0.0002).to_dict()
    assert_metrics(got, expected(r, period="weekly", risk_free=0.0002, required_return=0.001), "weekly")
    one = twd.returns_state(ddf[["ret"]], nan_policy="omit")  # a one-column frame needs no column name
    assert one.count == 1997
    with pytest.raises(InvalidInputError, match="returns"):
        twd.returns_state(ddf, "ret")  # NaN under nan_policy='raise', raised on the worker


def test_returns_state_with_empty_partitions():
    r = walk(1500, 8)
    series = dd.from_pandas(pd.Series(r), npartitions=3)
    with_empty = dd.concat([series[series > 1e9], series, series[series > 1e9]])
    assert with_empty.npartitions == 9
    state = twd.returns_state(with_empty)
    assert state.count == len(r)
    assert_metrics(state.metrics().to_dict(), expected(r), "empty partitions")
    with pytest.raises(InvalidInputError, match="empty"):
        twd.returns_state(series[series > 1e9]).metrics()  # no rows at all: the metrics of an empty state raise


def test_returns_state_bad_input():
    pdf = pd.DataFrame({"ret": walk(100, 3), "name": ["x"] * 100, "flag": [True] * 100})
    ddf = dd.from_pandas(pdf, npartitions=2)
    with pytest.raises(InvalidInputError, match="dask Series or DataFrame"):
        twd.returns_state(pdf["ret"])
    with pytest.raises(InvalidInputError, match="column is required"):
        twd.returns_state(ddf)
    with pytest.raises(InvalidInputError, match="'nope' is not in the dask DataFrame"):
        twd.returns_state(ddf, "nope")
    with pytest.raises(InvalidInputError, match="column must be None"):
        twd.returns_state(ddf["ret"], "ret")
    with pytest.raises(InvalidInputError, match="numeric"):
        twd.returns_state(ddf, "name")
    with pytest.raises(InvalidInputError, match="numeric"):
        twd.returns_state(ddf, "flag")
    with pytest.raises(InvalidInputError, match="split_every"):
        twd.returns_state(ddf, "ret", split_every=1)


def long_table(seed=4, days=400):
    """Three strategies with different lifetimes, one row per (strategy, business day), sorted by date."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=days)
    frames = []
    for name, start, stop, vol in [("alpha", 0, days, 0.01), ("beta", days // 8, days - days // 10, 0.02),
                                   ("gamma", days // 3, days, 0.03)]:
        frames.append(pd.DataFrame({"strategy": name, "date": dates[start:stop],
                                    "return": rng.normal(0.0005, vol, stop - start)}))
    return pd.concat(frames).sort_values(["date", "strategy"], kind="stable").reset_index(drop=True)


def stacked(frames):
    """One Dask partition per frame, in the given order."""
    ddf = dd.concat([dd.from_pandas(f, npartitions=1, sort=False) for f in frames])
    assert ddf.npartitions == len(frames)
    return ddf


def shuffled_within_partitions(ddf, seed=0):
    return ddf.map_partitions(lambda p: p.sample(frac=1.0, random_state=seed), meta=ddf._meta)


def single_process(pdf, **opts):
    """Each strategy on its own series sorted by date, in one process."""
    out = {}
    for name, g in pdf.groupby("strategy"):
        out[name] = expected(g.sort_values("date")["return"].to_numpy(), **opts)
    return out


@pytest.mark.parametrize("nparts", [1, 3, 8])
def test_strategy_summaries_equal_each_strategy_on_its_own(nparts):
    pdf = long_table()
    ddf = shuffled_within_partitions(dd.from_pandas(pdf, npartitions=nparts, sort=False))
    assert ddf.npartitions == nparts
    got = twd.strategy_summaries(ddf)
    want = single_process(pdf)
    assert list(got.index) == ["alpha", "beta", "gamma"] and got.index.name == "strategy"
    assert list(got.columns) == ["n"] + METRICS
    for name in want:
        assert_metrics(got.loc[name].to_dict(), want[name], (name, nparts))
    # the states are those of each strategy's sorted series, merged in partition order
    states = twd.strategy_states(ddf)
    assert states["beta"].count == (pdf.strategy == "beta").sum() == 400 - 50 - 40
    whole = ReturnsState.from_returns(pdf[pdf.strategy == "beta"]["return"].to_numpy())
    assert_metrics(states["beta"].metrics().to_dict(), whole.metrics().to_dict(), "beta state")


def test_strategy_summaries_options_and_columns():
    pdf = long_table(seed=5, days=200).rename(columns={"strategy": "book", "date": "ts", "return": "pnl"})
    ddf = dd.from_pandas(pdf.set_index("ts", drop=False), npartitions=4)  # divisions on the date
    assert ddf.known_divisions
    got = twd.strategy_summaries(ddf, "book", "ts", "pnl", period="weekly", risk_free=0.0001,
                                 required_return=0.002)
    assert got.index.name == "book"
    for name, g in pdf.groupby("book"):
        want = expected(g.sort_values("ts")["pnl"].to_numpy(), period="weekly", risk_free=0.0001,
                        required_return=0.002)
        assert_metrics(got.loc[name].to_dict(), want, name)


def test_strategy_partitions_out_of_date_order_raise():
    pdf = long_table(days=100)
    parts = [pdf.iloc[i] for i in np.array_split(np.arange(len(pdf)), 4)]
    # the last partition first: every strategy's dates go backwards between partitions 0 and 1
    with pytest.raises(InvalidInputError, match="not in date order for strategy 'alpha': partition 0 ends at"):
        twd.strategy_summaries(stacked([parts[3]] + parts[:3]))
    # in order, the same pieces are fine
    assert len(twd.strategy_summaries(stacked(parts))) == 3
    # a repeated (strategy, date) inside a partition: the order is ambiguous
    dup = pd.concat([pdf, pdf.iloc[[10]]]).sort_values("date", kind="stable")
    with pytest.raises(InvalidInputError, match="strategy 'alpha' has 1 repeated date"):
        twd.strategy_summaries(dd.from_pandas(dup, npartitions=1))
    # the same (strategy, date) at the end of one partition and the start of the next
    a = pdf[pdf.strategy == "alpha"]
    with pytest.raises(InvalidInputError, match="partition 0 ends at .* and partition 1 starts at"):
        twd.strategy_summaries(stacked([a.iloc[:50], a.iloc[49:]]))
    # a strategy absent from a partition in between is fine (only its own partitions are chained)
    b = pdf[pdf.strategy == "beta"]
    got = twd.strategy_summaries(stacked([a.iloc[:30], b, a.iloc[30:]]))
    assert_metrics(got.loc["alpha"].to_dict(), expected(a["return"].to_numpy()), "gap")


def test_strategy_summaries_bad_input():
    pdf = long_table(days=60)
    ddf = dd.from_pandas(pdf, npartitions=2)
    with pytest.raises(InvalidInputError, match="not in the dask DataFrame"):
        twd.strategy_summaries(ddf, ret="pnl")
    with pytest.raises(InvalidInputError, match="three different columns"):
        twd.strategy_summaries(ddf, date="strategy")
    with pytest.raises(InvalidInputError, match="must be numeric"):
        twd.strategy_summaries(ddf, ret="strategy", strategy="return")
    with pytest.raises(InvalidInputError, match="dask DataFrame"):
        twd.strategy_summaries(pdf)
    missing = pdf.copy()
    missing.loc[3, "strategy"] = None
    with pytest.raises(InvalidInputError, match="'strategy' .*missing"):
        twd.strategy_summaries(dd.from_pandas(missing, npartitions=2))
    nat = pdf.copy()
    nat.loc[3, "date"] = pd.NaT
    with pytest.raises(InvalidInputError, match="'date' .*missing"):
        twd.strategy_summaries(dd.from_pandas(nat, npartitions=2, sort=False))
    with pytest.raises(InvalidInputError, match="no rows"):
        twd.strategy_summaries(ddf[ddf["return"] > 1e9])


def test_on_a_two_worker_local_cluster():
    """Worker processes on loopback: states travel as bytes and a worker's typed error reaches the client."""
    from distributed import Client, LocalCluster

    pdf = long_table(seed=6, days=300)
    r = walk(5000, 7)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        with dask.config.set(scheduler=client.get):
            got = twd.strategy_summaries(dd.from_pandas(pdf, npartitions=6, sort=False))
            for name, want in single_process(pdf).items():
                assert_metrics(got.loc[name].to_dict(), want, name)
            state = twd.returns_state(dd.from_pandas(pd.Series(r), npartitions=6), split_every=2)
            assert_metrics(state.metrics().to_dict(), expected(r), "cluster")
            bad = dd.from_pandas(pd.concat([pdf.iloc[150:], pdf.iloc[:150]], ignore_index=True), npartitions=2,
                                 sort=False)
            with pytest.raises(InvalidInputError, match="not in date order"):
                twd.strategy_summaries(bad)
