//! The compact binary payload of a [`Profile`] (little-endian):
//!
//! ```text
//! u32 feature count, then per feature:
//!   str name, u8 kind (0 numeric, 1 categorical)
//!   numeric:  options, vec<f64> edges, vec<u64> counts, u64 count, u64 nan_count,
//!             f64 min, max, mean, m2, vec<f64> reference
//!   categorical: u32 k, k × (str name, u64 count), u64 count, u64 missing
//! options: u8 strategy (0 quantile, 1 equal-width, 2 sturges, 3 explicit)
//!          + u64 bins | vec<f64> edges; u8 nan_policy (0 error, 1 skip, 2 propagate);
//!          u8 keep_reference
//! str = u64 length + UTF-8 bytes; vec = u64 length + elements.
//! ```
//!
//! Decoding checks only the framing (lengths within the payload, tags);
//! `Profile::from_bytes` then runs `Profile::validate` on the result. The
//! payload of a profile is also its canonical serialization: the JSON form's
//! `checksum` is the FNV-1a of these bytes.

use std::collections::BTreeMap;

use tradewarden_core::NanPolicy;

use crate::error::{Error, Result};
use crate::profile::{
    BinStrategy, CategoricalProfile, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};

/// 64-bit FNV-1a hash (checksum of the payload).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn put_u64(o: &mut Vec<u8>, v: u64) {
    o.extend_from_slice(&v.to_le_bytes());
}
/// Writes `v`, any NaN as the canonical quiet NaN (so that the payload, and
/// the JSON checksum computed over it, do not depend on NaN payload bits,
/// which JSON's "nan" cannot carry).
fn put_f64(o: &mut Vec<u8>, v: f64) {
    let v = if v.is_nan() { f64::NAN } else { v };
    o.extend_from_slice(&v.to_le_bytes());
}
fn put_str(o: &mut Vec<u8>, s: &str) {
    put_u64(o, s.len() as u64);
    o.extend_from_slice(s.as_bytes());
}
fn put_vf(o: &mut Vec<u8>, v: &[f64]) {
    put_u64(o, v.len() as u64);
    for &x in v {
        put_f64(o, x);
    }
}

fn put_options(o: &mut Vec<u8>, opt: &ProfileOptions) {
    match &opt.bins {
        BinStrategy::Quantile { bins } => {
            o.push(0);
            put_u64(o, *bins as u64);
        }
        BinStrategy::EqualWidth { bins } => {
            o.push(1);
            put_u64(o, *bins as u64);
        }
        BinStrategy::Sturges => o.push(2),
        BinStrategy::Explicit { edges } => {
            o.push(3);
            put_vf(o, edges);
        }
    }
    o.push(match opt.nan_policy {
        NanPolicy::Error => 0,
        NanPolicy::Skip => 1,
        NanPolicy::Propagate => 2,
    });
    o.push(u8::from(opt.keep_reference));
}

pub(crate) fn encode_profile(p: &Profile, o: &mut Vec<u8>) {
    o.extend_from_slice(&(p.features.len() as u32).to_le_bytes());
    for (name, f) in &p.features {
        put_str(o, name);
        match f {
            FeatureProfile::Numeric(n) => {
                o.push(0);
                put_options(o, &n.options);
                put_vf(o, &n.edges);
                put_u64(o, n.counts.len() as u64);
                for &c in &n.counts {
                    put_u64(o, c);
                }
                put_u64(o, n.count);
                put_u64(o, n.nan_count);
                for v in [n.min, n.max, n.mean, n.m2] {
                    put_f64(o, v);
                }
                put_vf(o, &n.reference);
            }
            FeatureProfile::Categorical(c) => {
                o.push(1);
                o.extend_from_slice(&(c.counts.len() as u32).to_le_bytes());
                for (k, v) in &c.counts {
                    put_str(o, k);
                    put_u64(o, *v);
                }
                put_u64(o, c.count);
                put_u64(o, c.missing);
            }
        }
    }
    // optional provenance trailer: absent in profiles without it, so their
    // payload (and checksum) is the one written before it existed
    if let Some(r) = &p.reference_rows {
        o.extend_from_slice(ROWS_TAG);
        put_u64(o, r.start);
        put_u64(o, r.end);
    }
}

