//! Append-only, hash-chained JSONL audit journal: decisions, transitions,
//! overrides, approvals, violations.
//!
//! One JSON object per line, `{"seq", "ts", "prev", "kind", …}`. `prev` is the
//! SHA-256 (hex) of the previous line's bytes (without its newline), so an
//! edited, removed or reordered record breaks the chain and [`verify`] names
//! the first one; the first record's `prev` is 64 zeros. The current file is
//! `journal.jsonl`; when it reaches `max_bytes` it is renamed to
//! `journal.<n>.jsonl` (n = 1, 2, …, never reused) and a new file is started —
//! the chain continues across files.
//!
//! Crash safety: [`Journal::open`] reads only the *tail* of the newest file
//! (never the history). A torn last line (a crash mid-append) is truncated
//! away and the repair is recorded as the next record
//! ([`Event::Repair`]). Several processes may append to one journal: every
//! append takes an advisory lock (`journal.lock`), re-reads the chain head
//! when another process appended since, and writes one line. An unreadable
//! line (invalid UTF-8, a flipped byte) is reported and skipped by
//! [`read_dir`], never fatal. Non-finite numbers are written as the strings
//! `"NaN"`, `"Infinity"`, `"-Infinity"` and read back exactly.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{Decision, Side};
use crate::error::{Error, Result};
use crate::state::{TradingState, now_s};

/// Default rotation size of a journal file (64 MiB): the one default every
/// door uses.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Default fsync policy: every 100 records (and on rotation, drop, and after
/// every transition, override and approval recorded by a
/// [`crate::Session`]).
pub const DEFAULT_FSYNC: FsyncPolicy = FsyncPolicy::EveryN(100);
/// `prev` of the first record of a journal.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Name of the advisory lock file beside the journal files.
pub const LOCK_FILE: &str = "journal.lock";

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

impl std::str::FromStr for FsyncPolicy {
    type Err = Error;
    /// `always`, `never` or `every_N` (N > 0).
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "always" => Ok(FsyncPolicy::Always),
            "never" => Ok(FsyncPolicy::Never),
            _ => match s.strip_prefix("every_").map(str::parse::<u32>) {
                Some(Ok(n)) if n > 0 => Ok(FsyncPolicy::EveryN(n)),
                _ => Err(Error::invalid(
                    "journal_fsync",
                    format!("{s:?}"),
                    "expected 'always', 'never' or 'every_N' with N > 0",
                )),
            },
        }
    }
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

impl JournalConfig {
    /// The defaults ([`DEFAULT_MAX_BYTES`], [`DEFAULT_FSYNC`]) for `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> JournalConfig {
        JournalConfig {
            dir: dir.into(),
            max_bytes: DEFAULT_MAX_BYTES,
            fsync: DEFAULT_FSYNC,
        }
    }
}

/// Serde for `f64` that keeps non-finite values: numbers as JSON numbers,
/// NaN/±inf as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub mod f64_text {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes one `f64`.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if *v > 0.0 {
            s.serialize_str("Infinity")
        } else {
            s.serialize_str("-Infinity")
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumOrText {
        Num(f64),
        Text(String),
    }

    /// Deserializes one `f64` written by [`serialize`] (or a plain number).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match NumOrText::deserialize(d)? {
            NumOrText::Num(v) => Ok(v),
            NumOrText::Text(t) => match t.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" | "inf" => Ok(f64::INFINITY),
                "-Infinity" | "-inf" => Ok(f64::NEG_INFINITY),
                other => Err(serde::de::Error::custom(format!(
                    "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", got {other:?}"
                ))),
            },
        }
    }

    /// The same for `Option<f64>` (`null` = `None`).
    pub mod opt {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serializes an optional `f64`.
        pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(x) => super::serialize(x, s),
                None => s.serialize_none(),
            }
        }

        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super")] f64);

        /// Deserializes an optional `f64`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
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
        #[serde(with = "f64_text")]
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
        #[serde(with = "f64_text")]
        value: f64,
        /// Limit (absent when undefined).
        #[serde(with = "f64_text::opt", default)]
        threshold: Option<f64>,
    },
    /// The journal repaired a torn tail at open (a crash mid-append).
    Repair {
        /// The file that was truncated.
        file: String,
        /// Bytes of the torn line removed.
        truncated_bytes: u64,
    },
}

