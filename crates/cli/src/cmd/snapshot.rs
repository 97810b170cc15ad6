//! `tradewarden snapshot create|restore`: tar.gz snapshots with a sha256
//! manifest (Trading-graph's format), verified again on restore.
//!
//! The manifest `{snapshot_id, created_at, files: [{path, size, sha256}]}` is
//! the archive's first member, `.snapshot_manifest.json`, and is also written
//! next to the archive (`<archive>.manifest.json`). Restore reads the whole
//! archive first and writes nothing unless every member is a plain file with a
//! safe relative path, listed in the manifest, with the listed size and
//! sha256, and every listed file is present.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Failure, emit, progress};

/// Name of the manifest inside the archive.
pub(crate) const MANIFEST_NAME: &str = ".snapshot_manifest.json";

/// `tradewarden snapshot`.
#[derive(Debug, Args)]
pub(crate) struct SnapshotArgs {
    #[command(subcommand)]
    command: SnapshotCommand,
}

#[derive(Debug, Subcommand)]
enum SnapshotCommand {
    /// Archive files and directories (relative to --root) into a tar.gz.
    Create {
        /// Files or directories to include, relative to --root.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Directory the paths are relative to.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Archive to write (.tar.gz).
        #[arg(long)]
        out: PathBuf,
        /// Snapshot id (default: `snap-` + 12 hex digits of the content hash).
        #[arg(long)]
        id: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify an archive and restore it into --target.
    Restore {
        /// The archive.
        archive: PathBuf,
        /// Directory to restore into (created if missing).
        #[arg(long)]
        target: PathBuf,
        /// Actually write the files.
        #[arg(long, conflicts_with = "dry_run")]
        confirm: bool,
        /// Verify and list what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// One file of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileEntry {
    path: String,
    size: u64,
    sha256: String,
}

/// The snapshot manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    snapshot_id: String,
    created_at: String,
    files: Vec<FileEntry>,
}

fn corrupt(msg: String) -> Failure {
    Failure {
        code: crate::ExitStatus::IoOrCorrupt,
        message: msg,
    }
}

fn io_err(path: &Path, e: std::io::Error) -> Failure {
    let code = if e.kind() == std::io::ErrorKind::NotFound {
        crate::ExitStatus::BadInput
    } else {
        crate::ExitStatus::IoOrCorrupt
    };
    Failure {
        code,
        message: format!("{}: {e}", path.display()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A relative path of normal components only, `/`-separated.
fn safe_relative(p: &str) -> Result<PathBuf, Failure> {
    let path = Path::new(p);
    if p.is_empty() || path.is_absolute() || p.starts_with('/') || p.starts_with('\\') {
        return Err(corrupt(format!(
            "unsafe path {p:?} in the snapshot: absolute"
        )));
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            _ => {
                return Err(corrupt(format!(
                    "unsafe path {p:?} in the snapshot: only plain relative paths (no `..`)"
                )));
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err(corrupt(format!("unsafe path {p:?} in the snapshot: empty")));
    }
    Ok(out)
}

fn collect(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let full = root.join(rel);
    let meta = std::fs::symlink_metadata(&full).map_err(|e| io_err(&full, e))?;
    if meta.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&full)
            .map_err(|e| io_err(&full, e))?
            .map(|e| e.map(|e| rel.join(e.file_name())))
            .collect::<Result<_, _>>()
            .map_err(|e| io_err(&full, e))?;
        names.sort();
        for n in names {
            collect(root, &n, out)?;
        }
    } else if meta.is_file() {
        out.push(rel.to_path_buf());
    }
    // symlinks and special files are skipped
    Ok(())
}

/// ISO-8601 UTC of the wall clock, or of `SOURCE_DATE_EPOCH` when set (reproducible builds).
fn created_at() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    super::timestamp_str(secs)
}

fn create(
    paths: &[PathBuf],
    root: &Path,
    out: &Path,
    id: Option<String>,
    json: bool,
) -> Result<(), Failure> {
    let mut files = Vec::new();
    for p in paths {
        let rel = safe_relative(&p.to_string_lossy()).map_err(|f| Failure {
            code: crate::ExitStatus::BadInput,
            message: f.message.replace("in the snapshot", "given"),
        })?;
        collect(root, &rel, &mut files)?;
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        return Err(Failure {
            code: crate::ExitStatus::BadInput,
            message: "nothing to snapshot: the paths hold no regular files".into(),
        });
    }
    let bar = progress(json, files.len() as u64, "hashing");
    let mut entries = Vec::with_capacity(files.len());
    let mut contents = Vec::with_capacity(files.len());
    for f in &files {
        let full = root.join(f);
        let bytes = std::fs::read(&full).map_err(|e| io_err(&full, e))?;
        let path = f
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        entries.push(FileEntry {
            path,
            size: bytes.len() as u64,
            sha256: hex(&Sha256::digest(&bytes)),
        });
        contents.push(bytes);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let id = match id {
        Some(i) => {
            if i.is_empty()
                || !i
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(Failure {
                    code: crate::ExitStatus::BadInput,
                    message: format!("invalid --id {i:?}: use letters, digits, '-', '_', '.'"),
                });
            }
            i
        }
        None => {
            let mut h = Sha256::new();
            for e in &entries {
                h.update(e.path.as_bytes());
                h.update(e.sha256.as_bytes());
            }
            format!("snap-{}", &hex(&h.finalize())[..12])
        }
    };
    let manifest = Manifest {
        snapshot_id: id,
        created_at: created_at(),
        files: entries,
    };
    let mtext = serde_json::to_vec_pretty(&manifest).map_err(|e| crate::internal(e.to_string()))?;
    let mut buf = Vec::new();
    {
        let gz = flate2::write::GzEncoder::new(&mut buf, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let mut add = |name: &str, data: &[u8]| -> Result<(), Failure> {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, name, data)
                .map_err(|e| io_err(out, e))
        };
        add(MANIFEST_NAME, &mtext)?;
        for (e, data) in manifest.files.iter().zip(&contents) {
            add(&e.path, data)?;
        }
        tar.into_inner()
            .and_then(|gz| gz.finish())
            .map_err(|e| io_err(out, e))?;
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
    }
    tradewarden_core::fs::write_atomic(out, &buf)?;
    let side = PathBuf::from(format!("{}.manifest.json", out.display()));
    tradewarden_core::fs::write_atomic(&side, &mtext)?;
    let total: u64 = manifest.files.iter().map(|f| f.size).sum();
    let doc = SnapshotCreated {
        archive: out.display().to_string(),
        manifest: side.display().to_string(),
        snapshot: &manifest,
        bytes: total,
    };
    emit(json, &doc, || {
        println!(
            "{}: {} files, {} bytes → {}",
            manifest.snapshot_id,
            manifest.files.len(),
            total,
            out.display()
        );
    })
}

/// The `snapshot create` document (`--json`).
#[derive(Debug, Serialize)]
struct SnapshotCreated<'a> {
    /// The archive written.
    archive: String,
    /// Its manifest beside it.
    manifest: String,
    snapshot: &'a Manifest,
    /// Bytes of the files archived.
    bytes: u64,
}

/// The `snapshot restore` document (`--json`).
#[derive(Debug, Serialize)]
struct SnapshotRestored<'a> {
    archive: String,
    target: String,
    dry_run: bool,
    /// Always true: an archive that fails verification is an error.
    verified: bool,
    snapshot: &'a Manifest,
}

