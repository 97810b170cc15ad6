//! `tradewarden demo`: the whole system on embedded, deterministic data.
//!
//! market (seeded, regime change) → model predicts → orders through the
//! guardrail engine (denials, clips, a latched breaker) → fills and P&L →
//! drift of the live window against a frozen reference profile →
//! profitability with bootstrap CIs, PSR and DSR → `ops_summary.json`,
//! `report.html`, `metrics.prom`, `journal.jsonl` (+ the frozen profile and
//! the policy, so the runbook commands can be tried on them).

pub(crate) mod market;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use tradewarden_cli::doc::demo::{
    BootstrapSettings, DayWindow, DemoDocument, DemoDrift, DemoDriftFeature, DemoRunInfo,
    DriftCounts, ExposureViolation, GuardrailState, MetricInterval, ModelRef, PeriodViolation,
    Profitability, StateTransition,
};
use tradewarden_core::returns::bootstrap::{
    BootstrapOptions, MomentStatistic, Resampling, bootstrap_ci, bootstrap_moment_ci,
};
use tradewarden_core::returns::promotion::{
    PsrConvention, SharpeStats, deflated_sharpe_ratio, min_track_record_length,
    probabilistic_sharpe_ratio,
};
use tradewarden_core::returns::{self, AggregatedReturn, Summary, SummaryOptions};
use tradewarden_core::{Period, ReturnsOptions};
use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden_drift::psi::PsiMode;
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_guardrails::exposure::{TradeLog, apply_policy};
use tradewarden_guardrails::journal::{Chain, Event};
use tradewarden_guardrails::period::{PeriodObservation, evaluate_and_latch};
use tradewarden_guardrails::{
    Decision, Engine, Order, Policy, Side, StateStore, SymbolId, TradingState,
};
use tradewarden_inference::demo::{
    DEMO_MODEL_NAME, DEMO_MODEL_VERSION, demo_features, demo_predictor,
};
use tradewarden_inference::device::cpu_device;
use tradewarden_metrics::handles::{DriftMetrics, RiskMetric, TradingMetrics, TradingSnapshot};
use tradewarden_metrics::{Exporter, ExporterConfig};

pub(crate) use super::day_str;
use crate::{Failure, default_out, internal, io_failure, progress};
use market::{FEATURES, Market, N_DAYS, N_SYM, REFERENCE_END, REGIME_DAY, SYMBOLS, WARMUP};

pub(crate) mod html;

/// Arguments of `tradewarden demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Output directory (created if missing).
    #[arg(long, default_value_os_t = default_out("tradewarden-demo"))]
    out: PathBuf,
    /// Seed of the demo market (the default gives the documented run).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Print the operations summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

/// Seed of the documented demo run.
pub(crate) const DEFAULT_SEED: u64 = 14;
const INITIAL_EQUITY: f64 = 1_000_000.0;
/// Predicted daily return that maps to a full position.
const PRED_SCALE: f64 = 0.0015;
/// Largest weight of one symbol (fraction of equity).
const MAX_WEIGHT: f64 = 0.35;
/// Cost of trading, fraction of traded notional.
const COST: f64 = 0.0001;
/// Bootstrap seed (Market NN Plus Ultra's; the report page's).
const BOOT_SEED: u64 = tradewarden::report::BOOTSTRAP_SEED;
/// Rolling-Sharpe window (trading days): the report page's.
pub(crate) const ROLL_WINDOW: usize = tradewarden::report::ROLLING_WINDOW;
/// Length of each window of the drift timeline (trading days).
pub(crate) const DRIFT_WINDOW_DAYS: usize = 21;
/// Business days without a breach before the operator resets REDUCING.
const REVIEW_DAYS: usize = 10;

/// The demo's guardrail policy (also written to `DIR/policy.toml`).
pub(crate) const POLICY_TOML: &str = r#"# tradewarden demo policy (see docs/guardrails.md)
[pre_trade]
max_order_notional = 250000.0
max_position_notional = 400000.0
max_gross_leverage = 1.6
price_band_ratio = 0.02
max_data_age_s = 900.0
min_confidence = 0.15
oversize = "clip"

[period]
daily_loss_ratio = { warning = 0.025, critical = 0.035 }
max_drawdown_ratio = { warning = 0.08, critical = 0.12 }

[exposure]
enabled = true
capital = 1000000.0
max_gross_exposure = 1.5
tail_percentile = 5.0
enforcement = "warn"

[symbols.CL]
[symbols.ES]
[symbols.GC]
[symbols.NQ]
"#;

// One trading-state transition and one period-limit breach of the demo
// (simulated time): the library's rows of the demo page.
pub(crate) use tradewarden::report::demo::{Breach, Transition};

