//! Append-only JSONL audit journal: decisions, transitions, overrides, approvals, violations.
//!
//! One JSON object per line, `{"seq", "ts", "kind", …}`. The current file is
//! `journal.jsonl`; when it reaches `max_bytes` it is renamed to
//! `journal.<n>.jsonl` (n = 1, 2, …, never reused) and a new file is started.
//! Durability is set by [`FsyncPolicy`]. A torn last line (crash mid-append)
//! is skipped by [`read_dir`] and counted, never fatal.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{Decision, Side};
use crate::error::{Error, Result};
use crate::state::{TradingState, now_s};

/// When appended lines are fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FsyncPolicy {
    /// After every record (durable, slowest).
    Always,
    /// After every `n` records, and on rotation and drop.
    EveryN(u32),
    /// Never explicitly (the OS decides); still flushed on rotation.
    Never,
}

/// Journal configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalConfig {
    /// Directory of the journal files.
    pub dir: PathBuf,
    /// Rotate when the current file reaches this many bytes (> 0).
    pub max_bytes: u64,
    /// Fsync policy.
    pub fsync: FsyncPolicy,
}

/// One journal event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A pre-trade decision (counts as one trade for the SLO).
    Decision {
        /// Symbol name.
        symbol: String,
        /// Side.
        side: Side,
        /// Requested quantity.
        quantity: f64,
        /// Outcome.
        decision: Decision,
    },
    /// A trading-state transition.
    Transition {
        /// Previous state.
        from: TradingState,
        /// New state.
        to: TradingState,
        /// Why.
        reason: String,
        /// Who (`system` for automatic).
        actor: String,
    },
    /// A human override (e.g. manual reset, limit change): who, why, what.
    Override {
        /// Who.
        who: String,
        /// Why.
        why: String,
        /// What was overridden.
        what: String,
    },
    /// A human approval (e.g. canary promotion): who, why, what.
    Approval {
        /// Who.
        who: String,
        /// Why.
        why: String,
        /// What was approved.
        what: String,
    },
    /// A rule violation (period limit, exposure policy).
    Violation {
        /// Rule name.
        rule: String,
        /// Observed value.
        value: f64,
        /// Limit (absent when undefined).
        threshold: Option<f64>,
    },
}

/// A journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Sequence number, increasing across rotations.
    pub seq: u64,
    /// Unix seconds.
    pub ts: f64,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

/// Current file name.
pub const CURRENT: &str = "journal.jsonl";

/// An open journal.
///
/// ```
/// use tradewarden_guardrails::journal::{Journal, JournalConfig, FsyncPolicy, Event, read_dir};
/// let dir = tempfile::tempdir().unwrap();
/// let mut j = Journal::open(JournalConfig { dir: dir.path().into(), max_bytes: 1 << 20,
///     fsync: FsyncPolicy::Always }).unwrap();
/// j.append(Event::Approval { who: "alice".into(), why: "canary clean".into(),
///     what: "promote canary_1".into() }).unwrap();
/// let (entries, torn) = read_dir(dir.path()).unwrap();
/// assert_eq!((entries.len(), torn), (1, 0));
/// ```
#[derive(Debug)]
pub struct Journal {
    cfg: JournalConfig,
    file: File,
    bytes: u64,
    seq: u64,
    next_index: u64,
    unsynced: u32,
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn check_human(who: &str, why: &str) -> Result<()> {
    if who.trim().is_empty() {
        return Err(Error::invalid(
            "who",
            "\"\"",
            "a human record must name who",
        ));
    }
    if why.trim().is_empty() {
        return Err(Error::invalid("why", "\"\"", "a human record must say why"));
    }
    Ok(())
}

fn rotated_index(name: &str) -> Option<u64> {
    name.strip_prefix("journal.")?
        .strip_suffix(".jsonl")?
        .parse()
        .ok()
}

impl Journal {
    /// Opens (or creates) the journal in `cfg.dir`, continuing its sequence.
    pub fn open(cfg: JournalConfig) -> Result<Journal> {
        if cfg.max_bytes == 0 {
            return Err(Error::invalid("max_bytes", 0, "must be > 0"));
        }
        if let FsyncPolicy::EveryN(0) = cfg.fsync {
            return Err(Error::invalid("fsync.every_n", 0, "must be > 0"));
        }
        std::fs::create_dir_all(&cfg.dir).map_err(|e| io(&cfg.dir, e))?;
        let (entries, _) = read_dir(&cfg.dir)?;
        let seq = entries.last().map(|e| e.seq).unwrap_or(0);
        let mut next_index = 1;
        for d in std::fs::read_dir(&cfg.dir).map_err(|e| io(&cfg.dir, e))? {
            let d = d.map_err(|e| io(&cfg.dir, e))?;
            if let Some(i) = d.file_name().to_str().and_then(rotated_index) {
                next_index = next_index.max(i + 1);
            }
        }
        let path = cfg.dir.join(CURRENT);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        let bytes = file.metadata().map_err(|e| io(&path, e))?.len();
        Ok(Journal {
            cfg,
            file,
            bytes,
            seq,
            next_index,
            unsynced: 0,
        })
    }

