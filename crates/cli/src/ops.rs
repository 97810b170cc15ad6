//! Runbook commands built on the library: `drift`, `registry`, `promote`,
//! `canary`, `doctor`, `health`, `serve-metrics`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::{Value, json};
use tradewarden_core::io::{column_from_batches, read_table};
use tradewarden_drift::profile::{
    BinStrategy, FeatureProfile, NumericProfile, Profile, ProfileFormat, ProfileOptions,
};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_guardrails::canary::{
    CanaryConfig, CanaryMachine, StageAction, StageObservation, StageSpec,
};
use tradewarden_guardrails::promotion::RollbackPlan;
use tradewarden_guardrails::promotion::{PromotionGates, PromotionInputs, evaluate_promotion};
use tradewarden_guardrails::rollback::CanaryState;
use tradewarden_guardrails::{Policy, Session, SessionConfig, StateStore, TradingState};
use tradewarden_inference::registry::{self, Registry, RegistryOptions};
use tradewarden_metrics::{Exporter, ExporterConfig};

use crate::guard::{StateDir, status_doc};
use crate::{Failure, emit};

fn bad(message: String) -> Failure {
    Failure { code: 3, message }
}

// ---------------------------------------------------------------- drift

/// `tradewarden drift`.
#[derive(Debug, Args)]
pub(crate) struct DriftArgs {
    #[command(subcommand)]
    command: DriftCommand,
}

