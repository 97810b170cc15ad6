//! The MLP forward pass on the CPU, without burn's tensor machinery.
//!
//! On the flex CPU device an [`Mlp`](crate::Mlp) runs through this module: its
//! weights are copied once, at load, into a [`DensePlan`], and each forward
//! pass is a register-blocked `y = act(x · W + b)` per layer, vectorised with
//! [`pulp`] (AVX-512 when the CPU has it, AVX2+FMA otherwise, scalar elsewhere;
//! chosen at run time by [`tradewarden_core::simd::arch`], which
//! `TRADEWARDEN_SIMD=scalar|avx2|avx512|auto` overrides; safe code), over
//! tiles of at most [`TILE_ROWS`] rows
//! whose activations live in per-thread scratch buffers that are reused
//! across calls. A batch of several tiles is shared between the calling
//! thread and rayon's pool.
//!
//! Why not burn's own ops here: measured on the 2-core AMD EPYC (Zen 5) dev
//! machine, MLP 64→128→128→3, one thread, median — burn flex: 4.1 µs at batch
//! 1 and 1.21 ms at batch 1024 (534 µs once glibc stops returning its
//! per-op 512 KiB buffers to the OS); the `gemm` crate it uses, called
//! directly with its AVX-512 kernels and caller-owned buffers: 2.1 µs and
//! 336 µs; this kernel: 0.70 µs and 235 µs (onnxruntime's MLAS: 257 µs). The
//! gap at batch 1 is per-op dispatch and allocation; at batch 1024 it is the
//! final 128→3 layer, which a GEMM tiles for wide outputs (24 µs of the
//! 336), computed here as dot products (≈ 4 µs). docs/performance.md has the
//! current figures.
//!
//! Numerics: each output is `b + Σ_k x_k·w_k` accumulated in `f32` with fused
//! multiply-adds, in `k` order for wide layers and in lane-strided partial
//! sums for narrow ones (≤ 4 outputs), so results differ from burn's (and
//! PyTorch's) in the last bits only; the tests hold them to 1e-5 of burn.
//! The lane count differs by path (16, 8 or 1 `f32`), and with it the order
//! of the narrow layers' sums, and the scalar path multiplies and adds with
//! two roundings instead of one FMA, so the same weights give outputs that
//! differ in the last bits from one CPU to another (docs/conventions.md,
//! "Results across CPUs"); on one CPU and path they are deterministic.
//! ReLU propagates NaN as burn does; the other activations are applied
//! element-wise after the layer with the same formulas as burn.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::LocalKey;

use pulp::{Arch, Simd, WithSimd};

use crate::model::{Activation, OutputKind, postprocess};

/// Rows per tile: the unit of scratch reuse and of parallel work. 256 rows ×
/// 128 activations × 4 bytes = 128 KiB per buffer, which stays in L2.
pub(crate) const TILE_ROWS: usize = 256;

/// Rows per job when a batch is shared between threads (≈ 15 µs of work for
/// the 64→128→128→3 bench model).
const PAR_ROWS: usize = 64;

/// Register block: rows per micro-kernel call.
const MR: usize = 6;

/// Layers with at most this many outputs are computed as dot products over a
/// transposed copy of the weights.
const NARROW: usize = 4;

/// One linear layer: `w` is `[k][n]` row-major (burn's `[in, out]`), `wt` its
/// transpose `[n][k]` (kept only for narrow layers), `b` the bias.
#[derive(Clone)]
struct Layer {
    k: usize,
    n: usize,
    w: Vec<f32>,
    wt: Vec<f32>,
    b: Vec<f32>,
}

/// An MLP's weights laid out for the CPU kernel.
#[derive(Clone)]
pub(crate) struct DensePlan {
    layers: Vec<Layer>,
    activation: Activation,
    output_kind: OutputKind,
    input: usize,
    output: usize,
    /// Widest hidden layer (scratch width); 0 when there is none.
    hidden_max: usize,
    arch: Arch,
}

