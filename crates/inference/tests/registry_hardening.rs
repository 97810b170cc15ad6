#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Registry hardening: atomic registration (a crash leaves nothing that
//! breaks `list` or blocks re-registering), load parses the bytes it hashed,
//! ed25519-signed manifests refused when unsigned or altered on a registry
//! with a verifying key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tradewarden_core::{Classify, ErrorKind};
use tradewarden_inference::any::{Architecture, Servable};
use tradewarden_inference::model::{Mlp, MlpConfig, cpu_device};
use tradewarden_inference::registry::{
    Registry, RegistryOptions, SigningKey, key_hex, load_signing_key, load_verifying_key,
    signing_key_from_bytes, verifying_key_from_bytes,
};
use tradewarden_inference::{InferenceError, Result};

fn constant_model(c: f32) -> Mlp {
    let cfg = MlpConfig::new(3, vec![4], 2);
    let layers: Vec<(Vec<f32>, Vec<f32>)> = cfg
        .layer_shapes()
        .iter()
        .enumerate()
        .map(|(i, (fi, fo))| (vec![0.0; fi * fo], vec![if i == 1 { c } else { 0.0 }; *fo]))
        .collect();
    Mlp::from_pytorch_weights(cfg, &layers, &cpu_device()).unwrap()
}

fn predicts(reg: &Registry, version: &str) -> Vec<f32> {
    reg.load("mlp", version, &cpu_device())
        .unwrap()
        .forward_f64(&[0.0; 3], 1)
        .unwrap()
}