#[derive(Debug, Subcommand)]
enum DriftCommand {
    /// Reference profiles.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Drift of --current against --profile (or a profile fitted on --reference).
    /// Exit 6 with --fail-on-drift when the dataset drifted.
    Report {
        /// Reference data (Parquet or CSV), fitted when no --profile is given.
        #[arg(long, required_unless_present = "profile")]
        reference: Option<PathBuf>,
        /// Current data (Parquet or CSV).
        #[arg(long)]
        current: PathBuf,
        /// A frozen profile (JSON or binary, detected by content) to score against.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Comma-separated columns (default: every numeric column of the profile or reference).
        #[arg(long, value_delimiter = ',')]
        columns: Vec<String>,
        /// Exit 6 when dataset drift is detected.
        #[arg(long)]
        fail_on_drift: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ProfileCommand {
    /// Fit a frozen profile on a Parquet or CSV file and save it (the checksummed
    /// binary form with a .bin extension, else checksummed JSON).
    Fit {
        /// Input data.
        #[arg(long)]
        input: PathBuf,
        /// Output profile path.
        #[arg(long)]
        out: PathBuf,
        /// Comma-separated columns (default: every numeric column).
        #[arg(long, value_delimiter = ',')]
        columns: Vec<String>,
        /// Number of quantile bins.
        #[arg(long, default_value_t = 10)]
        bins: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Summarise a saved profile.
    Show {
        /// The profile (JSON or binary, detected by content).
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Numeric columns of a table (or the requested ones), each as f64.
fn read_columns(path: &Path, wanted: &[String]) -> Result<Vec<(String, Vec<f64>)>, Failure> {
    let batches = read_table(path)?;
    let Some(first) = batches.first() else {
        return Err(bad(format!("{}: no rows", path.display())));
    };
    let names: Vec<String> = if wanted.is_empty() {
        first
            .schema()
            .fields()
            .iter()
            .filter(|f| f.data_type().is_numeric())
            .map(|f| f.name().clone())
            .collect()
    } else {
        wanted.to_vec()
    };
    if names.is_empty() {
        return Err(bad(format!("{}: no numeric column", path.display())));
    }
    names
        .into_iter()
        .map(|n| Ok((n.clone(), column_from_batches(&batches, Some(&n))?)))
        .collect()
}

/// Reads a profile in either form (by content, not by extension); the
/// library validates it (checksum and structure).
fn load_profile(path: &Path) -> Result<Profile, Failure> {
    Ok(Profile::load(path)?)
}

/// The form `drift profile fit --out` writes: binary for a `.bin` path, JSON
/// otherwise (docs/cli.md).
fn profile_format_for(path: &Path) -> ProfileFormat {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("bin") => ProfileFormat::Binary,
        _ => ProfileFormat::Json,
    }
}

fn fit(cols: &[(String, Vec<f64>)], bins: usize) -> Result<Profile, Failure> {
    let opts = ProfileOptions {
        bins: BinStrategy::Quantile { bins },
        ..Default::default()
    };
    let mut p = Profile::new();
    for (n, v) in cols {
        p.insert(
            n.clone(),
            FeatureProfile::Numeric(NumericProfile::fit(v, &opts)?),
        );
    }
    Ok(p)
}

fn profile_doc(p: &Profile) -> Value {
    let features: Vec<Value> = p
        .features
        .iter()
        .map(|(n, f)| match f {
            FeatureProfile::Numeric(x) => json!({"name": n, "kind": "numeric", "count": x.count,
                "nan_count": x.nan_count, "min": x.min, "max": x.max, "mean": x.mean,
                "bins": x.counts.len(), "keeps_reference": !x.reference.is_empty()}),
            FeatureProfile::Categorical(c) => json!({"name": n, "kind": "categorical",
                "count": c.count, "missing": c.missing, "categories": c.counts.len()}),
        })
        .collect();
    json!({"format_version": p.format_version, "features": features})
}

pub(crate) fn run_drift(a: DriftArgs) -> Result<(), Failure> {
    match a.command {
        DriftCommand::Profile {
            command:
                ProfileCommand::Fit {
                    input,
                    out,
                    columns,
                    bins,
                    json,
                },
        } => {
            let cols = read_columns(&input, &columns)?;
            let p = fit(&cols, bins)?;
            p.save_as(&out, profile_format_for(&out))?;
            let doc = profile_doc(&p);
            emit(json, &doc, || {
                println!(
                    "profile of {} feature(s) from {} → {}",
                    p.features.len(),
                    input.display(),
                    out.display()
                );
            })
        }
        DriftCommand::Profile {
            command: ProfileCommand::Show { file, json },
        } => {
            let p = load_profile(&file)?;
            let doc = profile_doc(&p);
            emit(json, &doc, || {
                for f in doc["features"].as_array().into_iter().flatten() {
                    println!(
                        "{:<20} {:<11} n={} mean={} min={} max={}",
                        f["name"].as_str().unwrap_or(""),
                        f["kind"].as_str().unwrap_or(""),
                        f["count"],
                        f["mean"],
                        f["min"],
                        f["max"]
                    );
                }
            })
        }
        DriftCommand::Report {
            reference,
            current,
            profile,
            columns,
            fail_on_drift,
            json,
        } => {
            let p = match (&profile, &reference) {
                (Some(pp), _) => load_profile(pp)?,
                (None, Some(r)) => fit(&read_columns(r, &columns)?, 10)?,
                (None, None) => return Err(bad("give --profile or --reference".into())),
            };
            let wanted: Vec<String> = if columns.is_empty() {
                p.features.keys().cloned().collect()
            } else {
                columns
            };
            let cur = read_columns(&current, &wanted)?;
            let data: Vec<(&str, FeatureData<'_>)> = cur
                .iter()
                .map(|(n, v)| (n.as_str(), FeatureData::Numeric(v)))
                .collect();
            let r = DriftReport::compute(&p, &data, &ReportOptions::default())?;
            let doc: Value =
                serde_json::from_str(&r.to_json()?).map_err(|e| crate::internal(e.to_string()))?;
            emit(json, &doc, || {
                for f in &r.features {
                    println!(
                        "{:<20} {:<4} statistic {:>10.4}  drift {:<3} severity {}",
                        f.name,
                        f.method.as_str(),
                        f.statistic,
                        if f.drift { "yes" } else { "no" },
                        f.severity.as_str()
                    );
                }
                println!(
                    "{} of {} features drifted ({})",
                    r.n_drifted,
                    r.features.len(),
                    if r.dataset_drift {
                        "dataset drift"
                    } else {
                        "no dataset drift"
                    }
                );
            })?;
            if fail_on_drift && r.dataset_drift {
                return Err(Failure::silent(6));
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------- registry

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

fn model_names(root: &Path) -> Result<Vec<String>, Failure> {
    let rd = match std::fs::read_dir(root) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Failure {
                code: 3,
                message: format!("registry {} does not exist", root.display()),
            });
        }
        Err(e) => return Err(crate::io_failure(root, e)),
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("versions").is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

pub(crate) fn run_registry(a: RegistryArgs) -> Result<(), Failure> {
    if let RegistryCommand::PublicKey { signing_key } = &a.command {
        let k = registry::load_signing_key(signing_key)?;
        println!("{}", registry::key_hex(k.verifying_key().as_bytes()));
        return Ok(());
    }
    if !matches!(a.command, RegistryCommand::RegisterDemo { .. }) && !a.root.is_dir() {
        return Err(Failure {
            code: 3,
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
            for n in model_names(&a.root)? {
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
        RegistryCommand::Verify {
            name,
            version,
            json,
        } => {
            let v = match version {
                Some(v) => v,
                None => reg.active(&name)?.ok_or_else(|| Failure {
                    code: 5,
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

// ---------------------------------------------------------------- promote / canary

/// `tradewarden promote`.
#[derive(Debug, Args)]
pub(crate) struct PromoteArgs {
    #[command(subcommand)]
    command: PromoteCommand,
}

#[derive(Debug, Subcommand)]
enum PromoteCommand {
    /// Evaluate the promotion gates on a candidate's walk-forward returns
    /// (exit 6 when a gate fails).
    Check {
        /// Walk-forward returns (Parquet or CSV).
        #[arg(long)]
        returns: PathBuf,
        /// Column of the returns file.
        #[arg(long)]
        column: Option<String>,
        /// Closed-trade P&L (Parquet or CSV; default: the returns, one per period).
        #[arg(long)]
        trades: Option<PathBuf>,
        /// Gates (TOML/YAML/JSON; default Autotrader's: Sharpe > 2, |DD| < .15, win rate > .55, trades > 100).
        #[arg(long)]
        gates: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run_promote(a: PromoteArgs) -> Result<(), Failure> {
    let PromoteCommand::Check {
        returns,
        column,
        trades,
        gates,
        json,
    } = a.command;
    let g: PromotionGates = match &gates {
        Some(p) => tradewarden_core::config::load_config(p)?,
        None => PromotionGates::autotrader(),
    };
    g.validate()?;
    let r = tradewarden_core::io::read_returns(&returns, column.as_deref())?;
    let t = match &trades {
        Some(p) => tradewarden_core::io::read_returns(p, None)?,
        None => r.clone(),
    };
    let rep = evaluate_promotion(
        &g,
        &PromotionInputs {
            walk_forward_returns: &r,
            trial_sharpes: None,
            strategy_matrix: None,
            trade_pnls: &t,
        },
    )?;
    let doc = serde_json::to_value(&rep).map_err(|e| crate::internal(e.to_string()))?;
    emit(json, &doc, || {
        for c in &rep.checks {
            println!(
                "{:<28} {:>10.4} vs {:>10.4}  {}",
                c.name,
                c.value,
                c.threshold,
                if c.passed { "pass" } else { "FAIL" }
            );
        }
        println!(
            "{}",
            if rep.passed {
                "PROMOTE"
            } else {
                "DO NOT PROMOTE"
            }
        );
    })?;
    if rep.passed {
        Ok(())
    } else {
        Err(Failure::silent(6))
    }
}

/// `tradewarden canary`.
#[derive(Debug, Args)]
pub(crate) struct CanaryArgs {
    #[command(flatten)]
    dir: StateDir,
    #[command(subcommand)]
    command: CanaryCommand,
}

#[derive(Debug, Subcommand)]
enum CanaryCommand {
    /// Current stage of the canary ladder (Quant Bot stages).
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate the current stage on an observation file (JSON/TOML/YAML);
    /// with --apply, advance or roll back. Exit 6 on rollback.
    Evaluate {
        /// The observation: days, real_pnl, sim_pnl, drawdown, slippage_ratio,
        /// critical_alerts, precision, baseline_precision.
        #[arg(long)]
        observation: PathBuf,
        /// Apply the action to the persisted stage.
        #[arg(long)]
        apply: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Where the ladder stands: stage, days in stage vs its minimum, each
    /// promotion criterion (threshold, last observed value, pass/fail/unknown),
    /// the next stage and the armed rollback triggers. Always exit 0.
    Progress {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A JSON number, or null when not finite.
fn num(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The promotion criteria of a stage, as `CanaryMachine::evaluate` checks
/// them: (name, comparison, threshold, note).
fn stage_criteria(s: &StageSpec) -> Vec<(&'static str, &'static str, f64, Option<&'static str>)> {
    let mut c = vec![("min_days", ">=", f64::from(s.min_days), None)];
    if let Some(l) = s.pnl_deviation
        && s.aum_share > 0.0
    {
        c.push((
            "pnl_deviation",
            "<=",
            l,
            Some("|real − sim| ÷ |sim| P&L; not checked when sim_pnl = 0"),
        ));
    }
    if let Some(l) = s.max_drawdown {
        c.push(("max_drawdown", "<=", l, Some("a breach rolls back")));
    }
    c.push(("slippage_ratio", "<=", s.slippage_multiplier, None));
    c.push(("critical_alerts", "==", 0.0, Some("any rolls back")));
    c.push((
        "precision_ratio",
        ">=",
        s.precision_ratio,
        Some("precision ÷ baseline_precision"),
    ));
    c
}

/// The `canary progress` document.
fn progress_doc(m: &CanaryMachine, f: &CanaryState, config: &CanaryConfig, now: i64) -> Value {
    let s = m.stage();
    let idx = m.index();
    // the last applied evaluation belongs to the current stage when it was of
    // this stage and did not move the ladder (hold, or complete at the top)
    let current = f.last_evaluation.as_ref().filter(|e| {
        e.stage_index == idx
            && !matches!(
                e.action,
                StageAction::Advance { .. } | StageAction::Rollback { .. }
            )
    });
    let obs = current.map(|e| StageObservation::from(&e.observation));
    let checks = obs.map(|o| m.evaluate(&o).checks).unwrap_or_default();
    let (days, days_source) = match (&obs, f.stage_entered_at) {
        (Some(o), _) => (json!(o.days), json!("last_observation")),
        (None, Some(t)) => (json!((now - t).max(0) / 86_400), json!("since_entered")),
        (None, None) => (Value::Null, Value::Null),
    };
    let criteria: Vec<Value> = stage_criteria(s)
        .into_iter()
        .map(|(name, op, threshold, note)| {
            let hit = checks.iter().find(|c| c.name == name);
            let (value, status, why) = match (hit, &obs) {
                (Some(c), _) => (
                    num(c.value),
                    if c.passed { "pass" } else { "fail" },
                    (!c.value.is_finite()).then_some("the observed value is not a number"),
                ),
                (None, Some(_)) => (
                    Value::Null,
                    "unknown",
                    Some("not checked by the last evaluation (sim_pnl = 0)"),
                ),
                (None, None) => (
                    Value::Null,
                    "unknown",
                    Some("no evaluation applied in this stage yet"),
                ),
            };
            json!({"name": name, "rule": format!("{name} {op} {threshold}"),
                   "comparison": op, "threshold": threshold, "value": value,
                   "status": status, "note": note, "unknown_because": why})
        })
        .collect();
    let all_pass = criteria.iter().all(|c| c["status"] == "pass");
    let any_fail = criteria.iter().any(|c| c["status"] == "fail");
    let next = config.stages.get(idx + 1).map(|n| {
        json!({"name": n.name, "stage_index": idx + 1, "aum_share": n.aum_share,
               "min_days": n.min_days})
    });
    let dd_value = obs.map(|o| o.drawdown);
    let alerts_value = obs.map(|o| o.critical_alerts);
    let mut triggers = vec![json!({
        "name": "critical_alerts",
        "rule": "critical_alerts > 0",
        "armed": true,
        "value": alerts_value,
        "triggered": alerts_value.map(|a| a > 0),
    })];
    triggers.push(match s.max_drawdown {
        Some(l) => json!({
            "name": "max_drawdown",
            "rule": format!("drawdown > {l} or not finite"),
            "armed": true,
            "value": dd_value.map(num),
            "triggered": dd_value.map(|d| !(d.is_finite() && d <= l)),
        }),
        None => json!({
            "name": "max_drawdown",
            "rule": "drawdown not finite (no drawdown limit in this stage)",
            "armed": true,
            "value": dd_value.map(num),
            "triggered": dd_value.map(|d| !d.is_finite()),
        }),
    });
    let last = f.last_evaluation.as_ref().map(|e| {
        json!({"at": e.at, "stage": e.stage, "stage_index": e.stage_index,
               "action": e.action, "current_stage": current.is_some()})
    });
    json!({
        "stage": s.name,
        "stage_index": idx,
        "stage_number": idx + 1,
        "n_stages": config.stages.len(),
        "aum_share": s.aum_share,
        "min_days": s.min_days,
        "days_in_stage": days,
        "days_source": days_source,
        "stage_entered_at": f.stage_entered_at,
        "rolled_back": f.rolled_back,
        "criteria": criteria,
        "criteria_status": if all_pass { "pass" } else if any_fail { "fail" } else { "unknown" },
        "next_stage": next,
        "rollback_triggers": triggers,
        "last_evaluation": last,
    })
}

fn print_progress(doc: &Value) {
    let txt = |v: &Value| match v {
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else {
                let t = format!("{x:.4}");
                t.trim_end_matches('0').to_string()
            }
        }
        other => other.to_string(),
    };
    let share = |v: &Value| format!("{}%", v.as_f64().unwrap_or(f64::NAN) * 100.0);
    println!(
        "stage {} of {}: {} ({} of AUM){}",
        doc["stage_number"],
        doc["n_stages"],
        txt(&doc["stage"]),
        share(&doc["aum_share"]),
        if doc["rolled_back"] == true {
            " — rolled back before"
        } else {
            ""
        }
    );
    match doc["days_source"].as_str() {
        Some(src) => println!(
            "days in stage: {} of min {} ({})",
            doc["days_in_stage"],
            doc["min_days"],
            src.replace('_', " ")
        ),
        None => println!(
            "days in stage: unknown (no evaluation applied in this stage), min {}",
            doc["min_days"]
        ),
    }
    println!("promotion criteria ({}):", txt(&doc["criteria_status"]));
    for c in doc["criteria"].as_array().into_iter().flatten() {
        println!(
            "  {:<16} {:<2} {:>8}   last {:>10}   {}",
            txt(&c["name"]),
            txt(&c["comparison"]),
            txt(&c["threshold"]),
            txt(&c["value"]),
            txt(&c["status"])
        );
    }
    match doc["next_stage"].as_object() {
        Some(n) => println!(
            "next stage: {} ({} of AUM, min {} days)",
            txt(&n["name"]),
            share(&n["aum_share"]),
            txt(&n["min_days"])
        ),
        None => println!("next stage: none (last stage)"),
    }
    println!("rollback triggers armed:");
    for t in doc["rollback_triggers"].as_array().into_iter().flatten() {
        println!(
            "  {}{}",
            txt(&t["rule"]),
            match t["triggered"].as_bool() {
                Some(true) => "   TRIGGERED by the last observation",
                Some(false) => "   (last observation: clear)",
                None => "",
            }
        );
    }
    if let Some(e) = doc["last_evaluation"].as_object() {
        println!(
            "last evaluation applied: {} in stage {} → {}",
            crate::demo::day_str(e["at"].as_i64().unwrap_or(0)),
            txt(&e["stage"]),
            txt(&e["action"]["action"])
        );
    }
}

fn canary_machine(dir: &Path) -> Result<(CanaryMachine, CanaryState), Failure> {
    let f = CanaryState::load(dir)?;
    let m = f.machine(CanaryConfig::default(), dir)?;
    Ok((m, f))
}

pub(crate) fn run_canary(a: CanaryArgs) -> Result<(), Failure> {
    let dir = a.dir.state_dir;
    match a.command {
        CanaryCommand::Status { json } => {
            let (m, f) = canary_machine(&dir)?;
            let doc = json!({"stage": m.stage().name, "stage_index": m.index(),
                             "aum_share": m.stage().aum_share, "min_days": m.stage().min_days,
                             "rolled_back": f.rolled_back});
            emit(json, &doc, || {
                println!(
                    "stage {} ({} of AUM, min {} days){}",
                    m.stage().name,
                    m.stage().aum_share,
                    m.stage().min_days,
                    if f.rolled_back {
                        " — rolled back before"
                    } else {
                        ""
                    }
                );
            })
        }
        CanaryCommand::Progress { json } => {
            let (m, f) = canary_machine(&dir)?;
            let doc = progress_doc(&m, &f, &CanaryConfig::default(), unix_now());
            emit(json, &doc, || print_progress(&doc))
        }
        CanaryCommand::Evaluate {
            observation,
            apply,
            json,
        } => {
            let obs: StageObservation = tradewarden_core::config::load_config(&observation)?;
            let plan = RollbackPlan::quant_bot("canary stage failed", "canary");
            let out = if apply {
                let mut session = Session::operator(SessionConfig::in_dir(&dir))?;
                session.evaluate_canary(CanaryConfig::default(), &obs, true, &plan, None)?
            } else {
                // Evaluation only: nothing is opened for writing.
                let (m, _) = canary_machine(&dir)?;
                tradewarden_guardrails::rollback::CanaryOutcome {
                    evaluation: m.try_evaluate(&obs)?,
                    applied: false,
                    rollback: None,
                }
            };
            let ev = out.evaluation;
            let doc = serde_json::to_value(&ev).map_err(|e| crate::internal(e.to_string()))?;
            emit(json, &doc, || {
                for c in &ev.checks {
                    println!(
                        "{:<22} {:>10.4} vs {:>10.4}  {}",
                        c.name,
                        c.value,
                        c.threshold,
                        if c.passed { "pass" } else { "FAIL" }
                    );
                }
                println!(
                    "{}: {:?}{}",
                    ev.stage,
                    ev.action,
                    if apply { " (applied)" } else { "" }
                );
            })?;
            if matches!(ev.action, StageAction::Rollback { .. }) {
                return Err(Failure::silent(6));
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------- doctor / health

/// `tradewarden doctor` and `tradewarden health`.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    dir: StateDir,
    /// Guardrail policy to validate.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Model registry to verify (the active version of every model).
    #[arg(long)]
    registry: Option<PathBuf>,
    /// Metrics exporter configuration to validate.
    #[arg(long)]
    metrics_config: Option<PathBuf>,
    /// Treat warnings (degraded) as failures (doctor only).
    #[arg(long)]
    strict: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
enum Level {
    Ok,
    Warn,
    Fail,
}

fn check(out: &mut Vec<Value>, name: &str, level: Level, detail: String) -> Level {
    out.push(json!({"check": name, "level": level, "detail": detail}));
    level
}

fn diagnose(a: &DoctorArgs) -> (Vec<Value>, Level) {
    let mut c = Vec::new();
    let mut worst = Level::Ok;
    let mut add = |c: &mut Vec<Value>, name: &str, l: Level, d: String| {
        worst = worst.max(check(c, name, l, d));
    };
    // writable state directory
    let dir = &a.dir.state_dir;
    let probe = dir.join(".tradewarden-doctor-probe");
    match std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&probe, b"ok")) {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            add(
                &mut c,
                "state_dir_writable",
                Level::Ok,
                dir.display().to_string(),
            );
        }
        Err(e) => add(
            &mut c,
            "state_dir_writable",
            Level::Fail,
            format!("{}: {e}", dir.display()),
        ),
    }
    // trading state
    match StateStore::open(dir) {
        Ok(s) => {
            let st = s.state();
            let l = match st {
                TradingState::Active => Level::Ok,
                TradingState::Reducing => Level::Warn,
                TradingState::Halted | TradingState::Killed => Level::Fail,
            };
            let d = status_doc(&s);
            add(
                &mut c,
                "trading_state",
                l,
                format!("{} ({})", st.as_str(), d["reason"].as_str().unwrap_or("")),
            );
        }
        Err(e) => add(&mut c, "trading_state", Level::Fail, e.to_string()),
    }
    // configuration
    match &a.policy {
        Some(p) => match Policy::load(p) {
            Ok(_) => add(&mut c, "policy", Level::Ok, p.display().to_string()),
            Err(e) => add(&mut c, "policy", Level::Fail, e.to_string()),
        },
        None => add(&mut c, "policy", Level::Warn, "no --policy given".into()),
    }
    if let Some(p) = &a.metrics_config {
        match ExporterConfig::load(p) {
            Ok(_) => add(&mut c, "metrics_config", Level::Ok, p.display().to_string()),
            Err(e) => add(&mut c, "metrics_config", Level::Fail, e.to_string()),
        }
    }
    // model artifacts
    match &a.registry {
        Some(root) => match (Registry::open(root), model_names(root)) {
            (Ok(reg), Ok(names)) => {
                if names.is_empty() {
                    add(
                        &mut c,
                        "model_artifacts",
                        Level::Warn,
                        "registry holds no model".into(),
                    );
                }
                for n in names {
                    match reg.active(&n) {
                        Ok(Some(v)) => match reg.verify(&n, &v) {
                            Ok(_) => add(
                                &mut c,
                                "model_artifacts",
                                Level::Ok,
                                format!("{n} {v} verified"),
                            ),
                            Err(e) => add(
                                &mut c,
                                "model_artifacts",
                                Level::Fail,
                                format!("{n} {v}: {e}"),
                            ),
                        },
                        Ok(None) => add(
                            &mut c,
                            "model_artifacts",
                            Level::Warn,
                            format!("{n}: no active version"),
                        ),
                        Err(e) => add(&mut c, "model_artifacts", Level::Fail, format!("{n}: {e}")),
                    }
                }
            }
            (Err(e), _) => add(&mut c, "model_artifacts", Level::Fail, e.to_string()),
            (_, Err(f)) => add(&mut c, "model_artifacts", Level::Fail, f.message),
        },
        None => add(
            &mut c,
            "model_artifacts",
            Level::Warn,
            "no --registry given".into(),
        ),
    }
    // dependencies: the inference backend runs
    match tradewarden_inference::demo::load_demo_model(&tradewarden_inference::device::cpu_device())
        .and_then(|m| m.forward_f64(&[0.0, 0.0, 0.16, 0.0], 1))
        .map_err(Failure::from)
    {
        Ok(v) if v.iter().all(|x| x.is_finite()) => add(
            &mut c,
            "inference_backend",
            Level::Ok,
            "cpu forward pass ok".into(),
        ),
        Ok(_) => add(
            &mut c,
            "inference_backend",
            Level::Fail,
            "non-finite output".into(),
        ),
        Err(f) => add(&mut c, "inference_backend", Level::Fail, f.message),
    }
    (c, worst)
}

fn status_name(l: Level) -> &'static str {
    match l {
        Level::Ok => "healthy",
        Level::Warn => "degraded",
        Level::Fail => "unhealthy",
    }
}

/// `doctor` (0 unless unhealthy, or degraded with --strict) and `health`
/// (0 healthy, 6 degraded, 7 unhealthy).
pub(crate) fn run_doctor(a: DoctorArgs, health: bool) -> Result<(), Failure> {
    let (checks, worst) = diagnose(&a);
    let doc = json!({"status": status_name(worst), "checks": checks});
    emit(a.json, &doc, || {
        if !health {
            for c in &checks {
                println!(
                    "{:<5} {:<20} {}",
                    match c["level"].as_str() {
                        Some("ok") => "ok",
                        Some("warn") => "WARN",
                        _ => "FAIL",
                    },
                    c["check"].as_str().unwrap_or(""),
                    c["detail"].as_str().unwrap_or("")
                );
            }
        }
        println!("{}", status_name(worst));
    })?;
    match worst {
        Level::Ok => Ok(()),
        Level::Warn if health || a.strict => Err(Failure::silent(6)),
        Level::Warn => Ok(()),
        Level::Fail => Err(Failure::silent(7)),
    }
}

// ---------------------------------------------------------------- serve-metrics

/// `tradewarden serve-metrics`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Listen address (loopback unless --allow-non-loopback); port 0 picks one.
    #[arg(long, default_value = tradewarden_metrics::exporter::DEFAULT_LISTEN)]
    listen: String,
    /// Allow a non-loopback address.
    #[arg(long)]
    allow_non_loopback: bool,
    #[command(flatten)]
    dir: StateDir,
    /// Seconds between refreshes of the trading-state gauges.
    #[arg(long, default_value_t = 5.0)]
    interval: f64,
}

pub(crate) fn run_serve(a: ServeArgs) -> Result<(), Failure> {
    if !(a.interval.is_finite() && a.interval > 0.0) {
        return Err(bad(format!(
            "invalid --interval {}: must be > 0",
            a.interval
        )));
    }
    let exporter = Exporter::install(&ExporterConfig {
        listen: Some(a.listen.clone()),
        allow_non_loopback: a.allow_non_loopback,
        ..Default::default()
    })?;
    let addr = exporter
        .local_addr()
        .ok_or_else(|| crate::internal("the exporter has no listener"))?;
    if let Ok(store) = StateStore::open(&a.dir.state_dir) {
        store.publish_telemetry();
    }
    println!("serving http://{addr}/metrics");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        if let Ok(store) = StateStore::open(&a.dir.state_dir) {
            store.publish_telemetry();
        }
        std::thread::sleep(std::time::Duration::from_secs_f64(a.interval));
    }
}

// ---------------------------------------------------------------- rollback

/// `tradewarden rollback`.
#[derive(Debug, Args)]
pub(crate) struct RollbackArgs {
    #[command(flatten)]
    dir: StateDir,
    /// Why (kill-switch file, journal).
    #[arg(long)]
    reason: String,
    /// Who.
    #[arg(long)]
    by: String,
    /// Model registry whose model goes back to its last-good version.
    #[arg(long, requires = "name")]
    registry: Option<PathBuf>,
    /// Model name in the registry.
    #[arg(long, requires = "registry")]
    name: Option<String>,
    /// Print the plan without executing it or counting an attempt.
    #[arg(long)]
    dry_run: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Executes Quant Bot's rollback plan: kill switch, last-good model, freeze
/// online learning, position override (at most 3 attempts, 300 s apart).
/// Exit 5 when no attempt is allowed, 6 when a step failed.
pub(crate) fn run_rollback(a: RollbackArgs) -> Result<(), Failure> {
    if a.reason.trim().is_empty() || a.by.trim().is_empty() {
        return Err(bad("--reason and --by must not be empty".into()));
    }
    let plan = RollbackPlan::quant_bot(&a.reason, &a.by);
    let mut session = Session::operator(SessionConfig::in_dir(&a.dir.state_dir))?;
    // The model step: back to last-good, then the registry's learning
    // freeze (no retrained version is registered or promoted until lifted).
    let restore = |root: &Path, name: &str| -> Result<String, String> {
        Registry::open(root)
            .and_then(|r| {
                let v = r.rollback(name)?;
                r.freeze_learning(name, &a.by, &a.reason)?;
                Ok(v)
            })
            .map(|v| format!("{name}: active = {v}, learning frozen in the registry"))
            .map_err(|e| e.to_string())
    };
    let report = match (&a.registry, &a.name) {
        (Some(root), Some(name)) => {
            let mut f = || restore(root, name);
            session.execute_rollback(&plan, &a.by, &a.reason, a.dry_run, Some(&mut f))?
        }
        _ => session.execute_rollback(&plan, &a.by, &a.reason, a.dry_run, None)?,
    };
    let attempt = report.attempt;
    let failed = report.failed();
    let steps: Vec<Value> = report
        .steps
        .iter()
        .map(|s| json!({"step": s.step, "status": s.status, "detail": s.detail}))
        .collect();
    let doc = json!({"attempt": attempt, "max_attempts": plan.max_attempts,
                     "cooldown_s": plan.cooldown_s, "dry_run": a.dry_run, "steps": steps});
    emit(a.json, &doc, || {
        for s in &steps {
            println!(
                "{:<8} {:<26} {}",
                s["status"].as_str().unwrap_or(""),
                s["step"]["step"].as_str().unwrap_or(""),
                s["detail"].as_str().unwrap_or("")
            );
        }
        println!("rollback attempt {attempt} of {}", plan.max_attempts);
    })?;
    if failed {
        return Err(Failure::silent(6));
    }
    Ok(())
}
