//! Bytes → the files of a journal directory (`journal.jsonl`, optionally a
//! rotated `journal.1.jsonl`) → `verify`, `read_dir`, `Journal::open`,
//! `append`, `verify` again. Nothing may panic; `open` leaves no torn tail;
//! when the garbage verified clean (or only had a torn tail, which open
//! repairs), the chain verifies clean after open + appends.
//!
//! Layout: byte 0 = flags (bits 0–1: appends − 1; bit 2: rotate at 256
//! bytes; bit 3: fsync always; bit 4: no current file), then the current
//! file's bytes — or, when they contain the line `=====\n`, the rotated
//! file's bytes before it and the current file's after it.
//!
//! Its three findings (docs/reliability.md, "Fuzzing": `verify` underflow
//! on seq 0, a blank last line taken as the chain head, a torn line in a
//! rotated file never repaired) are fixed (regression test
//! `journal_fuzz_findings_are_fixed`); their seeds stay in
//! `fuzz/corpus/journal/regression-*` and every check here is strict.
//!
//! The directory is one per process (on tmpfs when there is one), emptied
//! before every input: an input sees only the files it wrote.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradewarden_guardrails::journal::{
    self, CURRENT, ChainProblem, Event, FsyncPolicy, Journal, JournalConfig,
};
use tradewarden_guardrails::{Decision, DenyReason, Side};

const SEP: &[u8] = b"=====\n";

fn split_sep(b: &[u8]) -> (Option<&[u8]>, &[u8]) {
    match tradewarden_fuzz::find(b, SEP) {
        Some(i) => (Some(&b[..i]), &b[i + SEP.len()..]),
        None => (None, b),
    }
}

fn event(k: usize) -> Event {
    match k % 4 {
        0 => Event::Approval {
            who: "fuzz".into(),
            why: "fuzzing".into(),
            what: "promote".into(),
        },
        1 => Event::Violation {
            rule: "daily_loss_ratio".into(),
            value: f64::NAN,
            threshold: Some(f64::INFINITY),
        },
        2 => Event::Decision {
            symbol: "AAPL".into(),
            side: Side::Sell,
            quantity: 1.5,
            decision: Decision::Clip {
                quantity: 0.5,
                reason: DenyReason::MaxOrderQuantity,
            },
        },
        _ => Event::Override {
            who: "ops".into(),
            why: "reset".into(),
            what: "state".into(),
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    // One scratch directory per process (tmpfs when there is one), emptied
    // for every input.
    let d = tradewarden_fuzz::fresh_scratch();
    let (rotated, current) = split_sep(rest);
    if let Some(r) = rotated {
        std::fs::write(d.join("journal.1.jsonl"), r).expect("write rotated");
    }
    if flags & 16 == 0 || rotated.is_none() {
        std::fs::write(d.join(CURRENT), current).expect("write current");
    }

    let before = journal::verify(d).expect("verify reads a readable directory");
    let _ = journal::read_dir(d).expect("read_dir reads a readable directory");
    // A torn tail (in the current or the newest rotated file) is repaired
    // by open; any other problem stays.
    let clean_before = matches!(before.problem, None | Some(ChainProblem::TornTail));

    let cfg = JournalConfig {
        dir: d.to_path_buf(),
        max_bytes: if flags & 4 != 0 { 256 } else { 1 << 20 },
        fsync: if flags & 8 != 0 {
            FsyncPolicy::Always
        } else {
            FsyncPolicy::Never
        },
    };
    let Ok(mut j) = Journal::open(cfg) else {
        return;
    };
    // Open repairs a torn tail: the current file now ends in a newline.
    let cur = std::fs::read(d.join(CURRENT)).expect("current file exists after open");
    assert!(
        cur.is_empty() || cur.last() == Some(&b'\n'),
        "open left a torn tail"
    );
    let mut appended = true;
    let n = usize::from(flags & 3) + 1;
    for k in 0..n {
        let seq_before = j.seq();
        match j.append(event(k)) {
            Ok(seq) => assert_eq!(Some(seq), seq_before.checked_add(1), "seq of an append"),
            Err(_) => appended = false,
        }
    }
    let _ = j.sync();
    drop(j);

    let after = journal::verify(d).expect("verify after appends");
    let (entries, _) = journal::read_dir(d).expect("read_dir after appends");
    assert!(entries.len() >= n || !appended);
    if clean_before && appended {
        assert!(
            after.ok(),
            "a clean journal (before: {before}) no longer verifies after open + {n} appends: {after}"
        );
    }
});
