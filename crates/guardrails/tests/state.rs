#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_guardrails::state::{KILL_SWITCH_FILE, STATE_FILE};
use tradewarden_guardrails::{Error, LoadOutcome, StateStore, TradingState};

#[test]
fn missing_state_file_starts_halted() {
    let d = tempfile::tempdir().unwrap();
    let s = StateStore::open(d.path()).unwrap();
    assert_eq!(s.state(), TradingState::Halted);
    assert_eq!(s.load_outcome(), &LoadOutcome::Missing);
}

#[test]
fn corrupt_state_file_starts_halted_never_active() {
    let d = tempfile::tempdir().unwrap();
    for junk in [
        &b""[..],
        b"{\"version\":1,\"state\":\"ACTIVE\"",
        b"ACTIVE",
        b"{\"version\":2,\"state\":\"ACTIVE\",\"reason\":\"r\",\"actor\":\"a\",\"since\":0,\"seq\":1}",
        b"{\"version\":1,\"state\":\"ACTIVE\",\"reason\":\"r\",\"actor\":\"a\",\"since\":0,\"seq\":1,\"x\":1}",
    ] {
        std::fs::write(d.path().join(STATE_FILE), junk).unwrap();
        let s = StateStore::open(d.path()).unwrap();
        assert_eq!(s.state(), TradingState::Halted, "{:?}", String::from_utf8_lossy(junk));
        assert!(matches!(s.load_outcome(), LoadOutcome::Corrupt(_)));
    }
}

#[test]
fn breaches_latch_until_named_manual_reset_and_persist() {
    let d = tempfile::tempdir().unwrap();
    let mut s = StateStore::open(d.path()).unwrap();
    s.manual_reset(TradingState::Active, "alice", "start")
        .unwrap();
    assert!(
        s.escalate(TradingState::Halted, "daily loss critical")
            .unwrap()
    );
    // Escalating to a less severe state does nothing: the breach latches.
    assert!(!s.escalate(TradingState::Reducing, "warning").unwrap());
    assert_eq!(s.state(), TradingState::Halted);
    assert!(s.escalate(TradingState::Killed, "").is_err());
    // Reset needs who and why.
    let e = s
        .manual_reset(TradingState::Active, "", "because")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::State);
    assert!(s.manual_reset(TradingState::Active, "bob", " ").is_err());
    // Persisted across restart with reason and actor.
    let s2 = StateStore::open(d.path()).unwrap();
    assert_eq!(s2.state(), TradingState::Halted);
    assert_eq!(s2.record().reason, "daily loss critical");
    assert_eq!(s2.record().actor, "system");
    let mut s2 = s2;
    s2.manual_reset(TradingState::Active, "bob", "loss reviewed")
        .unwrap();
    let s3 = StateStore::open(d.path()).unwrap();
    assert_eq!(s3.state(), TradingState::Active);
    assert_eq!(s3.record().actor, "bob");
    assert_eq!(s3.record().seq, 3);
}

#[test]
fn kill_switch_file_means_killed_for_every_process() {
    let d = tempfile::tempdir().unwrap();
    let mut a = StateStore::open(d.path()).unwrap();
    a.manual_reset(TradingState::Active, "ops", "start")
        .unwrap();
    let b = StateStore::open(d.path()).unwrap();
    assert_eq!(b.state(), TradingState::Active);
    // Runbook's manual form: `echo '{}' > KILL_SWITCH`.
    std::fs::write(d.path().join(KILL_SWITCH_FILE), "{}").unwrap();
    assert_eq!(a.state(), TradingState::Killed);
    assert_eq!(b.state(), TradingState::Killed);
    // Reset refused while the file exists.
    let err = a
        .manual_reset(TradingState::Active, "ops", "oops")
        .unwrap_err();
    assert!(matches!(err, Error::IllegalTransition { .. }));
    std::fs::remove_file(d.path().join(KILL_SWITCH_FILE)).unwrap();
    // Programmatic activation writes {activated_at, reason, activated_by} and persists KILLED.
    a.activate_kill_switch("critical alert", "alertmanager")
        .unwrap();
    let ks = a.read_kill_switch().unwrap();
    assert_eq!(
        (ks.reason.as_str(), ks.activated_by.as_str()),
        ("critical alert", "alertmanager")
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join(KILL_SWITCH_FILE)).unwrap()).unwrap();
    assert!(v.get("activated_at").is_some());
    std::fs::remove_file(d.path().join(KILL_SWITCH_FILE)).unwrap();
    // Still KILLED from the persisted record after the file is removed, until reset.
    let c = StateStore::open(d.path()).unwrap();
    assert_eq!(c.state(), TradingState::Killed);
}

