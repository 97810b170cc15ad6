//! A model registry on disk: versions with checksummed manifests, `active` and
//! `last_good` pointers switched atomically, promote / rollback / verify.
//!
//! Layout under the registry root, per model name (the model *type*, e.g.
//! `regime_mlp`):
//!
//! ```text
//! <root>/<name>/versions/<version>/weights.bpk      burnpack weights
//! <root>/<name>/versions/<version>/manifest.json    Manifest (sha256 of every file, config, metrics, stage)
//! <root>/<name>/active.json                         Pointer to the serving version
//! <root>/<name>/last_good.json                      Pointer to the version rollback returns to
//! ```
//!
//! Every manifest and pointer is written with
//! [`tradewarden_core::fs::write_atomic`] (temp file, fsync, rename), so a
//! crash leaves the old or the new document, never a torn one. Loading a
//! version always verifies every checksum first: a corrupt or mismatched
//! checkpoint is refused with a typed error ([`InferenceError::ChecksumMismatch`],
//! [`InferenceError::Weights`], [`InferenceError::CorruptDocument`]) and a
//! [`Predictor`](crate::Predictor) fed from the registry keeps serving its
//! current model. A missing `active.json` means "nothing to serve"
//! (`Ok(None)`); an unreadable one is an error, never a guess.
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

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tradewarden_core::fs::write_atomic;

use crate::any::{AnyModel, Architecture, Servable};
use crate::error::{InferenceError, Result};
use crate::model::Mlp;

const WEIGHTS: &str = "weights.bpk";
const MANIFEST: &str = "manifest.json";
const ACTIVE: &str = "active.json";
const LAST_GOOD: &str = "last_good.json";

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

/// One registered version as [`Registry::list`] reports it: its manifest and
/// whether the `active` / `last_good` pointers name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionEntry {
    /// The version's manifest (version, created_at, stage, checksums,
    /// architecture, metrics), as stored: not re-verified against the files.
    pub manifest: Manifest,
    /// `active.json` points at this version (it is serving).
    pub active: bool,
    /// `last_good.json` points at this version (rollback returns to it).
    pub last_good: bool,
}

/// An `active` / `last_good` pointer document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pointer {
    version: String,
    switched_at: f64,
}

/// A registry rooted at a directory. Not a lock: run one writer per root.
#[derive(Debug, Clone)]
pub struct Registry {
    root: PathBuf,
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

/// sha256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| InferenceError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(|e| InferenceError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| InferenceError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| InferenceError::CorruptDocument {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| InferenceError::CorruptDocument {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    write_atomic(path, &bytes).map_err(core_err)
}

impl Registry {
    /// Opens (creating if needed) the registry at `root`.
    ///
    /// # Errors
    /// [`InferenceError::Io`] when the directory cannot be created.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(&root).map_err(|e| InferenceError::io(&root, e))?;
        Ok(Registry { root })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn model_dir(&self, name: &str) -> Result<PathBuf> {
        check_name("name", name)?;
        Ok(self.root.join(name))
    }

    fn version_dir(&self, name: &str, version: &str) -> Result<PathBuf> {
        check_name("version", version)?;
        Ok(self.model_dir(name)?.join("versions").join(version))
    }