fn versions_dir(dir: &Path) -> PathBuf {
    dir.join("mlp/versions")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn tags(reg: &Registry) -> Vec<String> {
    reg.list("mlp")
        .unwrap()
        .into_iter()
        .map(|e| e.manifest.version)
        .collect()
}

fn set_mtime_hours_ago(path: &Path, hours: u64) {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
    std::fs::File::open(path).unwrap().set_modified(t).unwrap();
}

// ------------------------------------------------- atomic registration --

#[test]
fn leftover_temp_dirs_are_ignored_and_cleaned_and_the_version_registers() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    reg.register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
        .unwrap();
    let vd = versions_dir(dir.path());
    // What a registration killed mid-way leaves, named as the registry names
    // it: `.tmp+<version>+<pid>+<n>`. A pid above Linux's pid_max is gone.
    let dead = vd.join(".tmp+v2+4000000000+0");
    std::fs::create_dir(&dead).unwrap();
    std::fs::write(dead.join("weights.bpk"), b"half a checkpoint").unwrap();
    // One of this (live) process, recent: a registration in progress, kept.
    let live = vd.join(format!(".tmp+v2+{}+999999", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    // One of this process but older than an hour: removed.
    let old = vd.join(format!(".tmp+v3+{}+999998", std::process::id()));
    std::fs::create_dir(&old).unwrap();
    std::fs::write(old.join("weights.bpk"), b"x").unwrap();
    set_mtime_hours_ago(&old, 2);

    assert_eq!(reg.versions("mlp").unwrap(), vec!["v1"]);
    assert_eq!(tags(&reg), vec!["v1"]);
    reg.promote("mlp", "v1").unwrap();

    reg.register("mlp", "v2", &constant_model(2.0), BTreeMap::new())
        .unwrap();
    assert!(!dead.exists(), "a dead process's leftover is removed");
    assert!(!old.exists(), "an hour-old leftover is removed");
    assert!(live.exists(), "a live registration is left alone");
    assert_eq!(tags(&reg), vec!["v1", "v2"]);
    assert_eq!(predicts(&reg, "v2"), vec![2.0, 2.0]);
    reg.promote("mlp", "v2").unwrap();
    // Nothing else was left beside the versions.
    let live_name = live.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(entries(&vd), vec![live_name, "v1".into(), "v2".into()]);
}

#[test]
fn a_version_dir_without_manifest_is_not_a_version_and_is_replaced() {
    // What an interrupted registration left before registration was atomic:
    // the version directory with (part of) the weights and no manifest.
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    reg.register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
        .unwrap();
    let half = versions_dir(dir.path()).join("v2");
    std::fs::create_dir(&half).unwrap();
    std::fs::write(half.join("weights.bpk"), b"half a checkpoint").unwrap();

    assert_eq!(tags(&reg), vec!["v1"]);
    assert_eq!(reg.versions("mlp").unwrap(), vec!["v1"]);
    reg.promote("mlp", "v1").unwrap(); // walks every version
    assert_eq!(
        reg.load("mlp", "v2", &cpu_device()).unwrap_err().kind(),
        ErrorKind::NotFound
    );

    reg.register("mlp", "v2", &constant_model(2.0), BTreeMap::new())
        .unwrap();
    assert_eq!(tags(&reg), vec!["v1", "v2"]);
    assert_eq!(predicts(&reg, "v2"), vec![2.0, 2.0]);
    assert_eq!(entries(&versions_dir(dir.path())), vec!["v1", "v2"]);
    // and it is now immutable like any version
    let e = reg
        .register("mlp", "v2", &constant_model(3.0), BTreeMap::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::State);
}

/// Writes part of a checkpoint, then fails (or panics, as a crash would).
struct Interrupted {
    inner: Mlp,
    panic: bool,
}

impl Servable for Interrupted {
    fn architecture(&self) -> Architecture {
        self.inner.architecture()
    }
    fn save_weights(&self, path: &Path) -> Result<()> {
        std::fs::write(path, b"half a checkpoint").unwrap();
        if self.panic {
            panic!("simulated crash while writing {}", path.display());
        }
        Err(InferenceError::Weights {
            path: path.display().to_string(),
            reason: "simulated failure".into(),
        })
    }
}

#[test]
fn an_interrupted_registration_leaves_no_version() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    reg.register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
        .unwrap();

    // A failed write: the temporary directory is removed.
    let failing = Interrupted {
        inner: constant_model(9.0),
        panic: false,
    };
    let e = reg
        .register("mlp", "v2", &failing, BTreeMap::new())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(entries(&versions_dir(dir.path())), vec!["v1"]);

    // A crash mid-write (a panic stands in for a kill): the temporary
    // directory stays, but it is no version and does not block v2.
    let crashing = Interrupted {
        inner: constant_model(9.0),
        panic: true,
    };
    let reg2 = reg.clone();
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _ = reg2.register("mlp", "v2", &crashing, BTreeMap::new());
    }));
    assert!(crashed.is_err());
    let left = entries(&versions_dir(dir.path()));
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].starts_with(".tmp+v2+"), "{left:?}");
    assert_eq!(tags(&reg), vec!["v1"]);
    assert_eq!(reg.versions("mlp").unwrap(), vec!["v1"]);

    reg.register("mlp", "v2", &constant_model(2.0), BTreeMap::new())
        .unwrap();
    assert_eq!(tags(&reg), vec!["v1", "v2"]);
    assert_eq!(predicts(&reg, "v2"), vec![2.0, 2.0]);
}

// ------------------------------------------------ verified single read --

