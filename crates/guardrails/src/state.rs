//! Trading state ACTIVE → REDUCING → HALTED → KILLED, latched and persisted.
//!
//! Escalation (to a more severe state) is always allowed and needs a reason.
//! De-escalation happens only through [`StateStore::manual_reset`], which
//! names who and why. Every transition is written atomically
//! (`tradewarden_core::fs::write_atomic`: temp file, fsync, rename, dir fsync)
//! *before* it takes effect in memory. On start, a missing or corrupt state
//! file means HALTED, never ACTIVE. A `KILL_SWITCH` file in the same directory
//! (Quant Bot runbook: `{activated_at, reason, activated_by}`, though any
//! content — even `{}` or garbage — counts) means KILLED for every process
//! sharing the directory.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::journal::{Event, Journal};
use crate::telemetry;

/// Trading state, ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradingState {
    /// Orders are checked normally.
    Active,
    /// Only orders that reduce |position| pass.
    Reducing,
    /// Every order is denied.
    Halted,
    /// Every order is denied; the kill switch is (or was) engaged.
    Killed,
}

impl TradingState {
    /// Stable upper-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TradingState::Active => "ACTIVE",
            TradingState::Reducing => "REDUCING",
            TradingState::Halted => "HALTED",
            TradingState::Killed => "KILLED",
        }
    }

    /// Gauge value (0–3).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The state of a [`TradingState::code`]; anything above 3 is KILLED
    /// (fail closed).
    pub const fn from_code(code: u8) -> TradingState {
        match code {
            0 => TradingState::Active,
            1 => TradingState::Reducing,
            2 => TradingState::Halted,
            _ => TradingState::Killed,
        }
    }
}

/// Parses a state name in any case (`active`, `REDUCING`, …), as every
/// door spells it.
///
/// ```
/// use tradewarden_guardrails::TradingState;
/// assert_eq!("halted".parse::<TradingState>().unwrap(), TradingState::Halted);
/// let e = "paused".parse::<TradingState>().unwrap_err().to_string();
/// assert!(e.contains("state") && e.contains("REDUCING"));
/// ```
impl std::str::FromStr for TradingState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        [
            TradingState::Active,
            TradingState::Reducing,
            TradingState::Halted,
            TradingState::Killed,
        ]
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            Error::invalid(
                "state",
                format!("{s:?}"),
                "expected ACTIVE, REDUCING, HALTED or KILLED (any case)",
            )
        })
    }
}

/// The persisted record of the current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRecord {
    /// File format version (1).
    pub version: u32,
    /// The state.
    pub state: TradingState,
    /// Why the last transition happened.
    pub reason: String,
    /// Who caused it (`"system"` for automatic breaches).
    pub actor: String,
    /// Unix seconds of the last transition.
    pub since: f64,
    /// Monotonic transition counter.
    pub seq: u64,
}

/// Contents of the `KILL_SWITCH` file (Quant Bot runbook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KillSwitch {
    /// ISO-8601 or Unix-seconds text of activation.
    pub activated_at: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub activated_by: String,
}

/// How the state was established at open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadOutcome {
    /// The state file was read and trusted.
    Loaded,
    /// No state file: started HALTED.
    Missing,
    /// The state file was unreadable or invalid: started HALTED.
    Corrupt(String),
}

/// File name of the persisted state.
pub const STATE_FILE: &str = "trading_state.json";
/// File name of the kill switch.
pub const KILL_SWITCH_FILE: &str = "KILL_SWITCH";

/// File name of the advisory lock that serialises transitions across processes.
pub const LOCK_FILE: &str = "state.lock";

/// Whether any directory entry named `KILL_SWITCH` exists in `dir` (`lstat`:
/// a dangling symlink counts). Any error but "not found" counts as present
/// (fail closed).
pub fn kill_switch_present_in(dir: &Path) -> bool {
    match std::fs::symlink_metadata(dir.join(KILL_SWITCH_FILE)) {
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
}

/// A kill's reason or actor: blank text is recorded as `"unspecified"` (a
/// kill is never refused for want of words).
pub(crate) fn or_unspecified(s: &str) -> String {
    if s.trim().is_empty() {
        "unspecified".to_string()
    } else {
        s.to_string()
    }
}

pub(crate) fn now_s() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Reads a state file. `Ok(None)` when missing; `Err(Corrupt)` when untrusted.
pub fn read_state_file(path: &Path) -> Result<Option<StateRecord>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    let rec: StateRecord = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if rec.version != 1 {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            reason: format!("unsupported version {}", rec.version),
        });
    }
    Ok(Some(rec))
}

