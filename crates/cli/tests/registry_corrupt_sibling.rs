//! `registry promote` through the CLI while another version's manifest is
//! corrupt (issue #20): the good version is promoted (exit 0); the corrupt
//! one is refused (exit 4, one line naming its manifest) and reported by
//! `list` (exit 4, naming it); `active` never names it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assert_cmd::Command;

const NAME: &str = "demo_momentum_mlp";

fn tw() -> Command {
    let mut c = Command::cargo_bin("tradewarden").unwrap();
    c.env_remove("TRADEWARDEN_STATE_DIR")
        .env_remove("TRADEWARDEN_REGISTRY")
        .env_remove("TRADEWARDEN_REGISTRY_VERIFYING_KEY");
    c
}

fn run(args: &[&str], code: i32) -> String {
    let out = tw().args(args).assert().code(code);
    String::from_utf8(out.get_output().stderr.clone()).unwrap()
}

fn one_line_error_naming(err: &str, version: &str) {
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let file = Path::new(version).join("manifest.json");
    assert!(
        err.contains(file.to_str().unwrap()),
        "{file:?} not in {err}"
    );
}

fn active(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join(NAME).join("active.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["version"].as_str().unwrap().to_string()
}

#[test]
fn promote_is_not_blocked_by_a_corrupt_sibling() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("reg");
    let r = root.to_str().unwrap();
    for v in ["v1", "v2", "v3"] {
        run(
            &["registry", "--root", r, "register-demo", "--version", v],
            0,
        );
    }
    let promote = |v: &str, code: i32| {
        run(
            &[
                "registry",
                "--root",
                r,
                "promote",
                "--name",
                NAME,
                "--version",
                v,
            ],
            code,
        )
    };
    promote("v1", 0);
    let manifest = root.join(NAME).join("versions/v3/manifest.json");
    std::fs::write(&manifest, b"{\"name\": \"demo_mom").unwrap();

    promote("v2", 0);
    assert_eq!(active(&root), "v2");

    one_line_error_naming(&promote("v3", 4), "v3");
    assert_eq!(active(&root), "v2");
    one_line_error_naming(&run(&["registry", "--root", r, "list"], 4), "v3");
}
