//! Several processes on one state directory (issue 17): 4 processes × N
//! random transitions (escalate REDUCING/HALTED, named reset to ACTIVE,
//! orders) with a kill by process 0 at a random moment. Asserts: no order
//! is allowed in a process after it has seen the kill; no transition is
//! lost (the state file's sequence grew by exactly the number of successful
//! transitions); the state is never lowered except by a named reset (the
//! journal's transitions, journaled under the state lock, chain from→to);
//! the journal's hash chain verifies. Prints the kill-visibility latency.
//!
//! `harness = false`: the same binary is the parent (no arguments) and the
//! children (`TW_MP_CHILD` set). The directory lives on `/dev/shm` when it
//! exists: the test is about concurrency, not disk latency (fsync on this
//! VM's disk is ≈ 8 ms, 40 000 transitions would take minutes).
//! `TW_MP_TRANSITIONS` overrides N (default 10 000).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use tradewarden_guardrails::journal::{Event, read_dir, verify};
use tradewarden_guardrails::{
    DecisionLog, Order, Policy, Session, SessionConfig, Side, StateStore, TradingState,
};

const PROCESSES: u64 = 4;

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn policy() -> Policy {
    Policy::from_toml("[symbols.AAA]\n").unwrap()
}

fn cfg(dir: &Path) -> SessionConfig {
    SessionConfig {
        // Transitions are journaled; decisions would only add volume here.
        decisions: DecisionLog::None,
        ..SessionConfig::in_dir(dir)
    }
}

/// One child: prints `successes allowed_after_seen seen_ns kill_ns` on stdout.
fn child(dir: &Path, k: u64, n: u64, kill_at: u64) {
    let mut s = Session::open(&policy(), 1e6, cfg(dir)).unwrap();
    let id = s.symbol_id("AAA").unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (k + 1).wrapping_mul(0x1234_5678_9ABC));
    let mut successes = 0u64;
    let mut allowed_after_seen = 0u64;
    let mut seen: Option<u128> = None;
    let mut kill_ns: u128 = 0;
    let who = format!("child-{k}");
    for i in 0..n {
        if k == 0 && i == kill_at {
            kill_ns = now_ns();
            s.kill("multi-process test", "mp-killer").unwrap();
        }
        let t = now_ns() as f64 / 1e9;
        match rng.next() % 10 {
            0 | 1 => {
                if s.escalate(TradingState::Reducing, "random warning")
                    .unwrap()
                {
                    successes += 1;
                }
            }
            2 => {
                if s.escalate(TradingState::Halted, "random critical").unwrap() {
                    successes += 1;
                }
            }
            3 => match s.reset(TradingState::Active, &who, "random reset") {
                Ok(()) => successes += 1,
                Err(e) => assert!(
                    e.to_string().contains("KILL_SWITCH"),
                    "only the kill refuses a reset: {e}"
                ),
            },
            _ => {
                let o = Order {
                    symbol: id,
                    side: if rng.next().is_multiple_of(2) {
                        Side::Buy
                    } else {
                        Side::Sell
                    },
                    quantity: 1.0,
                    price: 100.0,
                    reference_price: 100.0,
                    data_timestamp: t,
                    timestamp: t,
                    confidence: f64::NAN,
                };
                let d = s.engine_mut().check_order(&o);
                if d.is_allowed() && seen.is_some() {
                    allowed_after_seen += 1;
                }
            }
        }
        if seen.is_none() && s.state() == TradingState::Killed {
            seen = Some(now_ns());
        }
    }
    // Wait (bounded) until the kill is visible, for the latency figure.
    let t0 = std::time::Instant::now();
    while seen.is_none() && t0.elapsed().as_secs() < 5 {
        if s.state() == TradingState::Killed {
            seen = Some(now_ns());
        }
    }
    println!(
        "{successes} {allowed_after_seen} {} {kill_ns}",
        seen.unwrap_or(0)
    );
}

