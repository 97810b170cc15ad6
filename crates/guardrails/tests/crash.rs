//! SIGKILL a state writer at random points, ≥ 200 times: the state file
//! always loads (never torn), and never as ACTIVE — the writer never writes
//! ACTIVE, so ACTIVE could only come from a torn or mixed file.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use tradewarden_guardrails::{LoadOutcome, StateStore, TradingState};

const WRITER_ENV: &str = "TW_GUARDRAILS_CRASH_WRITER_DIR";

/// In writer mode (env var set) this loops forever escalating/resetting among
/// REDUCING/HALTED/KILLED with long reasons; otherwise it returns at once.
#[test]
fn crash_writer_child() {
    let Ok(dir) = std::env::var(WRITER_ENV) else {
        return;
    };
    let mut store = StateStore::open(&dir).unwrap();
    let long = "x".repeat(4096);
    let targets = [
        TradingState::Reducing,
        TradingState::Halted,
        TradingState::Killed,
    ];
    let mut k = 0usize;
    loop {
        let to = targets[k % 3];
        store
            .manual_reset(to, "crash-test", &format!("cycle {k} {long}"))
            .unwrap();
        k += 1;
    }
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

#[test]
fn sigkill_during_state_writes_never_yields_active_or_torn_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: PathBuf = tmp.path().to_path_buf();
    {
        let mut s = StateStore::open(&dir).unwrap();
        s.manual_reset(TradingState::Halted, "setup", "initial state")
            .unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(std::process::id());
    let runs = 200;
    let mut seqs = Vec::new();
    for _ in 0..runs {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WRITER_ENV, &dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Random point: 2–25 ms after spawn (process start + many writes).
        let delay = 2_000 + xorshift(&mut seed) % 23_000;
        std::thread::sleep(Duration::from_micros(delay));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let store = StateStore::open(&dir).unwrap();
        assert_eq!(
            store.load_outcome(),
            &LoadOutcome::Loaded,
            "state file did not load"
        );
        assert_ne!(store.state(), TradingState::Active);
        seqs.push(store.record().seq);
    }
    // The children really wrote: the sequence advanced across the runs.
    let last = seqs.last().copied().unwrap_or(0);
    assert!(
        last > 50,
        "writers made only {last} transitions in {runs} runs"
    );
}
