//! `tw_engine_check_order` performs no heap allocation through the C ABI
//! (`catch_unwind`, the struct conversions and the decision write included):
//! a counting global allocator is armed around calls that allow, clip and
//! deny, without and then with the Prometheus recorder installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A counting `GlobalAlloc` and raw C-ABI calls need unsafe code.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tradewarden::*;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static ARMED: AtomicBool = AtomicBool::new(false);

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

fn order(symbol: u32, side: tw_side, quantity: f64, price: f64) -> tw_order {
    tw_order {
        symbol,
        side,
        quantity,
        price,
        reference_price: 100.0,
        data_timestamp: 1000.0,
        timestamp: 1000.5,
        confidence: 0.9,
    }
}

/// Runs every order through the C ABI with the counter armed; returns the
/// allocation count and the decisions.
fn count(e: *mut tw_engine, orders: &[tw_order]) -> (usize, Vec<tw_decision>) {
    let mut out = vec![
        tw_decision {
            decision: 99,
            reason: 99,
            quantity: -1.0
        };
        orders.len()
    ];
    ALLOCS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    for (o, d) in orders.iter().zip(out.iter_mut()) {
        // SAFETY: live engine, valid order and decision.
        let st = unsafe { tw_engine_check_order(e, o, d) };
        assert_eq!(st, TW_OK);
    }
    ARMED.store(false, Ordering::SeqCst);
    (ALLOCS.load(Ordering::SeqCst), out)
}

#[test]
fn check_order_through_c_does_not_allocate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(
        &path,
        "[pre_trade]\nmax_order_notional = 5000.0\nmax_position_quantity = 150.0\n\
         max_gross_leverage = 2.0\nprice_band_ratio = 0.05\nmin_confidence = 0.5\n\
         rate_limit = { orders_per_second = 1000.0, burst = 1000.0 }\n\
         [symbols.AAPL]\n[symbols.OFF]\ndisabled = true\n",
    )
    .unwrap();
    let cpath = CString::new(path.to_str().unwrap()).unwrap();
    let mut e: *mut tw_engine = std::ptr::null_mut();
    // SAFETY: valid strings and out-pointer.
    unsafe {
        assert_eq!(
            tw_engine_new_from_policy_file(cpath.as_ptr(), std::ptr::null(), 1e6, &mut e),
            TW_OK
        );
        assert_eq!(
            tw_engine_reset(e, TW_STATE_ACTIVE, c"test".as_ptr(), c"alloc".as_ptr()),
            TW_OK
        );
    }
    let orders = [
        order(0, TW_SIDE_BUY, 10.0, 100.0),     // allow
        order(0, TW_SIDE_BUY, 80.0, 100.0),     // clip: notional
        order(0, TW_SIDE_SELL, 10.0, 200.0),    // deny: price band
        order(1, TW_SIDE_BUY, 1.0, 100.0),      // deny: disabled
        order(7, TW_SIDE_BUY, 1.0, 100.0),      // deny: unknown symbol
        order(0, TW_SIDE_BUY, f64::NAN, 100.0), // deny: non-finite
    ];
    let kinds = |ds: &[tw_decision]| ds.iter().map(|d| d.decision).collect::<Vec<_>>();
    let expected = vec![
        TW_DECISION_ALLOW,
        TW_DECISION_CLIP,
        TW_DECISION_DENY,
        TW_DECISION_DENY,
        TW_DECISION_DENY,
        TW_DECISION_DENY,
    ];

    let (n, ds) = count(e, &orders);
    assert_eq!(kinds(&ds), expected);
    assert_eq!(n, 0, "check_order allocated {n} times without a recorder");

    // With the recorder: counters are live (deny and clip increment them).
    // SAFETY: NULL config is allowed; live engine.
    unsafe {
        assert_eq!(tw_metrics_install(std::ptr::null()), TW_OK);
        assert_eq!(tw_engine_rebind_telemetry(e), TW_OK);
    }
    let (n, ds) = count(e, &orders);
    assert_eq!(kinds(&ds), expected);
    assert_eq!(n, 0, "check_order allocated {n} times with the recorder");

    // The counter is armed for real: an error path (which formats a message) counts.
    let bad = [order(0, 9, 1.0, 100.0)];
    ALLOCS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    let mut d = ds[0];
    // SAFETY: live engine, valid pointers.
    let st = unsafe { tw_engine_check_order(e, &bad[0], &mut d) };
    ARMED.store(false, Ordering::SeqCst);
    assert_eq!(st, TW_ERR_INVALID_INPUT);
    assert!(ALLOCS.load(Ordering::SeqCst) > 0);
    // SAFETY: from tw_engine_new_from_policy_file.
    unsafe { tw_engine_free(e) };
}
