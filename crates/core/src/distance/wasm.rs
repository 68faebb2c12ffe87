//! wasm32 `simd128` kernels, compiled only when the whole build enables `simd128`
//! (`RUSTFLAGS="-C target-feature=+simd128"`), so no run-time detection is needed.
//!
//! Slices are read with unaligned `v128` loads, only within `0..n` where `n` is the minimum of
//! the slice lengths. There is no FMA in baseline simd128, so products and sums round
//! separately (like the scalar reference).

use core::arch::wasm32::{
    f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, f32x4_sub, i32x4_add, i32x4_dot_i16x8,
    i32x4_eq, i32x4_shl, i32x4_splat, i64x2_add, i64x2_extend_high_i32x4, i64x2_extend_low_i32x4,
    i64x2_extract_lane, i64x2_splat, u32x4_extend_high_u16x8, u32x4_extend_low_u16x8, u32x4_splat,
    v128, v128_and, v128_load, v128_or,
};

use half::{bf16, f16};

/// f32 lanes per `v128`.
const LANES: usize = 4;

#[inline]
fn hsum(v: v128) -> f32 {
    (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
        + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v))
}

/// Loads 4 f32 from `p`.
///
/// # Safety
/// `p..p+4` must be readable.
#[inline]
unsafe fn load4(p: *const f32) -> v128 {
    // SAFETY: the caller guarantees 16 readable bytes at `p`; v128_load allows unaligned access.
    unsafe { v128_load(p.cast::<v128>()) }
}

/// Widens 4 FP16 bit patterns held in u32 lanes to f32 without a lookup table:
/// shifting exponent+mantissa left by 13 and scaling by 2^112 re-biases the exponent and is
/// exact for normals and subnormals (wasm floats keep subnormals); Inf/NaN (exponent 31) get
/// the all-ones f32 exponent OR-ed in; the sign is moved to bit 31.
#[inline]
fn f16_bits_to_f32(h: v128) -> v128 {
    let magnitude = i32x4_shl(v128_and(h, u32x4_splat(0x7fff)), 13);
    let scaled = f32x4_mul(magnitude, f32x4_splat(f32::from_bits(0x7780_0000))); // 2^112
    let is_special = i32x4_eq(v128_and(h, u32x4_splat(0x7c00)), u32x4_splat(0x7c00));
    let special = v128_and(is_special, u32x4_splat(0x7f80_0000));
    let sign = i32x4_shl(v128_and(h, u32x4_splat(0x8000)), 16);
    v128_or(v128_or(scaled, special), sign)
}

/// Loads 8 half-precision bit patterns and returns them as two u32x4 halves.
///
/// # Safety
/// `p..p+8` (16 bytes) must be readable.
#[inline]
unsafe fn load8_u16(p: *const u16) -> (v128, v128) {
    // SAFETY: 16 readable bytes at `p` per the caller; unaligned access is allowed.
    let raw = unsafe { v128_load(p.cast::<v128>()) };
    (u32x4_extend_low_u16x8(raw), u32x4_extend_high_u16x8(raw))
}

#[inline]
fn dot_step(acc: v128, x: v128, y: v128) -> v128 {
    f32x4_add(acc, f32x4_mul(x, y))
}