impl std::fmt::Debug for DensePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shapes: Vec<(usize, usize)> = self.layers.iter().map(|l| (l.k, l.n)).collect();
        f.debug_struct("DensePlan")
            .field("layers", &shapes)
            .field("activation", &self.activation)
            .field("output_kind", &self.output_kind)
            .finish_non_exhaustive()
    }
}

impl DensePlan {
    /// A plan from per-layer `(w [k][n], b [n])`; shapes are validated by the
    /// caller (the model's config).
    pub(crate) fn new(
        layers: Vec<(usize, usize, Vec<f32>, Vec<f32>)>,
        activation: Activation,
        output_kind: OutputKind,
    ) -> Self {
        let input = layers.first().map_or(0, |l| l.0);
        let output = layers.last().map_or(0, |l| l.1);
        let hidden_max = layers
            .iter()
            .take(layers.len().saturating_sub(1))
            .map(|l| l.1)
            .max()
            .unwrap_or(0);
        let layers = layers
            .into_iter()
            .map(|(k, n, w, b)| {
                let wt = if n <= NARROW {
                    let mut t = vec![0.0f32; k * n];
                    for p in 0..k {
                        for j in 0..n {
                            t[j * k + p] = w[p * n + j];
                        }
                    }
                    t
                } else {
                    Vec::new()
                };
                Layer { k, n, w, wt, b }
            })
            .collect();
        DensePlan {
            layers,
            activation,
            output_kind,
            input,
            output,
            hidden_max,
            arch: tradewarden_core::simd::arch(),
        }
    }

    /// Forward pass of `rows` rows (`x.len() == rows × input`, checked by the
    /// caller) into `out` (`rows × output`), post-processing included.
    pub(crate) fn forward(&self, x: &[f32], rows: usize, out: &mut [f32]) {
        self.tiles(x, rows, out, |xt, ot| self.tile(xt, ot));
    }

    /// As [`DensePlan::forward`] over `f64` features, converted to `f32` one
    /// tile at a time in scratch.
    pub(crate) fn forward_f64(&self, x: &[f64], rows: usize, out: &mut [f32]) {
        self.tiles(x, rows, out, |xt, ot| {
            with_scratch(&SCRATCH_IN, xt.len(), |buf| {
                for (d, s) in buf.iter_mut().zip(xt) {
                    *d = *s as f32;
                }
                self.tile(buf, ot);
            });
        });
    }

