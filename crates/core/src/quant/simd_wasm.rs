//! wasm32 `simd128` code-domain kernels, compiled only when the whole build enables `simd128`
//! (selected by [`super::simd::Isa::detect`]). The portable bodies did not vectorise the byte
//! widening in wasm: LVQ8 builds ran several times slower than FP32 in the tab.
//!
//! Each kernel reads only inside `0..n` (whole 16-byte groups) through `as_chunks` arrays, so
//! every load is in bounds by construction; the scalar tail reuses the portable body. No FMA in
//! baseline simd128: products and sums round separately, as in the portable bodies.

use core::arch::wasm32::{
    f32x4_add, f32x4_convert_u32x4, f32x4_extract_lane, f32x4_mul, f32x4_splat, f32x4_sub,
    u16x8_extend_high_u8x16, u16x8_extend_low_u8x16, u32x4_extend_high_u16x8,
    u32x4_extend_low_u16x8, u8x16_shr, u8x16_splat, v128, v128_and, v128_load,
};

/// 16 bytes as four f32x4 (bytes 0..4, 4..8, 8..12, 12..16).
#[inline]
fn widen16(bytes: v128) -> [v128; 4] {
    let (lo, hi) = (
        u16x8_extend_low_u8x16(bytes),
        u16x8_extend_high_u8x16(bytes),
    );
    [
        f32x4_convert_u32x4(u32x4_extend_low_u16x8(lo)),
        f32x4_convert_u32x4(u32x4_extend_high_u16x8(lo)),
        f32x4_convert_u32x4(u32x4_extend_low_u16x8(hi)),
        f32x4_convert_u32x4(u32x4_extend_high_u16x8(hi)),
    ]
}

#[inline]
fn load_bytes(b: &[u8; 16]) -> v128 {
    // SAFETY: `b` is 16 readable bytes; v128_load allows unaligned access.
    unsafe { v128_load(b.as_ptr().cast::<v128>()) }
}

/// The four f32x4 of 16 consecutive query values.
#[inline]
fn load_q(q: &[f32; 16]) -> [v128; 4] {
    // SAFETY: `q` is 16 readable f32 (64 bytes); each load reads 16 of them, unaligned.
    [0, 4, 8, 12].map(|i| unsafe { v128_load(q[i..].as_ptr().cast::<v128>()) })
}

#[inline]
fn hsum4(acc: [v128; 4]) -> f32 {
    let v = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
    (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
        + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v))
}

/// `acc += q·c` over 16 lanes.
#[inline]
fn dot_step(acc: &mut [v128; 4], q: [v128; 4], c: [v128; 4]) {
    for ((a, q), c) in acc.iter_mut().zip(q).zip(c) {
        *a = f32x4_add(*a, f32x4_mul(q, c));
    }
}

/// `acc += (q − bias − step·c)²` over 16 lanes.
#[inline]
fn l2_step(acc: &mut [v128; 4], q: [v128; 4], c: [v128; 4], bias: v128, step: v128) {
    for ((a, q), c) in acc.iter_mut().zip(q).zip(c) {
        let t = f32x4_sub(f32x4_sub(q, bias), f32x4_mul(step, c));
        *a = f32x4_add(*a, f32x4_mul(t, t));
    }
}

pub fn dot_u8(q: &[f32], c: &[u8]) -> f32 {
    let n = q.len().min(c.len());
    let (qa, _) = q[..n].as_chunks::<16>();
    let (ca, _) = c[..n].as_chunks::<16>();
    let mut acc = [f32x4_splat(0.0); 4];
    for (qs, cs) in qa.iter().zip(ca) {
        dot_step(&mut acc, load_q(qs), widen16(load_bytes(cs)));
    }
    let done = qa.len() * 16;
    hsum4(acc) + super::simd::dot_u8_scalar(&q[done..n], &c[done..n])
}

pub fn l2_u8(q: &[f32], bias: f32, step: f32, c: &[u8]) -> f32 {
    let n = q.len().min(c.len());
    let (qa, _) = q[..n].as_chunks::<16>();
    let (ca, _) = c[..n].as_chunks::<16>();
    let (vb, vs) = (f32x4_splat(bias), f32x4_splat(step));
    let mut acc = [f32x4_splat(0.0); 4];
    for (qs, cs) in qa.iter().zip(ca) {
        l2_step(&mut acc, load_q(qs), widen16(load_bytes(cs)), vb, vs);
    }
    let done = qa.len() * 16;
    hsum4(acc) + super::simd::l2_u8_scalar(&q[done..n], bias, step, &c[done..n])
}

/// Low and high nibbles of 16 bytes.
#[inline]
fn nibbles(bytes: v128) -> (v128, v128) {
    let mask = u8x16_splat(0x0f);
    (v128_and(bytes, mask), u8x16_shr(bytes, 4))
}

pub fn dot_u4_blocked(q: &[f32], c: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let mut acc = [f32x4_splat(0.0); 4];
    for (qs, cs) in qb.iter().zip(cb) {
        let g = qs.as_chunks::<16>().0;
        for (k, bytes) in cs.as_chunks::<16>().0.iter().enumerate() {
            let (lo, hi) = nibbles(load_bytes(bytes));
            dot_step(&mut acc, load_q(&g[k]), widen16(lo));
            dot_step(&mut acc, load_q(&g[k + 4]), widen16(hi));
        }
    }
    hsum4(acc)
}

pub fn l2_u4_blocked(q: &[f32], bias: f32, step: f32, c: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let (vb, vs) = (f32x4_splat(bias), f32x4_splat(step));
    let mut acc = [f32x4_splat(0.0); 4];
    for (qs, cs) in qb.iter().zip(cb) {
        let g = qs.as_chunks::<16>().0;
        for (k, bytes) in cs.as_chunks::<16>().0.iter().enumerate() {
            let (lo, hi) = nibbles(load_bytes(bytes));
            l2_step(&mut acc, load_q(&g[k]), widen16(lo), vb, vs);
            l2_step(&mut acc, load_q(&g[k + 4]), widen16(hi), vb, vs);
        }
    }
    hsum4(acc)
}

pub fn l2_u4x8_blocked(q: &[f32], (base, scale, step): (f32, f32, f32), c: &[u8], k: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let (kb, _) = k.as_chunks::<128>();
    let (vb, vs, vt) = (f32x4_splat(base), f32x4_splat(scale), f32x4_splat(step));
    let mut acc = [f32x4_splat(0.0); 4];
    let mut add = |q: [v128; 4], code: [v128; 4], residual: [v128; 4]| {
        for (((a, q), c), r) in acc.iter_mut().zip(q).zip(code).zip(residual) {
            let x = f32x4_add(f32x4_add(vb, f32x4_mul(vt, r)), f32x4_mul(vs, c));
            let d = f32x4_sub(q, x);
            *a = f32x4_add(*a, f32x4_mul(d, d));
        }
    };
    for ((qs, cs), ks) in qb.iter().zip(cb).zip(kb) {
        let g = qs.as_chunks::<16>().0;
        let r = ks.as_chunks::<16>().0;
        for (j, bytes) in cs.as_chunks::<16>().0.iter().enumerate() {
            let (lo, hi) = nibbles(load_bytes(bytes));
            add(load_q(&g[j]), widen16(lo), widen16(load_bytes(&r[j])));
            add(
                load_q(&g[j + 4]),
                widen16(hi),
                widen16(load_bytes(&r[j + 4])),
            );
        }
    }
    hsum4(acc)
}
