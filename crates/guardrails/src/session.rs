//! [`Session`]: the guardrails' operational state as one object — pre-trade
//! engine, persisted state and kill switch, audit journal, period limits,
//! high-water mark, position-size override and learning freeze — with one
//! set of defaults. Python's `Engine`, C's `tw_engine` and the CLI's
//! `guard` commands are thin doors over it, so one scripted scenario gives
//! the same state and journal through every door.
//!
//! ## Kill switch
//! [`Session::kill`] sets KILLED in memory first (the very next
//! `check_order` denies), then writes `KILL_SWITCH` (file and directory
//! fsynced), then the state file, then the journal. A failure of a later step
//! is returned but never undoes an earlier one, and the kill never reads the
//! journal's history.
//!
//! ## One truth across processes
//! Transitions are compare-and-swap on the persisted sequence number under
//! the directory's advisory lock ([`crate::state::LOCK_FILE`]). Each session
//! with a state directory runs a small watcher thread that `stat`s the state
//! file and the `KILL_SWITCH` entry every `watch_interval_s` (2 ms by
//! default) and publishes the effective state into an `AtomicU8` that
//! `check_order` reads with one atomic load — no syscall per order, no
//! allocation. Another process's kill or escalation is therefore visible
//! within about one interval plus a file read. A state requested here whose
//! persistence failed stays in force locally (never less severe than
//! requested) until it is persisted or a named reset is made through this
//! session.
//!
//! ```
//! use tradewarden_guardrails::{Order, Policy, Session, SessionConfig, Side, TradingState};
//! let dir = tempfile::tempdir().unwrap();
//! let policy = Policy::from_toml("[symbols.ES]\n").unwrap();
//! let mut s = Session::open(&policy, 100_000.0, SessionConfig::in_dir(dir.path())).unwrap();
//! assert_eq!(s.state(), TradingState::Halted); // fresh directory: halted
//! s.reset(TradingState::Active, "ops", "start of day").unwrap();
//! let es = s.symbol_id("ES").unwrap();
//! let o = Order { symbol: es, side: Side::Buy, quantity: 1.0, price: 100.0,
//!     reference_price: 100.0, data_timestamp: 1.0, timestamp: 1.0, confidence: f64::NAN };
//! assert!(s.check_order(&o).unwrap().is_allowed());
//! s.kill("desk limit", "alice").unwrap();
//! assert!(!s.check_order(&o).unwrap().is_allowed());
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::{Decision, Engine, Order, Side, SymbolId};
use crate::error::{Error, Result};
use crate::journal::{self, Event, FsyncPolicy, Journal, JournalConfig};
use crate::period::{self, PeriodBreach, PeriodObservation, Severity};
use crate::policy::Policy;
use crate::state::{
    STATE_FILE, StateRecord, StateStore, TradingState, kill_switch_present_in, or_unspecified,
    read_state_file,
};

/// Which pre-trade decisions a session journals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionLog {
    /// Every decision (the default: violations per 1000 trades from the journal).
    All,
    /// Denials and clips only.
    NotAllowed,
    /// None (the allocation-free hot path).
    None,
}

impl std::str::FromStr for DecisionLog {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "all" => Ok(DecisionLog::All),
            "not_allowed" => Ok(DecisionLog::NotAllowed),
            "none" => Ok(DecisionLog::None),
            other => Err(Error::invalid(
                "decisions",
                format!("{other:?}"),
                "expected 'all', 'not_allowed' or 'none'",
            )),
        }
    }
}

