//! `Session` and the issue-17 reproductions, each a regression test that
//! failed before the change.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use tradewarden_guardrails::canary::{CanaryConfig, CanaryMachine, StageObservation};
use tradewarden_guardrails::journal::{
    CURRENT, ChainProblem, Event, Journal, JournalConfig, read_dir, verify,
};
use tradewarden_guardrails::period::PeriodObservation;
use tradewarden_guardrails::promotion::RollbackPlan;
use tradewarden_guardrails::session::kill_state_dir;
use tradewarden_guardrails::{
    Decision, DenyReason, Order, Policy, Session, SessionConfig, Side, StateStore, TradingState,
};

const POLICY: &str = r#"
[pre_trade]
max_order_notional = 1000000.0
[period]
max_drawdown_ratio = { warning = 0.05, critical = 0.10 }
[symbols.AAA]
"#;

fn policy() -> Policy {
    Policy::from_toml(POLICY).unwrap()
}

fn open(dir: &Path) -> Session {
    Session::open(&policy(), 100_000.0, SessionConfig::in_dir(dir)).unwrap()
}

fn order(s: &Session) -> Order {
    let now = 1_000.0;
    Order {
        symbol: s.symbol_id("AAA").unwrap(),
        side: Side::Buy,
        quantity: 10.0,
        price: 100.0,
        reference_price: 100.0,
        data_timestamp: now,
        timestamp: now,
        confidence: f64::NAN,
    }
}

fn active(dir: &Path) -> Session {
    let mut s = open(dir);
    s.reset(TradingState::Active, "ops", "start").unwrap();
    s
}

fn wait_for(mut f: impl FnMut() -> bool) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(2) {
        if f() {
            return Some(t.elapsed());
        }
        std::hint::spin_loop();
    }
    None
}

/// Reproduction: one invalid byte in a journal file made `guard kill` exit
/// 4 with no KILL_SWITCH (the kill opened the journal, reading all of it,
/// before writing the switch).
#[test]
fn kill_engages_with_a_corrupted_journal_and_never_reads_history() {
    let d = tempfile::tempdir().unwrap();
    drop(active(d.path()));
    let cur = d.path().join(CURRENT);
    let mut bytes = std::fs::read(&cur).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] = 0xff; // invalid UTF-8 in the middle of a record
    std::fs::write(&cur, &bytes).unwrap();
    // A rotated "file" that cannot be read at all: reading history would fail.
    std::fs::create_dir(d.path().join("journal.1.jsonl")).unwrap();
    kill_state_dir(d.path(), "desk limit", "alice", true).unwrap();
    let store = StateStore::open(d.path()).unwrap();
    assert_eq!(store.state(), TradingState::Killed);
    assert!(store.kill_switch_present());
    assert_eq!(store.record().state, TradingState::Killed);
    std::fs::remove_dir(d.path().join("journal.1.jsonl")).unwrap();
    let (entries, skipped) = read_dir(d.path()).unwrap();
    assert_eq!(skipped, 1, "the corrupted line is reported and skipped");
    assert!(matches!(
        entries.last().unwrap().event,
        Event::Transition {
            to: TradingState::Killed,
            ..
        }
    ));
}

/// Reproduction: Python `Engine.kill()` left the engine ACTIVE when
/// persisting failed (state directory removed).
#[test]
fn kill_takes_effect_in_memory_first_and_recreates_a_removed_directory() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("state");
    let mut s = active(&dir);
    let o = order(&s);
    assert!(s.check_order(&o).unwrap().is_allowed());
    std::fs::remove_dir_all(&dir).unwrap();
    // Persisting may fail (the journal's files are gone) but the kill holds.
    let _ = s.kill("dir gone", "ops");
    assert_eq!(s.state(), TradingState::Killed);
    assert_eq!(
        s.engine_mut().check_order(&o),
        Decision::Deny {
            reason: DenyReason::TradingKilled
        }
    );
    // The switch is on the path again: a restart is KILLED.
    assert!(dir.join("KILL_SWITCH").exists());
    drop(s);
    assert_eq!(open(&dir).state(), TradingState::Killed);
}

