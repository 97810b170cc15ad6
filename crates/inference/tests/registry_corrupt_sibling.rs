#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One corrupt version must not block the others (issue #20): promoting
//! version A succeeds while an unrelated version B has a corrupt manifest
//! (before, `promote` read every sibling's manifest with `?` and failed
//! closed on B); B is reported by `inventory` (file and reason), is never
//! loaded, promoted or rolled back to (each refuses it with a typed error
//! naming B's file), so `active` never names it.

use std::collections::BTreeMap;
use std::path::Path;

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::InferenceError;
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_inference::registry::{Registry, Stage};

fn model() -> Mlp {
    Mlp::new(MlpConfig::new(3, vec![4], 2), &cpu_device()).unwrap()
}

fn registry_with(versions: &[&str]) -> (tempfile::TempDir, Registry) {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    for v in versions {
        reg.register("mlp", v, &model(), BTreeMap::new()).unwrap();
    }
    (dir, reg)
}

fn manifest_path(root: &Path, v: &str) -> std::path::PathBuf {
    root.join("mlp/versions").join(v).join("manifest.json")
}

/// The ways a manifest can be corrupt without its version disappearing.
fn corruptions(root: &Path, v: &str) -> Vec<(&'static str, Vec<u8>)> {
    let good = std::fs::read(manifest_path(root, v)).unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    vec![
        ("not json", b"{\"name\": \"mlp\", \"vers".to_vec()),
        ("empty", Vec::new()),
        (
            "names another version",
            text.replacen(&format!("\"{v}\""), "\"zz\"", 1).into_bytes(),
        ),
        (
            "impossible architecture",
            text.replacen("\"input\": 3", "\"input\": 0", 1)
                .into_bytes(),
        ),
    ]
}

fn assert_names(e: &InferenceError, version: &str, file: &str) {
    let path = match e {
        InferenceError::CorruptDocument { path, .. }
        | InferenceError::ChecksumMismatch { path, .. } => path,
        other => panic!("expected a typed corrupt error, got {other:?}"),
    };
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    let p = Path::new(path);
    assert!(p.ends_with(Path::new(version).join(file)), "{path}");
}

#[test]
fn a_corrupt_sibling_does_not_block_promote_and_is_reported() {
    for case in 0..4 {
        let (dir, reg) = registry_with(&["v1", "v2", "v3"]);
        reg.promote("mlp", "v1").unwrap();
        let (what, bytes) = corruptions(dir.path(), "v3").swap_remove(case);
        std::fs::write(manifest_path(dir.path(), "v3"), bytes).unwrap();

        // A is promoted despite B = v3.
        reg.promote("mlp", "v2")
            .unwrap_or_else(|e| panic!("{what}: promote blocked by v3: {e}"));
        assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v2"), "{what}");
        assert_eq!(reg.last_good("mlp").unwrap().as_deref(), Some("v1"));
        assert_eq!(reg.manifest("mlp", "v1").unwrap().stage, Stage::Archived);
        assert_eq!(reg.manifest("mlp", "v2").unwrap().stage, Stage::Production);
        // ... and back.
        assert_eq!(reg.rollback("mlp").unwrap(), "v1", "{what}");
        reg.promote("mlp", "v2").unwrap();

        // B is reported, with its file, beside the good versions.
        let inv = reg.inventory("mlp").unwrap();
        let good: Vec<_> = inv.versions.iter().map(|e| &e.manifest.version).collect();
        assert_eq!(good, ["v1", "v2"], "{what}");
        assert_eq!(inv.corrupt.len(), 1, "{what}");
        assert_eq!(inv.corrupt[0].version, "v3");
        assert!(
            Path::new(&inv.corrupt[0].path).ends_with("v3/manifest.json"),
            "{what}: {}",
            inv.corrupt[0].path
        );
        assert!(!inv.corrupt[0].reason.is_empty());
        // The strict listing still fails closed, naming B's file.
        assert_names(&reg.list("mlp").unwrap_err(), "v3", "manifest.json");

        // B is never promotable or loadable; active stays on A.
        assert_names(
            &reg.promote("mlp", "v3").unwrap_err(),
            "v3",
            "manifest.json",
        );
        assert_names(
            &reg.load_model("mlp", "v3", &cpu_device()).unwrap_err(),
            "v3",
            "manifest.json",
        );
        assert_names(&reg.verify("mlp", "v3").unwrap_err(), "v3", "manifest.json");
        assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v2"), "{what}");
        let (v, _) = reg
            .load_active_model("mlp", &cpu_device())
            .unwrap()
            .unwrap();
        assert_eq!(v, "v2");
    }
}

#[test]
fn a_corrupt_active_version_is_left_behind_and_never_rolled_back_to() {
    // v2 is active and last_good is v1; then v2's manifest is corrupted.
    let (dir, reg) = registry_with(&["v1", "v2", "v3"]);
    reg.promote("mlp", "v1").unwrap();
    reg.promote("mlp", "v2").unwrap();
    std::fs::write(manifest_path(dir.path(), "v2"), b"garbage").unwrap();
    // Loading the active version fails closed, naming it.
    assert_names(
        &reg.load_active_model("mlp", &cpu_device()).unwrap_err(),
        "v2",
        "manifest.json",
    );
    // Promoting v3 moves active off the corrupt version (which blocked it
    // before: its manifest was read with `?`).
    reg.promote("mlp", "v3").unwrap();
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v3"));
    assert_eq!(reg.inventory("mlp").unwrap().corrupt[0].version, "v2");
    // v2 is last_good, but rollback verifies it first: refused, naming its
    // manifest, and active stays on v3.
    assert_eq!(reg.last_good("mlp").unwrap().as_deref(), Some("v2"));
    assert_names(&reg.rollback("mlp").unwrap_err(), "v2", "manifest.json");
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v3"));
    assert_eq!(reg.manifest("mlp", "v3").unwrap().stage, Stage::Production);
}

#[test]
fn a_previously_active_version_with_changed_weights_is_never_rolled_back_to() {
    let (dir, reg) = registry_with(&["v1", "v2", "v3"]);
    reg.promote("mlp", "v1").unwrap();
    reg.promote("mlp", "v2").unwrap();
    // The manifest still reads, the weights no longer match it.
    let w = dir.path().join("mlp/versions/v2/weights.bpk");
    let mut bytes = std::fs::read(&w).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&w, bytes).unwrap();
    assert_names(&reg.verify("mlp", "v2").unwrap_err(), "v2", "weights.bpk");
    reg.promote("mlp", "v3").unwrap();
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v3"));
    // Its manifest was readable: it was archived like any other.
    assert_eq!(reg.manifest("mlp", "v2").unwrap().stage, Stage::Archived);
    // Not reported by inventory (checksums are verify's business) ...
    assert!(reg.inventory("mlp").unwrap().corrupt.is_empty());
    // ... and refused by rollback, naming the weights.
    assert_names(&reg.rollback("mlp").unwrap_err(), "v2", "weights.bpk");
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v3"));
}
