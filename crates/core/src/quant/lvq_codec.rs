//! Per-vector LVQ encoding (one level, and the residual of two-level LVQ).
//!
//! A one-level record for an `n`-dimensional (already mean-centred) vector is
//! `[codes][scale: f16 LE][bias: f16 LE][selector: u8 = 0]`, i.e. `P_B(n)` bytes:
//! - B = 8: `n` codes, one byte each, in dimension order.
//! - B = 4: `⌈n/128⌉` blocks of 64 bytes; in each block, byte `j` holds dimension `j` in the low
//!   nibble and dimension `64 + j` in the high nibble (so one 16-byte load yields 16 consecutive
//!   dimensions from each nibble). Padding dimensions hold code 0.
//!
//! The constants are rounded to f16 *before* the codes are computed, with directed rounding:
//! the bias down (≤ min) and the scale up (≥ (max − bias)/(2^B − 1)). Every component then lies
//! inside `[bias, bias + scale·(2^B − 1)]`, no code is clamped, and the reconstruction error is at
//! most `scale/2` with the *stored* scale (plus f32 arithmetic rounding).
//!
//! The residual of two-level LVQ (`R` bits) uses step `δ = scale/2^R` and the 2^R cell midpoints
//! of `[−scale/2, scale/2]`: code `k = clamp(⌊(r + scale/2)/δ⌋, 0, 2^R − 1)`, decoded as
//! `δ·(k − (2^R − 1)/2)`. Since the primary error is within ±scale/2, the two-level error is at
//! most `δ/2 = scale/2^(R+1)`. R = 8 stores one byte per dimension, R = 4 two per byte
//! (dimension `2i` in the low nibble of byte `i`), `⌈R·n/8⌉` bytes, no extra constants.

use half::f16;

/// scale (f16) + bias (f16) + centroid selector (u8).
pub const CONSTANT_BYTES: usize = 5;
/// Dimensions per 4-bit block.
pub const BLOCK_DIMS: usize = 128;
/// Bytes per 4-bit block.
pub const BLOCK_BYTES: usize = 64;

/// Bytes of the codes of a one-level `bits`-bit record of `n` dimensions (no constants).
pub fn primary_code_bytes(bits: u32, n: usize) -> usize {
    if bits == 4 {
        BLOCK_BYTES * n.div_ceil(BLOCK_DIMS)
    } else {
        n
    }
}

/// `P_B(n)`: codes plus the 5 constant bytes.
pub fn primary_record_bytes(bits: u32, n: usize) -> usize {
    primary_code_bytes(bits, n) + CONSTANT_BYTES
}

/// Dimensions the codes of a one-level record cover (4-bit records are padded to 128-blocks).
pub fn padded_dims(bits: u32, n: usize) -> usize {
    if bits == 4 {
        BLOCK_DIMS * n.div_ceil(BLOCK_DIMS)
    } else {
        n
    }
}

/// `⌈R·n/8⌉`.
pub fn residual_bytes(bits: u32, n: usize) -> usize {
    (bits as usize * n).div_ceil(8)
}

/// A component was too large in magnitude for the f16 constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfHalfRange;

fn next_down(h: f16) -> f16 {
    let bits = h.to_bits();
    if bits & 0x7fff == 0 {
        f16::from_bits(0x8001)
    } else if bits & 0x8000 == 0 {
        f16::from_bits(bits - 1)
    } else {
        f16::from_bits(bits + 1)
    }
}

fn next_up(h: f16) -> f16 {
    let bits = h.to_bits();
    if bits & 0x7fff == 0 {
        f16::from_bits(0x0001)
    } else if bits & 0x8000 == 0 {
        f16::from_bits(bits + 1)
    } else {
        f16::from_bits(bits - 1)
    }
}

/// The largest f16 that is ≤ `x`.
fn f16_at_most(x: f32) -> Result<f16, OutOfHalfRange> {
    let mut h = f16::from_f32(x);
    if h.to_f32() > x {
        h = next_down(h);
    }
    if h.is_finite() {
        Ok(h)
    } else {
        Err(OutOfHalfRange)
    }
}

/// The smallest f16 that is ≥ `x`.
fn f16_at_least(x: f32) -> Result<f16, OutOfHalfRange> {
    let mut h = f16::from_f32(x);
    if h.to_f32() < x {
        h = next_up(h);
    }
    if h.is_finite() {
        Ok(h)
    } else {
        Err(OutOfHalfRange)
    }
}

/// Reads `(scale, bias)` of a one-level record whose codes take `code_bytes`.
#[inline(always)]
pub fn read_constants(record: &[u8], code_bytes: usize) -> (f32, f32) {
    match record.get(code_bytes..code_bytes + 4) {
        Some(&[s0, s1, b0, b1]) => (
            f16::from_le_bytes([s0, s1]).to_f32(),
            f16::from_le_bytes([b0, b1]).to_f32(),
        ),
        _ => (0.0, 0.0),
    }
}

