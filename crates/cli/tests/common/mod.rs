//! Setup shared by the CLI's integration tests: the `tradewarden` binary
//! of this package with the environment it reads removed, running it with
//! an expected exit status, paths as arguments, CSV files of columns.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;

/// The `tradewarden` binary, without the environment variables that would
/// redirect it (state directory, registry, verifying key).
pub(crate) fn tw() -> Command {
    let mut c = Command::cargo_bin("tradewarden").unwrap();
    c.env_remove("TRADEWARDEN_STATE_DIR")
        .env_remove("TRADEWARDEN_REGISTRY")
        .env_remove("TRADEWARDEN_REGISTRY_VERIFYING_KEY");
    c
}

/// Runs [`tw`] with `args`, checks the exit status, returns (stdout, stderr).
pub(crate) fn run(args: &[&str], code: i32) -> (String, String) {
    let out = tw().args(args).assert().code(code);
    let o = out.get_output();
    (
        String::from_utf8(o.stdout.clone()).unwrap(),
        String::from_utf8(o.stderr.clone()).unwrap(),
    )
}

/// A path as a command-line argument.
pub(crate) fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A CSV file of named columns of equal length, every value written with
/// 17 significant digits (`{:?}`) so that it reads back bit for bit.
pub(crate) fn write_columns(path: &Path, cols: &[(&str, &[f64])]) {
    let mut f = std::fs::File::create(path).unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    writeln!(f, "{}", names.join(",")).unwrap();
    for i in 0..cols[0].1.len() {
        let row: Vec<String> = cols.iter().map(|c| format!("{:?}", c.1[i])).collect();
        writeln!(f, "{}", row.join(",")).unwrap();
    }
}
