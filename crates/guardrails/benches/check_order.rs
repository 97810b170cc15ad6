//! check_order with 20 rules active.
//!
//! Besides criterion's per-call mean, the `check_order_p99` group times
//! batches of 64 orders and prints p50/p99 of the per-order time over
//! 20 000 batches (see docs/performance.md).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use tradewarden_guardrails::{Engine, Order, Policy, Side, TradingState};

fn engine() -> (Engine, Vec<Order>) {
    let mut toml = String::from(
        r#"
[pre_trade]
max_order_notional = 1000000.0
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
            "[symbols.SYM{i:03}]\nmax_position_quantity = 1e7\n"
        ));
    }
    let policy = Policy::from_toml(&toml).unwrap();
    let mut e = Engine::new(&policy, 1e8).unwrap();
    e.set_state(TradingState::Active);
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
    // Every order must pass all 20 rules (no early exit on a deny).
    for o in &orders {
        assert_eq!(e.check_order(o), tradewarden_guardrails::Decision::Allow);
    }
    (e, orders)
}

fn bench(c: &mut Criterion) {
    let (mut e, orders) = engine();
    let mut k = 0usize;
    c.bench_function("check_order_20_rules", |b| {
        b.iter(|| {
            k = (k + 1) & 63;
            black_box(e.check_order(black_box(&orders[k])))
        })
    });
    // Batch timing for p50/p99 per order.
    let mut per_order = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let t = Instant::now();
        for o in &orders {
            black_box(e.check_order(black_box(o)));
        }
        per_order.push(t.elapsed().as_nanos() as f64 / orders.len() as f64);
    }
    per_order.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| per_order[((per_order.len() - 1) as f64 * p) as usize];
    println!(
        "check_order_20_rules batch-of-64 per-order ns: p50 {:.1} p99 {:.1} max {:.1}",
        q(0.5),
        q(0.99),
        q(1.0)
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

criterion_group!(benches, bench, bench_exposure);
criterion_main!(benches);
