//! One module per subcommand. Each converts its arguments, calls the
//! library and prints the result (a JSON document with `--json`, else a
//! human summary); the logic lives in the crates.

pub(crate) mod canary;
pub(crate) mod demo;
pub(crate) mod doctor;
pub(crate) mod drift;
pub(crate) mod guard;
pub(crate) mod promote;
pub(crate) mod regime;
pub(crate) mod registry;
pub(crate) mod report;
pub(crate) mod rollback;
pub(crate) mod serve;
pub(crate) mod snapshot;

use std::ffi::OsStr;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::builder::{PossibleValue, TypedValueParser};
use tradewarden_core::names::Named;

use crate::{ExitStatus, Failure};

/// A bad input or configuration (exit 3).
pub(crate) fn bad(message: String) -> Failure {
    Failure {
        code: ExitStatus::BadInput,
        message,
    }
}

/// A file that cannot be read (exit 4).
pub(crate) fn unreadable(path: &std::path::Path, e: std::io::Error) -> Failure {
    Failure {
        code: ExitStatus::IoOrCorrupt,
        message: format!("cannot read {}: {e}", path.display()),
    }
}

/// `YYYY-MM-DD` of a Unix timestamp (UTC).
pub(crate) fn day_str(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map_or_else(|| format!("@{ts}"), |d| d.format("%Y-%m-%d").to_string())
}

/// ISO-8601 `YYYY-MM-DDTHH:MM:SSZ` of a Unix timestamp (UTC).
pub(crate) fn timestamp_str(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0).map_or_else(
        || format!("@{ts}"),
        |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Set when a [`Choice`] refused a value: `main` exits 3 (bad input) then,
/// where other clap errors are usage errors (2).
static CHOICE_REFUSED: AtomicBool = AtomicBool::new(false);

/// Whether a [`Choice`] refused a value while parsing the command line.
pub(crate) fn choice_refused() -> bool {
    CHOICE_REFUSED.load(Ordering::Relaxed)
}

/// A clap value parser over a library parser (`FromStr`, [`Named`]):
/// `--help` lists the accepted names and a bad spelling is refused before
/// the command runs, with the library's message (the parameter, the value
/// and every accepted name) and exit 3 (see `main`).
#[derive(Debug, Clone)]
pub(crate) struct Choice<T> {
    names: fn() -> Vec<PossibleValue>,
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Choice<T> {
    /// The choices `names` (shown in `--help`) parsed by `parse`.
    pub(crate) fn new(
        names: fn() -> Vec<PossibleValue>,
        parse: fn(&str) -> Result<T, String>,
    ) -> Self {
        Choice { names, parse }
    }
}

/// The canonical names of a [`Named`] enum, its aliases as hidden aliases.
fn named_values<T: Named>() -> Vec<PossibleValue> {
    let mut out: Vec<(T, PossibleValue)> = Vec::new();
    for (name, v) in T::NAMES {
        match out.iter_mut().find(|(w, _)| w == v) {
            Some((_, pv)) => *pv = pv.clone().alias(*name),
            None => out.push((*v, PossibleValue::new(*name))),
        }
    }
    out.into_iter().map(|(_, pv)| pv).collect()
}

/// The value parser of a [`Named`] option enum (spellings defined once, in
/// the crate that owns the enum).
pub(crate) fn named<T: Named + Clone + Send + Sync>() -> Choice<T> {
    Choice::new(named_values::<T>, |s| {
        T::from_name(s).map_err(|e| e.to_string())
    })
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Choice<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.parse)(&text).map_err(|e| {
            CHOICE_REFUSED.store(true, Ordering::Relaxed);
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{e}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new((self.names)().into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(day_str(0), "1970-01-01");
        assert_eq!(day_str(1_672_693_200), "2023-01-02");
        assert_eq!(day_str(951_782_400), "2000-02-29");
        assert_eq!(day_str(-86_400), "1969-12-31");
        assert_eq!(timestamp_str(951_782_400 + 3_723), "2000-02-29T01:02:03Z");
    }

    #[test]
    fn named_choices_list_canonical_names_and_parse_aliases() {
        use tradewarden_core::NanPolicy;
        let names: Vec<String> = named_values::<NanPolicy>()
            .iter()
            .map(|p| p.get_name().to_string())
            .collect();
        assert_eq!(names, ["error", "skip", "propagate"]);
        let cmd = clap::Command::new("t");
        let p = named::<NanPolicy>();
        assert_eq!(
            p.parse_ref(&cmd, None, OsStr::new("omit")).ok(),
            Some(NanPolicy::Skip)
        );
        let e = p
            .parse_ref(&cmd, None, OsStr::new("drop"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("nan_policy") && e.contains("'propagate'"), "{e}");
    }
}
