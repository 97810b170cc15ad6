//! A model registry on disk: versions with checksummed (and optionally
//! signed) manifests, `active` and `last_good` pointers switched atomically,
//! promote / rollback / verify.
//!
//! Layout under the registry root, per model name (the model *type*, e.g.
//! `regime_mlp`):
//!
//! ```text
//! <root>/<name>/versions/<version>/weights.bpk      burnpack weights
//! <root>/<name>/versions/<version>/manifest.json    Manifest (sha256 of every file, config, metrics, stage)
//! <root>/<name>/versions/<version>/manifest.sig     Optional ed25519 signature of the manifest (hex)
//! <root>/<name>/versions/.tmp+<version>+<pid>+<n>   A registration in progress (or left by a crash)
//! <root>/<name>/active.json                         Pointer to the serving version
//! <root>/<name>/last_good.json                      Pointer to the version rollback returns to
//! ```
//!
//! **Registration is atomic.** A version is written into a temporary
//! directory beside the versions (`.tmp+<version>+<pid>+<n>`: `+` is not
//! allowed in a version tag, so the name can never be taken for one, not
//! even by older readers), every file and the directory are fsynced, then
//! the directory is renamed to its final name and the parent is fsynced. A
//! crash leaves either no version or a complete one. Leftover temporary
//! directories are ignored by [`Registry::versions`] and [`Registry::list`]
//! and removed (best effort) by the next registration of that model when
//! their process is gone (Linux: no `/proc/<pid>`) or they are older than
//! an hour. A version directory without `manifest.json` (what an interrupted
//! registration left before registration was atomic) is not a version: it
//! is skipped by `versions` / `list` and replaced when that version is
//! registered again.
//!
//! Manifests and pointers are rewritten with
//! [`tradewarden_core::fs::write_atomic`] (temp file, fsync, rename), so a
//! crash leaves the old or the new document, never a torn one.
//!
//! **Loading verifies and parses the same bytes.** [`Registry::load_model`]
//! (and everything that loads: [`Registry::load`], the `load_active*`
//! functions, [`Registry::promote`], [`Registry::rollback`]) reads the
//! manifest once and the weights file once into memory, checks the sha256
//! of those bytes against the manifest, and builds the model from that
//! buffer: the registry files are never opened again, so a file replaced
//! after the check cannot be loaded. A corrupt or mismatched checkpoint is
//! refused with a typed error ([`InferenceError::ChecksumMismatch`],
//! [`InferenceError::Weights`], [`InferenceError::CorruptDocument`]) and a
//! [`Predictor`](crate::Predictor) fed from the registry keeps serving its
//! current model. A missing `active.json` means "nothing to serve"
//! (`Ok(None)`); an unreadable one is an error, never a guess.
//!
//! **Signatures.** The sha256 checksums give integrity, not authenticity:
//! anyone who can write the registry can write a matching manifest. A
//! version registered with [`Registry::register_signed`] (or signed later
//! with [`Registry::sign`]) carries `manifest.sig`, an ed25519 signature of
//! [`Manifest::signing_payload`] (every manifest field but the mutable
//! `stage`, so promote and rollback keep it valid; the weights are covered
//! through their sha256). A registry opened with a verifying key
//! ([`Registry::open_with`], [`RegistryOptions::with_verifying_key`]) refuses
//! to load, verify, promote or roll back to a version that is unsigned or
//! whose manifest or signature was altered, with
//! [`InferenceError::CorruptDocument`] (kind `Corrupt`) naming
//! `manifest.sig`. Without a key, signatures are not checked and unsigned
//! registries load as before. Keys are 32 bytes, raw or as 64 hex
//! characters ([`load_signing_key`], [`load_verifying_key`]). The pointers
//! are not signed: whoever can write the registry can still point `active`
//! at another *signed* version.
//!
//! ```
//! use tradewarden_inference::model::{cpu_device, Mlp, MlpConfig};
//! use tradewarden_inference::registry::{Registry, Stage};
//! let dir = tempfile::tempdir().unwrap();
//! let reg = Registry::open(dir.path()).unwrap();
//! let dev = cpu_device();
//! let m = Mlp::new(MlpConfig::new(4, vec![8], 1), &dev).unwrap();
//! reg.register("demo", "v1", &m, Default::default()).unwrap();
//! reg.promote("demo", "v1").unwrap();
//! let (version, _model) = reg.load_active("demo", &dev).unwrap().unwrap();
//! assert_eq!(version, "v1");
//! assert_eq!(reg.manifest("demo", "v1").unwrap().stage, Stage::Production);
//! ```
//!
//! Signed:
//!
//! ```
//! use tradewarden_inference::model::{cpu_device, Mlp, MlpConfig};
//! use tradewarden_inference::registry::{Registry, RegistryOptions, signing_key_from_bytes};
//! let dir = tempfile::tempdir().unwrap();
//! // In production: `openssl rand -hex 32 > registry.key`, then load_signing_key.
//! let key = signing_key_from_bytes(&[7u8; 32]).unwrap();
//! let opts = RegistryOptions::default().with_verifying_key(key.verifying_key());
//! let reg = Registry::open_with(dir.path(), opts).unwrap();
//! let dev = cpu_device();
//! let m = Mlp::new(MlpConfig::new(4, vec![8], 1), &dev).unwrap();
//! reg.register_signed("demo", "v1", &m, Default::default(), &key).unwrap();
//! reg.promote("demo", "v1").unwrap();
//! reg.register("demo", "v2", &m, Default::default()).unwrap(); // unsigned
//! assert!(reg.promote("demo", "v2").is_err());
//! ```

use std::collections::BTreeMap;
use std::fs::File;
#[cfg(feature = "models")]
use std::fs::OpenOptions;
use std::io::Read;
#[cfg(feature = "models")]
use std::io::Write;
use std::path::{Path, PathBuf};
#[cfg(feature = "models")]
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "models")]
use std::time::Duration;

#[cfg(feature = "models")]
use burn::tensor::Device;
use ed25519_dalek::{Signature, Signer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tradewarden_core::fs::write_atomic;

#[cfg(feature = "models")]
use crate::any::{AnyModel, Servable};
use crate::config::{Architecture, WindowArchitecture};
use crate::error::{InferenceError, Result};
#[cfg(feature = "models")]
use crate::model::Mlp;

pub use ed25519_dalek::{SigningKey, VerifyingKey};

const WEIGHTS: &str = "weights.bpk";
const MANIFEST: &str = "manifest.json";
const SIGNATURE: &str = "manifest.sig";
const ACTIVE: &str = "active.json";
const LAST_GOOD: &str = "last_good.json";
#[cfg(feature = "models")]
/// Prefix of a registration in progress under `versions/`.
const TMP_PREFIX: &str = ".tmp+";
#[cfg(feature = "models")]
/// A leftover temporary directory older than this is removed whatever its
/// process.
const STALE_AFTER: Duration = Duration::from_secs(3600);
/// Domain separation of the signed bytes.
const SIGNING_CONTEXT: &[u8] = b"tradewarden registry manifest v1\n";

#[cfg(feature = "models")]
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Lifecycle stage of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Registered, not yet reviewed.
    Development,
    /// Under evaluation.
    Staging,
    /// Serving (at most one per model name).
    Production,
    /// Retired.
    Archived,
}

