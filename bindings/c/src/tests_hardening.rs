//! Hardening of the ABI's unsafe paths: lengths that cannot be a slice,
//! sizes that would abort on allocation, NULL and misaligned pointers, and
//! handle tags (a freed, zeroed, foreign or misaligned handle). Small inputs,
//! no file system and no threads of our own, so that every test here also
//! runs under Miri (`cargo +nightly miri test -p tradewarden-capi --lib`,
//! scripts/test.d/45-miri.sh).
//!
//! A freed handle is *simulated* (its tag overwritten with `DEAD` while the
//! memory is still owned) — a real use after free is undefined behaviour in
//! Rust and Miri would rightly stop on it; the C tests do the real thing
//! (bindings/c/tests/c/test_handles.c).
#![allow(clippy::unwrap_used)]

use std::ffi::c_char;
use std::ptr::{null, null_mut};

use crate::handle::{DEAD, Handle};
use crate::*;

fn last_error() -> String {
    let mut buf = vec![0 as c_char; 1024];
    let mut n = 0usize;
    assert_eq!(
        unsafe { tw_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) },
        TW_OK
    );
    buf[..n].iter().map(|c| *c as u8 as char).collect()
}

/// Asserts `status` is `want` and the last error contains every needle.
#[track_caller]
fn fails(status: tw_status, want: tw_status, needles: &[&str]) {
    assert_eq!(status, want, "status (message: {})", last_error());
    let msg = last_error();
    for n in needles {
        assert!(msg.contains(n), "{n:?} not in {msg:?}");
    }
}

/// Lengths whose byte size overflows `usize` or exceeds `isize::MAX` for
/// 8-byte elements.
const HUGE: [usize; 4] = [
    usize::MAX,
    usize::MAX / 8 + 1,
    isize::MAX as usize / 8 + 1,
    isize::MAX as usize,
];

const SERIES: [f64; 12] = [
    0.01, -0.02, 0.03, 0.005, -0.01, 0.02, 0.0, 0.015, -0.005, 0.01, 0.02, -0.03,
];

unsafe fn tag<H: Handle>(p: *const H) -> u64 {
    unsafe { p.cast::<u64>().read() }
}

unsafe fn set_tag<H: Handle>(p: *mut H, v: u64) {
    unsafe { p.cast::<u64>().write(v) }
}

/// A profile with feature "x" fitted on 40 values (deciles, reference kept).
fn profile() -> *mut tw_profile {
    let v: Vec<f64> = (0..40).map(|i| (i * 7 % 40) as f64).collect();
    let mut p = null_mut();
    assert_eq!(unsafe { tw_profile_new(&mut p) }, TW_OK);
    assert_eq!(
        unsafe { tw_profile_fit(p, c"x".as_ptr(), v.as_ptr(), v.len(), null()) },
        TW_OK,
        "{}",
        last_error()
    );
    p
}

/// An in-memory engine (no file: the policy is parsed here, as
/// `tw_engine_new_from_policy_file` does after reading the file).
fn engine() -> *mut tw_engine {
    use tradewarden_guardrails::{Policy, Session, SessionConfig};
    let policy = Policy::from_toml("[symbols.ES]\n").unwrap();
    let session = Session::open(&policy, 1e6, SessionConfig::default())
        .ok()
        .unwrap();
    handle::into_raw::<tw_engine>(session)
}

#[test]
fn series_lengths_that_cannot_be_a_slice_are_invalid_input() {
    let mut out = -1.0;
    for len in HUGE {
        let st = unsafe { tw_returns_sharpe_ratio(SERIES.as_ptr(), len, null(), &mut out) };
        fails(
            st,
            TW_ERR_INVALID_INPUT,
            &["returns", &len.to_string(), "isize::MAX"],
        );
        assert_eq!(out, -1.0, "out untouched");
        let mut s = tw_summary::default();
        let st = unsafe {
            tw_returns_summary(SERIES.as_ptr(), 12, SERIES.as_ptr(), len, null(), &mut s)
        };
        fails(st, TW_ERR_INVALID_INPUT, &["benchmark"]);
        let (mut d, mut p) = (-1.0, -1.0);
        let st = unsafe {
            tw_drift_ks_2samp(SERIES.as_ptr(), 12, SERIES.as_ptr(), len, 0, &mut d, &mut p)
        };
        fails(st, TW_ERR_INVALID_INPUT, &["length of b"]);
        let st =
            unsafe { tw_drift_jensenshannon(SERIES.as_ptr(), SERIES.as_ptr(), len, 0.0, &mut out) };
        fails(st, TW_ERR_INVALID_INPUT, &["length of p"]);
    }
    // the largest length that is a slice is still refused cheaply by the
    // address-space check when the range would wrap
    let top = usize::MAX - 7; // 8-aligned, 8 bytes below the end
    let st = unsafe {
        tw_returns_sharpe_ratio(
            std::ptr::without_provenance::<f64>(top),
            (isize::MAX as usize) / 8,
            null(),
            &mut out,
        )
    };
    fails(st, TW_ERR_INVALID_INPUT, &["wraps the address space"]);
    // a small valid call still works
    assert_eq!(
        unsafe { tw_returns_sharpe_ratio(SERIES.as_ptr(), 12, null(), &mut out) },
        TW_OK
    );
}

