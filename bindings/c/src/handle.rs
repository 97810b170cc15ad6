//! Opaque handles with a magic tag, and the checked construction of slices
//! from a caller's pointer and length.
//!
//! Every opaque handle type (`tw_profile`, `tw_monitor`, `tw_report`,
//! `tw_engine`, `tw_journal`, `tw_predictor`, `tw_registry`) is a one-field
//! tuple struct around [`Tagged`], whose first field is a `u64` tag unique to
//! the type (checked at compile time to sit at offset 0 of the handle). Every
//! entry point goes through [`live`] / [`live_mut`], which refuse a NULL
//! pointer (`TW_ERR_NULL_ARGUMENT`), a misaligned one and one whose tag is
//! not the type's (`TW_ERR_INVALID_INPUT`, "… is not a live tw_xxx handle");
//! [`free`] checks the tag, overwrites it with [`DEAD`] and only then frees,
//! so a double free or a use after free is *detected where possible*: the
//! memory of a freed handle belongs to the allocator, which may reuse it (a
//! new handle of the same type at the same address passes the check), so
//! this is best effort, not a guarantee (docs/c-api.md, "Handles").

use std::mem::MaybeUninit;

use crate::{Failure, TW_ERR_INVALID_INPUT, null, set_last_error};

/// The tag `_free` writes over a handle's own before freeing it.
pub(crate) const DEAD: u64 = u64::from_be_bytes(*b"tw:DEAD!");

/// A handle's tag followed by its value; `repr(C)`, so the tag is first.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct Tagged<T> {
    magic: u64,
    value: T,
}

impl<T> Tagged<T> {
    pub(crate) const fn new(magic: u64, value: T) -> Self {
        Tagged { magic, value }
    }
    pub(crate) fn value(&self) -> &T {
        &self.value
    }
    pub(crate) fn value_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// An opaque handle type of the C ABI.
///
/// # Safety
/// Implement it only with [`handle!`]: the type must be a one-field tuple
/// struct around `Tagged<Self::Inner>` tagged with `MAGIC` (the macro
/// asserts the field's offset is 0, so a handle pointer is a pointer to its
/// `u64` tag).
pub(crate) unsafe trait Handle: Sized {
    /// The Rust value behind the handle.
    type Inner;
    /// The tag of a live handle of this type.
    const MAGIC: u64;
    /// The C type name, for messages (`tw_engine`).
    const NAME: &'static str;
    /// A new handle value (tagged `MAGIC`).
    fn wrap(value: Self::Inner) -> Self;
    /// The value behind the handle.
    fn get(&self) -> &Self::Inner;
    /// The value behind the handle, mutably.
    fn get_mut(&mut self) -> &mut Self::Inner;
}

/// `handle!(tw_engine, Session, b"twENGINE")`: implements [`Handle`] for the
/// tuple struct `tw_engine(Tagged<Session>)` with the tag of the 8 bytes
/// (big-endian), and asserts at compile time that the tag is at offset 0.
macro_rules! handle {
    ($t:ident, $inner:ty, $tag:literal) => {
        // SAFETY: `$t` is `struct $t(Tagged<$inner>)`; the offset is asserted below.
        unsafe impl $crate::handle::Handle for $t {
            type Inner = $inner;
            const MAGIC: u64 = u64::from_be_bytes(*$tag);
            const NAME: &'static str = stringify!($t);
            fn wrap(value: $inner) -> Self {
                $t($crate::handle::Tagged::new(
                    <Self as $crate::handle::Handle>::MAGIC,
                    value,
                ))
            }
            fn get(&self) -> &$inner {
                self.0.value()
            }
            fn get_mut(&mut self) -> &mut $inner {
                self.0.value_mut()
            }
        }
        const _: () = assert!(std::mem::offset_of!($t, 0) == 0);
    };
}
pub(crate) use handle;

fn not_live<H: Handle>(param: &str, why: &str) -> Failure {
    Failure(
        TW_ERR_INVALID_INPUT,
        format!("{param} is not a live {} handle: {why}", H::NAME),
    )
}

/// Checks that `p` is a live handle of type `H`: non-NULL
/// (`TW_ERR_NULL_ARGUMENT`), aligned and tagged `H::MAGIC`
/// (`TW_ERR_INVALID_INPUT` otherwise, the message naming `param`).
///
/// # Safety
/// `p` must be NULL or point to at least 8 readable bytes — a handle of this
/// library. A freed handle breaks that contract: the check then reads memory
/// the allocator owns and detects it on a best-effort basis only.
pub(crate) unsafe fn check<H: Handle>(p: *const H, param: &str) -> Result<(), Failure> {
    if p.is_null() {
        return Err(null(param));
    }
    let tag = p.cast::<u64>();
    if !tag.is_aligned() {
        return Err(not_live::<H>(
            param,
            &format!("{p:p} is not aligned to 8 bytes"),
        ));
    }
    // SAFETY: non-NULL, aligned, and by the caller's contract valid for 8
    // reads; every handle starts with its u64 tag (offset asserted at compile
    // time). Volatile: the read must happen even where the compiler could
    // prove the value (it cannot see a free through C).
    match unsafe { tag.read_volatile() } {
        m if m == H::MAGIC => Ok(()),
        DEAD => Err(not_live::<H>(param, "it was freed (use after free)")),
        0 => Err(not_live::<H>(param, "its tag is 0 (zeroed memory?)")),
        _ => Err(not_live::<H>(
            param,
            "wrong tag (freed and reused, corrupted, or another type's handle)",
        )),
    }
}

/// The value behind a live handle (see [`check`]).
///
/// # Safety
/// As [`check`]; a live handle must not be mutated concurrently (the type's
/// threading rules in the header).
pub(crate) unsafe fn live<'a, H: Handle + 'a>(
    p: *const H,
    param: &str,
) -> Result<&'a H::Inner, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { check(p, param)? };
    // SAFETY: a live handle of type H (checked above), shared by the contract.
    Ok(unsafe { (*p).get() })
}

