//! A fuzzed sequence of calls into the C ABI (`bindings/c`, called through
//! its rlib exactly as C calls it), within the contract: every buffer is a
//! real allocation of the length passed, strings are NUL-terminated (their
//! bytes fuzzed, UTF-8 or not), handles are live. Contents, lengths, codes
//! and options are fuzzed (NaN, ±inf, empty, huge, unknown enum codes).
//!
//! Checked: every status is a documented code, never `TW_ERR_INTERNAL` (a
//! caught panic — libfuzzer's panic hook aborts on the panic itself anyway);
//! the last error message reads back after every failure; the name lookups
//! return NULL or a NUL-terminated string. Score states
//! (`tw_score_state_*`, `tw_report_compute_states`): a merge gives the same
//! status and the same bytes as the merge of the two states copied through
//! `_to_bytes`/`_from_bytes`, and the other order too (exactly commutative);
//! a failed merge leaves `into` unchanged; a self-merge is refused;
//! `_to_bytes` succeeds exactly when the buffer holds `_bytes_length` bytes
//! and what it wrote decodes and re-encodes to the same bytes; the report of
//! one exact state equals `tw_report_compute` on its rows (same JSON).
//!
//! State scorers (`tw_state_scorer_*`): a scorer made from the current
//! profile gives the state `tw_score_state_compute` gives for the same rows
//! and cells (same status, same bytes) and reads the same KS intervals as the
//! profile, bit for bit; the interval of every feature of a state (from the
//! scorer or the profile) holds the exact KS of its rows against the stored
//! reference (`tw_profile_ks`, to 4 ulps) and is at most 1/K wide for K
//! cells; save → load → save gives the same file; a flipped byte or a
//! truncation is `TW_ERR_CORRUPT`, a missing file `TW_ERR_IO`, fuzzed bytes
//! load or are `TW_ERR_CORRUPT`; NULL arguments, NULL arrays behind fuzzed
//! lengths and a state handle passed as a scorer are statuses, and freeing a
//! state as a scorer frees nothing (the last error says so). (A double free is not
//! called here: ASan would report the read of freed memory that detecting it
//! needs — the C tests check it without ASan.)
//!
//! Input layout: up to four artefacts, each ended by the line `=====\n`,
//! then the call stream (decoded with `arbitrary`; an input without the
//! separator is all call stream). An artefact's first byte says what it is:
//! `P` a profile file, `E` a policy (next byte: the extension, as
//! `EngineNew`), `S` score-state bytes, `C` a scorer file; the harness loads
//! it as the matching call would. The seeds (`scripts/fuzz --gen-corpus`)
//! put valid ones there, made with the library, so an input starts with a
//! profile, an engine, states and scorers to call on. `TW_FUZZ_TRACE=1`
//! prints the calls an input decodes to.
//!
//! The scratch directory (profile, policy and scorer files) is one per
//! process, on tmpfs when there is one. It is not emptied between inputs:
//! every call writes the file it then reads (a missing file is a name no
//! call writes), so what an earlier input left there is never read.
#![no_main]

use std::ffi::{CStr, CString, c_char};
use std::mem::MaybeUninit;
use std::ptr;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use tradewarden as tw;

#[derive(Debug, Clone, Copy, Arbitrary)]
enum Num {
    Small(i16),
    Special(u8),
    Raw(f64),
}

impl Num {
    fn get(self) -> f64 {
        match self {
            Num::Small(v) => f64::from(v) / 64.0,
            Num::Special(k) => [
                0.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MAX,
                f64::MIN_POSITIVE,
                -1.0,
                1.0,
                1e-4,
                0.5,
            ][usize::from(k) % 10],
            Num::Raw(x) => x,
        }
    }
}

/// A feature name: one of a few fixed ones (so fits, states and reports
/// meet on the same feature often) or fuzzed bytes.
#[derive(Debug, Arbitrary)]
enum Name {
    Fixed(u8),
    Raw(Vec<u8>),
}

impl Name {
    fn c(&self) -> CString {
        match self {
            Name::Fixed(k) => cstr(["x", "y", "c"][usize::from(*k) % 3].as_bytes()),
            Name::Raw(b) => cstr(b),
        }
    }
}

fn vals(v: &[Num]) -> Vec<f64> {
    v.iter().take(512).map(|n| n.get()).collect()
}

/// Fuzzed bytes as a C string (cut at the first NUL; may be invalid UTF-8).
fn cstr(b: &[u8]) -> CString {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    CString::new(&b[..end.min(64)]).expect("no interior NUL")
}

#[derive(Debug, Arbitrary)]
struct ReturnsOpts {
    annualization: Num,
    risk_free: Num,
    required_return: Num,
    nan_policy: u8,
}

impl ReturnsOpts {
    fn c(&self) -> tw::tw_returns_options {
        tw::tw_returns_options {
            annualization: self.annualization.get(),
            risk_free: self.risk_free.get(),
            required_return: self.required_return.get(),
            nan_policy: u32::from(self.nan_policy % 4),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct ProfileOpts {
    bins_kind: u8,
    bins: u16,
    edges: Vec<Num>,
    nan_policy: u8,
    keep_reference: u8,
}

// The option tuples are what `arbitrary` decodes; named types would add
// nothing.
#[allow(clippy::type_complexity)]
#[derive(Debug, Arbitrary)]
enum Call {
    Scalar(u8, Vec<Num>, Option<ReturnsOpts>),
    Summary(Vec<Num>, Option<Vec<Num>>, Option<ReturnsOpts>),
    Ks(Vec<Num>, Vec<Num>, u8),
    Js(Vec<(Num, Num)>, Num),
    ProfileFit(Name, Vec<Num>, Option<ProfileOpts>),
    ProfilePsi(Vec<u8>, Vec<Num>, u8, Num),
    ProfileKs(Vec<u8>, Vec<Num>, u8),
    ProfileCount,
    ProfileSaveLoad,
    ProfileLoadBytes(Vec<u8>),
    MonitorNew(Option<(u16, u16, Num, Num, [Num; 4], Option<Vec<u8>>)>),
    MonitorPush(Vec<u8>, Vec<Num>),
    MonitorScore(Vec<u8>),
    MonitorEmit,
    Report(
        Vec<(Vec<u8>, Vec<Num>)>,
        Option<(Num, Num, Num, u16, u8, u8, Num, Num)>,
    ),
    ReportProfiles,
    ReportQuery(u16, u16, Vec<u8>),
    EngineNew(String, u8, Num),
    EngineSymbol(Vec<u8>),
    EngineCheck(u8, u8, [Num; 6]),
    EngineFill(u8, u8, Num, Num),
    EnginePosition(u8, Num, Num),
    EngineEquity(Num),
    EngineReset(u8, Vec<u8>, Vec<u8>),
    EngineEscalate(u8, Vec<u8>),
    EngineKill(Vec<u8>, Vec<u8>),
    EngineSizeOverride(Num, Vec<u8>, Vec<u8>),
    EngineRead(u8),
    Names(u32),
    LastError(u16),
    StateCompute(Vec<(Name, Vec<Num>)>, u8),
    StateMerge(u8, u8),
    StateBytes(u8, u16),
    StateFromBytes(bool, Vec<u8>),
    StateReport(u8, Option<(u8, Num)>),
    StateFree(u8),
    ScorerNew(u8, u8),
    ScorerState(u8, Vec<(Name, Vec<Num>)>, u8),
    ScorerKsBounds(u8, u8, Name),
    ScorerSaveLoad(u8, u8, u16),
    ScorerLoadBytes(bool, Vec<u8>),
    ScorerNulls(u8, u8, u16),
    ScorerFree(u8),
}

/// The process's scratch directory (tmpfs when there is one).
fn dir() -> &'static std::path::Path {
    tradewarden_fuzz::scratch()
}

const KNOWN: [i32; 10] = [
    tw::TW_OK,
    tw::TW_ERR_INVALID_INPUT,
    tw::TW_ERR_INVALID_CONFIG,
    tw::TW_ERR_NOT_FOUND,
    tw::TW_ERR_IO,
    tw::TW_ERR_CORRUPT,
    tw::TW_ERR_STATE,
    tw::TW_ERR_UNSUPPORTED,
    tw::TW_ERR_NULL_ARGUMENT,
    tw::TW_ERR_BUFFER_TOO_SMALL,
];

/// Checks a status and, after a failure, that the message reads back.
fn st(what: &str, s: i32) -> i32 {
    assert!(
        KNOWN.contains(&s),
        "{what}: status {s} is not a documented code"
    );
    if s != tw::TW_OK {
        let mut need = 0usize;
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { tw::tw_last_error_length(&mut need) }, tw::TW_OK);
        assert!(need >= 1);
        let mut buf = vec![0 as c_char; need];
        let mut written = usize::MAX;
        // SAFETY: buf has `need` bytes, written is valid.
        let r = unsafe { tw::tw_last_error_message(buf.as_mut_ptr(), need, &mut written) };
        assert_eq!(
            r,
            tw::TW_OK,
            "{what}: the message does not fit the length it reported"
        );
        assert_eq!(written + 1, need);
    }
    s
}

/// The thread's last error message (lossy UTF-8).
fn last_error() -> String {
    let mut need = 0usize;
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { tw::tw_last_error_length(&mut need) }, tw::TW_OK);
    let mut buf = vec![0 as c_char; need.max(1)];
    let mut written = 0usize;
    // SAFETY: buf has buf.len() bytes, written is valid.
    let r = unsafe { tw::tw_last_error_message(buf.as_mut_ptr(), buf.len(), &mut written) };
    assert_eq!(r, tw::TW_OK);
    String::from_utf8_lossy(&buf[..written].iter().map(|&c| c as u8).collect::<Vec<_>>())
        .into_owned()
}