/// Everything the report needs from one demo run.
#[derive(Debug)]
pub(crate) struct DemoRun {
    /// Close timestamp of every simulated day.
    pub(crate) day_ts: Vec<i64>,
    /// Timestamp of each return (the close it ends at).
    pub(crate) ts: Vec<i64>,
    pub(crate) returns: Vec<f64>,
    pub(crate) benchmark: Vec<f64>,
    pub(crate) summary: Summary,
    pub(crate) drawdown: Vec<f64>,
    pub(crate) rolling_sharpe: Vec<f64>,
    pub(crate) monthly: Vec<AggregatedReturn>,
    pub(crate) cis: Vec<(String, f64, f64, f64)>,
    pub(crate) psr: f64,
    pub(crate) dsr: f64,
    pub(crate) drift: DriftReport,
    pub(crate) drift_before: DriftReport,
    /// Per feature: PSI of each [`DRIFT_WINDOW_DAYS`]-day chunk after the reference window.
    pub(crate) drift_timeline: Vec<(String, Vec<(i64, f64)>)>,
    pub(crate) transitions: Vec<Transition>,
    pub(crate) breaches: Vec<Breach>,
    pub(crate) denials: BTreeMap<String, u64>,
    pub(crate) clips: BTreeMap<String, u64>,
    pub(crate) orders: u64,
    pub(crate) final_state: TradingState,
    pub(crate) regime_ts: i64,
    pub(crate) halted_ts: Option<i64>,
}

struct Journal {
    lines: Vec<String>,
    chain: Chain,
}

impl Journal {
    fn append(&mut self, ts: i64, event: Event) -> Result<(), Failure> {
        let line = self.chain.line(ts as f64, event)?;
        self.lines
            .push(String::from_utf8(line).map_err(|e| internal(e.to_string()))?);
        Ok(())
    }
}

fn side_of(delta: f64) -> Side {
    if delta > 0.0 { Side::Buy } else { Side::Sell }
}

