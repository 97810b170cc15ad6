//! Chunking of analysis data as NannyML does (by size, by count, by time
//! period), and drift per chunk against a frozen profile where a chunk never
//! overlaps the rows the profile was fitted on.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::report::{DriftReport, FeatureData, ReportOptions};

/// What to do with a last chunk smaller than the chunk size (NannyML `incomplete`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Incomplete {
    /// Keep it as a smaller chunk (NannyML default).
    #[default]
    Keep,
    /// Drop it.
    Drop,
    /// Append its rows to the previous chunk.
    Append,
}

/// How rows are grouped into chunks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Chunker {
    /// Consecutive chunks of `size` rows.
    Size {
        /// Rows per chunk (≥ 1).
        size: usize,
        /// Last-chunk handling.
        incomplete: Incomplete,
    },
    /// `count` chunks of ⌊n/count⌋ rows (NannyML `CountBasedChunker`).
    Count {
        /// Number of chunks (≥ 1).
        count: usize,
        /// Last-chunk handling.
        incomplete: Incomplete,
    },
    /// One chunk per calendar period of `seconds`, aligned to the Unix epoch
    /// (e.g. 86400 = daily UTC); needs sorted timestamps.
    Period {
        /// Period length in seconds (> 0).
        seconds: f64,
    },
}

/// A chunk: a row range and its key (chunk index, or period start in Unix seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Rows [start, end).
    pub rows: Range<usize>,
    /// Chunk index (size/count) or period start (period).
    pub key: f64,
}

fn by_size(n: usize, size: usize, incomplete: Incomplete) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = (0..n.div_ceil(size))
        .map(|i| Chunk {
            rows: i * size..((i + 1) * size).min(n),
            key: i as f64,
        })
        .collect();
    if let Some(last) = out.last()
        && last.rows.len() < size
    {
        match incomplete {
            Incomplete::Keep => {}
            Incomplete::Drop => {
                out.pop();
            }
            Incomplete::Append => {
                if out.len() >= 2
                    && let Some(l) = out.pop()
                    && let Some(prev) = out.last_mut()
                {
                    prev.rows.end = l.rows.end;
                }
            }
        }
    }
    out
}

impl Chunker {
    /// Splits `n` rows (with `timestamps` for period chunking) into chunks.
    pub fn split(&self, n: usize, timestamps: Option<&[f64]>) -> Result<Vec<Chunk>> {
        match *self {
            Chunker::Size { size, incomplete } => {
                if size == 0 {
                    return Err(Error::invalid("size", 0, "must be ≥ 1"));
                }
                Ok(by_size(n, size, incomplete))
            }
            Chunker::Count { count, incomplete } => {
                if count == 0 {
                    return Err(Error::invalid("count", 0, "must be ≥ 1"));
                }
                if count > n {
                    return Err(Error::invalid("count", count, "more chunks than rows"));
                }
                Ok(by_size(n, n / count, incomplete))
            }
            Chunker::Period { seconds } => {
                if !(seconds > 0.0 && seconds.is_finite()) {
                    return Err(Error::invalid("seconds", seconds, "must be finite and > 0"));
                }
                let ts = timestamps.ok_or_else(|| {
                    Error::invalid("timestamps", "None", "period chunking needs timestamps")
                })?;
                if ts.len() != n {
                    return Err(Error::invalid(
                        "timestamps",
                        format!("length {}", ts.len()),
                        "must have one timestamp per row",
                    ));
                }
                crate::sample::check_finite("timestamps", ts)?;
                if let Some(i) = ts.windows(2).position(|w| w[1] < w[0]) {
                    return Err(Error::invalid(
                        "timestamps",
                        format!("timestamps[{}] = {}", i + 1, ts[i + 1]),
                        "must be sorted ascending",
                    ));
                }
                let mut out: Vec<Chunk> = Vec::new();
                for (i, &t) in ts.iter().enumerate() {
                    let key = (t / seconds).floor() * seconds;
                    match out.last_mut() {
                        Some(c) if c.key == key => c.rows.end = i + 1,
                        _ => out.push(Chunk {
                            rows: i..i + 1,
                            key,
                        }),
                    }
                }
                Ok(out)
            }
        }
    }
}

/// Drift report per chunk of `data` (full-length columns) against `profile`.
/// Chunks overlapping `reference_rows` — the rows the profile was fitted on —
/// are skipped, so a chunk is never compared with its own fit data.
pub fn chunked_drift(
    profile: &Profile,
    reference_rows: Range<usize>,
    data: &[(&str, FeatureData<'_>)],
    chunker: &Chunker,
    timestamps: Option<&[f64]>,
    options: &ReportOptions,
) -> Result<Vec<(Chunk, DriftReport)>> {
    let n = match data.first() {
        Some((_, FeatureData::Numeric(v))) => v.len(),
        Some((_, FeatureData::Categorical(v))) => v.len(),
        None => {
            return Err(Error::TooFewValues {
                param: "data",
                actual: 0,
                min: 1,
            });
        }
    };
    for (name, d) in data {
        let len = match d {
            FeatureData::Numeric(v) => v.len(),
            FeatureData::Categorical(v) => v.len(),
        };
        if len != n {
            return Err(Error::invalid(
                "data",
                format!("column {name} has {len} rows"),
                "all columns must have the same length",
            ));
        }
    }
    let mut out = Vec::new();
    for chunk in chunker.split(n, timestamps)? {
        let r = &chunk.rows;
        if r.start < reference_rows.end && reference_rows.start < r.end {
            continue;
        }
        let cols: Vec<(&str, FeatureData<'_>)> = data
            .iter()
            .map(|(name, d)| {
                let sliced = match d {
                    FeatureData::Numeric(v) => FeatureData::Numeric(&v[r.clone()]),
                    FeatureData::Categorical(v) => FeatureData::Categorical(&v[r.clone()]),
                };
                (*name, sliced)
            })
            .collect();
        let rep = DriftReport::compute(profile, &cols, options)?;
        out.push((chunk, rep));
    }
    Ok(out)
}
