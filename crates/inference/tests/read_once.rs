#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The path loaders read a weights file once and parse those bytes (issue
//! #20: no check-then-use, no lazy re-read). Proof: each loader is pointed
//! at a FIFO that a writer thread fills exactly once. A FIFO can be read
//! only once and not mapped or sought, so a loader that opened the path a
//! second time (or mapped it, or read tensor data lazily by offset) would
//! fail or wait for a second writer that never comes — which the test
//! reports as a failure after a generous bound instead of hanging.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use tradewarden_inference::device::cpu_device;
use tradewarden_inference::model::{Mlp, MlpConfig};
use tradewarden_inference::sequence::{
    GruModel, GruModelConfig, TransformerModel, TransformerModelConfig,
};

/// Serves `bytes` once through a FIFO at `dir/name`; returns its path.
fn fifo_once(dir: &Path, name: &str, bytes: Vec<u8>) -> PathBuf {
    let p = dir.join(name);
    let ok = std::process::Command::new("mkfifo")
        .arg(&p)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", p.display());
    let w = p.clone();
    std::thread::spawn(move || {
        use std::io::Write;
        // Opening for writing blocks until the loader opens for reading.
        let mut f = std::fs::OpenOptions::new().write(true).open(&w).unwrap();
        let _ = f.write_all(&bytes); // a loader that stops reading early gets EPIPE
    });
    p
}

/// Runs `load` on another thread; a loader that blocks on a second open of
/// the FIFO is a failure, not a hung test.
fn within_bound<T: Send + 'static>(load: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load());
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("the loader did not return: it opened the path again")
}

fn probe(n_features: usize, rows: usize) -> Vec<f32> {
    (0..n_features * rows)
        .map(|i| ((i as f32) * 0.37).sin())
        .collect()
}

#[test]
fn mlp_burnpack_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let dev = cpu_device();
    let cfg = MlpConfig::new(4, vec![8], 2);
    let m = Mlp::new(cfg.clone(), &dev).unwrap();
    let file = dir.path().join("m.bpk");
    m.save_burnpack(&file).unwrap();
    let fifo = fifo_once(dir.path(), "m.fifo", std::fs::read(&file).unwrap());
    let loaded = within_bound(move || Mlp::load_burnpack(&fifo, cfg, &cpu_device()));
    let loaded = loaded.unwrap();
    let x = probe(4, 3);
    assert_eq!(
        loaded.forward_f32(&x, 3).unwrap(),
        m.forward_f32(&x, 3).unwrap()
    );
}

#[test]
fn mlp_safetensors_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mlp_tiny.safetensors");
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(data.with_file_name("mlp_tiny_expected.json")).unwrap(),
    )
    .unwrap();
    let cfg: MlpConfig = serde_json::from_value(expected["config"].clone()).unwrap();
    let from_file = Mlp::load_safetensors(&data, cfg.clone(), &cpu_device()).unwrap();
    let fifo = fifo_once(dir.path(), "t.fifo", std::fs::read(&data).unwrap());
    let loaded = within_bound(move || Mlp::load_safetensors(&fifo, cfg, &cpu_device())).unwrap();
    let n = from_file.config().input;
    let x = probe(n, 2);
    assert_eq!(
        loaded.forward_f32(&x, 2).unwrap(),
        from_file.forward_f32(&x, 2).unwrap()
    );
}

#[test]
fn gru_and_transformer_burnpack_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let dev = cpu_device();
    let gcfg = GruModelConfig::new(3, 5, 8, 1);
    let g = GruModel::new(gcfg.clone(), &dev).unwrap();
    let gfile = dir.path().join("g.bpk");
    g.save_burnpack(&gfile).unwrap();
    let gfifo = fifo_once(dir.path(), "g.fifo", std::fs::read(&gfile).unwrap());
    let g2 = within_bound(move || GruModel::load_burnpack(&gfifo, gcfg, &cpu_device())).unwrap();
    let x = probe(3 * 5, 2);
    assert_eq!(
        g2.forward_f32(&x, 2).unwrap(),
        g.forward_f32(&x, 2).unwrap()
    );

    let tcfg = TransformerModelConfig::new(3, 5, 8, 2, 1, 16, 1);
    let t = TransformerModel::new(tcfg.clone(), &dev).unwrap();
    let tfile = dir.path().join("t.bpk");
    t.save_burnpack(&tfile).unwrap();
    let tfifo = fifo_once(dir.path(), "t.fifo", std::fs::read(&tfile).unwrap());
    let t2 =
        within_bound(move || TransformerModel::load_burnpack(&tfifo, tcfg, &cpu_device())).unwrap();
    assert_eq!(
        t2.forward_f32(&x, 2).unwrap(),
        t.forward_f32(&x, 2).unwrap()
    );
}

#[test]
fn a_missing_file_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let e = Mlp::load_burnpack(
        dir.path().join("nope.bpk"),
        MlpConfig::new(4, vec![8], 1),
        &cpu_device(),
    )
    .unwrap_err();
    assert_eq!(
        tradewarden_core::Classify::kind(&e),
        tradewarden_core::ErrorKind::NotFound,
        "{e}"
    );
}
