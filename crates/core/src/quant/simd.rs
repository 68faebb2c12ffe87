//! Code-domain kernels: an f32 query against u8 / packed 4-bit codes, without decoding.
//!
//! Every kernel has one portable body written with fixed 16-lane accumulators over
//! `as_chunks` arrays (auto-vectorised where LLVM manages it); it is also the oracle
//! (`*_scalar`) the tests compare against. On x86_64 the hot kernels have explicit AVX2 + FMA
//! versions ([`super::simd_x86`]) chosen at run time ([`Isa::detect`]). Results differ only by
//! float reassociation / fusion.

// Lane-indexed loops over fixed-size arrays are the form LLVM vectorises most reliably.
#![allow(clippy::needless_range_loop)]

/// Lanes per accumulator block.
const LANES: usize = 16;

/// The instruction set a store's kernels run with: a token that only [`Isa::detect`] (or
/// [`Isa::portable`]) makes, so safe code cannot ask for AVX2 on a CPU without it.
///
/// ```compile_fail
/// // The variants are private: the token cannot be forged.
/// let isa = annlab_core::quant::simd::Isa::Avx2Fma;
/// ```
///
/// ```compile_fail
/// // Nor can the struct be built from outside.
/// let isa = annlab_core::quant::simd::Isa { level: Default::default() };
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isa {
    // Invariant: `Level::Avx2Fma` only after the CPU was checked for AVX2 and FMA.
    level: Level,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    /// A build with `simd128` enabled (a compile-time property: nothing to check at run time).
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    WasmSimd128,
}

impl Isa {
    /// The fastest kernel set this CPU supports, from the detection `distance` caches for the
    /// process (run once, then a relaxed load).
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use crate::distance::KernelPath;
            if matches!(
                crate::distance::kernel_path(),
                KernelPath::Avx2Fma | KernelPath::Avx2FmaF16c | KernelPath::Avx512
            ) {
                return Isa {
                    level: Level::Avx2Fma,
                };
            }
        }
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        {
            return Isa {
                level: Level::WasmSimd128,
            };
        }
        #[allow(unreachable_code)]
        Self::portable()
    }

    /// The portable kernels: always safe, on any CPU.
    pub const fn portable() -> Self {
        Isa {
            level: Level::Portable,
        }
    }

    /// Whether the explicit AVX2 + FMA kernels run.
    pub fn is_avx2_fma(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            self.level == Level::Avx2Fma
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    pub fn name(self) -> &'static str {
        match self.level {
            Level::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Level::Avx2Fma => "avx2+fma",
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Level::WasmSimd128 => "wasm-simd128",
        }
    }
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, acc: f32) -> f32 {
    if FMA {
        a.mul_add(b, acc)
    } else {
        a * b + acc
    }
}

#[inline(always)]
fn reduce(acc: &[f32; LANES]) -> f32 {
    // Pairwise so the result does not depend on how wide the vector unit is.
    let mut a = *acc;
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            a[i] += a[i + width];
        }
        width /= 2;
    }
    a[0]
}

/// `Σ v[i]` with [`LANES`] independent partial sums (a plain fold is one serial chain of adds,
/// which showed up in builds that prepare a query per kept neighbour).
pub fn lane_sum(v: &[f32]) -> f32 {
    let (chunks, tail) = v.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for chunk in chunks {
        for l in 0..LANES {
            acc[l] += chunk[l];
        }
    }
    reduce(&acc) + tail.iter().sum::<f32>()
}

/// `Σ q[i]·c[i]` over `min(q.len(), c.len())` components.
#[inline(always)]
fn dot_u8_body<const FMA: bool>(q: &[f32], c: &[u8]) -> f32 {
    let n = q.len().min(c.len());
    let (q, c) = (&q[..n], &c[..n]);
    let (qa, qt) = q.as_chunks::<LANES>();
    let (ca, ct) = c.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (qs, cs) in qa.iter().zip(ca) {
        for l in 0..LANES {
            acc[l] = madd::<FMA>(qs[l], f32::from(cs[l]), acc[l]);
        }
    }
    let mut tail = 0.0f32;
    for (a, b) in qt.iter().zip(ct) {
        tail = madd::<FMA>(*a, f32::from(*b), tail);
    }
    reduce(&acc) + tail
}