fn check_name(p: *const c_char) {
    if !p.is_null() {
        // SAFETY: the library returns NULL or a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(p) };
        assert!(!s.to_bytes().is_empty());
    }
}

#[derive(Default)]
struct Handles {
    profile: Option<*mut tw::tw_profile>,
    monitor: Option<*mut tw::tw_monitor>,
    report: Option<*mut tw::tw_report>,
    engine: Option<*mut tw::tw_engine>,
    states: Vec<*mut tw::tw_score_state>,
    scorers: Vec<Scorer>,
    /// Bumped by every call that may change or replace the profile: a
    /// scorer made from the profile of the same generation scores like it.
    generation: u64,
}

/// A live scorer, the generation of the profile it was made from (None:
/// loaded from fuzzed bytes, profile unknown) and its `cells`.
struct Scorer {
    ptr: *mut tw::tw_state_scorer,
    generation: Option<u64>,
    cells: usize,
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY: each handle is live and freed once.
        unsafe {
            if let Some(r) = self.report.take() {
                tw::tw_report_free(r);
            }
            if let Some(m) = self.monitor.take() {
                tw::tw_monitor_free(m);
            }
            if let Some(p) = self.profile.take() {
                tw::tw_profile_free(p);
            }
            if let Some(e) = self.engine.take() {
                tw::tw_engine_free(e);
            }
            for s in self.states.drain(..) {
                tw::tw_score_state_free(s);
            }
            for s in self.scorers.drain(..) {
                tw::tw_state_scorer_free(s.ptr);
            }
        }
    }
}

impl Handles {
    fn profile(&mut self) -> *mut tw::tw_profile {
        *self.profile.get_or_insert_with(|| {
            let mut p = ptr::null_mut();
            // SAFETY: valid out-pointer.
            assert_eq!(unsafe { tw::tw_profile_new(&mut p) }, tw::TW_OK);
            p
        })
    }

    /// Keeps a new state (the oldest freed past [`MAX_STATES`]).
    fn push_state(&mut self, s: *mut tw::tw_score_state) {
        if self.states.len() == MAX_STATES {
            // SAFETY: a live state, removed from the list before freeing.
            unsafe { tw::tw_score_state_free(self.states.remove(0)) };
        }
        self.states.push(s);
    }

    /// Keeps a new scorer (the oldest freed past [`MAX_SCORERS`]).
    fn push_scorer(&mut self, s: Scorer) {
        if self.scorers.len() == MAX_SCORERS {
            // SAFETY: a live scorer, removed from the list before freeing.
            unsafe { tw::tw_state_scorer_free(self.scorers.remove(0).ptr) };
        }
        self.scorers.push(s);
    }

    /// The scorer picked by `i`, if any.
    fn scorer(&self, i: u8) -> Option<&Scorer> {
        self.scorers.get(usize::from(i) % self.scorers.len().max(1))
    }
}

fn side(k: u8) -> u32 {
    u32::from(k % 3)
}

/// At most this many live score states.
const MAX_STATES: usize = 4;

/// At most this many live scorers.
const MAX_SCORERS: usize = 3;

/// The `TWSS` bytes of a live state, in a buffer of exactly the length
/// `tw_score_state_bytes_length` reports.
unsafe fn state_bytes(s: *const tw::tw_score_state) -> Vec<u8> {
    let mut n = 0usize;
    let r = st("score_state_bytes_length", unsafe {
        tw::tw_score_state_bytes_length(s, &mut n)
    });
    assert_eq!(r, tw::TW_OK);
    let mut buf = vec![0u8; n];
    let mut w = usize::MAX;
    let r = st("score_state_to_bytes", unsafe {
        tw::tw_score_state_to_bytes(s, buf.as_mut_ptr(), n, &mut w)
    });
    assert_eq!(r, tw::TW_OK, "to_bytes into the length it reported");
    assert_eq!(w, n);
    buf
}

/// A state decoded from `b` (status, handle: NULL unless `TW_OK`).
unsafe fn state_from(b: &[u8]) -> (i32, *mut tw::tw_score_state) {
    let mut s = ptr::null_mut();
    let r = st("score_state_from_bytes", unsafe {
        tw::tw_score_state_from_bytes(b.as_ptr(), b.len(), &mut s)
    });
    assert_eq!(r == tw::TW_OK, !s.is_null());
    (r, s)
}

/// A copy of a live state through its bytes.
unsafe fn state_copy(s: *const tw::tw_score_state) -> *mut tw::tw_score_state {
    let b = unsafe { state_bytes(s) };
    let (r, c) = unsafe { state_from(&b) };
    assert_eq!(r, tw::TW_OK, "a state's own bytes decode");
    assert_eq!(
        unsafe { state_bytes(c) },
        b,
        "re-encoding changed the state"
    );
    c
}

/// The JSON of a live report, in a buffer of exactly its reported length.
unsafe fn report_json(r: *const tw::tw_report) -> Vec<u8> {
    let mut need = 0usize;
    let s = st("report_to_json_length", unsafe {
        tw::tw_report_to_json_length(r, &mut need)
    });
    assert_eq!(s, tw::TW_OK);
    let mut buf = vec![0 as c_char; need.max(1)];
    let mut w = 0usize;
    let s = st("report_to_json", unsafe {
        tw::tw_report_to_json(r, buf.as_mut_ptr(), buf.len(), &mut w)
    });
    assert_eq!(s, tw::TW_OK);
    buf[..w].iter().map(|&c| c as u8).collect()
}

