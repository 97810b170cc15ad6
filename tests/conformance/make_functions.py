#!/usr/bin/env python3
"""Writes the inputs of tests/conformance/functions.json (deterministic: Python's own `random` with fixed
seeds, values rounded to 9 decimals so the file stays readable). The expected outputs are not written here:
the Rust runner fills them (`TW_BLESS=1 cargo test -p tradewarden --test conformance_functions`) and every
runner — Rust, Python, C, CLI — then checks its own door against them.

  python3 tests/conformance/make_functions.py > tests/conformance/functions.json   (then bless)
"""
import json
import random

NAN, INF = "nan", "inf"


def normal(seed, n, loc=0.0, scale=1.0, digits=9):
    rng = random.Random(seed)
    return [round(rng.gauss(loc, scale), digits) for _ in range(n)]


INPUTS = {}


def inp(name, values):
    """Registers an input array once; cases refer to it by name."""
    if name in INPUTS:
        assert INPUTS[name] == values, name
    INPUTS[name] = values
    return name


def case(id, fn, args, options=None, capability=None):
    c = {"id": id, "fn": fn, "args": {k: inp(v[0], v[1]) for k, v in args.items()}}
    if options is not None:
        c["options"] = options
    if capability is not None:  # the coverage row it counts under (conformance_coverage.py), else its fn
        c["capability"] = capability
    return c


DAILY = {"annualization": 252.0, "risk_free": 0.0, "required_return": 0.0, "nan_policy": "error"}


def opts(**kw):
    o = dict(DAILY)
    o.update(kw)
    return o


def returns_cases():
    t4 = [0.01, -0.02, 0.015, 0.005]
    r252 = normal(1, 252, 0.0004, 0.011)
    r2520 = normal(2, 2520, 0.0002, 0.009)
    with_nan = [0.01, NAN, -0.02, 0.015, NAN, 0.005, -0.001]
    series = {
        "t4": (t4, opts()),
        "r252": (r252, opts()),
        "r2520": (r2520, opts()),
        "r252_weekly_rf": (r252, opts(annualization=52.0, risk_free=0.0001, required_return=0.0005)),
        "nan_skip": (with_nan, opts(nan_policy="skip")),
        "nan_propagate": (with_nan, opts(nan_policy="propagate")),
        "nan_error": (with_nan, opts()),
        "constant": ([0.001] * 30, opts()),
        "all_positive": ([0.01, 0.02, 0.005, 0.03], opts()),
        "all_negative": ([-0.01, -0.02, -0.005], opts()),
        "one_value": ([0.01], opts()),
        "empty": ([], opts()),
        "inf_value": ([0.01, INF, -0.01], opts(nan_policy="skip")),
        "bad_annualization": (t4, opts(annualization=0.0)),
        "nan_risk_free": (t4, opts(risk_free=NAN)),
    }
    key = {n: n.replace("_weekly_rf", "") for n in series}
    key.update({"nan_skip": "with_nan", "nan_propagate": "with_nan", "nan_error": "with_nan",
                "bad_annualization": "t4", "nan_risk_free": "t4"})
    fns = ["sharpe_ratio", "sortino_ratio", "max_drawdown", "annual_return", "annual_volatility", "calmar_ratio",
           "downside_risk"]
    out = []
    for name, (r, o) in series.items():
        for fn in fns:
            out.append(case(f"{fn}/{name}", f"returns.{fn}", {"returns": (key[name], r)}, o))
        out.append(case(f"summary/{name}", "returns.summary", {"returns": (key[name], r)}, o))
    bench = normal(3, 252, 0.0003, 0.010)
    out.append(case("summary/r252_benchmark", "returns.summary", {"returns": ("r252", r252), "benchmark": ("bench252", bench)}, opts()))
    out.append(case("summary/benchmark_length", "returns.summary", {"returns": ("r252", r252), "benchmark": ("bench100", bench[:100])},
                    opts()))
    return out


