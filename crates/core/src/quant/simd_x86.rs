//! x86_64 AVX2 + FMA code-domain kernels (selected at run time by [`super::simd::Isa`]).
//!
//! Each kernel reads only inside `0..n` (whole 16-element groups) through `as_chunks` arrays, so
//! every load is in bounds by construction; the scalar tail reuses the portable body.

use std::arch::x86_64::{
    __m128i, __m256, _mm256_add_ps, _mm256_castps256_ps128, _mm256_cvtepi32_ps,
    _mm256_cvtepu8_epi32, _mm256_extractf128_ps, _mm256_fmadd_ps, _mm256_fnmadd_ps,
    _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_sub_ps, _mm_add_ps, _mm_and_si128,
    _mm_cvtss_f32, _mm_loadu_si128, _mm_movehl_ps, _mm_set1_epi8, _mm_shuffle_ps, _mm_srli_epi16,
    _mm_srli_si128,
};

#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ps(s, _mm_shuffle_ps::<0b01>(s, s));
    _mm_cvtss_f32(s)
}

/// 16 bytes as two f32x8 (bytes 0..8, 8..16).
#[target_feature(enable = "avx2,fma")]
fn widen16(bytes: __m128i) -> (__m256, __m256) {
    (
        _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)),
        _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128::<8>(bytes))),
    )
}

#[target_feature(enable = "avx2,fma")]
fn load_bytes(b: &[u8; 16]) -> __m128i {
    // SAFETY: `b` is 16 readable bytes; the load is unaligned.
    unsafe { _mm_loadu_si128(b.as_ptr().cast::<__m128i>()) }
}

#[target_feature(enable = "avx2,fma")]
fn load8(q: &[f32; 16], half: usize) -> __m256 {
    let part = if half == 0 { &q[..8] } else { &q[8..] };
    // SAFETY: `part` is 8 readable f32; the load is unaligned.
    unsafe { _mm256_loadu_ps(part.as_ptr()) }
}

// Four accumulators in every kernel: with two, each FMA waited on the previous one's
// 4-cycle latency (the profile of LVQ builds showed the u4/u8 kernels latency-bound).

#[target_feature(enable = "avx2,fma")]
pub fn dot_u8(q: &[f32], c: &[u8]) -> f32 {
    let n = q.len().min(c.len());
    let (qa, _) = q[..n].as_chunks::<16>();
    let (ca, _) = c[..n].as_chunks::<16>();
    let mut acc = [_mm256_setzero_ps(); 4];
    for (k, (qs, cs)) in qa.iter().zip(ca).enumerate() {
        let (lo, hi) = widen16(load_bytes(cs));
        let pair = 2 * (k & 1);
        acc[pair] = _mm256_fmadd_ps(load8(qs, 0), lo, acc[pair]);
        acc[pair + 1] = _mm256_fmadd_ps(load8(qs, 1), hi, acc[pair + 1]);
    }
    let done = qa.len() * 16;
    hsum4(acc) + super::simd::dot_u8_scalar(&q[done..n], &c[done..n])
}

#[target_feature(enable = "avx2,fma")]
pub fn l2_u8(q: &[f32], bias: f32, step: f32, c: &[u8]) -> f32 {
    let n = q.len().min(c.len());
    let (qa, _) = q[..n].as_chunks::<16>();
    let (ca, _) = c[..n].as_chunks::<16>();
    let (vb, vs) = (_mm256_set1_ps(bias), _mm256_set1_ps(step));
    let mut acc = [_mm256_setzero_ps(); 4];
    for (k, (qs, cs)) in qa.iter().zip(ca).enumerate() {
        let (lo, hi) = widen16(load_bytes(cs));
        let pair = 2 * (k & 1);
        let t0 = _mm256_fnmadd_ps(vs, lo, _mm256_sub_ps(load8(qs, 0), vb));
        let t1 = _mm256_fnmadd_ps(vs, hi, _mm256_sub_ps(load8(qs, 1), vb));
        acc[pair] = _mm256_fmadd_ps(t0, t0, acc[pair]);
        acc[pair + 1] = _mm256_fmadd_ps(t1, t1, acc[pair + 1]);
    }
    let done = qa.len() * 16;
    hsum4(acc) + super::simd::l2_u8_scalar(&q[done..n], bias, step, &c[done..n])
}

#[target_feature(enable = "avx2,fma")]
fn hsum4(acc: [__m256; 4]) -> f32 {
    hsum(_mm256_add_ps(
        _mm256_add_ps(acc[0], acc[1]),
        _mm256_add_ps(acc[2], acc[3]),
    ))
}