/// Removes temp files (`.trading_state.json.tmp.<pid>.<n>`,
/// `.KILL_SWITCH.tmp.<pid>.<n>`) left by writers that died mid-write. Only
/// where `/proc` shows which processes are alive (Linux), and only files of
/// processes that no longer exist; every failure is ignored (best effort —
/// such a file is never read as state).
fn remove_dead_temp_files(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let rest = [STATE_FILE, KILL_SWITCH_FILE]
            .iter()
            .find_map(|f| name.strip_prefix(&format!(".{f}.tmp.")));
        let Some(pid) = rest
            .and_then(|r| r.split('.').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The latched, persisted trading state of one state directory.
///
/// ```
/// use tradewarden_guardrails::{StateStore, TradingState};
/// let dir = tempfile::tempdir().unwrap();
/// let mut s = StateStore::open(dir.path()).unwrap();
/// assert_eq!(s.state(), TradingState::Halted); // missing file: never ACTIVE
/// s.manual_reset(TradingState::Active, "alice", "morning start").unwrap();
/// s.escalate(TradingState::Reducing, "daily loss warning").unwrap();
/// let s2 = StateStore::open(dir.path()).unwrap();
/// assert_eq!(s2.state(), TradingState::Reducing); // survives restart
/// ```
#[derive(Debug)]
pub struct StateStore {
    dir: PathBuf,
    record: StateRecord,
    outcome: LoadOutcome,
    journal: Option<Journal>,
    disk_untrusted: bool,
}

impl StateStore {
    /// Opens the state of `dir` (created if needed). Missing or corrupt → HALTED;
    /// a `KILL_SWITCH` file → KILLED.
    pub fn open(dir: impl AsRef<Path>) -> Result<StateStore> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io {
            path: dir.clone(),
            source: e,
        })?;
        remove_dead_temp_files(&dir);
        let path = dir.join(STATE_FILE);
        let (record, outcome) = match read_state_file(&path) {
            Ok(Some(r)) => (r, LoadOutcome::Loaded),
            Ok(None) => (
                StateRecord {
                    version: 1,
                    state: TradingState::Halted,
                    reason: "no state file: starting halted".into(),
                    actor: "system".into(),
                    since: now_s(),
                    seq: 0,
                },
                LoadOutcome::Missing,
            ),
            Err(e) => (
                StateRecord {
                    version: 1,
                    state: TradingState::Halted,
                    reason: format!("state file untrusted: {e}"),
                    actor: "system".into(),
                    since: now_s(),
                    seq: 0,
                },
                LoadOutcome::Corrupt(e.to_string()),
            ),
        };
        let store = StateStore {
            dir,
            record,
            outcome,
            journal: None,
            disk_untrusted: false,
        };
        store.publish();
        Ok(store)
    }

    /// How the state was established at open.
    pub fn load_outcome(&self) -> &LoadOutcome {
        &self.outcome
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of the kill-switch file.
    pub fn kill_switch_path(&self) -> PathBuf {
        self.dir.join(KILL_SWITCH_FILE)
    }

    /// Whether any directory entry named `KILL_SWITCH` exists (file,
    /// directory, symlink — dangling or not; any content). Fails closed: if
    /// its existence cannot be determined (permission or I/O error on the
    /// directory), the switch counts as present.
    pub fn kill_switch_present(&self) -> bool {
        kill_switch_present_in(&self.dir)
    }

    /// Effective state: KILLED if the kill-switch file exists, else the persisted state.
    pub fn state(&self) -> TradingState {
        if self.kill_switch_present() {
            TradingState::Killed
        } else if self.disk_untrusted {
            self.record.state.max(TradingState::Halted)
        } else {
            self.record.state
        }
    }

    /// The persisted record (last transition).
    pub fn record(&self) -> &StateRecord {
        &self.record
    }

    /// Takes the directory's advisory lock (`state.lock`, `flock`), re-reads
    /// the persisted record (another process may have written since) and
    /// runs `f` on it; `f` returns the transition to write, if any. The
    /// write's `seq` is the fresh record's `seq + 1`: a compare-and-swap on
    /// the persisted sequence, so no transition of another process is lost.
    fn with_lock<T>(
        &mut self,
        f: impl FnOnce(&StateRecord, bool) -> Result<(Option<(TradingState, String, String)>, T)>,
    ) -> Result<T> {
        let lock_path = self.dir.join(LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::Io {
                path: lock_path.clone(),
                source: e,
            })?;
        lock.lock().map_err(|e| Error::Io {
            path: lock_path.clone(),
            source: e,
        })?;
        // The lock is released when `lock` is dropped (also on error).
        let path = self.dir.join(STATE_FILE);
        // What the disk says now is what `state()` reports (as `refresh`):
        // a trusted file clears an earlier missing/untrusted reading.
        let fresh = match read_state_file(&path) {
            Ok(Some(r)) => {
                self.disk_untrusted = false;
                r
            }
            Ok(None) => {
                self.disk_untrusted = true;
                StateRecord {
                    state: TradingState::Halted,
                    ..self.record.clone()
                }
            }
            // Untrusted on disk: the more severe of HALTED and what we knew.
            Err(_) => {
                self.disk_untrusted = true;
                StateRecord {
                    state: self.record.state.max(TradingState::Halted),
                    ..self.record.clone()
                }
            }
        };
        if fresh.seq >= self.record.seq {
            self.record = fresh.clone();
        }
        let kill = self.kill_switch_present();
        let (change, out) = f(&fresh, kill)?;
        if let Some((state, reason, actor)) = change {
            let seq = fresh
                .seq
                .max(self.record.seq)
                .checked_add(1)
                .ok_or_else(|| {
                    Error::invalid(
                        "seq",
                        fresh.seq,
                        "state sequence number would overflow u64; reset the state directory",
                    )
                })?;
            let rec = StateRecord {
                version: 1,
                state,
                reason: reason.clone(),
                actor: actor.clone(),
                since: now_s(),
                seq,
            };
            let bytes = serde_json::to_vec_pretty(&rec)
                .map_err(|e| Error::invalid("state", state.as_str(), e.to_string()))?;
            tradewarden_core::fs::write_atomic(&path, &bytes)?;
            let from = fresh.state;
            self.record = rec;
            // Just written: the disk holds a trusted record again (without
            // this, a `refresh` that once saw no file kept `state()` at
            // HALTED after a reset, and later escalations were dropped).
            self.disk_untrusted = false;
            telemetry::publish_transition(state, self.state());
            // Journaled under the state lock: the journal's transitions are
            // in the order of the state file's sequence numbers.
            if let Some(j) = self.journal.as_mut() {
                j.append(Event::Transition {
                    from,
                    to: state,
                    reason,
                    actor,
                })?;
                j.sync()?;
            }
            drop(lock);
        }
        Ok(out)
    }

    /// Re-reads the persisted record (no lock: writes are atomic renames).
    /// Returns whether it changed. A missing or untrusted file on disk is
    /// kept as the last trusted record but [`StateStore::state`] is then at
    /// least HALTED (fail closed).
    pub fn refresh(&mut self) -> bool {
        let path = self.dir.join(STATE_FILE);
        match read_state_file(&path) {
            Ok(Some(r)) => {
                let changed = r != self.record;
                self.record = r;
                self.disk_untrusted = false;
                changed
            }
            _ => {
                let changed = !self.disk_untrusted;
                self.disk_untrusted = true;
                changed
            }
        }
    }

    /// Journals every later transition (and manual resets as overrides).
    /// The state file stays the source of truth: if a journal append fails
    /// the transition has already taken effect and the error is returned.
    pub fn attach_journal(&mut self, journal: Journal) {
        self.journal = Some(journal);
    }

    /// The attached journal, if any.
    pub fn journal_mut(&mut self) -> Option<&mut Journal> {
        self.journal.as_mut()
    }

    /// The attached journal, if any.
    pub fn journal(&self) -> Option<&Journal> {
        self.journal.as_ref()
    }

    fn publish(&self) {
        telemetry::publish_state(self.state());
    }

    /// Re-publishes the state gauges (e.g. after installing a metrics recorder,
    /// or to notice a `KILL_SWITCH` file written by another process).
    pub fn publish_telemetry(&self) {
        self.publish();
    }

    /// Latches a more severe state with a reason (system actor). Escalating to the
    /// current or a less severe state is a no-op returning `false`.
    ///
    /// A blank reason (empty or whitespace only) is [`Error::InvalidInput`]
    /// (`param = "reason"`) whatever the target: every transition has a reason,
    /// and nothing is persisted.
    pub fn escalate(&mut self, to: TradingState, reason: &str) -> Result<bool> {
        if reason.trim().is_empty() {
            return Err(Error::invalid(
                "reason",
                format!("{reason:?}"),
                "every transition needs a non-blank reason",
            ));
        }
        let reason = reason.to_string();
        self.with_lock(move |fresh, _| {
            if to <= fresh.state {
                Ok((None, false))
            } else {
                Ok((Some((to, reason, "system".to_string())), true))
            }
        })
    }

    /// Named manual reset to any state (usually ACTIVE). Needs `who` and `why`;
    /// refused while the `KILL_SWITCH` file exists (remove it first).
    pub fn manual_reset(&mut self, to: TradingState, who: &str, why: &str) -> Result<()> {
        if who.trim().is_empty() || why.trim().is_empty() {
            return Err(Error::IllegalTransition {
                from: self.state().as_str(),
                to: to.as_str(),
                reason: "a manual reset must name who and why".into(),
            });
        }
        let path = self.kill_switch_path();
        let from = self.with_lock(|fresh, kill| {
            if to < TradingState::Killed && kill {
                return Err(Error::IllegalTransition {
                    from: TradingState::Killed.as_str(),
                    to: to.as_str(),
                    reason: format!(
                        "{} exists; remove it deliberately before resetting",
                        path.display()
                    ),
                });
            }
            Ok((Some((to, why.to_string(), who.to_string())), fresh.state))
        })?;
        if let Some(j) = self.journal.as_mut() {
            j.append(Event::Override {
                who: who.to_string(),
                why: why.to_string(),
                what: format!("manual reset {} -> {}", from.as_str(), to.as_str()),
            })?;
        }
        Ok(())
    }

    /// Engages the kill switch: writes `KILL_SWITCH` atomically (first:
    /// its presence alone means KILLED for every process), then persists
    /// KILLED in the state file under the lock. It never reads the journal.
    /// A kill is never refused: an empty `reason` / `activated_by` is recorded
    /// as `"unspecified"` so the transition still carries a reason and an actor.
    pub fn activate_kill_switch(&mut self, reason: &str, activated_by: &str) -> Result<()> {
        let (reason, activated_by) = (or_unspecified(reason), or_unspecified(activated_by));
        let (reason, activated_by) = (reason.as_str(), activated_by.as_str());
        let ks = KillSwitch {
            activated_at: format!("{:.3}", now_s()),
            reason: reason.to_string(),
            activated_by: activated_by.to_string(),
        };
        // Every step is attempted; a failure never undoes an earlier step
        // and the first failure is returned. A removed directory is
        // recreated (every process watching the path then sees the switch).
        // The switch is created under its final name (not temp + rename):
        // its presence alone means KILLED, so it is visible to every other
        // process the moment it exists, before its content and the fsyncs;
        // a record that cannot be written (disk full, file-size limit)
        // leaves an empty or partial file, which still counts. An existing
        // entry is kept (the first kill's record).
        let _ = std::fs::create_dir_all(&self.dir);
        let path = self.kill_switch_path();
        let first = match serde_json::to_vec_pretty(&ks) {
            Err(e) => Some(Error::invalid("kill_switch", reason, e.to_string())),
            Ok(bytes) => match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write;
                    // Content and file fsync are best effort: the entry exists.
                    let _ = f.write_all(&bytes).and_then(|()| f.sync_all());
                    std::fs::File::open(&self.dir)
                        .and_then(|d| d.sync_all())
                        .err()
                        .map(|e| Error::Io {
                            path: self.dir.clone(),
                            source: e,
                        })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Error::Io { path, source: e }),
            },
        };
        self.publish();
        let (reason, by) = (reason.to_string(), activated_by.to_string());
        let second = self
            .with_lock(move |fresh, _| {
                if fresh.state == TradingState::Killed {
                    Ok((None, ()))
                } else {
                    Ok((Some((TradingState::Killed, reason, by)), ()))
                }
            })
            .err();
        self.publish();
        match first.or(second) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Reads the kill-switch file, if present and parseable.
    pub fn read_kill_switch(&self) -> Option<KillSwitch> {
        let b = std::fs::read(self.kill_switch_path()).ok()?;
        serde_json::from_slice(&b).ok()
    }
}
