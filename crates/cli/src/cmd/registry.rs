//! `tradewarden registry`: list, inventory, verify, promote, rollback, stage,
//! the learning freeze, register, sign.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use tradewarden_cli::doc::registry::{
    InventoryListing, LearningFreezeStatus, ListedVersion, Listing, ModelInventory, ModelListing,
    Promoted, Registered, RolledBack, Signed, Staged, Verified,
};
use tradewarden_inference::registry::{self, Registry, RegistryOptions, Stage};

use crate::{Failure, show};

/// `tradewarden registry`.
#[derive(Debug, Args)]
pub(crate) struct RegistryArgs {
    /// Registry root directory.
    #[arg(
        long,
        env = "TRADEWARDEN_REGISTRY",
        default_value = "tradewarden-registry"
    )]
    root: PathBuf,
    /// ed25519 verifying (public) key file, 64 hex characters or 32 raw
    /// bytes: versions that are unsigned or not signed by its private half
    /// are refused (verify, promote, rollback; exit 4).
    #[arg(long, env = "TRADEWARDEN_REGISTRY_VERIFYING_KEY")]
    verifying_key: Option<PathBuf>,
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Models, versions, stages and the active / last-good pointers.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every version of every model, the corrupt ones too (with the file at
    /// fault and why): exit 0 where `list` fails on a corrupt manifest.
    Inventory {
        /// Only this model.
        #[arg(long)]
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Re-hash a version's files against its manifest (exit 4 when they differ).
    Verify {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Version (default: the active one).
        #[arg(long)]
        version: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a version active (verified and loaded first); the previous one becomes last-good.
    Promote {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Version.
        #[arg(long)]
        version: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Point active back at last-good.
    Rollback {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Mark a version `staging` (or back to `development`); `production`
    /// and `archived` are set by promote and rollback (exit 3).
    Stage {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Version.
        #[arg(long)]
        version: String,
        /// The stage: development or staging.
        #[arg(long, value_parser = super::named::<Stage>())]
        stage: Stage,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Freeze learning of a model: register and promote refuse (exit 5)
    /// until `unfreeze-learning`; rollback still works. `tradewarden
    /// rollback` freezes too.
    FreezeLearning {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Who freezes it (required, not blank).
        #[arg(long)]
        by: String,
        /// Why (required, not blank).
        #[arg(long)]
        reason: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lift the learning freeze of a model (a no-op when not frozen).
    UnfreezeLearning {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Whether learning of a model is frozen, by whom, since when and why
    /// (exit 4 for an unreadable record, which counts as frozen).
    LearningFreeze {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Register the built-in demo model (to try the runbook on).
    RegisterDemo {
        /// Model name.
        #[arg(long, default_value = tradewarden_inference::demo::DEMO_MODEL_NAME)]
        name: String,
        /// Version.
        #[arg(long)]
        version: String,
        /// Sign the manifest with this ed25519 signing (private) key file.
        #[arg(long)]
        signing_key: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign (or re-sign) a version's manifest after checking its checksums.
    Sign {
        /// Model name.
        #[arg(long)]
        name: String,
        /// Version.
        #[arg(long)]
        version: String,
        /// ed25519 signing (private) key file: 64 hex characters or 32 raw
        /// bytes (e.g. `openssl rand -hex 32`).
        #[arg(long)]
        signing_key: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the verifying (public) key of a signing key file, for
    /// `--verifying-key` on the serving side.
    PublicKey {
        /// ed25519 signing (private) key file.
        #[arg(long)]
        signing_key: PathBuf,
    },
}

pub(crate) fn run(a: RegistryArgs) -> Result<(), Failure> {
    if let RegistryCommand::PublicKey { signing_key } = &a.command {
        let k = registry::load_signing_key(signing_key)?;
        println!("{}", registry::key_hex(k.verifying_key().as_bytes()));
        return Ok(());
    }
    if !matches!(a.command, RegistryCommand::RegisterDemo { .. }) && !a.root.is_dir() {
        return Err(Failure {
            code: crate::ExitStatus::BadInput,
            message: format!("registry {} does not exist", a.root.display()),
        });
    }
    let mut opts = RegistryOptions::default();
    if let Some(p) = &a.verifying_key {
        opts = opts.with_verifying_key(registry::load_verifying_key(p)?);
    }
    let reg = Registry::open_with(&a.root, opts)?;
    match a.command {
        RegistryCommand::List { json } => {
            let mut models = Vec::new();
            for name in reg.models()? {
                // Registration order, with the manifest data and the pointer flags.
                let versions = reg.list(&name)?.into_iter().map(ListedVersion::from);
                models.push(ModelListing {
                    active: reg.active(&name)?,
                    last_good: reg.last_good(&name)?,
                    versions: versions.collect(),
                    name,
                });
            }
            let root = a.root.display().to_string();
            show(json, &Listing { root, models })
        }
        RegistryCommand::Inventory { name, json } => {
            let names = match name {
                Some(n) => vec![n],
                None => reg.models()?,
            };
            let mut models = Vec::new();
            for name in names {
                let inv = reg.inventory(&name)?;
                models.push(ModelInventory {
                    active: reg.active(&name)?,
                    last_good: reg.last_good(&name)?,
                    versions: inv.versions,
                    corrupt: inv.corrupt,
                    name,
                });
            }
            let root = a.root.display().to_string();
            show(json, &InventoryListing { root, models })
        }
        RegistryCommand::Verify {
            name,
            version,
            json,
        } => {
            let v = match version {
                Some(v) => v,
                None => reg.active(&name)?.ok_or_else(|| Failure {
                    code: crate::ExitStatus::State,
                    message: format!("{name} has no active version; give --version"),
                })?,
            };
            let m = reg.verify(&name, &v)?;
            let doc = Verified {
                name,
                version: v,
                verified: true,
                files: m.files,
            };
            show(json, &doc)
        }
        RegistryCommand::Promote {
            name,
            version,
            json,
        } => {
            reg.promote(&name, &version)?;
            let doc = Promoted {
                active: reg.active(&name)?,
                last_good: reg.last_good(&name)?,
                name,
            };
            show(json, &doc)
        }
        RegistryCommand::Rollback { name, json } => {
            let active = reg.rollback(&name)?;
            show(json, &RolledBack { name, active })
        }
        RegistryCommand::Stage {
            name,
            version,
            stage,
            json,
        } => {
            reg.stage(&name, &version, stage)?;
            let stage = reg.manifest(&name, &version)?.stage;
            show(
                json,
                &Staged {
                    name,
                    version,
                    stage,
                },
            )
        }
        RegistryCommand::FreezeLearning {
            name,
            by,
            reason,
            json,
        } => {
            reg.freeze_learning(&name, &by, &reason)?;
            let freeze = reg.learning_freeze(&name)?;
            show(json, &LearningFreezeStatus { name, freeze })
        }
        RegistryCommand::UnfreezeLearning { name, json } => {
            reg.unfreeze_learning(&name)?;
            let freeze = reg.learning_freeze(&name)?;
            show(json, &LearningFreezeStatus { name, freeze })
        }
        RegistryCommand::LearningFreeze { name, json } => {
            let freeze = reg.learning_freeze(&name)?;
            show(json, &LearningFreezeStatus { name, freeze })
        }
        RegistryCommand::RegisterDemo {
            name,
            version,
            signing_key,
            json,
        } => {
            let key = signing_key
                .as_deref()
                .map(registry::load_signing_key)
                .transpose()?;
            let model = tradewarden_inference::demo::load_demo_model(
                &tradewarden_inference::device::cpu_device(),
            )?;
            let m = match &key {
                Some(k) => reg.register_signed(&name, &version, &model, BTreeMap::new(), k)?,
                None => reg.register(&name, &version, &model, BTreeMap::new())?,
            };
            let doc = Registered {
                name: m.name,
                version: m.version,
                files: m.files,
                signed: key.is_some(),
            };
            show(json, &doc)
        }
        RegistryCommand::Sign {
            name,
            version,
            signing_key,
            json,
        } => {
            let key = registry::load_signing_key(&signing_key)?;
            reg.sign(&name, &version, &key)?;
            let public_key = registry::key_hex(key.verifying_key().as_bytes());
            let doc = Signed {
                name,
                version,
                signed: true,
                public_key,
            };
            show(json, &doc)
        }
        RegistryCommand::PublicKey { .. } => Ok(()), // answered above, before the registry opens
    }
}