/// The value behind a live handle, mutably (see [`check`]).
///
/// # Safety
/// As [`check`]; the handle must not be used by another call at the same time.
pub(crate) unsafe fn live_mut<'a, H: Handle + 'a>(
    p: *mut H,
    param: &str,
) -> Result<&'a mut H::Inner, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { check(p, param)? };
    // SAFETY: a live handle of type H (checked above), exclusive by the contract.
    Ok(unsafe { (*p).get_mut() })
}

/// A new heap handle around `value`, tagged live; the caller owns it until
/// [`free`].
pub(crate) fn into_raw<H: Handle>(value: H::Inner) -> *mut H {
    Box::into_raw(Box::new(H::wrap(value)))
}

/// Writes a new handle around `value` to the out-parameter `out`
/// (`TW_ERR_NULL_ARGUMENT` naming `out` when NULL, and then nothing is
/// allocated).
///
/// # Safety
/// `out` must be NULL or valid for one write.
pub(crate) unsafe fn give<H: Handle>(out: *mut *mut H, value: H::Inner) -> Result<(), Failure> {
    if out.is_null() {
        return Err(null("out"));
    }
    // SAFETY: non-NULL; valid for one write by the caller's contract.
    unsafe { out.write(into_raw::<H>(value)) };
    Ok(())
}

