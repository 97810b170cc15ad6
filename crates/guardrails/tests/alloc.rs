//! Proves `check_order` performs zero heap allocations (no recorder, then
//! with a recorder), with every engine rule active: all 12 configurable
//! pre-trade limits set, per-symbol overrides, a disabled symbol, and — in
//! the REDUCING pass — the reduce-only rule, i.e. rows 1–20 of the rule table
//! in docs/guardrails.md §2, over orders that are allowed, clipped and denied.
#![allow(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// Armed per thread: only the measuring thread's allocations count (a
// session's watcher thread, or another test, may allocate meanwhile).
thread_local! {
    static ARMED_HERE: Cell<bool> = const { Cell::new(false) };
}

struct Armed;
impl Armed {
    fn store(&self, on: bool, _: Ordering) {
        ARMED_HERE.with(|a| a.set(on));
    }
    fn load(&self, _: Ordering) -> bool {
        ARMED_HERE.try_with(Cell::get).unwrap_or(false)
    }
}
static ARMED: Armed = Armed;

// SAFETY: delegates to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ARMED.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as GlobalAlloc::alloc.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as GlobalAlloc::dealloc.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        if ARMED.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as GlobalAlloc::realloc.
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

use tradewarden_guardrails::{Decision, DenyReason, Engine, Order, Policy, Side, TradingState};

fn setup() -> (Engine, Vec<Order>) {
    setup_in(TradingState::Active)
}

fn setup_in(state: TradingState) -> (Engine, Vec<Order>) {
    let policy = Policy::from_toml(
        r#"
[pre_trade]
max_order_notional = 5000.0
min_order_notional = 10.0
max_order_equity_fraction = 0.03
max_order_quantity = 80.0
max_position_quantity = 150.0
max_position_notional = 1e9
max_gross_leverage = 2.0
max_net_leverage = 1.0
price_band_ratio = 0.05
max_data_age_s = 5.0
min_confidence = 0.5
rate_limit = { orders_per_second = 1000.0, burst = 50.0 }
[symbols.AAA]
max_position_quantity = 120.0
max_order_notional = 4500.0
min_order_notional = 20.0
[symbols.BBB]
disabled = true
[symbols.CCC]
max_position_quantity = 150.0
"#,
    )
    .unwrap();
    let mut e = Engine::new(&policy, 100_000.0).unwrap();
    e.set_state(state);
    let a = e.symbol_id("AAA").unwrap();
    if state == TradingState::Reducing {
        // Buys reduce this short; sells are denied by the reduce-only rule.
        e.set_position(a, -100.0, 50.0).unwrap();
    }
    let b = e.symbol_id("BBB").unwrap();
    let base = Order {
        symbol: a,
        side: Side::Buy,
        quantity: 10.0,
        price: 50.0,
        reference_price: 50.0,
        data_timestamp: 100.0,
        timestamp: 100.0,
        confidence: 0.9,
    };
    let orders = vec![
        base,
        Order {
            quantity: 500.0,
            ..base
        }, // clip (max_order_equity_fraction: 0.03 × 100 000 = 3000 → 60 units)
        Order {
            quantity: 0.3,
            ..base
        }, // dust: 15 < 20 (AAA's min_order_notional)
        Order {
            price: f64::NAN,
            ..base
        }, // deny non-finite
        Order { symbol: b, ..base }, // disabled
        Order {
            price: 60.0,
            ..base
        }, // band
        Order {
            confidence: f64::NAN,
            ..base
        }, // low confidence
        Order {
            data_timestamp: 0.0,
            ..base
        }, // stale
        Order {
            side: Side::Sell,
            ..base
        },
    ];
    (e, orders)
}

fn run(e: &mut Engine, orders: &[Order]) -> (usize, Vec<Decision>) {
    let mut out = Vec::with_capacity(orders.len() * 200);
    ALLOCS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    for _ in 0..200 {
        for o in orders {
            out.push(e.check_order(o));
        }
    }
    ARMED.store(false, Ordering::SeqCst);
    (ALLOCS.load(Ordering::SeqCst), out)
}

