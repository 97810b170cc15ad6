//! The guardrails audit journal (`tradewarden_guardrails::journal`): an
//! append-only, hash-chained JSONL file per directory (`journal.jsonl`,
//! rotated to `journal.<n>.jsonl`), one `{"seq", "ts", "prev", "kind", …}`
//! object per line, `prev` the SHA-256 of the previous line.
//!
//! `tw_journal_verify` runs `journal::verify`: the hash chain and the
//! sequence across every file; the first edited, missing, reordered or
//! unreadable record is `TW_ERR_CORRUPT`, named with its file and line. A
//! torn last line (a crash mid-append, repaired by the next open) is counted,
//! not fatal.

use std::ffi::c_char;
use std::path::Path;

use tradewarden_core::config::{ConfigFormat, parse_config};
use tradewarden_guardrails::journal::{
    self, ChainProblem, Event, FsyncPolicy, Journal, JournalConfig,
};

use crate::handle::{self, Tagged, handle};
use crate::{
    Failure, TW_ERR_CORRUPT, TW_ERR_INVALID_INPUT, guard, non_null, req_str, tw_status, write_out,
};

/// When appended records are fsynced (one of `TW_FSYNC_*`).
pub type tw_fsync = u32;
/// After every record (durable, slowest).
pub const TW_FSYNC_ALWAYS: tw_fsync = 0;
/// After every `fsync_every_n` records, and on rotation and `tw_journal_free`.
pub const TW_FSYNC_EVERY_N: tw_fsync = 1;
/// Never explicitly (the OS decides); still flushed on rotation.
pub const TW_FSYNC_NEVER: tw_fsync = 2;

/// Options of `tw_journal_open`. Passing NULL means the defaults of the
/// Python binding, which `tw_journal_options_default` also writes:
/// `max_bytes` 64 MiB, `fsync` `TW_FSYNC_EVERY_N`, `fsync_every_n` 100.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tw_journal_options {
    /// Rotate when the current file reaches this many bytes (> 0; default 64 MiB).
    pub max_bytes: u64,
    /// One of `TW_FSYNC_*` (default `TW_FSYNC_EVERY_N`).
    pub fsync: tw_fsync,
    /// N of `TW_FSYNC_EVERY_N` (> 0; ignored otherwise; default 100).
    pub fsync_every_n: u32,
}

const DEFAULT_JOURNAL_OPTIONS: tw_journal_options = tw_journal_options {
    max_bytes: 64 * 1024 * 1024,
    fsync: TW_FSYNC_EVERY_N,
    fsync_every_n: 100,
};

/// Writes the default journal options (see `tw_journal_options`) to `out`.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_options_default(out: *mut tw_journal_options) -> tw_status {
    // SAFETY: forwarded caller contract.
    guard(|| unsafe { write_out(out, "out", DEFAULT_JOURNAL_OPTIONS) })
}

/// An open journal. Not thread-safe: use it from one thread at a time (it
/// may move between threads). Run one writer per directory.
#[derive(Debug)]
pub struct tw_journal(Tagged<Journal>);
handle!(tw_journal, Journal, b"twJOURNL");

/// # Safety
/// `j` must be NULL or a journal of this library not used concurrently.
unsafe fn journal_mut<'a>(j: *mut tw_journal) -> Result<&'a mut Journal, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live_mut(j, "journal") }
}

/// Opens (creating it and its parents if needed) the journal in directory
/// `dir`, continuing its sequence numbers (`opts` NULL: the defaults of
/// `tw_journal_options`). `max_bytes` 0, `fsync_every_n` 0 with
/// `TW_FSYNC_EVERY_N` or an unknown `fsync` code is `TW_ERR_INVALID_INPUT`;
/// a directory that cannot be created or read `TW_ERR_IO`. Free with
/// `tw_journal_free` (which fsyncs unless `TW_FSYNC_NEVER`).
///
/// # Safety
/// `dir` must be a NUL-terminated string, `opts` NULL or valid, `out` valid
/// for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_open(
    dir: *const c_char,
    opts: *const tw_journal_options,
    out: *mut *mut tw_journal,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let dir = unsafe { req_str(dir, "dir")? };
        let o = if opts.is_null() {
            DEFAULT_JOURNAL_OPTIONS
        } else {
            // SAFETY: non-NULL and valid by the caller's contract.
            unsafe { *opts }
        };
        non_null(out, "out")?;
        let fsync = match o.fsync {
            TW_FSYNC_ALWAYS => FsyncPolicy::Always,
            TW_FSYNC_EVERY_N => FsyncPolicy::EveryN(o.fsync_every_n),
            TW_FSYNC_NEVER => FsyncPolicy::Never,
            other => {
                return Err(Failure(
                    TW_ERR_INVALID_INPUT,
                    format!(
                        "invalid fsync = {other}: expected TW_FSYNC_ALWAYS, _EVERY_N or _NEVER"
                    ),
                ));
            }
        };
        let inner = Journal::open(JournalConfig {
            dir: dir.into(),
            max_bytes: o.max_bytes,
            fsync,
        })?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_journal>(out, inner) }
    })
}