#[inline]
fn l2_step(acc: v128, x: v128, y: v128) -> v128 {
    let d = f32x4_sub(x, y);
    f32x4_add(acc, f32x4_mul(d, d))
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

/// f32 × f32 kernel: four accumulators over 16-element steps, then 4-element steps, then a
/// scalar tail.
macro_rules! f32_kernel {
    ($(#[$doc:meta])* $name:ident, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        pub fn $name(a: &[f32], b: &[f32]) -> f32 {
            let n = a.len().min(b.len());
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc = [f32x4_splat(0.0); 4];
            let mut i = 0;
            // Two rounds of the four accumulators per iteration (block j of 4 still goes to
            // accumulator j % 4, so the sum is bit-identical) with half the loop overhead.
            while i + 8 * LANES <= n {
                for u in 0..8 {
                    let off = i + u * LANES;
                    // SAFETY: off + 4 <= i + 32 <= n, within both slices.
                    let (x, y) = unsafe { (load4(pa.add(off)), load4(pb.add(off))) };
                    acc[u % 4] = $step(acc[u % 4], x, y);
                }
                i += 8 * LANES;
            }
            while i + 4 * LANES <= n {
                for (u, slot) in acc.iter_mut().enumerate() {
                    let off = i + u * LANES;
                    // SAFETY: off + 4 <= i + 16 <= n, within both slices.
                    let (x, y) = unsafe { (load4(pa.add(off)), load4(pb.add(off))) };
                    *slot = $step(*slot, x, y);
                }
                i += 4 * LANES;
            }
            while i + LANES <= n {
                // SAFETY: i + 4 <= n, within both slices.
                let (x, y) = unsafe { (load4(pa.add(i)), load4(pb.add(i))) };
                acc[0] = $step(acc[0], x, y);
                i += LANES;
            }
            let sum = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
            let mut total = hsum(sum);
            for (x, y) in a[i..n].iter().zip(&b[i..n]) {
                total += $scalar(*x, *y);
            }
            total
        }
    };
}

f32_kernel!(
    /// `sum(a[i] * b[i])` over the common prefix.
    dot, dot_step, dot_term
);
f32_kernel!(
    /// `sum((a[i] - b[i])^2)` over the common prefix.
    l2sq, l2_step, l2_term
);

/// f32 query × 16-bit row kernel: 8 row elements per step, widened to two f32x4.
macro_rules! half_kernel {
    ($(#[$doc:meta])* $name:ident, $elem:ty, $widen:expr, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        pub fn $name(q: &[f32], x: &[$elem]) -> f32 {
            let n = q.len().min(x.len());
            let qp = q.as_ptr();
            let xp = x.as_ptr().cast::<u16>();
            let widen = $widen;
            let mut acc = [f32x4_splat(0.0); 2];
            let mut i = 0;
            while i + 2 * LANES <= n {
                // SAFETY: i + 8 <= n, within both slices (`$elem` is a 2-byte `u16` wrapper).
                let (lo, hi, q0, q1) = unsafe {
                    let (lo, hi) = load8_u16(xp.add(i));
                    (lo, hi, load4(qp.add(i)), load4(qp.add(i + LANES)))
                };
                acc[0] = $step(acc[0], q0, widen(lo));
                acc[1] = $step(acc[1], q1, widen(hi));
                i += 2 * LANES;
            }
            let mut total = hsum(f32x4_add(acc[0], acc[1]));
            for (a, b) in q[i..n].iter().zip(&x[i..n]) {
                total += $scalar(*a, b.to_f32());
            }
            total
        }
    };
}

half_kernel!(
    /// Dot product of an f32 query and an FP16 row.
    dot_f16, f16, f16_bits_to_f32, dot_step, dot_term
);
half_kernel!(
    /// Squared L2 of an f32 query and an FP16 row.
    l2sq_f16, f16, f16_bits_to_f32, l2_step, l2_term
);
half_kernel!(
    /// Dot product of an f32 query and a BF16 row (bf16 is the top half of an f32).
    dot_bf16, bf16, |v: v128| i32x4_shl(v, 16), dot_step, dot_term
);
half_kernel!(
    /// Squared L2 of an f32 query and a BF16 row.
    l2sq_bf16, bf16, |v: v128| i32x4_shl(v, 16), l2_step, l2_term
);

/// 4-query × 2-row tile: each row chunk is loaded once and reused by the four queries.
macro_rules! tile_kernel {
    ($(#[$doc:meta])* $name:ident, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        pub fn $name(q: &[&[f32]; 4], r: &[&[f32]; 2]) -> [[f32; 2]; 4] {
            let n = q.iter().chain(r.iter()).map(|s| s.len()).min().unwrap_or(0);
            let qp = [q[0].as_ptr(), q[1].as_ptr(), q[2].as_ptr(), q[3].as_ptr()];
            let rp = [r[0].as_ptr(), r[1].as_ptr()];
            let mut acc = [[f32x4_splat(0.0); 2]; 4];
            let mut i = 0;
            while i + LANES <= n {
                // SAFETY: i + 4 <= n and every slice holds at least n elements.
                let (r0, r1) = unsafe { (load4(rp[0].add(i)), load4(rp[1].add(i))) };
                for (acc_q, p) in acc.iter_mut().zip(qp) {
                    // SAFETY: as above, for the query slice.
                    let x = unsafe { load4(p.add(i)) };
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

/// 1-query × 4-row kernel: each query chunk is loaded once for four rows, two accumulators per
/// row (eight independent add chains).
macro_rules! one_by_four_kernel {
    ($(#[$doc:meta])* $name:ident, $step:ident, $scalar:ident) => {
        $(#[$doc])*
        pub fn $name(q: &[f32], r: [&[f32]; 4]) -> [f32; 4] {
            let n = r.iter().map(|s| s.len()).fold(q.len(), usize::min);
            let qp = q.as_ptr();
            let rp = r.map(<[f32]>::as_ptr);
            let mut acc = [[f32x4_splat(0.0); 2]; 4];
            let mut i = 0;
            while i + 2 * LANES <= n {
                // SAFETY: i + 8 <= n and every slice holds at least n elements.
                let (x0, x1) = unsafe { (load4(qp.add(i)), load4(qp.add(i + LANES))) };
                for (acc_r, p) in acc.iter_mut().zip(rp) {
                    // SAFETY: as above, for the row slice.
                    let (y0, y1) = unsafe { (load4(p.add(i)), load4(p.add(i + LANES))) };
                    acc_r[0] = $step(acc_r[0], x0, y0);
                    acc_r[1] = $step(acc_r[1], x1, y1);
                }
                i += 2 * LANES;
            }
            if i + LANES <= n {
                // SAFETY: i + 4 <= n, within every slice.
                let x0 = unsafe { load4(qp.add(i)) };
                for (acc_r, p) in acc.iter_mut().zip(rp) {
                    // SAFETY: as above.
                    let y0 = unsafe { load4(p.add(i)) };
                    acc_r[0] = $step(acc_r[0], x0, y0);
                }
                i += LANES;
            }
            let mut out = [0.0f32; 4];
            for ((o, a), row) in out.iter_mut().zip(acc).zip(r) {
                let mut total = hsum(f32x4_add(a[0], a[1]));
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

/// i16 lanes per `v128`.
const I16_LANES: usize = 8;

/// `i32x4_dot_i16x8` steps an i32 lane can take before it could overflow: each step adds two
/// products of at most `CODE_I16_MAX`² (2 · 64 · 4095² < 2³¹).
const I16_STEPS_PER_BLOCK: usize = 64;

/// Integer dot products of one code row with four (see `reference::dot_i16_1x4`): i32 lanes
/// over blocks of 512 codes, widened to i64 between blocks. Codes must lie within
/// ±`CODE_I16_MAX`.
pub fn dot_i16_1x4(q: &[i16], r: [&[i16]; 4]) -> [i64; 4] {
    let n = r.iter().map(|s| s.len()).fold(q.len(), usize::min);
    let qp = q.as_ptr();
    let rp = r.map(<[i16]>::as_ptr);
    let mut wide = [i64x2_splat(0); 4];
    let mut i = 0;
    while i + I16_LANES <= n {
        let block_end = (i + I16_STEPS_PER_BLOCK * I16_LANES).min(n);
        let mut acc = [i32x4_splat(0); 4];
        while i + I16_LANES <= block_end {
            // SAFETY: i + 8 <= n and every slice holds at least n elements.
            let x = unsafe { v128_load(qp.add(i).cast::<v128>()) };
            for (a, p) in acc.iter_mut().zip(rp) {
                // SAFETY: as above, for the row slice.
                let y = unsafe { v128_load(p.add(i).cast::<v128>()) };
                *a = i32x4_add(*a, i32x4_dot_i16x8(x, y));
            }
            i += I16_LANES;
        }
        for (w, a) in wide.iter_mut().zip(acc) {
            *w = i64x2_add(
                *w,
                i64x2_add(i64x2_extend_low_i32x4(a), i64x2_extend_high_i32x4(a)),
            );
        }
    }
    let mut out = [0i64; 4];
    for ((o, w), row) in out.iter_mut().zip(wide).zip(r) {
        let mut total = i64x2_extract_lane::<0>(w) + i64x2_extract_lane::<1>(w);
        for (x, y) in q[i..n].iter().zip(&row[i..n]) {
            total += i64::from(*x) * i64::from(*y);
        }
        *o = total;
    }
    out
}