/// The code of dimension `i` in a one-level record's codes.
#[inline(always)]
pub fn primary_code(bits: u32, codes: &[u8], i: usize) -> u8 {
    if bits == 4 {
        let (block, j) = (i / BLOCK_DIMS, i % BLOCK_DIMS);
        let byte = codes
            .get(block * BLOCK_BYTES + j % BLOCK_BYTES)
            .copied()
            .unwrap_or(0);
        if j < BLOCK_BYTES {
            byte & 0x0f
        } else {
            byte >> 4
        }
    } else {
        codes.get(i).copied().unwrap_or(0)
    }
}

/// The code of dimension `i` in residual codes.
#[inline(always)]
pub fn residual_code(bits: u32, codes: &[u8], i: usize) -> u8 {
    if bits == 4 {
        let byte = codes.get(i / 2).copied().unwrap_or(0);
        if i.is_multiple_of(2) {
            byte & 0x0f
        } else {
            byte >> 4
        }
    } else {
        codes.get(i).copied().unwrap_or(0)
    }
}

fn put_primary_code(bits: u32, codes: &mut [u8], i: usize, code: u8) {
    if bits == 4 {
        let (block, j) = (i / BLOCK_DIMS, i % BLOCK_DIMS);
        if let Some(byte) = codes.get_mut(block * BLOCK_BYTES + j % BLOCK_BYTES) {
            if j < BLOCK_BYTES {
                *byte = (*byte & 0xf0) | (code & 0x0f);
            } else {
                *byte = (*byte & 0x0f) | (code << 4);
            }
        }
    } else if let Some(byte) = codes.get_mut(i) {
        *byte = code;
    }
}

fn put_residual_code(bits: u32, codes: &mut [u8], i: usize, code: u8) {
    if bits == 4 {
        if let Some(byte) = codes.get_mut(i / 2) {
            if i.is_multiple_of(2) {
                *byte = (*byte & 0xf0) | (code & 0x0f);
            } else {
                *byte = (*byte & 0x0f) | (code << 4);
            }
        }
    } else if let Some(byte) = codes.get_mut(i) {
        *byte = code;
    }
}

/// Encodes the centred vector `x` into `record` (`primary_record_bytes(bits, x.len())` bytes,
/// overwritten entirely). Returns the stored `(scale, bias)`.
pub fn encode_primary(
    bits: u32,
    x: &[f32],
    record: &mut [u8],
) -> Result<(f32, f32), OutOfHalfRange> {
    let levels = ((1u32 << bits) - 1) as f32;
    let (lo, hi) = x
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
    let bias_h = f16_at_most(lo)?;
    let bias = bias_h.to_f32();
    let scale_h = f16_at_least((hi - bias) / levels)?;
    let scale = scale_h.to_f32();
    let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
    let code_bytes = primary_code_bytes(bits, x.len());
    record.fill(0);
    for (i, &v) in x.iter().enumerate() {
        let code = ((v - bias) * inv).round().clamp(0.0, levels) as u8;
        put_primary_code(bits, record, i, code);
    }
    if let Some(slot) = record.get_mut(code_bytes..code_bytes + 4) {
        let [s0, s1] = scale_h.to_le_bytes();
        let [b0, b1] = bias_h.to_le_bytes();
        slot.copy_from_slice(&[s0, s1, b0, b1]);
    }
    // The centroid selector byte stays 0: annlab (like Redis's open code) uses one global mean.
    Ok((scale, bias))
}

/// Decodes a one-level record into `out` (centred space): `bias + scale·code`.
///
/// Walks whole 4-bit blocks (or the byte codes) in straight loops the compiler vectorises:
/// builds re-aim a scorer at every kept neighbour, so this runs once per prune comparison
/// row. [`decode_primary_oracle`] is the per-dimension definition it must equal bit for bit.
pub fn decode_primary(bits: u32, record: &[u8], out: &mut [f32]) {
    let code_bytes = primary_code_bytes(bits, out.len());
    let (scale, bias) = read_constants(record, code_bytes);
    let codes = record.get(..code_bytes).unwrap_or(&[]);
    if codes.len() < code_bytes {
        out.fill(bias);
        return;
    }
    let value = |c: u8| bias + scale * f32::from(c);
    if bits == 4 {
        for (block, bytes) in out
            .chunks_mut(BLOCK_DIMS)
            .zip(codes.chunks_exact(BLOCK_BYTES))
        {
            let (low, high) = block.split_at_mut(block.len().min(BLOCK_BYTES));
            for (o, &b) in low.iter_mut().zip(bytes) {
                *o = value(b & 0x0f);
            }
            for (o, &b) in high.iter_mut().zip(bytes) {
                *o = value(b >> 4);
            }
        }
    } else {
        for (o, &c) in out.iter_mut().zip(codes) {
            *o = value(c);
        }
    }
}

