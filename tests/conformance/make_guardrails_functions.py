#!/usr/bin/env python3
"""Generates tests/conformance/guardrails_functions.json: the guardrails capabilities bound in Rust and Python
only (exposure metrics of a trade log, the exposure policy, the canary ladder, promotion gates, the drift guard and
the rollback plan) as calls with their inputs; `expect` is blessed by the Rust runner on the scalar path
(`TW_BLESS=1 cargo test -p tradewarden --test conformance_guardrails`) and reviewed, then every door must give it
bit for bit. Promotion cases carry a row-major strategy matrix (rows = periods): the gate's PBO must equal the
research function's (`returns::pbo` / `returns.probability_of_backtest_overfitting`) in each door — the
row-major/column-major bug of issue #18.

  python3 tests/conformance/make_guardrails_functions.py > tests/conformance/guardrails_functions.json
  TW_BLESS=1 cargo test -p tradewarden --test conformance_guardrails   # fills `expect`
"""
import json
import math
import random

rng = random.Random(18)
cases = []


def case(cap, fn, id, **args):
    cases.append({"id": id, "capability": cap, "fn": fn, "args": args, "expect": None})


def log(n, symbols=("AAA", "BBB", "CCC"), seed=0):
    r = random.Random(seed)
    return {"timestamp": [1_700_000_000 + 3600 * (i // 2) for i in range(n)],
            "symbol": [symbols[i % len(symbols)] for i in range(n)],
            "notional": [round(r.uniform(-5000, 8000), 2) for _ in range(n)],
            "pnl": [round(r.gauss(5, 40), 3) for _ in range(n)]}


# ---- exposure metrics ----
EM = "guardrails_exposure_metrics"
base = log(40, seed=1)
case(EM, "exposure.metrics", "metrics_normal", **base, position=None, price=None, capital=100000.0,
     tail_percentile=5.0)
case(EM, "exposure.metrics", "metrics_tail_25", **base, position=None, price=None, capital=100000.0,
     tail_percentile=25.0)
case(EM, "exposure.metrics", "metrics_tail_0", **base, position=None, price=None, capital=100000.0,
     tail_percentile=0.0)
one = log(1, seed=2)
case(EM, "exposure.metrics", "metrics_one_trade", **one, position=None, price=None, capital=1000.0,
     tail_percentile=5.0)
const = log(12, seed=3)
const["pnl"] = [2.5] * 12
case(EM, "exposure.metrics", "metrics_constant_pnl", **const, position=None, price=None, capital=50000.0,
     tail_percentile=5.0)
pp = log(10, seed=4)
case(EM, "exposure.metrics", "metrics_position_price", timestamp=pp["timestamp"], symbol=pp["symbol"],
     notional=None, position=[float(q) for q in range(-5, 5)], price=[100.0 + k for k in range(10)],
     pnl=pp["pnl"], capital=20000.0, tail_percentile=10.0)
empty = {"timestamp": [], "symbol": [], "notional": [], "pnl": []}
case(EM, "exposure.metrics", "metrics_empty", **empty, position=None, price=None, capital=1000.0, tail_percentile=5.0)
for name, k, v in [("pnl_nan", "pnl", "nan"), ("pnl_inf", "pnl", "inf"), ("notional_minus_inf", "notional", "-inf")]:
    bad = log(6, seed=5)
    bad[k][3] = v
    case(EM, "exposure.metrics", f"metrics_{name}", **bad, position=None, price=None, capital=1000.0,
         tail_percentile=5.0)
for name, capital, tail in [("capital_zero", 0.0, 5.0), ("capital_nan", "nan", 5.0), ("capital_negative", -1.0, 5.0),
                            ("tail_101", 1000.0, 101.0), ("tail_negative", 1000.0, -1.0), ("tail_nan", 1000.0, "nan")]:
    case(EM, "exposure.metrics", f"metrics_{name}", **log(6, seed=6), position=None, price=None, capital=capital,
         tail_percentile=tail)
short = log(6, seed=7)
short["pnl"] = short["pnl"][:5]
case(EM, "exposure.metrics", "metrics_length_mismatch", **short, position=None, price=None, capital=1000.0,
     tail_percentile=5.0)

# ---- exposure policy (clip / warn) ----
EP = "guardrails_exposure_policy"
POL = "[exposure]\nenabled = true\ncapital = 100000.0\nmax_gross_exposure = {g}\nenforcement = \"{e}\"\n"
big = log(30, seed=8)
for enf in ("clip", "warn"):
    for g in (0.05, 0.5, 10.0):
        case(EP, "exposure.apply_policy", f"policy_gross_{g}_{enf}", **big, position=None, price=None, sector=None,
             factor=None, policy_toml=POL.format(g=g, e=enf))
case(EP, "exposure.apply_policy", "policy_symbol_caps_clip", **big, position=None, price=None, sector=None,
     factor=None, policy_toml=POL.format(g=10.0, e="clip") + "[exposure.symbol_caps]\nAAA = 0.02\nCCC = 0.5\n")
case(EP, "exposure.apply_policy", "policy_sector_caps_clip", **big, position=None, price=None,
     sector=["tech" if s == "AAA" else "energy" for s in big["symbol"]], factor=None,
     policy_toml=POL.format(g=10.0, e="clip") + "[exposure.sector_caps]\ntech = 0.01\n")
case(EP, "exposure.apply_policy", "policy_disabled", **big, position=None, price=None, sector=None, factor=None,
     policy_toml="[exposure]\nenabled = false\ncapital = 100000.0\nmax_gross_exposure = 0.01\n")
case(EP, "exposure.apply_policy", "policy_one_trade", **log(1, seed=9), position=None, price=None, sector=None,
     factor=None, policy_toml=POL.format(g=0.01, e="clip"))
nanlog = log(6, seed=10)
nanlog["notional"][2] = "nan"
case(EP, "exposure.apply_policy", "policy_nan_notional", **nanlog, position=None, price=None, sector=None,
     factor=None, policy_toml=POL.format(g=0.5, e="clip"))
case(EP, "exposure.apply_policy", "policy_bad_enforcement", **big, position=None, price=None, sector=None,
     factor=None, policy_toml=POL.format(g=0.5, e="sometimes"))
case(EP, "exposure.apply_policy", "policy_bad_capital", **big, position=None, price=None, sector=None, factor=None,
     policy_toml="[exposure]\nenabled = true\ncapital = -5.0\n")

# ---- canary ladder ----
CL = "guardrails_canary"
GOOD = {"days": 40, "real_pnl": 100.0, "sim_pnl": 100.0, "drawdown": 0.01, "slippage_ratio": 1.0,
        "critical_alerts": 0, "precision": 0.6, "baseline_precision": 0.6}


def obs(**kw):
    return {**GOOD, **kw}


case(CL, "canary.ladder", "canary_full_ladder", config=None, apply=True, observations=[obs()] * 5)
case(CL, "canary.ladder", "canary_hold_too_early", config=None, apply=True, observations=[obs(days=3), obs(days=29)])
case(CL, "canary.ladder", "canary_rollback_alert", config=None, apply=True,
     observations=[obs(), obs(critical_alerts=2), obs()])
case(CL, "canary.ladder", "canary_rollback_pnl_deviation", config=None, apply=True,
     observations=[obs(), obs(real_pnl=50.0)])
case(CL, "canary.ladder", "canary_drawdown_limit", config=None, apply=True, observations=[obs(), obs(drawdown=0.05)])
case(CL, "canary.ladder", "canary_precision_zero_baseline", config=None, apply=False,
     observations=[obs(baseline_precision=0.0)])
case(CL, "canary.ladder", "canary_nan_drawdown", config=None, apply=False, observations=[obs(drawdown="nan")])
# NaN and negative drawdowns: `CanaryMachine::try_evaluate` (the CLI's and Python's door) refuses them
# (`InvalidInput` naming the field) in every door; this was a known disagreement until options crossed to
# Python as plain data (session 12).
case(CL, "canary.ladder", "canary_negative_drawdown", config=None, apply=False, observations=[obs(drawdown=-0.02)])
case(CL, "canary.ladder", "canary_sim_pnl_zero", config=None, apply=True, observations=[obs(), obs(sim_pnl=0.0)])
TWO = {"stages": [{"name": "small", "aum_share": 0.1, "min_days": 1, "max_drawdown": 0.05, "pnl_deviation": 0.2,
                   "slippage_multiplier": 1.5, "precision_ratio": 0.8},
                  {"name": "all", "aum_share": 1.0, "min_days": 0, "max_drawdown": None, "pnl_deviation": None,
                   "slippage_multiplier": 2.0, "precision_ratio": 0.8}]}
case(CL, "canary.ladder", "canary_custom_config", config=TWO, apply=True,
     observations=[obs(days=1, real_pnl=110.0), obs(slippage_ratio=1.9), obs()])
case(CL, "canary.ladder", "canary_empty_config", config={"stages": []}, apply=False, observations=[obs()])
case(CL, "canary.ladder", "canary_bad_stage", config={"stages": [dict(TWO["stages"][0], aum_share=1.5)]},
     apply=False, observations=[obs()])

# ---- promotion gates (with the PBO of a row-major strategy matrix) ----
PG = "guardrails_promotion_gates"


def series(n, mu, sd, seed):
    r = random.Random(seed)
    return [round(r.gauss(mu, sd), 6) for _ in range(n)]


def matrix(t, n, seed, skill=0.0):
    r = random.Random(seed)
    # rows = periods; strategy 0 has a real edge when skill > 0
    return [[round(r.gauss(skill if j == 0 else 0.0, 0.01), 6) for j in range(n)] for _ in range(t)]


wf = series(252, 0.002, 0.01, 11)
pnls = series(150, 3.0, 10.0, 12)
case(PG, "promotion.gates", "promotion_autotrader", walk_forward_returns=wf, trade_pnls=pnls, gates=None,
     trial_sharpes=None, matrix=None)
case(PG, "promotion.gates", "promotion_weak", walk_forward_returns=series(252, 0.0, 0.02, 13),
     trade_pnls=series(50, -1.0, 10.0, 14), gates=None, trial_sharpes=None, matrix=None)
PBO = {"max_pbo": 0.5, "pbo_blocks": 8}
for name, m in [("pbo_noise", matrix(160, 12, 15)), ("pbo_skill", matrix(160, 12, 16, skill=0.004)),
                ("pbo_wide", matrix(96, 40, 17)), ("pbo_tall", matrix(400, 5, 18, skill=0.002))]:
    case(PG, "promotion.gates", f"promotion_{name}", walk_forward_returns=wf, trade_pnls=pnls, gates=PBO,
         trial_sharpes=None, matrix=m)
case(PG, "promotion.gates", "promotion_pbo_16_blocks", walk_forward_returns=wf, trade_pnls=pnls,
     gates={"max_pbo": 0.5}, trial_sharpes=None, matrix=matrix(320, 8, 19, skill=0.003))
case(PG, "promotion.gates", "promotion_pbo_missing_matrix", walk_forward_returns=wf, trade_pnls=pnls, gates=PBO,
     trial_sharpes=None, matrix=None)
case(PG, "promotion.gates", "promotion_deflated", walk_forward_returns=wf, trade_pnls=pnls,
     gates={"min_deflated_sharpe": 0.5}, trial_sharpes=[0.5, 1.0, 1.5, 0.2, 0.8], matrix=None)
case(PG, "promotion.gates", "promotion_all_gates", walk_forward_returns=wf, trade_pnls=pnls,
     gates={"min_walk_forward_sharpe": 1.0, "min_deflated_sharpe": 0.5, "max_pbo": 0.5, "min_trades": 100,
            "min_win_rate": 0.5, "max_drawdown": 0.2, "pbo_blocks": 8},
     trial_sharpes=[0.5, 1.0, 1.5, 0.2, 0.8], matrix=matrix(160, 12, 20, skill=0.004))
case(PG, "promotion.gates", "promotion_no_trades", walk_forward_returns=wf, trade_pnls=[], gates=None,
     trial_sharpes=None, matrix=None)
case(PG, "promotion.gates", "promotion_constant_returns", walk_forward_returns=[0.001] * 100, trade_pnls=pnls,
     gates=None, trial_sharpes=None, matrix=None)
# Issue 20: zero dispersion gives Sharpe = +inf (-inf for a constant loss); a gate whose value is not
# finite fails closed, whatever its comparison says (0.0625 sums exactly: the dispersion is exactly 0).
case(PG, "promotion.gates", "promotion_zero_dispersion_sharpe_only", walk_forward_returns=[0.0625] * 64,
     trade_pnls=pnls, gates={"min_walk_forward_sharpe": 2.0}, trial_sharpes=None, matrix=None)
case(PG, "promotion.gates", "promotion_zero_dispersion_all_gates", walk_forward_returns=[0.0625] * 64,
     trade_pnls=pnls, gates={"min_walk_forward_sharpe": 1.0, "min_deflated_sharpe": 0.5, "max_pbo": 0.5,
                             "min_trades": 100, "min_win_rate": 0.5, "max_drawdown": 0.2, "pbo_blocks": 8},
     trial_sharpes=[0.5, 1.0, 1.5, 0.2, 0.8], matrix=matrix(160, 12, 20, skill=0.004))
case(PG, "promotion.gates", "promotion_zero_dispersion_loss", walk_forward_returns=[-0.0625] * 64,
     trade_pnls=pnls, gates={"min_walk_forward_sharpe": -1e300, "max_drawdown": 1.0}, trial_sharpes=None,
     matrix=None)
# Constant growth measured from prices (p[t] / p[t-1] - 1) carries rounding noise of ~1e-16: a finite Sharpe
# of ~1e14 that passed; above MAX_PER_PERIOD_SHARPE the gate reports +inf (DSR NaN) and fails.
_prices = [100.0 * 1.001 ** t for t in range(201)]
case(PG, "promotion.gates", "promotion_constant_growth_from_prices",
     walk_forward_returns=[b / a - 1.0 for a, b in zip(_prices, _prices[1:])], trade_pnls=pnls,
     gates={"min_walk_forward_sharpe": 2.0, "min_deflated_sharpe": 0.5}, trial_sharpes=[0.5, 1.0, 1.5, 0.2, 0.8],
     matrix=None)
case(PG, "promotion.gates", "promotion_one_return", walk_forward_returns=[0.01], trade_pnls=pnls,
     gates={"min_walk_forward_sharpe": -1e300, "max_drawdown": 0.5}, trial_sharpes=None, matrix=None)
case(PG, "promotion.gates", "promotion_nan_pnl", walk_forward_returns=wf, trade_pnls=[1.0, "nan", 2.0], gates=None,
     trial_sharpes=None, matrix=None)
case(PG, "promotion.gates", "promotion_empty_returns", walk_forward_returns=[], trade_pnls=pnls, gates=None,
     trial_sharpes=None, matrix=None)
for name, gates in [("bad_max_pbo", {"max_pbo": 1.5}), ("odd_blocks", {"max_pbo": 0.5, "pbo_blocks": 3})]:
    case(PG, "promotion.gates", f"promotion_{name}", walk_forward_returns=wf, trade_pnls=pnls, gates=gates,
         trial_sharpes=None, matrix=matrix(64, 4, 21))
case(PG, "promotion.gates", "promotion_ragged_blocks", walk_forward_returns=wf, trade_pnls=pnls, gates=PBO,
     trial_sharpes=None, matrix=matrix(8, 4, 22))

# ---- drift guard and rollback plan ----
DG = "guardrails_drift_guard_rollback"
for s, a in [(0.0, 0.0), (0.08, 0.0), (0.0, 0.05), (0.16, 0.0), (0.0, 0.1), (0.079, 0.049), ("nan", 0.0),
             (0.0, "inf"), (-0.5, -0.5)]:
    case(DG, "rollback.drift_guard", f"drift_guard_{s}_{a}", score_drop=s, accuracy_drop=a, config=None)
case(DG, "rollback.drift_guard", "drift_guard_custom", score_drop=0.03, accuracy_drop=0.0,
     config={"rollback_score_drop": 0.05, "rollback_accuracy_drop": 0.05, "shadow_score_drop": 0.02,
             "shadow_accuracy_drop": 0.02})
case(DG, "rollback.execute", "rollback_dry_run", reason="drift", by="ops", runs=[True])
case(DG, "rollback.execute", "rollback_executed", reason="drift", by="ops", runs=[False])
case(DG, "rollback.execute", "rollback_cooldown", reason="drift", by="ops", runs=[False, False])
case(DG, "rollback.execute", "rollback_blank_who", reason="drift", by=" ", runs=[False])

# Bounds (ulps) against the file's expectations for checks computed by a vectorised reduction (blessed on the scalar
# path; an AVX2/AVX-512 machine may differ in the last bits: docs/conformance.md); between doors on one machine the
# answers are identical bit for bit, and on the scalar path (TRADEWARDEN_SIMD=scalar) they equal the file exactly.
ULPS = {"walk_forward_sharpe": 20000, "deflated_sharpe": 20000, "max_drawdown": 64}
# One case a line (the matrices are long); the Rust runner's bless writes the same layout.
head = json.dumps({"description": __doc__.split("\n\n")[0].replace("\n", " "), "ulps": ULPS})
print(head[:-1] + ', "cases": [\n' + ",\n".join(json.dumps(c, separators=(",", ":")) for c in cases) + "\n]}")