def other_metric_cases():
    """The other empyrical metrics (capability `returns.other_metrics`): standalone functions in Rust and Python,
    fields of `tw_summary` in C (which answers the cases its summary can express: cutoff 0.05, historical VaR,
    Omega at a required return of 0)."""
    cap = "returns.other_metrics"
    t4 = [0.01, -0.02, 0.015, 0.005]
    r252 = normal(1, 252, 0.0004, 0.011)
    r2520 = normal(2, 2520, 0.0002, 0.009)
    with_nan = [0.01, NAN, -0.02, 0.015, NAN, 0.005, -0.001]
    bench = normal(3, 252, 0.0003, 0.010)
    series = {
        "t4": ("t4", t4, opts()),
        "r252": ("r252", r252, opts()),
        "r2520": ("r2520", r2520, opts()),
        "r252_weekly_rf": ("r252", r252, opts(annualization=52.0, risk_free=0.0001, required_return=0.0005)),
        "nan_skip": ("with_nan", with_nan, opts(nan_policy="skip")),
        "nan_propagate": ("with_nan", with_nan, opts(nan_policy="propagate")),
        "nan_error": ("with_nan", with_nan, opts()),
        "constant": ("constant", [0.001] * 30, opts()),
        "all_positive": ("all_positive", [0.01, 0.02, 0.005, 0.03], opts()),
        "all_negative": ("all_negative", [-0.01, -0.02, -0.005], opts()),
        "one_value": ("one_value", [0.01], opts()),
        "empty": ("empty", [], opts()),
        "inf_value": ("inf_value", [0.01, INF, -0.01], opts(nan_policy="skip")),
        "bad_annualization": ("t4", t4, opts(annualization=0.0)),
    }
    unary = ["tail_ratio", "stability_of_timeseries", "skew", "kurtosis", "win_rate", "profit_factor",
             "ulcer_index"]
    out = []
    for name, (key, r, o) in series.items():
        for fn in unary:
            out.append(case(f"{fn}/{name}", f"returns.{fn}", {"returns": (key, r)}, o, cap))
        for fn in ("value_at_risk", "conditional_value_at_risk"):
            if name == "bad_annualization":  # VaR has no period: Python's value_at_risk takes none
                continue
            out.append(case(f"{fn}/{name}", f"returns.{fn}", {"returns": (key, r)},
                            dict(o, cutoff=0.05, method="historical"), cap))
        out.append(case(f"omega_ratio/{name}", "returns.omega_ratio", {"returns": (key, r)},
                        dict(o, omega_required_return=0.0), cap))
    # options only Rust and Python express (C's summary fixes them)
    for fn in ("value_at_risk", "conditional_value_at_risk"):
        for cut, method in ((0.01, "historical"), (0.1, "gaussian"), (0.0, "historical"), (1.0, "historical"),
                            (1.5, "historical"), (NAN, "historical"), (0.05, "bogus")):
            out.append(case(f"{fn}/r252/{method}_{cut}", f"returns.{fn}", {"returns": ("r252", r252)},
                            dict(opts(), cutoff=cut, method=method), cap))
    for req in (0.05, -0.2, INF):
        out.append(case(f"omega_ratio/r252/required_{req}", "returns.omega_ratio", {"returns": ("r252", r252)},
                        dict(opts(), omega_required_return=req), cap))
    pairs = {
        "r252": (("r252", r252), ("bench252", bench), opts()),
        "r252_weekly_rf": (("r252", r252), ("bench252", bench), opts(annualization=52.0, risk_free=0.0001)),
        "nan_skip": (("with_nan", with_nan), ("t7", [0.005, 0.01, -0.01, 0.02, 0.0, 0.004, -0.002]),
                     opts(nan_policy="skip")),
        "nan_propagate": (("with_nan", with_nan), ("t7", [0.005, 0.01, -0.01, 0.02, 0.0, 0.004, -0.002]),
                          opts(nan_policy="propagate")),
        "nan_error": (("with_nan", with_nan), ("t7", [0.005, 0.01, -0.01, 0.02, 0.0, 0.004, -0.002]), opts()),
        "constant_benchmark": (("t4", t4), ("constant4", [0.001] * 4), opts()),
        "one_value": (("one_value", [0.01]), ("one_value_b", [0.02]), opts()),
        "empty": (("empty", []), ("empty", []), opts()),
        "length_mismatch": (("r252", r252), ("bench100", bench[:100]), opts()),
        "bad_annualization": (("r252", r252), ("bench252", bench), opts(annualization=-1.0)),
    }
    for name, (r, b, o) in pairs.items():
        for fn in ("beta", "alpha", "up_capture", "down_capture"):
            out.append(case(f"{fn}/{name}", f"returns.{fn}", {"returns": r, "factor_returns": b}, o, cap))
    # the market side by name (Rust `MarketSide`, Python's native `alpha_beta(which, ...)`; C's summary has
    # alpha over every period only), an unknown name refused by both
    for which in ("all", "up", "down", "sideways"):
        out.append(case(f"alpha/r252/which_{which}", "returns.alpha",
                        {"returns": ("r252", r252), "factor_returns": ("bench252", bench)}, dict(opts(), which=which),
                        cap))
    return out


