//! check_order with every engine rule active (the "20 rules" load of issue 5).
//!
//! Groups:
//! - `check_order_active` / `check_order_reducing`: criterion per-call time;
//!   in REDUCING the reduce-only rule is active as well, so every rule of the
//!   table in docs/guardrails.md §2 (rows 1–20) runs on every order;
//! - after the criterion groups, 1 000 000 calls per state are timed one by
//!   one with `Instant` and p50/p90/p99/p99.9/max are printed (not asserted),
//!   together with the cost of an empty `Instant` pair (timer overhead,
//!   included in the per-call figures);
//! - `session_check_order_active`: the same load through a `Session` on a
//!   state directory with its watcher thread running (decisions not
//!   journaled), criterion and per-call percentiles.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use tradewarden_guardrails::{
    Decision, DecisionLog, Engine, Order, Policy, Session, SessionConfig, Side, TradingState,
};

/// Every configurable pre-trade limit set (12), per-symbol overrides on every
/// symbol, 200 registered symbols, 64 distinct orders that pass every rule.
fn engine(state: TradingState) -> (Engine, Vec<Order>) {
    let (e, orders, _) = engine_and_policy(state);
    (e, orders)
}

fn engine_and_policy(state: TradingState) -> (Engine, Vec<Order>, Policy) {
    let mut toml = String::from(
        r#"
[pre_trade]
max_order_notional = 1000000.0
min_order_notional = 1.0
max_order_equity_fraction = 0.5
max_order_quantity = 100000.0
max_position_quantity = 1000000.0
max_position_notional = 100000000.0
max_gross_leverage = 50.0
max_net_leverage = 50.0
price_band_ratio = 0.05
max_data_age_s = 5.0
min_confidence = 0.5
rate_limit = { orders_per_second = 1e12, burst = 1e12 }
"#,
    );
    for i in 0..200 {
        toml.push_str(&format!(
            "[symbols.SYM{i:03}]\nmax_position_quantity = 1e7\nmax_order_notional = 2e6\nmin_order_notional = 10.0\n"
        ));
    }
    let policy = Policy::from_toml(&toml).unwrap();
    let mut e = Engine::new(&policy, 1e8).unwrap();
    e.set_state(state);
    let orders = (0..64)
        .map(|k| Order {
            symbol: e.symbol_id(&format!("SYM{:03}", (k * 7) % 200)).unwrap(),
            side: if k % 2 == 0 { Side::Buy } else { Side::Sell },
            quantity: 10.0 + k as f64,
            price: 100.0 + (k % 5) as f64 * 0.1,
            reference_price: 100.0,
            data_timestamp: 1000.0,
            timestamp: 1000.0 + k as f64 * 1e-3,
            confidence: 0.9,
        })
        .collect::<Vec<_>>();
    // Open positions the orders reduce (so REDUCING allows them too); 64
    // distinct symbols, alternating sides, so net exposure stays ~0.
    for o in &orders {
        let sign = if o.side == Side::Buy { -1.0 } else { 1.0 };
        e.set_position(o.symbol, sign * 1e5, 100.0).unwrap();
    }
    // Every order must pass every rule (no early exit on a deny or clip).
    for o in &orders {
        assert_eq!(e.check_order(o), Decision::Allow);
    }
    (e, orders, policy)
}

/// The same load through a [`Session`] on a state directory (watcher
/// thread running, decisions not journaled): the hot path every door uses
/// when it wants the ≤ 1 µs budget.
fn session(dir: &std::path::Path) -> (Session, Vec<Order>) {
    let (e, orders, policy) = engine_and_policy(TradingState::Active);
    let cfg = SessionConfig {
        decisions: DecisionLog::None,
        ..SessionConfig::in_dir(dir)
    };
    let mut s = Session::open(&policy, 1e8, cfg).unwrap();
    s.reset(TradingState::Active, "bench", "bench").unwrap();
    for o in &orders {
        let p = e.position(o.symbol).unwrap();
        s.set_position(o.symbol, p, 100.0).unwrap();
    }
    for o in &orders {
        assert_eq!(s.check_order(o).unwrap(), Decision::Allow);
    }
    (s, orders)
}