// The stage's names as manifests spell them (serde's snake_case above), defined
// once for every door: `"staging".parse::<Stage>()`, `Stage::Staging.to_string()`;
// anything else is an `InvalidParameter` naming `stage` and every name.
tradewarden_core::named_enum!(
    Stage,
    "stage",
    [
        ("development", Stage::Development),
        ("staging", Stage::Staging),
        ("production", Stage::Production),
        ("archived", Stage::Archived),
    ]
);

impl Stage {
    /// The stage's name as manifests spell it (`development`, `staging`,
    /// `production`, `archived`).
    pub fn as_str(self) -> &'static str {
        tradewarden_core::names::Named::as_str(self)
    }
}

/// The manifest of one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Model name (type).
    pub name: String,
    /// Version tag.
    pub version: String,
    /// Architecture: the MLP's config untagged (as every manifest held it
    /// before window models), a GRU's or Transformer's with a `"kind"` tag.
    pub architecture: Architecture,
    /// sha256 (lower-case hex) of every file of the version, by file name.
    pub files: BTreeMap<String, String>,
    /// Evaluation metrics recorded at registration (name → value).
    pub metrics: BTreeMap<String, f64>,
    /// Lifecycle stage.
    pub stage: Stage,
    /// Registration time, Unix seconds.
    pub created_at: f64,
}

/// The manifest fields a signature covers: all but the mutable `stage`.
#[derive(Serialize)]
struct SignedFields<'a> {
    name: &'a str,
    version: &'a str,
    architecture: &'a Architecture,
    files: &'a BTreeMap<String, String>,
    metrics: &'a BTreeMap<String, f64>,
    created_at: f64,
}

impl Manifest {
    /// The bytes a `manifest.sig` signs: the line
    /// `tradewarden registry manifest v1` then the compact JSON of
    /// `{name, version, architecture, files, metrics, created_at}` in that
    /// order (every field but `stage`, which promote and rollback rewrite).
    /// The weights are covered through their sha256 in `files`. Exposed so
    /// that an external signer (an HSM, a release job) can produce the
    /// signature: write its 64 bytes as 128 hex characters to
    /// `versions/<version>/manifest.sig`.
    ///
    /// # Errors
    /// [`InferenceError::CorruptDocument`] when the manifest cannot be
    /// serialised (a non-finite metric).
    pub fn signing_payload(&self) -> Result<Vec<u8>> {
        let fields = SignedFields {
            name: &self.name,
            version: &self.version,
            architecture: &self.architecture,
            files: &self.files,
            metrics: &self.metrics,
            created_at: self.created_at,
        };
        let mut out = SIGNING_CONTEXT.to_vec();
        serde_json::to_writer(&mut out, &fields).map_err(|e| InferenceError::CorruptDocument {
            path: format!("{}/{}/{MANIFEST}", self.name, self.version),
            reason: format!("cannot serialise the signed fields: {e}"),
        })?;
        Ok(out)
    }
}

/// One registered version as [`Registry::list`] reports it: its manifest and
/// whether the `active` / `last_good` pointers name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// The version's manifest (version, created_at, stage, checksums,
    /// architecture, metrics), as stored: not re-verified against the files.
    pub manifest: Manifest,
    /// `active.json` points at this version (it is serving).
    pub active: bool,
    /// `last_good.json` points at this version (rollback returns to it).
    pub last_good: bool,
    /// The version has a `manifest.sig` (present, not verified: that is
    /// [`Registry::verify`] on a registry with a verifying key).
    pub signed: bool,
}

/// A version [`Registry::inventory`] could not read: its manifest is not
/// JSON of a manifest, names another version, or holds an architecture no
/// model can have. Never loadable, promotable or a rollback target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorruptVersion {
    /// The version tag (its directory name).
    pub version: String,
    /// The file at fault (the version's `manifest.json`).
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Every version of a model as [`Registry::inventory`] sees it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Inventory {
    /// The readable versions, as [`Registry::list`] reports them.
    pub versions: Vec<VersionEntry>,
    /// The corrupt versions, by tag.
    pub corrupt: Vec<CorruptVersion>,
}

/// An `active` / `last_good` pointer document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pointer {
    version: String,
    switched_at: f64,
}

/// How a [`Registry`] is opened.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RegistryOptions {
    /// When set, every version that is loaded, verified, promoted or rolled
    /// back to must carry a `manifest.sig` that verifies with this key
    /// (ed25519, strict verification); unsigned or mis-signed versions are
    /// refused with [`InferenceError::CorruptDocument`]. `None` (the
    /// default): signatures are not checked.
    pub verifying_key: Option<VerifyingKey>,
}

impl RegistryOptions {
    /// Requires versions signed by the private half of `key`.
    pub fn with_verifying_key(mut self, key: VerifyingKey) -> Self {
        self.verifying_key = Some(key);
        self
    }
}

/// A registry rooted at a directory. Not a lock: run one writer per root.
#[derive(Debug, Clone)]
pub struct Registry {
    root: PathBuf,
    verifying_key: Option<VerifyingKey>,
}

/// Unix time in seconds, rounded to the millisecond: 13 significant digits,
/// which serde_json's parser reads back exactly (a full-precision `f64`
/// can come back one ulp off, so a manifest would not equal itself after a
/// write and a read).
fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64 / 1000.0)
        .unwrap_or(0.0)
}

fn check_name(param: &'static str, s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InferenceError::InvalidInput {
            param,
            value: format!("{s:?}"),
            reason: "must be 1–128 characters of [A-Za-z0-9._-], not . or ..".into(),
        })
    }
}

fn core_err(e: tradewarden_core::Error) -> InferenceError {
    InferenceError::Core(e)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes exactly `N` bytes from `2 * N` hex digits (either case).
fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; N];
    for (i, pair) in s.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// sha256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| InferenceError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| InferenceError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

// ---------------------------------------------------------------- keys --

