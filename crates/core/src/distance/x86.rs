//! x86_64 AVX2 + FMA kernels (F16C for FP16 rows).
//!
//! Every function here is `unsafe` because it is compiled with `#[target_feature]`: the caller
//! (the dispatcher in `distance/mod.rs`) must have checked at run time that the CPU supports the
//! features. Slices are read with unaligned loads, only within `0..n` where `n` is the minimum of
//! the slice lengths, so no function reads out of bounds for any input.

use std::arch::x86_64::{
    __m128i, __m256, _mm256_add_ps, _mm256_castps256_ps128, _mm256_castsi256_ps,
    _mm256_cvtepu16_epi32, _mm256_cvtph_ps, _mm256_extractf128_ps, _mm256_fmadd_ps,
    _mm256_loadu_ps, _mm256_setzero_ps, _mm256_slli_epi32, _mm256_sub_ps, _mm_add_ps, _mm_add_ss,
    _mm_cvtss_f32, _mm_loadu_si128, _mm_movehdup_ps, _mm_movehl_ps,
};

use half::{bf16, f16};

/// f32 lanes per AVX register.
const LANES: usize = 8;

/// Sum of the eight lanes of `v`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps(v, 1);
    let s = _mm_add_ps(lo, hi);
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// Loads 8 f32 from `p`.
///
/// # Safety
/// `p..p+8` must be readable.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load8(p: *const f32) -> __m256 {
    // SAFETY: the caller guarantees 8 readable f32 at `p`; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_ps(p) }
}

/// Loads 8 f16 from `p` and widens them to f32 (exact).
///
/// # Safety
/// `p..p+8` must be readable and the CPU must support F16C.
#[inline]
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn load8_f16(p: *const f16) -> __m256 {
    // SAFETY: 8 readable u16 (16 bytes) at `p` per the caller; unaligned load is allowed.
    let raw = unsafe { _mm_loadu_si128(p.cast::<__m128i>()) };
    _mm256_cvtph_ps(raw)
}

/// Loads 8 bf16 from `p` and widens them to f32 (exact: bf16 is the top half of an f32).
///
/// # Safety
/// `p..p+8` must be readable.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn load8_bf16(p: *const bf16) -> __m256 {
    // SAFETY: 8 readable u16 (16 bytes) at `p` per the caller; unaligned load is allowed.
    let raw = unsafe { _mm_loadu_si128(p.cast::<__m128i>()) };
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16))
}