/// Reproduction: a dangling `KILL_SWITCH` symlink counted as absent.
#[test]
fn any_kill_switch_entry_means_killed() {
    for kind in ["dangling", "dir", "empty", "garbage"] {
        let d = tempfile::tempdir().unwrap();
        drop(active(d.path()));
        let ks = d.path().join("KILL_SWITCH");
        match kind {
            "dangling" => std::os::unix::fs::symlink(d.path().join("nowhere"), &ks).unwrap(),
            "dir" => std::fs::create_dir(&ks).unwrap(),
            "empty" => std::fs::write(&ks, b"").unwrap(),
            _ => std::fs::write(&ks, b"\xff\x00garbage").unwrap(),
        }
        let mut s = open(d.path());
        assert_eq!(s.state(), TradingState::Killed, "{kind}");
        let o = order(&s);
        assert!(!s.check_order(&o).unwrap().is_allowed(), "{kind}");
        // A reset is refused while the entry exists; removing it is journaled.
        assert!(s.reset(TradingState::Active, "ops", "x").is_err(), "{kind}");
        s.remove_kill_switch("ops", "checked").unwrap();
        s.reset(TradingState::Active, "ops", "checked").unwrap();
        assert_eq!(s.state(), TradingState::Active, "{kind}");
    }
}

/// Reproduction: another process latched HALTED, `sync()` returned ACTIVE
/// and the next `escalate(REDUCING)` overwrote HALTED on disk.
#[test]
fn another_sessions_escalation_is_seen_without_sync_and_never_downgraded() {
    let d = tempfile::tempdir().unwrap();
    let mut a = active(d.path());
    let mut b = open(d.path());
    let o = order(&a);
    assert!(a.check_order(&o).unwrap().is_allowed());
    assert!(b.escalate(TradingState::Halted, "risk task").unwrap());
    let seen = wait_for(|| a.engine_mut().check_order(&o) != Decision::Allow);
    assert!(seen.is_some(), "A never saw B's HALTED");
    assert_eq!(a.state(), TradingState::Halted);
    // A's escalation to a less severe state changes nothing on disk.
    assert!(!a.escalate(TradingState::Reducing, "warning").unwrap());
    let disk = StateStore::open(d.path()).unwrap();
    assert_eq!(disk.record().state, TradingState::Halted);
    assert_eq!(a.sync().unwrap(), TradingState::Halted);
    // A named reset in B releases A too.
    b.reset(TradingState::Active, "ops", "cleared").unwrap();
    assert!(wait_for(|| a.state() == TradingState::Active).is_some());
}

#[test]
fn a_kill_from_another_session_is_visible_within_milliseconds() {
    let d = tempfile::tempdir().unwrap();
    let mut a = active(d.path());
    let mut b = open(d.path());
    let o = order(&a);
    let t = Instant::now();
    b.kill("operator", "bob").unwrap();
    let kill_done = t.elapsed();
    let seen = wait_for(|| !a.engine_mut().check_order(&o).is_allowed()).expect("kill seen");
    eprintln!("kill call {kill_done:?}, seen by the other session after {seen:?} more");
    assert_eq!(a.state(), TradingState::Killed);
}

#[test]
fn state_sequence_overflow_is_a_typed_error_and_the_escalation_holds() {
    let d = tempfile::tempdir().unwrap();
    drop(active(d.path()));
    let p = d.path().join("trading_state.json");
    let text = std::fs::read_to_string(&p).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut v = v.as_object().unwrap().clone();
    v.insert("seq".into(), serde_json::json!(u64::MAX));
    std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    let mut s = open(d.path());
    assert_eq!(s.state(), TradingState::Active);
    let e = s.escalate(TradingState::Halted, "loss").unwrap_err();
    assert!(e.to_string().contains("seq"), "{e}");
    assert_eq!(
        s.state(),
        TradingState::Halted,
        "never less severe than requested"
    );
}