/// The event kinds a journal record may have.
const KINDS: [&str; 5] = [
    "decision",
    "transition",
    "override",
    "approval",
    "violation",
];

/// Appends one event: `kind` is one of "decision", "transition",
/// "override", "approval", "violation" and `fields_json` a JSON object of
/// that kind's fields (docs/guardrails.md), e.g. for "violation"
/// `{"rule": "daily_loss", "value": -5200.0, "threshold": -5000.0}` and for
/// "override" `{"who": "alice", "why": "…", "what": "…"}`. The record gets
/// the next sequence number and the current time; its `seq` is written to
/// `seq` (may be NULL). An unknown kind, a document that is not a JSON
/// object, or missing or mistyped fields are `TW_ERR_INVALID_INPUT` (the
/// message names `kind` or `fields_json` and the problem); a failed write
/// `TW_ERR_IO`. Nothing is appended on error. A field the kind does not have
/// is ignored and not recorded (as by the Rust `Event` type).
///
/// # Safety
/// `journal` must be a live journal not used concurrently; `kind` and
/// `fields_json` NUL-terminated strings; `seq` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_append(
    journal: *mut tw_journal,
    kind: *const c_char,
    fields_json: *const c_char,
    seq: *mut u64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let j = unsafe { journal_mut(journal)? };
        // SAFETY: forwarded caller contract.
        let kind = unsafe { req_str(kind, "kind")? };
        // SAFETY: forwarded caller contract.
        let fields = unsafe { req_str(fields_json, "fields_json")? };
        if !KINDS.contains(&kind) {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!(
                    "invalid kind = {kind:?}: expected \"decision\", \"transition\", \"override\", \"approval\" or \"violation\""
                ),
            ));
        }
        let body = fields.trim();
        let Some(inner) = body.strip_prefix('{').and_then(|b| b.strip_suffix('}')) else {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!("invalid fields_json = {fields:?}: must be a JSON object"),
            ));
        };
        // `kind` is one of KINDS (plain ASCII): no escaping needed.
        let doc = if inner.trim().is_empty() {
            format!("{{\"kind\":\"{kind}\"}}")
        } else {
            format!("{{\"kind\":\"{kind}\",{inner}}}")
        };
        let event: Event = parse_config(&doc, ConfigFormat::Json).map_err(|e| {
            Failure(
                TW_ERR_INVALID_INPUT,
                format!("invalid fields_json for kind {kind:?}: {e}"),
            )
        })?;
        let s = j.append(event)?;
        // SAFETY: forwarded caller contract (`seq` NULL or valid).
        unsafe { write_seq(seq, s) };
        Ok(())
    })
}

/// Writes `s` to `seq` unless it is NULL.
///
/// # Safety
/// `seq` NULL or valid for one write.
unsafe fn write_seq(seq: *mut u64, s: u64) {
    if !seq.is_null() {
        // SAFETY: checked non-NULL; valid by the caller's contract.
        unsafe { *seq = s };
    }
}

/// The body of `tw_journal_record_override` / `_approval`: `record` is the
/// journal method.
///
/// # Safety
/// As those functions.
unsafe fn record_human(
    journal: *mut tw_journal,
    who: *const c_char,
    why: *const c_char,
    what: *const c_char,
    seq: *mut u64,
    record: fn(&mut Journal, &str, &str, &str) -> tradewarden_guardrails::Result<u64>,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let j = unsafe { journal_mut(journal)? };
        // SAFETY: forwarded caller contract.
        let (who, why, what) = unsafe {
            (
                req_str(who, "who")?,
                req_str(why, "why")?,
                req_str(what, "what")?,
            )
        };
        let s = record(j, who, why, what)?;
        // SAFETY: forwarded caller contract.
        unsafe { write_seq(seq, s) };
        Ok(())
    })
}

/// Records a human override (`who`, `why`, `what`; the record's time is
/// now); `who` and `why` must not be blank (`TW_ERR_INVALID_INPUT`). The
/// record's sequence number is written to `seq` (may be NULL).
///
/// # Safety
/// `journal` must be a live journal not used concurrently; the strings
/// NUL-terminated; `seq` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_record_override(
    journal: *mut tw_journal,
    who: *const c_char,
    why: *const c_char,
    what: *const c_char,
    seq: *mut u64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { record_human(journal, who, why, what, seq, Journal::record_override) }
}

/// Records a human approval (`who`, `why`, `what`; e.g. a canary
/// promotion); as `tw_journal_record_override`.
///
/// # Safety
/// `journal` must be a live journal not used concurrently; the strings
/// NUL-terminated; `seq` NULL or valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_record_approval(
    journal: *mut tw_journal,
    who: *const c_char,
    why: *const c_char,
    what: *const c_char,
    seq: *mut u64,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe { record_human(journal, who, why, what, seq, Journal::record_approval) }
}

/// Writes the last sequence number written (0 for a new, empty journal) to `out`.
///
/// # Safety
/// `journal` must be a live journal, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_seq(journal: *const tw_journal, out: *mut u64) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let j = unsafe { handle::live(journal, "journal")? };
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", j.seq()) }
    })
}