/// The `cells` argument of a state: mostly exact, small bounded grids,
/// the cap and past it.
fn cells(k: u8) -> usize {
    match k % 8 {
        0..=3 => 0,
        4 | 5 => 1 + usize::from(k >> 3),
        6 => 1 << 24,
        _ => [(1 << 24) + 1, usize::MAX][usize::from(k >> 3) % 2],
    }
}

/// The state of `feats` against `p` with `cells` (status, handle: NULL
/// unless `TW_OK`).
unsafe fn compute_state(
    p: *const tw::tw_profile,
    feats: &[(CString, Vec<f64>)],
    cells: usize,
) -> (i32, *mut tw::tw_score_state) {
    let names: Vec<*const c_char> = feats.iter().map(|f| f.0.as_ptr()).collect();
    let ptrs: Vec<*const f64> = feats.iter().map(|f| f.1.as_ptr()).collect();
    let lens: Vec<usize> = feats.iter().map(|f| f.1.len()).collect();
    let mut s = ptr::null_mut();
    let r = st("score_state_compute", unsafe {
        tw::tw_score_state_compute(
            p,
            names.as_ptr(),
            ptrs.as_ptr(),
            lens.as_ptr(),
            feats.len(),
            cells,
            &mut s,
        )
    });
    assert_eq!(r == tw::TW_OK, !s.is_null());
    (r, s)
}

/// The KS interval of every numeric feature of a state of the rows `feats`
/// (as `bounds` reads it) holds the exact KS statistic of those rows against
/// the stored reference of `p` (the profile the state was computed on), and
/// is at most 1/K wide for a bounded grid of K cells (`cells` 0: exact).
/// Features whose name appears twice, or with a value that is not finite,
/// are left out (the state and `tw_profile_ks` need not agree on those).
unsafe fn bounds_hold(
    p: *const tw::tw_profile,
    feats: &[(CString, Vec<f64>)],
    cells: usize,
    bounds: impl Fn(*const c_char, *mut tw::tw_ks_bounds) -> i32,
) {
    for (name, v) in feats {
        if feats.iter().filter(|f| f.0 == *name).count() != 1 || !v.iter().all(|x| x.is_finite()) {
            continue;
        }
        let mut b = MaybeUninit::<tw::tw_ks_bounds>::uninit();
        if st("ks_bounds", bounds(name.as_ptr(), b.as_mut_ptr())) != tw::TW_OK {
            continue;
        }
        // SAFETY: written on TW_OK.
        let b = unsafe { b.assume_init() };
        assert!(
            b.statistic_lo <= b.statistic_hi,
            "KS interval {b:?} of {name:?}"
        );
        if cells > 0 {
            assert!(
                b.statistic_hi - b.statistic_lo <= 1.0 / cells as f64 + 1e-12,
                "KS interval {b:?} of {name:?} wider than 1/{cells}"
            );
        }
        assert_eq!(b.n_current, v.len() as u64, "n_current of {name:?}");
        let (mut d, mut pv) = (0.0, 0.0);
        if st("profile_ks", unsafe {
            tw::tw_profile_ks(
                p,
                name.as_ptr(),
                v.as_ptr(),
                v.len(),
                tw::TW_ALTERNATIVE_TWO_SIDED,
                &mut d,
                &mut pv,
            )
        }) == tw::TW_OK
        {
            // `tw_profile_ks` (method auto) takes the exact method for small
            // samples, which rounds D to h/lcm(n1, n2) as scipy does; the
            // state's interval is a difference of count fractions: the two
            // may differ in the last bits (seen: 0.25833333333333336 against
            // an exact state's 0.2583333333333333), so a few ulps of slack.
            let slack = 4.0 * f64::EPSILON;
            assert!(
                b.statistic_lo - slack <= d && d <= b.statistic_hi + slack,
                "exact KS {d} of {name:?} outside {b:?}"
            );
        }
    }
}

/// The bits of a `tw_ks_bounds`, for exact comparison.
fn bound_bits(b: &tw::tw_ks_bounds) -> [u64; 8] {
    [
        b.statistic_lo.to_bits(),
        b.statistic_hi.to_bits(),
        b.pvalue_lo.to_bits(),
        b.pvalue_hi.to_bits(),
        b.psi.to_bits(),
        b.jensenshannon.to_bits(),
        b.n_reference,
        b.n_current,
    ]
}

/// A path in the scratch directory as a C string.
fn scratch_path(name: &str) -> CString {
    let path = dir().join(name);
    CString::new(path.to_str().expect("utf-8 path")).expect("path")
}

/// The bytes `tw_state_scorer_save` writes for a live scorer (`name` in the
/// scratch directory).
unsafe fn scorer_file(s: *const tw::tw_state_scorer, name: &str) -> Vec<u8> {
    let c = scratch_path(name);
    let r = st("state_scorer_save", unsafe {
        tw::tw_state_scorer_save(s, c.as_ptr())
    });
    assert_eq!(r, tw::TW_OK, "save into the scratch directory");
    std::fs::read(dir().join(name)).expect("read the saved scorer")
}

/// A scorer loaded from `bytes` written to `name` (status, handle: NULL
/// unless `TW_OK`); every refusal is `TW_ERR_CORRUPT`.
unsafe fn scorer_from(bytes: &[u8], name: &str) -> (i32, *mut tw::tw_state_scorer) {
    std::fs::write(dir().join(name), bytes).expect("write scorer bytes");
    let c = scratch_path(name);
    let mut s = ptr::null_mut();
    let r = st("state_scorer_load", unsafe {
        tw::tw_state_scorer_load(c.as_ptr(), &mut s)
    });
    assert_eq!(r == tw::TW_OK, !s.is_null());
    assert!(
        r == tw::TW_OK || r == tw::TW_ERR_CORRUPT,
        "loading scorer bytes: status {r}, not TW_ERR_CORRUPT"
    );
    (r, s)
}