/// `Σ (q[i] − bias − step·c[i])²`.
#[inline(always)]
fn l2_u8_body<const FMA: bool>(q: &[f32], bias: f32, step: f32, c: &[u8]) -> f32 {
    let n = q.len().min(c.len());
    let (q, c) = (&q[..n], &c[..n]);
    let (qa, qt) = q.as_chunks::<LANES>();
    let (ca, ct) = c.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (qs, cs) in qa.iter().zip(ca) {
        for l in 0..LANES {
            let t = madd::<FMA>(-step, f32::from(cs[l]), qs[l] - bias);
            acc[l] = madd::<FMA>(t, t, acc[l]);
        }
    }
    let mut tail = 0.0f32;
    for (a, b) in qt.iter().zip(ct) {
        let t = madd::<FMA>(-step, f32::from(*b), *a - bias);
        tail = madd::<FMA>(t, t, tail);
    }
    reduce(&acc) + tail
}

/// Blocked 4-bit layout: per 128-dimension block, 64 bytes; byte `j` holds dimension `j` in the
/// low nibble and dimension `64 + j` in the high nibble. `q` covers the padded dimensions.
#[inline(always)]
fn dot_u4_blocked_body<const FMA: bool>(q: &[f32], c: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let mut acc = [0.0f32; LANES];
    for (qs, cs) in qb.iter().zip(cb) {
        let (lo_q, hi_q) = qs.split_at(64);
        for k in 0..64 / LANES {
            for l in 0..LANES {
                let j = k * LANES + l;
                let byte = cs[j];
                acc[l] = madd::<FMA>(lo_q[j], f32::from(byte & 0x0f), acc[l]);
                acc[l] = madd::<FMA>(hi_q[j], f32::from(byte >> 4), acc[l]);
            }
        }
    }
    reduce(&acc)
}

/// `Σ (q[i] − bias − step·c[i])²` over every padded dimension of the blocked 4-bit layout.
#[inline(always)]
fn l2_u4_blocked_body<const FMA: bool>(q: &[f32], bias: f32, step: f32, c: &[u8]) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let mut acc = [0.0f32; LANES];
    for (qs, cs) in qb.iter().zip(cb) {
        let (lo_q, hi_q) = qs.split_at(64);
        for k in 0..64 / LANES {
            for l in 0..LANES {
                let j = k * LANES + l;
                let byte = cs[j];
                let t_lo = madd::<FMA>(-step, f32::from(byte & 0x0f), lo_q[j] - bias);
                let t_hi = madd::<FMA>(-step, f32::from(byte >> 4), hi_q[j] - bias);
                acc[l] = madd::<FMA>(t_lo, t_lo, acc[l]);
                acc[l] = madd::<FMA>(t_hi, t_hi, acc[l]);
            }
        }
    }
    reduce(&acc)
}

/// `Σ (q[i] − x[i])²` with `x = base + scale·c + step·k`: the blocked 4-bit primary `c` and
/// an 8-bit residual `k` (one byte per dimension) of two-level LVQ, over whole 128-blocks only
/// (the caller scores a partial last block). One pass instead of decoding the row first.
#[inline(always)]
fn l2_u4x8_blocked_body<const FMA: bool>(
    q: &[f32],
    (base, scale, step): (f32, f32, f32),
    c: &[u8],
    k: &[u8],
) -> f32 {
    let (qb, _) = q.as_chunks::<128>();
    let (cb, _) = c.as_chunks::<64>();
    let (kb, _) = k.as_chunks::<128>();
    let mut acc = [0.0f32; LANES];
    for ((qs, cs), ks) in qb.iter().zip(cb).zip(kb) {
        for g in 0..64 / LANES {
            for l in 0..LANES {
                let j = g * LANES + l;
                let byte = cs[j];
                let x_lo = madd::<FMA>(
                    scale,
                    f32::from(byte & 0x0f),
                    madd::<FMA>(step, f32::from(ks[j]), base),
                );
                let x_hi = madd::<FMA>(
                    scale,
                    f32::from(byte >> 4),
                    madd::<FMA>(step, f32::from(ks[64 + j]), base),
                );
                let (d_lo, d_hi) = (qs[j] - x_lo, qs[64 + j] - x_hi);
                acc[l] = madd::<FMA>(d_lo, d_lo, acc[l]);
                acc[l] = madd::<FMA>(d_hi, d_hi, acc[l]);
            }
        }
    }
    reduce(&acc)
}