#[test]
fn weights_swapped_for_other_valid_weights_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    for (v, c) in [("v1", 1.0), ("v2", 2.0)] {
        reg.register("mlp", v, &constant_model(c), BTreeMap::new())
            .unwrap();
    }
    let vd = versions_dir(dir.path());
    std::fs::copy(vd.join("v2/weights.bpk"), vd.join("v1/weights.bpk")).unwrap();
    let e = reg.load("mlp", "v1", &cpu_device()).unwrap_err();
    assert!(matches!(e, InferenceError::ChecksumMismatch { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::Corrupt);
}

/// The weights file flips between the registered bytes and another valid
/// checkpoint while loads run. Every load that succeeds must be the
/// registered model: verification and parsing see the same bytes (the old
/// hash-then-reopen path could hash the registered file and parse the
/// other). The deterministic proof is the unit test
/// `registry::tests::load_parses_the_bytes_it_hashed`.
#[test]
fn a_load_racing_a_weights_swap_never_returns_unverified_weights() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    for (v, c) in [("v1", 1.0), ("v2", 2.0)] {
        reg.register("mlp", v, &constant_model(c), BTreeMap::new())
            .unwrap();
    }
    let vd = versions_dir(dir.path());
    let good = std::fs::read(vd.join("v1/weights.bpk")).unwrap();
    let evil = std::fs::read(vd.join("v2/weights.bpk")).unwrap();
    let target = vd.join("v1/weights.bpk");
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let target = target.clone();
        std::thread::spawn(move || {
            let tmp = target.with_extension("swap");
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                for bytes in [&evil, &good] {
                    std::fs::write(&tmp, bytes).unwrap();
                    std::fs::rename(&tmp, &target).unwrap();
                }
                swaps += 1;
            }
            swaps
        })
    };
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..400 {
        match reg.load("mlp", "v1", &cpu_device()) {
            Ok(m) => {
                assert_eq!(m.forward_f64(&[0.0; 3], 1).unwrap(), vec![1.0, 1.0]);
                ok += 1;
            }
            Err(e) => {
                assert!(matches!(e, InferenceError::ChecksumMismatch { .. }), "{e}");
                refused += 1;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0);
    assert_eq!(ok + refused, 400);
}

/// A loaded model holds its weights in memory: removing the version's files
/// afterwards changes nothing (a store opened on the file would read window
/// models' tensors lazily, at their first prediction — after the check, and
/// a panic if the file is gone).
#[test]
fn loaded_models_never_read_the_registry_files_again() {
    use tradewarden_inference::model::OutputKind;
    use tradewarden_inference::sequence::{
        GruModel, GruModelConfig, TransformerModel, TransformerModelConfig,
    };
    let (f, w) = (5, 12);
    let dev = cpu_device();
    let gru = GruModel::new(GruModelConfig::new(f, w, 8, 3), &dev).unwrap();
    let tf = TransformerModel::new(
        TransformerModelConfig::new(f, w, 16, 4, 1, 32, 3).with_output_kind(OutputKind::Classes),
        &dev,
    )
    .unwrap();
    let x: Vec<f64> = (0..2 * w * f)
        .map(|i| ((i * 37 % 101) as f64) / 50.0 - 1.0)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    reg.register("win", "g1", &gru, BTreeMap::new()).unwrap();
    reg.register("win", "t1", &tf, BTreeMap::new()).unwrap();
    reg.register("mlp", "m1", &constant_model(4.0), BTreeMap::new())
        .unwrap();
    let g = reg.load_model("win", "g1", &dev).unwrap();
    let t = reg.load_model("win", "t1", &dev).unwrap();
    let m = reg.load_model("mlp", "m1", &dev).unwrap();
    std::fs::remove_dir_all(dir.path().join("win")).unwrap();
    std::fs::remove_dir_all(dir.path().join("mlp")).unwrap();
    assert_eq!(
        g.forward_f64(&x, 2).unwrap(),
        gru.forward_f64(&x, 2).unwrap()
    );
    assert_eq!(
        t.forward_f64(&x, 2).unwrap(),
        tf.forward_f64(&x, 2).unwrap()
    );
    assert_eq!(m.forward_f64(&[0.0; 3], 1).unwrap(), vec![4.0, 4.0]);
    // copies too (a clone of a lazily file-backed tensor reads the file)
    let g2 = g.clone();
    assert_eq!(
        g2.forward_f64(&x, 2).unwrap(),
        gru.forward_f64(&x, 2).unwrap()
    );
}

// ------------------------------------------------------- signatures --

fn key(seed: u8) -> SigningKey {
    signing_key_from_bytes(&[seed; 32]).unwrap()
}

fn signed_registry(dir: &Path, seed: u8) -> Registry {
    let opts = RegistryOptions::default().with_verifying_key(key(seed).verifying_key());
    Registry::open_with(dir, opts).unwrap()
}

/// A refusal for want of a valid signature: `CorruptDocument` naming
/// `manifest.sig`, kind `Corrupt`.
fn assert_refused(r: std::result::Result<impl std::fmt::Debug, InferenceError>, why: &str) {
    let e = r.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    match &e {
        InferenceError::CorruptDocument { path, reason } => {
            assert!(path.ends_with("manifest.sig"), "{path}");
            assert!(reason.contains(why), "{reason:?} lacks {why:?}");
        }
        other => panic!("expected CorruptDocument, got {other:?}"),
    }
}

#[test]
fn a_signed_version_loads_with_the_key_through_every_door() {
    let dir = tempfile::tempdir().unwrap();
    let reg = signed_registry(dir.path(), 7);
    let dev = cpu_device();
    let m = reg
        .register_signed(
            "mlp",
            "v1",
            &constant_model(1.0),
            BTreeMap::from([("rmse".into(), 0.123_456_789_012_345_67)]),
            &key(7),
        )
        .unwrap();
    let sig = std::fs::read_to_string(versions_dir(dir.path()).join("v1/manifest.sig")).unwrap();
    assert_eq!(sig.len(), 129, "{sig:?}");
    assert!(sig.trim_end().chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(reg.verify("mlp", "v1").unwrap(), m);
    assert_eq!(predicts(&reg, "v1"), vec![1.0, 1.0]);
    reg.register_signed("mlp", "v2", &constant_model(2.0), BTreeMap::new(), &key(7))
        .unwrap();
    // promote rewrites the stage in the manifest: the signature still holds
    reg.promote("mlp", "v1").unwrap();
    reg.promote("mlp", "v2").unwrap();
    let (v, model) = reg.load_active_model("mlp", &dev).unwrap().unwrap();
    assert_eq!(v, "v2");
    assert_eq!(model.forward_f64(&[0.0; 3], 1).unwrap(), vec![2.0, 2.0]);
    assert_eq!(reg.rollback("mlp").unwrap(), "v1");
    assert_eq!(reg.load_active("mlp", &dev).unwrap().unwrap().0, "v1");
    assert!(reg.list("mlp").unwrap().iter().all(|e| e.signed));
}

#[test]
fn unsigned_versions_are_refused_by_a_registry_with_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let reg = signed_registry(dir.path(), 7);
    let dev = cpu_device();
    reg.register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
        .unwrap();
    assert_refused(reg.load_model("mlp", "v1", &dev), "unsigned");
    assert_refused(reg.load("mlp", "v1", &dev), "unsigned");
    assert_refused(reg.verify("mlp", "v1"), "unsigned");
    assert_refused(reg.promote("mlp", "v1"), "unsigned");
    assert!(reg.active("mlp").unwrap().is_none());
    assert!(!reg.list("mlp").unwrap()[0].signed);
    // a review step signs it; then it serves
    reg.sign("mlp", "v1", &key(7)).unwrap();
    reg.promote("mlp", "v1").unwrap();
    assert_eq!(reg.load_active("mlp", &dev).unwrap().unwrap().0, "v1");
    // signing with a key that is not the registry's is refused up front
    let e = reg.sign("mlp", "v1", &key(8)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = reg
        .register_signed("mlp", "v2", &constant_model(2.0), BTreeMap::new(), &key(8))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(reg.versions("mlp").unwrap(), vec!["v1"]);
}

#[test]
fn a_version_signed_by_another_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    Registry::open(dir.path())
        .unwrap()
        .register_signed("mlp", "v1", &constant_model(1.0), BTreeMap::new(), &key(8))
        .unwrap();
    let reg = signed_registry(dir.path(), 7);
    assert_refused(reg.load("mlp", "v1", &cpu_device()), "does not verify");
    // the right key loads it
    assert_eq!(
        predicts(&signed_registry(dir.path(), 8), "v1"),
        vec![1.0, 1.0]
    );
}

#[test]
fn a_tampered_manifest_or_signature_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reg = signed_registry(dir.path(), 7);
    let dev = cpu_device();
    for (v, c) in [("v1", 1.0), ("v2", 2.0)] {
        reg.register_signed(
            "mlp",
            v,
            &constant_model(c),
            BTreeMap::from([("rmse".into(), 0.5)]),
            &key(7),
        )
        .unwrap();
    }
    reg.promote("mlp", "v1").unwrap();
    let vd = versions_dir(dir.path());
    let man = vd.join("v2/manifest.json");
    let sig = vd.join("v2/manifest.sig");
    let good_man = std::fs::read_to_string(&man).unwrap();
    let good_sig = std::fs::read_to_string(&sig).unwrap();

    // An edited metric (the checksums still match).
    std::fs::write(&man, good_man.replace("0.5", "0.05")).unwrap();
    assert_refused(reg.load("mlp", "v2", &dev), "does not verify");
    assert_refused(reg.promote("mlp", "v2"), "does not verify");
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v1"));

    // Other weights with a consistent checksum: integrity holds, the
    // signature does not.
    let w1 = vd.join("v1/weights.bpk");
    let w2 = vd.join("v2/weights.bpk");
    let good_w2 = std::fs::read(&w2).unwrap();
    std::fs::copy(&w1, &w2).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&good_man).unwrap();
    doc["files"]["weights.bpk"] = reg.manifest("mlp", "v1").unwrap().files["weights.bpk"]
        .clone()
        .into();
    std::fs::write(&man, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    Registry::open(dir.path())
        .unwrap()
        .verify("mlp", "v2")
        .unwrap(); // consistent without a key
    assert_refused(reg.verify("mlp", "v2"), "does not verify");
    assert_refused(reg.load("mlp", "v2", &dev), "does not verify");
    std::fs::write(&w2, &good_w2).unwrap();
    std::fs::write(&man, &good_man).unwrap();

    // The version moved under another tag: the signature names the version.
    // (Manifest names are checked first; a renamed copy with its manifest
    // edited to match is refused by the signature.)
    let copy = vd.join("v3");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(&w2, copy.join("weights.bpk")).unwrap();
    std::fs::write(
        copy.join("manifest.json"),
        good_man.replace("\"v2\"", "\"v3\""),
    )
    .unwrap();
    std::fs::copy(&sig, copy.join("manifest.sig")).unwrap();
    assert_refused(reg.load("mlp", "v3", &dev), "does not verify");

    // A flipped signature character, a truncated signature, garbage.
    let flipped: String = good_sig
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 10 {
                if c == '0' { '1' } else { '0' }
            } else {
                c
            }
        })
        .collect();
    std::fs::write(&sig, flipped).unwrap();
    assert_refused(reg.load("mlp", "v2", &dev), "does not verify");
    std::fs::write(&sig, &good_sig[..64]).unwrap();
    assert_refused(reg.load("mlp", "v2", &dev), "malformed");
    std::fs::write(&sig, "not a signature").unwrap();
    assert_refused(reg.verify("mlp", "v2"), "malformed");
    std::fs::remove_file(&sig).unwrap();
    assert_refused(reg.load("mlp", "v2", &dev), "unsigned");

    // Restored: it loads again.
    std::fs::write(&sig, &good_sig).unwrap();
    assert_eq!(predicts(&reg, "v2"), vec![2.0, 2.0]);
    reg.promote("mlp", "v2").unwrap();
}