    /// Appends one event (one `write` of one line), fsyncing per policy, rotating when full.
    pub fn append(&mut self, event: Event) -> Result<u64> {
        let path = self.cfg.dir.join(CURRENT);
        let entry = Entry {
            seq: self.seq + 1,
            ts: now_s(),
            event,
        };
        let mut line = serde_json::to_vec(&entry)
            .map_err(|e| Error::invalid("event", entry.seq, e.to_string()))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(|e| io(&path, e))?;
        self.seq = entry.seq;
        self.bytes += line.len() as u64;
        self.unsynced += 1;
        let sync = match self.cfg.fsync {
            FsyncPolicy::Always => true,
            FsyncPolicy::EveryN(n) => self.unsynced >= n,
            FsyncPolicy::Never => false,
        };
        if sync {
            self.sync()?;
        }
        if self.bytes >= self.cfg.max_bytes {
            self.rotate()?;
        }
        Ok(entry.seq)
    }

    /// Fsyncs the current file.
    pub fn sync(&mut self) -> Result<()> {
        let path = self.cfg.dir.join(CURRENT);
        self.file.sync_data().map_err(|e| io(&path, e))?;
        self.unsynced = 0;
        Ok(())
    }

    fn rotate(&mut self) -> Result<()> {
        self.sync()?;
        let cur = self.cfg.dir.join(CURRENT);
        let to = self
            .cfg
            .dir
            .join(format!("journal.{}.jsonl", self.next_index));
        std::fs::rename(&cur, &to).map_err(|e| io(&to, e))?;
        self.next_index += 1;
        self.file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cur)
            .map_err(|e| io(&cur, e))?;
        self.bytes = 0;
        if let Ok(d) = File::open(&self.cfg.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Records a pre-trade decision (outside the hot path: this allocates).
    pub fn record_decision(
        &mut self,
        symbol: &str,
        side: Side,
        quantity: f64,
        decision: Decision,
    ) -> Result<u64> {
        self.append(Event::Decision {
            symbol: symbol.to_string(),
            side,
            quantity,
            decision,
        })
    }

    /// Last sequence number written.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Records appended since the last fsync (0 right after a sync or a
    /// rotation). With [`FsyncPolicy::Always`] it is always 0 after
    /// `append`; with `EveryN(n)` it stays below `n`.
    pub fn pending_sync(&self) -> u32 {
        self.unsynced
    }

    /// The configuration the journal was opened with.
    pub fn config(&self) -> &JournalConfig {
        &self.cfg
    }

    /// Records a human override (who, why, what; the entry's `ts` is when).
    /// `who` and `why` must be non-empty.
    pub fn record_override(&mut self, who: &str, why: &str, what: &str) -> Result<u64> {
        check_human(who, why)?;
        self.append(Event::Override {
            who: who.to_string(),
            why: why.to_string(),
            what: what.to_string(),
        })
    }

    /// Records a human approval (who, why, what; the entry's `ts` is when).
    /// `who` and `why` must be non-empty.
    pub fn record_approval(&mut self, who: &str, why: &str, what: &str) -> Result<u64> {
        check_human(who, why)?;
        self.append(Event::Approval {
            who: who.to_string(),
            why: why.to_string(),
            what: what.to_string(),
        })
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        if self.cfg.fsync != FsyncPolicy::Never {
            let _ = self.file.sync_data();
        }
    }
}

/// Reads every journal file of `dir` (rotated files first, in order, then the
/// current one). Returns the entries and the number of unparseable lines skipped.
pub fn read_dir(dir: &Path) -> Result<(Vec<Entry>, usize)> {
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(io(dir, e)),
    };
    for d in rd {
        let d = d.map_err(|e| io(dir, e))?;
        let name = d.file_name();
        let Some(name) = name.to_str() else { continue };
        if name == CURRENT {
            files.push((u64::MAX, d.path()));
        } else if let Some(i) = rotated_index(name) {
            files.push((i, d.path()));
        }
    }
    files.sort();
    let mut out = Vec::new();
    let mut bad = 0;
    for (_, p) in files {
        let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Entry>(line) {
                Ok(e) => out.push(e),
                Err(_) => bad += 1,
            }
        }
    }
    Ok((out, bad))
}

/// Guardrail violations per 1000 trades: (denied decisions + violation
/// records) × 1000 ÷ decision records. `None` when there are no decisions.
pub fn violations_per_1000_trades(entries: &[Entry]) -> Option<f64> {
    let mut trades = 0u64;
    let mut violations = 0u64;
    for e in entries {
        match &e.event {
            Event::Decision { decision, .. } => {
                trades += 1;
                if !decision.is_allowed() {
                    violations += 1;
                }
            }
            Event::Violation { .. } => violations += 1,
            _ => {}
        }
    }
    (trades > 0).then(|| violations as f64 * 1000.0 / trades as f64)
}