/// Session options, defined once for every door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// State directory (state file, `KILL_SWITCH`, journal, high-water mark,
    /// overrides). `None`: an in-memory session (nothing persisted, no kill
    /// switch file, no journal).
    pub state_dir: Option<PathBuf>,
    /// Whether to keep the audit journal in the state directory. Default true.
    pub journal: bool,
    /// Journal rotation size. Default [`journal::DEFAULT_MAX_BYTES`].
    pub journal_max_bytes: u64,
    /// Journal fsync policy for decisions. Default [`journal::DEFAULT_FSYNC`];
    /// transitions, overrides and violations are always fsynced.
    pub journal_fsync: FsyncPolicy,
    /// Which decisions to journal. Default [`DecisionLog::All`].
    pub decisions: DecisionLog,
    /// Seconds between the watcher's checks of the state directory. Default 0.002.
    pub watch_interval_s: f64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            state_dir: None,
            journal: true,
            journal_max_bytes: journal::DEFAULT_MAX_BYTES,
            journal_fsync: journal::DEFAULT_FSYNC,
            decisions: DecisionLog::All,
            watch_interval_s: 0.002,
        }
    }
}

impl SessionConfig {
    /// The defaults with a state directory.
    pub fn in_dir(dir: impl Into<PathBuf>) -> SessionConfig {
        SessionConfig {
            state_dir: Some(dir.into()),
            ..SessionConfig::default()
        }
    }

    fn validate(&self) -> Result<()> {
        if self.journal_max_bytes == 0 {
            return Err(Error::invalid("journal_max_bytes", 0, "must be > 0"));
        }
        if let FsyncPolicy::EveryN(0) = self.journal_fsync {
            return Err(Error::invalid("journal_fsync", "every_0", "N must be > 0"));
        }
        if !(self.watch_interval_s > 0.0 && self.watch_interval_s <= 1.0) {
            return Err(Error::invalid(
                "watch_interval_s",
                self.watch_interval_s,
                "must be in (0, 1] seconds",
            ));
        }
        Ok(())
    }
}

/// Persisted operational overrides (`overrides.json`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Fraction new orders are scaled to (1 = none).
    pub size_override: f64,
    /// Whether model learning/retraining is frozen.
    pub learning_frozen: bool,
}

impl Default for Overrides {
    fn default() -> Self {
        Overrides {
            size_override: 1.0,
            learning_frozen: false,
        }
    }
}

/// File of the persisted high-water mark.
pub const HWM_FILE: &str = "high_water_mark.json";
/// File of the persisted overrides.
pub const OVERRIDES_FILE: &str = "overrides.json";

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HwmRecord {
    high_water_mark: f64,
}

/// The state shared between a session and its watcher.
#[derive(Debug)]
struct Shared {
    /// Effective state as the directory says (kill switch included).
    disk: TradingState,
    /// The most severe state requested here and not yet persisted.
    pending: TradingState,
}

#[derive(Debug)]
struct Cell {
    effective: Arc<AtomicU8>,
    shared: Mutex<Shared>,
    /// Unix milliseconds of the watcher's last completed check.
    heartbeat_ms: AtomicU64,
}

impl Cell {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A poisoned lock only means a panic elsewhere; the data is two enums.
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn publish(&self, s: &Shared) {
        self.effective
            .store(s.disk.max(s.pending).code(), Ordering::Release);
    }
}

/// Fails unless a file can be created in `dir` (a session that could persist
/// no transition must not trade: fail closed at open).
fn probe_writable(dir: &Path) -> Result<()> {
    // Unique per call: sessions opened concurrently in one process must not
    // remove each other's probe.
    static PROBES: AtomicU64 = AtomicU64::new(0);
    let n = PROBES.fetch_add(1, Ordering::Relaxed);
    let p = dir.join(format!(".tw-probe.{}.{n}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)
        .map_err(|e| io(dir, e))?;
    match std::fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(dir, e)),
    }
}

/// Whether a `KILL_SWITCH` entry is positively seen (an `lstat` that
/// succeeds); unlike [`kill_switch_present_in`], an error is "not seen".
fn kill_switch_seen(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(crate::state::KILL_SWITCH_FILE)).is_ok()
}

/// What the directory says right now (fail closed: unreadable → HALTED,
/// undeterminable kill switch → KILLED).
fn disk_state(dir: &Path) -> TradingState {
    if kill_switch_present_in(dir) {
        return TradingState::Killed;
    }
    match read_state_file(&dir.join(STATE_FILE)) {
        Ok(Some(r)) => r.state,
        _ => TradingState::Halted,
    }
}

