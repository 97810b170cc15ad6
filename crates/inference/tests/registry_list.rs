#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `Registry::list`: every version with its manifest and the active /
//! last-good flags, in registration order; typed errors on corrupt documents.

use std::collections::BTreeMap;
use std::time::Duration;

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::InferenceError;
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_inference::registry::{Registry, Stage, sha256_file};

fn model() -> Mlp {
    Mlp::new(MlpConfig::new(3, vec![4], 2), &cpu_device()).unwrap()
}

/// Registers `versions` in this order, 5 ms apart (created_at has
/// millisecond resolution).
fn registry_with(versions: &[&str]) -> (tempfile::TempDir, Registry) {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    for (i, v) in versions.iter().enumerate() {
        let metrics = BTreeMap::from([("rmse".to_string(), i as f64)]);
        reg.register("mlp", v, &model(), metrics).unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    (dir, reg)
}

fn tags(reg: &Registry) -> Vec<String> {
    reg.list("mlp")
        .unwrap()
        .into_iter()
        .map(|e| e.manifest.version)
        .collect()
}

#[test]
fn lists_in_registration_order_not_by_name() {
    // Sorted by name these would be a, v10, v2.
    let (dir, reg) = registry_with(&["v2", "v10", "a"]);
    let list = reg.list("mlp").unwrap();
    assert_eq!(tags(&reg), vec!["v2", "v10", "a"]);
    for (i, e) in list.iter().enumerate() {
        let v = &e.manifest.version;
        // The manifest data, as stored.
        assert_eq!(e.manifest, reg.manifest("mlp", v).unwrap());
        assert_eq!(e.manifest.name, "mlp");
        assert_eq!(e.manifest.stage, Stage::Development);
        assert_eq!(e.manifest.metrics["rmse"], i as f64);
        let weights = dir.path().join("mlp/versions").join(v).join("weights.bpk");
        assert_eq!(
            e.manifest.files["weights.bpk"],
            sha256_file(&weights).unwrap()
        );
        assert!(!e.active && !e.last_good);
    }
    assert!(list[0].manifest.created_at < list[1].manifest.created_at);
    assert!(list[1].manifest.created_at < list[2].manifest.created_at);
    // versions() keeps its name order.
    assert_eq!(reg.versions("mlp").unwrap(), vec!["a", "v10", "v2"]);
}

#[test]
fn same_millisecond_registrations_fall_back_to_the_tag() {
    let (dir, reg) = registry_with(&["b", "a", "c"]);
    // Give b and a the same created_at (as two registrations within one ms).
    let t = reg.manifest("mlp", "b").unwrap().created_at;
    let path = dir.path().join("mlp/versions/a/manifest.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["created_at"] = serde_json::json!(t);
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    assert_eq!(tags(&reg), vec!["a", "b", "c"]);
}

#[test]
fn flags_follow_promote_and_rollback() {
    let (_dir, reg) = registry_with(&["v1", "v2", "v3"]);
    reg.stage("mlp", "v3", Stage::Staging).unwrap();
    reg.promote("mlp", "v1").unwrap();
    reg.promote("mlp", "v2").unwrap();
    let flags = |reg: &Registry| -> Vec<(String, Stage, bool, bool)> {
        reg.list("mlp")
            .unwrap()
            .into_iter()
            .map(|e| (e.manifest.version, e.manifest.stage, e.active, e.last_good))
            .collect()
    };
    assert_eq!(
        flags(&reg),
        vec![
            ("v1".into(), Stage::Archived, false, true),
            ("v2".into(), Stage::Production, true, false),
            ("v3".into(), Stage::Staging, false, false),
        ]
    );
    assert_eq!(reg.rollback("mlp").unwrap(), "v1");
    assert_eq!(
        flags(&reg),
        vec![
            ("v1".into(), Stage::Production, true, true),
            ("v2".into(), Stage::Archived, false, false),
            ("v3".into(), Stage::Staging, false, false),
        ]
    );
}

#[test]
fn unknown_model_lists_nothing_and_bad_name_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    assert!(reg.list("nothing").unwrap().is_empty());
    let e = reg.list("../x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

fn assert_corrupt(reg: &Registry, needle: &str) {
    let e = reg.list("mlp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    match &e {
        InferenceError::CorruptDocument { path, .. } => {
            assert!(path.contains(needle), "{path} does not name {needle}")
        }
        other => panic!("expected CorruptDocument, got {other:?}"),
    }
}

#[test]
fn corrupt_manifest_is_a_typed_error() {
    let (dir, reg) = registry_with(&["v1", "v2"]);
    let path = dir.path().join("mlp/versions/v2/manifest.json");
    let good = std::fs::read_to_string(&path).unwrap();

    // Truncated JSON.
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    assert_corrupt(&reg, "v2");

    // Valid JSON naming another version.
    std::fs::write(&path, good.replace("\"v2\"", "\"v1\"")).unwrap();
    assert_corrupt(&reg, "v2");

    // Unknown field (manifests reject them).
    let mut doc: serde_json::Value = serde_json::from_str(&good).unwrap();
    doc["surprise"] = serde_json::json!(1);
    std::fs::write(&path, doc.to_string()).unwrap();
    assert_corrupt(&reg, "v2");

    // Missing manifest (what an interrupted registration left before
    // registration was atomic): not a version, skipped.
    std::fs::remove_file(&path).unwrap();
    assert_eq!(tags(&reg), vec!["v1"]);

    std::fs::write(&path, &good).unwrap();
    assert_eq!(tags(&reg), vec!["v1", "v2"]);
}

#[test]
fn corrupt_pointer_is_a_typed_error() {
    let (dir, reg) = registry_with(&["v1"]);
    reg.promote("mlp", "v1").unwrap();
    std::fs::write(dir.path().join("mlp/active.json"), "{\"version\": ").unwrap();
    assert_corrupt(&reg, "active.json");
}
