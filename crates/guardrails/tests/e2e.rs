//! End to end: policy → engine → journal; a period breach latches REDUCING,
//! survives a restart, only reducing orders pass, a named reset reopens
//! trading; violations per 1000 trades come out of the journal.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_guardrails::journal::{
    Event, FsyncPolicy, Journal, JournalConfig, read_dir, violations_per_1000_trades,
};
use tradewarden_guardrails::period::{PeriodObservation, evaluate_and_latch};
use tradewarden_guardrails::{
    Decision, DenyReason, Engine, Order, Policy, Side, StateStore, TradingState,
};

fn journal(dir: &std::path::Path) -> Journal {
    Journal::open(JournalConfig {
        dir: dir.join("journal"),
        max_bytes: 64 * 1024,
        fsync: FsyncPolicy::EveryN(50),
    })
    .unwrap()
}

#[test]
fn breach_latch_restart_reset_and_slo() {
    let d = tempfile::tempdir().unwrap();
    let policy = Policy::from_toml(
        r#"
[pre_trade]
max_order_notional = 10000.0
max_position_quantity = 500.0
price_band_ratio = 0.02
[symbols.AAA]
[symbols.BBB]
"#,
    )
    .unwrap();
    let mut store = StateStore::open(d.path().join("state")).unwrap();
    store.attach_journal(journal(d.path()));
    store
        .manual_reset(TradingState::Active, "alice", "start of day")
        .unwrap();
    let mut engine = Engine::new(&policy, 1e6).unwrap();
    engine.sync_state(&store);
    let aaa = engine.symbol_id("AAA").unwrap();
    let base = Order {
        symbol: aaa,
        side: Side::Buy,
        quantity: 10.0,
        price: 100.0,
        reference_price: 100.0,
        data_timestamp: 1000.0,
        timestamp: 1000.0,
        confidence: f64::NAN,
    };
    // 1000 orders; every 40th is outside the price band (25 denials).
    let mut denied = 0;
    for k in 0..1000 {
        let o = Order {
            price: if k % 40 == 0 { 103.0 } else { 100.0 },
            side: if k % 2 == 0 { Side::Buy } else { Side::Sell },
            ..base
        };
        let d = engine.check_order(&o);
        if let Decision::Deny { reason } = d {
            assert_eq!(reason, DenyReason::PriceBand);
            denied += 1;
        } else if let Decision::Allow = d {
            engine.on_fill(aaa, o.side, o.quantity, o.price).unwrap();
        }
        store
            .journal_mut()
            .unwrap()
            .record_decision("AAA", o.side, o.quantity, d)
            .unwrap();
    }
    assert_eq!(denied, 25);
    // A daily-loss warning latches REDUCING (journaled as a transition and violation).
    let obs = PeriodObservation {
        aum: Some(1e6),
        daily_pnl: Some(-15_000.0),
        ..Default::default()
    };
    let breaches = evaluate_and_latch(&policy.period, &obs, &mut store).unwrap();
    for b in &breaches {
        store
            .journal_mut()
            .unwrap()
            .append(Event::Violation {
                rule: b.rule.to_string(),
                value: b.value,
                threshold: Some(b.threshold),
            })
            .unwrap();
    }
    assert_eq!(store.state(), TradingState::Reducing);
    drop(store);

    // Restart: still REDUCING; the engine allows only orders toward zero.
    let mut store = StateStore::open(d.path().join("state")).unwrap();
    store.attach_journal(journal(d.path()));
    assert_eq!(store.state(), TradingState::Reducing);
    engine.sync_state(&store);
    let pos = engine.position(aaa).unwrap();
    engine.set_position(aaa, 40.0, 100.0).unwrap();
    assert_eq!(
        engine.check_order(&Order {
            side: Side::Buy,
            ..base
        }),
        Decision::Deny {
            reason: DenyReason::ReduceOnly
        }
    );
    assert_eq!(
        engine.check_order(&Order {
            side: Side::Sell,
            quantity: 60.0,
            ..base
        }),
        Decision::Clip {
            quantity: 40.0,
            reason: DenyReason::ReduceOnly
        }
    );
    engine.set_position(aaa, pos, 100.0).unwrap();
    // A breach does not un-latch by itself: a lesser escalation is a no-op.
    assert!(!store.escalate(TradingState::Reducing, "again").unwrap());
    store
        .manual_reset(
            TradingState::Active,
            "bob",
            "loss explained: fees booked twice",
        )
        .unwrap();
    engine.sync_state(&store);
    assert_eq!(engine.check_order(&base), Decision::Allow);

    // SLO from the journal: (25 denials + 1 violation) per 1000 decisions.
    let (entries, torn) = read_dir(&d.path().join("journal")).unwrap();
    assert_eq!(torn, 0);
    assert_eq!(violations_per_1000_trades(&entries), Some(26.0));
    let transitions: Vec<(TradingState, TradingState)> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Transition { from, to, .. } => Some((*from, *to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        transitions,
        [
            (TradingState::Halted, TradingState::Active),
            (TradingState::Active, TradingState::Reducing),
            (TradingState::Reducing, TradingState::Active),
        ]
    );
    let overrides: Vec<&str> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Override { who, .. } => Some(who.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(overrides, ["alice", "bob"]);
    // Sequence numbers are contiguous across rotations and restarts.
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=entries.len() as u64).collect::<Vec<_>>());
}