#[allow(clippy::too_many_lines)]
unsafe fn call(h: &mut Handles, c: Call) {
    let mut f = 0.0f64;
    let mut g = 0.0f64;
    match c {
        Call::Scalar(which, v, o) => {
            let v = vals(&v);
            let o = o.map(|o| o.c());
            let op = o.as_ref().map_or(ptr::null(), |o| o as *const _);
            let fns = [
                tw::tw_returns_sharpe_ratio,
                tw::tw_returns_sortino_ratio,
                tw::tw_returns_max_drawdown,
                tw::tw_returns_annual_return,
                tw::tw_returns_annual_volatility,
                tw::tw_returns_calmar_ratio,
                tw::tw_returns_downside_risk,
            ];
            let fun = fns[usize::from(which) % fns.len()];
            st("returns", unsafe { fun(v.as_ptr(), v.len(), op, &mut f) });
        }
        Call::Summary(v, b, o) => {
            let v = vals(&v);
            let b = b.map(|b| vals(&b));
            let o = o.map(|o| o.c());
            let op = o.as_ref().map_or(ptr::null(), |o| o as *const _);
            let (bp, bl) = b
                .as_ref()
                .map_or((ptr::null(), 0), |b| (b.as_ptr(), b.len()));
            let mut out = MaybeUninit::<tw::tw_summary>::uninit();
            st("summary", unsafe {
                tw::tw_returns_summary(v.as_ptr(), v.len(), bp, bl, op, out.as_mut_ptr())
            });
        }
        Call::Ks(a, b, alt) => {
            let (a, b) = (vals(&a), vals(&b));
            st("ks_2samp", unsafe {
                tw::tw_drift_ks_2samp(
                    a.as_ptr(),
                    a.len(),
                    b.as_ptr(),
                    b.len(),
                    u32::from(alt % 4),
                    &mut f,
                    &mut g,
                )
            });
        }
        Call::Js(pq, base) => {
            let p: Vec<f64> = pq.iter().take(512).map(|x| x.0.get()).collect();
            let q: Vec<f64> = pq.iter().take(512).map(|x| x.1.get()).collect();
            st("jensenshannon", unsafe {
                tw::tw_drift_jensenshannon(p.as_ptr(), q.as_ptr(), p.len(), base.get(), &mut f)
            });
        }
        Call::ProfileFit(name, v, o) => {
            let p = h.profile();
            h.generation += 1;
            let name = name.c();
            let v = vals(&v);
            let edges = o.as_ref().map(|o| vals(&o.edges)).unwrap_or_default();
            let co = o.map(|o| tw::tw_profile_options {
                bins_kind: u32::from(o.bins_kind % 5),
                bins: u32::from(o.bins),
                edges: edges.as_ptr(),
                edges_len: edges.len(),
                nan_policy: u32::from(o.nan_policy % 4),
                keep_reference: u32::from(o.keep_reference % 3),
            });
            let op = co.as_ref().map_or(ptr::null(), |o| o as *const _);
            st("profile_fit", unsafe {
                tw::tw_profile_fit(p, name.as_ptr(), v.as_ptr(), v.len(), op)
            });
        }
        Call::ProfilePsi(name, v, mode, eps) => {
            let p = h.profile();
            let name = cstr(&name);
            let v = vals(&v);
            st("profile_psi", unsafe {
                tw::tw_profile_psi(
                    p,
                    name.as_ptr(),
                    v.as_ptr(),
                    v.len(),
                    u32::from(mode % 3),
                    eps.get(),
                    &mut f,
                )
            });
        }
        Call::ProfileKs(name, v, alt) => {
            let p = h.profile();
            let name = cstr(&name);
            let v = vals(&v);
            st("profile_ks", unsafe {
                tw::tw_profile_ks(
                    p,
                    name.as_ptr(),
                    v.as_ptr(),
                    v.len(),
                    u32::from(alt % 4),
                    &mut f,
                    &mut g,
                )
            });
        }
        Call::ProfileCount => {
            let p = h.profile();
            let mut n = 0usize;
            st("feature_count", unsafe {
                tw::tw_profile_feature_count(p, &mut n)
            });
        }
        Call::ProfileSaveLoad => {
            let p = h.profile();
            let path = dir().join("p.twdp");
            // What this call saves, not a file an earlier input left.
            let _ = std::fs::remove_file(&path);
            let cpath = CString::new(path.to_str().expect("utf-8 path")).expect("path");
            st("profile_save", unsafe {
                tw::tw_profile_save(p, cpath.as_ptr())
            });
            let mut q = ptr::null_mut();
            // A profile the library saved loads back.
            assert_eq!(
                st("profile_load", unsafe {
                    tw::tw_profile_load(cpath.as_ptr(), &mut q)
                }),
                tw::TW_OK
            );
            unsafe { tw::tw_profile_free(q) };
        }
        Call::ProfileLoadBytes(bytes) => {
            let path = dir().join("in.twdp");
            std::fs::write(&path, &bytes).expect("write");
            let cpath = CString::new(path.to_str().expect("utf-8 path")).expect("path");
            let mut q = ptr::null_mut();
            if st("profile_load", unsafe {
                tw::tw_profile_load(cpath.as_ptr(), &mut q)
            }) == tw::TW_OK
            {
                h.generation += 1;
                if let Some(old) = h.profile.replace(q) {
                    if let Some(m) = h.monitor.take() {
                        unsafe { tw::tw_monitor_free(m) };
                    }
                    unsafe { tw::tw_profile_free(old) };
                }
            }
        }
        Call::MonitorNew(o) => {
            let p = h.profile();
            let prefix = o.as_ref().and_then(|o| o.5.as_ref().map(|b| cstr(b)));
            let co = o.map(|(w, m, e, t, b, _)| tw::tw_monitor_options {
                window: usize::from(w),
                min_values: usize::from(m),
                psi_epsilon: e.get(),
                psi_threshold: t.get(),
                bands: tw::tw_severity_bands {
                    low: b[0].get(),
                    medium: b[1].get(),
                    high: b[2].get(),
                    critical: b[3].get(),
                },
                prefix: prefix.as_ref().map_or(ptr::null(), |s| s.as_ptr()),
            });
            let op = co.as_ref().map_or(ptr::null(), |o| o as *const _);
            let mut m = ptr::null_mut();
            if st("monitor_new", unsafe { tw::tw_monitor_new(p, op, &mut m) }) == tw::TW_OK
                && let Some(old) = h.monitor.replace(m)
            {
                unsafe { tw::tw_monitor_free(old) };
            }
        }
        Call::MonitorPush(name, v) => {
            if let Some(m) = h.monitor {
                let name = cstr(&name);
                let v = vals(&v);
                st("monitor_push", unsafe {
                    tw::tw_monitor_push(m, name.as_ptr(), v.as_ptr(), v.len())
                });
            }
        }
        Call::MonitorScore(name) => {
            if let Some(m) = h.monitor {
                let name = cstr(&name);
                let mut out = MaybeUninit::<tw::tw_live_score>::uninit();
                st("monitor_score", unsafe {
                    tw::tw_monitor_score(m, name.as_ptr(), out.as_mut_ptr())
                });
            }
        }
        Call::MonitorEmit => {
            if let Some(m) = h.monitor {
                let (mut a, mut b) = (0usize, 0usize);
                st("monitor_emit", unsafe {
                    tw::tw_monitor_emit(m, &mut a, &mut b)
                });
            }
        }
        Call::Report(feats, o) => {
            let p = h.profile();
            let feats: Vec<(CString, Vec<f64>)> = feats
                .iter()
                .take(8)
                .map(|(n, v)| (cstr(n), vals(v)))
                .collect();
            let names: Vec<*const c_char> = feats.iter().map(|f| f.0.as_ptr()).collect();
            let ptrs: Vec<*const f64> = feats.iter().map(|f| f.1.as_ptr()).collect();
            let lens: Vec<usize> = feats.iter().map(|f| f.1.len()).collect();
            let mut co = MaybeUninit::<tw::tw_report_options>::uninit();
            assert_eq!(
                unsafe { tw::tw_report_options_default(co.as_mut_ptr()) },
                tw::TW_OK
            );
            // SAFETY: written by tw_report_options_default.
            let mut co = unsafe { co.assume_init() };
            let op = match o {
                None => ptr::null(),
                Some((alpha, psi_t, js_t, large, corr, mode, eps, share)) => {
                    co.alpha = alpha.get();
                    co.psi_threshold = psi_t.get();
                    co.js_threshold = js_t.get();
                    co.large_sample = usize::from(large);
                    co.correction = u32::from(corr % 4);
                    co.psi_mode = u32::from(mode % 3);
                    co.psi_epsilon = eps.get();
                    co.drift_share = share.get();
                    &co as *const _
                }
            };
            let mut r = ptr::null_mut();
            if st("report_compute", unsafe {
                tw::tw_report_compute(
                    p,
                    names.as_ptr(),
                    ptrs.as_ptr(),
                    lens.as_ptr(),
                    feats.len(),
                    op,
                    &mut r,
                )
            }) == tw::TW_OK
                && let Some(old) = h.report.replace(r)
            {
                unsafe { tw::tw_report_free(old) };
            }
        }
        Call::ReportProfiles => {
            let p = h.profile();
            let mut r = ptr::null_mut();
            if st("report_compute_profiles", unsafe {
                tw::tw_report_compute_profiles(p, p, ptr::null(), &mut r)
            }) == tw::TW_OK
                && let Some(old) = h.report.replace(r)
            {
                unsafe { tw::tw_report_free(old) };
            }
        }
        Call::ReportQuery(index, buf_len, name) => {
            let Some(r) = h.report else { return };
            let i = usize::from(index % 16);
            let mut n = 0usize;
            st("report_feature_count", unsafe {
                tw::tw_report_feature_count(r, &mut n)
            });
            let mut fd = MaybeUninit::<tw::tw_feature_drift>::uninit();
            st("report_feature", unsafe {
                tw::tw_report_feature(r, i, fd.as_mut_ptr())
            });
            let mut buf = vec![0 as c_char; usize::from(buf_len % 4096)];
            let mut written = 0usize;
            let s = st("report_feature_name", unsafe {
                tw::tw_report_feature_name(r, i, buf.as_mut_ptr(), buf.len(), &mut written)
            });
            if s == tw::TW_OK {
                assert!(written < buf.len() && buf[written] == 0);
            }
            let name = cstr(&name);
            st("report_feature_index", unsafe {
                tw::tw_report_feature_index(r, name.as_ptr(), &mut n)
            });
            let mut ds = MaybeUninit::<tw::tw_dataset_drift>::uninit();
            st("report_summary", unsafe {
                tw::tw_report_summary(r, ds.as_mut_ptr())
            });
            let mut need = 0usize;
            let l = st("report_to_json_length", unsafe {
                tw::tw_report_to_json_length(r, &mut need)
            });
            let s = st("report_to_json", unsafe {
                tw::tw_report_to_json(r, buf.as_mut_ptr(), buf.len(), &mut written)
            });
            if l == tw::TW_OK {
                assert_eq!(s == tw::TW_OK, buf.len() >= need, "to_json vs its length");
            }
        }
        Call::EngineNew(text, ext, equity) => {
            let ext = ["toml", "yaml", "json", "txt"][usize::from(ext % 4)];
            let path = dir().join(format!("policy.{ext}"));
            std::fs::write(&path, text.as_bytes()).expect("write policy");
            let cpath = CString::new(path.to_str().expect("utf-8 path")).expect("path");
            let mut e = ptr::null_mut();
            if st("engine_new", unsafe {
                tw::tw_engine_new_from_policy_file(
                    cpath.as_ptr(),
                    ptr::null(),
                    equity.get(),
                    &mut e,
                )
            }) == tw::TW_OK
                && let Some(old) = h.engine.replace(e)
            {
                unsafe { tw::tw_engine_free(old) };
            }
        }
        Call::EngineSymbol(name) => {
            let Some(e) = h.engine else { return };
            let name = cstr(&name);
            let mut id = 0u32;
            st("engine_symbol_id", unsafe {
                tw::tw_engine_symbol_id(e, name.as_ptr(), &mut id)
            });
        }
        Call::EngineCheck(sym, sd, n) => {
            let Some(e) = h.engine else { return };
            let o = tw::tw_order {
                symbol: u32::from(sym % 4),
                side: side(sd),
                quantity: n[0].get(),
                price: n[1].get(),
                reference_price: n[2].get(),
                data_timestamp: n[3].get(),
                timestamp: n[4].get(),
                confidence: n[5].get(),
            };
            let mut state = 0u32;
            st("engine_state", unsafe {
                tw::tw_engine_state(e, &mut state)
            });
            let mut d = MaybeUninit::<tw::tw_decision>::uninit();
            if st("engine_check_order", unsafe {
                tw::tw_engine_check_order(e, &o, d.as_mut_ptr())
            }) == tw::TW_OK
            {
                // SAFETY: written on TW_OK.
                let d = unsafe { d.assume_init() };
                assert!(d.decision <= 2, "decision code {}", d.decision);
                check_name(tw::tw_reason_name(d.reason));
                assert!(
                    !tw::tw_reason_name(d.reason).is_null(),
                    "unknown reason {}",
                    d.reason
                );
                if d.decision != tw::TW_DECISION_DENY {
                    assert!(
                        state == tw::TW_STATE_ACTIVE || state == tw::TW_STATE_REDUCING,
                        "allowed in state {state}"
                    );
                    assert!(
                        d.quantity > 0.0 && d.quantity <= o.quantity,
                        "{d:?} for {o:?}"
                    );
                }
            }
        }
        Call::EngineFill(sym, sd, q, p) => {
            let Some(e) = h.engine else { return };
            st("engine_on_fill", unsafe {
                tw::tw_engine_on_fill(e, u32::from(sym % 4), side(sd), q.get(), p.get())
            });
        }
        Call::EnginePosition(sym, q, m) => {
            let Some(e) = h.engine else { return };
            st("engine_set_position", unsafe {
                tw::tw_engine_set_position(e, u32::from(sym % 4), q.get(), m.get())
            });
            st("engine_position", unsafe {
                tw::tw_engine_position(e, u32::from(sym % 4), &mut f)
            });
        }
        Call::EngineEquity(x) => {
            let Some(e) = h.engine else { return };
            st("engine_set_equity", unsafe {
                tw::tw_engine_set_equity(e, x.get())
            });
        }
        Call::EngineReset(to, who, why) => {
            let Some(e) = h.engine else { return };
            let (who, why) = (cstr(&who), cstr(&why));
            st("engine_reset", unsafe {
                tw::tw_engine_reset(e, u32::from(to % 5), who.as_ptr(), why.as_ptr())
            });
        }
        Call::EngineEscalate(to, why) => {
            let Some(e) = h.engine else { return };
            let why = cstr(&why);
            let mut changed = 0u32;
            st("engine_escalate", unsafe {
                tw::tw_engine_escalate(e, u32::from(to % 5), why.as_ptr(), &mut changed)
            });
        }
        Call::EngineKill(reason, by) => {
            let Some(e) = h.engine else { return };
            let (reason, by) = (cstr(&reason), cstr(&by));
            st("engine_kill", unsafe {
                tw::tw_engine_kill(e, reason.as_ptr(), by.as_ptr())
            });
        }
        Call::EngineSizeOverride(x, who, why) => {
            let Some(e) = h.engine else { return };
            let (who, why) = (cstr(&who), cstr(&why));
            st("engine_set_size_override", unsafe {
                tw::tw_engine_set_size_override(e, x.get(), who.as_ptr(), why.as_ptr())
            });
        }
        Call::EngineRead(k) => {
            let Some(e) = h.engine else { return };
            match k % 3 {
                0 => st("engine_gross_exposure", unsafe {
                    tw::tw_engine_gross_exposure(e, &mut f)
                }),
                1 => st("engine_high_water_mark", unsafe {
                    tw::tw_engine_high_water_mark(e, &mut f)
                }),
                _ => {
                    let mut c = MaybeUninit::<tw::tw_session_counts>::uninit();
                    st("engine_counts", unsafe {
                        tw::tw_engine_counts(e, c.as_mut_ptr())
                    })
                }
            };
        }
        Call::Names(code) => {
            check_name(tw::tw_reason_name(code));
            check_name(tw::tw_severity_name(code));
            check_name(tw::tw_method_name(code));
        }
        Call::LastError(len) => {
            let mut buf = vec![0 as c_char; usize::from(len % 2048).max(1)];
            let mut written = 0usize;
            let s = unsafe { tw::tw_last_error_message(buf.as_mut_ptr(), buf.len(), &mut written) };
            assert!(s == tw::TW_OK || s == tw::TW_ERR_BUFFER_TOO_SMALL);
        }
        Call::StateCompute(feats, k) => {
            let p = h.profile();
            let mut feats: Vec<(CString, Vec<f64>)> = feats
                .iter()
                .take(8)
                .map(|(n, v)| (n.c(), vals(v)))
                .collect();
            let grid = cells(k);
            let mut s = ptr::null_mut();
            let r = {
                let names: Vec<*const c_char> = feats.iter().map(|f| f.0.as_ptr()).collect();
                let ptrs: Vec<*const f64> = feats.iter().map(|f| f.1.as_ptr()).collect();
                let lens: Vec<usize> = feats.iter().map(|f| f.1.len()).collect();
                st("score_state_compute", unsafe {
                    tw::tw_score_state_compute(
                        p,
                        names.as_ptr(),
                        ptrs.as_ptr(),
                        lens.as_ptr(),
                        feats.len(),
                        grid,
                        &mut s,
                    )
                })
            };
            assert_eq!(r == tw::TW_OK, !s.is_null());
            if r != tw::TW_OK {
                return;
            }
            unsafe {
                bounds_hold(p, &feats, grid, |n, o| {
                    tw::tw_score_state_ks_bounds(p, s, n, o)
                });
            }
            if grid == 0 {
                // The report of one exact state is the report of its rows,
                // its features in name order.
                let mut rs = ptr::null_mut();
                let a = st("report_compute_states", unsafe {
                    tw::tw_report_compute_states(p, s, ptr::null(), &mut rs)
                });
                feats.sort_by(|x, y| x.0.cmp(&y.0));
                let names: Vec<*const c_char> = feats.iter().map(|f| f.0.as_ptr()).collect();
                let ptrs: Vec<*const f64> = feats.iter().map(|f| f.1.as_ptr()).collect();
                let lens: Vec<usize> = feats.iter().map(|f| f.1.len()).collect();
                let mut rc = ptr::null_mut();
                let b = st("report_compute", unsafe {
                    tw::tw_report_compute(
                        p,
                        names.as_ptr(),
                        ptrs.as_ptr(),
                        lens.as_ptr(),
                        feats.len(),
                        ptr::null(),
                        &mut rc,
                    )
                });
                if a == tw::TW_OK && b == tw::TW_OK {
                    assert_eq!(
                        String::from_utf8_lossy(&unsafe { report_json(rs) }),
                        String::from_utf8_lossy(&unsafe { report_json(rc) }),
                        "report of the state != report of its rows"
                    );
                }
                unsafe {
                    tw::tw_report_free(rs);
                    tw::tw_report_free(rc);
                }
            }
            h.push_state(s);
        }
        Call::StateMerge(a, b) => {
            if h.states.is_empty() {
                return;
            }
            let (ia, ib) = (
                usize::from(a) % h.states.len(),
                usize::from(b) % h.states.len(),
            );
            let (into, other) = (h.states[ia], h.states[ib]);
            let before = unsafe { state_bytes(into) };
            if ia == ib {
                let r = st("score_state_merge", unsafe {
                    tw::tw_score_state_merge(into, into)
                });
                assert_eq!(r, tw::TW_ERR_INVALID_INPUT, "self-merge");
                assert_eq!(unsafe { state_bytes(into) }, before);
                return;
            }
            // The same merge on copies through the bytes, and the other way round.
            let (ci, co) = unsafe { (state_copy(into), state_copy(other)) };
            let (ci2, co2) = unsafe { (state_copy(into), state_copy(other)) };
            let r = st("score_state_merge", unsafe {
                tw::tw_score_state_merge(into, other)
            });
            let rc = st("score_state_merge", unsafe {
                tw::tw_score_state_merge(ci, co)
            });
            let rr = st("score_state_merge", unsafe {
                tw::tw_score_state_merge(co2, ci2)
            });
            assert_eq!(r, rc, "merge of the copies");
            assert_eq!(r, rr, "merge in the other order");
            let after = unsafe { state_bytes(into) };
            if r == tw::TW_OK {
                assert_eq!(
                    after,
                    unsafe { state_bytes(ci) },
                    "merged != merged from bytes"
                );
                assert_eq!(after, unsafe { state_bytes(co2) }, "merge not commutative");
            } else {
                assert_eq!(after, before, "a failed merge changed `into`");
            }
            unsafe {
                for c in [ci, co, ci2, co2] {
                    tw::tw_score_state_free(c);
                }
            }
        }
        Call::StateBytes(i, len) => {
            let Some(&s) = h.states.get(usize::from(i) % h.states.len().max(1)) else {
                return;
            };
            let mut need = 0usize;
            let r = st("score_state_bytes_length", unsafe {
                tw::tw_score_state_bytes_length(s, &mut need)
            });
            assert_eq!(r, tw::TW_OK);
            let n = if len & 1 == 1 {
                need + usize::from(len >> 1) % 3
            } else {
                usize::from(len >> 1) % need.max(1)
            };
            let mut buf = vec![0u8; n.max(1)];
            let mut w = 0usize;
            let r = st("score_state_to_bytes", unsafe {
                tw::tw_score_state_to_bytes(s, buf.as_mut_ptr(), n, &mut w)
            });
            assert_eq!(
                r == tw::TW_OK,
                n >= need,
                "to_bytes into {n} bytes, needs {need}"
            );
            if r == tw::TW_OK {
                assert_eq!(w, need);
                let (d, c) = unsafe { state_from(&buf[..w]) };
                assert_eq!(d, tw::TW_OK, "written bytes decode");
                assert_eq!(unsafe { state_bytes(c) }, &buf[..w]);
                unsafe { tw::tw_score_state_free(c) };
            }
        }
        Call::StateFromBytes(wrap, bytes) => {
            let b = if wrap {
                tradewarden_fuzz::wrap(b"TWSS", &bytes)
            } else {
                bytes
            };
            let (r, s) = unsafe { state_from(&b) };
            if r == tw::TW_OK {
                // Accepted bytes re-encode to bytes that decode the same.
                let c = unsafe { state_copy(s) };
                unsafe { tw::tw_score_state_free(c) };
                h.push_state(s);
            }
        }
        Call::StateReport(i, o) => {
            let Some(&s) = h.states.get(usize::from(i) % h.states.len().max(1)) else {
                return;
            };
            let p = h.profile();
            let mut co = MaybeUninit::<tw::tw_report_options>::uninit();
            assert_eq!(
                unsafe { tw::tw_report_options_default(co.as_mut_ptr()) },
                tw::TW_OK
            );
            // SAFETY: written by tw_report_options_default.
            let mut co = unsafe { co.assume_init() };
            let op = match o {
                None => ptr::null(),
                Some((mode, alpha)) => {
                    co.psi_mode = u32::from(mode % 3);
                    co.alpha = alpha.get();
                    &co as *const _
                }
            };
            let mut r = ptr::null_mut();
            if st("report_compute_states", unsafe {
                tw::tw_report_compute_states(p, s, op, &mut r)
            }) == tw::TW_OK
                && let Some(old) = h.report.replace(r)
            {
                unsafe { tw::tw_report_free(old) };
            }
        }
        Call::StateFree(i) => {
            if !h.states.is_empty() {
                let s = h.states.remove(usize::from(i) % h.states.len());
                unsafe { tw::tw_score_state_free(s) };
            }
        }
        Call::ScorerNew(k, nulls) => {
            let p = h.profile();
            let grid = cells(k);
            let mut s = ptr::null_mut();
            match nulls % 8 {
                0 => {
                    let r = st("state_scorer_new", unsafe {
                        tw::tw_state_scorer_new(ptr::null(), grid, &mut s)
                    });
                    assert_eq!(r, tw::TW_ERR_NULL_ARGUMENT, "NULL reference");
                    assert!(s.is_null());
                }
                1 => {
                    let r = st("state_scorer_new", unsafe {
                        tw::tw_state_scorer_new(p, grid, ptr::null_mut())
                    });
                    assert_eq!(r, tw::TW_ERR_NULL_ARGUMENT, "NULL out");
                }
                _ => {
                    let r = st("state_scorer_new", unsafe {
                        tw::tw_state_scorer_new(p, grid, &mut s)
                    });
                    assert_eq!(r == tw::TW_OK, !s.is_null());
                    if grid > 1 << 24 {
                        assert_eq!(r, tw::TW_ERR_INVALID_INPUT, "cells {grid} past the cap");
                    }
                    if r == tw::TW_OK {
                        h.push_scorer(Scorer {
                            ptr: s,
                            generation: Some(h.generation),
                            cells: grid,
                        });
                    }
                }
            }
        }
        Call::ScorerState(i, feats, cut) => {
            let Some(sc) = h.scorer(i) else { return };
            let (sp, generation, grid) = (sc.ptr, sc.generation, sc.cells);
            let mut feats: Vec<(CString, Vec<f64>)> = feats
                .iter()
                .take(8)
                .map(|(n, v)| (n.c(), vals(v)))
                .collect();
            // A fuzzed length within the buffer: the first values only.
            if cut & 1 == 1
                && let Some(f) = feats.first_mut()
            {
                f.1.truncate(usize::from(cut >> 1));
            }
            let names: Vec<*const c_char> = feats.iter().map(|f| f.0.as_ptr()).collect();
            let ptrs: Vec<*const f64> = feats.iter().map(|f| f.1.as_ptr()).collect();
            let lens: Vec<usize> = feats.iter().map(|f| f.1.len()).collect();
            let mut s = ptr::null_mut();
            let r = st("state_scorer_state", unsafe {
                tw::tw_state_scorer_state(
                    sp,
                    names.as_ptr(),
                    ptrs.as_ptr(),
                    lens.as_ptr(),
                    feats.len(),
                    &mut s,
                )
            });
            assert_eq!(r == tw::TW_OK, !s.is_null());
            if generation == Some(h.generation) {
                // The scorer's state is the profile's, bit for bit.
                let p = h.profile();
                let (rc, c) = unsafe { compute_state(p, &feats, grid) };
                assert_eq!(
                    r, rc,
                    "scorer state vs tw_score_state_compute (cells {grid})"
                );
                if r == tw::TW_OK {
                    assert_eq!(
                        unsafe { state_bytes(s) },
                        unsafe { state_bytes(c) },
                        "scorer state bytes != tw_score_state_compute bytes"
                    );
                    // Its intervals hold the exact KS of these rows, and
                    // equal the profile's bit for bit.
                    unsafe {
                        bounds_hold(p, &feats, grid, |n, o| {
                            tw::tw_state_scorer_ks_bounds(sp, s, n, o)
                        });
                    }
                    for (name, _) in &feats {
                        let (mut a, mut b) = (
                            MaybeUninit::<tw::tw_ks_bounds>::uninit(),
                            MaybeUninit::<tw::tw_ks_bounds>::uninit(),
                        );
                        let ra = st("state_scorer_ks_bounds", unsafe {
                            tw::tw_state_scorer_ks_bounds(sp, s, name.as_ptr(), a.as_mut_ptr())
                        });
                        let rb = st("score_state_ks_bounds", unsafe {
                            tw::tw_score_state_ks_bounds(p, s, name.as_ptr(), b.as_mut_ptr())
                        });
                        assert_eq!(ra, rb, "ks_bounds of {name:?}: scorer vs profile");
                        if ra == tw::TW_OK {
                            // SAFETY: both written on TW_OK.
                            let (a, b) = unsafe { (a.assume_init(), b.assume_init()) };
                            assert_eq!(bound_bits(&a), bound_bits(&b), "{name:?}: {a:?} vs {b:?}");
                        }
                    }
                }
                if !c.is_null() {
                    unsafe { tw::tw_score_state_free(c) };
                }
            }
            if r == tw::TW_OK {
                h.push_state(s);
            }
        }
        Call::ScorerKsBounds(i, j, name) => {
            let Some(sc) = h.scorer(i) else { return };
            let Some(&s) = h.states.get(usize::from(j) % h.states.len().max(1)) else {
                return;
            };
            let (sp, generation) = (sc.ptr, sc.generation);
            let name = name.c();
            let mut a = MaybeUninit::<tw::tw_ks_bounds>::uninit();
            let ra = st("state_scorer_ks_bounds", unsafe {
                tw::tw_state_scorer_ks_bounds(sp, s, name.as_ptr(), a.as_mut_ptr())
            });
            if ra == tw::TW_OK {
                // SAFETY: written on TW_OK.
                let a = unsafe { a.assume_init() };
                assert!(a.statistic_lo <= a.statistic_hi, "{a:?}");
                if generation == Some(h.generation) {
                    // What the scorer reads, the profile it was made of reads
                    // the same, bit for bit.
                    let p = h.profile();
                    let mut b = MaybeUninit::<tw::tw_ks_bounds>::uninit();
                    let rb = st("score_state_ks_bounds", unsafe {
                        tw::tw_score_state_ks_bounds(p, s, name.as_ptr(), b.as_mut_ptr())
                    });
                    assert_eq!(rb, tw::TW_OK, "scorer read {name:?}, its profile did not");
                    // SAFETY: written on TW_OK.
                    let b = unsafe { b.assume_init() };
                    assert_eq!(bound_bits(&a), bound_bits(&b), "{name:?}: {a:?} vs {b:?}");
                }
            }
        }
        Call::ScorerSaveLoad(i, how, pos) => {
            let Some(sc) = h.scorer(i) else { return };
            let (sp, generation, grid) = (sc.ptr, sc.generation, sc.cells);
            let bytes = unsafe { scorer_file(sp, "s.twsc") };
            match how % 4 {
                // Save → load → save: the same file; the copy is kept.
                0 | 1 => {
                    let (r, c) = unsafe { scorer_from(&bytes, "copy.twsc") };
                    assert_eq!(r, tw::TW_OK, "a saved scorer loads back");
                    assert_eq!(
                        unsafe { scorer_file(c, "again.twsc") },
                        bytes,
                        "save → load → save"
                    );
                    h.push_scorer(Scorer {
                        ptr: c,
                        generation,
                        cells: grid,
                    });
                }
                // One byte flipped: refused as corrupt.
                2 => {
                    let mut b = bytes.clone();
                    let k = usize::from(pos) % b.len().max(1);
                    if let Some(x) = b.get_mut(k) {
                        *x ^= 1 << (pos >> 13);
                    }
                    let (r, _) = unsafe { scorer_from(&b, "flip.twsc") };
                    assert_eq!(r, tw::TW_ERR_CORRUPT, "byte {k} flipped");
                }
                // Truncated: refused as corrupt; a missing file is an I/O error.
                _ => {
                    let n = usize::from(pos) % bytes.len().max(1);
                    let (r, _) = unsafe { scorer_from(&bytes[..n], "short.twsc") };
                    assert_eq!(r, tw::TW_ERR_CORRUPT, "truncated to {n} bytes");
                    let missing = scratch_path("missing.twsc");
                    let mut s = ptr::null_mut();
                    let r = st("state_scorer_load", unsafe {
                        tw::tw_state_scorer_load(missing.as_ptr(), &mut s)
                    });
                    assert_eq!(r, tw::TW_ERR_IO, "missing scorer file");
                    assert!(s.is_null());
                }
            }
        }
        Call::ScorerLoadBytes(wrap, bytes) => {
            let b = if wrap {
                tradewarden_fuzz::wrap(b"TWSC", &bytes)
            } else {
                bytes
            };
            let (r, s) = unsafe { scorer_from(&b, "in.twsc") };
            if r == tw::TW_OK {
                // Accepted bytes save to bytes that load and save the same.
                let saved = unsafe { scorer_file(s, "in-saved.twsc") };
                let (r2, c) = unsafe { scorer_from(&saved, "in-copy.twsc") };
                assert_eq!(r2, tw::TW_OK, "re-saved scorer loads");
                assert_eq!(unsafe { scorer_file(c, "in-again.twsc") }, saved);
                unsafe { tw::tw_state_scorer_free(c) };
                h.push_scorer(Scorer {
                    ptr: s,
                    generation: None,
                    cells: 0,
                });
            }
        }
        Call::ScorerNulls(which, i, n) => {
            // NULL arguments, fuzzed array lengths and handles of another
            // type: a status, nothing written, nothing freed.
            let sp = h.scorer(i).map_or(ptr::null_mut(), |s| s.ptr);
            let st0 = h.states.first().copied().unwrap_or(ptr::null_mut());
            let name = cstr(b"x");
            let path = scratch_path("nulls.twsc");
            let mut out_s = ptr::null_mut();
            let mut out_st = ptr::null_mut();
            let mut b = MaybeUninit::<tw::tw_ks_bounds>::uninit();
            let n = usize::from(n);
            let (r, what) = match which % 10 {
                0 => (
                    unsafe { tw::tw_state_scorer_save(ptr::null(), path.as_ptr()) },
                    "save NULL scorer",
                ),
                1 if !sp.is_null() => (
                    unsafe { tw::tw_state_scorer_save(sp, ptr::null()) },
                    "save NULL path",
                ),
                2 => (
                    unsafe { tw::tw_state_scorer_load(ptr::null(), &mut out_s) },
                    "load NULL path",
                ),
                3 => (
                    unsafe { tw::tw_state_scorer_load(path.as_ptr(), ptr::null_mut()) },
                    "load NULL out",
                ),
                // n features behind NULL arrays (n 0: no features, the
                // pointers never read).
                4 if !sp.is_null() => {
                    let r = unsafe {
                        tw::tw_state_scorer_state(
                            sp,
                            ptr::null(),
                            ptr::null(),
                            ptr::null(),
                            n,
                            &mut out_st,
                        )
                    };
                    if n > 0 {
                        assert_ne!(r, tw::TW_OK, "{n} features behind NULL arrays");
                    }
                    (r, "state with NULL arrays")
                }
                5 => (
                    unsafe {
                        tw::tw_state_scorer_state(
                            ptr::null(),
                            ptr::null(),
                            ptr::null(),
                            ptr::null(),
                            0,
                            &mut out_st,
                        )
                    },
                    "state NULL scorer",
                ),
                6 if !sp.is_null() => {
                    // NULL values behind a fuzzed length, a NULL out.
                    let names = [name.as_ptr()];
                    let ptrs = [ptr::null::<f64>()];
                    let lens = [n];
                    let r = unsafe {
                        tw::tw_state_scorer_state(
                            sp,
                            names.as_ptr(),
                            ptrs.as_ptr(),
                            lens.as_ptr(),
                            1,
                            if n & 1 == 0 {
                                ptr::null_mut()
                            } else {
                                &mut out_st
                            },
                        )
                    };
                    (r, "state NULL values")
                }
                7 if !sp.is_null() => (
                    unsafe {
                        tw::tw_state_scorer_ks_bounds(
                            sp,
                            ptr::null(),
                            name.as_ptr(),
                            b.as_mut_ptr(),
                        )
                    },
                    "ks_bounds NULL state",
                ),
                8 if !st0.is_null() => (
                    unsafe {
                        tw::tw_state_scorer_ks_bounds(
                            if n & 1 == 0 || n & 7 == 7 {
                                ptr::null()
                            } else {
                                sp
                            },
                            st0,
                            if n & 2 == 0 {
                                ptr::null()
                            } else {
                                name.as_ptr()
                            },
                            if n & 4 == 0 {
                                ptr::null_mut()
                            } else {
                                b.as_mut_ptr()
                            },
                        )
                    },
                    "ks_bounds NULLs",
                ),
                9 if !st0.is_null() => {
                    // A score state passed as a scorer: another type's tag.
                    let r = unsafe {
                        tw::tw_state_scorer_ks_bounds(
                            st0.cast::<tw::tw_state_scorer>(),
                            st0,
                            name.as_ptr(),
                            b.as_mut_ptr(),
                        )
                    };
                    assert_eq!(r, tw::TW_ERR_INVALID_INPUT, "a state handle as a scorer");
                    (r, "ks_bounds wrong handle type")
                }
                _ => {
                    // Freeing NULL is a no-op; freeing a state as a scorer
                    // is refused (the reason is the last error) and the
                    // state stays live.
                    unsafe { tw::tw_state_scorer_free(ptr::null_mut()) };
                    if !st0.is_null() {
                        let before = unsafe { state_bytes(st0) };
                        unsafe { tw::tw_state_scorer_free(st0.cast::<tw::tw_state_scorer>()) };
                        assert!(
                            last_error().contains("nothing freed"),
                            "a state freed as a scorer: {}",
                            last_error()
                        );
                        assert_eq!(unsafe { state_bytes(st0) }, before, "the state changed");
                    }
                    return;
                }
            };
            st(what, r);
            assert!(out_s.is_null(), "{what}: a scorer written");
            if r == tw::TW_OK {
                assert!(!out_st.is_null());
                h.push_state(out_st);
            } else {
                assert!(out_st.is_null(), "{what}: a state written on status {r}");
            }
            if which % 10 != 4 && which % 10 != 6 {
                assert_ne!(r, tw::TW_OK, "{what}");
            }
        }
        Call::ScorerFree(i) => {
            if !h.scorers.is_empty() {
                let s = h.scorers.remove(usize::from(i) % h.scorers.len());
                unsafe { tw::tw_state_scorer_free(s.ptr) };
            }
        }
    }
}