#[derive(Debug)]
struct Watcher {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

fn now_ms() -> u64 {
    (crate::state::now_s() * 1e3) as u64
}

/// How stale the watcher's last check may be, against an order's own
/// `timestamp`, before `Session::check_order` checks the directory inline.
const WATCHER_STALE_MS: u64 = 10;

fn fingerprint(dir: &Path) -> (bool, Option<(u64, i64, i64, u64)>) {
    use std::os::unix::fs::MetadataExt;
    let ks = kill_switch_present_in(dir);
    let st = std::fs::metadata(dir.join(STATE_FILE))
        .ok()
        .map(|m| (m.ino(), m.mtime(), m.mtime_nsec(), m.len()));
    (ks, st)
}

fn spawn_watcher(dir: PathBuf, cell: Arc<Cell>, interval: Duration) -> Result<Watcher> {
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let handle = std::thread::Builder::new()
        .name("tw-state-watch".into())
        .spawn(move || {
            let mut last = fingerprint(&dir);
            let mut ticks = 0u32;
            while !stop2.load(Ordering::Acquire) {
                std::thread::park_timeout(interval);
                if stop2.load(Ordering::Acquire) {
                    break;
                }
                ticks = ticks.wrapping_add(1);
                let now = fingerprint(&dir);
                // Re-read on any change, and every 64 ticks regardless (a
                // rewrite that kept inode, size and mtime would be missed).
                if now != last || ticks.is_multiple_of(64) {
                    last = now;
                    let d = disk_state(&dir);
                    let mut s = cell.lock();
                    s.disk = d;
                    cell.publish(&s);
                }
                cell.heartbeat_ms.store(now_ms(), Ordering::Release);
            }
        })
        .map_err(|e| Error::Io {
            path: PathBuf::from("<watcher thread>"),
            source: e,
        })?;
    Ok(Watcher {
        stop,
        handle: Some(handle),
    })
}

/// Counts since the session opened (the SLO: violations per 1000 trades).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCounts {
    /// Pre-trade decisions.
    pub trades: u64,
    /// Denied decisions.
    pub denials: u64,
    /// Period and exposure breaches.
    pub breaches: u64,
}

impl SessionCounts {
    /// (denials + breaches) × 1000 ÷ trades; `None` before the first trade.
    pub fn violations_per_1000_trades(&self) -> Option<f64> {
        (self.trades > 0)
            .then(|| (self.denials + self.breaches) as f64 * 1000.0 / self.trades as f64)
    }
}

/// The guardrails' operational state as one object (see the module docs).
#[derive(Debug)]
pub struct Session {
    engine: Engine,
    policy: Policy,
    cfg: SessionConfig,
    store: Option<StateStore>,
    cell: Arc<Cell>,
    watcher: Option<Watcher>,
    hwm: Option<f64>,
    overrides: Overrides,
    counts: SessionCounts,
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| Error::Corrupt {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path, e)),
    }
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    let b = serde_json::to_vec_pretty(v)
        .map_err(|e| Error::invalid("record", path.display(), e.to_string()))?;
    Ok(tradewarden_core::fs::write_atomic(path, &b)?)
}