#[test]
fn check_order_allocates_nothing_with_and_without_recorder() {
    // 1. No recorder installed: the counter handles are no-ops.
    let (mut e, orders) = setup();
    let (n, out) = run(&mut e, &orders);
    assert_eq!(n, 0, "check_order allocated {n} times without a recorder");
    assert!(out.iter().any(|d| matches!(d, Decision::Clip { .. })));
    assert!(out.contains(&Decision::Deny {
        reason: DenyReason::NonFiniteInput
    }));
    assert!(out.contains(&Decision::Deny {
        reason: DenyReason::RateLimited
    }));
    assert!(out.contains(&Decision::Clip {
        quantity: 60.0,
        reason: DenyReason::MaxOrderEquityFraction
    }));
    assert!(out.contains(&Decision::Deny {
        reason: DenyReason::MinOrderNotional
    }));
    // Sanity: the counter is armed and does count allocations.
    ARMED.store(true, Ordering::SeqCst);
    let v: Vec<u64> = Vec::with_capacity(3);
    ARMED.store(false, Ordering::SeqCst);
    drop(v);
    assert!(ALLOCS.load(Ordering::SeqCst) >= 1);

    // 2. With a recorder: handles registered at build time are atomic counters.
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().unwrap();
    let (mut e, orders) = setup();
    let (n, _) = run(&mut e, &orders);
    assert_eq!(n, 0, "check_order allocated {n} times with a recorder");
    let snap = snapshotter.snapshot().into_vec();
    let denials: u64 = snap
        .iter()
        .filter(|(k, _, _, _)| k.key().name() == tradewarden_metrics::catalog::names::ORDER_DENIALS)
        .map(|(_, _, _, v)| match v {
            metrics_util::debugging::DebugValue::Counter(c) => *c,
            _ => 0,
        })
        .sum();
    assert!(denials >= 200 * 5, "denials counted: {denials}");

    // 3. REDUCING: the reduce-only rule joins the others; still no allocation.
    let (mut e, orders) = setup_in(TradingState::Reducing);
    let (n, out) = run(&mut e, &orders);
    assert_eq!(n, 0, "check_order allocated {n} times in REDUCING");
    assert!(out.contains(&Decision::Deny {
        reason: DenyReason::ReduceOnly
    }));
    assert!(out.contains(&Decision::Deny {
        reason: DenyReason::MinOrderNotional
    }));
    assert!(out.contains(&Decision::Allow));
    assert!(out.iter().any(|d| matches!(d, Decision::Clip { .. })));
}

/// The session's hot path (`Session::check_order` with decisions not
/// journaled, its watcher thread running on a state directory) reads the
/// shared state with one atomic load and allocates nothing.
#[test]
fn session_check_order_allocates_nothing_with_the_watcher_running() {
    use tradewarden_guardrails::{DecisionLog, Session, SessionConfig};
    let (e, orders) = setup();
    drop(e);
    let policy = Policy::from_toml(
        "[pre_trade]\nmax_order_quantity = 80.0\nmax_data_age_s = 5.0\n\
         [symbols.AAA]\n[symbols.BBB]\ndisabled = true\n[symbols.CCC]\n",
    )
    .unwrap();
    let d = tempfile::tempdir().unwrap();
    let mut s = Session::open(
        &policy,
        100_000.0,
        SessionConfig {
            decisions: DecisionLog::None,
            ..SessionConfig::in_dir(d.path())
        },
    )
    .unwrap();
    s.reset(TradingState::Active, "ops", "alloc test").unwrap();
    let mut out = Vec::with_capacity(orders.len() * 200);
    ALLOCS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    for _ in 0..200 {
        for o in &orders {
            out.push(s.check_order(o));
        }
    }
    ARMED.store(false, Ordering::SeqCst);
    let n = ALLOCS.load(Ordering::SeqCst);
    assert_eq!(n, 0, "Session::check_order allocated {n} times");
    assert!(out.iter().all(Result::is_ok));
    assert!(out.iter().any(|d| matches!(d, Ok(Decision::Allow))));
    assert!(out.iter().any(|d| matches!(
        d,
        Ok(Decision::Deny {
            reason: DenyReason::SymbolDisabled
        })
    )));
    assert!(s.watching());
}