fn key_bytes(bytes: &[u8], what: &str) -> Result<[u8; 32]> {
    if let Ok(raw) = <[u8; 32]>::try_from(bytes) {
        return Ok(raw);
    }
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| unhex::<32>(s.trim()))
        .ok_or_else(|| InferenceError::InvalidInput {
            param: "key",
            // Never echo key material.
            value: format!("<{} bytes>", bytes.len()),
            reason: format!("a {what} key is 32 raw bytes or 64 hex characters"),
        })
}

/// An ed25519 signing (private) key from 32 raw bytes or 64 hex characters
/// (surrounding whitespace ignored). Any 32 random bytes are a valid key,
/// e.g. `openssl rand -hex 32`.
///
/// # Errors
/// [`InferenceError::InvalidInput`] for any other length or a non-hex
/// character (the key material is not echoed).
pub fn signing_key_from_bytes(bytes: &[u8]) -> Result<SigningKey> {
    let mut raw = key_bytes(bytes, "signing")?;
    let key = SigningKey::from_bytes(&raw);
    raw.fill(0);
    Ok(key)
}

/// An ed25519 verifying (public) key from 32 raw bytes or 64 hex characters
/// (surrounding whitespace ignored).
///
/// # Errors
/// [`InferenceError::InvalidInput`] for a bad length or encoding, or bytes
/// that are not a valid curve point.
pub fn verifying_key_from_bytes(bytes: &[u8]) -> Result<VerifyingKey> {
    let raw = key_bytes(bytes, "verifying")?;
    VerifyingKey::from_bytes(&raw).map_err(|e| InferenceError::InvalidInput {
        param: "key",
        value: hex(&raw),
        reason: format!("not an ed25519 public key: {e}"),
    })
}

fn read_key_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| InferenceError::io(path, e))
}

/// Reads a signing key file (see [`signing_key_from_bytes`]). Keep it
/// readable by the signing job only (`chmod 600`); the serving side needs
/// only the verifying key.
///
/// # Errors
/// [`InferenceError::NotFound`] / [`InferenceError::Io`] for the file, as
/// [`signing_key_from_bytes`] for its content.
pub fn load_signing_key(path: impl AsRef<Path>) -> Result<SigningKey> {
    let path = path.as_ref();
    let mut bytes = read_key_file(path)?;
    let key = signing_key_from_bytes(&bytes).map_err(|e| with_key_path(e, path));
    bytes.fill(0);
    key
}

/// Reads a verifying key file (see [`verifying_key_from_bytes`]).
///
/// # Errors
/// [`InferenceError::NotFound`] / [`InferenceError::Io`] for the file, as
/// [`verifying_key_from_bytes`] for its content.
pub fn load_verifying_key(path: impl AsRef<Path>) -> Result<VerifyingKey> {
    let path = path.as_ref();
    verifying_key_from_bytes(&read_key_file(path)?).map_err(|e| with_key_path(e, path))
}

fn with_key_path(e: InferenceError, path: &Path) -> InferenceError {
    match e {
        InferenceError::InvalidInput { param, reason, .. } => InferenceError::InvalidInput {
            param,
            value: path.display().to_string(),
            reason,
        },
        other => other,
    }
}

/// A key as 64 lower-case hex characters, the format [`load_verifying_key`]
/// reads (e.g. to write the public half of a new signing key:
/// `key_hex(signing.verifying_key().as_bytes())`).
pub fn key_hex(key: &[u8; 32]) -> String {
    hex(key)
}

// ------------------------------------------------------------ files --

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| InferenceError::io(path, e))?;
    parse_json(path, &bytes)
}

fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| InferenceError::CorruptDocument {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn json_bytes<T: Serialize>(path: &Path, value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|e| InferenceError::CorruptDocument {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

/// File of a model's learning freeze: `<root>/<name>/learning_freeze.json`.
pub const LEARNING_FREEZE: &str = "learning_freeze.json";

/// A model's learning freeze (the canary rollback plan's "freeze online
/// learning"): while it exists, [`Registry::register`] and
/// [`Registry::promote`] refuse (no retrained version enters or goes live);
/// [`Registry::rollback`] still works.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningFreeze {
    /// Who froze it.
    pub who: String,
    /// Why.
    pub why: String,
    /// Unix seconds.
    pub since: f64,
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, &json_bytes(path, value)?).map_err(core_err)
}

#[cfg(feature = "models")]
/// Creates `path` (which must not exist), writes `bytes` and fsyncs it.
fn write_new_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| InferenceError::io(path, e))?;
    f.write_all(bytes)
        .map_err(|e| InferenceError::io(path, e))?;
    f.sync_all().map_err(|e| InferenceError::io(path, e))
}

#[cfg(feature = "models")]
/// Reads a file whole and fsyncs it (it was just written by someone else,
/// e.g. burn).
fn read_synced(path: &Path) -> Result<Vec<u8>> {
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| InferenceError::io(path, e))?;
    f.sync_all().map_err(|e| InferenceError::io(path, e))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| InferenceError::io(path, e))?;
    Ok(bytes)
}

#[cfg(feature = "models")]
/// Makes the entries of a directory (creations, renames) durable.
fn sync_dir(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(path)
            .and_then(|d| d.sync_all())
            .map_err(|e| InferenceError::io(path, e))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

#[cfg(feature = "models")]
/// Whether process `pid` is known to be gone (only Linux can tell, through
/// `/proc`; elsewhere a leftover is removed by age only).
fn process_is_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        Path::new("/proc/self").exists() && !Path::new(&format!("/proc/{pid}")).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

#[cfg(feature = "models")]
fn older_than(path: &Path, age: Duration) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|e| e > age)
}

