//! Signed registry manifests through the CLI: `registry public-key`,
//! `register-demo --signing-key`, `sign`, and `--verifying-key`, under which
//! an unsigned or mis-signed version is refused (exit 4, one line).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, s, tw};

use serde_json::Value;

const NAME: &str = "demo_momentum_mlp";

fn one_line_error(err: &str, needle: &str) {
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unsigned_and_missigned_versions_are_refused_with_a_verifying_key() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("reg");
    let r = s(&root);
    let key = d.path().join("signing.key");
    let other = d.path().join("other.key");
    std::fs::write(&key, format!("{}\n", "11".repeat(32))).unwrap();
    std::fs::write(&other, [7u8; 32]).unwrap(); // raw bytes work too
    let (public, _) = run(&["registry", "public-key", "--signing-key", s(&key)], 0);
    let public = public.trim();
    assert_eq!(public.len(), 64, "{public}");
    // RFC 8032's derivation, computed independently of the library
    assert_eq!(
        public,
        "d04ab232742bb4ab3a1368bd4615e4e6d0224ab71a016baf8520a332c9778737"
    );
    let pubfile = d.path().join("registry.pub");
    std::fs::write(&pubfile, format!("{public}\n")).unwrap();

    let reg = |extra: &[&str], code: i32| -> (String, String) {
        let mut args = vec!["registry", "--root", r];
        args.extend_from_slice(extra);
        run(&args, code)
    };
    reg(
        &[
            "register-demo",
            "--version",
            "signed",
            "--signing-key",
            s(&key),
        ],
        0,
    );
    reg(&["register-demo", "--version", "unsigned"], 0);
    reg(
        &[
            "register-demo",
            "--version",
            "other",
            "--signing-key",
            s(&other),
        ],
        0,
    );
    let (list, _) = reg(&["list", "--json"], 0);
    let list: Value = serde_json::from_str(&list).unwrap();
    let signed: Vec<(String, bool)> = list["models"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_string(),
                v["signed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        signed,
        [
            ("signed".to_string(), true),
            ("unsigned".to_string(), false),
            ("other".to_string(), true)
        ]
    );

    let vk = ["--verifying-key", s(&pubfile)];
    let with_key = |extra: &[&str], code: i32| -> (String, String) {
        let mut args = vec!["registry", "--root", r, vk[0], vk[1]];
        args.extend_from_slice(extra);
        run(&args, code)
    };
    with_key(&["verify", "--name", NAME, "--version", "signed"], 0);
    for bad in ["unsigned", "other"] {
        let (_, err) = with_key(&["verify", "--name", NAME, "--version", bad], 4);
        one_line_error(&err, "manifest.sig");
        let (_, err) = with_key(&["promote", "--name", NAME, "--version", bad], 4);
        one_line_error(&err, "manifest.sig");
    }
    // without the key the same versions verify (signatures are opt-in) ...
    reg(&["verify", "--name", NAME, "--version", "unsigned"], 0);
    // ... and the environment variable configures the key as the flag does
    let out = tw()
        .env("TRADEWARDEN_REGISTRY_VERIFYING_KEY", s(&pubfile))
        .args([
            "registry",
            "--root",
            r,
            "verify",
            "--name",
            NAME,
            "--version",
            "unsigned",
        ])
        .assert()
        .code(4);
    one_line_error(
        &String::from_utf8(out.get_output().stderr.clone()).unwrap(),
        "manifest.sig",
    );

    // sign later: the unsigned version becomes promotable
    reg(
        &[
            "sign",
            "--name",
            NAME,
            "--version",
            "unsigned",
            "--signing-key",
            s(&key),
        ],
        0,
    );
    with_key(&["promote", "--name", NAME, "--version", "unsigned"], 0);
    // a key that is not the registry's refuses to sign under --verifying-key
    let (_, err) = with_key(
        &[
            "sign",
            "--name",
            NAME,
            "--version",
            "other",
            "--signing-key",
            s(&other),
        ],
        3,
    );
    one_line_error(&err, "signing_key");
    // a bad key file is a one-line error naming it
    let bad = d.path().join("bad.key");
    std::fs::write(&bad, "not a key").unwrap();
    let (_, err) = run(
        &["registry", "--root", r, "--verifying-key", s(&bad), "list"],
        3,
    );
    one_line_error(&err, "bad.key");
}
