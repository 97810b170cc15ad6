//! `drift state` and `drift report --states` (issue 22, the CLI door for
//! score states): the states of two halves of a file, merged, give the
//! same report document as `drift report --current` on the whole file; a
//! damaged state file is refused (exit 4, one line naming the file).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, s, write_columns};

use std::path::Path;

use serde_json::Value;

fn json(args: &[&str], code: i32) -> Value {
    let (out, err) = run(args, code);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

/// Deterministic values in [lo, lo + 3) with 17 significant digits, some
/// repeated (ties with the reference exercise the exact cells).
fn series(n: usize, k: u64, lo: f64) -> Vec<f64> {
    let mut x = k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x >> 11) as f64 / (1u64 << 53) as f64 * 3.0 + lo;
            if i % 7 == 0 { v.floor() } else { v }
        })
        .collect()
}

struct Setup {
    _dir: tempfile::TempDir,
    profile: std::path::PathBuf,
    whole: std::path::PathBuf,
    halves: [std::path::PathBuf; 2],
    root: std::path::PathBuf,
}

/// A profile of two features fitted on `n_ref` rows (KS below 1000
/// reference values, PSI above), a current file (feature `b` shifted) and
/// its two halves (400 and 700 rows).
fn setup_with(n_ref: usize) -> Setup {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().to_path_buf();
    let reference = root.join("ref.csv");
    write_columns(
        &reference,
        &[
            ("a", &series(n_ref, 1, -1.0)),
            ("b", &series(n_ref, 2, -1.0)),
        ],
    );
    let profile = root.join("p.bin");
    run(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&profile),
        ],
        0,
    );
    let (a, b) = (series(1100, 3, -1.0), series(1100, 4, -0.6));
    let whole = root.join("cur.csv");
    write_columns(&whole, &[("a", &a), ("b", &b)]);
    let h1 = root.join("h1.csv");
    let h2 = root.join("h2.csv");
    write_columns(&h1, &[("a", &a[..400]), ("b", &b[..400])]);
    write_columns(&h2, &[("a", &a[400..]), ("b", &b[400..])]);
    Setup {
        _dir: d,
        profile,
        whole,
        halves: [h1, h2],
        root,
    }
}

fn setup() -> Setup {
    setup_with(900)
}

fn state(st: &Setup, current: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "drift",
        "state",
        "--profile",
        s(&st.profile),
        "--current",
        s(current),
        "--out",
        s(out),
        "--json",
    ];
    args.extend_from_slice(extra);
    json(&args, 0)
}

#[test]
fn merged_states_of_two_halves_give_the_whole_files_report() {
    for (n_ref, method) in [(900, "ks"), (1500, "psi")] {
        merged_equals_whole(n_ref, method);
    }
}

fn merged_equals_whole(n_ref: usize, method: &str) {
    let st = setup_with(n_ref);
    let s1 = st.root.join("s1.twss");
    let s2 = st.root.join("s2.twss");
    let d1 = state(&st, &st.halves[0], &s1, &[]);
    let d2 = state(&st, &st.halves[1], &s2, &[]);
    assert_eq!(d1["grid"], "exact");
    assert_eq!(d1["features"][0]["name"], "a");
    assert_eq!(d1["features"][0]["rows"], 400);
    assert_eq!(d2["features"][1]["rows"], 700);
    assert_eq!(
        d1["bytes"].as_u64().unwrap(),
        std::fs::metadata(&s1).unwrap().len()
    );
    assert_eq!(&std::fs::read(&s1).unwrap()[..4], b"TWSS");

    let whole = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&st.profile),
            "--current",
            s(&st.whole),
            "--json",
        ],
        0,
    );
    let merged = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&st.profile),
            "--states",
            s(&s1),
            s(&s2),
            "--json",
        ],
        0,
    );
    // The whole document: statistics, p-values, locations, PSI, flags.
    assert_eq!(merged, whole);
    assert_eq!(whole["features"].as_array().unwrap().len(), 2);
    assert_eq!(whole["features"][1]["n_current"], 1100);
    assert_eq!(whole["features"][0]["method"], method);
    // Merging is order-free.
    let reversed = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&st.profile),
            "--states",
            s(&s2),
            s(&s1),
            "--json",
        ],
        0,
    );
    assert_eq!(reversed, whole);
    // Not vacuous: one half alone reports other statistics.
    let half = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&st.profile),
            "--states",
            s(&s1),
            "--json",
        ],
        0,
    );
    assert_ne!(
        half["features"][1]["statistic"],
        whole["features"][1]["statistic"]
    );
    // The human form and --fail-on-drift follow the same report.
    let drifted = whole["dataset_drift"].as_bool().unwrap();
    let (human, _) = run(
        &[
            "drift",
            "report",
            "--profile",
            s(&st.profile),
            "--states",
            s(&s1),
            s(&s2),
            "--fail-on-drift",
        ],
        if drifted { 6 } else { 0 },
    );
    assert!(human.contains("of 2 features drifted"), "{human}");
}