#[test]
fn rollback_to_an_unsigned_last_good_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plain = Registry::open(dir.path()).unwrap();
    plain
        .register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
        .unwrap();
    plain.promote("mlp", "v1").unwrap();
    plain
        .register_signed("mlp", "v2", &constant_model(2.0), BTreeMap::new(), &key(7))
        .unwrap();
    plain.promote("mlp", "v2").unwrap();
    let reg = signed_registry(dir.path(), 7);
    assert_refused(reg.rollback("mlp"), "unsigned");
    assert_eq!(reg.active("mlp").unwrap().as_deref(), Some("v2"));
    assert_eq!(
        reg.load_active("mlp", &cpu_device()).unwrap().unwrap().0,
        "v2"
    );
}

#[test]
fn without_a_key_unsigned_and_signed_versions_load_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    assert!(reg.verifying_key().is_none());
    reg.register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
        .unwrap();
    reg.register_signed("mlp", "v2", &constant_model(2.0), BTreeMap::new(), &key(7))
        .unwrap();
    // a mangled signature is not even read without a key
    std::fs::write(versions_dir(dir.path()).join("v2/manifest.sig"), "junk").unwrap();
    reg.promote("mlp", "v1").unwrap();
    reg.promote("mlp", "v2").unwrap();
    assert_eq!(predicts(&reg, "v1"), vec![1.0, 1.0]);
    assert_eq!(predicts(&reg, "v2"), vec![2.0, 2.0]);
    assert_eq!(reg.rollback("mlp").unwrap(), "v1");
}

