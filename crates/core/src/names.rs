//! Option names, defined once: every option enum that crosses a door (Python
//! keyword, C string, CLI flag, config file) parses its spellings here, with
//! the same aliases everywhere and one error naming the parameter, the value
//! and every accepted name.
//!
//! ```
//! use tradewarden_core::{NanPolicy, names::Named};
//! assert_eq!("omit".parse::<NanPolicy>().unwrap(), NanPolicy::Skip);
//! assert_eq!(NanPolicy::Skip.as_str(), "skip");
//! let e = "drop".parse::<NanPolicy>().unwrap_err().to_string();
//! assert!(e.contains("nan_policy") && e.contains("'omit'"));
//! ```

use crate::error::{Error, Result};

/// An enum with a fixed table of spellings: the first spelling of each
/// variant is its canonical name ([`Named::as_str`]); the others are aliases.
pub trait Named: Copy + PartialEq + 'static {
    /// The parameter name used in errors (`nan_policy`, `alternative`, …).
    const PARAM: &'static str;
    /// Every accepted spelling and its variant, canonical names first per variant.
    const NAMES: &'static [(&'static str, Self)];

    /// The canonical name.
    fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("?", |(n, _)| n)
    }

    /// Parses any accepted spelling (exact, case-sensitive: the peers'
    /// names are lowercase); anything else is an
    /// [`Error::InvalidParameter`] naming [`Named::PARAM`], the value and
    /// the accepted names.
    fn from_name(value: &str) -> Result<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == value)
            .map(|(_, v)| *v)
            .ok_or_else(|| Error::invalid(Self::PARAM, format!("{value:?}"), expected::<Self>()))
    }
}

/// "expected 'a' (or 'a2'), 'b' or 'c'".
fn expected<T: Named>() -> String {
    let mut groups: Vec<(T, Vec<&str>)> = Vec::new();
    for (n, v) in T::NAMES {
        match groups.iter_mut().find(|(g, _)| g == v) {
            Some((_, names)) => names.push(n),
            None => groups.push((*v, vec![n])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(_, names)| match names.split_first() {
            Some((first, [])) => format!("'{first}'"),
            Some((first, rest)) => format!(
                "'{first}' (or {})",
                rest.iter()
                    .map(|r| format!("'{r}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => String::new(),
        })
        .collect();
    match parts.split_last() {
        Some((last, [])) => format!("expected {last}"),
        Some((last, init)) => format!("expected {} or {last}", init.join(", ")),
        None => "no accepted names".to_string(),
    }
}

/// Implements [`Named`], `FromStr` and `Display` for an enum from its table.
#[macro_export]
macro_rules! named_enum {
    ($ty:ty, $param:literal, [$(($name:literal, $variant:expr)),+ $(,)?]) => {
        impl $crate::names::Named for $ty {
            const PARAM: &'static str = $param;
            const NAMES: &'static [(&'static str, Self)] = &[$(($name, $variant)),+];
        }
        impl ::std::str::FromStr for $ty {
            type Err = $crate::Error;
            fn from_str(s: &str) -> $crate::Result<Self> {
                <$ty as $crate::names::Named>::from_name(s)
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(<$ty as $crate::names::Named>::as_str(*self))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Named;
    use crate::NanPolicy;

    #[test]
    fn every_spelling_round_trips_and_errors_list_all_names() {
        for (name, v) in NanPolicy::NAMES {
            assert_eq!(name.parse::<NanPolicy>().unwrap(), *v);
            assert_eq!(v.as_str().parse::<NanPolicy>().unwrap(), *v);
        }
        assert_eq!(NanPolicy::Error.to_string(), "error");
        let e = "Skip".parse::<NanPolicy>().unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid nan_policy = \"Skip\": expected 'error' (or 'raise'), 'skip' (or 'omit') or 'propagate'"
        );
    }
}