#[test]
fn kill_switch_is_never_refused_and_always_has_a_reason() {
    let d = tempfile::tempdir().unwrap();
    let mut s = StateStore::open(d.path()).unwrap();
    s.manual_reset(TradingState::Active, "ops", "start")
        .unwrap();
    s.activate_kill_switch("", " ").unwrap();
    assert_eq!(s.state(), TradingState::Killed);
    assert_eq!(
        (s.record().reason.as_str(), s.record().actor.as_str()),
        ("unspecified", "unspecified")
    );
    let ks = s.read_kill_switch().unwrap();
    assert_eq!(ks.reason, "unspecified");
    // Re-activating while KILLED keeps the first kill's record (the switch
    // is created under its final name, never replaced) and stays KILLED.
    s.activate_kill_switch("again", "bob").unwrap();
    assert_eq!(s.read_kill_switch().unwrap().activated_by, "unspecified");
    assert_eq!(
        StateStore::open(d.path()).unwrap().state(),
        TradingState::Killed
    );
}

#[test]
fn escalate_with_blank_reason_is_a_typed_error_and_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let mut s = StateStore::open(d.path()).unwrap();
    s.manual_reset(TradingState::Active, "alice", "start")
        .unwrap();
    let before = std::fs::read(d.path().join(STATE_FILE)).unwrap();
    for blank in ["", " ", "\t", "\n  \r\n", "\u{3000}"] {
        // Refused whether or not the target is more severe (no silent no-op).
        for to in [
            TradingState::Active,
            TradingState::Reducing,
            TradingState::Killed,
        ] {
            let e = s.escalate(to, blank).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
            match &e {
                Error::InvalidInput { param, value, .. } => {
                    assert_eq!(*param, "reason");
                    assert_eq!(value, &format!("{blank:?}"));
                }
                other => panic!("unexpected error {other:?}"),
            }
            assert!(e.to_string().contains("reason"), "{e}");
        }
        assert_eq!(s.state(), TradingState::Active);
    }
    // Nothing was persisted: the file is byte-for-byte the same, and a reopen
    // still sees ACTIVE with the reset's reason.
    assert_eq!(std::fs::read(d.path().join(STATE_FILE)).unwrap(), before);
    let s2 = StateStore::open(d.path()).unwrap();
    assert_eq!(s2.state(), TradingState::Active);
    assert_eq!(s2.record().reason, "start");
    // A reason with surrounding whitespace is accepted as given.
    assert!(s.escalate(TradingState::Reducing, "  warning  ").unwrap());
    assert_eq!(s.state(), TradingState::Reducing);
}

/// Regression (found by the guardrails conformance cases, tests/conformance/guardrails_doors.json):
/// a `refresh` that saw no state file (a fresh directory, the Python/C `sync` right after open)
/// left the store "untrusted" after a successful reset, so `state()` stayed HALTED.
#[test]
fn reset_after_refresh_of_a_missing_file_is_trusted() {
    let d = tempfile::tempdir().unwrap();
    let mut s = StateStore::open(d.path()).unwrap();
    s.refresh();
    assert_eq!(s.state(), TradingState::Halted);
    s.manual_reset(TradingState::Active, "ops", "start of day")
        .unwrap();
    assert_eq!(s.state(), TradingState::Active);
    assert!(
        s.escalate(TradingState::Reducing, "daily loss warning")
            .unwrap()
    );
    assert_eq!(s.state(), TradingState::Reducing);
    // and a file that went missing again is HALTED (fail closed) at the next locked read
    std::fs::remove_file(d.path().join(STATE_FILE)).unwrap();
    s.escalate(TradingState::Halted, "breach").unwrap();
    assert_eq!(s.state(), TradingState::Halted);
}