#[cfg(feature = "models")]
/// Removes a directory tree (already gone is fine).
fn remove_tree(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn signature_error(path: &Path, reason: impl Into<String>) -> InferenceError {
    InferenceError::CorruptDocument {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

#[cfg(feature = "models")]
/// The name of a registration in progress: `.tmp+<version>+<pid>+<n>`.
fn tmp_name(version: &str) -> String {
    format!(
        "{TMP_PREFIX}{version}+{}+{}",
        std::process::id(),
        TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(feature = "models")]
/// The pid recorded in a `.tmp+<version>+<pid>+<n>` name.
fn tmp_pid(name: &str) -> Option<u32> {
    name.strip_prefix(TMP_PREFIX)?
        .split('+')
        .nth(1)?
        .parse()
        .ok()
}

/// Test hook type: called with the version directory.
#[cfg(all(test, feature = "models"))]
type Hook = Box<dyn Fn(&Path)>;

#[cfg(all(test, feature = "models"))]
thread_local! {
    /// Test hook: runs between the checksum check and the parse of a load,
    /// with the version directory.
    static AFTER_VERIFY: std::cell::RefCell<Option<Hook>> =
        std::cell::RefCell::new(None);
}

/// A manifest must name the version it is stored as.
/// A manifest whose architecture no model can have (a width of 0 or above
/// the caps, a Transformer whose heads do not divide its width …) is
/// corrupt: `verify` says so, not only a later load.
fn check_architecture(path: &Path, a: &Architecture) -> Result<()> {
    let checked = match a {
        Architecture::Mlp(c) => c.validate(),
        Architecture::Window(WindowArchitecture::Gru(c)) => c.validate(),
        Architecture::Window(WindowArchitecture::Transformer(c)) => c.validate(),
    };
    checked.map_err(|e| InferenceError::CorruptDocument {
        path: path.display().to_string(),
        reason: format!("architecture: {e}"),
    })
}

fn check_identity(path: &Path, m: &Manifest, name: &str, version: &str) -> Result<()> {
    if m.name != name || m.version != version {
        return Err(InferenceError::CorruptDocument {
            path: path.display().to_string(),
            reason: format!("manifest names {}/{}", m.name, m.version),
        });
    }
    Ok(())
}

#[cfg(feature = "models")]
/// Creates a fresh `.tmp+<version>+<pid>+<n>` directory under `versions`.
fn create_tmp_dir(versions: &Path, version: &str) -> Result<PathBuf> {
    let mut tries = 0;
    loop {
        let tmp = versions.join(tmp_name(version));
        match std::fs::create_dir(&tmp) {
            Ok(()) => return Ok(tmp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 16 => tries += 1,
            Err(e) => return Err(InferenceError::io(&tmp, e)),
        }
    }
}

impl Registry {
    /// Opens (creating if needed) the registry at `root`, without signature
    /// checks (as [`Registry::open_with`] with the default options).
    ///
    /// # Errors
    /// [`InferenceError::Io`] when the directory cannot be created.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(root, RegistryOptions::default())
    }

    /// Opens (creating if needed) the registry at `root` with `options`
    /// (e.g. a verifying key: see [`RegistryOptions`]).
    ///
    /// # Errors
    /// [`InferenceError::Io`] when the directory cannot be created.
    pub fn open_with(root: impl AsRef<Path>, options: RegistryOptions) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(&root).map_err(|e| InferenceError::io(&root, e))?;
        Ok(Registry {
            root,
            verifying_key: options.verifying_key,
        })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The key versions must be signed with, if any.
    pub fn verifying_key(&self) -> Option<&VerifyingKey> {
        self.verifying_key.as_ref()
    }

    fn model_dir(&self, name: &str) -> Result<PathBuf> {
        check_name("name", name)?;
        Ok(self.root.join(name))
    }

    fn version_dir(&self, name: &str, version: &str) -> Result<PathBuf> {
        check_name("version", version)?;
        Ok(self.model_dir(name)?.join("versions").join(version))
    }

    #[cfg(feature = "models")]
    /// Registers `model` (an [`Mlp`], a window model or an [`AnyModel`]) as
    /// `name`/`version` at stage `development`: writes its weights
    /// (burnpack) and its manifest with their sha256, atomically (see the
    /// [module documentation](self)). The version is unsigned: on a
    /// registry with a verifying key it cannot be loaded until it is signed
    /// ([`Registry::sign`]).
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] for a bad name or version;
    /// [`InferenceError::State`] when the version exists; I/O errors.
    pub fn register<M: Servable + ?Sized>(
        &self,
        name: &str,
        version: &str,
        model: &M,
        metrics: BTreeMap<String, f64>,
    ) -> Result<Manifest> {
        self.register_inner(name, version, model, metrics, None)
    }

    #[cfg(feature = "models")]
    /// As [`Registry::register`], and signs the manifest with `key`
    /// (`manifest.sig`, written and renamed into place with the rest of the
    /// version).
    ///
    /// # Errors
    /// As [`Registry::register`]; [`InferenceError::InvalidInput`] when the
    /// registry has a verifying key that is not `key`'s public half.
    pub fn register_signed<M: Servable + ?Sized>(
        &self,
        name: &str,
        version: &str,
        model: &M,
        metrics: BTreeMap<String, f64>,
        key: &SigningKey,
    ) -> Result<Manifest> {
        self.register_inner(name, version, model, metrics, Some(key))
    }

    fn check_signing_key(&self, key: &SigningKey) -> Result<()> {
        match &self.verifying_key {
            Some(vk) if key.verifying_key() != *vk => Err(InferenceError::InvalidInput {
                param: "signing_key",
                value: format!("public key {}", key_hex(key.verifying_key().as_bytes())),
                reason: format!(
                    "is not the registry's verifying key {}: what it signs would be refused",
                    key_hex(vk.as_bytes())
                ),
            }),
            _ => Ok(()),
        }
    }

    #[cfg(feature = "models")]
    fn register_inner<M: Servable + ?Sized>(
        &self,
        name: &str,
        version: &str,
        model: &M,
        metrics: BTreeMap<String, f64>,
        key: Option<&SigningKey>,
    ) -> Result<Manifest> {
        let dir = self.version_dir(name, version)?;
        self.refuse_if_frozen(name, "register a new version")?;
        if let Some((k, v)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(InferenceError::InvalidInput {
                param: "metrics",
                value: format!("{k} = {v}"),
                reason: "metric values must be finite".into(),
            });
        }
        if let Some(key) = key {
            self.check_signing_key(key)?;
        }
        let model_dir = self.model_dir(name)?;
        let versions = model_dir.join("versions");
        if !versions.is_dir() {
            std::fs::create_dir_all(&versions).map_err(|e| InferenceError::io(&versions, e))?;
            sync_dir(&model_dir)?;
            sync_dir(&self.root)?;
        }
        self.remove_stale(&versions);
        if dir.join(MANIFEST).exists() {
            return Err(InferenceError::State {
                reason: format!("{name}/{version} is already registered; versions are immutable"),
            });
        }
        if std::fs::symlink_metadata(&dir).is_ok() {
            // A version directory without a manifest: left by an interrupted
            // registration before registration was atomic. Not a version;
            // moved aside (gone from its name at once), then removed.
            let aside = versions.join(tmp_name(version));
            std::fs::rename(&dir, &aside).map_err(|e| InferenceError::io(&dir, e))?;
            let _ = remove_tree(&aside);
        }
        let tmp = create_tmp_dir(&versions, version)?;
        let written = self
            .write_version(&tmp, name, version, model, metrics, key)
            .and_then(|manifest| {
                std::fs::rename(&tmp, &dir).map_err(|e| {
                    if dir.join(MANIFEST).exists() {
                        InferenceError::State {
                            reason: format!(
                                "{name}/{version} was registered concurrently; versions are immutable"
                            ),
                        }
                    } else {
                        InferenceError::io(&dir, e)
                    }
                })?;
                sync_dir(&versions)?;
                Ok(manifest)
            });
        if written.is_err() {
            let _ = remove_tree(&tmp);
        }
        written
    }

    #[cfg(feature = "models")]
    /// Writes a complete version into `tmp`: weights, manifest, signature,
    /// each fsynced, then the directory.
    fn write_version<M: Servable + ?Sized>(
        &self,
        tmp: &Path,
        name: &str,
        version: &str,
        model: &M,
        metrics: BTreeMap<String, f64>,
        key: Option<&SigningKey>,
    ) -> Result<Manifest> {
        let weights = tmp.join(WEIGHTS);
        model.save_weights(&weights)?;
        let mut files = BTreeMap::new();
        files.insert(WEIGHTS.to_string(), sha256_hex(&read_synced(&weights)?));
        let manifest = Manifest {
            name: name.to_string(),
            version: version.to_string(),
            architecture: model.architecture(),
            files,
            metrics,
            stage: Stage::Development,
            created_at: now(),
        };
        let path = tmp.join(MANIFEST);
        write_new_synced(&path, &json_bytes(&path, &manifest)?)?;
        if let Some(key) = key {
            let sig = key.sign(&manifest.signing_payload()?);
            write_new_synced(
                &tmp.join(SIGNATURE),
                format!("{}\n", hex(&sig.to_bytes())).as_bytes(),
            )?;
        }
        sync_dir(tmp)?;
        Ok(manifest)
    }

    #[cfg(feature = "models")]
    /// Best effort: removes the registrations in progress under `versions`
    /// whose process is gone or that are older than [`STALE_AFTER`].
    fn remove_stale(&self, versions: &Path) {
        let Ok(rd) = std::fs::read_dir(versions) else {
            return;
        };
        for entry in rd.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str().filter(|n| n.starts_with(TMP_PREFIX)) else {
                continue;
            };
            let path = entry.path();
            if tmp_pid(name).is_some_and(process_is_gone) || older_than(&path, STALE_AFTER) {
                let _ = remove_tree(&path);
            }
        }
    }

    /// Signs the existing version `name`/`version` with `key` (writing or
    /// replacing its `manifest.sig`), after checking its files against the
    /// manifest. For a review step between registration and promotion, and
    /// for key rotation (re-sign the versions to keep, then configure the
    /// new verifying key).
    ///
    /// # Errors
    /// As [`Registry::verify`] without the signature check;
    /// [`InferenceError::InvalidInput`] when the registry has a verifying key
    /// that is not `key`'s public half.
    pub fn sign(&self, name: &str, version: &str, key: &SigningKey) -> Result<()> {
        self.check_signing_key(key)?;
        let (m, _) = self.read_checked(name, version, false, false)?;
        let sig = key.sign(&m.signing_payload()?);
        let path = self.version_dir(name, version)?.join(SIGNATURE);
        write_atomic(&path, format!("{}\n", hex(&sig.to_bytes())).as_bytes()).map_err(core_err)
    }

    /// The manifest of `name`/`version` (not verified, signature not
    /// checked).
    ///
    /// # Errors
    /// [`InferenceError::NotFound`] for an unknown version;
    /// [`InferenceError::CorruptDocument`] for an unreadable manifest.
    pub fn manifest(&self, name: &str, version: &str) -> Result<Manifest> {
        let path = self.version_dir(name, version)?.join(MANIFEST);
        let m: Manifest = read_json(&path)?;
        check_identity(&path, &m, name, version)?;
        Ok(m)
    }

    /// Every registered version of `name`, sorted by name: the version
    /// directories that hold a `manifest.json` (a registration in progress,
    /// a leftover of a crash or a directory without a manifest is not a
    /// version).
    ///
    /// # Errors
    /// I/O errors; an unknown model has no versions (`Ok(vec![])`).
    pub fn versions(&self, name: &str) -> Result<Vec<String>> {
        let dir = self.model_dir(name)?.join("versions");
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(InferenceError::io(&dir, e)),
        };
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| InferenceError::io(&dir, e))?;
            if let Some(s) = entry.file_name().to_str()
                && check_name("version", s).is_ok()
                && entry.path().join(MANIFEST).exists()
            {
                out.push(s.to_string());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every model of the registry, sorted by name: the directories under
    /// the root whose name is a valid model name and that hold a `versions`
    /// directory (a model may have no version yet).
    ///
    /// # Errors
    /// I/O errors naming the root.
    pub fn models(&self) -> Result<Vec<String>> {
        let rd = std::fs::read_dir(&self.root).map_err(|e| InferenceError::io(&self.root, e))?;
        let mut out = Vec::new();
        for entry in rd {
            let entry = entry.map_err(|e| InferenceError::io(&self.root, e))?;
            if let Some(s) = entry.file_name().to_str()
                && check_name("name", s).is_ok()
                && entry.path().join("versions").is_dir()
            {
                out.push(s.to_string());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every registered version of `name` (as [`Registry::versions`]) with
    /// its manifest and the `active` / `last_good` / `signed` flags, in
    /// registration order: by the manifest's `created_at` (millisecond
    /// resolution), versions registered within the same millisecond by their
    /// tag. Checksums are read from the manifests, not recomputed, and
    /// signatures are not checked (that is [`Registry::verify`]).
    ///
    /// # Errors
    /// [`InferenceError::CorruptDocument`] for a version whose manifest is
    /// unreadable, names another version or holds an impossible
    /// architecture (the first such version: [`Registry::inventory`] lists
    /// them all beside the good ones), and for an unreadable pointer;
    /// I/O errors. An unknown model has no versions (`Ok(vec![])`).
    pub fn list(&self, name: &str) -> Result<Vec<VersionEntry>> {
        let inv = self.inventory(name)?;
        match inv.corrupt.into_iter().next() {
            Some(c) => Err(InferenceError::CorruptDocument {
                path: c.path,
                reason: c.reason,
            }),
            None => Ok(inv.versions),
        }
    }

    /// As [`Registry::list`], but a version whose manifest is unreadable,
    /// names another version or holds an architecture no model can have is
    /// reported in [`Inventory::corrupt`] (with the file and the reason)
    /// instead of failing the whole listing, so one corrupt version does not
    /// hide the others. A corrupt version cannot be loaded, promoted or
    /// rolled back to. Checksums and signatures are not checked here (that
    /// is [`Registry::verify`]).
    ///
    /// ```
    /// use tradewarden_inference::registry::Registry;
    /// let dir = tempfile::tempdir().unwrap();
    /// let reg = Registry::open(dir.path()).unwrap();
    /// let v = dir.path().join("demo/versions/v9");
    /// std::fs::create_dir_all(&v).unwrap();
    /// std::fs::write(v.join("manifest.json"), b"{not json").unwrap();
    /// let inv = reg.inventory("demo").unwrap();
    /// assert!(inv.versions.is_empty());
    /// assert_eq!(inv.corrupt[0].version, "v9");
    /// assert!(inv.corrupt[0].path.ends_with("manifest.json"));
    /// assert!(reg.list("demo").is_err());
    /// ```
    ///
    /// # Errors
    /// [`InferenceError::CorruptDocument`] for an unreadable pointer; I/O
    /// errors. An unknown model has no versions.
    pub fn inventory(&self, name: &str) -> Result<Inventory> {
        let active = self.active(name)?;
        let last_good = self.last_good(name)?;
        let mut inv = Inventory::default();
        for v in self.versions(name)? {
            let checked = self.manifest(name, &v).and_then(|m| {
                let path = self.version_dir(name, &v)?.join(MANIFEST);
                check_architecture(&path, &m.architecture)?;
                Ok(m)
            });
            let manifest = match checked {
                Ok(m) => m,
                // Removed since `versions` saw it.
                Err(InferenceError::NotFound { .. }) => continue,
                Err(InferenceError::CorruptDocument { path, reason }) => {
                    inv.corrupt.push(CorruptVersion {
                        version: v,
                        path,
                        reason,
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            inv.versions.push(VersionEntry {
                active: active.as_deref() == Some(v.as_str()),
                last_good: last_good.as_deref() == Some(v.as_str()),
                signed: self.version_dir(name, &v)?.join(SIGNATURE).exists(),
                manifest,
            });
        }
        inv.versions.sort_by(|a, b| {
            a.manifest
                .created_at
                .total_cmp(&b.manifest.created_at)
                .then_with(|| a.manifest.version.cmp(&b.manifest.version))
        });
        Ok(inv)
    }

    /// Checks the signature when the registry has a verifying key.
    fn check_signature(&self, dir: &Path, m: &Manifest) -> Result<()> {
        let Some(key) = &self.verifying_key else {
            return Ok(());
        };
        let path = dir.join(SIGNATURE);
        let text = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(signature_error(
                    &path,
                    "missing: the version is unsigned and this registry requires \
                     signatures (a verifying key is configured)",
                ));
            }
            Err(e) => return Err(InferenceError::io(&path, e)),
        };
        let sig = std::str::from_utf8(&text)
            .ok()
            .and_then(|s| unhex::<64>(s.trim()))
            .ok_or_else(|| {
                signature_error(
                    &path,
                    "malformed: expected 128 hex characters (an ed25519 signature)",
                )
            })?;
        key.verify_strict(&m.signing_payload()?, &Signature::from_bytes(&sig))
            .map_err(|_| {
                signature_error(
                    &path,
                    format!(
                        "signature does not verify with the configured key {}: the manifest \
                         or the signature was altered, or another key signed it",
                        key_hex(key.as_bytes())
                    ),
                )
            })
    }

    /// Reads the manifest of `name`/`version` once, checks its signature
    /// (when `check_sig` and a key is configured), then hashes every file it
    /// lists; with `keep_weights`, the weights are read whole and their bytes
    /// (the very bytes that were hashed) returned.
    fn read_checked(
        &self,
        name: &str,
        version: &str,
        check_sig: bool,
        keep_weights: bool,
    ) -> Result<(Manifest, Option<Vec<u8>>)> {
        let dir = self.version_dir(name, version)?;
        let mpath = dir.join(MANIFEST);
        let mbytes = std::fs::read(&mpath).map_err(|e| InferenceError::io(&mpath, e))?;
        let m: Manifest = parse_json(&mpath, &mbytes)?;
        check_identity(&mpath, &m, name, version)?;
        check_architecture(&mpath, &m.architecture)?;
        if check_sig {
            self.check_signature(&dir, &m)?;
        }
        if !m.files.contains_key(WEIGHTS) {
            return Err(InferenceError::CorruptDocument {
                path: mpath.display().to_string(),
                reason: format!("no checksum for {WEIGHTS}"),
            });
        }
        let mut kept = None;
        for (file, expected) in &m.files {
            check_name("file", file)?;
            let path = dir.join(file);
            let actual = if keep_weights && file == WEIGHTS {
                let bytes = std::fs::read(&path).map_err(|e| InferenceError::io(&path, e))?;
                let h = sha256_hex(&bytes);
                kept = Some(bytes);
                h
            } else {
                sha256_file(&path)?
            };
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(InferenceError::ChecksumMismatch {
                    path: path.display().to_string(),
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        Ok((m, kept))
    }

    /// Recomputes the sha256 of every file in the manifest and compares;
    /// on a registry with a verifying key, checks the signature first.
    ///
    /// # Errors
    /// [`InferenceError::ChecksumMismatch`] for a changed file,
    /// [`InferenceError::NotFound`] for a missing one,
    /// [`InferenceError::CorruptDocument`] for a bad manifest (or one that
    /// lists no weights) and for a missing, malformed or non-verifying
    /// signature when a verifying key is configured.
    pub fn verify(&self, name: &str, version: &str) -> Result<Manifest> {
        Ok(self.read_checked(name, version, true, false)?.0)
    }

    #[cfg(feature = "models")]
    /// Verifies, then loads the MLP `name`/`version` on `device`.
    ///
    /// # Errors
    /// As [`Registry::verify`] and [`Mlp::load_burnpack`];
    /// [`InferenceError::InvalidInput`] when the version is a window model
    /// (use [`Registry::load_model`]).
    pub fn load(&self, name: &str, version: &str, device: &Device) -> Result<Mlp> {
        let model = self.load_model(name, version, device)?;
        let kind = model.architecture().kind();
        model
            .into_mlp()
            .ok_or_else(|| InferenceError::InvalidInput {
                param: "version",
                value: format!("{name}/{version}"),
                reason: format!("is a {kind} model, not an MLP; load it with load_model"),
            })
    }

    #[cfg(feature = "models")]
    /// Verifies, then loads `name`/`version` (any architecture) on `device`:
    /// the manifest and the weights are each read once, and the model is
    /// built in memory from the weight bytes whose sha256 was checked (see
    /// the [module documentation](self)); it never reads the registry's
    /// files again, so it keeps working if they are later removed.
    ///
    /// # Errors
    /// As [`Registry::verify`] and the model's `load_burnpack` (a
    /// [`InferenceError::Weights`] error names the registry's weights file).
    pub fn load_model(&self, name: &str, version: &str, device: &Device) -> Result<AnyModel> {
        let (m, bytes) = self.read_checked(name, version, true, true)?;
        let weights = self.version_dir(name, version)?.join(WEIGHTS);
        let bytes = bytes.ok_or_else(|| InferenceError::CorruptDocument {
            path: weights.display().to_string(),
            reason: "not listed in the manifest".into(),
        })?;
        #[cfg(test)]
        AFTER_VERIFY.with(|h| {
            if let (Some(f), Some(dir)) = (&*h.borrow(), weights.parent()) {
                f(dir)
            }
        });
        // Built from the buffer itself: no file is read, then or later.
        m.architecture.load_burnpack_bytes(bytes, device, &weights)
    }

    fn pointer(&self, name: &str, file: &str) -> Result<Option<String>> {
        let path = self.model_dir(name)?.join(file);
        match read_json::<Pointer>(&path) {
            Ok(p) => {
                check_name("version", &p.version).map_err(|_| InferenceError::CorruptDocument {
                    path: path.display().to_string(),
                    reason: format!("bad version {:?}", p.version),
                })?;
                Ok(Some(p.version))
            }
            Err(InferenceError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    #[cfg(feature = "models")]
    fn set_pointer(&self, name: &str, file: &str, version: &str) -> Result<()> {
        let path = self.model_dir(name)?.join(file);
        write_json(
            &path,
            &Pointer {
                version: version.to_string(),
                switched_at: now(),
            },
        )
    }

    fn set_stage(&self, name: &str, version: &str, stage: Stage) -> Result<()> {
        let mut m = self.manifest(name, version)?;
        if m.stage != stage {
            m.stage = stage;
            write_json(&self.version_dir(name, version)?.join(MANIFEST), &m)?;
        }
        Ok(())
    }

    /// The serving version of `name` (`None` when nothing was promoted).
    ///
    /// # Errors
    /// [`InferenceError::CorruptDocument`] for an unreadable pointer.
    pub fn active(&self, name: &str) -> Result<Option<String>> {
        self.pointer(name, ACTIVE)
    }

    /// The version [`Registry::rollback`] returns to.
    ///
    /// # Errors
    /// [`InferenceError::CorruptDocument`] for an unreadable pointer.
    pub fn last_good(&self, name: &str) -> Result<Option<String>> {
        self.pointer(name, LAST_GOOD)
    }

    /// Marks a version `staging` (or back to `development`). Every door
    /// parses the stage's name with `str::parse::<Stage>()`.
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] for `production`/`archived` (use
    /// promote / rollback); as [`Registry::manifest`].
    pub fn stage(&self, name: &str, version: &str, stage: Stage) -> Result<()> {
        if matches!(stage, Stage::Production | Stage::Archived) {
            return Err(InferenceError::InvalidInput {
                param: "stage",
                value: format!("{:?}", stage.as_str()),
                reason: "production and archived are set by promote and rollback".into(),
            });
        }
        self.set_stage(name, version, stage)
    }

    #[cfg(feature = "models")]
    /// Promotes `name`/`version` to production: verifies and loads it (on the
    /// flex CPU device) first, then archives the other production versions of
    /// `name`, points `last_good` at the previously active version and
    /// `active` at this one. A version that fails verification or loading is
    /// refused and nothing changes, so `active` never names a corrupt
    /// version. Another version whose manifest is corrupt does not block the
    /// promotion (it stays unloadable and is reported by
    /// [`Registry::inventory`]); a previously active version that no longer
    /// verifies still becomes `last_good`, and [`Registry::rollback`]
    /// refuses it.
    ///
    /// # Errors
    /// As [`Registry::load_model`] for `version` (a corrupt one is refused
    /// with [`InferenceError::CorruptDocument`] or
    /// [`InferenceError::ChecksumMismatch`] naming its file).
    pub fn promote(&self, name: &str, version: &str) -> Result<()> {
        self.refuse_if_frozen(name, "promote a version")?;
        self.load_model(name, version, &crate::model::cpu_device())?;
        let previous = self.active(name)?;
        for v in self.versions(name)? {
            if v == version {
                continue;
            }
            match self.manifest(name, &v) {
                Ok(m) if m.stage == Stage::Production => {
                    self.set_stage(name, &v, Stage::Archived)?;
                }
                Ok(_) => {}
                // A corrupt sibling does not block this promotion: it can
                // never be loaded, promoted or rolled back to (those verify
                // it first), its stage cannot be rewritten, and
                // `inventory` reports it. Removed since `versions`: gone.
                Err(InferenceError::CorruptDocument { .. } | InferenceError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.set_stage(name, version, Stage::Production)?;
        // The previous version becomes `last_good` even when it no longer
        // verifies: rollback verifies it first and refuses it with the
        // typed error naming its file, so `active` never names it.
        if let Some(prev) = previous.filter(|p| p != version) {
            self.set_pointer(name, LAST_GOOD, &prev)?;
        }
        self.set_pointer(name, ACTIVE, version)
    }

    /// Freezes learning for `name` ([`LearningFreeze`]): `who` and `why`
    /// are required; written atomically.
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] for a blank `who`/`why` or a bad
    /// name; I/O errors.
    pub fn freeze_learning(&self, name: &str, who: &str, why: &str) -> Result<()> {
        if who.trim().is_empty() || why.trim().is_empty() {
            return Err(InferenceError::InvalidInput {
                param: "who/why",
                value: format!("{who:?}/{why:?}"),
                reason: "a learning freeze must name who and why".into(),
            });
        }
        let dir = self.model_dir(name)?;
        std::fs::create_dir_all(&dir).map_err(|e| InferenceError::io(&dir, e))?;
        write_json(
            &dir.join(LEARNING_FREEZE),
            &LearningFreeze {
                who: who.to_string(),
                why: why.to_string(),
                since: now(),
            },
        )
    }

    /// Lifts the learning freeze of `name` (no-op when not frozen).
    ///
    /// # Errors
    /// I/O errors; a bad name.
    pub fn unfreeze_learning(&self, name: &str) -> Result<()> {
        let p = self.model_dir(name)?.join(LEARNING_FREEZE);
        match std::fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(InferenceError::io(&p, e)),
        }
    }

    /// The learning freeze of `name`, if any (an unreadable record counts as
    /// frozen: [`InferenceError::CorruptDocument`]).
    ///
    /// # Errors
    /// A corrupt record; I/O errors; a bad name.
    pub fn learning_freeze(&self, name: &str) -> Result<Option<LearningFreeze>> {
        let p = self.model_dir(name)?.join(LEARNING_FREEZE);
        match std::fs::read(&p) {
            Ok(b) => {
                serde_json::from_slice(&b)
                    .map(Some)
                    .map_err(|e| InferenceError::CorruptDocument {
                        path: p.display().to_string(),
                        reason: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(InferenceError::io(&p, e)),
        }
    }

    #[cfg(feature = "models")]
    fn refuse_if_frozen(&self, name: &str, what: &str) -> Result<()> {
        // A record that exists but cannot be read is frozen too (fail closed).
        let frozen = match self.learning_freeze(name) {
            Ok(f) => f.map(|f| format!("by {}: {}", f.who, f.why)),
            Err(e) => Some(format!("unreadable freeze record: {e}")),
        };
        match frozen {
            Some(why) => Err(InferenceError::State {
                reason: format!(
                    "{name}: learning is frozen ({why}); cannot {what} — unfreeze_learning first"
                ),
            }),
            None => Ok(()),
        }
    }

    #[cfg(feature = "models")]
    /// Points `active` back at `last_good` (verified and loaded first); the
    /// version rolled back from is archived. Returns the version now active.
    ///
    /// # Errors
    /// [`InferenceError::State`] when there is no last-good version or it is
    /// already active; as [`Registry::load`] when it fails verification.
    pub fn rollback(&self, name: &str) -> Result<String> {
        let target = self.last_good(name)?.ok_or_else(|| InferenceError::State {
            reason: format!("{name} has no last_good version to roll back to"),
        })?;
        let current = self.active(name)?;
        if current.as_deref() == Some(target.as_str()) {
            return Err(InferenceError::State {
                reason: format!("{name}: last_good {target} is already active"),
            });
        }
        self.load_model(name, &target, &crate::model::cpu_device())?;
        if let Some(cur) = &current {
            self.set_stage(name, cur, Stage::Archived)?;
        }
        self.set_stage(name, &target, Stage::Production)?;
        self.set_pointer(name, ACTIVE, &target)?;
        Ok(target)
    }

    #[cfg(feature = "models")]
    /// Verifies and loads the active version of `name` on `device`
    /// (`None` when nothing was promoted).
    ///
    /// # Errors
    /// As [`Registry::active`] and [`Registry::load`].
    pub fn load_active(&self, name: &str, device: &Device) -> Result<Option<(String, Mlp)>> {
        match self.active(name)? {
            None => Ok(None),
            Some(v) => {
                let m = self.load(name, &v, device)?;
                Ok(Some((v, m)))
            }
        }
    }

    #[cfg(feature = "models")]
    /// As [`Registry::load_active`] for any architecture.
    ///
    /// # Errors
    /// As [`Registry::active`] and [`Registry::load_model`].
    pub fn load_active_model(
        &self,
        name: &str,
        device: &Device,
    ) -> Result<Option<(String, AnyModel)>> {
        match self.active(name)? {
            None => Ok(None),
            Some(v) => {
                let m = self.load_model(name, &v, device)?;
                Ok(Some((v, m)))
            }
        }
    }
}

#[cfg(all(test, feature = "models"))]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::{MlpConfig, cpu_device};

    #[test]
    fn stage_names_are_their_json_spellings() {
        for s in [
            Stage::Development,
            Stage::Staging,
            Stage::Production,
            Stage::Archived,
        ] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(s.as_str().parse::<Stage>().unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
        }
        let e = InferenceError::from("prod".parse::<Stage>().unwrap_err());
        assert_eq!(
            tradewarden_core::Classify::kind(&e),
            tradewarden_core::ErrorKind::InvalidInput
        );
        let msg = e.to_string();
        assert!(
            msg.contains("stage") && msg.contains("\"prod\"") && msg.contains("'archived'"),
            "{msg}"
        );
    }

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

    /// The weights file is replaced by another valid checkpoint right after
    /// its checksum was checked, before the model is built: the model built
    /// is the one whose bytes were checked (the registry file is read
    /// once). Hash-then-reopen would build the replacement.
    #[test]
    fn load_parses_the_bytes_it_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let reg = Registry::open(dir.path()).unwrap();
        reg.register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
            .unwrap();
        reg.register("mlp", "v2", &constant_model(2.0), BTreeMap::new())
            .unwrap();
        let other = std::fs::read(dir.path().join("mlp/versions/v2").join(WEIGHTS)).unwrap();
        let swapped = std::rc::Rc::new(std::cell::Cell::new(0));
        let seen = swapped.clone();
        AFTER_VERIFY.set(Some(Box::new(move |d: &Path| {
            std::fs::write(d.join(WEIGHTS), &other).unwrap();
            seen.set(seen.get() + 1);
        })));
        let loaded = reg.load("mlp", "v1", &cpu_device());
        AFTER_VERIFY.set(None);
        let m = loaded.unwrap();
        assert_eq!(swapped.get(), 1, "the hook ran between check and parse");
        assert_eq!(m.forward_f64(&[0.0; 3], 1).unwrap(), vec![1.0, 1.0]);
        // The file on disk is now the other checkpoint: refused.
        let e = reg.load("mlp", "v1", &cpu_device()).unwrap_err();
        assert!(matches!(e, InferenceError::ChecksumMismatch { .. }), "{e}");
    }

    #[test]
    fn weights_errors_name_the_registry_file() {
        let dir = tempfile::tempdir().unwrap();
        let reg = Registry::open(dir.path()).unwrap();
        reg.register("mlp", "v1", &constant_model(1.0), BTreeMap::new())
            .unwrap();
        // A manifest whose architecture does not fit the weights (checksums
        // fine): the parse fails after verification.
        let path = dir.path().join("mlp/versions/v1").join(MANIFEST);
        let mut m = reg.manifest("mlp", "v1").unwrap();
        m.architecture = Architecture::Mlp(MlpConfig::new(5, vec![4], 2));
        write_json(&path, &m).unwrap();
        let e = reg.load("mlp", "v1", &cpu_device()).unwrap_err();
        match &e {
            InferenceError::Weights { path, .. } => {
                assert!(path.ends_with("v1/weights.bpk"), "{path}")
            }
            other => panic!("expected Weights, got {other:?}"),
        }
    }

    #[test]
    fn tmp_names_never_pass_as_versions() {
        let n = tmp_name("v1.2-rc_3");
        assert!(check_name("version", &n).is_err(), "{n}");
        assert_eq!(tmp_pid(&n), Some(std::process::id()));
        assert_eq!(tmp_pid(".tmp+v1+notapid+0"), None);
        assert_eq!(tmp_pid("v1"), None);
        assert!(!process_is_gone(std::process::id()));
    }

    #[test]
    fn hex_round_trips_and_rejects() {
        let k = [0xabu8; 32];
        assert_eq!(unhex::<32>(&hex(&k)), Some(k));
        assert_eq!(unhex::<32>(&hex(&k).to_uppercase()), Some(k));
        assert_eq!(unhex::<32>(&hex(&k)[1..]), None);
        assert_eq!(unhex::<2>("zz00"), None);
        assert_eq!(unhex::<2>("+a00"), None);
    }
}
