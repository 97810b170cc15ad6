#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use tradewarden_guardrails::journal::{
    CURRENT, Event, FsyncPolicy, Journal, JournalConfig, read_dir, violations_per_1000_trades,
};
use tradewarden_guardrails::{Decision, DenyReason, Side, StateStore, TradingState};

fn cfg(dir: &std::path::Path, max_bytes: u64, fsync: FsyncPolicy) -> JournalConfig {
    JournalConfig {
        dir: dir.to_path_buf(),
        max_bytes,
        fsync,
    }
}

#[test]
fn append_rotate_reopen_and_read_in_order() {
    let d = tempfile::tempdir().unwrap();
    {
        let mut j = Journal::open(cfg(d.path(), 400, FsyncPolicy::EveryN(3))).unwrap();
        for k in 0..20 {
            j.record_decision("AAA", Side::Buy, k as f64, Decision::Allow)
                .unwrap();
        }
        assert_eq!(j.seq(), 20);
    }
    let rotated = std::fs::read_dir(d.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != CURRENT)
        .count();
    assert!(
        rotated >= 3,
        "expected several rotated files, got {rotated}"
    );
    // Reopen continues the sequence and never reuses a rotated name.
    let mut j = Journal::open(cfg(d.path(), 400, FsyncPolicy::Always)).unwrap();
    assert_eq!(j.seq(), 20);
    j.append(Event::Override {
        who: "bob".into(),
        why: "test".into(),
        what: "x".into(),
    })
    .unwrap();
    let (entries, bad) = read_dir(d.path()).unwrap();
    assert_eq!(bad, 0);
    assert_eq!(entries.len(), 21);
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=21).collect::<Vec<_>>());
    assert!(matches!(&entries[20].event, Event::Override { who, .. } if who == "bob"));
}

#[test]
fn torn_last_line_is_skipped_and_counted() {
    let d = tempfile::tempdir().unwrap();
    {
        let mut j = Journal::open(cfg(d.path(), 1 << 20, FsyncPolicy::Never)).unwrap();
        j.record_decision(
            "A",
            Side::Sell,
            1.0,
            Decision::Deny {
                reason: DenyReason::PriceBand,
            },
        )
        .unwrap();
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(d.path().join(CURRENT))
        .unwrap();
    f.write_all(b"{\"seq\":2,\"ts\":1.0,\"kind\":\"deci")
        .unwrap();
    let (entries, bad) = read_dir(d.path()).unwrap();
    assert_eq!((entries.len(), bad), (1, 1));
}

#[test]
fn violations_per_1000_trades_from_journal() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(cfg(d.path(), 1 << 20, FsyncPolicy::Never)).unwrap();
    for k in 0..1000 {
        let dec = if k % 250 == 0 {
            Decision::Deny {
                reason: DenyReason::RateLimited,
            }
        } else {
            Decision::Allow
        };
        j.record_decision("A", Side::Buy, 1.0, dec).unwrap();
    }
    j.append(Event::Violation {
        rule: "daily_loss_ratio".into(),
        value: 0.012,
        threshold: Some(0.01),
    })
    .unwrap();
    let (entries, _) = read_dir(d.path()).unwrap();
    assert_eq!(violations_per_1000_trades(&entries), Some(5.0));
    assert_eq!(violations_per_1000_trades(&[]), None);
}

#[test]
fn state_transitions_and_overrides_are_journaled() {
    let d = tempfile::tempdir().unwrap();
    let mut s = StateStore::open(d.path().join("state")).unwrap();
    s.attach_journal(
        Journal::open(cfg(&d.path().join("journal"), 1 << 20, FsyncPolicy::Always)).unwrap(),
    );
    s.manual_reset(TradingState::Active, "alice", "open")
        .unwrap();
    s.escalate(TradingState::Halted, "drawdown critical")
        .unwrap();
    let (entries, _) = read_dir(&d.path().join("journal")).unwrap();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| match &e.event {
            Event::Transition { .. } => "transition",
            Event::Override { .. } => "override",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["transition", "override", "transition"]);
    assert!(matches!(&entries[2].event,
        Event::Transition { from: TradingState::Active, to: TradingState::Halted, actor, .. } if actor == "system"));
}

#[test]
fn bad_config_is_rejected() {
    let d = tempfile::tempdir().unwrap();
    assert!(Journal::open(cfg(d.path(), 0, FsyncPolicy::Always)).is_err());
    assert!(Journal::open(cfg(d.path(), 10, FsyncPolicy::EveryN(0))).is_err());
}

#[test]
fn fsync_policy_counts_pending_records() {
    let d = tempfile::tempdir().unwrap();
    let ev = || Event::Violation {
        rule: "daily_loss_ratio".into(),
        value: 0.03,
        threshold: Some(0.02),
    };
    let mut always = Journal::open(cfg(&d.path().join("a"), 1 << 20, FsyncPolicy::Always)).unwrap();
    for _ in 0..5 {
        always.append(ev()).unwrap();
        assert_eq!(always.pending_sync(), 0);
    }
    let mut every3 =
        Journal::open(cfg(&d.path().join("b"), 1 << 20, FsyncPolicy::EveryN(3))).unwrap();
    let pend: Vec<u32> = (0..7)
        .map(|_| {
            every3.append(ev()).unwrap();
            every3.pending_sync()
        })
        .collect();
    assert_eq!(pend, [1, 2, 0, 1, 2, 0, 1]);
    every3.sync().unwrap();
    assert_eq!(every3.pending_sync(), 0);
    let mut never = Journal::open(cfg(&d.path().join("c"), 1 << 20, FsyncPolicy::Never)).unwrap();
    for k in 1..=4 {
        never.append(ev()).unwrap();
        assert_eq!(never.pending_sync(), k);
    }
    // Rotation syncs: a tiny max_bytes rotates on every append.
    let mut rot = Journal::open(cfg(&d.path().join("r"), 10, FsyncPolicy::Never)).unwrap();
    rot.append(ev()).unwrap();
    assert_eq!(rot.pending_sync(), 0);
    assert_eq!(rot.config().fsync, FsyncPolicy::Never);
    // The policy round-trips through serde (config files).
    let c: JournalConfig = serde_json::from_str(
        r#"{"dir": "/tmp/j", "max_bytes": 1048576, "fsync": {"every_n": 64}}"#,
    )
    .unwrap();
    assert_eq!(c.fsync, FsyncPolicy::EveryN(64));
}

#[test]
fn human_overrides_and_approvals_name_who_and_why() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(cfg(d.path(), 1 << 20, FsyncPolicy::Always)).unwrap();
    j.record_override(
        "bob",
        "limit raised for index rebalance",
        "max_order_notional 5e4 -> 8e4",
    )
    .unwrap();
    j.record_approval("carol", "canary_1 clean for 7 days", "promote to canary_2")
        .unwrap();
    let e = j.record_override(" ", "x", "y").unwrap_err();
    assert!(e.to_string().contains("who"), "{e}");
    let e = j.record_approval("carol", "", "y").unwrap_err();
    assert!(e.to_string().contains("why"), "{e}");
    let (entries, _) = read_dir(d.path()).unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.ts > 1.6e9), "when is recorded");
    assert!(matches!(&entries[0].event, Event::Override { who, .. } if who == "bob"));
    assert!(matches!(&entries[1].event, Event::Approval { who, .. } if who == "carol"));
}