/// Loads the artefacts before the call stream (see the module docs).
unsafe fn preamble(h: &mut Handles, parts: &[&[u8]]) {
    for part in parts {
        let Some((&kind, b)) = part.split_first() else {
            continue;
        };
        match kind {
            b'P' => unsafe { call(h, Call::ProfileLoadBytes(b.to_vec())) },
            b'E' => {
                let Some((&ext, text)) = b.split_first() else {
                    continue;
                };
                let text = String::from_utf8_lossy(text).into_owned();
                // SAFETY: as `call`.
                unsafe { call(h, Call::EngineNew(text, ext, Num::Raw(1e6))) }
            }
            b'S' => unsafe { call(h, Call::StateFromBytes(false, b.to_vec())) },
            b'C' => unsafe { call(h, Call::ScorerLoadBytes(false, b.to_vec())) },
            _ => {}
        }
    }
}

/// Prints the decoded calls of every input (`TW_FUZZ_TRACE=1`, read once):
/// how to see what a seed does.
fn trace() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TW_FUZZ_TRACE").is_some())
}

fuzz_target!(|data: &[u8]| {
    let mut h = Handles::default();
    let parts = tradewarden_fuzz::parts(data, 5);
    let (calls, artefacts) = parts.split_last().expect("parts returns one part at least");
    // SAFETY: `call` keeps every pointer it passes within the contract.
    unsafe { preamble(&mut h, artefacts) };
    let mut u = Unstructured::new(calls);
    for _ in 0..32 {
        let Ok(c) = Call::arbitrary(&mut u) else {
            break;
        };
        if trace() {
            eprintln!("call {c:?}");
        }
        // SAFETY: `call` keeps every pointer it passes within the contract.
        unsafe { call(&mut h, c) };
        if u.is_empty() {
            break;
        }
    }
});
