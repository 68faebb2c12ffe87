//! x86_64 AVX-512F kernels for f32 rows: the pair and 1×4 kernels graph traversals spend their
//! time in. Sixteen lanes per FMA halve the instructions of the AVX2 path, which matters where
//! the rows are hot in cache (the references, hnswlib and SVS, use AVX-512 on such CPUs too).
//!
//! Same contract as `x86.rs`: every function is `unsafe` because of `#[target_feature]` (the
//! dispatcher checks the CPU first), and loads stay within `0..n`, the common prefix.

use std::arch::x86_64::{
    __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_reduce_add_ps,
    _mm512_setzero_ps, _mm512_sub_ps,
};

/// f32 lanes per AVX-512 register.
const LANES: usize = 16;

/// Loads 16 f32 from `p`.
///
/// # Safety
/// `p..p+16` must be readable.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load16(p: *const f32) -> __m512 {
    // SAFETY: the caller guarantees 16 readable f32 at `p`; `loadu` has no alignment requirement.
    unsafe { _mm512_loadu_ps(p) }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn dot_step(acc: __m512, x: __m512, y: __m512) -> __m512 {
    _mm512_fmadd_ps(x, y, acc)
}

#[inline]
#[target_feature(enable = "avx512f")]
fn l2_step(acc: __m512, x: __m512, y: __m512) -> __m512 {
    let d = _mm512_sub_ps(x, y);
    _mm512_fmadd_ps(d, d, acc)
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

/// A single-pair kernel: four accumulators over 64-element steps, then 16-element steps, then a
/// scalar tail.
macro_rules! pair_kernel {
    ($(#[$doc:meta])* $name:ident, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support AVX-512F.
        #[target_feature(enable = "avx512f")]
        pub unsafe fn $name(a: &[f32], b: &[f32]) -> f32 {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc = [_mm512_setzero_ps(); 4];
            let mut i = 0;
            while i + 4 * LANES <= n {
                for (u, slot) in acc.iter_mut().enumerate() {
                    let off = i + u * LANES;
                    // SAFETY: off + 16 <= i + 64 <= n, within both slices.
                    let (x, y) = unsafe { (load16(pa.add(off)), load16(pb.add(off))) };
                    *slot = $step(*slot, x, y);
                }
                i += 4 * LANES;
            }
            while i + LANES <= n {
                // SAFETY: i + 16 <= n, within both slices.
                let (x, y) = unsafe { (load16(pa.add(i)), load16(pb.add(i))) };
                acc[0] = $step(acc[0], x, y);
                i += LANES;
            }
            let sum = _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3]));
            let mut total = _mm512_reduce_add_ps(sum);
            for (x, y) in a[i..n].iter().zip(&b[i..n]) {
                total += $scalar(*x, *y);
            }
            total
        }
    };
}

pair_kernel!(
    /// `sum(a[i] * b[i])` over the common prefix.
    dot, dot_step, dot_term
);
pair_kernel!(
    /// `sum((a[i] - b[i])^2)` over the common prefix.
    l2sq, l2_step, l2_term
);

/// A 1-query × 4-row kernel: each query chunk is loaded once for four rows, two accumulators
/// per row (eight independent FMA chains).
macro_rules! one_by_four_kernel {
    ($(#[$doc:meta])* $name:ident, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// The CPU must support AVX-512F.
        #[target_feature(enable = "avx512f")]
        pub unsafe fn $name(q: &[f32], r: [&[f32]; 4]) -> [f32; 4] {
            let n = r.iter().map(|s| s.len()).fold(q.len(), usize::min);
            let qp = q.as_ptr();
            let rp = r.map(<[f32]>::as_ptr);
            let mut acc = [[_mm512_setzero_ps(); 2]; 4];
            let mut i = 0;
            while i + 2 * LANES <= n {
                // SAFETY: i + 32 <= n and every slice holds at least n elements.
                let (x0, x1) = unsafe { (load16(qp.add(i)), load16(qp.add(i + LANES))) };
                for (acc_r, p) in acc.iter_mut().zip(rp) {
                    // SAFETY: as above, for the row slice.
                    let (y0, y1) = unsafe { (load16(p.add(i)), load16(p.add(i + LANES))) };
                    acc_r[0] = $step(acc_r[0], x0, y0);
                    acc_r[1] = $step(acc_r[1], x1, y1);
                }
                i += 2 * LANES;
            }
            if i + LANES <= n {
                // SAFETY: i + 16 <= n, within every slice.
                let x0 = unsafe { load16(qp.add(i)) };
                for (acc_r, p) in acc.iter_mut().zip(rp) {
                    // SAFETY: as above.
                    let y0 = unsafe { load16(p.add(i)) };
                    acc_r[0] = $step(acc_r[0], x0, y0);
                }
                i += LANES;
            }
            let mut out = [0.0f32; 4];
            for ((o, a), row) in out.iter_mut().zip(acc).zip(r) {
                let mut total = _mm512_reduce_add_ps(_mm512_add_ps(a[0], a[1]));
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