/// A journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Sequence number, increasing by one across rotations.
    pub seq: u64,
    /// Unix seconds.
    #[serde(with = "f64_text")]
    pub ts: f64,
    /// SHA-256 (hex) of the previous line; `None` only in journals written
    /// before the chain existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

/// Current file name.
pub const CURRENT: &str = "journal.jsonl";

/// Hex SHA-256 of a line's bytes (without the newline).
pub fn line_hash(line: &[u8]) -> String {
    let d = Sha256::digest(line);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    s
}

/// The head of a hash chain: the last sequence number and the hash of the
/// last line. [`Chain::line`] encodes the next record; used by [`Journal`]
/// and by anyone who writes journal files (the demo writes one in memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// Last sequence number (0 before the first record).
    pub seq: u64,
    /// Hash of the last line ([`GENESIS`] before the first record).
    pub prev: String,
}

impl Default for Chain {
    fn default() -> Self {
        Chain {
            seq: 0,
            prev: GENESIS.to_string(),
        }
    }
}

impl Chain {
    /// Encodes the next record (without newline) and advances the head.
    /// `seq` overflow is a typed error.
    pub fn line(&mut self, ts: f64, event: Event) -> Result<Vec<u8>> {
        let seq = self.seq.checked_add(1).ok_or_else(|| {
            Error::invalid(
                "seq",
                self.seq,
                "journal sequence number would overflow u64",
            )
        })?;
        let entry = Entry {
            seq,
            ts,
            prev: Some(std::mem::take(&mut self.prev)),
            event,
        };
        let line = match serde_json::to_vec(&entry) {
            Ok(l) => l,
            Err(e) => {
                self.prev = entry.prev.unwrap_or_default();
                return Err(Error::invalid("event", seq, e.to_string()));
            }
        };
        self.seq = seq;
        self.prev = line_hash(&line);
        Ok(line)
    }
}

/// An open journal.
///
/// ```
/// use tradewarden_guardrails::journal::{Journal, JournalConfig, Event, read_dir, verify};
/// let dir = tempfile::tempdir().unwrap();
/// let mut j = Journal::open(JournalConfig::new(dir.path())).unwrap();
/// j.append(Event::Approval { who: "alice".into(), why: "canary clean".into(),
///     what: "promote canary_1".into() }).unwrap();
/// let (entries, torn) = read_dir(dir.path()).unwrap();
/// assert_eq!((entries.len(), torn), (1, 0));
/// assert!(verify(dir.path()).unwrap().ok());
/// ```
#[derive(Debug)]
pub struct Journal {
    cfg: JournalConfig,
    file: File,
    lock: File,
    bytes: u64,
    chain: Chain,
    next_index: u64,
    unsynced: u32,
    repaired: Option<(String, u64)>,
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

/// The journal files of `dir` in order (rotated by index, then the current).
fn journal_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
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
    Ok(files)
}

/// What the tail of one file says.
struct Tail {
    /// Length up to and including the last newline.
    complete_len: u64,
    /// Bytes after the last newline (a torn line).
    torn: u64,
    /// The chain head after the last complete line, if the file has one.
    head: Option<Chain>,
}