#[test]
fn a_manifest_written_by_the_previous_layout_still_loads() {
    // A version laid out by hand exactly as earlier releases wrote it.
    let dir = tempfile::tempdir().unwrap();
    let vdir = versions_dir(dir.path()).join("old");
    std::fs::create_dir_all(&vdir).unwrap();
    let w = vdir.join("weights.bpk");
    constant_model(3.0).save_burnpack(&w).unwrap();
    let sha = tradewarden_inference::registry::sha256_file(&w).unwrap();
    let manifest = format!(
        r#"{{
  "name": "mlp",
  "version": "old",
  "architecture": {{"input": 3, "hidden": [4], "output": 2, "activation": "relu", "output_kind": "point"}},
  "files": {{"weights.bpk": "{sha}"}},
  "metrics": {{"rmse": 0.25}},
  "stage": "staging",
  "created_at": 1700000000.125
}}"#
    );
    std::fs::write(vdir.join("manifest.json"), manifest).unwrap();
    let reg = Registry::open(dir.path()).unwrap();
    assert_eq!(tags(&reg), vec!["old"]);
    assert_eq!(predicts(&reg, "old"), vec![3.0, 3.0]);
    reg.promote("mlp", "old").unwrap();
    // and can be signed after the fact
    reg.sign("mlp", "old", &key(7)).unwrap();
    assert_eq!(
        predicts(&signed_registry(dir.path(), 7), "old"),
        vec![3.0, 3.0]
    );
}