#[test]
fn journal_torn_tail_is_repaired_noted_and_the_next_append_survives() {
    let d = tempfile::tempdir().unwrap();
    let cfg = JournalConfig::new(d.path());
    {
        let mut j = Journal::open(cfg.clone()).unwrap();
        for k in 0..5 {
            j.record_override("a", "b", &format!("r{k}")).unwrap();
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(d.path().join(CURRENT))
        .unwrap();
    f.write_all(b"{\"seq\":6,\"ts\":1.0,\"kind\":\"overr")
        .unwrap();
    drop(f);
    let mut j = Journal::open(cfg).unwrap();
    assert_eq!(j.seq(), 6, "the repair note is record 6");
    j.record_override("a", "b", "after").unwrap();
    let (entries, bad) = read_dir(d.path()).unwrap();
    assert_eq!(bad, 0, "the torn bytes are gone, nothing glued");
    assert!(matches!(
        entries[5].event,
        Event::Repair {
            truncated_bytes: 31,
            ..
        }
    ));
    assert!(matches!(&entries[6].event, Event::Override { what, .. } if what == "after"));
    let rep = verify(d.path()).unwrap();
    assert!(rep.ok(), "{rep:?}");
    assert_eq!(rep.records, 7);
}

#[test]
fn journal_non_finite_numbers_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e-300] {
        j.append(Event::Violation {
            rule: "x".into(),
            value: v,
            threshold: Some(v),
        })
        .unwrap();
        j.record_decision(
            "AAA",
            Side::Sell,
            v,
            Decision::Clip {
                quantity: v,
                reason: DenyReason::MaxOrderNotional,
            },
        )
        .unwrap();
    }
    drop(j);
    let (entries, bad) = read_dir(d.path()).unwrap();
    assert_eq!((entries.len(), bad), (10, 0));
    let back: Vec<f64> = entries
        .iter()
        .filter_map(|e| match e.event {
            Event::Violation { value, .. } => Some(value),
            _ => None,
        })
        .collect();
    assert!(back[0].is_nan());
    assert_eq!(
        &back[1..],
        &[f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e-300]
    );
    assert!(back[3].is_sign_negative());
}

#[test]
fn journal_invalid_utf8_is_skipped_not_fatal_and_verify_names_it() {
    let d = tempfile::tempdir().unwrap();
    {
        let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
        for k in 0..4 {
            j.record_override("a", "b", &format!("r{k}")).unwrap();
        }
    }
    let cur = d.path().join(CURRENT);
    let text = std::fs::read(&cur).unwrap();
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == 1 {
            out.extend_from_slice(b"\xc3\x28 not utf-8");
        } else {
            out.extend_from_slice(l);
        }
        if i + 1 < lines.len() {
            out.push(b'\n');
        }
    }
    std::fs::write(&cur, out).unwrap();
    let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
    assert_eq!(j.seq(), 4);
    j.record_override("a", "b", "r4").unwrap();
    let (entries, bad) = read_dir(d.path()).unwrap();
    assert_eq!((entries.len(), bad), (4, 1));
    let rep = verify(d.path()).unwrap();
    assert_eq!(
        rep.problem,
        Some(ChainProblem::Unreadable { expected_seq: 2 })
    );
    assert_eq!(rep.problem_line, Some(2));
}

fn journal_lines(dir: &Path, n: usize) -> Vec<String> {
    {
        let mut j = Journal::open(JournalConfig::new(dir)).unwrap();
        for k in 0..n {
            j.record_override("a", "b", &format!("r{k}")).unwrap();
        }
    }
    std::fs::read_to_string(dir.join(CURRENT))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn write_lines(dir: &Path, lines: &[String]) {
    std::fs::write(dir.join(CURRENT), lines.join("\n") + "\n").unwrap();
}

#[test]
fn verify_finds_the_first_edited_missing_or_reordered_record() {
    let d = tempfile::tempdir().unwrap();
    let mut lines = journal_lines(d.path(), 6);
    assert!(verify(d.path()).unwrap().ok());
    // Edited: same length, other text.
    let orig = lines[2].clone();
    lines[2] = orig.replace("\"r2\"", "\"rX\"");
    write_lines(d.path(), &lines);
    assert_eq!(
        verify(d.path()).unwrap().problem,
        Some(ChainProblem::Edited { seq: 3 })
    );
    lines[2] = orig;
    // Missing.
    let removed = lines.remove(3);
    write_lines(d.path(), &lines);
    assert_eq!(
        verify(d.path()).unwrap().problem,
        Some(ChainProblem::Missing {
            from_seq: 4,
            to_seq: 4
        })
    );
    lines.insert(3, removed);
    // Reordered.
    lines.swap(3, 4);
    write_lines(d.path(), &lines);
    assert_eq!(
        verify(d.path()).unwrap().problem,
        Some(ChainProblem::Reordered {
            seq: 4,
            after_seq: 5
        })
    );
    // A consistent renumbering (what sequence numbers alone could not catch).
    lines.swap(3, 4);
    let renumbered: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(i, l)| {
            if i > 2 {
                l.replacen(&format!("\"seq\":{}", i + 1), &format!("\"seq\":{i}"), 1)
            } else {
                l.clone()
            }
        })
        .collect();
    write_lines(d.path(), &renumbered);
    assert_eq!(
        verify(d.path()).unwrap().problem,
        Some(ChainProblem::Edited { seq: 2 })
    );
}