/// Fsyncs the current journal file now (whatever the fsync policy).
///
/// # Safety
/// `journal` must be a live journal not used concurrently.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_sync(journal: *mut tw_journal) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let j = unsafe { journal_mut(journal)? };
        j.sync()?;
        Ok(())
    })
}

/// The words of a chain problem for the error message.
fn describe(p: &ChainProblem) -> String {
    match p {
        ChainProblem::Edited { seq } => {
            format!("record seq = {seq} was edited (its hash differs from the next record's prev)")
        }
        ChainProblem::Missing { from_seq, to_seq } if from_seq == to_seq => {
            format!("record seq = {from_seq} is missing")
        }
        ChainProblem::Missing { from_seq, to_seq } => {
            format!("records seq = {from_seq}..={to_seq} are missing")
        }
        ChainProblem::Reordered { seq, after_seq } => {
            format!("record seq = {seq} comes after seq = {after_seq} (reordered or duplicated)")
        }
        ChainProblem::Unreadable { expected_seq } => {
            format!("the line where seq = {expected_seq} was expected is not a journal record")
        }
        ChainProblem::TornTail => "the newest file ends in a torn line".into(),
    }
}

/// Verifies the journal of `dir` (`journal::verify`): the hash chain (each
/// record's `prev` is the SHA-256 of the line before it) and the sequence
/// numbers, across the rotated files and the current one. Writes the number
/// of records to `entries` and of torn lines to `skipped` (0 or 1: the
/// newest file's last line after a crash mid-append, which the next open
/// repairs — not fatal). `TW_ERR_CORRUPT` for the first edited, missing,
/// reordered/duplicated or unreadable record — the message names the
/// sequence numbers and the file and line of the problem (for an edited
/// record, its own line); then nothing is written. An edit of
/// the very last record is not detectable from the journal alone. A
/// directory that does not exist holds no records (`TW_OK`, 0 and 0); one
/// that cannot be read is `TW_ERR_IO`. May run while another handle appends
/// (a record being written may show as torn).
///
/// # Safety
/// `dir` must be a NUL-terminated string; `entries` and `skipped` valid for
/// one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_verify(
    dir: *const c_char,
    entries: *mut u64,
    skipped: *mut u64,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let dir = unsafe { req_str(dir, "dir")? };
        non_null(entries, "entries")?;
        non_null(skipped, "skipped")?;
        let rep = journal::verify(Path::new(dir))?;
        let torn = match &rep.problem {
            None => 0,
            Some(ChainProblem::TornTail) => 1,
            Some(p) => {
                return Err(Failure(
                    TW_ERR_CORRUPT,
                    format!(
                        "journal {dir:?}: {} (found at {}, line {})",
                        describe(p),
                        rep.problem_file.as_deref().unwrap_or("?"),
                        rep.problem_line.unwrap_or(0)
                    ),
                ));
            }
        };
        // SAFETY: both checked non-NULL above.
        unsafe {
            *entries = rep.records;
            *skipped = torn;
        }
        Ok(())
    })
}

/// Closes a journal (fsyncing it unless `TW_FSYNC_NEVER`); NULL is a no-op.
///
/// # Safety
/// `journal` must be NULL or a journal from `tw_journal_open` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_journal_free(journal: *mut tw_journal) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(journal, "journal") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::TW_OK;

    #[test]
    fn append_read_back_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let d = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
        let mut j: *mut tw_journal = std::ptr::null_mut();
        assert_eq!(
            unsafe { tw_journal_open(d.as_ptr(), std::ptr::null(), &mut j) },
            TW_OK
        );
        let mut seq = 0u64;
        let st = unsafe {
            tw_journal_append(
                j,
                c"violation".as_ptr(),
                c"{\"rule\": \"daily_loss\", \"value\": -5200.0, \"threshold\": -5000.0}".as_ptr(),
                &mut seq,
            )
        };
        assert_eq!((st, seq), (TW_OK, 1));
        let st = unsafe {
            tw_journal_record_approval(
                j,
                c"alice".as_ptr(),
                c"canary clean".as_ptr(),
                c"promote".as_ptr(),
                &mut seq,
            )
        };
        assert_eq!((st, seq), (TW_OK, 2));
        let st = unsafe {
            tw_journal_append(
                j,
                c"violation".as_ptr(),
                c"{\"rule\": 1}".as_ptr(),
                &mut seq,
            )
        };
        assert_eq!((st, seq), (TW_ERR_INVALID_INPUT, 2));
        unsafe { tw_journal_free(j) };
        let (entries, bad) = journal::read_dir(dir.path()).unwrap();
        assert_eq!(bad, 0);
        assert_eq!(
            entries[0].event,
            Event::Violation {
                rule: "daily_loss".into(),
                value: -5200.0,
                threshold: Some(-5000.0)
            }
        );
        let (mut n, mut s) = (0u64, 9u64);
        assert_eq!(
            unsafe { tw_journal_verify(d.as_ptr(), &mut n, &mut s) },
            TW_OK
        );
        assert_eq!((n, s), (2, 0));
    }
}
