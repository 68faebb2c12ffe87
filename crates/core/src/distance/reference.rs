//! Scalar reference kernels: the oracle the SIMD paths are tested against.

use half::{bf16, f16};

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub fn l2sq(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = x - y;
            d * d
        })
        .sum()
}

pub fn dot_f16(q: &[f32], x: &[f16]) -> f32 {
    q.iter().zip(x).map(|(a, b)| a * b.to_f32()).sum()
}

pub fn l2sq_f16(q: &[f32], x: &[f16]) -> f32 {
    q.iter()
        .zip(x)
        .map(|(a, b)| {
            let d = a - b.to_f32();
            d * d
        })
        .sum()
}

pub fn dot_bf16(q: &[f32], x: &[bf16]) -> f32 {
    q.iter().zip(x).map(|(a, b)| a * b.to_f32()).sum()
}

pub fn l2sq_bf16(q: &[f32], x: &[bf16]) -> f32 {
    q.iter()
        .zip(x)
        .map(|(a, b)| {
            let d = a - b.to_f32();
            d * d
        })
        .sum()
}