/// Generates a single-pair kernel: four independent accumulators over 32-element steps (to hide
/// FMA latency), then 8-element steps, then a scalar tail.
macro_rules! pair_kernel {
    (
        $(#[$doc:meta])* $name:ident, $elem:ty, $features:literal, $load:ident, $to_f32:expr,
        $step:ident, $scalar:ident
    ) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support the enabled target features.
        #[target_feature(enable = $features)]
        pub unsafe fn $name(a: &[f32], b: &[$elem]) -> f32 {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            // Two rounds of the four accumulators per iteration: block j of 8 still goes to
            // accumulator j % 4, so the sum is bit-identical to the 32-step loop below, with
            // half the loop overhead.
            while i + 8 * LANES <= n {
                for u in 0..8 {
                    let off = i + u * LANES;
                    // SAFETY: off + 8 <= i + 64 <= n, within both slices; features checked by
                    // the caller.
                    let (x, y) = unsafe { (load8(pa.add(off)), $load(pb.add(off))) };
                    acc[u % 4] = $step(acc[u % 4], x, y);
                }
                i += 8 * LANES;
            }
            while i + 4 * LANES <= n {
                for (u, slot) in acc.iter_mut().enumerate() {
                    let off = i + u * LANES;
                    // SAFETY: off + 8 <= i + 32 <= n, within both slices; features checked by
                    // the caller.
                    let (x, y) = unsafe { (load8(pa.add(off)), $load(pb.add(off))) };
                    *slot = $step(*slot, x, y);
                }
                i += 4 * LANES;
            }
            while i + LANES <= n {
                // SAFETY: i + 8 <= n, within both slices; features checked by the caller.
                let (x, y) = unsafe { (load8(pa.add(i)), $load(pb.add(i))) };
                acc[0] = $step(acc[0], x, y);
                i += LANES;
            }
            let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
            let mut total = hsum(sum);
            let to_f32 = $to_f32;
            for (x, y) in a[i..n].iter().zip(&b[i..n]) {
                total += $scalar(*x, to_f32(*y));
            }
            total
        }
    };
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn dot_step(acc: __m256, x: __m256, y: __m256) -> __m256 {
    _mm256_fmadd_ps(x, y, acc)
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn l2_step(acc: __m256, x: __m256, y: __m256) -> __m256 {
    let d = _mm256_sub_ps(x, y);
    _mm256_fmadd_ps(d, d, acc)
}

#[inline]
fn dot_term(x: f32, y: f32) -> f32 {
    x * y
}

#[inline]
fn l2_term(x: f32, y: f32) -> f32 {
    let d = x - y;
    d * d
}

pair_kernel!(
    /// `sum(a[i] * b[i])` over the common prefix.
    dot, f32, "avx2,fma", load8, |y: f32| y, dot_step, dot_term
);
pair_kernel!(
    /// `sum((a[i] - b[i])^2)` over the common prefix.
    l2sq, f32, "avx2,fma", load8, |y: f32| y, l2_step, l2_term
);
pair_kernel!(
    /// Dot product of an f32 query and an FP16 row (F16C widening).
    dot_f16, f16, "avx2,fma,f16c", load8_f16, f16::to_f32, dot_step, dot_term
);
pair_kernel!(
    /// Squared L2 of an f32 query and an FP16 row (F16C widening).
    l2sq_f16, f16, "avx2,fma,f16c", load8_f16, f16::to_f32, l2_step, l2_term
);
pair_kernel!(
    /// Dot product of an f32 query and a BF16 row (widened by a 16-bit shift).
    dot_bf16, bf16, "avx2,fma", load8_bf16, bf16::to_f32, dot_step, dot_term
);
pair_kernel!(
    /// Squared L2 of an f32 query and a BF16 row (widened by a 16-bit shift).
    l2sq_bf16, bf16, "avx2,fma", load8_bf16, bf16::to_f32, l2_step, l2_term
);

/// Generates a 4-query × 2-row tile kernel: eight accumulators, each row chunk loaded once and
/// reused by the four queries, so the loop is bound by arithmetic rather than loads.
macro_rules! tile_kernel {
    ($(#[$doc:meta])* $name:ident, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        pub unsafe fn $name(q: &[&[f32]; 4], r: &[&[f32]; 2]) -> [[f32; 2]; 4] {
            let n = q
                .iter()
                .chain(r.iter())
                .map(|s| s.len())
                .min()
                .unwrap_or(0);
            let qp = [q[0].as_ptr(), q[1].as_ptr(), q[2].as_ptr(), q[3].as_ptr()];
            let rp = [r[0].as_ptr(), r[1].as_ptr()];
            let mut acc = [[_mm256_setzero_ps(); 2]; 4];
            let mut i = 0;
            while i + LANES <= n {
                // SAFETY: i + 8 <= n and every slice holds at least n elements.
                let (r0, r1) = unsafe { (load8(rp[0].add(i)), load8(rp[1].add(i))) };
                for (acc_q, p) in acc.iter_mut().zip(qp) {
                    // SAFETY: as above, for the query slice.
                    let x = unsafe { load8(p.add(i)) };
                    acc_q[0] = $step(acc_q[0], x, r0);
                    acc_q[1] = $step(acc_q[1], x, r1);
                }
                i += LANES;
            }
            let mut out = [[0.0f32; 2]; 4];
            for (qi, (out_q, acc_q)) in out.iter_mut().zip(acc).enumerate() {
                for (ri, (o, a)) in out_q.iter_mut().zip(acc_q).enumerate() {
                    let mut total = hsum(a);
                    for (x, y) in q[qi][i..n].iter().zip(&r[ri][i..n]) {
                        total += $scalar(*x, *y);
                    }
                    *o = total;
                }
            }
            out
        }
    };
}

tile_kernel!(
    /// Dot products of four queries against two rows: `out[q][r]`.
    dot_tile, dot_step, dot_term
);
tile_kernel!(
    /// Squared L2 distances of four queries against two rows: `out[q][r]`.
    l2sq_tile, l2_step, l2_term
);

/// Generates a 1-query × 4-row kernel: each query chunk is loaded once for four rows, and every
/// row has two accumulators (eight independent FMA chains), so graph traversals score four
/// neighbours for little more than the loads of their rows.
macro_rules! one_by_four_kernel {
    ($(#[$doc:meta])* $name:ident, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        pub unsafe fn $name(q: &[f32], r: [&[f32]; 4]) -> [f32; 4] {
            let n = r.iter().map(|s| s.len()).fold(q.len(), usize::min);
            let qp = q.as_ptr();
            let rp = r.map(<[f32]>::as_ptr);
            let mut acc = [[_mm256_setzero_ps(); 2]; 4];
            let mut i = 0;
            while i + 2 * LANES <= n {
                // SAFETY: i + 16 <= n and every slice holds at least n elements.
                let (x0, x1) = unsafe { (load8(qp.add(i)), load8(qp.add(i + LANES))) };
                for (acc_r, p) in acc.iter_mut().zip(rp) {
                    // SAFETY: as above, for the row slice.
                    let (y0, y1) = unsafe { (load8(p.add(i)), load8(p.add(i + LANES))) };
                    acc_r[0] = $step(acc_r[0], x0, y0);
                    acc_r[1] = $step(acc_r[1], x1, y1);
                }
                i += 2 * LANES;
            }
            if i + LANES <= n {
                // SAFETY: i + 8 <= n, within every slice.
                let x0 = unsafe { load8(qp.add(i)) };
                for (acc_r, p) in acc.iter_mut().zip(rp) {
                    // SAFETY: as above.
                    let y0 = unsafe { load8(p.add(i)) };
                    acc_r[0] = $step(acc_r[0], x0, y0);
                }
                i += LANES;
            }
            let mut out = [0.0f32; 4];
            for ((o, a), row) in out.iter_mut().zip(acc).zip(r) {
                let mut total = hsum(_mm256_add_ps(a[0], a[1]));
                for (x, y) in q[i..n].iter().zip(&row[i..n]) {
                    total += $scalar(*x, *y);
                }
                *o = total;
            }
            out
        }
    };
}

one_by_four_kernel!(
    /// Dot products of one query with four rows.
    dot_1x4, dot_step, dot_term
);
one_by_four_kernel!(
    /// Squared L2 distances of one query to four rows.
    l2sq_1x4, l2_step, l2_term
);

/// i16 lanes per AVX register.
const I16_LANES: usize = 16;

/// `madd_epi16` steps an i32 lane can take before it could overflow: each step adds two
/// products of at most `CODE_I16_MAX`² (2 · 64 · 4095² < 2³¹).
const I16_STEPS_PER_BLOCK: usize = 64;

/// Integer dot products of one code row with four (see `reference::dot_i16_1x4`): i32 lanes
/// over blocks of 1024 codes, widened to i64 between blocks. Codes must lie within
/// ±`CODE_I16_MAX`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_i16_1x4(q: &[i16], r: [&[i16]; 4]) -> [i64; 4] {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi32, _mm256_add_epi64, _mm256_castsi256_si128, _mm256_cvtepi32_epi64,
        _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_setzero_si256,
        _mm256_storeu_si256,
    };
    let n = r.iter().map(|s| s.len()).fold(q.len(), usize::min);
    let qp = q.as_ptr();
    let rp = r.map(<[i16]>::as_ptr);
    let mut wide = [_mm256_setzero_si256(); 4];
    let mut i = 0;
    while i + I16_LANES <= n {
        let block_end = (i + I16_STEPS_PER_BLOCK * I16_LANES).min(n);
        let mut acc = [_mm256_setzero_si256(); 4];
        while i + I16_LANES <= block_end {
            // SAFETY: i + 16 <= n and every slice holds at least n elements; unaligned loads.
            let x = unsafe { _mm256_loadu_si256(qp.add(i).cast::<__m256i>()) };
            for (a, p) in acc.iter_mut().zip(rp) {
                // SAFETY: as above, for the row slice.
                let y = unsafe { _mm256_loadu_si256(p.add(i).cast::<__m256i>()) };
                *a = _mm256_add_epi32(*a, _mm256_madd_epi16(x, y));
            }
            i += I16_LANES;
        }
        for (w, a) in wide.iter_mut().zip(acc) {
            let lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(a));
            let hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256::<1>(a));
            *w = _mm256_add_epi64(*w, _mm256_add_epi64(lo, hi));
        }
    }
    let mut out = [0i64; 4];
    for ((o, w), row) in out.iter_mut().zip(wide).zip(r) {
        let mut lanes = [0i64; 4];
        // SAFETY: `lanes` holds 32 writable bytes; unaligned store.
        unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast::<__m256i>(), w) };
        let mut total: i64 = lanes.iter().sum();
        for (x, y) in q[i..n].iter().zip(&row[i..n]) {
            total += i64::from(*x) * i64::from(*y);
        }
        *o = total;
    }
    out
}