    /// Runs `f` over the batch one tile at a time. A batch of more than one
    /// tile is cut into jobs of [`PAR_ROWS`] rows that the calling thread and
    /// `threads − 1` tasks spawned into the current rayon pool claim one at a
    /// time (`in_place_scope`): the caller starts at once, and a pool thread
    /// that wakes late simply claims fewer jobs. (Batch 1024 on two threads:
    /// 139 µs in the Rust bench against 231 µs on one; from Python this
    /// scheme and two fixed halves both measured 172–181 µs.)
    fn tiles<T: Sync>(
        &self,
        x: &[T],
        rows: usize,
        out: &mut [f32],
        f: impl Fn(&[T], &mut [f32]) + Sync,
    ) {
        let (k0, n) = (self.input, self.output);
        let threads = rayon::current_num_threads().min(rows.div_ceil(PAR_ROWS));
        if rows <= TILE_ROWS || threads <= 1 {
            for (xt, ot) in x.chunks(TILE_ROWS * k0).zip(out.chunks_mut(TILE_ROWS * n)) {
                f(xt, ot);
            }
            return;
        }
        type Job<'a, T> = Mutex<Option<(&'a [T], &'a mut [f32])>>;
        let jobs: Vec<Job<'_, T>> = x
            .chunks(PAR_ROWS * k0)
            .zip(out.chunks_mut(PAR_ROWS * n))
            .map(|job| Mutex::new(Some(job)))
            .collect();
        let next = AtomicUsize::new(0);
        let work = || {
            while let Some(slot) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                // `f` runs after the guard is dropped, so the lock cannot be
                // poisoned; recover the value anyway rather than skip a job.
                let job = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
                if let Some((xt, ot)) = job {
                    f(xt, ot);
                }
            }
        };
        let work = &work;
        rayon::in_place_scope(|s| {
            for _ in 1..threads {
                s.spawn(move |_| work());
            }
            work();
        });
    }

    /// One tile (≤ TILE_ROWS rows): every layer, hidden activations ping-pong
    /// between two scratch buffers, the last layer writes `out`.
    fn tile(&self, x: &[f32], out: &mut [f32]) {
        #[derive(Clone, Copy, PartialEq)]
        enum Buf {
            X,
            A,
            B,
        }
        let rows = x.len() / self.input.max(1);
        let last = self.layers.len().saturating_sub(1);
        let run = |layer: &Layer, hidden: bool, src: &[f32], dst: &mut [f32]| {
            let relu = hidden && self.activation == Activation::Relu;
            self.arch.dispatch(Kernel {
                rows,
                layer,
                x: src,
                y: dst,
                relu,
            });
            if hidden {
                apply_activation(self.activation, dst);
            }
        };
        let width = rows * self.hidden_max;
        with_scratch(&SCRATCH_A, width, |a| {
            with_scratch(&SCRATCH_B, width, |b| {
                let mut cur = Buf::X;
                for (i, layer) in self.layers.iter().enumerate() {
                    let (ins, span, hidden) = (rows * layer.k, rows * layer.n, i < last);
                    match (cur, hidden) {
                        (Buf::X, false) => run(layer, false, x, &mut out[..span]),
                        (Buf::A, false) => run(layer, false, &a[..ins], &mut out[..span]),
                        (Buf::B, false) => run(layer, false, &b[..ins], &mut out[..span]),
                        (Buf::X, true) | (Buf::B, true) => {
                            let src = if cur == Buf::X { x } else { &b[..ins] };
                            run(layer, true, src, &mut a[..span]);
                            cur = Buf::A;
                        }
                        (Buf::A, true) => {
                            run(layer, true, &a[..ins], &mut b[..span]);
                            cur = Buf::B;
                        }
                    }
                }
            });
        });
        postprocess(self.output_kind, self.output, out);
    }
}

/// Element-wise hidden activation, burn's formulas (ReLU is fused into the
/// kernel).
fn apply_activation(act: Activation, v: &mut [f32]) {
    match act {
        Activation::Relu => {}
        Activation::Tanh => v.iter_mut().for_each(|x| *x = x.tanh()),
        Activation::Sigmoid => v.iter_mut().for_each(|x| *x = 1.0 / (1.0 + (-*x).exp())),
        Activation::Gelu => v.iter_mut().for_each(|x| {
            *x = 0.5 * *x * (1.0 + libm::erff(*x / std::f32::consts::SQRT_2));
        }),
        Activation::Silu => v.iter_mut().for_each(|x| *x /= 1.0 + (-*x).exp()),
    }
}

// ---------------------------------------------------------------------------
// Per-thread scratch.