fn bench(c: &mut Criterion) {
    for (name, state) in [
        ("check_order_active", TradingState::Active),
        ("check_order_reducing", TradingState::Reducing),
    ] {
        let (mut e, orders) = engine(state);
        let mut k = 0usize;
        c.bench_function(name, |b| {
            b.iter(|| {
                k = (k + 1) & 63;
                black_box(e.check_order(black_box(&orders[k])))
            })
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut s, orders) = session(dir.path());
    let mut k = 0usize;
    c.bench_function("session_check_order_active", |b| {
        b.iter(|| {
            k = (k + 1) & 63;
            black_box(s.check_order(black_box(&orders[k])).unwrap())
        })
    });
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Times `n` calls one by one; prints percentiles in ns.
fn per_call_percentiles() {
    let n = 1_000_000usize;
    let mut t = vec![0u64; n];
    // Timer overhead: an empty Instant pair.
    for x in t.iter_mut() {
        let s = Instant::now();
        *x = black_box(s).elapsed().as_nanos() as u64;
    }
    t.sort_unstable();
    println!(
        "instant_pair_overhead ns: p50 {} p99 {} (included below)",
        pct(&t, 0.5),
        pct(&t, 0.99)
    );
    for (name, state) in [
        ("check_order_active", TradingState::Active),
        ("check_order_reducing", TradingState::Reducing),
    ] {
        let (mut e, orders) = engine(state);
        // Warm-up.
        for i in 0..100_000 {
            black_box(e.check_order(black_box(&orders[i & 63])));
        }
        for (i, x) in t.iter_mut().enumerate() {
            let o = &orders[i & 63];
            let s = Instant::now();
            black_box(e.check_order(black_box(o)));
            *x = s.elapsed().as_nanos() as u64;
        }
        t.sort_unstable();
        println!(
            "{name} per-call ns over {n} calls: p50 {} p90 {} p99 {} p99.9 {} max {}",
            pct(&t, 0.5),
            pct(&t, 0.9),
            pct(&t, 0.99),
            pct(&t, 0.999),
            t[n - 1]
        );
    }
}

fn bench_p99(_: &mut Criterion) {
    per_call_percentiles();
    let n = 1_000_000usize;
    let mut t = vec![0u64; n];
    let dir = tempfile::tempdir().unwrap();
    let (mut s, orders) = session(dir.path());
    for i in 0..100_000 {
        black_box(s.check_order(black_box(&orders[i & 63])).unwrap());
    }
    for (i, x) in t.iter_mut().enumerate() {
        let o = &orders[i & 63];
        let st = Instant::now();
        black_box(s.check_order(black_box(o)).unwrap());
        *x = st.elapsed().as_nanos() as u64;
    }
    t.sort_unstable();
    println!(
        "session_check_order_active (watcher running) per-call ns over {n} calls: \
         p50 {} p90 {} p99 {} p99.9 {} max {}",
        pct(&t, 0.5),
        pct(&t, 0.9),
        pct(&t, 0.99),
        pct(&t, 0.999),
        t[n - 1]
    );
}

fn bench_exposure(c: &mut Criterion) {
    use tradewarden_guardrails::exposure::{TradeLog, apply_policy, exposure_metrics};
    let n = 100_000usize;
    let ts: Vec<i64> = (0..n as i64).map(|i| i / 10).collect();
    let sym: Vec<String> = (0..n).map(|i| format!("S{}", i % 10)).collect();
    let notional: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64 - 50.0).collect();
    let pnl: Vec<f64> = (0..n)
        .map(|i| ((i * 53) % 97) as f64 / 97.0 - 0.5)
        .collect();
    let log = TradeLog::new(&ts, &sym, Some(&notional), None, None, &pnl).unwrap();
    c.bench_function("exposure_metrics_100k_rows", |b| {
        b.iter(|| black_box(exposure_metrics(black_box(&log), 1000.0, 5.0).unwrap()))
    });
    let policy = tradewarden_guardrails::ExposurePolicy {
        enabled: true,
        capital: 1000.0,
        max_gross_exposure: Some(0.1),
        max_turnover: Some(0.05),
        ..Default::default()
    };
    c.bench_function("exposure_apply_policy_clip_100k_rows", |b| {
        b.iter(|| black_box(apply_policy(black_box(&log), &policy).unwrap()))
    });
}

criterion_group!(benches, bench, bench_p99, bench_exposure);
criterion_main!(benches);
