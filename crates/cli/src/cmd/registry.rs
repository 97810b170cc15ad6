//! `tradewarden registry`: list, inventory, verify, promote, rollback, register, sign.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use tradewarden_inference::registry::{self, Registry, RegistryOptions};

use crate::{Failure, emit};

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
            for n in reg.models()? {
                // Registration order, with the manifest data and the pointer flags.
                let versions: Vec<_> = reg
                    .list(&n)?
                    .into_iter()
                    .map(|e| {
                        json!({"version": e.manifest.version, "stage": e.manifest.stage,
                               "created_at": e.manifest.created_at,
                               "metrics": e.manifest.metrics, "files": e.manifest.files,
                               "active": e.active, "last_good": e.last_good, "signed": e.signed})
                    })
                    .collect();
                models.push(json!({"name": n, "active": reg.active(&n)?,
                                   "last_good": reg.last_good(&n)?, "versions": versions}));
            }
            let doc = json!({"root": a.root.display().to_string(), "models": models});
            emit(json, &doc, || {
                for m in &models {
                    println!(
                        "{}  active={}  last_good={}",
                        m["name"].as_str().unwrap_or(""),
                        m["active"].as_str().unwrap_or("-"),
                        m["last_good"].as_str().unwrap_or("-")
                    );
                    for v in m["versions"].as_array().into_iter().flatten() {
                        let flag = |k: &str, label: &'static str| {
                            if v[k].as_bool().unwrap_or(false) {
                                label
                            } else {
                                ""
                            }
                        };
                        println!(
                            "  {} ({}){}{}{}",
                            v["version"].as_str().unwrap_or(""),
                            v["stage"].as_str().unwrap_or(""),
                            flag("active", " active"),
                            flag("last_good", " last-good"),
                            flag("signed", " signed")
                        );
                    }
                }
            })
        }
        RegistryCommand::Inventory { name, json } => {
            let names = match name {
                Some(n) => vec![n],
                None => reg.models()?,
            };
            let mut models = Vec::new();
            for n in names {
                let inv = reg.inventory(&n)?;
                models.push(json!({"name": n, "active": reg.active(&n)?,
                                   "last_good": reg.last_good(&n)?,
                                   "versions": inv.versions, "corrupt": inv.corrupt}));
            }
            let doc = json!({"root": a.root.display().to_string(), "models": models});
            emit(json, &doc, || {
                for m in &models {
                    println!(
                        "{}  active={}  last_good={}",
                        m["name"].as_str().unwrap_or(""),
                        m["active"].as_str().unwrap_or("-"),
                        m["last_good"].as_str().unwrap_or("-")
                    );
                    for v in m["versions"].as_array().into_iter().flatten() {
                        println!(
                            "  {} ({})",
                            v["manifest"]["version"].as_str().unwrap_or(""),
                            v["manifest"]["stage"].as_str().unwrap_or("")
                        );
                    }
                    for c in m["corrupt"].as_array().into_iter().flatten() {
                        println!(
                            "  {} CORRUPT {}: {}",
                            c["version"].as_str().unwrap_or(""),
                            c["path"].as_str().unwrap_or(""),
                            c["reason"].as_str().unwrap_or("")
                        );
                    }
                }
            })
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
            let doc = json!({"name": name, "version": v, "verified": true, "files": m.files});
            emit(json, &doc, || {
                println!("{name} {v}: {} file(s) match their sha256", m.files.len());
            })
        }
        RegistryCommand::Promote {
            name,
            version,
            json,
        } => {
            reg.promote(&name, &version)?;
            let doc = json!({"name": name, "active": reg.active(&name)?, "last_good": reg.last_good(&name)?});
            emit(json, &doc, || println!("{name}: active = {version}"))
        }
        RegistryCommand::Rollback { name, json } => {
            let v = reg.rollback(&name)?;
            let doc = json!({"name": name, "active": v});
            emit(json, &doc, || println!("{name}: rolled back, active = {v}"))
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
            let signed = key.is_some();
            let doc =
                json!({"name": m.name, "version": m.version, "files": m.files, "signed": signed});
            emit(json, &doc, || {
                println!(
                    "registered {name} {version}{}",
                    if signed { " (signed)" } else { "" }
                )
            })
        }
        RegistryCommand::Sign {
            name,
            version,
            signing_key,
            json,
        } => {
            let key = registry::load_signing_key(&signing_key)?;
            reg.sign(&name, &version, &key)?;
            let public = registry::key_hex(key.verifying_key().as_bytes());
            let doc =
                json!({"name": name, "version": version, "signed": true, "public_key": public});
            emit(json, &doc, || {
                println!("{name} {version}: signed (public key {public})")
            })
        }
        RegistryCommand::PublicKey { .. } => Ok(()), // answered above, before the registry opens
    }
}