def convention_cases():
    """Explicit conventions (capability `returns.conventions`): the period by name (Rust `Period::from_name`,
    Python `period=`) against its number (C `tw_returns_options.annualization`), risk-free and required
    returns, each NaN policy, and bad options. ddof is a Rust-only option (fixed at 1 in Python and C)."""
    cap = "returns.conventions"
    r252 = normal(1, 252, 0.0004, 0.011)
    with_nan = [0.01, NAN, -0.02, 0.015, NAN, 0.005, -0.001]
    fns = ["sharpe_ratio", "sortino_ratio", "annual_return", "annual_volatility", "downside_risk", "calmar_ratio"]
    out = []
    for period, ann in (("daily", 252.0), ("weekly", 52.0), ("monthly", 12.0), ("quarterly", 4.0),
                        ("yearly", 1.0)):
        for fn in fns:
            out.append(case(f"{fn}/period_{period}", f"returns.{fn}", {"returns": ("r252", r252)},
                            opts(period=period, annualization=ann, risk_free=0.0001), cap))
    for rf in (0.0002, -0.0001, 0.05):
        for fn in ("sharpe_ratio", "sortino_ratio"):
            out.append(case(f"{fn}/risk_free_{rf}", f"returns.{fn}", {"returns": ("r252", r252)},
                            opts(risk_free=rf), cap))
    for req in (0.001, -0.002):
        for fn in ("sortino_ratio", "downside_risk"):
            out.append(case(f"{fn}/required_{req}", f"returns.{fn}", {"returns": ("r252", r252)},
                            opts(required_return=req), cap))
    for policy in ("skip", "propagate", "error"):
        for fn in fns:
            out.append(case(f"{fn}/nan_{policy}/monthly", f"returns.{fn}", {"returns": ("with_nan", with_nan)},
                            opts(period="monthly", annualization=12.0, nan_policy=policy), cap))
    bad = {
        "unknown_period": opts(period="fortnightly"),  # no number: not expressible in C
        "annualization_negative": opts(annualization=-252.0),
        "annualization_nan": opts(annualization=NAN),
        "annualization_inf": opts(annualization=INF),
        "risk_free_inf": opts(risk_free=INF),
        "required_return_nan": opts(required_return=NAN),
        "unknown_nan_policy": opts(nan_policy="bogus"),
    }
    for name, o in bad.items():
        if name == "unknown_period":
            o = {k: v for k, v in o.items() if k != "annualization"}
        for fn in ("sharpe_ratio", "sortino_ratio", "annual_volatility"):
            out.append(case(f"{fn}/{name}", f"returns.{fn}", {"returns": ("r252", r252)}, o, cap))
    return out