/// The body of every `tw_xxx_free`: NULL is a no-op; a pointer that is not a
/// live handle of type `H` is left alone (nothing freed) and the reason is
/// the thread's last error message (the function returns nothing); a live
/// one is tagged [`DEAD`] and then freed. A panic in a destructor is caught.
///
/// # Safety
/// `p` must be NULL or a handle of this library not in use by another call.
pub(crate) unsafe fn free<H: Handle>(p: *mut H, param: &str) {
    if p.is_null() {
        return;
    }
    // A panic (in a destructor, or anywhere) must not unwind into C.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: forwarded caller contract.
        if let Err(Failure(_, msg)) = unsafe { check(p, param) } {
            set_last_error(format!("{}_free: {msg}; nothing freed", H::NAME));
            return;
        }
        // SAFETY: a live handle (checked), not in use (contract). Volatile:
        // a plain store right before the deallocation is a dead store the
        // compiler may remove.
        unsafe { p.cast::<u64>().write_volatile(DEAD) };
        // SAFETY: from Box::into_raw (into_raw), live until now (contract).
        drop(unsafe { Box::from_raw(p) });
    }));
}

/// Checks that `len` elements of `T` at `ptr` could be one Rust slice: the
/// byte length `len × size_of::<T>()` does not overflow and is at most
/// `isize::MAX`, the range does not wrap the address space, and `ptr` is
/// aligned for `T`. `TW_ERR_INVALID_INPUT` naming `name` otherwise. `ptr`
/// must be non-NULL (checked by the callers, which report NULL as
/// `TW_ERR_NULL_ARGUMENT`).
pub(crate) fn check_len<T>(ptr: *const T, len: usize, name: &str) -> Result<(), Failure> {
    let size = std::mem::size_of::<T>();
    let bytes = len
        .checked_mul(size)
        .filter(|b| isize::try_from(*b).is_ok())
        .ok_or_else(|| {
            Failure(
                TW_ERR_INVALID_INPUT,
                format!(
                    "invalid length of {name} = {len}: {len} × {size} bytes exceeds PTRDIFF_MAX (isize::MAX)"
                ),
            )
        })?;
    if ptr.addr().checked_add(bytes).is_none() {
        return Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "invalid length of {name} = {len}: {ptr:p} + {bytes} bytes wraps the address space"
            ),
        ));
    }
    if !ptr.is_aligned() {
        return Err(Failure(
            TW_ERR_INVALID_INPUT,
            format!(
                "{name} = {ptr:p} is not aligned to {} bytes",
                std::mem::align_of::<T>()
            ),
        ));
    }
    Ok(())
}

/// The caller's `len` elements at `ptr` as a slice: NULL is
/// `TW_ERR_NULL_ARGUMENT` (even when `len` is 0), a length or alignment that
/// cannot be a slice `TW_ERR_INVALID_INPUT` ([`check_len`]).
///
/// # Safety
/// `ptr` must be NULL or valid for `len` reads of initialised `T`, not
/// written during the call.
pub(crate) unsafe fn slice_in<'a, T>(
    ptr: *const T,
    len: usize,
    name: &str,
) -> Result<&'a [T], Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    check_len(ptr, len, name)?;
    // SAFETY: non-NULL, aligned, len × size ≤ isize::MAX without wrapping
    // (checked above), valid for len reads by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The caller's buffer of `len` elements at `ptr` as a mutable slice of
/// possibly uninitialised elements, with the checks of [`slice_in`].
///
/// # Safety
/// `ptr` must be NULL or valid for `len` writes of `T` and not used by
/// anything else during the call.
pub(crate) unsafe fn slice_out<'a, T>(
    ptr: *mut T,
    len: usize,
    name: &str,
) -> Result<&'a mut [MaybeUninit<T>], Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    check_len(ptr, len, name)?;
    // SAFETY: as slice_in; exclusive and valid for writes by the caller's
    // contract. MaybeUninit: the caller's memory may be uninitialised.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast::<MaybeUninit<T>>(), len) })
}

/// Copies `src` into the start of `dst` (which must be at least as long).
pub(crate) fn copy_into<T: Copy>(dst: &mut [MaybeUninit<T>], src: &[T]) {
    for (d, s) in dst.iter_mut().zip(src) {
        d.write(*s);
    }
}