#[test]
fn misaligned_and_null_series() {
    let words = [0u64; 4];
    let odd = unsafe { words.as_ptr().cast::<u8>().add(1) }.cast::<f64>();
    let mut out = -1.0;
    let st = unsafe { tw_returns_max_drawdown(odd, 2, null(), &mut out) };
    fails(
        st,
        TW_ERR_INVALID_INPUT,
        &["returns", "not aligned to 8 bytes"],
    );
    let st = unsafe { tw_returns_max_drawdown(null(), 0, null(), &mut out) };
    fails(st, TW_ERR_NULL_ARGUMENT, &["returns is NULL"]);
    assert_eq!(out, -1.0);
}

#[test]
fn string_buffers_and_out_params() {
    // set a known message, then read it through buffers of every size
    let mut out = 0.0;
    let _ = unsafe { tw_returns_sharpe_ratio(null(), 1, null(), &mut out) };
    let mut need = 0usize;
    assert_eq!(unsafe { tw_last_error_length(&mut need) }, TW_OK);
    assert_eq!(need, "returns is NULL".len() + 1);
    for len in [0, 1, need - 1] {
        let mut buf = vec![b'#' as c_char; need + 4];
        let mut w = 77usize;
        assert_eq!(
            unsafe { tw_last_error_message(buf.as_mut_ptr(), len, &mut w) },
            TW_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(w, 77);
        assert!(buf.iter().all(|c| *c == b'#' as c_char), "nothing written");
    }
    // exactly the size needed, and a huge declared capacity (only `need`
    // bytes are touched)
    for len in [need, usize::MAX] {
        let mut buf = vec![b'#' as c_char; need];
        let mut w = 0usize;
        assert_eq!(
            unsafe { tw_last_error_message(buf.as_mut_ptr(), len, &mut w) },
            TW_OK
        );
        assert_eq!(w, need - 1);
        assert_eq!(buf[need - 1], 0);
    }
    assert_eq!(
        unsafe { tw_last_error_message(null_mut(), 10, &mut 0) },
        TW_ERR_NULL_ARGUMENT
    );
    assert_eq!(
        unsafe { tw_last_error_length(null_mut()) },
        TW_ERR_NULL_ARGUMENT
    );
    // options structs through out-params
    let mut o = std::mem::MaybeUninit::<tw_report_options>::uninit();
    assert_eq!(unsafe { tw_report_options_default(o.as_mut_ptr()) }, TW_OK);
    assert_eq!(unsafe { o.assume_init() }.large_sample, 1000);
    let mut m = std::mem::MaybeUninit::<tw_monitor_options>::uninit();
    assert_eq!(unsafe { tw_monitor_options_default(m.as_mut_ptr()) }, TW_OK);
    assert_eq!(unsafe { m.assume_init() }.window, 10_000);
    assert_eq!(
        unsafe { tw_journal_options_default(null_mut()) },
        TW_ERR_NULL_ARGUMENT
    );
}

#[test]
fn profile_sizes_are_checked_before_use() {
    let p = profile();
    let mut out = -1.0;
    for len in HUGE {
        let st = unsafe { tw_profile_fit(p, c"y".as_ptr(), SERIES.as_ptr(), len, null()) };
        fails(st, TW_ERR_INVALID_INPUT, &["length of values"]);
        let st =
            unsafe { tw_profile_psi(p, c"x".as_ptr(), SERIES.as_ptr(), len, 0, 0.0, &mut out) };
        fails(st, TW_ERR_INVALID_INPUT, &["length of current"]);
        let (mut d, mut pv) = (0.0, 0.0);
        let st =
            unsafe { tw_profile_ks(p, c"x".as_ptr(), SERIES.as_ptr(), len, 0, &mut d, &mut pv) };
        fails(st, TW_ERR_INVALID_INPUT, &["length of current"]);
    }
    // explicit edges: a count the library refuses is refused before the copy
    let edges = [0.0, 1.0, 2.0];
    for edges_len in [tradewarden_drift::profile::MAX_BINS + 2, usize::MAX] {
        let o = tw_profile_options {
            bins_kind: TW_BINS_EXPLICIT,
            bins: 0,
            edges: edges.as_ptr(),
            edges_len,
            nan_policy: TW_NAN_POLICY_ERROR,
            keep_reference: 1,
        };
        let st = unsafe { tw_profile_fit(p, c"y".as_ptr(), SERIES.as_ptr(), 12, &o) };
        fails(st, TW_ERR_INVALID_INPUT, &["edges_len", "MAX_BINS"]);
    }
    let mut n = 0usize;
    assert_eq!(unsafe { tw_profile_feature_count(p, &mut n) }, TW_OK);
    assert_eq!(n, 1, "the profile is unchanged on error");
    unsafe { tw_profile_free(p) };
}

#[test]
fn monitor_window_cap_and_push_length() {
    let p = profile();
    let mut o = std::mem::MaybeUninit::<tw_monitor_options>::uninit();
    assert_eq!(unsafe { tw_monitor_options_default(o.as_mut_ptr()) }, TW_OK);
    let mut o = unsafe { o.assume_init() };
    let mut m = null_mut();
    for window in [TW_MAX_MONITOR_WINDOW + 1, usize::MAX] {
        o.window = window;
        let st = unsafe { tw_monitor_new(p, &o, &mut m) };
        fails(
            st,
            TW_ERR_INVALID_INPUT,
            &["window", "TW_MAX_MONITOR_WINDOW"],
        );
        assert!(m.is_null(), "out untouched");
    }
    o.window = 16;
    o.min_values = 4;
    assert_eq!(unsafe { tw_monitor_new(p, &o, &mut m) }, TW_OK);
    unsafe { tw_profile_free(p) }; // the monitor copied the bins
    for len in HUGE {
        let st = unsafe { tw_monitor_push(m, c"x".as_ptr(), SERIES.as_ptr(), len) };
        fails(st, TW_ERR_INVALID_INPUT, &["length of values"]);
    }
    assert_eq!(
        unsafe { tw_monitor_push(m, c"x".as_ptr(), SERIES.as_ptr(), 12) },
        TW_OK
    );
    let mut s = std::mem::MaybeUninit::<tw_live_score>::uninit();
    assert_eq!(
        unsafe { tw_monitor_score(m, c"x".as_ptr(), s.as_mut_ptr()) },
        TW_OK
    );
    let s = unsafe { s.assume_init() };
    assert_eq!((s.ready, s.n), (1, 12));
    unsafe { tw_monitor_free(m) };
}

/// Under Miri with Tree Borrows only (the valid call at the end runs rayon).
#[test]
fn report_sizes_are_checked_before_allocation() {
    let p = profile();
    let names = [c"x".as_ptr()];
    let cur: Vec<f64> = (0..30).map(|i| i as f64 + 5.0).collect();
    let values = [cur.as_ptr()];
    let lens = [cur.len()];
    let mut r: *mut tw_report = null_mut();
    // n_features drives an allocation: above the cap (or overflowing) it is
    // refused before anything is read or allocated
    for n in [TW_MAX_REPORT_FEATURES + 1, usize::MAX, usize::MAX / 8 + 1] {
        let st = unsafe {
            tw_report_compute(
                p,
                names.as_ptr(),
                values.as_ptr(),
                lens.as_ptr(),
                n,
                null(),
                &mut r,
            )
        };
        fails(
            st,
            TW_ERR_INVALID_INPUT,
            &["n_features", "TW_MAX_REPORT_FEATURES"],
        );
        assert!(r.is_null());
    }
    // a value length that cannot be a slice names values[i]
    for len in HUGE {
        let lens = [len];
        let st = unsafe {
            tw_report_compute(
                p,
                names.as_ptr(),
                values.as_ptr(),
                lens.as_ptr(),
                1,
                null(),
                &mut r,
            )
        };
        fails(st, TW_ERR_INVALID_INPUT, &["values[0]"]);
    }
    // a misaligned array of pointers
    let words = [0u64; 4];
    let odd = unsafe { words.as_ptr().cast::<u8>().add(3) }.cast::<*const c_char>();
    let st =
        unsafe { tw_report_compute(p, odd, values.as_ptr(), lens.as_ptr(), 1, null(), &mut r) };
    fails(st, TW_ERR_INVALID_INPUT, &["features", "not aligned"]);
    // NULL entries
    let no_name = [null::<c_char>()];
    let st = unsafe {
        tw_report_compute(
            p,
            no_name.as_ptr(),
            values.as_ptr(),
            lens.as_ptr(),
            1,
            null(),
            &mut r,
        )
    };
    fails(st, TW_ERR_NULL_ARGUMENT, &["features[0] is NULL"]);
    // and a valid one
    let st = unsafe {
        tw_report_compute(
            p,
            names.as_ptr(),
            values.as_ptr(),
            lens.as_ptr(),
            1,
            null(),
            &mut r,
        )
    };
    assert_eq!(st, TW_OK, "{}", last_error());
    let mut n = 0usize;
    assert_eq!(unsafe { tw_report_feature_count(r, &mut n) }, TW_OK);
    assert_eq!(n, 1);
    let mut name = [0 as c_char; 2];
    let mut w = 0usize;
    assert_eq!(
        unsafe { tw_report_feature_name(r, 0, name.as_mut_ptr(), 2, &mut w) },
        TW_OK
    );
    assert_eq!((w, name[0] as u8, name[1]), (1, b'x', 0));
    unsafe {
        tw_report_free(r);
        tw_profile_free(p);
    }
}

#[test]
fn period_capacity_that_cannot_be_an_array() {
    let e = engine();
    let obs = tw_period_observation {
        present: TW_PERIOD_AUM | TW_PERIOD_DAILY_PNL,
        aum: 1e6,
        daily_pnl: -1.0,
        ..Default::default()
    };
    let mut one = [tw_period_breach {
        rule: [0; 32],
        value: 0.0,
        threshold: 0.0,
        severity: 0,
    }];
    let mut n = 99usize;
    for cap in [usize::MAX, usize::MAX / 8 + 1] {
        let st = unsafe { tw_engine_evaluate_period(e, &obs, one.as_mut_ptr(), cap, &mut n) };
        fails(st, TW_ERR_INVALID_INPUT, &["length of breaches"]);
        assert_eq!(n, 99);
    }
    assert_eq!(
        unsafe { tw_engine_evaluate_period(e, &obs, one.as_mut_ptr(), 1, &mut n) },
        TW_OK,
        "{}",
        last_error()
    );
    assert_eq!(
        unsafe { tw_engine_evaluate_period(e, &obs, null_mut(), 0, &mut n) },
        TW_OK
    );
    unsafe { tw_engine_free(e) };
}

#[test]
fn handle_sizes() {
    // informational (docs/c-api.md): a handle above glibc's mmap threshold
    // (128 KiB) would be unmapped on free, and a use after free would fault
    eprintln!(
        "handle sizes: profile {} monitor {} report {} engine {} journal {}",
        std::mem::size_of::<tw_profile>(),
        std::mem::size_of::<tw_monitor>(),
        std::mem::size_of::<tw_report>(),
        std::mem::size_of::<tw_engine>(),
        std::mem::size_of::<tw_journal>()
    );
    for s in [
        std::mem::size_of::<tw_profile>(),
        std::mem::size_of::<tw_monitor>(),
        std::mem::size_of::<tw_report>(),
        std::mem::size_of::<tw_engine>(),
        std::mem::size_of::<tw_journal>(),
        std::mem::size_of::<tw_score_state>(),
    ] {
        assert!(s < 128 * 1024);
    }
}

#[test]
fn tags_are_unique_and_never_dead_or_zero() {
    let mut tags = vec![
        tw_profile::MAGIC,
        tw_monitor::MAGIC,
        tw_report::MAGIC,
        tw_engine::MAGIC,
        tw_journal::MAGIC,
        tw_score_state::MAGIC,
        tw_recovery::MAGIC,
        tw_registry::MAGIC,
    ];
    #[cfg(feature = "inference")]
    tags.extend([tw_predictor::MAGIC]);
    let n = tags.len();
    assert!(tags.iter().all(|t| *t != DEAD && *t != 0));
    tags.sort_unstable();
    tags.dedup();
    assert_eq!(tags.len(), n);
}

/// For a live handle `h` of type `H`: `probe` (an entry point on it) passes;
/// the same handle tagged DEAD (what `_free` leaves), zero, or another
/// type's tag is refused with INVALID_INPUT and the type named; `free` on a
/// dead handle frees nothing; NULL is NULL_ARGUMENT for `probe`, a no-op for
/// `free`. Leaves `h` freed.
fn handle_lifecycle<H: Handle>(
    h: *mut H,
    probe: impl Fn(*mut H) -> tw_status,
    free: unsafe extern "C" fn(*mut H),
) {
    let live = unsafe { tag::<H>(h) };
    assert_eq!(live, H::MAGIC);
    assert_eq!(probe(h), TW_OK, "{}", last_error());
    let not_live = format!("not a live {} handle", H::NAME);
    for (t, why) in [
        (DEAD, "was freed"),
        (0, "tag is 0"),
        (tw_profile::MAGIC ^ tw_report::MAGIC ^ H::MAGIC, "wrong tag"),
    ] {
        unsafe { set_tag(h, t) };
        fails(probe(h), TW_ERR_INVALID_INPUT, &[&not_live, why]);
        // a second free (the tag says dead or foreign): nothing freed
        unsafe { free(h) };
        assert!(last_error().contains("nothing freed"), "{}", last_error());
        assert_eq!(unsafe { tag::<H>(h) }, t, "the tag is left as it was");
    }
    unsafe { set_tag(h, live) };
    assert_eq!(probe(h), TW_OK);
    fails(probe(null_mut()), TW_ERR_NULL_ARGUMENT, &["is NULL"]);
    unsafe { free(null_mut()) };
    unsafe { free(h) }; // the real free (Miri checks nothing leaks)
}

#[test]
fn profile_tag_is_checked() {
    handle_lifecycle(
        profile(),
        |p| unsafe { tw_profile_feature_count(p, &mut 0) },
        tw_profile_free,
    );
}

#[test]
fn monitor_tag_is_checked() {
    let p = profile();
    let mut m = null_mut();
    assert_eq!(unsafe { tw_monitor_new(p, null(), &mut m) }, TW_OK);
    unsafe { tw_profile_free(p) };
    handle_lifecycle(
        m,
        |m| unsafe { tw_monitor_push(m, c"x".as_ptr(), SERIES.as_ptr(), 3) },
        tw_monitor_free,
    );
}

#[test]
fn recovery_tag_is_checked() {
    let mut t = null_mut();
    assert_eq!(unsafe { tw_recovery_new(null(), &mut t) }, TW_OK);
    let outcome = tw_recovery_outcome {
        operation: c"op".as_ptr(),
        success: 1,
        duration_seconds: 0.1,
        attempts: 1,
        error_type: null(),
        recovery_strategy: null(),
        fallback_used: 0,
    };
    handle_lifecycle(
        t,
        |t| unsafe { tw_recovery_record(t, 1.0, &outcome) },
        tw_recovery_free,
    );
}

#[test]
fn engine_tag_is_checked() {
    handle_lifecycle(
        engine(),
        |e| unsafe { tw_engine_state(e, &mut 0) },
        tw_engine_free,
    );
}

/// Under Miri with Tree Borrows only (45-miri.sh): the report scores its
/// features on rayon, whose crossbeam-epoch is not Stacked-Borrows clean.
#[test]
fn report_tag_is_checked() {
    let p = profile();
    let cur = [1.0, 2.0, 3.0, 40.0, 50.0];
    let mut r = null_mut();
    let (names, values, lens) = ([c"x".as_ptr()], [cur.as_ptr()], [cur.len()]);
    let st = unsafe {
        tw_report_compute(
            p,
            names.as_ptr(),
            values.as_ptr(),
            lens.as_ptr(),
            1,
            null(),
            &mut r,
        )
    };
    assert_eq!(st, TW_OK, "{}", last_error());
    unsafe { tw_profile_free(p) };
    handle_lifecycle(
        r,
        |r| unsafe { tw_report_feature_count(r, &mut 0) },
        tw_report_free,
    );
}

/// Under Miri with Tree Borrows only (45-miri.sh), as the report above.
#[test]
fn score_state_tag_is_checked() {
    let p = profile();
    let cur = [1.0, 2.0, 3.0, 40.0, 50.0];
    let mut s = null_mut();
    let (names, values, lens) = ([c"x".as_ptr()], [cur.as_ptr()], [cur.len()]);
    let st = unsafe {
        tw_score_state_compute(
            p,
            names.as_ptr(),
            values.as_ptr(),
            lens.as_ptr(),
            1,
            0,
            &mut s,
        )
    };
    assert_eq!(st, TW_OK, "{}", last_error());
    unsafe { tw_profile_free(p) };
    handle_lifecycle(
        s,
        |s| unsafe { tw_score_state_bytes_length(s, &mut 0) },
        tw_score_state_free,
    );
}

#[test]
fn a_handle_of_another_type_is_refused() {
    let p = profile();
    let e = engine();
    // a profile where an engine, a report, a monitor or a journal is expected
    fails(
        unsafe { tw_engine_state(p.cast(), &mut 0) },
        TW_ERR_INVALID_INPUT,
        &["engine is not a live tw_engine handle", "wrong tag"],
    );
    fails(
        unsafe { tw_report_feature_count(p.cast(), &mut 0) },
        TW_ERR_INVALID_INPUT,
        &["report is not a live tw_report handle"],
    );
    fails(
        unsafe { tw_monitor_push(p.cast(), c"x".as_ptr(), SERIES.as_ptr(), 1) },
        TW_ERR_INVALID_INPUT,
        &["monitor is not a live tw_monitor handle"],
    );
    fails(
        unsafe { tw_journal_seq(p.cast(), &mut 0) },
        TW_ERR_INVALID_INPUT,
        &["journal is not a live tw_journal handle"],
    );
    // an engine where a profile is expected, and freeing it as a profile
    fails(
        unsafe { tw_profile_feature_count(e.cast(), &mut 0) },
        TW_ERR_INVALID_INPUT,
        &["profile is not a live tw_profile handle"],
    );
    unsafe { tw_profile_free(e.cast()) };
    assert!(last_error().contains("tw_profile_free: profile is not a live tw_profile handle"));
    assert_eq!(unsafe { tag(e) }, tw_engine::MAGIC, "nothing freed");
    // zeroed and misaligned memory
    let zeros = [0u64; 16];
    fails(
        unsafe { tw_report_summary(zeros.as_ptr().cast(), &mut std::mem::zeroed()) },
        TW_ERR_INVALID_INPUT,
        &["tag is 0"],
    );
    let odd = unsafe { zeros.as_ptr().cast::<u8>().add(4) };
    fails(
        unsafe { tw_engine_state(odd.cast(), &mut 0) },
        TW_ERR_INVALID_INPUT,
        &["not aligned"],
    );
    unsafe { tw_engine_free(odd.cast_mut().cast()) };
    assert!(last_error().contains("nothing freed"));
    unsafe {
        tw_engine_free(e);
        tw_profile_free(p);
    }
}

#[cfg(feature = "inference")]
#[test]
#[cfg_attr(miri, ignore = "burn tensors: minutes per call under Miri")]
fn predictor_batch_lengths_and_tag() {
    let mut p = null_mut();
    assert_eq!(unsafe { tw_predictor_demo(&mut p) }, TW_OK);
    let x = [0.01f64; 8];
    let mut out = [7f32; 2];
    // an out_len whose byte size overflows
    let st = unsafe { tw_predictor_predict(p, x.as_ptr(), 2, 4, out.as_mut_ptr(), usize::MAX) };
    fails(st, TW_ERR_INVALID_INPUT, &["length of out"]);
    // n_rows × n_features = 2^62 fits usize, its byte size does not
    let st = unsafe {
        tw_predictor_predict(
            p,
            x.as_ptr(),
            1 << 60,
            4,
            out.as_mut_ptr(),
            isize::MAX as usize / 4,
        )
    };
    fails(st, TW_ERR_INVALID_INPUT, &["length of features"]);
    assert_eq!(out, [7.0; 2], "out untouched");
    handle_lifecycle(
        p,
        |p| unsafe { tw_predictor_n_features(p, &mut 0) },
        tw_predictor_free,
    );
}

#[cfg(feature = "inference")]
#[test]
fn registry_tag_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
    let mut r = null_mut();
    assert_eq!(unsafe { tw_registry_open(root.as_ptr(), &mut r) }, TW_OK);
    handle_lifecycle(
        r,
        |r| unsafe { tw_registry_version_count(r, c"m".as_ptr(), &mut 0) },
        tw_registry_free,
    );
}