/// Reads the tail of `f` backwards in growing windows until the last
/// complete line and the last *parseable* line are found (never the whole
/// history unless the file is one line or all unparseable lines).
fn read_tail(f: &mut File, path: &Path) -> Result<Tail> {
    let len = f.metadata().map_err(|e| io(path, e))?.len();
    if len == 0 {
        return Ok(Tail {
            complete_len: 0,
            torn: 0,
            head: None,
        });
    }
    let mut window: u64 = 16 * 1024;
    loop {
        let start = len.saturating_sub(window);
        let mut buf = vec![0u8; (len - start) as usize];
        f.seek(SeekFrom::Start(start)).map_err(|e| io(path, e))?;
        f.read_exact(&mut buf).map_err(|e| io(path, e))?;
        let last_nl = buf.iter().rposition(|&b| b == b'\n');
        let Some(last_nl) = last_nl else {
            if start == 0 {
                // One torn line and nothing else.
                return Ok(Tail {
                    complete_len: 0,
                    torn: len,
                    head: None,
                });
            }
            window = window.saturating_mul(4);
            continue;
        };
        let complete_len = start + last_nl as u64 + 1;
        let torn = len - complete_len;
        // Lines fully inside the window (the first piece may be cut unless start == 0).
        let body = &buf[..last_nl];
        let mut pieces: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
        let first_is_whole = start == 0;
        if !first_is_whole {
            pieces.remove(0);
        }
        // Blank lines are no records (verify and read_dir skip them): the
        // chain head is the last non-blank line.
        while pieces
            .last()
            .is_some_and(|p| p.iter().all(u8::is_ascii_whitespace))
        {
            pieces.pop();
        }
        let Some(last_line) = pieces.last().copied() else {
            if start == 0 {
                return Ok(Tail {
                    complete_len,
                    torn,
                    head: None,
                });
            }
            window = window.saturating_mul(4);
            continue;
        };
        let prev = line_hash(last_line);
        // The last parseable line gives the sequence number; unparseable
        // lines after it each count as one record.
        let mut after = 0u64;
        let mut found = None;
        for p in pieces.iter().rev() {
            if p.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Entry>(p) {
                Ok(e) => {
                    found = Some(e.seq);
                    break;
                }
                Err(_) => after += 1,
            }
        }
        match found {
            Some(seq) => {
                return Ok(Tail {
                    complete_len,
                    torn,
                    head: Some(Chain {
                        seq: seq.saturating_add(after),
                        prev,
                    }),
                });
            }
            None if start == 0 => {
                return Ok(Tail {
                    complete_len,
                    torn,
                    head: Some(Chain { seq: after, prev }),
                });
            }
            None => window = window.saturating_mul(4),
        }
    }
}