def research_cases():
    """Rust and Python only (the C ABI covers the hot path, not research): PSR, DSR, MinTRL, bootstrap CIs, PBO
    (a T x N matrix written row by row: every door must read it as periods x strategies — the issue's
    row-/column-major bug; the Python door also reads it Fortran-ordered and through the promotion gate)."""
    r252 = normal(1, 252, 0.0004, 0.011)
    r2520 = normal(2, 2520, 0.0002, 0.009)
    with_nan = [0.01, NAN, -0.02, 0.015, NAN, 0.005, -0.001]
    trials = normal(30, 20, 0.02, 0.03)
    out = []
    series = {"r252": ("r252", r252), "r2520": ("r2520", r2520), "t4": ("t4", [0.01, -0.02, 0.015, 0.005]),
              "constant": ("constant", [0.001] * 30), "one_value": ("one_value", [0.01]), "empty": ("empty", []),
              "with_nan": ("with_nan", with_nan), "inf_value": ("inf_value", [0.01, INF, -0.01])}
    base = {"sr_benchmark": 0.0, "convention": "paper", "risk_free": 0.0, "nan_policy": "skip"}
    psr = [(n, dict(base)) for n in series] + [
        ("r252", dict(base, sr_benchmark=0.05)), ("r252", dict(base, convention="variance_at_benchmark",
                                                              sr_benchmark=0.05)),
        ("r2520", dict(base, risk_free=0.0001)), ("with_nan", dict(base, nan_policy="error")),
        ("with_nan", dict(base, nan_policy="propagate")), ("r252", dict(base, convention="bogus")),
        ("r252", dict(base, sr_benchmark=NAN)), ("r252", dict(base, risk_free=INF))]
    for i, (n, o) in enumerate(psr):
        out.append(case(f"psr/{n}/{i}", "returns.probabilistic_sharpe_ratio", {"returns": series[n]}, o,
                        "returns.psr"))
        mo = dict(o, alpha=0.05)
        out.append(case(f"min_trl/{n}/{i}", "returns.min_track_record_length", {"returns": series[n]}, mo,
                        "returns.min_trl"))
        do = {k: v for k, v in o.items() if k != "sr_benchmark"}
        if i < len(series) + 6 or o["convention"] == "bogus":
            out.append(case(f"dsr/{n}/{i}", "returns.deflated_sharpe_ratio",
                            {"returns": series[n], "trial_sharpes": ("trials20", trials)}, do, "returns.dsr"))
    for alpha in (0.01, 0.0, 1.0, NAN):
        out.append(case(f"min_trl/r252/alpha_{alpha}", "returns.min_track_record_length", {"returns": series["r252"]},
                        dict(base, sr_benchmark=0.01, alpha=alpha), "returns.min_trl"))
    for name, t in (("one_trial", [0.05]), ("no_trial", []), ("nan_trial", [0.01, NAN]), ("constant_trials", [0.02] * 5)):
        out.append(case(f"dsr/r252/{name}", "returns.deflated_sharpe_ratio",
                        {"returns": series["r252"], "trial_sharpes": (name, t)},
                        {k: v for k, v in base.items() if k != "sr_benchmark"}, "returns.dsr"))
    bbase = {"metric": "sharpe_ratio", "n_resamples": 200, "resampling": "iid", "block_length": 1.0,
             "interval": "percentile", "confidence": 0.95, "seed": 7, "annualization": 252.0}
    boots = [("r252", {}), ("r252", {"metric": "max_drawdown"}), ("r252", {"metric": "sortino_ratio",
                                                                          "interval": "bca"}),
             ("r2520", {"metric": "annual_volatility", "resampling": "stationary", "block_length": 10.0}),
             ("r252", {"metric": "tail_ratio", "resampling": "circular", "block_length": 5.0}),
             ("r252", {"metric": "mean"}), ("r252", {"metric": "sharpe_ratio", "annualization": 52.0, "seed": 8}),
             ("r252", {"confidence": 0.5}), ("constant", {}), ("t4", {}), ("empty", {}), ("with_nan", {}),
             ("r252", {"metric": "bogus"}), ("r252", {"resampling": "circular", "block_length": 2.5}),
             ("r252", {"interval": "bogus"}), ("r252", {"confidence": 1.5}), ("r252", {"n_resamples": 0}),
             ("r252", {"annualization": -1.0})]
    for i, (n, o) in enumerate(boots):
        out.append(case(f"bootstrap_ci/{n}/{i}", "returns.bootstrap_ci", {"returns": series[n]}, dict(bbase, **o),
                        "returns.bootstrap"))
    # PBO: T x N written row by row (row t = the N strategies' returns at period t)
    def matrix(seed, t, n, skill=0.0):
        rng = random.Random(seed)
        drift = [skill * j / max(n - 1, 1) for j in range(n)]
        return [[round(rng.gauss(drift[j], 0.01), 9) for j in range(n)] for _ in range(t)]
    pbos = {"m240x8": (matrix(40, 240, 8), 8), "m480x12_skill": (matrix(41, 480, 12, 0.002), 10),
            "m100x5_rest": (matrix(42, 101, 5), 4), "m60x3_two": (matrix(43, 60, 3), 2),
            "one_strategy": (matrix(44, 40, 1), 4), "odd_blocks": (matrix(40, 240, 8), 5),
            "too_few_rows": (matrix(45, 3, 4), 4), "constant": ([[0.001] * 4 for _ in range(40)], 4),
            "nan": ([[0.01, NAN], [0.0, 0.01]] * 10, 2)}
    for name, (m, nb) in pbos.items():
        flat = [x for row in m for x in row]
        out.append(case(f"pbo/{name}", "returns.pbo", {"matrix": (f"matrix_{name}", flat)},
                        {"n_rows": len(m), "n_cols": len(m[0]), "n_blocks": nb}, "returns.pbo"))
    return out


