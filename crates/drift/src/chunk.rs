//! Chunking of analysis data as NannyML does (by size, by count, by time
//! period), and drift per chunk against a frozen profile where a chunk is
//! never scored on the rows the profile was fitted on (its recorded
//! provenance, [`Profile::reference_rows`], or the caller's row range).

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

/// Parses a row range written `start..end` (end exclusive, `start ≤ end`),
/// as the CLI's `--reference-rows` takes it.
///
/// ```
/// use tradewarden_drift::chunk::parse_rows;
/// assert_eq!(parse_rows("0..400").unwrap(), 0..400);
/// assert!(parse_rows("400..0").is_err() && parse_rows("0-400").is_err());
/// ```
pub fn parse_rows(text: &str) -> Result<Range<usize>> {
    let bad = || {
        Error::invalid(
            "reference_rows",
            format!("{text:?}"),
            "expected start..end with start <= end",
        )
    };
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let start: usize = a.trim().parse().map_err(|_| bad())?;
    let end: usize = b.trim().parse().map_err(|_| bad())?;
    if start > end {
        return Err(bad());
    }
    Ok(start..end)
}

/// Parses the length of a [`Chunker::Period`] as the CLI's `--period`
/// takes it: seconds (`86400`, `900.5`), a count with a unit (`30s`, `15m`,
/// `4h`, `1d`, `1w`) or a name (`hourly`, `daily`, `weekly`); finite and
/// positive.
///
/// ```
/// use tradewarden_drift::chunk::parse_period;
/// assert_eq!(parse_period("1d").unwrap(), 86_400.0);
/// assert_eq!(parse_period("daily").unwrap(), 86_400.0);
/// assert_eq!(parse_period("15m").unwrap(), 900.0);
/// assert_eq!(parse_period("3600").unwrap(), 3_600.0);
/// assert!(parse_period("0").is_err() && parse_period("-1h").is_err() && parse_period("1y").is_err());
/// ```
pub fn parse_period(text: &str) -> Result<f64> {
    let bad = || {
        Error::invalid(
            "period",
            format!("{text:?}"),
            "expected seconds (86400), a count with a unit s/m/h/d/w (1d, 4h) or \
             hourly/daily/weekly",
        )
    };
    let t = text.trim();
    let seconds = match t.to_ascii_lowercase().as_str() {
        "hourly" => 3_600.0,
        "daily" => 86_400.0,
        "weekly" => 604_800.0,
        lower => {
            let (num, unit) = match lower.char_indices().last() {
                Some((i, c)) if c.is_ascii_alphabetic() => (&lower[..i], c),
                _ => (lower, 's'),
            };
            let scale = match unit {
                's' => 1.0,
                'm' => 60.0,
                'h' => 3_600.0,
                'd' => 86_400.0,
                'w' => 604_800.0,
                _ => return Err(bad()),
            };
            num.trim().parse::<f64>().map_err(|_| bad())? * scale
        }
    };
    if seconds.is_finite() && seconds > 0.0 {
        Ok(seconds)
    } else {
        Err(bad())
    }
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

/// Drift of one chunk: the chunk, the rows actually scored (the chunk's
/// rows minus the reference rows: one range, or two when the reference rows
/// lie strictly inside the chunk) and the report over those rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkDrift {
    /// The chunk as split.
    pub chunk: Chunk,
    /// Rows scored, ascending and disjoint; their union is the chunk's rows
    /// outside the reference rows.
    pub scored_rows: Vec<Range<usize>>,
    /// Drift of the scored rows against the profile.
    pub report: DriftReport,
}

/// The reference rows to exclude: the caller's, the profile's provenance
/// ([`Profile::reference_rows`]), both (they must agree) or neither (an
/// error: without knowing where the reference came from, a chunk could be
/// compared with itself).
fn exclusion(
    profile: &Profile,
    reference_rows: Option<Range<usize>>,
    n: usize,
) -> Result<Range<usize>> {
    let recorded = profile.reference_rows.as_ref().map(|r| {
        usize::try_from(r.start).unwrap_or(usize::MAX)..usize::try_from(r.end).unwrap_or(usize::MAX)
    });
    let r = match (reference_rows, recorded) {
        (Some(given), Some(rec)) if given != rec => {
            return Err(Error::invalid(
                "reference_rows",
                format!(
                    "{}..{} (the profile records {}..{})",
                    given.start, given.end, rec.start, rec.end
                ),
                "must equal the profile's recorded provenance",
            ));
        }
        (Some(r), _) | (None, Some(r)) => r,
        (None, None) => {
            return Err(Error::invalid(
                "reference_rows",
                "None",
                "the profile records no reference rows: pass the rows it was fitted on \
                 (an empty range such as 0..0 when the reference is a separate data set)",
            ));
        }
    };
    if r.start > r.end {
        return Err(Error::invalid(
            "reference_rows",
            format!("{}..{}", r.start, r.end),
            "start must be ≤ end",
        ));
    }
    if !r.is_empty() && r.end > n {
        return Err(Error::invalid(
            "reference_rows",
            format!("{}..{} (data has {n} rows)", r.start, r.end),
            "must end within the data",
        ));
    }
    Ok(r)
}