thread_local! {
    static SCRATCH_A: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
    static SCRATCH_B: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
    static SCRATCH_IN: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Runs `f` on a per-thread scratch buffer of `len` floats (contents
/// unspecified). The buffer is taken out of its slot for the call and put
/// back after, so a nested use of the same slot (none exists) or a thread
/// being torn down would only cost a fresh allocation, never a panic.
fn with_scratch<R>(
    slot: &'static LocalKey<Cell<Vec<f32>>>,
    len: usize,
    f: impl FnOnce(&mut [f32]) -> R,
) -> R {
    let mut buf = slot.try_with(Cell::take).unwrap_or_default();
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    let r = f(&mut buf[..len]);
    // Ignored error: the thread's storage is being destroyed; the buffer is
    // then simply dropped.
    let _ = slot.try_with(|c| c.set(buf));
    r
}

// ---------------------------------------------------------------------------
// Kernels.

struct Kernel<'a> {
    rows: usize,
    layer: &'a Layer,
    x: &'a [f32],
    y: &'a mut [f32],
    relu: bool,
}

impl WithSimd for Kernel<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Kernel {
            rows,
            layer,
            x,
            y,
            relu,
        } = self;
        let (k, n) = (layer.k, layer.n);
        if n <= NARROW {
            let wt = &layer.wt;
            let b = &layer.b;
            match n {
                1 => dot_rows::<S, 1>(simd, rows, k, x, wt, b, y, relu),
                2 => dot_rows::<S, 2>(simd, rows, k, x, wt, b, y, relu),
                3 => dot_rows::<S, 3>(simd, rows, k, x, wt, b, y, relu),
                _ => dot_rows::<S, 4>(simd, rows, k, x, wt, b, y, relu),
            }
            return;
        }
        let l = S::F32_LANES;
        // Four vectors per block where the register file holds 6 × 4
        // accumulators (32 registers with AVX-512), two otherwise.
        let mut j = 0;
        if l >= 16 {
            while j + 4 * l <= n {
                rows_loop::<S, 4>(simd, rows, k, n, j, x, layer, y, relu);
                j += 4 * l;
            }
        } else {
            while j + 2 * l <= n {
                rows_loop::<S, 2>(simd, rows, k, n, j, x, layer, y, relu);
                j += 2 * l;
            }
        }
        while j + l <= n {
            rows_loop::<S, 1>(simd, rows, k, n, j, x, layer, y, relu);
            j += l;
        }
        if j < n {
            let mut r = 0;
            while r + MR <= rows {
                micro_tail::<S, MR>(simd, k, n, j, &x[r * k..], layer, &mut y[r * n..], relu);
                r += MR;
            }
            for r in r..rows {
                micro_tail::<S, 1>(simd, k, n, j, &x[r * k..], layer, &mut y[r * n..], relu);
            }
        }
    }
}