def object_cases():
    """Rust and Python only: the mergeable `ReturnsState` (parts merged in order = the whole; its bytes — JSON
    text — written by the Rust runner into `expect.text` and read back by the Python door), P&L attribution
    by symbol, the operations summary (its document, the seven alerts) and the HTML page (its sha256)."""
    r252 = normal(1, 252, 0.0004, 0.011)
    r2520 = normal(2, 2520, 0.0002, 0.009)
    bench = normal(3, 252, 0.0003, 0.010)
    with_nan = [0.01, NAN, -0.02, 0.015, NAN, 0.005, -0.001]
    series = {"r252": ("r252", r252), "r2520": ("r2520", r2520), "t4": ("t4", [0.01, -0.02, 0.015, 0.005]),
              "constant": ("constant", [0.001] * 30), "one_value": ("one_value", [0.01]), "empty": ("empty", []),
              "with_nan": ("with_nan", with_nan), "inf_value": ("inf_value", [0.01, INF, -0.01]),
              "percent": ("percent", [150.0, -80.0, 300.0] * 200)}
    out = []
    st = {"splits": [100], "required_return": 0.0, "nan_policy": "error", "annualization": 252.0,
          "risk_free": 0.0}
    states = [("r252", st), ("r252", dict(st, splits=[1, 2, 3, 250])), ("r2520", dict(st, splits=[0, 700, 1900])),
              ("r252", dict(st, required_return=0.0005, risk_free=0.0001, annualization=52.0)),
              ("t4", dict(st, splits=[2])), ("constant", dict(st, splits=[10, 20])), ("one_value", dict(st, splits=[])),
              ("empty", dict(st, splits=[])), ("with_nan", dict(st, splits=[3], nan_policy="skip")),
              ("with_nan", dict(st, splits=[3], nan_policy="propagate")), ("with_nan", dict(st, splits=[3])),
              ("inf_value", dict(st, splits=[1])), ("percent", dict(st, splits=[300])),
              ("r252", dict(st, required_return=NAN)), ("r252", dict(st, annualization=0.0))]
    for i, (n, o) in enumerate(states):
        out.append(case(f"state/{n}/{i}", "returns.state", {"returns": series[n]}, o, "returns.state"))
    syms = ["AAPL", "MSFT", None, "AAPL", "GOOG", "MSFT", "AAPL", "AAPL"]
    attr = [("s8", syms, [0.01, -0.02, 0.005, 0.03, -0.01, 0.0, 0.02, -0.005]),
            ("one", ["X"], [0.01]), ("all_missing", [None, None], [0.01, 0.02]),
            ("nan", ["A", "B"], [0.01, NAN]), ("inf", ["A", "B"], [0.01, INF]),
            ("length", ["A", "B", "C"], [0.01, 0.02]), ("empty", [], [])]
    for name, sy, r in attr:
        out.append(case(f"attribution/{name}", "returns.attribution",
                        {"symbols": (f"symbols_{name}", sy), "returns": (f"attr_{name}", r)}, None,
                        "returns.attribution"))
    # a trade log that fires the four trade-log alerts with the thresholds below
    rng = random.Random(50)
    ts, sy, notional, pnl = [], [], [], []
    for t in range(60):
        for s_ in ("AAPL", "MSFT", "GOOG"):
            ts.append(1_700_000_000 + 86_400 * t)
            sy.append(s_)
            notional.append(round(rng.gauss(0, 40_000), 2))
            pnl.append(round(rng.gauss(5, 300), 2))
    trades = {"timestamp": ("trade_ts", ts), "symbol": ("trade_symbol", sy), "notional": ("trade_notional", notional),
              "pnl": ("trade_pnl", pnl)}
    base = {"annualization": 252.0, "risk_free": 0.0, "cutoff": 0.05, "nan_policy": "skip", "capital": 100_000.0,
            "tail_percentile": 5.0, "thresholds": {}}
    every = {"min_sharpe": 3.0, "max_drawdown": 0.05, "min_tail_return": -0.001, "max_gross_exposure": 0.5,
             "max_turnover": 0.1, "max_tail_frequency": 0.01, "max_symbol_exposure": 0.2}
    quiet = {"min_sharpe": -10.0, "max_drawdown": 0.99, "min_tail_return": -0.5}
    ops = [("defaults", {"returns": series["r252"]}, base),
           ("benchmark", {"returns": series["r252"], "factor_returns": ("bench252", bench)}, base),
           ("returns_alerts", {"returns": series["r252"]}, dict(base, thresholds={"min_sharpe": 3.0,
                                                                                   "max_drawdown": 0.05,
                                                                                   "min_tail_return": -0.001})),
           ("quiet", {"returns": series["r252"]}, dict(base, thresholds=quiet)),
           ("seven_alerts", dict(trades, returns=series["r252"]), dict(base, thresholds=every)),
           ("trades_quiet", dict(trades, returns=series["r252"]), dict(base, thresholds=quiet)),
           ("weekly_rf", {"returns": series["r252"]}, dict(base, annualization=52.0, risk_free=0.0002, cutoff=0.1)),
           ("constant", {"returns": series["constant"]}, base),
           ("with_nan", {"returns": series["with_nan"]}, base),
           ("with_nan_error", {"returns": series["with_nan"]}, dict(base, nan_policy="error")),
           ("empty", {"returns": series["empty"]}, base),
           ("trade_alert_without_trades", {"returns": series["r252"]}, dict(base, thresholds={"max_turnover": 0.1})),
           ("bad_threshold", {"returns": series["r252"]}, dict(base, thresholds={"max_drawdown": 2.0})),
           ("bad_capital", dict(trades, returns=series["r252"]), dict(base, capital=0.0)),
           ("bad_cutoff", {"returns": series["r252"]}, dict(base, cutoff=1.5))]
    for name, args, o in ops:
        out.append(case(f"operations_summary/{name}", "returns.operations_summary", args, o,
                        "returns.operations_summary"))
    html = [("plain", {"returns": series["r252"]}, {"name": "strategy <A> & co"}),
            ("benchmark", {"returns": series["r252"], "benchmark": ("bench252", bench)},
             {"name": "r252", "benchmark_name": "bench \"B\""}),
            ("dates_thresholds", {"returns": series["r252"], "dates": ("dates252", [1_700_000_000 + 86_400 * i
                                                                                    for i in range(252)])},
             {"name": "r252", "thresholds": {"min_sharpe": 3.0, "max_drawdown": 0.05, "min_tail_return": -0.001}}),
            ("trade_alert_without_trades", {"returns": series["r252"]}, {"name": "r252", "thresholds": every}),
            ("trades", dict(trades, returns=series["r252"]), {"name": "r252", "thresholds": every}),
            ("weekly", {"returns": series["r2520"]}, {"name": "r2520", "annualization": 52.0, "risk_free": 0.0001}),
            ("constant", {"returns": series["constant"]}, {"name": "constant"}),
            ("with_nan_skip", {"returns": series["with_nan"]}, {"name": "nan", "nan_policy": "skip"}),
            ("with_nan_error", {"returns": series["with_nan"]}, {"name": "nan"}),
            ("empty", {"returns": series["empty"]}, {"name": "empty"}),
            ("dates_length", {"returns": series["t4"], "dates": ("dates3", [1, 2, 3])}, {"name": "t4"})]
    hbase = {"annualization": 252.0, "risk_free": 0.0, "nan_policy": "error", "capital": 100_000.0,
             "tail_percentile": 5.0, "benchmark_name": None, "thresholds": None}
    for name, args, o in html:
        out.append(case(f"html_report/{name}", "returns.html_report", args, dict(hbase, **o), "returns.html_report"))
    return out