/// Runs the demo simulation (no output written).
pub(crate) fn simulate(seed: u64, quiet: bool) -> Result<Simulation, Failure> {
    let market = Market::simulate(seed);
    let policy = Policy::from_toml(POLICY_TOML)?;
    let predictor = demo_predictor(&cpu_device())?;
    let mut engine = Engine::new(&policy, INITIAL_EQUITY)?;
    let state_dir = tempfile::tempdir().map_err(|e| Failure {
        code: crate::ExitStatus::IoOrCorrupt,
        message: format!("cannot create a temporary state directory: {e}"),
    })?;
    let mut store = StateStore::open(state_dir.path())?;
    let mut journal = Journal {
        lines: Vec::new(),
        chain: Chain::default(),
    };
    let mut transitions = Vec::new();
    let t0 = market.ts[WARMUP];
    store.manual_reset(
        TradingState::Active,
        "demo-operator",
        "start of the demo session",
    )?;
    journal.append(
        t0,
        Event::Transition {
            from: TradingState::Halted,
            to: TradingState::Active,
            reason: "start of the demo session".into(),
            actor: "demo-operator".into(),
        },
    )?;
    journal.append(
        t0,
        Event::Override {
            who: "demo-operator".into(),
            why: "start of the demo session".into(),
            what: "manual reset halted -> active".into(),
        },
    )?;
    transitions.push(Transition {
        ts: t0,
        from: TradingState::Halted,
        to: TradingState::Active,
        reason: "start of the demo session".into(),
        actor: "demo-operator".into(),
    });
    engine.sync_state(&store);
    let ids: Vec<SymbolId> = SYMBOLS
        .iter()
        .map(|s| {
            engine
                .symbol_id(s)
                .ok_or_else(|| internal(format!("symbol {s} missing from the demo policy")))
        })
        .collect::<Result<_, _>>()?;

    let mut pos = [0.0f64; N_SYM];
    let mut equity = INITIAL_EQUITY;
    let mut hwm = equity;
    let mut returns = Vec::with_capacity(N_DAYS);
    let mut benchmark = Vec::with_capacity(N_DAYS);
    let mut ret_ts = Vec::with_capacity(N_DAYS);
    let mut feats: Vec<Vec<f64>> = vec![Vec::new(); FEATURES.len() + 1];
    let mut feat_day: Vec<usize> = Vec::new();
    let (mut log_ts, mut log_sym, mut log_notional, mut log_pnl) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut denials: BTreeMap<String, u64> = BTreeMap::new();
    let mut clips: BTreeMap<String, u64> = BTreeMap::new();
    let mut breaches = Vec::new();
    let mut orders = 0u64;
    let mut halted_ts = None;
    let mut rng_state: u64 = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next_u = move || {
        // xorshift64*: deterministic event draws (bad ticks, stale feeds)
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        (rng_state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    let bar = progress(quiet, (N_DAYS - WARMUP) as u64, "simulating");

    for t in WARMUP..N_DAYS {
        bar.inc(1);
        let ts = market.ts[t];
        let mut x = Vec::with_capacity(N_SYM * 4);
        for s in 0..N_SYM {
            let window: Vec<f64> = market.returns[t + 1 - WARMUP..=t]
                .iter()
                .map(|r| r[s])
                .collect();
            x.extend_from_slice(&demo_features(&window, market.volume_z[t][s])?);
        }
        let pred = predictor.predict(&x, N_SYM)?;
        for s in 0..N_SYM {
            for (k, col) in feats.iter_mut().take(FEATURES.len()).enumerate() {
                col.push(x[s * 4 + k]);
            }
            feats[FEATURES.len()].push(f64::from(pred.values[s]));
            feat_day.push(t);
        }
        // orders at the close of day t
        for s in 0..N_SYM {
            let p = market.prices[t][s];
            let yhat = f64::from(pred.values[s]);
            let weight = (yhat / PRED_SCALE).clamp(-1.0, 1.0) * MAX_WEIGHT;
            let target = weight * equity / p;
            let delta = target - pos[s];
            if (delta * p).abs() < 0.01 * equity {
                continue;
            }
            let bad_tick = next_u() < 0.01;
            let stale = next_u() < 0.01;
            let order = Order {
                symbol: ids[s],
                side: side_of(delta),
                quantity: delta.abs(),
                price: if bad_tick { p * 1.03 } else { p },
                reference_price: p,
                data_timestamp: if stale { ts as f64 - 3600.0 } else { ts as f64 },
                timestamp: ts as f64,
                confidence: (yhat.abs() / PRED_SCALE).min(1.0),
            };
            orders += 1;
            let decision = engine.check_order(&order);
            journal.append(
                ts,
                Event::Decision {
                    symbol: SYMBOLS[s].into(),
                    side: order.side,
                    quantity: order.quantity,
                    decision,
                },
            )?;
            let filled = match decision {
                Decision::Allow => order.quantity,
                Decision::Clip { quantity, reason } => {
                    *clips.entry(reason.as_str().to_string()).or_default() += 1;
                    quantity
                }
                Decision::Deny { reason } => {
                    *denials.entry(reason.as_str().to_string()).or_default() += 1;
                    0.0
                }
            };
            if filled > 0.0 {
                engine.on_fill(ids[s], order.side, filled, p)?;
                pos[s] += if order.side == Side::Buy {
                    filled
                } else {
                    -filled
                };
                equity -= COST * filled * p;
            }
        }
        if t + 1 == N_DAYS {
            break;
        }
        // mark to market over (t, t+1]
        let ts1 = market.ts[t + 1];
        let start_equity = equity;
        let mut pnl = 0.0;
        for s in 0..N_SYM {
            let (p0, p1) = (market.prices[t][s], market.prices[t + 1][s]);
            let d = pos[s] * (p1 - p0);
            pnl += d;
            log_ts.push(ts1);
            log_sym.push(SYMBOLS[s]);
            log_notional.push(pos[s] * p0);
            log_pnl.push(d);
        }
        equity += pnl;
        hwm = hwm.max(equity);
        returns.push(equity / start_equity - 1.0);
        benchmark.push(market.returns[t + 1].iter().sum::<f64>() / N_SYM as f64);
        ret_ts.push(ts1);
        engine.set_equity(equity);
        for s in 0..N_SYM {
            engine.set_position(ids[s], pos[s], market.prices[t + 1][s])?;
        }
        let before = store.state();
        let obs = PeriodObservation {
            aum: Some(start_equity),
            daily_pnl: Some(pnl),
            equity: Some(equity),
            high_water_mark: Some(hwm),
            ..Default::default()
        };
        for b in evaluate_and_latch(&policy.period, &obs, &mut store)? {
            journal.append(
                ts1,
                Event::Violation {
                    rule: b.rule.to_string(),
                    value: b.value,
                    threshold: Some(b.threshold),
                },
            )?;
            breaches.push(Breach {
                ts: ts1,
                rule: b.rule.to_string(),
                value: b.value,
                threshold: b.threshold,
                severity: format!("{:?}", b.severity).to_lowercase(),
            });
        }
        // a named operator reviews a REDUCING latch after a quiet fortnight and
        // resets it; HALTED and KILLED stay latched to the end of the demo
        if before == TradingState::Reducing
            && store.state() == TradingState::Reducing
            && breaches
                .last()
                .is_none_or(|b: &Breach| b.ts <= market.ts[t + 1 - REVIEW_DAYS])
            && transitions
                .last()
                .is_some_and(|tr: &Transition| tr.ts <= market.ts[t + 1 - REVIEW_DAYS])
        {
            let why = "warning reviewed: drawdown within plan, limits unchanged";
            store.manual_reset(TradingState::Active, "demo-operator", why)?;
            journal.append(
                ts1,
                Event::Override {
                    who: "demo-operator".into(),
                    why: why.into(),
                    what: "manual reset reducing -> active".into(),
                },
            )?;
        }
        let after = store.state();
        if after != before {
            let rec = store.record();
            journal.append(
                ts1,
                Event::Transition {
                    from: before,
                    to: after,
                    reason: rec.reason.clone(),
                    actor: rec.actor.clone(),
                },
            )?;
            transitions.push(Transition {
                ts: ts1,
                from: before,
                to: after,
                reason: rec.reason.clone(),
                actor: rec.actor.clone(),
            });
            engine.sync_state(&store);
            if after >= TradingState::Halted && halted_ts.is_none() {
                halted_ts = Some(ts1);
                // the breaker latched: flatten the book at the close (rollback plan's position override)
                let mut what = Vec::new();
                for s in 0..N_SYM {
                    if pos[s] != 0.0 {
                        let p = market.prices[t + 1][s];
                        equity -= COST * pos[s].abs() * p;
                        what.push(format!("{} {:+.2}", SYMBOLS[s], -pos[s]));
                        pos[s] = 0.0;
                        engine.set_position(ids[s], 0.0, p)?;
                    }
                }
                journal.append(
                    ts1,
                    Event::Override {
                        who: "system".into(),
                        why: format!("breaker latched {}: flatten the book", after.as_str()),
                        what: format!("position override: {}", what.join(", ")),
                    },
                )?;
            }
        }
    }
    bar.finish_and_clear();
    // the returns of the last day include the flattening cost of the halt day;
    // that is already inside `equity` of the next mark (costs are subtracted from equity)

    let opts = ReturnsOptions::default();
    let summary = Summary::compute(
        &returns,
        Some(&benchmark),
        &SummaryOptions {
            returns: opts,
            ..Default::default()
        },
    )?;
    let drawdown = returns::drawdown_series(&returns, &opts)?;
    let rolling_sharpe =
        returns::rolling(&returns, ROLL_WINDOW, |w| returns::sharpe_ratio(w, &opts))?;
    let monthly = returns::aggregate_returns(&returns, &ret_ts, Period::Monthly, &opts)?;
    let boot = BootstrapOptions {
        resampling: Resampling::Stationary { mean_block: 5.0 },
        n_resamples: 1000,
        seed: BOOT_SEED,
        ..Default::default()
    };
    let ann = 252f64;
    let sharpe_ci =
        bootstrap_moment_ci(&returns, MomentStatistic::Sharpe, &boot)?.scaled(ann.sqrt())?;
    let mean_ci = bootstrap_moment_ci(&returns, MomentStatistic::Mean, &boot)?.scaled(ann)?;
    let vol_ci = bootstrap_moment_ci(&returns, MomentStatistic::Std, &boot)?.scaled(ann.sqrt())?;
    let total_ci = bootstrap_ci(
        &returns,
        |r| r.iter().map(|x| 1.0 + x).product::<f64>() - 1.0,
        &boot,
    )?;
    let cis = vec![
        (
            "sharpe_ratio".to_string(),
            sharpe_ci.estimate,
            sharpe_ci.lower,
            sharpe_ci.upper,
        ),
        (
            "annualised_mean".to_string(),
            mean_ci.estimate,
            mean_ci.lower,
            mean_ci.upper,
        ),
        (
            "annual_volatility".to_string(),
            vol_ci.estimate,
            vol_ci.lower,
            vol_ci.upper,
        ),
        (
            "cumulative_return".to_string(),
            total_ci.estimate,
            total_ci.lower,
            total_ci.upper,
        ),
    ];
    let psr = probabilistic_sharpe_ratio(&returns, 0.0, PsrConvention::Paper, &opts)?;
    // the trials a researcher would have run: momentum blends, unconstrained, on the same days
    let trials = variant_sharpes(&market, &feats, &feat_day)?;
    let dsr = deflated_sharpe_ratio(&returns, &trials, PsrConvention::Paper, &opts)?;

    // drift: frozen profile of the reference window; live window after the regime change
    let names: Vec<String> = FEATURES
        .iter()
        .map(|s| s.to_string())
        .chain(std::iter::once("prediction".to_string()))
        .collect();
    let window = |col: &Vec<f64>, lo: usize, hi: usize| -> Vec<f64> {
        col.iter()
            .zip(&feat_day)
            .filter(|(_, d)| **d >= lo && **d < hi)
            .map(|(v, _)| *v)
            .collect()
    };
    let mut profile = Profile::new();
    for (n, col) in names.iter().zip(&feats) {
        let r = window(col, WARMUP, REFERENCE_END);
        profile.insert(
            n.clone(),
            FeatureProfile::Numeric(NumericProfile::fit(&r, &ProfileOptions::default())?),
        );
    }
    // PSI (not KS) for windows above 500 values: daily features are autocorrelated,
    // which makes KS p-values flag drift in a stationary market
    let ropts = ReportOptions {
        large_sample: 500,
        ..ReportOptions::default()
    };
    let live: Vec<Vec<f64>> = feats
        .iter()
        .map(|c| window(c, REGIME_DAY, N_DAYS))
        .collect();
    let pre: Vec<Vec<f64>> = feats
        .iter()
        .map(|c| window(c, REFERENCE_END, REGIME_DAY))
        .collect();
    let live_fd: Vec<(&str, FeatureData<'_>)> = names
        .iter()
        .zip(&live)
        .map(|(n, v)| (n.as_str(), FeatureData::Numeric(v)))
        .collect();
    let pre_fd: Vec<(&str, FeatureData<'_>)> = names
        .iter()
        .zip(&pre)
        .map(|(n, v)| (n.as_str(), FeatureData::Numeric(v)))
        .collect();
    let drift = DriftReport::compute(&profile, &live_fd, &ropts)?;
    let drift_before = DriftReport::compute(&profile, &pre_fd, &ropts)?;
    let mut drift_timeline = Vec::new();
    for (n, col) in names.iter().zip(&feats) {
        let p = profile.numeric(n)?;
        let mut pts = Vec::new();
        let mut lo = REFERENCE_END;
        while lo + DRIFT_WINDOW_DAYS <= N_DAYS {
            let v = window(col, lo, lo + DRIFT_WINDOW_DAYS);
            pts.push((
                market.ts[lo + DRIFT_WINDOW_DAYS - 1],
                p.psi(&v, PsiMode::Standard { epsilon: 1e-4 })?,
            ));
            lo += DRIFT_WINDOW_DAYS;
        }
        drift_timeline.push((n.clone(), pts));
    }

    let run = DemoRun {
        day_ts: market.ts.clone(),
        ts: ret_ts,
        returns,
        benchmark,
        summary,
        drawdown,
        rolling_sharpe,
        monthly,
        cis,
        psr,
        dsr,
        drift,
        drift_before,
        drift_timeline,
        transitions,
        breaches,
        denials,
        clips,
        orders,
        final_state: store.state(),
        regime_ts: market.ts[REGIME_DAY],
        halted_ts,
    };
    let trade_log = TradeLog::new(&log_ts, &log_sym, Some(&log_notional), None, None, &log_pnl)?;
    Ok(Simulation {
        run,
        journal: journal.lines,
        profile,
        trade_log,
    })
}

/// The outputs of [`simulate`].
#[derive(Debug)]
pub(crate) struct Simulation {
    pub(crate) run: DemoRun,
    pub(crate) journal: Vec<String>,
    pub(crate) profile: Profile,
    pub(crate) trade_log: TradeLog,
}

/// Per-period Sharpe ratios of the momentum blends `a·mom_5d + (1−a)·mom_20d`
/// (a = 0, 0.25, …, 1), traded without guardrails on the same days: the
/// trials the deflated Sharpe ratio deflates for.
fn variant_sharpes(
    market: &Market,
    feats: &[Vec<f64>],
    feat_day: &[usize],
) -> Result<Vec<f64>, Failure> {
    let opts = ReturnsOptions::default();
    let mut out = Vec::new();
    for k in 0..5 {
        let a = k as f64 / 4.0;
        let mut by_day: BTreeMap<usize, f64> = BTreeMap::new();
        for (i, &d) in feat_day.iter().enumerate() {
            if d + 1 >= N_DAYS {
                continue;
            }
            let s = i % N_SYM;
            let sig = (a * feats[0][i] + (1.0 - a) * feats[1][i]).clamp(-1.0, 1.0) * MAX_WEIGHT;
            *by_day.entry(d).or_default() += sig * market.returns[d + 1][s];
        }
        let r: Vec<f64> = by_day.into_values().collect();
        out.push(SharpeStats::from_returns(&r, &opts)?.sharpe);
    }
    Ok(out)
}

fn demo_thresholds_triggered(run: &DemoRun, gross_peak: f64, tail: f64) -> Vec<String> {
    let s = &run.summary;
    let mut out = Vec::new();
    let (min_sharpe, max_dd, min_tail, max_gross) = (1.0, 0.10, -0.03, 1.5);
    if s.sharpe_ratio.is_finite() && s.sharpe_ratio < min_sharpe {
        out.push(format!(
            "Sharpe ratio {:.3} below minimum {:.3}",
            s.sharpe_ratio, min_sharpe
        ));
    }
    if s.max_drawdown.abs() > max_dd {
        out.push(format!(
            "Max drawdown {:.3} exceeded limit {:.3}",
            s.max_drawdown.abs(),
            max_dd
        ));
    }
    if tail < min_tail {
        out.push(format!("Tail return {tail:.3} below floor {min_tail:.3}"));
    }
    if gross_peak > max_gross {
        out.push(format!(
            "Gross exposure peak {gross_peak:.3} exceeded limit {max_gross:.3}"
        ));
    }
    if run.drift.dataset_drift {
        out.push(format!(
            "Drift detected in {} of {} features (share {:.3})",
            run.drift.n_drifted,
            run.drift.features.len(),
            run.drift.drift_share
        ));
    }
    if run.final_state != TradingState::Active {
        out.push(format!(
            "Trading state {} (latched)",
            run.final_state.as_str().to_uppercase()
        ));
    }
    out
}

/// A JSON number, or null (`None`) with the reason recorded (JSON has no NaN/inf).
fn finite(key: &str, x: f64, reasons: &mut BTreeMap<String, String>) -> Option<f64> {
    if x.is_finite() {
        Some(x)
    } else {
        reasons.insert(
            key.to_string(),
            tradewarden::ops::non_finite_reason(x).to_string(),
        );
        None
    }
}

/// `tradewarden demo`.
pub(crate) fn run(a: DemoArgs) -> Result<(), Failure> {
    let exporter = Exporter::install(&ExporterConfig {
        listen: None,
        ..Default::default()
    })?;
    let Simulation {
        run,
        journal,
        profile,
        trade_log,
    } = simulate(a.seed, a.json)?;
    let policy = Policy::from_toml(POLICY_TOML)?;
    let exposure = apply_policy(&trade_log, &policy.exposure)?;
    let m = exposure.metrics;

    // telemetry at the end of the run
    let catalog = exporter.catalog().clone();
    let tm = TradingMetrics::new(&catalog, DEMO_MODEL_NAME);
    let wins = run.returns.iter().filter(|r| **r > 0.0).count() as u64;
    let gp: f64 = run.returns.iter().filter(|r| **r > 0.0).sum::<f64>() * INITIAL_EQUITY;
    let gl: f64 = -run.returns.iter().filter(|r| **r < 0.0).sum::<f64>() * INITIAL_EQUITY;
    tm.set_snapshot(&TradingSnapshot {
        pnl: run.summary.cumulative_return * INITIAL_EQUITY,
        sharpe: run.summary.sharpe_ratio,
        winning_trades: wins,
        total_trades: run.returns.len() as u64,
        max_drawdown_ratio: run.summary.max_drawdown.abs(),
        gross_profit: gp,
        gross_loss: gl,
    })?;
    tm.set_risk(
        RiskMetric::Drawdown,
        run.drawdown.last().copied().unwrap_or(0.0).abs(),
    )?;
    tm.set_risk(
        RiskMetric::DailyPnl,
        run.returns.last().copied().unwrap_or(0.0),
    )?;
    let dm = DriftMetrics::new(&catalog);
    for f in &run.drift.features {
        if let Some(psi) = f.psi {
            dm.score(&f.name, "psi", psi)?;
        }
        if let Some((ks, _)) = f.ks {
            dm.score(&f.name, "ks", ks)?;
        }
        if f.drift {
            dm.detection(f.method.as_str(), f.severity.as_str());
        }
    }
    let prom = canonical_exposition(&exporter.render()?);

    // the operations summary
    let opts = ReturnsOptions::default();
    let triggered =
        demo_thresholds_triggered(&run, m.gross_exposure_peak, run.summary.value_at_risk);
    let ops = tradewarden::ops::OperationsSummary {
        summary: run.summary.clone(),
        guardrails: Some(m),
        attribution: Some(tradewarden::core::returns::attribution::by_symbol(
            &trade_log.symbol,
            &trade_log.pnl,
        )?),
        triggered,
        options: SummaryOptions::default(),
    };
    let mut summary = ops.document();
    let mut reasons = std::mem::take(&mut summary.non_finite);
    let mut num = |k: &str, x: f64| finite(k, x, &mut reasons);
    let confidence_intervals: Vec<MetricInterval> = run
        .cis
        .iter()
        .map(|(n, e, lo, hi)| MetricInterval {
            metric: n.clone(),
            estimate: num(&format!("profitability.{n}.estimate"), *e),
            lower: num(&format!("profitability.{n}.lower"), *lo),
            upper: num(&format!("profitability.{n}.upper"), *hi),
        })
        .collect();
    let mintrl = SharpeStats::from_returns(&run.returns, &opts)
        .ok()
        .and_then(|_| {
            min_track_record_length(&run.returns, 0.0, 0.95, PsrConvention::Paper, &opts).ok()
        })
        .unwrap_or(f64::NAN);
    let profitability = Profitability {
        bootstrap: BootstrapSettings {
            resampling: "stationary".into(),
            mean_block: 5.0,
            n_resamples: 1000,
            confidence: 0.95,
            method: "percentile".into(),
            seed: BOOT_SEED,
        },
        confidence_intervals,
        probabilistic_sharpe_ratio: num("profitability.probabilistic_sharpe_ratio", run.psr),
        deflated_sharpe_ratio: num("profitability.deflated_sharpe_ratio", run.dsr),
        min_track_record_length: num("profitability.min_track_record_length", mintrl),
        n_trials: 5,
    };
    let drift_features: Vec<DemoDriftFeature> = run
        .drift
        .features
        .iter()
        .map(|f| DemoDriftFeature {
            name: f.name.clone(),
            method: f.method.as_str().into(),
            statistic: num(&format!("drift.{}.statistic", f.name), f.statistic),
            pvalue: f
                .pvalue
                .and_then(|p| num(&format!("drift.{}.pvalue", f.name), p)),
            psi: f.psi.and_then(|p| num(&format!("drift.{}.psi", f.name), p)),
            drift: f.drift,
            severity: f.severity.as_str().into(),
        })
        .collect();
    let drift = DemoDrift {
        reference_window: DayWindow {
            from: day_str(run.ts_of_day(WARMUP)),
            to: day_str(run.ts_of_day(REFERENCE_END - 1)),
        },
        current_window: DayWindow {
            from: day_str(run.regime_ts),
            to: day_str(*run.ts.last().unwrap_or(&0)),
        },
        dataset_drift: run.drift.dataset_drift,
        n_drifted: run.drift.n_drifted,
        drift_share: run.drift.drift_share,
        features: drift_features,
        before_regime_change: DriftCounts {
            dataset_drift: run.drift_before.dataset_drift,
            n_drifted: run.drift_before.n_drifted,
            drift_share: run.drift_before.drift_share,
        },
    };
    let transitions: Vec<StateTransition> = run
        .transitions
        .iter()
        .map(|t| StateTransition {
            at: day_str(t.ts),
            from: t.from.as_str().into(),
            to: t.to.as_str().into(),
            reason: t.reason.clone(),
            actor: t.actor.clone(),
        })
        .collect();
    let violations: Vec<PeriodViolation> = run
        .breaches
        .iter()
        .map(|b| PeriodViolation {
            at: day_str(b.ts),
            rule: b.rule.clone(),
            value: num(&format!("guardrail_state.violations.{}", b.rule), b.value),
            threshold: b.threshold,
            severity: b.severity.clone(),
        })
        .collect();
    let exposure_violations: Vec<ExposureViolation> = exposure
        .violations
        .iter()
        .map(|v| ExposureViolation {
            name: v.name.clone(),
            value: num(&format!("guardrail_state.exposure.{}", v.name), v.value),
            threshold: v.threshold,
            message: v.message.clone(),
        })
        .collect();
    let per_1000 = if run.orders > 0 {
        (run.denials.values().sum::<u64>() as f64) * 1000.0 / run.orders as f64
    } else {
        0.0
    };
    let guardrail_state = GuardrailState {
        final_state: run.final_state.as_str().into(),
        latched: run.final_state >= TradingState::Halted,
        halted_at: run.halted_ts.map(day_str),
        transitions,
        violations,
        exposure_violations,
        orders: run.orders,
        denials: run.denials.clone(),
        clips: run.clips.clone(),
        denials_per_1000_orders: per_1000,
    };
    let demo = DemoRunInfo {
        seed: a.seed,
        symbols: SYMBOLS.iter().map(|s| s.to_string()).collect(),
        days: run.returns.len(),
        first_day: day_str(run.ts[0]),
        last_day: day_str(*run.ts.last().unwrap_or(&0)),
        regime_change: day_str(run.regime_ts),
        model: ModelRef {
            name: DEMO_MODEL_NAME.into(),
            version: DEMO_MODEL_VERSION.into(),
        },
    };
    summary.non_finite = reasons;
    let document = DemoDocument {
        summary,
        guardrail_state,
        drift,
        profitability,
        demo,
    };
    // The page reads the document's sections (`html::render`).
    let doc = serde_json::to_value(&document).map_err(|e| internal(e.to_string()))?;

    // write
    std::fs::create_dir_all(&a.out).map_err(|e| io_failure(&a.out, e))?;
    let text = serde_json::to_string_pretty(&doc).map_err(|e| internal(e.to_string()))?;
    let write = |name: &str, bytes: &[u8]| -> Result<(), Failure> {
        Ok(tradewarden_core::fs::write_atomic(a.out.join(name), bytes)?)
    };
    write("ops_summary.json", text.as_bytes())?;
    write("metrics.prom", prom.as_bytes())?;
    let mut j = journal.join("\n");
    j.push('\n');
    write("journal.jsonl", j.as_bytes())?;
    write("reference_profile.json", profile.to_json()?.as_bytes())?;
    write("policy.toml", POLICY_TOML.as_bytes())?;
    write("report.html", html::render(&run, &ops)?.as_bytes())?;

    if a.json {
        println!("{text}");
    } else {
        let s = &run.summary;
        println!(
            "tradewarden demo: {} symbols, {} trading days ({} → {}), regime change {}",
            N_SYM,
            run.returns.len(),
            day_str(run.ts[0]),
            day_str(*run.ts.last().unwrap_or(&0)),
            day_str(run.regime_ts)
        );
        println!(
            "  model {} {}: {} orders, {} denied, {} clipped",
            DEMO_MODEL_NAME,
            DEMO_MODEL_VERSION,
            run.orders,
            run.denials.values().sum::<u64>(),
            run.clips.values().sum::<u64>()
        );
        let sci = &run.cis[0];
        println!(
            "  Sharpe {:.2} (95% CI {:.2} … {:.2}), PSR {:.3}, DSR {:.3}, max drawdown {:.1}%, total return {:.1}%",
            s.sharpe_ratio,
            sci.2,
            sci.3,
            run.psr,
            run.dsr,
            s.max_drawdown * 100.0,
            s.cumulative_return * 100.0
        );
        for t in &run.transitions[1..] {
            println!(
                "  {} {} → {}: {}",
                day_str(t.ts),
                t.from.as_str(),
                t.to.as_str(),
                t.reason
            );
        }
        println!(
            "  drift after the regime change: {} of {} features ({}); before: {} of {}",
            run.drift.n_drifted,
            run.drift.features.len(),
            if run.drift.dataset_drift {
                "dataset drift"
            } else {
                "no dataset drift"
            },
            run.drift_before.n_drifted,
            run.drift_before.features.len()
        );
        for t in &ops.triggered {
            println!("  ALERT: {t}");
        }
        println!(
            "  wrote {}/{{ops_summary.json, report.html, metrics.prom, journal.jsonl, reference_profile.json, policy.toml}}",
            a.out.display()
        );
    }
    Ok(())
}

/// The exposition with metric families sorted by name and, inside a family,
/// series grouped by label set (stable, so histogram buckets keep their
/// order): the recorder's map order is not stable from run to run.
pub(crate) fn canonical_exposition(text: &str) -> String {
    let mut blocks: Vec<(String, Vec<&str>)> = Vec::new();
    for block in text.split("\n\n") {
        let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let name = lines
            .iter()
            .find_map(|l| {
                l.strip_prefix("# TYPE ")
                    .or_else(|| l.strip_prefix("# HELP "))
            })
            .or_else(|| lines.first().copied())
            .unwrap_or("")
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string();
        let (mut meta, mut samples): (Vec<&str>, Vec<&str>) =
            lines.into_iter().partition(|l| l.starts_with('#'));
        samples.sort_by_cached_key(|l| series_key(l));
        meta.extend(samples);
        blocks.push((name, meta));
    }
    blocks.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (_, lines) in blocks {
        for l in lines {
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Label set of a sample line without its `le` label.
fn series_key(line: &str) -> String {
    let labels = match (line.find('{'), line.rfind('}')) {
        (Some(a), Some(b)) if b > a => &line[a + 1..b],
        _ => "",
    };
    labels
        .split(',')
        .filter(|kv| !kv.trim_start().starts_with("le="))
        .collect::<Vec<_>>()
        .join(",")
}

impl DemoRun {
    fn ts_of_day(&self, day: usize) -> i64 {
        self.day_ts.get(day).copied().unwrap_or(0)
    }
}
