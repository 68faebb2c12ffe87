//! Scalar reference kernels: the oracle the SIMD paths are tested against.
//!
//! Plain sequential loops over the common prefix of the two slices (extra elements of the longer
//! one are ignored). A sequential f32 sum cannot be reassociated, so the compiler keeps these
//! scalar: they are also the "scalar path" of the benchmarks.

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

/// Dot products of four queries against two rows: `out[q][r] = dot(queries[q], rows[r])`.
pub fn dot_tile(queries: &[&[f32]; 4], rows: &[&[f32]; 2]) -> [[f32; 2]; 4] {
    queries.map(|q| rows.map(|r| dot(q, r)))
}

/// Squared L2 distances of four queries against two rows: `out[q][r] = l2sq(queries[q], rows[r])`.
pub fn l2sq_tile(queries: &[&[f32]; 4], rows: &[&[f32]; 2]) -> [[f32; 2]; 4] {
    queries.map(|q| rows.map(|r| l2sq(q, r)))
}

/// One query against four rows: `out[r] = dot(query, rows[r])`.
pub fn dot_1x4(query: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
    rows.map(|r| dot(query, r))
}

/// One query against four rows: `out[r] = l2sq(query, rows[r])`.
pub fn l2sq_1x4(query: &[f32], rows: [&[f32]; 4]) -> [f32; 4] {
    rows.map(|r| l2sq(query, r))
}

/// Integer dot products of one 16-bit code row with four others: `out[r] = sum(q[i] * rows[r][i])`
/// over the common prefix, accumulated exactly in i64 (the oracle of the SIMD versions, which
/// need every code within ±[`super::CODE_I16_MAX`]).
pub fn dot_i16_1x4(q: &[i16], rows: [&[i16]; 4]) -> [i64; 4] {
    rows.map(|r| {
        q.iter()
            .zip(r)
            .map(|(&a, &b)| i64::from(a) * i64::from(b))
            .sum()
    })
}