def drift_cases():
    out = []
    a, b = normal(10, 50), normal(11, 60, 0.5)
    c, d = normal(12, 3000), normal(13, 2500, 0.05)
    e, f = normal(14, 10001, digits=4), normal(15, 40, 0.3, digits=4)
    ties_a = [float(x % 7) for x in range(80)]
    ties_b = [float(x % 5) for x in range(90)]
    for alt in ("two-sided", "less", "greater"):
        out.append(case(f"ks_2samp/small/{alt}", "drift.ks_2samp", {"data1": ("ks_a50", a), "data2": ("ks_b60", b)}, {"alternative": alt}))
        out.append(case(f"ks_2samp/ties/{alt}", "drift.ks_2samp", {"data1": ("ties80", ties_a), "data2": ("ties90", ties_b)},
                        {"alternative": alt}))
    out.append(case("ks_2samp/exact_3000", "drift.ks_2samp", {"data1": ("ks_c3000", c), "data2": ("ks_d2500", d)}, {"alternative": "two-sided"}))
    out.append(case("ks_2samp/asymptotic", "drift.ks_2samp", {"data1": ("ks_e10001", e), "data2": ("ks_f40", f)}, {"alternative": "two-sided"}))
    out.append(case("ks_2samp/empty", "drift.ks_2samp", {"data1": ("empty", []), "data2": ("ks_b60", b)}, {"alternative": "two-sided"}))
    out.append(case("ks_2samp/nan", "drift.ks_2samp", {"data1": ("nan3", [0.1, NAN, 0.3]), "data2": ("ks_b60", b)},
                    {"alternative": "two-sided"}))
    p, q = [0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]
    out.append(case("jensenshannon/natural", "drift.jensenshannon", {"p": ("p4", p), "q": ("q4", q)}, {"base": None}))
    out.append(case("jensenshannon/base2", "drift.jensenshannon", {"p": ("p4", p), "q": ("q4", q)}, {"base": 2.0}))
    out.append(case("jensenshannon/unnormalised", "drift.jensenshannon", {"p": ("p3", [1.0, 2.0, 7.0]), "q": ("q3", [3.0, 3.0, 4.0])},
                    {"base": None}))
    out.append(case("jensenshannon/zeros", "drift.jensenshannon", {"p": ("p01", [0.0, 1.0]), "q": ("q10", [1.0, 0.0])}, {"base": 2.0}))
    out.append(case("jensenshannon/negative", "drift.jensenshannon", {"p": ("pneg", [-0.1, 1.1]), "q": ("qhalf", [0.5, 0.5])},
                    {"base": None}))
    out.append(case("jensenshannon/base1", "drift.jensenshannon", {"p": ("p4", p), "q": ("q4", q)}, {"base": 1.0}))
    ref, cur = normal(20, 2000), normal(21, 1500, 0.4)
    for bins in ("quantile", "equal_width"):
        for n in (10, 4):
            out.append(case(f"psi/{bins}{n}", "drift.psi", {"reference": ("ref2000", ref), "current": ("cur1500", cur)},
                            {"strategy": bins, "bins": n, "epsilon": 1e-4, "nan_policy": "error"}))
    # an unknown strategy name: Rust and Python parse it (`BinKind`), C's runner turns it into a code no
    # strategy has; every door refuses it
    out.append(case("psi/unknown_strategy", "drift.psi", {"reference": ("ref2000", ref), "current": ("cur1500", cur)},
                    {"strategy": "deciles", "bins": 10, "epsilon": 1e-4, "nan_policy": "error"}))
    out.append(case("psi/same", "drift.psi", {"reference": ("ref2000", ref), "current": ("ref2000", ref)},
                    {"strategy": "quantile", "bins": 10, "epsilon": 1e-4, "nan_policy": "error"}))
    out.append(case("psi/eps", "drift.psi", {"reference": ("ref2000", ref), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 10, "epsilon": 1e-6, "nan_policy": "error"}))
    out.append(case("psi/one_bin", "drift.psi", {"reference": ("ref2000", ref), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 1, "epsilon": 1e-4, "nan_policy": "error"}))
    out.append(case("psi/nan_skip", "drift.psi", {"reference": ("ref_nan6", [0.1, NAN, 0.5, 0.9, -0.3, 0.2]), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 2, "epsilon": 1e-4, "nan_policy": "skip"}))
    out.append(case("psi/nan_error", "drift.psi", {"reference": ("ref_nan6", [0.1, NAN, 0.5, 0.9, -0.3, 0.2]), "current": ("cur1500", cur)},
                    {"strategy": "quantile", "bins": 2, "epsilon": 1e-4, "nan_policy": "error"}))
    return out


