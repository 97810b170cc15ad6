//! Options that take a fixed set of spellings are parsed by the library's
//! parsers through clap: `--help` lists the choices, a bad spelling is
//! refused before the command runs with exit 3 (bad input) and the
//! library's message (parameter, value, every accepted name), aliases are
//! accepted; unknown flags stay usage errors (exit 2).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tw;

fn stderr_of(args: &[&str], code: i32) -> String {
    let a = tw().args(args).assert().code(code);
    String::from_utf8(a.get_output().stderr.clone()).unwrap()
}

fn help_of(args: &[&str]) -> String {
    let a = tw().args(args).arg("--help").assert().code(0);
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

#[test]
fn help_lists_the_choices() {
    let h = help_of(&["report"]);
    assert!(h.contains("error, skip, propagate"), "{h}");
    assert!(!h.contains("omit"), "aliases stay hidden: {h}");
    assert!(
        h.contains("daily, weekly, monthly, quarterly, yearly"),
        "{h}"
    );
    let h = help_of(&["guard", "reset"]);
    assert!(h.contains("active, reducing, halted"), "{h}");
    let h = help_of(&["guard", "escalate"]);
    assert!(h.contains("active, reducing, halted"), "{h}");
}

#[test]
fn bad_spellings_are_bad_input_with_the_librarys_message() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("r.csv");
    std::fs::write(&f, "r\n0.01\n0.02\n-0.01\n").unwrap();
    let f = f.to_str().unwrap();
    let e = stderr_of(&["report", "--returns", f, "--nan-policy", "drop"], 3);
    assert!(
        e.contains("nan_policy") && e.contains("\"drop\"") && e.contains("'propagate'"),
        "{e}"
    );
    let e = stderr_of(&["report", "--returns", f, "--period", "hourly"], 3);
    assert!(e.contains("period") && e.contains("hourly"), "{e}");
    let dir = d.path().to_str().unwrap();
    let e = stderr_of(
        &[
            "guard",
            "reset",
            "--state-dir",
            dir,
            "--by",
            "ops",
            "--reason",
            "x",
            "--to",
            "paused",
        ],
        3,
    );
    assert!(e.contains("paused") && e.contains("REDUCING"), "{e}");
    let e = stderr_of(
        &[
            "guard",
            "reset",
            "--state-dir",
            dir,
            "--by",
            "ops",
            "--reason",
            "x",
            "--to",
            "killed",
        ],
        3,
    );
    assert!(e.contains("guard kill"), "{e}");
    // Nothing ran: no state file was written.
    assert!(std::fs::read_dir(d.path()).unwrap().count() == 1);
    // Unknown flags and missing values stay usage errors.
    stderr_of(&["report", "--returns", f, "--bogus"], 2);
    stderr_of(
        &["guard", "escalate", "--state-dir", dir, "--reason", "x"],
        2,
    );
}

#[test]
fn aliases_and_any_case_are_accepted() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("r.csv");
    std::fs::write(&f, "r\n0.01\n0.02\n-0.01\n0.005\n").unwrap();
    let out = d.path().join("out");
    tw().args(["report", "--returns", f.to_str().unwrap(), "--json"])
        .args(["--nan-policy", "omit", "--period", "Monthly", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    let dir = d.path().join("state");
    tw().args([
        "guard", "reset", "--by", "ops", "--reason", "start", "--to", "REDUCING",
    ])
    .arg("--state-dir")
    .arg(&dir)
    .assert()
    .code(0);
}