/// Low and high nibbles of 16 bytes.
#[target_feature(enable = "avx2,fma")]
fn nibbles(bytes: __m128i) -> (__m128i, __m128i) {
    let mask = _mm_set1_epi8(0x0f);
    (
        _mm_and_si128(bytes, mask),
        _mm_and_si128(_mm_srli_epi16::<4>(bytes), mask),
    )
}

/// Splits a 128-f32 block into its 8 groups of 16.
fn groups(q: &[f32; 128]) -> &[[f32; 16]] {
    q.as_chunks::<16>().0
}

#[target_feature(enable = "avx2,fma")]
pub fn dot_u4_blocked(q: &[f32], c: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let (mut a0, mut a1, mut a2, mut a3) = (
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
        _mm256_setzero_ps(),
    );
    for (qs, cs) in qb.iter().zip(cb) {
        let g = groups(qs);
        for (k, bytes) in cs.as_chunks::<16>().0.iter().enumerate() {
            let (lo, hi) = nibbles(load_bytes(bytes));
            let (l0, l1) = widen16(lo);
            let (h0, h1) = widen16(hi);
            let (ql, qh) = (&g[k], &g[k + 4]);
            a0 = _mm256_fmadd_ps(load8(ql, 0), l0, a0);
            a1 = _mm256_fmadd_ps(load8(ql, 1), l1, a1);
            a2 = _mm256_fmadd_ps(load8(qh, 0), h0, a2);
            a3 = _mm256_fmadd_ps(load8(qh, 1), h1, a3);
        }
    }
    hsum4([a0, a1, a2, a3])
}

#[target_feature(enable = "avx2,fma")]
pub fn l2_u4_blocked(q: &[f32], bias: f32, step: f32, c: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let (vb, vs) = (_mm256_set1_ps(bias), _mm256_set1_ps(step));
    let mut acc = [_mm256_setzero_ps(); 4];
    for (qs, cs) in qb.iter().zip(cb) {
        let g = groups(qs);
        for (k, bytes) in cs.as_chunks::<16>().0.iter().enumerate() {
            let (lo, hi) = nibbles(load_bytes(bytes));
            let (l0, l1) = widen16(lo);
            let (h0, h1) = widen16(hi);
            let (ql, qh) = (&g[k], &g[k + 4]);
            for (slot, (code, qs, half)) in [(l0, ql, 0), (l1, ql, 1), (h0, qh, 0), (h1, qh, 1)]
                .into_iter()
                .enumerate()
            {
                let t = _mm256_fnmadd_ps(vs, code, _mm256_sub_ps(load8(qs, half), vb));
                acc[slot] = _mm256_fmadd_ps(t, t, acc[slot]);
            }
        }
    }
    hsum4(acc)
}

#[target_feature(enable = "avx2,fma")]
pub fn l2_u4x8_blocked(q: &[f32], (base, scale, step): (f32, f32, f32), c: &[u8], k: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let (kb, _) = k.as_chunks::<128>();
    let (vb, vs, vt) = (
        _mm256_set1_ps(base),
        _mm256_set1_ps(scale),
        _mm256_set1_ps(step),
    );
    let mut acc = [_mm256_setzero_ps(); 4];
    for ((qs, cs), ks) in qb.iter().zip(cb).zip(kb) {
        let g = groups(qs);
        let r = ks.as_chunks::<16>().0;
        for (j, bytes) in cs.as_chunks::<16>().0.iter().enumerate() {
            let (lo, hi) = nibbles(load_bytes(bytes));
            let (l0, l1) = widen16(lo);
            let (h0, h1) = widen16(hi);
            let (rl0, rl1) = widen16(load_bytes(&r[j]));
            let (rh0, rh1) = widen16(load_bytes(&r[j + 4]));
            let (ql, qh) = (&g[j], &g[j + 4]);
            for (slot, (code, residual, qs, half)) in [
                (l0, rl0, ql, 0),
                (l1, rl1, ql, 1),
                (h0, rh0, qh, 0),
                (h1, rh1, qh, 1),
            ]
            .into_iter()
            .enumerate()
            {
                let x = _mm256_fmadd_ps(vs, code, _mm256_fmadd_ps(vt, residual, vb));
                let d = _mm256_sub_ps(load8(qs, half), x);
                acc[slot] = _mm256_fmadd_ps(d, d, acc[slot]);
            }
        }
    }
    hsum4(acc)
}