// -------------------------------------------------------------- keys --

#[test]
fn keys_load_from_raw_or_hex_files_and_bad_keys_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let sk = key(42);
    let pk = sk.verifying_key();
    let raw = dir.path().join("raw.key");
    std::fs::write(&raw, sk.to_bytes()).unwrap();
    let hexf = dir.path().join("hex.key");
    std::fs::write(&hexf, format!("{}\n", key_hex(&sk.to_bytes()))).unwrap();
    let pubf = dir.path().join("registry.pub");
    std::fs::write(
        &pubf,
        format!("  {}\n", key_hex(pk.as_bytes()).to_uppercase()),
    )
    .unwrap();
    assert_eq!(load_signing_key(&raw).unwrap().to_bytes(), sk.to_bytes());
    assert_eq!(load_signing_key(&hexf).unwrap().to_bytes(), sk.to_bytes());
    assert_eq!(load_verifying_key(&pubf).unwrap(), pk);
    std::fs::write(dir.path().join("pub.raw"), pk.as_bytes()).unwrap();
    assert_eq!(load_verifying_key(dir.path().join("pub.raw")).unwrap(), pk);

    let secret = key_hex(&sk.to_bytes());
    let bads = [
        secret[..62].to_string(),
        format!("{secret}00"),
        format!("{}g", &secret[..63]),
    ];
    for bad in &bads {
        let e = signing_key_from_bytes(bad.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(!e.to_string().contains(&secret[..16]), "key echoed: {e}");
    }
    let e = load_signing_key(dir.path().join("missing.key")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    std::fs::write(dir.path().join("short.key"), b"abc").unwrap();
    let e = load_signing_key(dir.path().join("short.key")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("short.key"), "{e}");
    // Not every 32 bytes are a curve point.
    let mut not_a_point = [0u8; 32];
    not_a_point[0] = 2;
    not_a_point[31] = 0x7f;
    let r = verifying_key_from_bytes(&not_a_point);
    if let Err(e) = r {
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}

/// The key-pair recipe of docs/inference.md (skipped where `openssl` or
/// `xxd` is missing): the public key file is the signing key's public half.
#[test]
fn the_documented_openssl_recipe_makes_a_matching_pair() {
    let dir = tempfile::tempdir().unwrap();
    let script = "openssl genpkey -algorithm ed25519 -out registry.pem && \
        openssl pkey -in registry.pem -outform DER | tail -c 32 | xxd -p -c 64 > registry.key && \
        openssl pkey -in registry.pem -pubout -outform DER | tail -c 32 | xxd -p -c 64 > registry.pub";
    let ran = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "command -v openssl >/dev/null && command -v xxd >/dev/null || exit 77; {script}"
        ))
        .current_dir(dir.path())
        .status();
    match ran.map(|s| s.code()) {
        Ok(Some(0)) => {}
        Ok(Some(77)) | Err(_) => {
            eprintln!("openssl or xxd not found: recipe not checked");
            return;
        }
        other => panic!("recipe failed: {other:?}"),
    }
    let sk = load_signing_key(dir.path().join("registry.key")).unwrap();
    let pk = load_verifying_key(dir.path().join("registry.pub")).unwrap();
    assert_eq!(sk.verifying_key(), pk);
}
