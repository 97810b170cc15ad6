//! The names of the drift option enums, defined once for every door (see
//! `tradewarden_core::names`): scipy's spellings, with the aliases each door
//! used to accept on its own.
//!
//! ```
//! use tradewarden_drift::ks::{Alternative, KsMethod};
//! use tradewarden_drift::report::Correction;
//! assert_eq!("two_sided".parse::<Alternative>().unwrap(), Alternative::TwoSided);
//! assert_eq!(KsMethod::Asymp.to_string(), "asymp");
//! assert_eq!("fdr_bh".parse::<Correction>().unwrap(), Correction::BenjaminiHochberg);
//! assert!("sideways".parse::<Alternative>().unwrap_err().to_string().contains("alternative"));
//! use tradewarden_drift::{anderson::AdVariant, cvm::CvmMethod};
//! assert_eq!("asymptotic".parse::<CvmMethod>().unwrap(), CvmMethod::Asymptotic);
//! assert_eq!(AdVariant::Right.to_string(), "right");
//! assert!("asymp".parse::<CvmMethod>().unwrap_err().to_string().contains("'asymptotic'"));
//! ```

use tradewarden_core::named_enum;

use crate::anderson::AdVariant;
use crate::chunk::Incomplete;
use crate::cvm::CvmMethod;
use crate::ks::{Alternative, KsMethod};
use crate::profile::BinKind;
use crate::report::Correction;

named_enum!(
    Alternative,
    "alternative",
    [
        ("two-sided", Alternative::TwoSided),
        ("two_sided", Alternative::TwoSided),
        ("less", Alternative::Less),
        ("greater", Alternative::Greater),
    ]
);

named_enum!(
    KsMethod,
    "method",
    [
        ("auto", KsMethod::Auto),
        ("exact", KsMethod::Exact),
        ("asymp", KsMethod::Asymp),
    ]
);

named_enum!(
    Correction,
    "correction",
    [
        ("none", Correction::None),
        ("bonferroni", Correction::Bonferroni),
        ("benjamini_hochberg", Correction::BenjaminiHochberg),
        // statsmodels' multipletests name
        ("fdr_bh", Correction::BenjaminiHochberg),
    ]
);

named_enum!(
    Incomplete,
    "incomplete",
    [
        ("keep", Incomplete::Keep),
        ("drop", Incomplete::Drop),
        ("append", Incomplete::Append),
    ]
);

named_enum!(
    CvmMethod,
    "method",
    [
        ("auto", CvmMethod::Auto),
        ("exact", CvmMethod::Exact),
        ("asymptotic", CvmMethod::Asymptotic),
    ]
);

named_enum!(
    AdVariant,
    "variant",
    [
        ("midrank", AdVariant::Midrank),
        ("right", AdVariant::Right),
        ("continuous", AdVariant::Continuous),
    ]
);

named_enum!(
    BinKind,
    "strategy",
    [
        ("quantile", BinKind::Quantile),
        ("equal_width", BinKind::EqualWidth),
        // numpy's / scikit-learn's name of equal-width bins
        ("uniform", BinKind::EqualWidth),
        ("sturges", BinKind::Sturges),
        ("evidently", BinKind::Evidently),
        ("explicit", BinKind::Explicit),
    ]
);
