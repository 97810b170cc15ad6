"""Generates crates/core/tests/data/peer_cases.json: values from empyrical-reloaded
and quantstats for the metrics beyond the empyrical test suite (quantstats set,
aggregate_returns, gaussian VaR/ES, arithmetic alpha, ...).

Re-run: python gen_peer_cases.py  (needs numpy, pandas, scipy, empyrical-reloaded,
quantstats). Not needed by CI: the JSON output is committed.
"""
import json
import os
import warnings

import numpy as np
import pandas as pd
import empyrical as ep
import quantstats as qs
import scipy

warnings.filterwarnings("ignore")
rng = np.random.default_rng(20261123)
n = 300
idx = pd.bdate_range("2021-01-04", periods=n)
r = pd.Series(rng.normal(0.0005, 0.012, n), index=idx)
b = pd.Series(0.6 * r.values + rng.normal(0.0002, 0.008, n), index=idx)
r.iloc[[5, 77]] = 0.0  # zero returns matter for win rate vs hit rate

cases = {}
cases["skew"] = float(r.skew())
cases["kurtosis"] = float(r.kurt())
cases["win_rate"] = float(qs.stats.win_rate(r, prepare_returns=False))
cases["profit_factor"] = float(qs.stats.profit_factor(r, prepare_returns=False))
cases["ulcer_index"] = float(qs.stats.ulcer_index(r))
cases["gaussian_var_05"] = float(qs.stats.value_at_risk(r, confidence=0.95, prepare_returns=False))
cases["gaussian_es_05"] = float(qs.stats.conditional_value_at_risk(r, confidence=0.95, prepare_returns=False))
cases["information_ratio"] = float(qs.stats.information_ratio(r, b, prepare_returns=False))
cases["tracking_error_annual"] = float((r - b).std() * np.sqrt(252))
cases["alpha_arithmetic"] = float((r.mean() - ep.beta(r, b) * b.mean()) * 252)
cases["alpha_compound"] = float(ep.alpha(r, b))
cases["beta"] = float(ep.beta(r, b))
cases["benchmark_correlation"] = float(r.corr(b))
cases["sharpe"] = float(ep.sharpe_ratio(r))
cases["sortino"] = float(ep.sortino_ratio(r))
cases["max_drawdown"] = float(ep.max_drawdown(r))
cases["annual_return"] = float(ep.annual_return(r))
cases["annual_volatility"] = float(ep.annual_volatility(r))
cases["calmar"] = float(ep.calmar_ratio(r))
cases["omega"] = float(ep.omega_ratio(r))
cases["tail_ratio"] = float(ep.tail_ratio(r))
cases["var_hist_05"] = float(ep.value_at_risk(r, 0.05))
cases["cvar_hist_05"] = float(ep.conditional_value_at_risk(r, 0.05))
cases["stability"] = float(ep.stability_of_timeseries(r))
cases["downside_risk"] = float(ep.downside_risk(r))
cases["excess_sharpe"] = float(ep.excess_sharpe(r, b))
cases["up_capture"] = float(ep.up_capture(r, b))
cases["down_capture"] = float(ep.down_capture(r, b))
cases["capture"] = float(ep.capture(r, b))
cases["roll_sortino_20"] = [float(x) for x in ep.roll_sortino_ratio(r, window=20).values]
cases["roll_beta_20"] = [float(x) for x in ep.roll_beta(r, b, window=20).values]
for period in ["weekly", "monthly", "yearly"]:
    agg = ep.aggregate_returns(r, period)
    cases["aggregate_" + period] = [[list(map(int, k)) if isinstance(k, tuple) else [int(k)], float(v)] for k, v in agg.items()]

out = {
    "meta": {
        "generator": "crates/core/tests/scripts/gen_peer_cases.py",
        "versions": {"numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
                     "empyrical-reloaded": "0.7.1", "quantstats": qs.__version__},
    },
    "timestamps": [int(t.tz_localize("UTC").timestamp()) for t in idx],
    "returns": [float(x) for x in r.values],
    "benchmark": [float(x) for x in b.values],
    "expected": cases,
}
path = os.path.join(os.path.dirname(__file__), "..", "data", "peer_cases.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