# measured: kurtosis 11 944 (r2520: 2.5e-12 relative), skew 2 686, beta 68, stability 45, ulcer index 9; the
# others (tail, win rate, profit factor, VaR, CVaR, Omega, alpha) 0
C_SUMMARY_ULPS = {"returns.kurtosis": 65536, "returns.skew": 16384, "returns.beta": 512,
                  "returns.stability_of_timeseries": 256, "returns.ulcer_index": 64}


def main():
    doc = {
        "about": "Cross-door conformance of the functions bound in two or more languages (docs/conformance.md). "
                 "Inputs from tests/conformance/make_functions.py; `expect` written by the Rust runner "
                 "(TW_BLESS=1) and checked by every runner. Floats: JSON numbers; NaN and infinities as the "
                 "strings \"nan\", \"inf\", \"-inf\". `args` name arrays of `inputs`. `expect` is {\"value\": x}, {\"values\": {...}} or "
                 "{\"error\": kind}, kind an ErrorKind name.",
        # Measured on these cases: the scalar and AVX2 paths against AVX-512 differ by at most 4438 ulps
        # (sharpe_ratio of r2520, whose mean nearly cancels), 3153 (sortino), 512 (annual_return),
        # 419 (calmar), 12 (max_drawdown), 9 (annual_volatility), 2 (downside_risk); summary and the drift
        # functions not at all. The other metrics and research functions (same measure): 306 (alpha: nan_skip),
        # 101 (bootstrap_ci), 38 (beta), 10 (stability_of_timeseries), 4 (value_at_risk), 2 (conditional VaR);
        # the state, attribution, operations document and HTML page not at all.
        # Bounds: about 4x the measured, for other CPUs only.
        "ulps": {"returns.sharpe_ratio": 16384, "returns.sortino_ratio": 16384, "returns.annual_return": 2048,
                 "returns.calmar_ratio": 2048, "returns.max_drawdown": 64, "returns.annual_volatility": 64,
                 "returns.downside_risk": 16, "returns.alpha": 2048, "returns.bootstrap_ci": 512,
                 "returns.beta": 256, "returns.stability_of_timeseries": 64, "returns.value_at_risk": 16,
                 "returns.conditional_value_at_risk": 16},
        # C answers the other metrics with fields of its one-pass `tw_summary`: measured against the functions'
        # values on these cases (scalar, AVX2, AVX-512); bounds about 4x.
        "c_summary_ulps": C_SUMMARY_ULPS,
        "cases": returns_cases() + other_metric_cases() + convention_cases() + research_cases() + object_cases()
                 + drift_cases(),
    }
    doc["inputs"] = INPUTS
    print(dumps(doc))


def dumps(doc):
    """One case per line, one input array per line: diffs stay readable."""
    lines = ["{"]
    lines.append(f' "about": {json.dumps(doc["about"])},')
    lines.append(f' "ulps": {json.dumps(doc["ulps"])},')
    lines.append(f' "c_summary_ulps": {json.dumps(doc["c_summary_ulps"])},')
    lines.append(' "cases": [')
    lines.append(",\n".join("  " + json.dumps(c) for c in doc["cases"]))
    lines.append(" ],")
    lines.append(' "inputs": {')
    lines.append(",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in doc["inputs"].items()))
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