/// Sequential 4-bit layout: byte `i` holds dimension `2i` (low nibble) and `2i + 1` (high).
#[inline(always)]
fn dot_u4_seq_body<const FMA: bool>(q: &[f32], c: &[u8]) -> f32 {
    let (qa, qt) = q.as_chunks::<{ 2 * LANES }>();
    let (ca, _) = c.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (qs, cs) in qa.iter().zip(ca) {
        for l in 0..LANES {
            let byte = cs[l];
            acc[l] = madd::<FMA>(qs[2 * l], f32::from(byte & 0x0f), acc[l]);
            acc[l] = madd::<FMA>(qs[2 * l + 1], f32::from(byte >> 4), acc[l]);
        }
    }
    let mut tail = 0.0f32;
    let done = qa.len() * 2 * LANES;
    for (i, a) in qt.iter().enumerate() {
        let dim = done + i;
        let byte = c.get(dim / 2).copied().unwrap_or(0);
        let code = if dim.is_multiple_of(2) {
            byte & 0x0f
        } else {
            byte >> 4
        };
        tail = madd::<FMA>(*a, f32::from(code), tail);
    }
    reduce(&acc) + tail
}

macro_rules! dispatch_kernel {
    ($(#[$doc:meta])* $name:ident, $scalar:ident, $avx:path, $wasm:path, $body:ident, ($($arg:ident: $ty:ty),*)) => {
        $(#[$doc])*
        #[inline]
        pub fn $name(isa: Isa, $($arg: $ty),*) -> f32 {
            match isa.level {
                Level::Portable => $body::<false>($($arg),*),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Level::Avx2Fma` is private and only set by `Isa::detect` after
                // the CPU was checked for AVX2 and FMA at run time.
                Level::Avx2Fma => unsafe { $avx($($arg),*) },
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                Level::WasmSimd128 => $wasm($($arg),*),
            }
        }

        /// The portable body without fused multiply-adds: the oracle for the tests.
        pub fn $scalar($($arg: $ty),*) -> f32 {
            $body::<false>($($arg),*)
        }
    };
}

dispatch_kernel!(
    /// `Σ q[i]·c[i]` over u8 codes.
    dot_u8, dot_u8_scalar, super::simd_x86::dot_u8, super::simd_wasm::dot_u8, dot_u8_body,
    (q: &[f32], c: &[u8])
);
dispatch_kernel!(
    /// `Σ (q[i] − bias − step·c[i])²` over u8 codes.
    l2_u8, l2_u8_scalar, super::simd_x86::l2_u8, super::simd_wasm::l2_u8, l2_u8_body,
    (q: &[f32], bias: f32, step: f32, c: &[u8])
);
dispatch_kernel!(
    /// `Σ q[i]·c[i]` over the blocked 4-bit layout (`q` padded to whole 128-blocks).
    dot_u4_blocked, dot_u4_blocked_scalar, super::simd_x86::dot_u4_blocked,
    super::simd_wasm::dot_u4_blocked, dot_u4_blocked_body, (q: &[f32], c: &[u8])
);
dispatch_kernel!(
    /// `Σ (q[i] − bias − step·c[i])²` over every padded dimension of the blocked 4-bit layout.
    l2_u4_blocked, l2_u4_blocked_scalar, super::simd_x86::l2_u4_blocked,
    super::simd_wasm::l2_u4_blocked, l2_u4_blocked_body,
    (q: &[f32], bias: f32, step: f32, c: &[u8])
);
dispatch_kernel!(
    /// Two-level LVQ4x8 squared L2 over whole 128-blocks (see the body).
    l2_u4x8_blocked, l2_u4x8_blocked_scalar, super::simd_x86::l2_u4x8_blocked,
    super::simd_wasm::l2_u4x8_blocked, l2_u4x8_blocked_body,
    (q: &[f32], constants: (f32, f32, f32), c: &[u8], k: &[u8])
);
dispatch_kernel!(
    /// `Σ q[i]·c[i]` over the sequential 4-bit layout (re-ranking only: auto-vectorised).
    dot_u4_seq, dot_u4_seq_scalar, dot_u4_seq_avx2, dot_u4_seq_portable, dot_u4_seq_body,
    (q: &[f32], c: &[u8])
);

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn dot_u4_seq_portable(q: &[f32], c: &[u8]) -> f32 {
    dot_u4_seq_body::<false>(q, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_u4_seq_avx2(q: &[f32], c: &[u8]) -> f32 {
    dot_u4_seq_body::<true>(q, c)
}

/// `Σ (a[i] − b[i])²` in f32 (the crate's dispatched kernel).
#[inline]
pub fn l2_f32(a: &[f32], b: &[f32]) -> f32 {
    crate::distance::l2sq(a, b)
}