    /// Registers `model` (an [`Mlp`], a window model or an [`AnyModel`]) as
    /// `name`/`version` at stage `development`: writes its weights
    /// (burnpack) and its manifest with their sha256.
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
        let dir = self.version_dir(name, version)?;
        if let Some((k, v)) = metrics.iter().find(|(_, v)| !v.is_finite()) {
            return Err(InferenceError::InvalidInput {
                param: "metrics",
                value: format!("{k} = {v}"),
                reason: "metric values must be finite".into(),
            });
        }
        if dir.exists() {
            return Err(InferenceError::State {
                reason: format!("{name}/{version} is already registered; versions are immutable"),
            });
        }
        std::fs::create_dir_all(&dir).map_err(|e| InferenceError::io(&dir, e))?;
        let weights = dir.join(WEIGHTS);
        model.save_weights(&weights)?;
        let mut files = BTreeMap::new();
        files.insert(WEIGHTS.to_string(), sha256_file(&weights)?);
        let manifest = Manifest {
            name: name.to_string(),
            version: version.to_string(),
            architecture: model.architecture(),
            files,
            metrics,
            stage: Stage::Development,
            created_at: now(),
        };
        write_json(&dir.join(MANIFEST), &manifest)?;
        Ok(manifest)
    }

    /// The manifest of `name`/`version` (not verified).
    ///
    /// # Errors
    /// [`InferenceError::NotFound`] for an unknown version;
    /// [`InferenceError::CorruptDocument`] for an unreadable manifest.
    pub fn manifest(&self, name: &str, version: &str) -> Result<Manifest> {
        let path = self.version_dir(name, version)?.join(MANIFEST);
        let m: Manifest = read_json(&path)?;
        if m.name != name || m.version != version {
            return Err(InferenceError::CorruptDocument {
                path: path.display().to_string(),
                reason: format!("manifest names {}/{}", m.name, m.version),
            });
        }
        Ok(m)
    }

    /// Every registered version of `name`, sorted by name.
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
            {
                out.push(s.to_string());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every registered version of `name` with its manifest and the
    /// `active` / `last_good` flags, in registration order: by the
    /// manifest's `created_at` (millisecond resolution), versions registered
    /// within the same millisecond by their tag. Checksums are read from the
    /// manifests, not recomputed (that is [`Registry::verify`]).
    ///
    /// # Errors
    /// [`InferenceError::CorruptDocument`] for a version whose manifest is
    /// unreadable, names another version, or is missing (a version directory
    /// without `manifest.json`: an interrupted registration), and for an
    /// unreadable pointer; I/O errors.
    /// An unknown model has no versions (`Ok(vec![])`).
    pub fn list(&self, name: &str) -> Result<Vec<VersionEntry>> {
        let active = self.active(name)?;
        let last_good = self.last_good(name)?;
        let mut out = Vec::new();
        for v in self.versions(name)? {
            let manifest = match self.manifest(name, &v) {
                Ok(m) => m,
                Err(InferenceError::NotFound { path }) => {
                    return Err(InferenceError::CorruptDocument {
                        path,
                        reason: "missing: the version directory has no manifest \
                                 (an interrupted registration?)"
                            .into(),
                    });
                }
                Err(e) => return Err(e),
            };
            out.push(VersionEntry {
                active: active.as_deref() == Some(v.as_str()),
                last_good: last_good.as_deref() == Some(v.as_str()),
                manifest,
            });
        }
        out.sort_by(|a, b| {
            a.manifest
                .created_at
                .total_cmp(&b.manifest.created_at)
                .then_with(|| a.manifest.version.cmp(&b.manifest.version))
        });
        Ok(out)
    }

    /// Recomputes the sha256 of every file in the manifest and compares.
    ///
    /// # Errors
    /// [`InferenceError::ChecksumMismatch`] for a changed file,
    /// [`InferenceError::NotFound`] for a missing one,
    /// [`InferenceError::CorruptDocument`] for a bad manifest (or one that
    /// lists no weights).
    pub fn verify(&self, name: &str, version: &str) -> Result<Manifest> {
        let m = self.manifest(name, version)?;
        let dir = self.version_dir(name, version)?;
        if !m.files.contains_key(WEIGHTS) {
            return Err(InferenceError::CorruptDocument {
                path: dir.join(MANIFEST).display().to_string(),
                reason: format!("no checksum for {WEIGHTS}"),
            });
        }
        for (file, expected) in &m.files {
            check_name("file", file)?;
            let path = dir.join(file);
            let actual = sha256_file(&path)?;
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(InferenceError::ChecksumMismatch {
                    path: path.display().to_string(),
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        Ok(m)
    }

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

    /// Verifies, then loads `name`/`version` (any architecture) on `device`.
    ///
    /// # Errors
    /// As [`Registry::verify`] and the model's `load_burnpack`.
    pub fn load_model(&self, name: &str, version: &str, device: &Device) -> Result<AnyModel> {
        let m = self.verify(name, version)?;
        let weights = self.version_dir(name, version)?.join(WEIGHTS);
        m.architecture.load_burnpack(weights, device)
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

    /// Marks a version `staging` (or back to `development`).
    ///
    /// # Errors
    /// [`InferenceError::InvalidInput`] for `production`/`archived` (use
    /// promote / rollback); as [`Registry::manifest`].
    pub fn stage(&self, name: &str, version: &str, stage: Stage) -> Result<()> {
        if matches!(stage, Stage::Production | Stage::Archived) {
            return Err(InferenceError::InvalidInput {
                param: "stage",
                value: format!("{stage:?}"),
                reason: "production and archived are set by promote and rollback".into(),
            });
        }
        self.set_stage(name, version, stage)
    }

    /// Promotes `name`/`version` to production: verifies and loads it (on the
    /// flex CPU device) first, then archives the other production versions of
    /// `name`, points `last_good` at the previously active version and
    /// `active` at this one. A version that fails verification or loading is
    /// refused and nothing changes.
    ///
    /// # Errors
    /// As [`Registry::load_model`].
    pub fn promote(&self, name: &str, version: &str) -> Result<()> {
        self.load_model(name, version, &crate::model::cpu_device())?;
        let previous = self.active(name)?;
        for v in self.versions(name)? {
            if v != version && self.manifest(name, &v)?.stage == Stage::Production {
                self.set_stage(name, &v, Stage::Archived)?;
            }
        }
        self.set_stage(name, version, Stage::Production)?;
        if let Some(prev) = previous.filter(|p| p != version) {
            self.set_pointer(name, LAST_GOOD, &prev)?;
        }
        self.set_pointer(name, ACTIVE, version)
    }

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