/// Tag of the optional `reference_rows` trailer of a profile payload.
const ROWS_TAG: &[u8; 4] = b"ROWS";

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

fn corrupt(reason: &str) -> Error {
    Error::Corrupt {
        artefact: crate::error::Artefact::Profile,
        what: "profile binary",
        reason: reason.to_string(),
    }
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| corrupt("truncated payload"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(a))
    }
    fn u64(&mut self) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn len(&mut self, elem: usize) -> Result<usize> {
        let n = self.u64()?;
        let n = usize::try_from(n).map_err(|_| corrupt("length overflow"))?;
        if n.checked_mul(elem)
            .is_none_or(|t| t > self.b.len() - self.pos)
        {
            return Err(corrupt("length exceeds payload"));
        }
        Ok(n)
    }
    /// A bin count; its range is checked by `Profile::validate`.
    fn bins(&mut self) -> Result<usize> {
        usize::try_from(self.u64()?).map_err(|_| corrupt("bins overflow usize"))
    }
    fn str(&mut self) -> Result<String> {
        let n = self.len(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt("invalid UTF-8 in name"))
    }
    fn vf(&mut self) -> Result<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
    fn options(&mut self) -> Result<ProfileOptions> {
        let bins = match self.u8()? {
            0 => BinStrategy::Quantile { bins: self.bins()? },
            1 => BinStrategy::EqualWidth { bins: self.bins()? },
            2 => BinStrategy::Sturges,
            3 => BinStrategy::Explicit { edges: self.vf()? },
            _ => return Err(corrupt("unknown bin strategy tag")),
        };
        let nan_policy = match self.u8()? {
            0 => NanPolicy::Error,
            1 => NanPolicy::Skip,
            2 => NanPolicy::Propagate,
            _ => return Err(corrupt("unknown nan_policy tag")),
        };
        let keep_reference = match self.u8()? {
            0 => false,
            1 => true,
            _ => return Err(corrupt("bad keep_reference flag")),
        };
        Ok(ProfileOptions {
            bins,
            nan_policy,
            keep_reference,
        })
    }
}

pub(crate) fn decode_profile(b: &[u8]) -> Result<Profile> {
    let mut r = Reader { b, pos: 0 };
    let nf = r.u32()?;
    let mut features = BTreeMap::new();
    for _ in 0..nf {
        let name = r.str()?;
        let f = match r.u8()? {
            0 => {
                let options = r.options()?;
                let edges = r.vf()?;
                let nc = r.len(8)?;
                let counts = (0..nc).map(|_| r.u64()).collect::<Result<Vec<_>>>()?;
                let count = r.u64()?;
                let nan_count = r.u64()?;
                let (min, max, mean, m2) = (r.f64()?, r.f64()?, r.f64()?, r.f64()?);
                let reference = r.vf()?;
                FeatureProfile::Numeric(NumericProfile {
                    options,
                    edges,
                    counts,
                    count,
                    nan_count,
                    min,
                    max,
                    mean,
                    m2,
                    reference,
                })
            }
            1 => {
                let k = r.u32()?;
                let mut counts = BTreeMap::new();
                for _ in 0..k {
                    let key = r.str()?;
                    counts.insert(key, r.u64()?);
                }
                let count = r.u64()?;
                let missing = r.u64()?;
                FeatureProfile::Categorical(CategoricalProfile {
                    counts,
                    count,
                    missing,
                })
            }
            _ => return Err(corrupt("unknown feature kind tag")),
        };
        features.insert(name, f);
    }
    let mut reference_rows = None;
    if b.len() - r.pos == 4 + 16 && &b[r.pos..r.pos + 4] == ROWS_TAG {
        r.pos += 4;
        let (start, end) = (r.u64()?, r.u64()?);
        reference_rows = Some(start..end);
    }
    if r.pos != b.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(Profile {
        format_version: crate::profile::PROFILE_FORMAT_VERSION,
        features,
        reference_rows,
    })
}
