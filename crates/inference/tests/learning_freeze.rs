//! The learning-freeze flag the registry exposes (issue 17: "freeze
//! learning" used to be a JSON file nothing read): while frozen, no new
//! version is registered or promoted; rollback still works.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use tradewarden_inference::demo::load_demo_model;
use tradewarden_inference::model::cpu_device;
use tradewarden_inference::registry::Registry;

#[test]
fn a_frozen_model_refuses_register_and_promote_but_rolls_back() {
    let d = tempfile::tempdir().unwrap();
    let r = Registry::open(d.path()).unwrap();
    let m = load_demo_model(&cpu_device()).unwrap();
    r.register("m", "v1", &m, BTreeMap::new()).unwrap();
    r.promote("m", "v1").unwrap();
    r.register("m", "v2", &m, BTreeMap::new()).unwrap();
    r.promote("m", "v2").unwrap();
    assert!(r.learning_freeze("m").unwrap().is_none());
    assert!(r.freeze_learning("m", "", "x").is_err());
    r.freeze_learning("m", "rollback", "canary failed").unwrap();
    let f = r.learning_freeze("m").unwrap().unwrap();
    assert_eq!(
        (f.who.as_str(), f.why.as_str()),
        ("rollback", "canary failed")
    );
    let e = r.register("m", "v3", &m, BTreeMap::new()).unwrap_err();
    assert!(e.to_string().contains("frozen"), "{e}");
    let e = r.promote("m", "v2").unwrap_err();
    assert!(e.to_string().contains("frozen"), "{e}");
    assert_eq!(r.rollback("m").unwrap(), "v1", "rollback still works");
    // A corrupt record counts as frozen (fail closed).
    std::fs::write(d.path().join("m/learning_freeze.json"), b"{garbage").unwrap();
    assert!(r.learning_freeze("m").is_err());
    assert!(r.register("m", "v3", &m, BTreeMap::new()).is_err());
    r.unfreeze_learning("m").unwrap();
    r.register("m", "v3", &m, BTreeMap::new()).unwrap();
}