impl Session {
    /// Opens a session: validates the policy and options, opens the state
    /// directory (missing or corrupt state → HALTED, `KILL_SWITCH` → KILLED;
    /// a directory in which no file can be created is an error — nothing
    /// could be persisted),
    /// the journal, the persisted high-water mark and overrides (a corrupt
    /// file is a typed [`Error::Corrupt`]), and starts the watcher.
    pub fn open(policy: &Policy, equity: f64, cfg: SessionConfig) -> Result<Session> {
        cfg.validate()?;
        let mut engine = Engine::new(policy, equity)?;
        let mut store = None;
        let mut hwm = None;
        let mut overrides = Overrides::default();
        let start = match &cfg.state_dir {
            Some(dir) => {
                let mut s = StateStore::open(dir)?;
                probe_writable(dir)?;
                let st = s.state();
                if cfg.journal {
                    // Attached to the store: transitions are journaled under
                    // the state lock, in sequence order.
                    s.attach_journal(Journal::open(JournalConfig {
                        dir: dir.clone(),
                        max_bytes: cfg.journal_max_bytes,
                        fsync: cfg.journal_fsync,
                    })?);
                }
                hwm = read_json::<HwmRecord>(&dir.join(HWM_FILE))?.map(|r| r.high_water_mark);
                if let Some(o) = read_json::<Overrides>(&dir.join(OVERRIDES_FILE))? {
                    overrides = o;
                }
                store = Some(s);
                st
            }
            None => TradingState::Halted,
        };
        engine.set_size_override(overrides.size_override)?;
        let cell = Arc::new(Cell {
            effective: Arc::new(AtomicU8::new(start.code())),
            shared: Mutex::new(Shared {
                disk: start,
                pending: TradingState::Active,
            }),
            heartbeat_ms: AtomicU64::new(now_ms()),
        });
        engine.attach_shared_state(cell.effective.clone());
        let watcher = match &cfg.state_dir {
            Some(dir) => Some(spawn_watcher(
                dir.clone(),
                cell.clone(),
                Duration::from_secs_f64(cfg.watch_interval_s),
            )?),
            None => None,
        };
        Ok(Session {
            engine,
            policy: policy.clone(),
            cfg,
            store,
            cell,
            watcher,
            hwm,
            overrides,
            counts: SessionCounts::default(),
        })
    }

    /// A session for operations without trading (the CLI's `guard`
    /// commands): an empty policy, equity 1. Kill, escalate, reset and the
    /// overrides behave exactly as in a trading session on the same directory.
    pub fn operator(cfg: SessionConfig) -> Result<Session> {
        Session::open(&Policy::default(), 1.0, cfg)
    }

    /// Re-registers the engine's counters with the current recorder and
    /// re-publishes the state gauges, under the names of the installed
    /// catalog (call after installing the exporter).
    pub fn rebind_telemetry(&mut self) {
        self.engine.rebind_telemetry();
        crate::telemetry::publish_state(self.state());
    }