impl Journal {
    /// Opens (or creates) the journal in `cfg.dir`, continuing its chain
    /// from the tail of the newest file. A torn last line is truncated and
    /// the repair recorded as the next record.
    pub fn open(cfg: JournalConfig) -> Result<Journal> {
        if cfg.max_bytes == 0 {
            return Err(Error::invalid("max_bytes", 0, "must be > 0"));
        }
        if let FsyncPolicy::EveryN(0) = cfg.fsync {
            return Err(Error::invalid("fsync.every_n", 0, "must be > 0"));
        }
        std::fs::create_dir_all(&cfg.dir).map_err(|e| io(&cfg.dir, e))?;
        let lock_path = cfg.dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io(&lock_path, e))?;
        let path = cfg.dir.join(CURRENT);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| io(&path, e))?;
        let mut j = Journal {
            cfg,
            file,
            lock,
            bytes: 0,
            chain: Chain::default(),
            next_index: 1,
            unsynced: 0,
            repaired: None,
        };
        j.lock.lock().map_err(|e| io(&lock_path, e))?;
        let r = j.refresh_head(true);
        let _ = j.lock.unlock();
        r?;
        if let Some((file, truncated_bytes)) = j.repaired.take() {
            j.append(Event::Repair {
                file,
                truncated_bytes,
            })?;
            j.sync()?;
        }
        Ok(j)
    }

    /// Under the lock: makes sure `self.file` is the current file and the
    /// chain head matches its tail (another process may have appended,
    /// rotated, or crashed mid-line).
    fn refresh_head(&mut self, force: bool) -> Result<()> {
        let path = self.cfg.dir.join(CURRENT);
        let same_file = {
            use std::os::unix::fs::MetadataExt;
            match (std::fs::metadata(&path), self.file.metadata()) {
                (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
                _ => false,
            }
        };
        if !same_file {
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .read(true)
                .open(&path)
                .map_err(|e| io(&path, e))?;
        }
        let len = self.file.metadata().map_err(|e| io(&path, e))?.len();
        if !force && same_file && len == self.bytes {
            return Ok(());
        }
        let tail = read_tail(&mut self.file, &path)?;
        if tail.torn > 0 {
            self.file
                .set_len(tail.complete_len)
                .map_err(|e| io(&path, e))?;
            self.file.sync_all().map_err(|e| io(&path, e))?;
            self.repaired = Some((CURRENT.to_string(), tail.torn));
        }
        self.bytes = tail.complete_len;
        let mut next_index = 1;
        let files = journal_files(&self.cfg.dir)?;
        for (i, _) in &files {
            if *i != u64::MAX {
                next_index = next_index.max(i + 1);
            }
        }
        self.next_index = next_index;
        self.chain = match tail.head {
            Some(h) => h,
            None => {
                // Empty current file: the chain continues from the newest rotated file.
                match files.iter().rev().find(|(i, _)| *i != u64::MAX) {
                    Some((_, p)) => {
                        let mut f = OpenOptions::new()
                            .read(true)
                            .write(true)
                            .open(p)
                            .map_err(|e| io(p, e))?;
                        let t = read_tail(&mut f, p)?;
                        if t.torn > 0 {
                            // A torn line in the newest rotated file (the
                            // current one was never created): repair it too.
                            f.set_len(t.complete_len).map_err(|e| io(p, e))?;
                            f.sync_all().map_err(|e| io(p, e))?;
                            let name = p
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            self.repaired = Some((name, t.torn));
                        }
                        t.head.unwrap_or_default()
                    }
                    None => Chain::default(),
                }
            }
        };
        Ok(())
    }

    /// Appends one event (one `write` of one line) under the journal lock,
    /// fsyncing per policy, rotating when full. Returns its sequence number.
    pub fn append(&mut self, event: Event) -> Result<u64> {
        let lock_path = self.cfg.dir.join(LOCK_FILE);
        self.lock.lock().map_err(|e| io(&lock_path, e))?;
        let r = self.append_locked(event);
        let _ = self.lock.unlock();
        r
    }

    fn append_locked(&mut self, event: Event) -> Result<u64> {
        self.refresh_head(false)?;
        if let Some((file, truncated_bytes)) = self.repaired.take() {
            self.write_line(Event::Repair {
                file,
                truncated_bytes,
            })?;
        }
        self.write_line(event)
    }

    fn write_line(&mut self, event: Event) -> Result<u64> {
        let path = self.cfg.dir.join(CURRENT);
        let saved = self.chain.clone();
        let mut line = self.chain.line(now_s(), event)?;
        line.push(b'\n');
        if let Err(e) = self.file.write_all(&line) {
            self.chain = saved;
            // A partial write leaves a torn line: the next append repairs it.
            self.bytes = u64::MAX;
            return Err(io(&path, e));
        }
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
        Ok(self.chain.seq)
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
            .read(true)
            .open(&cur)
            .map_err(|e| io(&cur, e))?;
        self.bytes = 0;
        let d = File::open(&self.cfg.dir).map_err(|e| io(&self.cfg.dir, e))?;
        d.sync_all().map_err(|e| io(&self.cfg.dir, e))?;
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

    /// Last sequence number written (by this or, as of its last append,
    /// another process).
    pub fn seq(&self) -> u64 {
        self.chain.seq
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

/// Calls `f(file, line_number, bytes)` for every non-blank line of every
/// journal file in order, streaming (memory bounded by the longest line).
fn for_each_line(
    dir: &Path,
    mut f: impl FnMut(&Path, u64, &[u8], bool) -> Result<()>,
) -> Result<usize> {
    let files = journal_files(dir)?;
    let n = files.len();
    for (k, (_, p)) in files.iter().enumerate() {
        let file = File::open(p).map_err(|e| io(p, e))?;
        let mut r = BufReader::with_capacity(64 * 1024, file);
        let mut buf = Vec::new();
        let mut line_no = 0u64;
        loop {
            buf.clear();
            let got = r.read_until(b'\n', &mut buf).map_err(|e| io(p, e))?;
            if got == 0 {
                break;
            }
            line_no += 1;
            let terminated = buf.last() == Some(&b'\n');
            if terminated {
                buf.pop();
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // Only the newest file's last line can legitimately be torn.
            let torn = !terminated && k + 1 == n;
            f(p, line_no, &buf, torn)?;
        }
    }
    Ok(n)
}

/// Reads every journal file of `dir` (rotated files first, in order, then the
/// current one). Returns the entries and the number of unreadable lines
/// skipped (torn, invalid UTF-8, not an entry) — never fatal.
pub fn read_dir(dir: &Path) -> Result<(Vec<Entry>, usize)> {
    let mut out = Vec::new();
    let mut bad = 0;
    for_each_line(dir, |_, _, line, _| {
        match serde_json::from_slice::<Entry>(line) {
            Ok(e) => out.push(e),
            Err(_) => bad += 1,
        }
        Ok(())
    })?;
    Ok((out, bad))
}

/// What [`verify`] found wrong first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum ChainProblem {
    /// The record's bytes no longer hash to what the next record says
    /// (an edit of this record, or of the next record's `prev`).
    Edited {
        /// Sequence number of the edited record.
        seq: u64,
    },
    /// Records are missing between two records.
    Missing {
        /// First missing sequence number.
        from_seq: u64,
        /// Last missing sequence number.
        to_seq: u64,
    },
    /// A record's sequence number is not after its predecessor's
    /// (`after_seq` 0: the first record has seq 0; numbering starts at 1).
    Reordered {
        /// The record's sequence number.
        seq: u64,
        /// Its predecessor's.
        after_seq: u64,
    },
    /// A line that is not a journal entry (corrupted bytes, torn line in a
    /// rotated file).
    Unreadable {
        /// Sequence number the line should have had.
        expected_seq: u64,
    },
    /// The newest file ends in a torn line (a crash mid-append; the next
    /// [`Journal::open`] repairs it).
    TornTail,
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Edited { seq } => write!(
                f,
                "record seq = {seq} was edited (its hash differs from the next record's prev)"
            ),
            ChainProblem::Missing { from_seq, to_seq } if from_seq == to_seq => {
                write!(f, "record seq = {from_seq} is missing")
            }
            ChainProblem::Missing { from_seq, to_seq } => {
                write!(f, "records seq = {from_seq}..={to_seq} are missing")
            }
            ChainProblem::Reordered { seq, after_seq } => {
                write!(
                    f,
                    "record seq = {seq} comes after seq = {after_seq} (reordered)"
                )
            }
            ChainProblem::Unreadable { expected_seq } => write!(
                f,
                "the line where seq = {expected_seq} was expected is not a journal record"
            ),
            ChainProblem::TornTail => write!(f, "the newest file ends in a torn line"),
        }
    }
}

impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.problem {
            None => write!(
                f,
                "ok: {} records in {} file(s), chain verifies (last seq {})",
                self.records, self.files, self.last_seq
            ),
            Some(p) => write!(
                f,
                "{p} (at {}, line {})",
                self.problem_file.as_deref().unwrap_or("?"),
                self.problem_line.unwrap_or(0)
            ),
        }
    }
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Journal files read.
    pub files: usize,
    /// Records read.
    pub records: u64,
    /// Records without a hash (written before the chain existed).
    pub unchained: u64,
    /// Last sequence number.
    pub last_seq: u64,
    /// The first problem, with where it is.
    pub problem: Option<ChainProblem>,
    /// File of the first problem.
    pub problem_file: Option<String>,
    /// Line (1-based, in that file) of the first problem.
    pub problem_line: Option<u64>,
}