#[test]
fn a_damaged_state_file_is_refused_naming_the_file() {
    let st = setup();
    let s1 = st.root.join("s1.twss");
    let s2 = st.root.join("s2.twss");
    state(&st, &st.halves[0], &s1, &[]);
    state(&st, &st.halves[1], &s2, &[]);
    let good = std::fs::read(&s2).unwrap();
    let report = |args: &[&str], code| {
        let mut a = vec!["drift", "report", "--profile", s(&st.profile), "--states"];
        a.extend_from_slice(args);
        run(&a, code)
    };
    // One flipped bit in the payload, then a truncated file.
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    for bad in [flipped, good[..good.len() - 3].to_vec()] {
        std::fs::write(&s2, &bad).unwrap();
        let (out, err) = report(&[s(&s1), s(&s2)], 4);
        assert!(out.is_empty(), "{out}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(s(&s2)), "{err}");
        assert!(!err.contains(s(&s1)), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
    // Not a state at all.
    std::fs::write(&s2, b"a,b\n1,2\n").unwrap();
    let (_, err) = report(&[s(&s1), s(&s2)], 4);
    assert!(err.contains(s(&s2)), "{err}");
}

#[test]
fn states_of_another_profile_or_a_bounded_grid_are_refused() {
    let st = setup();
    let s1 = st.root.join("s1.twss");
    state(&st, &st.halves[0], &s1, &[]);
    // A profile fitted on other data: the state does not belong to it.
    let other_ref = st.root.join("other.csv");
    write_columns(
        &other_ref,
        &[("a", &series(300, 8, 0.0)), ("b", &series(300, 9, 0.0))],
    );
    let other = st.root.join("other.json");
    run(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&other_ref),
            "--out",
            s(&other),
        ],
        0,
    );
    let (_, err) = run(
        &[
            "drift",
            "report",
            "--profile",
            s(&other),
            "--states",
            s(&s1),
        ],
        3,
    );
    assert!(err.contains("another profile"), "{err}");
    // A bounded state (--cells) is written, smaller, and has no exact report.
    let b1 = st.root.join("b1.twss");
    let d = state(&st, &st.halves[1], &b1, &["--cells", "8"]);
    assert_eq!(d["grid"]["bounded"]["cells"], 8);
    let exact = st.root.join("e1.twss");
    let e = state(&st, &st.halves[1], &exact, &[]);
    assert!(d["bytes"].as_u64().unwrap() < e["bytes"].as_u64().unwrap());
    run(
        &[
            "drift",
            "report",
            "--profile",
            s(&st.profile),
            "--states",
            s(&b1),
        ],
        3,
    );
    // --cells out of range: the library's error, exit 3, nothing written.
    let z = st.root.join("z.twss");
    let (_, err) = run(
        &[
            "drift",
            "state",
            "--profile",
            s(&st.profile),
            "--current",
            s(&st.whole),
            "--out",
            s(&z),
            "--cells",
            "0",
        ],
        3,
    );
    assert!(err.contains("cells"), "{err}");
    assert!(!z.exists());
    // --states needs --profile (clap: usage error).
    run(&["drift", "report", "--states", s(&s1)], 2);
}
