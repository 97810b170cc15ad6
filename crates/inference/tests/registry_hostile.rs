#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hostile registry directories (found by the Python property tests,
//! bindings/python/tests/test_properties_ops.py): a manifest whose
//! architecture no model can have is `Corrupt` on `verify` — before, its
//! checksums matched so `verify` passed and only a later load refused it.

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_inference::registry::Registry;

#[test]
fn an_impossible_architecture_is_corrupt_on_verify() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    let m = Mlp::new(MlpConfig::new(4, vec![8], 1), &cpu_device()).unwrap();
    reg.register("mlp", "v1", &m, Default::default()).unwrap();
    let mpath = dir.path().join("mlp/versions/v1/manifest.json");
    let original = std::fs::read_to_string(&mpath).unwrap();
    assert!(original.contains("\"input\": 4"), "{original}");
    reg.verify("mlp", "v1").unwrap();
    for bad in [
        "\"input\": 0".to_string(),
        format!("\"input\": {}", 1u64 << 62),
        "\"input\": 1048577".to_string(),
    ] {
        std::fs::write(&mpath, original.replace("\"input\": 4", &bad)).unwrap();
        for e in [
            reg.verify("mlp", "v1").unwrap_err(),
            reg.load("mlp", "v1", &cpu_device()).unwrap_err(),
            reg.promote("mlp", "v1").unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::Corrupt, "{bad}: {e}");
            let msg = e.to_string();
            assert!(
                msg.contains("architecture") && msg.contains("manifest.json"),
                "{bad}: {msg}"
            );
        }
        assert_eq!(reg.active("mlp").unwrap(), None);
    }
    std::fs::write(&mpath, &original).unwrap();
    reg.verify("mlp", "v1").unwrap();
}
