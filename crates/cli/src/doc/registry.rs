//! `tradewarden registry …` documents.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use tradewarden_inference::registry::{CorruptVersion, LearningFreeze, Stage, VersionEntry};

/// `registry list`: every model, its pointers and versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// The registry root.
    pub root: String,
    /// The models, by name.
    pub models: Vec<ModelListing>,
}

/// One model of a [`Listing`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelListing {
    /// Model name.
    pub name: String,
    /// The serving version.
    pub active: Option<String>,
    /// The version rollback returns to.
    pub last_good: Option<String>,
    /// Versions in registration order.
    pub versions: Vec<ListedVersion>,
}

/// One version of a [`ModelListing`]: manifest data and pointer flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedVersion {
    /// Version tag.
    pub version: String,
    /// Lifecycle stage.
    pub stage: Stage,
    /// Registration time, Unix seconds.
    pub created_at: f64,
    /// Evaluation metrics recorded at registration.
    pub metrics: BTreeMap<String, f64>,
    /// sha256 of every file, by file name.
    pub files: BTreeMap<String, String>,
    /// `active.json` names it.
    pub active: bool,
    /// `last_good.json` names it.
    pub last_good: bool,
    /// It has a `manifest.sig`.
    pub signed: bool,
}

impl From<VersionEntry> for ListedVersion {
    fn from(e: VersionEntry) -> Self {
        ListedVersion {
            version: e.manifest.version,
            stage: e.manifest.stage,
            created_at: e.manifest.created_at,
            metrics: e.manifest.metrics,
            files: e.manifest.files,
            active: e.active,
            last_good: e.last_good,
            signed: e.signed,
        }
    }
}

/// `name  active=…  last_good=…` (`-` for no pointer).
fn model_line(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    active: &Option<String>,
    last_good: &Option<String>,
) -> fmt::Result {
    writeln!(
        f,
        "{name}  active={}  last_good={}",
        active.as_deref().unwrap_or("-"),
        last_good.as_deref().unwrap_or("-")
    )
}

impl fmt::Display for Listing {
    /// A line per model, then a line per version with its flags.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.models {
            model_line(f, &m.name, &m.active, &m.last_good)?;
            for v in &m.versions {
                writeln!(
                    f,
                    "  {} ({}){}{}{}",
                    v.version,
                    v.stage.as_str(),
                    if v.active { " active" } else { "" },
                    if v.last_good { " last-good" } else { "" },
                    if v.signed { " signed" } else { "" }
                )?;
            }
        }
        Ok(())
    }
}

/// `registry inventory`: every version of every model, corrupt ones too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryListing {
    /// The registry root.
    pub root: String,
    /// The models, by name.
    pub models: Vec<ModelInventory>,
}

/// One model of an [`InventoryListing`]: its pointers and
/// `Registry::inventory`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelInventory {
    /// Model name.
    pub name: String,
    /// The serving version.
    pub active: Option<String>,
    /// The version rollback returns to.
    pub last_good: Option<String>,
    /// The readable versions (as `Registry::list` reports them).
    pub versions: Vec<VersionEntry>,
    /// The corrupt versions (the file at fault and why).
    pub corrupt: Vec<CorruptVersion>,
}

impl fmt::Display for InventoryListing {
    /// A line per model, per readable version and per corrupt version.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.models {
            model_line(f, &m.name, &m.active, &m.last_good)?;
            for v in &m.versions {
                writeln!(
                    f,
                    "  {} ({})",
                    v.manifest.version,
                    v.manifest.stage.as_str()
                )?;
            }
            for c in &m.corrupt {
                writeln!(f, "  {} CORRUPT {}: {}", c.version, c.path, c.reason)?;
            }
        }
        Ok(())
    }
}

/// `registry verify`: a version whose files match their sha256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verified {
    /// Model name.
    pub name: String,
    /// Version tag.
    pub version: String,
    /// Always true (a mismatch is an error, exit 4).
    pub verified: bool,
    /// sha256 of every file, by file name.
    pub files: BTreeMap<String, String>,
}

impl fmt::Display for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} file(s) match their sha256",
            self.name,
            self.version,
            self.files.len()
        )
    }
}

/// `registry promote`: the pointers after the promotion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promoted {
    /// Model name.
    pub name: String,
    /// The serving version (the promoted one).
    pub active: Option<String>,
    /// The previously active version.
    pub last_good: Option<String>,
}

impl fmt::Display for Promoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: active = {}",
            self.name,
            self.active.as_deref().unwrap_or("-")
        )
    }
}

/// `registry rollback`: the version active again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolledBack {
    /// Model name.
    pub name: String,
    /// The serving version now (the former last-good).
    pub active: String,
}

impl fmt::Display for RolledBack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: rolled back, active = {}", self.name, self.active)
    }
}

/// `registry register-demo`: the version registered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registered {
    /// Model name.
    pub name: String,
    /// Version tag.
    pub version: String,
    /// sha256 of every file, by file name.
    pub files: BTreeMap<String, String>,
    /// Whether the manifest was signed.
    pub signed: bool,
}

impl fmt::Display for Registered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "registered {} {}{}",
            self.name,
            self.version,
            if self.signed { " (signed)" } else { "" }
        )
    }
}

/// `registry sign`: the version signed and the key to verify it with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signed {
    /// Model name.
    pub name: String,
    /// Version tag.
    pub version: String,
    /// Always true.
    pub signed: bool,
    /// The verifying (public) key, 64 hex characters.
    pub public_key: String,
}

impl fmt::Display for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: signed (public key {})",
            self.name, self.version, self.public_key
        )
    }
}

/// `registry stage`: the version and the stage it now has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staged {
    /// Model name.
    pub name: String,
    /// Version tag.
    pub version: String,
    /// The stage the manifest now records.
    pub stage: Stage,
}

impl fmt::Display for Staged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.name, self.version, self.stage)
    }
}

/// `registry freeze-learning`, `unfreeze-learning`, `learning-freeze`: the
/// model's learning freeze after the command (`null` when not frozen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningFreezeStatus {
    /// Model name.
    pub name: String,
    /// Who froze it, why and since when (Unix seconds); `None` when learning
    /// is not frozen.
    pub freeze: Option<LearningFreeze>,
}

impl fmt::Display for LearningFreezeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.freeze {
            None => write!(f, "{}: learning not frozen", self.name),
            Some(z) => write!(
                f,
                "{}: learning frozen by {} since {} ({}): register and promote refuse",
                self.name, z.who, z.since, z.why
            ),
        }
    }
}