/// The rows of `chunk` outside `reference` (empty `reference`: the whole chunk).
fn outside(chunk: &Range<usize>, reference: &Range<usize>) -> Vec<Range<usize>> {
    if reference.is_empty() || reference.end <= chunk.start || chunk.end <= reference.start {
        return vec![chunk.clone()];
    }
    [
        chunk.start..reference.start.max(chunk.start),
        reference.end.min(chunk.end)..chunk.end,
    ]
    .into_iter()
    .filter(|r| !r.is_empty())
    .collect()
}

/// Drift report per chunk of `data` (full-length columns) against `profile`,
/// never scoring the reference rows — the rows the profile was fitted on:
///
/// - `reference_rows`: the rows to exclude; `None` takes the profile's
///   recorded provenance ([`Profile::reference_rows`]); when both are given
///   they must agree, when neither is it is an error (`InvalidParameter`
///   naming `reference_rows`). An **empty range** (e.g. `0..0`) means the
///   reference is not part of `data`: every chunk is scored in full. A
///   range with start > end, or ending past the data, is an error.
/// - A chunk that **partly overlaps** the reference rows is scored on its
///   rows outside them ([`ChunkDrift::scored_rows`]; two pieces, joined,
///   when the reference lies inside the chunk). A chunk made only of
///   reference rows has nothing to score and is left out of the result —
///   the only chunks left out.
///
/// ```
/// use tradewarden_drift::chunk::{chunked_drift, Chunker, Incomplete};
/// use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
/// use tradewarden_drift::report::{FeatureData, ReportOptions};
/// let data: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64).collect();
/// let mut p = Profile::new();
/// p.insert("x", FeatureProfile::Numeric(NumericProfile::fit(&data[..400], &ProfileOptions::default()).unwrap()));
/// p.reference_rows = Some(0..400);
/// let size = Chunker::Size { size: 300, incomplete: Incomplete::Keep };
/// let out = chunked_drift(&p, None, &[("x", FeatureData::Numeric(&data))], &size, None, &ReportOptions::default()).unwrap();
/// // chunk 1 (rows 300..600) is scored on rows 400..600
/// assert_eq!(out[0].scored_rows, vec![400..600]);
/// assert_eq!(out[0].report.features[0].n_current, 200);
/// ```
pub fn chunked_drift(
    profile: &Profile,
    reference_rows: Option<Range<usize>>,
    data: &[(&str, FeatureData<'_>)],
    chunker: &Chunker,
    timestamps: Option<&[f64]>,
    options: &ReportOptions,
) -> Result<Vec<ChunkDrift>> {
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
    let reference = exclusion(profile, reference_rows, n)?;
    let mut out = Vec::new();
    for chunk in chunker.split(n, timestamps)? {
        let scored = outside(&chunk.rows, &reference);
        if scored.is_empty() {
            continue;
        }
        let rep = match scored.as_slice() {
            [r] => {
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
                DriftReport::compute(profile, &cols, options)?
            }
            pieces => {
                // the reference lies inside the chunk: join the two pieces
                let nums: Vec<Vec<f64>> = data
                    .iter()
                    .map(|(_, d)| match d {
                        FeatureData::Numeric(v) => pieces
                            .iter()
                            .flat_map(|r| v[r.clone()].iter().copied())
                            .collect(),
                        FeatureData::Categorical(_) => Vec::new(),
                    })
                    .collect();
                let cats: Vec<Vec<Option<&str>>> = data
                    .iter()
                    .map(|(_, d)| match d {
                        FeatureData::Categorical(v) => pieces
                            .iter()
                            .flat_map(|r| v[r.clone()].iter().copied())
                            .collect(),
                        FeatureData::Numeric(_) => Vec::new(),
                    })
                    .collect();
                let cols: Vec<(&str, FeatureData<'_>)> = data
                    .iter()
                    .zip(nums.iter().zip(&cats))
                    .map(|((name, d), (num, cat))| {
                        let joined = match d {
                            FeatureData::Numeric(_) => FeatureData::Numeric(num.as_slice()),
                            FeatureData::Categorical(_) => FeatureData::Categorical(cat.as_slice()),
                        };
                        (*name, joined)
                    })
                    .collect();
                DriftReport::compute(profile, &cols, options)?
            }
        };
        out.push(ChunkDrift {
            chunk,
            scored_rows: scored,
            report: rep,
        });
    }
    Ok(out)
}