fn main() {
    if let Ok(k) = std::env::var("TW_MP_CHILD") {
        let dir = PathBuf::from(std::env::var("TW_MP_DIR").unwrap());
        let n: u64 = std::env::var("TW_MP_N").unwrap().parse().unwrap();
        let kill_at: u64 = std::env::var("TW_MP_KILL_AT").unwrap().parse().unwrap();
        child(&dir, k.parse().unwrap(), n, kill_at);
        return;
    }
    let n: u64 = std::env::var("TW_MP_TRANSITIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let base = if Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let dir = base.path().join("state");
    {
        let mut s = Session::open(&policy(), 1e6, cfg(&dir)).unwrap();
        s.reset(TradingState::Active, "parent", "start").unwrap();
    }
    let seq0 = StateStore::open(&dir).unwrap().record().seq;
    let kill_at = (now_ns() as u64 % (n / 2).max(1)) + n / 4;
    let exe = std::env::current_exe().unwrap();
    let started = std::time::Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|k| {
            Command::new(&exe)
                .env("TW_MP_CHILD", k.to_string())
                .env("TW_MP_DIR", &dir)
                .env("TW_MP_N", n.to_string())
                .env("TW_MP_KILL_AT", kill_at.to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut successes = 0u64;
    let mut allowed_after = 0u64;
    let mut seen = Vec::new();
    let mut kill_ns = 0u128;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "child failed: {:?}", out.status);
        let text = String::from_utf8(out.stdout).unwrap();
        let f: Vec<u128> = text
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        successes += f[0] as u64;
        allowed_after += f[1] as u64;
        assert!(f[2] > 0, "a process never saw the kill");
        seen.push(f[2]);
        kill_ns = kill_ns.max(f[3]);
    }
    let elapsed = started.elapsed();
    let rec = StateStore::open(&dir).unwrap();
    let seq1 = rec.record().seq;
    assert_eq!(rec.state(), TradingState::Killed);
    // Every successful transition wrote exactly one sequence number; +1 for the kill.
    assert_eq!(
        seq1 - seq0,
        successes + 1,
        "lost transitions: seq grew {} for {} successes + 1 kill",
        seq1 - seq0,
        successes
    );
    assert_eq!(allowed_after, 0, "orders allowed after the kill was seen");
    let rep = verify(&dir).unwrap();
    assert!(rep.ok(), "journal chain: {rep}");
    let (entries, skipped) = read_dir(&dir).unwrap();
    assert_eq!(skipped, 0);
    // Transitions, in journal order, chain from→to; a lower state only by a named reset.
    let mut prev: Option<TradingState> = None;
    let mut transitions = 0u64;
    let mut downgrades = 0u64;
    for e in &entries {
        if let Event::Transition {
            from, to, actor, ..
        } = &e.event
        {
            transitions += 1;
            if let Some(p) = prev {
                assert_eq!(*from, p, "transition seq {} does not chain", e.seq);
            }
            if to < from {
                downgrades += 1;
                assert!(actor.starts_with("child-") || actor == "parent", "{e:?}");
            }
            prev = Some(*to);
        }
    }
    assert_eq!(
        transitions,
        seq1 - seq0 + 1,
        "one journaled transition per write"
    );
    // Kill visibility: from process 0's kill call to each other process seeing it.
    let mut lat: Vec<f64> = seen
        .iter()
        .map(|&s| (s.saturating_sub(kill_ns)) as f64 / 1e6)
        .collect();
    lat.sort_by(f64::total_cmp);
    println!(
        "multiprocess: {PROCESSES} processes x {n} steps in {:.2} s on {}: {} transitions \
         ({} named-reset downgrades), 0 lost, 0 orders allowed after the kill was seen, \
         journal chain verifies ({} records); kill visible after (ms, per process, sorted): {:?}",
        elapsed.as_secs_f64(),
        if base.path().starts_with("/dev/shm") {
            "/dev/shm"
        } else {
            "tmp"
        },
        seq1 - seq0,
        downgrades,
        rep.records,
        lat.iter()
            .map(|x| (x * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>()
    );
}
