//! `tradewarden drift`: reference profiles and drift reports.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use clap::{Args, Subcommand};
use tradewarden_cli::doc::drift::{ChunksDoc, ProfileSummary, StateDoc};
use tradewarden_core::io::{numeric_columns, read_table};
use tradewarden_drift::chunk::{Chunker, Incomplete, chunked_drift, parse_period, parse_rows};
use tradewarden_drift::profile::{BinStrategy, Profile, ProfileFormat, ProfileOptions};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::state::{CellGrid, ScoreState};

use super::bad;
use crate::{ExitStatus, Failure, emit, show};

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
    /// Drift of --current against --profile (or a profile fitted on
    /// --reference), or of the merged score states --states against --profile.
    /// Exit 6 with --fail-on-drift when the dataset drifted.
    Report {
        /// Reference data (Parquet or CSV), fitted when no --profile is given.
        #[arg(long, required_unless_present = "profile", conflicts_with = "states")]
        reference: Option<PathBuf>,
        /// Current data (Parquet or CSV).
        #[arg(long, required_unless_present = "states")]
        current: Option<PathBuf>,
        /// Score states (TWSS files from `drift state`) of the partitions of
        /// the current data, merged: the same report as --current on all of it.
        #[arg(long, num_args = 1.., conflicts_with_all = ["current", "columns"], requires = "profile")]
        states: Vec<PathBuf>,
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
    /// Score state of one file (a partition of the current data) against
    /// --profile, written atomically in the binary TWSS form: states of
    /// partitions merge into the report of all of them (`drift report --states`).
    State {
        /// The frozen profile (JSON or binary; it must keep its reference).
        #[arg(long)]
        profile: PathBuf,
        /// This partition's current data (Parquet or CSV).
        #[arg(long)]
        current: PathBuf,
        /// Output state file.
        #[arg(long)]
        out: PathBuf,
        /// Comma-separated columns (default: every feature of the profile).
        #[arg(long, value_delimiter = ',')]
        columns: Vec<String>,
        /// Bounded state of K reference cells per feature (size O(K); KS
        /// known within 1/K); default: exact (every distinct reference value).
        #[arg(long)]
        cells: Option<usize>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Drift per chunk of --data against --profile (NannyML-style chunking
    /// by --size rows, into --count chunks, or per --period of the data's
    /// date/timestamp column): a chunk is never scored on the
    /// rows the profile was fitted on (the profile's recorded
    /// --reference-rows, or the ones given here). Exit 6 with
    /// --fail-on-drift when any chunk drifted.
    Chunks {
        /// The frozen profile (JSON or binary).
        #[arg(long)]
        profile: PathBuf,
        /// The analysis data (Parquet or CSV), rows in order.
        #[arg(long)]
        data: PathBuf,
        /// Rows per chunk.
        #[arg(long, required_unless_present_any = ["count", "period"], conflicts_with_all = ["count", "period"])]
        size: Option<usize>,
        /// Number of chunks.
        #[arg(long, conflicts_with = "period")]
        count: Option<usize>,
        /// One chunk per calendar period of the data's first date/timestamp
        /// column (or integer column named timestamp/ts/unix_time, Unix
        /// seconds), aligned to the Unix epoch: seconds, 15m, 4h, 1d, 1w,
        /// hourly, daily or weekly. Rows must be in time order.
        #[arg(long)]
        period: Option<String>,
        /// A last chunk smaller than the others: keep, drop or append (to the previous one).
        #[arg(long, default_value = "keep", value_parser = super::named::<Incomplete>())]
        incomplete: Incomplete,
        /// The rows of --data the profile was fitted on, `start..end`
        /// (default: the profile's recorded rows; both given must agree).
        #[arg(long)]
        reference_rows: Option<String>,
        /// Comma-separated columns (default: every feature of the profile).
        #[arg(long, value_delimiter = ',')]
        columns: Vec<String>,
        /// Exit 6 when any chunk shows dataset drift.
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
        /// Record where the input came from: its rows `start..end` of the
        /// analysis data (`drift chunks` then never scores those rows).
        #[arg(long)]
        reference_rows: Option<String>,
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
    columns_of(&read_table(path)?, path, wanted)
}

/// The date/timestamp column of `batches` (read from `path`) as Unix
/// seconds, for period chunking: `core::io::time_column`; a table without
/// one, or with a null time, is invalid input.
fn time_seconds(batches: &[RecordBatch], path: &Path) -> Result<Vec<f64>, Failure> {
    let t = tradewarden_core::io::time_column(batches).ok_or_else(|| {
        bad(format!(
            "{}: --period needs a date or timestamp column (or an integer column named \
             timestamp, ts or unix_time)",
            path.display()
        ))
    })?;
    if t.nulls > 0 {
        return Err(bad(format!(
            "{}: column {:?} has {} null time(s): every row needs a time for --period",
            path.display(),
            t.name,
            t.nulls
        )));
    }
    Ok(t.seconds.iter().map(|&s| s as f64).collect())
}

/// The numeric columns of `batches` read from `path` (or the requested
/// ones), each as f64: `core::io::numeric_columns`, its error prefixed with
/// the file.
fn columns_of(
    batches: &[RecordBatch],
    path: &Path,
    wanted: &[String],
) -> Result<Vec<(String, Vec<f64>)>, Failure> {
    numeric_columns(batches, wanted).map_err(|e| Failure::from(e).about(path.display()))
}

/// Reads a profile in either form (by content, not by extension); the
/// library validates it (checksum and structure).
fn load_profile(path: &Path) -> Result<Profile, Failure> {
    Ok(Profile::load(path)?)
}

/// A profile of the numeric columns `cols` with `bins` quantile bins
/// (`Profile::fit_features`).
fn fit(cols: &[(String, Vec<f64>)], bins: usize) -> Result<Profile, Failure> {
    let opts = ProfileOptions {
        bins: BinStrategy::Quantile { bins },
        ..Default::default()
    };
    Ok(Profile::fit_features(&numeric(cols), &opts)?)
}

pub(crate) fn run(a: DriftArgs) -> Result<(), Failure> {
    match a.command {
        DriftCommand::Profile {
            command:
                ProfileCommand::Fit {
                    input,
                    out,
                    columns,
                    bins,
                    reference_rows,
                    json,
                },
        } => {
            let cols = read_columns(&input, &columns)?;
            let mut p = fit(&cols, bins)?;
            let rows = reference_rows.as_deref().map(parse_rows).transpose()?;
            p.set_reference_rows(rows.map(|r| r.start as u64..r.end as u64))?;
            p.save_as(&out, ProfileFormat::for_path(&out))?;
            let doc = ProfileSummary::of(&p);
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
        } => show(json, &ProfileSummary::of(&load_profile(&file)?)),
        DriftCommand::Report {
            reference,
            current,
            states,
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
            let r = match &current {
                Some(current) => {
                    let wanted = profile_columns(&p, columns);
                    let cur = read_columns(current, &wanted)?;
                    DriftReport::compute(&p, &numeric(&cur), &ReportOptions::default())?
                }
                None => {
                    let loaded = states
                        .iter()
                        .map(|s| {
                            ScoreState::load(s).map_err(|e| Failure::from(e).about(s.display()))
                        })
                        .collect::<Result<Vec<_>, Failure>>()?;
                    let merged = ScoreState::merge_all(&loaded.iter().collect::<Vec<_>>())?;
                    DriftReport::compute_states(&p, &merged, &ReportOptions::default())?
                }
            };
            print_report(&r, json)?;
            if fail_on_drift && r.dataset_drift {
                return Err(Failure::silent(ExitStatus::CheckFailed));
            }
            Ok(())
        }
        DriftCommand::Chunks {
            profile,
            data,
            size,
            count,
            period,
            incomplete,
            reference_rows,
            columns,
            fail_on_drift,
            json,
        } => {
            let p = load_profile(&profile)?;
            let wanted = profile_columns(&p, columns);
            let batches = read_table(&data)?;
            let cols = columns_of(&batches, &data, &wanted)?;
            let (chunker, timestamps) = match (size, count, period) {
                (Some(size), _, _) => (Chunker::Size { size, incomplete }, None),
                (None, Some(count), _) => (Chunker::Count { count, incomplete }, None),
                (None, None, Some(period)) => {
                    let seconds = parse_period(&period)?;
                    (
                        Chunker::Period { seconds },
                        Some(time_seconds(&batches, &data)?),
                    )
                }
                (None, None, None) => return Err(bad("give --size, --count or --period".into())),
            };
            let rows = reference_rows.as_deref().map(parse_rows).transpose()?;
            let out = chunked_drift(
                &p,
                rows,
                &numeric(&cols),
                &chunker,
                timestamps.as_deref(),
                &ReportOptions::default(),
            )?;
            show(json, &ChunksDoc::of(&out))?;
            if fail_on_drift && out.iter().any(|c| c.report.dataset_drift) {
                return Err(Failure::silent(ExitStatus::CheckFailed));
            }
            Ok(())
        }
        DriftCommand::State {
            profile,
            current,
            out,
            columns,
            cells,
            json,
        } => {
            let p = load_profile(&profile)?;
            let grid = cells.map_or(CellGrid::Exact, |cells| CellGrid::Bounded { cells });
            let wanted = profile_columns(&p, columns);
            let cur = read_columns(&current, &wanted)?;
            let state = ScoreState::build(&p, &numeric(&cur), grid)?;
            state.save(&out)?;
            let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            let doc = StateDoc::of(&state, &out, bytes);
            emit(json, &doc, || {
                println!(
                    "score state of {} feature(s) from {} → {} ({bytes} bytes)",
                    doc.features.len(),
                    current.display(),
                    out.display()
                );
            })
        }
    }
}

/// The requested columns, or every feature of the profile.
fn profile_columns(p: &Profile, columns: Vec<String>) -> Vec<String> {
    if columns.is_empty() {
        p.features.keys().cloned().collect()
    } else {
        columns
    }
}

/// Numeric columns as the library's report inputs.
fn numeric(cols: &[(String, Vec<f64>)]) -> Vec<(&str, FeatureData<'_>)> {
    cols.iter()
        .map(|(n, v)| (n.as_str(), FeatureData::Numeric(v)))
        .collect()
}

/// Prints a drift report: the library's document, or one line per feature.
fn print_report(r: &DriftReport, json: bool) -> Result<(), Failure> {
    emit(json, r, || {
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
    })
}