/// Reads and verifies the whole archive; returns the manifest and the files.
/// Verified members: safe relative path and contents.
type Members = Vec<(PathBuf, Vec<u8>)>;

fn read_verified(archive: &Path) -> Result<(Manifest, Members), Failure> {
    let file = std::fs::File::open(archive).map_err(|e| io_err(archive, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut manifest: Option<Manifest> = None;
    let mut members: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let bad =
        |e: std::io::Error| corrupt(format!("{}: not a valid tar.gz: {e}", archive.display()));
    for entry in tar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            safe_relative(&name)?;
            continue;
        }
        if !kind.is_file() {
            return Err(corrupt(format!(
                "{name:?} in the snapshot is not a regular file (links are refused)"
            )));
        }
        let mut data = Vec::new();
        entry.read_to_end(&mut data).map_err(bad)?;
        if name == MANIFEST_NAME {
            manifest = Some(serde_json::from_slice(&data).map_err(|e| {
                corrupt(format!(
                    "{MANIFEST_NAME} of {} is invalid: {e}",
                    archive.display()
                ))
            })?);
            continue;
        }
        safe_relative(&name)?;
        if members.insert(name.clone(), data).is_some() {
            return Err(corrupt(format!("{name:?} appears twice in the snapshot")));
        }
    }
    let manifest =
        manifest.ok_or_else(|| corrupt(format!("{} has no {MANIFEST_NAME}", archive.display())))?;
    let mut out = Vec::with_capacity(manifest.files.len());
    for f in &manifest.files {
        let rel = safe_relative(&f.path)?;
        let data = members.remove(&f.path).ok_or_else(|| {
            corrupt(format!(
                "{} is listed in the manifest but missing from the archive",
                f.path
            ))
        })?;
        if data.len() as u64 != f.size {
            return Err(corrupt(format!(
                "{}: size {} differs from the manifest's {}",
                f.path,
                data.len(),
                f.size
            )));
        }
        let sha = hex(&Sha256::digest(&data));
        if sha != f.sha256 {
            return Err(corrupt(format!(
                "{}: sha256 {sha} differs from the manifest's {} (tampered or corrupt)",
                f.path, f.sha256
            )));
        }
        out.push((rel, data));
    }
    if let Some(extra) = members.keys().next() {
        return Err(corrupt(format!(
            "{extra:?} is in the archive but not in the manifest"
        )));
    }
    Ok((manifest, out))
}

fn restore(
    archive: &Path,
    target: &Path,
    confirm: bool,
    dry_run: bool,
    json: bool,
) -> Result<(), Failure> {
    if !confirm && !dry_run {
        return Err(Failure {
            code: crate::ExitStatus::BadInput,
            message: "restore overwrites files: pass --confirm to write, or --dry-run to check"
                .into(),
        });
    }
    let (manifest, files) = read_verified(archive)?;
    if confirm {
        for (rel, data) in &files {
            let path = target.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
            }
            tradewarden_core::fs::write_atomic(&path, data)?;
        }
    }
    let doc = SnapshotRestored {
        archive: archive.display().to_string(),
        target: target.display().to_string(),
        dry_run,
        verified: true,
        snapshot: &manifest,
    };
    emit(json, &doc, || {
        println!(
            "{}: {} files verified (sha256){}",
            manifest.snapshot_id,
            files.len(),
            if dry_run {
                format!(", would restore into {}", target.display())
            } else {
                format!(", restored into {}", target.display())
            }
        );
        if dry_run {
            for f in &manifest.files {
                println!("  {} ({} bytes)", f.path, f.size);
            }
        }
    })
}

pub(crate) fn run(a: SnapshotArgs) -> Result<(), Failure> {
    match a.command {
        SnapshotCommand::Create {
            paths,
            root,
            out,
            id,
            json,
        } => create(&paths, &root, &out, id, json),
        SnapshotCommand::Restore {
            archive,
            target,
            confirm,
            dry_run,
            json,
        } => restore(&archive, &target, confirm, dry_run, json),
    }
}