/// ReLU that keeps NaN (x86 `max` returns its second operand when either is
/// NaN).
#[inline(always)]
fn relu_v<S: Simd>(simd: S, v: S::f32s) -> S::f32s {
    simd.max_f32s(simd.splat_f32s(0.0), v)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn rows_loop<S: Simd, const C: usize>(
    simd: S,
    rows: usize,
    k: usize,
    n: usize,
    j: usize,
    x: &[f32],
    layer: &Layer,
    y: &mut [f32],
    relu: bool,
) {
    let mut r = 0;
    while r + MR <= rows {
        micro::<S, MR, C>(simd, k, n, j, &x[r * k..], layer, &mut y[r * n..], relu);
        r += MR;
    }
    let (x, y) = (&x[r * k..], &mut y[r * n..]);
    match rows - r {
        0 => {}
        1 => micro::<S, 1, C>(simd, k, n, j, x, layer, y, relu),
        2 => micro::<S, 2, C>(simd, k, n, j, x, layer, y, relu),
        3 => micro::<S, 3, C>(simd, k, n, j, x, layer, y, relu),
        4 => micro::<S, 4, C>(simd, k, n, j, x, layer, y, relu),
        _ => micro::<S, 5, C>(simd, k, n, j, x, layer, y, relu),
    }
}

/// `R` rows × `C` full vectors of outputs starting at column `j`: the
/// accumulators stay in registers over the whole `k` loop; each step loads
/// `C` weight vectors and broadcasts one input per row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn micro<S: Simd, const R: usize, const C: usize>(
    simd: S,
    k: usize,
    n: usize,
    j: usize,
    x: &[f32],
    layer: &Layer,
    y: &mut [f32],
    relu: bool,
) {
    let l = S::F32_LANES;
    let (bv, _) = S::as_simd_f32s(&layer.b[j..j + C * l]);
    let init: [S::f32s; C] = core::array::from_fn(|c| bv[c]);
    let mut acc: [[S::f32s; C]; R] = [init; R];
    let xr: [&[f32]; R] = core::array::from_fn(|r| &x[r * k..(r + 1) * k]);
    let w = &layer.w;
    for p in 0..k {
        let (wv, _) = S::as_simd_f32s(&w[p * n + j..p * n + j + C * l]);
        let wv: [S::f32s; C] = core::array::from_fn(|c| wv[c]);
        for r in 0..R {
            let xv = simd.splat_f32s(xr[r][p]);
            for c in 0..C {
                acc[r][c] = simd.mul_add_e_f32s(xv, wv[c], acc[r][c]);
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        let (yv, _) = S::as_mut_simd_f32s(&mut y[r * n + j..r * n + j + C * l]);
        for c in 0..C {
            yv[c] = if relu {
                relu_v(simd, acc_r[c])
            } else {
                acc_r[c]
            };
        }
    }
}

/// As [`micro`] for the last `n − j < lanes` columns, with partial loads and
/// stores.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn micro_tail<S: Simd, const R: usize>(
    simd: S,
    k: usize,
    n: usize,
    j: usize,
    x: &[f32],
    layer: &Layer,
    y: &mut [f32],
    relu: bool,
) {
    let bv = simd.partial_load_f32s(&layer.b[j..n]);
    let mut acc: [S::f32s; R] = [bv; R];
    let xr: [&[f32]; R] = core::array::from_fn(|r| &x[r * k..(r + 1) * k]);
    let w = &layer.w;
    for p in 0..k {
        let wv = simd.partial_load_f32s(&w[p * n + j..p * n + n]);
        for r in 0..R {
            acc[r] = simd.mul_add_e_f32s(simd.splat_f32s(xr[r][p]), wv, acc[r]);
        }
    }
    for (r, a) in acc.iter().enumerate() {
        let v = if relu { relu_v(simd, *a) } else { *a };
        simd.partial_store_f32s(&mut y[r * n + j..r * n + n], v);
    }
}

/// Narrow layers (`N ≤ 4` outputs): per row, `N` dot products over the
/// transposed weights, vectorised along `k`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dot_rows<S: Simd, const N: usize>(
    simd: S,
    rows: usize,
    k: usize,
    x: &[f32],
    wt: &[f32],
    b: &[f32],
    y: &mut [f32],
    relu: bool,
) {
    let wr: [&[f32]; N] = core::array::from_fn(|j| &wt[j * k..(j + 1) * k]);
    let wv: [&[S::f32s]; N] = core::array::from_fn(|j| S::as_simd_f32s(wr[j]).0);
    let wtail: [&[f32]; N] = core::array::from_fn(|j| S::as_simd_f32s(wr[j]).1);
    for (xr, yr) in x.chunks_exact(k).zip(y.chunks_exact_mut(N)).take(rows) {
        let (xv, xt) = S::as_simd_f32s(xr);
        let mut acc = [simd.splat_f32s(0.0); N];
        for (q, xq) in xv.iter().enumerate() {
            for jj in 0..N {
                acc[jj] = simd.mul_add_e_f32s(*xq, wv[jj][q], acc[jj]);
            }
        }
        if !xt.is_empty() {
            let xl = simd.partial_load_f32s(xt);
            for jj in 0..N {
                acc[jj] = simd.mul_add_e_f32s(xl, simd.partial_load_f32s(wtail[jj]), acc[jj]);
            }
        }
        for jj in 0..N {
            let v = simd.reduce_sum_f32s(acc[jj]) + b[jj];
            yr[jj] = if relu && !(v > 0.0) && !v.is_nan() {
                0.0
            } else {
                v
            };
        }
    }
}