impl VerifyReport {
    /// Whether the chain verified with no problem.
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// Verifies the hash chain and the sequence of every journal file in `dir`,
/// streaming; reports the first edited, missing, reordered or unreadable
/// record. The last record's own bytes are covered only by the next record:
/// an edit of the very last record is not detectable from the journal alone.
pub fn verify(dir: &Path) -> Result<VerifyReport> {
    let mut rep = VerifyReport {
        files: 0,
        records: 0,
        unchained: 0,
        last_seq: 0,
        problem: None,
        problem_file: None,
        problem_line: None,
    };
    let mut prev_hash: Option<String> = None;
    let mut prev_seq: Option<u64> = None;
    let mut last_seq: Option<u64> = None;
    let mut tentative: Option<(ChainProblem, Option<String>, u64)> = None;
    let mut gap_to = 0u64;
    let mut prev_loc: (Option<String>, u64) = (None, 0);
    let files = for_each_line(dir, |p, line_no, line, torn| {
        let problem = if torn {
            Some(ChainProblem::TornTail)
        } else {
            match serde_json::from_slice::<Entry>(line) {
                Err(_) => Some(ChainProblem::Unreadable {
                    expected_seq: prev_seq.map_or(1, |s| s.saturating_add(1)),
                }),
                Ok(e) => {
                    rep.records += 1;
                    rep.last_seq = e.seq;
                    let mut pr = None;
                    if let Some(ps) = prev_seq {
                        if e.seq <= ps {
                            pr = Some(ChainProblem::Reordered {
                                seq: e.seq,
                                after_seq: ps,
                            });
                        } else if e.seq > ps.saturating_add(1) {
                            pr = Some(ChainProblem::Missing {
                                from_seq: ps.saturating_add(1),
                                to_seq: e.seq - 1,
                            });
                        }
                    } else if e.seq == 0 {
                        // Sequence numbers start at 1: seq 0 is not after the start.
                        pr = Some(ChainProblem::Reordered {
                            seq: 0,
                            after_seq: 0,
                        });
                    } else if e.seq != 1 {
                        pr = Some(ChainProblem::Missing {
                            from_seq: 1,
                            to_seq: e.seq - 1,
                        });
                    } else if e.prev.as_deref().is_some_and(|p| p != GENESIS) {
                        pr = Some(ChainProblem::Edited { seq: 1 });
                    }
                    match (&e.prev, &prev_hash) {
                        (None, _) => rep.unchained += 1,
                        (Some(p), Some(h)) if pr.is_none() && p != h => {
                            pr = Some(ChainProblem::Edited {
                                seq: prev_seq.unwrap_or(0),
                            });
                        }
                        _ => {}
                    }
                    prev_seq = Some(e.seq);
                    pr
                }
            }
        };
        prev_hash = Some(line_hash(line));
        let mut here = (
            p.file_name().map(|n| n.to_string_lossy().into_owned()),
            line_no,
        );
        let this_loc = here.clone();
        if matches!(problem, Some(ChainProblem::Edited { .. })) && prev_loc.1 > 0 {
            // The edited record is the previous line.
            here = prev_loc.clone();
        }
        prev_loc = this_loc;
        if rep.problem.is_none() {
            // A gap followed at once by the missing record is a swap.
            if let Some((ChainProblem::Missing { from_seq, .. }, f, l)) = tentative.take() {
                let (pr, f, l) = match (&problem, last_seq) {
                    (Some(ChainProblem::Reordered { seq, after_seq }), _) if *seq == from_seq => (
                        ChainProblem::Reordered {
                            seq: *seq,
                            after_seq: *after_seq,
                        },
                        here.0.clone(),
                        here.1,
                    ),
                    _ => (
                        ChainProblem::Missing {
                            from_seq,
                            to_seq: gap_to,
                        },
                        f,
                        l,
                    ),
                };
                rep.problem = Some(pr);
                rep.problem_file = f;
                rep.problem_line = Some(l);
            } else if let Some(pr) = problem {
                if matches!(pr, ChainProblem::Missing { .. }) {
                    if let ChainProblem::Missing { to_seq, .. } = pr {
                        gap_to = to_seq;
                    }
                    tentative = Some((pr, here.0, here.1));
                } else {
                    rep.problem = Some(pr);
                    rep.problem_file = here.0;
                    rep.problem_line = Some(here.1);
                }
            }
        }
        last_seq = prev_seq;
        Ok(())
    })?;
    if rep.problem.is_none()
        && let Some((pr, f, l)) = tentative
    {
        rep.problem = Some(pr);
        rep.problem_file = f;
        rep.problem_line = Some(l);
    }
    rep.files = files;
    Ok(rep)
}

/// Counts behind [`violations_per_1000_trades`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalStats {
    /// Decision records.
    pub trades: u64,
    /// Denied decisions.
    pub denials: u64,
    /// Violation records (period and exposure breaches).
    pub violations: u64,
    /// (denials + violations) × 1000 ÷ trades; `None` without trades.
    pub per_1000: Option<f64>,
}

/// Decisions, denials and violation records of a journal.
pub fn journal_stats(entries: &[Entry]) -> JournalStats {
    let mut s = JournalStats::default();
    for e in entries {
        match &e.event {
            Event::Decision { decision, .. } => {
                s.trades += 1;
                if !decision.is_allowed() {
                    s.denials += 1;
                }
            }
            Event::Violation { .. } => s.violations += 1,
            _ => {}
        }
    }
    s.per_1000 =
        (s.trades > 0).then(|| (s.denials + s.violations) as f64 * 1000.0 / s.trades as f64);
    s
}

/// Guardrail violations per 1000 trades: (denied decisions + violation
/// records) × 1000 ÷ decision records. `None` when there are no decisions.
pub fn violations_per_1000_trades(entries: &[Entry]) -> Option<f64> {
    journal_stats(entries).per_1000
}