#[test]
fn rotation_keeps_the_chain_across_files() {
    let d = tempfile::tempdir().unwrap();
    let cfg = JournalConfig {
        max_bytes: 600,
        ..JournalConfig::new(d.path())
    };
    {
        let mut j = Journal::open(cfg.clone()).unwrap();
        for k in 0..30 {
            j.record_override("a", "b", &format!("record {k}")).unwrap();
        }
    }
    // Reopen with an empty current file: the chain continues from the newest rotated file.
    let mut j = Journal::open(cfg).unwrap();
    j.record_override("a", "b", "after reopen").unwrap();
    let rep = verify(d.path()).unwrap();
    assert!(rep.files >= 4, "{rep:?}");
    assert!(rep.ok(), "{rep:?}");
    assert_eq!(rep.last_seq, 31);
    // Removing a rotated file is a gap.
    std::fs::remove_file(d.path().join("journal.2.jsonl")).unwrap();
    assert!(matches!(
        verify(d.path()).unwrap().problem,
        Some(ChainProblem::Missing { .. })
    ));
}

#[test]
fn concurrent_appenders_keep_one_chain() {
    let d = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let dir = d.path().to_path_buf();
            std::thread::spawn(move || {
                let mut j = Journal::open(JournalConfig {
                    max_bytes: 20_000,
                    ..JournalConfig::new(&dir)
                })
                .unwrap();
                for k in 0..200 {
                    j.record_override("t", "b", &format!("{t}/{k}")).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let rep = verify(d.path()).unwrap();
    assert!(rep.ok(), "{rep:?}");
    assert_eq!(rep.records, 800);
    assert_eq!(rep.last_seq, 800);
}

#[test]
fn high_water_mark_is_tracked_and_persisted_and_feeds_the_drawdown_breaker() {
    let d = tempfile::tempdir().unwrap();
    {
        let mut s = active(d.path());
        s.set_equity(100_000.0).unwrap();
        s.set_equity(120_000.0).unwrap();
        s.set_equity(110_000.0).unwrap();
        assert_eq!(s.high_water_mark(), Some(120_000.0));
    }
    let mut s = open(d.path());
    assert_eq!(s.high_water_mark(), Some(120_000.0), "survives restart");
    // 16.7 % below the persisted mark: critical → HALTED, journaled as a violation.
    let br = s
        .evaluate_period(&PeriodObservation {
            equity: Some(100_000.0),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(br.len(), 1, "{br:?}");
    assert_eq!(s.state(), TradingState::Halted);
    let (entries, _) = read_dir(d.path()).unwrap();
    assert!(entries.iter().any(
        |e| matches!(&e.event, Event::Violation { rule, .. } if rule == "max_drawdown_ratio")
    ));
    assert_eq!(s.counts().breaches, 1);
}

#[test]
fn violations_per_1000_trades_counts_denials_and_breaches() {
    let d = tempfile::tempdir().unwrap();
    let mut s = active(d.path());
    s.set_equity(100.0).unwrap();
    let o = order(&s);
    for _ in 0..998 {
        s.check_order(&o).unwrap();
    }
    s.check_order(&Order {
        quantity: f64::NAN,
        ..o
    })
    .unwrap();
    s.check_order(&o).unwrap();
    s.evaluate_period(&PeriodObservation {
        equity: Some(94.0),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s.counts().violations_per_1000_trades(), Some(2.0));
    let (entries, _) = read_dir(d.path()).unwrap();
    assert_eq!(
        tradewarden_guardrails::journal::violations_per_1000_trades(&entries),
        Some(2.0),
        "the journal says the same"
    );
}

/// Reproduction: a negative drawdown (the seeds' sign) passed the gate.
#[test]
fn negative_canary_drawdown_is_refused_or_fails_the_gate() {
    let m = CanaryMachine::new(CanaryConfig::default()).unwrap();
    let o = StageObservation {
        days: 30,
        real_pnl: 100.0,
        sim_pnl: 100.0,
        drawdown: -0.5,
        slippage_ratio: 1.0,
        critical_alerts: 0,
        precision: 0.9,
        baseline_precision: 0.9,
    };
    let e = m.try_evaluate(&o).unwrap_err();
    assert!(e.to_string().contains("positive fraction"), "{e}");
    let ev = m.evaluate(&o);
    assert!(
        ev.checks
            .iter()
            .any(|c| c.name == "max_drawdown" && !c.passed)
            || !matches!(
                ev.action,
                tradewarden_guardrails::canary::StageAction::Advance { .. }
            )
    );
    let ok = StageObservation { drawdown: 0.5, ..o };
    assert!(m.try_evaluate(&ok).is_ok());
}

#[test]
fn a_failed_canary_stage_runs_the_rollback_plan_in_the_library() {
    let d = tempfile::tempdir().unwrap();
    let mut s = active(d.path());
    let o = StageObservation {
        days: 1,
        real_pnl: 0.0,
        sim_pnl: 1.0,
        drawdown: 0.0,
        slippage_ratio: 1.0,
        critical_alerts: 2,
        precision: 0.9,
        baseline_precision: 0.9,
    };
    let plan = RollbackPlan::quant_bot("canary failed", "canary");
    let mut restored = 0;
    let mut restore = || {
        restored += 1;
        Ok::<_, String>("m: active = 3".to_string())
    };
    let out = s
        .evaluate_canary(CanaryConfig::default(), &o, true, &plan, Some(&mut restore))
        .unwrap();
    let rb = out.rollback.expect("rollback ran");
    assert!(!rb.failed(), "{rb:?}");
    assert_eq!(restored, 1);
    assert_eq!(s.state(), TradingState::Killed);
    assert!(s.overrides().learning_frozen);
    assert!((s.overrides().size_override - 0.10).abs() < 1e-12);
    assert!(s.canary_state().unwrap().rolled_back);
    // After the kill is cleared, orders are clipped to 10 %.
    s.remove_kill_switch("ops", "rollback reviewed").unwrap();
    s.reset(TradingState::Active, "ops", "rollback reviewed")
        .unwrap();
    let ord = order(&s);
    assert_eq!(
        s.check_order(&ord).unwrap(),
        Decision::Clip {
            quantity: 1.0,
            reason: DenyReason::SizeOverride
        }
    );
    // The overrides persist for the next process.
    let s2 = open(d.path());
    assert!(s2.overrides().learning_frozen);
    assert!((s2.engine().size_override() - 0.10).abs() < 1e-12);
}

#[test]
fn in_memory_session_behaves_like_the_engine() {
    let mut s = Session::open(&policy(), 1000.0, SessionConfig::default()).unwrap();
    assert!(!s.watching());
    assert_eq!(s.state(), TradingState::Halted);
    s.set_state(TradingState::Active).unwrap();
    let o = order(&s);
    assert!(s.check_order(&o).unwrap().is_allowed());
    s.kill("x", "y").unwrap();
    assert!(!s.check_order(&o).unwrap().is_allowed());
    let bad = SessionConfig {
        watch_interval_s: 0.0,
        ..SessionConfig::default()
    };
    assert!(Session::open(&policy(), 1000.0, bad).is_err());
}

/// Reproduction (found by the Python door's fault tests): a KILL_SWITCH
/// written from outside (never latched in the state file) released trading
/// when removed, without a named reset.
#[test]
fn removing_an_outside_kill_switch_never_releases_without_a_reset() {
    let d = tempfile::tempdir().unwrap();
    let mut s = active(d.path());
    std::fs::write(d.path().join("KILL_SWITCH"), b"").unwrap();
    assert!(wait_for(|| s.state() == TradingState::Killed).is_some());
    assert_eq!(s.sync().unwrap(), TradingState::Killed);
    assert_eq!(
        StateStore::open(d.path()).unwrap().record().state,
        TradingState::Killed,
        "sync latches the switch in the state file"
    );
    std::fs::remove_file(d.path().join("KILL_SWITCH")).unwrap();
    std::fs::write(d.path().join("KILL_SWITCH"), b"").unwrap();
    let mut t = active_dir_store_state_active(d.path());
    std::fs::write(d.path().join("KILL_SWITCH"), b"again").unwrap();
    t.remove_kill_switch("ops", "checked").unwrap();
    assert_eq!(
        t.state(),
        TradingState::Killed,
        "still KILLED until a reset"
    );
    t.reset(TradingState::Active, "ops", "checked").unwrap();
    assert_eq!(t.state(), TradingState::Active);
}

/// A directory whose state file says ACTIVE (no switch), opened fresh.
fn active_dir_store_state_active(dir: &Path) -> Session {
    let _ = std::fs::remove_file(dir.join("KILL_SWITCH"));
    let mut s = open(dir);
    s.reset(TradingState::Active, "ops", "fresh").unwrap();
    s
}

/// Found by the `journal` fuzz target: verify panicked (u64 underflow) on a
/// first record with seq 0; a blank last line broke the chain on the next
/// append; a torn line in the newest rotated file (no current file) was
/// never repaired.
#[test]
fn journal_fuzz_findings_are_fixed() {
    use tradewarden_guardrails::journal::verify;
    // 1. seq 0.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join(CURRENT),
        b"{\"seq\":0,\"ts\":1.0,\"kind\":\"repair\",\"file\":\"x\",\"truncated_bytes\":1}\n",
    )
    .unwrap();
    let rep = verify(d.path()).unwrap();
    assert!(!rep.ok());
    // 2. A blank last line, and a file of one newline.
    for tail in [&b"\n\n"[..], &b"   \n"[..]] {
        let d = tempfile::tempdir().unwrap();
        {
            let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
            j.record_override("a", "b", "r1").unwrap();
        }
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(d.path().join(CURRENT))
            .unwrap();
        f.write_all(tail).unwrap();
        drop(f);
        let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
        j.record_override("a", "b", "r2").unwrap();
        let rep = verify(d.path()).unwrap();
        assert!(rep.ok(), "{rep}");
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(CURRENT), b"\n").unwrap();
    let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
    j.record_override("a", "b", "first").unwrap();
    assert!(verify(d.path()).unwrap().ok());
    // 3. A torn line in journal.1.jsonl and no journal.jsonl.
    let d = tempfile::tempdir().unwrap();
    {
        let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
        j.record_override("a", "b", "r1").unwrap();
    }
    let mut b = std::fs::read(d.path().join(CURRENT)).unwrap();
    b.extend_from_slice(b"{\"seq\":2,\"ts\":1.0,\"ki");
    std::fs::remove_file(d.path().join(CURRENT)).unwrap();
    std::fs::write(d.path().join("journal.1.jsonl"), b).unwrap();
    let mut j = Journal::open(JournalConfig::new(d.path())).unwrap();
    j.record_override("a", "b", "r2").unwrap();
    let rep = verify(d.path()).unwrap();
    assert!(rep.ok(), "{rep}");
    let (entries, bad) = read_dir(d.path()).unwrap();
    assert_eq!(bad, 0);
    assert!(matches!(entries[1].event, Event::Repair { .. }));
}

/// One kill, one transition record: the store journals it under its lock;
/// a second kill of a KILLED directory adds none.
#[test]
fn a_kill_is_journaled_once() {
    let d = tempfile::tempdir().unwrap();
    let mut s = active(d.path());
    s.kill("desk limit", "").unwrap();
    drop(s);
    kill_state_dir(d.path(), "again", "ops", true).unwrap();
    let (entries, _) = read_dir(d.path()).unwrap();
    let kills: Vec<_> = entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Transition {
                to: TradingState::Killed,
                actor,
                ..
            } => Some(actor.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(kills, vec!["unspecified".to_string()]);
}

/// Regression (found by the guardrails conformance cases): `sync` on a fresh
/// directory (what the Python and C `status`/`sync` do right after open), then
/// a reset: the session stayed HALTED in memory, so a later critical period
/// breach was "already HALTED" and never persisted — the directory said ACTIVE
/// after a restart (fail open). The watcher is slowed to 1 s so it cannot mend
/// the in-memory state in between.
#[test]
fn a_breach_after_sync_and_reset_on_a_fresh_directory_is_persisted() {
    let d = tempfile::tempdir().unwrap();
    let cfg = SessionConfig {
        watch_interval_s: 1.0,
        ..SessionConfig::in_dir(d.path())
    };
    let mut s = Session::open(&policy(), 100_000.0, cfg).unwrap();
    assert_eq!(s.sync().unwrap(), TradingState::Halted);
    s.reset(TradingState::Active, "ops", "start of day")
        .unwrap();
    assert_eq!(s.state(), TradingState::Active);
    assert!(s.check_order(&order(&s)).unwrap().is_allowed());
    s.set_equity(100_000.0).unwrap();
    let b = s
        .evaluate_period(&PeriodObservation {
            equity: Some(85_000.0),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(s.state(), TradingState::Halted);
    drop(s);
    assert_eq!(open(d.path()).state(), TradingState::Halted);
}