    /// The options the session was opened with.
    pub fn config(&self) -> &SessionConfig {
        &self.cfg
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The effective trading state (what `check_order` uses).
    pub fn state(&self) -> TradingState {
        self.engine.state()
    }

    /// The last persisted record (`None` for an in-memory session).
    pub fn record(&self) -> Option<&StateRecord> {
        self.store.as_ref().map(StateStore::record)
    }

    /// The state store (`None` for an in-memory session).
    pub fn store(&self) -> Option<&StateStore> {
        self.store.as_ref()
    }

    /// The engine (positions, symbols); the state comes from the session.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, mutable: for the allocation-free hot path use
    /// `engine_mut().check_order(..)` — it reads the same shared state.
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The id of a registered symbol.
    pub fn symbol_id(&self, name: &str) -> Option<SymbolId> {
        self.engine.symbol_id(name)
    }

    /// Counts since open (violations per 1000 trades).
    pub fn counts(&self) -> SessionCounts {
        self.counts
    }

    /// Checks one order and journals it per [`SessionConfig::decisions`].
    /// A journal failure is returned as an error: the caller gets no
    /// decision and must not send (fail closed).
    pub fn check_order(&mut self, o: &Order) -> Result<Decision> {
        // If the watcher thread has not completed a check within 10 ms of
        // the order's own timestamp (a starved thread on an overloaded
        // machine), check the directory inline before deciding: visibility
        // then does not depend on the watcher being scheduled. Orders with
        // synthetic timestamps (backtests) never trigger it; no clock is
        // read on the hot path.
        if self.watcher.is_some() && o.timestamp.is_finite() && o.timestamp > 0.0 {
            let hb = self.cell.heartbeat_ms.load(Ordering::Acquire);
            if (o.timestamp * 1e3) as u64 > hb.saturating_add(WATCHER_STALE_MS) {
                self.check_directory_inline();
            }
        }
        let d = self.engine.check_order(o);
        self.counts.trades += 1;
        if !d.is_allowed() {
            self.counts.denials += 1;
        }
        let log = match self.cfg.decisions {
            DecisionLog::All => true,
            DecisionLog::NotAllowed => d != Decision::Allow,
            DecisionLog::None => false,
        };
        if log && let Some(j) = self.store.as_mut().and_then(StateStore::journal_mut) {
            let name = self.engine.symbol_name(o.symbol).unwrap_or("<unknown>");
            j.record_decision(name, o.side, o.quantity, d)?;
        }
        Ok(d)
    }

    #[cold]
    fn check_directory_inline(&mut self) {
        if let Some(store) = &self.store {
            let d = disk_state(store.dir());
            let mut c = self.cell.lock();
            c.disk = d;
            self.cell.publish(&c);
            drop(c);
            self.cell.heartbeat_ms.store(now_ms(), Ordering::Release);
        }
    }

    fn journal_now(&mut self, event: Event) -> Result<()> {
        if let Some(j) = self.store.as_mut().and_then(StateStore::journal_mut) {
            j.append(event)?;
            j.sync()?;
        }
        Ok(())
    }

    /// Engages the kill switch: KILLED in memory first, then `KILL_SWITCH`,
    /// then the state file, then the journal. Every step is attempted; the
    /// first failure is returned, and the session stays KILLED whatever
    /// failed. Empty `reason`/`activated_by` are recorded as "unspecified".
    pub fn kill(&mut self, reason: &str, activated_by: &str) -> Result<()> {
        let from = self.state();
        {
            let mut s = self.cell.lock();
            s.pending = TradingState::Killed;
            self.cell.publish(&s);
        }
        let mut first: Option<Error> = None;
        if let Some(store) = self.store.as_mut() {
            match store.activate_kill_switch(reason, activated_by) {
                Ok(()) => {}
                Err(e) => first = Some(e),
            }
            // Persisted (the switch positively seen, or the state written)
            // → the directory says KILLED. An undeterminable switch (an
            // lstat error) keeps the kill pending here.
            if kill_switch_seen(store.dir()) || store.record().state == TradingState::Killed {
                let mut s = self.cell.lock();
                s.disk = TradingState::Killed;
                s.pending = TradingState::Active;
                self.cell.publish(&s);
            }
        }
        // The store journals the transition under its lock when it writes
        // the state file; only when that write failed does a best-effort
        // record say so here (never a second record for one kill).
        let state_unwritten = self
            .store
            .as_ref()
            .is_some_and(|st| st.record().state != TradingState::Killed);
        let r = if state_unwritten {
            self.journal_now(Event::Transition {
                from,
                to: TradingState::Killed,
                reason: or_unspecified(reason),
                actor: or_unspecified(activated_by),
            })
        } else {
            Ok(())
        };
        match (first, r) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(())) => Ok(()),
        }
    }

    /// Latches a more severe state (system actor); `false` when the state
    /// is already at least `to`. The state takes effect in memory before it
    /// is persisted; if persisting fails the error is returned and the
    /// session stays at least `to` (retried by [`Session::sync`]).
    pub fn escalate(&mut self, to: TradingState, reason: &str) -> Result<bool> {
        if reason.trim().is_empty() {
            return Err(Error::invalid(
                "reason",
                format!("{reason:?}"),
                "every transition needs a non-blank reason",
            ));
        }
        // Nothing to do when already at least as severe here — and, with a
        // state directory, there too (a pending local state is persisted).
        if to <= self.state() && (self.store.is_none() || to <= self.cell.lock().disk) {
            return Ok(false);
        }
        {
            let mut s = self.cell.lock();
            s.pending = s.pending.max(to);
            self.cell.publish(&s);
        }
        let Some(store) = self.store.as_mut() else {
            return Ok(true);
        };
        let changed = store.escalate(to, reason)?;
        let disk = store.state();
        {
            let mut s = self.cell.lock();
            s.disk = disk;
            if s.pending <= disk {
                s.pending = TradingState::Active;
            }
            self.cell.publish(&s);
        }
        Ok(changed)
    }

    /// Named manual reset to `to` (usually ACTIVE): needs `who` and `why`,
    /// refused while a `KILL_SWITCH` entry exists. Persisted first; the
    /// session changes only when the reset is durable. Journaled as an
    /// override and a transition.
    pub fn reset(&mut self, to: TradingState, who: &str, why: &str) -> Result<()> {
        let from = self.state();
        match self.store.as_mut() {
            Some(store) => {
                store.manual_reset(to, who, why)?;
                let disk = store.state();
                let mut s = self.cell.lock();
                s.disk = disk;
                s.pending = TradingState::Active;
                self.cell.publish(&s);
            }
            None => {
                if who.trim().is_empty() || why.trim().is_empty() {
                    return Err(Error::IllegalTransition {
                        from: from.as_str(),
                        to: to.as_str(),
                        reason: "a manual reset must name who and why".into(),
                    });
                }
                let mut s = self.cell.lock();
                s.disk = to;
                s.pending = TradingState::Active;
                self.cell.publish(&s);
            }
        }
        // With a state directory the store journaled the transition and the
        // override under its lock.
        Ok(())
    }

    /// Removes the `KILL_SWITCH` entry (whatever it is) as a journaled
    /// override; the state stays KILLED until a [`Session::reset`].
    pub fn remove_kill_switch(&mut self, who: &str, why: &str) -> Result<()> {
        if self.store.is_none() {
            return Err(Error::IllegalTransition {
                from: self.state().as_str(),
                to: self.state().as_str(),
                reason: "an in-memory session has no KILL_SWITCH file".into(),
            });
        }
        if who.trim().is_empty() || why.trim().is_empty() {
            return Err(Error::invalid(
                "who/why",
                "\"\"",
                "removing the kill switch must name who and why",
            ));
        }
        // The state file must say KILLED before the switch goes (an
        // outside `touch KILL_SWITCH`, or a kill whose state write failed):
        // removing it must never release trading without a named reset.
        if let Some(store) = self.store.as_mut()
            && store.record().state != TradingState::Killed
        {
            store.escalate(
                TradingState::Killed,
                "KILL_SWITCH present: latched before removal",
            )?;
        }
        let Some(store) = self.store.as_ref() else {
            return Ok(());
        };
        let path = store.kill_switch_path();
        let r = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        r.map_err(|e| io(&path, e))?;
        let d = disk_state(store.dir());
        {
            let mut c = self.cell.lock();
            c.disk = d;
            self.cell.publish(&c);
        }
        self.journal_now(Event::Override {
            who: who.to_string(),
            why: why.to_string(),
            what: "removed KILL_SWITCH".into(),
        })
    }

    /// Sets the in-memory state of an in-memory session (a session with a
    /// state directory is changed only by kill, escalate and reset).
    pub fn set_state(&mut self, state: TradingState) -> Result<()> {
        if self.store.is_some() {
            return Err(Error::IllegalTransition {
                from: self.state().as_str(),
                to: state.as_str(),
                reason: "this session has a state directory: use reset or escalate".into(),
            });
        }
        let mut s = self.cell.lock();
        s.disk = state;
        s.pending = TradingState::Active;
        self.cell.publish(&s);
        Ok(())
    }

    /// Re-reads the directory now (the watcher does this continuously),
    /// retries persisting a pending escalation, and returns the state.
    pub fn sync(&mut self) -> Result<TradingState> {
        let Some(store) = self.store.as_mut() else {
            return Ok(self.state());
        };
        store.refresh();
        if kill_switch_seen(store.dir()) && store.record().state != TradingState::Killed {
            // A switch written from outside (or a kill whose state write
            // failed): latch KILLED in the state file too.
            store.escalate(TradingState::Killed, "KILL_SWITCH present")?;
        }
        let pending = self.cell.lock().pending;
        let mut err = None;
        if pending > TradingState::Active && pending > store.state() {
            let r = if pending == TradingState::Killed {
                store.activate_kill_switch("retry of a kill that failed to persist", "system")
            } else {
                store
                    .escalate(pending, "retry of an escalation that failed to persist")
                    .map(|_| ())
            };
            err = r.err();
        }
        let d = disk_state(store.dir());
        let confirmed = match d {
            // Only a positively seen switch (or a persisted KILLED) confirms a kill.
            TradingState::Killed => {
                kill_switch_seen(store.dir()) || store.record().state == TradingState::Killed
            }
            _ => true,
        };
        {
            let mut s = self.cell.lock();
            s.disk = d;
            if confirmed && s.pending <= d {
                s.pending = TradingState::Active;
            }
            self.cell.publish(&s);
        }
        match err {
            Some(e) => Err(e),
            None => Ok(self.state()),
        }
    }

    /// Sets account equity (leverage rules) and tracks the high-water mark,
    /// persisting it when it rises.
    pub fn set_equity(&mut self, equity: f64) -> Result<()> {
        if !equity.is_finite() {
            return Err(Error::invalid("equity", equity, "must be finite"));
        }
        self.engine.set_equity(equity);
        if self.hwm.is_none_or(|h| equity > h) {
            self.hwm = Some(equity);
            if let Some(store) = &self.store {
                write_json(
                    &store.dir().join(HWM_FILE),
                    &HwmRecord {
                        high_water_mark: equity,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// The tracked high-water mark of equity (persisted across restarts).
    pub fn high_water_mark(&self) -> Option<f64> {
        self.hwm
    }

    /// Applies a fill to the position.
    pub fn on_fill(&mut self, id: SymbolId, side: Side, quantity: f64, price: f64) -> Result<()> {
        self.engine.on_fill(id, side, quantity, price)
    }

    /// Sets a position and its mark.
    pub fn set_position(&mut self, id: SymbolId, quantity: f64, mark: f64) -> Result<()> {
        self.engine.set_position(id, quantity, mark)
    }

    /// Evaluates the policy's period limits: the session's tracked
    /// high-water mark fills `high_water_mark` when the observation has none; every breach is counted and journaled as a violation; any
    /// critical breach latches HALTED, else any warning REDUCING.
    pub fn evaluate_period(&mut self, o: &PeriodObservation) -> Result<Vec<PeriodBreach>> {
        let mut o = *o;
        if o.high_water_mark.is_none() {
            o.high_water_mark = self.hwm;
        }
        let breaches = period::evaluate(&self.policy.period, &o);
        period::count_breaches(&breaches);
        self.counts.breaches += breaches.len() as u64;
        for b in &breaches {
            self.journal_now(Event::Violation {
                rule: b.rule.to_string(),
                value: b.value,
                threshold: Some(b.threshold),
            })?;
        }
        if let Some(worst) = breaches.iter().max_by_key(|b| b.severity) {
            let to = match worst.severity {
                Severity::Critical => TradingState::Halted,
                Severity::Warning => TradingState::Reducing,
            };
            let reason = format!(
                "{} {:?}: value {} crossed {}",
                worst.rule, worst.severity, worst.value, worst.threshold
            );
            self.escalate(to, &reason)?;
        }
        Ok(breaches)
    }

    /// Journals exposure-policy violations (from
    /// [`crate::exposure::apply_policy`]) and counts them.
    pub fn record_violations<'a>(
        &mut self,
        violations: impl IntoIterator<Item = (&'a str, f64, Option<f64>)>,
    ) -> Result<u64> {
        let mut n = 0;
        for (rule, value, threshold) in violations {
            self.journal_now(Event::Violation {
                rule: rule.to_string(),
                value,
                threshold,
            })?;
            n += 1;
        }
        self.counts.breaches += n;
        Ok(n)
    }

    /// The persisted overrides.
    pub fn overrides(&self) -> Overrides {
        self.overrides
    }

    /// Sets the position-size override (fraction in (0, 1]; 1 = off),
    /// persisted and journaled.
    pub fn set_size_override(&mut self, fraction: f64, who: &str, why: &str) -> Result<()> {
        self.engine.set_size_override(fraction)?;
        self.overrides.size_override = fraction;
        self.save_overrides()?;
        self.journal_now(Event::Override {
            who: who.to_string(),
            why: why.to_string(),
            what: format!("size override {fraction}"),
        })
    }

    /// Freezes or unfreezes model learning (persisted, journaled). The
    /// registry and retraining jobs read it through [`Session::overrides`]
    /// or [`read_overrides`].
    pub fn set_learning_frozen(&mut self, frozen: bool, who: &str, why: &str) -> Result<()> {
        self.overrides.learning_frozen = frozen;
        self.save_overrides()?;
        self.journal_now(Event::Override {
            who: who.to_string(),
            why: why.to_string(),
            what: format!("learning frozen = {frozen}"),
        })
    }

    fn save_overrides(&self) -> Result<()> {
        match &self.store {
            Some(s) => write_json(&s.dir().join(OVERRIDES_FILE), &self.overrides),
            None => Ok(()),
        }
    }

    pub(crate) fn journal_override(&mut self, who: &str, why: &str, what: &str) -> Result<()> {
        self.journal_now(Event::Override {
            who: who.to_string(),
            why: why.to_string(),
            what: what.to_string(),
        })
    }

    /// Records a human approval in the journal.
    pub fn record_approval(&mut self, who: &str, why: &str, what: &str) -> Result<u64> {
        match self.store.as_mut().and_then(StateStore::journal_mut) {
            Some(j) => {
                let s = j.record_approval(who, why, what)?;
                j.sync()?;
                Ok(s)
            }
            None => Err(Error::IllegalTransition {
                from: "no journal",
                to: "approval",
                reason: "this session keeps no journal".into(),
            }),
        }
    }

    /// The journal, if kept.
    pub fn journal(&self) -> Option<&Journal> {
        self.store.as_ref().and_then(StateStore::journal)
    }

    /// Whether the cross-process watcher runs.
    pub fn watching(&self) -> bool {
        self.watcher.is_some()
    }
}

/// Reads the persisted overrides of a state directory (defaults when absent;
/// a corrupt file is [`Error::Corrupt`]).
pub fn read_overrides(dir: &Path) -> Result<Overrides> {
    Ok(read_json::<Overrides>(&dir.join(OVERRIDES_FILE))?.unwrap_or_default())
}

/// Engages the kill switch of a state directory without opening a session
/// first: `KILL_SWITCH` (file and directory fsynced), then the state file,
/// then — only after both were attempted — the journal (opened tail-only,
/// with `journal`'s options). Every step is attempted and the first failure
/// returned; a damaged or unwritable journal can never stop the kill. This
/// is what `tradewarden guard kill` runs.
pub fn kill_state_dir(dir: &Path, reason: &str, activated_by: &str, journal: bool) -> Result<()> {
    let mut store = StateStore::open(dir)?;
    let from = store.record().state;
    let first = store.activate_kill_switch(reason, activated_by).err();
    // A directory that was already KILLED gets no second transition record.
    let second = if journal && from != TradingState::Killed {
        Journal::open(JournalConfig::new(dir))
            .and_then(|mut j| {
                j.append(Event::Transition {
                    from,
                    to: TradingState::Killed,
                    reason: or_unspecified(reason),
                    actor: or_unspecified(activated_by),
                })?;
                j.sync()
            })
            .err()
    } else {
        None
    };
    match first.or(second) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