/// [`decode_primary`] one dimension at a time through [`primary_code`] (the test oracle).
pub fn decode_primary_oracle(bits: u32, record: &[u8], out: &mut [f32]) {
    let code_bytes = primary_code_bytes(bits, out.len());
    let (scale, bias) = read_constants(record, code_bytes);
    for (i, o) in out.iter_mut().enumerate() {
        *o = bias + scale * f32::from(primary_code(bits, record, i));
    }
}

/// Encodes the residual `x − primary` into `codes` (`residual_bytes(bits, x.len())` bytes).
/// `primary` must be the decoded primary of `x` and `scale` its stored scale.
pub fn encode_residual(bits: u32, x: &[f32], primary: &[f32], scale: f32, codes: &mut [u8]) {
    let top = ((1u32 << bits) - 1) as f32;
    let step = residual_step(bits, scale);
    let inv = if step > 0.0 { 1.0 / step } else { 0.0 };
    let half = 0.5 * scale;
    codes.fill(0);
    for (i, (&v, &p)) in x.iter().zip(primary).enumerate() {
        let k = ((v - p + half) * inv).floor().clamp(0.0, top) as u8;
        put_residual_code(bits, codes, i, k);
    }
}

/// Residual step `scale / 2^bits` (exact in binary floating point).
#[inline(always)]
pub fn residual_step(bits: u32, scale: f32) -> f32 {
    scale / (1u32 << bits) as f32
}

/// Offset so that `step·(k − centre)` is the centred residual value.
#[inline(always)]
pub fn residual_centre(bits: u32) -> f32 {
    ((1u32 << bits) - 1) as f32 * 0.5
}

/// Adds the decoded residual to `out` (which holds the decoded primary), in straight loops
/// as [`decode_primary`] does; [`add_residual_oracle`] is the per-dimension definition.
pub fn add_residual(bits: u32, codes: &[u8], scale: f32, out: &mut [f32]) {
    if codes.len() < residual_bytes(bits, out.len()) {
        return add_residual_oracle(bits, codes, scale, out);
    }
    let step = residual_step(bits, scale);
    let centre = residual_centre(bits);
    let value = |k: u8| step * (f32::from(k) - centre);
    if bits == 4 {
        for (pair, &b) in out.chunks_mut(2).zip(codes) {
            for (o, k) in pair.iter_mut().zip([b & 0x0f, b >> 4]) {
                *o += value(k);
            }
        }
    } else {
        for (o, &k) in out.iter_mut().zip(codes) {
            *o += value(k);
        }
    }
}

/// [`add_residual`] one dimension at a time through [`residual_code`] (the test oracle).
pub fn add_residual_oracle(bits: u32, codes: &[u8], scale: f32, out: &mut [f32]) {
    let step = residual_step(bits, scale);
    let centre = residual_centre(bits);
    for (i, o) in out.iter_mut().enumerate() {
        *o += step * (f32::from(residual_code(bits, codes, i)) - centre);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded pseudo-random components (a small LCG; the codec tests need no rand).
    fn row(dim: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..dim)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn fast_decodes_equal_the_per_dimension_oracles() {
        for bits in [4u32, 8] {
            for residual in [4u32, 8] {
                for dim in [1usize, 3, 63, 64, 65, 127, 128, 129, 200, 384, 768] {
                    let x = row(dim, dim as u32 * bits);
                    let mut record = vec![0u8; primary_record_bytes(bits, dim)];
                    let (scale, _) = encode_primary(bits, &x, &mut record).unwrap_or((0.0, 0.0));
                    let (mut fast, mut oracle) = (vec![0.0f32; dim], vec![0.0f32; dim]);
                    decode_primary(bits, &record, &mut fast);
                    decode_primary_oracle(bits, &record, &mut oracle);
                    assert_eq!(fast, oracle, "primary bits {bits} dim {dim}");
                    let mut codes = vec![0u8; residual_bytes(residual, dim)];
                    encode_residual(residual, &x, &oracle, scale, &mut codes);
                    add_residual(residual, &codes, scale, &mut fast);
                    add_residual_oracle(residual, &codes, scale, &mut oracle);
                    assert_eq!(fast, oracle, "residual bits {residual} dim {dim}");
                }
            }
        }
    }

    #[test]
    fn short_records_decode_without_panicking() {
        let mut out = vec![1.0f32; 100];
        decode_primary(4, &[1, 2, 3], &mut out);
        add_residual(8, &[1, 2], 0.5, &mut out);
        assert!(out.iter().all(|v| v.is_finite()));
    }
}
